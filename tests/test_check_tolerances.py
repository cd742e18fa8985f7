"""The independent check's tolerances, pinned at their edges: a tampering of 0.9 times a tolerance
passes, one of 1.1 times it is refused. A check whose tolerance grew (a term of the objective's
scale dropped or negated, a tolerance divided where it is multiplied) would accept wrong
solutions, or refuse right ones, and fails here.

Tolerances (``optimiser.check``): flows and levels 1e-6 of the largest flow magnitude (at least
1e-6 kW); the objective 1e-6 of the gross money flow (1 CNY + |objective| + |demand charge| + |asset
costs| + every grid energy payment + green purchases + target penalties), or of 1 + |emissions|
when minimising emissions; the emissions cap 1e-6 of max(1, cap); energy limits the flow tolerance
times the horizon [kWh]; reported prices rtol = atol = 1e-6. Also: green purchases are summed against
the import, and a hard target after a soft one is still checked.
"""

from __future__ import annotations

import numpy as np
import pytest
from builders import small_scenario
from test_check_tampering import add, problems_after

from optimiser.check import check_solution
from optimiser.results import kpis
from optimiser.run import optimise
from optimiser.scenario import scenario_from_dict

EDGES = [(0.9, False), (1.1, True)]
"""(tampering as a multiple of the tolerance, refused?)"""
OBJECTIVE_EDGES = [(0.95, False), (1.05, True)]
"""the same for the objective, whose every term is more than 3 % of the gross money flow"""


def park(step_minutes: int, **objective):
    """2 h: 100 kW of fixed load and a 50 kW curtailable load (shed at 0.8 CNY/kWh when import costs 1.0);
    PV [0, 300] kW, the surplus exported at 0.3 CNY/kWh; a demand charge of 1 CNY/kW over the 2 h; a soft
    green-electricity share of 0.9 (penalty 1.0 CNY/kWh) with 0.04 MWh of certificates at 600 CNY/MWh
    (and dearer ones, never bought); a hard curtailment cap of 0.5 that does not bind; grid factor 0.6 t/MWh.
    Optimum: flex shed in hour 1 (40 CNY), 100 kWh imported (100 CNY), 150 kWh exported (45 CNY), the
    cheap certificates bought in hour 1 (24 CNY), 35 kWh of shortfall (35 CNY), demand charge 100 CNY."""
    per_hour = 60 // step_minutes
    hourly = lambda values: np.repeat(values, per_hour).tolist()  # noqa: E731
    raw = small_scenario(
        2 * per_hour, step_minutes,
        tariff={"import_cny_per_kwh": hourly([1.0, 0.5]), "export_cny_per_kwh": 0.3},
        grid={"import_limit_kw": 1000, "export_limit_kw": 1000, "emission_factor_tco2_per_mwh": 0.6,
              "demand_charge_cny_per_kw_month": 365},
        targets={"green_electricity_share_min": {"value": 0.9, "penalty_cny_per_kwh": 1.0},
                 "curtailment_rate_max": 0.5,
                 "green_purchases": [{"name": "gec", "kind": "certificate", "price_cny_per_mwh": 600,
                                      "max_mwh": 0.04},
                                     {"name": "dear", "kind": "certificate", "price_cny_per_mwh": 2000,
                                      "max_mwh": 1.0}]},
        objective=objective,
        assets=[{"name": "load", "kind": "demand", "demand_kw": 100},
                {"name": "flex", "kind": "curtailable_load", "baseline_kw": 50, "curtail_cost_cny_per_kwh": 0.8},
                {"name": "pv", "kind": "pv", "available_kw": hourly([0.0, 300.0])}])
    return optimise(scenario_from_dict(raw))


