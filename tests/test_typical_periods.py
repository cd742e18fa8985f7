"""Typical periods (``horizon.typical_periods``): hand-solved short "years" of a few distinct days.

Every case is also solved over the full calendar (no typical periods) by the same code: where
the typical days are exact (K = the number of distinct days), both optima must be equal.
"""

from __future__ import annotations

import numpy as np
import pytest

from builders import small_scenario
from optimiser.errors import ScenarioError
from optimiser.flows import asset_flows
from optimiser.run import optimise
from optimiser.scenario import scenario_from_dict


def days(pattern: list[list[float]], step_minutes: int) -> list[float]:
    """Hourly values per day, repeated to the step: one list per calendar day."""
    per_hour = 60 // step_minutes
    return [v for day in pattern for v in np.repeat(day, per_hour).tolist()]


def store(**overrides) -> dict:
    spec = {"name": "store", "kind": "battery", "power_kw": 100, "energy_kwh": 3000, "charge_efficiency": 1.0,
            "discharge_efficiency": 1.0, "min_soc_fraction": 0.0, "max_soc_fraction": 1.0,
            "initial_soc_fraction": 0.0, "end_rule": "equal_initial", "self_discharge_per_hour": 0.0,
            "cycle_cost_cny_per_kwh": 0.0}
    spec.update(overrides)
    return spec


def scenario(n_days: int, step_minutes: int, assets: list, typical: dict | None = None, **sections):
    steps = n_days * 24 * 60 // step_minutes
    raw = small_scenario(steps, step_minutes, assets=assets, **sections)
    raw["horizon"]["start"] = "2026-01-01T00:00:00+08:00"
    if typical is not None:
        raw["horizon"]["typical_periods"] = typical
    return scenario_from_dict(raw)


ARBITRAGE_PRICES = [0.3] * 12 + [1.0] * 12


@pytest.mark.parametrize("step_minutes", [15, 60])
def test_identical_days_one_typical_day_is_the_full_year_optimum(step_minutes):
    """Five identical days: 100 kW demand, 0.3 CNY/kWh for hours 0-11, 1.0 for 12-23; a lossless
    50 kW / 200 kWh battery (cyclic). Each day it fills 200 kWh in the cheap hours and returns them
    in the dear ones: 100 x 12 x 0.3 + 100 x 12 x 1.0 - 200 x (1.0 - 0.3) = 360 + 1200 - 140 = 1420 CNY
    a day, 7100 CNY for five. K = 1 (seasonal or short-term) gives exactly the full-calendar optimum."""
    n = 5
    prices = days([ARBITRAGE_PRICES] * n, step_minutes)
    assets = [{"name": "load", "kind": "demand", "demand_kw": 100},
              store(power_kw=50, energy_kwh=200, end_rule="cyclic")]
    tariff = {"import_cny_per_kwh": prices, "export_cny_per_kwh": 0.0}
    full = optimise(scenario(n, step_minutes, assets, tariff=tariff))
    assert full.summary["objective_cny"] == pytest.approx(7100.0, rel=1e-9)
    for short_term in ([], ["store"]):
        r = optimise(scenario(n, step_minutes, assets, {"days": 1, "short_term_stores": short_term}, tariff=tariff))
        assert r.summary["objective_cny"] == pytest.approx(full.summary["objective_cny"], rel=1e-9)
        assert r.summary["typical_periods"]["days"] == 1
        assert r.summary["typical_periods"]["occurrences"] == [n]
        assert r.summary["typical_periods"]["method"] == "hierarchical"
        assert r.dataset.sizes["time"] == n * 24 * 60 // step_minutes
        assert r.summary["import_kwh"] == pytest.approx(full.summary["import_kwh"], rel=1e-9)


