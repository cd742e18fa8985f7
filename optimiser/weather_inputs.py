"""Renewable availability from weather: the scenario's ``weather`` section through ``forecasts``.

A ``pv`` asset may give ``arrays`` (pvlib model chains) and a ``wind`` asset a
``farm`` (windpowerlib) instead of an ``available_kw`` series; the weather then
comes from the scenario's ``weather`` section: a weather file (EPW, TMY3, TMY2,
PVGIS, CSV, NetCDF) or the seeded synthetic generator. Typical-year files are
laid onto the horizon's calendar year(s). Weather made by the generator is
labelled synthetic in every output.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np
from .lazy import pd
from pydantic import BaseModel, ConfigDict, Field, model_validator


class SyntheticWeather(BaseModel):
    """Seeded synthetic weather calibrated to a site's climate (``forecasts.synthetic``)."""

    model_config = ConfigDict(extra="forbid")
    site: Literal["dezhou", "zhangye", "tianjin"] = Field(description="standard site whose calibration targets to use")
    seed: int = Field(0, description="random seed: the same seed gives the same weather")
    overrides: dict[str, Any] = Field(
        default_factory=dict,
        description="calibration overrides, e.g. annual_ghi_kwh_m2, mean_wind_speed_m_s, weibull_shape",
    )
    generate_step_minutes: Literal[15, 60] | None = Field(
        None, description="generate at this step [min] and resample to the horizon's (15 for an hourly year "
                          "whose weather is that of the same park's 15-minute days); default: the horizon's step",
    )


class WeatherFile(BaseModel):
    """A weather file read with ``forecasts.readers``."""

    model_config = ConfigDict(extra="forbid")
    path: str = Field(description="weather file, relative to the scenario file")
    format: Literal["epw", "tmy3", "tmy2", "pvgis", "csv", "netcdf"]
    typical_year: bool = Field(True, description="lay the file's months onto the horizon's year (TMY-style files)")
    options: dict[str, Any] = Field(
        default_factory=dict,
        description="reader keyword arguments (csv: columns, units, time_column; netcdf: variables, method, ...)",
    )


class Weather(BaseModel):
    """Where weather comes from: exactly one of ``file`` and ``synthetic``."""

    model_config = ConfigDict(extra="forbid")
    file: WeatherFile | None = None
    synthetic: SyntheticWeather | None = None

    @model_validator(mode="after")
    def _one_source(self) -> "Weather":
        if (self.file is None) == (self.synthetic is None):
            raise ValueError("give exactly one of 'file' and 'synthetic'")
        return self


def load_weather(weather: Weather, park, index: pd.DatetimeIndex, step_minutes: int, base_dir: Path) -> pd.DataFrame:
    """Normalised weather on exactly ``index`` (raises ``ValueError`` naming the file and the gap)."""
    from forecasts import readers
    from forecasts.resample import resample_weather
    from forecasts.synthetic import site_weather

    if weather.synthetic is not None:
        spec = weather.synthetic
        fine = spec.generate_step_minutes or step_minutes
        if step_minutes % fine:
            raise ValueError(f"synthetic.generate_step_minutes {fine} does not divide the horizon's step {step_minutes}")
        frame, _ = site_weather(spec.site, index[0], len(index) * (step_minutes // fine), fine, seed=spec.seed,
                                **spec.overrides)
        if fine != step_minutes:
            frame = resample_weather(frame, step_minutes)
        frame.attrs["synthetic"] = True
        return frame
    spec = weather.file
    path = base_dir / spec.path
    if not path.is_file():
        raise ValueError(f"weather file '{spec.path}' not found (looked for {path.resolve()})")
    geo = {"latitude": park.latitude, "longitude": park.longitude}
    read = {
        "epw": lambda: readers.read_epw(path),
        "tmy3": lambda: readers.read_tmy3(path),
        "tmy2": lambda: readers.read_tmy2(path),
        "pvgis": lambda: readers.read_pvgis_tmy(path),
        "csv": lambda: readers.read_weather_csv(path, timezone=park.timezone, **geo, **spec.options),
        "netcdf": lambda: readers.read_weather_netcdf(path, timezone=park.timezone, **geo, **spec.options),
    }[spec.format]
    try:
        frame, meta = read()
    except (ValueError, TypeError) as exc:  # forecasts.weather.WeatherDataError and bad reader options
        raise ValueError(f"weather file '{spec.path}' ({spec.format}): {exc}") from None
    except Exception as exc:  # a third-party reader's failure on a malformed file (KeyError, IndexError, ...)
        raise ValueError(f"weather file '{spec.path}' is not a readable {spec.format} file "
                         f"({type(exc).__name__}: {exc})") from None
    attrs = dict(frame.attrs)
    if spec.typical_year:  # in the file's own (usually fixed-offset) zone, so DST cannot tear the steps
        frame = _onto_years(frame, sorted(set(index.tz_convert(frame.index.tz).year)))
    frame = frame.tz_convert(park.timezone)
    if round(_step_minutes(frame.index)) != step_minutes:
        frame = resample_weather(frame, step_minutes)
    missing = index.difference(frame.index)
    if len(missing):
        raise ValueError(f"weather file '{spec.path}' does not cover step {missing[0].isoformat()}")
    out = frame.loc[index]
    out.attrs = {**attrs, "synthetic": bool(attrs.get("synthetic", False))}
    return out


def _step_minutes(index: pd.DatetimeIndex) -> float:
    return float(np.median(np.diff(index.asi8[:50])) / 6e10)


def _onto_years(frame: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Repeat a typical-year frame on each calendar year in ``years`` (29 February dropped or filled)."""
    local = frame.index.tz_localize(None)
    keep = ~((local.month == 2) & (local.day == 29))
    parts = []
    for year in years:
        stamps = pd.DatetimeIndex([t.replace(year=year) for t in local[keep]])
        part = frame[keep].set_axis(stamps.tz_localize(frame.index.tz, nonexistent="shift_forward",
                                                        ambiguous="NaT"))
        if pd.Timestamp(year=year, month=3, day=1).is_leap_year:  # fill 29 Feb with 28 Feb
            feb28 = part[(part.index.month == 2) & (part.index.day == 28)]
            parts.append(feb28.set_axis(feb28.index + pd.Timedelta(days=1)))
        parts.append(part)
    out = pd.concat(parts).sort_index()
    return out[~out.index.duplicated()]


def renewable_availability(asset, weather: pd.DataFrame, park) -> np.ndarray:
    """Available AC power of a ``pv`` (from ``arrays``) or ``wind`` (from ``farm``) asset [kW]."""
    from forecasts.pv import pv_ac_kw
    from forecasts.wind import wind_farm_kw

    if asset.kind == "pv":
        power = pv_ac_kw(weather, asset.arrays, park.latitude, park.longitude, park.altitude_m).sum(axis=1)
    else:
        power = wind_farm_kw(weather, asset.farm, park.altitude_m)
    return np.clip(power.to_numpy(dtype=float), 0.0, None)
