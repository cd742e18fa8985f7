"""Intraday re-solves with fresh forecasts on one built model, against a fresh build-and-solve; and a replay.

Per case: one :class:`optimiser.run.Dispatch` is built and solved on the day-ahead forecast
(issued at 12:00 the day before, :mod:`forecasts.output_forecast`, seed 0); then for
``--resolves`` issue times spread over the day, in one :meth:`HighsModel.batch`: the previous
fix is released, the forecast issued at that time is set on the seam
(:class:`optimiser.operations.forecast_inputs.ForecastInputs`) and the steps before it are fixed
to the day-ahead schedule, plant output capped at the actual availability
(:class:`optimiser.operations.intraday.PastFixer`); then the model is
re-solved warm (``Dispatch.run``: no extraction, as in the replay). Timed: the changes, HiGHS's
own solve (``solve_seconds``) and the whole re-solve; a fresh ``Dispatch(scenario).solve()``
(build, hand-over, solve, extraction) ``--fresh`` times. Medians.

Cases: ``day`` = ``scenarios/dezhou_day.yaml`` (its 48 exclusivity binaries make it a MIP: the
export price is above the deep-valley import price), ``day-lp`` = the same with
``solver.binaries: never`` (the LP), ``multi`` = ``scenarios/dezhou_multi_energy_day.yaml``.
``--replay-days N``: ``parkdispatch replay scenarios/dezhou_july.yaml`` over N days from
2026-07-01 with hourly intraday (wall time, solves, HiGHS time, median re-solve); ``--replay-lp``
the same month with export at 0.15 CNY/kWh (below every import price: no exclusivity binaries).

Run: ``nice python benchmarks/bench_resolve.py [--resolves 20] [--fresh 3] [--replay-days 30]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import yaml

from optimiser.operations.forecast_inputs import ForecastInputs, actual_series
from optimiser.operations.intraday import PastFixer
from optimiser.operations.replay import DAY_AHEAD_ISSUE_HOUR, Forecaster, ReplayOptions, replay
from optimiser.run import Dispatch
from optimiser.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
CASES = {"day": ("scenarios/dezhou_day.yaml", {}),
         "day-lp": ("scenarios/dezhou_day.yaml", {"solver.binaries": "never"}),
         "multi": ("scenarios/dezhou_multi_energy_day.yaml", {})}


def bench(path: Path, changes: dict, resolves: int, fresh: int) -> dict[str, float]:
    scenario = load_scenario(path)
    scenario = scenario.with_changes(changes) if changes else scenario
    day = scenario.index[0].date()
    forecaster = Forecaster({day: scenario}, ReplayOptions())
    dispatch = Dispatch(scenario)
    inputs, fixer, seam = ForecastInputs(dispatch), PastFixer(dispatch), dispatch.seam
    index, n = scenario.index, len(scenario.index)
    inputs.set(forecaster.issued(day, index, index[0] - np.timedelta64(24 - DAY_AHEAD_ISSUE_HOUR, "h")))
    dispatch.run(scenario.solver.time_limit_s, scenario.solver.mip_gap)
    schedule = {label: np.where(cols >= 0, seam.x[np.maximum(cols, 0)], 0.0) for label, cols in fixer.columns().items()}
    for name, actual in actual_series(scenario).items():  # what the plants could give of the day-ahead schedule
        if f"{name}_output_kw" in schedule:
            schedule[f"{name}_output_kw"] = np.minimum(schedule[f"{name}_output_kw"], actual)
    change_s, highs_s, total_s = [], [], []
    for i in range(resolves):
        k = 1 + (i * (n - 2)) // max(resolves - 1, 1)
        t0 = time.perf_counter()
        with seam.batch():
            fixer.release()
            inputs.set(forecaster.issued(day, index, index[k]))
            fixer.fix(schedule, k)
        t1 = time.perf_counter()
        info, _ = dispatch.run(scenario.solver.time_limit_s, scenario.solver.mip_gap)
        total_s.append(time.perf_counter() - t0)
        change_s.append(t1 - t0)
        highs_s.append(info.solve_seconds)
    fresh_s = []
    for _ in range(fresh):
        t0 = time.perf_counter()
        Dispatch(scenario).solve()
        fresh_s.append(time.perf_counter() - t0)
    median = statistics.median
    return {"binaries": dispatch.seam.n_binaries, "change_ms": 1000 * median(change_s),
            "highs_ms": 1000 * median(highs_s), "resolve_ms": 1000 * median(total_s),
            "fresh_ms": 1000 * median(fresh_s), "speedup": median(fresh_s) / median(total_s),
            "vs_highs": median([t / h for t, h in zip(total_s, highs_s)])}


def bench_replay(days: int, lp: bool) -> dict[str, float]:
    path = REPO / "scenarios/dezhou_july.yaml"
    with tempfile.TemporaryDirectory() as folder:
        if lp:  # export at 0.15 CNY/kWh, below every import price: no exclusivity binaries, an LP
            raw = yaml.safe_load(path.read_text())
            raw["tariff"]["export_cny_per_kwh"] = 0.15
            for asset in raw["assets"]:
                for series in asset.values():
                    if isinstance(series, dict) and "csv" in series:
                        series["csv"] = str(path.parent / series["csv"])
            path = Path(folder) / "dezhou_july_lp.yaml"
            path.write_text(yaml.safe_dump(raw))
        t0 = time.perf_counter()
        settled = replay(path, date(2026, 7, 1), days, ReplayOptions(intraday_every_h=1.0))
        wall = time.perf_counter() - t0
    resolves = [s for d in settled for s in d.resolve_seconds]
    return {"wall_s": wall, "solves": sum(d.solves for d in settled),
            "highs_s": sum(d.solve_seconds for d in settled), "resolve_median_ms": 1000 * statistics.median(resolves)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolves", type=int, default=20)
    parser.add_argument("--fresh", type=int, default=3)
    parser.add_argument("--cases", nargs="*", default=list(CASES))
    parser.add_argument("--replay-days", type=int, default=0)
    parser.add_argument("--replay-lp", action="store_true", help="replay the month with export below every import "
                        "price (an LP) instead of the bundled tariff (a MIP at midday)")
    args = parser.parse_args()
    print(f"{'case':7} {'binaries':>8} {'changes ms':>10} {'HiGHS ms':>9} {'re-solve ms':>12} {'/ HiGHS':>8} "
          f"{'fresh ms':>9} {'speed-up':>8}")
    for name in args.cases:
        path, changes = CASES[name]
        r = bench(REPO / path, changes, args.resolves, args.fresh)
        print(f"{name:7} {r['binaries']:8d} {r['change_ms']:10.1f} {r['highs_ms']:9.1f} {r['resolve_ms']:12.1f} "
              f"{r['vs_highs']:7.2f}x {r['fresh_ms']:9.1f} {r['speedup']:7.1f}x", flush=True)
    if args.replay_days:
        r = bench_replay(args.replay_days, args.replay_lp)
        variant = " (LP variant)" if args.replay_lp else ""
        print(f"replay dezhou_july{variant} {args.replay_days} days, hourly intraday: {r['wall_s']:.1f} s wall, "
              f"{r['solves']} solves, HiGHS {r['highs_s']:.1f} s, median re-solve {r['resolve_median_ms']:.1f} ms")


if __name__ == "__main__":
    main()
