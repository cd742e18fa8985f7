"""Heat at more than one temperature level: a balance per level and a downward cascade.

Each test states how its expected optimum was worked out by hand. Steps are 1 h,
the grid emission factor is 0 and electricity costs 0.5 CNY/kWh unless stated.
Levels, hottest first: ``process`` (90 C, process hot water) and ``space`` (45 C,
space heating); heat may flow from ``process`` down to ``space`` (mixing with return
water or a heat exchanger), never up.
"""

from __future__ import annotations

import numpy as np
import pytest

from optimiser.check import check_solution
from optimiser.errors import InfeasibleError, ScenarioError
from optimiser.results import asset_flows
from optimiser.run import optimise

LEVELS = [{"name": "process", "temperature_c": 90}, {"name": "space", "temperature_c": 45}]


def tariff(price=0.5) -> dict:
    return {"import_cny_per_kwh": price, "export_cny_per_kwh": 0.0}


def two_level_park(build, cascade_max_kw_th=None, space_demand=100.0, process_demand=100.0):
    """Process heat only from an electric boiler (efficiency 1, 0.5 CNY/kWh_th); space heat
    from a 30 kW_th heat pump at COP 4 (0.125 CNY/kWh_th) or cascaded process heat."""
    levels = [dict(LEVELS[0]), dict(LEVELS[1])]
    if cascade_max_kw_th is not None:
        levels[0]["cascade_max_kw_th"] = cascade_max_kw_th
    return build(1, tariff=tariff(), heat_levels=levels, assets=[
        {"name": "process_load", "kind": "heat_demand", "demand_kw_th": process_demand, "heat_level": "process"},
        {"name": "space_load", "kind": "heat_demand", "demand_kw_th": space_demand, "heat_level": "space"},
        {"name": "eboiler", "kind": "electric_boiler", "capacity_kw_th": 500, "efficiency": 1.0, "heat_level": "process"},
        {"name": "hp", "kind": "heat_pump", "capacity_kw_th": 30, "cop": 4, "heat_level": "space"},
    ])


def test_each_level_is_balanced_and_heat_cascades_down(build):
    """Process 100 kW_th must come from the boiler: 100 x 0.5 = 50 CNY. Space 100 kW_th:
    the heat pump gives 30 (30 / 4 x 0.5 = 3.75 CNY), the other 70 cascade down from the
    boiler (70 x 0.5 = 35 CNY). Optimum 50 + 3.75 + 35 = 88.75 CNY; the boiler makes 170."""
    r = optimise(two_level_park(build))
    assert r.summary["objective_cny"] == pytest.approx(88.75, abs=1e-6)
    np.testing.assert_allclose(asset_flows(r.dataset, "eboiler")["heat_kw_th"], [170.0], atol=1e-6)
    np.testing.assert_allclose(asset_flows(r.dataset, "hp")["heat_kw_th"], [30.0], atol=1e-6)
    cascade = asset_flows(r.dataset, "heat_cascade")
    np.testing.assert_allclose(cascade["process_to_space_kw_th"], [70.0], atol=1e-6)
    assert r.dataset["heat_cascade_process_to_space_kw_th"].attrs["units"] == "kW_th"
    levels = r.summary["heat_levels"]
    assert levels["process"] == pytest.approx({"temperature_c": 90.0, "demand_kwh_th": 100.0, "supplied_kwh_th": 170.0,
                                               "cascaded_in_kwh_th": 0.0, "cascaded_out_kwh_th": 70.0})
    assert levels["space"] == pytest.approx({"temperature_c": 45.0, "demand_kwh_th": 100.0, "supplied_kwh_th": 30.0,
                                             "cascaded_in_kwh_th": 70.0, "cascaded_out_kwh_th": 0.0})


