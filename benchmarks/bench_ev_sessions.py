"""Memory and time of EV charging sessions (``ev_sessions``) over long horizons.

Sessions are generated like ``scenarios/data/make_dezhou_ev_sessions.py`` (seeded, offline),
every day of the horizon: 80 staff cars on 7 kW chargers arriving 07:15-09:30 and leaving
17:00-19:15 (20 of them V2G-capable, 60 kWh batteries), and 12 visitors staying 1-3 h around
midday: 92 sessions a day, 33,580 in a year. They are written to a CSV beside a scenario, so
validation reads them the way ``sessions_csv`` does.

Cases (each in its own child process, so its peak resident memory is its own):

* ``ev``: the sessions on their own (a 2 MW load, the car park of
  ``dezhou_multi_energy_day.yaml``: 7 kW chargers, 400 kW site limit, V2G);
* ``park``: the whole multi-energy park of ``dezhou_multi_energy_day.yaml`` with those
  sessions, its daily series repeated over the horizon.

Reported per case: validation seconds (the scenario dict and the session CSV), build seconds
(``build_model``, with the garbage collector paused as ``optimise`` does), model variables and
constraints, plugged (session, step) pairs, and the peak resident memory of the child process
(``resource.getrusage``, MB) after the build and at the end. ``--handover`` also hands the model to
HiGHS (``optimiser.solve.HighsModel``); ``--solve`` also runs ``optimise`` (short horizons only).

Measured on the 2-core machine (build with the collector paused; timings vary about 2x with load):

============================ ================= ================= =============
case                         before (dense)    after (sparse)    pairs
============================ ================= ================= =============
sessions, 7 d x 15 min       build 0.63 s      build 0.09-0.16 s 22,503
sessions, 31 d x 1 h         0.44 / 1.06 s,    0.10-0.19 /       27,033
                             307 MB            0.15-0.27 s,
                                               229 MB
sessions, 91 d x 1 h         1.45 / 3.22 s,    0.41 / 0.55-0.73  79,419
                             908 MB            s, 288 MB
sessions, 365 d x 1 h        over 11 GB while  0.7-1.6 / 1.1-2.6 318,512
                             validating        s, 563 MB
whole park, 365 d x 1 h      did not build     0.6-1.3 / 2.4-7.6 318,512
                                               s, 798 MB (1.47
                                               GB after hand-over)
============================ ================= ================= =============

(validation / build seconds, peak RSS.) Run: ``python benchmarks/bench_ev_sessions.py`` (a year, hourly), or e.g.
``python benchmarks/bench_ev_sessions.py --days 7 --step-minutes 15 --solve``.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # this checkout's optimiser, not an installed one
TZ = "Asia/Shanghai"
SESSIONS_PER_DAY = 92


def make_sessions(first_day: pd.Timestamp, days: int, seed: int = 2026) -> pd.DataFrame:
    """``days`` days of workplace charging from ``first_day`` (local midnight), by the bundled generator."""
    spec = importlib.util.spec_from_file_location("make_sessions", REPO / "scenarios" / "data" / "make_dezhou_ev_sessions.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    rng = np.random.default_rng(seed)
    rows = [row for d in range(days) for row in generator.day_sessions(rng, first_day + pd.Timedelta(days=d), f"d{d:03d}-")]
    return pd.DataFrame(rows)


def car_park() -> dict:
    """The ev_sessions asset of the bundled multi-energy park, reading ``sessions.csv``."""
    raw = yaml.safe_load((REPO / "scenarios" / "dezhou_multi_energy_day.yaml").read_text())
    asset = next(a for a in raw["assets"] if a["kind"] == "ev_sessions")
    return {**asset, "sessions_csv": "sessions.csv"}


def daily_series(step_minutes: int, days: int) -> dict[str, np.ndarray]:
    """The bundled day's quarter-hour series, averaged (powers) or summed (``*_kwh``) to the step, repeated."""
    day = pd.read_csv(REPO / "scenarios" / "data" / "dezhou_day.csv").drop(columns="time")
    per = step_minutes // 15
    out = {}
    for column in day.columns:
        values = day[column].to_numpy(dtype=float).reshape(-1, per)
        values = values.sum(axis=1) if column.endswith("_kwh") else values.mean(axis=1)
        out[column] = np.tile(values, days)
    return out