def seasonal_case(step_minutes: int, typical: dict | None, **store_overrides):
    """Two sunny days then two dark ones: 100 kW demand; PV 200 kW all day on sunny days, none on dark
    ones; import 1.0 CNY/kWh, no export; a lossless 100 kW / 3000 kWh store, empty at the start and the end."""
    pv = days([[200.0] * 24] * 2 + [[0.0] * 24] * 2, step_minutes)
    assets = [{"name": "load", "kind": "demand", "demand_kw": 100},
              {"name": "pv", "kind": "pv", "available_kw": pv}, store(**store_overrides)]
    return scenario(4, step_minutes, assets, typical, tariff={"import_cny_per_kwh": 1.0, "export_cny_per_kwh": 0.0})


@pytest.mark.parametrize("step_minutes", [15, 60])
def test_seasonal_store_carries_energy_between_typical_days(step_minutes):
    """The sunny days leave 100 kW x 48 h = 4800 kWh of surplus; the store keeps 3000 kWh of it (its
    capacity), full at the end of the second sunny day, and gives it back on the dark days, which
    need 4800 kWh: import 4800 - 3000 = 1800 kWh, 1800 CNY. Two typical days (sunny, dark) are exact:
    the linked store reaches exactly the full-calendar optimum. Without inter-period state (a
    short-term store, the same level every midnight) nothing crosses midnight: 4800 CNY."""
    full = optimise(seasonal_case(step_minutes, None))
    assert full.summary["objective_cny"] == pytest.approx(1800.0, rel=1e-9)
    linked = optimise(seasonal_case(step_minutes, {"days": 2}))
    assert linked.summary["objective_cny"] == pytest.approx(1800.0, rel=1e-9)
    assert linked.summary["typical_periods"]["order"] == [0, 0, 1, 1] or (
        linked.summary["typical_periods"]["order"] == [1, 1, 0, 0])
    assert linked.summary["typical_periods"]["seasonal_stores"] == ["store"]
    level = asset_flows(linked.dataset, "store")["soc_kwh"]
    per_day = 24 * 60 // step_minutes
    assert level.max() == pytest.approx(3000.0, abs=1e-6)  # full, never above, at every step of the calendar
    assert level.min() >= -1e-6
    assert level[2 * per_day - 1] == pytest.approx(3000.0, abs=1e-6)
    assert level[-1] == pytest.approx(0.0, abs=1e-6)
    daily = optimise(seasonal_case(step_minutes, {"days": 2, "short_term_stores": ["store"]}))
    assert daily.summary["objective_cny"] == pytest.approx(4800.0, rel=1e-9)
    assert daily.summary["typical_periods"]["short_term_stores"] == ["store"]


@pytest.mark.parametrize("step_minutes", [15, 60])
def test_reconstructed_level_keeps_its_bounds_at_every_hour(step_minutes):
    """The capacity binds inside a day, not at midnight. Two sunny days (PV 300 kW in hours 6-17,
    none at night) then two dark ones; 100 kW demand; import 1.0 CNY/kWh, no export; a lossless
    100 kW / 1500 kWh store, empty at start and end. Total demand 9600 kWh, PV used directly 2400.

    Typical days (sunny, dark) give both sunny days one schedule: no morning discharge (the first
    starts empty), charge c in hours 6-17, discharge y <= 600 in hours 18-23. The level peaks at
    18:00 of the second sunny day at 2c - y <= 1500, so 2c <= 2100: 2100 kWh shifted, import
    9600 - 2400 - 2100 = 5100 CNY, the level exactly 1500 at that hour. A linking that bounded
    only the midnight (inter-period) level would allow c = 1200, y = 0 (import 4800, level 2400 at
    that hour: 1.6 x the capacity). The full calendar reaches 4800 legitimately (the two sunny
    days dispatched differently: morning discharge on day 2), a restriction typical days impose."""
    sunny = [0.0] * 6 + [300.0] * 12 + [0.0] * 6
    pv = days([sunny] * 2 + [[0.0] * 24] * 2, step_minutes)
    assets = [{"name": "load", "kind": "demand", "demand_kw": 100},
              {"name": "pv", "kind": "pv", "available_kw": pv}, store(energy_kwh=1500)]
    tariff = {"import_cny_per_kwh": 1.0, "export_cny_per_kwh": 0.0}
    full = optimise(scenario(4, step_minutes, assets, tariff=tariff))
    assert full.summary["objective_cny"] == pytest.approx(4800.0, rel=1e-9)
    typical = optimise(scenario(4, step_minutes, assets, {"days": 2}, tariff=tariff))
    assert typical.summary["objective_cny"] == pytest.approx(5100.0, rel=1e-9)
    level = asset_flows(typical.dataset, "store")["soc_kwh"]
    per_day, per_hour = 24 * 60 // step_minutes, 60 // step_minutes
    assert level.max() == pytest.approx(1500.0, abs=1e-6)
    assert level[per_day + 18 * per_hour - 1] == pytest.approx(1500.0, abs=1e-6)  # end of hour 17, day 2
    assert level.min() >= -1e-6


