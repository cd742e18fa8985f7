"""Readers on real shipped files and on malformed copies of them."""

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib
import pytest
import xarray as xr

from forecasts import readers, weather as w

PVLIB_DATA = Path(os.path.dirname(pvlib.__file__)) / "data"
DATA = Path(__file__).parent / "data"


def _check_normalised(frame, meta):
    w.validate_weather(frame)
    assert frame.index.tz is not None
    assert meta["synthetic"] is False and frame.attrs["synthetic"] is False
    assert set(w.REQUIRED_COLUMNS) <= set(frame.columns)


@pytest.mark.parametrize("name, lat, tz_hours, mean_temp", [
    ("723170TYA.CSV", 36.1, -5, 14.4), ("703165TY.csv", 55.317, -9, 4.4)])
def test_read_tmy3_real(name, lat, tz_hours, mean_temp):
    frame, meta = readers.read_tmy3(PVLIB_DATA / name)
    _check_normalised(frame, meta)
    assert len(frame) == 8760 and meta["latitude"] == lat
    # TMY3 rows are labelled by the hour end; normalised index labels the start
    assert frame.index[0] == pd.Timestamp("2019-01-01 00:00") .tz_localize(frame.index.tz)
    assert frame.index.tz.utcoffset(None) == pd.Timedelta(hours=tz_hours)
    assert frame[w.TEMP_AIR].mean() == pytest.approx(mean_temp, abs=0.1)
    assert 90_000 < frame[w.PRESSURE].median() < 105_000  # mbar converted to Pa


def test_tmy3_night_is_dark_at_interval_start_labels():
    frame, _ = readers.read_tmy3(PVLIB_DATA / "723170TYA.CSV")
    # the 05:00-06:00 interval in January (sunrise ~07:30 EST) must be dark
    jan = frame.loc["2019-01"]
    assert jan[w.GHI].groupby(jan.index.hour).mean().loc[5] == 0
    assert jan[w.GHI].groupby(jan.index.hour).mean().loc[12] > 200


def test_read_tmy2_real():
    frame, meta = readers.read_tmy2(PVLIB_DATA / "12839.tm2")
    _check_normalised(frame, meta)
    assert meta["latitude"] == pytest.approx(25.8)
    assert 20 < frame[w.TEMP_AIR].mean() < 28  # Miami, tenths of C converted


def test_read_epw_and_pvgis_json_agree():
    """The EPW and JSON excerpts of the same PVGIS TMY hold the same two days."""
    epw, m1 = readers.read_epw(DATA / "pvgis_tmy_45N_8E_excerpt.epw")
    js, m2 = readers.read_pvgis_tmy(DATA / "pvgis_tmy_45N_8E_excerpt.json")
    _check_normalised(epw, m1)
    _check_normalised(js, m2)
    assert m1["latitude"] == m2["latitude"] == 45.0 and m2["altitude_m"] == 250.0
    assert epw[w.GHI].sum() == js[w.GHI].sum() == pytest.approx(808.0 + 1964.0)
    # PVGIS json: centre-labelled UTC hours -> interval starts at HH:30 UTC
    assert js.index[0] == pd.Timestamp("2017-12-31 23:30", tz="UTC")
    assert m2["irradiance_time_offset_h"] == pytest.approx(0.1761)
    np.testing.assert_allclose(epw[w.PRESSURE].to_numpy(), js[w.PRESSURE].to_numpy())


def test_read_pvgis_epw_goes_through_epw_reader():
    frame, meta = readers.read_pvgis_tmy(DATA / "pvgis_tmy_45N_8E_excerpt.epw")
    assert meta["format"] == "epw" and len(frame) == 48


