"""Wind-farm output from normalised weather with the windpowerlib ModelChain.

Turbine data come from windpowerlib's bundled offline library
(``windpowerlib/oedb/turbine_data.csv`` and ``power_curves.csv``), read here
directly with pandas; the :class:`windpowerlib.WindTurbine` is then built from
the power curve with ``path=None``, so no code path can reach the OpenEnergy
database over the network. A custom power curve can be given instead.

Model chain: hub-height wind speed from the measurement height closest to the
hub, by the logarithmic profile when a roughness length is known (weather
column or ``roughness_length_m``) and otherwise by the Hellman power law
(exponent 1/7); air density at hub height by the barometric formula with a
-6.5 K/km temperature gradient; optional density correction of the power
curve (Svenningsen 2010) as implemented in windpowerlib. Farm output =
``n_turbines * wake_efficiency * availability * P_turbine``.

References
----------
S. Haas et al., "windpowerlib - a python library to model wind power plants",
JOSS 9(93), 5464 (2024), doi:10.21105/joss.05464.
"""

from __future__ import annotations

import importlib.util
import math
import os
from functools import lru_cache

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from . import weather as w
from .lazy import lazy_module
from .pv import output_attrs

pd = lazy_module("pandas")

_OEDB = os.path.join(importlib.util.find_spec("windpowerlib").submodule_search_locations[0], "oedb")
G0, R_AIR, P0_PA, LAPSE_K_M = 9.80665, 287.058, 101325.0, 0.0065


@lru_cache(maxsize=1)
def _library():
    data = pd.read_csv(os.path.join(_OEDB, "turbine_data.csv"), index_col="turbine_type")
    curves = pd.read_csv(os.path.join(_OEDB, "power_curves.csv"), index_col="turbine_type")
    return data, curves


def turbine_types() -> pd.DataFrame:
    """Turbine types with a power curve in windpowerlib's bundled (offline) library.

    Returns
    -------
    DataFrame
        Index ``turbine_type``; columns ``manufacturer``, ``nominal_power_kw``,
        ``rotor_diameter_m``, ``hub_heights_m`` (the manufacturer's options, text).
    """
    data, curves = _library()
    data = data.loc[data.index.isin(curves.index)]
    return pd.DataFrame({"manufacturer": data["manufacturer"],
                         "nominal_power_kw": data["nominal_power"] / 1000.0,
                         "rotor_diameter_m": data["rotor_diameter"],
                         "hub_heights_m": data["hub_height"]})


def turbine_power_curve(turbine_type: str) -> pd.DataFrame:
    """Power curve of a library turbine: columns ``wind_speed`` [m/s], ``value`` [W]."""
    _, curves = _library()
    if turbine_type not in curves.index:
        raise ValueError(f"turbine type {turbine_type!r} has no power curve in windpowerlib's "
                         f"library; see forecasts.wind.turbine_types()")
    row = curves.loc[turbine_type].dropna()
    return pd.DataFrame({"wind_speed": row.index.astype(float), "value": row.to_numpy(dtype=float)})


class WindFarm(BaseModel):
    """A wind farm of identical turbines.

    Give either ``turbine_type`` (windpowerlib library name, e.g. ``"E-126/4200"``)
    or a custom curve (``power_curve_wind_speed_m_s`` with ``power_curve_kw``).

    Attributes
    ----------
    name : str
    turbine_type : str, optional
    power_curve_wind_speed_m_s, power_curve_kw : list of float, optional
        Custom power curve [m/s], [kW]; zero outside its range.
    hub_height_m : float
    n_turbines : int
    wake_efficiency : float
        Farm wake losses as an efficiency [-] (typically 0.88-0.95).
    availability : float
        Technical availability [-] (typically 0.95-0.98).
    roughness_length_m : float, optional
        Used if the weather has no ``roughness_length_m`` column; if neither,
        the Hellman 1/7 power law is used.
    density_correction : bool
        Correct the power curve for air density at hub height.
    """

    model_config = ConfigDict(extra="forbid")

    name: str
    turbine_type: str | None = None
    power_curve_wind_speed_m_s: list[float] | None = None
    power_curve_kw: list[float] | None = None
    hub_height_m: float = Field(gt=0)
    n_turbines: int = Field(1, ge=1)
    wake_efficiency: float = Field(0.92, gt=0, le=1)
    availability: float = Field(0.97, gt=0, le=1)
    roughness_length_m: float | None = Field(None, gt=0, le=5)
    density_correction: bool = True

    @model_validator(mode="after")
    def _one_curve(self):
        custom = self.power_curve_wind_speed_m_s is not None or self.power_curve_kw is not None
        if (self.turbine_type is None) == (not custom):
            raise ValueError("give exactly one of turbine_type or a custom power curve")
        if custom:
            v, p = self.power_curve_wind_speed_m_s, self.power_curve_kw
            if v is None or p is None or len(v) != len(p) or len(v) < 2:
                raise ValueError("custom power curve needs equally long wind speed and power lists")
            if any(b <= a for a, b in zip(v, v[1:])) or min(p) < 0:
                raise ValueError("custom power curve: wind speeds must increase, power must be >= 0")
        else:
            turbine_power_curve(self.turbine_type)
        return self

    def power_curve(self) -> pd.DataFrame:
        """Power curve of one turbine: ``wind_speed`` [m/s], ``value`` [W]."""
        if self.turbine_type is not None:
            return turbine_power_curve(self.turbine_type)
        return pd.DataFrame({"wind_speed": np.asarray(self.power_curve_wind_speed_m_s, float),
                             "value": np.asarray(self.power_curve_kw, float) * 1000.0})

    @property
    def nominal_power_kw(self) -> float:
        """Turbine rating [kW] (library value, or the curve maximum)."""
        if self.turbine_type is not None:
            return float(_library()[0].loc[self.turbine_type, "nominal_power"]) / 1000.0
        return float(max(self.power_curve_kw))

    @property
    def capacity_kw(self) -> float:
        """Farm nameplate [kW]."""
        return self.nominal_power_kw * self.n_turbines