@pytest.mark.parametrize("step_minutes", [15, 60])
def test_annual_share_target_and_emissions_hold_on_the_weighted_year(step_minutes):
    """Days A, A, A, B: 100 kW demand, PV 50 kW all day on A days, none on B; import 1.0 CNY/kWh;
    green certificates at 10 CNY/MWh; green-electricity share at least 0.6 over the year.
    Consumption 4 x 2400 = 9600 kWh, PV 3 x 1200 = 3600: 0.6 x 9600 - 3600 = 2160 kWh of
    certificates, 21.6 CNY; import 9600 - 3600 = 6000 CNY; total 6021.6 CNY. National-method
    emissions (6000 - 2160) x 0.8325 / 1000 = 3.1968 tCO2. Two typical days (A weighted 3, B 1)
    reproduce the year exactly; unweighted they would see a 4800 kWh year."""
    pv = days([[50.0] * 24] * 3 + [[0.0] * 24], step_minutes)
    assets = [{"name": "load", "kind": "demand", "demand_kw": 100}, {"name": "pv", "kind": "pv", "available_kw": pv}]
    sections = {"tariff": {"import_cny_per_kwh": 1.0, "export_cny_per_kwh": 0.0},
                "targets": {"green_electricity_share_min": 0.6,
                            "green_purchases": [{"name": "gec", "kind": "certificate", "price_cny_per_mwh": 10,
                                                 "max_mwh": 100}]}}
    full = optimise(scenario(4, step_minutes, assets, **sections))
    typical = optimise(scenario(4, step_minutes, assets, {"days": 2}, **sections))
    for r in (full, typical):
        assert r.summary["objective_cny"] == pytest.approx(6021.6, rel=1e-9)
        assert r.summary["emissions_tco2"] == pytest.approx(3.1968, rel=1e-9)
    assert sorted(typical.summary["typical_periods"]["occurrences"]) == [1, 3]


@pytest.mark.parametrize(("change", "message"), [
    ({"assets": [{"name": "load", "kind": "demand", "demand_kw": 100},
                 {"name": "ely", "kind": "electrolyser", "power_kw": 100, "min_load_fraction": 0.2,
                  "start_cost_cny": 50},
                 {"name": "h2", "kind": "hydrogen_demand", "demand_kg_per_h": 1.0, "grey_purchase_cny_per_kg": 30}]},
     r"assets \(ely\): start_cost_cny / min_up_hours / min_down_hours link steps across midnight"),
    ({"assets": [{"name": "load", "kind": "demand", "demand_kw": 100},
                 {"name": "dc", "kind": "shiftable_load", "baseline_kw": 10, "daily_windows": ["22:00-06:00"],
                  "max_shift_up_kw": 5, "max_shift_down_kw": 5}]},
     r"assets \(dc\): a daily window wraps past midnight"),
    ({"typical": {"days": 2, "short_term_stores": ["load"]}}, r"short_term_stores: 'load' is not a store"),
    ({"typical": {"days": 5}}, r"typical_periods.days 5 is more than the horizon's 4 days"),
    ({"steps": 4 * 24 - 1}, r"horizon.steps 95 is not a whole number of days of 24 steps"),
])
def test_what_typical_days_cannot_represent_is_refused_before_any_solve(change, message):
    raw = small_scenario(change.get("steps", 96), 60, assets=change.get(
        "assets", [{"name": "load", "kind": "demand", "demand_kw": 100}]))
    raw["horizon"]["start"] = "2026-01-01T00:00:00+08:00"
    raw["horizon"]["typical_periods"] = change.get("typical", {"days": 2})
    with pytest.raises(ScenarioError, match=message):
        scenario_from_dict(raw)


