"""Throughput of a planner sweep: cases per minute on 1 and 2 local workers and on a Dask LocalCluster.

Sweep: the bundled ``scenarios/sweeps/dezhou_day_sweep.yaml`` (200 cases: 5 PV sizes x 8 storage designs
x 5 carbon prices on the Dezhou day, 96 quarter-hour steps; the carbon price is re-solved on one
built model per design and worker). Reported per configuration:

* wall time and cases per minute (from before the pool starts to the last stored record), the time to
  the first stored record (pool start, imports in the workers, the first case) and the steady rate after it;
* scaling efficiency: cases/min on 2 workers / (2 x cases/min on 1 worker);
* the case's own run time (build + hand-over when built, solve, extract, check) and the overhead per
  case outside it: wall x workers / cases - run time (process start, imports, scenario load,
  pickling, writing the record), absolute and as a share of the run time;
* peak RSS per worker process after its first and its last ``--window`` cases (``ru_maxrss``);
* whether the LocalCluster's Dataset is identical to the 2-worker pool's.

``--memory-cases N`` adds an N-case sample sweep (Latin hypercube over PV scale, carbon price and
peak price, LFP size) on 2 workers for the RSS trend over many cases. Run:
``python benchmarks/bench_sweep.py [--memory-cases 1000]`` (``nice -n 10`` on a shared machine).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import sys

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's optimiser, also for the workers (they inherit sys.path)

from optimiser.sweeps import load_sweep, run_sweep, to_dataset  # noqa: E402
SWEEP = ROOT / "scenarios" / "sweeps" / "dezhou_day_sweep.yaml"


def measure(sweep_path: Path, workers: int | None = None, scheduler: str | None = None, window: int = 20) -> dict:
    sweep = load_sweep(sweep_path)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        t0, start_ns = time.perf_counter(), time.time_ns()
        records = run_sweep(sweep, out, workers=workers, scheduler=scheduler, progress=False)
        wall = time.perf_counter() - t0
        finished = {p.stem: p.stat().st_mtime_ns for p in (out / "cases").glob("*.json")}
    n = len(records)
    first, last = min(finished.values()), max(finished.values())
    startup = (first - start_ns) / 1e9  # pool or cluster connection, imports, the first case
    steady = (last - first) / 1e9 / max(n - 1, 1)  # seconds per case after the first
    run = statistics.mean(r.get("run_seconds", r["seconds"]) for r in records)
    in_worker = statistics.mean(r["seconds"] for r in records)
    parallel = workers or 2
    overhead = wall * parallel / n - run
    by_pid: dict[int, list[dict]] = {}
    for r in sorted(records, key=lambda r: finished[r["key"]]):
        by_pid.setdefault(r["pid"], []).append(r)
    rss = {pid: (max(r["max_rss_kb"] for r in rs[:window]) / 1024, max(r["max_rss_kb"] for r in rs[-window:]) / 1024,
                 len(rs)) for pid, rs in by_pid.items()}
    return {"cases": n, "workers": parallel, "scheduler": bool(scheduler), "wall_s": wall, "cases_per_min": 60 * n / wall,
            "startup_s": startup, "steady_cases_per_min": 60 / steady, "steady_overhead_s": steady * parallel - run,
            "run_s": run, "in_worker_s": in_worker, "overhead_s": overhead, "overhead_share": overhead / run,
            "reused": sum(bool(r["reused_model"]) for r in records),
            "statuses": sorted({r["status"] for r in records}), "rss_mb_first_last": rss,
            "dataset": to_dataset(sweep, records)}


def memory_sweep(n: int, tmp: Path) -> Path:
    path = tmp / "memory.yaml"
    path.write_text(yaml.safe_dump({"base": str(SWEEP.parent / "dezhou_day.yaml"), "mode": "samples",
                                    "samples": {"n": n, "seed": 1}, "parameters": [
        {"name": "pv_scale", "path": "assets[name=rooftop_pv].available_kw.scale", "low": 0.5, "high": 2.5},
        {"path": "objective.carbon_price_cny_per_tco2", "low": 0, "high": 400},
        {"path": "assets[name=lfp].energy_kwh", "values": [5000, 10000, 20000]}]}))
    return path


def show(label: str, m: dict) -> None:
    print(f"{label}: {m['cases']} cases in {m['wall_s']:.1f} s = {m['cases_per_min']:.0f} cases/min; "
          f"run {m['run_s'] * 1000:.0f} ms/case, in worker {m['in_worker_s'] * 1000:.0f} ms, overhead outside the run "
          f"{m['overhead_s'] * 1000:.0f} ms ({m['overhead_share']:.0%}); first record after {m['startup_s']:.1f} s, "
          f"then {m['steady_cases_per_min']:.0f} cases/min (overhead {m['steady_overhead_s'] * 1000:.0f} ms/case); "
          f"{m['reused']} re-solved on a built model; "
          f"statuses {m['statuses']}")
    for pid, (first, last, count) in m["rss_mb_first_last"].items():
        print(f"    worker {pid}: {count} cases, peak RSS {first:.0f} MB after its first cases, {last:.0f} MB after its last")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", type=Path, default=SWEEP)
    parser.add_argument("--memory-cases", type=int, default=0)
    parser.add_argument("--no-cluster", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    results = {}
    for workers in (1, 2):
        results[f"pool_{workers}"] = measure(args.sweep, workers=workers)
        show(f"process pool, {workers} worker(s)", results[f"pool_{workers}"])
    efficiency = results["pool_2"]["cases_per_min"] / (2 * results["pool_1"]["cases_per_min"])
    print(f"scaling: {results['pool_2']['cases_per_min'] / results['pool_1']['cases_per_min']:.2f}x on 2 workers "
          f"(efficiency {efficiency:.0%})")
    if not args.no_cluster:
        from distributed import LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None) as cluster:
            results["cluster_2"] = measure(args.sweep, scheduler=cluster.scheduler_address)
        show("Dask LocalCluster, 2 workers", results["cluster_2"])
        same = results["cluster_2"]["dataset"].identical(results["pool_2"]["dataset"])
        print(f"LocalCluster Dataset identical to the process pool's: {same}")
    if args.memory_cases:
        with tempfile.TemporaryDirectory() as tmp:
            results["memory"] = measure(memory_sweep(args.memory_cases, Path(tmp)), workers=2, window=100)
        show(f"memory sweep ({args.memory_cases} samples), 2 workers", results["memory"])
    if args.json:
        figures = {k: {f: v for f, v in m.items() if f != "dataset"} for k, m in results.items()}
        args.json.write_text(json.dumps(figures, indent=2, default=str))


if __name__ == "__main__":
    main()
