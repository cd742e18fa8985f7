"""Zero-carbon park rules: national carbon accounting, green-power direct supply, share targets.

Each test states in its docstring how the expected numbers were worked out by hand;
every solution also passes the independent post-solve check (``optimise`` raises otherwise).
Steps are 1 h unless stated.
"""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from builders import small_scenario

from optimiser.check import check_solution
from optimiser.cli import main
from optimiser.errors import InfeasibleError
from optimiser.results import asset_flows
from optimiser.run import optimise
from optimiser.scenario import scenario_from_dict

LOAD = {"name": "load", "kind": "demand", "demand_kw": 1000}


def accounting_park(build, **accounting):
    """1 h: load 1000 kW; free PV 400 kW; 92 kW_th of heat from a gas boiler (efficiency 0.92,
    LHV 10 kWh/m3, 0.002 tCO2/m3, 3 CNY/m3); import 0.5 CNY/kWh; green certificates at
    10 CNY/MWh (up to 1 MWh); a hard green-electricity share of 0.5."""
    return build(1, accounting=accounting,
                 targets={"green_electricity_share_min": 0.5,
                          "green_purchases": [{"name": "gec", "kind": "certificate", "price_cny_per_mwh": 10,
                                               "max_mwh": 1}]},
                 assets=[LOAD, {"name": "pv", "kind": "pv", "available_kw": 400},
                         {"name": "heat", "kind": "heat_demand", "demand_kw_th": 92},
                         {"name": "boiler", "kind": "gas_boiler", "capacity_kw_th": 200, "efficiency": 0.92,
                          "lhv_kwh_per_m3": 10, "emission_factor_tco2_per_m3": 0.002, "gas_price_cny_per_m3": 3}])


@pytest.mark.parametrize(("method", "kgce"), [("calorific", 0.1229), ("coal_equivalent", 0.300)])
def test_park_carbon_accounting_worked_example(build, method, kgce):
    """Worked example of the national method (seed 001 ch. 5) on :func:`accounting_park`.

    Dispatch: PV 400 kWh, import 600 kWh, gas 92 / (0.92 x 10) = 10 m3. Green share
    (400 + G) / 1000 >= 0.5 needs G = 100 kWh = 0.1 GEC: objective 600 x 0.5 + 10 x 3 +
    0.1 x 10 = 331 CNY.

    CO2: electricity 0.8325 x (600 - 100 - 0) / 1000 = 0.41625 t; gas 10 x 0.002 = 0.02 t;
    park 0.43625 tCO2.
    Energy: the gas's tce from its own heating value, 10 m3 x 10 kWh/m3 x 3.6 MJ/kWh / 29.3076
    MJ/kgce = 12.283503 kgce (was the fixed 1.2143 kgce/m3, which disagreed with the heating value).
    Calorific (1000 x 0.1229 + 12.283503) / 1000 = 0.135184 tce -> intensity 0.43625 / 0.135184 =
    3.227095 tCO2/tce; coal-equivalent (1000 x 0.3 + 12.283503) / 1000 = 0.312284 tce -> 1.396968
    tCO2/tce. Annualised 0.135184 x 8760 = 1184 tce/yr < 1 Mtce: limit 0.20 (fail).
    Shares: green 500 / 1000 = 0.5 (pass, target 0.5); non-fossil 500 x k / (1000 k + 12.2835)
    = 61.45 / 135.1835 = 0.454567 (calorific) or 150 / 312.2835 = 0.480333; clean (natural gas
    counts as clean by default) (500 k + 12.2835) / (1000 k + 12.2835) = 0.545433 or 0.519667,
    below the 910号 guide 0.90 (fail); curtailment 0 (pass, <= 0.05).
    """
    r = optimise(accounting_park(build, electricity_tce_method=method))
    s = r.summary
    assert s["objective_cny"] == pytest.approx(331.0, abs=1e-6)
    assert s["green_purchased_kwh"] == pytest.approx(100.0, abs=1e-6)
    acc, k = s["accounting"], s["kpis"]
    assert acc["electricity_kgce_per_kwh"] == kgce and acc["electricity_tce_method"] == method
    assert acc["electricity_emissions_tco2"] == pytest.approx(0.41625, abs=1e-9)
    assert acc["fuel_emissions_tco2"] == pytest.approx(0.02, abs=1e-12)
    assert acc["park_emissions_tco2"] == pytest.approx(0.43625, abs=1e-9)
    energy = (1000 * kgce + 360 / 29.3076) / 1000
    assert acc["energy_consumption_tce"] == pytest.approx(energy, rel=1e-9)
    expected = {"calorific": (3.227095, 0.545433, 0.454567), "coal_equivalent": (1.396968, 0.519667, 0.480333)}[method]
    assert k["carbon_intensity_tco2_per_tce"]["value"] == pytest.approx(expected[0], abs=1e-6)
    assert k["carbon_intensity_tco2_per_tce"]["target"] == 0.20
    assert k["carbon_intensity_tco2_per_tce"]["pass"] is False
    assert k["clean_energy_share"]["value"] == pytest.approx(expected[1], abs=1e-6)
    assert k["clean_energy_share"]["pass"] is False
    assert k["non_fossil_share"]["value"] == pytest.approx(expected[2], abs=1e-6)
    assert k["green_electricity_share"] == pytest.approx(
        {"value": 0.5, "target": 0.5, "kind": "min", "pass": True, "unit": "-", "source": "targets / accounting"})
    assert k["curtailment_rate"]["value"] == pytest.approx(0.0) and k["curtailment_rate"]["pass"] is True


