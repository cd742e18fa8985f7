"""State carried across midnight for demand-response rebounds and EV sessions still plugged in:
two consecutive day-ahead runs give the dispatch of one run over both days (perfect forecasts).

Demand response: a pool with a 100 kW baseline, 50 kW flexible, paid 0.1 CNY/kWh; a daily event
whose response is forced (required = the flexible capacity). Prices 0.5 CNY/kWh, 0.3 in 01:00-02:00,
so the rebound goes to the cheapest steps of its window first, up to its limit: the schedule is unique.
* ``evening``: 22:00-23:00, rebound 100 % within 2 h, at most 25 kW: 25 kW in 23:00-01:00 (the window
  crosses midnight: day 1 holds half, 25 kWh are carried into day 2's first hour);
* ``overnight``: 23:00-01:00, rebound 50 % within 2 h, at most 50 kW: the event runs past midnight;
  the day-1 part's 25 kWh are carried to day 2 and paid back after the event's continuation ends,
  with its own: 0.5 x 100 kWh = 50 kWh at 50 kW in 01:00-02:00 (at 0.3).
EV sessions: a car plugged in 20:00-04:00 needing 80 kWh at 10 kW (forced: 10 kW all the time),
cut by midnight: pro rata, 40 kWh on each day, the same as one run over both days.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
import yaml

from ops_cases import scenario_dict, write_case
from optimiser.operations.dayahead import day_ahead
from optimiser.operations.store import Store
from optimiser.run import optimise
from optimiser.scenario import load_scenario

DAY1, DAY2 = date(2026, 7, 15), date(2026, 7, 16)
PRICES = [0.5, 0.3] + [0.5] * 22
EVENTS = {
    "evening": {"start_time": "22:00", "end_time": "23:00", "direction": "reduce", "required_kw": 50,
                "compensation_cny_per_kwh": 0.1, "rebound_fraction": 1.0, "rebound_hours": 2, "rebound_max_kw": 25},
    "overnight": {"start_time": "23:00", "end_time": "01:00", "direction": "reduce", "required_kw": 50,
                  "compensation_cny_per_kwh": 0.1, "rebound_fraction": 0.5, "rebound_hours": 2, "rebound_max_kw": 50},
}


def two_ways(folder, assets, step_minutes, flow):
    """(consecutive day-ahead runs, one two-day run): the ``flow`` over both days and the summed objective."""
    path = write_case(folder, assets, step_minutes, PRICES)
    store = Store(folder / "store.sqlite")
    days = [day_ahead(path, d, store) for d in (DAY1, DAY2)]
    raw = scenario_dict(assets, step_minutes, days=2)
    (folder / "two_days.yaml").write_text(yaml.safe_dump(raw))
    whole = optimise(load_scenario(folder / "two_days.yaml"))
    consecutive = np.concatenate([d.result.dataset[flow].values for d in days])
    return (consecutive, sum(d.result.summary["objective_cny"] for d in days)), \
        (whole.dataset[flow].values, whole.summary["objective_cny"]), days


@pytest.mark.parametrize("step_minutes", [60, 15])
@pytest.mark.parametrize("event", ["evening", "overnight"])
def test_demand_response_rebound_carried_across_midnight(tmp_path, step_minutes, event):
    pool = [{"name": "pool", "kind": "demand_response", "baseline_kw": 100, "flexible_capacity_kw": 50,
             "events": [EVENTS[event]]}]
    (flows, objective), (whole, whole_objective), days = two_ways(tmp_path, pool, step_minutes, "pool_rebound_kw")
    np.testing.assert_allclose(flows, whole, atol=1e-6)
    assert objective == pytest.approx(whole_objective, abs=1e-6)
    per_hour = 60 // step_minutes
    day2 = days[1].result.dataset["pool_rebound_kw"].values
    if event == "evening":
        np.testing.assert_allclose(day2[:per_hour], 25.0, atol=1e-9)  # the carried 25 kWh in 00:00-01:00
        assert days[0].result.summary["demand_response_rebound_beyond_horizon_kwh"] == pytest.approx(25.0)
    else:
        np.testing.assert_allclose(day2[per_hour:2 * per_hour], 50.0, atol=1e-9)
    states = Store(tmp_path / "store.sqlite").run_states(days[0].run_id)
    assert states[("pool", "rebound_owed_energy_kwh")] == pytest.approx(25.0)


def test_without_the_carry_the_rebound_would_be_lost(tmp_path):
    """Day 2 alone (no stored day 1) pays back only its own event's rebound: 25 kWh less than with the carry."""
    pool = [{"name": "pool", "kind": "demand_response", "baseline_kw": 100, "flexible_capacity_kw": 50,
             "events": [EVENTS["evening"]]}]
    path = write_case(tmp_path, pool, 60, PRICES)
    alone = day_ahead(path, DAY2, Store(tmp_path / "alone.sqlite"))
    assert alone.result.dataset["pool_rebound_kw"].values[0] == pytest.approx(0.0)


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_ev_session_plugged_in_across_midnight(tmp_path, step_minutes):
    evs = [{"name": "evs", "kind": "ev_sessions", "charger_power_kw": 10, "charge_efficiency": 1.0,
            "sessions": [{"id": "car", "arrival": "2026-07-15T20:00:00+08:00",
                          "departure": "2026-07-16T04:00:00+08:00", "energy_kwh": 80}]}]
    (flows, objective), (whole, whole_objective), days = two_ways(tmp_path, evs, step_minutes, "evs_charge_kw")
    np.testing.assert_allclose(flows, whole, atol=1e-6)
    assert objective == pytest.approx(whole_objective, abs=1e-6)
    assert days[0].result.dataset["evs_charge_kw"].values.sum() * step_minutes / 60 == pytest.approx(40.0)


@pytest.mark.parametrize("carried, message", [
    ({"energy_kwh": 25, "hours": 0.5, "direction": "reduce"}, "rebound_carried_in.hours 0.5 is not a whole number"),
    ({"energy_kwh": 25, "hours": 1, "direction": "increase", "max_kw": 25},
     "rebound_carried_in.direction 'increase' differs from event 0 on 2026-07-14"),
    ({"energy_kwh": 80, "hours": 1, "direction": "reduce", "max_kw": 25},
     r"rebound carried in's rebound cannot fit: 1 x 0 kWh of response .at least. \+ 80 kWh carried in = 80 kWh"),
])
def test_bad_carried_rebound_is_rejected(carried, message):
    from builders import small_scenario

    from optimiser.errors import ScenarioError
    from optimiser.scenario import scenario_from_dict

    event = EVENTS["overnight"] if "differs" in message else EVENTS["evening"]
    raw = small_scenario(24, 60, assets=[{"name": "pool", "kind": "demand_response", "baseline_kw": 100,
                                          "flexible_capacity_kw": 50, "events": [event],
                                          "rebound_carried_in": carried}])
    with pytest.raises(ScenarioError, match=message.replace("(", r"\(")):
        scenario_from_dict(raw)
