"""Unit commitment of the gas CHP and the electrolyser: start costs, minimum up and down times and
the status before the horizon, all through :mod:`optimiser.assets.commitment`.

Each test states how its expected optimum was worked out by hand; every solution also passes
the independent post-solve check (``optimise`` raises otherwise). Steps are 1 h and the grid
emission factor is 0 unless stated.

The CHP used throughout has a single operating point: on, it makes exactly 100 kW (no heat)
from 250 kW of gas = 25 m3/h at 10 kWh/m3 and 2 CNY/m3, i.e. 50 CNY per hour on, or
0.5 CNY/kWh. The load is a flat 100 kW, so each hour either the CHP (50 CNY) or the grid
(100 kWh x the import price) covers it; the grid cannot export.
"""

from __future__ import annotations

import numpy as np
import pytest

from optimiser.assets.commitment import steps_of
from optimiser.check import check_solution
from optimiser.errors import ScenarioError
from optimiser.results import asset_flows
from optimiser.run import optimise


def tariff(price) -> dict:
    return {"import_cny_per_kwh": price, "export_cny_per_kwh": 0.0}


def chp(**overrides) -> dict:
    spec = {"name": "chp", "kind": "chp", "on_off": True, "gas_price_cny_per_m3": 2.0, "lhv_kwh_per_m3": 10.0,
            "vertices": [{"power_kw": 100, "heat_kw_th": 0, "fuel_kw": 250}]}
    spec.update(overrides)
    return spec


LOAD = {"name": "load", "kind": "demand", "demand_kw": 100}

VALLEY = [1.0, 1.0, 0.3, 0.3, 1.0, 1.0]
"""grid price: the CHP (0.5 CNY/kWh) is cheaper in hours 0-1 and 4-5, dearer in 2-3 (it loses 20 CNY
per hour it runs there)"""


def run_chp(build, prices, **overrides):
    return optimise(build(len(prices), tariff=tariff(prices), assets=[LOAD, chp(**overrides)]))


@pytest.mark.parametrize(("start_cost", "expected_cny", "on", "starts"), [
    (0.0, 260.0, [1, 1, 0, 0, 1, 1], 2),
    (30.0, 320.0, [1, 1, 0, 0, 1, 1], 2),
    (50.0, 350.0, [1, 1, 1, 1, 1, 1], 1),
    (400.0, 460.0, [0, 0, 0, 0, 0, 0], 0),
])
def test_chp_start_cost_decides_between_cycling_staying_on_and_staying_off(build, start_cost, expected_cny,
                                                                           on, starts):
    """Grid price VALLEY, the CHP initially off, start cost S per start.

    Cycle (on 0-1 and 4-5, grid 2-3): 4 x 50 + 2 x 30 + 2 S = 260 + 2 S.
    Stay on (one start): 6 x 50 + S = 300 + S.  Stay off: 4 x 100 + 2 x 30 = 460.
    S = 0: cycle, 260 (2 starts). S = 30: cycle 320 < 330. S = 50 (above the 40 CNY that staying
    on through hours 2-3 costs): stay on, 350 < 360. S = 400: staying on would cost 700, cycling
    1060, so it stays off: 460.
    """
    r = run_chp(build, VALLEY, start_cost_cny=start_cost)
    assert r.summary["objective_cny"] == pytest.approx(expected_cny, abs=1e-6)
    f = asset_flows(r.dataset, "chp")
    np.testing.assert_allclose(f["on"], on, atol=1e-9)
    assert r.summary["chp_starts"] == pytest.approx(starts)
    assert r.summary["chp_start_cost_cny"] == pytest.approx(starts * start_cost, abs=1e-9)
    assert r.summary["gas_cost_cny"] == pytest.approx(50.0 * sum(on), abs=1e-6)
    assert r.summary["model_size"]["binaries"] == 6


def test_chp_start_cost_is_not_paid_when_initially_on(build):
    """As above with S = 50 but the CHP already on before the first step: staying on costs 300 with
    no start; cycling costs 260 + 50 (only the restart at step 4) = 310. Optimum 300, no start."""
    r = run_chp(build, VALLEY, start_cost_cny=50.0, initially_on=True)
    assert r.summary["objective_cny"] == pytest.approx(300.0, abs=1e-6)
    assert r.summary["chp_starts"] == pytest.approx(0.0)


