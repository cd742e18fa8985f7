"""Hand-solvable heat, hydrogen and two-part-tariff problems with exact expected optima.

Each test states in its docstring what it proves and how the expected numbers
were worked out; every solution also passes the independent post-solve check
(``optimise`` raises otherwise). Unless stated, steps are 1 h and the grid
emission factor is 0.
"""

from __future__ import annotations

import numpy as np
import pytest

from builders import assert_no_energy_burnt
from optimiser.check import check_solution
from optimiser.errors import InfeasibleError, ScenarioError
from optimiser.model import build_model
from optimiser.results import asset_flows
from optimiser.run import optimise


def tariff(price) -> dict:
    return {"import_cny_per_kwh": price, "export_cny_per_kwh": 0.0}


def electrolyser(**overrides) -> dict:
    spec = {"name": "ely", "kind": "electrolyser", "power_kw": 100, "kwh_per_kg": 50}
    spec.update(overrides)
    return spec


def heat_pump_versus_gas(build):
    """Heat 100 kW_th for 2 h from a 60 kW_th heat pump (COP 4 then 2) or a gas boiler; carbon priced on
    the physical grid factor (0 here), so only the gas carries a carbon cost."""
    return build(2, tariff=tariff(0.8), objective={"carbon_price_cny_per_tco2": 100, "emissions_basis": "grid_factor"},
                 assets=[{"name": "heat_load", "kind": "heat_demand", "demand_kw_th": 100},
                         {"name": "hp", "kind": "heat_pump", "capacity_kw_th": 60, "cop": [4, 2]},
                         {"name": "boiler", "kind": "gas_boiler", "capacity_kw_th": 200, "efficiency": 0.9,
                          "gas_price_cny_per_m3": 3.0, "lhv_kwh_per_m3": 10.0,
                          "emission_factor_tco2_per_m3": 0.002}])


@pytest.mark.parametrize(("relax", "expected_cny"), [(False, 13.0), (True, 10.8)])
def test_electrolyser_minimum_load_mip_versus_relaxed_lp(build, relax, expected_cny):
    """A 100 kW electrolyser (50 kWh/kg, minimum load 50 %, 1 CNY per start) at 0.1 CNY/kWh
    meets 0.4 then 1.6 kg/h of demand; grey hydrogen costs 10 CNY/kg (electrolysis 5 CNY/kg).

    MIP: at step 0 the electrolyser could only run at >= 50 kW = 1 kg/h, more than the
    0.4 kg/h demand with nowhere to put the rest, so it stays off and 0.4 kg is bought
    (4 CNY); at step 1 it starts (1 CNY) and runs 80 kW for 1.6 kg (8 CNY). Optimum 13 CNY.
    Relaxed LP: the status u_t may be fractional with p_t/100 <= u_t <= p_t/50, so it runs
    20 kW then 80 kW (10 CNY) and the start cost is max(u_0, u_1) = 0.8 CNY. Optimum 10.8 CNY.
    """
    s = build(2, tariff=tariff(0.1), assets=[
        electrolyser(min_load_fraction=0.5, start_cost_cny=1.0, relax_to_lp=relax),
        {"name": "station", "kind": "hydrogen_demand", "demand_kg_per_h": [0.4, 1.6],
         "grey_purchase_cny_per_kg": 10.0},
    ])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(expected_cny, abs=1e-6)
    f = asset_flows(r.dataset, "ely")
    if relax:
        assert r.summary["model_size"]["binaries"] == 0
        np.testing.assert_allclose(f["power_kw"], [20, 80], atol=1e-6)
        assert r.summary["hydrogen_bought_kg"] == pytest.approx(0.0, abs=1e-9)
        assert r.summary["electrolyser_start_cost_cny"] == pytest.approx(0.8, abs=1e-6)
    else:
        assert r.summary["model_size"]["binaries"] == 2
        np.testing.assert_allclose(f["power_kw"], [0, 80], atol=1e-6)
        np.testing.assert_allclose(f["on"], [0, 1], atol=1e-9)
        assert r.summary["hydrogen_produced_kg"] == pytest.approx(1.6, abs=1e-9)
        assert r.summary["hydrogen_bought_kg"] == pytest.approx(0.4, abs=1e-9)
        assert r.summary["hydrogen_purchase_cny"] == pytest.approx(4.0, abs=1e-9)
        assert r.summary["electrolyser_starts"] == pytest.approx(1.0)
        # grey hydrogen's default 11.2 kgCO2/kg counts in the park's emissions: alone on the grid factor (0
        # here); on the national method (default basis) with the 80 kWh import at 0.8325 tCO2/MWh
        assert r.summary["emissions_grid_factor_tco2"] == pytest.approx(0.4 * 11.2 / 1000, abs=1e-12)
        assert r.summary["emissions_tco2"] == pytest.approx(0.4 * 11.2 / 1000 + 0.08 * 0.8325, abs=1e-12)


