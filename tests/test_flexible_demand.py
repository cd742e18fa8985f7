"""Hand-solvable flexible-demand problems: shiftable and curtailable loads, demand-response
events and EV fleets, with exact expected optima.

Each test states in its docstring how the expected numbers were worked out; every
solution also passes the independent post-solve check (``optimise`` raises otherwise).
Unless stated, steps are 1 h, export is not allowed and the grid emission factor is 0.
"""

from __future__ import annotations

import numpy as np
import pytest

from builders import assert_no_energy_burnt
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


def dr_pool(**overrides) -> dict:
    spec = {"name": "vpp", "kind": "demand_response", "baseline_kw": 500, "flexible_capacity_kw": 200,
            "response_cost_cny_per_kwh": 1.5,
            "events": [{"start_step": 0, "end_step": 1, "direction": "increase", "required_kw": 50,
                        "compensation_cny_per_kwh": 0.5},
                       {"start_step": 1, "end_step": 2, "direction": "reduce", "required_kw": 100,
                        "compensation_cny_per_kwh": 3.0}]}
    spec.update(overrides)
    return spec


def test_demand_response_compensation_is_earned(build):
    """A 500 kW pool with 200 kW of flexibility (response costs it 1.5 CNY/kWh), 2 h at a flat
    1.0 CNY/kWh. Step 0: valley-filling event, at least 50 kW more, paid 0.5 CNY/kWh; step 1:
    peak-shaving event, at least 100 kW less, paid 3.0 CNY/kWh (on at most the 100 kW asked).

    Step 0: each kWh above the 50 kWh asked costs 1.0 + 1.5 = 2.5 CNY and earns nothing, so the
    increase is exactly 50: 550 x 1.0 + 50 x 1.5 - 50 x 0.5 = 600. Step 1: the first 100 kWh
    of reduction are worth 1.0 + 3.0 - 1.5 = 2.5 CNY each, more would lose 1.5 - 1.0 = 0.5:
    400 x 1.0 + 100 x 1.5 - 100 x 3.0 = 250. Optimum 850 CNY; revenue 25 + 300 = 325 CNY.
    """
    r = optimise(build(2, tariff=tariff(1.0), assets=[dr_pool()]))
    assert r.summary["objective_cny"] == pytest.approx(850.0, abs=1e-6)
    f = asset_flows(r.dataset, "vpp")
    np.testing.assert_allclose(f["load_kw"], [550, 400], atol=1e-6)
    np.testing.assert_allclose(f["increase_kw"], [50, 0], atol=1e-6)
    np.testing.assert_allclose(f["reduction_kw"], [0, 100], atol=1e-6)
    assert r.summary["demand_response_kwh"] == pytest.approx(150.0, abs=1e-6)
    assert r.summary["demand_response_revenue_cny"] == pytest.approx(325.0, abs=1e-6)
    assert r.summary["asset_cost_cny"] == pytest.approx(150 * 1.5 - 325, abs=1e-6)


def test_demand_response_beyond_the_paid_amount_only_for_the_tariff(build):
    """The same peak event paid on up to 150 kW, and a cheap response (0.2 CNY/kWh) at 1.0:
    reducing pays 1.0 - 0.2 = 0.8 even unpaid, so the pool gives all 200 kW; 150 of them are
    paid 3.0. Step 0 has no event (the pool stays at 500). Cost 500 + 300 + 200 x 0.2
    - 150 x 3.0 = 390 CNY."""
    pool = dr_pool(response_cost_cny_per_kwh=0.2, events=[
        {"start_step": 1, "end_step": 2, "required_kw": 100, "compensation_cny_per_kwh": 3.0, "max_paid_kw": 150}])
    r = optimise(build(2, tariff=tariff(1.0), assets=[pool]))
    assert r.summary["objective_cny"] == pytest.approx(390.0, abs=1e-6)
    np.testing.assert_allclose(asset_flows(r.dataset, "vpp")["paid_kw"], [0, 150], atol=1e-6)


def test_check_catches_inflated_demand_response_payment(build):
    """Claiming 20 kW more paid response than delivered at step 1 is caught."""
    s = build(2, tariff=tariff(1.0), assets=[dr_pool()])
    r = optimise(s)
    ds = r.dataset.copy(deep=True)
    ds["vpp_paid_kw"].values[1] += 20.0
    problems = check_solution(ds, s, r.summary["objective_cny"])
    assert any("vpp.paid_kw = 120 at step 1 is not min(response, paid cap) = 100" in p for p in problems)
    assert any("above its upper bound" in p for p in problems)


def ev_fleet(**overrides) -> dict:
    spec = {"name": "ev", "kind": "ev_fleet", "connected_power_kw": 100, "max_energy_kwh": 300,
            "initial_energy_kwh": 50, "departure_energy_kwh": [0, 0, 200], "charge_efficiency": 0.8}
    spec.update(overrides)
    return spec


