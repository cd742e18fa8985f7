"""Hand-solvable dispatch problems with exact expected optima.

Each test states in its docstring what it proves and how the expected numbers
were worked out; every solution also passes the independent post-solve check
(``optimise`` raises otherwise).
"""

from __future__ import annotations

import numpy as np
import pytest

from optimiser.errors import InfeasibleError
from optimiser.results import asset_flows
from optimiser.run import optimise


def battery(**overrides):
    spec = {
        "name": "lfp", "kind": "battery", "power_kw": 50, "energy_kwh": 100,
        "charge_efficiency": 0.9, "discharge_efficiency": 0.9, "min_soc_fraction": 0.0,
        "max_soc_fraction": 1.0, "initial_soc_fraction": 0.0, "end_rule": "free",
        "self_discharge_per_hour": 0.0, "cycle_cost_cny_per_kwh": 0.02,
    }
    spec.update(overrides)
    return spec


def test_battery_arbitrages_two_prices(build):
    """A 50 kW / 100 kWh battery, 90 % each way, charged empty at 0.3 CNY/kWh, discharged at 1.0.

    Step 0 (1 h, 0.3 CNY/kWh): charge 50 kW -> stores 45 kWh; import 100 + 50 = 150 kWh -> 45.00 CNY.
    Step 1 (1 h, 1.0 CNY/kWh): discharge 45 * 0.9 = 40.5 kWh; import 59.5 kWh -> 59.50 CNY.
    Ageing 40.5 kWh * 0.02 = 0.81 CNY. Optimum 105.31 CNY (no battery: 130 CNY).
    """
    s = build(2, tariff={"import_cny_per_kwh": [0.3, 1.0], "export_cny_per_kwh": 0.0},
              assets=[{"name": "load", "kind": "demand", "demand_kw": 100}, battery()])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(105.31, abs=1e-6)
    f = asset_flows(r.dataset, "lfp")
    np.testing.assert_allclose(f["charge_kw"], [50, 0], atol=1e-7)
    np.testing.assert_allclose(f["discharge_kw"], [0, 40.5], atol=1e-7)
    np.testing.assert_allclose(f["soc_kwh"], [45, 0], atol=1e-7)
    assert r.summary["energy_cost_cny"] == pytest.approx(104.5, abs=1e-6)
    assert r.summary["storage_cost_cny"] == pytest.approx(0.81, abs=1e-6)


def test_step_length_is_respected(build):
    """The same arbitrage in 15-minute steps: 4 valley then 4 peak quarter hours.

    Energies per hour are unchanged, so the optimum is again 105.31 CNY; the battery
    charges 50 kW for one hour (45 kWh stored) and discharges 40.5 kWh over the peak.
    """
    s = build(8, 15, tariff={"import_cny_per_kwh": [0.3] * 4 + [1.0] * 4, "export_cny_per_kwh": 0.0},
              assets=[{"name": "load", "kind": "demand", "demand_kw": 100}, battery()])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(105.31, abs=1e-6)
    f = asset_flows(r.dataset, "lfp")
    assert f["discharge_kw"].sum() * 0.25 == pytest.approx(40.5, abs=1e-6)
    assert f["soc_kwh"][3] == pytest.approx(45.0, abs=1e-6)


def test_curtailment_when_export_is_capped(build):
    """500 kW of PV, 100 kW load, export capped at 300 kW, paid 0.4 CNY/kWh, for one hour.

    Best: serve the load, export 300 kWh (revenue 120 CNY), curtail 100 kWh. Optimum -120 CNY.
    Emissions on the national method (default basis): the on-site PV's 300 kWh export is credited
    at 0.8325 tCO2/MWh: -0.24975 tCO2; on the physical grid factor (no import): 0.
    """
    s = build(1, tariff={"import_cny_per_kwh": 0.5, "export_cny_per_kwh": 0.4},
              grid={"import_limit_kw": 1000, "export_limit_kw": 300, "emission_factor_tco2_per_mwh": 0.6},
              assets=[{"name": "load", "kind": "demand", "demand_kw": 100},
                      {"name": "pv", "kind": "pv", "available_kw": 500}])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(-120.0, abs=1e-6)
    assert r.summary["curtailment_kwh"] == pytest.approx(100.0, abs=1e-6)
    assert r.summary["export_kwh"] == pytest.approx(300.0, abs=1e-6)
    assert r.summary["renewable_share"] == pytest.approx(1.0)
    assert r.summary["emissions_tco2"] == pytest.approx(-0.24975, abs=1e-9)
    assert r.summary["emissions_basis"] == "national_method"
    assert r.summary["emissions_grid_factor_tco2"] == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize(
    ("pump_fraction", "expected_cny"),
    [
        # f = 0.05: charge 50 kW + 2.5 kW pump at 0.3 -> 45.75 CNY; discharge 40.5 kW with
        # 2.025 kW pump, import 100 - 40.5 + 2.025 = 61.525 kWh at 0.5 -> 30.7625. Total 76.5125.
        (0.05, 76.5125),
        # f = 0.15: a kWh bought costs 0.3 * 1.15 = 0.345, it returns 0.81 * 0.85 kWh worth
        # 0.5 * 0.6885 = 0.34425 < 0.345, so the flow battery stays idle: 100 * 0.3 + 100 * 0.5 = 80.
        (0.15, 80.0),
    ],
)
def test_flow_battery_pump_load_changes_optimum(build, pump_fraction, expected_cny):
    """Pump load of a vanadium flow battery decides whether arbitrage between 0.3 and 0.5 pays."""
    vrfb = battery(name="vrfb", kind="flow_battery", energy_kwh=200, cycle_cost_cny_per_kwh=0.0,
                   pump_load_fraction=pump_fraction)
    s = build(2, tariff={"import_cny_per_kwh": [0.3, 0.5], "export_cny_per_kwh": 0.0},
              assets=[{"name": "load", "kind": "demand", "demand_kw": 100}, vrfb])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(expected_cny, abs=1e-6)


