"""PV AC output per array from normalised weather, with one pvlib ModelChain per array.

Model chain (pvlib, PVWatts family): interval-mid solar position (NREL numpy),
Hay-Davies transposition, physical (Fresnel) incidence-angle modifier, no
spectral correction, SAPM cell temperature for the stated mounting, PVWatts DC
model with temperature coefficient ``gamma_pdc``, a lumped DC loss fraction
(soiling, wiring, mismatch, degradation, availability: ``losses_fraction``) and
the PVWatts inverter with nominal efficiency ``inverter_efficiency`` whose AC
limit is ``capacity_kwp / dc_ac_ratio``.

References
----------
W. F. Holmgren, C. W. Hansen, M. A. Mikofski, "pvlib python: a python package for
modeling solar energy systems", JOSS 3(29), 884 (2018), doi:10.21105/joss.00884.
A. P. Dobos, "PVWatts Version 5 Manual", NREL/TP-6A20-62641 (2014).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from . import weather as w
from .lazy import lazy_module

pd = lazy_module("pandas")
pvlib = lazy_module("pvlib")


class PVArray(BaseModel):
    """One PV array (a roof, a ground field) of a park.

    Attributes
    ----------
    name : str
        Unique within the park; the output column name.
    capacity_kwp : float
        DC nameplate at STC [kWp].
    tilt_deg, azimuth_deg : float
        Surface tilt from horizontal [deg] and azimuth [deg, 180 = south]
        (for ``single_axis`` the axis tilt and axis azimuth).
    tracking : {"fixed", "single_axis"}
    max_angle_deg, gcr : float
        Tracker rotation limit [deg] and ground coverage ratio [-] (single axis, backtracking).
    mounting : {"open_rack", "close_mount", "insulated_back"}
        SAPM cell-temperature parameters (ground arrays: open rack; rooftops close mount).
    losses_fraction : float
        Lumped DC losses [-] (PVWatts default 0.14).
    dc_ac_ratio : float
        DC/AC ratio [-]: AC limit = capacity_kwp / dc_ac_ratio.
    inverter_efficiency : float
        PVWatts nominal inverter efficiency [-].
    gamma_pdc_per_c : float
        Power temperature coefficient [1/C].
    albedo : float
        Ground reflectance [-].
    """

    model_config = ConfigDict(extra="forbid")

    name: str
    capacity_kwp: float = Field(gt=0)
    tilt_deg: float = Field(ge=0, le=90)
    azimuth_deg: float = Field(180.0, ge=0, lt=360)
    tracking: Literal["fixed", "single_axis"] = "fixed"
    max_angle_deg: float = Field(60.0, gt=0, le=90)
    gcr: float = Field(0.35, gt=0, lt=1)
    mounting: Literal["open_rack", "close_mount", "insulated_back"] = "open_rack"
    losses_fraction: float = Field(0.14, ge=0, lt=1)
    dc_ac_ratio: float = Field(1.2, gt=0)
    inverter_efficiency: float = Field(0.96, gt=0, le=1)
    gamma_pdc_per_c: float = Field(-0.0035, le=0, ge=-0.01)
    albedo: float = Field(0.2, ge=0, le=1)


_TEMP_PARAMS = {
    "open_rack": "open_rack_glass_polymer",
    "close_mount": "close_mount_glass_glass",
    "insulated_back": "insulated_back_glass_polymer",
}


def _system(array: PVArray) -> pvlib.pvsystem.PVSystem:
    if array.tracking == "fixed":
        mount = pvlib.pvsystem.FixedMount(surface_tilt=array.tilt_deg, surface_azimuth=array.azimuth_deg)
    else:
        mount = pvlib.pvsystem.SingleAxisTrackerMount(
            axis_tilt=array.tilt_deg, axis_azimuth=array.azimuth_deg,
            max_angle=array.max_angle_deg, backtrack=True, gcr=array.gcr)
    pdc_w = array.capacity_kwp * 1000.0
    pv_array = pvlib.pvsystem.Array(
        mount=mount, albedo=array.albedo,
        # the lumped DC loss scales PVWatts DC exactly like (1 - losses) after the fact
        module_parameters={"pdc0": pdc_w * (1.0 - array.losses_fraction), "gamma_pdc": array.gamma_pdc_per_c},
        temperature_model_parameters=pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"][
            _TEMP_PARAMS[array.mounting]],
        name=array.name)
    ac_w = pdc_w / array.dc_ac_ratio
    inverter = {"pdc0": ac_w / array.inverter_efficiency, "eta_inv_nom": array.inverter_efficiency}
    return pvlib.pvsystem.PVSystem(arrays=[pv_array], inverter_parameters=inverter, name=array.name)


def _pvlib_weather(weather: pd.DataFrame, wind_height_m: float = 10.0) -> pd.DataFrame:
    out = pd.DataFrame({"ghi": weather[w.GHI], "dni": weather[w.DNI], "dhi": weather[w.DHI],
                        "temp_air": weather[w.TEMP_AIR]}, index=weather.index)
    heights = w.wind_heights_m(weather)
    if heights:
        # SAPM cell temperature uses wind at 10 m; take the closest height given
        h = min(heights, key=lambda x: abs(x - wind_height_m))
        out["wind_speed"] = weather[heights[h]]
    else:
        out["wind_speed"] = 1.0  # pvlib's default when wind is unknown
    return out


def output_attrs(weather: pd.DataFrame, **extra) -> dict:
    """Attributes carried by every generated series: the weather's source and synthetic flag."""
    attrs = {"synthetic": bool(weather.attrs.get("synthetic", False)),
             "weather_source": weather.attrs.get("source")}
    attrs.update(extra)
    return attrs


