"""Finite, plausible magnitudes for every number of a validated scenario, by the unit in its field name.

A value such as ``1e300`` kW, ``1e15`` kWh or ``.inf`` passes a ``>= 0`` check but makes the
model numerically meaningless (HiGHS then stops with status 'Empty' or worse). Every number
must be finite and, by the unit its name ends with, below a bound far above any real park
(100 GW of power, 1 PWh of energy, ...). The first offending value is reported with its
field path, e.g. ``assets[3] (lfp).power_kw = 1e+15``.
"""

from __future__ import annotations

import math
from typing import Any, Iterator

import numpy as np
from pydantic import BaseModel

UNIT_LIMITS: tuple[tuple[str, float, str], ...] = (  # first matching suffix wins: prices before energies
    ("_cny_per_mwh", 1e7, "CNY/MWh"), ("_cny_per_tco2", 1e7, "CNY/tCO2"), ("_cny_per_kw_month", 1e6, "CNY/kW/month"),
    ("_cny_per_kwh_th", 1e5, "CNY/kWh_th"), ("_cny_per_kwh", 1e5, "CNY/kWh"), ("_cny_per_kg", 1e5, "CNY/kg"),
    ("_cny_per_m3", 1e5, "CNY/m3"), ("_cny", 1e10, "CNY"),
    ("_tco2_per_mwh", 100.0, "tCO2/MWh"), ("_tco2_per_m3", 1.0, "tCO2/m3"), ("_tco2_per_gj", 10.0, "tCO2/GJ"),
    ("_tco2_per_tce", 100.0, "tCO2/tce"), ("_kg_co2_per_kg", 1e3, "kgCO2/kg"), ("_tco2", 1e10, "tCO2"),
    ("_kwh_per_kg", 1e4, "kWh/kg"), ("_kwh_per_m3", 1e3, "kWh/m3"), ("_kgce_per_kwh", 10.0, "kgce/kWh"),
    ("_kgce_per_m3", 100.0, "kgce/m3"), ("_kgce_per_kg", 100.0, "kgce/kg"),
    ("_kw_per_h", 1e9, "kW/h"), ("_kg_per_h", 1e7, "kg/h"),
    ("_kw", 1e8, "kW (100 GW)"), ("_kw_th", 1e8, "kW_th (100 GW)"), ("_kwp", 1e8, "kWp (100 GW)"),
    ("_kwh", 1e12, "kWh (1 PWh)"), ("_kwh_th", 1e12, "kWh_th (1 PWh)"), ("_mwh", 1e9, "MWh (1 PWh)"),
    ("_kg", 1e11, "kg"), ("_tce", 1e10, "tce"), ("_hours", 1e5, "h"), ("_per_hour", 1.0, "per hour"),
    ("_s", 1e7, "s"),
)
ANY_LIMIT = 1e12
"""bound on any other number (dimensionless fractions are bounded by their own fields)"""


def implausible(model: BaseModel) -> str | None:
    """``PATH = VALUE: reason`` for the first non-finite or implausibly large number in ``model``, else None."""
    for path, unit_field, value, step in _numbers(model, ""):
        if not math.isfinite(value):
            return f"{path} = {value}{_at(step)}: not a finite number"
        limit, unit = unit_limit(unit_field)
        if abs(value) > limit:
            return (f"{path} = {value:g}{_at(step)}: beyond {limit:g} {unit}, not a plausible value for a park "
                    "(check the unit or the scale)")
    return None


def _at(step: int | None) -> str:
    return "" if step is None else f" at step {step}"


def unit_limit(field: str) -> tuple[float, str]:
    """The bound on the magnitude of a field named ``field`` and its unit, from the name's suffix."""
    for suffix, limit, unit in UNIT_LIMITS:
        if field.endswith(suffix):
            return limit, unit
    return ANY_LIMIT, "in magnitude"


def _numbers(value: Any, path: str, field: str = "") -> Iterator[tuple[str, str, float, int | None]]:
    """(path, field name giving the unit, value, step or None) for every number below ``value``."""
    if isinstance(value, BaseModel):
        name = getattr(value, "name", None)
        if isinstance(name, str) and path.endswith("]"):
            path += f" ({name})"
        items = [(k, getattr(value, k)) for k in type(value).model_fields]
        items += [(k.lstrip("_"), v) for k, v in (value.__pydantic_private__ or {}).items()
                  if isinstance(v, list) and v and isinstance(v[0], BaseModel)]  # e.g. sessions read from a CSV
        for key, item in items:
            yield from _numbers(item, f"{path}.{key}" if path else key, key)
    elif isinstance(value, bool) or value is None or isinstance(value, str):
        return
    elif isinstance(value, (int, float, np.floating, np.integer)):
        yield path, field, float(value), None
    elif isinstance(value, np.ndarray):
        if value.dtype.kind in "fiu" and value.size:
            flat = value.astype(float).ravel()
            bad = ~np.isfinite(flat) | (np.abs(flat) > unit_limit(field)[0])
            if bad.any():
                i = int(np.argmax(bad))
                yield path, field, float(flat[i]), (i if value.ndim == 1 else None)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _numbers(item, f"{path}.{key}", field)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _numbers(item, f"{path}[{i}]", field)