@pytest.mark.parametrize("step_minutes", [15, 60])
def test_a_lossy_seasonal_store_is_reconstructed_with_its_decay(step_minutes):
    """The sunny/dark case with a store losing 1 %/h: the inter-period level decays by 0.99^24 a
    day and within a day by 0.99^(t+1). The independent check recomputes the continuity at every
    step of the calendar from the reconstructed levels, across midnights (a wrong decay fails it);
    losses make carrying dearer than the lossless 1800 CNY and keep it below the 4800 CNY of no
    carrying (the optimum with losses is not hand-solved here)."""
    r = optimise(seasonal_case(step_minutes, {"days": 2}, self_discharge_per_hour=0.01))
    assert 1800.0 + 1.0 < r.summary["objective_cny"] < 4800.0 - 1.0
    level = asset_flows(r.dataset, "store")["soc_kwh"]
    assert level.max() <= 3000.0 + 1e-6 and level.min() >= -1e-6


@pytest.mark.parametrize("step_minutes", [15, 60])
def test_direct_supply_load_rule_holds_on_the_weighted_year(step_minutes):
    """Days A, A, A, B: 100 kW demand; a direct-supply project offers 200 kW all day on A days, nothing
    on B, at 1.2 CNY/kWh against 1.0 from the grid, and must cover at least 0.3 of the park's
    consumption over the year. Consumption 4 x 2400 = 9600 kWh: 0.3 x 9600 = 2880 kWh direct
    (3456 CNY, all on A days), 6720 kWh imported: 10176 CNY. Two typical days (A weighted 3, B 1)
    reproduce it; unweighted, the rule would see neither the year's consumption nor its supply."""
    direct = days([[200.0] * 24] * 3 + [[0.0] * 24], step_minutes)
    assets = [{"name": "load", "kind": "demand", "demand_kw": 100},
              {"name": "dsp", "kind": "direct_supply", "line_limit_kw": 1000, "energy_price_cny_per_kwh": 1.2,
               "plants": [{"name": "dsp_pv", "technology": "pv", "available_kw": direct}],
               "rules": {"self_min_fraction_of_available": None, "export_max_fraction_of_available": None,
                         "self_min_fraction_of_load": 0.3}}]
    sections = {"tariff": {"import_cny_per_kwh": 1.0, "export_cny_per_kwh": 0.0}}
    full = optimise(scenario(4, step_minutes, assets, **sections))
    typical = optimise(scenario(4, step_minutes, assets, {"days": 2}, **sections))
    for r in (full, typical):
        assert r.summary["objective_cny"] == pytest.approx(10176.0, rel=1e-9)
        assert r.summary["direct_supply_self_kwh"] == pytest.approx(2880.0, rel=1e-9)
    assert sorted(typical.summary["typical_periods"]["occurrences"]) == [1, 3]


