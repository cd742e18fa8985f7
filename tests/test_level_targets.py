"""Targets in time for stores (optimiser.assets.level_targets): level targets at clock times, hard and
soft, and a value for what is left at the horizon's end; hand-worked at 15 and 60 minute steps."""

from __future__ import annotations

import numpy as np
import pytest
from builders import small_scenario

from optimiser.check import check_solution
from optimiser.errors import ScenarioError
from optimiser.results import asset_flows
from optimiser.run import optimise
from optimiser.scenario import scenario_from_dict

HOURLY = [0.2, 0.2, 1.0, 1.0]
"""import price per hour [CNY/kWh]: two cheap hours, two dear ones"""


def battery_case(step_minutes: int, **battery) -> dict:
    """4 h, 10 kW demand, a lossless 100 kWh / 50 kW battery starting empty, free end."""
    per_hour = 60 // step_minutes
    store = {"name": "bat", "kind": "battery", "power_kw": 50, "energy_kwh": 100, "charge_efficiency": 1,
             "discharge_efficiency": 1, "min_soc_fraction": 0, "max_soc_fraction": 1, "initial_soc_fraction": 0,
             "self_discharge_per_hour": 0, "cycle_cost_cny_per_kwh": 0, "end_rule": "free", **battery}
    return small_scenario(4 * per_hour, step_minutes,
                          tariff={"import_cny_per_kwh": [p for p in HOURLY for _ in range(per_hour)],
                                  "export_cny_per_kwh": 0.0},
                          assets=[{"name": "load", "kind": "demand", "demand_kw": 10}, store])


@pytest.mark.parametrize("step_minutes", [15, 60])
@pytest.mark.parametrize("extra, objective", [
    # no target: charge the 20 kWh the dear hours need at 0.2, import 10 kWh in each cheap hour: 0.2 * 40 = 8
    ({}, 8.0),
    # hard 80 kWh at 02:00: charge 80 in the cheap hours (0.2 * (20 + 80) = 20), use 20 of it after 02:00
    ({"level_targets": [{"time": "02:00", "min_kwh": 80}]}, 20.0),
    # the same as 0.8 of the capacity
    ({"level_targets": [{"time": "02:00", "min_fraction": 0.8}]}, 20.0),
    # soft at 0.5 per kWh short > 0.2 to charge: met, as hard
    ({"level_targets": [{"time": "02:00", "min_kwh": 80, "penalty_cny_per_kwh": 0.5}]}, 20.0),
    # soft at 0.1 < 0.2: charge only the 20 kWh needed, 60 short: 8 + 0.1 * 60 = 14
    ({"level_targets": [{"time": "02:00", "min_kwh": 80, "penalty_cny_per_kwh": 0.1}]}, 14.0),
    # end value 0.5 between the prices: fill to 100 in the cheap hours (import 0.2 * 120 = 24), cover the
    # dear hours from it, 80 kWh left at the end worth -0.5 * 80 = -40: 24 - 40 = -16
    ({"end_value_cny_per_kwh": 0.5}, -16.0),
    # end value 0.1 below the cheap price: nothing extra charged, 8
    ({"end_value_cny_per_kwh": 0.1}, 8.0),
])
def test_battery_targets_hand_worked(step_minutes, extra, objective):
    r = optimise(scenario_from_dict(battery_case(step_minutes, **extra)))
    assert r.summary["objective_cny"] == pytest.approx(objective, abs=1e-6)
    soc = asset_flows(r.dataset, "bat")["soc_kwh"]
    at_two = 2 * 60 // step_minutes - 1  # the step that ends at 02:00
    if "level_targets" in extra:
        penalty = extra["level_targets"][0].get("penalty_cny_per_kwh")
        expected_level = 20.0 if penalty == 0.1 else 80.0
        assert soc[at_two] == pytest.approx(expected_level, abs=1e-6)
        report = r.summary["level_targets"]
        assert len(report) == 1 and report[0]["minimum"] == pytest.approx(80.0)
        assert report[0]["shortfall"] == pytest.approx(80.0 - expected_level, abs=1e-6)


