"""Geothermal source limits, waste heat, gas CHP operating regions and electrolyser ramps and
efficiency curves: hand-solvable problems with exact expected optima.

Each test states what it proves and how the expected numbers were worked out; every
solution also passes the independent post-solve check (``optimise`` raises otherwise).
Steps are 1 h and the grid emission factor is 0 unless stated.
"""

from __future__ import annotations

import numpy as np
import pytest

from optimiser.check import check_solution
from optimiser.errors import ScenarioError
from optimiser.results import asset_flows, kpis
from optimiser.run import optimise


def tariff(price) -> dict:
    return {"import_cny_per_kwh": price, "export_cny_per_kwh": 0.0}


GAS = {"name": "boiler", "kind": "gas_boiler", "capacity_kw_th": 500, "efficiency": 0.9,
       "gas_price_cny_per_m3": 3.0, "lhv_kwh_per_m3": 10.0, "emission_factor_tco2_per_m3": 0.002}
"""gas boiler at 3 / (0.9 x 10) = 1/3 CNY per kWh_th (carbon price 0)"""


def geothermal(build, limit):
    return build(2, tariff=tariff(0.8), assets=[
        {"name": "heat_load", "kind": "heat_demand", "demand_kw_th": 100},
        {"name": "hp", "kind": "heat_pump", "capacity_kw_th": 200, "cop": [4, 3],
         **({} if limit is None else {"source_limit_kw_th": limit})},
        GAS])


@pytest.mark.parametrize(("limit", "expected_cny"), [(None, 20 + 80 / 3), (60, 50.0)])
def test_geothermal_well_limit_binds_and_gas_covers_the_rest(build, limit, expected_cny):
    """Heat 100 kW_th for 2 h; a well-source heat pump (COP 4 then 3) at 0.8 CNY/kWh makes heat
    at 0.2 then 0.267 CNY/kWh_th, cheaper than gas at 1/3 CNY/kWh_th.

    No limit: the heat pump covers everything, 25 + 33.33 kWh = 58.33 kWh x 0.8 = 46.67 CNY.
    Well limit 60 kW_th: heat x (1 - 1/COP) <= 60 caps the heat at 60 / 0.75 = 80 kW_th (20 kW
    electricity, 16 CNY) then 60 / (2/3) = 90 kW_th (30 kW, 24 CNY); gas covers 20 + 10 kWh_th
    = 10 CNY. Optimum 50 CNY.
    """
    r = optimise(geothermal(build, limit))
    assert r.summary["objective_cny"] == pytest.approx(expected_cny, abs=1e-6)
    hp = asset_flows(r.dataset, "hp")
    if limit is None:
        np.testing.assert_allclose(hp["heat_kw_th"], [100, 100], atol=1e-6)
        assert "source_kw_th" not in hp
    else:
        np.testing.assert_allclose(hp["heat_kw_th"], [80, 90], atol=1e-6)
        np.testing.assert_allclose(hp["power_kw"], [20, 30], atol=1e-6)
        np.testing.assert_allclose(hp["source_kw_th"], [60, 60], atol=1e-6)
        np.testing.assert_allclose(asset_flows(r.dataset, "boiler")["heat_kw_th"], [20, 10], atol=1e-6)
        assert r.dataset["hp_source_kw_th"].attrs["units"] == "kW_th"
        assert r.summary["gas_cost_cny"] == pytest.approx(10.0, abs=1e-6)


def test_geothermal_limit_with_cop_from_forecasts(build):
    """The COP series from ``forecasts.heatpump.cop_series`` (sink 45 and 55 C, tail-water source
    30 C, i.e. 35 -> 25 C): the 40 kW_th well caps the heat at 40 / (1 - 1/COP_t); gas covers
    the rest of 100 kW_th. Objective = sum_t 0.8 q_t / COP_t + (100 - q_t) / 3."""
    from forecasts.heatpump import cop_series

    cop = np.asarray(cop_series(np.array([45.0, 55.0]), np.array([30.0, 30.0])), dtype=float)
    q = np.minimum(100.0, 40.0 / (1.0 - 1.0 / cop))
    assert (q < 100).all() and (0.8 / cop < 1 / 3).all()
    s = build(2, tariff=tariff(0.8), assets=[
        {"name": "heat_load", "kind": "heat_demand", "demand_kw_th": 100},
        {"name": "hp", "kind": "heat_pump", "capacity_kw_th": 200, "cop": cop.tolist(), "source_limit_kw_th": 40},
        GAS])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(float(np.sum(0.8 * q / cop + (100 - q) / 3)), abs=1e-6)
    np.testing.assert_allclose(asset_flows(r.dataset, "hp")["heat_kw_th"], q, atol=1e-6)


