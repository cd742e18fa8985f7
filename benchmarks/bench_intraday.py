"""Intraday re-solve on the run seam against a fresh build-and-solve.

For each case: one :class:`optimiser.run.Dispatch` is built and solved (the day-ahead schedule);
then for ``--resolves`` positions ``--at`` spread over the day, the steps before it are fixed to
that schedule on the seam (:class:`optimiser.operations.intraday.PastFixer`: bounds only, no
rebuild) and the model is re-solved warm. Timed: the fix, HiGHS's solve (``solve_seconds``) and
the whole ``Dispatch.solve`` (solve + extraction). A fresh run (``optimise``: build, hand-over,
solve, extract, check) is timed ``--fresh`` times on the same scenario. Medians are printed.

Cases: ``day`` = ``scenarios/dezhou_day.yaml``, ``multi`` = ``scenarios/dezhou_multi_energy_day.yaml``.
Run: ``nice python benchmarks/bench_intraday.py [--resolves 20] [--fresh 3]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from optimiser.operations.intraday import PastFixer
from optimiser.output import dispatch_frame
from optimiser.run import Dispatch, optimise
from optimiser.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
CASES = {"day": "scenarios/dezhou_day.yaml", "multi": "scenarios/dezhou_multi_energy_day.yaml"}


def bench(path: Path, resolves: int, fresh: int) -> dict[str, float]:
    scenario = load_scenario(path)
    dispatch = Dispatch(scenario)
    schedule = dispatch_frame(dispatch.solve().dataset)
    fixer = PastFixer(dispatch)
    n = len(scenario.index)
    fix_s, solve_s, total_s, binaries = [], [], [], dispatch.seam.n_binaries
    for i in range(resolves):
        k = 1 + (i * (n - 2)) // max(resolves - 1, 1)
        t0 = time.perf_counter()
        fixer.fix(schedule, k)
        t1 = time.perf_counter()
        result = dispatch.solve()
        total_s.append(time.perf_counter() - t1)
        fix_s.append(t1 - t0)
        solve_s.append(result.summary["solve_seconds"])
    fresh_s = []
    for _ in range(fresh):
        t0 = time.perf_counter()
        optimise(scenario)
        fresh_s.append(time.perf_counter() - t0)
    median = statistics.median
    return {"binaries": binaries, "fix_ms": 1000 * median(fix_s), "highs_solve_ms": 1000 * median(solve_s),
            "resolve_ms": 1000 * median(total_s), "fresh_ms": 1000 * median(fresh_s),
            "speedup": median(fresh_s) / median([f + t for f, t in zip(fix_s, total_s)])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolves", type=int, default=20)
    parser.add_argument("--fresh", type=int, default=3)
    parser.add_argument("--cases", nargs="*", default=list(CASES))
    args = parser.parse_args()
    print(f"{'case':6} {'binaries':>8} {'fix ms':>8} {'HiGHS ms':>9} {'re-solve ms':>12} {'fresh ms':>9} {'speed-up':>8}")
    for name in args.cases:
        r = bench(REPO / CASES[name], args.resolves, args.fresh)
        print(f"{name:6} {r['binaries']:8d} {r['fix_ms']:8.1f} {r['highs_solve_ms']:9.1f} {r['resolve_ms']:12.1f} "
              f"{r['fresh_ms']:9.1f} {r['speedup']:7.1f}x")


if __name__ == "__main__":
    main()
