"""Demand-response events in clock time (a grid operator's notice: "2026-07-15 19:00-21:00"),
daily recurring events, and rebound (负荷反弹 / payback) after an event, with exact optima.

Each test states how the expected numbers were worked out by hand; every solution also
passes the independent post-solve check (``optimise`` raises otherwise). Steps are 1 h,
export is not allowed and the grid emission factor is 0. Rules under test (see
:mod:`optimiser.assets.demand_response`): an event boundary off a step boundary is
rejected (settlement is per metering interval); a rebound window cut by the horizon end
takes the pro-rata share of the rebound inside the horizon; a rebound window may not
contain another event's steps.
"""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from builders import small_scenario
from optimiser.check import check_solution
from optimiser.errors import ScenarioError
from optimiser.results import asset_flows
from optimiser.run import optimise
from optimiser.scenario import load_scenario, scenario_from_dict

EVENING = "2026-07-15T16:00:00+08:00"
"""horizon start of the evening tests: 6 steps are 16:00, 17:00, ..., 21:00 (the horizon ends at 22:00)"""


def tariff(price) -> dict:
    return {"import_cny_per_kwh": price, "export_cny_per_kwh": 0.0}


def scenario(steps: int, start: str = "2026-07-15T00:00:00+08:00", **sections):
    raw = small_scenario(steps, **sections)
    raw["horizon"]["start"] = start
    return scenario_from_dict(raw)


def pool(*events, **overrides) -> dict:
    spec = {"name": "vpp", "kind": "demand_response", "baseline_kw": 500, "flexible_capacity_kw": 200,
            "response_cost_cny_per_kwh": 1.5, "events": list(events)}
    spec.update(overrides)
    return spec


def event(**fields) -> dict:
    spec = {"direction": "reduce", "required_kw": 100, "compensation_cny_per_kwh": 2.0}
    spec.update(fields)
    return spec


# --- clock time -----------------------------------------------------------------------------

@pytest.mark.parametrize("when", [
    {"start_step": 3, "end_step": 5},
    {"start": "2026-07-15T19:00:00+08:00", "end": "2026-07-15T21:00:00+08:00"},
    {"start": "2026-07-15 19:00+08:00", "end": "2026-07-15 21:00+08:00"},
    {"start": "2026-07-15T11:00:00Z", "end": "2026-07-15T13:00:00Z"},
    {"start_time": "19:00", "end_time": "21:00"},
], ids=["steps", "iso", "space", "utc", "daily"])
def test_clock_time_event_equals_the_step_event(when):
    """Horizon 16:00-22:00 (6 steps) at 0.5 CNY/kWh except 1.0 at 19:00 and 20:00. The pool
    (500 kW baseline, 200 kW flexible, responding costs it 1.5 CNY/kWh) must shed at least
    100 kW from 19:00 to 21:00, paid 2.0 CNY/kWh on those 100 kW: steps [3, 5) however the
    event is written (steps, ISO-8601 with +08:00, with a space, in UTC, or as a daily
    19:00-21:00 on the horizon's one day).

    Shedding more than 100 kW saves 1.0 but costs 1.5: exactly 100 kW. Cost: baseline
    500 x (4 x 0.5 + 2 x 1.0) = 2000, less 2 x 100 x 1.0 = 200 of energy, plus 200 kWh x 1.5
    = 300 of response cost, less 200 kWh x 2.0 = 400 of compensation: 1700 CNY.
    """
    s = scenario(6, EVENING, tariff=tariff([0.5, 0.5, 0.5, 1.0, 1.0, 0.5]), assets=[pool(event(**when))])
    assert [(o.start, o.end) for o in s.assets[0].occurrences] == [(3, 5)]
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(1700.0, abs=1e-6)
    f = asset_flows(r.dataset, "vpp")
    np.testing.assert_allclose(f["load_kw"], [500, 500, 500, 400, 400, 500], atol=1e-6)
    np.testing.assert_allclose(f["rebound_kw"], 0.0, atol=1e-9)
    assert r.summary["demand_response_rebound_kwh"] == pytest.approx(0.0, abs=1e-9)