def test_carbon_intensity_limit_by_park_size(build):
    """A park of 2 Mtce/yr (given) is held to 0.30 tCO2/tce; an explicit limit overrides both."""
    s = optimise(accounting_park(build, annual_energy_consumption_tce=2e6)).summary
    assert s["kpis"]["carbon_intensity_tco2_per_tce"]["target"] == 0.30
    s = optimise(accounting_park(build, carbon_intensity_max_tco2_per_tce=5.0)).summary
    assert s["kpis"]["carbon_intensity_tco2_per_tce"]["pass"] is True


def direct_park(build, load_kw=700, targets=None, **rules):
    """1 h: a 1000 kW direct-supply PV plant on a 1000 kW line, export paid 0.4 CNY/kWh through
    its own 1000 kW connection; park load ``load_kw``; grid import 0.5 CNY/kWh."""
    return build(1, targets=targets or {}, assets=[
        {"name": "load", "kind": "demand", "demand_kw": load_kw},
        {"name": "direct", "kind": "direct_supply", "line_limit_kw": 1000, "export_limit_kw": 1000,
         "export_cny_per_kwh": 0.4, "rules": rules,
         "plants": [{"name": "pv1", "technology": "pv", "available_kw": 600},
                    {"name": "wind1", "technology": "wind", "available_kw": 400}]},
    ])


@pytest.mark.parametrize(("cap", "export", "expected_cny"), [(0.2, 200.0, -80.0), (None, 300.0, -120.0)])
def test_direct_supply_export_cap_binds(build, cap, export, expected_cny):
    """Available 600 + 400 = 1000 kWh; the load takes 700 kWh over the line (>= 60 % of 1000 and
    >= 30 % of the park's 700 kWh). Export pays 0.4 CNY/kWh, so the project would export the
    other 300 kWh (-120 CNY); the 20 % rule caps export at 200 kWh and 100 kWh is curtailed:
    -80 CNY. With the rule switched off (null): -120 CNY."""
    r = optimise(direct_park(build, export_max_fraction_of_available=cap))
    assert r.summary["objective_cny"] == pytest.approx(expected_cny, abs=1e-6)
    f = asset_flows(r.dataset, "direct")
    np.testing.assert_allclose(f["self_kw"], [700], atol=1e-6)
    np.testing.assert_allclose(f["export_kw"], [export], atol=1e-6)
    np.testing.assert_allclose(f["curtailed_kw"], [300 - export], atol=1e-6)
    assert r.summary["direct_supply_export_kwh"] == pytest.approx(export, abs=1e-6)
    assert r.summary["kpis"]["green_electricity_share"]["value"] == pytest.approx(1.0)
    assert r.summary["kpis"]["curtailment_rate"]["value"] == pytest.approx((300 - export) / 1000, abs=1e-9)
    assert r.summary["accounting"]["park_emissions_tco2"] == pytest.approx(0.0, abs=1e-9)
    kpis = r.summary["kpis"]
    assert kpis["direct_self_consumption_ratio"]["value"] == pytest.approx(0.7) and kpis["direct_self_consumption_ratio"]["pass"]
    assert kpis["direct_export_ratio"]["value"] == pytest.approx(export / 1000)
    assert kpis["direct_export_ratio"]["pass"] is (True if cap is not None else None)
    assert kpis["direct_share_of_consumption"]["value"] == pytest.approx(1.0)  # the line serves all 700 kWh
    assert kpis["direct_supply_share"]["target"] is None  # park-level rule off by default


