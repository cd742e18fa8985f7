"""Unit commitment shared by assets with an on/off status: start cost, minimum up and down times.

Notes
-----
An asset mixes in :class:`Commitment` and, once its own ``build`` has put the status
:math:`u_t` (``on``: binary, or continuous in [0, 1] when relaxed) on its block, calls
:meth:`Commitment.add_commitment`. With start indicator :math:`y_t \\in [0, 1]`
(``start``), stop indicator :math:`z_t \\in [0, 1]` (``stop``, only with a minimum down
time) and :math:`u_{-1}` = ``initially_on``:

.. math::

    y_t \\ge u_t - u_{t-1} \\quad \\text{(no minimum down time)}, \\qquad
    u_t - u_{t-1} = y_t - z_t \\quad \\text{(with one)}

    \\sum_{\\tau = \\max(0, t-U+1)}^{t} y_\\tau \\le u_t, \\qquad
    \\sum_{\\tau = \\max(0, t-D+1)}^{t} z_\\tau \\le 1 - u_t

(constraints ``start_when_switched_on`` or ``switching``, ``min_up``, ``min_down``): a
unit that started in the last :math:`U` steps is on, one that stopped in the last
:math:`D` steps is off. These are the tight minimum up/down inequalities (Rajan &
Takriti, IBM RC23628, 2005; Gentile, Morales-Espana & Ramos, EURO J. Energy Syst. 5,
2017): with a relaxed status they describe the convex hull of the feasible on/off
sequences, so the LP relaxation loses nothing on them. The windows only look back: a
run that starts fewer than :math:`U` steps before the end of the horizon may be cut by
it (what follows the horizon is not modelled).

Times are given in hours and rounded **up** to whole steps,
:math:`U = \\lceil` ``min_up_hours`` :math:`/ \\Delta t \\rceil` and
:math:`D = \\lceil` ``min_down_hours`` :math:`/ \\Delta t \\rceil` (:func:`steps_of`;
1.5 h on hourly steps is 2 steps: the unit is never held for less than asked);
:math:`U, D \\le 1` add nothing.

Status before the horizon: a unit on for ``initial_hours_on`` :math:`H` hours (it needs
``initially_on: true``) stays on for the first :math:`\\lceil \\max(0, \\text{min\\_up\\_hours}
- H) / \\Delta t \\rceil` steps (constraint ``initial_on``: :math:`u_t = 1`); likewise a unit
off for ``initial_hours_off`` stays off for the rest of its minimum down time
(``initial_off``). Without them the unit has been in its initial status long enough and
nothing carries over.

Cost :math:`\\sum_t C y_t` with ``start_cost_cny`` :math:`C` [CNY/start] (a cost port term).
At the optimum :math:`y_t = \\max(0, u_t - u_{t-1})`.

The independent check (:meth:`Commitment.commitment_check`) reads only the reported
status and indicators: it recounts starts :math:`s_t = \\max(0, u_t - u_{t-1})` and stops
from the status sequence (the cost is :math:`C \\sum_t s_t`, which the objective check
compares with the solver's), verifies the windows above on those recounted starts and
stops (for a binary status: every run started in the horizon lasts :math:`U` steps or
reaches its end, likewise every stop), the initial steps, and that the reported
indicators are at least the recounted ones (and :math:`y_t - z_t = u_t - u_{t-1}`).
"""

from __future__ import annotations

import math

import numpy as np
from ..lazy import pyo
from pydantic import BaseModel, Field, model_validator

from .base import BuildContext, Ports, bound_violations, values

STATUS_TOL = 1e-6
"""tolerance for status and indicator values [-]"""

COMMITMENT_FIELDS = ("start_cost_cny", "min_up_hours", "min_down_hours", "initially_on", "initial_hours_on",
                     "initial_hours_off")


def steps_of(hours: float, dt_h: float) -> int:
    """A duration in hours as whole steps, rounded up (a float quotient within 1e-9 of an integer is that integer)."""
    return max(0, math.ceil(hours / dt_h - 1e-9))


