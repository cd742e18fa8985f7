"""``parkdispatch intraday``: re-optimise a stored day from ``--at`` on, the steps before it fixed as dispatched.

The day's scenario is derived as for day-ahead (same start state: the stored end of the day
before) from the scenario file as it is now (updated forecasts), built once on the run seam
(:class:`optimiser.run.Dispatch`); :class:`PastFixer` then fixes, on ``dispatch.seam``, every
asset flow of the steps before ``--at`` that is a model variable (storage charge and discharge,
renewable output, unit status and power, load shifts, ...) to the date's current schedule
(intraday before day-ahead) and re-solves warm. Store levels follow from the fixed flows and the
grid balances them (fixing those too would over-determine the past: the stored schedule meets
the balances only to the solver's tolerance). A fixed continuous value keeps a band of
1e-6 (1 + |v|) (``FIX_BAND``; the re-solve may gain up to that share of the past's cost), values
below ``SNAP`` are zero, a status is fixed exactly. Re-fixing at a later ``--at`` restores the columns' own bounds first, so one
build serves a whole day of intraday re-solves (see ``benchmarks/bench_intraday.py``).
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from ..errors import ScenarioError
from ..run import Dispatch, RunResult, check
from ..scenario import Scenario
from .dayahead import JobResult, stored_job
from .horizon_end import intraday_terminal
from .measured import apply_measured, carry_measured_changes, read_measured
from .relax import solve_or_relax
from .store import Store

FIX_BAND = 1e-6
"""a past continuous value v is fixed to v ± FIX_BAND (1 + |v|): the stored schedule meets the model's
equations only to the solver's tolerance, so an exact fix can leave a level 1e-5 kWh below its bound"""

SNAP = 1e-4
"""a past value closer to zero than this is fixed to zero (solver noise a binary's tolerance lets
through, e.g. 5e-6 kW of charging beside a discharge, would otherwise force both flows on) [its unit]"""

LEVELS = frozenset({"soc_kwh", "level_kg", "energy_kwh"})
"""store levels: not fixed, they follow from the fixed flows through the continuity equations"""


def parse_at(text: str) -> pd.Timestamp:
    """``--at`` as a timezone-aware timestamp; exit 2 naming the value otherwise."""
    try:
        at = pd.Timestamp(text)
    except ValueError:
        raise ScenarioError(f"--at = {text!r}: not a timestamp (e.g. 2026-07-15T12:00:00+08:00)") from None
    if at.tzinfo is None:
        raise ScenarioError(f"--at = {text!r}: timezone-naive; give an offset, e.g. 2026-07-15T12:00:00+08:00")
    return at


class PastFixer:
    """Fix the first steps of a built :class:`Dispatch` to a schedule, on its seam (see module doc)."""

    def __init__(self, dispatch: Dispatch):
        self.dispatch = dispatch
        self.seam = dispatch.seam
        self.fixed: np.ndarray = np.zeros(0, dtype=np.int64)
        self.saved: tuple[np.ndarray, np.ndarray] = (np.zeros(0), np.zeros(0))
        self._columns: dict[str, np.ndarray] | None = None

    def variables(self) -> dict[str, pyo.Var]:
        """Dataset column name -> the step-indexed model variable it reports."""
        model, scenario = self.dispatch.model, self.dispatch.scenario
        out = {}
        for asset in scenario.assets:
            for var in model.asset[asset.name].component_objects(pyo.Var, descend_into=False):
                if var.is_indexed() and len(var) == len(scenario.index) and var.local_name not in LEVELS:
                    out[f"{asset.name}_{var.local_name}"] = var
        return out

    def columns(self) -> dict[str, np.ndarray]:
        """Dataset column name -> the model column of each step (-1: the variable is in no row); built once."""
        if self._columns is None:
            of, n = self.seam.column_of, len(self.dispatch.scenario.index)
            self._columns = {label: np.fromiter((of.get(id(var[t]), -1) for t in range(n)), dtype=np.int64, count=n)
                             for label, var in self.variables().items()}
        return self._columns

    def release(self) -> None:
        """Give the columns fixed last time their own bounds back."""
        if self.fixed.size:
            self.seam.set_bounds(self.fixed, *self.saved)
        self.fixed = np.zeros(0, dtype=np.int64)

    def fix(self, schedule: pd.DataFrame | dict[str, np.ndarray], steps: int) -> int:
        """Fix steps ``0 .. steps-1`` of every schedule column (a frame, or arrays by column name) that is a
        model variable (a NaN value leaves that step free); returns the number of columns fixed."""
        with self.seam.batch():  # one re-derivation of the exclusivity big-M values for release and fix
            return self._fix(schedule, steps)

    def _fix(self, schedule, steps: int) -> int:
        self.release()
        if steps <= 0:
            return 0
        cols, values = [np.zeros(0, dtype=np.int64)], [np.zeros(0)]
        for label, col in self.columns().items():
            if label in schedule:
                col, value = col[:steps], np.asarray(schedule[label], dtype=float)[:steps]
                used = (col >= 0) & ~np.isnan(value)
                cols.append(col[used])
                values.append(value[used])
        cols_a, values_a = np.concatenate(cols), np.concatenate(values)
        # the model's own bounds, not HiGHS's: those hold flows the exclusivity binaries zeroed for now
        lower, upper = self.seam.col_lower[cols_a], self.seam.col_upper[cols_a]
        self.saved = (lower.copy(), upper.copy())
        integer = self.seam.integer[cols_a]
        values_a = np.where(integer, np.round(values_a), np.where(np.abs(values_a) < SNAP, 0.0, values_a))
        band = np.where(integer, 0.0, FIX_BAND * (1.0 + np.abs(values_a)))
        self.seam.set_bounds(cols_a, np.maximum(values_a - band, lower), np.minimum(values_a + band, upper))
        self.fixed = cols_a
        return len(cols_a)