def objective_problems(result, objective: float) -> list[str]:
    return [p for p in check_solution(result.dataset, result.scenario, objective) if p.startswith("objective")]


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_objective_tolerance_is_a_millionth_of_the_gross_money_flow(step_minutes):
    result = park(step_minutes)
    k, dt = kpis(result.dataset, result.scenario), result.scenario.horizon.dt_h
    ds = result.dataset
    terms = {"objective": abs(result.summary["objective_cny"]), "demand charge": k["demand_charge_cny"],
             "asset costs": k["asset_cost_cny"],
             "import payments": dt * float(np.abs(ds["grid_import_price_cny_per_kwh"] * ds["grid_import_kw"]).sum()),
             "export payments": dt * float(np.abs(ds["grid_export_price_cny_per_kwh"] * ds["grid_export_kw"]).sum()),
             "green purchases": k["green_purchase_cost_cny"], "target penalties": k["target_penalty_cny"]}
    gross = 1.0 + sum(terms.values())
    for name, value in terms.items():  # dropping or negating any term moves the tolerance by more than 6 %
        assert value > 0.03 * gross, (name, value, gross)
    assert terms["import payments"] == pytest.approx(100.0, rel=1e-9)  # 100 kWh at 1.0 CNY/kWh, flex shed
    assert terms["export payments"] == pytest.approx(45.0, rel=1e-9)  # 300 - 150 kWh at 0.3 CNY/kWh
    recomputed = k["objective_recomputed_cny"]
    assert objective_problems(result, recomputed) == []
    for factor, refused in OBJECTIVE_EDGES:
        for sign in (1, -1):
            assert bool(objective_problems(result, recomputed + sign * factor * 1e-6 * gross)) is refused, factor


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_objective_tolerance_when_minimising_emissions(step_minutes):
    """Minimising emissions the objective is the emissions [tCO2] (here below 0: the export's credit
    exceeds the import's emissions); tolerance 1e-6 x (1 + |emissions|) t."""
    result = park(step_minutes, minimise="emissions")
    emissions = result.summary["objective_cny"]
    assert emissions == pytest.approx(kpis(result.dataset, result.scenario)["emissions_tco2"], rel=1e-9)
    assert abs(emissions) > 0.05
    for factor, refused in EDGES:
        assert bool(objective_problems(result, emissions + factor * 1e-6 * (1.0 + abs(emissions)))) is refused, factor


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_balance_tolerance_is_a_millionth_of_the_largest_flow(step_minutes):
    """The largest flow is the PV's 300 kW (which the check reads among every flow, not among prices or
    factors, all below 2): an unbalanced import of 0.9 x 3e-4 kW passes, 1.1 x 3e-4 kW is refused."""
    result = park(step_minutes)
    assert float(result.dataset["pv_output_kw"].max()) == pytest.approx(300.0, rel=1e-9)
    for factor, refused in EDGES:
        problems = problems_after(result, lambda ds: add(ds, "grid_import_kw", 0, factor * 1e-6 * 300.0))
        assert any(p.startswith("bus balance is off") for p in problems) is refused, (factor, problems)


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_emissions_cap_tolerance_is_a_millionth_of_the_cap(step_minutes):
    """A cap of 1.5 t, met exactly by a schedule with more load and import in the first hour: emissions above
    the cap by 0.9 x 1.5e-6 t pass, by 1.1 x 1.5e-6 t are refused. The tampering curtails PV in the second
    hour instead of exporting it (less export credit). Each kWh's emissions are read off the KPIs."""
    cap = 1.5
    result = park(step_minutes, emissions_max_tco2=cap)
    scenario, per_hour = result.scenario, 60 // step_minutes
    dt = scenario.horizon.dt_h

    def emissions(ds) -> float:
        return kpis(ds, scenario)["emissions_tco2"]

    def more_import(ds, kwh: float):
        out = ds.copy(deep=True)
        out["load_demand_kw"].values[:per_hour] += kwh / (per_hour * dt)
        out["grid_import_kw"].values[:per_hour] += kwh / (per_hour * dt)
        return out

    def less_export(ds, kwh: float):
        out, kw = ds.copy(deep=True), kwh / (per_hour * dt)
        out["pv_output_kw"].values[per_hour:] -= kw
        out["pv_curtailed_kw"].values[per_hour:] += kw
        out["grid_export_kw"].values[per_hour:] -= kw
        return out

    base = emissions(result.dataset)
    per_import_kwh = emissions(more_import(result.dataset, 1000.0)) - base
    ds = more_import(result.dataset, 1000.0 * (cap - base) / per_import_kwh)
    assert emissions(ds) == pytest.approx(cap, rel=1e-12)
    per_export_kwh = emissions(less_export(ds, 1.0)) - cap
    assert per_export_kwh > 1e-4
    for factor, refused in EDGES:
        tampered = less_export(ds, factor * 1.5e-6 / per_export_kwh)
        problems = [p for p in check_solution(tampered, scenario, 0.0) if "exceed the cap" in p]
        assert bool(problems) is refused, (factor, problems)


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_energy_tolerance_of_a_purchase_limit(step_minutes):
    """Energy limits allow 1e-6 x 300 kW per step, summed over the horizon: 6e-4 kWh at both step lengths.
    The certificates bought (exactly their 40 kWh) raised by 0.9 x that pass, by 1.1 x are refused."""
    result = park(step_minutes)
    dt, n = result.scenario.horizon.dt_h, result.scenario.horizon.steps
    assert float(result.dataset["gec_green_kw"].sum()) * dt == pytest.approx(40.0, rel=1e-9)
    energy_tol_kwh = 1e-6 * 300.0 * dt * n
    assert energy_tol_kwh == pytest.approx(6e-4, rel=1e-12)
    first = int(np.argmax(result.dataset["gec_green_kw"].values))
    for factor, refused in EDGES:
        problems = problems_after(result, lambda ds: add(ds, "gec_green_kw", first, factor * energy_tol_kwh / dt))
        assert any("gec buys" in p for p in problems) is refused, (factor, problems)


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_green_purchases_are_summed_against_the_import(step_minutes):
    """60 kW of each product in the first step, which imports 100 kW: 120 kW of green purchases exceed it,
    though each alone does not."""
    result = park(step_minutes)

    def both(ds):
        ds["gec_green_kw"].values[0] = 60.0
        ds["dear_green_kw"].values[0] = 60.0

    assert any("exceed the grid import" in p for p in problems_after(result, both))


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_a_hard_target_after_a_soft_one_is_checked(step_minutes):
    """The soft green share comes first; the hard curtailment cap after it is still checked: all PV of the
    second hour curtailed (its export and the load it served imported instead) is refused."""
    result = park(step_minutes)
    per_hour = 60 // step_minutes

    def curtail_all(ds):
        pv = ds["pv_output_kw"].values[per_hour:].copy()
        ds["pv_output_kw"].values[per_hour:] = 0.0
        ds["pv_curtailed_kw"].values[per_hour:] += pv
        ds["grid_import_kw"].values[per_hour:] += pv - ds["grid_export_kw"].values[per_hour:]
        ds["grid_export_kw"].values[per_hour:] = 0.0

    problems = problems_after(result, curtail_all)
    assert [p for p in problems if p.startswith("curtailment_rate_max 0.5 not met")], problems


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_reported_prices_must_be_the_inputs_within_a_millionth(step_minutes):
    """The reported import price of 1.0 CNY/kWh is compared with rtol = atol = 1e-6 (2e-6 in all): off by
    1.5e-6 passes, by 5e-6 is refused."""
    result = park(step_minutes)
    for delta, refused in [(1.5e-6, False), (5e-6, True)]:
        problems = problems_after(result, lambda ds: add(ds, "grid_import_price_cny_per_kwh", 0, delta))
        assert any("import_price_cny_per_kwh is not the scenario's input" in p for p in problems) is refused, delta
