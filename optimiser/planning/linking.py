"""Storage across the calendar year when the model holds only K typical days (Kotzur et al. 2018).

Notes
-----
The model's steps are K typical days of N steps, :math:`\\tau = kN + t`. Each calendar day
:math:`d = 0..D-1` is represented by typical day :math:`k(d)` (tsam's cluster order). A store's
level variable becomes, per typical day, its **intra-day deviation** :math:`s_{k,t}` from the
level at the day's start: the shared continuity of :mod:`optimiser.assets.level` with
:math:`s_{k,-1} = 0`,

.. math::

    s_{k,t} = \\kappa\\, s_{k,t-1} + x_t + \\Delta t\\,(\\eta_c c_{k,t} - d_{k,t} / \\eta_d)

with retention per step :math:`\\kappa`. A **seasonal** store (the default) adds an
inter-period level :math:`S_d` at the start of each calendar day, :math:`d = 0..D`
(:math:`S_D` the end of the year), linked over the calendar:

.. math::

    S_{d+1} = \\kappa^N S_d + s_{k(d),N-1}

so that the level at step :math:`t` of day :math:`d` is
:math:`e_{d,t} = \\kappa^{t+1} S_d + s_{k(d),t}`, which satisfies the continuity of every
step of the year, across midnights too. Bounds :math:`\\underline e \\le e_{d,t} \\le \\overline e`
hold at every hour of the year through the least and largest deviation of each typical day,
:math:`\\underline s_k \\le s_{k,t} \\le \\overline s_k`, and per calendar day

.. math::

    \\kappa^N S_d + \\underline s_{k(d)} \\ge \\underline e, \\qquad
    \\kappa S_d + \\overline s_{k(d)} \\le \\overline e

(:math:`S_d \\ge 0` and :math:`\\kappa^N \\le \\kappa^{t+1} \\le \\kappa`): exact for a lossless
store, slightly conservative with losses. Bounding only the inter-period level, or the
deviation alone, is the known flaw that lets a store hold several times its capacity
between seasons. End rules act on :math:`S`: :math:`S_0` = the initial level (``cyclic``:
:math:`S_0 = S_D`), ``equal_initial`` :math:`S_D = S_0`, ``at_least`` :math:`S_D \\ge` the minimum.

A **short-term** store (``typical_periods.short_term_stores``, and always an EV fleet, whose
bounds change by the hour) has no inter-period state: its level variable stays the level, every
typical day starts and ends at one midnight level :math:`b` (the initial level; a decision
for ``cyclic``), so the calendar sequence of days is continuous, with bounds at every step.
It cannot carry energy from one day to the next; it saves D + 1 variables and 2D + 2KN rows.
"""

from __future__ import annotations

import numpy as np
from ..lazy import pyo

from ..errors import ScenarioError


class PeriodLinking:
    """Links the stores of one typical-period model; one per build (``BuildContext.periods``)."""

    def __init__(self, steps_per_period: int, order: np.ndarray, short_term: set[str]):
        self.steps_per_period = steps_per_period
        self.order = np.asarray(order, dtype=int)
        self.short_term = short_term
        self.stores: dict[str, LinkedStore] = {}
        """the linked stores by asset name, for the expansion to the calendar year"""

    def store(self, block: pyo.Block, level: pyo.Var, label: str, rule: str, initial: float,
              end_min: float | None) -> "LinkedStore":
        """Called by :func:`optimiser.assets.level.add_start_and_end` in place of its start and end."""
        name = str(block.index())
        lower = np.array([v.lb for v in level.values()], dtype=float)
        upper = np.array([v.ub for v in level.values()], dtype=float)
        seasonal = name not in self.short_term
        if seasonal and (np.ptp(lower) > 0 or np.ptp(upper) > 0):  # pragma: no cover - validation forces short-term
            raise ScenarioError(f"store '{name}' has level bounds that change by step: declare it short-term")
        store = LinkedStore(self, block, level, label, rule, initial, end_min, seasonal, lower, upper)
        self.stores[name] = store
        return store


