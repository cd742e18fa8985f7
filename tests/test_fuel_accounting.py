"""Every emitting asset feeds the emissions objective and the clean-energy share through ``fuel_use``.

The check recomputes emissions and fuel from each asset's flows; these tests make sure the model's
terms agree with it for every emitting kind, including the gas CHP.
"""

from __future__ import annotations

import pytest

from optimiser.assets import ASSET_KINDS
from optimiser.assets.base import AssetBase
from optimiser.run import optimise

CHP = {"name": "chp", "kind": "chp", "on_off": False, "gas_price_cny_per_m3": 3.0,
       "lhv_kwh_per_m3": 9.97, "emission_factor_tco2_per_m3": 0.002014,  # the IPCC pair, set together
       "vertices": [{"power_kw": 0, "heat_kw_th": 0, "fuel_kw": 0},
                    {"power_kw": 100, "heat_kw_th": 0, "fuel_kw": 250},
                    {"power_kw": 100, "heat_kw_th": 120, "fuel_kw": 250}]}


def test_every_emitting_kind_declares_its_fuel():
    """A kind that reports emissions must also give the model its fuel terms."""
    for kind in ASSET_KINDS:
        if kind.emissions_tco2 is not AssetBase.emissions_tco2:
            assert kind.fuel_use is not AssetBase.fuel_use, kind.__name__


def test_chp_under_an_emissions_cap(build):
    """One hour, 100 kW load, grid 1.0 CNY/kWh at 0.5 tCO2/MWh; CHP makes 100 kW from 250 kW of gas
    (250 / 9.97 = 25.075 m3, 3 CNY/m3 -> 75.23 CNY, 25.075 x 0.002014 = 0.0505 tCO2).

    Cost optimum: the CHP (75.23 < 100 CNY). With x kW of CHP and (100 - x) of grid, emissions on the
    physical grid factor are 0.000505 x + 0.0005 (100 - x) tCO2; a cap of 0.0502 tCO2 allows x = 40.4 kW,
    and the cost is 100 - x + 0.7523 x CNY.
    """
    grid = {"import_limit_kw": 1000, "export_limit_kw": 0, "emission_factor_tco2_per_mwh": 0.5}
    tariff = {"import_cny_per_kwh": 1.0, "export_cny_per_kwh": 0.0}
    assets = [{"name": "load", "kind": "demand", "demand_kw": 100}, CHP]
    gas_m3_per_kw = 2.5 / 9.97
    r = optimise(build(1, tariff=tariff, grid=grid, assets=assets))
    assert r.summary["objective_cny"] == pytest.approx(100 * gas_m3_per_kw * 3.0, abs=1e-6)
    cap = 0.0502
    r = optimise(build(1, tariff=tariff, grid=grid, assets=assets,
                       objective={"emissions_max_tco2": cap, "emissions_basis": "grid_factor"}))
    per_kw_chp, per_kw_grid = gas_m3_per_kw * 0.002014, 0.0005
    x = (cap - 100 * per_kw_grid) / (per_kw_chp - per_kw_grid)
    assert r.summary["emissions_tco2"] == pytest.approx(cap, abs=1e-9)
    assert r.summary["objective_cny"] == pytest.approx(100 - x + x * gas_m3_per_kw * 3.0, abs=1e-6)


@pytest.mark.parametrize("target", [{"non_fossil_share_min": 0.55},
                                    {"clean_energy_share_min": 0.55}])
def test_chp_gas_counts_in_the_energy_shares(build, target):
    """Load 100 kW, PV 60 kW, the rest from the CHP (x kW) or the grid. Non-fossil share = 60 / (60 + grid
    (100 - 60 - x) + gas as kWh-equivalent): gas = 2.5 x / 9.97 m3 at 9.97 x 3.6 / 29.3076 kgce/m3 (its
    own heating value) / 0.1229 kgce/kWh = 2.4987 x. Share >= 0.55 needs 60 / (100 + 1.4987 x) >= 0.55,
    so x <= 6.67 kW: the target binds
    (the CHP is cheaper than the grid), and the model and the independent check must agree.
    The clean-energy share is the same here with ``natural_gas_is_clean: false``; by default gas is
    clean, the CHP is unconstrained and the share is 1."""
    grid = {"import_limit_kw": 1000, "export_limit_kw": 0, "emission_factor_tco2_per_mwh": 0.5}
    assets = [{"name": "load", "kind": "demand", "demand_kw": 100},
              {"name": "pv", "kind": "pv", "available_kw": 60}, CHP]
    tariff = {"import_cny_per_kwh": 1.0, "export_cny_per_kwh": 0.0}
    (name,) = target
    kpi = name.removesuffix("_min")
    gas_kwh_eq_per_kw = 2.5 * 3.6 / 29.3076 / 0.1229
    x = (60 / 0.55 - 100) / (gas_kwh_eq_per_kw - 1)
    r = optimise(build(1, grid=grid, tariff=tariff, assets=assets, targets=target,
                       accounting={"natural_gas_is_clean": False}))
    assert r.summary["kpis"][kpi]["value"] == pytest.approx(0.55, abs=1e-9)
    assert r.summary["chp_power_kwh"] == pytest.approx(x, abs=1e-6)
    r = optimise(build(1, grid=grid, tariff=tariff, assets=assets, targets=target))
    if kpi == "clean_energy_share":
        assert r.summary["kpis"][kpi]["value"] == pytest.approx(1.0) and r.summary["chp_power_kwh"] == pytest.approx(40)
    else:
        assert r.summary["chp_power_kwh"] == pytest.approx(x, abs=1e-6)