def test_check_catches_a_heat_pump_over_its_source_limit(build):
    """Raising the reported heat pump output (and its power at the same COP) past the well limit is a
    source-limit violation in the independent check."""
    s = geothermal(build, 60)
    r = optimise(s)
    ds = r.dataset.copy(deep=True)
    ds["hp_heat_kw_th"].values[0] = 100.0
    ds["hp_power_kw"].values[0] = 25.0
    ds["hp_source_kw_th"].values[0] = 75.0
    problems = check_solution(ds, s, r.summary["objective_cny"])
    assert any("hp.source_kw_th = 75 above its upper bound 60" in p for p in problems)


def test_waste_heat_used_up_to_availability_and_curtailed(build):
    """Heat 100 kW_th for 2 h; waste heat available 60 then 150 kW_th at 0.05 CNY/kWh_th; gas at
    1/3 CNY/kWh_th.

    Step 0: all 60 kW_th of waste heat (3 CNY), gas 40 kWh_th (40/3 CNY). Step 1: 100 of the 150
    kW_th (5 CNY), 50 curtailed. Optimum 8 + 40/3 = 64/3 = 21.333 CNY.
    """
    s = build(2, assets=[
        {"name": "heat_load", "kind": "heat_demand", "demand_kw_th": 100},
        {"name": "mill", "kind": "waste_heat", "available_kw_th": [60, 150], "cost_cny_per_kwh_th": 0.05},
        GAS])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(64 / 3, abs=1e-6)
    f = asset_flows(r.dataset, "mill")
    np.testing.assert_allclose(f["heat_kw_th"], [60, 100], atol=1e-6)
    np.testing.assert_allclose(f["curtailed_kw_th"], [0, 50], atol=1e-6)
    assert r.summary["waste_heat_kwh_th"] == pytest.approx(160.0, abs=1e-6)
    assert r.summary["waste_heat_curtailed_kwh_th"] == pytest.approx(50.0, abs=1e-6)
    assert r.summary["asset_cost_cny"] == pytest.approx(8.0 + 40 / 3, abs=1e-6)  # waste heat + gas
    assert r.summary["heat_by_source_kwh_th"] == pytest.approx({"mill": 160.0, "boiler": 40.0}, abs=1e-6)


def test_free_waste_heat_alone(build):
    """Without a price, free waste heat of 120 kW_th covers a 100 kW_th demand: optimum 0 CNY."""
    r = optimise(build(1, assets=[{"name": "heat_load", "kind": "heat_demand", "demand_kw_th": 100},
                                  {"name": "dc", "kind": "waste_heat", "available_kw_th": 120}]))
    assert r.summary["objective_cny"] == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_allclose(asset_flows(r.dataset, "dc")["curtailed_kw_th"], [20], atol=1e-6)


TRIANGLE = [{"power_kw": 50, "heat_kw_th": 50, "fuel_kw": 125},
            {"power_kw": 100, "heat_kw_th": 50, "fuel_kw": 200},
            {"power_kw": 100, "heat_kw_th": 100, "fuel_kw": 250}]
"""P-Q triangle 50 <= q <= p <= 100 with fuel = 1.5 p + q [kW]"""