@pytest.mark.parametrize(("min_up", "expected_cny", "on"), [
    (0.0, 140.0, [1, 0, 0, 0]),
    (2.0, 160.0, [1, 1, 0, 0]),
    (1.5, 160.0, [1, 1, 0, 0]),
    (4.0, 190.0, [0, 0, 0, 0]),
])
def test_chp_minimum_up_time_forces_an_expensive_hour(build, min_up, expected_cny, on):
    """Grid 1.0 then 0.3, 0.3, 0.3 CNY/kWh: the CHP only pays in hour 0 (50 < 100), no start cost.

    No minimum: on in hour 0 only, 50 + 3 x 30 = 140. min_up_hours 2: once started it runs hour 1
    too (50 instead of 30): 100 + 60 = 160 < 190 (all grid). 1.5 h is ceil(1.5 / 1) = 2 steps: the
    same. 4 h: running all four hours costs 200 > 190, so it stays off: 190.
    """
    r = run_chp(build, [1.0, 0.3, 0.3, 0.3], min_up_hours=min_up)
    assert r.summary["objective_cny"] == pytest.approx(expected_cny, abs=1e-6)
    np.testing.assert_allclose(asset_flows(r.dataset, "chp")["on"], on, atol=1e-9)


def test_chp_minimum_up_time_near_the_end_of_the_horizon(build):
    """Grid VALLEY, min_up_hours 3, no start cost. Cycling (runs of 2 h) is forbidden, but a run
    that starts less than 3 h before the end may be cut by the end of the horizon (the window only
    looks back). Best: on 0-2 (hour 2 costs 50 instead of 30), off 3, on 4-5: 150 + 30 + 100 = 280
    (staying on: 300; starting later at 3 would leave the 0-1 run too short)."""
    r = run_chp(build, VALLEY, min_up_hours=3)
    assert r.summary["objective_cny"] == pytest.approx(280.0, abs=1e-6)
    np.testing.assert_allclose(asset_flows(r.dataset, "chp")["on"], [1, 1, 1, 0, 1, 1], atol=1e-9)
    assert r.summary["chp_starts"] == pytest.approx(2.0)


@pytest.mark.parametrize(("min_down", "expected_cny", "on"), [
    (2.0, 260.0, [1, 1, 0, 0, 1, 1]),
    (3.0, 300.0, [1, 1, 1, 1, 1, 1]),
])
def test_chp_minimum_down_time_prevents_a_restart(build, min_down, expected_cny, on):
    """Grid VALLEY, no start cost. min_down_hours 2: the 2 h stop in hours 2-3 is allowed: 260.
    min_down_hours 3: a stop must last 3 h, so the restart at hour 4 is forbidden. Options: stay
    on, 300; stop 2-4 and restart at 5: 100 + 60 + 100 + 50 = 310; stop for good at 2: 360.
    Optimum 300 (one start, at step 0)."""
    r = run_chp(build, VALLEY, min_down_hours=min_down)
    assert r.summary["objective_cny"] == pytest.approx(expected_cny, abs=1e-6)
    f = asset_flows(r.dataset, "chp")
    np.testing.assert_allclose(f["on"], on, atol=1e-9)
    np.testing.assert_allclose(f["stop"], np.clip(-np.diff(on, prepend=0), 0, None), atol=1e-9)


@pytest.mark.parametrize(("hours_on", "expected_cny", "on"), [
    (None, 120.0, [0, 0, 0, 0]),
    (1.0, 160.0, [1, 1, 0, 0]),
    (2.0, 140.0, [1, 0, 0, 0]),
    (3.0, 120.0, [0, 0, 0, 0]),
])
def test_chp_initially_on_keeps_its_remaining_minimum_up_time(build, hours_on, expected_cny, on):
    """Grid 0.3 CNY/kWh throughout: the CHP (0.5) never pays; all grid is 4 x 30 = 120.
    Initially on with min_up_hours 3: on for 1 h before the horizon, it must stay on for
    ceil((3 - 1) / 1) = 2 more steps: 2 x 50 + 2 x 30 = 160; on for 2 h: 1 step, 50 + 90 = 140;
    on for 3 h, or for an unstated (long) time: free to stop at once, 120."""
    extra = {} if hours_on is None else {"initial_hours_on": hours_on}
    r = run_chp(build, [0.3] * 4, min_up_hours=3, initially_on=True, **extra)
    assert r.summary["objective_cny"] == pytest.approx(expected_cny, abs=1e-6)
    np.testing.assert_allclose(asset_flows(r.dataset, "chp")["on"], on, atol=1e-9)
    assert r.summary["chp_starts"] == pytest.approx(0.0)


def test_chp_initially_off_keeps_its_remaining_minimum_down_time(build):
    """Grid 1.0 CNY/kWh: the CHP (0.5) always pays, 4 x 50 = 200 if free. Initially off for 1 h
    with min_down_hours 3: it cannot start before step 2: 2 x 100 + 2 x 50 = 300."""
    r = run_chp(build, [1.0] * 4, min_down_hours=3, initial_hours_off=1)
    assert r.summary["objective_cny"] == pytest.approx(300.0, abs=1e-6)
    np.testing.assert_allclose(asset_flows(r.dataset, "chp")["on"], [0, 0, 1, 1], atol=1e-9)
    free = run_chp(build, [1.0] * 4, min_down_hours=3)
    assert free.summary["objective_cny"] == pytest.approx(200.0, abs=1e-6)