def test_targets_every_day_and_midnight():
    """A two-day horizon: the 24:00 target applies at both midnights, the 06:00 one on both days."""
    raw = battery_case(60, level_targets=[{"time": "24:00", "min_kwh": 30}, {"time": "06:00", "min_kwh": 10}])
    raw["horizon"]["steps"] = 48
    raw["tariff"]["import_cny_per_kwh"] = 0.5
    r = optimise(scenario_from_dict(raw))
    soc = asset_flows(r.dataset, "bat")["soc_kwh"]
    assert soc[23] == pytest.approx(30.0) and soc[47] == pytest.approx(30.0)
    assert soc[5] >= 10 - 1e-6 and soc[29] >= 10 - 1e-6
    # flat price: the cheapest way is to charge exactly what each target needs, 30 kWh held to the end:
    # import = 48 * 10 + 30 = 510 kWh at 0.5
    assert r.summary["objective_cny"] == pytest.approx(0.5 * 510)
    assert [row["target"].split(" ")[0] for row in r.summary["level_targets"]] == ["level_targets[1]",
                                                                                  "level_targets[0]"] * 2


def test_check_refuses_a_missed_target_and_a_wrong_shortfall():
    scenario = scenario_from_dict(battery_case(60, level_targets=[
        {"time": "02:00", "min_kwh": 80, "penalty_cny_per_kwh": 0.1}, {"time": "01:00", "min_kwh": 5}]))
    r = optimise(scenario)
    ds = r.dataset.copy(deep=True)
    ds["bat_target_shortfall_kwh"].values[1] = 50.0  # claims 50 short where 60 are
    problems = check_solution(ds, scenario, r.summary["objective_cny"])
    assert any("target_shortfall_kwh at step 1 is 50 kWh, but the level 20 kWh is short of its soft targets by 60"
               in p for p in problems)
    ds = r.dataset.copy(deep=True)
    ds["bat_soc_kwh"].values[0] = 4.0  # the hard 01:00 target broken (continuity too)
    assert any("level_targets[1]" in p and "below the hard target 5" in p
               for p in check_solution(ds, scenario, r.summary["objective_cny"]))


@pytest.mark.parametrize("step_minutes", [15, 60])
@pytest.mark.parametrize("extra, objective, produced_kg", [
    ({}, 0.0, 0.0),
    # hard 3 kg at 02:00: 150 kWh at 0.2 = 30
    ({"level_targets": [{"time": "02:00", "min_kg": 3}]}, 30.0, 3.0),
    # soft at 5 per kg < 10 per kg to make: all 3 kg short, 15
    ({"level_targets": [{"time": "02:00", "min_kg": 3, "penalty_cny_per_kg": 5}]}, 15.0, 0.0),
    # end value 12 per kg > 10 in the cheap hours (< 50 in the dear ones): 2 kg/h for 2 h, 40 - 48 = -8
    ({"end_value_cny_per_kg": 12}, -8.0, 4.0),
])
def test_hydrogen_tank_targets_hand_worked(step_minutes, extra, objective, produced_kg):
    """No hydrogen demand; a 2 kg/h electrolyser at 50 kWh/kg fills a 10 kg tank from empty."""
    per_hour = 60 // step_minutes
    raw = small_scenario(4 * per_hour, step_minutes,
                         tariff={"import_cny_per_kwh": [p for p in HOURLY for _ in range(per_hour)],
                                 "export_cny_per_kwh": 0.0},
                         assets=[{"name": "stack", "kind": "electrolyser", "power_kw": 100, "kwh_per_kg": 50},
                                 {"name": "h2", "kind": "hydrogen_demand", "demand_kg_per_h": 0},
                                 {"name": "tank", "kind": "hydrogen_storage", "capacity_kg": 10,
                                  "initial_level_fraction": 0, "end_rule": "free", **extra}])
    r = optimise(scenario_from_dict(raw))
    assert r.summary["objective_cny"] == pytest.approx(objective, abs=1e-6)
    assert asset_flows(r.dataset, "tank")["level_kg"][-1] == pytest.approx(produced_kg, abs=1e-6)


