"""Exclusivity binaries only where they can change the optimum.

Assets declare pairs of non-negative quantities that may not both be positive at one
position (:class:`~optimiser.assets.base.Exclusive`: import and export, charge and discharge
in one step; each side a flow or a short affine form, e.g. the unpaid part of a response).
A binary :math:`u` per position with :math:`a \\le A u`, :math:`b \\le B (1 - u)` enforces it.
Rather than adding a binary at every position of every pair, the seam adds them lazily
on the live HiGHS model (:class:`optimiser.solve.HighsModel`):

1. seeds: positions where using both flows at once *earns* money in the current
   objective (:math:`c_a + c_b < 0`, e.g. export paid above the import cost), which
   the relaxation will always exploit;
2. solve; find positions where both flows exceed a tolerance; add binaries there
   and re-solve; repeat until no position is violated (after ``MAX_ROUNDS`` rounds
   every position of a violated pair gets its binary).

Why this is exact: the model with binaries at a subset :math:`S` of positions is a
relaxation of the model with binaries everywhere, so its optimum :math:`z_S` is a
lower bound of the full optimum :math:`z^*`. When its solution has no simultaneous
flows anywhere, it is feasible for the full model (set each missing binary to the
side that flows), so :math:`z^* \\le z_S`: it is optimal for the full model, and with
a MIP gap g its objective is within g of :math:`z^*` as well. The independent
post-solve check remains the net (it reports any simultaneous flow it sees).
"""

from __future__ import annotations

import time

import numpy as np

from .assets.base import Exclusive, Side
from .solve import HighsModel, SolveInfo

MAX_ROUNDS = 8
DETECTION_TOLERANCE = 1e-7
"""relative to the largest solution value: below the check's 1e-6, so the check never sees what this missed"""


class _Sides:
    """One side of every position as arrays: columns and coefficients (n, J), constant, maximum."""

    def __init__(self, seam: HighsModel, sides: list[Side], width: int):
        blocks_cols, blocks_coefs = [], []
        for side in sides:
            n = len(side.constant)
            cols, coefs = np.zeros((n, width), dtype=np.int64), np.zeros((n, width))
            for j, (variables, coef) in enumerate(zip(side.terms, side.coefs)):
                cols[:, j], coefs[:, j] = seam.col(variables), coef
            blocks_cols.append(cols)
            blocks_coefs.append(coefs)
        self.cols = np.concatenate(blocks_cols) if sides else np.zeros((0, width), dtype=np.int64)
        self.coefs = np.concatenate(blocks_coefs) if sides else np.zeros((0, width))
        self.constant = np.concatenate([side.constant for side in sides]) if sides else np.zeros(0)
        self.maximum = np.concatenate([side.maximum for side in sides]) if sides else np.zeros(0)
        self.plain = np.concatenate([np.full(len(side.constant), side.plain) for side in sides]) if sides else (
            np.zeros(0, dtype=bool))

    def value(self, x: np.ndarray, positions=slice(None)) -> np.ndarray:
        return self.constant[positions] + (self.coefs[positions] * x[self.cols[positions]]).sum(axis=1)


