"""intraday --measured STATE.json (optimiser.operations.measured): measured store levels and unit
status replace what the dispatched past leads to; bad measurements exit 2 naming field and value.

Battery (the case of test_operations_intraday, prices unchanged): the day-ahead charges 50 kW in
hours 0-1 (100 -> 200 kWh) and discharges 200 kWh in the 1.0 peak (18-22 h). Measured at 12:00:
150 kWh (50 kWh lost). The past stays as dispatched, the level jumps by -50 at 12:00; the rest of
the day recharges those 50 kWh at 0.5 in 12-18 h (the store is full again for the same peak
discharge): the intraday objective is the day-ahead's + 50 x 0.5 = + 25.

Electrolyser (ELECTROLYSER of ops_cases: 2 kg/h demand, grey at 30 CNY/kg, a 100 kW stack at
50 kWh/kg, minimum load 0.5, minimum up time 4 h): the day-ahead runs it only at 0.3 CNY/kWh
(22-24 h). Measured at 12:00: on for 1 h (it was started at 11:00, unscheduled). It must stay on
until 15:00: 4 h at its minimum load (1 kg/h at 0.7 x 50 = 35 CNY/kg instead of 30 grey):
+ 4 x (35 - 30) = + 20.
"""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from ops_cases import ELECTROLYSER, ELECTROLYSER_PRICES, STORAGE_PRICES, STORES, write_case
from optimiser.cli import main
from optimiser.errors import ScenarioError
from optimiser.operations.dayahead import day_ahead
from optimiser.operations.intraday import intraday, parse_at
from optimiser.operations.store import Store

DAY1 = date(2026, 7, 15)
AT = "2026-07-15T12:00:00+08:00"