def test_unquoted_yaml_timestamps_are_read_as_clock_time(tmp_path):
    """In a scenario file, unquoted timestamps (which YAML reads as timezone-aware datetimes)
    give the same event, steps [3, 5), and the same 1700 CNY as the test above."""
    raw = small_scenario(6, tariff=tariff([0.5, 0.5, 0.5, 1.0, 1.0, 0.5]),
                         assets=[pool(event(start="START", end="END"))])
    raw["horizon"]["start"] = "HORIZON"
    text = yaml.safe_dump(raw).replace("HORIZON", EVENING).replace("START", "2026-07-15T19:00:00+08:00")
    path = tmp_path / "dr.yaml"
    path.write_text(text.replace("END", "2026-07-15T21:00:00+08:00"))
    assert "start: 2026-07-15T19:00:00+08:00" in path.read_text()
    s = load_scenario(path)
    assert [(o.start, o.end) for o in s.assets[0].occurrences] == [(3, 5)]
    assert optimise(s).summary["objective_cny"] == pytest.approx(1700.0, abs=1e-6)


def test_daily_event_recurs_on_every_day_with_its_own_rebound():
    """A daily 19:00-21:00 reduce event over 48 h from 00:00 is two events, steps [19, 21) and
    [43, 45), each with its own rebound window (ρ = 0.5 within 3 h: steps [21, 24) and [45, 48)).
    Flat 1.0 CNY/kWh; pool as above.

    Per day: 100 kW shed for 2 h (more would cost 1.5 to save 1.0), so 200 kWh of response and
    100 kWh of rebound at 1.0. Cost: 48 x 500 = 24000, less 400 kWh x 1.0 of energy, plus 400 x
    1.5 = 600 of response cost, less 400 x 2.0 = 800 of compensation, plus 200 kWh x 1.0 of
    rebound: 24000 - 400 + 600 - 800 + 200 = 23600 CNY (the same as two step events).
    """
    rebound = {"rebound_fraction": 0.5, "rebound_hours": 3}
    daily = scenario(48, tariff=tariff(1.0), assets=[pool(event(start_time="19:00", end_time="21:00", **rebound))])
    steps = scenario(48, tariff=tariff(1.0), assets=[pool(event(start_step=19, end_step=21, **rebound),
                                                          event(start_step=43, end_step=45, **rebound))])
    occurrences = daily.assets[0].occurrences
    assert [(o.start, o.end, o.window) for o in occurrences] == [(19, 21, (21, 24)), (43, 45, (45, 48))]
    assert [o.label for o in occurrences] == ["event 0 on 2026-07-15", "event 0 on 2026-07-16"]
    for s in (daily, steps):
        r = optimise(s)
        assert r.summary["objective_cny"] == pytest.approx(23600.0, abs=1e-6)
        rebound_kw = asset_flows(r.dataset, "vpp")["rebound_kw"]
        assert rebound_kw[21:24].sum() == pytest.approx(100.0, abs=1e-6)
        assert rebound_kw[45:48].sum() == pytest.approx(100.0, abs=1e-6)
        assert r.summary["demand_response_rebound_kwh"] == pytest.approx(200.0, abs=1e-6)


def test_daily_event_wrapping_midnight_is_cut_by_the_horizon():
    """A daily valley-filling event 22:00-02:00 over one day from 00:00: the previous evening's
    event is cut by the horizon start (steps [0, 2)) and this evening's by its end ([22, 24)).
    At least 50 kW more, paid 0.5 CNY/kWh; flat 1.0; response costs 1.5.

    Each extra kWh costs 1.0 + 1.5 and earns 0.5 only on the 50 kW asked: exactly 50 kW for
    4 steps. Cost 24 x 500 = 12000, plus 200 kWh x (1.0 + 1.5) = 500, less 200 x 0.5 = 100:
    12400 CNY.
    """
    s = scenario(24, tariff=tariff(1.0), assets=[pool(event(
        direction="increase", required_kw=50, compensation_cny_per_kwh=0.5, start_time="22:00", end_time="02:00"))])
    occurrences = s.assets[0].occurrences
    assert [(o.start, o.end) for o in occurrences] == [(0, 2), (22, 24)]
    assert [o.label for o in occurrences] == ["event 0 on 2026-07-14", "event 0 on 2026-07-15"]
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(12400.0, abs=1e-6)
    assert r.summary["demand_response_increase_kwh"] == pytest.approx(200.0, abs=1e-6)


