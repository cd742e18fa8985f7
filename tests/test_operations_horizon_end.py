"""Horizon ends in the daily job (optimiser.operations.horizon_end): the day-ahead's marginal value of
stored energy, intraday following the day-ahead end level, and hard level rules relaxed (priced, flagged,
the miss reported) so an intraday re-solve is never infeasible where the day-ahead was feasible.

Case (hand-worked, 60 and 15 minute steps): flat 0.5 CNY/kWh, import limit 150 kW, a lossless
200 kWh / 50 kW battery at 100 kWh, ageing 0.01 CNY/kWh discharged, ``end_rule: equal_initial``.
Day-ahead with 100 kW demand all day: the battery stays idle (cycling only costs), objective
0.5 x 2400 = 1200. One more kWh in the store at the end is worth 0.5 - 0.01 = 0.49: it could be
discharged in the last step instead of importing (the end rule holds the end level).
Intraday at 12:00 with the updated forecast 200 kW from 12:00 to 14:00 and 150 kW after: the import
limit leaves 50 kW for the battery for 2 h (100 kWh: empty at 14:00) and nothing to recharge it, so
the end level 100 kWh (equal_initial) cannot be met: the hard rule would make the re-solve infeasible.
Relaxed: missed by 100 kWh at 1000 CNY/kWh, and the day-ahead end level (100 kWh less 1e-6 x 101)
missed at 0.49. Objective 0.5 x (1200 + 300 + 1500) + 0.01 x 100 + 1000 x 100 + 0.49 x (100 - 1.01e-4).
"""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest
import yaml

from ops_cases import START, scenario_dict
from optimiser.cli import main
from optimiser.errors import InfeasibleError
from optimiser.operations.dayahead import day_ahead, day_scenario, read_raw
from optimiser.operations.intraday import PastFixer, intraday, parse_at
from optimiser.operations.store import Store
from optimiser.run import Dispatch

DAY1 = date(2026, 7, 15)
BATTERY = {"name": "store", "kind": "battery", "power_kw": 50, "energy_kwh": 200, "charge_efficiency": 1,
           "discharge_efficiency": 1, "min_soc_fraction": 0, "max_soc_fraction": 1, "self_discharge_per_hour": 0,
           "cycle_cost_cny_per_kwh": 0.01, "initial_soc_fraction": 0.5, "end_rule": "equal_initial"}