def test_low_temperature_heat_cannot_serve_the_process_level(build):
    """With a big space heat pump (COP 4) the single-bus optimum would heat everything
    with it: 200 / 4 x 0.5 = 25 CNY. With levels, the process 100 kW_th still needs the
    boiler (50 CNY) and the heat pump serves only space: 100 / 4 x 0.5 = 12.5 CNY.
    Optimum 62.5 CNY, no cascade."""
    s = build(1, tariff=tariff(), heat_levels=LEVELS, assets=[
        {"name": "process_load", "kind": "heat_demand", "demand_kw_th": 100, "heat_level": "process"},
        {"name": "space_load", "kind": "heat_demand", "demand_kw_th": 100, "heat_level": "space"},
        {"name": "eboiler", "kind": "electric_boiler", "capacity_kw_th": 500, "efficiency": 1.0, "heat_level": "process"},
        {"name": "hp", "kind": "heat_pump", "capacity_kw_th": 500, "cop": 4, "heat_level": "space"},
    ])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(62.5, abs=1e-6)
    np.testing.assert_allclose(asset_flows(r.dataset, "hp")["heat_kw_th"], [100.0], atol=1e-6)
    np.testing.assert_allclose(asset_flows(r.dataset, "heat_cascade")["process_to_space_kw_th"], [0.0], atol=1e-6)


def test_cascade_capacity_binds_and_heat_never_flows_up(build):
    """A 60 kW_th cascade heat exchanger cannot carry the 70 kW_th the space level lacks:
    30 (heat pump) + 60 < 100. Infeasible, and the message names the space balance."""
    with pytest.raises(InfeasibleError) as err:
        optimise(two_level_park(build, cascade_max_kw_th=60))
    assert "heat_balance" in str(err.value)
    assert "space" in str(err.value)
    # The heat pump has spare output only at the low level: process demand alone with no
    # process source is infeasible too (heat does not flow up).
    s = build(1, tariff=tariff(), heat_levels=LEVELS, assets=[
        {"name": "process_load", "kind": "heat_demand", "demand_kw_th": 10, "heat_level": "process"},
        {"name": "hp", "kind": "heat_pump", "capacity_kw_th": 500, "cop": 4, "heat_level": "space"},
    ])
    with pytest.raises(InfeasibleError, match="heat_balance.*process"):
        optimise(s)


def test_cascade_capacity_within_limit(build):
    """The same park with an 80 kW_th cascade limit is feasible and costs 88.75 CNY."""
    r = optimise(two_level_park(build, cascade_max_kw_th=80))
    assert r.summary["objective_cny"] == pytest.approx(88.75, abs=1e-6)


def test_process_level_tank_serves_space_heat_through_the_cascade(build):
    """Electricity 0.2 then 1.0 CNY/kWh; space heat 0 then 100 kW_th; the only heat
    source is a process-level electric boiler (efficiency 1, 100 kW_th) with a lossless
    100 kWh_th process-level tank (empty, end free). Optimum: boil 100 at step 0 into the
    tank (20 CNY), discharge it at step 1 and cascade it to space: 20 CNY (no tank: 100)."""
    s = build(2, tariff=tariff([0.2, 1.0]), heat_levels=LEVELS, assets=[
        {"name": "space_load", "kind": "heat_demand", "demand_kw_th": [0, 100], "heat_level": "space"},
        {"name": "eboiler", "kind": "electric_boiler", "capacity_kw_th": 100, "efficiency": 1.0, "heat_level": "process"},
        {"name": "tank", "kind": "thermal_storage", "power_kw": 100, "energy_kwh": 100, "initial_soc_fraction": 0.0,
         "end_rule": "free", "self_discharge_per_hour": 0.0, "heat_level": "process"},
    ])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(20.0, abs=1e-6)
    np.testing.assert_allclose(asset_flows(r.dataset, "tank")["discharge_kw"], [0, 100], atol=1e-6)
    np.testing.assert_allclose(asset_flows(r.dataset, "heat_cascade")["process_to_space_kw_th"], [0, 100], atol=1e-6)
    # supplied counts the tank's discharge (100), not its charging (-100 at step 0), and the idle boiler's 0 at step 1
    assert r.summary["heat_levels"]["process"] == pytest.approx({
        "temperature_c": 90.0, "demand_kwh_th": 0.0, "supplied_kwh_th": 200.0, "cascaded_in_kwh_th": 0.0,
        "cascaded_out_kwh_th": 100.0})


