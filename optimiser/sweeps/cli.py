"""``parkdispatch sweep`` and ``sweep-report``: call the sweep package, print a summary, exit code."""

from __future__ import annotations

import argparse

from ..errors import ScenarioError


def run_command(args: argparse.Namespace) -> int:
    from .report import report

    if args.command == "sweep-report":
        print(report(args.out))
        return 0
    from . import load_sweep, run_sweep, write_results

    if args.workers is not None and args.workers < 1:
        raise ScenarioError(f"--workers = {args.workers}: give at least 1")
    sweep = load_sweep(args.sweep)
    heatmap = _split(args.heatmap, 2, 3, "--heatmap", "objective_cny")
    sensitivity = _split(args.sensitivity, 1, 2, "--sensitivity", "objective_cny")
    print(f"{args.sweep}: {len(sweep.cases)} cases ({sweep.spec.mode}), all valid")
    records = run_sweep(sweep, args.out, workers=args.workers, scheduler=args.scheduler, resume=args.resume,
                        keep_dispatch=args.keep_dispatch)
    write_results(sweep, records, args.out, plot=not args.no_plot, heatmap=heatmap, sensitivity=sensitivity)
    print(report(args.out, [p.name for p in sweep.parameters]))
    print(f"outputs in {args.out}")
    return 0


def _split(text: str | None, least: int, most: int, option: str, default_kpi: str) -> tuple | None:
    if text is None:
        return None
    parts = [p.strip() for p in text.split(",")]
    if not least <= len(parts) <= most:
        raise ScenarioError(f"{option} = {text!r}: give {least} to {most} comma-separated names")
    return tuple(parts) if len(parts) == most else (*parts, default_kpi)