@pytest.mark.parametrize(("on_off", "expected_cny", "gas_m3"), [(True, 99.0, 23.0), (False, 116.5, 35.5)])
def test_chp_operating_region_on_off_versus_must_run(build, on_off, expected_cny, gas_m3):
    """Load 100 kW; heat 50 then 80 kW_th; electricity 0.2 then 1.0 CNY/kWh; a 100 kW_th electric
    boiler (efficiency 1); a gas CHP with the triangle 50 <= q <= p <= 100 (fuel 1.5 p + q kW) and
    gas at 3 CNY/m3, 10 kWh/m3 (0.3 CNY per kWh of fuel).

    Step 1: cost (100 - p) + 0.3 (1.5 p + q) + (80 - q) = 180 - 0.55 p - 0.7 q, so p = 100, q = 80
    (fuel 230 kW = 23 m3, 69 CNY). Step 0 with on/off: off is cheaper, 150 kWh x 0.2 = 30 CNY,
    against 47.5 CNY at the cheapest point on. Optimum 99 CNY. Must-run LP (weights sum to 1):
    the heat pins q = 50, cost 35 + 0.25 p, so p = 50 (fuel 125 kW = 12.5 m3): 47.5 CNY.
    Optimum 116.5 CNY.
    """
    s = build(2, tariff=tariff([0.2, 1.0]), assets=[
        {"name": "load", "kind": "demand", "demand_kw": 100},
        {"name": "heat_load", "kind": "heat_demand", "demand_kw_th": [50, 80]},
        {"name": "eboiler", "kind": "electric_boiler", "capacity_kw_th": 100, "efficiency": 1.0},
        {"name": "chp", "kind": "chp", "vertices": TRIANGLE, "on_off": on_off,
         "gas_price_cny_per_m3": 3.0, "lhv_kwh_per_m3": 10.0}])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(expected_cny, abs=1e-6)
    f = asset_flows(r.dataset, "chp")
    if on_off:
        assert r.summary["model_size"]["binaries"] == 2
        np.testing.assert_allclose(f["on"], [0, 1], atol=1e-9)
        np.testing.assert_allclose(f["power_kw"], [0, 100], atol=1e-6)
        np.testing.assert_allclose(f["heat_kw_th"], [0, 80], atol=1e-6)
    else:
        np.testing.assert_allclose(f["power_kw"], [50, 100], atol=1e-6)
        np.testing.assert_allclose(f["heat_kw_th"], [50, 80], atol=1e-6)
    assert r.summary["gas_m3"] == pytest.approx(gas_m3, abs=1e-6)
    assert r.summary["gas_cost_cny"] == pytest.approx(3 * gas_m3, abs=1e-6)
    # the default factor is the national method's 0.002165 tCO2/m3 (was the IPCC 0.002014)
    assert r.summary["gas_emissions_tco2"] == pytest.approx(gas_m3 * 0.002165, abs=1e-9)


def test_chp_carbon_price_counts_its_gas(build):
    """One step, load 100 kW at 1.0 CNY/kWh, no heat demand but the back-pressure segment
    (0, 0, 0)-(100, 0, 250): fuel 2.5 kW per kW. Gas 2 CNY/m3 at 10 kWh/m3 plus 0.002 tCO2/m3 x
    500 CNY/t = 3 CNY/m3, i.e. 0.75 CNY per kWh of electricity: the CHP runs at 100 kW using 25 m3
    (75 CNY, of which 25 carbon). Optimum 75 CNY."""
    s = build(1, tariff=tariff(1.0), objective={"carbon_price_cny_per_tco2": 500}, assets=[
        {"name": "load", "kind": "demand", "demand_kw": 100},
        {"name": "chp", "kind": "chp", "vertices": [{"power_kw": 0, "heat_kw_th": 0, "fuel_kw": 0},
                                                    {"power_kw": 100, "heat_kw_th": 0, "fuel_kw": 250}],
         "gas_price_cny_per_m3": 2.0, "lhv_kwh_per_m3": 10.0, "emission_factor_tco2_per_m3": 0.002}])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(75.0, abs=1e-6)
    assert r.summary["emissions_tco2"] == pytest.approx(0.05, abs=1e-9)
    assert r.summary["carbon_cost_cny"] == pytest.approx(25.0, abs=1e-6)


def electrolyser(**overrides) -> dict:
    spec = {"name": "ely", "kind": "electrolyser", "power_kw": 100, "kwh_per_kg": 50}
    spec.update(overrides)
    return spec