def test_direct_supply_self_consumption_rule_is_infeasible_for_a_small_load(build):
    """A 500 kW load can take at most 500 kWh, below 60 % of the 1000 kWh available."""
    with pytest.raises(InfeasibleError, match="self_min_of_available"):
        optimise(direct_park(build, load_kw=500))


def test_direct_supply_load_share_rule(build):
    """Load 3000 kW: the line brings at most 1000 kWh = 33.3 % of consumption. The 30 % rule
    holds; ``targets.direct_supply_share_min: 0.5`` (seed 001, park level) cannot (needs 1500 kWh)."""
    r = optimise(direct_park(build, load_kw=3000))
    assert r.summary["objective_cny"] == pytest.approx(2000 * 0.5, abs=1e-6)
    with pytest.raises(InfeasibleError, match="direct_supply_share_min"):
        optimise(direct_park(build, load_kw=3000, targets={"direct_supply_share_min": 0.5}))


def test_direct_supply_load_share_rises_to_35_percent_in_2030():
    """Load 3000 kW and a 1000 kWh line: 33.3 % >= 30 % in 2026 (test above), < 35 % in 2030 ("auto")."""
    spec = small_scenario(1, assets=[{"name": "load", "kind": "demand", "demand_kw": 3000},
                                     {"name": "direct", "kind": "direct_supply", "line_limit_kw": 1000,
                                      "plants": [{"name": "pv1", "technology": "pv", "available_kw": 1000}]}])
    spec["horizon"]["start"] = "2030-07-15T00:00:00+08:00"
    with pytest.raises(InfeasibleError, match="direct_self_min_of_load"):
        optimise(scenario_from_dict(spec))


def green_target_park(build, target, max_mwh):
    """1 h: load 200 kW, free PV 100 kW, import 0.5 CNY/kWh, certificates at 200 CNY/MWh."""
    return build(1, targets={"green_electricity_share_min": target,
                             "green_purchases": [{"name": "gec", "kind": "certificate", "price_cny_per_mwh": 200,
                                                  "max_mwh": max_mwh}]},
                 assets=[{"name": "load", "kind": "demand", "demand_kw": 200},
                         {"name": "pv", "kind": "pv", "available_kw": 100}])


def test_soft_green_share_target_penalty(build):
    """Target 0.6 of 200 kWh = 120 kWh green; PV gives 100. Certificates (0.2 CNY/kWh) are
    capped at 10 kWh, the other 10 kWh are a shortfall at 0.3 CNY/kWh: 100 x 0.5 + 10 x 0.2 +
    10 x 0.3 = 55 CNY. At a penalty of 0.1 < 0.2 no certificate is bought: 50 + 20 x 0.1 = 52."""
    r = optimise(green_target_park(build, {"value": 0.6, "penalty_cny_per_kwh": 0.3}, 0.01))
    assert r.summary["objective_cny"] == pytest.approx(55.0, abs=1e-6)
    assert r.summary["target_shortfall_kwh"]["green_electricity_share_min"] == pytest.approx(10.0, abs=1e-6)
    assert r.summary["target_penalty_cny"] == pytest.approx(3.0, abs=1e-6)
    assert r.summary["green_purchase_cost_cny"] == pytest.approx(2.0, abs=1e-6)
    r = optimise(green_target_park(build, {"value": 0.6, "penalty_cny_per_kwh": 0.1}, 0.01))
    assert r.summary["objective_cny"] == pytest.approx(52.0, abs=1e-6)
    assert r.summary["green_purchased_kwh"] == pytest.approx(0.0, abs=1e-9)


