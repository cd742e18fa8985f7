"""EV charging as individual sessions (``ev_sessions``): hand-solvable problems with exact optima,
validation messages, CSV session lists and the independent per-session check.

Each test states in its docstring how the expected numbers were worked out; every solution also
passes the independent post-solve check (``optimise`` raises otherwise). Unless stated, steps are
1 h from 2026-07-15 00:00 (+08:00), export is not allowed and the grid emission factor is 0.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from builders import assert_no_energy_burnt, small_scenario
from optimiser.check import check_solution
from optimiser.errors import InfeasibleError, ScenarioError, SolutionCheckError
from optimiser.model import build_model
from optimiser.results import asset_flows
from optimiser.run import optimise
from optimiser.scenario import load_scenario


def at(hour: int, minute: int = 0, day: int = 15) -> str:
    """A local (+08:00) timestamp on 2026-07-``day``."""
    return f"2026-07-{day:02d}T{hour:02d}:{minute:02d}:00+08:00"


def tariff(price) -> dict:
    return {"import_cny_per_kwh": price, "export_cny_per_kwh": 0.0}


def session(sid: str, arrival: str, departure: str, energy_kwh: float, **extra) -> dict:
    return {"id": sid, "arrival": arrival, "departure": departure, "energy_kwh": energy_kwh, **extra}


def ev(sessions: list[dict] | None, **overrides) -> dict:
    spec = {"name": "ev", "kind": "ev_sessions", "charger_power_kw": 10, "charge_efficiency": 1.0,
            "sessions": sessions}
    spec.update(overrides)
    for key in [k for k, v in spec.items() if v is None]:
        del spec[key]
    return spec


def evs(scenario):
    """The scenario's ev_sessions asset."""
    return next(a for a in scenario.assets if a.kind == "ev_sessions")


LOAD = {"name": "load", "kind": "demand", "demand_kw": 100}

TWO_SESSIONS = [session("A", at(0), at(4), 16), session("B", at(1), at(3), 12)]


def test_short_window_charges_partly_at_the_peak(build):
    """Valley 0.3 CNY/kWh for 00:00-02:00, peak 1.0 for 02:00-04:00; 10 kW chargers, 80 % efficient.

    A (00:00-04:00) needs 16 kWh in its battery: 16 / 0.8 = 20 kWh from the bus, which the two
    valley hours give at 10 kW: 20 x 0.3 = 6.0 CNY. B (01:00-03:00) needs 12 kWh = 15 kWh from the
    bus but has only one valley hour: 10 kWh x 0.3 = 3.0 CNY, the other 5 kWh at the peak: 5.0 CNY.
    Optimum 6 + 3 + 5 = 14.0 CNY; charge 10, 20, 5, 0 kW; connected 1, 2, 2, 1 sessions.
    """
    s = build(4, tariff=tariff([0.3, 0.3, 1.0, 1.0]), assets=[ev(TWO_SESSIONS, charge_efficiency=0.8)])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(14.0, abs=1e-6)
    f = asset_flows(r.dataset, "ev")
    np.testing.assert_allclose(f["charge_kw"], [10, 20, 5, 0], atol=1e-6)
    np.testing.assert_allclose(f["connected_sessions"], [1, 2, 2, 1])
    np.testing.assert_allclose(f["connected_power_kw"], [10, 20, 20, 10])
    assert "v2g_kw" not in f and "unserved_kwh" not in f
    assert r.dataset["ev_connected_sessions"].attrs["units"] == "1"
    assert r.summary["ev_charged_kwh"] == pytest.approx(35.0, abs=1e-6)
    assert r.summary["ev_v2g_kwh"] == 0.0
    assert r.summary["ev_unserved_kwh"] == 0.0
    assert r.summary["ev_sessions"] == 2
    table = evs(s).session_table().set_index("id")
    np.testing.assert_allclose(table["required_kwh"], [16, 12])
    np.testing.assert_allclose(table["delivered_kwh"], [16, 12], atol=1e-6)
    np.testing.assert_allclose(table["unserved_kwh"], [0, 0], atol=1e-9)
    np.testing.assert_allclose(table["max_deliverable_kwh"], [32, 16])
    assert str(table.loc["B", "arrival"]) == "2026-07-15 01:00:00+08:00"


