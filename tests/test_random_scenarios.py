"""Randomised small parks: every optimum must pass the independent check, and simple bounds on cost hold."""

from __future__ import annotations

import numpy as np
import pytest

from builders import small_scenario
from optimiser.results import asset_flows
from optimiser.run import optimise
from optimiser.scenario import scenario_from_dict


def random_park(seed: int) -> dict:
    rng = np.random.default_rng(seed)
    steps = int(rng.integers(4, 30))
    step_minutes = int(rng.choice([15, 60]))
    load = rng.uniform(50, 400, steps)
    assets = [{"name": "load", "kind": "demand", "demand_kw": load.round(2).tolist()},
              {"name": "pv", "kind": "pv", "available_kw": (rng.uniform(0, 600, steps) * (rng.random(steps) > 0.3)).tolist()}]
    if rng.random() < 0.7:
        assets.append({"name": "wind", "kind": "wind", "available_kw": rng.uniform(0, 200, steps).tolist()})
    for i in range(int(rng.integers(0, 3))):
        end_rule = str(rng.choice(["equal_initial", "free", "cyclic", "at_least"]))
        spec = {"name": f"bat{i}", "kind": "battery", "power_kw": float(rng.uniform(20, 200)),
                "energy_kwh": float(rng.uniform(50, 800)), "end_rule": end_rule,
                "self_discharge_per_hour": float(rng.uniform(0, 0.01))}
        if end_rule == "at_least":
            spec["end_soc_min_fraction"] = 0.3
        assets.append(spec)
    if rng.random() < 0.5:
        assets.append({"name": "vrfb", "kind": "flow_battery", "power_kw": float(rng.uniform(20, 200)),
                       "energy_kwh": float(rng.uniform(100, 800)), "initial_soc_fraction": 0.4})
    price = rng.choice([0.25, 0.6, 1.1], steps)
    if rng.random() < 0.2:
        price[int(rng.integers(steps))] = -0.05  # a negative price forces the binary formulation
    return small_scenario(
        steps, step_minutes,
        tariff={"import_cny_per_kwh": price.tolist(), "export_cny_per_kwh": float(rng.uniform(0, 0.3))},
        grid={"import_limit_kw": 2000, "export_limit_kw": float(rng.choice([0, 100, 1000])),
              "emission_factor_tco2_per_mwh": rng.uniform(0.4, 0.9, steps).tolist()},
        objective={"carbon_price_cny_per_tco2": float(rng.choice([0, 100]))},
        assets=assets,
    )


@pytest.mark.parametrize("seed", range(25))
def test_random_park_passes_checks(seed):
    """``optimise`` runs the independent check; here we also assert no simultaneous opposite flows
    and a lower bound on energy cost: at best every export slot earns the export price at the
    export limit and every negative-price slot is paid at the import limit.
    """
    raw = random_park(seed)
    scenario = scenario_from_dict(raw)
    result = optimise(scenario)
    s = result.summary
    dt = scenario.horizon.dt_h
    grid = asset_flows(result.dataset, "grid")
    assert np.all(np.minimum(grid["import_kw"], grid["export_kw"]) <= 1e-6)
    for asset in scenario.assets:
        if asset.storage:
            f = asset_flows(result.dataset, asset.name)
            assert np.all(np.minimum(f["charge_kw"], f["discharge_kw"]) <= 1e-6)
    assert s["renewable_generation_kwh"] <= s["renewable_available_kwh"] + 1e-6
    export_cap_revenue = raw["grid"]["export_limit_kw"] * scenario.tariff.export_cny_per_kwh.sum() * dt
    paid_to_import = 2000 * np.clip(-scenario.import_prices(), 0, None).sum() * dt
    assert s["energy_cost_cny"] >= -export_cap_revenue - paid_to_import - 1e-6