@pytest.mark.parametrize("step_minutes", [15, 60])
def test_direct_supply_export_rule_holds_on_the_weighted_year(step_minutes):
    """Days A, A, A, B: 100 kW demand; a free direct-supply project offers 200 kW all day on A days,
    nothing on B; its own connection pays 0.5 CNY/kWh but may carry at most 0.2 of the year's available
    energy: 0.2 x 3 x 4800 = 2880 kWh of the 7200 left over (the rest curtailed). Import only on B:
    2400 CNY. Objective 2400 - 0.5 x 2880 = 960 CNY, with two typical days as over the calendar."""
    direct = days([[200.0] * 24] * 3 + [[0.0] * 24], step_minutes)
    assets = [{"name": "load", "kind": "demand", "demand_kw": 100},
              {"name": "dsp", "kind": "direct_supply", "line_limit_kw": 1000, "export_limit_kw": 1000,
               "export_cny_per_kwh": 0.5, "plants": [{"name": "dsp_pv", "technology": "pv", "available_kw": direct}],
               "rules": {"self_min_fraction_of_available": None, "self_min_fraction_of_load": None,
                         "export_max_fraction_of_available": 0.2}}]
    sections = {"tariff": {"import_cny_per_kwh": 1.0, "export_cny_per_kwh": 0.0}}
    full = optimise(scenario(4, step_minutes, assets, **sections))
    typical = optimise(scenario(4, step_minutes, assets, {"days": 2}, **sections))
    for r in (full, typical):
        assert r.summary["objective_cny"] == pytest.approx(960.0, rel=1e-9)
        assert r.summary["direct_supply_export_kwh"] == pytest.approx(2880.0, rel=1e-9)


@pytest.mark.parametrize("step_minutes", [15, 60])
def test_carbon_price_on_the_weighted_year(step_minutes):
    """The annual-share case above with a grid factor of 0.5 tCO2/MWh and 10 CNY/tCO2 on the national
    basis: the year's 3.1968 tCO2 cost 31.968 CNY (a certificate at 10 CNY/MWh saves only 8.325, so
    no more are bought): 6053.568 CNY, with two typical days as over the calendar."""
    pv = days([[50.0] * 24] * 3 + [[0.0] * 24], step_minutes)
    assets = [{"name": "load", "kind": "demand", "demand_kw": 100}, {"name": "pv", "kind": "pv", "available_kw": pv}]
    sections = {"tariff": {"import_cny_per_kwh": 1.0, "export_cny_per_kwh": 0.0},
                "grid": {"import_limit_kw": 10_000, "export_limit_kw": 0, "emission_factor_tco2_per_mwh": 0.5},
                "objective": {"carbon_price_cny_per_tco2": 10.0},
                "targets": {"green_electricity_share_min": 0.6,
                            "green_purchases": [{"name": "gec", "kind": "certificate", "price_cny_per_mwh": 10,
                                                 "max_mwh": 100}]}}
    for typical in (None, {"days": 2}):
        r = optimise(scenario(4, step_minutes, assets, typical, **sections))
        assert r.summary["objective_cny"] == pytest.approx(6053.568, rel=1e-9)


@pytest.mark.parametrize("step_minutes", [15, 60])
def test_green_share_with_export_on_the_weighted_year(step_minutes):
    """Days A, A, A, B: 100 kW demand, PV 150 kW all day on A days (the 50 kW surplus exported at
    0.1 CNY/kWh), none on B; import 1.0 CNY/kWh; green share at least 0.8 with certificates at
    10 CNY/MWh. Year: R = 10800, X = 3600, I = 2400 kWh, C = I - X + R = 9600; green R - X = 7200:
    0.8 x 9600 - 7200 = 480 kWh of certificates (4.8 CNY). Objective 2400 - 360 + 4.8 = 2044.8 CNY,
    with two typical days as over the calendar (the export weighted 3 like its day)."""
    pv = days([[150.0] * 24] * 3 + [[0.0] * 24], step_minutes)
    assets = [{"name": "load", "kind": "demand", "demand_kw": 100}, {"name": "pv", "kind": "pv", "available_kw": pv}]
    sections = {"tariff": {"import_cny_per_kwh": 1.0, "export_cny_per_kwh": 0.1},
                "grid": {"import_limit_kw": 10_000, "export_limit_kw": 1000, "emission_factor_tco2_per_mwh": 0.0},
                "targets": {"green_electricity_share_min": 0.8,
                            "green_purchases": [{"name": "gec", "kind": "certificate", "price_cny_per_mwh": 10,
                                                 "max_mwh": 100}]}}
    for typical in (None, {"days": 2}):
        r = optimise(scenario(4, step_minutes, assets, typical, **sections))
        assert r.summary["objective_cny"] == pytest.approx(2044.8, rel=1e-9)
        assert r.summary["green_purchased_kwh"] == pytest.approx(480.0, rel=1e-9)