def test_electrolyser_ramp_limits_up_and_down(build):
    """2 kg/h of demand for 4 h, grey hydrogen 10 CNY/kg; a 100 kW electrolyser at 50 kWh/kg
    starting from 0 kW, ramp 40 kW/h; electricity 0.1, 0.1, 0.1 then 1.0 CNY/kWh.

    Electrolysis saves 10 - 5 = 5 CNY/kg (0.1 CNY/kW) in steps 0-2 and loses 50 - 10 = 40 CNY/kg
    (0.8 CNY/kW) in step 3, where the ramp-down forces p_3 >= p_2 - 40. Best: 40, 80, 40, 0 kW
    (more in step 2 costs 0.8 later for 0.1 now). Electricity 160 kWh x 0.1 = 16 CNY, 3.2 kg made,
    4.8 kg bought (48 CNY). Optimum 64 CNY (no ramp limit: 100, 100, 100, 0 kW, 30 + 20 = 50 CNY).
    """
    station = {"name": "station", "kind": "hydrogen_demand", "demand_kg_per_h": 2.0,
               "grey_purchase_cny_per_kg": 10.0}
    prices = [0.1, 0.1, 0.1, 1.0]
    r = optimise(build(4, tariff=tariff(prices), assets=[
        electrolyser(ramp_kw_per_h=40, initial_power_kw=0), station]))
    assert r.summary["objective_cny"] == pytest.approx(64.0, abs=1e-6)
    np.testing.assert_allclose(asset_flows(r.dataset, "ely")["power_kw"], [40, 80, 40, 0], atol=1e-6)
    assert r.summary["hydrogen_bought_kg"] == pytest.approx(4.8, abs=1e-6)
    free = optimise(build(4, tariff=tariff(prices), assets=[electrolyser(), station]))
    assert free.summary["objective_cny"] == pytest.approx(50.0, abs=1e-6)


def test_electrolyser_ramp_on_quarter_hours(build):
    """Ramp 40 kW/h on 15-minute steps is 10 kW per step: from 0 kW the power can reach 10, 20, 30, 40;
    at 0.1 CNY/kWh and grey 10 CNY/kg each kW saves 0.1 x 0.25 CNY. Demand 2 kg/h = 0.5 kg per
    step, all bought (20 CNY) minus 0.025 x (10 + 20 + 30 + 40) = 2.5. Optimum 17.5 CNY."""
    r = optimise(build(4, step_minutes=15, tariff=tariff(0.1), assets=[
        electrolyser(ramp_kw_per_h=40, initial_power_kw=0),
        {"name": "station", "kind": "hydrogen_demand", "demand_kg_per_h": 2.0, "grey_purchase_cny_per_kg": 10.0}]))
    assert r.summary["objective_cny"] == pytest.approx(17.5, abs=1e-6)
    np.testing.assert_allclose(asset_flows(r.dataset, "ely")["power_kw"], [10, 20, 30, 40], atol=1e-6)
    # the check holds the same 10 kW per step: the last step at 41 kW (11 above the step before) is refused,
    # at 39 kW accepted (its hydrogen, the purchase and the import following)
    for last_kw, refused in [(41.0, True), (39.0, False)]:
        ds = r.dataset.copy(deep=True)
        ds["ely_power_kw"].values[3] = last_kw
        ds["ely_hydrogen_kg_per_h"].values[3] = last_kw / 50
        ds["station_bought_kg_per_h"].values[3] = 2.0 - last_kw / 50
        ds["grid_import_kw"].values[3] = last_kw
        problems = check_solution(ds, r.scenario, kpis(ds, r.scenario)["objective_recomputed_cny"])
        assert problems == (["ely.power_kw changes by 11 kW at step 3, more than the ramp limit 10 kW per step"]
                            if refused else []), problems


