"""Reproducible synthetic weather for any site, and forecasts with lead-time-growing error.

No measured weather for the standard Chinese parks ships with any package, so
this module generates it. Every frame it returns has ``attrs["synthetic"] =
True`` and every series computed from it (PV, wind, COP, heat load) carries
that flag on.

Model (all random parts from ``numpy.random.default_rng`` children of ``seed``)
---------------------------------------------------------------------------------
* **Irradiance.** Clear-sky GHI from pvlib's Ineichen model with its bundled
  Linke-turbidity climatology, at interval-mid times. A latent Gaussian
  cloudiness ``z = sqrt(0.7) d + sqrt(0.3) e`` mixes a day-to-day AR(1) ``d``
  (lag-1 correlation ``cloud_day_corr``) and an intraday AR(1) ``e``
  (e-folding time ``cloud_hours``). The clear-sky index is
  ``k = k_min + (k_max - k_min) Phi(s (z - c))``; the offset ``c`` is solved
  (bisection) so that the mean annual GHI over the whole calendar years covering
  the request equals ``annual_ghi_kwh_m2`` exactly. DNI/DHI follow from GHI by
  the Erbs decomposition.
* **Temperature.** ``T = T_mean - A_s cos(2 pi (doy - 18) / 365.25) + A_d (0.4 +
  0.8 k_day) cos(2 pi (hour - 15) / 24) + AR(1) noise`` (sd 2 K, 2-day e-folding),
  ``k_day`` the day's mean clear-sky index (clear days have larger daily ranges).
* **Wind.** A Gaussian AR(1) ``x`` (e-folding ``wind_hours``) mapped through
  ``Phi`` and the Weibull quantile function, so the marginal distribution is
  Weibull(shape ``weibull_shape``); then scaled so the mean over the covering
  calendar years equals ``mean_wind_speed_m_s`` exactly (Weibull is a scale family).
* **Pressure.** ISA surface pressure at ``altitude_m`` (constant).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pvlib
from pydantic import BaseModel, ConfigDict, Field
from scipy.special import ndtr

from . import weather as w
from .wind import surface_pressure_pa, weibull_scale_m_s

MJ_PER_KWH = 3.6


class SiteClimate(BaseModel):
    """Calibration targets of a site, each with its source."""

    model_config = ConfigDict(extra="forbid")

    name: str
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    timezone: str = "Asia/Shanghai"
    altitude_m: float = 0.0
    annual_ghi_kwh_m2: float = Field(gt=0)
    annual_ghi_source: str
    temp_mean_c: float
    temp_seasonal_amplitude_c: float = Field(ge=0)
    temp_daily_amplitude_c: float = Field(ge=0)
    temp_source: str
    mean_wind_speed_m_s: float = Field(gt=0)
    wind_height_m: float = Field(gt=0)
    weibull_shape: float = Field(2.0, gt=0.5, le=5)
    roughness_length_m: float = Field(0.1, gt=0)
    wind_source: str


#: Standard park sites. Irradiation and wind figures are stated assumptions;
#: replace them with measured values when a park has them.
STANDARD_SITES = {
    "dezhou": SiteClimate(
        name="Dezhou", latitude=37.4, longitude=116.3, altitude_m=20.0,
        annual_ghi_kwh_m2=5000 / MJ_PER_KWH,
        annual_ghi_source="assumption: 5,000 MJ/m2/yr, NW Shandong, upper end of CMA class III "
                          "(3,780-5,040 MJ/m2); seeds give 2,600+ sunshine hours",
        temp_mean_c=13.5, temp_seasonal_amplitude_c=14.5, temp_daily_amplitude_c=5.0,
        temp_source="assumption: climate normals, Jan about -2 C, Jul about 27 C",
        mean_wind_speed_m_s=5.5, wind_height_m=100.0, roughness_length_m=0.2,
        wind_source="assumption: 5.5 m/s at 100 m, North China Plain inland"),
    "zhangye": SiteClimate(
        name="Zhangye", latitude=38.9, longitude=100.5, altitude_m=1480.0,
        annual_ghi_kwh_m2=6000 / MJ_PER_KWH,
        annual_ghi_source="assumption: 6,000 MJ/m2/yr, Hexi corridor, CMA class II (5,040-6,300 MJ/m2)",
        temp_mean_c=7.5, temp_seasonal_amplitude_c=15.5, temp_daily_amplitude_c=7.0,
        temp_source="assumption: climate normals, Jan about -9 C, Jul about 22 C, arid large daily range",
        mean_wind_speed_m_s=6.5, wind_height_m=100.0, roughness_length_m=0.05,
        wind_source="assumption: 6.5 m/s at 100 m, Hexi corridor wind base"),
    "tianjin": SiteClimate(
        name="Tianjin TEDA", latitude=39.0, longitude=117.7, altitude_m=5.0,
        annual_ghi_kwh_m2=4935 / MJ_PER_KWH,
        annual_ghi_source="seed 002 (TEDA carbon-peaking plan): 4,935 MJ/m2/yr, class III resource",
        temp_mean_c=12.9, temp_seasonal_amplitude_c=15.0, temp_daily_amplitude_c=4.5,
        temp_source="assumption: climate normals, Jan about -3.5 C, Jul about 27 C",
        mean_wind_speed_m_s=6.0, wind_height_m=100.0, roughness_length_m=0.1,
        wind_source="assumption: 6.0 m/s at 100 m, Bohai coast"),
}


def _ar1(rng, n, phi, sd=1.0):
    """Stationary Gaussian AR(1) with lag-1 correlation ``phi`` and std ``sd``."""
    eps = rng.standard_normal(n)
    x = np.empty(n)
    x[0] = eps[0]
    s = np.sqrt(1.0 - phi * phi)
    for i in range(1, n):  # plain loop: ~10 ms per 35,040 steps
        x[i] = phi * x[i - 1] + s * eps[i]
    return x * sd


def _calibrate_offset(z, cs, target, k_min, k_max, slope):
    """Offset c with sum(k(z, c) * cs) == target (bisection; sum decreases in c)."""
    def total(c):
        return float(np.sum((k_min + (k_max - k_min) * ndtr(slope * (z - c))) * cs))
    lo, hi = -10.0, 10.0
    if not total(hi) <= target <= total(lo):
        raise ValueError(f"annual GHI target {target / 1000:.0f} kWh/m2 outside the reachable range "
                         f"[{total(hi) / 1000:.0f}, {total(lo) / 1000:.0f}] kWh/m2 for this site")
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if total(mid) > target else (lo, mid)
    return 0.5 * (lo + hi)


def synthetic_weather(latitude: float, longitude: float, timezone: str, start, periods: int,
                      step_minutes: float = 60.0, *, annual_ghi_kwh_m2: float,
                      mean_wind_speed_m_s: float, weibull_shape: float = 2.0,
                      wind_height_m: float = 100.0, roughness_length_m: float = 0.1,
                      altitude_m: float = 0.0, temp_mean_c: float = 12.0,
                      temp_seasonal_amplitude_c: float = 15.0, temp_daily_amplitude_c: float = 5.0,
                      seed: int = 0, cloud_day_corr: float = 0.5, cloud_hours: float = 2.0,
                      wind_hours: float = 18.0, k_min: float = 0.08, k_max: float = 1.0,
                      cloud_slope: float = 1.6, sources: dict | None = None):
    """Generate a reproducible normalised weather frame (see module docstring).

    Parameters
    ----------
    latitude, longitude : float
        Site [deg].
    timezone : str
        IANA zone of the index, e.g. ``"Asia/Shanghai"``.
    start : str or Timestamp
        First interval start (local time if naive).
    periods : int
        Number of steps.
    step_minutes : float
        Step [min], dividing 60 or a multiple of 60.
    annual_ghi_kwh_m2 : float
        Calibration target, annual global horizontal irradiation [kWh/m2/yr]
        (MJ/m2 / 3.6).
    mean_wind_speed_m_s : float
        Mean wind speed at ``wind_height_m`` [m/s].
    weibull_shape : float
        Weibull shape k [-].
    wind_height_m, roughness_length_m, altitude_m : float
        [m].
    temp_mean_c, temp_seasonal_amplitude_c, temp_daily_amplitude_c : float
        Annual mean [C], half the Jul-Jan difference [K], half the typical daily range [K].
    seed : int
        Same seed, same weather.
    cloud_day_corr, cloud_hours, wind_hours, k_min, k_max, cloud_slope : float
        Cloudiness and wind process parameters (module docstring).
    sources : dict, optional
        Where the calibration targets come from; kept in the metadata.

    Returns
    -------
    (DataFrame, dict)
        Normalised weather with ``attrs["synthetic"] = True`` and the metadata
        (targets, sources and realised values).
    """
    step = pd.Timedelta(step_minutes, "min")
    start = pd.Timestamp(start)
    start = start.tz_localize(timezone) if start.tz is None else start.tz_convert(timezone)
    index = pd.date_range(start, periods=periods, freq=step)
    y0, y1 = index[0].year, (index[-1] + step - pd.Timedelta(1, "ns")).year
    full = pd.date_range(pd.Timestamp(f"{y0}-01-01", tz=timezone), pd.Timestamp(f"{y1 + 1}-01-01", tz=timezone),
                         freq=step, inclusive="left")
    if not index.isin(full).all():
        raise ValueError("start must lie on the step grid counted from midnight")
    n, n_years, step_h = len(full), y1 - y0 + 1, step / pd.Timedelta(1, "h")
    loc = pvlib.location.Location(latitude, longitude, altitude=altitude_m)
    mid = full + step / 2
    with w.quiet_pandas_deprecations():
        cs = loc.get_clearsky(mid, model="ineichen")
    rng_day, rng_intra, rng_temp, rng_wind = (np.random.default_rng(s)
                                              for s in np.random.SeedSequence(seed).spawn(4))
    day_no = ((full - full[0]) // pd.Timedelta(1, "D")).to_numpy()
    d = _ar1(rng_day, int(day_no[-1]) + 1, cloud_day_corr)[day_no]
    e = _ar1(rng_intra, n, float(np.exp(-step_h / cloud_hours)))
    z = np.sqrt(0.7) * d + np.sqrt(0.3) * e
    cs_ghi = cs["ghi"].to_numpy()
    target_wh = annual_ghi_kwh_m2 * 1000.0 * n_years / step_h
    c = _calibrate_offset(z, cs_ghi, target_wh, k_min, k_max, cloud_slope)
    k = k_min + (k_max - k_min) * ndtr(cloud_slope * (z - c))
    ghi = k * cs_ghi
    k_day = pd.Series(k, index=full).groupby(day_no).transform("mean").to_numpy()
    doy = full.day_of_year.to_numpy()
    hour = (mid.hour + mid.minute / 60.0).to_numpy()
    temp = (temp_mean_c - temp_seasonal_amplitude_c * np.cos(2 * np.pi * (doy - 18) / 365.25)
            + temp_daily_amplitude_c * (0.4 + 0.8 * k_day) * np.cos(2 * np.pi * (hour - 15.0) / 24.0)
            + _ar1(rng_temp, n, float(np.exp(-step_h / 48.0)), sd=2.0))
    x = _ar1(rng_wind, n, float(np.exp(-step_h / wind_hours)))
    u = np.clip(ndtr(x), 1e-12, 1 - 1e-12)
    speed = weibull_scale_m_s(mean_wind_speed_m_s, weibull_shape) * (-np.log1p(-u)) ** (1.0 / weibull_shape)
    speed *= mean_wind_speed_m_s / speed.mean()
    frame = pd.DataFrame({w.GHI: ghi, w.TEMP_AIR: temp, w.wind_column(wind_height_m): speed,
                          w.PRESSURE: surface_pressure_pa(altitude_m), w.ROUGHNESS: roughness_length_m},
                         index=full)
    frame = w.derive_dni_dhi(frame, latitude, longitude, altitude_m).loc[index]
    frame = frame[[w.GHI, w.DNI, w.DHI, w.TEMP_AIR, w.wind_column(wind_height_m), w.PRESSURE, w.ROUGHNESS]]
    meta = {
        "format": "synthetic", "synthetic": True, "seed": seed,
        "calibration": {
            "annual_ghi_kwh_m2_target": annual_ghi_kwh_m2,
            "annual_ghi_kwh_m2_realised_full_years": float(ghi.sum() * step_h / 1000.0 / n_years),
            "mean_wind_speed_m_s_target": mean_wind_speed_m_s,
            "wind_height_m": wind_height_m, "weibull_shape": weibull_shape,
            "temp_mean_c": temp_mean_c, "sources": dict(sources or {}),
        },
        "parameters": {"cloud_day_corr": cloud_day_corr, "cloud_hours": cloud_hours,
                       "wind_hours": wind_hours, "k_min": k_min, "k_max": k_max,
                       "cloud_slope": cloud_slope, "cloud_offset": c},
    }
    return w.normalise(frame, source=f"synthetic(seed={seed})", latitude=latitude, longitude=longitude,
                       altitude_m=altitude_m, metadata=meta)


def site_weather(site: str | SiteClimate, start, periods: int, step_minutes: float = 60.0,
                 seed: int = 0, **overrides):
    """:func:`synthetic_weather` for a :class:`SiteClimate` or a ``STANDARD_SITES`` key."""
    s = STANDARD_SITES[site.lower()] if isinstance(site, str) else site
    kw = dict(annual_ghi_kwh_m2=s.annual_ghi_kwh_m2, mean_wind_speed_m_s=s.mean_wind_speed_m_s,
              weibull_shape=s.weibull_shape, wind_height_m=s.wind_height_m,
              roughness_length_m=s.roughness_length_m, altitude_m=s.altitude_m,
              temp_mean_c=s.temp_mean_c, temp_seasonal_amplitude_c=s.temp_seasonal_amplitude_c,
              temp_daily_amplitude_c=s.temp_daily_amplitude_c,
              sources={"site": s.name, "annual_ghi": s.annual_ghi_source,
                       "temperature": s.temp_source, "wind": s.wind_source})
    kw.update(overrides)
    frame, meta = synthetic_weather(s.latitude, s.longitude, s.timezone, start, periods, step_minutes,
                                    seed=seed, **kw)
    return frame, meta