@pytest.mark.parametrize(("site_limit_kw", "objective", "charge"), [(None, 4.0, [20, 0]), (15, 8.0, [15, 5])])
def test_site_limit_forces_charging_into_the_peak(build, site_limit_kw, objective, charge):
    """Two vehicles plugged 00:00-02:00 need 10 kWh each (10 kW chargers, 100 % efficient); valley
    0.2 then peak 1.0 CNY/kWh. Without a site limit both charge in the valley: 20 x 0.2 = 4.0 CNY.
    A 15 kW transformer lets only 15 kWh into the valley hour; the other 5 kWh go to the peak:
    15 x 0.2 + 5 x 1.0 = 8.0 CNY."""
    sessions = [session("A", at(0), at(2), 10), session("B", at(0), at(2), 10)]
    s = build(2, tariff=tariff([0.2, 1.0]), assets=[ev(sessions, site_limit_kw=site_limit_kw)])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(objective, abs=1e-6)
    np.testing.assert_allclose(asset_flows(r.dataset, "ev")["charge_kw"], charge, atol=1e-6)
    np.testing.assert_allclose(evs(s).session_table()["delivered_kwh"], [10, 10], atol=1e-6)


V2G_BUS = session("bus", at(0), at(2), 20, battery_kwh=100, arrival_energy_kwh=40)


@pytest.mark.parametrize("binaries", ["auto", "always"])
def test_v2g_session_discharges_at_the_peak_down_to_empty(build, binaries):
    """A 100 kW load at 1.2 then 0.3 CNY/kWh; a bus plugged 00:00-02:00 arrives with 40 of 100 kWh
    and must leave with 40 + 20 = 60 kWh; 100 kW charger, V2G, 90 % each way, wear 0.1 CNY/kWh.

    A kWh fed back at the peak earns 1.2 - 0.1 and costs 1 / 0.81 kWh at 0.3 to put back: worth
    0.73 CNY, so V2G runs until the battery is empty: 40 x 0.9 = 36 kW. The valley then stores
    60 kWh: 60 / 0.9 = 66.667 kW. Cost (100 - 36) x 1.2 + 36 x 0.1 + (100 + 66.667) x 0.3
    = 76.8 + 3.6 + 50 = 130.4 CNY (with binaries, the same: nothing flows both ways).
    """
    s = build(2, tariff=tariff([1.2, 0.3]), solver={"binaries": binaries}, assets=[LOAD, ev(
        [V2G_BUS], charger_power_kw=100, charge_efficiency=0.9, discharge_efficiency=0.9, v2g=True,
        degradation_cost_cny_per_kwh=0.1)])
    r = optimise(s)
    assert r.summary["binaries_used"] is (binaries == "always")
    assert r.summary["objective_cny"] == pytest.approx(130.4, abs=1e-6)
    f = asset_flows(r.dataset, "ev")
    np.testing.assert_allclose(f["v2g_kw"], [36, 0], atol=1e-6)
    np.testing.assert_allclose(f["charge_kw"], [0, 200 / 3], atol=1e-6)
    assert r.summary["ev_v2g_kwh"] == pytest.approx(36.0, abs=1e-6)
    assert r.summary["ev_degradation_cost_cny"] == pytest.approx(3.6, abs=1e-6)
    table = evs(s).session_table()
    assert table["delivered_kwh"][0] == pytest.approx(20.0, abs=1e-6)


def test_without_v2g_the_same_bus_only_charges_in_the_valley(build):
    """The same bus with ``v2g`` off: 20 / 0.9 = 22.222 kWh in the valley.
    Cost 100 x 1.2 + (100 + 200 / 9) x 0.3 = 120 + 30 + 6.667 = 156.667 CNY."""
    s = build(2, tariff=tariff([1.2, 0.3]), assets=[LOAD, ev(
        [V2G_BUS], charger_power_kw=100, charge_efficiency=0.9, discharge_efficiency=0.9)])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(150 + 20 / 3, abs=1e-6)
    assert "v2g_kw" not in asset_flows(r.dataset, "ev")