def test_heat_pump_versus_gas_boiler(build):
    """Heat 100 kW_th for 2 h; electricity 0.8 CNY/kWh; carbon 100 CNY/tCO2; grid factor 0.

    Gas at 3 CNY/m3 + 0.002 tCO2/m3 x 100 = 3.2 CNY/m3 gives 10 x 0.9 = 9 kWh_th per m3:
    3.2/9 = 0.3556 CNY/kWh_th. Heat pump: 0.8/4 = 0.2 at step 0 (cheaper: runs at its
    60 kW_th, 15 kWh = 12 CNY), 0.8/2 = 0.4 at step 1 (dearer: off). Gas covers 40 + 100 =
    140 kWh_th = 140/9 m3 = 15.556 m3: 140/9 x 3.2 = 448/9 CNY, of which 420/9 for gas and
    28/9 for its 0.28/9 tCO2. Optimum 12 + 448/9 = 556/9 = 61.7778 CNY.
    """
    r = optimise(heat_pump_versus_gas(build))
    assert r.summary["objective_cny"] == pytest.approx(556 / 9, abs=1e-6)
    np.testing.assert_allclose(asset_flows(r.dataset, "hp")["heat_kw_th"], [60, 0], atol=1e-6)
    np.testing.assert_allclose(asset_flows(r.dataset, "hp")["power_kw"], [15, 0], atol=1e-6)
    assert r.summary["gas_m3"] == pytest.approx(140 / 9, abs=1e-6)
    assert r.summary["gas_cost_cny"] == pytest.approx(420 / 9, abs=1e-6)
    assert r.summary["gas_emissions_tco2"] == pytest.approx(0.28 / 9, abs=1e-9)
    assert r.summary["emissions_tco2"] == pytest.approx(0.28 / 9, abs=1e-9)
    assert r.summary["carbon_cost_cny"] == pytest.approx(28 / 9, abs=1e-6)
    assert r.summary["heat_by_source_kwh_th"] == pytest.approx({"hp": 60.0, "boiler": 140.0}, abs=1e-6)
    assert r.summary["heat_demand_kwh_th"] == pytest.approx(200.0)
    assert r.dataset["hp_heat_kw_th"].attrs["units"] == "kW_th"
    assert r.dataset["boiler_gas_m3_per_h"].attrs["units"] == "m3/h"