def scenario_dict(case: str, start: pd.Timestamp, days: int, step_minutes: int) -> dict:
    steps = days * 24 * 60 // step_minutes
    horizon = {"start": start.isoformat(), "steps": steps, "step_minutes": step_minutes}
    if case == "ev":
        return {"park": {"name": "EV sessions benchmark", "latitude": 37.4, "longitude": 116.3, "timezone": TZ},
                "horizon": horizon,
                "tariff": {"time_of_use": {"prices_cny_per_kwh": {"peak": 1.0, "flat": 0.65, "valley": 0.33},
                                           "seasons": [{"periods": {"valley": ["00:00-07:00", "23:00-24:00"],
                                                                    "flat": ["07:00-10:00", "14:00-17:00"],
                                                                    "peak": ["10:00-14:00", "17:00-23:00"]}}]},
                           "export_cny_per_kwh": 0.0},
                "grid": {"import_limit_kw": 10_000, "export_limit_kw": 0, "emission_factor_tco2_per_mwh": 0.61},
                "assets": [{"name": "load", "kind": "demand", "demand_kw": 2000}, car_park()]}
    raw = yaml.safe_load((REPO / "scenarios" / "dezhou_multi_energy_day.yaml").read_text())
    raw["horizon"] = horizon
    series = daily_series(step_minutes, days)

    def resolve(node):
        if isinstance(node, dict) and "csv" in node and "column" in node:
            return series[node["column"]] * node.get("scale", 1.0)
        if isinstance(node, dict):
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    raw = resolve(raw)
    for asset in raw["assets"]:
        if asset["kind"] == "ev_sessions":
            asset["sessions_csv"] = "sessions.csv"
    return raw


def child(case: str, days: int, step_minutes: int, solve: bool, handover: bool) -> dict:
    """One case in this process: validation, build (and optionally the whole run)."""
    from optimiser.model import build_model
    from optimiser.scenario import scenario_from_dict
    from optimiser.solve import paused_gc

    start = pd.Timestamp("2026-01-01", tz=TZ) if days > 31 else pd.Timestamp("2026-07-13", tz=TZ)
    with tempfile.TemporaryDirectory() as folder:
        make_sessions(start, days).to_csv(Path(folder) / "sessions.csv", index=False)
        raw = scenario_dict(case, start, days, step_minutes)
        rss_before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t0 = time.perf_counter()
        scenario = scenario_from_dict(copy.deepcopy(raw), base_dir=folder, source=str(Path(folder) / "bench.yaml"))
        validation_s = time.perf_counter() - t0
    asset = next(a for a in scenario.assets if a.kind == "ev_sessions")
    out = {"case": case, "days": days, "step_minutes": step_minutes, "steps": scenario.horizon.steps,
           "sessions": len(asset.session_table()), "validation_s": validation_s}
    if hasattr(asset, "plugged"):
        out["plugged_pairs"] = len(asset.plugged().step)
    else:  # the dense form before sparse sessions (for before/after figures)
        out["plugged_pairs"] = int(np.count_nonzero(asset.plugged_fraction()))
    with paused_gc():  # as optimise builds: Python's cyclic collector paused
        t0 = time.perf_counter()
        model, _, _ = build_model(scenario)
        out["build_s"] = time.perf_counter() - t0
    import pyomo.environ as pyo

    out["variables"] = sum(len(v) for v in model.component_objects(pyo.Var, active=True, descend_into=True))
    out["constraints"] = sum(len(c) for c in model.component_objects(pyo.Constraint, active=True, descend_into=True))
    out["peak_rss_build_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if handover:
        from optimiser.solve import HighsModel

        t0 = time.perf_counter()
        HighsModel(model, scenario.index)
        out["handover_s"] = time.perf_counter() - t0
    del model
    if solve:
        from optimiser.run import optimise

        result = optimise(scenario)
        out.update(objective_cny=result.summary["objective_cny"], mip_gap=result.summary["mip_gap"],
                   run_timings=result.summary["timings"])
    out["rss_before_validation_mb"] = rss_before_mb
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--step-minutes", type=int, choices=[15, 60], default=60)
    parser.add_argument("--case", choices=["ev", "park", "all"], default="all")
    parser.add_argument("--solve", action="store_true", help="also optimise (short horizons only)")
    parser.add_argument("--handover", action="store_true", help="also hand the built model to HiGHS")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.case, args.days, args.step_minutes, args.solve, args.handover)))
        return
    for case in ("ev", "park"):
        if args.case not in (case, "all"):
            continue
        command = [sys.executable, __file__, "--child", "--case", case, "--days", str(args.days),
                   "--step-minutes", str(args.step_minutes)] + (["--solve"] if args.solve else []) + (
            ["--handover"] if args.handover else [])
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode:
            print(f"{case}: failed (exit {done.returncode}): {done.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        line = (f"{case:4} {r['days']} d x {r['steps']} steps: {r['sessions']} sessions, {r['plugged_pairs']} plugged "
                f"pairs; validation {r['validation_s']:.2f} s, build {r['build_s']:.2f} s, {r['variables']} variables, "
                f"{r['constraints']} constraints, peak RSS after build {r['peak_rss_build_mb']:.0f} MB")
        if "handover_s" in r:
            line += f"; hand-over to HiGHS {r['handover_s']:.2f} s"
        line += f"; peak RSS {r['peak_rss_mb']:.0f} MB"
        if "objective_cny" in r:
            line += f"; objective {r['objective_cny']!r} CNY (gap {r['mip_gap']}), run timings {r['run_timings']}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