@pytest.mark.parametrize("binaries", ["auto", "never"])
def test_v2g_session_cannot_burn_energy_at_a_negative_price(build, binaries):
    """At -0.1 CNY/kWh a full V2G car (100 of 100 kWh, must leave full) could charge 50 kW and
    feed back 40.5 kW at once (0.9 x 50 = 40.5 / 0.9 stored and withdrawn), wasting 9.5 kWh it is
    paid 0.95 CNY for. With ``auto`` the per-session charge/discharge binaries forbid it: the car
    does nothing, optimum 0 CNY. With ``never`` the LP wastes energy and the check refuses it."""
    car = session("car", at(0), at(1), 0, battery_kwh=100, arrival_energy_kwh=100)
    s = build(1, tariff=tariff(-0.1), solver={"binaries": binaries}, assets=[ev(
        [car], charger_power_kw=50, charge_efficiency=0.9, discharge_efficiency=0.9, v2g=True)])
    assert_no_energy_burnt(s, binaries, "charges and discharges at once")


@pytest.mark.parametrize("binaries", ["auto", "always"])
def test_one_session_charges_while_another_feeds_back(build, binaries):
    """Binaries forbid a session to charge and discharge at once, not two sessions to flow in
    opposite directions. A 100 kW load, valley 0.3 then peak 1.2 CNY/kWh, 100 % efficient, wear
    0.1 CNY/kWh. Car A, plugged only during the peak hour, must take 10 kWh there (12 CNY). V2G
    bus B (00:00-02:00, 40 of 100 kWh, leaves with 40) stores 60 kWh in the valley and feeds them
    back at the peak (worth 1.2 - 0.1 - 0.3 = 0.8 CNY/kWh), while A charges.
    Cost (100 + 60) x 0.3 + (100 + 10 - 60) x 1.2 + 60 x 0.1 = 48 + 60 + 6 = 114.0 CNY (forbidding
    both directions at the aggregate would cost 100 x 0.3 + 110 x 1.2 = 162 CNY)."""
    sessions = [session("A", at(1), at(2), 10), session("B", at(0), at(2), 0, battery_kwh=100, arrival_energy_kwh=40)]
    s = build(2, tariff=tariff([0.3, 1.2]), solver={"binaries": binaries}, assets=[LOAD, ev(
        sessions, charger_power_kw=100, v2g=True, discharge_efficiency=1.0, degradation_cost_cny_per_kwh=0.1)])
    r = optimise(s)
    assert r.summary["binaries_used"] is (binaries == "always")
    assert r.summary["objective_cny"] == pytest.approx(114.0, abs=1e-6)
    f = asset_flows(r.dataset, "ev")
    np.testing.assert_allclose(f["charge_kw"], [60, 10], atol=1e-6)
    np.testing.assert_allclose(f["v2g_kw"], [0, 60], atol=1e-6)
    table = evs(s).session_table().set_index("id")
    np.testing.assert_allclose(table["v2g_kwh"], [0, 60], atol=1e-6)
    np.testing.assert_allclose(table["delivered_kwh"], [10, 0], atol=1e-6)


def test_soft_session_pays_the_penalty_instead_of_the_peak(build):
    """A car plugged 00:00-02:00 wants 25 kWh, more than its 10 kW charger can give (20 kWh): with
    ``unserved_penalty_cny_per_kwh`` 0.6 it is accepted. Valley 0.2, peak 1.0 CNY/kWh: charging
    at the peak costs more than the penalty, so 10 kWh in the valley (2.0 CNY) and 15 kWh unserved
    (15 x 0.6 = 9.0 CNY). Optimum 11.0 CNY; the unserved energy shows at the departure step."""
    s = build(2, tariff=tariff([0.2, 1.0]), assets=[ev([session("car", at(0), at(2), 25)],
                                                       unserved_penalty_cny_per_kwh=0.6)])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(11.0, abs=1e-6)
    f = asset_flows(r.dataset, "ev")
    np.testing.assert_allclose(f["charge_kw"], [10, 0], atol=1e-6)
    np.testing.assert_allclose(f["unserved_kwh"], [0, 15], atol=1e-6)
    assert r.summary["ev_unserved_kwh"] == pytest.approx(15.0, abs=1e-6)
    assert r.summary["asset_cost_cny"] == pytest.approx(9.0, abs=1e-6)
    row = evs(s).session_table().iloc[0]
    assert (row["required_kwh"], row["delivered_kwh"], row["unserved_kwh"]) == pytest.approx((25, 10, 15), abs=1e-6)


