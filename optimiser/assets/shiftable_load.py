"""Shiftable (deferrable) electric load: energy moved within stated windows, conserved per window.

Notes
-----
A baseline :math:`b_t` [kW] (``baseline_kw``) is what the load draws without being
moved. Within each window :math:`w` (a set of consecutive steps) the load may be
moved up by :math:`u_t \\in [0, U]` and down by :math:`v_t \\in [0, \\min(D, b_t)]`
[kW] (``max_shift_up_kw`` :math:`U`, ``max_shift_down_kw`` :math:`D`); outside every
window :math:`u_t = v_t = 0`. The load served is

.. math::

    \\ell_t = b_t + u_t - v_t \\ge 0, \\qquad
    \\sum_{t \\in w} (u_t - v_t) = 0 \\quad \\text{for every window } w

(the energy of each window is conserved: what is taken out of a step is put back
into another step of the same window). Injection into the electricity bus:
:math:`-\\ell_t` [kW]. Optional cost of moving energy :math:`\\kappa`
[CNY/kWh shifted] (``shift_cost_cny_per_kwh``): :math:`\\sum_t \\kappa\\,\\Delta t\\, v_t`;
the energy shifted is the energy taken out of its baseline steps,
:math:`\\Delta t \\sum_t v_t` [kWh] (equal to the energy put in elsewhere).

Windows are given either as step windows ``windows: [[start_step, end_step], ...]``
(``end_step`` exclusive, 0-based) or as local clock-time windows applied to every
day of the horizon ``daily_windows: ["HH:MM-HH:MM", ...]`` (``24:00`` allowed; an
end not after the start wraps past midnight, so ``"22:00-06:00"`` is one window
from 22:00 to 06:00 the next morning). A step belongs to a clock window if the
step starts inside it; a window cut by the horizon's start or end is conserved
over the steps it has in the horizon. Windows must not overlap.

The result reports ``shift_up_kw`` and ``shift_down_kw`` netted per step
(:math:`\\max(0, u_t - v_t)` and :math:`\\max(0, v_t - u_t)`), which is what the
optimum has whenever :math:`\\kappa > 0` and is the same load whenever
:math:`\\kappa = 0`.

Deferrable compute (data-centre batch jobs, 数据中心算力负荷) is a shiftable load:
the baseline is the scheduled IT load, windows are the jobs' service-level deadlines
(work deferred from the evening peak must be done by the next morning), and
:math:`U` is the spare server capacity. The cooling load that follows the IT load is
included by scaling the baseline and limits by the site's PUE.
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
from ..lazy import pd
from ..lazy import pyo
from pydantic import Field, PrivateAttr, ValidationInfo, model_validator

from ..series import NonNegativeSeries
from .base import AssetBase, BuildContext, Ports, bound_violations, values

_CLOCK = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


def horizon_index(info: ValidationInfo) -> pd.DatetimeIndex:
    """The run's time index from the validation context (see :mod:`optimiser.series`)."""
    context = (info.context or {}).get("series")
    if context is None:
        raise ValueError("windows need the horizon: load scenarios with optimiser.scenario.load_scenario")
    return context.index


def step_windows(windows: list[tuple[int, int]], n: int) -> list[np.ndarray]:
    """Steps of each ``[start_step, end_step)`` window, checked against the horizon of ``n`` steps."""
    groups = []
    for start, end in windows:
        if not 0 <= start < end <= n:
            raise ValueError(f"window [{start}, {end}) is not inside the horizon's steps [0, {n})")
        groups.append(np.arange(start, end))
    return groups


def clock_minutes(text: str) -> tuple[int, int]:
    """``"HH:MM-HH:MM"`` as minutes after midnight (start, end)."""
    match = _CLOCK.match(text)
    if not match:
        raise ValueError(f"daily window '{text}' is not 'HH:MM-HH:MM'")
    h0, m0, h1, m1 = map(int, match.groups())
    start, end = 60 * h0 + m0, 60 * h1 + m1
    if h0 > 23 or m0 > 59 or m1 > 59 or end > 24 * 60:
        raise ValueError(f"daily window '{text}' has an invalid clock time")
    return start, end


def daily_windows(windows: list[str], index: pd.DatetimeIndex) -> list[np.ndarray]:
    """Steps of each clock window on each local day of ``index`` (windows ending at or before
    their start wrap past midnight); empty occurrences are dropped."""
    minute_of_day = index.hour * 60 + index.minute
    day = (index.normalize() - index[0].normalize()).days.to_numpy()
    groups = []
    for text in windows:
        start, end = clock_minutes(text)
        if end > start:
            inside, owner = (minute_of_day >= start) & (minute_of_day < end), day
        else:  # wraps: the morning part belongs to the previous day's window
            evening, morning = minute_of_day >= start, minute_of_day < end
            inside, owner = evening | morning, np.where(morning, day - 1, day)
        for d in np.unique(owner[inside]):
            groups.append(np.flatnonzero(inside & (owner == d)))
    return sorted(groups, key=lambda g: g[0])


def window_groups(steps: list[tuple[int, int]] | None, clock: list[str] | None,
                  index: pd.DatetimeIndex) -> list[np.ndarray]:
    """Step windows or daily clock windows as step groups; raises ``ValueError`` on overlaps."""
    groups = step_windows(steps, len(index)) if steps is not None else daily_windows(clock, index)
    owner = np.full(len(index), -1)
    for k, g in enumerate(groups):
        taken = owner[g] >= 0
        if taken.any():
            raise ValueError(f"windows overlap at step {int(g[np.argmax(taken)])}")
        owner[g] = k
    return groups


