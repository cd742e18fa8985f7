"""The independent check against tampered solutions: one tampering per rule it enforces.

A solved, checked park is copied and one thing in the copy is broken (a bound, a
balance, continuity, an end rule, simultaneous flows, the objective, a target, an
emissions cap, a direct-supply rule, a green-purchase limit). The check must name
the broken rule, so a check that stops checking it fails here. Objectives are passed
recomputed from the tampered flows (except in the objective test) so that only the
tampered rule can fire.
"""

from __future__ import annotations

import numpy as np
import pytest
from builders import small_scenario

from optimiser.check import check_solution
from optimiser.results import kpis
from optimiser.run import optimise
from optimiser.scenario import scenario_from_dict


def battery(name: str, **overrides) -> dict:
    spec = {"name": name, "kind": "battery", "power_kw": 100, "energy_kwh": 200, "initial_soc_fraction": 0.5,
            "self_discharge_per_hour": 0.0, "cycle_cost_cny_per_kwh": 0.0}
    spec.update(overrides)
    return spec


@pytest.fixture(scope="module")
def park():
    """4 h: load 300 kW (sheddable at 2 CNY/kWh), PV [0, 500, 500, 0] kW, three batteries (end rules
    equal_initial, at_least 0.8, cyclic), a 100 kW direct-supply wind project, green certificates
    (0.1 MWh), every hard share target, a renewable-share minimum and an emissions cap. The optimum
    imports nothing, so every target holds with room; the tamperings below push each one over."""
    raw = small_scenario(
        4, 60,
        tariff={"import_cny_per_kwh": [0.3, 0.8, 0.8, 0.3], "export_cny_per_kwh": 0.1},
        grid={"import_limit_kw": 1000, "export_limit_kw": 500, "emission_factor_tco2_per_mwh": 0.6},
        targets={"renewable_share_min": 0.7, "green_electricity_share_min": 0.75, "non_fossil_share_min": 0.72,
                 "clean_energy_share_min": 0.72, "curtailment_rate_max": 0.05, "direct_supply_share_min": 0.25,
                 "green_purchases": [{"name": "gec", "kind": "certificate", "price_cny_per_mwh": 50, "max_mwh": 0.1}]},
        objective={"emissions_max_tco2": 0.1},
        assets=[{"name": "load", "kind": "curtailable_load", "baseline_kw": 300, "curtail_cost_cny_per_kwh": 2.0},
                {"name": "pv", "kind": "pv", "available_kw": [0, 500, 500, 0]},
                battery("lfp"), battery("tail", end_rule="at_least", end_soc_min_fraction=0.8),
                battery("loop", end_rule="cyclic"),
                {"name": "direct", "kind": "direct_supply", "line_limit_kw": 1000, "energy_price_cny_per_kwh": 0.2,
                 "export_limit_kw": 100, "export_cny_per_kwh": 0.1,
                 "plants": [{"name": "wt", "technology": "wind", "available_kw": 100}]}])
    return optimise(scenario_from_dict(raw))


def problems_after(result, tamper) -> list[str]:
    """Check a deep copy of the result's Dataset after ``tamper(ds)`` (objective recomputed from it)."""
    ds = result.dataset.copy(deep=True)
    tamper(ds)
    return check_solution(ds, result.scenario, kpis(ds, result.scenario)["objective_recomputed_cny"])


def add(ds, var: str, step: int, delta: float) -> None:
    ds[var].values[step] += delta


def shift_pv_to_import(ds, kw: float = 400.0, step: int = 2) -> None:
    """Curtail ``kw`` of PV at ``step`` and import it instead: balanced, but less renewable."""
    assert ds["grid_export_kw"].values[step] == pytest.approx(0.0, abs=1e-6)
    add(ds, "pv_output_kw", step, -kw)
    add(ds, "pv_curtailed_kw", step, kw)
    add(ds, "grid_import_kw", step, kw)


def test_untampered_solution_passes(park):
    assert check_solution(park.dataset, park.scenario, park.summary["objective_cny"]) == []


