"""A first schedule for a MIP whose only binaries are exclusivity binaries: its LP relaxation, netted.

At each position with a binary the relaxation may use both flows of the pair at once (import and
export at a fractional binary). Netted, the larger flow stays: each binary is set to the side that
flows more, and the LP that remains with the binaries fixed gives the rest of the schedule (every
other quantity at its best for those binaries, so the objective is the one the flows imply). Where
that LP solves (checked again row by row on the live model), the point is a schedule the park can
run; it is offered to HiGHS as its first incumbent, so a solve stopped at its time limit returns a
schedule at least that good (the Dezhou standard year: 0.02 % above the relaxation's bound, where
HiGHS's own first incumbent is 0.23 % above it, after 200 s). Only a point that passes the check is
offered: HiGHS's repair of an infeasible start is not trusted (:func:`optimiser.binaries.solve_exclusive`).
"""

from __future__ import annotations

import time

import highspy
import numpy as np

FEASIBILITY_TOLERANCE = 1e-7
"""absolute, on every row and column bound: below HiGHS's own MIP feasibility tolerance (1e-6)"""


def netted_start(seam, pairs, time_limit_s: float) -> np.ndarray | None:
    """The netted relaxation (see module doc) as a full column vector, or None where it does not apply
    (other integer columns, pairs that are not two flows) or is not feasible."""
    have = np.flatnonzero(pairs.binary >= 0)
    integers = np.flatnonzero(seam.integer)
    if not have.size or not np.array_equal(np.sort(pairs.binary[have]), integers):
        return None
    if not (pairs.first.plain[have] & pairs.second.plain[have]).all():
        return None
    deadline = time.perf_counter() + time_limit_s
    x = seam.lp_solution(time_limit_s)
    if x is None:
        return None
    first, second = pairs.first.cols[have, 0], pairs.second.cols[have, 0]
    u = np.zeros(seam.n_columns)
    u[pairs.binary[have]] = (x[first] > x[second]).astype(float)  # u = 1: the first flow may be positive
    x = seam.lp_solution(max(deadline - time.perf_counter(), 1e-3), fixed=u[integers])
    return x if x is not None and feasible(seam, x) else None


def feasible(seam, x: np.ndarray) -> bool:
    """``x`` within every column bound and every row's bounds of the live model (added rows included)."""
    lp = seam.highs.getLp()
    tol = FEASIBILITY_TOLERANCE
    if (x < np.asarray(lp.col_lower_) - tol).any() or (x > np.asarray(lp.col_upper_) + tol).any():
        return False
    a = lp.a_matrix_
    major = np.repeat(np.arange(len(a.start_) - 1), np.diff(np.asarray(a.start_)))
    row, column = (np.asarray(a.index_), major) if a.format_ == highspy.MatrixFormat.kColwise else (
        major, np.asarray(a.index_))
    activity = np.bincount(row, weights=np.asarray(a.value_) * x[column], minlength=lp.num_row_)
    return bool(((activity >= np.asarray(lp.row_lower_) - tol) & (activity <= np.asarray(lp.row_upper_) + tol)).all())
