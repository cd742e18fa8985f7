"""``parkdispatch day-ahead``: one operating day's schedule from the stored state of the day before.

Stages (one structured log line each on stderr, ``parkdispatch stage=... key=value ...``):
lock the store, record the run, derive the day's scenario (horizon moved to the date's local
midnight, one day long; each asset's initial state from the store), solve and check on the run
seam (:func:`optimiser.run.optimise`), then store the schedule, the end state and the running
totals in one transaction. Any failure is recorded on the run with its exit class and message,
and the date's last good schedule stays current.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from .. import __version__
from ..errors import ParkDispatchError, RelaxedError, ScenarioError, SolverError
from ..output import dispatch_frame
from ..run import Dispatch, RunResult, solve_checked
from ..scenario import Scenario, read_scenario_file, scenario_from_dict
from .fallback import fill_missing
from .horizon_end import end_values, marginal_states, relaxed_misses
from .relax import solve_or_relax
from .state import apply_state, end_state, fractional_status
from .weather_forecast import use_weather_forecast
from .store import Outcome, Store
from .totals import carry_in, carry_out

def log(stage: str, **fields) -> None:
    """One structured line per stage on stderr: ``parkdispatch stage=<stage> key=value ...``."""
    text = " ".join(f"{k}={json.dumps(v) if isinstance(v, str) and (' ' in v or not v) else v}"
                    for k, v in fields.items())
    print(f"parkdispatch stage={stage} {text}".rstrip(), file=sys.stderr, flush=True)


@dataclass
class JobResult:
    """A stored run: its id, schedule version, the solved result and the flags stored with it."""

    run_id: int
    version: int
    result: RunResult
    flags: list[str] = field(default_factory=list)


def read_raw(path: str | Path) -> tuple[dict, bytes]:
    """The scenario file's mapping and bytes; ScenarioError naming the file if it cannot be read."""
    raw, text = read_scenario_file(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("horizon"), dict):
        raise ScenarioError(f"{path}: expected a mapping with sections park, horizon, tariff, grid, assets")
    return raw, text