def state(folder, assets: dict, time: str | None = AT):
    path = folder / "state.json"
    path.write_text(json.dumps({**({"time": time} if time else {}), "assets": assets}))
    return path


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_measured_battery_level(tmp_path, step_minutes):
    path = write_case(tmp_path, STORES["battery"], step_minutes, STORAGE_PRICES)
    store = Store(tmp_path / "store.sqlite")
    ahead = day_ahead(path, DAY1, store)
    job = intraday(path, parse_at(AT), store, measured=state(tmp_path, {"store": {"soc_kwh": 150}}))
    assert job.result.summary["objective_cny"] == pytest.approx(ahead.result.summary["objective_cny"] + 25, rel=1e-6)
    k = 12 * 60 // step_minutes
    ds = job.result.dataset
    change = ds["store_measured_change_kwh"].values
    assert change[k] == pytest.approx(-50.0, abs=1e-4) and np.count_nonzero(change) == 1
    assert ds["store_soc_kwh"].values[k - 1] == pytest.approx(200.0, abs=1e-3)  # the past as dispatched
    charged = ds["store_charge_kw"].values[k:18 * 60 // step_minutes].sum() * step_minutes / 60
    assert charged == pytest.approx(50.0, abs=1e-3)
    assert any("store: measured soc_kwh 150 at 2026-07-15T12:00:00+08:00 (dispatched 200)" in f for f in job.flags)


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_a_measured_level_holds_in_later_intraday_runs(tmp_path, step_minutes):
    """The battery measured at 150 kWh at 12:00 (50 kWh lost, + 25 CNY), then re-dispatched at 15:00 without
    a measurement: the past keeps the 12:00 jump (levels 150 kWh, the same + 25 CNY), it is not forgotten
    because the 15:00 run fixes only the past's flows. Measured at 160 kWh at 15:00, the jump there is + 10
    (against the 150 kWh path, not the 200 kWh of the day-ahead); a re-run at 15:00 without a measurement
    keeps both jumps."""
    path = write_case(tmp_path, STORES["battery"], step_minutes, STORAGE_PRICES)
    store = Store(tmp_path / "store.sqlite")
    ahead = day_ahead(path, DAY1, store).result.summary["objective_cny"]
    noon, three = 12 * 60 // step_minutes, 15 * 60 // step_minutes
    later = "2026-07-15T15:00:00+08:00"
    intraday(path, parse_at(AT), store, measured=state(tmp_path, {"store": {"soc_kwh": 150}}))
    unmeasured = intraday(path, parse_at(later), store).result
    assert unmeasured.summary["objective_cny"] == pytest.approx(ahead + 25, rel=1e-6)
    np.testing.assert_allclose(unmeasured.dataset["store_soc_kwh"].values[noon:three], 150.0, atol=1e-3)
    change = unmeasured.dataset["store_measured_change_kwh"].values
    assert change[noon] == pytest.approx(-50.0, abs=1e-4) and np.count_nonzero(change) == 1
    measured = intraday(path, parse_at(later), store, measured=state(tmp_path, {"store": {"soc_kwh": 160}}, later))
    again = intraday(path, parse_at(later), store)
    for job in (measured, again):
        change = job.result.dataset["store_measured_change_kwh"].values
        assert (change[noon], change[three]) == (pytest.approx(-50.0, abs=1e-4), pytest.approx(10.0, abs=1e-4))
        assert np.count_nonzero(change) == 2


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_measured_unit_status_and_hours(tmp_path, step_minutes):
    path = write_case(tmp_path, ELECTROLYSER, step_minutes, ELECTROLYSER_PRICES)
    store = Store(tmp_path / "store.sqlite")
    ahead = day_ahead(path, DAY1, store)
    assert ahead.result.dataset["stack_on"].values[:22 * 60 // step_minutes].max() == 0.0
    job = intraday(path, parse_at(AT), store, measured=state(tmp_path, {"stack": {"on": True, "hours": 1}}))
    assert job.result.summary["objective_cny"] == pytest.approx(ahead.result.summary["objective_cny"] + 20, rel=1e-6)
    on = job.result.dataset["stack_on"].values
    per_hour = 60 // step_minutes
    np.testing.assert_array_equal(np.round(on[11 * per_hour:15 * per_hour]), 1.0)
    np.testing.assert_array_equal(np.round(on[:11 * per_hour]), 0.0)


def test_measured_off_since_before_the_day_sets_the_initial_status(tmp_path):
    """Off for 30 h at 12:00 (since 06:00 the day before): the day's initial status becomes off for 18 h."""
    path = write_case(tmp_path, ELECTROLYSER, 60, ELECTROLYSER_PRICES)
    store = Store(tmp_path / "store.sqlite")
    ahead = day_ahead(path, DAY1, store)
    job = intraday(path, parse_at(AT), store, measured=state(tmp_path, {"stack": {"on": False, "hours": 30}}))
    assert job.result.summary["objective_cny"] == pytest.approx(ahead.result.summary["objective_cny"], rel=1e-6)
    assert any("stack: measured off for 30 h" in f for f in job.flags)


@pytest.mark.parametrize("assets, time, message", [
    ({"store": {"soc_kwh": 250}}, AT, "assets.store.soc_kwh = 250: above the capacity 200 kWh"),
    ({"store": {"soc_kwh": -1}}, AT, "assets.store.soc_kwh = -1: below zero"),
    ({"lfp9": {"soc_kwh": 10}}, AT, "assets.lfp9: no asset 'lfp9' in the scenario"),
    ({"store": {"level_kg": 10}}, AT, "assets.store.level_kg: unknown for a battery (give soc_kwh)"),
    ({"load": {"demand_kw": 10}}, AT, "assets.load: a demand has no measurable state"),
    ({"store": {"soc_kwh": "full"}}, AT, "assets.store.soc_kwh = 'full': expected a finite number"),
    ({}, "2099-07-15T12:00:00+08:00", "time = '2099-07-15T12:00:00+08:00': in the future"),
    ({}, "2026-07-15T12:07:00+08:00", "time = '2026-07-15T12:07:00+08:00': not on a step boundary"),
    ({}, "2026-07-15T12:00:00", "time = '2026-07-15T12:00:00': timezone-naive"),
    ({}, "2026-07-15T11:00:00+08:00", "time = '2026-07-15T11:00:00+08:00': measurements are taken at --at"),
])
def test_bad_measurements_exit_2_naming_field_and_value(tmp_path, capsys, assets, time, message):
    path = write_case(tmp_path, STORES["battery"], 15, STORAGE_PRICES)
    store = str(tmp_path / "store.sqlite")
    assert main(["day-ahead", str(path), "--date", "2026-07-15", "--store", store]) == 0
    measured = state(tmp_path, assets, time)
    assert main(["intraday", str(path), "--at", AT, "--store", store, "--measured", str(measured)]) == 2
    err = capsys.readouterr().err
    assert message in err and str(measured) in err
    assert Store(store).current_schedule(DAY1, "intraday") is None


def test_bad_unit_measurements(tmp_path):
    path = write_case(tmp_path, ELECTROLYSER, 60, ELECTROLYSER_PRICES)
    store = Store(tmp_path / "store.sqlite")
    day_ahead(path, DAY1, store)
    for assets, message in [({"stack": {"on": "yes", "hours": 1}}, "assets.stack.on = 'yes': expected true or false"),
                            ({"stack": {"on": True}}, "assets.stack: give hours"),
                            ({"stack": {"on": True, "hours": -2}}, "assets.stack.hours = -2: below zero")]:
        with pytest.raises(ScenarioError, match=message.replace("(", r"\(")):
            intraday(path, parse_at(AT), store, measured=state(tmp_path, assets))


def test_future_is_judged_against_now(tmp_path):
    path = write_case(tmp_path, STORES["battery"], 60, STORAGE_PRICES)
    store = Store(tmp_path / "store.sqlite")
    day_ahead(path, DAY1, store)
    with pytest.raises(ScenarioError, match="in the future"):
        intraday(path, parse_at(AT), store, measured=state(tmp_path, {"store": {"soc_kwh": 150}}),
                 now=pd.Timestamp("2026-07-15T11:59:00+08:00"))


def test_measured_level_kept_when_the_day_is_relaxed(tmp_path):
    """An intraday re-solve that is infeasible (the afternoon PV halved: the hard 0.2 green share is out
    of reach) is relaxed on a scenario rebuilt from the day's: the measured level jump stays in it."""
    import io

    import yaml

    from optimiser.errors import RelaxedError

    assets = STORES["battery"] + [{"name": "pv", "kind": "pv", "available_kw": 20}]
    path = write_case(tmp_path, assets, 60, STORAGE_PRICES)
    raw = yaml.safe_load(path.read_text())
    raw["targets"] = {"green_electricity_share_min": 0.2}
    path.write_text(yaml.safe_dump(raw))
    store = Store(tmp_path / "store.sqlite")
    day_ahead(path, DAY1, store)
    raw["assets"][2]["available_kw"] = [20] * 12 + [10] * 12
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(RelaxedError):
        intraday(path, parse_at(AT), store, measured=state(tmp_path, {"store": {"soc_kwh": 150}}))
    # consumption C = demand 2400 less the store's net discharge (100 kWh at the start, 50 of them lost
    # at 12:00, free end: empty) = 2350; N = 12 x 20 + 12 x 10 = 360: 0.2 x 2350 - 360 = 110 kWh short
    # (without the measured loss: 100)
    run = store.runs()[0]
    assert run.exit_code == 7 and "missed by 110 kWh" in run.flags
    frame = pd.read_csv(io.StringIO(store.current_schedule(DAY1, "intraday").dispatch_csv))
    assert frame["store_measured_change_kwh"].iloc[12] == pytest.approx(-50.0, abs=1e-3)