@pytest.mark.parametrize("step_minutes", [15, 60])
def test_model_share_forms_are_the_weighted_year_on_typical_days(step_minutes):
    """Every (N, D) form of :func:`optimiser.targets.share_forms` on two typical days (A weighted 3, B 1)
    equals :func:`share_terms` of the year the result expands to: the on-site fuel generation, fuel-cell
    and non-fossil heat terms are weighted like their days. Days A, A, A, B: 100 kW load; PV 300 kW on A
    days, none on B (surplus exported at 0.1 CNY/kWh); 80 kW_th of heat from at most 20 kW_th of free
    non-fossil heat, a 40 kW_th gas boiler and a 50 kW fuel cell (30 % heat recovery, so at most 30 kW_th)
    fed by a 200 kW electrolyser: the fuel cell gives at least 20 kW_th and the non-fossil heat at least
    10 kW_th at every step of every day, A days included. Any optimum will do."""
    from optimiser.accounting import energy_totals, share_terms
    from optimiser.lazy import pyo
    from optimiser.planning.typical import aggregate, on_calendar
    from optimiser.run import Dispatch
    from optimiser.targets import share_forms

    pv = days([[300.0] * 24] * 3 + [[0.0] * 24], step_minutes)
    assets = [{"name": "load", "kind": "demand", "demand_kw": 100}, {"name": "pv", "kind": "pv", "available_kw": pv},
              {"name": "heat_load", "kind": "heat_demand", "demand_kw_th": 80},
              {"name": "waste", "kind": "heat_purchase", "capacity_kw_th": 20, "fossil": False},
              {"name": "gb", "kind": "gas_boiler", "efficiency": 1.0, "lhv_kwh_per_m3": 10.0,
               "gas_price_cny_per_m3": 0.5, "capacity_kw_th": 40},
              {"name": "fc", "kind": "fuel_cell", "power_kw": 50, "electrical_efficiency": 0.5,
               "heat_recovery_efficiency": 0.3},
              {"name": "ely", "kind": "electrolyser", "power_kw": 200, "kwh_per_kg": 50}]
    sections = {"tariff": {"import_cny_per_kwh": 1.0, "export_cny_per_kwh": 0.1},
                "grid": {"import_limit_kw": 10_000, "export_limit_kw": 1000, "emission_factor_tco2_per_mwh": 0.5},
                "targets": {"green_electricity_share_min": {"value": 0.9, "penalty_cny_per_kwh": 1.0},
                            "green_purchases": [{"name": "gec", "kind": "certificate", "price_cny_per_mwh": 10,
                                                 "max_mwh": 1}]}}
    typical, calendar, aggregation = aggregate(scenario(4, step_minutes, assets, {"days": 2}, **sections))
    assert sorted(aggregation.occurrences.tolist()) == [1, 3]
    dispatch = Dispatch(typical)
    result = on_calendar(dispatch.solve(60.0, 1e-9), dispatch, typical, calendar, aggregation)
    totals = energy_totals(result.dataset, calendar)
    a_days = slice(0, 3 * 24 * 60 // step_minutes)
    for name in ("fc_heat_kw_th", "waste_heat_kw_th"):
        assert float(result.dataset[name][a_days].min()) >= 10.0 - 1e-6, name
    assert totals["fuel_cell_kwh"] > 0 and totals["non_fossil_heat_purchased_gj"] > 0 and totals["export_kwh"] > 0
    forms = share_forms(dispatch.model, dispatch.ctx, typical)
    for name, (numerator, denominator) in share_terms(totals, calendar).items():
        n_form, d_form = forms[name]
        assert (pyo.value(n_form.expr()), pyo.value(d_form.expr())) == (
            pytest.approx(numerator, rel=1e-9, abs=1e-6), pytest.approx(denominator, rel=1e-9, abs=1e-6)), name