def test_hard_green_share_target_buys_certificates(build):
    """Hard 0.6 with 1 MWh of certificates: buy 20 kWh (4 CNY): 50 + 4 = 54 CNY. The target's
    shadow price is the certificate price: raising the target by 0.01 (2 kWh) costs 0.4 CNY."""
    assert optimise(green_target_park(build, 0.6, 1)).summary["objective_cny"] == pytest.approx(54.0, abs=1e-6)
    assert optimise(green_target_park(build, 0.61, 1)).summary["objective_cny"] == pytest.approx(54.4, abs=1e-6)


def test_infeasible_hard_target_reports_highest_achievable_share(build, tmp_path, capsys):
    """Without certificates (max 0 MWh) the green share is at most 100 / 200 = 0.5 < 0.6: the
    error names the target and the highest achievable value, 0.5; the CLI exits 3."""
    s = green_target_park(build, 0.6, 0)
    with pytest.raises(InfeasibleError, match=r"highest achievable value is 0\.5\b") as err:
        optimise(s)
    assert "targets.green_electricity_share_min" in str(err.value)
    spec = small_scenario(1, targets={"green_electricity_share_min": 0.6},
                          assets=[{"name": "load", "kind": "demand", "demand_kw": 200},
                                  {"name": "pv", "kind": "pv", "available_kw": 100}])
    path = tmp_path / "green.yaml"
    path.write_text(yaml.safe_dump(spec))
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 3
    err = capsys.readouterr().err
    assert "highest achievable value is 0.5" in err and not (tmp_path / "out").exists()


def test_curtailment_target_reports_lowest_achievable_rate(build):
    """PV 500 kW, load 100 kW, no export: 400 of 500 kWh are curtailed (rate 0.8); a hard
    maximum of 0.5 is infeasible and the lowest achievable rate, 0.8, is reported."""
    s = build(1, targets={"curtailment_rate_max": 0.5},
              assets=[{"name": "load", "kind": "demand", "demand_kw": 100},
                      {"name": "pv", "kind": "pv", "available_kw": 500}])
    with pytest.raises(InfeasibleError, match=r"lowest achievable value is 0\.8\b"):
        optimise(s)


def test_check_catches_a_missed_green_target(build):
    """Removing the certificates from a solved Dataset leaves the hard 0.6 target unmet."""
    s = green_target_park(build, 0.6, 1)
    r = optimise(s)
    ds = r.dataset.copy(deep=True)
    ds["gec_green_kw"].values[0] = 0.0
    problems = check_solution(ds, s, r.summary["objective_cny"] - 4.0)
    assert len(problems) == 1 and problems[0].startswith("green_electricity_share_min 0.6 not met")


def tradeoff_spec() -> dict:
    """1 h: load 100 kW; grid 0.5 CNY/kWh at 0.6 tCO2/MWh; a 100 kW direct-supply plant at
    0.8 CNY/kWh, zero emissions, rules off. Grid share g [kWh]: cost 0.5 g + 0.8 (100 - g),
    emissions 0.0006 g."""
    rules = {"self_min_fraction_of_available": None, "self_min_fraction_of_load": None,
             "export_max_fraction_of_available": None}
    return small_scenario(1, grid={"import_limit_kw": 1000, "export_limit_kw": 0, "emission_factor_tco2_per_mwh": 0.6},
                          assets=[{"name": "load", "kind": "demand", "demand_kw": 100},
                                  {"name": "direct", "kind": "direct_supply", "line_limit_kw": 100,
                                   "energy_price_cny_per_kwh": 0.8, "rules": rules,
                                   "plants": [{"name": "pv1", "technology": "pv", "available_kw": 100}]}])


