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
from .chord_cuts import ChordCuts
from .errors import SolverError
from .netted_start import netted_start
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

    def __init__(self, seam: HighsModel, pairs: list[Exclusive], chord_cuts: bool = True):
        self.seam = seam
        self.labels = [p.label for p in pairs]
        width = max((len(side.terms) for p in pairs for side in (p.first, p.second)), default=1)  # one for both
        self.first = _Sides(seam, [p.first for p in pairs], width)
        self.second = _Sides(seam, [p.second for p in pairs], width)
        self.pair_of = np.concatenate([np.full(len(p.first.constant), k) for k, p in enumerate(pairs)]) if pairs else (
            np.zeros(0, dtype=np.int64))
        self.binary = np.full(len(self.pair_of), -1, dtype=np.int64)
        """binary column of each position, -1 where none was added"""
        self.zeroed = np.zeros(len(self.pair_of), dtype=bool)
        """positions where propagation holds one flow at 0 (no binary needed)"""
        self.first_row = np.full(len(self.pair_of), -1, dtype=np.int64)
        """row of ``first <= F u`` of each position (the next row is ``second + S u <= S``)"""
        self.chords = ChordCuts(seam) if chord_cuts else None
        """each flow of a plain pair with a binary, bounded by what backs it in its balance row"""
        seam.listeners.append(self.refresh)

    def __len__(self) -> int:
        return len(self.pair_of)

    @property
    def n_added(self) -> int:
        return int((self.binary >= 0).sum())

    def add(self, positions: np.ndarray) -> int:
        """Enforce exclusivity at each position not yet enforced; returns how many binaries were added.

        Where bound propagation shows a flow cannot be positive while its partner is 0, that flow
        is simply held at 0 (no binary: it could only be positive together with its partner).
        Elsewhere a binary u and two rows ``first - F u <= 0``, ``second + S u <= S``.
        """
        positions = positions[(self.binary[positions] < 0) & ~self.zeroed[positions]]
        if not len(positions):
            return 0
        f_max, s_max = self.big_m(positions)
        zero = self.first.plain[positions] & self.second.plain[positions] & ((f_max <= 0) | (s_max <= 0))
        self._hold_at_zero(positions[zero], f_max[zero] <= 0, s_max[zero] <= 0)
        positions, f_max, s_max = positions[~zero], f_max[~zero], s_max[~zero]
        k = len(positions)
        if not k:
            return 0
        u = self.seam.add_binaries(k)
        self.binary[positions] = u
        self.first_row[positions] = self.seam.n_pyomo_rows + len(self.seam.extra_rows) + 2 * np.arange(k)
        a, b = self.first, self.second
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
        if self.chords is not None:
            plain = positions[a.plain[positions] & b.plain[positions]]
            self.chords.add(list(zip(a.cols[plain, 0].tolist(), b.cols[plain, 0].tolist())))
        return k

    def big_m(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each side's limit: its declared maximum, narrowed by bound propagation for flow pairs."""
        f_max, s_max = self.first.maximum[positions].copy(), self.second.maximum[positions].copy()
        plain = self.first.plain[positions] & self.second.plain[positions]
        if plain.any():
            propagation = Propagation(self.seam)
            for k in np.flatnonzero(plain):
                j, p = int(self.first.cols[positions[k], 0]), int(self.second.cols[positions[k], 0])
                f_max[k] = min(f_max[k], max(0.0, propagation.upper_bound(j, p)))
                s_max[k] = min(s_max[k], max(0.0, propagation.upper_bound(p, j)))
        return f_max, s_max

    def _hold_at_zero(self, positions: np.ndarray, first: np.ndarray, second: np.ndarray) -> None:
        """Upper bound 0 on the ``first`` (``second``) flow at these positions, within the model's bounds."""
        self.zeroed[positions] = True
        cols = np.concatenate([self.first.cols[positions[first], 0], self.second.cols[positions[second], 0]])
        seam = self.seam
        seam.highs.changeColsBounds(len(cols), cols.astype(np.int32), seam.col_lower[cols],
                                    np.minimum(seam.col_upper[cols], 0.0))

    def refresh(self) -> None:
        """Re-derive what rests on the model's bounds after they changed: the big-M values of the added
        binaries, and which flows propagation still holds at 0 (others get their binary)."""
        zeroed = np.flatnonzero(self.zeroed)
        if zeroed.size:
            cols = np.unique(np.concatenate([self.first.cols[zeroed, 0], self.second.cols[zeroed, 0]]))
            seam = self.seam
            seam.highs.changeColsBounds(len(cols), cols.astype(np.int32), seam.col_lower[cols], seam.col_upper[cols])
            self.zeroed[zeroed] = False
            self.add(zeroed)
        have = np.flatnonzero(self.binary >= 0)
        if not have.size:
            return
        f_max, s_max = self.big_m(have)
        highs, u, rows = self.seam.highs, self.binary[have], self.first_row[have]
        for row, col, f, s, c in zip(rows.tolist(), u.tolist(), f_max.tolist(), s_max.tolist(),
                                     self.second.constant[have].tolist()):
            highs.changeCoeff(row, col, -f)
            highs.changeCoeff(row + 1, col, s)
            highs.changeRowBounds(row + 1, -np.inf, s - c)
        if self.chords is not None:
            self.chords.refresh()

    def clear(self) -> None:
        """Forget every binary and every flow held at 0 (after the seam dropped their columns and rows)."""
        zeroed = np.flatnonzero(self.zeroed)
        if zeroed.size:
            cols = np.unique(np.concatenate([self.first.cols[zeroed, 0], self.second.cols[zeroed, 0]]))
            seam = self.seam
            seam.highs.changeColsBounds(len(cols), cols.astype(np.int32), seam.col_lower[cols], seam.col_upper[cols])
        self.zeroed[:] = False
        self.binary[:] = -1
        self.first_row[:] = -1
        if self.chords is not None:
            self.chords.clear()

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

    @property
    def n_zeroed(self) -> int:
        return int(self.zeroed.sum())

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

    The time limit holds for all rounds together; solve seconds are summed over them (and the relaxation
    solved for the first round's start, :mod:`optimiser.netted_start`). A round stopped at a
    limit returns its schedule if it breaks no pair where no binary is yet (then it is feasible for the
    full model), else raises :class:`SolverError`: that schedule is not one the park can run.
    """
    if mode == "always":
        pairs.add_all()
    elif mode == "auto":
        pairs.add(pairs.seeds(seam.cost))
    deadline, rounds = time.perf_counter() + time_limit_s, 0
    # a MIP start only on a model's first solve, and only one checked feasible (optimiser.netted_start):
    # the last schedule breaks the rows a lazy round adds, and HiGHS 1.16's repair of an infeasible
    # start (an LP with the binaries fixed) was seen to end "optimal" above the optimum
    t0 = time.perf_counter()
    start = netted_start(seam, pairs, time_limit_s) if seam.x is None and pairs.n_added else None
    solve_seconds = time.perf_counter() - t0
    while True:
        info = seam.solve(max(deadline - time.perf_counter(), 1e-3), mip_gap, start)
        start = None
        solve_seconds += info.solve_seconds
        info.solve_seconds = solve_seconds
        if mode != "auto":
            return info, rounds
        bad = pairs.violated(seam.x)
        bad = bad[(pairs.binary[bad] < 0) & ~pairs.zeroed[bad]]
        if not bad.size:
            return info, rounds
        if info.status != "optimal":  # stopped at a limit: no time left to enforce what the schedule breaks
            labels = sorted({pairs.labels[p] for p in pairs.pair_of[bad]})
            raise SolverError(f"HiGHS stopped at its {info.status.replace('_', ' ')} in exclusivity round {rounds + 1} "
                              f"with a schedule that uses both flows of {', '.join(labels)} at once at {bad.size} "
                              "position(s) not yet forbidden: no feasible schedule found")
        rounds += 1
        if rounds >= MAX_ROUNDS:
            bad = np.flatnonzero(np.isin(pairs.pair_of, pairs.pair_of[bad]))
        before = (pairs.n_added, pairs.n_zeroed)
        pairs.add(bad)
        if (pairs.n_added, pairs.n_zeroed) == before:  # pragma: no cover - nothing left to enforce
            return info, rounds


class Propagation:
    """One pass of bound propagation over the model's equality rows, from its current bounds.

    :meth:`upper` gives the largest value a column can take in its equality rows when a
    partner column is 0 and every other column is within its bounds: an import is no larger
    than what the park could consume while not exporting (demand, storage charging,
    electrolysis, ... less the least it must generate), an export no larger than its surplus
    while not importing. An exclusivity binary's big-M shrinks to that.
    """

    def __init__(self, seam: HighsModel):
        self.csc, self.csr = seam.matrix, seam.matrix.tocsr()
        self.lower, self.upper = seam.col_lower, seam.col_upper
        self.row_lower, self.row_upper = seam.row_lower, seam.row_upper
        csr, rows = self.csr, self.csr.shape[0]
        a, col = csr.data, csr.indices
        row_of = np.repeat(np.arange(rows), np.diff(csr.indptr))
        with np.errstate(invalid="ignore"):
            least = np.where(a > 0, a * self.lower[col], a * self.upper[col])
            most = np.where(a > 0, a * self.upper[col], a * self.lower[col])
        self.least_inf = np.bincount(row_of, weights=~np.isfinite(least), minlength=rows)
        self.most_inf = np.bincount(row_of, weights=~np.isfinite(most), minlength=rows)
        self.least = np.bincount(row_of, weights=np.where(np.isfinite(least), least, 0.0), minlength=rows)
        self.most = np.bincount(row_of, weights=np.where(np.isfinite(most), most, 0.0), minlength=rows)

    def _without(self, r: int, drop: tuple[int, int], side: str) -> tuple[float, float]:
        """(infinite count, finite sum) of the row's least (most) activity without columns ``drop``."""
        csr = self.csr
        inf, total = (self.least_inf[r], self.least[r]) if side == "least" else (self.most_inf[r], self.most[r])
        for i, v in zip(csr.indices[csr.indptr[r]:csr.indptr[r + 1]], csr.data[csr.indptr[r]:csr.indptr[r + 1]]):
            if i in drop:
                pick = min if side == "least" else max
                t = pick(v * self.lower[i], v * self.upper[i])
                inf, total = (inf - 1, total) if not np.isfinite(t) else (inf, total - t)
        return inf, total

    def upper_bound(self, j: int, zero: int) -> float:
        """Largest value of column ``j`` in its equality rows with column ``zero`` at 0."""
        best = np.inf
        for e in range(self.csc.indptr[j], self.csc.indptr[j + 1]):
            r, a = int(self.csc.indices[e]), float(self.csc.data[e])
            if a == 0.0 or self.row_lower[r] != self.row_upper[r]:
                continue
            if a > 0:  # a x_j = b - rest <= b - least rest
                inf, total = self._without(r, (j, zero), "least")
                if inf == 0:
                    best = min(best, (self.row_upper[r] - total) / a)
            else:  # |a| x_j = rest - b <= most rest - b
                inf, total = self._without(r, (j, zero), "most")
                if inf == 0:
                    best = min(best, (total - self.row_lower[r]) / -a)
        return best