TAMPERINGS = {
    # rule: (tampering, message the check must give)
    "grid import limit": (lambda ds: add(ds, "grid_import_kw", 0, 2000.0), "grid.import_kw = .* above its upper bound"),
    "grid export sign": (lambda ds: add(ds, "grid_export_kw", 0, -1.0), "grid.export_kw = -1 below its lower bound"),
    "grid simultaneous": (lambda ds: (add(ds, "grid_import_kw", 1, 10.0), add(ds, "grid_export_kw", 1, 10.0)),
                          "grid imports and exports at once"),
    "bus balance": (lambda ds: add(ds, "grid_import_kw", 0, 10.0), "bus balance is off by 10 kW at step 0"),
    "grid price input": (lambda ds: add(ds, "grid_import_price_cny_per_kwh", 0, 0.1),
                         "grid.import_price_cny_per_kwh is not the scenario's input series"),
    "grid emission factor input": (lambda ds: add(ds, "grid_emission_factor_tco2_per_mwh", 0, -0.1),
                                   "grid.emission_factor_tco2_per_mwh is not the scenario's input series"),
    "storage level bound": (lambda ds: add(ds, "lfp_soc_kwh", 2, 200.0), "lfp.soc_kwh = .* above its upper bound"),
    "storage power bound": (lambda ds: add(ds, "lfp_discharge_kw", 0, 50.0), "lfp.discharge_kw = .* above its upper"),
    "storage charging bound": (lambda ds: add(ds, "lfp_charge_kw", 0, 150.0), "lfp.charge_kw = .* above its upper"),
    "storage continuity": (lambda ds: add(ds, "lfp_soc_kwh", 1, 5.0), "lfp.soc_kwh breaks continuity at step 1"),
    "storage end rule equal_initial": (lambda ds: add(ds, "lfp_soc_kwh", 3, 5.0), "lfp ends at 105 kWh, not its initial 100"),
    "storage end rule at_least": (lambda ds: add(ds, "tail_soc_kwh", 3, -5.0), "tail ends at 155 kWh, below its end "
                                                                               "minimum 160"),
    "storage end rule cyclic": (lambda ds: add(ds, "loop_soc_kwh", 3, 5.0), "loop.soc_kwh breaks continuity"),
    # lossless and cyclic: the whole level curve 5 kWh higher is as good (start = final level)
    "storage cyclic level shifted": (lambda ds: ds["loop_soc_kwh"].values.__iadd__(5.0), None),
    # 10 kW more charge stores 9.5 kWh, 9.025 kW more discharge takes them out again; the 0.975 kW
    # difference is imported: only the simultaneity is wrong
    "storage simultaneous": (lambda ds: (add(ds, "lfp_charge_kw", 0, 10.0), add(ds, "lfp_discharge_kw", 0, 9.025),
                                         add(ds, "grid_import_kw", 0, 0.975)), "lfp charges and discharges at once"),
    "renewable output bound": (lambda ds: add(ds, "pv_output_kw", 1, 10.0), "pv.output_kw = .* above its upper bound"),
    "renewable curtailed column": (lambda ds: add(ds, "pv_curtailed_kw", 1, 10.0),
                                   "pv.curtailed_kw is not available_kw - output_kw"),
    "renewable available column": (lambda ds: add(ds, "pv_available_kw", 1, 10.0),
                                   "pv.available_kw is not the input series"),
    "renewable share": (shift_pv_to_import, "renewable_share 0.[0-9]+ is below the target 0.7"),
    "emissions cap": (shift_pv_to_import, "emissions 0.[0-9]+ tCO2 exceed the cap 0.1 tCO2"),
    "green electricity share": (shift_pv_to_import, "green_electricity_share_min 0.75 not met"),
    "non-fossil share": (shift_pv_to_import, "non_fossil_share_min 0.72 not met"),
    "clean energy share": (shift_pv_to_import, "clean_energy_share_min 0.72 not met"),
    "curtailment cap": (shift_pv_to_import, "curtailment_rate_max 0.05 not met"),
    "green purchase sign": (lambda ds: add(ds, "gec_green_kw", 0, -1.0), "gec.green_kw = -1 below its lower bound"),
    "green purchase within import": (lambda ds: add(ds, "gec_green_kw", 2, 50.0),
                                     "green purchases 50 kW exceed the grid import 0 kW at step 2"),
    "green purchase volume": (lambda ds: (shift_pv_to_import(ds, 200.0), add(ds, "gec_green_kw", 2, 200.0)),
                              "gec buys 0.2 MWh, above its 0.1 MWh"),
    "direct supply share of load": (lambda ds: (add(ds, "direct_self_kw", 0, -100.0), add(ds, "direct_curtailed_kw", 0, 100.0),
                                                add(ds, "grid_import_kw", 0, 100.0)),
                                    r"direct self_min_of_load \(self-consumed >= 0.3 x park consumption\) not met"),
    "direct supply share minimum": (lambda ds: [(add(ds, "direct_self_kw", t, -100.0), add(ds, "grid_import_kw", t, 100.0))
                                                for t in (0, 3)], "direct_supply_share_min 0.25 not met"),
    "direct supply self-consumption": (
        lambda ds: [(add(ds, "direct_self_kw", t, -100.0), add(ds, "direct_curtailed_kw", t, 100.0),
                     add(ds, "grid_import_kw", t, 100.0)) for t in (0, 2, 3)],
        r"direct self_min_of_available \(self-consumed >= 0.6 x available\) not met"),
    "direct supply export": (lambda ds: (add(ds, "direct_self_kw", 2, -90.0), add(ds, "direct_export_kw", 2, 90.0),
                                         add(ds, "grid_import_kw", 2, 90.0)), r"direct export_max_of_available \(exported <= 0.2 x available\) not met"),
    # legal: curtail 10 kW more in the last step and discharge the at-least store 10 kW less (it ends
    # 10 / 0.95 kWh fuller); consumption, shares and direct-supply rules are unchanged
    "load curtailment": (lambda ds: (add(ds, "load_curtailed_kw", 3, 10.0), add(ds, "load_load_kw", 3, -10.0),
                                     add(ds, "tail_discharge_kw", 3, -10.0), add(ds, "tail_soc_kwh", 3, 10.0 / 0.95)),
                         None),
}


