"""Capacity sizing co-optimised with dispatch: hand-worked optima, shadow prices, validation, outputs.

Costs are stated per unit of capacity and **day**: a 24-hour horizon represents w = 24/8760 = 1/365
of a year, so a capacity costing b CNY per unit-day has annualised cost 365 b CNY per unit-year
(:func:`per_day` turns b into the investment whose CRF annuity is that). Every optimum below is
also checked independently against the park at the chosen capacities (``optimise`` raises otherwise).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from optimiser.check import check_solution
from optimiser.errors import ScenarioError
from optimiser.planning.sized_run import SizingRun
from optimiser.planning.sizing import crf, represented_years, with_capacities
from optimiser.results import asset_flows
from optimiser.run import optimise

VALLEY, FLAT, PEAK = 0.3, 0.6, 1.0
HOURS = [VALLEY] * 8 + [FLAT] * 12 + [PEAK] * 4
"""a day's import prices [CNY/kWh]: valley 00-08, flat 08-20, peak 20-24"""


def per_day(cny_per_unit_day: float, rate: float = 0.0, years: float = 10.0) -> dict:
    """Cost fields of a capacity whose annualised investment is 365 x ``cny_per_unit_day`` CNY per unit-year."""
    return {"investment_cny_per_unit": 365.0 * cny_per_unit_day / crf(rate, years), "lifetime_years": years}


