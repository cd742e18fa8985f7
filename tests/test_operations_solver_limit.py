"""The daily job when HiGHS stops at a limit (README, Operations, Faults: "Solver time limit").

A stop with a schedule found stores it, current, flagged with the limit and the MIP gap left, and
exits 4; a stop with nothing the park can run records the run failed (exit 4) and the last good
schedule stays current. A wall-clock limit is not reproducible, so HiGHS is stopped by a work limit
set in the scenario (``solver.highs_options``: ``mip_max_improving_sols``): the job treats any limit alike.

Cases: two electrolysers with start costs and minimum up and down times under an uneven price
(:data:`TWO_STACKS`; optimum 2960.5 CNY at 15 and 60 minutes, a tree search at both); stopped at
HiGHS's first improving solution, the schedule is a feasible one above the optimum with a gap left.
And a lossy battery paid to import at noon beside an electrolyser (:data:`BURNS`): at 15 minutes
the third lazy exclusivity round stops with a schedule that still charges and discharges at once
where no binary forbids it yet; that is no schedule (it used to reach the check and exit 5).
"""

from __future__ import annotations

import copy
from datetime import date

import pytest
import yaml
from ops_cases import ELECTROLYSER, write_case

from optimiser.cli import main
from optimiser.errors import SolverError
from optimiser.operations.dayahead import day_ahead
from optimiser.operations.intraday import intraday, parse_at
from optimiser.operations.store import Store

DAY1 = date(2026, 7, 15)
OPTIMUM_CNY = 2960.5

TWO_STACKS = [
    {"name": "load", "kind": "demand", "demand_kw": 100},
    {"name": "h2", "kind": "hydrogen_demand", "demand_kg_per_h": 2, "grey_purchase_cny_per_kg": 30},
    {"name": "stack", "kind": "electrolyser", "power_kw": 100, "kwh_per_kg": 50, "min_load_fraction": 0.5,
     "min_up_hours": 3, "min_down_hours": 2, "start_cost_cny": 15},
    {"name": "stack2", "kind": "electrolyser", "power_kw": 70, "kwh_per_kg": 52, "min_load_fraction": 0.4,
     "min_up_hours": 2, "min_down_hours": 3, "start_cost_cny": 9}]
UNEVEN_PRICES = [0.9, 0.5, 0.8, 0.6, 0.7, 0.55, 0.65, 0.75, 0.5, 0.62, 0.58, 0.7, 0.45, 0.66, 0.8, 0.52, 0.61,
                 0.74, 0.57, 0.69, 1.0, 0.59, 0.3, 0.63]

BURNS = [{"name": "load", "kind": "demand", "demand_kw": 100},
         {"name": "lfp", "kind": "battery", "power_kw": 50, "energy_kwh": 100, "charge_efficiency": 0.9,
          "discharge_efficiency": 0.9, "cycle_cost_cny_per_kwh": 0.0, "self_discharge_per_hour": 0.0,
          "end_rule": "free"}] + copy.deepcopy(ELECTROLYSER)
NEGATIVE_NOON = [0.9, 0.9] + [0.7] * 8 + [-0.1] * 4 + [0.7] * 6 + [1.0, 1.0] + [0.3, 0.3]


def limit(path, option: str, value: int):
    """Rewrite the scenario at ``path`` with a HiGHS work limit (``solver.highs_options``)."""
    raw = yaml.safe_load(path.read_text())
    raw.setdefault("solver", {}).setdefault("highs_options", {})[option] = value
    path.write_text(yaml.safe_dump(raw))
    return path


def assert_stopped_with_a_schedule(summary):
    """Feasible, above the optimum, and the gap it reports is the distance to a lower bound <= the optimum."""
    assert summary["status"] == "solution_limit"
    gap = summary["mip_gap"]
    assert 0 < gap < 0.05
    assert summary["objective_cny"] > OPTIMUM_CNY + 1e-6
    assert summary["objective_cny"] * (1 - gap) <= OPTIMUM_CNY + 1e-6


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_day_ahead_stopped_with_a_schedule_stores_it_flagged(tmp_path, step_minutes):
    path = write_case(tmp_path, TWO_STACKS, step_minutes, UNEVEN_PRICES)
    store = Store(tmp_path / "store.sqlite")
    good = day_ahead(path, DAY1, store)
    assert good.result.summary["objective_cny"] == pytest.approx(OPTIMUM_CNY, abs=1e-6)
    limit(path, "mip_max_improving_sols", 1)
    with pytest.raises(SolverError, match=r"solution_limit \(MIP gap .*% left\): run \d+ stored the best schedule"):
        day_ahead(path, DAY1, store)
    run = store.runs()[0]
    assert (run.status, run.solver_status, run.exit_code) == ("ok", "solution_limit", 4)
    assert "solver solution_limit (MIP gap" in run.flags and "not proven optimal" in run.flags
    assert run.objective_cny > OPTIMUM_CNY + 1e-6
    assert store.current_schedule(DAY1).run_id == run.id  # the platform runs the best schedule found
    assert store.end_state(DAY1)[0] == run.id  # and the next day starts from it