def write(folder, step_minutes: int, load_by_hour, battery=BATTERY):
    """prices.csv (flat 0.5, with a load column) for 3 days and the one-day scenario; returns its path."""
    index = pd.date_range(START, periods=3 * 24 * 60 // step_minutes, freq=f"{step_minutes}min")
    pd.DataFrame({"time": [t.isoformat() for t in index], "price": 0.5,
                  "load": [load_by_hour(t.hour) for t in index]}).to_csv(folder / "prices.csv", index=False)
    raw = scenario_dict([{"name": "load", "kind": "demand", "demand_kw": {"csv": "prices.csv", "column": "load"}},
                         battery], step_minutes)
    raw["grid"]["import_limit_kw"] = 150
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def updated(hour: int) -> float:
    return 100.0 if hour < 12 else 200.0 if hour < 14 else 150.0


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_intraday_relaxes_a_hard_end_rule_and_reports_the_miss(tmp_path, step_minutes):
    path = write(tmp_path, step_minutes, lambda h: 100.0)
    store = Store(tmp_path / "store.sqlite")
    ahead = day_ahead(path, DAY1, store)
    assert ahead.result.summary["objective_cny"] == pytest.approx(1200.0, abs=1e-6)
    assert ahead.result.summary["end_marginal_value_cny_per_unit"]["store"] == pytest.approx(0.49, abs=1e-9)
    assert store.run_states(ahead.run_id)[("store", "end_value_cny_per_kwh")] == pytest.approx(0.49, abs=1e-9)

    write(tmp_path, step_minutes, updated)
    raw, _ = read_raw(path)  # the past fixed and the hard rule kept: infeasible
    dispatch = Dispatch(day_scenario(raw, DAY1, {}, tmp_path, str(path))[0])
    dispatched = pd.read_csv(io.StringIO(store.current_schedule(DAY1).dispatch_csv))
    PastFixer(dispatch).fix(dispatched, 12 * 60 // step_minutes)
    with pytest.raises(InfeasibleError, match="end_soc_kwh"):
        dispatch.solve()
    job = intraday(path, parse_at("2026-07-15T12:00:00+08:00"), store)
    expected = 0.5 * (1200 + 300 + 1500) + 0.01 * 100 + 1000 * 100 + 0.49 * (100 - 1e-6 * 101)
    # the past is fixed within its band of 1e-6 kW (intraday.FIX_BAND): charging that much in each of the
    # 12 past hours (1.2e-5 kWh at 0.5) cuts both shortfalls (1000 + 0.49)
    expected -= 12e-6 * (1000 + 0.49 - 0.5)
    assert job.result.summary["objective_cny"] == pytest.approx(expected, rel=1e-11)
    assert job.result.dataset["store_soc_kwh"].values[-1] == pytest.approx(1.2e-5, abs=1e-9)
    missed = [f for f in job.flags if "missed by" in f]
    assert len(missed) == 1 and "end_rule 'equal_initial', relaxed for intraday) missed by 100 kWh" in missed[0]
    targets = {t["target"].split(": ")[-1].rstrip(")"): t for t in job.result.summary["level_targets"]}
    assert targets["the day-ahead end level"]["shortfall"] == pytest.approx(100 - 1.01e-4 - 1.2e-5, abs=1e-9)
    assert targets["end_rule 'equal_initial', relaxed for intraday"]["shortfall"] == pytest.approx(100 - 1.2e-5,
                                                                                                  abs=1e-9)
    run = store.runs(1)[0]
    assert run.status == "ok" and "missed by 100 kWh" in run.flags  # stored with the run


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_intraday_follows_the_day_ahead_end_level(tmp_path, step_minutes):
    """end_rule free and a hard 80 % target at 17:00: intraday keeps the target (relaxed but met, not
    flagged) and the same optimum with the same forecasts."""
    battery = {**BATTERY, "end_rule": "free", "level_targets": [{"time": "17:00", "min_fraction": 0.8}]}
    path = write(tmp_path, step_minutes, lambda h: 100.0, battery)
    store = Store(tmp_path / "store.sqlite")
    ahead = day_ahead(path, DAY1, store)
    # flat price: 60 kWh charged for the 17:00 target, 160 kWh discharged after it (free end: empty):
    # import 2400 + 60 - 160 = 2300 at 0.5, ageing 0.01 x 160: 1150 + 1.6 = 1151.6
    assert ahead.result.summary["objective_cny"] == pytest.approx(1151.6, abs=1e-6)
    job = intraday(path, parse_at("2026-07-15T12:00:00+08:00"), store)
    assert job.result.summary["objective_cny"] == pytest.approx(1151.6, rel=1e-6)
    hard = [t for t in job.result.summary["level_targets"] if "hard, relaxed" in t["target"]]
    assert len(hard) == 1 and hard[0]["shortfall"] == pytest.approx(0.0, abs=1e-6)
    assert not [f for f in job.flags if "missed by" in f]


def test_intraday_cli_exit_0_with_relaxation_flag(tmp_path, capsys):
    path = write(tmp_path, 60, lambda h: 100.0)
    store = str(tmp_path / "store.sqlite")
    assert main(["day-ahead", str(path), "--date", "2026-07-15", "--store", store]) == 0
    write(tmp_path, 60, updated)
    assert main(["intraday", str(path), "--at", "2026-07-15T12:00:00+08:00", "--store", store]) == 0
    assert "relaxed for intraday) missed by 100 kWh" in capsys.readouterr().out


@pytest.mark.parametrize("binaries", ["always", "never"])
def test_marginal_end_value_of_a_mip_is_taken_with_its_binaries_fixed(tmp_path, binaries):
    """``binaries: always`` makes the day a MIP (a charge/discharge binary at every step): HiGHS has no
    duals for a MIP, so they are taken from the LP with the binaries fixed at the schedule: the same
    0.49 CNY/kWh as the LP (``never``)."""
    path = write(tmp_path, 60, lambda h: 100.0)
    raw = yaml.safe_load(path.read_text())
    raw["solver"]["binaries"] = binaries
    path.write_text(yaml.safe_dump(raw))
    job = day_ahead(path, DAY1, Store(tmp_path / "store.sqlite"))
    assert job.result.summary["binaries_used"] is (binaries == "always")
    assert job.result.summary["end_marginal_value_cny_per_unit"]["store"] == pytest.approx(0.49, abs=1e-9)