def test_three_levels_cascade_step_by_step(build):
    """Steam (150 C) from a gas boiler (efficiency 0.9, 3.0 CNY/m3, 10 kWh/m3, no emissions
    priced) is the only source; 50 kW_th of space heat at 45 C passes through the 80 C
    hot-water level: both cascades carry 50. Gas 50 / 0.9 / 10 = 5.5556 m3 -> 16.6667 CNY."""
    levels = [{"name": "steam", "temperature_c": 150}, {"name": "hot_water", "temperature_c": 80},
              {"name": "space", "temperature_c": 45}]
    s = build(1, heat_levels=levels, assets=[
        {"name": "space_load", "kind": "heat_demand", "demand_kw_th": 50, "heat_level": "space"},
        {"name": "gboiler", "kind": "gas_boiler", "capacity_kw_th": 100, "efficiency": 0.9,
         "gas_price_cny_per_m3": 3.0, "lhv_kwh_per_m3": 10.0, "heat_level": "steam"},
    ])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(50 / 0.9 / 10 * 3.0, abs=1e-6)
    cascade = asset_flows(r.dataset, "heat_cascade")
    np.testing.assert_allclose(cascade["steam_to_hot_water_kw_th"], [50.0], atol=1e-6)
    np.testing.assert_allclose(cascade["hot_water_to_space_kw_th"], [50.0], atol=1e-6)


def test_no_cascade_when_switched_off(build):
    """``cascade: false`` on the process level: the space level cannot take process heat,
    so 100 kW_th of space demand against a 30 kW_th heat pump is infeasible."""
    levels = [dict(LEVELS[0], cascade=False), LEVELS[1]]
    s = build(1, tariff=tariff(), heat_levels=levels, assets=[
        {"name": "space_load", "kind": "heat_demand", "demand_kw_th": 100, "heat_level": "space"},
        {"name": "eboiler", "kind": "electric_boiler", "capacity_kw_th": 500, "efficiency": 1.0, "heat_level": "process"},
        {"name": "hp", "kind": "heat_pump", "capacity_kw_th": 30, "cop": 4, "heat_level": "space"},
    ])
    with pytest.raises(InfeasibleError):
        optimise(s)


def test_check_catches_an_unbalanced_level(build):
    """Moving 10 kW_th of cascade from the solution breaks both levels' balances."""
    s = two_level_park(build)
    r = optimise(s)
    ds = r.dataset.copy(deep=True)
    ds["heat_cascade_process_to_space_kw_th"].values[0] -= 10.0
    problems = check_solution(ds, s, r.summary["objective_cny"])
    assert any("heat (process) balance" in p for p in problems)
    assert any("heat (space) balance" in p for p in problems)
    ds["heat_cascade_process_to_space_kw_th"].values[0] = -5.0
    assert any("heat_cascade.process_to_space_kw_th" in p for p in check_solution(ds, s, r.summary["objective_cny"]))


def test_single_heat_bus_is_unchanged_without_levels(build):
    """Without ``heat_levels`` there is one heat bus: the big heat pump serves all 200 kW_th
    at COP 4: 25 CNY, and the summary has no heat_levels entry."""
    s = build(1, tariff=tariff(), assets=[
        {"name": "load_a", "kind": "heat_demand", "demand_kw_th": 100},
        {"name": "load_b", "kind": "heat_demand", "demand_kw_th": 100},
        {"name": "eboiler", "kind": "electric_boiler", "capacity_kw_th": 500, "efficiency": 1.0},
        {"name": "hp", "kind": "heat_pump", "capacity_kw_th": 500, "cop": 4},
    ])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(25.0, abs=1e-6)
    assert r.summary["heat_levels"] == {}


