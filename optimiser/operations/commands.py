"""Handlers of the operations sub-commands (``day-ahead``, ``intraday``, ``history``); the CLI only parses and calls these."""

from __future__ import annotations

import argparse
from datetime import date

from ..errors import ScenarioError


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ScenarioError(f"--date = {text!r}: not a date YYYY-MM-DD") from None


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
                       wait_s=args.wait, forecast_fallback=args.forecast_fallback, measured=args.measured)
        label = f"intraday at {at.isoformat()}"
    else:
        from .dayahead import day_ahead

        operating_date = parse_date(args.date)
        job = day_ahead(args.scenario, operating_date, Store(args.store), time_limit_s=args.time_limit,
                        mip_gap=args.mip_gap, wait_s=args.wait, forecast_fallback=args.forecast_fallback)
        label = f"day-ahead {operating_date}"
    s = job.result.summary
    print(f"{label}: run {job.run_id}, schedule version {job.version}: {s['status_detail']}, "
          f"objective {s['objective_cny']:.2f} CNY, emissions {s['emissions_tco2']:.3f} tCO2")
    for flag in job.flags:
        print(f"  flag: {flag}")
    return 0
