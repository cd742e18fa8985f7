"""Command line: ``parkdispatch run | forecast | pareto | validate | schema | day-ahead | intraday | history | replay | serve``. Thin: parse, call, report, exit code.

Exit codes are listed in :mod:`optimiser.errors`.
"""

from __future__ import annotations

import argparse
import json
import sys

import math

from . import __version__
from .errors import ParkDispatchError, ScenarioError, SolverError
from .interrupts import remembered

INTERRUPTED = 130
"""exit code after Ctrl-C (128 + SIGINT), as a shell reports it"""


def _seconds(text: str) -> float:
    """``--time-limit``: seconds > 0, bounded as ``solver.time_limit_s`` in a scenario."""
    from .bounds import unit_limit

    value, most = _number(text), unit_limit("time_limit_s")[0]
    if not (math.isfinite(value) and 0 < value <= most):
        raise argparse.ArgumentTypeError(f"{text}: must be a finite number of seconds > 0 and <= {most:g}")
    return value


def _gap(text: str) -> float:
    """``--mip-gap``: a relative gap in [0, 1) (as ``solver.mip_gap``)."""
    value = _number(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"{text}: must be a relative gap >= 0 and < 1, e.g. 0.0001")
    return value


def _points(text: str) -> int:
    """``--points``: a whole number from 2 to 1000."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text}: not a whole number") from None
    if not 2 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"{text}: a front needs from 2 to 1000 points")
    return value


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text}: not a number") from None


def _output_options(command: argparse.ArgumentParser, plot: str) -> None:
    """``--out``, ``--overwrite`` and ``--no-plot`` of a command that writes an output folder."""
    command.add_argument("--out", required=True, help="output directory (must not exist or be empty, unless --overwrite)")
    command.add_argument("--overwrite", action="store_true",
                         help="replace a previous parkdispatch output in --out (never any other folder)")
    command.add_argument("--no-plot", action="store_true", help=f"skip {plot}")


def _solver_options(command: argparse.ArgumentParser, time_limit_help: str) -> None:
    """``--time-limit`` and ``--mip-gap``, overriding the scenario's solver section."""
    command.add_argument("--time-limit", type=_seconds, metavar="SECONDS", help=time_limit_help)
    command.add_argument("--mip-gap", type=_gap, metavar="GAP", help="relative MIP gap (overrides the scenario)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="parkdispatch", description="Dispatch optimiser for zero-carbon industrial parks.")
    parser.add_argument("--version", action="version", version=f"parkdispatch {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="optimise a scenario and write dispatch.csv, dispatch.nc, summary.json, dispatch.png")
    run.add_argument("scenario", help="scenario YAML file")
    _output_options(run, "dispatch.png")
    _solver_options(run, "solver time limit (overrides the scenario)")
    run.add_argument("--verbose", action="store_true", help="show the HiGHS log")
    run.add_argument("--quiet", action="store_true", help="no progress lines (shown on a terminal otherwise)")

    forecast = commands.add_parser("forecast", help="write the scenario's input series (from weather where given) and a plot")
    forecast.add_argument("scenario", help="scenario YAML file")
    _output_options(forecast, "forecast.png")

    pareto = commands.add_parser("pareto", help="cost-vs-emissions front (epsilon constraint): pareto.csv, pareto.json, pareto.png")
    pareto.add_argument("scenario", help="scenario YAML file")
    pareto.add_argument("--points", type=_points, default=5, help="number of points from min emissions to min cost, 2-1000 [5]")
    _output_options(pareto, "pareto.png")
    pareto.add_argument("--time-limit", type=_seconds, metavar="SECONDS", help="solver time limit per point")
    pareto.add_argument("--quiet", action="store_true", help="no progress lines (shown on a terminal otherwise)")

    _add_sweep_commands(commands)

    validate = commands.add_parser("validate", help="check a scenario file without solving")
    validate.add_argument("scenario")
    commands.add_parser("schema", help="print the scenario JSON Schema")

    day_ahead = commands.add_parser("day-ahead", help="one operating day's schedule from the stored state of the day "
                                    "before; stored with its end state (see README, Operations)")
    day_ahead.add_argument("scenario", help="scenario YAML file (its series must cover the date)")
    day_ahead.add_argument("--date", required=True, help="operating date YYYY-MM-DD (local midnight to midnight)")
    intraday = commands.add_parser("intraday", help="re-optimise the stored day from --at on, the steps before it "
                                   "fixed as dispatched; stored as the day's intraday schedule")
    intraday.add_argument("scenario", help="scenario YAML file (its series: the updated forecasts)")
    intraday.add_argument("--at", required=True, help="first step to re-optimise, with offset, e.g. 2026-07-15T12:00+08:00")
    intraday.add_argument("--measured", metavar="STATE.json", help="measured state at --at: store levels, unit status "
                          "and hours (see README, Operations)")
    for job in (day_ahead, intraday):
        job.add_argument("--store", help="state store: SQLite file path or database URL [$PARKDISPATCH_STORE or "
                         "~/.local/state/parkdispatch/store.sqlite]")
        _solver_options(job, "solver time limit (overrides the scenario)")
        job.add_argument("--wait", type=float, default=60.0, metavar="SECONDS",
                         help="wait this long for another job's store lock, then exit 6 [60]")
        job.add_argument("--weather-forecast", metavar="FILE", help="weather forecast file for the day, read as the "
                         "scenario's weather.file (same format and options, dated): PV and wind from it")
        job.add_argument("--forecast-fallback", choices=("error", "persistence"), default="error",
                         help="forecast steps missing from a CSV: exit 2, or fill from an earlier day, flagged [error]")
    replay = commands.add_parser("replay", help="replay day-ahead and intraday over past days against actuals: "
                                 "perfect foresight, day-ahead only, day-ahead + intraday (see README, Replay)")
    replay.add_argument("scenario", help="scenario YAML file (its series: the actuals; they must cover the days)")
    replay.add_argument("--start", required=True, help="first day YYYY-MM-DD")
    replay.add_argument("--days", type=int, required=True, help="number of consecutive days")
    replay.add_argument("--intraday-every", default="1h", help="intraday re-solve cadence, a whole number of steps [1h]")
    replay.add_argument("--seed", type=int, default=0, help="seed of the forecast errors [0]")
    replay.add_argument("--capacity", action="append", metavar="NAME=KW", help="error scale of a pv or wind series "
                        "[kW] (repeatable); default: its capacity_kw, else its highest actual value over the days")
    replay.add_argument("--store", help="state store to start from (read only: the end state of the day before "
                        "--start and the month-to-date peak)")
    _output_options(replay, "replay.png")
    _solver_options(replay, "solver time limit per solve")
    replay.add_argument("--quiet", action="store_true", help="no line per settled day on standard error")
    history = commands.add_parser("history", help="runs in the state store: dates, status, objective, flags")
    history.add_argument("--store", help="state store (as for day-ahead)")
    history.add_argument("--limit", type=int, help="newest N runs only")
    serve = commands.add_parser("serve", help="read-only dashboard of the state store: latest schedule, runs, "
                                "their pages, JSON per schedule (see README, Dashboard)")
    serve.add_argument("--store", help="state store (as for day-ahead)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on [127.0.0.1: this machine only]")
    serve.add_argument("--port", type=int, default=8080, help="port [8080]")

    _add_bench_command(commands)

    args = parser.parse_args(argv)
    try:
        with remembered():
            return _dispatch(args)
    except ParkDispatchError as exc:
        print(f"parkdispatch: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:  # also an error a Ctrl-C caused (optimiser.interrupts.remembered)
        print("parkdispatch: interrupted; nothing written", file=sys.stderr)
        return INTERRUPTED


def _dispatch(args: argparse.Namespace) -> int:
    from .progress import Progress
    from .scenario import Scenario, load_scenario

    if args.command in ("sweep", "sweep-report"):
        from .sweeps.cli import run_command

        return run_command(args)
    if args.command == "replay":
        from .operations.commands import run_replay

        return run_replay(args)
    if args.command == "bench":
        from .bench.runner import run_command as run_bench

        return run_bench(args)
    if args.command in ("day-ahead", "intraday", "history"):
        from .operations.commands import run_operation

        return run_operation(args)
    if args.command == "serve":
        try:
            from .reports.serve import serve
        except ModuleNotFoundError as exc:
            raise ScenarioError(f"parkdispatch serve needs {exc.name}: pip install 'parkdispatch[serve]'") from None
        return serve(args.store, args.host, args.port)
    if args.command == "schema":
        print(json.dumps(Scenario.model_json_schema(), indent=2))
        return 0
    scenario = load_scenario(args.scenario)
    if args.command in ("run", "forecast", "pareto"):  # before any solve: --out must be usable
        from .outdir import check_output_dir

        check_output_dir(args.out, args.overwrite, protect=scenario.input_paths)
    if args.command == "validate":
        print(f"{args.scenario}: valid ({scenario.horizon.steps} steps of {scenario.horizon.step_minutes} min, "
              f"{len(scenario.assets)} assets)")
        return 0
    if args.command == "forecast":
        from .forecast_run import write_forecast

        out = write_forecast(scenario, args.out, overwrite=args.overwrite, plot=not args.no_plot)
        label = " (synthetic weather)" if scenario.weather_synthetic else ""
        print(f"forecast series{label} written to {out}")
        return 0

    if args.command == "pareto":
        from .pareto import pareto_front, write_pareto

        front = pareto_front(scenario, args.points, time_limit_s=args.time_limit,
                             progress=Progress.for_terminal(args.quiet))
        out = write_pareto(front, scenario, args.out, overwrite=args.overwrite, plot=not args.no_plot)
        print(front.to_string(index=False))
        print(f"outputs in {out}")
        return 0

    from .accounting import headline, kpi_table
    from .output import write_outputs
    from .run import optimise

    result = optimise(scenario, time_limit_s=args.time_limit, mip_gap=args.mip_gap, verbose=args.verbose,
                      progress=Progress.for_terminal(args.quiet))
    out = write_outputs(result, args.out, overwrite=args.overwrite, plot=not args.no_plot)
    s, t = result.summary, result.summary["timings"]
    print(headline(s))
    print(kpi_table(s["kpis"]))
    if "sizing" in s:
        from .planning.sizing import sizing_lines

        print("\n".join(sizing_lines(s["sizing"])))
    print(f"seconds: build {t['build_seconds']:.3f}, hand-over {t['handover_seconds']:.3f}, "
          f"solve {t['solve_seconds']:.3f}, extract {t['extract_seconds']:.3f}, check {t['check_seconds']:.3f}")
    print(f"outputs in {out}")
    for warning in s.get("warnings", []):  # the LP relaxation's use (solver.binaries: never)
        print(f"warning: {warning}", file=sys.stderr)
    if result.status != "optimal":
        gap = s["mip_gap"]
        raise SolverError(f"{s['status'].replace('_', ' ')} reached: the schedule in {out} is the best found"
                          + (f" (MIP gap {gap:.2%})" if gap is not None else "") + ", not proven optimal")
    return 0


def _add_sweep_commands(commands) -> None:
    sweep = commands.add_parser("sweep", help="run a scenario sweep (grid, case list or samples): sweep.nc, sweep.csv, plots")
    sweep.add_argument("sweep", help="sweep YAML file")
    sweep.add_argument("--out", required=True, help="output directory (new or empty; or this sweep's, with --resume)")
    sweep.add_argument("--workers", type=int, help="local worker processes [CPU count]")
    sweep.add_argument("--scheduler", metavar="ADDRESS", help="run on an existing Dask cluster, e.g. tcp://host:8786")
    sweep.add_argument("--resume", action="store_true", help="skip cases already finished in --out")
    sweep.add_argument("--keep-dispatch", action="store_true", help="keep each case's dispatch as cases/<hash>.nc")
    sweep.add_argument("--no-plot", action="store_true", help="skip the plots")
    sweep.add_argument("--heatmap", metavar="X,Y[,KPI]", help="heatmap axes and KPI [first two parameters, objective_cny]")
    sweep.add_argument("--sensitivity", metavar="PARAM[,KPI]", help="sensitivity line [first numeric parameter, objective_cny]")
    report = commands.add_parser("sweep-report", help="best cases per KPI and the Pareto-efficient set of a sweep")
    report.add_argument("out", help="a sweep's output directory")


def _add_bench_command(commands) -> None:
    from .bench import HORIZONS, PARKS, STANDARD

    bench = commands.add_parser("bench", help="benchmark the standard parks (day, week, year) against HiGHS alone "
                                "and PyPSA: bench.md, bench.csv")
    bench.add_argument("--parks", nargs="+", default=list(PARKS), metavar="PARK", help=f"[{' '.join(PARKS)}]")
    bench.add_argument("--horizons", nargs="+", default=list(HORIZONS), metavar="HORIZON",
                       help=f"[{' '.join(HORIZONS)}]")
    bench.add_argument("--repeat", type=int, default=3, help="timed runs per case after a warm-up; medians [3]")
    bench.add_argument("--out", required=True, help="output directory for bench.md and bench.csv")
    bench.add_argument("--overwrite", action="store_true", help="replace a previous bench output in --out")
    bench.add_argument("--no-peer", action="store_true", help="skip the PyPSA comparison")
    bench.add_argument("--scenarios", default=str(STANDARD), help="folder of the standard park files [%(default)s]")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