def test_electrolyser_efficiency_curve(build):
    """A 100 kW electrolyser with the curve (0.5, 50 kWh/kg), (1.0, 55 kWh/kg): 1 kg/h at 50 kW and
    100/55 = 1.818 kg/h at 100 kW; marginal yields 0.02 then 0.01636 kg/kWh (concave).
    Demand 1.0 then 1.5 kg/h; grey hydrogen 100 CNY/kg (never worth it); electricity 0.1 CNY/kWh.

    Step 0: 50 kW. Step 1: 50 kW for 1 kg plus 0.5 / (9/550) = 275/9 kW. Electricity
    100 + 275/9 kWh; optimum 0.1 x (100 + 275/9) = 13.0556 CNY (constant 55 kWh/kg: 0.1 x 2.5 x 55
    = 13.75 CNY).
    """
    station = {"name": "station", "kind": "hydrogen_demand", "demand_kg_per_h": [1.0, 1.5],
               "grey_purchase_cny_per_kg": 100.0}
    s = build(2, tariff=tariff(0.1), assets=[electrolyser(efficiency_curve=[[0.5, 50], [1.0, 55]]), station])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(0.1 * (100 + 275 / 9), abs=1e-6)
    f = asset_flows(r.dataset, "ely")
    np.testing.assert_allclose(f["power_kw"], [50, 50 + 275 / 9], atol=1e-6)
    np.testing.assert_allclose(f["hydrogen_kg_per_h"], [1.0, 1.5], atol=1e-6)
    assert r.summary["hydrogen_bought_kg"] == pytest.approx(0.0, abs=1e-9)
    flat = optimise(build(2, tariff=tariff(0.1), assets=[electrolyser(kwh_per_kg=55), station]))
    assert flat.summary["objective_cny"] == pytest.approx(13.75, abs=1e-6)


def test_check_catches_hydrogen_off_the_efficiency_curve(build):
    """Reporting 1.818 kg/h at 50 kW (the full-load yield at half load) is off the curve."""
    station = {"name": "station", "kind": "hydrogen_demand", "demand_kg_per_h": [1.0, 1.5],
               "grey_purchase_cny_per_kg": 100.0}
    s = build(2, tariff=tariff(0.1), assets=[electrolyser(efficiency_curve=[[0.5, 50], [1.0, 55]]), station])
    r = optimise(s)
    ds = r.dataset.copy(deep=True)
    ds["ely_hydrogen_kg_per_h"].values[0] = 100 / 55
    problems = check_solution(ds, s, r.summary["objective_cny"])
    assert any("off its efficiency curve" in p for p in problems)


@pytest.mark.parametrize(("asset", "message"), [
    (electrolyser(efficiency_curve=[[0.2, 60], [1.0, 50]]), "not concave"),
    (electrolyser(efficiency_curve=[[0.5, 50], [0.9, 55]]), "increase strictly"),
    (electrolyser(ramp_kw_per_h=10, initial_power_kw=200), "exceeds power_kw"),
    ({"name": "chp", "kind": "chp", "gas_price_cny_per_m3": 3,
      "vertices": [*TRIANGLE, {"power_kw": 80, "heat_kw_th": 60, "fuel_kw": 180}]}, "not corners"),
    ({"name": "chp", "kind": "chp", "gas_price_cny_per_m3": 3,
      "vertices": [*TRIANGLE, {"power_kw": 75, "heat_kw_th": 50, "fuel_kw": 160}]}, "not corners"),
    ({"name": "hp", "kind": "heat_pump", "capacity_kw_th": 10, "cop": 3, "source_limit_kw_th": 0}, "greater than 0"),
    ({"name": "wh", "kind": "waste_heat", "available_kw_th": [5, -1]}, "available_kw_th"),
])
def test_invalid_extras_are_rejected(build, asset, message):
    """Validation names the problem before any model is built; a convex part of an efficiency curve
    (kWh/kg falling with load from 60 at 20 % to 50 at full load) would need binaries."""
    with pytest.raises(ScenarioError, match=message):
        build(2, assets=[asset])


def test_convex_hull_of_an_irregular_operating_region():
    """Andrew's monotone chain on a pentagon away from the origin, with a point inside and one on an edge
    (midway between (300, 80) and (350, 250)): the five corners, counter-clockwise from the leftmost."""
    from optimiser.assets.chp import hull_corners

    pentagon = [(100, 50), (300, 80), (350, 250), (200, 300), (90, 200)]
    assert hull_corners(pentagon + [(200, 150), (325, 165)]) == [(90, 200), (100, 50), (300, 80), (350, 250),
                                                                  (200, 300)]
    assert hull_corners([(350, 250), (90, 200)]) == [(90, 200), (350, 250)]
