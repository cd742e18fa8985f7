"""Electric and heat load series from annual totals and standard profiles, or measured CSV.

Electric: BDEW 2025 standard load profiles from demandlib (``G25`` commerce,
``H25`` households, ``L25`` agriculture, ``P25``/``S25`` households with PV /
with PV and storage), each with weekday / Saturday / Sunday-and-holiday day types
and monthly shape, plus ``"flat"`` (constant, for continuous process load).
Profiles can be mixed, e.g. ``{"G25": 0.6, "flat": 0.4}``. They are German
profiles: use them for shape only, and prefer measured park data.

Heat: BDEW standard heat load profiles (SigLinDe, demandlib ``HeatBuilding``)
driven by the air temperature, type ``shlp_type`` (``GHD`` commerce, ``GMK``
metal/automotive, ``GKO`` offices/authorities, ``MFH`` apartments, ...).

Chinese public holidays can be passed as ``holidays``; :data:`CHINA_HOLIDAYS`
lists the official days off for 2024-2025 (State Council General Office
notices). Make-up working days on weekends (调休) are not modelled: the BDEW
day types cannot express a working Saturday.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from . import weather as w

PROFILES = ("G25", "H25", "L25", "P25", "S25", "flat")


def _days(year, *ranges):
    out = []
    for (m0, d0), (m1, d1) in ranges:
        day = dt.date(year, m0, d0)
        while day <= dt.date(year, m1, d1):
            out.append(day)
            day += dt.timedelta(days=1)
    return out


#: official public-holiday days off (make-up working days not included)
CHINA_HOLIDAYS = {
    2024: _days(2024, ((1, 1), (1, 1)), ((2, 10), (2, 17)), ((4, 4), (4, 6)), ((5, 1), (5, 5)),
                ((6, 10), (6, 10)), ((9, 15), (9, 17)), ((10, 1), (10, 7))),
    2025: _days(2025, ((1, 1), (1, 1)), ((1, 28), (2, 4)), ((4, 4), (4, 6)), ((5, 1), (5, 5)),
                ((5, 31), (6, 2)), ((10, 1), (10, 8))),
}


def _full_years(index, freq):
    tz = index.tz
    y0, y1 = index[0].year, index[-1].year
    return pd.date_range(pd.Timestamp(f"{y0}-01-01", tz=tz), pd.Timestamp(f"{y1 + 1}-01-01", tz=tz),
                         freq=freq, inclusive="left")


def _to_index(fine: pd.Series, index: pd.DatetimeIndex) -> pd.Series:
    """Interval-mean series on a fine regular grid -> interval means on ``index``."""
    step = pd.Timedelta(w.step_minutes_of(index), "min")
    fine_step = pd.Timedelta(w.step_minutes_of(fine.index), "min")
    if step >= fine_step:
        groups = np.searchsorted(index.as_unit("ns").asi8, fine.index.as_unit("ns").asi8, side="right") - 1
        inside = (groups >= 0) & (fine.index < index[-1] + step)
        means = fine[inside].groupby(groups[inside]).mean()
        return pd.Series(means.reindex(range(len(index))).to_numpy(), index=index)
    return fine.reindex(index, method="ffill")


def _holidays(holidays):
    if holidays is None:
        return None
    return {pd.Timestamp(d).date(): "holiday" for d in holidays}


def electric_load_kw(annual_kwh: float, index: pd.DatetimeIndex, profile: str | dict = "G25",
                     holidays=None) -> pd.Series:
    """Electric demand [kW], interval means on ``index``, scaled to ``annual_kwh`` per calendar year.

    Parameters
    ----------
    annual_kwh : float
        Annual consumption [kWh/yr]; each calendar year touched by ``index`` is
        scaled to it.
    index : DatetimeIndex
        Timezone-aware, regular (interval starts).
    profile : str or dict
        One of :data:`PROFILES` or a weighted mix ``{"G25": 0.7, "flat": 0.3}``.
    holidays : iterable of dates, optional
        Treated as Sundays (e.g. ``CHINA_HOLIDAYS[2025]``).
    """
    if index.tz is None:
        raise ValueError("index must be timezone-aware")
    mix = {profile: 1.0} if isinstance(profile, str) else dict(profile)
    unknown = set(mix) - set(PROFILES)
    if unknown or not mix or min(mix.values()) < 0:
        raise ValueError(f"profile must be one of {PROFILES} or a non-negative mix of them, got {profile!r}")
    quarter = _full_years(index, "15min")
    shape = np.zeros(len(quarter))
    from demandlib import bdew
    for name, weight in mix.items():
        if name == "flat":
            p = np.ones(len(quarter))
        else:
            with w.quiet_pandas_deprecations():
                p = getattr(bdew, name)(quarter, holidays=_holidays(holidays)).to_numpy(dtype=float)
        total = pd.Series(p, index=quarter).groupby(quarter.year).transform("sum").to_numpy() * 0.25
        shape += weight / sum(mix.values()) * p / total  # per-year unit energy [1/h]
    fine = pd.Series(shape * annual_kwh, index=quarter)
    out = _to_index(fine, index)
    out.name, out.attrs = "electric_load_kw", {"unit": "kW", "profile": mix, "annual_kwh": annual_kwh}
    return out


def heat_load_kw(annual_kwh: float, temperature_c: pd.Series, shlp_type: str = "GHD",
                 holidays=None, wind_class: int = 0, building_class: int = 0,
                 hot_water: bool = True) -> pd.Series:
    """Heat demand [kW] from the BDEW SigLinDe profile, interval means on ``temperature_c.index``.

    ``temperature_c`` [C] must cover whole calendar years (the profile is
    normalised per year); slice the result for shorter windows. Each year is
    scaled to ``annual_kwh``. Carries ``synthetic`` from ``temperature_c.attrs``.
    """
    index = temperature_c.index
    if index.tz is None:
        raise ValueError("temperature index must be timezone-aware")
    hourly = _full_years(index, "h")
    if len(hourly) != len(pd.date_range(hourly[0], hourly[-1], freq="h")) or \
            index[0] != hourly[0] or index[-1] + pd.Timedelta(w.step_minutes_of(index), "min") != \
            hourly[-1] + pd.Timedelta(1, "h"):
        raise ValueError("temperature_c must cover whole calendar years (slice the result instead)")
    temp_h = temperature_c.reindex(hourly).interpolate(limit_direction="both")
    from demandlib import bdew
    parts = []
    for year in sorted(set(hourly.year)):
        idx = hourly[hourly.year == year]
        with w.quiet_pandas_deprecations():
            hb = bdew.HeatBuilding(idx, holidays=_holidays(holidays) or {}, temperature=temp_h.loc[idx],
                                   shlp_type=shlp_type, building_class=building_class,
                                   wind_class=wind_class, annual_heat_demand=annual_kwh,
                                   ww_incl=hot_water, name="heat")
            parts.append(pd.Series(hb.get_bdew_profile().to_numpy(dtype=float), index=idx))
    out = _to_index(pd.concat(parts), index)
    out.name = "heat_load_kw"
    out.attrs = {"unit": "kW", "shlp_type": shlp_type, "annual_kwh": annual_kwh,
                 "synthetic": bool(temperature_c.attrs.get("synthetic", False))}
    return out


def read_load_csv(path, time_column: str, value_column: str, unit: str = "kW", *,
                  timezone: str | None = None, label: str = "start", repair: bool = False):
    """Read a measured load series from CSV.

    Parameters
    ----------
    unit : {"kW", "MW", "kWh", "MWh"}
        Power (interval mean) or energy per step.
    label : {"start", "end"}
        Whether timestamps label the start or the end of each metering interval.
    repair : bool
        Interpolate single missing steps and report them; otherwise gaps, NaN,
        duplicates and negative values are errors.

    Returns
    -------
    (Series, dict)
        Load [kW] on an interval-start index, and metadata (``repairs``).
    """
    raw = pd.read_csv(path)
    for col in (time_column, value_column):
        if col not in raw.columns:
            raise w.WeatherDataError(f"{path}: column {col!r} not in file (has {list(raw.columns)})")
    index = pd.DatetimeIndex(pd.to_datetime(raw[time_column]))
    values = pd.to_numeric(raw[value_column], errors="coerce")
    frame = pd.DataFrame({"load": values.to_numpy()}, index=index)
    frame, meta = w.normalise(frame, source=str(path), timezone=timezone, label=label, repair=repair,
                              max_gap_steps=1, required=())
    if frame["load"].isna().any():  # normalise only range-checks known weather columns
        first = frame.index[frame["load"].isna().to_numpy()][0]
        raise w.WeatherDataError(f"{path}: column {value_column!r} missing/non-numeric value at {first}")
    if (frame["load"] < 0).any():
        first = frame.index[(frame["load"] < 0).to_numpy()][0]
        raise w.WeatherDataError(f"{path}: column {value_column!r} negative value "
                                 f"{frame['load'].loc[first]:g} at {first}")
    step_h = w.step_minutes_of(frame.index) / 60.0
    factor = {"kW": 1.0, "MW": 1000.0, "kWh": 1.0 / step_h, "MWh": 1000.0 / step_h}
    if unit not in factor:
        raise ValueError(f"unit must be one of {sorted(factor)}")
    out = frame["load"] * factor[unit]
    out.name = "load_kw"
    meta = {k: v for k, v in meta.items() if k in ("source", "repairs", "step_minutes", "timezone")}
    out.attrs = dict(meta, unit="kW")
    return out, meta