def prices(step_minutes: int) -> list[float]:
    return list(np.repeat(HOURS, 60 // step_minutes))


def nested(flat: dict) -> dict:
    """{"lfp.energy_kwh": x} -> {"lfp": {"energy_kwh": x}}, as the scenario file nests capacities."""
    out: dict = {}
    for key, value in flat.items():
        name, _, field = key.rpartition(".")
        out.setdefault(name, {})[field] = value
    return out


def sizing(capacities: dict, rate: float = 0.0, reference: dict | None = None) -> dict:
    return {"discount_rate": rate, "capacities": nested(capacities), "reference": nested(reference or {})}


def store(name="lfp", kind="battery", **overrides) -> dict:
    spec = {"name": name, "kind": kind, "power_kw": 5000, "energy_kwh": 1, "charge_efficiency": 0.9,
            "discharge_efficiency": 1.0, "min_soc_fraction": 0.0, "max_soc_fraction": 1.0,
            "self_discharge_per_hour": 0.0, "end_rule": "cyclic"}
    if kind == "battery":
        spec["cycle_cost_cny_per_kwh"] = 0.0
    spec.update(overrides)
    return spec


def day(build, step_minutes: int, assets: list, sizing_: dict, **sections):
    steps = 24 * 60 // step_minutes
    sections.setdefault("tariff", {"import_cny_per_kwh": prices(step_minutes), "export_cny_per_kwh": 0.0})
    return build(steps, step_minutes, assets=assets, sizing=sizing_, **sections)


LOAD = {"name": "load", "kind": "demand", "demand_kw": 1000}


def sized_day(build, step_minutes: int, assets: list, costs: dict[str, tuple[float, float]], objective: float):
    """Size ``costs`` ({key: (max, CNY per unit-day)}, none existing) over a day; assert the objective and return
    the result and its capacities by key."""
    s = day(build, step_minutes, assets, sizing({key: {"existing": 0, "max": top, **per_day(b)}
                                                 for key, (top, b) in costs.items()}))
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(objective, rel=1e-9)
    return r, {key: c["capacity"] for key, c in r.summary["sizing"]["capacities"].items()}


def test_capital_recovery_factor():
    """CRF(5 %, 10 a) = 0.05 x 1.05^10 / (1.05^10 - 1) = 0.05 x 1.628894627 / 0.628894627 = 0.1295045750;
    at r = 0 it is 1/n; a day is 1/365 of a year."""
    assert crf(0.05, 10) == pytest.approx(0.1295045750, rel=1e-9)
    assert crf(0.0, 8) == 0.125
    assert crf(0.08, 1) == pytest.approx(1.08)


@pytest.mark.parametrize("step_minutes", [60, 15])
@pytest.mark.parametrize("b, energy_kwh, objective", [
    # Without storage the day costs 1000 kW x (8 x 0.3 + 12 x 0.6 + 4 x 1.0) h = 13,600 CNY.
    # A kWh of capacity (charge 90 %, discharge 100 %) moved from valley to peak saves 1.0 - 0.3/0.9 = 2/3 CNY,
    # into a flat hour 0.6 - 1/3 = 4/15 CNY; the peak takes 4 h x 1000 kW = 4000 kWh, the flat hours 12,000 kWh.
    # b = 0.5 CNY/kWh-day lies between: E* = 4000 kWh (the break-even capacity), 13600 - 4000 x (2/3 - 0.5) = 12933.33.
    (0.5, 4000.0, 13600 - 4000 * (2 / 3 - 0.5)),
    # b = 0.2 < 4/15: the flat hours too, E* = 16,000 kWh; 13600 - 4000 (2/3 - 0.2) - 12000 (4/15 - 0.2) = 10933.33
    # (charging 16000/0.9 = 17,778 kWh in 8 valley hours needs 2222 kW < 5000 kW).
    (0.2, 16000.0, 13600 - 4000 * (2 / 3 - 0.2) - 12000 * (4 / 15 - 0.2)),
    # b = 0.7 > 2/3: no storage pays, E* = 0, the reference day 13,600 CNY.
    (0.7, 0.0, 13600.0),
])
def test_battery_sized_by_one_price_spread(build, step_minutes, b, energy_kwh, objective):
    """The battery's energy is bought up to the capacity where the spread it earns falls below its cost."""
    s = day(build, step_minutes, [LOAD, store()],
            sizing({"lfp.energy_kwh": {"existing": 0, "max": 20000, **per_day(b, 0.06, 15)}}, rate=0.06))
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(objective, rel=1e-9)
    report = r.summary["sizing"]
    assert report["capacities"]["lfp.energy_kwh"]["capacity"] == pytest.approx(energy_kwh, abs=1e-5)
    assert report["investment_cny_per_year"] == pytest.approx(365 * b * energy_kwh, rel=1e-9, abs=1e-6)
    assert r.scenario.assets[1].energy_kwh == pytest.approx(energy_kwh, abs=1e-5)  # the result describes the sized park
    assert report["reference"]["objective_cny"] == pytest.approx(13600.0, rel=1e-9)


def test_brown_field_capacity_is_a_lower_bound_without_investment(build):
    """2000 kWh exist; at b = 0.7 (> 2/3) nothing is added. Investment is paid only on new capacity, fixed O&M
    (0.1 CNY/kWh-day, 36.5 CNY/kWh-year) on all of it: 13600 - 2000 x 2/3 + 0.1 x 2000 = 12,466.67 CNY."""
    s = day(build, 60, [LOAD, store()], sizing({"lfp.energy_kwh": {
        "existing": 2000, "max": 20000, "fixed_om_cny_per_unit_year": 36.5, **per_day(0.7)}}))
    r = optimise(s)
    assert r.summary["objective_cny"] == pytest.approx(13600 - 2000 * 2 / 3 + 200, rel=1e-9)
    report = r.summary["sizing"]
    assert report["capacities"]["lfp.energy_kwh"]["capacity"] == pytest.approx(2000, abs=1e-6)
    assert report["overnight_investment_cny"] == pytest.approx(0.0, abs=1e-6)
    assert report["fixed_om_cny_per_year"] == pytest.approx(36.5 * 2000, rel=1e-9)


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_flow_battery_power_and_energy_sized_separately(build, step_minutes):
    """Stacks (power) at 0.5 CNY/kW-day and tanks (energy) at 0.35 CNY/kWh-day, lossless, no pumps.

    Shaving x kW of the 4-hour peak needs P = x and E = 4x and saves 4 x (1.0 - 0.3) = 2.8 CNY/kW against
    0.5 + 4 x 0.35 = 1.9; more tank for the flat hours earns 0.6 - 0.3 = 0.3 < 0.35 CNY/kWh. So P* = 1000 kW,
    E* = 4000 kWh (4 h: set by the peak's duration, not a fixed ratio) and the day costs
    13600 - 2800 + 500 + 1400 = 12,700 CNY.
    """
    vrfb = store("vrfb", "flow_battery", charge_efficiency=1.0, pump_load_fraction=0.0, power_kw=1, energy_kwh=1)
    r, caps = sized_day(build, step_minutes, [LOAD, vrfb],
                        {"vrfb.power_kw": (10000, 0.5), "vrfb.energy_kwh": (40000, 0.35)}, 12700.0)
    assert caps == pytest.approx({"vrfb.power_kw": 1000.0, "vrfb.energy_kwh": 4000.0}, abs=1e-5)
    assert asset_flows(r.dataset, "vrfb")["discharge_kw"].max() == pytest.approx(1000.0, abs=1e-5)


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_flow_battery_with_its_losses_and_pumps(build, step_minutes):
    """The same peak with the vanadium defaults: stacks 87 % each way, pumps 3 % of stack power, no standby loss.
    Feeding 1000 kW to the bus needs d = 1000/0.97 = 1030.93 kW of discharge (P*), a tank of
    E* = 4 d / 0.87 = 4739.90 kWh, charged with 4739.90/0.87 kWh at the stacks plus 3 % pumps from the bus at
    0.3 CNY/kWh. A delivered kWh costs 0.3 x 1.03 / (0.87^2 x 0.97) = 0.4209 CNY: the peak (1.0) pays for P and E
    (2.32 against 0.52 + 1.66 CNY per kW of peak), the flat hours (0.6) do not (0.18 against 0.41 CNY per kWh of
    tank). Objective = 13600 - 4000 + 0.3 x 1.03 x E/0.87 + 0.5 P + 0.35 E."""
    vrfb = store("vrfb", "flow_battery", charge_efficiency=0.87, discharge_efficiency=0.87, power_kw=1, energy_kwh=1)
    power, energy = 1000 / 0.97, 4 * 1000 / 0.97 / 0.87
    _, caps = sized_day(build, step_minutes, [LOAD, vrfb],
                        {"vrfb.power_kw": (10000, 0.5), "vrfb.energy_kwh": (40000, 0.35)},
                        13600 - 4000 + 0.3 * 1.03 * energy / 0.87 + 0.5 * power + 0.35 * energy)
    assert caps == pytest.approx({"vrfb.power_kw": power, "vrfb.energy_kwh": energy}, abs=1e-5)


def pv_day(build, step_minutes: int, cny_per_kw_day: float, target: float | None = None, kind: str = "pv"):
    """A plant (``pv`` or ``wind``) whose availability per kW is 0.5 in 06-09 and 15-18 and 1.0 in 09-15
    (9 kWh per kW-day); flat 0.5 CNY/kWh; 1000 kW load; no export."""
    profile = np.repeat([0.0] * 6 + [0.5] * 3 + [1.0] * 6 + [0.5] * 3 + [0.0] * 6, 60 // step_minutes)
    pv = {"name": "pv", "kind": kind, "capacity_kw": 100, "available_kw": (100 * profile).tolist()}
    steps = 24 * 60 // step_minutes
    return build(steps, step_minutes, assets=[LOAD, pv],
                 sizing=sizing({"pv.capacity_kw": {"existing": 0, "max": 5000, **per_day(cny_per_kw_day)}}),
                 targets={} if target is None else {"renewable_share_min": target})


@pytest.mark.parametrize("kind", ["pv", "wind"])
@pytest.mark.parametrize("step_minutes", [60, 15])
def test_pv_sized_against_the_tariff_and_a_share_target(build, step_minutes, kind):
    """PV at 2 CNY/kW-day. Up to 1000 kW all output is used: 9 kWh/kW-day x 0.5 = 4.5 CNY/kW-day saved; beyond,
    the midday hours curtail and only the shoulders' 3 kWh/kW-day (1.5 CNY) count. So on the tariff alone
    C* = 1000 kW: 12000 - 4500 + 2000 = 9500 CNY, renewable share 9000/24000 = 0.375.
    With renewable_share_min 0.5 the park needs 12,000 kWh = 6000 + 3C: C* = 2000 kW,
    12000 - 0.5 x 12000 + 2 x 2000 = 10,000 CNY."""
    r = optimise(pv_day(build, step_minutes, 2.0, kind=kind))
    assert r.summary["objective_cny"] == pytest.approx(9500.0, rel=1e-9)
    assert r.summary["sizing"]["capacities"]["pv.capacity_kw"]["capacity"] == pytest.approx(1000.0, abs=1e-5)
    assert r.summary["renewable_share"] == pytest.approx(0.375, abs=1e-9)
    r = optimise(pv_day(build, step_minutes, 2.0, target=0.5, kind=kind))
    assert r.summary["objective_cny"] == pytest.approx(10000.0, rel=1e-9)
    assert r.summary["sizing"]["capacities"]["pv.capacity_kw"]["capacity"] == pytest.approx(2000.0, abs=1e-5)
    f = asset_flows(r.dataset, "pv")
    assert f["available_kw"].max() == pytest.approx(2000.0, abs=1e-5)  # availability of the sized plant
    assert r.summary["curtailment_kwh"] == pytest.approx(6 * 1000.0, abs=1e-4)  # midday: 2000 available, 1000 used


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_share_target_forces_investment_and_its_shadow_price(build, step_minutes):
    """PV at 5 CNY/kW-day saves only 4.5: without a target none is built (12,000 CNY). A renewable share of 0.25
    needs 6000 kWh = 9C: C* = 666.67 kW, 12000 - 0.5 x 6000 + 5 x 666.67 = 12,333.33 CNY. Each further kWh of
    renewable energy costs (5 - 4.5)/9 = 1/18 CNY, so one share point (1 % of 24,000 kWh = 240 kWh) costs
    240/18 = 13.333 CNY: the dual of the share row times 240, and the finite difference on the seam."""
    assert optimise(pv_day(build, step_minutes, 5.0)).summary["objective_cny"] == pytest.approx(12000.0, rel=1e-9)
    run = SizingRun(pv_day(build, step_minutes, 5.0, target=0.25))
    result, chosen = run.solve(60, 1e-4)
    assert result.summary["objective_cny"] == pytest.approx(12000 - 3000 + 5 * 6000 / 9, rel=1e-9)
    assert chosen["pv.capacity_kw"] == pytest.approx(6000 / 9, abs=1e-5)
    seam = run.dispatch.seam
    row = seam.rows_of(run.dispatch.model.targets.renewable_share_min)
    dual = float(np.asarray(seam.highs.getSolution().row_dual)[row][0]) / seam.scale
    assert dual * 240 == pytest.approx(240 / 18, rel=1e-6)  # CNY per share point
    seam.set_row_bounds(row, 240.0, np.inf)  # N - 0.25 C >= 240 kWh: one more point
    raised, _ = run.solve(60, 1e-4)
    assert raised.summary["objective_cny"] - result.summary["objective_cny"] == pytest.approx(240 / 18, rel=1e-6)
    assert raised.summary["renewable_share"] == pytest.approx(0.26, abs=1e-9)


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_electrolyser_and_tank_sized_for_valley_power(build, step_minutes):
    """10 kg/h of hydrogen all day at 50 kWh/kg. Electrolyser at 0.5 CNY/kW-day, tank at 1 CNY/kg-day.
    Running only in the 8 valley hours needs P = 240 kg x 50 / 8 h = 1500 kW and a 16 h x 10 = 160 kg tank:
    8 x 1500 x 0.3 + 0.5 x 1500 + 160 = 4510 CNY. From P = 500 kW (no tank: 500 x 13.6 + 250 = 7050 CNY) each
    further kW moves 8 kWh from the peak (saving 8 x 0.7 = 5.6 CNY), then from the flat hours (8 x 0.3 = 2.4),
    into the valley, for 0.5 + 8/50 kg x 1 = 0.66 CNY of electrolyser and tank: P* = 1500 kW."""
    assets = [
        {"name": "ely", "kind": "electrolyser", "power_kw": 1, "kwh_per_kg": 50},
        {"name": "tank", "kind": "hydrogen_storage", "capacity_kg": 1, "end_rule": "cyclic"},
        {"name": "h2", "kind": "hydrogen_demand", "demand_kg_per_h": 10},
    ]
    _, caps = sized_day(build, step_minutes, assets, {"ely.power_kw": (5000, 0.5), "tank.capacity_kg": (1000, 1.0)},
                        4510.0)
    assert caps == pytest.approx({"ely.power_kw": 1500.0, "tank.capacity_kg": 160.0}, abs=1e-5)


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_heat_pump_and_thermal_store_sized(build, step_minutes):
    """500 kW_th of heat all day, COP 4; heat pump at 0.2 CNY/kW_th-day, store at 0.05 CNY/kWh_th-day, grid
    connection at 0.1 CNY/kW-day. With heat pump Q [kW_th] running flat out in the valley, F kWh_th made in the
    flat hours (8Q + F = 12,000, F <= 12Q, so Q >= 600) and none in the peak (at 0.25 CNY/kWh_th it costs more
    than flat heat plus store), the cyclic store holds E = max(8Q - 4000, 2000) kWh_th and the connection Q/4 kW.
    Cost = 0.6Q + 0.15F + 0.2Q + 0.05E + 0.025Q = 1800 - 0.375Q + 0.05E: 1900 - 0.375Q on [600, 750], then
    1600 + 0.025Q. So Q* = 750 kW_th, E* = 2000 kWh_th, G* = 187.5 kW and 1618.75 CNY (without the connection's
    cost the optimum would be a tie over Q in [750, 1500])."""
    assets = [
        {"name": "heat", "kind": "heat_demand", "demand_kw_th": 500},
        {"name": "hp", "kind": "heat_pump", "capacity_kw_th": 1, "cop": 4},
        {"name": "tes", "kind": "thermal_storage", "power_kw": 5000, "energy_kwh": 1, "self_discharge_per_hour": 0,
         "end_rule": "cyclic"},
    ]
    r, caps = sized_day(build, step_minutes, assets, {"hp.capacity_kw_th": (5000, 0.2), "tes.energy_kwh": (20000, 0.05),
                                                      "grid.import_limit_kw": (10000, 0.1)}, 1618.75)
    assert caps == pytest.approx({"hp.capacity_kw_th": 750.0, "tes.energy_kwh": 2000.0, "grid.import_limit_kw": 187.5},
                                 abs=1e-5)
    assert r.summary["sizing"]["capacities"]["tes.energy_kwh"]["unit"] == "kWh_th"
    assert asset_flows(r.dataset, "grid")["import_kw"].max() == pytest.approx(187.5, abs=1e-5)


def test_check_verifies_flows_against_the_chosen_capacities(build):
    """The same dispatch checked against a park with 1 % less battery energy than chosen must fail: the check
    reads the capacities of the sized park, not the model's bounds."""
    s = day(build, 60, [LOAD, store()], sizing({"lfp.energy_kwh": {"existing": 0, "max": 20000, **per_day(0.5)}}))
    run = SizingRun(s)
    result, chosen = run.solve(60, 1e-4)
    operating = result.summary["objective_cny"] - run.capacity_cost_cny(chosen)
    assert check_solution(result.dataset, result.scenario, operating) == []
    smaller = with_capacities(s, {"lfp.energy_kwh": 0.99 * chosen["lfp.energy_kwh"]})
    problems = check_solution(result.dataset, smaller, operating)
    assert any("lfp.soc_kwh" in p and "above its upper bound 3960" in p for p in problems)


def test_payback_and_npv_against_the_reference(build):
    """Battery at b = 0.5 (r = 0, 10 a: 1825 CNY/kWh overnight). Design E = 4000 kWh saves 4000 x 2/3 = 2666.67
    CNY/day = 973,333 CNY/year of operation for 7.3 MCNY: payback 7.5 years. NPV over 10 years at r = 0 =
    10 x (annual cost saving 973,333 - 730,000 annuity) = 2,433,333 CNY."""
    s = day(build, 60, [LOAD, store()], sizing({"lfp.energy_kwh": {"existing": 0, "max": 20000, **per_day(0.5)}}))
    report = optimise(s).summary["sizing"]
    assert report["simple_payback_years"] == pytest.approx(7.5, rel=1e-9)
    assert report["npv_cny"] == pytest.approx(10 * (365 * 4000 * 2 / 3 - 365 * 0.5 * 4000), rel=1e-9)
    # LCOE: (730,000 + 365 x 10,933.33...) / consumed (24,000 + 4000/0.9 - 4000 kWh of losses) x 365
    total = 365 * 0.5 * 4000 + 365 * (13600 - 4000 * 2 / 3)
    assert report["lcoe_cny_per_kwh"] == pytest.approx(total / (365 * (24000 + 4000 / 0.9 - 4000)), rel=1e-9)
    assert report["reference"]["lcoe_cny_per_kwh"] == pytest.approx(13600 / 24000, rel=1e-9)


def test_sizing_json_written_by_the_cli(tmp_path, capsys):
    from builders import small_scenario
    from optimiser.cli import main

    import yaml

    raw = small_scenario(24, tariff={"import_cny_per_kwh": HOURS, "export_cny_per_kwh": 0.0}, assets=[LOAD, store()],
                         sizing=sizing({"lfp.energy_kwh": {"existing": 0, "max": 20000, **per_day(0.5)}}))
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(raw))
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--no-plot", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "lfp.energy_kwh" in printed and "payback 7.5 years" in printed
    written = json.loads((tmp_path / "out" / "sizing.json").read_text())
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert written == summary["sizing"]
    assert written["capacities"]["lfp.energy_kwh"]["capacity"] == pytest.approx(4000.0, abs=1e-5)


def test_represented_years_of_a_quarter_hour_day(build):
    s = build(96, 15, assets=[LOAD])
    assert represented_years(s) == pytest.approx(1 / 365)


@pytest.mark.parametrize("entry, asset, message", [
    ({"lfp.energy_kwh": {"min": 5000, "max": 2000, **per_day(0.5)}}, store(),
     r"sizing.capacities.lfp.energy_kwh: min 5000 is above max 2000"),
    ({"lfp.energy_kwh": {"existing": 0, "max": 2000, "investment_cny_per_unit": -1, "lifetime_years": 10}}, store(),
     r"sizing.capacities.lfp.energy_kwh.investment_cny_per_unit = -1: .*greater than or equal to 0"),
    ({"lfp.energy_kwh": {"existing": 0, "max": 2000, "investment_cny_per_unit": 1, "lifetime_years": 0}}, store(),
     r"sizing.capacities.lfp.energy_kwh.lifetime_years = 0: .*greater than 0"),
    ({"lfp.energy_kwh": {"existing": 0, "max": 2000, "investment_cny_per_unit": 1, "lifetime_years": 10,
                         "fixed_om_cny_per_unit_year": -2}}, store(),
     r"fixed_om_cny_per_unit_year = -2"),
    ({"load.demand_kw": {"existing": 0, "max": 2000, **per_day(0.5)}}, store(),
     r"sizing.capacities.load.demand_kw: 'demand_kw' of a demand cannot be sized \(sizable: none\)"),
    ({"lfp.efficiency": {"existing": 0, "max": 2000, **per_day(0.5)}}, store(),
     r"'efficiency' of a battery cannot be sized \(sizable: power_kw, energy_kwh\)"),
    ({"nope.power_kw": {"existing": 0, "max": 2000, **per_day(0.5)}}, store(), r"no asset 'nope'"),
    ({"lfp.power_kw": {"existing": 0, "max": 1e15, **per_day(0.5)}}, store(),
     r"sizing.capacities.lfp.power_kw.max = 1e\+15: beyond 1e\+08 kW"),
    ({"lfp.energy_kwh": {"existing": 0, "max": 2000, **per_day(0.5)}}, store(end_rule="equal_initial"),
     r"battery 'lfp': sizing its level capacity needs end_rule 'cyclic'"),
    ({"lfp.energy_kwh": {"max": 2000, **per_day(0.5)}}, store(energy_kwh=3000),
     r"existing 3000 \(the asset's energy_kwh\) is outside"),
    ({"lfp.energy_kwh": {"existing": 0, "max": 2000, **per_day(0.5)}},
     store(level_targets=[{"time": "17:00", "min_fraction": 0.8}]),
     r"level_targets\[0\].min_fraction = 0.8 is a fraction of the capacity being sized; give the target as min_kwh"),
])
def test_bad_sizing_is_named(build, entry, asset, message):
    with pytest.raises(ScenarioError, match=message):
        day(build, 60, [LOAD, asset], sizing(entry))


def test_unsizable_configurations_are_named(build):
    ely = {"name": "ely", "kind": "electrolyser", "power_kw": 100, "min_load_fraction": 0.2}
    with pytest.raises(ScenarioError, match=r"electrolyser 'ely': sizing power_kw with a min_load_fraction"):
        day(build, 60, [LOAD, ely], sizing({"ely.power_kw": {"existing": 0, "max": 2000, **per_day(0.5)}}))
    pv = {"name": "pv", "kind": "pv", "available_kw": 10}
    with pytest.raises(ScenarioError, match=r"pv 'pv': give capacity_kw"):
        day(build, 60, [LOAD, pv], sizing({"pv.capacity_kw": {"existing": 0, "max": 2000, **per_day(0.5)}}))
    s = sizing({"lfp.energy_kwh": {"existing": 0, "max": 2000, **per_day(0.5)}}, reference={"lfp.power_kw": 0})
    with pytest.raises(ScenarioError, match=r"reference names lfp.power_kw, which is not in capacities"):
        day(build, 60, [LOAD, store()], s)
    with pytest.raises(ScenarioError, match=r"sizing: needs objective.minimise 'cost', not 'emissions'"):
        day(build, 60, [LOAD, store()], sizing({"lfp.energy_kwh": {"existing": 0, "max": 2000, **per_day(0.5)}}),
            objective={"minimise": "emissions"})


def test_workflows_without_capacity_decisions_refuse_sizing(build):
    """The Pareto front and data-only sweep reuse build a dispatch model without the capacity decisions: they
    must not silently dispatch the placeholder capacities."""
    from optimiser.pareto import pareto_front
    from optimiser.sweeps.worker import data_only_allowed

    s = day(build, 60, [LOAD, store()], sizing({"lfp.energy_kwh": {"existing": 0, "max": 20000, **per_day(0.5)}}))
    with pytest.raises(ScenarioError, match="sizing: capacities are sized by 'parkdispatch run'"):
        pareto_front(s, 2)
    assert not data_only_allowed(s)


def test_bundled_planning_scenario_on_one_summer_week():
    """The bundled planning scenario (a year) validates; on one July week it sizes every decision within its
    bounds, passes the check and beats its reference (the park as it stands)."""
    from pathlib import Path

    from optimiser.scenario import load_scenario

    path = Path(__file__).resolve().parents[1] / "scenarios" / "planning" / "dezhou_sizing_year.yaml"
    year = load_scenario(path)
    assert year.horizon.steps == 8760 and represented_years(year) == 1.0
    week = year.with_changes({"horizon": {"start": "2026-07-13T00:00:00+08:00", "steps": 168}})
    report = optimise(week).summary["sizing"]
    for key, c in report["capacities"].items():
        assert c["min"] - 1e-6 <= c["capacity"] <= c["max"] + 1e-6, key
    assert report["capacities"]["pv.capacity_kw"]["capacity"] >= 8000 - 1e-6  # brown field kept
    assert report["reference"]["status"] == "optimal"
    assert report["total_cny_per_year"] <= report["reference"]["total_cny_per_year"] + 1e-6


def test_a_cost_is_addressed_by_its_path_for_sweeps(build):
    """A planner's sensitivity: the battery's energy cost changed by its path (as a sweep does) from 0.5 to
    0.7 CNY/kWh-day moves the optimum from the break-even 4000 kWh to none (13,600 CNY)."""
    s = day(build, 60, [LOAD, store()], sizing({"lfp.energy_kwh": {"existing": 0, "max": 20000, **per_day(0.5)}}))
    dearer = s.with_changes({"sizing.capacities.lfp.energy_kwh.investment_cny_per_unit":
                             per_day(0.7)["investment_cny_per_unit"]})
    report = optimise(dearer).summary["sizing"]
    assert report["capacities"]["lfp.energy_kwh"]["capacity"] == pytest.approx(0.0, abs=1e-6)
    assert report["objective_cny"] == pytest.approx(13600.0, rel=1e-9)


def test_an_asset_without_capacities_is_named(build):
    raw = sizing({"lfp.energy_kwh": {"existing": 0, "max": 20000, **per_day(0.5)}})
    raw["capacities"]["load"] = {}
    with pytest.raises(ScenarioError, match=r"sizing.capacities.load = {}: .*at least 1 item"):
        day(build, 60, [LOAD, store()], raw)