def test_partial_steps_scale_the_power_limit(build):
    """A car plugged 00:30-02:15 (1 h steps) gets 0.5, 1 and 0.25 of steps 0-2 at 10 kW: at most
    5, 10 and 2.5 kW (step-average power), 17.5 kWh in all. It needs 7 kWh at 0.1 / 1.0 / 0.2
    CNY/kWh: 5 kWh in step 0 (0.5 CNY) and 2 kWh in step 2 (0.4 CNY). Optimum 0.9 CNY."""
    s = build(3, tariff=tariff([0.1, 1.0, 0.2]), assets=[ev([session("late", at(0, 30), at(2, 15), 7)])])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(0.9, abs=1e-6)
    f = asset_flows(r.dataset, "ev")
    np.testing.assert_allclose(f["charge_kw"], [5, 0, 2], atol=1e-6)
    np.testing.assert_allclose(f["connected_power_kw"], [5, 10, 2.5])
    np.testing.assert_allclose(f["connected_sessions"], [1, 1, 1])


def test_partial_steps_in_quarter_hours(build):
    """The same car in 15-minute steps 00:00-02:30 (10 steps): plugged in steps 2-8 (00:30-02:15)
    fully, so 7 steps x 2.5 kWh = 17.5 kWh at most. Valley 0.1 CNY/kWh before 01:00, 1.0 after:
    2 valley steps give 5 kWh (0.5 CNY); the other 2 kWh cost 2.0 CNY. Optimum 2.5 CNY."""
    price = [0.1] * 4 + [1.0] * 6
    s = build(10, 15, tariff=tariff(price), assets=[ev([session("late", at(0, 30), at(2, 15), 7)])])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(2.5, abs=1e-6)
    f = asset_flows(r.dataset, "ev")
    np.testing.assert_allclose(f["connected_power_kw"], [0, 0] + [10] * 7 + [0])
    np.testing.assert_allclose(f["charge_kw"][:4], [0, 0, 10, 10], atol=1e-6)


def test_sessions_cut_by_the_horizon_need_their_energy_pro_rata(build):
    """Horizon 00:00-02:00. A car plugged 23:00 the day before until 03:00 (4 h) needs 20 kWh:
    2 of its 4 plugged hours are in the horizon, so 20 x 2 / 4 = 10 kWh are required here; at
    10 kW it takes them in the valley hour: 10 x 0.3 = 3.0 CNY. A session that left before the
    horizon starts is ignored (not counted)."""
    sessions = [session("night", at(23, day=14), at(3), 20), session("gone", at(20, day=14), at(22, day=14), 5)]
    s = build(2, tariff=tariff([0.3, 1.0]), assets=[ev(sessions)])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(3.0, abs=1e-6)
    assert r.summary["ev_sessions"] == 1
    table = evs(s).session_table()
    assert table["id"].tolist() == ["night"]
    assert table["required_kwh"][0] == pytest.approx(10.0)
    assert table["delivered_kwh"][0] == pytest.approx(10.0, abs=1e-6)


def test_v2g_session_cut_by_the_horizon_starts_and_ends_pro_rata(build):
    """Horizon 00:00-02:00, a 100 kW load at 1.2 then 0.3 CNY/kWh. A V2G car plugged 23:00 the day
    before until 03:00 arrived with 40 of 100 kWh and must leave with 60 (energy_kwh 20, 100 %
    efficient both ways, wear 0.1 CNY/kWh). Pro rata it holds 40 + 20 x 1/4 = 45 kWh at 00:00 and
    must hold 40 + 20 x 3/4 = 55 kWh at 02:00. V2G pays 1.2 - 0.1 - 0.3 = 0.8 per kWh: it feeds
    all 45 kWh back at the peak and stores 55 in the valley.
    Cost (100 - 45) x 1.2 + 45 x 0.1 + (100 + 55) x 0.3 = 66 + 4.5 + 46.5 = 117.0 CNY."""
    car = session("night", at(23, day=14), at(3), 20, battery_kwh=100, arrival_energy_kwh=40)
    s = build(2, tariff=tariff([1.2, 0.3]), assets=[LOAD, ev(
        [car], charger_power_kw=100, v2g=True, discharge_efficiency=1.0, degradation_cost_cny_per_kwh=0.1)])
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(117.0, abs=1e-6)
    f = asset_flows(r.dataset, "ev")
    np.testing.assert_allclose(f["v2g_kw"], [45, 0], atol=1e-6)
    np.testing.assert_allclose(f["charge_kw"], [0, 55], atol=1e-6)
    row = evs(s).session_table().iloc[0]
    assert (row["required_kwh"], row["delivered_kwh"]) == pytest.approx((10.0, 10.0), abs=1e-6)


