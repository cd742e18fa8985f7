"""Forecasts of a known "actual" weather, with error that grows with lead time.

For evaluating intraday re-dispatch: :func:`forecast_and_actual` takes an actual
weather frame (synthetic or measured) and issue times and returns, for each
issue, a forecast of the next ``horizon_hours`` whose error standard deviation
grows with lead time ``L`` as

    sd(L) = sd_0 + (sd_inf - sd_0) (1 - exp(-L / tau))

applied to the clear-sky index of GHI (additive), to wind speed (relative, the
same factor at every height) and to air temperature (additive). Within one
forecast the unit-variance error process is an AR(1) in time with e-folding
``error_hours`` (forecast errors are autocorrelated); different issues draw
independent errors from children of ``seed``. DNI/DHI of the forecast follow
from its GHI (Erbs). Default magnitudes are round numbers typical of NWP-based
day-ahead forecasts (clear-sky index RMSE ~0.2-0.3 day-ahead, wind ~30 %
relative); they are parameters, not measurements.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pvlib
from pydantic import BaseModel, ConfigDict, Field

from . import weather as w
from .synthetic import _ar1


class ForecastErrorModel(BaseModel):
    """Lead-time-dependent error magnitudes (``sd(L)`` in the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    clear_sky_index_sd_0: float = Field(0.03, ge=0)
    clear_sky_index_sd_inf: float = Field(0.25, ge=0)
    clear_sky_index_tau_h: float = Field(6.0, gt=0)
    wind_relative_sd_0: float = Field(0.05, ge=0)
    wind_relative_sd_inf: float = Field(0.30, ge=0)
    wind_tau_h: float = Field(12.0, gt=0)
    temp_sd_0_k: float = Field(0.3, ge=0)
    temp_sd_inf_k: float = Field(2.0, ge=0)
    temp_tau_h: float = Field(24.0, gt=0)
    error_hours: float = Field(3.0, gt=0)

    def sd(self, quantity: str, lead_h):
        """Error standard deviation of ``quantity`` ('clear_sky_index', 'wind_relative', 'temp') at lead [h]."""
        p = {"clear_sky_index": (self.clear_sky_index_sd_0, self.clear_sky_index_sd_inf, self.clear_sky_index_tau_h),
             "wind_relative": (self.wind_relative_sd_0, self.wind_relative_sd_inf, self.wind_tau_h),
             "temp": (self.temp_sd_0_k, self.temp_sd_inf_k, self.temp_tau_h)}[quantity]
        return p[0] + (p[1] - p[0]) * (1.0 - np.exp(-np.asarray(lead_h, float) / p[2]))


def forecast_and_actual(actual: pd.DataFrame, issue_times, horizon_hours: float, seed: int = 0,
                        error: ForecastErrorModel | None = None):
    """Forecasts issued at ``issue_times`` for the next ``horizon_hours`` of ``actual``.

    Parameters
    ----------
    actual : DataFrame
        Normalised weather ("truth"); ``attrs`` must hold latitude/longitude.
    issue_times : sequence of Timestamp
        When each forecast is issued; it covers the steps starting at or after
        the issue time and before ``issue + horizon_hours``.
    horizon_hours : float
    seed : int
    error : ForecastErrorModel, optional

    Returns
    -------
    (DataFrame, DataFrame)
        ``forecast`` with a MultiIndex (``issue_time``, ``time``) and the weather
        columns, plus a ``lead_time_h`` column (interval mid minus issue time);
        and ``actual`` restricted to the forecast times. Both carry ``attrs``
        (``synthetic`` copied from ``actual``, ``forecast=True`` on the forecast).
    """
    error = error or ForecastErrorModel()
    lat, lon = actual.attrs.get("latitude"), actual.attrs.get("longitude")
    if lat is None or lon is None:
        raise ValueError("actual.attrs needs latitude and longitude")
    alt = actual.attrs.get("altitude_m") or 0.0
    step = pd.Timedelta(w.step_minutes_of(actual.index), "min")
    step_h = step / pd.Timedelta(1, "h")
    with w.quiet_pandas_deprecations():
        cs = pvlib.location.Location(lat, lon, altitude=alt).get_clearsky(actual.index + step / 2)["ghi"]
    cs.index = actual.index
    winds = list(w.wind_heights_m(actual).values())
    phi = float(np.exp(-step_h / error.error_hours))
    seeds = np.random.SeedSequence(seed).spawn(len(issue_times))
    parts, used = [], pd.DatetimeIndex([], tz=actual.index.tz)
    for issue, ss in zip(issue_times, seeds):
        issue = pd.Timestamp(issue)
        issue = issue.tz_localize(actual.index.tz) if issue.tz is None else issue
        sel = (actual.index >= issue) & (actual.index < issue + pd.Timedelta(horizon_hours, "h"))
        if not sel.any():
            raise ValueError(f"no actual weather after issue time {issue}")
        act = actual.loc[sel]
        lead = ((act.index + step / 2 - issue) / pd.Timedelta(1, "h")).to_numpy()
        rng_k, rng_w, rng_t = (np.random.default_rng(s) for s in ss.spawn(3))
        n = len(act)
        fc = act.copy()
        c = cs.loc[act.index].to_numpy()
        k = np.divide(act[w.GHI].to_numpy(), c, out=np.zeros(n), where=c > 1.0)
        k_fc = np.clip(k + error.sd("clear_sky_index", lead) * _ar1(rng_k, n, phi), 0.0, 1.1)
        fc[w.GHI] = np.where(c > 1.0, k_fc * c, act[w.GHI].to_numpy())
        fc = w.derive_dni_dhi(fc.drop(columns=[w.DNI, w.DHI]), lat, lon, alt)[act.columns]
        factor = np.clip(1.0 + error.sd("wind_relative", lead) * _ar1(rng_w, n, phi), 0.0, None)
        for col in winds:
            fc[col] = act[col].to_numpy() * factor
        fc[w.TEMP_AIR] = act[w.TEMP_AIR].to_numpy() + error.sd("temp", lead) * _ar1(rng_t, n, phi)
        fc["lead_time_h"] = lead
        fc.index = pd.MultiIndex.from_arrays([np.full(n, issue), act.index], names=["issue_time", "time"])
        parts.append(fc)
        used = used.union(act.index)
    forecast = pd.concat(parts)
    forecast.attrs = {**actual.attrs, "forecast": True, "seed": seed, "error_model": error.model_dump(),
                      "horizon_hours": horizon_hours}
    truth = actual.loc[used]
    truth.attrs = dict(actual.attrs)
    return forecast, truth


def forecast_issued_at(forecast: pd.DataFrame, issue_time) -> pd.DataFrame:
    """One issue of a :func:`forecast_and_actual` forecast as a normalised weather frame."""
    frame = forecast.xs(pd.Timestamp(issue_time), level="issue_time").drop(columns="lead_time_h")
    frame.attrs = {k: v for k, v in forecast.attrs.items()}
    frame.attrs["issue_time"] = str(issue_time)
    return frame
