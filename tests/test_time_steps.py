"""The same physical case at 60- and 15-minute steps gives the same optimum and KPIs.

Bugs that only show at 15 minutes (a price, an emission, an energy or a flow limit
missing its Δt, a time-of-use price averaged over 60 minutes instead of the step) are
invisible at hourly steps, so every case here runs at both. Each docstring gives the
hand-worked figures; every optimum also passes the independent check (``optimise``
raises otherwise).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from builders import small_scenario

from optimiser.results import asset_flows
from optimiser.run import optimise
from optimiser.scenario import scenario_from_dict
from optimiser.tariff import TimeOfUse

STEPS = pytest.mark.parametrize("step_minutes", [60, 15])

PRICES = {"critical_peak": 1.2, "peak": 1.0, "flat": 0.6, "valley": 0.3, "deep_valley": 0.2}
SEASONS = [
    {"months": [3, 4, 5], "periods": {"flat": ["00:00-22:30"], "valley": ["22:30-24:00"]}},
    {"months": [6, 7, 8], "periods": {"valley": ["00:00-01:30"], "peak": ["01:30-24:00"]}},
    {"months": [9, 10, 11], "periods": {"deep_valley": ["00:00-06:00"], "critical_peak": ["06:00-24:00"]}},
    {"months": [12, 1, 2], "periods": {"flat": ["00:00-24:00"]}},
]
"""Four seasons; spring's valley starts at 22:30 and summer's ends at 01:30 (inside an hour)."""


def per_step(hourly: list[float], step_minutes: int) -> list[float]:
    """An hourly series at the run's step length (each hour's value repeated)."""
    return [float(v) for v in np.repeat(hourly, 60 // step_minutes)]


def scenario(step_minutes: int, hours: int, start: str = "2026-07-15T00:00:00+08:00", **sections):
    raw = small_scenario(hours * 60 // step_minutes, step_minutes, **sections)
    raw["horizon"]["start"] = start
    return scenario_from_dict(raw)


@STEPS
def test_time_of_use_across_seasons_and_a_half_hour_boundary(step_minutes):
    """31 May 22:00 to 1 June 03:00 (+08:00): the spring and summer seasons, boundaries at 22:30 and 01:30.

    Hourly mean prices [CNY/kWh]: 22:00 (0.6 + 0.3) / 2 = 0.45, 23:00 0.3 (spring valley),
    00:00 0.3 (summer valley), 01:00 (0.3 + 1.0) / 2 = 0.65, 02:00 1.0 (summer peak). At 15
    minutes the quarters are 0.6 0.6 0.3 0.3 | 0.3 x 8 | 0.3 0.3 1 1 | 1 x 4, the same energy cost.
    Load 100 kW: 100 x (0.45 + 0.3 + 0.3 + 0.65 + 1.0) = 270 CNY.
    A 50 kW / 50 kWh battery (charge 100 %, discharge 90 %, empty at the start, free end)
    fills at 0.3 (50 kWh, 15 CNY) and returns 45 kWh at 1.0 (saves 45 CNY): the 60-minute
    step at 01:00 (mean 0.65) and the 15-minute quarters 01:30-02:00 (1.0) are worth no more
    than 02:00. Optimum 270 + 15 - 45 = 240 CNY; import 500 + 50 - 45 = 505 kWh; at
    0.5 tCO2/MWh 0.2525 tCO2.
    """
    s = scenario(step_minutes, 5, start="2026-05-31T22:00:00+08:00",
                 tariff={"time_of_use": {"prices_cny_per_kwh": PRICES, "seasons": SEASONS}, "export_cny_per_kwh": 0},
                 grid={"import_limit_kw": 1000, "export_limit_kw": 0, "emission_factor_tco2_per_mwh": 0.5},
                 assets=[{"name": "load", "kind": "demand", "demand_kw": 100},
                         {"name": "lfp", "kind": "battery", "power_kw": 50, "energy_kwh": 50,
                          "charge_efficiency": 1.0, "discharge_efficiency": 0.9, "min_soc_fraction": 0.0,
                          "max_soc_fraction": 1.0, "initial_soc_fraction": 0.0, "end_rule": "free",
                          "self_discharge_per_hour": 0.0, "cycle_cost_cny_per_kwh": 0.0}],
                 objective={"emissions_basis": "grid_factor"})  # the hand-worked 0.5 tCO2/MWh
    expected_prices = {60: [0.45, 0.3, 0.3, 0.65, 1.0],
                       15: [0.6, 0.6, 0.3, 0.3] + [0.3] * 8 + [0.3, 0.3, 1.0, 1.0] + [1.0] * 4}[step_minutes]
    np.testing.assert_allclose(s.import_prices(), expected_prices, rtol=1e-12)
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(240.0, abs=1e-6)
    assert r.summary["energy_cost_cny"] == pytest.approx(240.0, abs=1e-6)
    assert r.summary["import_kwh"] == pytest.approx(505.0, abs=1e-6)
    assert r.summary["demand_kwh"] == pytest.approx(500.0, abs=1e-6)
    assert r.summary["emissions_tco2"] == pytest.approx(0.2525, abs=1e-9)
    # 50 kWh charged, 45 delivered (efficiency 0.9), 45 / 50 = 0.9 full cycles, empty at the end
    assert r.summary["storage"] == {"lfp": pytest.approx({"charge_kwh": 50.0, "discharge_kwh": 45.0,
                                                          "equivalent_full_cycles": 0.9, "final_soc_kwh": 0.0},
                                                         abs=1e-6)}
    assert r.summary["accounting"]["import_kwh"] == pytest.approx(505.0, abs=1e-6)
    assert r.summary["accounting"]["electricity_consumed_kwh"] == pytest.approx(505.0, abs=1e-6)


@pytest.mark.parametrize(("local_start", "hours", "expected"), [
    # 31 May 23:00 spring valley; 1 June 00:00 summer valley, 01:00 half valley half peak
    ("2026-05-31T23:00:00+08:00", 3, [0.3, 0.3, 0.65]),
    # 31 August 23:00 summer peak; 1 September deep valley
    ("2026-08-31T23:00:00+08:00", 2, [1.0, 0.2]),
    # 30 September 23:00 autumn critical peak; 1 October 00:00 autumn deep valley
    ("2026-09-30T23:00:00+08:00", 2, [1.2, 0.2]),
    # 30 November 23:00 critical peak; 1 December winter flat
    ("2026-11-30T23:00:00+08:00", 2, [1.2, 0.6]),
    # 28 February 23:00 winter flat; 1 March 00:00-22:00 spring flat, 22:00 half flat half valley
    ("2026-02-28T23:00:00+08:00", 24, [0.6] * 23 + [0.45]),
])
@STEPS
def test_every_month_is_in_its_season(local_start, hours, expected, step_minutes):
    """Season boundaries (May/June, August/September, September/October, November/December,
    February/March) priced from :data:`SEASONS`: a month placed in its neighbour's season
    changes a price."""
    tou = TimeOfUse.model_validate({"prices_cny_per_kwh": PRICES, "seasons": SEASONS})
    index = pd.date_range(local_start, periods=hours * 60 // step_minutes, freq=f"{step_minutes}min")
    prices = tou.prices(index, step_minutes)
    hourly = prices.reshape(hours, 60 // step_minutes).mean(axis=1)
    np.testing.assert_allclose(hourly, expected, rtol=1e-12)


def test_june_and_september_mid_month():
    """June is summer (peak 1.0 at noon), September autumn (critical peak 1.2), May spring (flat 0.6),
    December winter (flat 0.6): one noon hour in each month of the year."""
    tou = TimeOfUse.model_validate({"prices_cny_per_kwh": PRICES, "seasons": SEASONS})
    noon = pd.DatetimeIndex([pd.Timestamp(2026, m, 15, 12, tz="Asia/Shanghai") for m in range(1, 13)])
    expected = [0.6, 0.6, 0.6, 0.6, 0.6, 1.0, 1.0, 1.0, 1.2, 1.2, 1.2, 0.6]
    np.testing.assert_allclose(tou.prices(noon, 60), expected, rtol=1e-12)
    np.testing.assert_allclose(tou.prices(noon, 15), expected, rtol=1e-12)


@STEPS
def test_emissions_cap_at_both_step_lengths(step_minutes):
    """Load 100 kW for 2 h, import 0.5 CNY/kWh at 0.6 tCO2/MWh, load shedding at 2 CNY/kWh, cap 0.09 tCO2.

    The cap allows 0.09 / 0.6 x 1000 = 150 kWh of import; the other 50 kWh are shed:
    150 x 0.5 + 50 x 2 = 175 CNY, emissions exactly 0.09 tCO2.
    """
    s = scenario(step_minutes, 2, grid={"import_limit_kw": 1000, "export_limit_kw": 0,
                                        "emission_factor_tco2_per_mwh": 0.6},
                 objective={"emissions_max_tco2": 0.09, "emissions_basis": "grid_factor"},
                 assets=[{"name": "load", "kind": "curtailable_load", "baseline_kw": 100,
                          "curtail_cost_cny_per_kwh": 2.0}])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(175.0, abs=1e-6)
    assert r.summary["emissions_tco2"] == pytest.approx(0.09, abs=1e-9)
    assert r.summary["import_kwh"] == pytest.approx(150.0, abs=1e-6)
    assert r.summary["load_curtailed_kwh"] == pytest.approx(50.0, abs=1e-6)


@STEPS
def test_hydrogen_tank_default_flow_limit_empties_it_in_one_step(step_minutes):
    """A full 10 kg tank without flow limits may empty in one step: the default limit is
    capacity / Δt (10 kg/h at 60 min, 40 kg/h at 15 min).

    Demand: 10 kg in the first step (10 kg/h for 1 h, or 40 kg/h for 15 min), none after;
    grey hydrogen costs 5 CNY/kg. The tank covers it all: optimum 0 CNY, nothing bought.
    """
    first = {60: [10.0, 0.0], 15: [40.0] + [0.0] * 7}[step_minutes]
    s = scenario(step_minutes, 2, assets=[
        {"name": "h2", "kind": "hydrogen_demand", "demand_kg_per_h": first, "grey_purchase_cny_per_kg": 5.0},
        {"name": "tank", "kind": "hydrogen_storage", "capacity_kg": 10, "initial_level_fraction": 1.0,
         "end_rule": "free"}])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(0.0, abs=1e-6)
    assert r.summary["hydrogen_bought_kg"] == pytest.approx(0.0, abs=1e-6)
    assert r.summary["hydrogen_demand_kg"] == pytest.approx(10.0, abs=1e-6)
    assert asset_flows(r.dataset, "tank")["level_kg"][0] == pytest.approx(0.0, abs=1e-6)


@STEPS
def test_hydrogen_tank_cannot_go_below_its_floor(step_minutes):
    """A 10 kg tank, full, floor 20 % (2 kg), fast withdrawal (100 kg/h): 12 kg demanded in the first
    hour (12 kg/h) take 8 kg from the tank and 4 kg of grey hydrogen at 5 CNY/kg: 20 CNY."""
    s = scenario(step_minutes, 1, assets=[
        {"name": "h2", "kind": "hydrogen_demand", "demand_kg_per_h": 12.0, "grey_purchase_cny_per_kg": 5.0},
        {"name": "tank", "kind": "hydrogen_storage", "capacity_kg": 10, "initial_level_fraction": 1.0,
         "min_level_fraction": 0.2, "max_discharge_kg_per_h": 100, "end_rule": "free"}])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(20.0, abs=1e-6)
    assert r.summary["hydrogen_bought_kg"] == pytest.approx(4.0, abs=1e-6)
    assert asset_flows(r.dataset, "tank")["level_kg"][-1] == pytest.approx(2.0, abs=1e-6)


@pytest.mark.parametrize(("end_rule", "expected_cny", "final_kg"), [
    # empty at the start: 10 kg made at 0.1 CNY/kWh (530 kWh + 20 kWh compression) = 55 CNY
    ({"end_rule": "free", "initial_level_fraction": 0.0}, 55.0, 0.0),
    # cyclic: the start level is free but equals the final one; filling 10 kg needs it empty: 55 CNY
    ({"end_rule": "cyclic"}, 55.0, 0.0),
    # at least 3 kg at the end: 7 kg of the stored 10 meet the demand, 3 kg grey at 20 CNY/kg: 115 CNY
    ({"end_rule": "at_least", "end_level_min_fraction": 0.3, "initial_level_fraction": 0.0}, 115.0, 3.0),
])
@STEPS
def test_hydrogen_tank_compressor_draws_power(end_rule, expected_cny, final_kg, step_minutes):
    """Make hydrogen while power is cheap and store it: a 530 kW electrolyser (53 kWh/kg, 10 kg/h), a
    10 kg tank whose compressor needs 2 kWh/kg, demand 10 kg/h in hour 1 only, power 0.1 then
    1.0 CNY/kWh, grey hydrogen 20 CNY/kg. Hour 0: 530 kWh for 10 kg plus 20 kWh of compression at
    0.1 = 55 CNY (making it in hour 1 would cost 530 CNY). Import 550 kWh."""
    s = scenario(step_minutes, 2, tariff={"import_cny_per_kwh": per_step([0.1, 1.0], step_minutes),
                                          "export_cny_per_kwh": 0.0},
                 assets=[{"name": "h2", "kind": "hydrogen_demand", "demand_kg_per_h": per_step([0, 10], step_minutes),
                          "grey_purchase_cny_per_kg": 20.0},
                         {"name": "ely", "kind": "electrolyser", "power_kw": 530, "kwh_per_kg": 53},
                         {"name": "tank", "kind": "hydrogen_storage", "capacity_kg": 10, "compressor_kwh_per_kg": 2.0,
                          **end_rule}])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(expected_cny, abs=1e-6)
    assert r.summary["import_kwh"] == pytest.approx(550.0, abs=1e-6)
    tank = asset_flows(r.dataset, "tank")
    assert tank["compressor_kw"].sum() * step_minutes / 60 == pytest.approx(20.0, abs=1e-6)
    assert tank["level_kg"][-1] == pytest.approx(final_kg, abs=1e-6)


@STEPS
def test_direct_supply_self_consumption_rule_binds(step_minutes):
    """A direct-supply project dearer than the grid: the 650号 rule forces 60 % of its energy in.

    Available 1000 kW for 2 h (A = 2000 kWh), park load 800 kW, grid 0.3 CNY/kWh, project
    0.4 CNY/kWh; the project may export up to 150 kW at 0.35 CNY/kWh (rule: <= 0.2 A = 400 kWh).
    Self-consumed S >= 0.6 x 2000 = 1200 kWh, the rest of the load from the grid (400 kWh), export
    X = 300 kWh at the line limit: 1200 x 0.4 + 400 x 0.3 - 300 x 0.35 = 495 CNY. Ratios: self 0.6,
    export 0.15, share of consumption 1200 / 1600 = 0.75 (>= 0.30 in 2026); 500 kWh curtailed:
    curtailment rate (2000 - 1200 - 300) / 2000 = 0.25; green share 1200 / 1600 = 0.75.
    """
    s = scenario(step_minutes, 2, tariff={"import_cny_per_kwh": 0.3, "export_cny_per_kwh": 0.0},
                 assets=[{"name": "load", "kind": "demand", "demand_kw": 800},
                         {"name": "direct", "kind": "direct_supply", "line_limit_kw": 2000, "export_limit_kw": 150,
                          "energy_price_cny_per_kwh": 0.4, "export_cny_per_kwh": 0.35,
                          "plants": [{"name": "pv", "technology": "pv", "available_kw": 1000}]}])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(495.0, abs=1e-6)
    assert r.summary["import_kwh"] == pytest.approx(400.0, abs=1e-6)
    kpis = {name: {k: v for k, v in row.items() if k != "source"} for name, row in r.summary["kpis"].items()}
    assert kpis["direct_self_consumption_ratio"] == pytest.approx(
        {"value": 0.6, "target": 0.6, "kind": "min", "pass": True, "unit": "-"})
    assert kpis["direct_export_ratio"] == pytest.approx(
        {"value": 0.15, "target": 0.2, "kind": "max", "pass": True, "unit": "-"})
    assert kpis["direct_share_of_consumption"] == pytest.approx(
        {"value": 0.75, "target": 0.3, "kind": "min", "pass": True, "unit": "-"})
    assert kpis["direct_supply_share"] == pytest.approx(  # park level, all projects, no target set
        {"value": 0.75, "target": None, "kind": "min", "pass": None, "unit": "-"})
    assert kpis["curtailment_rate"]["value"] == pytest.approx(0.25, abs=1e-9)
    assert kpis["green_electricity_share"]["value"] == pytest.approx(0.75, abs=1e-9)
    assert r.summary["accounting"]["direct_export_kwh"] == pytest.approx(300.0, abs=1e-6)
    assert r.summary["direct_supply_available_kwh"] == pytest.approx(2000.0, abs=1e-6)
    assert r.summary["direct_supply_self_kwh"] == pytest.approx(1200.0, abs=1e-6)
    assert r.summary["direct_supply_export_kwh"] == pytest.approx(300.0, abs=1e-6)
    assert r.summary["direct_supply_curtailed_kwh"] == pytest.approx(500.0, abs=1e-6)


def test_direct_supply_ratios_of_an_idle_project():
    """No available energy and no consumption: self-consumption ratio 1 (nothing was lost), export
    ratio 0, share of consumption 0."""
    from optimiser.accounting import direct_supply_kpis

    asset = scenario(60, 2, assets=[{"name": "d", "kind": "direct_supply", "line_limit_kw": 10, "plants": [
        {"name": "pv", "technology": "pv", "available_kw": 0.0}]}]).assets[0]
    zeros = np.zeros(2)
    rows = direct_supply_kpis(asset, {"available_kw": zeros, "self_kw": zeros, "export_kw": zeros,
                                      "curtailed_kw": zeros, "reexport_kw": zeros}, 0.25, 0.0,
                              2026, lambda value, target, kind, unit, source: value)
    assert rows == {"d_self_consumption_ratio": 1.0, "d_export_ratio": 0.0, "d_reexport_ratio": 0.0,
                    "d_share_of_consumption": 0.0}


@pytest.mark.parametrize(("periods", "message"), [
    ({"flat": ["07:00-24:00", "00:00-07"]}, "time block '00:00-07' is not of the form 'HH:MM-HH:MM'"),
    ({"flat": ["00:00-24:00", "07:00-07:00"]}, "time block '07:00-07:00' must run forwards within 00:00-24:00"),
    ({"flat": ["00:00-24:00"], "peak": ["10:30-11:00"]}, "block '10:30-11:00' of 'peak' overlaps 'flat' at 10:30"),
    ({"flat": ["00:00-10:00", "10:05-24:00"], "peak": ["10:00-10:30"]},
     "block '10:00-10:30' of 'peak' overlaps 'flat' at 10:05"),
    ({"flat": ["00:00-10:45", "10:50-24:00"]}, "no period covers 10:45 in months [1]"),
])
def test_tariff_blocks_are_validated_with_the_clock_time(periods, message):
    """A malformed, empty or overlapping block, or a gap, is refused naming the block and the clock time."""
    import re

    from optimiser.tariff import TouSeason

    with pytest.raises(ValueError, match=re.escape(message)):
        TouSeason.model_validate({"months": [1], "periods": periods})
