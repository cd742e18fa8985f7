"""Handlers of the operations sub-commands (``day-ahead``, ``intraday``, ``history``, ``replay``); the CLI
only parses and calls these."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from ..errors import ScenarioError


def parse_date(text: str, option: str = "--date") -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ScenarioError(f"{option} = {text!r}: not a date YYYY-MM-DD") from None


def run_operation(args: argparse.Namespace) -> int:
    from .store import Store

    if args.command == "history":
        from .history import history_text

        print(history_text(Store(args.store), args.limit))
        return 0
    if args.command == "intraday":
        from .intraday import intraday, parse_at

        at = parse_at(args.at)
        job = intraday(args.scenario, at, Store(args.store), time_limit_s=args.time_limit, mip_gap=args.mip_gap,
                       wait_s=args.wait, forecast_fallback=args.forecast_fallback, measured=args.measured,
                       weather_forecast=args.weather_forecast)
        label = f"intraday at {at.isoformat()}"
    else:
        from .dayahead import day_ahead

        operating_date = parse_date(args.date)
        job = day_ahead(args.scenario, operating_date, Store(args.store), time_limit_s=args.time_limit,
                        mip_gap=args.mip_gap, wait_s=args.wait, forecast_fallback=args.forecast_fallback,
                        weather_forecast=args.weather_forecast)
        label = f"day-ahead {operating_date}"
    s = job.result.summary
    print(f"{label}: run {job.run_id}, schedule version {job.version}: {s['status_detail']}, "
          f"objective {s['objective_cny']:.2f} CNY, emissions {s['emissions_tco2']:.3f} tCO2")
    for flag in job.flags:
        print(f"  flag: {flag}")
    return 0


def run_replay(args: argparse.Namespace) -> int:
    """``parkdispatch replay``: checks the scenario and ``--out`` before any solve, replays, writes, prints totals."""
    import time

    from .. import __version__
    from ..outdir import check_output_dir
    from ..scenario import load_scenario
    from .replay import DAY_AHEAD_ISSUE_HOUR, ReplayOptions, parse_every, replay
    from .replay_report import LABELS, write_replay
    from .settle import __doc__ as settlement
    from .store import Store

    start = parse_date(args.start, "--start")
    if args.days < 1:
        raise ScenarioError(f"--days = {args.days}: must be at least 1")
    every = parse_every(args.intraday_every)
    scenario = load_scenario(args.scenario)
    check_output_dir(args.out, args.overwrite, protect=scenario.input_paths)
    capacity = {}
    for item in args.capacity or []:
        name, _, value = item.partition("=")
        try:
            capacity[name] = float(value)
        except ValueError:
            raise ScenarioError(f"--capacity {item!r}: expected NAME=KW, e.g. rooftop_pv=40000") from None
    options = ReplayOptions(intraday_every_h=every, seed=args.seed, time_limit_s=args.time_limit, mip_gap=args.mip_gap,
                            capacity_kw=capacity)
    t0 = time.perf_counter()

    def progress(day) -> None:
        if not args.quiet:
            print(f"  {day.date} {LABELS[day.strategy]:22} {day.kpis['cost_cny']:14,.2f} CNY "
                  f"{day.kpis['emissions_tco2']:10.3f} tCO2  {day.solves:3d} solve(s)", file=sys.stderr, flush=True)

    days = replay(args.scenario, start, args.days, options, progress,
                  store=Store(args.store) if args.store else None)
    meta = {"scenario": str(args.scenario), "park": scenario.park.name, "start": start.isoformat(),
            "days_replayed": args.days,
            "intraday_every_h": every, "day_ahead_issue_hour": DAY_AHEAD_ISSUE_HOUR, "seed": args.seed,
            "forecast_error": options.error.model_dump(), "forecast_capacity_kw": days[0].capacity_kw,
            "emissions_basis": scenario.objective.emissions_basis,
            "settlement": " ".join(settlement.split()), "wall_seconds": time.perf_counter() - t0,
            "package_version": __version__}
    doc = write_replay(days, meta, args.out, args.overwrite, scenario.input_paths, plot=not args.no_plot)
    for strategy, row in doc["totals"].items():
        print(f"{LABELS[strategy]:22} cost {row['cost_cny']:14,.2f} CNY  emissions {row['emissions_tco2']:10.3f} tCO2  "
              f"curtailed {row['curtailment_kwh']:10,.0f} kWh  unserved {row['unserved_kwh']:8,.0f} kWh  "
              f"peak import {row['peak_import_kw']:8,.0f} kW")
    value = doc["value_of_intraday"]
    print(f"value of intraday: {value['cost_cny']:,.2f} CNY, {value['emissions_tco2']:.3f} tCO2 "
          f"over {args.days} day(s); outputs in {args.out}")
    return 0