@pytest.mark.parametrize("rule", list(TAMPERINGS))
def test_check_names_each_broken_rule(park, rule):
    tamper, message = TAMPERINGS[rule]
    problems = problems_after(park, tamper)
    if message is None:  # a legal change: the check must accept it
        assert problems == [], problems
        return
    assert any(__import__("re").search(message, p) for p in problems), problems


def test_check_recomputes_the_objective(park):
    """A reported objective 1 CNY off the one recomputed from the flows is refused."""
    problems = check_solution(park.dataset, park.scenario, park.summary["objective_cny"] + 1.0)
    assert len(problems) == 1 and "differs from the one recomputed from the flows" in problems[0]


REPORTED_INPUTS = {"baseline_kw", "required_kw", "arrival_energy_kwh", "departure_energy_kwh", "connected_sessions"}
"""columns that only echo an input series and that no objective term, balance or KPI reads"""


def test_every_flow_of_every_asset_kind_is_checked(bundled):
    """The bundled multi-energy day (every asset kind): raising any one result variable at its largest
    step by 10 % of its range + 1 makes the check complain (a bound, a balance, a definition, continuity,
    the objective when a price changes)."""
    result = bundled("dezhou_multi_energy_day")
    unchecked = []
    for var in result.dataset.data_vars:
        if result.dataset[var].attrs["flow"] in REPORTED_INPUTS:
            continue
        ds = result.dataset.copy(deep=True)
        values = ds[var].values
        values[int(np.argmax(np.abs(values)))] += 0.1 * np.abs(values).max() + 1.0
        if not check_solution(ds, result.scenario, result.summary["objective_cny"]):
            unchecked.append(var)
    assert unchecked == []


@pytest.mark.parametrize(("var", "message"), [
    ("heat_store_soc_kwh", "heat_store ends at .* kWh, not its initial"),
    ("h2_tank_level_kg", "h2_tank ends at .* kg, not its initial"),
    ("process_heat_demand_kw_th", r"heat \(process\) balance is off"),
    ("wash_water_demand_kw_th", r"heat \(warm_water\) balance is off"),
    ("refuelling_bought_kg_per_h", "hydrogen balance is off"),
    ("logistics_evs_energy_kwh", "logistics_evs ends at .* kWh, below its end minimum"),
])
def test_multi_energy_rules(bundled, var, message):
    """End rules of the heat store and hydrogen tank (last step +1) and the EV fleet's end minimum
    (last step -1 below it), and the heat-level and hydrogen balances (one step +1)."""
    import re

    result = bundled("dezhou_multi_energy_day")
    ds = result.dataset.copy(deep=True)
    if var == "logistics_evs_energy_kwh":
        ds[var].values[-1] = 4000.0 - 1.0
    elif var.endswith(("_soc_kwh", "_level_kg")):
        ds[var].values[-1] += 1.0
    else:
        ds[var].values[0] += 1.0
    problems = check_solution(ds, result.scenario, kpis(ds, result.scenario)["objective_recomputed_cny"])
    assert any(re.search(message, p) for p in problems), problems