def test_thermal_storage_charged_in_the_valley(build):
    """Heat 0 then 100 kW_th; electricity 0.2 then 1.0 CNY/kWh; a 100 kW_th electric boiler
    (efficiency 1) and a 100 kWh_th tank (100 kW_th, no conversion loss, 5 %/h heat loss).

    Heat stored in the valley costs 0.2 / 0.95 = 0.21 < 1.0 CNY/kWh_th delivered: the
    boiler heats the tank with 100 kWh at step 0 (20 CNY), which keeps 95 kWh_th to step 1
    and delivers it; the boiler makes the last 5 kWh_th at 1.0 (5 CNY). Optimum 25 CNY
    (no tank: 100 CNY).
    """
    s = build(2, tariff=tariff([0.2, 1.0]), assets=[
        {"name": "heat_load", "kind": "heat_demand", "demand_kw_th": [0, 100]},
        {"name": "eboiler", "kind": "electric_boiler", "capacity_kw_th": 100, "efficiency": 1.0},
        {"name": "tank", "kind": "thermal_storage", "power_kw": 100, "energy_kwh": 100,
         "initial_soc_fraction": 0.0, "end_rule": "free", "self_discharge_per_hour": 0.05},
    ])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(25.0, abs=1e-6)
    tank = asset_flows(r.dataset, "tank")
    np.testing.assert_allclose(tank["charge_kw"], [100, 0], atol=1e-6)
    np.testing.assert_allclose(tank["discharge_kw"], [0, 95], atol=1e-6)
    np.testing.assert_allclose(tank["soc_kwh"], [100, 0], atol=1e-6)
    np.testing.assert_allclose(asset_flows(r.dataset, "eboiler")["heat_kw_th"], [100, 5], atol=1e-6)
    assert r.dataset["tank_soc_kwh"].attrs["units"] == "kWh_th"
    assert r.summary["heat_by_source_kwh_th"] == pytest.approx({"eboiler": 105.0, "tank": 95.0}, abs=1e-6)


def test_grey_hydrogen_covers_a_too_small_electrolyser(build):
    """3 kg/h of demand for 1 h; a 100 kW electrolyser at 50 kWh/kg makes at most 2 kg/h.

    Electrolysis 2 kg: 100 kWh x 0.1 = 10 CNY; the missing 1 kg is bought at 20 CNY/kg.
    Optimum 30 CNY; 1 kg at 10 kgCO2/kg emits 0.01 tCO2 (grid factor 0); on the national method the
    100 kWh import adds 0.1 x 0.8325 = 0.08325 tCO2.
    """
    station = {"name": "station", "kind": "hydrogen_demand", "demand_kg_per_h": 3.0,
               "grey_purchase_cny_per_kg": 20.0, "grey_emission_kg_co2_per_kg": 10.0}
    r = optimise(build(1, tariff=tariff(0.1), assets=[electrolyser(), station]))
    assert r.summary["objective_cny"] == pytest.approx(30.0, abs=1e-6)
    assert r.summary["hydrogen_produced_kg"] == pytest.approx(2.0, abs=1e-9)
    assert r.summary["hydrogen_bought_kg"] == pytest.approx(1.0, abs=1e-9)
    assert r.summary["emissions_grid_factor_tco2"] == pytest.approx(0.01, abs=1e-12)
    assert r.summary["emissions_tco2"] == pytest.approx(0.01 + 0.08325, abs=1e-12)


def test_hydrogen_shortfall_without_purchase_names_the_hydrogen_balance(build):
    """Without a grey price the same 1 kg/h shortfall is infeasible at the hydrogen balance."""
    station = {"name": "station", "kind": "hydrogen_demand", "demand_kg_per_h": 3.0}
    with pytest.raises(InfeasibleError, match="hydrogen_balance"):
        optimise(build(1, tariff=tariff(0.1), assets=[electrolyser(), station]))


def test_fuel_cell_makes_electricity_and_heat(build):
    """1 h at 2.0 CNY/kWh: 100 kW load, 40 kW_th heat, a 50 kW fuel cell (50 % electrical,
    30 % heat recovery on the LHV 33.33 kWh/kg) fed from a full 10 kg tank (end level free),
    and a 100 kW_th electric boiler (efficiency 1).

    The hydrogen is free, so the fuel cell runs at 50 kW using 50 / (0.5 x 33.33) = 3.0003 kg
    and recovers 50 x 0.3 / 0.5 = 30 kW_th; the boiler adds 10 kW_th. Import 100 - 50 + 10 =
    60 kWh x 2.0 = 120 CNY. Optimum 120 CNY.
    """
    s = build(1, tariff=tariff(2.0), assets=[
        {"name": "load", "kind": "demand", "demand_kw": 100},
        {"name": "heat_load", "kind": "heat_demand", "demand_kw_th": 40},
        {"name": "fc", "kind": "fuel_cell", "power_kw": 50, "electrical_efficiency": 0.5,
         "heat_recovery_efficiency": 0.3},
        {"name": "tank", "kind": "hydrogen_storage", "capacity_kg": 10, "initial_level_fraction": 1.0,
         "end_rule": "free"},
        {"name": "eboiler", "kind": "electric_boiler", "capacity_kw_th": 100, "efficiency": 1.0},
    ])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(120.0, abs=1e-6)
    used = 50 / (0.5 * 33.33)
    fc = asset_flows(r.dataset, "fc")
    np.testing.assert_allclose(fc["hydrogen_kg_per_h"], [used], rtol=1e-9)
    np.testing.assert_allclose(fc["heat_kw_th"], [30], atol=1e-6)
    np.testing.assert_allclose(asset_flows(r.dataset, "tank")["level_kg"], [10 - used], rtol=1e-9)
    assert r.summary["fuel_cell_hydrogen_kg"] == pytest.approx(used, rel=1e-9)
    assert r.summary["heat_by_source_kwh_th"] == pytest.approx({"fc": 30.0, "eboiler": 10.0}, abs=1e-6)


