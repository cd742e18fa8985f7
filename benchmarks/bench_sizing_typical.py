"""Capacity sizing over typical days against the full-year sizing (README "Planning: sizing").

``scenarios/planning/dezhou_sizing_year.yaml`` is sized over the whole hourly year once, then with
``horizon.typical_periods: {days: K}`` for each K (``--days``, default 4 8 12 24; hierarchical).
Per K: the chosen capacities and the objective against the full year's, and the **true cost** of
the K design: its capacities fixed on the full-year sizing model (the same HiGHS model, warm) and
dispatched over the real year. Times: the whole ``optimise`` (aggregation, design and reference
solves, expansion to the calendar, checks) and the design's solve.

Run: ``python benchmarks/bench_sizing_typical.py [--days 4 8] [--json out.json]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # this checkout's optimiser, not an installed one
YEAR = REPO / "scenarios" / "planning" / "dezhou_sizing_year.yaml"


def main(argv: list[str] | None = None) -> int:
    from optimiser.planning.sized_run import SizingRun
    from optimiser.run import optimise
    from optimiser.scenario import load_scenario

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, nargs="+", default=[4, 8, 12, 24])
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    year = load_scenario(YEAR)
    t0 = time.perf_counter()
    full = SizingRun(year)
    result, best = full.solve(year.solver.time_limit_s, year.solver.mip_gap)
    full.solve(year.solver.time_limit_s, year.solver.mip_gap,  # the reference design, as optimise() does
               fixed={d.key: year.sizing.reference_of(d.key, d.existing) for d in full.decisions})
    rows = [{"K": "year", "capacities": best, "objective_cny": result.summary["objective_cny"],
             "true_cost_cny": result.summary["objective_cny"], "design_solve_s": result.summary["timings"]
             ["solve_seconds"], "run_s": time.perf_counter() - t0}]
    for k in args.days:
        raw = year.raw
        raw["horizon"]["typical_periods"] = {"days": k, "method": "hierarchical"}
        typical = year.with_changes({"horizon": raw["horizon"]})
        t0 = time.perf_counter()
        r = optimise(typical)
        run_s = time.perf_counter() - t0
        chosen = {key: c["capacity"] for key, c in r.summary["sizing"]["capacities"].items()}
        true, _ = full.solve(year.solver.time_limit_s, year.solver.mip_gap, fixed=chosen)
        rows.append({"K": k, "capacities": chosen, "objective_cny": r.summary["objective_cny"],
                     "true_cost_cny": true.summary["objective_cny"],
                     "design_solve_s": r.summary["timings"]["solve_seconds"], "run_s": run_s})
    base = rows[0]
    keys = list(base["capacities"])
    print("| K | " + " | ".join(keys) + " | objective | true cost | run | solve |")
    print("|---" * (len(keys) + 5) + "|")
    for row in rows:
        caps = [f"{row['capacities'][key]:,.0f}" if row is base else
                f"{row['capacities'][key] / base['capacities'][key] - 1:+.1%}" for key in keys]
        costs = ([f"{row['objective_cny'] / 1e6:.3f} MCNY/a", "="] if row is base else
                 [f"{row['objective_cny'] / base['objective_cny'] - 1:+.2%}",
                  f"{row['true_cost_cny'] / base['objective_cny'] - 1:+.3%}"])
        times = f" | {row['run_s']:.1f} s | {row['design_solve_s']:.2f} s |"
        print(f"| {row['K']} | " + " | ".join(caps + costs) + times)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