@pytest.mark.parametrize(("asset", "message"), [
    (ev([session("late", at(0, 30), at(2, 15), 18)]),
     "session 'late' needs 18 kWh in the horizon but can receive at most 17.5 kWh"),
    (ev([session("a", "2026-07-15T01:00:00", at(2), 5)]),
     "session 'a': arrival 2026-07-15T01:00:00 is timezone-naive"),
    (ev([session("a", at(1), at(0), 5)]),
     "session 'a': departure 2026-07-15T00:00:00+08:00 is not after its arrival 2026-07-15T01:00:00+08:00"),
    (ev([session("a", at(0), at(1), 5, colour="red")]), "assets[0] (ev).sessions[0].colour: unknown field"),
    (ev([session("a", at(0), at(1), 5), session("a", at(1), at(2), 5)]), "session id 'a' appears twice"),
    (ev([session("a", at(0), at(2), 20, battery_kwh=100, arrival_energy_kwh=90)]),
     "session 'a': arrival_energy_kwh 90 + energy_kwh 20 = 110 kWh exceeds battery_kwh 100"),
    (ev([session("a", at(0), at(2), 20, battery_kwh=100)]),
     "session 'a': give battery_kwh and arrival_energy_kwh together"),
    (ev([session("a", at(0), at(2), 5)], v2g_power_kw=5), "v2g_power_kw needs v2g: true"),
    (ev([session("a", at(0), at(2), 5)], sessions_csv="s.csv"), "give exactly one of sessions and sessions_csv"),
    (ev(None), "give exactly one of sessions and sessions_csv"),
    (ev([session("a", at(0), at(2), -1)]), "greater than or equal to 0"),
])
def test_invalid_sessions_are_rejected(build, asset, message):
    """Validation names the session and the problem before any model is built."""
    with pytest.raises(ScenarioError, match=re.escape(message)):
        build(3, assets=[asset])


def test_site_limit_too_small_for_hard_sessions_is_reported_by_the_solver(build):
    """Validation checks each session on its own; two sessions that each fit their charger but
    together exceed a 15 kW transformer (40 kWh in 2 h > 30 kWh) make the model infeasible, and
    the solver names the session requirements and the aggregate's bound."""
    sessions = [session("A", at(0), at(2), 20), session("B", at(0), at(2), 20)]
    with pytest.raises(InfeasibleError) as err:
        optimise(build(2, assets=[ev(sessions, site_limit_kw=15)]))
    assert "asset[ev].session_energy" in str(err.value)
    assert "upper bound of asset[ev].charge_kw" in str(err.value)


def test_infeasible_session_is_accepted_with_a_penalty(build):
    """The session rejected above (18 kWh, at most 17.5) is accepted when shortfall is priced."""
    s = build(3, assets=[ev([session("late", at(0, 30), at(2, 15), 18)], unserved_penalty_cny_per_kwh=5)])
    r = optimise(s)
    # 17.5 kWh at the flat 0.5 CNY/kWh, 0.5 kWh unserved at 5 CNY/kWh: 8.75 + 2.5
    assert r.summary["objective_cny"] == pytest.approx(11.25, abs=1e-6)
    assert r.summary["ev_unserved_kwh"] == pytest.approx(0.5, abs=1e-6)


