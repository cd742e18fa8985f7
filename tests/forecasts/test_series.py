"""Forecast error, heat-pump COP, loads and plotting."""

import numpy as np
import pandas as pd
import pytest

from forecasts import forecast_error as fe, heatpump as hp, loads, plot, pv, weather as w


TZ = "Asia/Shanghai"


def test_forecast_error_grows_with_lead_time(tianjin_year):
    frame, _ = tianjin_year
    issues = pd.date_range("2023-04-01 06:00", periods=120, freq="D", tz=TZ)  # daily 06:00 issues, 48 h
    fc, act = fe.forecast_and_actual(frame, issues, 48, seed=5)
    assert fc.attrs["forecast"] and fc.attrs["synthetic"] and act.index.is_unique
    assert set(fc.index.get_level_values("issue_time")) == set(issues)
    truth = frame.loc[fc.index.get_level_values("time")]
    err_w = np.abs(fc[w.wind_column(100)].to_numpy() - truth[w.wind_column(100)].to_numpy())
    err_g = np.abs(fc[w.GHI].to_numpy() - truth[w.GHI].to_numpy())
    lead = fc["lead_time_h"].to_numpy()
    early, late = lead < 2, lead > 24
    assert err_w[late].mean() > 2 * err_w[early].mean()
    day = truth[w.GHI].to_numpy() > 100
    assert err_g[late & day].mean() > 2 * err_g[early & day].mean()
    # a forecast issue is a valid weather frame that the generators accept
    one = fe.forecast_issued_at(fc, issues[0])
    w.validate_weather(one, require_wind=True)
    out = pv.pv_ac_kw(one, [pv.PVArray(name="a", capacity_kwp=1, tilt_deg=30)], 39.0, 117.7)
    assert out.attrs["synthetic"] and len(out) == 48
    again, _ = fe.forecast_and_actual(frame, issues[:2], 48, seed=5)
    pd.testing.assert_frame_equal(again, fc.loc[issues[:2]])


def test_forecast_error_model_sd_monotone():
    m = fe.ForecastErrorModel()
    sd = m.sd("wind_relative", [0, 1, 6, 24, 48])
    assert sd[0] == pytest.approx(m.wind_relative_sd_0) and (np.diff(sd) > 0).all()
    assert sd[-1] < m.wind_relative_sd_inf


def test_cop_carnot_fraction_hand_value():
    # sewage 14 C -> 35 C floor heating, 5 K approach: 0.45 * 313.15 / 31 = 4.5457
    assert hp.cop_series(35.0, 14.0, 0.45) == pytest.approx(0.45 * 313.15 / 31.0)
    cop = hp.cop_series(np.array([45.0, 45.0, 45.0]), np.array([-20.0, 7.0, 44.0]), 0.4, cop_max=6.0)
    assert cop[0] == pytest.approx(max(1.0, 0.4 * 323.15 / 75.0))
    assert cop[2] == 6.0  # small lift -> capped
    assert hp.cop_series(80.0, -30.0, 0.2) == 1.0  # floor at cop_min
    with pytest.raises(ValueError):
        hp.cop_series(45, 5, carnot_fraction=1.5)


def test_heat_pump_sources(tianjin_year):
    frame, _ = tianjin_year
    air = hp.heat_pump_cop(frame, hp.HeatPump(name="air", source="air"))
    geo = hp.heat_pump_cop(frame, hp.HeatPump(name="geo", source="geothermal", sink_temp_c=45))
    assert air.index.equals(frame.index) and air.attrs["synthetic"]
    assert air.loc["2023-01"].mean() < air.loc["2023-07"].mean()  # colder air, lower COP
    assert geo.nunique() == 1 and geo.iloc[0] == pytest.approx(0.5 * 323.15 / 30.0)
    with pytest.raises(ValueError):
        hp.HeatPump(name="x", source="air", source_temp_c=5)
    with pytest.raises(ValueError):
        hp.HeatPump(name="x", source="sewage", sink_temp=40)


def test_electric_load_annual_total_and_day_types():
    idx = pd.date_range("2025-01-01", periods=8760, freq="h", tz=TZ)
    load = loads.electric_load_kw(2_000_000, idx, "G25", holidays=loads.CHINA_HOLIDAYS[2025])
    assert load.index.equals(idx) and load.sum() == pytest.approx(2_000_000, rel=1e-9)
    wed, sun = load.loc["2025-03-05"].mean(), load.loc["2025-03-09"].mean()
    assert wed > 1.5 * sun
    # Spring Festival Wednesday 2025-01-29 is a holiday: like a Sunday, not a Wednesday
    assert load.loc["2025-01-29"].mean() < 0.8 * load.loc["2025-01-22"].mean()
    flat = loads.electric_load_kw(8760.0, idx, "flat")
    np.testing.assert_allclose(flat.to_numpy(), 1.0)
    q = pd.date_range("2025-03-05", periods=96, freq="15min", tz=TZ)
    fine = loads.electric_load_kw(2_000_000, q, "G25", holidays=loads.CHINA_HOLIDAYS[2025])
    assert fine.resample("h").mean().to_numpy() == pytest.approx(load.loc["2025-03-05"].to_numpy())
    with pytest.raises(ValueError, match="profile"):
        loads.electric_load_kw(1, idx, "X25")


def test_heat_load(tianjin_year):
    frame, _ = tianjin_year
    heat = loads.heat_load_kw(1_000_000, frame[w.TEMP_AIR])
    assert heat.sum() == pytest.approx(1_000_000, rel=1e-3) and heat.attrs["synthetic"]
    assert heat.loc["2023-01"].sum() > 5 * heat.loc["2023-07"].sum()
    with pytest.raises(ValueError, match="whole calendar years"):
        loads.heat_load_kw(1_000_000, frame[w.TEMP_AIR].iloc[:100])


def test_read_load_csv(tmp_path):
    idx = pd.date_range("2025-01-01", periods=96, freq="15min")
    df = pd.DataFrame({"t": idx.strftime("%Y-%m-%d %H:%M"), "kwh": np.full(96, 25.0)})
    df.to_csv(tmp_path / "ok.csv", index=False)
    load, meta = loads.read_load_csv(tmp_path / "ok.csv", "t", "kwh", "kWh", timezone=TZ)
    assert (load == 100.0).all() and str(load.index.tz) == TZ
    df.loc[10, "kwh"] = -3
    df.to_csv(tmp_path / "neg.csv", index=False)
    with pytest.raises(w.WeatherDataError, match=r"neg\.csv.*'kwh' negative value -3 at 2025-01-01 02:30"):
        loads.read_load_csv(tmp_path / "neg.csv", "t", "kwh", "kWh", timezone=TZ)
    df.drop(index=[20]).to_csv(tmp_path / "gap.csv", index=False)
    with pytest.raises(w.WeatherDataError, match="gap"):
        loads.read_load_csv(tmp_path / "gap.csv", "t", "kwh", "kWh", timezone=TZ)


def test_plot_writes_png(tmp_path, tianjin_year):
    frame, _ = tianjin_year
    out = plot.plot_forecast(frame.iloc[:96], tmp_path / "f.png", "Tianjin")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 10_000
    with pytest.raises(ValueError):
        plot.plot_forecast(frame, tmp_path / "g.png", columns=[])
