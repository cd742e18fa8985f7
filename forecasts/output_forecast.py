"""Forecasts of a known "actual" PV, wind or demand series, with error that grows with lead time.

The replay of operations (:mod:`optimiser.operations.replay`) needs, for each issue time,
the forecast an operator would have had then. :func:`issue_forecast` makes it from the
actual series (a scenario's ``available_kw`` / ``demand_kw``, however they were made: a
CSV of measurements, or pvlib / windpowerlib output from synthetic or measured weather).
The error is applied to the normalised output, the quantity forecast accuracy is quoted in:

.. math::

    f_t = \\operatorname{clip}\\big(a_t + \\sigma(L_t)\\, z_t\\, S_t,\\ 0,\\ U_t\\big), \\qquad
    \\sigma(L) = \\sigma_\\infty\\,\\big(1 - e^{-L/\\tau}\\big)

with the actual :math:`a_t` [kW], lead time :math:`L_t` = step start minus issue time [h]
(steps that start before the issue are known: :math:`f_t = a_t`), and a unit-variance
stationary AR(1) :math:`z_t` in time with e-folding ``correlation_h`` (forecast errors come
in runs of hours). The error is exactly zero at lead 0 and its standard deviation rises
to :math:`\\sigma_\\infty` over a few :math:`\\tau`.

* ``pv``: :math:`S_t` = capacity [kW], :math:`U_t` = the clear-sky envelope
  (:func:`pv_envelope_kw`: capacity × clear-sky GHI / the day's highest clear-sky GHI, and
  never below the actual): no output at night, none above what a clear sky gives.
* ``wind``: :math:`S_t` = capacity, :math:`U_t` = capacity.
* ``demand``: :math:`S_t = a_t` (relative error), :math:`U_t = \\infty`.

Capacity is the highest actual value of the series over the period replayed unless given.
The draws of one (seed, series name, issue time) are fixed: a forecast does not depend on
which other forecasts were asked for, nor in which order. Default magnitudes are round
numbers of the order of day-ahead NWP-based forecasts (normalised RMSE of a day-ahead PV
forecast about 0.10 of capacity, wind 0.15, industrial load 3 %); they are parameters for
what-if studies, not measurements.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from .synthetic import _ar1

KINDS = ("pv", "wind", "demand")


class OutputErrorModel(BaseModel):
    """Error magnitudes of :func:`issue_forecast` (see module doc); all zero gives perfect forecasts."""

    model_config = ConfigDict(extra="forbid")

    pv_sd_inf_fraction: float = Field(0.10, ge=0, le=1, description="PV error sd at long lead [fraction of capacity]")
    pv_tau_h: float = Field(6.0, gt=0, description="PV error growth time [h]")
    wind_sd_inf_fraction: float = Field(0.15, ge=0, le=1,
                                        description="wind error sd at long lead [fraction of capacity]")
    wind_tau_h: float = Field(12.0, gt=0, description="wind error growth time [h]")
    demand_sd_inf_fraction: float = Field(0.03, ge=0, le=1,
                                          description="demand error sd at long lead [fraction of the demand]")
    demand_tau_h: float = Field(12.0, gt=0, description="demand error growth time [h]")
    correlation_h: float = Field(3.0, gt=0, description="e-folding time of the AR(1) error in time [h]")

    def sd(self, kind: str, lead_h) -> np.ndarray:
        """Error standard deviation σ(L) of ``kind`` at lead ``lead_h`` [h] (0 before the issue), as a fraction."""
        sd_inf, tau = {"pv": (self.pv_sd_inf_fraction, self.pv_tau_h),
                       "wind": (self.wind_sd_inf_fraction, self.wind_tau_h),
                       "demand": (self.demand_sd_inf_fraction, self.demand_tau_h)}[kind]
        lead = np.clip(np.asarray(lead_h, dtype=float), 0.0, None)
        return sd_inf * (1.0 - np.exp(-lead / tau))

    @classmethod
    def perfect(cls) -> "OutputErrorModel":
        """No error at any lead time."""
        return cls(pv_sd_inf_fraction=0, wind_sd_inf_fraction=0, demand_sd_inf_fraction=0)


def pv_envelope_kw(index: pd.DatetimeIndex, latitude: float, longitude: float, capacity_kw: float,
                   actual_kw: np.ndarray) -> np.ndarray:
    """Upper bound of a PV forecast [kW]: capacity × clear-sky GHI (Ineichen, at mid-step) / the highest
    clear-sky GHI of its local day, never below the actual."""
    from pvlib.location import Location

    from .weather import quiet_pandas_deprecations

    step = index[1] - index[0] if len(index) > 1 else pd.Timedelta(hours=1)
    with quiet_pandas_deprecations():
        ghi = Location(latitude, longitude).get_clearsky(index + step / 2, model="ineichen")["ghi"].to_numpy()
    day_max = pd.Series(ghi).groupby(np.asarray(index.date)).transform("max").to_numpy()
    shape = np.divide(ghi, day_max, out=np.zeros_like(ghi), where=day_max > 0)
    return np.maximum(capacity_kw * shape, np.asarray(actual_kw, dtype=float))


def issue_forecast(actual: np.ndarray, index: pd.DatetimeIndex, issue_time: pd.Timestamp, kind: str, *,
                   name: str, seed: int = 0, error: OutputErrorModel | None = None, capacity_kw: float | None = None,
                   upper_kw: np.ndarray | None = None) -> np.ndarray:
    """The forecast of ``actual`` [kW] on ``index`` issued at ``issue_time`` (see module doc).

    ``name`` (the asset's) and ``seed`` fix the draws; ``upper_kw`` is the PV envelope
    (:func:`pv_envelope_kw`, required for ``pv``); ``capacity_kw`` defaults to ``actual.max()``.
    """
    if kind not in KINDS:
        raise ValueError(f"kind = {kind!r}: one of {', '.join(KINDS)}")
    error = error or OutputErrorModel()
    actual = np.asarray(actual, dtype=float)
    issue = pd.Timestamp(issue_time)
    if issue.tzinfo is None:
        raise ValueError(f"issue_time {issue_time!r} is timezone-naive")
    lead_h = (index - issue) / pd.Timedelta(hours=1)
    sd = error.sd(kind, lead_h.to_numpy())
    if not sd.any():
        return actual.copy()
    step_h = (index[1] - index[0]) / pd.Timedelta(hours=1) if len(index) > 1 else 1.0
    z = _ar1(_rng(seed, name, issue), len(actual), float(np.exp(-step_h / error.correlation_h)))
    if kind == "demand":
        return np.clip(actual * (1.0 + sd * z), 0.0, None)
    capacity = float(actual.max(initial=0.0)) if capacity_kw is None else float(capacity_kw)
    if kind == "pv" and upper_kw is None:
        raise ValueError("a PV forecast needs upper_kw (pv_envelope_kw)")
    upper = np.full_like(actual, capacity) if kind == "wind" else np.asarray(upper_kw, dtype=float)
    return np.clip(actual + sd * z * capacity, 0.0, np.maximum(upper, actual))


def _rng(seed: int, name: str, issue: pd.Timestamp) -> np.random.Generator:
    """A generator fixed by (seed, name, issue time in whole minutes since the epoch)."""
    minutes = int(issue.value // 60_000_000_000)
    return np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(name.encode()), minutes & 0xFFFFFFFF,
                                                         (minutes >> 32) & 0xFFFFFFFF]))