@pytest.mark.parametrize(("basis", "tco2"), [("grid_factor", 0.06), ("national_method", 0.08325)])
def test_carbon_price_adds_to_import_cost(build, basis, tco2):
    """100 kWh imported at 0.5 CNY/kWh, 200 CNY/tCO2. Physical grid factor 0.6 tCO2/MWh:
    50 + 0.06 * 200 = 62 CNY; national method 0.8325 tCO2/MWh: 50 + 0.08325 * 200 = 66.65 CNY."""
    s = build(1, grid={"import_limit_kw": 1000, "export_limit_kw": 0, "emission_factor_tco2_per_mwh": 0.6},
              objective={"carbon_price_cny_per_tco2": 200, "emissions_basis": basis},
              assets=[{"name": "load", "kind": "demand", "demand_kw": 100}])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(50 + 200 * tco2, abs=1e-9)
    assert r.summary["emissions_tco2"] == pytest.approx(tco2, abs=1e-12)
    assert r.summary["carbon_cost_cny"] == pytest.approx(200 * tco2, abs=1e-9)
    assert r.summary["emissions_national_method_tco2"] == pytest.approx(0.08325, abs=1e-12)
    assert r.summary["emissions_grid_factor_tco2"] == pytest.approx(0.06, abs=1e-12)


def test_infeasible_import_limit_names_the_balance(build):
    """1000 kW of demand behind a 500 kW import limit cannot be met at step 0."""
    s = build(2, grid={"import_limit_kw": 500, "export_limit_kw": 0, "emission_factor_tco2_per_mwh": 0.5},
              assets=[{"name": "load", "kind": "demand", "demand_kw": [1000, 100]}])
    with pytest.raises(InfeasibleError) as err:
        optimise(s)
    assert "bus_balance" in str(err.value)
    assert "grid.import_kw" in str(err.value)
    assert "2026-07-15T00:00:00+08:00" in str(err.value)


def test_negative_price_cannot_buy_simultaneous_charge_and_discharge(build):
    """At -0.1 CNY/kWh a full battery could burn energy by charging and discharging at once.

    LP optimum would charge 50 kW and discharge 40.5 kW (45 kWh in, 45 kWh out) to import
    9.5 kWh and earn 0.95 CNY. That is physically impossible, so binaries are added and the
    optimum is 0: the full battery cannot charge and there is nothing to discharge into.
    """
    s = build(1, tariff={"import_cny_per_kwh": -0.1, "export_cny_per_kwh": 0.0},
              assets=[battery(initial_soc_fraction=1.0, cycle_cost_cny_per_kwh=0.0)])
    r = optimise(s)
    assert r.summary["binaries_used"] is True
    assert r.summary["objective_cny"] == pytest.approx(0.0, abs=1e-9)
    f = asset_flows(r.dataset, "lfp")
    assert min(f["charge_kw"][0], f["discharge_kw"][0]) <= 1e-9


def test_simultaneous_flows_without_binaries_are_reported_as_relaxation_use(build):
    """With ``binaries: never`` (the LP relaxation) the LP optimum above is kept and reported:
    charge 50 kW, discharge 40.5 kW in the same hour, objective -0.1 x 9.5 = -0.95 CNY, and
    min(50, 40.5) x 1 h = 40.5 kWh flowed both ways at once: a warning, not a check failure."""
    s = build(1, tariff={"import_cny_per_kwh": -0.1, "export_cny_per_kwh": 0.0},
              solver={"binaries": "never"},
              assets=[battery(initial_soc_fraction=1.0, cycle_cost_cny_per_kwh=0.0)])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(-0.95, abs=1e-9)
    use = r.summary["relaxation"]["simultaneous_flows"]
    assert list(use) == ["lfp charge/discharge"]
    assert use["lfp charge/discharge"] == {"energy_both_ways": pytest.approx(40.5, abs=1e-6), "steps": 1}
    assert any("lfp charge/discharge flowed both ways at once at 1 steps (40.5 kWh" in w
               for w in r.summary["warnings"])
    assert any(w.startswith("check: lfp charges and discharges at once") for w in r.summary["warnings"])


def test_renewable_share_target_binds(build):
    """PV 100 kW (free), load 200 kW for one hour, import 0.5 CNY/kWh, target share 0.6.

    Without storage or export the share is 100 / 200 = 0.5 < 0.6: infeasible, and the
    message names the target.
    """
    s = build(1, targets={"renewable_share_min": 0.6},
              assets=[{"name": "load", "kind": "demand", "demand_kw": 200},
                      {"name": "pv", "kind": "pv", "available_kw": 100}])
    with pytest.raises(InfeasibleError, match="targets.renewable_share_min"):
        optimise(s)
