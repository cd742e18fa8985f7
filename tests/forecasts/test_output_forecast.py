"""Forecasts with lead-time error (forecasts.output_forecast): exact at lead 0, spread growing with
lead as sigma(L) = sigma_inf (1 - exp(-L/tau)), reproducible by seed, physically bounded."""

import numpy as np
import pandas as pd
import pytest

from forecasts.output_forecast import OutputErrorModel, issue_forecast, pv_envelope_kw

TZ = "Asia/Shanghai"


@pytest.mark.parametrize("step_minutes", [15, 60])
def test_wind_error_spread_follows_sigma_of_lead(step_minutes):
    # a flat 5,000 kW actual on a 10,000 kW farm: clipping at 0 / capacity is > 3 sigma away
    index = pd.date_range("2026-07-15", periods=48 * 60 // step_minutes, freq=f"{step_minutes}min", tz=TZ)
    actual = np.full(len(index), 5000.0)
    model = OutputErrorModel()
    issue = index[0]
    errors = np.array([issue_forecast(actual, index, issue, "wind", name=f"w{k}", seed=3, capacity_kw=10_000)
                       for k in range(600)]) - actual
    lead = (index - issue) / pd.Timedelta(hours=1)
    assert np.all(errors[:, 0] == 0.0)  # lead 0: the forecast is the actual
    for hours in (1, 6, 24):
        i = int(np.flatnonzero(lead == hours)[0])
        expected = 10_000 * 0.15 * (1 - np.exp(-hours / 12))  # sigma_inf * capacity * (1 - e^{-L/tau}) [kW]
        assert errors[:, i].std() == pytest.approx(expected, rel=0.12)
    spread = errors.std(axis=0)
    assert spread[lead == 1][0] < spread[lead == 6][0] < spread[lead == 24][0]
    assert errors[:, lead == 24].mean() == pytest.approx(0.0, abs=3 * expected / np.sqrt(600))
    assert model.sd("wind", 0) == 0.0


def test_steps_before_the_issue_are_actual_and_draws_are_reproducible():
    index = pd.date_range("2026-07-15", periods=96, freq="15min", tz=TZ)
    actual = 3000 + 1000 * np.sin(np.arange(96) / 10)
    issue = index[40]
    a = issue_forecast(actual, index, issue, "wind", name="wind", seed=7, capacity_kw=6000)
    assert np.array_equal(a[:41], actual[:41]) and not np.allclose(a[41:], actual[41:])
    assert np.array_equal(a, issue_forecast(actual, index, issue, "wind", name="wind", seed=7, capacity_kw=6000))
    assert not np.array_equal(a, issue_forecast(actual, index, issue, "wind", name="wind", seed=8, capacity_kw=6000))
    assert not np.array_equal(a, issue_forecast(actual, index, issue, "wind", name="wind2", seed=7, capacity_kw=6000))
    assert np.array_equal(issue_forecast(actual, index, issue, "wind", name="w", error=OutputErrorModel.perfect()),
                          actual)
    with pytest.raises(ValueError, match="timezone-naive"):
        issue_forecast(actual, index, pd.Timestamp("2026-07-15"), "wind", name="w")


def test_pv_forecast_is_within_zero_and_the_clear_sky_envelope():
    index = pd.date_range("2026-07-15", periods=2 * 96, freq="15min", tz=TZ)
    hour = (index.hour + index.minute / 60).to_numpy()
    actual = np.clip(20_000 * np.sin((hour - 5.5) / 13.5 * np.pi), 0, None) * 0.6  # a hazy day, zero at night
    envelope = pv_envelope_kw(index, 37.4, 116.3, 20_000, actual)
    assert envelope.max() == pytest.approx(20_000) and (envelope >= actual).all()
    assert envelope[hour < 4].max() == 0.0  # no clear-sky irradiance before dawn
    heavy = OutputErrorModel(pv_sd_inf_fraction=1.0, pv_tau_h=1.0)
    for k in range(50):
        f = issue_forecast(actual, index, index[0], "pv", name="pv", seed=k, error=heavy, capacity_kw=20_000,
                           upper_kw=envelope)
        assert (f >= 0).all() and (f <= envelope + 1e-9).all()
        assert f[envelope == 0].max() == 0.0


def test_demand_error_is_relative():
    index = pd.date_range("2026-07-15", periods=24, freq="60min", tz=TZ)
    actual = np.full(24, 20_000.0)
    f = np.array([issue_forecast(actual, index, index[0], "demand", name=f"d{k}", seed=1) for k in range(800)])
    # sigma at 23 h: 0.03 * (1 - e^{-23/12}) = 0.02559 of 20,000 kW = 511.8 kW
    assert f[:, 23].std() == pytest.approx(20_000 * 0.03 * (1 - np.exp(-23 / 12)), rel=0.12)