@pytest.fixture(scope="module")
def quarter_hour_park():
    """1 h in 15-minute steps: load 800 kW, a 1000 kW direct-supply project (0.4 CNY/kWh, export up to
    150 kW at 0.35), grid 0.3 CNY/kWh; hydrogen demand 4 kg/h bought grey, an idle 10 kg tank (half full,
    floor 10 %, 8 kg/h each way, equal_initial). Optimum: self 600 kW (the 60 % rule), export 150 kW."""
    raw = small_scenario(
        4, 15, tariff={"import_cny_per_kwh": 0.3, "export_cny_per_kwh": 0.0},
        assets=[{"name": "load", "kind": "demand", "demand_kw": 800},
                {"name": "direct", "kind": "direct_supply", "line_limit_kw": 2000, "export_limit_kw": 150,
                 "energy_price_cny_per_kwh": 0.4, "export_cny_per_kwh": 0.35,
                 "plants": [{"name": "pv", "technology": "pv", "available_kw": 1000}]},
                {"name": "h2", "kind": "hydrogen_demand", "demand_kg_per_h": 4.0, "grey_purchase_cny_per_kg": 5.0},
                {"name": "tank", "kind": "hydrogen_storage", "capacity_kg": 10, "min_level_fraction": 0.1,
                 "max_charge_kg_per_h": 8, "max_discharge_kg_per_h": 8}])
    return optimise(scenario_from_dict(raw))


def set_direct(ds, step: int, own_kw: float, export_kw: float) -> None:
    """Set the project's self supply and export at ``step``; the grid takes the park's balance (800 kW load)."""
    ds["direct_self_kw"].values[step], ds["direct_export_kw"].values[step] = own_kw, export_kw
    ds["direct_curtailed_kw"].values[step] = 1000.0 - own_kw - export_kw
    ds["grid_import_kw"].values[step], ds["grid_export_kw"].values[step] = max(0.0, 800 - own_kw), max(0.0, own_kw - 800)


QUARTER_HOUR_TAMPERINGS = {
    "tank fill limit": (lambda ds: (add(ds, "tank_charge_kg_per_h", 2, 20.0), add(ds, "h2_bought_kg_per_h", 2, 20.0)),
                        "tank.charge_kg_per_h = 20 above its upper bound 8 at step 2"),
    "tank withdrawal limit": (lambda ds: (add(ds, "tank_discharge_kg_per_h", 2, 20.0),
                                          add(ds, "h2_bought_kg_per_h", 2, -4.0)),
                              "tank.discharge_kg_per_h = 20 above its upper bound 8 at step 2"),
    "tank floor": (lambda ds: ds["tank_level_kg"].values.__isub__(4.5), "tank.level_kg = 0.5 below its lower bound 1"),
    "tank continuity": (lambda ds: add(ds, "tank_level_kg", 1, 1.0), "tank.level_kg breaks continuity at step 1"),
    "tank end rule": (lambda ds: add(ds, "tank_level_kg", 3, 1.0), "tank ends at 6 kg, not its initial 5 kg"),
    "tank simultaneous": (lambda ds: (add(ds, "tank_charge_kg_per_h", 0, 1.0), add(ds, "tank_discharge_kg_per_h", 0, 1.0)),
                          "tank fills and empties at once"),
    "direct line bound": (lambda ds: set_direct(ds, 0, own_kw=1100.0, export_kw=0.0),
                          "direct.self_kw = 1100 above its upper bound 1000 at step 0"),
    "direct self + export bound": (lambda ds: set_direct(ds, 1, own_kw=900.0, export_kw=150.0),
                                   "direct.self \\+ export = 1050 above its upper bound 1000 at step 1"),
    "direct self-consumption at 15 min": (
        lambda ds: (ds["direct_self_kw"].values.__isub__(100.0), ds["direct_curtailed_kw"].values.__iadd__(100.0),
                    ds["grid_import_kw"].values.__iadd__(100.0)),
        r"direct self_min_of_available \(self-consumed >= 0.6 x available\) not met: -100 kWh"),
    "direct export at 15 min": (
        lambda ds: (ds["direct_self_kw"].values.__isub__(100.0), ds["direct_export_kw"].values.__iadd__(100.0),
                    ds["grid_import_kw"].values.__iadd__(100.0)),
        r"direct export_max_of_available \(exported <= 0.2 x available\) not met: -50 kWh"),
}


def test_quarter_hour_park_passes(quarter_hour_park):
    r = quarter_hour_park
    assert r.summary["objective_cny"] == pytest.approx(600 * 0.4 + 200 * 0.3 - 150 * 0.35 + 4 * 5.0, abs=1e-6)
    assert check_solution(r.dataset, r.scenario, r.summary["objective_cny"]) == []


@pytest.mark.parametrize("rule", list(QUARTER_HOUR_TAMPERINGS))
def test_check_names_each_broken_rule_at_15_minutes(quarter_hour_park, rule):
    import re

    tamper, message = QUARTER_HOUR_TAMPERINGS[rule]
    problems = problems_after(quarter_hour_park, tamper)
    assert any(re.search(message, p) for p in problems), problems