@pytest.mark.parametrize(("with_battery", "expected_cny", "peak_kw"), [(False, 800.0, 300.0), (True, 600.0, 200.0)])
def test_demand_charge_shaved_by_a_battery(build, with_battery, expected_cny, peak_kw):
    """Load 100 then 300 kW at a flat 0.5 CNY/kWh, demand charge 730 CNY/kW/month.

    Pro-rated to the 2 h horizon: 730 x 2 / 730 = 2 CNY per kW of peak import. Energy
    400 kWh x 0.5 = 200 CNY either way. Without storage the peak is 300 kW: 200 + 600 =
    800 CNY. A lossless 200 kW / 200 kWh battery (empty, end free) charges 100 kW at step 0
    and discharges 100 kW at step 1, flattening import to 200 kW: 200 + 400 = 600 CNY.
    """
    assets = [{"name": "load", "kind": "demand", "demand_kw": [100, 300]}]
    if with_battery:
        assets.append({"name": "lfp", "kind": "battery", "power_kw": 200, "energy_kwh": 200,
                       "charge_efficiency": 1.0, "discharge_efficiency": 1.0, "min_soc_fraction": 0.0,
                       "max_soc_fraction": 1.0, "initial_soc_fraction": 0.0, "end_rule": "free",
                       "self_discharge_per_hour": 0.0, "cycle_cost_cny_per_kwh": 0.0})
    s = build(2, tariff=tariff(0.5), assets=assets,
              grid={"import_limit_kw": 1000, "export_limit_kw": 0, "emission_factor_tco2_per_mwh": 0.0,
                    "demand_charge_cny_per_kw_month": 730})
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(expected_cny, abs=1e-6)
    assert r.summary["peak_import_kw"] == pytest.approx(peak_kw, abs=1e-6)
    assert r.summary["demand_charge_cny"] == pytest.approx(2 * peak_kw, abs=1e-6)
    assert r.summary["energy_cost_cny"] == pytest.approx(200.0, abs=1e-6)


def test_check_catches_a_broken_heat_balance(build):
    """Perturbing the heat demand in a solved Dataset by 5 kW_th at step 1 leaves 5 kW_th of
    heat unaccounted for: the independent check reports the heat balance (and only it)."""
    s = heat_pump_versus_gas(build)
    r = optimise(s)
    assert check_solution(r.dataset, s, r.summary["objective_cny"]) == []
    ds = r.dataset.copy(deep=True)
    ds["heat_load_demand_kw_th"].values[1] += 5.0
    problems = check_solution(ds, s, r.summary["objective_cny"])
    assert len(problems) == 1
    assert problems[0].startswith("heat balance is off by -5 kW_th at step 1")


