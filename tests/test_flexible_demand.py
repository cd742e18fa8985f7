"""Hand-solvable flexible-demand problems: shiftable and curtailable loads, demand-response
events and EV fleets, with exact expected optima.

Each test states in its docstring how the expected numbers were worked out; every
solution also passes the independent post-solve check (``optimise`` raises otherwise).
Unless stated, steps are 1 h, export is not allowed and the grid emission factor is 0.
"""

from __future__ import annotations

import numpy as np
import pytest

from optimiser.check import check_solution
from optimiser.errors import ScenarioError
from optimiser.results import asset_flows
from optimiser.run import optimise


def tariff(price) -> dict:
    return {"import_cny_per_kwh": price, "export_cny_per_kwh": 0.0}


def shiftable(**overrides) -> dict:
    spec = {"name": "dc", "kind": "shiftable_load", "baseline_kw": 100, "windows": [[0, 2]],
            "max_shift_up_kw": 80, "max_shift_down_kw": 60, "shift_cost_cny_per_kwh": 0.1}
    spec.update(overrides)
    for key in [k for k, v in spec.items() if v is None]:
        del spec[key]
    return spec


@pytest.mark.parametrize("window", [{"windows": [[0, 2]]}, {"windows": None, "daily_windows": ["00:00-02:00"]}])
def test_shiftable_load_moves_to_the_valley(build, window):
    """A 100 kW deferrable load over 4 h at 1.0 / 0.2 / 1.0 / 0.2 CNY/kWh may move energy only
    within steps [0, 2) (as a step window, or as the clock window 00:00-02:00 of the horizon's
    day), at most 60 kW down and 80 kW up per step, at 0.1 CNY per kWh moved.

    Moving a kWh from step 0 to step 1 saves 1.0 - 0.2 - 0.1 = 0.7 CNY, so the down limit
    binds: load 40, 160, 100, 100 kW (steps 2-3 are outside the window and stay at the
    baseline although step 3 is cheap). Cost 40 x 1.0 + 160 x 0.2 + 100 x 1.0 + 100 x 0.2
    + 60 x 0.1 = 40 + 32 + 100 + 20 + 6 = 198 CNY (unshifted: 240 CNY).
    """
    s = build(4, tariff=tariff([1.0, 0.2, 1.0, 0.2]), assets=[shiftable(**window)])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(198.0, abs=1e-6)
    f = asset_flows(r.dataset, "dc")
    np.testing.assert_allclose(f["load_kw"], [40, 160, 100, 100], atol=1e-6)
    np.testing.assert_allclose(f["shift_down_kw"], [60, 0, 0, 0], atol=1e-6)
    assert r.summary["load_shifted_kwh"] == pytest.approx(60.0, abs=1e-6)
    assert r.summary["load_shift_cost_cny"] == pytest.approx(6.0, abs=1e-6)
    assert r.summary["flexible_load_kwh"] == pytest.approx(400.0, abs=1e-6)


def test_daily_window_wraps_past_midnight_on_each_day(build):
    """Clock window 22:00-02:00 over a 48 h horizon from 00:00: steps 0-1 (the previous day's
    window cut by the start), 22-25 and 46-47 form three separately conserved windows.
    Night is cheap only at 01:00 and 23:00 (0.1, else 1.0); the 50 kW load may move 50 kW.

    Window [0, 2): 50 kWh from step 0 to step 1 saves 0.9 x 50 = 45. Window [22, 26): step 23
    is cheap; 50 kWh in, taken from one dear step (22, 24 or 25): saves 45. Window [46, 48):
    no cheap step, nothing moves. Cost: 48 x 50 x 1.0 = 2400 at flat 1.0, less the cheap steps'
    2 x 50 x 0.9 = 90 (unshifted 2310), less 90 from shifting: 2220 CNY.
    """
    price = np.ones(48)
    price[[1, 23]] = 0.1
    s = build(48, tariff=tariff(price.tolist()), assets=[shiftable(
        baseline_kw=50, windows=None, daily_windows=["22:00-02:00"], max_shift_up_kw=50, max_shift_down_kw=50,
        shift_cost_cny_per_kwh=0.0)])
    assert [g.tolist() for g in s.assets[0]._groups] == [[0, 1], [22, 23, 24, 25], [46, 47]]
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(2220.0, abs=1e-6)
    load = asset_flows(r.dataset, "dc")["load_kw"]
    assert load[1] == pytest.approx(100.0) and load[23] == pytest.approx(100.0)
    assert load[22:26].sum() == pytest.approx(200.0) and load[46:48].sum() == pytest.approx(100.0)