class ShiftableLoad(AssetBase):
    """Electric load whose energy may be moved within windows (see module doc)."""

    kind: Literal["shiftable_load"]
    baseline_kw: NonNegativeSeries = Field(description="load per step if nothing is moved [kW]")
    windows: list[tuple[int, int]] | None = Field(
        None, description="step windows [start_step, end_step) (0-based, end exclusive) within which energy is conserved")
    daily_windows: list[str] | None = Field(
        None, description="local clock-time windows 'HH:MM-HH:MM' applied on every day (may wrap past midnight)")
    max_shift_up_kw: float = Field(ge=0, description="largest increase above the baseline in a step [kW]")
    max_shift_down_kw: float = Field(ge=0, description="largest decrease below the baseline in a step [kW]")
    shift_cost_cny_per_kwh: float = Field(0.0, ge=0, description="cost per kWh moved out of its baseline step [CNY/kWh]")

    _groups: list = PrivateAttr(default_factory=list)

    @model_validator(mode="after")
    def _resolve_windows(self, info: ValidationInfo) -> "ShiftableLoad":
        if (self.windows is None) == (self.daily_windows is None):
            raise ValueError("give exactly one of windows (steps) and daily_windows (clock times)")
        self._groups = window_groups(self.windows, self.daily_windows, horizon_index(info))
        return self

    # --- derived inputs ---------------------------------------------------------------
    def limits_kw(self) -> tuple[np.ndarray, np.ndarray]:
        """Upper bounds of the shift up and down per step [kW] (zero outside windows)."""
        in_window = np.zeros(len(self.baseline_kw), dtype=bool)
        for g in self._groups:
            in_window[g] = True
        up = np.where(in_window, self.max_shift_up_kw, 0.0)
        down = np.where(in_window, np.minimum(self.max_shift_down_kw, self.baseline_kw), 0.0)
        return up, down

    # --- model --------------------------------------------------------------------------
    def build(self, block: pyo.Block, ctx: BuildContext) -> Ports:
        up, down = (a.tolist() for a in self.limits_kw())
        block.shift_up_kw = pyo.Var(ctx.steps, bounds=lambda _, t: (0.0, up[t]), doc="load moved into the step [kW]")
        block.shift_down_kw = pyo.Var(ctx.steps, bounds=lambda _, t: (0.0, down[t]), doc="load moved out of the step [kW]")
        block.windows = pyo.RangeSet(0, len(self._groups) - 1)
        groups = [g.tolist() for g in self._groups]
        block.energy_conserved = pyo.Constraint(block.windows, rule=lambda b, w: sum(
            b.shift_up_kw[t] - b.shift_down_kw[t] for t in groups[w]) == 0, doc="energy conserved in each window")
        ports = Ports(electric=[(-1.0, block.shift_up_kw), (1.0, block.shift_down_kw)],
                      electric_fixed_kw=-np.asarray(self.baseline_kw))
        if self.shift_cost_cny_per_kwh:
            ports.cost.append((self.shift_cost_cny_per_kwh * ctx.dt_h, block.shift_down_kw))
        return ports

    def flows(self, block: pyo.Block, ctx: BuildContext) -> dict[str, np.ndarray]:
        net = values(block.shift_up_kw) - values(block.shift_down_kw)
        baseline = np.asarray(self.baseline_kw)
        return {"baseline_kw": baseline, "load_kw": baseline + net,
                "shift_up_kw": np.clip(net, 0.0, None), "shift_down_kw": np.clip(-net, 0.0, None)}

    # --- independent re-derivation from a solution ----------------------------------------
    def net_injection_kw(self, flows: dict[str, np.ndarray]) -> np.ndarray:
        return -flows["load_kw"]

    def check(self, flows: dict[str, np.ndarray], dt_h: float, tol: float) -> list[str]:
        load, u, v = flows["load_kw"], flows["shift_up_kw"], flows["shift_down_kw"]
        up, down = self.limits_kw()
        out = bound_violations(self.name, "shift_up_kw", u, 0.0, up, tol)
        out += bound_violations(self.name, "shift_down_kw", v, 0.0, down, tol)
        gap = np.abs(load - (self.baseline_kw + u - v))
        if (gap > tol).any():
            i = int(np.argmax(gap))
            out.append(f"{self.name}.load_kw is not baseline + shift up - shift down at step {i} (off by {gap[i]:.6g} kW)")
        for g in self._groups:
            moved = float((load[g] - self.baseline_kw[g]).sum())
            if abs(moved) > tol * len(g):
                out.append(f"{self.name} does not conserve energy in window steps [{g[0]}, {g[-1] + 1}): "
                           f"{moved * dt_h:.6g} kWh more than its baseline")
        return out

    def cost_cny(self, flows: dict[str, np.ndarray], dt_h: float) -> float:
        return float(self.shift_cost_cny_per_kwh * dt_h * flows["shift_down_kw"].sum())

    def totals(self, flows: dict[str, np.ndarray], dt_h: float) -> dict[str, float]:
        return {"load_shifted_kwh": float(dt_h * flows["shift_down_kw"].sum()),
                "load_shift_cost_cny": self.cost_cny(flows, dt_h),
                "flexible_load_kwh": float(dt_h * flows["load_kw"].sum())}