@pytest.mark.parametrize("levels, asset_level, message", [
    (None, "space", "assets[1] (hp).heat_level = 'space': the scenario has no heat_levels"),
    (LEVELS, "warm", "assets[1] (hp).heat_level = 'warm': not a heat level (process, space)"),
    (LEVELS, None, "assets[1] (hp).heat_level is missing: with heat_levels every heat asset names one (process, space)"),
    ([{"name": "space", "temperature_c": 45}, {"name": "process", "temperature_c": 90}], "space",
     "heat_levels[1] (process).temperature_c = 90: levels go from hottest to coldest; the level before is at 45 C"),
    ([{"name": "space", "temperature_c": 90}, {"name": "space", "temperature_c": 45}], "space",
     "heat_levels[1] (space).name: used twice"),
    (LEVELS, ("process", 60), "assets[1] (hp).heat_level = 'process': the level is at 90 C, above the asset's "
                              "max_supply_temperature_c 60 C"),
])
def test_bad_heat_levels_are_named(build, levels, asset_level, message):
    hp = {"name": "hp", "kind": "heat_pump", "capacity_kw_th": 30, "cop": 4}
    if isinstance(asset_level, tuple):
        asset_level, hp["max_supply_temperature_c"] = asset_level
    if asset_level is not None:
        hp["heat_level"] = asset_level
    sections = {"assets": [{"name": "space_load", "kind": "heat_demand", "demand_kw_th": 10,
                            **({"heat_level": "space"} if levels else {})}, hp]}
    if levels is not None:
        sections["heat_levels"] = levels
    with pytest.raises(ScenarioError) as err:
        build(1, **sections)
    assert message in str(err.value)


def test_a_hot_enough_heat_pump_may_feed_the_level(build):
    """A high-temperature heat pump (up to 95 C, COP 2.5) may serve the 90 C process level:
    100 kW_th / 2.5 x 0.5 = 20 CNY; free 40 C tail water serves a 35 C floor-heating level
    (50 kW_th). Optimum 20 CNY. The same tail water is rejected on the 45 C level."""
    levels = [*LEVELS, {"name": "floor", "temperature_c": 35}]
    s = build(1, tariff=tariff(), heat_levels=levels, assets=[
        {"name": "process_load", "kind": "heat_demand", "demand_kw_th": 100, "heat_level": "process"},
        {"name": "floor_load", "kind": "heat_demand", "demand_kw_th": 50, "heat_level": "floor"},
        {"name": "hp", "kind": "heat_pump", "capacity_kw_th": 100, "cop": 2.5, "heat_level": "process",
         "max_supply_temperature_c": 95},
        {"name": "tail_water", "kind": "waste_heat", "available_kw_th": 80, "heat_level": "floor",
         "max_supply_temperature_c": 40},
    ])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(20.0, abs=1e-6)
    np.testing.assert_allclose(asset_flows(r.dataset, "tail_water")["heat_kw_th"], [50.0], atol=1e-6)
    raw_levels = [dict(level) for level in levels]
    with pytest.raises(ScenarioError, match=r"assets\[1\] \(tail_water\).heat_level = 'space': the level is at 45 C"):
        build(1, heat_levels=raw_levels, assets=[
            {"name": "space_load", "kind": "heat_demand", "demand_kw_th": 10, "heat_level": "space"},
            {"name": "tail_water", "kind": "waste_heat", "available_kw_th": 80, "heat_level": "space",
             "max_supply_temperature_c": 40}])


