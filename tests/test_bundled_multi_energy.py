"""The bundled multi-energy day (every asset kind in one 96-step park) solves and passes the check."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimiser.results import asset_flows
from optimiser.run import optimise
from optimiser.scenario import load_scenario

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "dezhou_multi_energy_day.yaml"


@pytest.fixture(scope="module")
def result():
    return optimise(load_scenario(SCENARIO))  # raises if the independent check fails


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
    energy = asset_flows(result.dataset, "logistics_evs")["energy_kwh"]
    assert energy[27] >= -1e-6  # after the 9,000 kWh departure the fleet cannot be negative
    assert energy[-1] >= 4000 - 1e-6
