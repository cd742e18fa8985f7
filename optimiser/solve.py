"""Hand a Pyomo model to HiGHS and read the solution back.

The hand-over compiles the model with Pyomo's own standard-form compiler
(:class:`pyomo.repn.plugins.standard_form.LinearStandardFormCompiler`) into
sparse matrices and passes them to ``highspy`` in one call. On the 8760-step
benchmark this takes well under a second, where Pyomo's ``appsi_highs`` and
``highs`` interfaces spend 4-6 s walking the model term by term.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from .errors import InfeasibleError, SolverError

HIGHS_MIN_VERSION = (1, 15)


@dataclass
class SolveInfo:
    """What a solve reports. Seconds are wall-clock."""

    status: str  # "optimal" or "time_limit" (a feasible schedule with a gap)
    objective_cny: float
    mip_gap: float | None
    handover_seconds: float
    solve_seconds: float
    load_seconds: float
    """reading the solution back into the Pyomo variables (part of result extraction)"""
    n_variables: int
    n_constraints: int
    n_binaries: int


def _check_highs_version() -> None:
    version = tuple(int(p) for p in highspy.Highs().version().split(".")[:2])
    if version < HIGHS_MIN_VERSION:
        raise SolverError(f"highspy {'.'.join(map(str, version))} is too old: 1.15 or later is needed "
                          "(1.14.0 returns wrong MIP optima on big-M models)")


def solve(
    model: pyo.ConcreteModel, index: pd.DatetimeIndex, time_limit_s: float, mip_gap: float, verbose: bool = False
) -> SolveInfo:
    """Solve ``model`` with HiGHS and load the optimal values into its variables.

    Raises :class:`InfeasibleError` naming the constraint families of an
    irreducible infeasible subsystem, or :class:`SolverError`.
    """
    _check_highs_version()
    t0 = time.perf_counter()
    form = LinearStandardFormCompiler().write(model, mixed_form=True, set_sense=None)
    columns = form.columns
    n_col, n_row = len(columns), form.A.shape[0]
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_col, n_row
    lp.col_cost_ = form.c.toarray().ravel() if form.c.shape[0] else np.zeros(n_col)
    lp.offset_ = float(form.c_offset[0]) if len(form.c_offset) else 0.0
    lp.col_lower_ = np.array([-np.inf if v.lb is None else v.lb for v in columns], dtype=float)
    lp.col_upper_ = np.array([np.inf if v.ub is None else v.ub for v in columns], dtype=float)
    multiplier = np.fromiter((row[1] for row in form.rows), dtype=float, count=n_row)
    rhs = np.asarray(form.rhs, dtype=float)
    lp.row_lower_ = np.where(multiplier <= 0, rhs, -np.inf)
    lp.row_upper_ = np.where(multiplier >= 0, rhs, np.inf)
    matrix = form.A.tocsc()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr
    lp.a_matrix_.index_ = matrix.indices
    lp.a_matrix_.value_ = matrix.data
    integer = np.fromiter((v.is_integer() for v in columns), dtype=bool, count=n_col)
    if integer.any():
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in integer]
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", verbose)
    highs.setOptionValue("time_limit", float(time_limit_s))
    highs.setOptionValue("mip_rel_gap", float(mip_gap))
    highs.passModel(lp)
    t1 = time.perf_counter()
    highs.run()
    t2 = time.perf_counter()

    status = highs.getModelStatus()
    info = highs.getInfo()
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if status == highspy.HighsModelStatus.kUnboundedOrInfeasible and not integer.any():
        highs.setOptionValue("presolve", "off")
        highs.run()
        status = highs.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        raise _infeasible(highs, form, index, integer.any())
    if status == highspy.HighsModelStatus.kOptimal:
        result = "optimal"
    elif status == highspy.HighsModelStatus.kTimeLimit and has_solution:
        result = "time_limit"
    else:
        raise SolverError(f"HiGHS stopped with status '{highs.modelStatusToString(status)}' after "
                          f"{t2 - t1:.1f} s (time limit {time_limit_s:g} s) without a usable schedule")

    x = np.asarray(highs.getSolution().col_value)
    for var, value in zip(columns, x.tolist()):
        var.set_value(value, skip_validation=True)
    in_form = {id(var) for var in columns}
    for var in model.component_data_objects(pyo.Var, descend_into=True):
        if id(var) not in in_form:  # appears nowhere: any value within its bounds is optimal
            value = 0.0 if var.lb is None else max(0.0, var.lb)
            var.set_value(value if var.ub is None else min(value, var.ub))
    t3 = time.perf_counter()
    gap = info.mip_gap if integer.any() else None
    return SolveInfo(
        status=result,
        objective_cny=float(info.objective_function_value),
        mip_gap=None if gap is None or not np.isfinite(gap) else float(gap),
        handover_seconds=t1 - t0,
        solve_seconds=t2 - t1,
        load_seconds=t3 - t2,
        n_variables=n_col,
        n_constraints=n_row,
        n_binaries=int(integer.sum()),
    )


def _infeasible(highs: highspy.Highs, form, index: pd.DatetimeIndex, is_mip: bool) -> InfeasibleError:
    """Name the constraint families (and variable bounds) of an irreducible infeasible subsystem."""
    if is_mip:
        lp = highs.getLp()
        lp.integrality_ = []
        highs.passModel(lp)
        highs.run()
        if highs.getModelStatus() != highspy.HighsModelStatus.kInfeasible:
            return InfeasibleError("infeasible: the on/off (binary) decisions cannot be chosen so that all "
                                   "constraints hold, although the continuous relaxation is feasible",
                                   ["binaries"])
    highs.setOptionValue("iis_strategy", int(highspy.IisStrategy.kIisStrategyFromLp) | int(highspy.IisStrategy.kIisStrategyIrreducible))
    _, iis = highs.getIis()
    groups: dict[str, list] = {}
    for i in iis.row_index_:
        constraint = form.rows[i][0]
        groups.setdefault(constraint.parent_component().name, []).append(constraint.index())
    side = {int(highspy.IisBoundStatus.kIisBoundStatusLower): "lower bound",
            int(highspy.IisBoundStatus.kIisBoundStatusUpper): "upper bound"}
    for j, status in zip(iis.col_index_, iis.col_bound_):
        var = form.columns[j]
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
        where = f" at {len(steps)} step(s), first {index[min(steps)].isoformat()}" if steps else ""
        parts.append(f"{name}{where}")
    message = "infeasible: these constraints cannot all hold: " + "; ".join(parts)
    return InfeasibleError(message, list(groups))
