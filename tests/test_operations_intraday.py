"""Intraday re-dispatch: steps before --at fixed as dispatched (on the seam, no rebuild), the rest
re-optimised with updated prices. Hand-worked on the battery case of test_operations_dayahead.

Day-ahead (prices 0.20..0.25 valley, 0.5, 1.0 peak 18-22 h, 0.62/0.60): charges 50 kW in hours 0-1
(store 100 -> 200 kWh), discharges 50 kW through 18-22 h. At 12:00 the prices are updated: hours
0-1 turn out 0.9, hour 2 0.05 (the past: already dispatched, it stays), hours 18-19 fall to 0.55
(the future: the store now discharges in 20-24 h instead, 1.0, 1.0, 0.62, 0.60 beat 0.55).
Demand 100 x (0.9 + 0.9 + 0.05 + 0.23 + 0.24 + 0.25 + 6 + 1.1 + 2 + 1.22) = 1289; charging
50 x (0.9 + 0.9) = 90; discharge saves 50 x (1 + 1 + 0.62 + 0.6) = 161; cycles 200 x 0.01 = 2:
intraday objective 1289 + 90 - 161 + 2 = 1220. Re-planning the whole day instead (past not fixed)
would discharge the initial 100 kWh at 0.9 and recharge at 0.05..0.25, for less.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from ops_cases import STORAGE_PRICES, STORES, write_case
from optimiser.cli import main
from optimiser.operations.dayahead import day_ahead, day_scenario, read_raw
from optimiser.operations.intraday import intraday, parse_at
from optimiser.operations.store import Store
from optimiser.run import optimise

DAY1 = date(2026, 7, 15)
UPDATED = [0.9, 0.9, 0.05, 0.23, 0.24, 0.25] + [0.5] * 12 + [0.55, 0.55, 1.0, 1.0] + [0.62, 0.6]


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_intraday_keeps_the_past_and_replans_the_rest(tmp_path, step_minutes):
    path = write_case(tmp_path, STORES["battery"], step_minutes, STORAGE_PRICES)
    store = Store(tmp_path / "store.sqlite")
    ahead = day_ahead(path, DAY1, store)
    write_case(tmp_path, STORES["battery"], step_minutes, UPDATED)  # the forecasts are updated
    job = intraday(path, parse_at("2026-07-15T12:00:00+08:00"), store)
    assert job.result.summary["objective_cny"] == pytest.approx(1220.0, rel=1e-5)  # past fixed within 1e-6 (1 + |v|)
    k = 12 * 60 // step_minutes
    per_hour = 60 // step_minutes
    new, old = job.result.dataset, ahead.result.dataset
    for flow in ("store_charge_kw", "store_discharge_kw", "store_soc_kwh", "grid_import_kw"):
        np.testing.assert_allclose(new[flow].values[:k], old[flow].values[:k], atol=1e-3)  # within the fix band
    discharge = new["store_discharge_kw"].values
    np.testing.assert_allclose(discharge[18 * per_hour:20 * per_hour], 0.0, atol=1e-4)
    np.testing.assert_allclose(discharge[20 * per_hour:], 50.0, atol=1e-4)
    raw, _ = read_raw(path)
    fresh = optimise(day_scenario(raw, DAY1, {}, tmp_path, str(path))[0])
    assert fresh.summary["objective_cny"] < 1220.0 - 1.0  # not fixing the past would re-plan it
    current = store.current_schedule(DAY1, "intraday")
    assert (current.run_id, current.version) == (job.run_id, 1)
    assert store.current_schedule(DAY1, "day-ahead").run_id == ahead.run_id
    assert store.end_state(DAY1)[0] == job.run_id  # the next day starts from the intraday schedule


@pytest.mark.parametrize("at, message", [
    ("2026-07-15T12:00:00", "timezone-naive"),
    ("2026-07-15T12:07:00+08:00", "not on a step boundary"),
    ("yesterday noon", "not a timestamp"),
])
def test_bad_at_is_exit_2_naming_the_value(tmp_path, capsys, at, message):
    path = write_case(tmp_path, STORES["battery"], 15, STORAGE_PRICES)
    store = str(tmp_path / "store.sqlite")
    day_ahead(path, DAY1, Store(store))
    assert main(["intraday", str(path), "--at", at, "--store", store]) == 2
    err = capsys.readouterr().err
    assert message in err and at in err


def test_intraday_without_a_stored_day_is_exit_2(tmp_path, capsys):
    path = write_case(tmp_path, STORES["battery"], 60, STORAGE_PRICES)
    assert main(["intraday", str(path), "--at", "2026-07-15T12:00:00+08:00", "--store",
                 str(tmp_path / "store.sqlite")]) == 2
    assert "no schedule for 2026-07-15" in capsys.readouterr().err