class Commitment(BaseModel):
    """Start cost, minimum up and down times and the status before the horizon (see module doc)."""

    start_cost_cny: float = Field(0.0, ge=0, description="cost of one start [CNY/start]")
    min_up_hours: float = Field(0.0, ge=0, description="once started, stays on at least this long [h]; rounded up "
                                                       "to whole steps")
    min_down_hours: float = Field(0.0, ge=0, description="once stopped, stays off at least this long [h]; rounded "
                                                         "up to whole steps")
    initially_on: bool = Field(False, description="on before the first step (no start cost to stay on)")
    initial_hours_on: float | None = Field(None, gt=0, description="hours on before the first step, with "
                                                                   "initially_on; none: long enough")
    initial_hours_off: float | None = Field(None, gt=0, description="hours off before the first step, without "
                                                                     "initially_on; none: long enough")

    @model_validator(mode="after")
    def _initial_status(self) -> "Commitment":
        if self.initial_hours_on is not None and not self.initially_on:
            raise ValueError("initial_hours_on needs initially_on: true")
        if self.initial_hours_off is not None and self.initially_on:
            raise ValueError("initial_hours_off needs initially_on: false")
        return self

    @property
    def commits(self) -> bool:
        """True if a start cost or a minimum up or down time is set (the asset then needs a status)."""
        return self.start_cost_cny > 0 or self.min_up_hours > 0 or self.min_down_hours > 0

    def commitment_steps(self, dt_h: float) -> tuple[int, int]:
        """Minimum up and down times in steps, (U, D)."""
        return steps_of(self.min_up_hours, dt_h), steps_of(self.min_down_hours, dt_h)

    def initial_steps(self, dt_h: float) -> tuple[int, int]:
        """Steps at the start of the horizon the unit must stay on, and must stay off (one of them is 0)."""
        if self.initially_on and self.initial_hours_on is not None:
            return steps_of(self.min_up_hours - self.initial_hours_on, dt_h), 0
        if not self.initially_on and self.initial_hours_off is not None:
            return 0, steps_of(self.min_down_hours - self.initial_hours_off, dt_h)
        return 0, 0

    def add_commitment(self, block: pyo.Block, ctx: BuildContext, ports: Ports) -> None:
        """Add start (and stop) indicators, minimum up/down constraints and the start cost to a block with ``on``."""
        up, down = self.commitment_steps(ctx.dt_h)
        before = 1.0 if self.initially_on else 0.0
        on_steps, off_steps = self.initial_steps(ctx.dt_h)
        if on_steps:
            block.initial_on = pyo.Constraint(list(range(min(on_steps, ctx.n))), rule=lambda b, t: b.on[t] == 1)
        if off_steps:
            block.initial_off = pyo.Constraint(list(range(min(off_steps, ctx.n))), rule=lambda b, t: b.on[t] == 0)

        def _switch(b, t):
            return b.on[t] - (b.on[t - 1] if t else before)

        if down > 1:
            block.start = pyo.Var(ctx.steps, bounds=(0.0, 1.0), doc="1 in a step the unit starts")
            block.stop = pyo.Var(ctx.steps, bounds=(0.0, 1.0), doc="1 in a step the unit stops")
            block.switching = pyo.Constraint(ctx.steps, rule=lambda b, t: _switch(b, t) == b.start[t] - b.stop[t])
            block.min_down = pyo.Constraint(ctx.steps, rule=lambda b, t: sum(
                b.stop[k] for k in range(max(0, t - down + 1), t + 1)) <= 1 - b.on[t])
        elif self.start_cost_cny > 0 or up > 1:
            block.start = pyo.Var(ctx.steps, bounds=(0.0, 1.0), doc="1 in a step the unit starts")
            block.start_when_switched_on = pyo.Constraint(ctx.steps, rule=lambda b, t: b.start[t] >= _switch(b, t))
        else:
            return
        if up > 1:
            block.min_up = pyo.Constraint(ctx.steps, rule=lambda b, t: sum(
                b.start[k] for k in range(max(0, t - up + 1), t + 1)) <= b.on[t])
        if self.start_cost_cny > 0:
            ports.cost.append((self.start_cost_cny, block.start))

    def commitment_flows(self, block: pyo.Block) -> dict[str, np.ndarray]:
        """The model's start and stop indicators, those it has."""
        return {name: values(getattr(block, name)) for name in ("start", "stop") if hasattr(block, name)}

    def switches(self, on: np.ndarray) -> np.ndarray:
        """Status change per step, u_t - u_{t-1} with u_{-1} = initially_on [-]."""
        return np.diff(on, prepend=1.0 if self.initially_on else 0.0)

    def starts(self, on: np.ndarray) -> np.ndarray:
        """Start indicator per step recounted from the status, max(0, u_t - u_{t-1}) [-]."""
        return np.clip(self.switches(on), 0.0, None)

    def stops(self, on: np.ndarray) -> np.ndarray:
        """Stop indicator per step recounted from the status, max(0, u_{t-1} - u_t) [-]."""
        return np.clip(-self.switches(on), 0.0, None)

    def start_cost(self, on: np.ndarray) -> float:
        """Start cost over the horizon from the status [CNY]."""
        return float(self.start_cost_cny * self.starts(on).sum())

    def commitment_check(self, flows: dict[str, np.ndarray], dt_h: float) -> list[str]:
        """Violations of the minimum up/down times, the initial status and the indicators (see module doc)."""
        name, on = self.name, flows["on"]  # type: ignore[attr-defined]
        up, down = self.commitment_steps(dt_h)
        starts, stops = self.starts(on), self.stops(on)
        out = []
        for label, width, switched, room, hours in (("min_up_hours", up, starts, on, self.min_up_hours),
                                                    ("min_down_hours", down, stops, 1.0 - on, self.min_down_hours)):
            if width <= 1:
                continue
            window = np.convolve(switched, np.ones(width))[:len(on)]
            excess = window - room
            if (excess > STATUS_TOL * width).any():  # each recounted start or stop may carry STATUS_TOL
                t = int(np.argmax(excess))
                what = "starts" if label == "min_up_hours" else "stops"
                out.append(f"{name} breaks {label} {hours:g} ({width} steps) at step {t}: {what} in steps "
                           f"{max(0, t - width + 1)}-{t} sum to {window[t]:.6g}, more than "
                           f"{'on' if what == 'starts' else '1 - on'} = {room[t]:.6g}")
        on_steps, off_steps = self.initial_steps(dt_h)
        for label, count, gap, hours in (("on", on_steps, 1.0 - on, self.initial_hours_on),
                                         ("off", off_steps, on, self.initial_hours_off)):
            bad = gap[:count] > STATUS_TOL
            if bad.any():
                t = int(np.argmax(bad))
                rule = "min_up_hours" if label == "on" else "min_down_hours"
                out.append(f"{name} must stay {label} for its first {count} steps ({label} for {hours:g} h before "
                           f"the horizon, {rule} {getattr(self, rule):g}) but on = {on[t]:.6g} at step {t}")
        for label, recount in (("start", starts), ("stop", stops)):
            if label not in flows:
                continue
            out += bound_violations(name, label, flows[label], 0.0, 1.0, STATUS_TOL)
            short = recount - flows[label]
            if (short > STATUS_TOL).any():
                t = int(np.argmax(short))
                verb = "switches on" if label == "start" else "switches off"
                out.append(f"{name}.{label} = {flows[label][t]:.6g} at step {t} but the status {verb} by "
                           f"{recount[t]:.6g} there")
        if "start" in flows and "stop" in flows:
            gap = np.abs(flows["start"] - flows["stop"] - self.switches(on))
            if (gap > STATUS_TOL).any():
                t = int(np.argmax(gap))
                out.append(f"{name}.start - stop is not the status change u_t - u_t-1 at step {t}")
        return out