# --- rebound ----------------------------------------------------------------------------------

LATE = "2026-07-15T18:00:00+08:00"
"""horizon start of the rebound tests: 6 steps 18:00 ... 23:00"""
LATE_PRICE = [1.0, 1.2, 1.2, 0.8, 0.3, 0.6]


def rebound_event(**overrides) -> dict:
    spec = event(start="2026-07-15T19:00:00+08:00", end="2026-07-15T21:00:00+08:00",
                 rebound_fraction=0.5, rebound_hours=3, rebound_max_kw=60)
    spec.update(overrides)
    return spec


def test_rebound_after_a_reduction_goes_to_the_cheapest_hours_of_its_window():
    """Horizon 18:00-24:00 at 1.0 / 1.2 / 1.2 / 0.8 / 0.3 / 0.6 CNY/kWh. The pool sheds at least
    100 kW from 19:00 to 21:00 (steps [1, 3), paid 2.0 CNY/kWh, response cost 1.5) and must
    take back ρ = 0.5 of the shed energy within 3 h after the event (steps [3, 6)), at most
    60 kW per step.

    A kWh shed beyond 100 kW saves 1.2 but costs 1.5 plus half a kWh of rebound: exactly
    100 kW, 200 kWh of response, 100 kWh of rebound: 60 kW at 22:00 (0.3), the other 40 kW at
    23:00 (0.6), none at 21:00 (0.8). Cost: baseline 500 x 5.1 = 2550, less 200 x 1.2 = 240 of
    energy, plus 200 x 1.5 = 300 of response cost, less 200 x 2.0 = 400 of compensation, plus
    rebound 60 x 0.3 + 40 x 0.6 = 18 + 24 = 42: 2252 CNY.
    """
    r = optimise(scenario(6, LATE, tariff=tariff(LATE_PRICE), assets=[pool(rebound_event())]))
    assert r.summary["objective_cny"] == pytest.approx(2252.0, abs=1e-6)
    f = asset_flows(r.dataset, "vpp")
    np.testing.assert_allclose(f["reduction_kw"], [0, 100, 100, 0, 0, 0], atol=1e-6)
    np.testing.assert_allclose(f["rebound_kw"], [0, 0, 0, 0, 60, 40], atol=1e-6)
    np.testing.assert_allclose(f["load_kw"], [500, 400, 400, 500, 560, 540], atol=1e-6)
    assert r.dataset["vpp_rebound_kw"].attrs["units"] == "kW"
    assert r.summary["demand_response_kwh"] == pytest.approx(200.0, abs=1e-6)
    assert r.summary["demand_response_rebound_kwh"] == pytest.approx(100.0, abs=1e-6)
    assert r.summary["demand_response_rebound_beyond_horizon_kwh"] == pytest.approx(0.0, abs=1e-9)
    assert r.summary["flexible_load_kwh"] == pytest.approx(3000 - 200 + 100, abs=1e-6)
    assert r.summary["demand_response_revenue_cny"] == pytest.approx(400.0, abs=1e-6)


