"""The names of the reported KPIs (summary.json's contract) and hand-worked values of the totals no other
test in the mutation selection asserts.

A renamed, dropped or doubled key in :func:`optimiser.results.kpis` or
:func:`optimiser.accounting.park_accounting` changes what summary.json reports: the key sets are pinned
here, so a mutant that renames one fails.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from builders import small_scenario
from test_accounting_scope import RULES_OFF, direct, reexport_park
from test_shares_with_export import exporting_park

from optimiser.accounting import (direct_supply_kpis, emissions_by_basis, energy_totals, headline, kpi_table,
                                  park_accounting, share_terms)
from optimiser.results import MULTI_ENERGY_TOTALS, kpis, renewable_share, storage_summary, units_of
from optimiser.lazy import pyo
from optimiser.run import Dispatch, optimise, solve_checked
from optimiser.scenario import scenario_from_dict
from optimiser.targets import share_forms

KPI_KEYS = {
    "objective_recomputed_cny", "total_cost_cny", "green_purchase_cost_cny", "green_purchased_kwh",
    "target_penalty_cny", "target_shortfall_kwh", "energy_cost_cny", "demand_charge_cny", "storage_cost_cny",
    "asset_cost_cny", "carbon_cost_cny", "emissions_tco2", "emissions_basis", "emissions_national_method_tco2",
    "emissions_grid_factor_tco2", "grid_emissions_tco2", "import_kwh", "export_kwh", "demand_kwh",
    "renewable_available_kwh", "renewable_generation_kwh", "curtailment_kwh", "renewable_share", "peak_import_kw",
    *MULTI_ENERGY_TOTALS,
}
ACCOUNTING_KEYS = {
    "method", "park_emissions_tco2", "electricity_emissions_tco2", "fuel_emissions_tco2", "emissions_basis",
    "emissions_national_method_tco2", "emissions_grid_factor_tco2", "grid_emission_factor_tco2_per_mwh",
    "electricity_tce_method", "electricity_kgce_per_kwh", "energy_consumption_tce", "annual_energy_consumption_tce",
    "electricity_consumed_kwh",
    # energy_totals, without fuel_tco2 (reported as fuel_emissions_tco2)
    "import_kwh", "export_kwh", "onsite_available_kwh", "onsite_kwh", "direct_available_kwh", "direct_line_kwh",
    "direct_self_kwh", "direct_export_kwh", "direct_reexport_kwh", "green_purchased_kwh", "fuel_generation_kwh",
    "fuel_cell_kwh", "gas_m3", "gas_kgce", "hydrogen_bought_kg", "heat_purchased_gj", "non_fossil_heat_purchased_gj",
}
PARK_KPIS = {"carbon_intensity_tco2_per_tce", "clean_energy_share", "non_fossil_share", "green_electricity_share",
             "curtailment_rate"}
ROW_KEYS = {"value", "target", "kind", "pass", "unit", "source"}


@pytest.fixture(scope="module")
def exporting_run():
    return optimise(exporting_park(60))


def test_kpi_and_accounting_keys(exporting_run):
    """Every key of the totals, the accounting and the KPI rows, and nothing else (no direct supply here)."""
    ds, scenario = exporting_run.dataset, exporting_run.scenario
    assert set(kpis(ds, scenario)) == KPI_KEYS
    account = park_accounting(ds, scenario)
    assert set(account) == {"kpis", "accounting"}
    assert set(account["accounting"]) == ACCOUNTING_KEYS
    assert set(account["kpis"]) == PARK_KPIS
    assert all(set(row) == ROW_KEYS for row in account["kpis"].values())


@pytest.fixture(scope="module")
def exporting_run_15():
    return optimise(exporting_park(15))


def test_row_kinds(exporting_run):
    """Limits are maxima, shares minima: the ``kind`` each row reports."""
    rows = park_accounting(exporting_run.dataset, exporting_run.scenario)["kpis"]
    assert {name: row["kind"] for name, row in rows.items()} == {
        "carbon_intensity_tco2_per_tce": "max", "clean_energy_share": "min", "non_fossil_share": "min",
        "green_electricity_share": "min", "curtailment_rate": "max"}


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_year_to_date_on_every_share_and_the_annual_size(step_minutes):
    """The exporting park (R 500, X 400, I 300 kWh over 2 h; C = 400 kWh) with soft targets at no
    penalty (the optimum does not move) carrying year-to-date totals, and an accounting default for the
    green share.

    Horizon shares: green = non-fossil = (R - X) / C = 0.25, direct supply 0 / 400 = 0, utilisation
    500 / 500 (curtailment 0). Year to date: non-fossil (1000 + 100) / (3000 + 400) = 0.3235294 >= 0.3
    passes; curtailment 1 - (900 + 500) / (1000 + 500) = 0.0666667 > 0.05 fails (the horizon alone, 0,
    would pass); direct supply (500 + 0) / (1000 + 400) = 0.3571429 >= 0.2 passes. The green row
    carries the accounting default 0.2 and no year to date. Energy 400 x 0.1229 / 1000 = 0.04916 tce
    in 2 h, so 0.04916 x 8760 / 2 = 215.3208 tce/yr (the same at 15 minutes: 8 steps of 0.25 h).
    """
    free = {"penalty_cny_per_kwh": 0.0}
    park = exporting_park(step_minutes, targets={
        "non_fossil_share_min": {"value": 0.3, **free,
                                 "year_to_date": {"numerator_kwh": 1000, "denominator_kwh": 3000}},
        "curtailment_rate_max": {"value": 0.05, **free,
                                 "year_to_date": {"numerator_kwh": 900, "denominator_kwh": 1000}},
        "direct_supply_share_min": {"value": 0.2, **free,
                                    "year_to_date": {"numerator_kwh": 500, "denominator_kwh": 1000}},
    }).with_changes({"accounting.green_electricity_share_min": 0.2})
    r = optimise(park)
    assert r.summary["objective_cny"] == pytest.approx(70.0, abs=1e-6)
    rows, acc = r.summary["kpis"], r.summary["accounting"]
    assert acc["annual_energy_consumption_tce"] == pytest.approx(0.04916 * 8760 / 2, rel=1e-9)
    assert rows["carbon_intensity_tco2_per_tce"]["value"] == pytest.approx(-0.08 / 0.04916, rel=1e-9)
    nf, cur, ds_share, green = (rows[k] for k in ("non_fossil_share", "curtailment_rate", "direct_supply_share",
                                                  "green_electricity_share"))
    assert (nf["value"], nf["target"]) == (pytest.approx(0.25, abs=1e-9), 0.3)
    assert nf["year_to_date_value"] == pytest.approx(1100 / 3400, abs=1e-9) and nf["pass"] is True
    assert (cur["value"], cur["target"]) == (pytest.approx(0.0, abs=1e-9), 0.05)
    assert cur["year_to_date_value"] == pytest.approx(1 - 1400 / 1500, abs=1e-9) and cur["pass"] is False
    assert (ds_share["value"], ds_share["target"]) == (pytest.approx(0.0, abs=1e-9), 0.2)
    assert ds_share["year_to_date_value"] == pytest.approx(500 / 1400, abs=1e-9) and ds_share["pass"] is True
    assert (green["value"], green["target"], green["pass"]) == (pytest.approx(0.25, abs=1e-9), 0.2, True)
    assert "year_to_date_value" not in green


def test_idle_park_reports_zero_shares_and_no_curtailment():
    """No demand and nothing available, 2 h: every denominator is 0. Carbon intensity 0 (no energy),
    every share 0, curtailment 0 (nothing to curtail), also year to date from empty totals; the
    direct-supply row is there because its target is set. Soft targets at 1 CNY/kWh cost nothing:
    each shortfall s·D - N is 0."""
    empty_ytd = {"numerator_kwh": 0, "denominator_kwh": 0}
    soft = {"penalty_cny_per_kwh": 1.0, "year_to_date": empty_ytd}
    raw = small_scenario(2, assets=[{"name": "load", "kind": "demand", "demand_kw": [0.0, 0.0]},
                                    {"name": "pv", "kind": "pv", "available_kw": [0.0, 0.0]}],
                         targets={name: {"value": 0.3, **soft} for name in (
                             "green_electricity_share_min", "clean_energy_share_min", "non_fossil_share_min",
                             "curtailment_rate_max", "direct_supply_share_min")})
    r = optimise(scenario_from_dict(raw))
    assert r.summary["objective_cny"] == pytest.approx(0.0, abs=1e-9)
    rows = r.summary["kpis"]
    assert rows["carbon_intensity_tco2_per_tce"]["value"] == 0.0
    for name in ("clean_energy_share", "non_fossil_share", "green_electricity_share", "direct_supply_share",
                 "curtailment_rate"):
        assert rows[name]["value"] == 0.0, name
        assert rows[name]["year_to_date_value"] == 0.0, name


def test_units_of_every_suffix():
    """The longest matching suffix names the unit (``_cny_per_kwh`` before ``_kwh``); no suffix: "1"."""
    assert {name: units_of(name) for name in (
        "grid_import_kw", "lfp_soc_kwh", "grid_import_price_cny_per_kwh", "grid_emission_factor_tco2_per_mwh",
        "hp_heat_kw_th", "tank_level_kwh_th", "ely_hydrogen_kg_per_h", "h2_level_kg", "boiler_gas_m3_per_h",
        "chp_on")} == {
        "grid_import_kw": "kW", "lfp_soc_kwh": "kWh", "grid_import_price_cny_per_kwh": "CNY/kWh",
        "grid_emission_factor_tco2_per_mwh": "tCO2/MWh", "hp_heat_kw_th": "kW_th", "tank_level_kwh_th": "kWh_th",
        "ely_hydrogen_kg_per_h": "kg/h", "h2_level_kg": "kg", "boiler_gas_m3_per_h": "m3/h", "chp_on": "1"}


def test_dataset_metadata():
    """dispatch.nc's metadata: each variable's asset, kind, flow and units, and the run's attributes, for
    the grid, a green certificate (none bought: it costs and nothing asks for it, so the optimum stays 70 CNY)
    and direct supply re-exported through the park (the re-export park of test_accounting_scope)."""
    park = exporting_park(60, targets={"green_purchases": [
        {"name": "gec", "kind": "certificate", "price_cny_per_mwh": 30, "max_mwh": 1}]})
    r = optimise(park)
    assert r.summary["objective_cny"] == pytest.approx(70.0, abs=1e-6)
    ds = r.dataset
    assert ds.attrs == {"park": "test park", "timezone": "Asia/Shanghai", "step_minutes": 60,
                        "scenario_sha256": park.sha256, "weather_synthetic": 0}
    assert ds["grid_import_kw"].attrs == {"asset": "grid", "kind": "grid", "flow": "import_kw", "units": "kW"}
    assert ds["grid_import_price_cny_per_kwh"].attrs == {"asset": "grid", "kind": "grid",
                                                         "flow": "import_price_cny_per_kwh", "units": "CNY/kWh"}
    assert ds["gec_green_kw"].attrs == {"asset": "gec", "kind": "certificate", "flow": "green_kw", "units": "kW"}
    reexport = optimise(reexport_park(lambda steps, minutes, **s: scenario_from_dict(small_scenario(steps, minutes, **s)),
                                      60)).dataset
    assert reexport["direct_reexport_kw"].attrs == {"asset": "direct", "kind": "direct_supply",
                                                    "flow": "reexport_kw", "units": "kW"}


def test_electricity_coefficient_override_is_reported():
    """``electricity_kgce_per_kwh: 0.2`` replaces the method's 0.1229: reported as "override"; energy
    400 x 0.2 / 1000 = 0.08 tce, carbon intensity -0.08 / 0.08 = -1 tCO2/tce."""
    r = optimise(exporting_park(60).with_changes({"accounting.electricity_kgce_per_kwh": 0.2}))
    acc = r.summary["accounting"]
    assert (acc["electricity_tce_method"], acc["electricity_kgce_per_kwh"]) == ("override", 0.2)
    assert acc["energy_consumption_tce"] == pytest.approx(0.08, rel=1e-9)
    assert r.summary["kpis"]["carbon_intensity_tco2_per_tce"]["value"] == pytest.approx(-1.0, rel=1e-9)


def test_direct_supply_share_row_with_little_direct_supply():
    """1 h, load 100 kW, a direct-supply project with 0.5 kWh available (its rules off): the park's
    direct-supply share row is reported, 0.5 / 100 = 0.005 (any availability, not only above 1 kWh)."""
    raw = small_scenario(1, assets=[{"name": "load", "kind": "demand", "demand_kw": 100},
                                    direct(available=[0.5], rules=RULES_OFF)])
    rows = optimise(scenario_from_dict(raw)).summary["kpis"]
    assert rows["direct_supply_share"]["value"] == pytest.approx(0.005, abs=1e-9)
    assert rows["direct_supply_share"]["target"] is None and rows["direct_supply_share"]["pass"] is None


HOURLY_FLOWS = {
    "grid": {"import_kw": [300, 100], "export_kw": [0, 50], "emission_factor_tco2_per_mwh": [0.6, 0.4],
             "import_price_cny_per_kwh": [0.5, 0.5], "export_price_cny_per_kwh": [0.2, 0.2]},
    "pv": {"available_kw": [200, 100], "output_kw": [150, 100], "curtailed_kw": [50, 0]},
    "d1": {"available_kw": [100, 100], "self_kw": [80, 100], "export_kw": [10, 0], "curtailed_kw": [10, 0],
           "reexport_kw": [0, 20]},
    "d2": {"available_kw": [50, 50], "self_kw": [50, 40], "export_kw": [0, 10], "curtailed_kw": [0, 0],
           "reexport_kw": [0, 0]},
    "chp": {"power_kw": [100, 0], "heat_kw_th": [0, 0], "fuel_kw": [250, 0], "gas_m3_per_h": [25, 0]},
    "fc": {"hydrogen_kg_per_h": [1, 0], "power_kw": [20, 0], "heat_kw_th": [0, 0]},
    "gb": {"heat_kw_th": [100, 100], "gas_m3_per_h": [10, 10]},
    "hpf": {"heat_kw_th": [50, 0]},
    "hpn": {"heat_kw_th": [0, 50]},
    "h2": {"demand_kg_per_h": [2, 2], "bought_kg_per_h": [1, 0]},
    "load": {"demand_kw": [300, 300]},
    "g1": {"green_kw": [20, 0]},
    "g2": {"green_kw": [0, 10]},
}
"""a 2-hour result written by hand (kW, kW_th, kg/h, m3/h per hour), not an optimum: the accounting is a
pure function of the flows. Two of each kind that is summed, the fuel cell before the CHP and the last asset (the
load) contributing nothing, so that a sum that keeps only its last term is wrong."""


def many_assets(step_minutes: int, grey_hydrogen: bool = True, objective: dict | None = None, **accounting):
    """The scenario of HOURLY_FLOWS and those flows as a Dataset at ``step_minutes`` (each hour repeated)."""
    per_hour = 60 // step_minutes

    def hourly(values):
        return [float(v) for v in np.repeat(values, per_hour)]

    def direct_project(name, available):
        return {"name": name, "kind": "direct_supply", "line_limit_kw": 1000, "rules": RULES_OFF,
                "plants": [{"name": f"{name}_pv", "technology": "pv", "available_kw": hourly(available)}]}

    raw = small_scenario(2 * per_hour, step_minutes, accounting=accounting, objective=objective or {}, assets=[
        {"name": "pv", "kind": "pv", "available_kw": hourly([200, 100])},
        direct_project("d1", [100, 100]), direct_project("d2", [50, 50]),
        {"name": "fc", "kind": "fuel_cell", "power_kw": 50},
        {"name": "chp", "kind": "chp", "gas_price_cny_per_m3": 1.0, "lhv_kwh_per_m3": 10.0,
         "vertices": [{"power_kw": 0, "heat_kw_th": 0, "fuel_kw": 0}, {"power_kw": 100, "heat_kw_th": 0, "fuel_kw": 250}]},
        {"name": "gb", "kind": "gas_boiler", "efficiency": 1.0, "lhv_kwh_per_m3": 10.0, "gas_price_cny_per_m3": 2.0,
         "capacity_kw_th": 500},
        {"name": "hpf", "kind": "heat_purchase", "capacity_kw_th": 100},
        {"name": "hpn", "kind": "heat_purchase", "capacity_kw_th": 100, "fossil": False},
        {"name": "h2", "kind": "hydrogen_demand", "demand_kg_per_h": hourly([2, 2]),
         **({"grey_purchase_cny_per_kg": 30.0} if grey_hydrogen else {})},
        {"name": "load", "kind": "demand", "demand_kw": hourly([300, 300])},
    ], targets={"green_purchases": [{"name": "g1", "kind": "certificate", "price_cny_per_mwh": 10, "max_mwh": 1},
                                    {"name": "g2", "kind": "green_power_contract", "price_cny_per_mwh": 20,
                                     "max_mwh": 1}]})
    scenario = scenario_from_dict(raw)
    flows = {asset: dict(f, bought_kg_per_h=f["bought_kg_per_h"] if grey_hydrogen else [0, 0]) if asset == "h2"
             else f for asset, f in HOURLY_FLOWS.items()}
    ds = xr.Dataset({f"{asset}_{flow}": ("time", np.repeat(np.asarray(v, dtype=float), per_hour),
                                         {"asset": asset, "flow": flow})
                     for asset, f in flows.items() for flow, v in f.items()}, coords={"time": scenario.index})
    return scenario, ds


GAS_KGCE_PER_M3 = 10.0 * 3.6 / 29.3076
"""10 kWh/m3 of gas in kgce (29.3076 MJ/kgce)"""


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_energy_totals_sum_every_asset(step_minutes):
    """Energy terms of HOURLY_FLOWS [kWh unless stated], the same at 60 and 15 minutes:
    on-site PV available 300, used 250; direct supply available 200 + 100 = 300, over the lines
    180 + 90 = 270, of which d1 re-exported 20 through the park: self-consumed 250, own export 10 + 10 = 20;
    green bought 20 + 10 = 30; fuel generation CHP 100 + fuel cell 20 = 120; gas 25 + 20 = 45 m3
    (45 x 36 / 29.3076 kgce); grey hydrogen 1 kg; heat bought (50 + 50) x 0.0036 = 0.36 GJ, 0.18 GJ of it
    non-fossil; fuel emissions 45 x 0.002165 + 0.18 x 0.11 + 1 x 11.2 / 1000 = 0.128425 tCO2."""
    scenario, ds = many_assets(step_minutes)
    assert energy_totals(ds, scenario) == pytest.approx({
        "import_kwh": 400.0, "export_kwh": 50.0, "onsite_available_kwh": 300.0, "onsite_kwh": 250.0,
        "direct_available_kwh": 300.0, "direct_line_kwh": 270.0, "direct_self_kwh": 250.0, "direct_export_kwh": 20.0,
        "direct_reexport_kwh": 20.0, "green_purchased_kwh": 30.0, "fuel_generation_kwh": 120.0, "fuel_cell_kwh": 20.0,
        "gas_m3": 45.0, "gas_kgce": 45 * GAS_KGCE_PER_M3, "hydrogen_bought_kg": 1.0, "heat_purchased_gj": 0.36,
        "non_fossil_heat_purchased_gj": 0.18, "fuel_tco2": 0.128425}, rel=1e-12)


@pytest.mark.parametrize("grey_hydrogen, accounting, fuel_cell_green_kwh, phi, gas_clean", [
    (True, {}, 0.0, 0.0, True),
    (False, {"grid_non_fossil_share": 0.4, "natural_gas_is_clean": False}, 20.0, 0.4, False),
])
def test_share_terms_and_emissions_of_every_term(grey_hydrogen, accounting, fuel_cell_green_kwh, phi, gas_clean):
    """(N, D) of each share from the energy terms above, with k = 0.1229 kgce/kWh:
    C = I - X + R + S = 400 - 50 + 250 + 270 = 870, used electricity C + F = 990;
    green R + S - X + G = 500, + the fuel cell's 20 only without grey hydrogen; non-fossil green +
    φ (I - G) = φ x 370 + 34.121 x 0.18 / k (1 GJ = 1000 / 29.3076 kgce); energy E = C + (gas kgce
    + 4.0945 x 1 kg grey H2 + 34.121 x 0.36) / k;
    clean = non-fossil + gas / k if gas is clean; utilisation (R + S + S_x = 540) / 600; direct supply
    250 / 990; renewable (R - X = 200) / 990. Emissions: national 0.8325 x (400 - 30 - (50 - 20)) / 1000
    = 0.28305 tCO2, grid factor (300 x 0.6 + 100 x 0.4) / 1000 = 0.22 tCO2, each + fuels (0.128425, or
    0.117225 without the grey kilogram)."""
    scenario, ds = many_assets(60, grey_hydrogen, **accounting)
    e = energy_totals(ds, scenario)
    k = 0.1229
    gas = 45 * GAS_KGCE_PER_M3 / k
    heat_kgce_per_gj = 1000 / 29.3076
    non_fossil = 500 + phi * 370 + heat_kgce_per_gj * 0.18 / k
    energy = 870 + gas + (4.0945 * (1.0 if grey_hydrogen else 0.0) + heat_kgce_per_gj * 0.36) / k
    assert share_terms(e, scenario) == {
        "green_electricity_share": (pytest.approx(500 + fuel_cell_green_kwh), pytest.approx(990)),
        "non_fossil_share": (pytest.approx(non_fossil), pytest.approx(energy)),
        "clean_energy_share": (pytest.approx(non_fossil + (gas if gas_clean else 0.0)), pytest.approx(energy)),
        "utilisation": (pytest.approx(540), pytest.approx(600)),
        "direct_supply_share": (pytest.approx(250), pytest.approx(990)),
        "renewable_share": (pytest.approx(200), pytest.approx(990))}
    fuel = 0.128425 if grey_hydrogen else 0.117225
    assert emissions_by_basis(e, ds, scenario) == pytest.approx({
        "national_method": 0.28305 + fuel, "grid_factor": 0.22 + fuel, "national_method_electricity": 0.28305,
        "grid_factor_electricity": 0.22}, rel=1e-12)


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_kpis_of_every_total(step_minutes):
    """The summary totals of HOURLY_FLOWS with a carbon price of 100 CNY/tCO2 [CNY, kWh, tCO2]:
    energy 0.5 x 400 - 0.2 x 50 = 190; assets: CHP gas 25 m3 x 1 + boiler gas 20 m3 x 2 + grey hydrogen
    1 kg x 30 = 95 (heat bought at 0); certificates 20 x 10 / 1000 + 10 x 20 / 1000 = 0.4; carbon
    100 x 0.411475 (national method, as above) = 41.1475; total 326.5475. Grid emissions at the physical
    factor 0.22; demand 600; PV available 300, used 250, curtailed 50; renewable share (250 - 50) / 990;
    peak import 300 kW. Totals summed over assets: gas 45 m3 costing 65 and emitting 0.097425 tCO2, heat
    0.36 GJ (0.18 non-fossil, 0.0198 tCO2), direct supply available 300, lines 270, self 250, export 20 +
    the 20 re-exported, 10 curtailed."""
    scenario, ds = many_assets(step_minutes, objective={"carbon_price_cny_per_tco2": 100.0})
    emissions = 0.28305 + 0.128425
    zero = dict.fromkeys(MULTI_ENERGY_TOTALS, 0.0)
    totals = kpis(ds, scenario)
    assert (totals.pop("emissions_basis"), totals.pop("target_shortfall_kwh")) == ("national_method", {})
    assert totals == pytest.approx({
        **zero, "objective_recomputed_cny": 326.5475, "total_cost_cny": 326.5475, "green_purchase_cost_cny": 0.4,
        "green_purchased_kwh": 30.0, "target_penalty_cny": 0.0, "energy_cost_cny": 190.0,
        "demand_charge_cny": 0.0, "storage_cost_cny": 0.0, "asset_cost_cny": 95.0, "carbon_cost_cny": 100 * emissions,
        "emissions_tco2": emissions, "emissions_national_method_tco2": emissions,
        "emissions_grid_factor_tco2": 0.22 + 0.128425, "grid_emissions_tco2": 0.22, "import_kwh": 400.0,
        "export_kwh": 50.0, "demand_kwh": 600.0, "renewable_available_kwh": 300.0, "renewable_generation_kwh": 250.0,
        "curtailment_kwh": 50.0, "renewable_share": 200 / 990, "peak_import_kw": 300.0,
        "hydrogen_bought_kg": 1.0, "hydrogen_demand_kg": 4.0, "hydrogen_purchase_cny": 30.0,
        "grey_hydrogen_emissions_tco2": 0.0112, "fuel_cell_hydrogen_kg": 1.0, "gas_m3": 45.0, "gas_cost_cny": 65.0,
        "gas_emissions_tco2": 45 * 0.002165, "chp_power_kwh": 100.0, "heat_purchased_gj": 0.36,
        "heat_purchase_emissions_tco2": 0.0198, "non_fossil_heat_purchased_gj": 0.18,
        "direct_supply_available_kwh": 300.0, "direct_supply_line_kwh": 270.0, "direct_supply_self_kwh": 250.0,
        "direct_supply_export_kwh": 40.0, "direct_supply_reexport_kwh": 20.0, "direct_supply_curtailed_kwh": 10.0,
    }, rel=1e-12)
    assert storage_summary(ds, scenario) == {}


def test_renewable_share_of_a_park_that_uses_no_electricity():
    """Nothing consumed (C = 0): 1 if on-site renewables generated anything (all of it exported, here
    0.5 kWh), else 0; otherwise (R - X) / C, here (300 - 100) / 400."""
    assert renewable_share(0.0, 0.0, 0.5) == 1.0
    assert renewable_share(0.0, 0.0, 0.0) == 0.0
    assert renewable_share(200.0, 400.0, 300.0) == 0.5


def test_kpi_table_and_headline_text():
    """The printed KPI table (value, year to date, target with its sense, verdict) and the one-line
    headline ('!' after a failed KPI only; rows without a target are 'n/a')."""
    rows = {
        "carbon_intensity_tco2_per_tce": {"value": 0.25, "target": 0.2, "kind": "max", "pass": False},
        "clean_energy_share": {"value": 0.85, "year_to_date_value": 0.92, "target": 0.9, "kind": "min", "pass": True},
        "green_electricity_share": {"value": 0.5, "target": None, "kind": "min", "pass": None},
        "curtailment_rate": {"value": 0.01, "target": 0.05, "kind": "max", "pass": True},
    }
    assert kpi_table(rows).splitlines() == [
        "KPI                                  this period  year to date      target  result",
        "carbon_intensity_tco2_per_tce             0.2500             -      <= 0.2  FAIL",
        "clean_energy_share                        0.8500        0.9200      >= 0.9  pass",
        "green_electricity_share                   0.5000             -           -  n/a",
        "curtailment_rate                          0.0100             -     <= 0.05  pass"]
    summary = {"kpis": rows, "status_detail": "optimal", "objective_cny": 1234.5, "emissions_tco2": 1.5,
               "emissions_basis": "national_method"}
    assert headline(summary) == (
        "optimal: objective 1234.50 CNY, emissions 1.500 tCO2 (national_method); carbon intensity (单位能耗碳排放) "
        "0.25 tCO2/tce !, clean-energy share (清洁能源消费占比) 85.0%, green electricity share (绿电占比) 50.0%, "
        "curtailment rate (1 - 新能源利用率) 1.0%")


def test_direct_supply_rows_with_year_to_date_and_when_empty():
    """direct_supply_kpis of a project (available 200 kWh, 180 over the line of which 20 re-exported: own
    160; own export 10, so exported 30), the park consuming 560 kWh, with the year so far A0 = 1000,
    S0 = 700, X0 = 100, C0 = 2000: self 160 / 200 = 0.8, year (700 + 160) / 1200; export 30 / 200 =
    0.15, year 130 / 1200; re-export 20 / 200 = 0.1 (no rule); share of consumption 160 / 560, year
    860 / 2560. A project with nothing available in a park that used nothing, year to date empty:
    self-consumption 1 (nothing was wasted), export 0, share 0."""
    rules = {"self_min_fraction_of_available": 0.6, "export_max_fraction_of_available": 0.2,
             "self_min_fraction_of_load": 0.3}
    ytd = {"available_kwh": 1000, "self_consumed_kwh": 700, "exported_kwh": 100, "park_consumption_kwh": 2000}
    empty = {"available_kwh": 0, "self_consumed_kwh": 0, "exported_kwh": 0, "park_consumption_kwh": 0}
    raw = small_scenario(2, assets=[direct("p1", [100, 100], dict(rules, year_to_date=ytd)),
                                    direct("p2", [0, 0], dict(rules, year_to_date=empty))])
    p1, p2 = scenario_from_dict(raw).assets

    def row(value, target, kind, unit, source):
        return {"value": value, "target": target, "kind": kind}

    flows = {"available_kw": np.array([100.0, 100.0]), "self_kw": np.array([80.0, 100.0]),
             "export_kw": np.array([10.0, 0.0]), "curtailed_kw": np.array([10.0, 0.0]),
             "reexport_kw": np.array([0.0, 20.0])}
    assert direct_supply_kpis(p1, flows, 1.0, 560.0, 2026, row) == {
        "p1_self_consumption_ratio": {"value": 0.8, "target": 0.6, "kind": "min",
                                      "year_to_date_value": pytest.approx(860 / 1200)},
        "p1_export_ratio": {"value": 0.15, "target": 0.2, "kind": "max", "year_to_date_value": pytest.approx(130 / 1200)},
        "p1_reexport_ratio": {"value": 0.1, "target": None, "kind": "max"},
        "p1_share_of_consumption": {"value": pytest.approx(160 / 560), "target": 0.3, "kind": "min",
                                    "year_to_date_value": pytest.approx(860 / 2560)}}
    zeros = {name: np.zeros(2) for name in flows}
    out = direct_supply_kpis(p2, zeros, 1.0, 0.0, 2026, row)
    assert {name: (r["value"], r["year_to_date_value"]) for name, r in out.items() if "year_to_date_value" in r} == {
        "p2_self_consumption_ratio": (1.0, 1.0), "p2_export_ratio": (0.0, 0.0), "p2_share_of_consumption": (0.0, 0.0)}


@pytest.mark.parametrize("step_minutes", [60, 15])
@pytest.mark.parametrize("grey_hydrogen", [False, True])
def test_model_share_forms_equal_the_reported_shares(grey_hydrogen, step_minutes):
    """The targets constrain what the accounting reports: every (N, D) form of
    :func:`optimiser.targets.share_forms`, evaluated at the optimum, equals :func:`share_terms` of the result.
    1 h (1 or 4 steps): load 100 kW, PV 200 kW exported beyond use at 0.1 CNY/kWh, heat 80 kW_th from
    a fuel cell on 3 kg of free stored hydrogen (green without grey hydrogen), a gas boiler (gas at
    1.5 kgce/m3 by accounting override), free non-fossil heat and an electric boiler; certificates
    against a soft green-share target; with grey hydrogen, a demand of 5 kg/h the tank cannot cover,
    bought at the override 5 kgce/kg. Any optimum will do."""
    assets = [
        {"name": "load", "kind": "demand", "demand_kw": 100},
        {"name": "pv", "kind": "pv", "available_kw": 200},
        {"name": "heat_load", "kind": "heat_demand", "demand_kw_th": 80},
        {"name": "fc", "kind": "fuel_cell", "power_kw": 50, "electrical_efficiency": 0.5,
         "heat_recovery_efficiency": 0.3},
        {"name": "tank", "kind": "hydrogen_storage", "capacity_kg": 3, "initial_level_fraction": 1.0,
         "end_rule": "free"},
        {"name": "gb", "kind": "gas_boiler", "efficiency": 1.0, "lhv_kwh_per_m3": 10.0, "gas_price_cny_per_m3": 0.5,
         "capacity_kw_th": 30},
        {"name": "waste", "kind": "heat_purchase", "capacity_kw_th": 20, "fossil": False},
        {"name": "eboiler", "kind": "electric_boiler", "capacity_kw_th": 100, "efficiency": 1.0},
    ]
    if grey_hydrogen:
        assets.append({"name": "h2", "kind": "hydrogen_demand", "demand_kg_per_h": 5.0, "grey_purchase_cny_per_kg": 1.0})
    raw = small_scenario(60 // step_minutes, step_minutes, tariff={"import_cny_per_kwh": 2.0, "export_cny_per_kwh": 0.1},
                         grid={"import_limit_kw": 1000, "export_limit_kw": 1000, "emission_factor_tco2_per_mwh": 0.5},
                         assets=assets,
                         accounting={"gas_kgce_per_m3": 1.5, "hydrogen_kgce_per_kg": 5.0},
                         targets={"green_electricity_share_min": {"value": 0.9, "penalty_cny_per_kwh": 1.0},
                                  "green_purchases": [{"name": "gec", "kind": "certificate", "price_cny_per_mwh": 10,
                                                       "max_mwh": 1}]})
    scenario = scenario_from_dict(raw)
    dispatch = Dispatch(scenario)
    result = solve_checked(dispatch)
    terms = share_terms(energy_totals(result.dataset, scenario), scenario)
    forms = share_forms(dispatch.model, dispatch.ctx, scenario)
    totals = energy_totals(result.dataset, scenario)
    assert totals["gas_m3"] > 0 and totals["non_fossil_heat_purchased_gj"] > 0 and totals["export_kwh"] > 0
    assert totals["fuel_cell_kwh"] > 0 or grey_hydrogen  # with grey hydrogen the tank serves the demand
    assert totals["hydrogen_bought_kg"] >= 2.0 - 1e-6 if grey_hydrogen else totals["hydrogen_bought_kg"] == 0.0
    for name, (numerator, denominator) in terms.items():
        n_form, d_form = forms[name]
        assert (pyo.value(n_form.expr()), pyo.value(d_form.expr())) == (
            pytest.approx(numerator, rel=1e-9, abs=1e-6), pytest.approx(denominator, rel=1e-9, abs=1e-6)), name
