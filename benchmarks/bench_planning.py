"""Planning runs: a full year of the whole multi-energy park in the LP relaxation, and typical periods.

Cases (each in its own child process, so its peak resident memory is its own):

* ``year``: ``scenarios/planning/dezhou_multi_energy_year.yaml`` (every asset kind, 8760 hourly
  steps, ``solver.binaries: never``): validation, build, hand-over, solve, extraction and check
  seconds, model size, peak RSS, and what the relaxation used;
* ``year15``: the same year at 15-minute steps (35,040 steps; the hourly CSV series repeated
  to the quarter hours, ``*_kwh`` columns split evenly): build and hand-over only, their seconds
  and peak memory (``--solve15`` also solves it);
* ``typical``: the error table. The year scenario without what typical days cannot represent
  (the dated EV sessions and demand-response events, the CHP's and electrolyser's start costs
  and minimum up/down times), with its non-fossil share target soft (1 CNY/kWh short), is solved over the full year and with ``typical_periods`` of K
  days (``--days``, default 4 8 12 24; hierarchical clustering, medoids): objective and KPI
  errors against the full year, and the speed-up of the whole run (aggregation, build,
  hand-over, solve, extraction, check).

Run: ``python benchmarks/bench_planning.py`` (all), ``--case year``, ``--case typical --days 4 8``.
"""

from __future__ import annotations

import argparse
import copy
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # this checkout's optimiser, not an installed one
YEAR = REPO / "scenarios" / "planning" / "dezhou_multi_energy_year.yaml"
KPIS = ("import_kwh", "export_kwh", "emissions_tco2", "curtailment_kwh", "renewable_share", "hydrogen_produced_kg",
        "gas_m3", "peak_import_kw")


def year_raw(step_minutes: int = 60) -> dict:
    """The year scenario's dict; at 15 minutes its CSV columns as arrays repeated to the quarter hours."""
    raw = yaml.safe_load(YEAR.read_text())
    if step_minutes == 60:
        return raw
    per = 60 // step_minutes
    table = pd.read_csv(REPO / "scenarios" / "data" / "dezhou_year.csv")

    def resolve(node):
        if isinstance(node, dict) and "csv" in node and "column" in node:
            values = np.repeat(table[node["column"]].to_numpy(dtype=float), per)
            return (values / per if node["column"].endswith("_kwh") else values) * node.get("scale", 1.0)
        if isinstance(node, dict):
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    raw = resolve(raw)
    raw["horizon"].update(steps=8760 * per, step_minutes=step_minutes)
    return raw


def typical_raw(days: int | None) -> dict:
    """The year without what typical days cannot represent; with ``typical_periods`` of ``days`` days."""
    raw = yaml.safe_load(YEAR.read_text())
    raw["assets"] = [a for a in raw["assets"] if a["kind"] not in ("ev_sessions", "demand_response")]
    for asset in raw["assets"]:
        for field in ("start_cost_cny", "min_up_hours", "min_down_hours"):
            asset.pop(field, None)
    assert raw["targets"]["non_fossil_share_min"]["penalty_cny_per_kwh"] == 1.0  # soft in the file (held hard: infeasible)
    if days is not None:
        raw["horizon"]["typical_periods"] = {"days": days, "method": "hierarchical"}
    return raw