def test_rebound_scales_with_the_delivered_response_and_caps_it():
    """The same event with a cheap response (0.1 CNY/kWh): a kWh shed beyond the 100 kW asked
    saves 1.2 - 0.1 and costs half a kWh of rebound at most 0.8, so the pool sheds as much as it
    can. The rebound is ρ x the delivered response, and the window takes at most 3 x 60 = 180 kWh,
    so the response stops at 180 / 0.5 = 360 kWh (below the 2 x 200 kW the pool could shed).

    Cost: 2550, less 360 x 1.2 = 432, plus 360 x 0.1 = 36, less compensation 2 x 100 x 2.0 =
    400 (both steps shed at least 100 kW), plus rebound 60 x (0.8 + 0.3 + 0.6) = 102: 1856 CNY.
    """
    r = optimise(scenario(6, LATE, tariff=tariff(LATE_PRICE), assets=[pool(
        rebound_event(), response_cost_cny_per_kwh=0.1)]))
    assert r.summary["objective_cny"] == pytest.approx(1856.0, abs=1e-6)
    f = asset_flows(r.dataset, "vpp")
    assert f["reduction_kw"].sum() == pytest.approx(360.0, abs=1e-6)
    np.testing.assert_allclose(f["rebound_kw"], [0, 0, 0, 60, 60, 60], atol=1e-6)
    assert r.summary["demand_response_rebound_kwh"] == pytest.approx(180.0, abs=1e-6)


def test_increase_event_gives_energy_back_after_it():
    """Valley filling 02:00-04:00 (steps [2, 4)) over 6 h from 00:00 at 0.5 / 0.5 / 0.2 / 0.2 /
    1.0 / 0.8 CNY/kWh: at least 100 kW more, paid 0.5 CNY/kWh on those 100 kW, response cost
    0.1; the pool (300 kW baseline, 200 kW down, 150 kW up) then draws ρ = 0.5 of the extra
    energy less within 2 h (steps [4, 6)), at most 100 kW less per step.

    A kWh taken beyond 100 kW costs 0.2 + 0.1 and saves half a kWh at 1.0 (then at 0.8): worth
    0.5 x 0.8 - 0.3 = 0.1 > 0 even at the dearer rate, so the pool takes its 150 kW: 300 kWh of
    response, 150 kWh given back: 100 kW at 04:00 (1.0), 50 kW at 05:00 (0.8). Cost: baseline
    300 x 3.2 = 960, plus 300 x 0.2 = 60 of energy, plus 300 x 0.1 = 30 of response cost, less
    200 x 0.5 = 100 of compensation, less 100 x 1.0 + 50 x 0.8 = 140 given back: 810 CNY.
    """
    give_back = event(direction="increase", start="2026-07-15T02:00:00+08:00", end="2026-07-15T04:00:00+08:00",
                      compensation_cny_per_kwh=0.5, rebound_fraction=0.5, rebound_hours=2, rebound_max_kw=100)
    s = scenario(6, tariff=tariff([0.5, 0.5, 0.2, 0.2, 1.0, 0.8]), assets=[pool(
        give_back, baseline_kw=300, max_increase_kw=150, response_cost_cny_per_kwh=0.1)])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(810.0, abs=1e-6)
    f = asset_flows(r.dataset, "vpp")
    np.testing.assert_allclose(f["increase_kw"], [0, 0, 150, 150, 0, 0], atol=1e-6)
    np.testing.assert_allclose(f["rebound_kw"], [0, 0, 0, 0, -100, -50], atol=1e-6)
    np.testing.assert_allclose(f["load_kw"], [300, 300, 450, 450, 200, 250], atol=1e-6)
    assert r.summary["demand_response_rebound_kwh"] == pytest.approx(150.0, abs=1e-6)


@pytest.mark.parametrize(("when", "objective", "rebound_kw", "beyond"), [
    ({"start_step": 3, "end_step": 5}, 1720.0, [0, 0, 0, 0, 0, 40], 80.0),
    ({"start_step": 4, "end_step": 6}, 1750.0, [0, 0, 0, 0, 0, 0], 120.0),
], ids=["one-third-inside", "ends-with-the-horizon"])
def test_rebound_window_cut_by_the_horizon_takes_its_pro_rata_share(when, objective, rebound_kw, beyond):
    """The clock-time test's horizon and pool, the event with ρ = 0.6 within 3 h.

    Event at steps [3, 5): its window [5, 8) has 1 of its 3 steps in the horizon, so the
    horizon must take 1/3 of 0.6 x 200 kWh = 40 kWh (at step 5, 0.5 CNY/kWh: 20 CNY); the
    other 80 kWh fall after the horizon. Shedding beyond 100 kW still does not pay. Cost
    1700 + 20 = 1720 CNY.

    Event at steps [4, 6) (ends with the horizon): no window step in the horizon, all
    0.6 x 200 = 120 kWh after it. Cost 2000 less 100 x (1.0 + 0.5) = 150 of energy, plus 300
    of response cost, less 400 of compensation: 1750 CNY.
    """
    s = scenario(6, EVENING, tariff=tariff([0.5, 0.5, 0.5, 1.0, 1.0, 0.5]), assets=[pool(event(
        **when, rebound_fraction=0.6, rebound_hours=3))])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(objective, abs=1e-6)
    np.testing.assert_allclose(asset_flows(r.dataset, "vpp")["rebound_kw"], rebound_kw, atol=1e-6)
    assert r.summary["demand_response_rebound_kwh"] == pytest.approx(sum(rebound_kw), abs=1e-6)
    assert r.summary["demand_response_rebound_beyond_horizon_kwh"] == pytest.approx(beyond, abs=1e-6)