def day_window(raw: dict, operating_date: date, source: str) -> tuple[datetime, int]:
    """Local midnight of ``operating_date`` in the park's time zone and the day's number of steps."""
    zone_name = (raw.get("park") or {}).get("timezone", "Asia/Shanghai")
    step = (raw.get("horizon") or {}).get("step_minutes")
    try:
        zone = ZoneInfo(str(zone_name))
    except Exception:  # noqa: BLE001 (the scenario's own validation names it)
        scenario_from_dict(raw, source=source)
        raise
    if step not in (15, 60):
        raise ScenarioError(f"{source}: horizon.step_minutes = {step!r}: must be 15 or 60")
    start = datetime(operating_date.year, operating_date.month, operating_date.day, tzinfo=zone)
    end = datetime.combine(operating_date + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    minutes = (end - start).total_seconds() / 60.0  # 1440, or 1380/1500 on a daylight-saving change
    return start, int(round(minutes / step))


def day_scenario(raw: dict, operating_date: date, state: dict, base_dir: Path, source: str,
                 prepare=None) -> tuple[Scenario, list[str]]:
    """The scenario of one operating day: ``raw`` with its horizon moved to the date's local midnight
    (one day of the file's step length) and the stored end state of the day before as initial state;
    then ``prepare(raw)`` (returning flags) if given. Its series must cover the day (a CSV with a
    timezone-aware ``time`` column)."""
    raw = json.loads(json.dumps(raw, default=_iso))  # a deep copy with YAML datetimes as ISO text
    start, steps = day_window(raw, operating_date, source)
    raw["horizon"]["start"] = start.isoformat()
    raw["horizon"]["steps"] = steps
    flags = apply_state(raw, state) if state else ["no stored state for the day before: initial state from the scenario"]
    if prepare is not None:
        flags += prepare(raw)
    return scenario_from_dict(raw, base_dir=base_dir, source=f"{source} for {operating_date}"), flags


def day_ahead(scenario_path: str | Path, operating_date: date, store: Store, time_limit_s: float | None = None,
              mip_gap: float | None = None, wait_s: float = 60.0, forecast_fallback: str = "error",
              weather_forecast: str | Path | None = None) -> JobResult:
    """Solve, check and store ``operating_date``'s schedule (see module doc); raise a
    :class:`ParkDispatchError` (recorded on the run) on failure. ``forecast_fallback``: ``error`` or
    ``persistence`` for missing forecast steps (:mod:`.fallback`); ``weather_forecast``: a weather file
    in place of the scenario's (:mod:`.weather_forecast`)."""
    def solve_day(scenario: Scenario) -> RunResult:
        dispatch = Dispatch(scenario)
        result = solve_checked(dispatch, time_limit_s, mip_gap)
        result.summary["end_marginal_value_cny_per_unit"] = end_values(dispatch)
        return result

    def solve(scenario: Scenario, run_id: int) -> tuple[RunResult, list[str]]:
        return solve_or_relax(scenario, solve_day)

    return stored_job("day-ahead", scenario_path, operating_date, store, solve, wait_s,
                      prepare=forecast_prepare(forecast_fallback, Path(scenario_path).parent, store, operating_date,
                                               weather_forecast=weather_forecast))


def forecast_prepare(fallback: str, base_dir: Path, store: Store, operating_date: date, then=None,
                     weather_forecast: str | Path | None = None):
    """The ``prepare`` step of a job: ``then(raw)`` if given, the weather forecast file if given
    (:mod:`.weather_forecast`), then the forecast fallback (:mod:`.fallback`)."""
    if fallback not in ("error", "persistence"):
        raise ScenarioError(f"--forecast-fallback = {fallback!r}: must be 'error' or 'persistence'")
    weather = use_weather_forecast(weather_forecast) if weather_forecast is not None else None

    def prepare(raw: dict) -> list[str]:
        flags = then(raw) if then is not None else []
        flags += weather(raw) if weather is not None else []
        return flags + (fill_missing(raw, base_dir, store, operating_date) if fallback == "persistence" else [])

    return prepare


def stored_job(kind: str, scenario_path: str | Path, operating_date: date, store: Store, solve, wait_s: float,
               note: str = "", prepare=None) -> JobResult:
    """The stages every job shares: lock, record the run, derive the day (``prepare``: see
    :func:`day_scenario`), ``solve(scenario, run_id)`` (a checked :class:`RunResult` and extra flags),
    store; failures recorded and re-raised."""
    path = Path(scenario_path)
    raw, text = read_raw(path)
    log("start", kind=kind, date=operating_date.isoformat(), scenario=str(path), store=store.where)
    with store.lock(f"{kind} {operating_date}{note} {path}", wait_s) as holder:
        run_id = store.start_run(kind, operating_date, str(path), hashlib.sha256(text).hexdigest(), __version__, holder)
        log("locked", run=run_id, holder=holder)
        timings: dict[str, float] = {}
        scenario = None
        try:
            t0 = time.perf_counter()
            before_id, state = store.end_state(operating_date - timedelta(days=1))
            totals_date, previous = store.latest_totals(operating_date)
            carried = carry_in(raw, operating_date, previous)
            scenario, flags = day_scenario(raw, operating_date, state, path.parent, str(path), prepare)
            flags += carried
            timings["scenario_seconds"] = time.perf_counter() - t0
            log("scenario", run=run_id, start=scenario.index[0].isoformat(), steps=scenario.horizon.steps,
                state_from_run=before_id, flags=len(flags))
            result, extra = solve(scenario, run_id)
            flags += extra + ([] if "relaxed" in result.summary else relaxed_misses(result.summary))
            summary = result.summary
            timings.update(summary["timings"])
            log("solved", run=run_id, status=summary["status"], objective_cny=f"{summary['objective_cny']:.6f}",
                solve_seconds=f"{summary['solve_seconds']:.3f}")
            flags += [f"{name}: fractional status carried rounded" for name in fractional_status(scenario, result.dataset)]
            if summary["status"] != "optimal":
                flags.append(f"solver {summary['status_detail']}: best schedule found, not proven optimal")
            if scenario.weather_synthetic:
                flags.append("synthetic weather")
            summary["flags"] = flags
            t0 = time.perf_counter()
            end = scenario.index[-1] + timedelta(minutes=scenario.horizon.step_minutes)
            if totals_date is not None and totals_date != operating_date - timedelta(days=1):
                flags.append(f"running totals continue from {totals_date}: no schedule stored for the days between")
            schedule = {"start": scenario.index[0].isoformat(), "steps": scenario.horizon.steps,
                        "step_minutes": scenario.horizon.step_minutes,
                        "dispatch_csv": dispatch_frame(result.dataset).to_csv(index=False, float_format="%.17g")}
            code = RelaxedError.exit_code if "relaxed" in summary else 0 if summary["status"] == "optimal" \
                else SolverError.exit_code
            outcome = Outcome(status="relaxed" if "relaxed" in summary else "ok", solver_status=summary["status"],
                              objective_cny=summary["objective_cny"], exit_code=code, flags=flags,
                              timings=timings, scenario_sha256=scenario.sha256)
            states = end_state(scenario, result.dataset) + marginal_states(scenario, summary)
            version = store.finish_ok(run_id, outcome, schedule, states, end.isoformat(),
                                      carry_out(result.scenario, result.dataset, summary["objective_cny"],
                                                operating_date, previous))
            log("stored", run=run_id, version=version, store_seconds=f"{time.perf_counter() - t0:.3f}",
                flags=len(flags))
        except ParkDispatchError as exc:
            _fail(store, run_id, exc, type(exc).__name__, exc.exit_code, timings, scenario)
            raise
        except BaseException as exc:  # interrupted or a bug: recorded, never stored as good
            _fail(store, run_id, exc, type(exc).__name__, 1, timings, scenario)
            raise
    if outcome.exit_code == RelaxedError.exit_code:
        raise RelaxedError(f"{operating_date} is infeasible as given: run {run_id} stored a schedule with the hard "
                           "rules priced, flagged:\n  " + "\n  ".join(summary["relaxed"]["missed"] or
                                                                    ["(every rule met after all)"])
                           + f"\ninfeasible because: {summary['relaxed']['reason']}")
    if outcome.exit_code:
        raise SolverError(f"{summary['status_detail']}: run {run_id} stored the best schedule found for "
                          f"{operating_date}, flagged, not proven optimal")
    return JobResult(run_id=run_id, version=version, result=result, flags=flags)


def _fail(store: Store, run_id: int, exc: BaseException, name: str, code: int, timings: dict,
          scenario: Scenario | None) -> None:
    store.finish_failed(run_id, Outcome(status="failed", exit_code=code, error_class=name,
                                        error_message=str(exc) or repr(exc), timings=timings,
                                        scenario_sha256=None if scenario is None else scenario.sha256))
    log("failed", run=run_id, error=name, exit_code=code)


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
