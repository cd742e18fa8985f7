"""PV and wind yields against independent figures; synthetic weather calibration."""

import math
import os
import socket
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib
import pytest
from scipy import integrate, stats

from forecasts import pv, readers, synthetic, weather as w, wind

PVLIB_DATA = Path(os.path.dirname(pvlib.__file__)) / "data"


def _arrays(lat):
    return [pv.PVArray(name="ground", capacity_kwp=2000, tilt_deg=round(0.85 * lat)),
            pv.PVArray(name="roof", capacity_kwp=500, tilt_deg=10, mounting="close_mount"),
            pv.PVArray(name="tracker", capacity_kwp=1000, tilt_deg=0, tracking="single_axis")]


@pytest.mark.parametrize("name, reader, band", [
    # independent figure: NREL PVWatts v5 (same 14 % losses) gives about 1,350-1,400
    # kWh/kWp for Greensboro NC, ~1,450 for Miami; Sand Point AK is cloudy, sub-900
    ("723170TYA.CSV", readers.read_tmy3, (1250, 1500)),
    ("12839.tm2", readers.read_tmy2, (1350, 1600)),
    ("703165TY.csv", readers.read_tmy3, (650, 950)),
])
def test_pv_yield_on_pvlib_tmy_files(name, reader, band):
    frame, meta = reader(PVLIB_DATA / name)
    ac = pv.pv_ac_kw(frame, _arrays(meta["latitude"]), meta["latitude"], meta["longitude"], meta["altitude_m"])
    assert ac.index.equals(frame.index) and list(ac.columns) == ["ground", "roof", "tracker"]
    y = {c: pv.annual_yield_kwh_per_kwp(ac[c], a.capacity_kwp) for c, a in zip(ac, _arrays(0))}
    assert band[0] <= y["ground"] <= band[1]
    assert y["roof"] < y["ground"] < y["tracker"] * 1.02  # low-tilt roof < optimal tilt <= tracking
    # AC never exceeds the inverter limit capacity / dc_ac_ratio, and night is 0
    assert (ac["ground"] <= 2000 / 1.2 + 1e-6).all() and ac.min().min() >= 0
    assert ac.attrs["synthetic"] is False


def test_pv_array_spec_rejects_unknown_fields_and_bad_units():
    with pytest.raises(ValueError):
        pv.PVArray(name="a", capacity_kwp=1, tilt_deg=20, capacity_kw=1)
    with pytest.raises(ValueError):
        pv.PVArray(name="a", capacity_kwp=1, tilt_deg=20, losses_fraction=14)
    with pytest.raises(ValueError, match="unique"):
        pv.pv_ac_kw(pd.DataFrame(), [pv.PVArray(name="a", capacity_kwp=1, tilt_deg=0)] * 2, 0, 0)


def test_pv_losses_scale_dc_linearly(greensboro):
    frame, meta = greensboro
    day = frame.loc["2019-06-01":"2019-06-07"]
    day.attrs = frame.attrs
    a0 = pv.PVArray(name="a", capacity_kwp=100, tilt_deg=30, losses_fraction=0.0, dc_ac_ratio=0.5)
    a1 = a0.model_copy(update={"losses_fraction": 0.2})
    p0 = pv.pv_ac_kw(day, [a0], meta["latitude"], meta["longitude"])["a"]
    p1 = pv.pv_ac_kw(day, [a1], meta["latitude"], meta["longitude"])["a"]
    assert p1.sum() == pytest.approx(0.8 * p0.sum(), rel=0.01)  # inverter efficiency is flat-ish