@pytest.mark.parametrize("step_minutes, targets, message", [
    (60, [{"time": "01:30", "min_kwh": 5}], "level_targets[0].time = '01:30': not on a step boundary (60-minute"),
    (15, [{"time": "01:10", "min_kwh": 5}], "level_targets[0].time = '01:10': not on a step boundary (15-minute"),
    (60, [{"time": "25:00", "min_kwh": 5}], "level_targets[0].time = '25:00': not a clock time"),
    (60, [{"time": "6am", "min_kwh": 5}], "level_targets[0].time = '6am': not a clock time"),
    (60, [{"time": "08:00", "min_kwh": 5}], "level_targets[0].time = '08:00': no step of the horizon"),
    (60, [{"time": "02:00", "min_kwh": 150}], "level_targets[0].min_kwh = 150: 150 kWh is above the store's highest"),
    (60, [{"time": "02:00", "min_kwh": 5, "min_fraction": 0.1}], "give exactly one of min_kwh and min_fraction"),
    (60, [{"time": "02:00", "min_kg": 5}], "min_kg"),
])
def test_bad_targets_named(step_minutes, targets, message):
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(battery_case(step_minutes, level_targets=targets), source="park.yaml")
    assert message in str(err.value) and "assets[1] (bat)" in str(err.value)


@pytest.mark.parametrize("step_minutes", [15, 60])
def test_two_soft_targets_at_one_instant(step_minutes):
    """80 kWh at 0.1 and 30 kWh at 0.3 per kWh short, both at 02:00: charging to 30 costs 0.2 < 0.3 + 0.1,
    beyond 30 only 0.1 is saved: level 30, shortfalls 50 and 0; 0.2 * (20 + 30) + 0.1 * 50 = 15."""
    r = optimise(scenario_from_dict(battery_case(step_minutes, level_targets=[
        {"time": "02:00", "min_kwh": 80, "penalty_cny_per_kwh": 0.1},
        {"time": "02:00", "min_kwh": 30, "penalty_cny_per_kwh": 0.3, "note": "bus depot"}])))
    assert r.summary["objective_cny"] == pytest.approx(15.0, abs=1e-6)
    assert [t["shortfall"] for t in r.summary["level_targets"]] == pytest.approx([50.0, 0.0], abs=1e-6)
    assert r.summary["level_targets"][1]["target"].endswith("+08:00: bus depot)")
    assert asset_flows(r.dataset, "bat")["target_shortfall_kwh"].sum() == pytest.approx(50.0, abs=1e-6)


def test_min_fraction_above_max_soc():
    with pytest.raises(ScenarioError, match=r"min_fraction = 0.97: 97 kWh is above the store's highest level 95"):
        scenario_from_dict(battery_case(60, max_soc_fraction=0.95,
                                        level_targets=[{"time": "02:00", "min_fraction": 0.97}]))


def test_ev_fleet_target_fraction_of_plugged_capacity():
    """min_fraction of an EV fleet is of that step's max_energy_kwh: 0.5 of 40 kWh at 02:00."""
    raw = small_scenario(4, 60, tariff={"import_cny_per_kwh": HOURLY, "export_cny_per_kwh": 0.0},
                         assets=[{"name": "ev", "kind": "ev_fleet", "connected_power_kw": 30,
                                  "max_energy_kwh": [40, 40, 40, 40], "charge_efficiency": 1,
                                  "level_targets": [{"time": "02:00", "min_fraction": 0.5}]}])
    r = optimise(scenario_from_dict(raw))
    assert r.summary["objective_cny"] == pytest.approx(0.2 * 20)
    assert np.isclose(asset_flows(r.dataset, "ev")["energy_kwh"][1], 20.0)