def test_heat_level_is_unknown_on_assets_without_heat(build):
    with pytest.raises(ScenarioError, match=r"assets\[0\] \(lfp\).heat_level: unknown field"):
        build(1, heat_levels=LEVELS, assets=[
            {"name": "lfp", "kind": "battery", "power_kw": 10, "energy_kwh": 20, "heat_level": "space"}])


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_level_summary_sums_every_supplier_at_both_step_lengths(build, step_minutes):
    """1 h as 1 or 4 steps; a power-only load is listed first. Space 100 kW_th: heat pump 30 kW_th at COP 4
    (0.125 CNY/kWh_th), a second one 20 kW_th at COP 2 (0.25), the other 50 cascaded from the process
    boiler (0.5). Process 100 + 50 = 150 from the boiler. Optimum 10 x 0.5 + 150 x 0.5 + 30 / 4 x 0.5
    + 20 / 2 x 0.5 = 88.75 CNY. Per level [kWh_th]: process demand 100, supplied 150, 50 out; space
    demand 100, supplied 30 + 20 = 50, 50 in; by source boiler 150, heat pumps 30 and 20."""
    steps = 60 // step_minutes
    r = optimise(build(steps, step_minutes, tariff=tariff(), heat_levels=LEVELS, assets=[
        {"name": "load", "kind": "demand", "demand_kw": 10},
        {"name": "process_load", "kind": "heat_demand", "demand_kw_th": 100, "heat_level": "process"},
        {"name": "space_load", "kind": "heat_demand", "demand_kw_th": 100, "heat_level": "space"},
        {"name": "eboiler", "kind": "electric_boiler", "capacity_kw_th": 500, "efficiency": 1.0, "heat_level": "process"},
        {"name": "hp", "kind": "heat_pump", "capacity_kw_th": 30, "cop": 4, "heat_level": "space"},
        {"name": "hp2", "kind": "heat_pump", "capacity_kw_th": 20, "cop": 2, "heat_level": "space"},
    ]))
    assert r.summary["objective_cny"] == pytest.approx(88.75, abs=1e-6)
    assert r.summary["heat_levels"] == {
        "process": pytest.approx({"temperature_c": 90.0, "demand_kwh_th": 100.0, "supplied_kwh_th": 150.0,
                                  "cascaded_in_kwh_th": 0.0, "cascaded_out_kwh_th": 50.0}),
        "space": pytest.approx({"temperature_c": 45.0, "demand_kwh_th": 100.0, "supplied_kwh_th": 50.0,
                                "cascaded_in_kwh_th": 50.0, "cascaded_out_kwh_th": 0.0})}
    assert r.summary["heat_by_source_kwh_th"] == pytest.approx({"eboiler": 150.0, "hp": 30.0, "hp2": 20.0}, abs=1e-6)
    assert r.dataset["heat_cascade_process_to_space_kw_th"].attrs == {
        "asset": "heat_cascade", "kind": "heat_cascade", "flow": "process_to_space_kw_th", "units": "kW_th"}


def test_a_level_may_be_called_heat(build):
    """A level named like the single heat bus ("heat"): the power-only load (whose level lookup also
    answers "heat") is no heat asset of it. Boiler 100 kW_th at 0.5 CNY/kWh_th: 50 CNY, + 10 kWh: 55 CNY."""
    levels = [{"name": "heat", "temperature_c": 90}, {"name": "space", "temperature_c": 45}]
    r = optimise(build(1, tariff=tariff(), heat_levels=levels, assets=[
        {"name": "load", "kind": "demand", "demand_kw": 10},
        {"name": "process_load", "kind": "heat_demand", "demand_kw_th": 100, "heat_level": "heat"},
        {"name": "eboiler", "kind": "electric_boiler", "capacity_kw_th": 500, "efficiency": 1.0, "heat_level": "heat"},
    ]))
    assert r.summary["objective_cny"] == pytest.approx(55.0, abs=1e-6)
    assert r.summary["heat_levels"]["heat"]["supplied_kwh_th"] == pytest.approx(100.0, abs=1e-6)