def test_wind_matches_windpowerlib_own_test_results():
    """windpowerlib tests/test_modelchain.py::test_with_default_parameter: E-126/4200 at
    100 m, logarithmic profile from 10 m with z0 = 0.15 m -> [1637405.48, 3154438.39] W."""
    idx = pd.date_range("2020-01-01", periods=2, freq="h", tz="UTC")
    frame = pd.DataFrame({w.wind_column(8): [4.0, 5.0], w.wind_column(10): [5.0, 6.5],
                          w.ROUGHNESS: 0.15, w.TEMP_AIR: [-6.15, -5.15], w.PRESSURE: [101125.0, 101000.0]},
                         index=idx)
    farm = wind.WindFarm(name="x", turbine_type="E-126/4200", hub_height_m=100, wake_efficiency=1,
                         availability=1, density_correction=False)
    np.testing.assert_allclose(wind.wind_farm_kw(frame, farm).to_numpy(),
                               [1637.4054840444783, 3154.4383894902095], rtol=1e-9)
    five = farm.model_copy(update={"n_turbines": 5, "wake_efficiency": 0.9, "availability": 0.95})
    np.testing.assert_allclose(wind.wind_farm_kw(frame, five).to_numpy(),
                               [1637.4054840444783 * 5 * 0.855, 3154.4383894902095 * 5 * 0.855], rtol=1e-9)


def test_wind_library_is_offline(monkeypatch, tianjin_year):
    def no_network(*args, **kwargs):
        raise AssertionError("network access attempted")
    monkeypatch.setattr(socket.socket, "connect", no_network)
    import requests
    monkeypatch.setattr(requests, "get", no_network)
    wind._library.cache_clear()
    assert "E-126/4200" in wind.turbine_types().index
    frame, _ = tianjin_year
    farm = wind.WindFarm(name="w", turbine_type="V126/3450", hub_height_m=117, n_turbines=3)
    assert wind.wind_farm_kw(frame.iloc[:48], farm).max() > 0


def test_wind_farm_spec_validation():
    with pytest.raises(ValueError, match="exactly one"):
        wind.WindFarm(name="x", hub_height_m=100)
    with pytest.raises(ValueError, match="no power curve"):
        wind.WindFarm(name="x", turbine_type="NoSuch/1", hub_height_m=100)
    with pytest.raises(ValueError, match="must increase"):
        wind.WindFarm(name="x", hub_height_m=100, power_curve_wind_speed_m_s=[3, 2, 25],
                      power_curve_kw=[0, 10, 20])
    custom = wind.WindFarm(name="x", hub_height_m=80, power_curve_wind_speed_m_s=[0, 3, 12, 25],
                           power_curve_kw=[0, 0, 2000, 2000], n_turbines=2)
    assert custom.capacity_kw == 4000


def test_wind_capacity_factor_matches_weibull_integral(tianjin_year):
    """Independent check: CF of the synthetic year at hub height = integral of the
    power curve against the Weibull(k=2, mean 6 m/s) density (no density correction)."""
    frame, meta = tianjin_year
    farm = wind.WindFarm(name="w", turbine_type="E-126/4200", hub_height_m=100, n_turbines=1,
                         wake_efficiency=1, availability=1, density_correction=False)
    cf = wind.capacity_factor(wind.wind_farm_kw(frame, farm), farm.capacity_kw)
    curve = farm.power_curve()
    lam = wind.weibull_scale_m_s(6.0, 2.0)
    power = lambda v: np.interp(v, curve.wind_speed, curve.value, right=0.0) / 4.2e6
    expected = integrate.quad(lambda v: power(v) * stats.weibull_min.pdf(v, 2.0, scale=lam), 0, 30,
                              limit=200, points=list(curve.wind_speed))[0]
    assert cf == pytest.approx(expected, rel=0.08)
    assert frame.attrs["synthetic"] and wind.wind_farm_kw(frame.iloc[:24], farm).attrs["synthetic"]


def test_synthetic_weather_calibration_and_reproducibility(tianjin_year):
    frame, meta = tianjin_year
    w.validate_weather(frame, require_wind=True)
    assert meta["synthetic"] is True and frame.attrs["synthetic"] is True
    # Tianjin 4,935 MJ/m2/yr (seed 002) hit exactly over the calendar year
    assert frame[w.GHI].sum() / 1000 * 3.6 == pytest.approx(4935, rel=1e-6)
    assert frame[w.wind_column(100)].mean() == pytest.approx(6.0, rel=1e-9)
    shape = stats.weibull_min.fit(frame[w.wind_column(100)], floc=0)[0]
    assert 1.8 < shape < 2.2
    assert -6 < frame[w.TEMP_AIR].loc["2023-01"].mean() < 0 < 24 < frame[w.TEMP_AIR].loc["2023-07"].mean() < 30
    # night is dark, clear-sky bound respected
    assert (frame[w.GHI][frame.index.hour.isin([0, 1, 2, 22, 23])] == 0).all()
    again, _ = synthetic.site_weather("tianjin", "2023-01-01", 8760, 60, seed=1)
    pd.testing.assert_frame_equal(frame, again)
    other, _ = synthetic.site_weather("tianjin", "2023-01-01", 8760, 60, seed=2)
    assert not np.allclose(other[w.GHI], frame[w.GHI])
    assert other[w.GHI].sum() == pytest.approx(frame[w.GHI].sum(), rel=1e-6)


