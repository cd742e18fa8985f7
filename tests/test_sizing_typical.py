"""Capacity sizing over typical periods: hand-worked short "years" of a few distinct days.

Costs per unit of capacity and day as in ``test_sizing.py`` (:func:`per_day`): a horizon of D days
represents w = D/365 of a year, so a capacity costing b CNY per unit-day costs D b over the horizon,
whether the days are modelled whole or as typical days weighted to the calendar.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

from builders import small_scenario
from optimiser.cli import main
from optimiser.results import asset_flows
from optimiser.run import optimise
from optimiser.scenario import scenario_from_dict
from test_sizing import HOURS, per_day, sizing, store
from test_typical_periods import days


def calendar(n_days: int, step_minutes: int, assets: list, sizing_: dict, typical: dict | None, tariff: dict):
    raw = small_scenario(n_days * 24 * 60 // step_minutes, step_minutes, assets=assets, sizing=sizing_, tariff=tariff)
    raw["horizon"]["start"] = "2026-01-01T00:00:00+08:00"
    if typical is not None:
        raw["horizon"]["typical_periods"] = typical
    return raw


def capacity(result, key: str) -> float:
    return result.summary["sizing"]["capacities"][key]["capacity"]


@pytest.mark.parametrize("step_minutes", [15, 60])
def test_identical_days_one_typical_day_sizes_as_the_full_year(step_minutes):
    """Three identical days of ``test_battery_sized_by_one_price_spread``: 1000 kW load, valley 0.3 (00-08),
    flat 0.6, peak 1.0 (20-24); a battery (charge 90 %) whose energy costs b = 0.5 CNY/kWh-day. A kWh
    moved from valley to peak saves 1.0 - 0.3/0.9 = 2/3 > 0.5, into a flat hour 4/15 < 0.5: E* = 4000 kWh,
    13600 - 4000 x (2/3 - 0.5) = 12933.33 CNY a day, 38,800 CNY for three. K = 1 (seasonal or short-term
    store) gives exactly the full-calendar sizing: the same capacity and objective."""
    tariff = {"import_cny_per_kwh": days([HOURS] * 3, step_minutes), "export_cny_per_kwh": 0.0}
    assets = [{"name": "load", "kind": "demand", "demand_kw": 1000}, store()]
    plan = sizing({"lfp.energy_kwh": {"existing": 0, "max": 20000, **per_day(0.5, 0.06, 15)}}, rate=0.06)
    full = optimise(scenario_from_dict(calendar(3, step_minutes, assets, plan, None, tariff)))
    assert full.summary["objective_cny"] == pytest.approx(3 * (13600 - 4000 * (2 / 3 - 0.5)), rel=1e-9)
    assert capacity(full, "lfp.energy_kwh") == pytest.approx(4000.0, abs=1e-5)
    for short_term in ([], ["lfp"]):
        typical = {"days": 1, "short_term_stores": short_term}
        r = optimise(scenario_from_dict(calendar(3, step_minutes, assets, plan, typical, tariff)))
        assert r.summary["objective_cny"] == pytest.approx(full.summary["objective_cny"], rel=1e-9)
        assert capacity(r, "lfp.energy_kwh") == pytest.approx(4000.0, abs=1e-5)
        assert r.summary["sizing"]["total_cny_per_year"] == pytest.approx(
            full.summary["sizing"]["total_cny_per_year"], rel=1e-9)
        assert r.summary["sizing"]["represented_years"] == pytest.approx(3 / 365)
        assert r.summary["typical_periods"]["occurrences"] == [3]
        assert r.dataset.sizes["time"] == 3 * 24 * 60 // step_minutes  # the calendar, at the sized park
        assert r.scenario.assets[1].energy_kwh == pytest.approx(4000.0, abs=1e-5)
        assert r.summary["sizing"]["reference"]["objective_cny"] == pytest.approx(3 * 13600.0, rel=1e-9)


def seasonal(step_minutes: int, typical: dict | None, b: float = 0.2, **fractions) -> dict:
    """Two sunny days (PV 300 kW in hours 6-17, none at night) then two dark ones; 100 kW load; import
    1.0 CNY/kWh, no export; a lossless 1000 kW store (cyclic) whose energy costs ``b`` CNY/kWh-day."""
    sunny = [0.0] * 6 + [300.0] * 12 + [0.0] * 6
    pv = days([sunny] * 2 + [[0.0] * 24] * 2, step_minutes)
    assets = [{"name": "load", "kind": "demand", "demand_kw": 100}, {"name": "pv", "kind": "pv", "available_kw": pv},
              store(power_kw=1000, charge_efficiency=1.0, **fractions)]
    plan = sizing({"lfp.energy_kwh": {"existing": 0, "max": 10000, **per_day(b)}})
    return calendar(4, step_minutes, assets, plan, typical, {"import_cny_per_kwh": 1.0, "export_cny_per_kwh": 0.0})


@pytest.mark.parametrize("step_minutes", [15, 60])
def test_seasonal_store_sized_by_what_it_carries_between_days(step_minutes):
    """Without storage the park imports the sunny nights (2 x 1200 kWh) and the dark days (2 x 2400): 7200 CNY.

    A sunny day's schedule (the same for both: one typical day) discharges m <= 600 kWh in hours 0-5,
    charges c <= 2400 in hours 6-17 and discharges y <= 600 in hours 18-23; each dark day discharges
    z = c - m - y (cyclic over the four days). Savings 2(m + y) + 2z = 2c. Starting at S0 >= m, the level
    peaks at 18:00 of the second sunny day at S0 - m + c - y - m + c >= 2c - m - y: E = 2c - 1200 with
    m = y = 600, S0 = 600. Each kWh of c saves 2 CNY and needs 2 kWh of E costing 4 days x 0.2 x 2 = 1.6:
    c = 2400, E* = 3600 kWh, objective 7200 - 4800 + 0.8 x 3600 = 5280 CNY. The full calendar needs the
    same E (its peak is S0 - m0 + c0 - y0 - m1 + c1, the same bound). The level is 3600 at that hour only,
    above every midnight level (600, 1800, 3000, 1800): a linking that bounded only the midnight levels
    by E would size the store below what it holds. A short-term store (one midnight level b >= m) saves
    m + y per sunny day with E = b + y = 1200: 7200 - 2400 + 0.8 x 1200 = 5760 CNY."""
    full = optimise(scenario_from_dict(seasonal(step_minutes, None)))
    assert full.summary["objective_cny"] == pytest.approx(5280.0, rel=1e-9)
    assert capacity(full, "lfp.energy_kwh") == pytest.approx(3600.0, abs=1e-5)
    linked = optimise(scenario_from_dict(seasonal(step_minutes, {"days": 2})))
    assert linked.summary["objective_cny"] == pytest.approx(5280.0, rel=1e-9)
    assert capacity(linked, "lfp.energy_kwh") == pytest.approx(3600.0, abs=1e-5)
    assert linked.summary["typical_periods"]["seasonal_stores"] == ["lfp"]
    level = asset_flows(linked.dataset, "lfp")["soc_kwh"]  # reconstructed over the calendar
    per_day_ = 24 * 60 // step_minutes
    assert level.max() == pytest.approx(3600.0, abs=1e-6)  # never above the chosen capacity, at any step
    assert level[per_day_ + 18 * per_day_ // 24 - 1] == pytest.approx(3600.0, abs=1e-6)  # day 2, 18:00
    assert np.max(level[per_day_ - 1::per_day_]) == pytest.approx(3000.0, abs=1e-6)  # midnights
    assert level.min() >= -1e-6
    daily = optimise(scenario_from_dict(seasonal(step_minutes, {"days": 2, "short_term_stores": ["lfp"]})))
    assert daily.summary["objective_cny"] == pytest.approx(5760.0, rel=1e-9)
    assert capacity(daily, "lfp.energy_kwh") == pytest.approx(1200.0, abs=1e-5)
    assert asset_flows(daily.dataset, "lfp")["soc_kwh"].max() <= 1200.0 + 1e-6


@pytest.mark.parametrize("step_minutes", [15, 60])
def test_sized_seasonal_store_keeps_its_level_fractions(step_minutes):
    """The same case with the level kept within 10-90 % of E and b = 0.15: the 3600 kWh the store must span
    (as above) are 80 % of E, so E* = 4500 kWh (each kWh of c saves 2 CNY and needs 2.5 kWh of E costing
    4 x 0.15 x 2.5 = 1.5): 7200 - 4800 + 0.6 x 4500 = 5100 CNY. The reconstructed level stays within
    [450, 4050] kWh at every step: the lower rows too are written with the sized capacity."""
    fractions = {"min_soc_fraction": 0.1, "max_soc_fraction": 0.9}
    full = optimise(scenario_from_dict(seasonal(step_minutes, None, 0.15, **fractions)))
    linked = optimise(scenario_from_dict(seasonal(step_minutes, {"days": 2}, 0.15, **fractions)))
    for r in (full, linked):
        assert r.summary["objective_cny"] == pytest.approx(5100.0, rel=1e-9)
        assert capacity(r, "lfp.energy_kwh") == pytest.approx(4500.0, abs=1e-5)
    level = asset_flows(linked.dataset, "lfp")["soc_kwh"]
    assert level.min() == pytest.approx(450.0, abs=1e-6) and level.max() == pytest.approx(4050.0, abs=1e-6)


def test_sizing_json_and_summary_say_typical_periods(tmp_path, capsys):
    """The seasonal case over 2 typical days through the CLI: sizing.json, summary.json and the terminal
    name K and the method; the capacity is the hand-worked 3600 kWh."""
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(seasonal(60, {"days": 2, "method": "k_medoids"})))
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--no-plot", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "sized over 2 typical days (k_medoids) standing for 4 calendar days" in printed
    written = json.loads((tmp_path / "out" / "sizing.json").read_text())
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert written == summary["sizing"]
    assert written["typical_periods"] == {"days": 2, "method": "k_medoids", "calendar_days": 4}
    assert summary["typical_periods"]["days"] == 2 and summary["typical_periods"]["method"] == "k_medoids"
    assert written["capacities"]["lfp.energy_kwh"]["capacity"] == pytest.approx(3600.0, abs=1e-5)
    assert summary["horizon"]["steps"] == 96


def test_bundled_typical_sizing_scenario():
    """``dezhou_sizing_typical.yaml`` is ``dezhou_sizing_year.yaml`` with 12 typical days (nothing else differs);
    it sizes every decision within its bounds over the calendar year, keeps the brown-field PV, beats the
    park as it stands, and the reconstructed battery and tank levels stay within their chosen capacities
    at every hour of the year."""
    from pathlib import Path

    from optimiser.scenario import load_scenario

    folder = Path(__file__).resolve().parents[1] / "scenarios" / "planning"
    typical, year = (load_scenario(folder / f"dezhou_sizing_{name}.yaml") for name in ("typical", "year"))
    raw = typical.raw
    assert raw["horizon"].pop("typical_periods") == {"days": 12, "method": "hierarchical"}
    assert raw == year.raw
    r = optimise(typical)
    report = r.summary["sizing"]
    assert report["typical_periods"] == {"days": 12, "method": "hierarchical", "calendar_days": 365}
    assert report["represented_years"] == 1.0 and r.dataset.sizes["time"] == 8760
    for key, c in report["capacities"].items():
        assert c["min"] - 1e-6 <= c["capacity"] <= c["max"] + 1e-6, key
    assert report["capacities"]["pv.capacity_kw"]["capacity"] >= 8000 - 1e-6
    assert report["total_cny_per_year"] < report["reference"]["total_cny_per_year"]
    assert sorted(r.summary["typical_periods"]["seasonal_stores"]) == ["h2_tank", "lfp"]
    for name, level, key in (("lfp", "soc_kwh", "lfp.energy_kwh"), ("h2_tank", "level_kg", "h2_tank.capacity_kg")):
        assert asset_flows(r.dataset, name)[level].max() <= report["capacities"][key]["capacity"] * (1 + 1e-9) + 1e-6
