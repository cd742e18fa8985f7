"""A stored quantity with charge and discharge flows: one level model for every storage kind.

Notes
-----
Batteries, flow batteries and thermal storage (kWh), hydrogen tanks (kg) and
aggregated EV fleets (kWh) share the continuity equation per step :math:`t`

.. math::

    e_t = k\\, e_{t-1} + x_t + \\Delta t\\,(\\eta_c c_t - d_t / \\eta_d)

with level :math:`e_t` at the end of the step, retention over one step :math:`k`
(self-discharge, heat loss), an exogenous change :math:`x_t` (energy brought and
taken by arriving and leaving vehicles), charge :math:`c_t` and discharge
:math:`d_t` at the bus, efficiencies :math:`\\eta_c, \\eta_d`, and the end-of-horizon
rules ``equal_initial`` (:math:`e_{T-1} = e_{-1}`), ``at_least``
(:math:`e_{T-1} \\ge` a minimum), ``cyclic`` (:math:`e_{-1}` is a variable equal to
:math:`e_{T-1}`) and ``free``. Charge and discharge may not both be positive in one step: each
store declares them as an :class:`~optimiser.assets.base.Exclusive` pair.

The model side (``add_*``) and the check side (``*_violations``) are written from the
same parameters, the check from the solution arrays alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from ..lazy import LinearExpression, pyo

from .base import BuildContext, both_above

EndRule = Literal["equal_initial", "at_least", "free", "cyclic"]


@dataclass(frozen=True)
class LevelModel:
    """Parameters of one level's continuity (see module doc); ``unit`` names the level's unit in messages."""

    unit: str
    retention: float = 1.0
    charge_efficiency: float = 1.0
    discharge_efficiency: float = 1.0
    exogenous: np.ndarray | None = None

    def add_continuity(self, ctx: BuildContext, level: pyo.Var, charge: pyo.Var, discharge: pyo.Var,
                       start, doc: str) -> pyo.Constraint:
        """The continuity constraint over the steps; ``start`` is :math:`e_{-1}` (a number or a variable)."""
        dt, keep, eta_c, inv_eta_d = ctx.dt_h, self.retention, self.charge_efficiency, 1.0 / self.discharge_efficiency
        x = np.zeros(ctx.n) if self.exogenous is None else np.asarray(self.exogenous, dtype=float)
        x = x.tolist()
        linked = ctx.periods is not None  # typical periods: every typical day starts afresh (planning.linking)
        period = ctx.periods.steps_per_period if linked else ctx.n
        first_level = start.midnight if linked else start
        fixed_start = not isinstance(first_level, pyo.Var)  # a number, or the variable of the cyclic rule

        def rule(b, t):  # e_t - k e_{t-1} - Δt η_c c_t + Δt/η_d d_t = x_t (+ k e_{-1} if it is a number)
            coefs, variables = [1.0, -dt * eta_c, dt * inv_eta_d], [level[t], charge[t], discharge[t]]
            first = t % period == 0
            if not first or not fixed_start:
                coefs.append(-keep)
                variables.append(first_level if first else level[t - 1])
            return LinearExpression(constant=0.0, linear_coefs=coefs, linear_vars=variables) == (
                x[t] + (keep * first_level if first and fixed_start else 0.0))

        constraint = pyo.Constraint(ctx.steps, rule=rule, doc=doc)
        if linked:
            start.link(keep)
        return constraint

    def expected(self, start: float, level: np.ndarray, charge: np.ndarray, discharge: np.ndarray,
                 dt_h: float) -> np.ndarray:
        """The level each step should have given the flows and the level before it."""
        previous = np.concatenate([[start], level[:-1]])
        x = 0.0 if self.exogenous is None else np.asarray(self.exogenous, dtype=float)
        return self.retention * previous + x + dt_h * (self.charge_efficiency * charge
                                                       - discharge / self.discharge_efficiency)

    def continuity_violations(self, name: str, label: str, start: float, level: np.ndarray, charge: np.ndarray,
                              discharge: np.ndarray, dt_h: float, tol: float) -> list[str]:
        expected = self.expected(start, level, charge, discharge, dt_h)
        gap = np.abs(level - expected)
        if (gap > tol).any():
            i = int(np.argmax(gap))
            return [f"{name}.{label} breaks continuity at step {i}: {level[i]:.6g} {self.unit}, "
                    f"expected {expected[i]:.6g}"]
        return []


def measured_jump(n: int, step: int, change: float, exogenous: np.ndarray | None = None) -> np.ndarray:
    """``exogenous`` (zeros if None) with ``change`` added at ``step``: a measured level differing from
    the dispatched one enters the continuity of the first re-optimised step (intraday ``--measured``)."""
    out = np.zeros(n) if exogenous is None else np.array(exogenous, dtype=float)
    out[step] += change
    return out


def level_field_problem(stem: str, low: float, high: float, initial: float, rule: EndRule,
                        end_min: float | None) -> str | None:
    """The first inconsistency of a store's level fractions (``min_<stem>_fraction`` etc.), or None."""
    if low > high:
        return f"min_{stem}_fraction {low} is above max_{stem}_fraction {high}"
    if rule != "cyclic" and not low <= initial <= high:
        return f"initial_{stem}_fraction {initial} is outside [{low}, {high}]"
    if rule == "at_least":
        if end_min is None:
            return f"end_rule 'at_least' needs end_{stem}_min_fraction"
        if end_min > high:
            return f"end_{stem}_min_fraction {end_min} is above max_{stem}_fraction"
    elif end_min is not None:
        return f"end_{stem}_min_fraction is only used with end_rule 'at_least', not '{rule}'"
    return None


