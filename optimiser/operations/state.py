"""State carried across a run boundary: read it from a solved day, write it into the next day's scenario.

Quantities per asset (``states`` rows):

* ``soc_kwh`` (battery, flow battery, thermal storage), ``level_kg`` (hydrogen tank),
  ``energy_kwh`` (EV fleet): the level at the end of the last step; the next day starts from
  it (``initial_soc_fraction`` = level / ``energy_kwh``, ``initial_level_fraction``,
  ``initial_energy_kwh``).
* ``on`` (0 or 1) and ``hours_on`` / ``hours_off`` (electrolyser; CHP with ``on_off``): the
  status at the end and how long it has held, counting the hours carried in from before the day
  when the status held all day (no row when it held longer than the scenario knows: then the
  unit has been in that status "long enough"). The next day gets ``initially_on`` and
  ``initial_hours_on`` / ``initial_hours_off``, so minimum up and down times run on across the
  boundary exactly as in one run over both days.
* ``power_kw`` (electrolyser with a ramp limit): the stack power of the last step, the next day's
  ``initial_power_kw``.
* ``rebound_owed_kwh``, ``rebound_owed_hours``, ``rebound_owed_direction`` (+1 reduce, -1
  increase) and ``rebound_owed_max_kw`` (demand response): the rebound of an event whose window
  the day's end cuts (an event ending late in the evening, or one running past midnight), the next
  day's ``rebound_carried_in``: paid back in what is left of the window, or with the rebound of
  the event's continuation after midnight, so the rebound is the one of one run over both days.
"""

from __future__ import annotations

from typing import get_args

import numpy as np
import xarray as xr

from ..assets import ASSET_KINDS
from ..assets.commitment import STATUS_TOL
from ..scenario import Scenario

LEVELS = {  # kind: (flow in the dataset, scenario field, capacity field or None for an absolute level)
    "battery": ("soc_kwh", "initial_soc_fraction", "energy_kwh"),
    "flow_battery": ("soc_kwh", "initial_soc_fraction", "energy_kwh"),
    "thermal_storage": ("soc_kwh", "initial_soc_fraction", "energy_kwh"),
    "hydrogen_storage": ("level_kg", "initial_level_fraction", "capacity_kg"),
    "ev_fleet": ("energy_kwh", "initial_energy_kwh", None),
}
BOUNDS = {"initial_soc_fraction": ("min_soc_fraction", "max_soc_fraction"),
          "initial_level_fraction": ("min_level_fraction", "max_level_fraction")}
CLASSES = {get_args(cls.model_fields["kind"].annotation)[0]: cls for cls in ASSET_KINDS}


def _commits(asset) -> bool:
    """True if the asset has an on/off status to carry."""
    return asset.kind == "electrolyser" or (asset.kind == "chp" and asset.on_off)


def end_state(scenario: Scenario, ds: xr.Dataset) -> list[tuple[str, str, float]]:
    """(asset, quantity, value) at the end of the solved horizon (see module doc)."""
    dt_h = scenario.horizon.dt_h
    out = []
    for asset in scenario.assets:
        if asset.kind in LEVELS:
            flow = LEVELS[asset.kind][0]
            out.append((asset.name, flow, float(ds[f"{asset.name}_{flow}"].values[-1])))
        if _commits(asset):
            on = np.round(ds[f"{asset.name}_on"].values) > 0.5
            last = bool(on[-1])
            run = len(on) - (int(np.flatnonzero(on != last)[-1]) + 1 if (on != last).any() else 0)
            hours = run * dt_h
            if run == len(on) and asset.initially_on == last:  # held all day and before: add what was carried in
                before = asset.initial_hours_on if last else asset.initial_hours_off
                hours = None if before is None else hours + before
            out.append((asset.name, "on", float(last)))
            if hours is not None:
                out.append((asset.name, "hours_on" if last else "hours_off", hours))
        if asset.kind == "electrolyser":
            out.append((asset.name, "power_kw", float(ds[f"{asset.name}_power_kw"].values[-1])))
        if asset.kind == "demand_response":
            flows = {f: ds[f"{asset.name}_{f}"].values for f in ("reduction_kw", "increase_kw")}
            owed = asset.rebound_owed(flows, dt_h)
            out += [(asset.name, f"rebound_owed_{key}", float(value)) for key, value in owed.items()]
    return out


def fractional_status(scenario: Scenario, ds: xr.Dataset) -> list[str]:
    """Assets whose last status is neither 0 nor 1 (a relaxed status), carried rounded."""
    names = []
    for asset in scenario.assets:
        if _commits(asset):
            u = float(ds[f"{asset.name}_on"].values[-1])
            if min(abs(u), abs(1 - u)) > STATUS_TOL:
                names.append(asset.name)
    return names


def apply_state(raw: dict, state: dict[tuple[str, str], float]) -> list[str]:
    """Write ``state`` into the scenario dict ``raw`` (in place) as each asset's initial state;
    returns flags for what could not be carried."""
    flags = []
    assets = {a.get("name"): a for a in raw.get("assets", []) if isinstance(a, dict)}
    for name in sorted({asset for asset, _ in state} - set(assets)):
        flags.append(f"stored state of '{name}' ignored: no such asset in the scenario")
    for name, spec in assets.items():
        cls = CLASSES.get(spec.get("kind"))
        if cls is None:
            continue
        kind = spec["kind"]
        if kind in LEVELS:
            flow, field, capacity = LEVELS[kind]
            if (name, flow) not in state:
                flags.append(f"{name}: no stored level, starts from the scenario's {field}")
                continue
            value = state[(name, flow)]
            if capacity is not None:
                value /= float(spec[capacity])
                low, high = (_field(cls, spec, f) for f in BOUNDS[field])
                value = min(max(value, low), high)
            spec[field] = max(value, 0.0)
            if _field(cls, spec, "end_rule") == "cyclic":
                flags.append(f"{name}: end_rule 'cyclic' ignores the carried level")
        if (name, "on") in state and (kind == "electrolyser" or (kind == "chp" and spec.get("on_off"))):
            on = state[(name, "on")] > 0.5
            spec["initially_on"] = on
            spec.pop("initial_hours_on", None)
            spec.pop("initial_hours_off", None)
            hours = state.get((name, "hours_on" if on else "hours_off"))
            if hours is not None:
                spec["initial_hours_on" if on else "initial_hours_off"] = hours
        if kind == "demand_response" and state.get((name, "rebound_owed_energy_kwh"), 0.0) > 0:
            spec["rebound_carried_in"] = {
                "energy_kwh": state[(name, "rebound_owed_energy_kwh")], "hours": state[(name, "rebound_owed_hours")],
                "direction": "reduce" if state[(name, "rebound_owed_direction")] > 0 else "increase",
                **({"max_kw": state[(name, "rebound_owed_max_kw")]} if (name, "rebound_owed_max_kw") in state else {})}
        if kind == "electrolyser" and spec.get("ramp_kw_per_h") is not None and (name, "power_kw") in state:
            spec["initial_power_kw"] = min(max(state[(name, "power_kw")], 0.0), float(spec["power_kw"]))
    return flags


def _field(cls, spec: dict, field: str):
    """A parameter of a raw asset: given, else the kind's default."""
    return spec[field] if field in spec else cls.model_fields[field].default