def test_minimum_times_on_quarter_hours(build):
    """15-minute steps, grid 1.0 in the first step then 0.3: the CHP saves 25 - 12.5 = 12.5 CNY in
    step 0 and loses 12.5 - 7.5 = 5 CNY in each further step it runs. min_up_hours 0.6 is
    ceil(0.6 / 0.25) = 3 steps: 3 x 12.5 + 3 x 7.5 = 60 (all grid 25 + 5 x 7.5 = 62.5)."""
    r = optimise(build(6, step_minutes=15, tariff=tariff([1.0] + [0.3] * 5), assets=[LOAD, chp(min_up_hours=0.6)]))
    assert r.summary["objective_cny"] == pytest.approx(60.0, abs=1e-6)
    np.testing.assert_allclose(asset_flows(r.dataset, "chp")["on"], [1, 1, 1, 0, 0, 0], atol=1e-9)


def test_hours_become_whole_steps_rounding_up():
    assert steps_of(0.0, 1.0) == 0
    assert steps_of(2.0, 1.0) == 2
    assert steps_of(1.5, 1.0) == 2
    assert steps_of(0.6, 0.25) == 3
    assert steps_of(0.5, 10 / 60) == 3  # 0.5 / (1/6) is 3.0000000000000004 in floating point


def electrolyser(**overrides) -> dict:
    spec = {"name": "ely", "kind": "electrolyser", "power_kw": 100, "kwh_per_kg": 50}
    spec.update(overrides)
    return spec


@pytest.mark.parametrize(("min_up", "relax", "expected_cny"), [
    (0.0, False, 51.0), (2.0, False, 59.0), (2.0, True, 59.0)])
def test_electrolyser_minimum_up_time(build, min_up, relax, expected_cny):
    """A 100 kW electrolyser (50 kWh/kg, minimum load 10 %, 1 CNY per start) meets 2 kg/h for 3 h;
    grey hydrogen 10 CNY/kg; electricity 0.1 then 1.0, 1.0 CNY/kWh (electrolysis 5 then 50 CNY/kg).

    Off throughout: 6 kg bought, 60 CNY. No minimum up time: on in hour 0 at 100 kW (10 CNY,
    2 kg), start 1, buy 4 kg: 51. min_up_hours 2: it must stay on in hour 1 at >= 10 kW
    (10 CNY for 0.2 kg, buy 1.8 kg = 18): 10 + 1 + 28 + 20 = 59 < 60. The relaxed LP gives the
    same: with u_0 = x the cost is 60 - 10 x + 8 x + x = 60 - x (the min-up inequality is tight).
    """
    s = build(3, tariff=tariff([0.1, 1.0, 1.0]), assets=[
        electrolyser(min_load_fraction=0.1, start_cost_cny=1.0, min_up_hours=min_up, relax_to_lp=relax),
        {"name": "station", "kind": "hydrogen_demand", "demand_kg_per_h": 2.0, "grey_purchase_cny_per_kg": 10.0}])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(expected_cny, abs=1e-6)
    f = asset_flows(r.dataset, "ely")
    np.testing.assert_allclose(f["power_kw"], [100, 10, 0] if min_up else [100, 0, 0], atol=1e-6)
    assert r.summary["electrolyser_starts"] == pytest.approx(1.0)
    assert r.summary["electrolyser_start_cost_cny"] == pytest.approx(1.0)


@pytest.mark.parametrize(("asset", "message"), [
    (chp(on_off=False, start_cost_cny=10), "start_cost_cny needs on_off: true"),
    (chp(on_off=False, min_up_hours=2), "min_up_hours needs on_off: true"),
    (chp(on_off=False, min_down_hours=2), "min_down_hours needs on_off: true"),
    (chp(on_off=False, initially_on=True), "initially_on needs on_off: true"),
    (chp(initial_hours_on=2), "initial_hours_on needs initially_on: true"),
    (chp(initially_on=True, initial_hours_off=2), "initial_hours_off needs initially_on: false"),
    (electrolyser(initial_hours_on=2), "initial_hours_on needs initially_on: true"),
    (electrolyser(min_up_hours=-1), "min_up_hours"),
    # on at zero output for free would defeat the status (found by tests/test_metamorphic.py)
    (chp(vertices=[{"power_kw": 0, "heat_kw_th": 0, "fuel_kw": 0}, {"power_kw": 100, "heat_kw_th": 0, "fuel_kw": 250}]),
     r"the point \(0, 0, 0\) with on_off: true"),
    (electrolyser(start_cost_cny=5), "need min_load_fraction > 0 or standby_kw > 0"),
    (electrolyser(min_up_hours=2), "need min_load_fraction > 0 or standby_kw > 0"),
])
def test_invalid_commitment_is_rejected(build, asset, message):
    with pytest.raises(ScenarioError, match=message):
        build(2, assets=[asset])