def child(case: str, days: int | None, solve15: bool = False) -> dict:
    from optimiser.run import optimise
    from optimiser.scenario import scenario_from_dict

    raw = {"year": year_raw, "year15": lambda: year_raw(15), "full": lambda: typical_raw(None),
           "typical": lambda: typical_raw(days)}[case]()
    t0 = time.perf_counter()
    scenario = scenario_from_dict(copy.deepcopy(raw), base_dir=YEAR.parent, source=str(YEAR))
    validation_s = time.perf_counter() - t0
    if case == "year15" and not solve15:  # build and hand-over only: the model's size and memory
        from optimiser.run import Dispatch

        dispatch = Dispatch(scenario)
        return {"case": case, "steps": scenario.horizon.steps, "validation_s": validation_s,
                "build_s": dispatch.build_seconds, "handover_s": dispatch.seam.handover_seconds,
                "columns": dispatch.seam.n_columns, "rows": dispatch.seam.highs.getNumRow(),
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    t0 = time.perf_counter()
    result = optimise(scenario, time_limit_s=3600.0)  # the scenario's 600 s is for users; measure, do not cut
    s = result.summary
    return {"case": case, "days": days, "steps": scenario.horizon.steps, "validation_s": validation_s,
            "run_s": time.perf_counter() - t0, "timings": s["timings"], "objective_cny": s["objective_cny"],
            "model_size": s["model_size"], "kpis": {k: s.get(k) for k in KPIS},
            "relaxation": s.get("relaxation"), "typical_periods": s.get("typical_periods"),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_child(case: str, days: int | None = None, solve15: bool = False) -> dict | None:
    command = [sys.executable, __file__, "--child", "--case", case] + ([] if days is None else ["--days", str(days)])
    command += ["--solve15"] if solve15 else []
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        print(f"{case} {days or ''}: failed (exit {done.returncode}): {done.stderr.strip().splitlines()[-3:]}")
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def report_year(r: dict) -> None:
    t = r["timings"]
    relax = r["relaxation"] or {}
    both = {k: round(v["energy_both_ways"]) for k, v in relax.get("simultaneous_flows", {}).items()}
    frac = {k: v["fractional_steps"] for k, v in relax.get("fractional_status", {}).items()}
    print(f"{r['case']}: {r['steps']} steps, {r['model_size']['variables']:,} columns, "
          f"{r['model_size']['constraints']:,} rows; validation {r['validation_s']:.2f} s, build "
          f"{t['build_seconds']:.2f} s, hand-over {t['handover_seconds']:.2f} s, solve {t['solve_seconds']:.2f} s, "
          f"extract {t['extract_seconds']:.2f} s, check {t['check_seconds']:.2f} s; run {r['run_s']:.2f} s; "
          f"peak RSS {r['peak_rss_mb']:.0f} MB; objective {r['objective_cny']:.6g} CNY; relaxation: both ways "
          f"{both} kWh, fractional status steps {frac}", flush=True)


def report_typical(full: dict, runs: list[dict]) -> None:
    print("| K | objective error | " + " | ".join(f"{k} error" for k in KPIS) + " | run s | speed-up | columns |")
    print("|---|---|" + "---|" * len(KPIS) + "---|---|---|")
    print(f"| full year | {full['objective_cny']:.6g} CNY | " + " | ".join(
        f"{full['kpis'][k]:.6g}" if full['kpis'][k] is not None else "-" for k in KPIS)
        + f" | {full['run_s']:.2f} | 1 | {full['model_size']['variables']:,} |")
    for r in runs:
        def err(a, b):
            return "-" if a is None or b is None else ("0" if b == a else f"{(a - b) / abs(b) * 100:+.2f} %" if b else
                                                       f"{a - b:+.3g}")
        print(f"| {r['days']} | {err(r['objective_cny'], full['objective_cny'])} | " + " | ".join(
            err(r['kpis'][k], full['kpis'][k]) for k in KPIS)
            + f" | {r['run_s']:.2f} | {full['run_s'] / r['run_s']:.1f}x | {r['model_size']['variables']:,} |",
            flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=["year", "year15", "full", "typical", "all"], default="all",
                        help="full: the typical cases' scenario over the full year (their reference)")
    parser.add_argument("--days", type=int, nargs="*", default=[4, 8, 12, 24])
    parser.add_argument("--solve15", action="store_true", help="also solve the 15-minute year (else build and "
                        "hand-over only)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.case, args.days[0] if args.case == "typical" and args.days else None,
                               args.solve15), default=float))
        return
    for case in ("year", "year15"):
        if args.case in (case, "all"):
            r = run_child(case, solve15=args.solve15)
            if r and "timings" in r:
                report_year(r)
            elif r:
                print(f"{case}: {r['steps']} steps, {r['columns']:,} columns, {r['rows']:,} rows; validation "
                      f"{r['validation_s']:.2f} s, build {r['build_s']:.2f} s, hand-over {r['handover_s']:.2f} s; "
                      f"peak RSS {r['peak_rss_mb']:.0f} MB (not solved: --solve15)", flush=True)
    if args.case in ("typical", "all"):
        full = run_child("full")
        runs = [r for r in (run_child("typical", k) for k in args.days) if r]
        if full:
            report_typical(full, runs)


if __name__ == "__main__":
    main()