def test_day_ahead_stopped_with_a_schedule_exits_4_on_the_command_line(tmp_path, capsys):
    path = limit(write_case(tmp_path, TWO_STACKS, 15, UNEVEN_PRICES), "mip_max_improving_sols", 1)
    assert main(["day-ahead", str(path), "--date", "2026-07-15", "--store", str(tmp_path / "s.sqlite")]) == 4
    err = capsys.readouterr().err
    assert "parkdispatch stage=stored" in err and "stored the best schedule found" in err


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_intraday_stopped_with_a_schedule_stores_it_flagged(tmp_path, step_minutes):
    path = write_case(tmp_path, TWO_STACKS, step_minutes, UNEVEN_PRICES)
    store = Store(tmp_path / "store.sqlite")
    day_ahead(path, DAY1, store)
    limit(path, "mip_max_improving_sols", 1)
    with pytest.raises(SolverError, match="stored the best schedule found"):
        intraday(path, parse_at("2026-07-15T06:00:00+08:00"), store)
    run = store.runs()[0]
    assert (run.kind, run.status, run.exit_code) == ("intraday", "ok", 4)
    assert "not proven optimal" in run.flags
    assert store.current_schedule(DAY1, "intraday").run_id == run.id


def test_stopped_with_a_schedule_in_one_solve(tmp_path):
    """The seam itself: the schedule found, its gap, and the independent check passed."""
    from optimiser.run import optimise
    from optimiser.scenario import load_scenario

    for step_minutes in (60, 15):
        folder = tmp_path / str(step_minutes)
        folder.mkdir()
        path = limit(write_case(folder, TWO_STACKS, step_minutes, UNEVEN_PRICES), "mip_max_improving_sols", 1)
        assert_stopped_with_a_schedule(optimise(load_scenario(path)).summary)


def test_lazy_round_stopped_with_both_flows_at_once_is_no_schedule(tmp_path):
    """At 15 minutes the third lazy round stops with lfp charging and discharging at once where no binary
    forbids it yet: exit 4 naming it (not the check's exit 5), the last good schedule stays current."""
    path = write_case(tmp_path, BURNS, 15, NEGATIVE_NOON)
    store = Store(tmp_path / "store.sqlite")
    good = day_ahead(path, DAY1, store)
    assert good.result.summary["exclusivity_binaries"]["lazy_rounds"] == 3
    limit(path, "mip_max_improving_sols", 1)
    with pytest.raises(SolverError, match=r"exclusivity round 3 with a schedule that uses both flows of lfp "
                                          r"charge/discharge at once at 1 position\(s\)"):
        day_ahead(path, DAY1, store)
    run = store.runs()[0]
    assert (run.status, run.exit_code, run.error_class) == ("failed", 4, "SolverError")
    assert store.current_schedule(DAY1).run_id == good.run_id
    assert store.end_state(DAY1)[0] == good.run_id
    assert main(["day-ahead", str(path), "--date", "2026-07-15", "--store", str(tmp_path / "store.sqlite")]) == 4


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_stopped_before_any_schedule_keeps_the_last_good_one(tmp_path, step_minutes):
    """No node searched: HiGHS stops before it has any schedule; day-ahead and intraday both fail (exit 4)
    and the good day-ahead schedule stays current."""
    path = write_case(tmp_path, TWO_STACKS, step_minutes, UNEVEN_PRICES)
    store = Store(tmp_path / "store.sqlite")
    good = day_ahead(path, DAY1, store)
    limit(path, "mip_max_nodes", 0)
    with pytest.raises(SolverError, match="without a usable schedule"):
        day_ahead(path, DAY1, store)
    with pytest.raises(SolverError, match="without a usable schedule"):
        intraday(path, parse_at("2026-07-15T06:00:00+08:00"), store)
    runs = store.runs()
    assert [(r.kind, r.status, r.exit_code) for r in runs[:2]] == [("intraday", "failed", 4), ("day-ahead", "failed", 4)]
    assert store.current_schedule(DAY1).run_id == good.run_id
    assert store.current_schedule(DAY1, "intraday") is None
    assert store.end_state(DAY1)[0] == good.run_id
