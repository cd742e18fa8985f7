"""Where the time goes: build, hand-over, solve and result extraction of one dispatch run.

Cases
-----
* ``day``: the bundled ``scenarios/dezhou_day.yaml`` (96 quarter-hour steps, PV, wind,
  LFP and vanadium flow battery; its export price exceeds the valley price, so
  import/export binaries make it a small MIP).
* ``multi``: the bundled ``scenarios/dezhou_multi_energy_day.yaml`` (96 quarter-hour
  steps, every asset kind: two heat levels, CHP commitment, hydrogen, flexible loads,
  an EV fleet and 92 charging sessions; a MIP).
* ``year``: 8760 hourly steps at Dezhou with PV, wind, a time-of-use tariff, an
  export cap, one LFP and one flow battery: an LP of about 87,600 columns.

Each case is run ``--repeat`` times in one process after one warm-up run; the
median of each stage is printed. Run: ``python benchmarks/bench_core.py``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from optimiser.run import optimise
from optimiser.scenario import load_scenario, scenario_from_dict

REPO = Path(__file__).resolve().parents[1]
STAGES = ("build_seconds", "handover_seconds", "solve_seconds", "extract_seconds")


def year_scenario() -> dict:
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
            "export_cny_per_kwh": 0.30,
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


def measure(make_scenario, repeat: int) -> dict[str, float]:
    optimise(make_scenario())  # warm-up: imports, first-call caches
    runs = []
    for _ in range(repeat):
        scenario = make_scenario()
        t0 = time.perf_counter()
        result = optimise(scenario)
        total = time.perf_counter() - t0
        runs.append({**{k: result.summary["timings"][k] for k in STAGES}, "total_seconds": total,
                     "check_seconds": result.summary["timings"]["check_seconds"]})
    out = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    out["size"] = result.summary["model_size"]
    out["objective_cny"] = result.summary["objective_cny"]
    out["mip_gap"] = result.summary["mip_gap"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--case", choices=["day", "multi", "year", "all"], default="all")
    args = parser.parse_args()
    cases = {
        "day": lambda: load_scenario(REPO / "scenarios" / "dezhou_day.yaml"),
        "multi": lambda: load_scenario(REPO / "scenarios" / "dezhou_multi_energy_day.yaml"),
        "year": lambda: scenario_from_dict(year_scenario()),
    }
    print(f"{'case':6} {'build':>8} {'hand-over':>10} {'solve':>8} {'extract':>8} {'4 stages':>9} {'(check)':>8}  size")
    for name, make in cases.items():
        if args.case not in (name, "all"):
            continue
        m = measure(make, args.repeat)
        four = sum(m[k] for k in STAGES)
        print(f"{name:6} {m['build_seconds']:8.4f} {m['handover_seconds']:10.4f} {m['solve_seconds']:8.4f} "
              f"{m['extract_seconds']:8.4f} {four:9.4f} {m['check_seconds']:8.4f}  {m['size']} "
              f"objective {m['objective_cny']:.2f} CNY, MIP gap {m['mip_gap']}")


if __name__ == "__main__":
    main()