def set_chp(ds, step: int, on: float) -> None:
    """Switch the one-point CHP on or off at one step of a result, moving its 100 kW to or from the grid."""
    for flow, full in (("on", 1.0), ("weight_0", 1.0), ("power_kw", 100.0), ("fuel_kw", 250.0),
                       ("gas_m3_per_h", 25.0)):
        ds[f"chp_{flow}"].values[step] = on * full
    ds["grid_import_kw"].values[step] = 100.0 * (1.0 - on)


def test_check_catches_a_minimum_up_violation_and_a_miscounted_start(build):
    """Solve grid 1.0, 0.3, 0.3, 0.3 with min_up_hours 2 and 5 CNY per start (on 1, 1, 0, 0;
    100 + 60 + 5 = 165), then tamper with the results, keeping every balance.

    * Off in hour 1 (the grid's 30 CNY instead of 50 of gas): the 1 h run breaks min_up_hours.
    * Start indicator of step 0 dropped: the status switches on without a start.
    * On again in hour 3 (50 CNY of gas instead of 30 of grid; a run cut by the horizon end is
      allowed) with its start indicator: a valid solution costing 165 + 20 + 5 = 190; reported
      as 185 the second start was not counted, and without its start indicator the check finds
      the status switching on without a start.
    """
    s = build(4, tariff=tariff([1.0, 0.3, 0.3, 0.3]), assets=[LOAD, chp(min_up_hours=2, start_cost_cny=5)])
    r = optimise(s)
    objective = r.summary["objective_cny"]
    assert objective == pytest.approx(165.0, abs=1e-6)
    assert check_solution(r.dataset, s, objective) == []

    short = r.dataset.copy(deep=True)
    set_chp(short, 1, on=0.0)
    problems = check_solution(short, s, objective - 20.0)
    assert len(problems) == 1 and "min_up_hours 2" in problems[0], problems

    unpaid = r.dataset.copy(deep=True)
    unpaid["chp_start"].values[0] = 0.0
    problems = check_solution(unpaid, s, objective)
    assert len(problems) == 1 and "chp.start = 0 at step 0" in problems[0], problems

    restart = r.dataset.copy(deep=True)
    set_chp(restart, 3, on=1.0)
    restart["chp_start"].values[3] = 1.0
    assert check_solution(restart, s, objective + 25.0) == []
    problems = check_solution(restart, s, objective + 20.0)
    assert len(problems) == 1 and "differs from the one recomputed" in problems[0], problems
    restart["chp_start"].values[3] = 0.0
    problems = check_solution(restart, s, objective + 25.0)
    assert len(problems) == 1 and "chp.start = 0 at step 3" in problems[0], problems


def test_check_recounts_minimum_down_time_and_the_initial_status(build):
    """The check on hand-made statuses, without a solve: a CHP initially on for 1 h with
    min_up_hours 3 and min_down_hours 2 must stay on in steps 0-1 and, once stopped, stay off 2
    steps. Status 1, 0, 1, 1 stops in step 1 (inside the initial 2 steps) and restarts in step 2
    (after a 1-step stop); the indicators are consistent with it. Status 1, 1, 1, 1 passes."""
    s = build(4, assets=[LOAD, chp(min_up_hours=3, min_down_hours=2, initially_on=True, initial_hours_on=1)])
    unit = s.assets[1]
    flows = {"on": np.array([1.0, 0, 1, 1]), "start": np.array([0.0, 0, 1, 0]), "stop": np.array([0.0, 1, 0, 0])}
    problems = unit.commitment_check(flows, 1.0)
    assert len(problems) == 2, problems
    assert "breaks min_down_hours 2 (2 steps) at step 2" in problems[0]
    assert "must stay on for its first 2 steps" in problems[1] and "at step 1" in problems[1]
    flows["stop"][1] = 0.0
    assert any("chp.stop = 0 at step 1" in p for p in unit.commitment_check(flows, 1.0))
    assert any("start - stop is not the status change" in p for p in unit.commitment_check(flows, 1.0))
    steady = {"on": np.ones(4), "start": np.zeros(4), "stop": np.zeros(4)}
    assert unit.commitment_check(steady, 1.0) == []