def test_epw_missing_code_is_an_error_naming_file_column_and_time(tmp_path):
    lines = (DATA / "pvgis_tmy_45N_8E_excerpt.epw").read_text().splitlines()
    fields = lines[8 + 10].split(",")
    fields[13] = "9999"  # GHI missing code, 2018-01-01 hour 11
    lines[8 + 10] = ",".join(fields)
    bad = tmp_path / "bad.epw"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(w.WeatherDataError, match=r"bad\.epw.*ghi_w_m2.*2018-01-01 10:00"):
        readers.read_epw(bad)
    frame, meta = readers.read_epw(bad, repair=True)
    assert frame[w.GHI].iloc[10] == pytest.approx((149 + 140) / 2)
    assert any("interpolated 1" in r for r in meta["repairs"])


def _csv(tmp_path, **changes):
    js, _ = readers.read_pvgis_tmy(DATA / "pvgis_tmy_45N_8E_excerpt.json")
    df = pd.DataFrame({"time": js.index.tz_convert("UTC").strftime("%Y-%m-%d %H:%M"),
                       "GHI": js[w.GHI].to_numpy(), "T": js[w.TEMP_AIR].to_numpy(),
                       "WS": js[w.wind_column(10)].to_numpy()})
    for k, v in changes.items():
        df = v(df) if callable(v) else df.assign(**{k: v})
    path = tmp_path / "site.csv"
    df.to_csv(path, index=False)
    return path


KW = dict(columns={"ghi": "GHI", "temp_air": "T", "wind_speed_10m": "WS"}, time_column="time",
          latitude=45.0, longitude=8.0, altitude_m=250.0, timezone="UTC")


def test_read_weather_csv_units_and_decomposition(tmp_path):
    path = _csv(tmp_path, GHI=lambda d: d.assign(GHI=d.GHI / 1000), T=lambda d: d.assign(T=d["T"] + 273.15))
    frame, meta = readers.read_weather_csv(path, units={"ghi": "kW/m2", "temp_air": "K"}, **KW)
    _check_normalised(frame, meta)
    assert frame[w.GHI].max() == pytest.approx(379.0)
    assert frame[w.TEMP_AIR].iloc[0] == pytest.approx(2.04)
    assert "Erbs" in meta["derived"][0]
    closure = frame[w.DHI] + frame[w.DNI] * np.cos(np.radians(
        w.solar_position_mid(frame.index, 45, 8, 250)["apparent_zenith"]))
    day = frame[w.GHI] > 50
    np.testing.assert_allclose(closure[day], frame[w.GHI][day], rtol=0.02)


@pytest.mark.parametrize("change, match", [
    ({"GHI": lambda d: d.assign(GHI=d.GHI / 1000)}, r"ghi_w_m2.*kW/m2"),
    ({"T": lambda d: d.assign(T=d["T"] + 273.15)}, r"temp_air_c.*2\d\d\.\d+ at .*Kelvin"),
    ({"x": lambda d: d.drop(index=[5, 6])}, r"gap or irregular step after 2018-01-01 03:30"),
    ({"x": lambda d: pd.concat([d.iloc[:10], d.iloc[[9]], d.iloc[10:]])}, r"duplicated timestamp 2018-01-01 08:30"),
    ({"x": lambda d: d.iloc[[0, 2, 1, *range(3, len(d))]]}, r"not increasing: 2018-01-01 00:30.* follows 2018-01-01 01:30"),
    ({"x": lambda d: d.assign(WS=d.WS.where(d.index != 7))}, r"wind_speed_10m_m_s.*1 missing.*2018-01-01 06:30"),
    ({"x": lambda d: d.assign(GHI=d.GHI.astype(object).where(d.index != 12, "bad"))}, r"'GHI' value 'bad' at 2018-01-01 11:30"),
])
def test_read_weather_csv_malformed(tmp_path, change, match):
    path = _csv(tmp_path, **change)
    with pytest.raises(w.WeatherDataError, match=match) as err:
        readers.read_weather_csv(path, **KW)
    assert "site.csv" in str(err.value)
    assert isinstance(err.value, ValueError)