# --- the independent check ----------------------------------------------------------------------

def test_check_catches_a_missing_or_misplaced_rebound():
    """From the optimum of the rebound test (rebound 0, 0, 0, 0, 60, 40 kW): dropping the 60 kW
    at 22:00 (and 60 kW of import, so the bus still balances) leaves 40 of the 100 kWh owed;
    moving them to 18:00 instead also puts rebound outside the window."""
    s = scenario(6, LATE, tariff=tariff(LATE_PRICE), assets=[pool(rebound_event())])
    r = optimise(s)
    assert check_solution(r.dataset, s, r.summary["objective_cny"]) == []

    dropped = r.dataset.copy(deep=True)
    for var in ("vpp_rebound_kw", "vpp_load_kw", "grid_import_kw"):
        dropped[var].values[4] -= 60.0
    problems = check_solution(dropped, s, r.summary["objective_cny"])
    assert any(p.startswith("vpp event 0: rebound 40 kWh in steps [3, 6), expected 100 kWh (0.5 x 200 kWh")
               for p in problems), problems
    assert any(p.startswith("objective") for p in problems)
    assert not any("balance" in p for p in problems)

    moved = dropped.copy(deep=True)
    for var in ("vpp_rebound_kw", "vpp_load_kw", "grid_import_kw"):
        moved[var].values[0] += 60.0
    problems = check_solution(moved, s, r.summary["objective_cny"])
    assert "vpp.rebound_kw = 60 above its upper bound 0 at step 0" in problems
    assert any(p.startswith("vpp event 0: rebound 40 kWh") for p in problems)


def test_check_catches_a_load_that_ignores_the_rebound():
    """Reporting the rebound but not drawing it (load and import left at the baseline at 22:00)
    breaks the load equation."""
    s = scenario(6, LATE, tariff=tariff(LATE_PRICE), assets=[pool(rebound_event())])
    r = optimise(s)
    ds = r.dataset.copy(deep=True)
    for var in ("vpp_load_kw", "grid_import_kw"):
        ds[var].values[4] -= 60.0
    problems = check_solution(ds, s, r.summary["objective_cny"])
    assert any("vpp.load_kw is not baseline - reduction + increase + rebound at step 4 (off by 60 kW)" in p
               for p in problems), problems


# --- validation -----------------------------------------------------------------------------------

AT_19, AT_21 = "2026-07-15T19:00:00+08:00", "2026-07-15T21:00:00+08:00"