def test_curtailment_pays_only_above_its_cost(build):
    """A 100 kW load at 0.5 / 2.0 / 3.0 CNY/kWh may shed up to 50 % per step at 1.5 CNY/kWh,
    at most 60 kWh over the horizon.

    Shedding saves price - 1.5: nothing at step 0 (-1.0), 0.5 at step 1, 1.5 at step 2. The
    cap goes to the best step first: 50 kW at step 2 (the 50 % limit), the remaining 10 kWh at
    step 1. Cost 100 x 0.5 + 90 x 2.0 + 50 x 3.0 + 60 x 1.5 = 50 + 180 + 150 + 90 = 470 CNY
    (no curtailment: 550 CNY).
    """
    s = build(3, tariff=tariff([0.5, 2.0, 3.0]), assets=[
        {"name": "works", "kind": "curtailable_load", "baseline_kw": 100, "max_curtail_fraction": 0.5,
         "max_curtailed_kwh": 60, "curtail_cost_cny_per_kwh": 1.5}])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(470.0, abs=1e-6)
    f = asset_flows(r.dataset, "works")
    np.testing.assert_allclose(f["curtailed_kw"], [0, 10, 50], atol=1e-6)
    np.testing.assert_allclose(f["load_kw"], [100, 90, 50], atol=1e-6)
    assert r.summary["load_curtailed_kwh"] == pytest.approx(60.0, abs=1e-6)
    assert r.summary["load_curtailment_cost_cny"] == pytest.approx(90.0, abs=1e-6)


def test_check_catches_energy_created_by_a_shiftable_load(build):
    """Adding 10 kW to the shiftable load at step 1 (and 10 kW to the grid import, so the bus
    still balances) creates 10 kWh in window [0, 2): the check reports the broken window
    conservation and the objective that no longer matches the flows."""
    s = build(4, tariff=tariff([1.0, 0.2, 1.0, 0.2]), assets=[shiftable()])
    r = optimise(s)
    ds = r.dataset.copy(deep=True)
    for var in ("dc_load_kw", "dc_shift_up_kw", "grid_import_kw"):
        ds[var].values[1] += 10.0
    problems = check_solution(ds, s, r.summary["objective_cny"])
    assert any(p.startswith("dc does not conserve energy in window steps [0, 2): 10 kWh") for p in problems)
    assert any(p.startswith("objective") for p in problems)
    assert not any("balance" in p for p in problems)


@pytest.mark.parametrize(("asset", "message"), [
    (shiftable(windows=[[0, 5]]), "not inside the horizon"),
    (shiftable(windows=[[0, 2], [1, 3]]), "windows overlap at step 1"),
    (shiftable(daily_windows=["00:00-02:00"]), "exactly one of windows"),
    (shiftable(windows=None, daily_windows=["0:00-2:00"]), "HH:MM-HH:MM"),
    ({"name": "works", "kind": "curtailable_load", "baseline_kw": 10, "max_curtail_fraction": 1.5,
      "curtail_cost_cny_per_kwh": 1}, "less than or equal to 1"),
])
def test_invalid_flexible_loads_are_rejected(build, asset, message):
    """Validation names the problem before any model is built."""
    with pytest.raises(ScenarioError, match=message):
        build(4, assets=[asset])
