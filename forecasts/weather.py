"""The normalised weather frame: column names, validation, normalisation, resampling.

Every reader in :mod:`forecasts.readers` and the generator in
:mod:`forecasts.synthetic` return a frame that follows the convention below, and
every generation function (:mod:`forecasts.pv`, :mod:`forecasts.wind`, ...) expects it.

Convention
----------
* Index: timezone-aware, strictly increasing, regular ``DatetimeIndex``. Each
  timestamp labels the **start** of its interval ``[t, t + step)``.
* Columns (SI units, units in the names):

  ======================  =====================================  ==============
  column                  meaning                                kind
  ======================  =====================================  ==============
  ``ghi_w_m2``            global horizontal irradiance [W/m2]    interval mean
  ``dni_w_m2``            direct normal irradiance [W/m2]        interval mean
  ``dhi_w_m2``            diffuse horizontal irradiance [W/m2]   interval mean
  ``temp_air_c``          air temperature at 2 m [C]             instantaneous
  ``wind_speed_<h>m_m_s`` wind speed at height h [m/s]           instantaneous
  ``pressure_pa``         surface air pressure [Pa]              instantaneous
  ``roughness_length_m``  surface roughness length [m]           instantaneous
  ======================  =====================================  ==============

  Interval-mean columns are averaged when coarsening and disaggregated with the
  clear-sky shape (energy-conserving) when refining; instantaneous columns are
  sampled when coarsening and linearly interpolated when refining.
* ``frame.attrs`` carries the metadata dict (``source``, ``latitude``,
  ``longitude``, ``altitude_m``, ``step_minutes``, ``synthetic``, ``repairs``,
  ``derived``); readers also return it as the second item of ``(data, metadata)``.
"""

from __future__ import annotations

import contextlib
import re
import warnings

import numpy as np

from .lazy import lazy_module

pd = lazy_module("pandas")
pvlib = lazy_module("pvlib")

GHI, DNI, DHI = "ghi_w_m2", "dni_w_m2", "dhi_w_m2"
TEMP_AIR = "temp_air_c"
PRESSURE = "pressure_pa"
ROUGHNESS = "roughness_length_m"
IRRADIANCE_COLUMNS = (GHI, DNI, DHI)
INTERVAL_MEAN_COLUMNS = IRRADIANCE_COLUMNS
REQUIRED_COLUMNS = (GHI, DNI, DHI, TEMP_AIR)
#: negative irradiance down to this value [W/m2] is clipped to 0 (and reported)
NEGATIVE_IRRADIANCE_TOLERANCE = 10.0
_WIND_RE = re.compile(r"^wind_speed_(\d+(?:\.\d+)?)m_m_s$")

#: physical plausibility limits (inclusive) per column kind, in normalised units
LIMITS = {
    "irradiance": (0.0, 1500.0),
    TEMP_AIR: (-70.0, 65.0),
    "wind": (0.0, 75.0),
    PRESSURE: (30_000.0, 110_000.0),
    ROUGHNESS: (0.0, 5.0),
}


class WeatherDataError(ValueError):
    """Weather data that cannot be used as given.

    The message names the source (file), the column and the offending value or
    timestamp.
    """


