"""Faults of the daily job: an infeasible day (a schedule with the hard rules priced, stored flagged,
exit 7), a solver time limit, and a failed run never replacing the last good schedule.

Infeasible day, hand-worked (60 and 15 minute steps): 100 kW demand, 20 kW of PV all day, flat 0.5
CNY/kWh, hard green electricity share 0.5. The share is 20 / 100 = 0.2 whatever is dispatched, so
the day is infeasible. Relaxed at 1000 CNY per kWh short of N - s*D: N = 480 kWh, D = 2400 kWh,
shortfall 0.5 x 2400 - 480 = 720 kWh; objective 0.5 x 80 x 24 + 1000 x 720 = 720,960 CNY.
"""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from ops_cases import write_case
from optimiser.cli import main
from optimiser.errors import InfeasibleError, RelaxedError
from optimiser.operations.dayahead import day_ahead
from optimiser.operations.history import history_frame
from optimiser.operations.intraday import intraday, parse_at
from optimiser.operations.store import Store

DAY1 = date(2026, 7, 15)
GREEN = [{"name": "load", "kind": "demand", "demand_kw": 100}, {"name": "pv", "kind": "pv", "available_kw": 20}]


def share_case(folder, step_minutes: int, share=0.5):
    path = write_case(folder, GREEN, step_minutes, [0.5] * 24)
    raw = yaml.safe_load(path.read_text())
    raw["targets"] = {"green_electricity_share_min": share}
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_infeasible_share_target_stores_a_relaxed_schedule(tmp_path, step_minutes):
    path = share_case(tmp_path, step_minutes)
    store = Store(tmp_path / "store.sqlite")
    with pytest.raises(RelaxedError) as err:
        day_ahead(path, DAY1, store)
    assert ("targets.green_electricity_share_min missed by 720 kWh of N - s*D (green_electricity_share 0.2)"
            in str(err.value))
    assert "targets.green_electricity_share_min" in str(err.value).split("infeasible because:")[1]
    run = store.runs()[0]
    assert (run.status, run.exit_code) == ("relaxed", 7)
    assert run.objective_cny == pytest.approx(0.5 * 80 * 24 + 1000 * 720, rel=1e-9)
    assert "missed by 720 kWh" in run.flags and "infeasible as given" in run.flags
    current = store.current_schedule(DAY1)
    assert current.run_id == run.id  # the platform gets a schedule it can run
    assert store.end_state(DAY1)[0] == run.id
    row = history_frame(store).iloc[0]
    assert (row["status"], row["exit"], row["current"]) == ("relaxed", 7, "*")


def test_relaxed_day_exit_7_on_the_command_line(tmp_path, capsys):
    path = share_case(tmp_path, 60)
    assert main(["day-ahead", str(path), "--date", "2026-07-15", "--store", str(tmp_path / "s.sqlite")]) == 7
    err = capsys.readouterr().err
    assert "infeasible as given" in err and "missed by 720 kWh" in err
    assert "parkdispatch stage=stored" in err


def test_feasible_share_target_is_not_relaxed(tmp_path):
    """0.2 is exactly achievable: solved as given, exit 0, nothing flagged as relaxed."""
    job = day_ahead(share_case(tmp_path, 60, share=0.2), DAY1, Store(tmp_path / "store.sqlite"))
    assert "relaxed" not in job.result.summary
    assert not [f for f in job.flags if "relaxed" in f]
    assert job.result.summary["objective_cny"] == pytest.approx(960.0)


def test_physically_infeasible_day_stays_exit_3_and_keeps_the_good_schedule(tmp_path):
    """A bus balance the grid cannot close is no rule to relax: exit 3, the last good schedule stays."""
    path = share_case(tmp_path, 60, share=0.2)
    store = Store(tmp_path / "store.sqlite")
    good = day_ahead(path, DAY1, store)
    raw = yaml.safe_load(path.read_text())
    raw["grid"]["import_limit_kw"] = 10
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(InfeasibleError, match="bus_balance"):
        day_ahead(path, DAY1, store)
    assert store.current_schedule(DAY1).run_id == good.run_id
    assert store.runs()[0].exit_code == 3


def test_intraday_infeasible_share_target_relaxed(tmp_path):
    path = share_case(tmp_path, 60, share=0.2)
    store = Store(tmp_path / "store.sqlite")
    day_ahead(path, DAY1, store)
    raw = yaml.safe_load(path.read_text())
    raw["assets"][1]["available_kw"] = [20] * 12 + [10] * 12  # the afternoon forecast halves the PV
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(RelaxedError):
        intraday(path, parse_at("2026-07-15T12:00:00+08:00"), store)
    # morning 12 h at 20 kW (fixed as dispatched), afternoon 12 h at 10 kW: N = 360, s D = 480: 120 kWh short
    run = store.runs()[0]
    assert (run.kind, run.status, run.exit_code) == ("intraday", "relaxed", 7)
    assert "missed by 120 kWh" in run.flags
    assert store.current_schedule(DAY1, "intraday").run_id == run.id


def test_time_limit_keeps_the_best_schedule_flagged_or_the_last_good_one(tmp_path):
    """A time limit far too short for the electrolyser's MIP: either HiGHS found a schedule (stored,
    flagged not proven optimal, exit 4) or it found none (failed, exit 4, the good schedule stays)."""
    from ops_cases import ELECTROLYSER, ELECTROLYSER_PRICES

    from optimiser.errors import SolverError

    path = write_case(tmp_path, ELECTROLYSER, 15, ELECTROLYSER_PRICES)
    store = Store(tmp_path / "store.sqlite")
    good = day_ahead(path, DAY1, store)
    with pytest.raises(SolverError):
        day_ahead(path, DAY1, store, time_limit_s=1e-6)
    run = store.runs()[0]
    assert run.exit_code == 4
    if run.status == "ok":
        assert "not proven optimal" in run.flags and store.current_schedule(DAY1).run_id == run.id
    else:
        assert run.status == "failed" and store.current_schedule(DAY1).run_id == good.run_id
