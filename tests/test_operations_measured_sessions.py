"""intraday --measured: the state of individual EV charging sessions (optimiser.assets.ev_session_state).

Hand-worked (15 and 60 minute steps): one car plugged in 08:00-18:00 needs 25 kWh at up to 10 kW
(charge efficiency 1); import 0.3, 0.2, 0.25, 0.5 CNY/kWh in hours 8-11, 0.5 at 12, 0.4 at 13, 0.6
from 14 on. The day-ahead charges the cheapest hours: 10 kWh at 0.2 (9 h), 10 at 0.25 (10 h), 5 at
0.3 (8 h): 6.0 CNY. Measured at 12:00: 20 kWh delivered (5 kWh less than the 25 scheduled). The past
stays as dispatched (6.0 CNY paid), the car still needs 5 kWh: at the cheapest step left, 13 h at
0.4: + 2.0 CNY, objective 8.0. The same for a V2G car whose battery (60 kWh, 20 on arrival) then
holds 40 kWh at 12:00 and must hold 45 at 18:00 (discharge priced out at 1 CNY/kWh). Intraday
objectives to 1e-4 CNY: the past is fixed within FIX_BAND (1e-6 (1 + |v|) kW a step) of the schedule.

A car plugged in 20:00 to 04:00 the next day needing 40 kWh, measured at 22:00 with 5 kWh delivered,
still needs 35 kWh in its 6 h left, of which the 2 h to midnight carry 35 x 2 / 6 = 11.667 kWh.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
import yaml

from ops_cases import write_case
from optimiser.cli import main
from optimiser.errors import ScenarioError
from optimiser.operations.dayahead import day_ahead
from optimiser.operations.intraday import intraday, parse_at
from optimiser.operations.store import Store

DAY1 = date(2026, 7, 15)
AT = "2026-07-15T12:00:00+08:00"
PRICES = [0.9] * 8 + [0.3, 0.2, 0.25, 0.5, 0.5, 0.4] + [0.6] * 4 + [0.9] * 6
CAR = {"id": "car", "arrival": "2026-07-15T08:00:00+08:00", "departure": "2026-07-15T18:00:00+08:00",
       "energy_kwh": 25}
V2G_CAR = {**CAR, "battery_kwh": 60, "arrival_energy_kwh": 20}
LATE = {"id": "late", "arrival": "2026-07-15T20:00:00+08:00", "departure": "2026-07-16T04:00:00+08:00",
        "energy_kwh": 40}


def depot(sessions, **more):
    return [{"name": "depot", "kind": "ev_sessions", "charger_power_kw": 10, "charge_efficiency": 1.0,
             "sessions": sessions, **more}]


def state(folder, sessions: dict, time: str = AT):
    path = folder / "state.json"
    path.write_text(json.dumps({"time": time, "assets": {"depot": {"sessions": sessions}}}))
    return path


def setup(folder, step_minutes, sessions, **more):
    path = write_case(folder, depot(sessions, **more), step_minutes, PRICES)
    store = Store(folder / "store.sqlite")
    return path, store, day_ahead(path, DAY1, store)


@pytest.mark.parametrize("step_minutes", [60, 15])
@pytest.mark.parametrize("measured", [{"delivered_kwh": 20}, {"needed_kwh": 5}])
def test_a_car_that_got_5_kwh_less_gets_them_at_the_cheapest_step_left(tmp_path, step_minutes, measured):
    path, store, ahead = setup(tmp_path, step_minutes, [CAR])
    assert ahead.result.summary["objective_cny"] == pytest.approx(6.0, abs=1e-6)
    job = intraday(path, parse_at(AT), store, measured=state(tmp_path, {"car": measured}))
    assert job.result.summary["objective_cny"] == pytest.approx(8.0, abs=1e-4)
    charge = job.result.dataset["depot_charge_kw"].values * step_minutes / 60
    per_hour = charge.reshape(24, -1).sum(axis=1)
    assert per_hour[8:12].sum() == pytest.approx(25.0, abs=1e-4)  # the past as dispatched
    assert per_hour[13] == pytest.approx(5.0, abs=1e-4) and per_hour[12:].sum() == pytest.approx(5.0, abs=1e-4)
    assert ("depot session 'car': measured 20 kWh delivered at 2026-07-15T12:00:00+08:00, 5 kWh still needed in "
            "the horizon") in job.flags


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_measured_v2g_car_restarts_its_battery_level(tmp_path, step_minutes):
    path, store, ahead = setup(tmp_path, step_minutes, [V2G_CAR], v2g=True, degradation_cost_cny_per_kwh=1.0)
    assert ahead.result.summary["objective_cny"] == pytest.approx(6.0, abs=1e-6)
    job = intraday(path, parse_at(AT), store, measured=state(tmp_path, {"car": {"delivered_kwh": 20}}))
    assert job.result.summary["objective_cny"] == pytest.approx(8.0, abs=1e-4)
    charge = job.result.dataset["depot_charge_kw"].values * step_minutes / 60
    assert charge[12 * 60 // step_minutes:].sum() == pytest.approx(5.0, abs=1e-4)
    assert job.result.dataset["depot_v2g_kw"].values.max() == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_as_scheduled_changes_nothing(tmp_path, step_minutes):
    path, store, ahead = setup(tmp_path, step_minutes, [CAR])
    job = intraday(path, parse_at(AT), store, measured=state(tmp_path, {"car": {"delivered_kwh": 25}}))
    assert job.result.summary["objective_cny"] == pytest.approx(6.0, abs=1e-4)


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_a_car_leaving_after_midnight_needs_its_share_of_what_is_left(tmp_path, step_minutes):
    path, store, _ = setup(tmp_path, step_minutes, [LATE])
    at = "2026-07-15T22:00:00+08:00"
    job = intraday(path, parse_at(at), store, measured=state(tmp_path, {"late": {"delivered_kwh": 5}}, time=at))
    charge = job.result.dataset["depot_charge_kw"].values * step_minutes / 60
    assert charge[22 * 60 // step_minutes:].sum() == pytest.approx(35 * 2 / 6, abs=1e-4)
    assert any("11.6667 kWh still needed in the horizon" in f for f in job.flags)


SECOND = {"id": "van", "arrival": "2026-07-15T10:00:00+08:00", "departure": "2026-07-15T16:00:00+08:00",
          "energy_kwh": 10}
LATER = {"id": "bus", "arrival": "2026-07-15T14:00:00+08:00", "departure": "2026-07-15T17:00:00+08:00",
         "energy_kwh": 10}


@pytest.mark.parametrize("sessions, message", [
    ({"taxi": {"delivered_kwh": 1}}, r"state.json: assets.depot.sessions.taxi: no session 'taxi' in depot"),
    ({"car": {"delivered_kwh": 1}, "van": {"delivered_kwh": 1}, "bus": {"delivered_kwh": 0}},
     r"assets.depot.sessions.bus: session 'bus' is not plugged in at 2026-07-15T12:00:00\+08:00 \(arrival "
     r"2026-07-15T14:00:00\+08:00"),
    ({"car": {"delivered_kwh": 30}, "van": {"delivered_kwh": 1}},
     r"assets.depot.sessions.car.delivered_kwh = 30: above the session's energy_kwh 25 kWh"),
    ({"car": {"needed_kwh": 26}, "van": {"delivered_kwh": 1}},
     r"assets.depot.sessions.car.needed_kwh = 26: above the session's energy_kwh 25 kWh"),
    ({"car": {"delivered_kwh": -1}}, r"assets.depot.sessions.car.delivered_kwh = -1: below zero"),
    ({"car": {"delivered_kwh": "full"}}, r"assets.depot.sessions.car.delivered_kwh = 'full': expected a finite number"),
    ({"car": {"delivered_kwh": 1, "needed_kwh": 24}}, r"assets.depot.sessions.car = .*: give one of delivered_kwh "
                                                      r"or needed_kwh"),
    ({"car": {"delivered_kwh": 20}}, r"assets.depot.sessions: session 'van' is plugged in at 2026-07-15T12:00:00"
                                     r"\+08:00 and not measured"),
])
def test_bad_session_measurements_exit_2_naming_field_and_value(tmp_path, sessions, message):
    path, store, _ = setup(tmp_path, 60, [CAR, SECOND, LATER])
    with pytest.raises(ScenarioError, match=message):
        intraday(path, parse_at(AT), store, measured=state(tmp_path, sessions))
    assert store.runs()[0].exit_code == 2
    assert store.current_schedule(DAY1, "intraday") is None


def test_a_need_the_car_cannot_take_in_its_time_left_exits_2(tmp_path, capsys):
    """At 17:00 the car (25 kWh, nothing delivered) has 1 h at 10 kW left: at most 10 kWh."""
    path, store, _ = setup(tmp_path, 60, [CAR])
    at = "2026-07-15T17:00:00+08:00"
    code = main(["intraday", str(path), "--at", at, "--store", str(tmp_path / "store.sqlite"),
                 "--measured", str(state(tmp_path, {"car": {"delivered_kwh": 0}}, time=at))])
    assert code == 2
    assert ("state.json: assets.depot.sessions.car.delivered_kwh = 0: the session needs 25 kWh more in the horizon "
            "but can receive at most 10 kWh in its remaining plugged-in time") in capsys.readouterr().err


def test_a_priced_shortfall_is_accepted_and_priced(tmp_path):
    """With unserved_penalty_cny_per_kwh 2 the same measurement at 17:00 is a schedule: 10 kWh at 0.6 and
    15 kWh unserved at 2 CNY/kWh on top of the past."""
    path, store, ahead = setup(tmp_path, 60, [CAR], unserved_penalty_cny_per_kwh=2.0)
    at = "2026-07-15T17:00:00+08:00"
    job = intraday(path, parse_at(at), store, measured=state(tmp_path, {"car": {"delivered_kwh": 0}}, time=at))
    assert job.result.summary["objective_cny"] == pytest.approx(6.0 + 10 * 0.6 + 15 * 2.0, abs=1e-4)
    assert job.result.summary["ev_unserved_kwh"] == pytest.approx(15.0, abs=1e-6)


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_two_cars_each_get_what_they_still_need(tmp_path, step_minutes):
    """With the van (10:00-16:00, 10 kWh) charged at 0.25 in hour 10 the day-ahead costs 6.0 + 2.5 = 8.5.
    Measured at 12:00: the car 5 kWh short, the van 5 kWh short: 10 kWh more at 0.4 in hour 13: 12.5."""
    path, store, ahead = setup(tmp_path, step_minutes, [CAR, SECOND])
    assert ahead.result.summary["objective_cny"] == pytest.approx(8.5, abs=1e-6)
    job = intraday(path, parse_at(AT), store, measured=state(tmp_path, {"car": {"delivered_kwh": 20},
                                                                        "van": {"needed_kwh": 5}}))
    assert job.result.summary["objective_cny"] == pytest.approx(12.5, abs=1e-4)
    charge = job.result.dataset["depot_charge_kw"].values * step_minutes / 60
    assert charge.reshape(24, -1).sum(axis=1)[13] == pytest.approx(10.0, abs=1e-4)