@pytest.mark.parametrize(("basis", "cap"), [("grid_factor", 0.03), ("national_method", 0.041625)])
def test_emissions_objective_and_cap(basis, cap):
    """Minimising emissions takes all 100 kWh from the line: 0 tCO2 (the objective), cost 80 CNY.
    A cap allowing g = 50 kWh costs 25 + 40 = 65 CNY: 0.03 tCO2 on the physical grid factor
    (0.6 tCO2/MWh), 0.041625 on the national method (0.8325)."""
    spec = tradeoff_spec()
    r = optimise(scenario_from_dict({**spec, "objective": {"minimise": "emissions", "emissions_basis": basis}}))
    assert r.summary["objective_cny"] == pytest.approx(0.0, abs=1e-9)
    assert r.summary["emissions_tco2"] == pytest.approx(0.0, abs=1e-9)
    r = optimise(scenario_from_dict({**spec, "objective": {"emissions_max_tco2": cap, "emissions_basis": basis}}))
    assert r.summary["objective_cny"] == pytest.approx(65.0, abs=1e-6)
    assert r.summary["emissions_tco2"] == pytest.approx(cap, abs=1e-9)
    assert r.summary["emissions_grid_factor_tco2"] == pytest.approx(0.03, abs=1e-9)
    assert r.summary["emissions_national_method_tco2"] == pytest.approx(0.041625, abs=1e-9)


def test_pareto_front_is_monotone_between_the_single_objective_optima(tmp_path, capsys):
    """5 points from E_min = 0 (cost 80) to E_max = 100 kWh x 0.8325 = 0.08325 tCO2 on the national
    method (cost optimum 50): caps 0, 0.0208125, 0.041625, 0.0624375, 0.08325 give costs 80, 72.5, 65,
    57.5, 50. The front is monotone and its end points
    are the emissions optimum and the cost optimum; the CLI writes csv, json and png atomically."""
    import json

    import pandas as pd

    from optimiser.pareto import pareto_front

    spec = tradeoff_spec()
    s = scenario_from_dict(spec)
    front = pareto_front(s, 5)
    np.testing.assert_allclose(front["emissions_tco2"], [0, 0.0208125, 0.041625, 0.0624375, 0.08325], atol=1e-8)
    np.testing.assert_allclose(front["cost_cny"], [80, 72.5, 65, 57.5, 50], atol=1e-5)
    assert (np.diff(front["cost_cny"]) <= 1e-9).all() and (np.diff(front["emissions_tco2"]) >= -1e-12).all()
    cost_opt = optimise(s).summary["objective_cny"]
    emis_opt = optimise(scenario_from_dict({**spec, "objective": {"minimise": "emissions"}})).summary["objective_cny"]
    assert front["cost_cny"].iloc[-1] == pytest.approx(cost_opt, abs=1e-9)
    assert front["emissions_tco2"].iloc[0] == pytest.approx(emis_opt, abs=1e-9)
    path = tmp_path / "tradeoff.yaml"
    path.write_text(yaml.safe_dump(spec))
    assert main(["pareto", str(path), "--points", "3", "--out", str(tmp_path / "front")]) == 0
    assert sorted(p.name for p in (tmp_path / "front").iterdir()) == ["pareto.csv", "pareto.json", "pareto.png",
                                                                      "parkdispatch-manifest.json", "report.html"]
    written = pd.read_csv(tmp_path / "front" / "pareto.csv")
    np.testing.assert_allclose(written["cost_cny"], [80, 65, 50], atol=1e-5)
    assert json.loads((tmp_path / "front" / "pareto.json").read_text())["min_cost"]["cost_cny"] == pytest.approx(50)
    assert main(["pareto", str(path), "--points", "3", "--out", str(tmp_path / "front")]) == 2


@pytest.mark.parametrize("minutes", [60, 15])
def test_pareto_end_point_where_the_emissions_bound_needs_simultaneous_flows(minutes):
    """1 h: load 50 kW, PV 100 kW, import 0.5 CNY/kWh, export -0.1 CNY/kWh (the park pays to export),
    limits 100 kW, certificates 0.02 CNY/kWh on grid import, national method (0.8325 tCO2/MWh on
    I - G - X). Importing and exporting at once is impossible (one meter), so the least emissions are
    exporting the 50 kWh surplus: -0.041625 tCO2 at 5 CNY; the cost optimum curtails it: 0 tCO2 at 0 CNY.
    Without exclusivity the emissions bound would be I = 50 with certificates, X = 100: -0.08325 tCO2,
    which no schedule reaches: the front must start at -0.041625 (caps -0.041625, -0.0208125, 0 ->
    costs 5, 2.5, 0)."""
    from optimiser.pareto import pareto_front

    spec = small_scenario(60 // minutes, minutes, tariff={"import_cny_per_kwh": 0.5, "export_cny_per_kwh": -0.1},
                          grid={"import_limit_kw": 100, "export_limit_kw": 100, "emission_factor_tco2_per_mwh": 0.6},
                          targets={"green_purchases": [{"name": "gec", "kind": "certificate",
                                                        "price_cny_per_mwh": 20, "max_mwh": 1}]},
                          assets=[{"name": "load", "kind": "demand", "demand_kw": 50},
                                  {"name": "pv", "kind": "pv", "available_kw": 100}])
    front = pareto_front(scenario_from_dict(spec), 3)
    np.testing.assert_allclose(front["emissions_tco2"], [-0.041625, -0.0208125, 0.0], atol=1e-8)
    np.testing.assert_allclose(front["cost_cny"], [5.0, 2.5, 0.0], atol=1e-5)


