"""Readers for the weather files park engineers have, in the pvlib iotools shape.

Every ``read_*`` returns ``(data, metadata)``: ``data`` in the normalised
convention of :mod:`forecasts.weather` (interval-start, timezone-aware index,
SI units in the column names), ``metadata`` a dict (also in ``data.attrs``) with
``source``, ``format``, ``latitude``, ``longitude``, ``altitude_m``,
``step_minutes``, ``synthetic`` (False), ``repairs``, ``derived`` and the
file's own header under ``original``.

File conventions handled here (all checked on the real files):

* EPW: hour 1 covers 00:00-01:00 local standard time; pvlib already labels it
  00:00 (interval start). Missing-value codes (9999, 99.9, ...) become NaN and
  so fail validation unless ``repair=True``. Wind at 10 m.
* TMY3: pvlib labels the hour by its end (01:00 for 00:00-01:00); shifted to
  the start here. Pressure mbar -> Pa. Wind at 10 m.
* TMY2: pvlib labels the hour by its start; temperature and wind are in tenths
  (C, m/s), pressure in mbar.
* PVGIS TMY (csv/json/epw): UTC timestamps HH:00; the hourly values are treated
  as centred on HH:00 (``label="center"``), so the index is at HH:30 -- PVGIS gives
  an "irradiance time offset" of a few minutes, kept in the metadata.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from pvlib import iotools

from . import weather as w

#: unit conversions to the normalised units: name -> (kind, function)
_UNITS = {
    "W/m2": ("irradiance", lambda v, s: v), "W m-2": ("irradiance", lambda v, s: v),
    "kW/m2": ("irradiance", lambda v, s: v * 1000.0),
    "Wh/m2": ("irradiance", lambda v, s: v / (s / 3600.0)),  # energy per step -> mean power
    "kWh/m2": ("irradiance", lambda v, s: v * 1000.0 / (s / 3600.0)),
    "J/m2": ("irradiance", lambda v, s: v / s), "J m-2": ("irradiance", lambda v, s: v / s),
    "MJ/m2": ("irradiance", lambda v, s: v * 1e6 / s),
    "C": ("temperature", lambda v, s: v), "degC": ("temperature", lambda v, s: v),
    "K": ("temperature", lambda v, s: v - 273.15),
    "F": ("temperature", lambda v, s: (v - 32.0) * 5.0 / 9.0),
    "m/s": ("speed", lambda v, s: v), "m s-1": ("speed", lambda v, s: v),
    "km/h": ("speed", lambda v, s: v / 3.6), "kn": ("speed", lambda v, s: v * 0.514444),
    "Pa": ("pressure", lambda v, s: v), "hPa": ("pressure", lambda v, s: v * 100.0),
    "mbar": ("pressure", lambda v, s: v * 100.0), "kPa": ("pressure", lambda v, s: v * 1000.0),
    "m": ("length", lambda v, s: v),
}
_KIND_OF_NAME = {"ghi": "irradiance", "dni": "irradiance", "dhi": "irradiance",
                 "temp_air": "temperature", "pressure": "pressure", "roughness_length": "length"}
_TARGET = {"ghi": w.GHI, "dni": w.DNI, "dhi": w.DHI, "temp_air": w.TEMP_AIR,
           "pressure": w.PRESSURE, "roughness_length": w.ROUGHNESS}


def _target(name: str) -> tuple[str, str]:
    """Standard input name ('ghi', 'wind_speed_10m', ...) -> (column, kind)."""
    if name in _TARGET:
        return _TARGET[name], _KIND_OF_NAME[name]
    if name.startswith("wind_speed_") and name.endswith("m"):
        try:
            return w.wind_column(float(name[len("wind_speed_"):-1])), "speed"
        except ValueError:
            pass
    raise ValueError(f"unknown weather variable {name!r}; use one of {sorted(_TARGET)} "
                     "or 'wind_speed_<height>m'")


def convert_units(values, name: str, unit: str, step_seconds: float, source: str = ""):
    """Convert ``values`` of standard variable ``name`` from ``unit`` to the normalised unit."""
    col, kind = _target(name)
    if unit not in _UNITS:
        raise w.WeatherDataError(f"{source}: unknown unit {unit!r} for {name!r}; known: {sorted(_UNITS)}")
    ukind, fn = _UNITS[unit]
    if ukind != kind:
        raise w.WeatherDataError(f"{source}: unit {unit!r} is not a {kind} unit (variable {name!r})")
    return col, fn(np.asarray(values, dtype=float), step_seconds)


def _finish(data, meta, fmt, path, original, repair, timezone, label, **kw):
    frame, meta = w.normalise(data, source=str(path), latitude=meta["latitude"],
                              longitude=meta["longitude"], altitude_m=meta["altitude"],
                              timezone=timezone, label=label, repair=repair,
                              metadata={"format": fmt, "original": original, **kw})
    return frame, meta


def read_epw(path, coerce_year: int | None = None, repair: bool = False, timezone: str | None = None):
    """Read an EnergyPlus weather (EPW) file with :func:`pvlib.iotools.read_epw`.

    Parameters
    ----------
    path : path-like
    coerce_year : int, optional
        Put all rows in this year (TMY-type EPW files mix years).
    repair : bool
        Passed to :func:`forecasts.weather.normalise`.
    timezone : str, optional
        Convert to this timezone (default: the file's fixed UTC offset).
    """
    raw, meta = iotools.read_epw(path, coerce_year=coerce_year)
    data = pd.DataFrame({
        w.GHI: raw["ghi"].where(raw["ghi"] < 9999), w.DNI: raw["dni"].where(raw["dni"] < 9999),
        w.DHI: raw["dhi"].where(raw["dhi"] < 9999),
        w.TEMP_AIR: raw["temp_air"].where(raw["temp_air"] < 99.9),
        w.wind_column(10): raw["wind_speed"].where(raw["wind_speed"] < 999),
        w.PRESSURE: raw["atmospheric_pressure"].where(raw["atmospheric_pressure"] < 999999),
    }, index=raw.index)
    return _finish(data, meta, "epw", path, meta, repair, timezone, "start")


def read_tmy3(path, coerce_year: int | None = 2019, repair: bool = False, timezone: str | None = None):
    """Read a TMY3 file with :func:`pvlib.iotools.read_tmy3`.

    TMY3 rows are labelled by the end of their hour; the index is shifted to the
    start. ``coerce_year`` (default 2019, a non-leap year) puts the typical months
    into one calendar year (the raw years are not monotonic); None keeps them.
    """
    raw, meta = iotools.read_tmy3(path, coerce_year=coerce_year, map_variables=True)
    data = pd.DataFrame({
        w.GHI: raw["ghi"], w.DNI: raw["dni"], w.DHI: raw["dhi"], w.TEMP_AIR: raw["temp_air"],
        w.wind_column(10): raw["wind_speed"], w.PRESSURE: raw["pressure"] * 100.0,
    }, index=raw.index)
    return _finish(data, meta, "tmy3", path, meta, repair, timezone, "end", coerced_year=coerce_year)


def read_tmy2(path, repair: bool = False, timezone: str | None = None):
    """Read a TMY2 (.tm2) file with :func:`pvlib.iotools.read_tmy2` (units: tenths -> SI)."""
    raw, meta = iotools.read_tmy2(path)
    data = pd.DataFrame({
        w.GHI: raw["GHI"], w.DNI: raw["DNI"], w.DHI: raw["DHI"],
        w.TEMP_AIR: raw["DryBulb"] / 10.0, w.wind_column(10): raw["Wspd"] / 10.0,
        w.PRESSURE: raw["Pressure"] * 100.0,
    }, index=raw.index).astype(float)
    return _finish(data, meta, "tmy2", path, meta, repair, timezone, "start")


def read_pvgis_tmy(path, repair: bool = False, timezone: str | None = None):
    """Read a PVGIS TMY file (json, csv or epw) with :func:`pvlib.iotools.read_pvgis_tmy`.

    Timestamps are UTC (converted to ``timezone`` if given); hourly values are
    treated as centred on the timestamp. Wind is at 10 m.
    """
    if str(path).lower().endswith(".epw"):  # PVGIS also serves EPW: same reader as any EPW
        return read_epw(path, repair=repair, timezone=timezone)
    raw, meta = iotools.read_pvgis_tmy(path, map_variables=True)
    loc = meta.get("inputs", {}).get("location", meta.get("inputs", meta))  # json / csv / epw
    site = {"latitude": float(loc["latitude"]), "longitude": float(loc["longitude"]),
            "altitude": float(loc.get("elevation", loc.get("altitude", 0.0)))}
    data = pd.DataFrame({
        w.GHI: raw["ghi"], w.DNI: raw["dni"], w.DHI: raw["dhi"], w.TEMP_AIR: raw["temp_air"],
        w.wind_column(10): raw["wind_speed"], w.PRESSURE: raw["pressure"],
    }, index=raw.index).astype(float)
    offset = loc.get("irradiance_time_offset", loc.get("irradiance time offset"))
    return _finish(data, site, "pvgis_tmy", path, meta, repair, timezone, "center",
                   irradiance_time_offset_h=offset)


def read_weather_csv(path, columns: dict[str, str], units: dict[str, str] | None = None, *,
                     time_column: str, latitude: float, longitude: float, altitude_m: float = 0.0,
                     timezone: str | None = None, label: str = "start", time_format: str | None = None,
                     repair: bool = False, **read_csv_kwargs):
    """Read a plain CSV with named columns and stated units.

    Parameters
    ----------
    path : path-like
    columns : dict
        Standard variable -> CSV column, e.g. ``{"ghi": "GHI", "temp_air": "T",
        "wind_speed_10m": "WS10", "wind_speed_100m": "WS100"}``. Standard
        variables: ghi, dni, dhi, temp_air, pressure, roughness_length,
        wind_speed_<height>m.
    units : dict, optional
        Standard variable -> unit (default the normalised unit), e.g.
        ``{"ghi": "kW/m2", "temp_air": "K"}``. Known units: W/m2, kW/m2, Wh/m2,
        kWh/m2, J/m2, MJ/m2 (energy per step), C, K, F, m/s, km/h, kn, Pa, hPa,
        mbar, kPa, m.
    time_column : str
        Column with the timestamps.
    latitude, longitude, altitude_m : float
        Site [deg, deg, m] (used to derive missing DNI/DHI).
    timezone : str, optional
        Needed if the timestamps carry no offset.
    label : {"start", "end", "center"}
        What each timestamp labels for interval values.
    """
    units = dict(units or {})
    unknown = set(units) - set(columns)
    if unknown:
        raise ValueError(f"units given for unmapped variable(s) {sorted(unknown)}")
    raw = pd.read_csv(path, **read_csv_kwargs)
    missing = [c for c in [time_column, *columns.values()] if c not in raw.columns]
    if missing:
        raise w.WeatherDataError(f"{path}: column(s) {missing} not in file (has {list(raw.columns)})")
    try:
        index = pd.DatetimeIndex(pd.to_datetime(raw[time_column], format=time_format))
    except (ValueError, TypeError) as exc:
        raise w.WeatherDataError(f"{path}: column {time_column!r} has unreadable timestamps: {exc}") from exc
    step_s = float(np.median(np.diff(w._ns(index)))) / 1e9 if len(index) > 1 else 3600.0
    data = {}
    for name, csv_col in columns.items():
        values = pd.to_numeric(raw[csv_col], errors="coerce")
        bad = values.isna() & raw[csv_col].notna()
        if bad.any():
            i = int(np.argmax(bad.to_numpy()))
            raise w.WeatherDataError(f"{path}: column {csv_col!r} value {raw[csv_col].iloc[i]!r} "
                                     f"at {index[i]} is not a number")
        col, vals = convert_units(values, name, units.get(name, _default_unit(name)), step_s, str(path))
        data[col] = vals
    frame = pd.DataFrame(data, index=index)
    return w.normalise(frame, source=str(path), latitude=latitude, longitude=longitude,
                       altitude_m=altitude_m, timezone=timezone, label=label, repair=repair,
                       metadata={"format": "csv", "original": {"columns": columns, "units": units}})


def _default_unit(name):
    return {"irradiance": "W/m2", "temperature": "C", "speed": "m/s",
            "pressure": "Pa", "length": "m"}[_target(name)[1]]


def _coord(ds, *names):
    for n in names:
        if n in ds.coords or n in ds.dims:
            return n
    raise w.WeatherDataError(f"no coordinate named any of {names} (has {list(ds.coords)})")


def read_weather_netcdf(path, latitude: float, longitude: float, method: str = "nearest", *,
                        variables: dict[str, str], units: dict[str, str] | None = None,
                        timezone: str = "UTC", label: str = "start", altitude_m: float = 0.0,
                        repair: bool = False):
    """Read a gridded NWP forecast (NetCDF) at the park's coordinates via xarray.

    Parameters
    ----------
    path : path-like
    latitude, longitude : float
        Park location [deg].
    method : {"nearest", "linear"}
        Nearest grid point or bilinear interpolation. The point must lie inside
        the grid (for "nearest": within half a grid spacing of it).
    variables : dict
        Standard variable -> NetCDF variable, e.g. ``{"ghi": "ssrd", "temp_air": "t2m",
        "wind_speed_10m": "si10"}``; a wind speed can also be given as a pair
        of components ``"u10,v10"``.
    units : dict, optional
        Standard variable -> unit; default: the variable's ``units`` attribute
        (a variable with neither is an error).
    timezone : str
        Naive times in the file are taken as UTC, then converted to this zone.
    label : {"start", "end", "center"}
        What each forecast timestamp labels for interval quantities
        (accumulated radiation is usually labelled by the interval end).
    """
    if method not in ("nearest", "linear"):
        raise ValueError(f"method must be 'nearest' or 'linear', not {method!r}")
    units = dict(units or {})
    with xr.open_dataset(path) as ds:
        lat_n, lon_n = _coord(ds, "latitude", "lat"), _coord(ds, "longitude", "lon")
        time_n = _coord(ds, "time", "valid_time")
        lats, lons = ds[lat_n].values, ds[lon_n].values
        for name, val, grid in ((lat_n, latitude, lats), (lon_n, longitude, lons)):
            spacing = float(np.abs(np.diff(grid)).max()) if len(grid) > 1 else 0.0
            slack = spacing / 2 if method == "nearest" else 0.0
            if not (grid.min() - slack <= val <= grid.max() + slack):
                raise w.WeatherDataError(f"{path}: {name} {val} outside the grid [{grid.min()}, {grid.max()}]")
        if method == "nearest":
            point = ds.sel({lat_n: latitude, lon_n: longitude}, method="nearest")
        else:
            point = ds.interp({lat_n: latitude, lon_n: longitude}, method="linear")
        grid_point = (float(point[lat_n]), float(point[lon_n]))
        index = pd.DatetimeIndex(point[time_n].values)
        if index.tz is None:
            index = index.tz_localize("UTC")
        step_s = float(np.median(np.diff(w._ns(index)))) / 1e9 if len(index) > 1 else 3600.0
        data = {}
        for name, var in variables.items():
            parts = [p.strip() for p in var.split(",")]
            for p in parts:
                if p not in point:
                    raise w.WeatherDataError(f"{path}: variable {p!r} not in file (has {list(ds.data_vars)})")
            arrays = [point[p].values.astype(float) for p in parts]
            values = np.hypot(*arrays) if len(arrays) == 2 else arrays[0]
            unit = units.get(name) or point[parts[0]].attrs.get("units")
            if unit is None:
                raise w.WeatherDataError(f"{path}: variable {parts[0]!r} has no 'units' attribute; "
                                         "state its unit in `units`")
            col, vals = convert_units(values, name, unit, step_s, str(path))
            data[col] = vals
    frame = pd.DataFrame(data, index=index)
    return w.normalise(frame, source=str(path), latitude=latitude, longitude=longitude,
                       altitude_m=altitude_m, timezone=timezone, label=label, repair=repair,
                       metadata={"format": "netcdf", "method": method, "grid_point": grid_point,
                                 "original": {"variables": variables, "units": units}})
