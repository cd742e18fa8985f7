"""Metamorphic and randomised tests: pairs of scenarios whose optima must be equal (or ordered) by
construction, on small seeded random parks.

No expected number is worked out by hand here: each test solves two (or more) scenarios that
differ by a transformation which, by the model's own definitions, cannot change the optimum (a
single heat level vs none, N identical EV sessions vs the aggregated fleet that is exact for them,
a minimum up time of one step vs none, an event in clock time vs in steps, ...) or can only move it
one way (a source moved to a hotter level, a dearer start, a larger rebound). Every run also passes
the independent post-solve check (``optimise`` raises otherwise). MIPs are solved with
``mip_gap: 0`` so that their optima compare at the LP tolerance.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from builders import small_scenario
from optimiser.errors import ScenarioError
from optimiser.results import asset_flows
from optimiser.run import optimise
from optimiser.scenario import scenario_from_dict

SAME = {"rel": 1e-7, "abs": 1e-6}
"""tolerance of an equality between two optima [CNY]"""

SLACK = 1e-6
"""allowance of an inequality between two optima [CNY] (relative to the larger magnitude, at least absolute)"""

def scenario(steps: int, step_minutes: int = 60, start: str | None = None, timezone: str | None = None, **sections):
    """A validated scenario on the builders' park; MIPs solved to a zero gap unless ``solver`` is given."""
    sections.setdefault("solver", {"mip_gap": 0.0})
    raw = small_scenario(steps, step_minutes, **sections)
    if start is not None:
        raw["horizon"]["start"] = start
    if timezone is not None:
        raw["park"]["timezone"] = timezone
    return scenario_from_dict(raw)


def solve(steps: int, step_minutes: int = 60, **sections):
    return optimise(scenario(steps, step_minutes, **sections))


def cost(steps: int, step_minutes: int = 60, **sections) -> float:
    return solve(steps, step_minutes, **sections).summary["objective_cny"]


def assert_le(a: float, b: float) -> None:
    """``a <= b`` up to solver tolerance."""
    assert a <= b + SLACK * max(1.0, abs(a), abs(b)), f"{a!r} > {b!r}"


def tariff(price) -> dict:
    return {"import_cny_per_kwh": np.asarray(price, dtype=float).round(4).tolist(), "export_cny_per_kwh": 0.0}


def hourly(values, per_hour: int) -> list[float]:
    """An hourly series repeated onto ``per_hour`` steps per hour."""
    return np.repeat(np.asarray(values, dtype=float), per_hour).tolist()


def at(hour: float, day: int = 15) -> str:
    """A local (+08:00) timestamp ``hour`` hours after 2026-07-``day`` 00:00 (quarter hours allowed;
    negative: the day before)."""
    minutes = int(round(hour * 60))
    day += minutes // (24 * 60)
    minutes %= 24 * 60
    return f"2026-07-{day:02d}T{minutes // 60:02d}:{minutes % 60:02d}:00+08:00"


# =============================================================================================
# 1. Heat temperature levels
# =============================================================================================