def test_check_catches_a_broken_hydrogen_balance(build):
    """Halving the bought grey hydrogen leaves 0.5 kg/h of demand unmet in the Dataset."""
    station = {"name": "station", "kind": "hydrogen_demand", "demand_kg_per_h": 3.0,
               "grey_purchase_cny_per_kg": 20.0}
    s = build(1, tariff=tariff(0.1), assets=[electrolyser(), station])
    r = optimise(s)
    ds = r.dataset.copy(deep=True)
    ds["station_bought_kg_per_h"].values[0] = 0.5
    problems = check_solution(ds, s, r.summary["objective_cny"])
    assert any(p.startswith("hydrogen balance is off by -0.5 kg/h at step 0") for p in problems)


def test_balances_are_built_only_for_buses_in_use(build):
    """An electricity-only park gets only ``bus_balance``; a heat park adds ``heat_balance`` only."""
    plain = build(1, assets=[{"name": "load", "kind": "demand", "demand_kw": 10}])
    model, _, _ = build_model(plain)
    assert hasattr(model, "bus_balance")
    assert not hasattr(model, "heat_balance") and not hasattr(model, "hydrogen_balance")
    model, _, _ = build_model(heat_pump_versus_gas(build))
    assert hasattr(model, "bus_balance") and hasattr(model, "heat_balance")
    assert not hasattr(model, "hydrogen_balance")
    summary = optimise(plain).summary
    assert summary["heat_by_source_kwh_th"] == {}
    assert summary["gas_m3"] == 0.0 and summary["hydrogen_produced_kg"] == 0.0 and summary["demand_charge_cny"] == 0.0


@pytest.mark.parametrize(("asset", "message"), [
    ({"name": "hp", "kind": "heat_pump", "capacity_kw_th": 10, "cop": [3, 0]}, "cop must be > 0"),
    ({"name": "fc", "kind": "fuel_cell", "power_kw": 10, "electrical_efficiency": 0.6,
      "heat_recovery_efficiency": 0.5}, "exceeds 1"),
    ({"name": "tank", "kind": "hydrogen_storage", "capacity_kg": 10, "end_rule": "at_least"},
     "end_level_min_fraction"),
    ({"name": "heat_balance", "kind": "heat_demand", "demand_kw_th": 1}, "reserved"),
])
def test_invalid_multi_energy_assets_are_rejected(build, asset, message):
    """Validation names the field problem before any model is built."""
    with pytest.raises(ScenarioError, match=message):
        build(2, assets=[asset])


def test_whole_multi_energy_park_writes_outputs(build, tmp_path):
    """A day with every new kind together (no hand-solved optimum): it solves as a MIP, passes
    the independent check, and its outputs carry the new flows, units and summary keys."""
    import json

    from optimiser.output import read_dispatch_nc, write_outputs

    hours = np.arange(24)
    sun = np.clip(np.sin((hours - 6) / 12 * np.pi), 0, None)
    s = build(24, tariff=tariff(np.where((hours >= 8) & (hours < 22), 1.0, 0.3)),
              objective={"carbon_price_cny_per_tco2": 100},
              grid={"import_limit_kw": 5000, "export_limit_kw": 0, "emission_factor_tco2_per_mwh": 0.6,
                    "demand_charge_cny_per_kw_month": 35},
              assets=[
                  {"name": "load", "kind": "demand", "demand_kw": 800 + 400 * ((hours >= 8) & (hours < 20))},
                  {"name": "pv", "kind": "pv", "available_kw": 1500 * sun},
                  {"name": "lfp", "kind": "battery", "power_kw": 300, "energy_kwh": 600},
                  {"name": "heat_load", "kind": "heat_demand", "demand_kw_th": 300 + 200 * (hours < 7)},
                  {"name": "hp", "kind": "heat_pump", "capacity_kw_th": 250, "cop": 3.0 + 0.5 * sun},
                  {"name": "gas", "kind": "gas_boiler", "capacity_kw_th": 600, "gas_price_cny_per_m3": 3.5},
                  {"name": "tank", "kind": "thermal_storage", "power_kw": 200, "energy_kwh": 800},
                  {"name": "ely", "kind": "electrolyser", "power_kw": 500, "min_load_fraction": 0.2,
                   "standby_kw": 5, "start_cost_cny": 50},
                  {"name": "h2tank", "kind": "hydrogen_storage", "capacity_kg": 100, "compressor_kwh_per_kg": 2},
                  {"name": "station", "kind": "hydrogen_demand", "demand_kg_per_h": 3.0,
                   "grey_purchase_cny_per_kg": 35},
                  {"name": "fc", "kind": "fuel_cell", "power_kw": 100, "heat_recovery_efficiency": 0.3},
              ])
    r = optimise(s)
    assert r.status == "optimal" and r.summary["model_size"]["binaries"] >= 24
    out = write_outputs(r, tmp_path / "run")
    summary = json.loads((out / "summary.json").read_text())
    for key in ("hydrogen_produced_kg", "hydrogen_bought_kg", "heat_by_source_kwh_th", "gas_m3", "gas_cost_cny",
                "gas_emissions_tco2", "demand_charge_cny"):
        assert key in summary
    # the hydrogen tank ends where it started, so over the day: made + bought - burnt = 24 x 3 kg
    assert summary["hydrogen_produced_kg"] + summary["hydrogen_bought_kg"] - summary["fuel_cell_hydrogen_kg"] == (
        pytest.approx(72.0, abs=1e-6))
    assert summary["heat_demand_kwh_th"] == pytest.approx(24 * 300 + 7 * 200)
    assert (out / "dispatch.png").stat().st_size > 0
    ds = read_dispatch_nc(out / "dispatch.nc")
    assert ds["tank_charge_kw"].attrs["units"] == "kW_th"
    assert ds["h2tank_level_kg"].attrs["units"] == "kg"
    assert check_solution(ds, s, r.summary["objective_cny"]) == []


