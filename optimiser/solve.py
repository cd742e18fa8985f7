"""The one solve seam: a Pyomo model handed to HiGHS once, then changed and re-solved warm.

:class:`HighsModel` compiles the model into sparse matrices (:mod:`optimiser.compile`)
and passes them to ``highspy`` in one call. After that, everything that
re-solves (the lazy exclusivity binaries of :mod:`optimiser.binaries`, the Pareto
front, the highest achievable share, intraday re-dispatch, data-only sweeps) changes
numbers on the live HiGHS model: objective coefficients, column bounds (fixing past
steps), row bounds (right-hand sides, caps), added rows and binaries. HiGHS keeps its
basis between solves, so an LP re-solve is warm; a MIP re-solve is given the previous
schedule as its incumbent when it is still feasible.

The garbage collector is paused while the compiler walks the model: on large models
Python's cyclic collector otherwise takes most of the hand-over's time.
"""

from __future__ import annotations

import gc
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterable, Sequence

import highspy
import numpy as np
import pandas as pd
import pyomo.environ as pyo

from .compile import compile_model, magnitude_problem
from .errors import InfeasibleError, ScenarioError, SolverError
from .highs_options import apply, quiet_stdout
from .progress import SILENT, Progress

HIGHS_MIN_VERSION = (1, 15)
INFINITY = highspy.kHighsInf

threads: int | None = None
"""HiGHS threads in this process (None: HiGHS's default). A sweep worker sets 1 (:func:`single_threaded`):
its cases run in parallel one process per core, and HiGHS's second thread per process only competed
for the core (200-case sweep on 2 workers: 1.41-1.51x -> 1.82-1.88x the cases per minute of one)."""


LIMIT_STATUS = {highspy.HighsModelStatus.kTimeLimit: "time_limit",
                highspy.HighsModelStatus.kSolutionLimit: "solution_limit",
                highspy.HighsModelStatus.kIterationLimit: "iteration_limit"}
"""HiGHS stopped at a limit: with a feasible schedule found, it is reported with this status and its MIP gap"""


def single_threaded() -> None:
    """Solve with one HiGHS thread from now on in this process (see :data:`threads`)."""
    global threads
    threads = 1


@dataclass
class SolveInfo:
    """What a solve reports. Seconds are wall-clock."""

    status: str
    """``optimal`` (within the MIP gap for a MIP), or a feasible schedule found when HiGHS stopped at a
    limit (:data:`LIMIT_STATUS`: ``time_limit``, or a work limit in ``solver.highs_options``), with its gap"""
    objective_cny: float
    mip_gap: float | None
    handover_seconds: float
    solve_seconds: float
    load_seconds: float
    """reading the solution back into the Pyomo variables (part of result extraction)"""
    n_variables: int
    n_constraints: int
    n_binaries: int