def steps_before(scenario: Scenario, at: pd.Timestamp) -> int:
    """Index of the step starting at ``at``: on a step boundary inside the day, else exit 2."""
    index = scenario.index
    end = index[-1] + pd.Timedelta(minutes=scenario.horizon.step_minutes)
    if not index[0] <= at < end:
        raise ScenarioError(f"--at = {at.isoformat()}: outside the operating day {index[0].isoformat()} .. "
                            f"{end.isoformat()}")
    position = index.get_indexer([at.tz_convert(index.tz)])[0]
    if position < 0:
        raise ScenarioError(f"--at = {at.isoformat()}: not on a step boundary ({scenario.horizon.step_minutes} min "
                            f"steps from {index[0].isoformat()})")
    return int(position)


def intraday(scenario_path: str | Path, at: pd.Timestamp, store: Store, time_limit_s: float | None = None,
             mip_gap: float | None = None, wait_s: float = 60.0, forecast_fallback: str = "error",
             measured: str | Path | None = None, now: pd.Timestamp | None = None,
             weather_forecast: str | Path | None = None) -> JobResult:
    """Re-optimise the day of ``at`` from ``at`` on and store it as the day's current intraday schedule
    (``forecast_fallback`` as for :func:`~.dayahead.day_ahead`; ``measured``: a STATE.json taken at
    ``at``, not after ``now``, :mod:`.measured`; ``weather_forecast`` as for day-ahead)."""
    from .dayahead import forecast_prepare, read_raw

    raw, _ = read_raw(scenario_path)
    zone = (raw.get("park") or {}).get("timezone", "Asia/Shanghai")
    try:
        operating_date: date = at.tz_convert(zone).date()
    except Exception:  # noqa: BLE001 (the day's validation names a bad zone)
        operating_date = at.date()

    def solve(scenario: Scenario, run_id: int) -> tuple[RunResult, list[str]]:
        k = steps_before(scenario, at)
        stored = store.current_schedule(operating_date, "intraday") or store.current_schedule(operating_date,
                                                                                               "day-ahead")
        if stored is None:
            raise ScenarioError(f"--at = {at.isoformat()}: the store has no schedule for {operating_date}; "
                                "run day-ahead for that date first")
        schedule = pd.read_csv(io.StringIO(stored.dispatch_csv))
        if len(schedule) != len(scenario.index):
            raise ScenarioError(f"stored schedule of {operating_date} (run {stored.run_id}) has {len(schedule)} "
                                f"steps, the day now has {len(scenario.index)}")
        flags, levels = [], {}
        if measured is not None:
            state = read_measured(measured, scenario, at, now)
            scenario, schedule, flags = apply_measured(state, scenario, schedule, k)
            levels = state.levels
        carry_measured_changes(scenario, schedule, k, measured_now=levels)

        def solve_fixed(day: Scenario) -> RunResult:
            dispatch = Dispatch(day)
            PastFixer(dispatch).fix(schedule, k)
            return check(dispatch.solve(time_limit_s, mip_gap))

        result, relaxed = solve_or_relax(scenario, solve_fixed)
        return result, [f"steps before {at.isoformat()} ({k}) fixed as dispatched by run {stored.run_id} "
                        f"({stored.kind} v{stored.version})"] + flags + relaxed

    def prepare(raw_day: dict) -> list[str]:
        day_ahead = store.current_schedule(operating_date, "day-ahead")
        return intraday_terminal(raw_day, {} if day_ahead is None else store.run_states(day_ahead.run_id))

    return stored_job("intraday", scenario_path, operating_date, store, solve, wait_s, note=f" at {at.isoformat()}",
                      prepare=forecast_prepare(forecast_fallback, Path(scenario_path).parent, store, operating_date,
                                               then=prepare, weather_forecast=weather_forecast))