def pv_ac_kw(weather: pd.DataFrame, arrays: list[PVArray], latitude: float, longitude: float,
             altitude_m: float = 0.0) -> pd.DataFrame:
    """AC power of each PV array, mean over each step [kW].

    Parameters
    ----------
    weather : DataFrame
        Normalised weather (:mod:`forecasts.weather`), interval-start index.
    arrays : list of PVArray
        Arrays of the park; names must be unique.
    latitude, longitude : float
        Park location [deg].
    altitude_m : float
        Park altitude [m].

    Returns
    -------
    DataFrame
        One column per array [kW], on ``weather.index`` exactly; ``attrs`` carry
        ``synthetic`` and ``weather_source`` from the weather.

    Notes
    -----
    The model chain runs at interval-mid timestamps (``t + step/2``) so the sun
    position matches the interval-mean irradiance; results are put back on
    the interval-start index. Night values are exactly 0 (PVWatts inverter
    night tare is not modelled).
    """
    names = [a.name for a in arrays]
    if len(set(names)) != len(names):
        raise ValueError(f"PV array names must be unique: {names}")
    w.validate_weather(weather, weather.attrs.get("source"))
    step = pd.Timedelta(w.step_minutes_of(weather.index), "min")
    mid = _pvlib_weather(weather)
    mid.index = weather.index + step / 2
    location = pvlib.location.Location(latitude, longitude, tz="UTC", altitude=altitude_m)
    out = pd.DataFrame(index=weather.index)
    for array in arrays:
        mc = pvlib.modelchain.ModelChain(
            _system(array), location, aoi_model="physical", spectral_model="no_loss",
            temperature_model="sapm", dc_model="pvwatts", ac_model="pvwatts")
        with w.quiet_pandas_deprecations():
            mc.run_model(mid)
        out[array.name] = (mc.results.ac.fillna(0.0).clip(lower=0.0) / 1000.0).to_numpy()
    out.attrs = output_attrs(weather, unit="kW", quantity="pv_ac_power")
    return out


def annual_yield_kwh_per_kwp(ac_kw: pd.Series | pd.DataFrame, capacity_kwp: float) -> float:
    """Specific yield [kWh/kWp/yr] of a power series [kW] covering whole years."""
    step_h = w.step_minutes_of(ac_kw.index) / 60.0
    years = len(ac_kw) * step_h / 8760.0
    total = float(pd.DataFrame(ac_kw).to_numpy().sum()) * step_h
    return total / capacity_kwp / years
