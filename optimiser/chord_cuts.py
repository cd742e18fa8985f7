"""Chord cuts: a flow of an exclusive pair bounded by what backs it in its balance row.

Where an exclusive pair (import and export, say) gets a binary, the big-M rows alone leave the
LP relaxation free to use both flows at a fractional binary: import for the park's load and
export at once, which earns money wherever export pays more than import costs. The relaxation's
bound is then far from the optimum and HiGHS must branch on every such step. A chord cut is a
valid inequality, written once per flow, that removes most of that room.

Derivation, for the flow :math:`x_p` of a pair :math:`(x_p, x_q)` and an equality row
:math:`a_p x_p + a_q x_q + \\sum_i a_i x_i = b` that holds both (the bus balance): in every
solution with exclusive flows, :math:`x_p > 0` implies :math:`x_q = 0`, so

.. math::

    x_p \\le \\max(0,\\, g), \\qquad g = \\frac{b}{a_p} + \\sum_i \\gamma_i x_i,
    \\quad \\gamma_i = -\\frac{a_i}{a_p}

(and :math:`x_p = 0` satisfies it trivially). Columns with :math:`\\gamma_i < 0` (what the park
consumes, for an export) are put at their lower bounds; the rest form
:math:`y = \\sum_{\\gamma_i > 0} \\gamma_i x_i \\in [Y_{lo}, Y_{hi}]` (what could back the flow:
generation, discharge). :math:`\\max(0, c_0 + y)` is convex in :math:`y`, so it lies below its
chord over :math:`[Y_{lo}, Y_{hi}]`:

.. math::

    x_p \\le v_0 + s\\,(y - Y_{lo}), \\qquad v_0 = \\max(0, c_0 + Y_{lo}), \\qquad
    s = \\frac{\\max(0, c_0 + Y_{hi}) - v_0}{Y_{hi} - Y_{lo}} \\in [0, 1]

(:math:`s = 1` if :math:`Y_{hi}` is infinite). Example: an export whose only source is a store
discharging :math:`d \\le D` under a fixed load :math:`L < D` gets :math:`x_p \\le (1 - L/D)\\,d`:
exported energy must come out of the store, and only what exceeds the load. The cut holds for
every exclusive solution, so it changes no optimum; it only tightens the relaxation. Its
coefficients rest on column bounds and the row's right-hand side, and are re-derived when those
change (:meth:`ChordCuts.refresh`, as the big-M values are).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class _Cut:
    """One cut row ``x_p - s * gamma . x[cols] <= v0 - s * y_lo`` derived from equality row ``source``."""

    row: int
    flow: int
    source: int
    a_flow: float
    cols: np.ndarray
    gamma: np.ndarray


class ChordCuts:
    """The chord cuts added to one :class:`~optimiser.solve.HighsModel`, kept valid as its data change."""

    def __init__(self, seam):
        self.seam = seam
        self.cuts: list[_Cut] = []

    def add(self, pairs: list[tuple[int, int]], label: str = "chord cut") -> int:
        """A cut for each flow of each plain pair ``(first, second)`` that shares an equality row with its
        partner; returns how many rows were added."""
        seam, csc, csr = self.seam, self.seam.matrix, self.seam.matrix.tocsr()
        new: list[_Cut] = []
        for first, second in pairs:
            for flow, partner in ((first, second), (second, first)):
                rows = csc.indices[csc.indptr[flow]:csc.indptr[flow + 1]]
                shared = [int(r) for r in rows if seam.row_lower[r] == seam.row_upper[r]
                          and partner in csr.indices[csr.indptr[r]:csr.indptr[r + 1]]]
                if not shared:
                    continue
                r = shared[0]
                cols = csr.indices[csr.indptr[r]:csr.indptr[r + 1]].astype(np.int64)
                a = csr.data[csr.indptr[r]:csr.indptr[r + 1]]
                a_flow = float(a[cols == flow][0])
                others = (cols != flow) & (cols != partner)
                new.append(_Cut(-1, flow, r, a_flow, cols[others], -a[others] / a_flow))
        if not new:
            return 0
        base = seam.n_pyomo_rows + len(seam.extra_rows)
        lower, upper, starts, index, values = [], [], [], [], []
        for k, cut in enumerate(new):
            cut.row = base + k
            s, rhs = self._coefficients(cut)
            backing = cut.gamma > 0
            starts.append(len(index))
            index += [cut.flow, *cut.cols[backing].tolist()]
            values += [1.0, *(-s * cut.gamma[backing]).tolist()]
            lower.append(-np.inf)
            upper.append(rhs)
        seam.add_rows(np.array(lower), np.array(upper), np.array(starts), np.array(index), np.array(values),
                      [label] * len(new))
        self.cuts += new
        return len(new)

    def _coefficients(self, cut: _Cut) -> tuple[float, float]:
        """Slope ``s`` and right-hand side ``v0 - s * y_lo`` from the current bounds (``inf``: no cut)."""
        seam = self.seam
        lower, upper = seam.col_lower[cut.cols], seam.col_upper[cut.cols]
        backing = cut.gamma > 0
        c0 = float(seam.row_upper[cut.source]) / cut.a_flow + float((cut.gamma[~backing] * lower[~backing]).sum())
        y_lo = float((cut.gamma[backing] * lower[backing]).sum())
        y_hi = float((cut.gamma[backing] * upper[backing]).sum())
        if not (np.isfinite(c0) and np.isfinite(y_lo)):
            return 0.0, np.inf
        v0 = max(0.0, c0 + y_lo)
        if not np.isfinite(y_hi):
            s = 1.0
        elif y_hi > y_lo:
            s = (max(0.0, c0 + y_hi) - v0) / (y_hi - y_lo)
        else:
            s = 0.0
        return s, v0 - s * y_lo

    def refresh(self) -> None:
        """Re-derive every cut's slope and right-hand side after bounds or right-hand sides changed."""
        highs = self.seam.highs
        for cut in self.cuts:
            s, rhs = self._coefficients(cut)
            backing = cut.gamma > 0
            for col, g in zip(cut.cols[backing].tolist(), cut.gamma[backing].tolist()):
                highs.changeCoeff(cut.row, col, -s * g)
            highs.changeRowBounds(cut.row, -np.inf, rhs)

    def clear(self) -> None:
        """Forget the cuts (after the seam dropped the rows added to it)."""
        self.cuts = []