@pytest.mark.parametrize(("tamper", "expected"), [
    ("short", "session 'B' receives 8 kWh in the horizon, required 12 kWh (unserved 0 kWh)"),
    ("outside", "session 'B' charges 5 kW outside its plugged-in time at step 3"),
    ("aggregate", "ev.charge_kw is not the sum of its sessions' charging at step 3: 5 kW, sessions 0 kW"),
])
def test_check_catches_a_session_that_did_not_get_its_energy(build, tamper, expected):
    """The schedule of the first test, tampered with after the solve (the grid import follows, so
    the bus still balances): B loses its 5 kW peak charging ("short": it gets 0.8 x 10 = 8 of its
    12 kWh), or charges them one step after it left ("outside"), or the aggregate flow shows 5 kW
    that no session drew ("aggregate"). The check names each; the objective no longer matches."""
    s = build(4, tariff=tariff([0.3, 0.3, 1.0, 1.0]), assets=[ev(TWO_SESSIONS, charge_efficiency=0.8)])
    r = optimise(s)
    asset = evs(s)
    assert check_solution(r.dataset, s, r.summary["objective_cny"]) == []
    solution = asset._solution  # per-session schedule kept by flows() for the check
    b = solution.ids.index("B")
    ds = r.dataset.copy(deep=True)
    if tamper in ("short", "outside"):
        solution.charge_kw[b, 2] -= 5.0
        ds["ev_charge_kw"].values[2] -= 5.0
        ds["grid_import_kw"].values[2] -= 5.0
    if tamper in ("outside", "aggregate"):
        if tamper == "outside":
            solution.charge_kw[b, 3] += 5.0
        ds["ev_charge_kw"].values[3] += 5.0
        ds["grid_import_kw"].values[3] += 5.0
    problems = check_solution(ds, s, r.summary["objective_cny"])
    assert any(p.startswith(expected) for p in problems), problems
    assert not any("balance" in p for p in problems)
    if tamper != "outside":
        assert any(p.startswith("objective") for p in problems)


def test_check_needs_the_per_session_schedule(build):
    """Checking flows that were not produced by this asset's ``flows`` (no per-session schedule) fails."""
    s = build(4, tariff=tariff([0.3, 0.3, 1.0, 1.0]), assets=[ev(TWO_SESSIONS)])
    flows = {"charge_kw": np.zeros(4), "connected_sessions": np.zeros(4), "connected_power_kw": np.zeros(4)}
    problems = evs(s).check(flows, 1.0, 1e-6)
    assert any("no per-session schedule" in p for p in problems)


def write_scenario(folder: Path, asset: dict, steps: int = 4, price=(0.3, 0.3, 1.0, 1.0)) -> Path:
    raw = small_scenario(steps, tariff=tariff(list(price)), assets=[asset])
    path = folder / "s.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


SESSIONS_CSV = (
    "id,arrival,departure,energy_kwh,max_power_kw\n"
    "A,2026-07-15T00:00:00+08:00,2026-07-15T04:00:00+08:00,16,\n"
    "B,2026-07-15T01:00:00+08:00,2026-07-15T03:00:00+08:00,12,10\n"
)