@pytest.mark.parametrize("binaries", ["auto", "never"])
def test_hydrogen_tank_cannot_burn_compressor_power_at_a_negative_price(build, binaries):
    """At -0.1 CNY/kWh, a 10 kg tank (half full, must end half full) with a 2 kWh/kg compressor
    could fill and empty 10 kg/h at once, burning 20 kWh for 2 CNY. That is impossible: with
    ``auto`` the fill/withdraw binaries make the optimum 0; with ``never`` the check refuses it."""
    s = build(1, tariff=tariff(-0.1), solver={"binaries": binaries},
              assets=[{"name": "h2tank", "kind": "hydrogen_storage", "capacity_kg": 10, "compressor_kwh_per_kg": 2}])
    assert_no_energy_burnt(s, binaries, "fills and empties at once")


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_boilers_convert_at_their_efficiency_and_the_check_holds_them_to_it(build, step_minutes):
    """2 h of 95 kW_th of heat at 1.0 CNY/kWh: a 0.95-efficient electric boiler costs 1 / 0.95 = 1.0526 CNY
    per kWh_th; a gas boiler (efficiency 0.9, 10 kWh/m3 at 5 CNY/m3) 5 / 9 = 0.5556 CNY per kWh_th, so it
    runs at its cap, 45 kW_th on 45 / 0.9 / 10 = 5 m3/h (25 CNY/h), and the electric boiler gives the other
    50 kW_th on 50 / 0.95 = 52.632 kW: (25 + 52.632) x 2 = 155.263 CNY. The check refuses electricity or gas
    that does not match the heat (each scaled down at the first step, the grid import following)."""
    n = 2 * 60 // step_minutes
    s = build(n, step_minutes, tariff=tariff(1.0), assets=[
        {"name": "heat_load", "kind": "heat_demand", "demand_kw_th": 95},
        {"name": "eboiler", "kind": "electric_boiler", "capacity_kw_th": 200, "efficiency": 0.95},
        {"name": "gb", "kind": "gas_boiler", "capacity_kw_th": 45, "efficiency": 0.9, "lhv_kwh_per_m3": 10.0,
         "gas_price_cny_per_m3": 5.0}])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx((25.0 + 50 / 0.95) * 2, rel=1e-9)
    np.testing.assert_allclose(asset_flows(r.dataset, "eboiler")["power_kw"], 50 / 0.95, rtol=1e-9)
    np.testing.assert_allclose(asset_flows(r.dataset, "gb")["gas_m3_per_h"], 5.0, rtol=1e-9)
    for var, factor, message in [
            ("eboiler_power_kw", 0.95, "eboiler electricity 50 kW does not match its heat 50 kW_th at step 0"),
            ("gb_gas_m3_per_h", 0.9, "gb burns 4.5 m3/h at step 0, which does not give its heat 45 kW_th")]:
        ds = r.dataset.copy(deep=True)
        ds[var].values[0] *= factor
        ds["grid_import_kw"].values[0] = ds["eboiler_power_kw"].values[0]
        assert message in check_solution(ds, s, r.summary["objective_cny"])


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_electrolyser_standby_load_is_drawn_while_on(build, step_minutes):
    """2 h of 1 kg/h of hydrogen demand, grey hydrogen at 10 CNY/kg, electricity at 0.1 CNY/kWh: a 100 kW
    stack at 50 kWh/kg with a 5 kW standby load makes it for 50 x 0.1 + 5 x 0.1 = 5.5 CNY/kg, so it runs
    at 50 kW, on, and imports 55 kW: 11 CNY."""
    n = 2 * 60 // step_minutes
    s = build(n, step_minutes, tariff=tariff(0.1), assets=[
        electrolyser(power_kw=100, kwh_per_kg=50, standby_kw=5),
        {"name": "h2", "kind": "hydrogen_demand", "demand_kg_per_h": 1.0, "grey_purchase_cny_per_kg": 10.0}])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(11.0, rel=1e-9)
    flows = asset_flows(r.dataset, "ely")
    np.testing.assert_allclose(flows["standby_kw"], 5.0, rtol=1e-9)
    np.testing.assert_allclose(flows["on"], 1.0, rtol=1e-9)
    np.testing.assert_allclose(r.dataset["grid_import_kw"], 55.0, rtol=1e-9)


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_heat_purchase_at_a_price_below_one_cny_per_gj_and_idle_when_dearer(build, step_minutes):
    """2 h of 50 kW_th; electricity free in hour 1 and 1.0 CNY/kWh in hour 2; an electric boiler
    (efficiency 1) and heat bought at 0.9 CNY/GJ (0.00324 CNY/kWh_th). Hour 1 the boiler (free) serves it
    and nothing is bought; hour 2 the heat is bought: 50 kWh_th x 0.0036 GJ/kWh x 0.9 = 0.162 CNY."""
    per_hour = 60 // step_minutes
    s = build(2 * per_hour, step_minutes, tariff=tariff([0.0] * per_hour + [1.0] * per_hour), assets=[
        {"name": "heat_load", "kind": "heat_demand", "demand_kw_th": 50},
        {"name": "eboiler", "kind": "electric_boiler", "capacity_kw_th": 100, "efficiency": 1.0},
        {"name": "bought", "kind": "heat_purchase", "capacity_kw_th": 100, "price_cny_per_gj": 0.9, "fossil": False}])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(0.162, rel=1e-9)
    np.testing.assert_allclose(asset_flows(r.dataset, "bought")["heat_kw_th"], [0.0] * per_hour + [50.0] * per_hour,
                               atol=1e-9)


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_a_park_that_imports_nothing_pays_no_demand_charge(build, step_minutes):
    """2 h: PV 200 kW under a 100 kW load, the rest exported at 0.3 CNY/kWh; demand charge 730 CNY/kW/month
    (2 CNY/kW over 2 h). Peak import 0 kW: no demand charge, objective -60 CNY."""
    n = 2 * 60 // step_minutes
    s = build(n, step_minutes, tariff={"import_cny_per_kwh": 1.0, "export_cny_per_kwh": 0.3},
              grid={"import_limit_kw": 1000, "export_limit_kw": 1000, "emission_factor_tco2_per_mwh": 0.0,
                    "demand_charge_cny_per_kw_month": 730},
              assets=[{"name": "load", "kind": "demand", "demand_kw": 100},
                      {"name": "pv", "kind": "pv", "available_kw": 200}])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(-60.0, rel=1e-9)
    assert r.summary["demand_charge_cny"] == 0.0 and r.summary["peak_import_kw"] == 0.0