def heat_park(seed: int) -> tuple[int, dict, list[dict], list[dict]]:
    """A random park with heat: (steps, tariff, demands, sources); ``heat_level`` fields are added
    by the tests. ``big`` is an electric boiler that can carry every heat demand on its own."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 11))
    price = rng.choice([0.2, 0.45, 0.8, 1.3], n)
    demands = [
        {"name": "hot_load", "kind": "heat_demand", "demand_kw_th": rng.uniform(40, 250, n).round(1).tolist()},
        {"name": "warm_load", "kind": "heat_demand", "demand_kw_th": rng.uniform(0, 200, n).round(1).tolist()},
        {"name": "cool_load", "kind": "heat_demand", "demand_kw_th": rng.uniform(0, 120, n).round(1).tolist()},
    ]
    sources = [
        {"name": "big", "kind": "electric_boiler", "capacity_kw_th": 1000, "efficiency": 0.98},
        {"name": "hp", "kind": "heat_pump", "capacity_kw_th": round(float(rng.uniform(60, 200)), 1),
         "cop": rng.uniform(2.2, 4.5, n).round(2).tolist()},
        {"name": "gboiler", "kind": "gas_boiler", "capacity_kw_th": 150, "efficiency": 0.9,
         "gas_price_cny_per_m3": round(float(rng.uniform(2.0, 4.0)), 2), "lhv_kwh_per_m3": 10.0},
        {"name": "waste", "kind": "waste_heat", "available_kw_th": rng.uniform(0, 120, n).round(1).tolist(),
         "cost_cny_per_kwh_th": 0.05},
        {"name": "chp", "kind": "chp", "gas_price_cny_per_m3": 2.5, "lhv_kwh_per_m3": 10.0,
         "vertices": [{"power_kw": 0, "heat_kw_th": 0, "fuel_kw": 0},
                      {"power_kw": 80, "heat_kw_th": 100, "fuel_kw": 230},
                      {"power_kw": 100, "heat_kw_th": 60, "fuel_kw": 250}]},
        {"name": "tank", "kind": "thermal_storage", "power_kw": 120, "energy_kwh": 300,
         "initial_soc_fraction": 0.3, "self_discharge_per_hour": 0.01,
         "end_rule": str(rng.choice(["equal_initial", "cyclic", "free"]))},
        {"name": "fc", "kind": "fuel_cell", "power_kw": 40, "electrical_efficiency": 0.45,
         "heat_recovery_efficiency": 0.35},
    ]
    electric = [{"name": "load", "kind": "demand", "demand_kw": rng.uniform(50, 200, n).round(1).tolist()},
                {"name": "h2_tank", "kind": "hydrogen_storage", "capacity_kg": 6, "initial_level_fraction": 1.0,
                 "end_rule": "free"}]
    return n, tariff(price), electric + demands, sources


def with_levels(assets: list[dict], levels: dict[str, str] | None) -> list[dict]:
    """Copies of ``assets`` with ``heat_level`` set from ``levels`` (asset name -> level) for heat assets."""
    out = copy.deepcopy(assets)
    if levels is not None:
        for a in out:
            if a["name"] in levels:
                a["heat_level"] = levels[a["name"]]
    return out


HEAT_NAMES = ("hot_load", "warm_load", "cool_load", "big", "hp", "gboiler", "waste", "chp", "tank", "fc")
SOURCES = ("hp", "gboiler", "waste", "chp", "fc")
"""pure heat sources (moving one to a hotter level can only help; a tank or a demand can not)"""


def three_levels(**caps) -> list[dict]:
    levels = [{"name": "steam", "temperature_c": 150}, {"name": "hot", "temperature_c": 80},
              {"name": "space", "temperature_c": 45}]
    for level in levels:
        level.update(caps.get(level["name"], {}))
    return levels


@pytest.mark.parametrize("seed", range(2))
def test_levels_that_cannot_bind_give_the_single_bus_optimum(seed):
    """One heat bus; one declared level with everything on it; two levels with everything on the
    upper one (the lower empty), or on the lower one (the upper empty); two and three levels with
    every source and the tank on the hottest level, the demands spread over the levels and the
    cascades unlimited (heat can reach any demand losslessly): all the same optimum."""
    n, price, electric, heat = heat_park(seed)
    assets = electric + heat
    single = cost(n, tariff=price, assets=with_levels(assets, None))
    one = cost(n, tariff=price, heat_levels=[{"name": "only", "temperature_c": 70}],
               assets=with_levels(assets, {a: "only" for a in HEAT_NAMES}))
    assert one == pytest.approx(single, **SAME)
    two = three_levels()[1:]
    for level in ("hot", "space"):
        spread = cost(n, tariff=price, heat_levels=two, assets=with_levels(assets, {a: level for a in HEAT_NAMES}))
        assert spread == pytest.approx(single, **SAME), level
    on_top = {a: "hot" for a in HEAT_NAMES} | {"warm_load": "space", "cool_load": "space"}
    assert cost(n, tariff=price, heat_levels=two, assets=with_levels(assets, on_top)) == pytest.approx(single, **SAME)
    on_top = {a: "steam" for a in HEAT_NAMES} | {"warm_load": "hot", "cool_load": "space"}
    assert cost(n, tariff=price, heat_levels=three_levels(), assets=with_levels(assets, on_top)) == pytest.approx(
        single, **SAME)


def random_levels(rng, names=HEAT_NAMES) -> dict[str, str]:
    """Every heat asset on a random one of three levels, the big boiler on the hottest."""
    out = {a: str(rng.choice(["steam", "hot", "space"])) for a in names}
    out["big"] = "steam"
    return out


@pytest.mark.parametrize("seed", range(2))
def test_a_source_moved_to_a_hotter_level_never_costs_more(seed):
    """Three levels, unlimited cascades, assets on random levels (the big boiler on the hottest, so
    every assignment is feasible). Moving a pure source (heat pump, gas boiler, waste heat, CHP, fuel
    cell; no supply temperature limit) one level up lets it serve everything it served before, and more:
    the optimum cannot rise. Every level assignment costs at least the single-bus optimum."""
    n, price, electric, heat = heat_park(100 + seed)
    assets = electric + heat
    rng = np.random.default_rng(seed)
    single = cost(n, tariff=price, assets=with_levels(assets, None))
    levels = random_levels(rng)
    before = cost(n, tariff=price, heat_levels=three_levels(), assets=with_levels(assets, levels))
    assert_le(single, before)
    movable = [a for a in SOURCES if levels[a] != "steam"]
    for name in movable:
        moved = dict(levels, **{name: {"hot": "steam", "space": "hot"}[levels[name]]})
        after = cost(n, tariff=price, heat_levels=three_levels(), assets=with_levels(assets, moved))
        assert_le(after, before)
        assert_le(single, after)


def backed_up(assets: list[dict]) -> list[dict]:
    """``assets`` plus an electric boiler of ample capacity on each of the two lower levels."""
    return assets + [
        {"name": "backup_hot", "kind": "electric_boiler", "capacity_kw_th": 1000, "efficiency": 0.9,
         "heat_level": "hot"},
        {"name": "backup_space", "kind": "electric_boiler", "capacity_kw_th": 1000, "efficiency": 0.9,
         "heat_level": "space"}]


@pytest.mark.parametrize("seed", range(2))
def test_cascade_capacity_zero_is_no_cascade_and_more_capacity_never_costs_more(seed):
    """Three levels with a (dear) backup boiler on every level so each is feasible alone; random
    levels. ``cascade_max_kw_th: 0`` equals ``cascade: false`` (on both cascades, and on one with
    the other limited to 40 kW_th), and the optimum is non-increasing in the cascade capacities
    (0, 40 kW_th, unlimited)."""
    n, price, electric, heat = heat_park(200 + seed)
    rng = np.random.default_rng(seed)
    assets = backed_up(with_levels(electric + heat, random_levels(rng)))

    def level_cost(steam: dict, hot: dict) -> float:
        return cost(n, tariff=price, heat_levels=three_levels(steam=steam, hot=hot), assets=assets)

    zero = level_cost({"cascade_max_kw_th": 0}, {"cascade_max_kw_th": 0})
    assert zero == pytest.approx(level_cost({"cascade": False}, {"cascade": False}), **SAME)
    forty = level_cost({"cascade_max_kw_th": 0}, {"cascade_max_kw_th": 40})
    assert forty == pytest.approx(level_cost({"cascade": False}, {"cascade_max_kw_th": 40}), **SAME)
    assert_le(forty, zero)
    both = level_cost({"cascade_max_kw_th": 40}, {"cascade_max_kw_th": 40})
    assert_le(both, forty)
    assert_le(level_cost({}, {}), both)


@pytest.mark.parametrize("seed", range(1))
def test_splitting_a_heat_demand_on_its_level_changes_nothing(seed):
    """A level's demand given as one asset or as two assets summing to it (random split)."""
    n, price, electric, heat = heat_park(300 + seed)
    rng = np.random.default_rng(seed)
    levels = random_levels(rng)
    assets = with_levels(electric + heat, levels)
    whole = cost(n, tariff=price, heat_levels=three_levels(), assets=assets)
    split = copy.deepcopy(assets)
    warm = next(a for a in split if a["name"] == "warm_load")
    share = rng.uniform(0, 1, n)
    total = np.asarray(warm["demand_kw_th"])
    warm["demand_kw_th"] = (share * total).tolist()
    split.append(dict(warm, name="warm_load_b", demand_kw_th=((1 - share) * total).tolist()))
    assert cost(n, tariff=price, heat_levels=three_levels(), assets=split) == pytest.approx(whole, **SAME)


def test_a_fuel_cell_without_heat_recovery_needs_no_heat_level():
    """A fuel cell without heat recovery has no heat port, so (README) it names no heat level; the
    park with levels must then give the same optimum as the park with one heat bus. Today it is
    accepted without a level (it was once rejected)."""
    def assets(level: str | None) -> list[dict]:
        named = {} if level is None else {"heat_level": level}
        return [{"name": "space_load", "kind": "heat_demand", "demand_kw_th": [10, 30], **named},
                {"name": "eboiler", "kind": "electric_boiler", "capacity_kw_th": 100, **named},
                {"name": "load", "kind": "demand", "demand_kw": 50},
                {"name": "h2", "kind": "hydrogen_storage", "capacity_kg": 1, "initial_level_fraction": 1.0,
                 "end_rule": "free"},
                {"name": "fc", "kind": "fuel_cell", "power_kw": 10}]
    single = cost(2, tariff=tariff([0.5, 1.0]), assets=assets(None))
    levels = [{"name": "process", "temperature_c": 90}, {"name": "space", "temperature_c": 45}]
    workaround = assets("space")
    workaround[-1]["heat_level"] = "space"
    assert cost(2, tariff=tariff([0.5, 1.0]), heat_levels=levels, assets=workaround) == pytest.approx(single, **SAME)
    assert cost(2, tariff=tariff([0.5, 1.0]), heat_levels=levels, assets=assets("space")) == pytest.approx(
        single, **SAME)


# =============================================================================================
# 2. EV charging sessions vs the aggregated fleet
# =============================================================================================

LOAD = {"name": "load", "kind": "demand", "demand_kw": 40}