@contextmanager
def paused_gc():
    """Pause Python's cyclic garbage collector (Pyomo builds millions of small objects, no cycles to free)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _check_highs_version() -> None:
    version = tuple(int(p) for p in highspy.Highs().version().split(".")[:2])
    if version < HIGHS_MIN_VERSION:
        raise SolverError(f"highspy {'.'.join(map(str, version))} is too old: 1.15 or later is needed "
                          "(1.14.0 returns wrong MIP optima on big-M models)")


def objective_scale(cost: np.ndarray) -> float:
    """A power of two that lifts the largest objective coefficient to at least 0.1.

    HiGHS's optimality tolerances are absolute (dual feasibility 1e-7, MIP absolute gap 1e-6):
    an objective in tCO2 per kW-step (coefficients near 1e-4) would be optimal only to about
    0.1 %. Scaling by a power of two is exact in floating point; reported objectives are unscaled.
    """
    largest = float(np.abs(cost).max(initial=0.0))
    if largest == 0.0 or largest >= 0.1:
        return 1.0
    return float(2.0 ** np.ceil(np.log2(0.1 / largest)))


def _bounds(columns: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """Column bounds (±inf where none); reads numeric bounds of real variables directly (5x faster)."""
    lower, upper = [], []
    reals, numbers = pyo.Reals, (float, int)
    for v in columns:
        lb, ub = v._lb, v._ub
        if v._domain is reals and lb.__class__ in numbers and ub.__class__ in numbers:
            lower.append(lb)
            upper.append(ub)
        else:  # a domain (binary), a missing or a non-numeric bound: Pyomo's own resolution
            lower.append(-np.inf if v.lb is None else v.lb)
            upper.append(np.inf if v.ub is None else v.ub)
    return np.array(lower, dtype=float), np.array(upper, dtype=float)


class HighsModel:
    """A Pyomo model living in HiGHS: change costs, bounds and rows, then :meth:`solve` again.

    Parameters
    ----------
    model : the Pyomo model (one active objective, minimised)
    index : the run's time index, to name steps in infeasibility messages
    verbose : show the HiGHS log
    options : further HiGHS options by name (``solver.highs_options``, checked by the scenario)
    """

    def __init__(self, model: pyo.ConcreteModel, index: pd.DatetimeIndex, verbose: bool = False,
                 progress: Progress = SILENT, options: dict | None = None):
        t0 = time.perf_counter()
        with quiet_stdout(not verbose):
            _check_highs_version()
            self.highs = highspy.Highs()
        self.model, self.index, self.progress = model, index, progress
        with paused_gc():
            form = compile_model(model)
            self.columns, self.rows = form.columns, form.rows
            n_col, n_row = len(form.columns), len(form.rows)
            self.column_of = {id(v): j for j, v in enumerate(form.columns)}
            lp = highspy.HighsLp()
            lp.num_col_, lp.num_row_ = n_col, n_row
            self.cost, self.offset = form.cost, form.offset
            self.scale = objective_scale(self.cost)
            lp.col_cost_ = self.scale * self.cost
            lp.offset_ = self.scale * self.offset
            self.col_lower, self.col_upper = _bounds(form.columns)
            problem = magnitude_problem(form, self.col_lower, self.col_upper)
            if problem:
                raise ScenarioError(problem)
            self.row_lower, self.row_upper = form.row_lower.copy(), form.row_upper.copy()
            lp.col_lower_, lp.col_upper_ = self.col_lower, self.col_upper
            lp.row_lower_, lp.row_upper_ = form.row_lower, form.row_upper
            self.matrix = form.matrix
            """the model's own rows (without added ones), for bound propagation"""
            matrix = form.matrix
            lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
            lp.a_matrix_.start_ = matrix.indptr
            lp.a_matrix_.index_ = matrix.indices
            lp.a_matrix_.value_ = matrix.data
            reals = pyo.Reals
            self.integer = np.fromiter((v._domain is not reals and v.is_integer() for v in form.columns), dtype=bool,
                                       count=n_col)
            if self.integer.any():
                lp.integrality_ = np.where(self.integer, highspy.HighsVarType.kInteger,
                                           highspy.HighsVarType.kContinuous).tolist()
            self.highs.setOptionValue("output_flag", verbose)
            if threads is not None:
                self.highs.setOptionValue("threads", threads)
            self.options = dict(options or {})
            refused = apply(self.highs, self.options)
            if refused:
                raise ScenarioError(f"solver.highs_options: {refused}")
            self.highs.passModel(lp)
            self.unused = form.unused
        self._deferred, self._deferred_changed = False, False
        self.listeners: list = []
        """called after bounds change (the exclusivity binaries refresh their big-M values)"""
        self.extra_rows: list[str] = []
        """labels of rows added after the hand-over (binaries, caps), in order"""
        self.n_pyomo_rows = n_row
        self.x: np.ndarray | None = None
        self.handover_seconds = time.perf_counter() - t0

    # --- addressing -------------------------------------------------------------------
    @property
    def n_columns(self) -> int:
        return len(self.integer)

    def col(self, variables: Iterable) -> np.ndarray:
        """Column indices of Pyomo variables (``KeyError`` for one that appears in no constraint)."""
        of = self.column_of
        return np.fromiter((of[id(v)] for v in variables), dtype=np.int64)

    def vector(self, coefs: Sequence[float], variables: Sequence, constant: float = 0.0) -> np.ndarray:
        """A linear form Σ coef·var as a dense vector over the columns (duplicates summed)."""
        out = np.zeros(self.n_columns)
        np.add.at(out, self.col(variables), np.asarray(coefs, dtype=float))
        return out

    def rows_of(self, constraint) -> np.ndarray:
        """Row indices of a Pyomo constraint's data objects (an indexed constraint gives all its rows)."""
        wanted = {id(c) for c in constraint.values()} if constraint.is_indexed() else {id(constraint)}
        return np.fromiter((i for i, c in enumerate(self.rows) if id(c) in wanted), dtype=np.int64)

    # --- changes ----------------------------------------------------------------------
    def set_objective(self, cost: np.ndarray, offset: float = 0.0) -> None:
        """Replace the objective coefficients (minimised) and constant."""
        cost = np.asarray(cost, dtype=float)
        extra = len(cost) < self.n_columns
        full = np.concatenate([cost, np.zeros(self.n_columns - len(cost))]) if extra else cost
        self.cost, self.offset, self.scale = full, float(offset), objective_scale(full)
        self.highs.changeColsCost(self.n_columns, np.arange(self.n_columns, dtype=np.int32), self.scale * full)
        self.highs.changeObjectiveOffset(self.scale * float(offset))

    def set_bounds(self, cols: np.ndarray, lower, upper) -> None:
        """Change column bounds of model columns (``lower == upper`` fixes one, e.g. a past step)."""
        cols = np.asarray(cols, dtype=np.int32)
        lower = np.broadcast_to(np.asarray(lower, dtype=float), cols.shape)
        upper = np.broadcast_to(np.asarray(upper, dtype=float), cols.shape)
        if (cols >= len(self.columns)).any():
            raise ValueError("only the model's own columns have bounds to change")
        self.col_lower[cols], self.col_upper[cols] = lower, upper
        self.highs.changeColsBounds(len(cols), cols, np.ascontiguousarray(lower), np.ascontiguousarray(upper))
        self._changed()

    def set_row_bounds(self, rows: np.ndarray, lower, upper) -> None:
        """Change row bounds (right-hand sides); ``±inf`` relaxes a side."""
        rows = np.asarray(rows, dtype=np.int32)
        lower = np.broadcast_to(np.asarray(lower, dtype=float), rows.shape)
        upper = np.broadcast_to(np.asarray(upper, dtype=float), rows.shape)
        own = rows < self.n_pyomo_rows
        self.row_lower[rows[own]], self.row_upper[rows[own]] = lower[own], upper[own]
        self.highs.changeRowsBounds(len(rows), rows, np.ascontiguousarray(lower), np.ascontiguousarray(upper))
        if own.any():
            self._changed()

    def _changed(self) -> None:
        if self._deferred:
            self._deferred_changed = True
            return
        for listener in self.listeners:
            listener()

    @contextmanager
    def batch(self):
        """Make several changes with one notification of the listeners at the end (each re-derives the
        exclusivity big-M values from all bounds: once per batch instead of once per change)."""
        outer, self._deferred = self._deferred, True
        try:
            yield self
        finally:
            self._deferred = outer
            if not outer and self._deferred_changed:
                self._deferred_changed = False
                self._changed()

    def add_row(self, vector: np.ndarray, lower: float, upper: float, label: str) -> int:
        """Add a row ``lower <= vector · x <= upper``; returns its index."""
        nz = np.flatnonzero(vector)
        self.highs.addRow(float(lower), float(upper), len(nz), nz.astype(np.int32), vector[nz])
        self.extra_rows.append(label)
        return self.n_pyomo_rows + len(self.extra_rows) - 1

    def add_binaries(self, count: int) -> np.ndarray:
        """Add ``count`` binary columns (cost 0); returns their indices."""
        first = self.n_columns
        self.highs.addVars(count, np.zeros(count), np.ones(count))
        cols = np.arange(first, first + count, dtype=np.int32)
        self.highs.changeColsIntegrality(count, cols, np.full(count, highspy.HighsVarType.kInteger))
        self.integer = np.concatenate([self.integer, np.ones(count, dtype=bool)])
        self.cost = np.concatenate([self.cost, np.zeros(count)])
        return cols

    def add_rows(self, lower: np.ndarray, upper: np.ndarray, starts: np.ndarray, index: np.ndarray,
                 values: np.ndarray, labels: list[str]) -> None:
        """Add rows in compressed-row form (``starts`` into ``index``/``values``), one label per row."""
        self.highs.addRows(len(lower), np.asarray(lower, dtype=float), np.asarray(upper, dtype=float), len(index),
                           np.asarray(starts, dtype=np.int32), np.asarray(index, dtype=np.int32),
                           np.asarray(values, dtype=float))
        self.extra_rows += labels

    def truncate(self, n_columns: int, n_rows: int) -> None:
        """Delete the columns and rows added after the first ``n_columns`` / ``n_rows`` (binaries, caps)
        and forget the basis and the last solution: the model as it was handed over, plus its
        current costs and bounds."""
        highs = self.highs
        rows = np.arange(n_rows, highs.getNumRow(), dtype=np.int32)
        if rows.size:
            highs.deleteRows(rows.size, rows)
        cols = np.arange(n_columns, self.n_columns, dtype=np.int32)
        if cols.size:
            highs.deleteCols(cols.size, cols)
        self.integer, self.cost = self.integer[:n_columns], self.cost[:n_columns]
        self.extra_rows = self.extra_rows[: n_rows - self.n_pyomo_rows]
        self.x = None
        highs.clearSolver()

    # --- solving ----------------------------------------------------------------------
    @property
    def n_binaries(self) -> int:
        return int(self.integer.sum())

    def solve(self, time_limit_s: float, mip_gap: float, start: np.ndarray | None = None) -> SolveInfo:
        """Run HiGHS (warm from the last basis; ``start`` offered as a MIP incumbent: give only a
        schedule known to be feasible) and load the solution into the Pyomo variables.

        Raises :class:`InfeasibleError` naming the constraint families of an
        irreducible infeasible subsystem, or :class:`SolverError`.
        """
        highs = self.highs
        highs.setOptionValue("time_limit", float(time_limit_s))
        highs.setOptionValue("mip_rel_gap", float(mip_gap))
        is_mip = bool(self.integer.any())
        if is_mip and start is not None:
            solution = highspy.HighsSolution()
            solution.col_value = np.asarray(start, dtype=float)
            solution.value_valid = True
            highs.setSolution(solution)
        t1 = time.perf_counter()
        self._run()
        t2 = time.perf_counter()
        status = highs.getModelStatus()
        if status == highspy.HighsModelStatus.kUnboundedOrInfeasible and not is_mip:
            highs.setOptionValue("presolve", "off")
            highs.run()
            highs.setOptionValue("presolve", self.options.get("presolve", "choose"))
            status = highs.getModelStatus()
        info = highs.getInfo()
        has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
        if status == highspy.HighsModelStatus.kInfeasible:
            raise self._infeasible(is_mip)
        if status == highspy.HighsModelStatus.kOptimal:
            result = "optimal"
        elif status in LIMIT_STATUS and has_solution:
            result = LIMIT_STATUS[status]
        else:
            raise SolverError(f"HiGHS stopped with status '{highs.modelStatusToString(status)}' after "
                              f"{t2 - t1:.1f} s (time limit {time_limit_s:g} s) without a usable schedule")
        self.x = np.asarray(highs.getSolution().col_value)
        self.load()
        t3 = time.perf_counter()
        gap = info.mip_gap if is_mip else None
        return SolveInfo(
            status=result,
            objective_cny=float(self.cost @ self.x + self.offset),  # of the schedule reported, unscaled
            mip_gap=None if gap is None or not np.isfinite(gap) else float(gap),
            handover_seconds=self.handover_seconds,
            solve_seconds=t2 - t1,
            load_seconds=t3 - t2,
            n_variables=self.n_columns,
            n_constraints=self.highs.getNumRow(),
            n_binaries=self.n_binaries,
        )

    def _run(self) -> None:
        """``Highs.run`` in a solver thread, so that Ctrl-C stops it at once: the solver is cancelled at
        its next interrupt check and ``KeyboardInterrupt`` propagates (nothing is loaded or written)."""
        highs = self.highs
        if threading.current_thread() is not threading.main_thread():
            highs.run()  # signals reach the main thread only
            return
        highs.HandleUserInterrupt = True
        report = self.progress.enabled and bool(self.integer.any())
        if report:
            highs.cbMipInterrupt += self._report_mip
        highs.startSolve()
        try:
            while not highs.wait(0.05)[0]:
                pass
        except KeyboardInterrupt:
            highs.cancelSolve()
            highs.wait()
            raise
        finally:
            if report:
                highs.cbMipInterrupt -= self._report_mip

    def _report_mip(self, event) -> None:
        out = event.data_out
        self.progress.mip(out.running_time, out.mip_gap, out.mip_primal_bound, out.mip_dual_bound)

    def load(self, x: np.ndarray | None = None) -> None:
        """Set the Pyomo variables to ``x`` (default: the last solution); unused ones to a bound-feasible 0."""
        x = self.x if x is None else x
        with paused_gc():
            for var, value in zip(self.columns, x[: len(self.columns)].tolist()):
                var.set_value(value, skip_validation=True)
            for var in self.unused:  # appears nowhere: any value within its bounds is optimal
                value = 0.0 if var.lb is None else max(0.0, var.lb)
                var.set_value(value if var.ub is None else min(value, var.ub))

    @contextmanager
    def _as_lp(self, fixed: np.ndarray | None = None):
        """Inside the block the integer columns are continuous, at the values ``fixed`` if given;
        integrality and bounds are restored after."""
        highs, ints = self.highs, np.flatnonzero(self.integer).astype(np.int32)
        _, _, _, lower, upper, _ = highs.getCols(len(ints), ints)  # not getLp(): a copy of the whole model
        highs.changeColsIntegrality(len(ints), ints, np.full(len(ints), highspy.HighsVarType.kContinuous))
        if fixed is not None:
            highs.changeColsBounds(len(ints), ints, fixed, fixed)
        try:
            yield ints
        finally:
            highs.changeColsBounds(len(ints), ints, lower, upper)
            highs.changeColsIntegrality(len(ints), ints, np.full(len(ints), highspy.HighsVarType.kInteger))

    def fixed_duals(self, rows: np.ndarray) -> np.ndarray | None:
        """Duals of ``rows`` [CNY per unit of right-hand side] at the last solution, with every integer
        column fixed at its value (the LP that remains; for an LP, the LP's own); None if that LP does
        not solve to optimality. Integrality and bounds are restored; the last solution is kept."""
        if self.x is None:
            raise ValueError("no solution to take duals at")
        rows = np.asarray(rows, dtype=np.int64)
        if not self.integer.any():
            return self._duals(rows)
        with self._as_lp(np.round(self.x[self.integer])):
            self.highs.run()
            return self._duals(rows)

    def _duals(self, rows: np.ndarray) -> np.ndarray | None:
        if self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        return np.asarray(self.highs.getSolution().row_dual)[rows] / self.scale

    def lp_solution(self, time_limit_s: float, fixed: np.ndarray | None = None) -> np.ndarray | None:
        """The solution of the LP relaxation (integer columns continuous in their bounds, or fixed at the
        values ``fixed``), or None if it is not solved to optimality within ``time_limit_s``."""
        with self._as_lp(fixed):
            self.highs.setOptionValue("time_limit", float(time_limit_s))
            self._run()
            if self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                return None
            return np.array(self.highs.getSolution().col_value)

    # --- diagnosis --------------------------------------------------------------------
    def _infeasible(self, is_mip: bool) -> InfeasibleError:
        """Name the constraint families (and variable bounds) of an irreducible infeasible subsystem."""
        if not is_mip:
            return self._iis()
        highs, cols = self.highs, np.flatnonzero(self.integer).astype(np.int32)
        highs.changeColsIntegrality(len(cols), cols, np.full(len(cols), highspy.HighsVarType.kContinuous))
        try:
            highs.run()
            if highs.getModelStatus() == highspy.HighsModelStatus.kInfeasible:
                return self._iis()
        finally:
            highs.changeColsIntegrality(len(cols), cols, np.full(len(cols), highspy.HighsVarType.kInteger))
        return InfeasibleError("infeasible: the on/off (binary) decisions cannot be chosen so that all "
                               "constraints hold, although the continuous relaxation is feasible", ["binaries"])

    def _iis(self) -> InfeasibleError:
        highs = self.highs
        highs.setOptionValue("iis_strategy", int(highspy.IisStrategy.kIisStrategyFromLp)
                             | int(highspy.IisStrategy.kIisStrategyIrreducible))
        _, iis = highs.getIis()
        groups: dict[str, list] = {}
        for i in iis.row_index_:
            if i >= self.n_pyomo_rows:
                groups.setdefault(self.extra_rows[i - self.n_pyomo_rows], [])
                continue
            constraint = self.rows[i]
            groups.setdefault(constraint.parent_component().name, []).append(constraint.index())
        side = {int(highspy.IisBoundStatus.kIisBoundStatusLower): "lower bound",
                int(highspy.IisBoundStatus.kIisBoundStatusUpper): "upper bound"}
        for j, status in zip(iis.col_index_, iis.col_bound_):
            if j >= len(self.columns):
                continue
            var = self.columns[j]
            label = side.get(int(status), "bounds")
            groups.setdefault(f"{label} of {var.parent_component().name}", []).append(var.index())
        if not groups:
            return InfeasibleError("infeasible: HiGHS found no schedule that satisfies all constraints", [])
        parts = []
        for family, indices in groups.items():
            steps, labels = set(), set()
            for i in indices:  # a step, or a tuple of names and numbers whose first number is the step
                parts_of_i = i if isinstance(i, tuple) else (i,)
                labels.update(p for p in parts_of_i if isinstance(p, str))
                step = next((p for p in parts_of_i if isinstance(p, int)), None)
                if step is not None:
                    steps.add(step)
            name = family + (f" ({', '.join(sorted(labels))})" if labels else "")
            where = f" at {len(steps)} step(s), first {self.index[min(steps)].isoformat()}" if steps else ""
            parts.append(f"{name}{where}")
        message = "infeasible: these constraints cannot all hold: " + "; ".join(parts)
        return InfeasibleError(message, list(groups))


def solve(model: pyo.ConcreteModel, index: pd.DatetimeIndex, time_limit_s: float, mip_gap: float,
          verbose: bool = False) -> SolveInfo:
    """Hand ``model`` to HiGHS and solve it once (see :class:`HighsModel` for re-solves)."""
    return HighsModel(model, index, verbose).solve(time_limit_s, mip_gap)
