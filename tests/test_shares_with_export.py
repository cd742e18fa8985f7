"""Shares, accounting and curtailment with export and non-symmetric target values, at 60 and 15 minutes.

A share N / D with the export on the wrong side, a renewable share that ignores
export, export counted as emissions instead of a credit, a curtailment cap read as a
utilisation minimum (0.05 vs 0.95) or certified grid power credited twice in the
non-fossil share: each changes a number asserted here. The docstrings give the
hand-worked figures; every optimum also passes the independent check.
"""

from __future__ import annotations

import numpy as np
import pytest
from builders import small_scenario

from optimiser.run import optimise
from optimiser.scenario import scenario_from_dict

STEPS = pytest.mark.parametrize("step_minutes", [60, 15])


def per_step(hourly: list[float], step_minutes: int) -> list[float]:
    """An hourly series at the run's step length (each hour's value repeated)."""
    return [float(v) for v in np.repeat(hourly, 60 // step_minutes)]


def exporting_park(step_minutes: int, **sections):
    """2 h. Hour 0: PV 500 kW, load 100 kW, export 400 kW at 0.2 CNY/kWh. Hour 1: no PV, load 300 kW,
    import 300 kW at 0.5 CNY/kWh. Accounting grid factor 0.8 tCO2/MWh; model grid factor 0.6."""
    raw = small_scenario(2 * 60 // step_minutes, step_minutes,
                         tariff={"import_cny_per_kwh": 0.5, "export_cny_per_kwh": 0.2},
                         grid={"import_limit_kw": 1000, "export_limit_kw": 1000, "emission_factor_tco2_per_mwh": 0.6},
                         assets=[{"name": "load", "kind": "demand", "demand_kw": per_step([100, 300], step_minutes)},
                                 {"name": "pv", "kind": "pv", "available_kw": per_step([500, 0], step_minutes)}],
                         **sections)
    raw.setdefault("accounting", {})["grid_emission_factor_tco2_per_mwh"] = 0.8
    return scenario_from_dict(raw)


@STEPS
def test_export_in_shares_and_accounting(step_minutes):
    """No target. PV R = 500 kWh, export X = 400 kWh, import I = 300 kWh.

    Objective 300 x 0.5 - 400 x 0.2 = 70 CNY. Consumption C = I - X + R = 400 kWh.
    renewable_share = (R - X) / (R + I - X) = 100 / 400 = 0.25; green share (R - X) / C = 0.25.
    Park electricity emissions 0.8 x (I - X) / 1000 = -0.08 tCO2 (export is a credit), which is
    also ``emissions_tco2`` on the default national-method basis; on the grid-factor basis (import
    only, 0.6 tCO2/MWh) 0.18 tCO2. Energy 400 x 0.1229 / 1000 =
    0.04916 tce; carbon intensity -0.08 / 0.04916 = -1.627339 tCO2/tce.
    """
    r = optimise(exporting_park(step_minutes))
    s = r.summary
    assert s["objective_cny"] == pytest.approx(70.0, abs=1e-6)
    assert s["import_kwh"] == pytest.approx(300.0, abs=1e-6)
    assert s["export_kwh"] == pytest.approx(400.0, abs=1e-6)
    assert s["renewable_share"] == pytest.approx(0.25, abs=1e-9)
    assert s["emissions_tco2"] == pytest.approx(-0.08, abs=1e-9)
    assert s["emissions_grid_factor_tco2"] == pytest.approx(0.18, abs=1e-9)
    acc = s["accounting"]
    assert acc["electricity_consumed_kwh"] == pytest.approx(400.0, abs=1e-6)
    assert acc["electricity_emissions_tco2"] == pytest.approx(-0.08, abs=1e-9)
    assert acc["park_emissions_tco2"] == pytest.approx(-0.08, abs=1e-9)
    assert acc["energy_consumption_tce"] == pytest.approx(0.04916, abs=1e-9)
    kpis = s["kpis"]
    assert kpis["green_electricity_share"]["value"] == pytest.approx(0.25, abs=1e-9)
    assert kpis["carbon_intensity_tco2_per_tce"]["value"] == pytest.approx(-0.08 / 0.04916, rel=1e-9)
    assert kpis["curtailment_rate"]["value"] == pytest.approx(0.0, abs=1e-9)


@STEPS
def test_green_share_target_with_export(step_minutes):
    """Green share >= 0.35 with certificates at 100 CNY/MWh (up to 1 MWh).

    N - 0.35 C = (R - X + G) - 0.35 (I - X + R) = 100 + G - 140 >= 0: G = 40 kWh for 4 CNY.
    Curtailing PV instead of exporting moves R and X together and helps nothing. Optimum
    70 + 4 = 74 CNY; green share 140 / 400 = 0.35; park electricity emissions
    0.8 x (300 - 40 - 400) / 1000 = -0.112 tCO2.
    """
    s = exporting_park(step_minutes, targets={
        "green_electricity_share_min": 0.35,
        "green_purchases": [{"name": "gec", "kind": "certificate", "price_cny_per_mwh": 100, "max_mwh": 1}]})
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(74.0, abs=1e-6)
    assert r.summary["green_purchased_kwh"] == pytest.approx(40.0, abs=1e-6)
    assert r.summary["kpis"]["green_electricity_share"]["value"] == pytest.approx(0.35, abs=1e-9)
    assert r.summary["accounting"]["electricity_emissions_tco2"] == pytest.approx(-0.112, abs=1e-9)
    assert r.summary["renewable_share"] == pytest.approx(0.25, abs=1e-9)


@STEPS
def test_soft_green_share_target_with_export(step_minutes):
    """The same target, soft at 0.05 CNY/kWh of shortfall and no certificates: the shortfall
    0.35 x 400 - 100 = 40 kWh is paid, 2 CNY. Optimum 72 CNY."""
    s = exporting_park(step_minutes, targets={"green_electricity_share_min": {"value": 0.35,
                                                                              "penalty_cny_per_kwh": 0.05}})
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(72.0, abs=1e-6)
    assert r.summary["target_shortfall_kwh"]["green_electricity_share_min"] == pytest.approx(40.0, abs=1e-6)
    assert r.summary["target_penalty_cny"] == pytest.approx(2.0, abs=1e-6)


@STEPS
def test_non_fossil_share_credits_certified_import_once(step_minutes):
    """Non-fossil share >= 0.6 with ``grid_non_fossil_share`` 0.2 and certificates at 100 CNY/MWh.

    N = (R - X + G) + 0.2 (I - G) = 100 + G + 60 - 0.2 G = 160 + 0.8 G; E = C = 400 kWh.
    160 + 0.8 G >= 240 needs G = 100 kWh (10 CNY): optimum 80 CNY. (Crediting certified
    import twice, 160 + G, would stop at G = 80 kWh.) Green share (100 + 100) / 400 = 0.5;
    clean share = non-fossil (no gas) = 0.6.
    """
    s = exporting_park(step_minutes, accounting={"grid_non_fossil_share": 0.2}, targets={
        "non_fossil_share_min": 0.6,
        "green_purchases": [{"name": "gec", "kind": "certificate", "price_cny_per_mwh": 100, "max_mwh": 1}]})
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(80.0, abs=1e-6)
    assert r.summary["green_purchased_kwh"] == pytest.approx(100.0, abs=1e-6)
    kpis = r.summary["kpis"]
    assert kpis["non_fossil_share"]["value"] == pytest.approx(0.6, abs=1e-9)
    assert kpis["clean_energy_share"]["value"] == pytest.approx(0.6, abs=1e-9)
    assert kpis["green_electricity_share"]["value"] == pytest.approx(0.5, abs=1e-9)


@STEPS
def test_curtailment_cap_is_not_a_utilisation_minimum(step_minutes):
    """PV 600 kW and wind 400 kW, load 500 kW for 1 h; export costs 0.1 CNY/kWh (negative feed-in price).

    Without a cap the surplus is curtailed (50 %). ``curtailment_rate_max`` 0.05 needs
    R >= 0.95 x (600 + 400) = 950 kWh: export 450 kWh at 0.1 = 45 CNY (read as a utilisation
    minimum of 0.05 it would curtail 50 % for 0 CNY). Curtailment rate 0.05, renewable
    share (950 - 450) / 500 = 1.
    """
    raw = small_scenario(60 // step_minutes, step_minutes,
                         tariff={"import_cny_per_kwh": 0.5, "export_cny_per_kwh": -0.1},
                         grid={"import_limit_kw": 1000, "export_limit_kw": 1000, "emission_factor_tco2_per_mwh": 0.6},
                         targets={"curtailment_rate_max": 0.05},
                         assets=[{"name": "load", "kind": "demand", "demand_kw": 500},
                                 {"name": "pv", "kind": "pv", "available_kw": 600},
                                 {"name": "wind", "kind": "wind", "available_kw": 400}])
    r = optimise(scenario_from_dict(raw))
    s = r.summary
    assert s["objective_cny"] == pytest.approx(45.0, abs=1e-6)
    assert s["export_kwh"] == pytest.approx(450.0, abs=1e-6)
    assert s["curtailment_kwh"] == pytest.approx(50.0, abs=1e-6)
    assert s["kpis"]["curtailment_rate"]["value"] == pytest.approx(0.05, abs=1e-9)
    assert s["kpis"]["curtailment_rate"]["pass"] is True
    assert s["renewable_share"] == pytest.approx(1.0, abs=1e-9)


@STEPS
def test_uncapped_park_curtails_its_surplus(step_minutes):
    """The same park without the cap: curtail 500 kWh (rate 0.5 > the 0.05 KPI guide: fail), 0 CNY."""
    raw = small_scenario(60 // step_minutes, step_minutes,
                         tariff={"import_cny_per_kwh": 0.5, "export_cny_per_kwh": -0.1},
                         grid={"import_limit_kw": 1000, "export_limit_kw": 1000, "emission_factor_tco2_per_mwh": 0.6},
                         assets=[{"name": "load", "kind": "demand", "demand_kw": 500},
                                 {"name": "pv", "kind": "pv", "available_kw": 1000}])
    r = optimise(scenario_from_dict(raw))
    assert r.summary["objective_cny"] == pytest.approx(0.0, abs=1e-6)
    assert r.summary["kpis"]["curtailment_rate"]["value"] == pytest.approx(0.5, abs=1e-9)
    assert r.summary["kpis"]["curtailment_rate"]["pass"] is False


@STEPS
def test_curtailment_cap_counts_direct_supply_and_its_export(step_minutes):
    """On-site PV 200 kW (free) and a direct-supply project of 1000 kW (0.4 CNY/kWh, export up to
    150 kW at 0.35), load 1000 kW for 2 h, grid 0.3 CNY/kWh; ``curtailment_rate_max`` 0.15.

    Available 400 + 2000 = 2400 kWh. Without the cap: PV 400, direct 1200 (the 60 % rule), project
    export 300, import 400: curtailed 500 / 2400 = 0.208. The cap needs used >= 0.85 x 2400 = 2040 kWh:
    140 kWh more direct supply replace import at 0.4 - 0.3 = 0.1 CNY/kWh. Optimum
    1340 x 0.4 + 260 x 0.3 - 300 x 0.35 = 509 CNY; curtailment rate 0.15.
    """
    raw = small_scenario(2 * 60 // step_minutes, step_minutes,
                         tariff={"import_cny_per_kwh": 0.3, "export_cny_per_kwh": 0.0},
                         targets={"curtailment_rate_max": 0.15},
                         assets=[{"name": "load", "kind": "demand", "demand_kw": 1000},
                                 {"name": "pv", "kind": "pv", "available_kw": 200},
                                 {"name": "direct", "kind": "direct_supply", "line_limit_kw": 2000,
                                  "export_limit_kw": 150, "energy_price_cny_per_kwh": 0.4, "export_cny_per_kwh": 0.35,
                                  "plants": [{"name": "wt", "technology": "wind", "available_kw": 1000}]}])
    r = optimise(scenario_from_dict(raw))
    s = r.summary
    assert s["objective_cny"] == pytest.approx(509.0, abs=1e-6)
    assert s["import_kwh"] == pytest.approx(260.0, abs=1e-6)
    assert s["accounting"]["direct_self_kwh"] == pytest.approx(1340.0, abs=1e-6)
    assert s["kpis"]["curtailment_rate"]["value"] == pytest.approx(0.15, abs=1e-9)


def test_shares_of_a_tiny_park_are_not_taken_for_empty():
    """Load 0.5 kW and free PV 0.2 kW for 1 h: green share 0.2 / 0.5 = 0.4 and curtailment 0, however
    small the consumption (only a zero denominator means 'nothing to share')."""
    raw = small_scenario(1, assets=[{"name": "load", "kind": "demand", "demand_kw": 0.5},
                                    {"name": "pv", "kind": "pv", "available_kw": 0.2}])
    r = optimise(scenario_from_dict(raw))
    assert r.summary["objective_cny"] == pytest.approx(0.15, abs=1e-9)
    assert r.summary["kpis"]["green_electricity_share"]["value"] == pytest.approx(0.4, abs=1e-9)
    assert r.summary["kpis"]["curtailment_rate"]["value"] == pytest.approx(0.0, abs=1e-9)
    assert r.summary["renewable_share"] == pytest.approx(0.4, abs=1e-9)


@STEPS
def test_all_five_share_targets_soft_at_once(step_minutes):
    """Every share target set, soft at 1 CNY/kWh. The shares cannot move: curtailing PV instead of
    exporting it lowers R and X alike, so R - X = 100 and C = 400 kWh stay. Shortfalls: green,
    non-fossil and clean 0.3 x 400 - 100 = 20 kWh each, direct supply 0.2 x 400 - 0 = 80, curtailment
    none (0 <= 0.05). Objective 70 + 3 x 20 + 80 = 210 CNY."""
    soft = {"penalty_cny_per_kwh": 1.0}
    r = optimise(exporting_park(step_minutes, targets={
        "green_electricity_share_min": {"value": 0.3, **soft}, "non_fossil_share_min": {"value": 0.3, **soft},
        "clean_energy_share_min": {"value": 0.3, **soft}, "direct_supply_share_min": {"value": 0.2, **soft},
        "curtailment_rate_max": {"value": 0.05, **soft}}))
    assert r.summary["objective_cny"] == pytest.approx(210.0, abs=1e-6)
    assert r.summary["target_penalty_cny"] == pytest.approx(140.0, abs=1e-6)
    assert r.summary["target_shortfall_kwh"] == pytest.approx({
        "green_electricity_share_min": 20.0, "clean_energy_share_min": 20.0, "non_fossil_share_min": 20.0,
        "curtailment_rate_max": 0.0, "direct_supply_share_min": 80.0}, abs=1e-6)


@STEPS
def test_soft_curtailment_cap_with_a_shortfall(step_minutes):
    """The exporting park with export limited to 200 kW: hour 0 uses 100 + 200 of the 500 kWh of PV,
    200 are curtailed (rate 0.4). A soft cap of 0.05 at 1 CNY/kWh falls short by 0.95 x 500 - 300 =
    175 kWh. Objective 300 x 0.5 - 200 x 0.2 + 175 = 285 CNY."""
    park = exporting_park(step_minutes, targets={"curtailment_rate_max": {"value": 0.05, "penalty_cny_per_kwh": 1.0}})
    r = optimise(park.with_changes({"grid.export_limit_kw": 200}))
    assert r.summary["objective_cny"] == pytest.approx(285.0, abs=1e-6)
    assert r.summary["target_shortfall_kwh"] == pytest.approx({"curtailment_rate_max": 175.0}, abs=1e-6)
    assert r.summary["kpis"]["curtailment_rate"]["value"] == pytest.approx(0.4, abs=1e-9)


def test_carbon_price_of_one_cny_is_priced_on_the_national_basis():
    """The exporting park at 1 CNY/tCO2 on the default national-method basis: 70 + 1 x (-0.08) = 69.92 CNY
    (on the grid-factor basis it would be 70 + 0.18)."""
    r = optimise(exporting_park(60, objective={"carbon_price_cny_per_tco2": 1.0}))
    assert r.summary["objective_cny"] == pytest.approx(69.92, abs=1e-6)
    assert r.summary["carbon_cost_cny"] == pytest.approx(-0.08, abs=1e-9)