def test_synthetic_partial_period_is_a_slice_of_the_year():
    year, _ = synthetic.site_weather("dezhou", "2023-01-01", 8760 * 4, 15, seed=3)
    week, _ = synthetic.site_weather("dezhou", "2023-06-05", 7 * 96, 15, seed=3)
    pd.testing.assert_frame_equal(week, year.loc[week.index], check_freq=False)


@pytest.mark.parametrize("site, roof_band, ground_band", [
    ("dezhou", (900, 1200), (1050, 1300)), ("tianjin", (900, 1200), (1050, 1300)),
    ("zhangye", (1150, 1500), (1300, 1650))])
def test_standard_site_pv_yields(site, roof_band, ground_band):
    """Seeds: 900-1,200 kWh/kWp/yr in eastern China (rooftop-dominated); Zhangye is a
    class II resource (higher)."""
    frame, _ = synthetic.site_weather(site, "2023-01-01", 8760, 60, seed=0)
    c = synthetic.STANDARD_SITES[site]
    ac = pv.pv_ac_kw(frame, _arrays(c.latitude)[:2], c.latitude, c.longitude, c.altitude_m)
    assert roof_band[0] <= pv.annual_yield_kwh_per_kwp(ac["roof"], 500) <= roof_band[1]
    assert ground_band[0] <= pv.annual_yield_kwh_per_kwp(ac["ground"], 2000) <= ground_band[1]
    assert ac.attrs["synthetic"] is True


def test_resample_mean_vs_instantaneous(greensboro):
    frame, _ = greensboro
    week = frame.loc["2019-03-01":"2019-03-07"].copy()
    week.attrs = frame.attrs
    fine = w.resample_weather(week, 15)
    assert len(fine) == 4 * len(week) and fine.index[0] == week.index[0]
    # interval means: each hour's mean of its four quarters is the original hourly mean
    back = w.resample_weather(fine, 60)
    np.testing.assert_allclose(back[w.GHI], week[w.GHI], atol=1e-9)
    # instantaneous: interpolated, passing through the hourly samples
    np.testing.assert_allclose(back[w.TEMP_AIR], week[w.TEMP_AIR])
    t = fine[w.TEMP_AIR]
    assert t.iloc[2] == pytest.approx((week[w.TEMP_AIR].iloc[0] + week[w.TEMP_AIR].iloc[1]) / 2)
    # the clear-sky shape puts more of the hour's energy where the sun is higher
    noon = fine[w.GHI].loc["2019-03-02 07:00":"2019-03-02 07:45"]
    assert noon.is_monotonic_increasing and noon.iloc[-1] > noon.iloc[0]
    # coarsening a partial hour is an error, not silent truncation
    with pytest.raises(w.WeatherDataError, match="whole 60 min"):
        w.resample_weather(fine.iloc[:-1], 60)


def test_wind_on_10m_weather_without_roughness(greensboro):
    """TMY3 has wind at 10 m and no roughness: the 1/7 power law lifts it to hub height.

    With a roughness column the logarithmic profile is used instead, which must change the result.
    """
    greensboro, _ = greensboro
    farm = wind.WindFarm(name="wf", turbine_type="E-126/4200", hub_height_m=100, n_turbines=2)
    power = wind_farm = wind.wind_farm_kw(greensboro, farm)
    assert power.attrs["wind_speed_model"] == "hellman"
    cf = wind.capacity_factor(power, farm.capacity_kw)
    assert 0.02 < cf < 0.5
    rough = greensboro.assign(roughness_length_m=0.5)
    rough.attrs = dict(greensboro.attrs)
    assert not np.allclose(wind.wind_farm_kw(rough, farm).to_numpy(), wind_farm.to_numpy())