def ev_groups(seed: int) -> tuple[int, np.ndarray, float, float, list[tuple[int, int, int, float]]]:
    """Random groups of identical vehicles: (steps, price, efficiency, charger kW, [(arrival step,
    departure step, vehicles, kWh each)])."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(6, 13))
    price = rng.choice([0.2, 0.5, 0.9, 1.4], n)
    eta = float(rng.choice([0.9, 0.95, 1.0]))
    power = float(rng.choice([7.0, 11.0, 22.0]))
    groups = []
    for _ in range(int(rng.integers(1, 4))):
        a = int(rng.integers(0, n - 2))
        b = int(rng.integers(a + 1, n + 1))
        groups.append((a, b, int(rng.integers(1, 5)), round(float(rng.uniform(0, 0.9) * power * eta * (b - a)), 2)))
    return n, price, eta, power, groups


def fleet_of(g: int, n: int, eta: float, power: float, group, v2g: tuple[float, float] | None = None) -> dict:
    """The aggregated fleet of one group (exact for it: same arrival, departure and requirement).

    Plugged-in power N P over [a, b); the N E kWh leave at the end of step b - 1, where the level
    bound 0 makes the delivery exact. With V2G (battery B, arrival energy e0 each) the vehicles bring
    N e0 at step a and hold at most N B while plugged in."""
    a, b, count, energy = group
    connected, top, arrival, departure = (np.zeros(n) for _ in range(4))
    connected[a:b] = count * power
    if v2g is None:
        top[a:b - 1] = count * energy
        departure[b - 1] = count * energy
    else:
        battery, e0 = v2g
        top[a:b - 1] = count * battery
        arrival[a] = count * e0
        departure[b - 1] = count * (e0 + energy)
    spec = {"name": f"fleet{g}", "kind": "ev_fleet", "connected_power_kw": connected.tolist(),
            "max_energy_kwh": top.tolist(), "departure_energy_kwh": departure.tolist(),
            "arrival_energy_kwh": arrival.tolist(), "charge_efficiency": eta}
    if v2g is not None:
        spec.update(v2g_power_kw=connected.tolist(), discharge_efficiency=0.9, degradation_cost_cny_per_kwh=0.03)
    return spec


def sessions_of(groups, v2g: tuple[float, float] | None = None) -> list[dict]:
    out = []
    for g, (a, b, count, energy) in enumerate(groups):
        for i in range(count):
            s = {"id": f"g{g}v{i}", "arrival": at(a), "departure": at(b), "energy_kwh": energy}
            if v2g is not None:
                s.update(battery_kwh=v2g[0], arrival_energy_kwh=v2g[1])
            out.append(s)
    return out


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("v2g", [False, True], ids=["charge_only", "v2g"])
def test_identical_vehicles_as_sessions_equal_one_aggregated_fleet_per_group(seed, v2g):
    """Groups of N identical vehicles (same arrival, departure and requirement; random prices,
    charger power and efficiency) as one ``ev_sessions`` asset and as one ``ev_fleet`` per group,
    for which the aggregate is exact (its docstring): the same optimum. With V2G (80 kWh batteries
    arriving with 20 kWh, 90 % discharge efficiency, 0.03 CNY/kWh wear) too. One fleet pooling all
    the groups is a relaxation: never dearer."""
    n, price, eta, power, groups = ev_groups(seed)
    spec = None
    if v2g:
        spec = (80.0, 20.0)
        groups = [(a, b, count, min(energy, 40.0)) for a, b, count, energy in groups]
    fleets = [fleet_of(g, n, eta, power, group, spec) for g, group in enumerate(groups)]
    sessions = {"name": "ev", "kind": "ev_sessions", "charger_power_kw": power, "charge_efficiency": eta,
                "sessions": sessions_of(groups, spec)}
    if v2g:
        sessions.update(v2g=True, discharge_efficiency=0.9, degradation_cost_cny_per_kwh=0.03)
    aggregated = solve(n, tariff=tariff(price), assets=[LOAD, *fleets]).summary
    individual = solve(n, tariff=tariff(price), assets=[LOAD, sessions]).summary
    assert individual["objective_cny"] == pytest.approx(aggregated["objective_cny"], **SAME)
    if not v2g:  # charge-only: exactly the required energy over the efficiency is drawn
        required = sum(count * energy for _, _, count, energy in groups) / eta
        assert individual["ev_charged_kwh"] == pytest.approx(required, **SAME)
        assert aggregated["ev_charged_kwh"] == pytest.approx(required, **SAME)
    # one fleet for all groups pools their energy: a relaxation of the sessions
    pooled = dict(fleets[0], name="fleet")
    for key in ("connected_power_kw", "max_energy_kwh", "departure_energy_kwh", "arrival_energy_kwh",
                *(("v2g_power_kw",) if v2g else ())):
        pooled[key] = np.sum([f[key] for f in fleets], axis=0).tolist()
    assert_le(cost(n, tariff=tariff(price), assets=[LOAD, pooled]), individual["objective_cny"])


def random_sessions(rng, hours: int, v2g: bool, power: float = 11.0, eta: float = 0.95) -> list[dict]:
    """2-6 sessions on quarter-hour boundaries, some cut by the horizon's start or end; with ``v2g``
    some give a battery."""
    out = []
    for i in range(int(rng.integers(2, 7))):
        a = int(rng.integers(-8, (hours - 1) * 4)) / 4
        b = min(a + int(rng.integers(1, 24)) / 4, hours + 2)
        cap = float(rng.choice([power, 7.0]))
        s = {"id": f"s{i}", "arrival": at(a), "departure": at(b),
             "max_power_kw": cap, "energy_kwh": round(float(rng.uniform(0, 0.95) * cap * eta * (b - a)), 2)}
        if v2g and rng.random() < 0.6:
            s["battery_kwh"] = 100.0
            s["arrival_energy_kwh"] = round(float(rng.uniform(0, 100 - s["energy_kwh"])), 2)
        out.append(s)
    return out


@pytest.mark.parametrize("seed", range(4))
def test_sessions_on_quarter_hours_cost_the_same_in_15_and_60_minute_steps_and_split_into_two_assets(seed):
    """Random sessions on quarter-hour boundaries (partial hours, cut by the horizon on either side;
    V2G on odd seeds), hourly constant prices and load, no site limit: with 60-minute steps a
    session plugged in for part of an hour may charge P x (plugged fraction) on average, exactly
    the energy the four quarter hours allow at the same price, so 15- and 60-minute steps give the
    same optimum. The same sessions split into two ``ev_sessions`` assets give it too."""
    rng = np.random.default_rng(seed)
    hours = int(rng.integers(4, 9))
    price = rng.choice([0.2, 0.5, 0.9, 1.4], hours)
    v2g = bool(seed % 2)
    sessions = random_sessions(rng, hours, v2g)
    ev = {"name": "ev", "kind": "ev_sessions", "charger_power_kw": 11.0, "charge_efficiency": 0.95,
          "sessions": sessions, "v2g": v2g, "degradation_cost_cny_per_kwh": 0.05}
    hourly_cost = cost(hours, 60, tariff=tariff(price), assets=[LOAD, ev])
    quarter_cost = cost(4 * hours, 15, tariff=tariff(hourly(price, 4)), assets=[LOAD, ev])
    assert quarter_cost == pytest.approx(hourly_cost, **SAME)
    k = len(sessions) // 2
    halves = [dict(ev, sessions=sessions[:k]), dict(ev, name="ev_b", sessions=sessions[k:])]
    assert cost(hours, 60, tariff=tariff(price), assets=[LOAD, *halves]) == pytest.approx(hourly_cost, **SAME)


@pytest.mark.parametrize("v2g", [False, True], ids=["charge_only", "v2g"])
def test_whole_hour_sessions_with_a_site_limit_cost_the_same_in_15_and_60_minute_steps(v2g):
    """Sessions on whole hours (some cut by the horizon), a binding 20 kW site limit, hourly
    prices: every session is plugged in for whole hours, so an hourly schedule repeated on quarter
    hours and a quarter-hour schedule averaged over the hour are feasible for each other (the site
    limit included): one optimum."""
    rng = np.random.default_rng(5 + int(v2g))
    price = rng.choice([0.2, 0.5, 0.9, 1.4], 8)
    sessions = []
    for i in range(5):
        a = int(rng.integers(-2, 6))
        b = min(a + int(rng.integers(1, 6)), 10)
        s = {"id": f"s{i}", "arrival": at(a), "departure": at(b),
             "energy_kwh": round(float(rng.uniform(0, 0.5) * 11 * (b - a)), 2)}
        if v2g:
            s.update(battery_kwh=100.0, arrival_energy_kwh=30.0)
        sessions.append(s)
    ev = {"name": "ev", "kind": "ev_sessions", "charger_power_kw": 11.0, "sessions": sessions, "v2g": v2g,
          "site_limit_kw": 20.0}
    assert cost(32, 15, tariff=tariff(hourly(price, 4)), assets=[LOAD, ev]) == pytest.approx(
        cost(8, tariff=tariff(price), assets=[LOAD, ev]), **SAME)


@pytest.mark.parametrize(("arrival", "departure", "v2g"), [
    (-3.0, 3.75, False), (-0.25, 9.0, False), (1.5, 8.0, False), (-2.0, 7.5, True), (2.5, 9.0, True)])
def test_a_session_cut_by_the_horizon_equals_its_pro_rata_session_inside(arrival, departure, v2g):
    """A session plugged in from ``arrival`` to ``departure`` hours (negative: the day before)
    against a 6-hour horizon is, by the pro-rata rule, the session clipped to the horizon that needs
    E x (time inside) / (whole time); a V2G one starts with e0 + E x (time before) / (whole time)."""
    n = 6
    price = np.random.default_rng(int(10 * departure)).choice([0.2, 0.5, 0.9, 1.4], n)
    whole = departure - arrival
    energy = round(0.6 * 11 * 0.95 * whole, 2)
    s = {"id": "x", "arrival": at(arrival),
         "departure": at(departure), "energy_kwh": energy}
    low, high = max(arrival, 0.0), min(departure, float(n))
    clipped = {"id": "x", "arrival": at(low), "departure": at(high), "energy_kwh": energy * (high - low) / whole}
    if v2g:
        s.update(battery_kwh=energy + 15.0, arrival_energy_kwh=10.0)
        clipped.update(battery_kwh=energy + 15.0, arrival_energy_kwh=10.0 + energy * max(-arrival, 0.0) / whole)
    ev = {"name": "ev", "kind": "ev_sessions", "charger_power_kw": 11.0, "charge_efficiency": 0.95, "v2g": v2g}
    assert cost(n, tariff=tariff(price), assets=[LOAD, dict(ev, sessions=[s])]) == pytest.approx(
        cost(n, tariff=tariff(price), assets=[LOAD, dict(ev, sessions=[clipped])]), **SAME)


def test_site_limit_orders_the_optimum_and_a_slack_one_changes_nothing():
    """Four sessions plugged in 00:00-06:00 (11 kW each): a site limit of 44 kW or more changes
    nothing; below it the optimum is non-increasing in the limit."""
    rng = np.random.default_rng(7)
    price = rng.choice([0.2, 0.5, 0.9, 1.4], 6)
    sessions = [{"id": f"s{i}", "arrival": at(0), "departure": at(6), "energy_kwh": round(float(rng.uniform(5, 25)), 2)}
                for i in range(4)]
    ev = {"name": "ev", "kind": "ev_sessions", "charger_power_kw": 11.0, "charge_efficiency": 0.95,
          "sessions": sessions}
    free = cost(6, tariff=tariff(price), assets=[LOAD, ev])
    assert cost(6, tariff=tariff(price), assets=[LOAD, dict(ev, site_limit_kw=44)]) == pytest.approx(free, **SAME)
    previous = free
    for limit in (30, 22, 18):
        now = cost(6, tariff=tariff(price), assets=[LOAD, dict(ev, site_limit_kw=limit)])
        assert_le(previous, now)
        previous = now


def test_sessions_and_clock_events_do_not_depend_on_the_park_time_zone():
    """Sessions and a clock-time DR event are instants: the same park with its clock in UTC (the
    horizon, the sessions and the event given with +08:00 offsets as before) has the same optimum;
    a daily event moves with the clock (19:00-21:00 in +08:00 is 11:00-13:00 UTC)."""
    rng = np.random.default_rng(3)
    price = rng.choice([0.2, 0.5, 0.9, 1.4], 24)
    sessions = random_sessions(rng, 24, v2g=True)
    ev = {"name": "ev", "kind": "ev_sessions", "charger_power_kw": 11.0, "sessions": sessions, "v2g": True}
    event = {"direction": "reduce", "required_kw": 50, "compensation_cny_per_kwh": 1.0, "rebound_fraction": 0.4,
             "rebound_hours": 2}
    def pool(when: dict) -> dict:
        return {"name": "vpp", "kind": "demand_response", "baseline_kw": 300, "flexible_capacity_kw": 100,
                "response_cost_cny_per_kwh": 0.3,
                "events": [dict(event, **when), dict(event, start_step=2, end_step=4)]}
    clock = {"start": at(19), "end": at(21)}
    local = cost(24, tariff=tariff(price), assets=[LOAD, ev, pool(clock)])
    assert cost(24, tariff=tariff(price), timezone="UTC", assets=[LOAD, ev, pool(clock)]) == pytest.approx(
        local, **SAME)
    assert cost(24, tariff=tariff(price), assets=[LOAD, ev, pool({"start_time": "19:00", "end_time": "21:00"})]) == \
        pytest.approx(local, **SAME)
    assert cost(24, tariff=tariff(price), timezone="UTC",
                assets=[LOAD, ev, pool({"start_time": "11:00", "end_time": "13:00"})]) == pytest.approx(local, **SAME)


# =============================================================================================
# 3. Unit commitment (CHP and electrolyser)
# =============================================================================================

def chp(**overrides) -> dict:
    """An on/off CHP, 40-100 kW electric, fuel affine in power (0.6 CNY/kWh at full load)."""
    spec = {"name": "chp", "kind": "chp", "on_off": True, "gas_price_cny_per_m3": 2.0, "lhv_kwh_per_m3": 10.0,
            "vertices": [{"power_kw": 40, "heat_kw_th": 0, "fuel_kw": 120},
                         {"power_kw": 100, "heat_kw_th": 0, "fuel_kw": 250}]}
    spec.update(overrides)
    return spec


def electrolyser(**overrides) -> dict:
    spec = {"name": "ely", "kind": "electrolyser", "power_kw": 100, "kwh_per_kg": 50, "min_load_fraction": 0.2,
            "standby_kw": 3.0}
    spec.update(overrides)
    return spec


def unit_park(seed: int, kind: str):
    """(steps, step_minutes, a function of the unit's overrides giving the optimum) on random prices."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(6, 11))
    step_minutes = int(rng.choice([15, 60]))
    price = tariff(rng.choice([0.1, 0.3, 0.45, 0.6, 0.9, 1.2], n))
    if kind == "chp":
        others = [{"name": "load", "kind": "demand", "demand_kw": rng.uniform(60, 140, n).round(1).tolist()}]
        unit = chp
    else:
        others = [{"name": "station", "kind": "hydrogen_demand",
                   "demand_kg_per_h": rng.uniform(0, 2, n).round(2).tolist(),
                   "grey_purchase_cny_per_kg": 25.0}]
        unit = electrolyser
    return n, step_minutes, lambda **kw: cost(n, step_minutes, tariff=price, assets=[*others, unit(**kw)])


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("kind", ["chp", "ely"])
def test_one_step_minimum_times_and_a_zero_start_cost_change_nothing(seed, kind):
    """min_up_hours or min_down_hours of one step (or less: rounded up to one step) and a start cost
    of 0 add nothing (commitment.py: U, D <= 1 add nothing)."""
    n, step_minutes, solve_with = unit_park(seed, kind)
    dt = step_minutes / 60
    plain = solve_with()
    for extra in ({"min_up_hours": dt}, {"min_down_hours": dt}, {"start_cost_cny": 0.0},
                  {"min_up_hours": dt / 2, "min_down_hours": dt, "start_cost_cny": 0.0}):
        assert solve_with(**extra) == pytest.approx(plain, **SAME), extra


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("kind", ["chp", "ely"])
def test_commitment_optimum_is_non_decreasing_in_start_cost_and_minimum_times(seed, kind):
    """Each of start cost (0, 4, 15, 50 CNY), minimum up time and minimum down time (0-4 steps)
    only removes schedules or makes them dearer."""
    n, step_minutes, solve_with = unit_park(10 + seed, kind)
    dt = step_minutes / 60
    for field, values in (("start_cost_cny", (0.0, 4.0, 15.0, 50.0)),
                          ("min_up_hours", tuple(k * dt for k in (0, 2, 3, 4))),
                          ("min_down_hours", tuple(k * dt for k in (0, 2, 3, 4)))):
        optima = [solve_with(**{field: v}) for v in values]
        for a, b in zip(optima, optima[1:]):
            assert_le(a, b)


@pytest.mark.parametrize("seed", range(2))
def test_initial_status_carries_over_monotonically(seed):
    """CHP with min_up 3 h and min_down 2 h on hourly steps. Initially on for H hours: the optimum
    is non-increasing in H and equals the unstated (long enough) case once H >= 3; initially off
    for H hours likewise with H >= 2. Without a minimum down time, being on before the horizon is
    never worse than being off (every schedule stays feasible and starts no more often)."""
    rng = np.random.default_rng(20 + seed)
    n = 8
    price = tariff(rng.choice([0.1, 0.3, 0.45, 0.6, 0.9, 1.2], n))
    load = {"name": "load", "kind": "demand", "demand_kw": rng.uniform(60, 140, n).round(1).tolist()}
    def solve_with(**kw):
        return cost(n, tariff=price, assets=[load, chp(min_up_hours=3, min_down_hours=2, **kw)])
    on = [solve_with(initially_on=True, initial_hours_on=h) for h in (1, 2, 3)]
    assert on[-1] == pytest.approx(solve_with(initially_on=True), **SAME)
    assert_le(on[2], on[1])
    assert_le(on[1], on[0])
    off = [solve_with(initial_hours_off=h) for h in (1, 2)]
    assert off[-1] == pytest.approx(solve_with(), **SAME)
    assert_le(off[1], off[0])
    warm = cost(n, tariff=price, assets=[load, chp(min_up_hours=2, start_cost_cny=7.0, initially_on=True)])
    cold = cost(n, tariff=price, assets=[load, chp(min_up_hours=2, start_cost_cny=7.0)])
    assert_le(warm, cold)


@pytest.mark.parametrize("seed", range(2))
def test_relaxations_never_cost_more(seed):
    """The electrolyser with ``relax_to_lp`` (status in [0, 1]) is a relaxation of the binary one;
    a CHP without ``on_off`` running anywhere between off (0, 0, 0) and full load (the convex hull
    of off and its 40-100 kW segment) is a relaxation of the on/off CHP without commitment."""
    n, step_minutes, solve_with = unit_park(30 + seed, "ely")
    for kw in ({}, {"start_cost_cny": 8.0, "min_up_hours": 3 * step_minutes / 60}):
        assert_le(solve_with(relax_to_lp=True, **kw), solve_with(**kw))
    n, step_minutes, solve_with = unit_park(30 + seed, "chp")
    vertices = [{"power_kw": 0, "heat_kw_th": 0, "fuel_kw": 0}, chp()["vertices"][1]]
    assert_le(solve_with(on_off=False, vertices=vertices), solve_with())


@pytest.mark.parametrize("seed", range(2))
def test_quarter_hour_commitment_never_costs_more_than_hourly(seed):
    """Hourly prices and load, CHP with start cost and 2 h minimum up and down times: every hourly
    schedule, repeated on quarter hours, is feasible there with the same starts (2 h = 8 steps), so
    15-minute steps can only do as well or better."""
    rng = np.random.default_rng(70 + seed)
    price = rng.choice([0.1, 0.3, 0.45, 0.6, 0.9, 1.2], 6)
    load = rng.uniform(60, 140, 6).round(1)
    unit = chp(min_up_hours=2, min_down_hours=2, start_cost_cny=5.0)
    by_hour = cost(6, tariff=tariff(price),
                   assets=[{"name": "load", "kind": "demand", "demand_kw": load.tolist()}, unit])
    by_quarter = cost(24, 15, tariff=tariff(hourly(price, 4)),
                      assets=[{"name": "load", "kind": "demand", "demand_kw": hourly(load, 4)}, unit])
    assert_le(by_quarter, by_hour)


# =============================================================================================
# 4. Demand-response events: steps, clock time, daily; rebound
# =============================================================================================

def pool(events: list[dict], baseline, **overrides) -> dict:
    spec = {"name": "vpp", "kind": "demand_response", "baseline_kw": baseline, "flexible_capacity_kw": 200,
            "max_increase_kw": 150, "response_cost_cny_per_kwh": 0.4, "events": events}
    spec.update(overrides)
    return spec


def two_events(rng) -> list[tuple[dict, int, int]]:
    """Two random events on a day of hourly steps, the second after the first's rebound window
    (which may be cut by the horizon's end): (fields without timing, start step, end step)."""
    s1 = int(rng.integers(0, 8))
    e1 = s1 + int(rng.integers(1, 4))
    r1 = int(rng.integers(1, 4))
    s2 = int(rng.integers(e1 + r1, 20))
    e2 = min(24, s2 + int(rng.integers(1, 5)))
    out = []
    for s, e, r in ((s1, e1, r1), (s2, e2, r2 := int(rng.integers(1, 6)))):
        fields = {"direction": str(rng.choice(["reduce", "increase"])),
                  "required_kw": round(float(rng.uniform(0, 100)), 1),
                  "compensation_cny_per_kwh": round(float(rng.uniform(0, 2)), 2), "max_paid_kw": 120.0,
                  "rebound_fraction": round(float(rng.uniform(0, 1)), 2), "rebound_hours": float(r)}
        out.append((fields, s, e))
    return out


@pytest.mark.parametrize("seed", range(3))
def test_an_event_by_steps_equals_it_in_clock_time_daily_and_on_quarter_hours(seed):
    """Two random events with rebound (windows possibly cut by the horizon's end) on a one-day
    hourly horizon from 00:00, given by steps, by timestamps and as daily clock times (``24:00`` for
    an end at midnight): one optimum. The clock-time form on 15-minute steps with the same hourly
    prices and baseline gives it too (an LP whose data are constant within each hour)."""
    rng = np.random.default_rng(seed)
    price = rng.choice([0.2, 0.5, 0.8, 1.2], 24)
    baseline = rng.uniform(250, 600, 24).round(1)
    events = two_events(rng)
    forms = {
        "steps": [dict(f, start_step=s, end_step=e) for f, s, e in events],
        "clock": [dict(f, start=at(s), end=at(e)) for f, s, e in events],
        "daily": [dict(f, start_time=f"{s:02d}:00", end_time=f"{e:02d}:00") for f, s, e in events],
    }
    by_steps = cost(24, tariff=tariff(price), assets=[pool(forms["steps"], baseline.tolist())])
    for name in ("clock", "daily"):
        assert cost(24, tariff=tariff(price), assets=[pool(forms[name], baseline.tolist())]) == pytest.approx(
            by_steps, **SAME), name
    quarter = cost(96, 15, tariff=tariff(hourly(price, 4)), assets=[pool(forms["clock"], hourly(baseline, 4))])
    assert quarter == pytest.approx(by_steps, **SAME)


@pytest.mark.parametrize("seed", range(2))
def test_a_daily_event_past_midnight_equals_its_two_pieces(seed):
    """A daily 22:00-02:00 event on a day from 00:00 is the previous night's tail [0, 2) and this
    night's head [22, 24) (rebound 0.5 within 3 h; the second window falls after the horizon)."""
    rng = np.random.default_rng(seed)
    price = rng.choice([0.0, 0.2, 0.5, 0.8, 1.2], 24)
    baseline = rng.uniform(250, 600, 24).round(1).tolist()
    event = {"direction": "reduce", "required_kw": 60.0, "compensation_cny_per_kwh": 1.0, "max_paid_kw": 150.0,
             "rebound_fraction": 0.5, "rebound_hours": 3}
    wrapped = cost(24, tariff=tariff(price),
                   assets=[pool([dict(event, start_time="22:00", end_time="02:00")], baseline)])
    pieces = cost(24, tariff=tariff(price), assets=[pool([dict(event, start_step=0, end_step=2),
                                                          dict(event, start_step=22, end_step=24)], baseline)])
    assert wrapped == pytest.approx(pieces, **SAME)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("direction", ["reduce", "increase"])
def test_rebound_fraction_zero_is_no_rebound_and_a_larger_rebound_after_a_reduction_costs_more(seed, direction):
    """``rebound_fraction: 0`` with rebound_hours and rebound_max_kw given equals no rebound fields.
    After a reduce event the rebound is extra load bought at prices >= 0: any schedule for a larger
    fraction, its rebound scaled down, serves a smaller fraction for less, so the optimum is
    non-decreasing in the fraction (0, 0.2, 0.5, 1)."""
    rng = np.random.default_rng(40 + seed)
    price = rng.choice([0.0, 0.2, 0.5, 0.8, 1.2], 24)
    baseline = rng.uniform(250, 600, 24).round(1).tolist()
    s = int(rng.integers(2, 16))
    e = s + int(rng.integers(1, 5))
    event = {"direction": direction, "required_kw": round(float(rng.uniform(0, 100)), 1),
             "compensation_cny_per_kwh": 1.0, "max_paid_kw": 150.0, "start_step": s, "end_step": e}
    plain = cost(24, tariff=tariff(price), assets=[pool([event], baseline)])
    zero = cost(24, tariff=tariff(price), assets=[pool([dict(event, rebound_fraction=0.0, rebound_hours=2.5,
                                                             rebound_max_kw=1.0)], baseline)])
    assert zero == pytest.approx(plain, **SAME)
    if direction == "reduce":
        optima = [cost(24, tariff=tariff(price), assets=[pool([dict(event, rebound_fraction=f, rebound_hours=3)],
                                                              baseline)]) for f in (0.0, 0.2, 0.5, 1.0)]
        assert optima[0] == pytest.approx(plain, **SAME)
        for a, b in zip(optima, optima[1:]):
            assert_le(a, b)


# =============================================================================================
# 5. The shared level model: battery, thermal storage, hydrogen storage, EV fleet
# =============================================================================================

def level_park(seed: int, rule: str = "equal_initial", step_minutes: int = 60, lossless: bool = False,
               fleet_end_min: float | None = None) -> tuple[int, dict]:
    """A random park with every kind of store; ``rule`` is the end rule of the battery, the tank and
    the hydrogen tank (``at_least`` with the initial level as the minimum), ``fleet_end_min`` the
    fleet's ``end_energy_min_kwh``. Inputs are hourly; ``step_minutes`` 15 repeats them.
    ``lossless``: no self-discharge (for comparing step lengths). Returns (steps, sections)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(6, 13))
    per = 60 // step_minutes
    price = rng.choice([0.2, 0.5, 0.9, 1.3], n)
    battery = {"name": "bat", "kind": "battery", "power_kw": 80, "energy_kwh": 200, "end_rule": rule,
               "initial_soc_fraction": round(float(rng.uniform(0.1, 0.9)), 2), "charge_efficiency": 0.93,
               "discharge_efficiency": 0.94, "self_discharge_per_hour": 0.0 if lossless else 0.002}
    tank = {"name": "tank", "kind": "thermal_storage", "power_kw": 100, "energy_kwh": 300, "initial_soc_fraction": 0.4,
            "charge_efficiency": 0.97, "discharge_efficiency": 0.96, "end_rule": rule,
            "self_discharge_per_hour": 0.0 if lossless else 0.01}
    h2_tank = {"name": "h2s", "kind": "hydrogen_storage", "capacity_kg": 20, "initial_level_fraction": 0.5,
               "min_level_fraction": 0.1, "max_charge_kg_per_h": 3, "max_discharge_kg_per_h": 4,
               "compressor_kwh_per_kg": 2.0, "end_rule": rule}
    if rule == "at_least":
        battery["end_soc_min_fraction"] = battery["initial_soc_fraction"]
        tank["end_soc_min_fraction"] = tank["initial_soc_fraction"]
        h2_tank["end_level_min_fraction"] = h2_tank["initial_level_fraction"]
    connected = (rng.random(n) < 0.7) * 50.0
    arrival, departure = (rng.random(n) < 0.3) * 20.0, np.zeros(n)
    departure[n // 2], departure[-1] = 60.0, 40.0
    # hourly energies land in the first (arrival) and last (departure) quarter of their hour
    arrival_q, departure_q = np.zeros(n * per), np.zeros(n * per)
    arrival_q[::per], departure_q[per - 1::per] = arrival, departure
    fleet = {"name": "fleet", "kind": "ev_fleet", "connected_power_kw": hourly(connected, per),
             "max_energy_kwh": 5000.0 if lossless else 200.0, "min_energy_kwh": 10.0,
             "arrival_energy_kwh": arrival_q.tolist(), "departure_energy_kwh": departure_q.tolist(),
             "initial_energy_kwh": 50.0, "v2g_power_kw": hourly(connected / 2, per), "charge_efficiency": 0.95,
             "discharge_efficiency": 0.92, "degradation_cost_cny_per_kwh": 0.02}
    if fleet_end_min is not None:
        fleet["end_energy_min_kwh"] = fleet_end_min
    assets = [
        {"name": "load", "kind": "demand", "demand_kw": hourly(rng.uniform(50, 150, n).round(1), per)},
        {"name": "pv", "kind": "pv",
         "available_kw": hourly((rng.uniform(0, 200, n) * (rng.random(n) < 0.6)).round(1), per)},
        battery, tank, h2_tank, fleet,
        {"name": "heat", "kind": "heat_demand", "demand_kw_th": hourly(rng.uniform(20, 90, n).round(1), per)},
        {"name": "eboiler", "kind": "electric_boiler", "capacity_kw_th": 200},
        {"name": "ely", "kind": "electrolyser", "power_kw": 120, "kwh_per_kg": 52},
        {"name": "station", "kind": "hydrogen_demand", "demand_kg_per_h": hourly(rng.uniform(0, 2, n).round(2), per),
         "grey_purchase_cny_per_kg": 30.0},
    ]
    return n * per, {"tariff": tariff(hourly(price, per)), "assets": assets}


def continuity_gap(level, previous_start, charge, discharge, dt, keep=1.0, eta_c=1.0, eta_d=1.0, exogenous=0.0):
    """Largest |level_t - (keep level_{t-1} + x_t + dt (eta_c c_t - d_t / eta_d))| [level units]."""
    before = np.concatenate([[previous_start], level[:-1]])
    return float(np.abs(level - (keep * before + exogenous + dt * (eta_c * charge - discharge / eta_d))).max())


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("rule", ["equal_initial", "cyclic", "at_least", "free"])
def test_every_store_keeps_its_own_continuity_bounds_and_end_rule(seed, rule):
    """Re-derive, from the result Dataset alone and independently of ``check``, each store's level
    equation (with its own retention, efficiencies and exogenous energy), its bounds and its end
    rule, on random parks under each end rule."""
    n, sections = level_park(seed, rule, fleet_end_min=30.0 if rule == "at_least" else None)
    r = optimise(scenario(n, **sections))
    ds, dt, tol = r.dataset, 1.0, 1e-6 * 5000
    spec = {a["name"]: a for a in sections["assets"]}

    for name, energy, kept in (("bat", 200.0, (1 - 0.002)), ("tank", 300.0, (1 - 0.01))):
        a, f = spec[name], asset_flows(ds, name)
        soc = f["soc_kwh"]
        initial = a["initial_soc_fraction"] * energy
        start = soc[-1] if rule == "cyclic" else initial
        assert continuity_gap(soc, start, f["charge_kw"], f["discharge_kw"], dt, kept, a["charge_efficiency"],
                              a["discharge_efficiency"]) < tol, name
        low, high = (0.05, 0.95) if name == "bat" else (0.0, 1.0)
        assert soc.min() >= low * energy - tol and soc.max() <= high * energy + tol, name
        assert f["charge_kw"].max() <= a["power_kw"] + tol and f["discharge_kw"].max() <= a["power_kw"] + tol
        assert np.minimum(f["charge_kw"], f["discharge_kw"]).max() <= tol
        if rule == "equal_initial":
            assert soc[-1] == pytest.approx(initial, abs=tol)
        elif rule == "at_least":
            assert soc[-1] >= initial - tol

    f = asset_flows(ds, "h2s")
    level = f["level_kg"]
    start = level[-1] if rule == "cyclic" else 10.0
    assert continuity_gap(level, start, f["charge_kg_per_h"], f["discharge_kg_per_h"], dt) < tol
    assert level.min() >= 2.0 - tol and level.max() <= 20.0 + tol
    assert f["charge_kg_per_h"].max() <= 3 + tol and f["discharge_kg_per_h"].max() <= 4 + tol
    np.testing.assert_allclose(f["compressor_kw"], 2.0 * f["charge_kg_per_h"], atol=tol)
    if rule == "equal_initial":
        assert level[-1] == pytest.approx(10.0, abs=tol)
    elif rule == "at_least":
        assert level[-1] >= 10.0 - tol

    a, f = spec["fleet"], asset_flows(ds, "fleet")
    energy = f["energy_kwh"]
    exogenous = np.asarray(a["arrival_energy_kwh"]) - np.asarray(a["departure_energy_kwh"])
    assert continuity_gap(energy, 50.0, f["charge_kw"], f["discharge_kw"], dt, 1.0, 0.95, 0.92, exogenous) < tol
    assert energy.min() >= 10.0 - tol and energy.max() <= 200.0 + tol
    assert (f["charge_kw"] <= np.asarray(a["connected_power_kw"]) + tol).all()
    assert (f["discharge_kw"] <= np.asarray(a["v2g_power_kw"]) + tol).all()
    if rule == "at_least":
        assert energy[-1] >= 30.0 - tol

    # the electricity balance, recomputed from the flows
    g = asset_flows(ds, "grid")
    supply = g["import_kw"] - g["export_kw"] + asset_flows(ds, "pv")["output_kw"]
    use = (np.asarray(spec["load"]["demand_kw"]) + asset_flows(ds, "bat")["charge_kw"]
           - asset_flows(ds, "bat")["discharge_kw"] + asset_flows(ds, "h2s")["compressor_kw"]
           + asset_flows(ds, "fleet")["charge_kw"] - asset_flows(ds, "fleet")["discharge_kw"]
           + asset_flows(ds, "eboiler")["power_kw"] + asset_flows(ds, "ely")["power_kw"])
    np.testing.assert_allclose(supply, use, atol=tol)


@pytest.mark.parametrize("seed", range(2))
def test_end_rules_are_ordered(seed):
    """``cyclic`` (start free, end = start) relaxes ``equal_initial`` (start = end = initial);
    ``at_least`` the initial level relaxes ``equal_initial``; ``free`` relaxes both. So
    free <= cyclic <= equal_initial and free <= at_least <= equal_initial."""
    optima = {}
    for rule in ("equal_initial", "cyclic", "at_least", "free"):
        n, sections = level_park(seed, rule)
        optima[rule] = cost(n, **sections)
    assert_le(optima["cyclic"], optima["equal_initial"])
    assert_le(optima["at_least"], optima["equal_initial"])
    assert_le(optima["free"], optima["cyclic"])
    assert_le(optima["free"], optima["at_least"])


@pytest.mark.parametrize("seed", range(2))
def test_lossless_stores_cost_the_same_in_15_and_60_minute_steps(seed):
    """Without self-discharge and with hourly constant inputs (EV energy arriving in an hour's first
    quarter and leaving in its last, the fleet's upper bound slack), every store's level equation is
    the same over an hour whether it is one step or four: 15- and 60-minute steps give one optimum."""
    n, sections = level_park(50 + seed, lossless=True)
    n15, sections15 = level_park(50 + seed, step_minutes=15, lossless=True)
    assert cost(n15, 15, **sections15) == pytest.approx(cost(n, **sections), **SAME)


@pytest.mark.parametrize("seed", range(4))
def test_one_store_as_each_kind_gives_one_optimum(seed):
    """The same store (50 kW, 150 kWh, window 10-90 %, starting at 40 %, ending at least at 50 %,
    no self-discharge) as a battery, a flow battery without pumps, a thermal store behind an
    electric boiler of efficiency 1 serving the load as heat, an EV fleet always plugged in with
    V2G, and (lossless, no ageing cost) a hydrogen tank behind a 1 kWh/kg electrolyser serving the
    load as hydrogen: every kind runs the one level model, so all give the same optimum."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(6, 13))
    price = tariff(rng.choice([0.2, 0.5, 0.9, 1.3], n))
    demand = rng.uniform(20, 120, n).round(1).tolist()
    lossless = seed % 2 == 0
    eta_c, eta_d, wear = (1.0, 1.0, 0.0) if lossless else (0.93, 0.9, 0.03)
    store = {"name": "store", "kind": "battery", "power_kw": 50.0, "energy_kwh": 150.0, "initial_soc_fraction": 0.4,
             "min_soc_fraction": 0.1, "max_soc_fraction": 0.9, "charge_efficiency": eta_c,
             "discharge_efficiency": eta_d, "self_discharge_per_hour": 0.0, "cycle_cost_cny_per_kwh": wear,
             "end_rule": "at_least", "end_soc_min_fraction": 0.5}
    load = {"name": "load", "kind": "demand", "demand_kw": demand}
    battery = cost(n, tariff=price, assets=[load, store])
    flow = cost(n, tariff=price, assets=[load, dict(store, kind="flow_battery", pump_load_fraction=0.0)])
    thermal = cost(n, tariff=price, assets=[
        {"name": "heat", "kind": "heat_demand", "demand_kw_th": demand},
        {"name": "eboiler", "kind": "electric_boiler", "capacity_kw_th": 10_000, "efficiency": 1.0},
        dict(store, kind="thermal_storage")])
    fleet = cost(n, tariff=price, assets=[load, {
        "name": "store", "kind": "ev_fleet", "connected_power_kw": 50.0, "v2g_power_kw": 50.0, "min_energy_kwh": 15.0,
        "max_energy_kwh": 135.0, "initial_energy_kwh": 60.0, "end_energy_min_kwh": 75.0, "charge_efficiency": eta_c,
        "discharge_efficiency": eta_d, "degradation_cost_cny_per_kwh": wear}])
    for other in (flow, thermal, fleet):
        assert other == pytest.approx(battery, **SAME)
    if lossless:
        hydrogen = cost(n, tariff=price, assets=[
            {"name": "station", "kind": "hydrogen_demand", "demand_kg_per_h": demand},
            {"name": "ely", "kind": "electrolyser", "power_kw": 10_000, "kwh_per_kg": 1.0},
            {"name": "store", "kind": "hydrogen_storage", "capacity_kg": 150.0, "min_level_fraction": 0.1,
             "max_level_fraction": 0.9, "initial_level_fraction": 0.4, "end_rule": "at_least",
             "end_level_min_fraction": 0.5, "max_charge_kg_per_h": 50.0, "max_discharge_kg_per_h": 50.0}])
        assert hydrogen == pytest.approx(battery, **SAME)


# =============================================================================================
# 6. Whole-park invariances
# =============================================================================================

@pytest.mark.parametrize("seed", range(1))
def test_asset_order_and_forced_binaries_do_not_change_the_optimum(seed):
    """The rich heat-level park and the every-store park: shuffling the asset list, and forcing the
    charge/discharge binaries (``binaries: always``) at non-negative prices, give the same optimum."""
    n, price, electric, heat = heat_park(400 + seed)
    rng = np.random.default_rng(seed)
    assets = with_levels(electric + heat, random_levels(rng))
    shuffled = copy.deepcopy(assets)
    rng.shuffle(shuffled)
    base = cost(n, tariff=price, heat_levels=three_levels(), assets=assets)
    assert cost(n, tariff=price, heat_levels=three_levels(), assets=shuffled) == pytest.approx(base, **SAME)
    assert cost(n, tariff=price, heat_levels=three_levels(), assets=assets,
                solver={"mip_gap": 0.0, "binaries": "always"}) == pytest.approx(base, **SAME)
    n, sections = level_park(400 + seed, "cyclic")
    base = cost(n, **sections)
    shuffled = dict(sections, assets=copy.deepcopy(sections["assets"]))
    rng.shuffle(shuffled["assets"])
    assert cost(n, **shuffled) == pytest.approx(base, **SAME)
    assert cost(n, **sections, solver={"mip_gap": 0.0, "binaries": "always"}) == pytest.approx(base, **SAME)


def test_scaling_every_quantity_scales_the_optimum():
    """A park with an on/off CHP (start cost, minimum times), a DR pool with a rebound, V2G sessions
    with a site limit and a battery: multiplying every power, energy and start cost by 10 (prices
    unchanged) multiplies the optimum by 10 (no absolute constant hides in the models)."""
    rng = np.random.default_rng(11)
    n = 12
    price = tariff(rng.choice([0.2, 0.5, 0.9, 1.3], n))
    load = rng.uniform(60, 140, n).round(1)

    def park(k: float) -> list[dict]:
        sessions = [{"id": f"s{i}", "arrival": at(a), "departure": at(b), "energy_kwh": k * e,
                     "battery_kwh": k * 60.0, "arrival_energy_kwh": k * 10.0}
                    for i, (a, b, e) in enumerate([(0, 5, 20.0), (1.5, 9, 35.0), (6, 12, 12.0), (8.25, 10.5, 9.0)])]
        vertices = [{"power_kw": k * 40, "heat_kw_th": 0, "fuel_kw": k * 120},
                    {"power_kw": k * 100, "heat_kw_th": 0, "fuel_kw": k * 250}]
        return [
            {"name": "load", "kind": "demand", "demand_kw": (k * load).tolist()},
            chp(vertices=vertices, start_cost_cny=k * 6.0, min_up_hours=2, min_down_hours=2),
            pool([{"direction": "reduce", "required_kw": k * 30, "compensation_cny_per_kwh": 0.8,
                   "max_paid_kw": k * 50, "start_step": 3, "end_step": 5, "rebound_fraction": 0.6,
                   "rebound_hours": 3, "rebound_max_kw": k * 40}], (k * load).tolist(),
                 flexible_capacity_kw=k * 80, max_increase_kw=k * 60),
            {"name": "ev", "kind": "ev_sessions", "charger_power_kw": k * 11, "site_limit_kw": k * 25, "v2g": True,
             "sessions": sessions, "degradation_cost_cny_per_kwh": 0.02},
            {"name": "bat", "kind": "battery", "power_kw": k * 30, "energy_kwh": k * 90},
        ]

    grid = {"import_limit_kw": 100_000, "export_limit_kw": 0, "emission_factor_tco2_per_mwh": 0.0}
    one = cost(n, tariff=price, grid=grid, assets=park(1.0))
    assert cost(n, tariff=price, grid=grid, assets=park(10.0)) == pytest.approx(10 * one, **SAME)


@pytest.mark.parametrize("seed", range(2))
def test_soft_sessions_with_a_prohibitive_penalty_equal_hard_ones(seed):
    """Feasible sessions with ``unserved_penalty_cny_per_kwh`` 1000 (far above any price) are served
    in full: the hard optimum. A penalty of 0.3 CNY/kWh can only lower it."""
    rng = np.random.default_rng(60 + seed)
    price = rng.choice([0.2, 0.5, 0.9, 1.4], 8)
    ev = {"name": "ev", "kind": "ev_sessions", "charger_power_kw": 11.0, "sessions": random_sessions(rng, 8, v2g=True),
          "v2g": True}
    hard = cost(8, tariff=tariff(price), assets=[LOAD, ev])
    assert cost(8, tariff=tariff(price), assets=[LOAD, dict(ev, unserved_penalty_cny_per_kwh=1000.0)]) == \
        pytest.approx(hard, **SAME)
    assert_le(cost(8, tariff=tariff(price), assets=[LOAD, dict(ev, unserved_penalty_cny_per_kwh=0.3)]), hard)