class Exclusivity:
    """The declared pairs of one model, as column indices on its :class:`HighsModel`."""

    def __init__(self, seam: HighsModel, pairs: list[Exclusive]):
        self.seam = seam
        self.labels = [p.label for p in pairs]
        width = max((len(side.terms) for p in pairs for side in (p.first, p.second)), default=1)  # one for both
        self.first = _Sides(seam, [p.first for p in pairs], width)
        self.second = _Sides(seam, [p.second for p in pairs], width)
        self.pair_of = np.concatenate([np.full(len(p.first.constant), k) for k, p in enumerate(pairs)]) if pairs else (
            np.zeros(0, dtype=np.int64))
        self.binary = np.full(len(self.pair_of), -1, dtype=np.int64)
        """binary column of each position, -1 where none was added"""

    def __len__(self) -> int:
        return len(self.pair_of)

    @property
    def n_added(self) -> int:
        return int((self.binary >= 0).sum())

    def add(self, positions: np.ndarray) -> int:
        """Add a binary u and its two rows at each position that has none; returns how many were added:
        ``first - F u <= 0`` and ``second + S u <= S`` (sides written as constant + terms)."""
        positions = positions[self.binary[positions] < 0]
        k = len(positions)
        if not k:
            return 0
        u = self.seam.add_binaries(k)
        self.binary[positions] = u
        a, b = self.first, self.second
        f_max, s_max = a.maximum[positions], b.maximum[positions]
        # entries (k, 2 rows, J + 1): the side's terms, then u
        cols = np.stack([np.column_stack([a.cols[positions], u]), np.column_stack([b.cols[positions], u])], axis=1)
        vals = np.stack([np.column_stack([a.coefs[positions], -f_max]),
                         np.column_stack([b.coefs[positions], s_max])], axis=1)
        cols, vals = cols.reshape(2 * k, -1), vals.reshape(2 * k, -1)
        keep = vals != 0.0
        starts = np.concatenate([[0], np.cumsum(keep.sum(axis=1))[:-1]])
        upper = np.column_stack([-a.constant[positions], s_max - b.constant[positions]]).ravel()
        labels = [f"exclusive flows of {self.labels[p]}" for p in self.pair_of[positions] for _ in range(2)]
        self.seam.add_rows(np.full(2 * k, -np.inf), upper, starts, cols[keep], vals[keep], labels)
        return k

    def add_all(self) -> int:
        return self.add(np.arange(len(self)))

    def seeds(self, cost: np.ndarray) -> np.ndarray:
        """Positions of plain flow pairs where using both flows at once earns money in the objective ``cost``."""
        plain = self.first.plain & self.second.plain
        earns = cost[self.first.cols[:, 0]] + cost[self.second.cols[:, 0]] < 0
        return np.flatnonzero(plain & earns)

    def violated(self, x: np.ndarray) -> np.ndarray:
        """Positions where both sides exceed the detection tolerance in the solution ``x``."""
        if not len(self):
            return np.zeros(0, dtype=np.int64)
        tol = DETECTION_TOLERANCE * max(1.0, float(np.abs(x[: len(self.seam.columns)]).max(initial=0.0)))
        return np.flatnonzero(np.minimum(self.first.value(x), self.second.value(x)) > tol)

    def pair_counts(self) -> dict[str, int]:
        """Binaries added per pair label."""
        counts: dict[str, int] = {}
        for p in self.pair_of[self.binary >= 0]:
            counts[self.labels[p]] = counts.get(self.labels[p], 0) + 1
        return counts


def solve_exclusive(seam: HighsModel, pairs: Exclusivity, mode: str, time_limit_s: float,
                    mip_gap: float) -> tuple[SolveInfo, int]:
    """Solve with exclusivity binaries by ``mode`` (``auto``: seeds, then lazily; ``always``: at every
    position; ``never``: none); returns the last solve's info and the number of lazy rounds.

    The time limit holds for all rounds together; solve seconds are summed over them.
    """
    if mode == "always":
        pairs.add_all()
    elif mode == "auto":
        pairs.add(pairs.seeds(seam.cost))
    deadline, rounds, solve_seconds = time.perf_counter() + time_limit_s, 0, 0.0
    while True:
        # no MIP start: the last schedule breaks the rows just added, and HiGHS 1.16's repair of an
        # infeasible start (an LP with the binaries fixed) was seen to end "optimal" above the optimum
        info = seam.solve(max(deadline - time.perf_counter(), 1e-3), mip_gap)
        solve_seconds += info.solve_seconds
        info.solve_seconds = solve_seconds
        if mode != "auto" or info.status != "optimal":
            return info, rounds
        bad = pairs.violated(seam.x)
        bad = bad[pairs.binary[bad] < 0]
        if not bad.size:
            return info, rounds
        rounds += 1
        if rounds >= MAX_ROUNDS:
            bad = np.flatnonzero(np.isin(pairs.pair_of, pairs.pair_of[bad]))
        pairs.add(bad)