@pytest.mark.parametrize(("events", "overrides", "message"), [
    ([event(start="2026-07-15T19:00:00", end=AT_21)], {},
     r"event 0 start 2026-07-15T19:00:00 has no UTC offset; write it as e\.g\. 2026-07-15T19:00:00\+08:00"),
    ([event(start=AT_19, end=AT_21, start_step=3, end_step=5)], {},
     "event 0: give exactly one of start_step/end_step, start/end or start_time/end_time"),
    ([event()], {}, "event 0: give exactly one of"),
    ([event(start_step=0, end_step=1), event(start=AT_19)], {}, "event 1: start and end go together"),
    ([event(start=AT_19, end="2026-07-15T23:00:00+08:00")], {},
     r"event 0 end 2026-07-15T23:00:00\+08:00 is outside the horizon "
     r"2026-07-15T16:00:00\+08:00 to 2026-07-15T22:00:00\+08:00"),
    ([event(start="2026-07-15T15:00:00+08:00", end=AT_19)], {}, "event 0 start .* is outside the horizon"),
    ([event(start="2026-07-15T19:30:00+08:00", end=AT_21)], {},
     r"event 0 start 2026-07-15T19:30:00\+08:00 is not on a step boundary \(60-minute steps, settled per "
     r"metering interval\); the nearest are 2026-07-15T19:00:00\+08:00 \(step 3\) and "
     r"2026-07-15T20:00:00\+08:00 \(step 4\)"),
    ([event(start=AT_21, end=AT_19)], {}, "event 0 ends at or before its start"),
    ([event(start=1784113200, end=AT_21)], {}, "ISO-8601 timestamp"),
    ([event(start_time="19:30", end_time="21:00")], {},
     r"event 0 start_time 19:30 on 2026-07-15 \(2026-07-15T19:30:00\+08:00\) is not on a step boundary"),
    ([event(start_time="25:00", end_time="21:00")], {}, "event 0 start_time '25:00' is not a clock time"),
    ([event(start_time="24:00", end_time="21:00")], {}, r"event 0 start_time '24:00' is not a clock time 'HH:MM'$"),
    ([event(start_time="19:00", end_time="21:60")], {},
     r"event 0 end_time '21:60' is not a clock time 'HH:MM' \(up to 24:00\)$"),
    ([event(start_time="19:00", end_time="19:00")], {}, "event 0 start_time and end_time are equal"),
    ([event(start_time="02:00", end_time="04:00")], {}, "event 0 .*02:00-04:00.* never falls inside the horizon"),
    ([event(start_step=0, end_step=2), event(start_step=1, end_step=3)], {}, "event 1 overlaps event 0"),
    ([event(start_step=1, end_step=3, rebound_fraction=0.5)], {}, "event 0 has rebound_fraction 0.5 but no rebound_hours"),
    ([event(start_step=1, end_step=3, rebound_fraction=0.5, rebound_hours=1.5)], {},
     "event 0 rebound_hours 1.5 is not a whole number of 60-minute steps"),
    ([event(start_step=1, end_step=3, rebound_fraction=1.5, rebound_hours=1)], {}, "less than or equal to 1"),
    ([event(start_step=0, end_step=2, rebound_fraction=0.5, rebound_hours=2), event(start_step=3, end_step=4)], {},
     r"event 0's rebound window, steps \[2, 4\) \(2 h after its end\), contains step 3 of event 1"),
    ([event(start_step=1, end_step=3, rebound_fraction=1.0, rebound_hours=2, rebound_max_kw=50)], {},
     r"event 0's rebound cannot fit: 1 x 200 kWh of response \(at least\) = 200 kWh must be taken back within "
     r"2 h after the event \(steps \[3, 5\)\), but the pool can take at most 100 kWh there"),
    ([event(direction="increase", start_step=3, end_step=5, rebound_fraction=1.0, rebound_hours=1)],
     {"baseline_kw": [500, 500, 500, 500, 500, 20]},
     r"event 0's rebound cannot fit: 1 x 200 kWh .* at most 20 kWh there"),
])
def test_invalid_clock_events_and_rebounds_are_rejected(events, overrides, message):
    """Validation names the event, the value and the rule before any model is built (horizon
    16:00-22:00, hourly)."""
    with pytest.raises(ScenarioError, match=message):
        scenario(6, EVENING, assets=[pool(*events, **overrides)])


def test_existing_step_events_are_unchanged():
    """An event by steps without rebound fields resolves as before: one occurrence, no window."""
    s = scenario(6, EVENING, assets=[pool(event(start_step=3, end_step=5))])
    (o,) = s.assets[0].occurrences
    assert (o.label, o.start, o.end, o.window, o.fraction) == ("event 0", 3, 5, None, 0.0)