def surface_pressure_pa(altitude_m: float) -> float:
    """ISA surface pressure at ``altitude_m`` [Pa]."""
    return P0_PA * (1 - LAPSE_K_M * altitude_m / 288.15) ** (G0 / (R_AIR * LAPSE_K_M))


def _windpowerlib_weather(weather, farm, altitude_m):
    heights = w.wind_heights_m(weather)
    if not heights:
        raise w.WeatherDataError(f"{weather.attrs.get('source')}: no wind_speed_<h>m_m_s column")
    cols = {("wind_speed", h): weather[c].to_numpy() for h, c in heights.items()}
    cols[("temperature", 2)] = weather[w.TEMP_AIR].to_numpy() + 273.15
    if w.PRESSURE in weather:
        cols[("pressure", 0)] = weather[w.PRESSURE].to_numpy()
    else:
        cols[("pressure", 0)] = np.full(len(weather), surface_pressure_pa(altitude_m))
    z0 = weather[w.ROUGHNESS].to_numpy() if w.ROUGHNESS in weather else farm.roughness_length_m
    # windpowerlib's hellman model reads this column even when an explicit exponent is given, and
    # then ignores it: without a known roughness the 1/7 exponent is used and the placeholder is inert.
    cols[("roughness_length", 0)] = np.broadcast_to(0.1 if z0 is None else z0, (len(weather),))
    df = pd.DataFrame(cols, index=weather.index)
    df.columns = pd.MultiIndex.from_tuples(df.columns)
    return df, z0 is not None


def wind_farm_kw(weather: pd.DataFrame, farm: WindFarm, altitude_m: float = 0.0) -> pd.Series:
    """Electric output of a wind farm [kW] on ``weather.index``.

    Parameters
    ----------
    weather : DataFrame
        Normalised weather with at least one ``wind_speed_<h>m_m_s`` column and
        ``temp_air_c``; ``pressure_pa`` (else ISA pressure at ``altitude_m``) and
        ``roughness_length_m`` are optional.
    farm : WindFarm
    altitude_m : float
        Site altitude [m], only used when the weather has no pressure.

    Returns
    -------
    Series
        Farm output [kW]; ``attrs`` carry ``synthetic``, ``weather_source``,
        ``capacity_kw`` and ``wind_speed_model``.

    Notes
    -----
    Wind speed is an instantaneous quantity: each step's power is computed
    from the step's wind speed sample, an estimate of the interval-mean power.
    """
    from windpowerlib import ModelChain, WindTurbine  # about 1 s: only where used

    wpl_weather, has_z0 = _windpowerlib_weather(weather, farm, altitude_m)
    turbine = WindTurbine(hub_height=farm.hub_height_m, nominal_power=farm.nominal_power_kw * 1000.0,
                          power_curve=farm.power_curve(), path=None)
    model = "logarithmic" if has_z0 else "hellman"
    mc = ModelChain(turbine, wind_speed_model=model, density_model="barometric",
                    temperature_model="linear_gradient", power_output_model="power_curve",
                    density_correction=farm.density_correction,
                    hellman_exp=None if has_z0 else 1.0 / 7.0)
    mc.run_model(wpl_weather)
    power_w = mc.power_output.to_numpy(dtype=float)
    factor = farm.n_turbines * farm.wake_efficiency * farm.availability
    out = pd.Series(np.clip(power_w, 0.0, None) * factor / 1000.0, index=weather.index, name=farm.name)
    out.attrs = output_attrs(weather, unit="kW", quantity="wind_power", capacity_kw=farm.capacity_kw,
                             wind_speed_model=model)
    return out


def capacity_factor(power_kw: pd.Series, capacity_kw: float) -> float:
    """Mean output over nameplate [-]."""
    return float(power_kw.mean()) / capacity_kw


def weibull_scale_m_s(mean_m_s: float, shape: float) -> float:
    """Weibull scale parameter [m/s] for a mean speed and shape k: mean / Gamma(1 + 1/k)."""
    return mean_m_s / math.gamma(1.0 + 1.0 / shape)
