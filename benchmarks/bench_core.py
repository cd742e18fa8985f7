"""Where the time goes: build, hand-over, solve and result extraction of one dispatch run,
against HiGHS alone on the same model (the "floor").

Cases
-----
* ``day``: the bundled ``scenarios/dezhou_day.yaml`` (96 quarter-hour steps, PV, wind,
  LFP and vanadium flow battery; export pays more than the valley price, so grid
  import/export binaries are added at those steps).
* ``multi``: the bundled ``scenarios/dezhou_multi_energy_day.yaml`` (96 quarter-hour
  steps, every asset kind; a MIP).
* ``multi_week``: the same park over 7 days (672 quarter-hour steps): the day's series
  repeated, the charging sessions repeated each day.
* ``year``: 8760 hourly steps at Dezhou with PV, wind, a time-of-use tariff, an export
  cap, one LFP and one flow battery: an LP of about 87,600 columns.
* ``year_export``: ``year`` with the bundled park's export price 0.3949 CNY/kWh, above
  the 0.33 valley price: a MIP wherever exporting pays more than importing.
* ``year_neutral``: ``year`` with export at 0.33005 CNY/kWh, 5e-5 above the valley price.
* ``pareto``: a 10-point cost-emissions front of ``year`` on the grid-factor and the national-method emissions basis
  (one build, warm re-solves), against one run of the same model.

Each case runs ``--repeat`` times in one process after one warm-up run; medians are
printed. The floor writes the final model (with the binaries the run added) to MPS and
times ``highspy`` reading and solving it alone with the same options; the ratio is the
run's four stages over the floor's read + solve. Run: ``python benchmarks/bench_core.py``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from optimiser.bench.measure import STAGES, measure
from optimiser.pareto import pareto_front
from optimiser.run import Dispatch
from optimiser.scenario import load_scenario, scenario_from_dict

REPO = Path(__file__).resolve().parents[1]


def year_scenario(export_cny_per_kwh: float = 0.30) -> dict:
    """8760 hourly steps of synthetic but plausibly shaped Dezhou series (seeded)."""
    rng = np.random.default_rng(42)
    index = pd.date_range("2026-01-01", periods=8760, freq="h", tz="Asia/Shanghai")
    hour, day = index.hour.to_numpy() + 0.5, index.day_of_year.to_numpy()
    season = 0.75 + 0.25 * np.sin((day - 80) / 365 * 2 * np.pi)
    pv = 20_000 * season * np.clip(np.sin((hour - 6) / 12 * np.pi), 0, None) * rng.uniform(0.3, 1.0, 8760)
    wind = 10_000 * np.clip(0.3 + 0.2 * np.cos(hour / 24 * 2 * np.pi) + rng.normal(0, 0.15, 8760), 0, 1)
    load = 18_000 + 9_000 * ((hour > 7.5) & (hour < 22.5)) + rng.normal(0, 800, 8760)
    return {
        "park": {"name": "Dezhou benchmark year", "latitude": 37.4, "longitude": 116.3, "timezone": "Asia/Shanghai"},
        "horizon": {"start": "2026-01-01T00:00:00+08:00", "steps": 8760, "step_minutes": 60},
        "tariff": {
            "time_of_use": {
                "prices_cny_per_kwh": {"peak": 1.0, "flat": 0.65, "valley": 0.33},
                "seasons": [{"periods": {"valley": ["00:00-07:00", "23:00-24:00"],
                                         "flat": ["07:00-10:00", "14:00-17:00", "21:00-23:00"],
                                         "peak": ["10:00-14:00", "17:00-21:00"]}}],
            },
            "export_cny_per_kwh": export_cny_per_kwh,
        },
        "grid": {"import_limit_kw": 40_000, "export_limit_kw": 3_000, "emission_factor_tco2_per_mwh": 0.61},
        "assets": [
            {"name": "load", "kind": "demand", "demand_kw": load},
            {"name": "pv", "kind": "pv", "available_kw": pv},
            {"name": "wind", "kind": "wind", "available_kw": wind},
            {"name": "lfp", "kind": "battery", "power_kw": 5_000, "energy_kwh": 10_000, "end_rule": "cyclic"},
            {"name": "vrfb", "kind": "flow_battery", "power_kw": 4_000, "energy_kwh": 16_000, "end_rule": "cyclic"},
        ],
    }


def multi_week_scenario(folder: Path, days: int = 7):
    """The multi-energy day repeated over ``days`` days: series tiled, sessions repeated each day."""
    source = REPO / "scenarios" / "dezhou_multi_energy_day.yaml"
    raw = yaml.safe_load(source.read_text())
    day_csv = pd.read_csv(source.parent / "data" / "dezhou_day.csv")
    week = pd.concat([day_csv] * days, ignore_index=True)
    if "time" in week:
        start = pd.Timestamp(day_csv["time"].iloc[0])
        week["time"] = [t.isoformat() for t in pd.date_range(start, periods=len(week), freq="15min")]
    week.to_csv(folder / "week.csv", index=False)
    sessions = pd.read_csv(source.parent / "data" / "dezhou_ev_sessions.csv")
    repeated = []
    for d in range(days):
        shifted = sessions.copy()
        shifted["id"] = shifted["id"] + f"_d{d}"
        for column in ("arrival", "departure"):
            shifted[column] = (pd.to_datetime(shifted[column]) + pd.Timedelta(days=d)).map(lambda t: t.isoformat())
        repeated.append(shifted)
    pd.concat(repeated).to_csv(folder / "sessions.csv", index=False)
    raw["horizon"]["steps"] = 96 * days

    def retarget(node):
        if isinstance(node, dict):
            if node.get("csv") == "data/dezhou_day.csv":
                node["csv"] = "week.csv"
            if node.get("sessions_csv"):
                node["sessions_csv"] = "sessions.csv"
            for value in node.values():
                retarget(value)
        elif isinstance(node, list):
            for value in node:
                retarget(value)

    retarget(raw)
    path = folder / "week.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return lambda: load_scenario(path)


def measure_pareto(repeat: int, points: int = 10, basis: str = "grid_factor") -> dict:
    one, front = [], []
    for i in range(repeat + 1):
        raw = year_scenario()
        raw["objective"] = {"emissions_basis": basis}
        scenario = scenario_from_dict(raw)
        dispatch = Dispatch(scenario)
        t0 = time.perf_counter()
        dispatch.solve()
        t1 = time.perf_counter()
        pareto_front(scenario, points)
        t2 = time.perf_counter()
        if i:
            one.append(dispatch.build_seconds + dispatch.seam.handover_seconds + t1 - t0)
            front.append(t2 - t1)
    return {"one_run_seconds": statistics.median(one), "front_seconds": statistics.median(front), "points": points}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--case", default="all",
                        choices=["day", "multi", "multi_week", "year", "year_export", "year_neutral", "pareto", "all"])
    args = parser.parse_args()
    week_folder = tempfile.TemporaryDirectory()
    cases = {
        "day": lambda: load_scenario(REPO / "scenarios" / "dezhou_day.yaml"),
        "multi": lambda: load_scenario(REPO / "scenarios" / "dezhou_multi_energy_day.yaml"),
        "multi_week": multi_week_scenario(Path(week_folder.name)),
        "year": lambda: scenario_from_dict(year_scenario()),
        "year_export": lambda: scenario_from_dict(year_scenario(0.3949)),
        "year_neutral": lambda: scenario_from_dict(year_scenario(0.33005)),
    }
    print(f"{'case':12} {'build':>7} {'hand-over':>9} {'solve':>7} {'extract':>7} {'4 stages':>8} {'(check)':>7} "
          f"{'floor':>7} {'ratio':>5}  size, objective, gap, lazy binaries")
    for name, make in cases.items():
        if args.case not in (name, "all"):
            continue
        m = measure(make, args.repeat)
        four = sum(m[k] for k in STAGES)
        hi = m["floor_read_seconds"] + m["floor_solve_seconds"]
        lazy = m["lazy"]
        print(f"{name:12} {m['build_seconds']:7.3f} {m['handover_seconds']:9.3f} {m['solve_seconds']:7.3f} "
              f"{m['extract_seconds']:7.3f} {four:8.3f} {m['check_seconds']:7.3f} {hi:7.3f} {four / hi:5.2f}  "
              f"{m['size']}, {m['objective_cny']:.2f} CNY (floor {m['floor_objective_cny']:.2f}), "
              f"gap {m['mip_gap']}, {lazy['added']} of {lazy['positions']} in {lazy['lazy_rounds']} lazy rounds")
    if args.case in ("pareto", "all"):
        for basis in ("grid_factor", "national_method"):
            p = measure_pareto(max(1, args.repeat // 2), basis=basis)
            print(f"pareto ({basis}): {p['points']} points in {p['front_seconds']:.3f} s, one run "
                  f"{p['one_run_seconds']:.3f} s: {p['front_seconds'] / p['one_run_seconds']:.2f}x")
    week_folder.cleanup()


if __name__ == "__main__":
    main()