def add_start_and_end(block: pyo.Block, ctx: BuildContext, level: pyo.Var, label: str, rule: EndRule,
                      initial: float, end_min: float | None, bounds: tuple[float, float]):
    """The level before the first step (a variable ``initial_<label>`` for ``cyclic``) and the end
    constraint ``end_<label>``; returns the start (with typical periods, the store's linking instead:
    :mod:`optimiser.planning.linking`)."""
    if ctx.periods is not None:
        return ctx.periods.store(block, level, label, rule, initial, end_min)
    last = ctx.n - 1
    if rule == "cyclic":
        start = pyo.Var(bounds=bounds, doc="level before the first step")
        block.add_component(f"initial_{label}", start)
        block.add_component(f"end_{label}", pyo.Constraint(expr=level[last] == start))
        return start
    if rule == "equal_initial":
        block.add_component(f"end_{label}", pyo.Constraint(expr=level[last] == initial))
    elif rule == "at_least":
        block.add_component(f"end_{label}", pyo.Constraint(expr=level[last] >= end_min))
    return initial


def start_of(rule: EndRule, initial: float, level: np.ndarray) -> float:
    """The level before the first step in a solution: the final level for the cyclic rule."""
    return float(level[-1]) if rule == "cyclic" else initial


def end_violations(name: str, unit: str, rule: EndRule, initial: float, end_min: float | None,
                   level: np.ndarray, tol: float) -> list[str]:
    if rule == "equal_initial" and abs(level[-1] - initial) > tol:
        return [f"{name} ends at {level[-1]:.6g} {unit}, not its initial {initial:.6g} {unit}"]
    if rule == "at_least" and level[-1] < end_min - tol:
        return [f"{name} ends at {level[-1]:.6g} {unit}, below its end minimum {end_min:.6g} {unit}"]
    return []


def simultaneous_violations(name: str, charge: np.ndarray, discharge: np.ndarray, tol: float,
                            verb: str = "charges and discharges") -> list[str]:
    both = both_above(charge, discharge, tol)
    return [f"{name} {verb} at once at {both.size} steps (first step {both[0]})"] if both.size else []