def test_sessions_are_read_from_a_csv_beside_the_scenario(tmp_path):
    """The first test's sessions from ``data/sessions.csv`` (relative to the scenario file; a
    blank ``max_power_kw`` takes the charger's 10 kW): the same 14.0 CNY optimum. The CSV is
    part of the scenario's SHA-256, like series CSV files."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "sessions.csv").write_text(SESSIONS_CSV)
    path = write_scenario(tmp_path, ev(None, sessions_csv="data/sessions.csv", charge_efficiency=0.8))
    s = load_scenario(path)
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(14.0, abs=1e-6)
    assert evs(s).session_table()["id"].tolist() == ["A", "B"]
    (tmp_path / "data" / "sessions.csv").write_text(SESSIONS_CSV.replace(",12,10", ",11,10"))
    assert load_scenario(path).sha256 != s.sha256


@pytest.mark.parametrize(("text", "message"), [
    (SESSIONS_CSV.replace("+08:00,2026-07-15T04", ",2026-07-15T04"),
     "sessions_csv 'sessions.csv' line 2: session 'A': arrival 2026-07-15T00:00:00 is timezone-naive"),
    (SESSIONS_CSV.replace("max_power_kw", "colour"), "sessions_csv 'sessions.csv' has unknown column 'colour'"),
    (SESSIONS_CSV.replace(",16,", ",,"), "sessions_csv 'sessions.csv' line 2 (session 'A'): energy_kwh: "),
    (SESSIONS_CSV.replace(",16,", ",99,"),
     "session 'A' needs 99 kWh in the horizon but can receive at most 40 kWh"),
    (None, "CSV file 'sessions.csv' not found"),
])
def test_bad_sessions_csv_is_rejected(tmp_path, text, message):
    if text is not None:
        (tmp_path / "sessions.csv").write_text(text)
    path = write_scenario(tmp_path, ev(None, sessions_csv="sessions.csv"))
    with pytest.raises(ScenarioError, match=re.escape(message)) as err:
        load_scenario(path)
    assert str(path) in str(err.value)


def random_sessions(rng: np.random.Generator, count: int, steps: int, step_minutes: int, v2g_share: float) -> list:
    out = []
    for i in range(count):
        start = rng.integers(-8, steps - 2) * step_minutes + int(rng.integers(0, step_minutes))
        length = int(rng.integers(2, 40)) * step_minutes + int(rng.integers(0, step_minutes))
        arrival = np.datetime64("2026-07-15T00:00") + np.timedelta64(int(start), "m")
        departure = arrival + np.timedelta64(length, "m")
        spec = session(f"s{i:03d}", f"{arrival}:00+08:00", f"{departure}:00+08:00",
                       round(float(rng.uniform(5, 60)), 2), max_power_kw=float(rng.choice([7, 22, 60])))
        if rng.random() < v2g_share:
            spec.update(battery_kwh=100.0, arrival_energy_kwh=round(float(rng.uniform(10, 30)), 2))
        out.append(spec)
    return out


def test_random_fleet_of_sessions_passes_the_check(build):
    """40 random sessions over a 15-minute day (some cut by the horizon, a third with V2G, a site
    limit that binds, soft requirements): the optimum passes the independent check and every
    session's delivered + unserved energy equals its requirement."""
    rng = np.random.default_rng(7)
    price = np.where((np.arange(96) // 4 >= 8) & (np.arange(96) // 4 < 22), 1.1, 0.35)
    asset = ev(random_sessions(rng, 40, 96, 15, 1 / 3), charger_power_kw=22, charge_efficiency=0.92, v2g=True,
               v2g_power_kw=20, degradation_cost_cny_per_kwh=0.05, site_limit_kw=250, unserved_penalty_cny_per_kwh=3)
    s = build(96, 15, tariff=tariff(price.tolist()), assets=[{**LOAD, "demand_kw": 300}, asset])
    r = optimise(s)
    table = evs(s).session_table()
    np.testing.assert_allclose(table["delivered_kwh"] + table["unserved_kwh"], table["required_kwh"], atol=1e-5)
    assert asset_flows(r.dataset, "ev")["charge_kw"].max() <= 250 + 1e-6
    assert r.summary["ev_sessions"] == len(table)


def test_model_is_sparse(build):
    """Variables exist only on plugged-in (session, step) pairs: 200 sessions of about 2-10 h over a
    15-minute day. The asset's variables are bounded by two per plugged pair (charge on each, discharge
    and energy on the V2G-capable ones) plus one per session (unserved energy) and three per step (site
    charge, V2G and unserved totals): 8,310 here, where one dense (session, step) variable alone has
    200 x 96 = 19,200."""
    import pyomo.environ as pyo

    rng = np.random.default_rng(1)
    asset = ev(random_sessions(rng, 200, 96, 15, 0.3), charger_power_kw=22, v2g=True, site_limit_kw=2000,
               unserved_penalty_cny_per_kwh=3)
    s = build(96, 15, assets=[asset])
    model, _, _ = build_model(s)
    block = model.asset["ev"]
    plugged = int(sum(np.count_nonzero(v) for v in evs(s).plugged_fraction()))
    variables = sum(1 for _ in block.component_data_objects(pyo.Var, descend_into=True))
    assert plugged < 200 * 96 / 4
    assert len(block.session_charge_kw) == plugged
    assert variables <= 2 * plugged + 200 + 3 * 96


def test_session_table_is_written_beside_the_dispatch(build, tmp_path):
    """The run's output folder gets ``ev_sessions.csv``: one row per session, local timestamps,
    delivered energy equal to the requirement (16 and 12 kWh, see the first test)."""
    import pandas as pd

    from optimiser.output import write_outputs

    s = build(4, tariff=tariff([0.3, 0.3, 1.0, 1.0]), assets=[ev(TWO_SESSIONS, charge_efficiency=0.8)])
    out = write_outputs(optimise(s), tmp_path / "run", plot=False)
    table = pd.read_csv(out / "ev_sessions.csv")
    assert list(table["id"]) == ["A", "B"]
    assert table["arrival"][1] == "2026-07-15T01:00:00+08:00"
    np.testing.assert_allclose(table["delivered_kwh"], [16.0, 12.0], atol=1e-6)
    np.testing.assert_allclose(table["unserved_kwh"], [0.0, 0.0], atol=1e-9)