@contextlib.contextmanager
def quiet_pandas_deprecations():
    """Hide pandas-3 deprecation warnings raised *inside* pvlib / demandlib calls.

    pvlib 0.16 and demandlib 0.2.2 still call pandas APIs deprecated in pandas 3
    (e.g. ``DatetimeIndex.dayofyear``); the results are correct. Our own code is
    kept free of them, so the filter only wraps third-party calls.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pd.errors.PandasDeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        yield


def wind_column(height_m: float) -> str:
    """Name of the wind-speed column at ``height_m`` [m], e.g. ``wind_speed_10m_m_s``."""
    return f"wind_speed_{float(height_m):g}m_m_s"


def wind_heights_m(frame: pd.DataFrame) -> dict[float, str]:
    """Map height [m] -> column name for every wind-speed column of ``frame``."""
    out = {}
    for col in frame.columns:
        m = _WIND_RE.match(str(col))
        if m:
            out[float(m.group(1))] = col
    return out


def _ns(index: pd.DatetimeIndex) -> np.ndarray:
    """Timestamps as int64 nanoseconds (pandas 3 indexes may be in s/ms/us)."""
    return index.as_unit("ns").asi8


def step_minutes_of(index: pd.DatetimeIndex) -> float:
    """Regular step of ``index`` [min]; raises WeatherDataError if irregular."""
    if len(index) < 2:
        raise WeatherDataError("need at least two timestamps to know the time step")
    diffs = np.diff(_ns(index))
    if not (diffs == diffs[0]).all():
        raise WeatherDataError("irregular time step")
    return diffs[0] / 60e9


def _where(source):
    return f"{source}: " if source else ""


def _kind(col):
    if col in IRRADIANCE_COLUMNS:
        return "irradiance"
    if _WIND_RE.match(str(col)):
        return "wind"
    return col


def _unit_hint(col, values):
    """A guess at the wrong unit, for the error message."""
    kind = _kind(col)
    vmax, vmed = float(np.nanmax(values)), float(np.nanmedian(values))
    if kind == "irradiance" and 0 < vmax <= 1.5:
        return " (values look like kW/m2; W/m2 expected)"
    if kind == "irradiance" and vmax > 1e5:
        return " (values look like J/m2 per step; W/m2 expected)"
    if kind == TEMP_AIR and vmed > 150:
        return " (values look like Kelvin; degrees C expected)"
    if kind == PRESSURE and 300 <= vmed <= 1100:
        return " (values look like hPa/mbar; Pa expected)"
    if kind == PRESSURE and 30 <= vmed <= 110:
        return " (values look like kPa; Pa expected)"
    if kind == "wind" and vmed > 20:
        return " (values look like km/h or knots; m/s expected)"
    return ""


def validate_weather(frame: pd.DataFrame, source: str | None = None,
                     required=REQUIRED_COLUMNS, require_wind: bool = False) -> None:
    """Check a frame against the normalised convention; raise on the first problem.

    Parameters
    ----------
    frame : DataFrame
        Weather in the normalised convention (see module docstring).
    source : str, optional
        File name or description used in error messages.
    required : sequence of str
        Columns that must be present.
    require_wind : bool
        Also require at least one ``wind_speed_<h>m_m_s`` column.

    Raises
    ------
    WeatherDataError
        Naming the source, the column and the first bad value / timestamp.
    """
    where = _where(source)
    idx = frame.index
    if not isinstance(idx, pd.DatetimeIndex):
        raise WeatherDataError(f"{where}index is not a DatetimeIndex")
    if idx.tz is None:
        raise WeatherDataError(f"{where}timestamps have no timezone")
    dup = idx[idx.duplicated()]
    if len(dup):
        raise WeatherDataError(f"{where}duplicated timestamp {dup[0]} ({len(dup)} duplicates)")
    diffs = np.diff(_ns(idx))
    if (diffs <= 0).any():
        i = int(np.argmax(diffs <= 0))
        raise WeatherDataError(f"{where}timestamps not increasing: {idx[i + 1]} follows {idx[i]}")
    if len(idx) >= 2:
        step = np.bincount(np.unique(diffs, return_inverse=True)[1]).argmax()
        step = np.unique(diffs)[step]
        bad = np.flatnonzero(diffs != step)
        if len(bad):
            i = bad[0]
            raise WeatherDataError(
                f"{where}gap or irregular step after {idx[i]}: next timestamp {idx[i + 1]} "
                f"(regular step is {step / 60e9:g} min; {len(bad)} irregular steps)")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise WeatherDataError(f"{where}missing column(s) {missing}")
    if require_wind and not wind_heights_m(frame):
        raise WeatherDataError(f"{where}no wind_speed_<h>m_m_s column")
    for col in frame.columns:
        kind = _kind(col)
        if kind not in LIMITS:
            continue
        values = frame[col].to_numpy(dtype=float)
        nan = np.isnan(values)
        if nan.any():
            raise WeatherDataError(
                f"{where}column {col!r} has {int(nan.sum())} missing value(s), "
                f"first at {idx[int(np.argmax(nan))]}")
        lo, hi = LIMITS[kind]
        out = (values < lo) | (values > hi)
        if out.any():
            i = int(np.argmax(out))
            raise WeatherDataError(
                f"{where}column {col!r} value {values[i]:g} at {idx[i]} outside "
                f"[{lo:g}, {hi:g}]{_unit_hint(col, values)}")
        hint = _unit_hint(col, values)
        if hint and len(values) >= 24:
            raise WeatherDataError(f"{where}column {col!r}{hint}")


def _repair_timestamps(frame, where, repairs, max_gap_steps):
    if not frame.index.is_monotonic_increasing:
        n = int((np.diff(_ns(frame.index)) < 0).sum())
        frame = frame.sort_index()
        repairs.append(f"sorted {n} out-of-order timestamp(s)")
    dup = frame.index.duplicated(keep="first")
    if dup.any():
        conflicting = frame[frame.index.duplicated(keep=False)].groupby(level=0).nunique().gt(1).any(axis=1)
        repairs.append(f"dropped {int(dup.sum())} duplicated timestamp(s), first {frame.index[dup][0]}, "
                       f"keeping the first row ({int(conflicting.sum())} with conflicting values)")
        frame = frame[~dup]
    if len(frame) >= 2:
        step = pd.Timedelta(np.median(np.diff(_ns(frame.index))), "ns")
        full = pd.date_range(frame.index[0], frame.index[-1], freq=step)
        if len(full) != len(frame) or not full.equals(frame.index):
            added = full.difference(frame.index)
            repairs.append(f"inserted {len(added)} missing timestamp(s) on the {step} grid, first {added[0]}"
                           if len(added) else f"re-gridded to {step}")
            frame = frame.reindex(full)
    for col in frame.columns:
        s = frame[col]
        nan = s.isna()
        if not nan.any():
            continue
        runs = (nan != nan.shift()).cumsum()[nan]
        longest = runs.value_counts().max()
        if longest > max_gap_steps:
            first = runs.index[runs == runs.value_counts().idxmax()][0]
            raise WeatherDataError(
                f"{where}column {col!r} has a gap of {longest} steps from {first}, longer than "
                f"max_gap_steps={max_gap_steps}; not repaired")
        frame[col] = s.interpolate(method="time", limit_direction="both")
        repairs.append(f"interpolated {int(nan.sum())} missing value(s) in {col!r}, first at {nan.idxmax()}")
    return frame


def normalise(frame: pd.DataFrame, *, source: str, latitude: float | None = None,
              longitude: float | None = None, altitude_m: float = 0.0,
              timezone: str | None = None, label: str = "start", repair: bool = False,
              max_gap_steps: int = 3, metadata: dict | None = None, required=REQUIRED_COLUMNS):
    """Bring a frame with standard column names into the normalised convention.

    Parameters
    ----------
    frame : DataFrame
        Columns already named as in the module docstring and in its units.
    source : str
        File name or description; used in messages and kept in the metadata.
    latitude, longitude : float, optional
        Site [deg]. Needed to derive missing DNI/DHI (Erbs decomposition).
    altitude_m : float
        Site altitude [m].
    timezone : str, optional
        Target timezone. A naive index is *localised* to it; an aware index is
        converted. A naive index without ``timezone`` is an error.
    label : {"start", "end", "center"}
        What each input timestamp labels; shifted so that it labels the start.
    repair : bool
        If True sort, de-duplicate, re-grid and interpolate gaps of at most
        ``max_gap_steps`` steps, each repair listed in ``metadata["repairs"]``.
        If False such problems raise :class:`WeatherDataError`.
    max_gap_steps : int
        Longest run of missing steps that ``repair`` will interpolate.
    metadata : dict, optional
        Extra metadata to carry.
    required : sequence of str
        Columns that must be present at the end (after DNI/DHI derivation).

    Returns
    -------
    (DataFrame, dict)
        Normalised frame (its ``attrs`` hold the metadata) and the metadata.
    """
    where = _where(source)
    meta = dict(metadata or {})
    meta.update(source=source, latitude=latitude, longitude=longitude, altitude_m=altitude_m)
    meta.setdefault("synthetic", False)
    repairs, derived = list(meta.get("repairs", [])), list(meta.get("derived", []))
    frame = frame.copy()
    frame.attrs = {}
    if not isinstance(frame.index, pd.DatetimeIndex):
        raise WeatherDataError(f"{where}index is not a DatetimeIndex")
    if frame.index.tz is None:
        if timezone is None:
            raise WeatherDataError(f"{where}timestamps have no timezone and none was given")
        frame.index = frame.index.tz_localize(timezone, ambiguous="raise", nonexistent="raise")
    elif timezone is not None:
        frame.index = frame.index.tz_convert(timezone)
    frame = frame.astype(float)
    frame.index.name = "time"
    if repair:
        frame = _repair_timestamps(frame, where, repairs, max_gap_steps)
    for col in IRRADIANCE_COLUMNS:
        if col in frame:
            # small negatives are a sensor/model offset at night: clip and report;
            # anything below -NEGATIVE_IRRADIANCE_TOLERANCE is left to fail validation
            neg = (frame[col] < 0) & (frame[col] >= -NEGATIVE_IRRADIANCE_TOLERANCE)
            if neg.any():
                frame.loc[neg, col] = 0.0
                repairs.append(f"clipped {int(neg.sum())} small negative value(s) in {col!r} to 0")
    validate_weather(frame, source, required=())  # order, duplicates, gaps, NaNs, ranges of present columns
    step = pd.Timedelta(step_minutes_of(frame.index), "min")
    if label == "end":
        frame.index = frame.index - step
    elif label == "center":
        frame.index = frame.index - step / 2
    elif label != "start":
        raise ValueError(f"label must be 'start', 'end' or 'center', not {label!r}")
    if GHI in frame and (DNI not in frame or DHI not in frame):
        if latitude is None or longitude is None:
            raise WeatherDataError(f"{where}DNI/DHI missing and no latitude/longitude to derive them")
        frame = derive_dni_dhi(frame, latitude, longitude, altitude_m)
        derived.append("dni_w_m2 and dhi_w_m2 from ghi_w_m2 (Erbs decomposition)")
    meta.update(repairs=repairs, derived=derived, step_minutes=step.total_seconds() / 60,
                timezone=str(frame.index.tz), label="start")
    validate_weather(frame, source, required=required)
    frame.attrs = dict(meta)
    return frame, meta


def solar_position_mid(index: pd.DatetimeIndex, latitude, longitude, altitude_m=0.0):
    """Solar position at the middle of each interval, on ``index``."""
    step = pd.Timedelta(step_minutes_of(index), "min")
    with quiet_pandas_deprecations():
        sp = pvlib.solarposition.get_solarposition(index + step / 2, latitude, longitude, altitude_m)
    sp.index = index
    return sp


def derive_dni_dhi(frame: pd.DataFrame, latitude, longitude, altitude_m=0.0) -> pd.DataFrame:
    """Fill DNI/DHI [W/m2] from GHI with the Erbs model (keeps a given DHI).

    If only DHI is given, DNI = (GHI - DHI) / cos(zenith); if neither, both come
    from :func:`pvlib.irradiance.erbs` at the interval-mid solar zenith.
    """
    out = frame.copy()
    sp = solar_position_mid(frame.index, latitude, longitude, altitude_m)
    zen = sp["apparent_zenith"]
    if DHI in frame:
        cosz = np.cos(np.radians(zen)).clip(lower=0.065)  # zenith <= ~86.3 deg
        out[DNI] = ((frame[GHI] - frame[DHI]) / cosz).where(zen < 87, 0.0).clip(lower=0, upper=1400)
    else:
        doy = frame.index.day_of_year.to_numpy()
        with quiet_pandas_deprecations():
            erbs = pvlib.irradiance.erbs(frame[GHI].to_numpy(), zen.to_numpy(), doy)
        out[DNI] = np.clip(np.nan_to_num(np.asarray(erbs["dni"], float)), 0.0, 1400.0)
        out[DHI] = np.clip(np.nan_to_num(np.asarray(erbs["dhi"], float)), 0.0, None)
    return out


# kept here so that forecasts.weather.resample_weather is the public name
from .resample import resample_weather  # noqa: E402,F401