def test_ev_fleet_charges_in_the_valley_and_meets_its_departure_energy(build):
    """Plugged-in vehicles holding 50 kWh must leave with 200 kWh at the end of step 2; chargers
    give 100 kW, 80 % efficient; prices 0.2 / 0.5 / 1.0 CNY/kWh.

    150 kWh must be stored, 187.5 kWh drawn. Cheapest first: 100 kWh at step 0 (stores 80,
    20 CNY), the remaining 70 kWh stored need 87.5 kWh at step 1 (43.75 CNY), none at the peak.
    Energy 130, 200, then 0 after departure. Optimum 63.75 CNY.
    """
    r = optimise(build(3, tariff=tariff([0.2, 0.5, 1.0]), assets=[ev_fleet()]))
    assert r.summary["objective_cny"] == pytest.approx(63.75, abs=1e-6)
    f = asset_flows(r.dataset, "ev")
    np.testing.assert_allclose(f["charge_kw"], [100, 87.5, 0], atol=1e-6)
    np.testing.assert_allclose(f["energy_kwh"], [130, 200, 0], atol=1e-6)
    assert r.summary["ev_charged_kwh"] == pytest.approx(187.5, abs=1e-6)
    assert r.summary["ev_v2g_kwh"] == pytest.approx(0.0, abs=1e-9)
    assert r.dataset["ev_energy_kwh"].attrs["units"] == "kWh"


def test_v2g_discharges_at_the_peak(build):
    """A 100 kW load at 1.2 then 0.3 CNY/kWh; a fleet holding 200 kWh that must end with 200 kWh,
    V2G up to 50 kW, efficiencies 0.9 / 0.9, wear 0.1 CNY/kWh discharged, chargers 100 kW.

    A kWh fed back at the peak takes 1/0.9 kWh out of the batteries, which takes 1/0.81 kWh
    from the grid at 0.3 to put back: worth 1.2 - 0.1 - 0.3/0.81 = 0.73 CNY > 0, so V2G runs at
    its 50 kW limit and 50/0.81 = 61.73 kW recharge in the valley. Cost (100 - 50) x 1.2 + 50 x
    0.1 + (100 + 50/0.81) x 0.3 = 60 + 5 + 30 + 1500/81 = 95 + 1500/81 = 113.5185 CNY.
    """
    fleet = ev_fleet(departure_energy_kwh=None, initial_energy_kwh=200, end_energy_min_kwh=200, max_energy_kwh=400,
                     charge_efficiency=0.9, discharge_efficiency=0.9, v2g_power_kw=50,
                     degradation_cost_cny_per_kwh=0.1)
    s = build(2, tariff=tariff([1.2, 0.3]), assets=[{"name": "load", "kind": "demand", "demand_kw": 100}, fleet])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(95 + 1500 / 81, abs=1e-6)
    f = asset_flows(r.dataset, "ev")
    np.testing.assert_allclose(f["discharge_kw"], [50, 0], atol=1e-6)
    np.testing.assert_allclose(f["charge_kw"], [0, 50 / 0.81], atol=1e-6)
    np.testing.assert_allclose(f["energy_kwh"], [200 - 50 / 0.9, 200], atol=1e-6)
    assert r.summary["ev_v2g_kwh"] == pytest.approx(50.0, abs=1e-6)
    assert r.summary["ev_degradation_cost_cny"] == pytest.approx(5.0, abs=1e-6)


@pytest.mark.parametrize("binaries", ["auto", "never"])
def test_v2g_cannot_burn_energy_at_a_negative_price(build, binaries):
    """At -0.1 CNY/kWh a full V2G fleet (300 of 300 kWh, must end full) could charge 61.73 kW and
    discharge 50 kW at once (0.9 x 61.73 = 50 / 0.9 stored and withdrawn), wasting 11.73 kWh it is
    paid 1.17 CNY for. With ``auto`` the charge/discharge binaries forbid it: the full fleet can
    do nothing, optimum 0 CNY. With ``never`` the LP wastes energy and the check refuses it."""
    fleet = ev_fleet(departure_energy_kwh=None, initial_energy_kwh=300, end_energy_min_kwh=300,
                     charge_efficiency=0.9, discharge_efficiency=0.9, v2g_power_kw=50)
    s = build(1, tariff=tariff(-0.1), solver={"binaries": binaries}, assets=[fleet])
    assert_no_energy_burnt(s, binaries, "charges and discharges at once")


def test_check_catches_a_broken_ev_fleet_energy_continuity(build):
    """Adding 5 kWh to the fleet's energy at step 1 breaks continuity at steps 1 and 2."""
    s = build(3, tariff=tariff([0.2, 0.5, 1.0]), assets=[ev_fleet()])
    r = optimise(s)
    assert check_solution(r.dataset, s, r.summary["objective_cny"]) == []
    ds = r.dataset.copy(deep=True)
    ds["ev_energy_kwh"].values[1] += 5.0
    problems = check_solution(ds, s, r.summary["objective_cny"])
    assert problems == ["ev.energy_kwh breaks continuity at step 1: 205 kWh, expected 200"]


@pytest.mark.parametrize(("asset", "message"), [
    (dr_pool(events=[{"start_step": 0, "end_step": 3, "required_kw": 10, "compensation_cny_per_kwh": 1}]),
     "not inside"),
    (dr_pool(events=[{"start_step": 0, "end_step": 2, "required_kw": 10, "compensation_cny_per_kwh": 1},
                     {"start_step": 1, "end_step": 2, "required_kw": 10, "compensation_cny_per_kwh": 1}]),
     "overlaps"),
    (dr_pool(events=[{"start_step": 0, "end_step": 1, "required_kw": 300, "compensation_cny_per_kwh": 1}]),
     "cannot deliver the required 300 kW"),
    (ev_fleet(min_energy_kwh=400, departure_energy_kwh=None), "above max_energy_kwh"),
])
def test_invalid_dr_and_ev_assets_are_rejected(build, asset, message):
    """Validation names the problem before any model is built."""
    with pytest.raises(ScenarioError, match=message):
        build(2, assets=[asset])