@pytest.mark.parametrize(("rest_kwh", "rest_share", "expected_cny", "bought_kwh"), [
    (0, None, 70.0, 100.0),       # last day of the year: 400 + N >= 0.5 (1000 + 200) -> N >= 200
    (10_000, None, 70.0, 100.0),  # rest at the target: N - 0.5 D >= 0.5 x 11000 - 400 - 5000 = 100
    (10_000, 0.6, 50.0, 0.0),     # rest expected at 0.6: rhs = 5500 - 400 - 6000 = -900, no purchase
])
def test_annual_green_target_carried_into_a_daily_run(build, rest_kwh, rest_share, expected_cny, bought_kwh):
    """Annual green share 0.5; so far this year 400 of 1000 kWh were green (0.4). Today: load
    200 kWh, PV 100 kWh, import 0.5 CNY/kWh, certificates 0.2 CNY/kWh. The rule (module doc of
    optimiser.targets): N - s D >= s (D0 + D_r) - N0 - r_r D_r. Buying G kWh gives N = 100 + G,
    D = 200; cost 50 + 0.2 G."""
    ytd = {"numerator_kwh": 400, "denominator_kwh": 1000, "rest_of_year_consumption_kwh": rest_kwh,
           "rest_of_year_share": rest_share}
    r = optimise(green_target_park(build, {"value": 0.5, "year_to_date": ytd}, 1))
    assert r.summary["objective_cny"] == pytest.approx(expected_cny, abs=1e-6)
    assert r.summary["green_purchased_kwh"] == pytest.approx(bought_kwh, abs=1e-6)
    kpi = r.summary["kpis"]["green_electricity_share"]
    assert kpi["year_to_date_value"] == pytest.approx((400 + 100 + bought_kwh) / 1200, abs=1e-9)


def test_zhangye_scenario_solves_with_all_rules_active():
    """The bundled Zhangye scenario (direct wind + PV under the three project rules and the park's
    direct-supply share, electrolysis with offtake, flow battery, clean share >= 0.80 as an annual aim
    carried year to date) solves and meets every rule."""
    from pathlib import Path

    from optimiser.scenario import load_scenario

    s = load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "zhangye_direct_supply.yaml")
    r = optimise(s)
    summary, acc = r.summary, r.summary["accounting"]
    assert summary["status"] == "optimal"
    clean = summary["kpis"]["clean_energy_share"]
    # the year so far (80.5 %) carries the day: the annual aim, not the day, must reach 0.80
    n0, d0 = 106_904_000, 132_800_000
    day_n = clean["value"] * acc["energy_consumption_tce"] * 1000 / acc["electricity_kgce_per_kwh"]
    day_d = acc["energy_consumption_tce"] * 1000 / acc["electricity_kgce_per_kwh"]
    assert clean["year_to_date_value"] == pytest.approx((n0 + day_n) / (d0 + day_d), abs=1e-9)
    assert clean["year_to_date_value"] >= 0.80 and clean["pass"] is True
    available = summary["direct_supply_available_kwh"]
    assert summary["direct_supply_self_kwh"] >= 0.60 * available - 1e-3
    assert summary["direct_supply_export_kwh"] <= 0.20 * available + 1e-3
    assert summary["direct_supply_self_kwh"] >= 0.50 * acc["electricity_consumed_kwh"] - 1e-3
    assert summary["hydrogen_demand_kg"] == pytest.approx(3600.0)
