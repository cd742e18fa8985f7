"""The bundled multi-energy day (every asset kind in one 96-step park) solves and passes the check."""

from __future__ import annotations

import pytest

from optimiser.results import asset_flows


@pytest.fixture(scope="module")
def result(bundled):
    return bundled("dezhou_multi_energy_day")  # raises if the independent check fails


def test_solves_to_optimality_with_binaries(result):
    s = result.summary
    assert s["status"] == "optimal"
    assert s["model_size"]["binaries"] > 96  # electrolyser on/off and starts, no-simultaneous-flow binaries
    assert s["mip_gap"] is not None and s["mip_gap"] <= 1e-4


def test_hydrogen_and_heat_totals_close(result):
    """Over the day: made + bought - burnt - tank gain = 96 steps x 41.667 kg/h x 0.25 h."""
    s = result.summary
    tank = asset_flows(result.dataset, "h2_tank")["level_kg"]
    gain = tank[-1] - 1000.0  # initial level 0.5 x 2000 kg
    assert s["hydrogen_produced_kg"] + s["hydrogen_bought_kg"] - s["fuel_cell_hydrogen_kg"] - gain == pytest.approx(
        96 * 41.667 * 0.25, abs=1e-4)
    assert sum(s["heat_by_source_kwh_th"].values()) >= s["heat_demand_kwh_th"] - 1e-6


def test_ev_fleet_leaves_with_its_energy(result):
    """The vans leaving at the end of step 27 (07:00) take 9,000 kWh (``ev_departure_kwh``): the fleet's
    energy, recomputed by hand from its flows (charge and V2G at 95 %), falls by exactly that; and the day ends with at least the 4,000 kWh it started with."""
    f = asset_flows(result.dataset, "logistics_evs")
    energy, charge, v2g = f["energy_kwh"], f["charge_kw"], f["discharge_kw"]
    before_leaving = energy[26] + 0.25 * (0.95 * charge[27] - v2g[27] / 0.95)
    assert before_leaving - energy[27] == pytest.approx(9000.0, abs=1e-6)
    assert energy[-1] >= 4000 - 1e-6


def test_heat_levels_balance_and_low_temperature_heat_stays_low(result):
    """Each level's demand is met by its own supply plus heat let down from above; nothing
    from the 50 C sources reaches the 80 C process level (heat does not flow up)."""
    levels = result.summary["heat_levels"]
    assert set(levels) == {"process", "warm_water"}
    for name, level in levels.items():
        assert level["supplied_kwh_th"] + level["cascaded_in_kwh_th"] >= level["demand_kwh_th"] - 1e-6, name
    warm = sum(result.summary["heat_by_source_kwh_th"][a] for a in ("geothermal_hp", "compressor_waste_heat", "fuel_cell"))
    assert warm == pytest.approx(levels["warm_water"]["supplied_kwh_th"], abs=1e-6)


def test_commitment_sessions_and_rebound_are_honoured(result):
    s = result.summary
    assert s["chp_starts"] == int(s["chp_starts"]) and s["chp_start_cost_cny"] == pytest.approx(300 * s["chp_starts"])
    assert s["ev_sessions"] == 92 and s["ev_unserved_kwh"] == 0.0
    table = result.scenario.assets[[a.name for a in result.scenario.assets].index("staff_car_park")].session_table()
    assert (table["delivered_kwh"] - table["required_kwh"]).abs().max() < 1e-4
    dr = asset_flows(result.dataset, "vpp_pool")
    response_kwh = 0.25 * dr["reduction_kw"].sum()
    assert s["demand_response_rebound_kwh"] == pytest.approx(0.3 * response_kwh, abs=1e-4)