def test_read_weather_csv_repair_reports_each_fix(tmp_path):
    path = _csv(tmp_path, x=lambda d: pd.concat([d.iloc[[0, 2, 1]], d.iloc[3:10], d.iloc[[9]], d.iloc[12:]]))
    frame, meta = readers.read_weather_csv(path, repair=True, **KW)
    assert len(frame) == 48
    text = " | ".join(meta["repairs"])
    assert "sorted 1" in text and "dropped 1 duplicated" in text and "inserted 2 missing" in text


def test_read_weather_csv_naive_time_without_timezone_is_error(tmp_path):
    with pytest.raises(w.WeatherDataError, match="no timezone"):
        readers.read_weather_csv(_csv(tmp_path), **{**KW, "timezone": None})


def _nwp(tmp_path, units="K"):
    lat, lon = np.array([37.0, 37.5, 38.0]), np.array([116.0, 116.5])
    t = pd.date_range("2024-06-01", periods=24, freq="h")
    rng = np.random.default_rng(0)
    base = np.clip(800 * np.sin(np.pi * (np.arange(24) - 22) / 14), 0, None)  # UTC: sunrise ~21 UTC
    ghi = base[:, None, None] * (1 + 0.1 * np.arange(3)[None, :, None] + 0.05 * np.arange(2)[None, None, :])
    t2m = 295.0 + rng.normal(0, 1, (24, 3, 2))
    ds = xr.Dataset({"ssrd": (("time", "latitude", "longitude"), ghi * 3600.0, {"units": "J m-2"}),
                     "t2m": (("time", "latitude", "longitude"), t2m, {"units": units}),
                     "u10": (("time", "latitude", "longitude"), np.full((24, 3, 2), 3.0), {"units": "m s-1"}),
                     "v10": (("time", "latitude", "longitude"), np.full((24, 3, 2), 4.0), {"units": "m s-1"})},
                    coords={"time": t, "latitude": lat, "longitude": lon})
    path = tmp_path / "nwp.nc"
    ds.to_netcdf(path)
    return path, ds


VARS = {"ghi": "ssrd", "temp_air": "t2m", "wind_speed_10m": "u10,v10"}


def test_read_weather_netcdf_nearest_and_linear(tmp_path):
    path, ds = _nwp(tmp_path)
    near, meta = readers.read_weather_netcdf(path, 37.4, 116.3, "nearest", variables=VARS,
                                             timezone="Asia/Shanghai")
    assert meta["grid_point"] == (37.5, 116.5)
    assert near[w.wind_column(10)].iloc[0] == pytest.approx(5.0)  # hypot(3, 4)
    np.testing.assert_allclose(near[w.TEMP_AIR].to_numpy(),
                               ds["t2m"].sel(latitude=37.5, longitude=116.5).values - 273.15)
    assert str(near.index.tz) == "Asia/Shanghai"
    lin, _ = readers.read_weather_netcdf(path, 37.25, 116.25, "linear", variables=VARS)
    expected = ds["ssrd"].values[:, :2, :].mean(axis=(1, 2)) / 3600.0
    np.testing.assert_allclose(lin[w.GHI].to_numpy(), expected, rtol=1e-9)


def test_read_weather_netcdf_errors(tmp_path):
    path, _ = _nwp(tmp_path)
    with pytest.raises(w.WeatherDataError, match="latitude 39.4 outside the grid"):
        readers.read_weather_netcdf(path, 39.4, 116.3, variables=VARS)
    with pytest.raises(w.WeatherDataError, match="'t2x' not in file"):
        readers.read_weather_netcdf(path, 37.4, 116.3, variables={**VARS, "temp_air": "t2x"})
    path2, _ = _nwp(tmp_path / ".." , units="C")  # Kelvin values labelled C
    with pytest.raises(w.WeatherDataError, match="temp_air_c.*Kelvin"):
        readers.read_weather_netcdf(path2, 37.4, 116.3, variables=VARS)