class LinkedStore:
    """One store's typical-period level (see module doc); ``midnight`` is the level before each typical day."""

    def __init__(self, linking: PeriodLinking, block, level, label: str, rule: str, initial: float,
                 end_min: float | None, seasonal: bool, lower: np.ndarray, upper: np.ndarray):
        self.linking, self.block, self.level, self.label, self.rule = linking, block, level, label, rule
        self.initial, self.end_min, self.seasonal = initial, end_min, seasonal
        self.lower, self.upper = lower, upper
        self.retention = 1.0
        if seasonal:
            self.midnight = 0.0  # the level variable is the deviation from the day's start
        elif rule == "cyclic":
            self.midnight = pyo.Var(bounds=(float(lower.max()), float(upper.min())), doc="level at every midnight")
            block.add_component(f"midnight_{label}", self.midnight)
        else:
            if rule == "at_least" and initial < end_min:
                raise ScenarioError(f"short-term store '{block.index()}' holds its initial level {initial:g} at every "
                                    f"midnight, below its end minimum {end_min:g}: make it seasonal")
            self.midnight = float(initial)

    def link(self, retention: float) -> None:
        """Add the inter-period level and its rows (seasonal), or each day's return to ``midnight``."""
        self.retention = retention
        block, s, label = self.block, self.level, self.label
        n_per, order = self.linking.steps_per_period, self.linking.order
        typical = range(len(s) // n_per)
        last = [k * n_per + n_per - 1 for k in typical]
        if not self.seasonal:
            block.add_component(f"midnight_{label}_rule", pyo.Constraint(
                list(typical), rule=lambda b, k: s[last[k]] == self.midnight, doc="every typical day ends at midnight level"))
            return
        lo, hi = float(self.lower[0]), float(self.upper[0])
        for v in s.values():  # the deviation from the day's start
            v.setlb(lo - hi)
            v.setub(hi)
        days = range(len(order) + 1)
        inter = pyo.Var(days, bounds=(lo, hi), doc="level at the start of each calendar day (inter-period)")
        low = pyo.Var(typical, bounds=(lo - hi, hi), doc="least deviation of each typical day")
        high = pyo.Var(typical, bounds=(lo - hi, hi), doc="largest deviation of each typical day")
        block.add_component(f"inter_{label}", inter)
        block.add_component(f"least_{label}", low)
        block.add_component(f"most_{label}", high)
        steps = list(range(len(s)))
        block.add_component(f"least_{label}_rule", pyo.Constraint(steps, rule=lambda b, t: s[t] >= low[t // n_per]))
        block.add_component(f"most_{label}_rule", pyo.Constraint(steps, rule=lambda b, t: s[t] <= high[t // n_per]))
        day_keep = retention ** n_per
        order_list = order.tolist()
        block.add_component(f"inter_{label}_link", pyo.Constraint(list(range(len(order))), rule=lambda b, d: (
            inter[d + 1] == day_keep * inter[d] + s[last[order_list[d]]]), doc="inter-period level over the calendar"))
        self._bound_rows(lo, True)
        self._bound_rows(hi, False)
        end = len(order)
        if self.rule == "cyclic":
            block.add_component(f"end_{label}", pyo.Constraint(expr=inter[0] == inter[end]))
            return
        block.add_component(f"initial_{label}", pyo.Constraint(expr=inter[0] == self.initial))
        if self.rule == "equal_initial":
            block.add_component(f"end_{label}", pyo.Constraint(expr=inter[end] == self.initial))
        elif self.rule == "at_least":
            block.add_component(f"end_{label}", pyo.Constraint(expr=inter[end] >= self.end_min))

    def _bound_rows(self, bound, lower: bool) -> None:
        """Rows ``inter_<label>_low`` (high): the reconstructed level >= (<=) ``bound`` at every step of each
        calendar day; ``bound`` a number or a linear expression (a sized capacity); replaces the rows."""
        block, label, order = self.block, self.label, self.linking.order.tolist()
        inter = block.component(f"inter_{label}")
        name = f"inter_{label}_{'low' if lower else 'high'}"
        block.del_component(name)
        if lower:
            keep, deviation = self.retention ** self.linking.steps_per_period, block.component(f"least_{label}")
            rule = lambda b, d: keep * inter[d] + deviation[order[d]] >= bound  # noqa: E731
        else:
            deviation = block.component(f"most_{label}")
            rule = lambda b, d: self.retention * inter[d] + deviation[order[d]] <= bound  # noqa: E731
        block.add_component(name, pyo.Constraint(list(range(len(order))), rule=rule, doc=(
            f"reconstructed level {'>= its minimum' if lower else '<= its maximum'} at every step")))

    def sized(self, variable: str, coef: float, lower: bool, capacity: pyo.Var) -> str | None:
        """A sized capacity C bounding this store's level ``variable`` (the level, or ``initial_<label>``: the
        cyclic start) by ``coef`` C (from below if ``lower``): the variable the sizing's generic rows
        x <= coef C apply to instead, or None if the store's own rows now carry the bound.

        The cyclic start is the midnight level (short-term) or the inter-period level (seasonal). A seasonal
        store's level variable is the intra-day deviation, which coef C does not bound: its reconstructed-level
        rows (built with the bound at the largest capacity) are re-written with coef C.
        """
        if variable == f"initial_{self.label}":
            return f"{'inter' if self.seasonal else 'midnight'}_{self.label}"
        if variable != self.label or not self.seasonal:
            return variable
        self._bound_rows(coef * capacity, lower)
        return None

    def calendar_level(self) -> np.ndarray:
        """The level at the end of every step of the calendar year, from the solution [the level's unit]."""
        n_per, order = self.linking.steps_per_period, self.linking.order
        s = np.fromiter((v.value for v in self.level.values()), dtype=float).reshape(-1, n_per)
        if not self.seasonal:
            return s[order].ravel()
        inter = np.fromiter((v.value for v in self.block.component(f"inter_{self.label}").values()), dtype=float)
        decay = self.retention ** np.arange(1, n_per + 1)
        return (inter[:-1, None] * decay[None, :] + s[order]).ravel()
