"""Demand-response events (需求响应) served by a stated pool of flexible load, with compensation
and rebound (负荷反弹 / payback).

Notes
-----
The asset is a pool of flexible load enrolled in a demand-response programme (Dezhou:
200 MW connected to the dispatch platform, 50 events in 2024): its own baseline
:math:`b_t` [kW] (``baseline_kw``), the load it draws when no event asks anything,
and its flexibility, the largest reduction :math:`F^-` [kW]
(``flexible_capacity_kw``) and the largest increase :math:`F^+` [kW]
(``max_increase_kw``, default :math:`F^-`) per step.

**When an event runs.** Each event :math:`k` covers a set of whole steps
:math:`E_k`, given in exactly one of three forms:

* steps: ``start_step``, ``end_step`` (0-based, end exclusive), :math:`E_k = [s, e)`;
* clock time, as a grid operator's notice reads: ``start``, ``end``, timezone-aware
  ISO-8601 timestamps (``2026-07-15T19:00:00+08:00``, ``2026-07-15 19:00+08:00``,
  ``...Z``; any offset, compared as instants with the horizon's steps). A timestamp
  without an offset is rejected (naming the event and the value), as is an event
  outside the horizon ``[start of step 0, end of the last step]`` or ending at or
  before its start;
* daily: ``start_time``, ``end_time`` (``"HH:MM"`` local clock of the park's time
  zone, ``end_time`` may be ``"24:00"``; an end before the start wraps past
  midnight, so ``22:00``-``02:00`` is a night event): one event occurrence on every
  local day, clipped to the horizon (an occurrence cut by the horizon's start or end
  keeps its steps inside the horizon; an occurrence entirely outside is dropped; if
  none is left the event is rejected). Each occurrence is its own event below (own
  response, own rebound), labelled ``event k on YYYY-MM-DD`` (the local date it starts).

Boundaries must be step boundaries: a timestamp or clock time that falls inside a
step is rejected, naming the nearest step boundaries, because a DR response is
settled per metering interval (no partial-step events). Events may not overlap.

**Response.** Each event asks for a ``reduce`` (peak shaving, 削峰) or ``increase``
(valley filling, 填谷) response of at least :math:`q_k` [kW] (``required_kw``) in
each of its steps, paid :math:`\\pi_k` [CNY/kWh] (``compensation_cny_per_kwh``) on
the response up to :math:`m_k` [kW] per step (``max_paid_kw``, default :math:`q_k`;
set it to the programme's paid ceiling, e.g. 120 % of the bid). For a step
:math:`t \\in E_k` with direction :math:`\\delta_t = +1` (reduce) or :math:`-1`
(increase), the response :math:`r_t` [kW] and its paid part :math:`p_t` [kW] satisfy

.. math::

    q_k \\le r_t \\le \\begin{cases} \\min(F^-, b_t) & \\text{reduce} \\\\ F^+ & \\text{increase} \\end{cases},
    \\qquad 0 \\le p_t \\le \\min(r_t, m_k)

and outside every event :math:`r_t = p_t = 0`.

**Rebound.** An event with ``rebound_fraction`` :math:`\\rho_k \\in [0, 1]` pays back
:math:`\\rho_k` of its response energy within ``rebound_hours`` :math:`H_k` after its
end (a whole number of steps, :math:`M_k = H_k / \\Delta t`): after a ``reduce``
event as extra load (pre-cooled buildings recooling, a process catching up), after an
``increase`` event as lower load (energy given back). The window is
:math:`W_k = [e_k, e_k + M_k)`; the rebound :math:`\\beta_t \\ge 0` [kW] satisfies

.. math::

    \\sum_{t \\in W_k'} \\Delta t\\, \\beta_t = \\rho_k\\, \\frac{|W_k'|}{M_k} \\sum_{t \\in E_k} \\Delta t\\, r_t,
    \\qquad 0 \\le \\beta_t \\le \\begin{cases} R_k & \\text{after a reduce event} \\\\
    \\min(R_k, b_t) & \\text{after an increase event} \\end{cases}

with :math:`W_k'` the window's steps inside the horizon and :math:`\\beta_t = 0`
outside every window. :math:`R_k` [kW] is ``rebound_max_kw``, by default the pool's
:math:`F^+` after a reduce event and :math:`F^-` after an increase event. The
rebound is proportional to the response actually delivered, not to :math:`q_k`, so
responding beyond the request also costs its rebound. ``rebound_hours`` and
``rebound_max_kw`` are ignored when :math:`\\rho_k = 0` (the default). Rules:

* a window cut by the horizon's end holds only its pro-rata share
  :math:`|W_k'| / M_k` of the rebound (the rest falls after the horizon and is
  reported as ``demand_response_rebound_beyond_horizon_kwh``; an event ending with
  the horizon has none inside it); a daily occurrence cut by the horizon's start pays
  back the response inside the horizon only;
* a rebound window may not contain a step of another event (rejected at validation:
  the rebound would distort that event's measured response). Because a window starts
  where its event ends, it follows that two rebound windows never overlap, so each
  step holds at most one event's rebound;
* a rebound that cannot fit, :math:`\\rho_k \\frac{|W_k'|}{M_k} \\sum_{E_k} \\Delta t\\, q_k`
  above :math:`\\sum_{W_k'} \\Delta t \\times` the bound, is rejected before the solve
  (naming the event and both energies); at or below it the response is feasible.

**Load, bus, cost.** Load

.. math::

    \\ell_t = b_t - \\delta_t r_t + \\sigma_t \\beta_t

with :math:`\\sigma_t = +1` in the window of a reduce event, :math:`-1` in that of an
increase event; injection into the electricity bus :math:`-\\ell_t` [kW]. Cost

.. math::

    \\sum_t \\Delta t\\,(c\\, r_t - \\pi_t\\, p_t)

with the pool's own cost of responding :math:`c` [CNY/kWh] (``response_cost_cny_per_kwh``:
lost production, comfort), so the compensation is revenue (a negative cost). The
rebound has no cost or payment of its own: it is energy bought (or not bought) at the
tariff through the bus, so the optimiser places it in the cheapest steps of its window.
The paid part is :math:`p_t = \\min(r_t, m_k)` under every objective, not only where the
compensation's cost pressure holds it there (``minimise: emissions`` does not value it): fixed
at :math:`m_k` where :math:`m_k \\le q_k`, :math:`p_t = r_t` where :math:`m_k` is at least the
response limit :math:`\\bar r_t`, and in between an exclusive pair (:mod:`optimiser.binaries`):
the unpaid response :math:`r_t - p_t` and the room below the cap :math:`m_k - p_t` are not both
positive (a binary where a solution used both). The check recomputes it so. A committed
event is firm: if the pool cannot deliver :math:`q_k` the scenario is rejected before the solve.

**Results.** ``flows``: ``baseline_kw``, ``load_kw`` (:math:`\\ell_t`), ``reduction_kw``,
``increase_kw`` (:math:`r_t` by direction), ``paid_kw``, ``required_kw`` and
``rebound_kw`` = :math:`\\sigma_t \\beta_t`, signed as a change of load (+ extra load
after a reduce event, - load given back after an increase event). ``totals`` adds
``demand_response_rebound_kwh`` (:math:`\\sum_t \\Delta t\\, \\beta_t`, both directions)
and ``demand_response_rebound_beyond_horizon_kwh`` to the response and revenue totals.
The check re-derives every event's rebound energy from the flows, the windows and
the bounds.

Interaction with the park's other loads. The response is measured against this
asset's own baseline, and only this asset's flexibility counts towards it: the
model has no cross-asset terms, so the pool's baseline must not also be in a
``demand`` asset (that would count the load twice), and a ``shiftable_load`` or
``curtailable_load`` of the park is a separate flexibility that the optimiser uses
for the tariff alone, not for the event. A pool without rebound (``rebound_fraction``
0, the default) is curtailment-like: response energy is not made up afterwards. A
programme that measures the response on the park's total import against a park
baseline needs a park-level constraint in ``optimiser.model`` (not modelled here).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from ..lazy import pyo
from pydantic import Field, PrivateAttr, ValidationInfo, model_validator

from ..series import NonNegativeSeries
from .base import AssetBase, BuildContext, Exclusive, Ports, Side, bound_violations, values
from .demand_response_events import CarriedRebound, DemandResponseEvent, EventHorizon, Occurrence, event_spans
from .shiftable_load import horizon_index
class DemandResponse(AssetBase):
    """A flexible-load pool answering demand-response events (see module doc)."""

    kind: Literal["demand_response"]
    baseline_kw: NonNegativeSeries = Field(description="the pool's load per step without events [kW]")
    flexible_capacity_kw: float = Field(ge=0, description="largest reduction below the baseline in a step [kW]")
    max_increase_kw: float | None = Field(None, ge=0, description="largest increase above the baseline [kW]; default flexible_capacity_kw")
    response_cost_cny_per_kwh: float = Field(0.0, ge=0, description="the pool's cost per kWh of response [CNY/kWh]")
    events: list[DemandResponseEvent] = Field(min_length=1, description="the events of the horizon")
    rebound_carried_in: CarriedRebound | None = Field(None, description="rebound owed from an event before the "
                                                      "horizon: paid back in what is left of its window, or with "
                                                      "the rebound of an event continuing it at the horizon's start")

    _occurrences: list[Occurrence] = PrivateAttr(default_factory=list)
    _direction: np.ndarray = PrivateAttr()
    _required: np.ndarray = PrivateAttr()
    _paid_cap: np.ndarray = PrivateAttr()
    _compensation: np.ndarray = PrivateAttr()
    _rebound_sign: np.ndarray = PrivateAttr()
    _rebound_cap: np.ndarray = PrivateAttr()

    @property
    def increase_limit_kw(self) -> float:
        """:math:`F^+` [kW]."""
        return self.flexible_capacity_kw if self.max_increase_kw is None else self.max_increase_kw

    @property
    def occurrences(self) -> list[Occurrence]:
        """The events resolved onto steps, in time order (a daily event gives one per day)."""
        return list(self._occurrences)

    @model_validator(mode="after")
    def _resolve_events(self, info: ValidationInfo) -> "DemandResponse":
        h = EventHorizon(horizon_index(info))
        n = h.n
        spans = sorted(((label, k, s, e) for k, ev in enumerate(self.events) for label, s, e in event_spans(k, ev, h)),
                       key=lambda x: x[2])
        owner = np.full(n, -1)
        direction, required, paid, price = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
        labels = [label for label, *_ in spans]
        for i, (label, k, s, e) in enumerate(spans):
            taken = owner[s:e] >= 0
            if taken.any():
                raise ValueError(f"{label} overlaps {labels[owner[s:e][np.argmax(taken)]]}")
            owner[s:e] = i
            ev = self.events[k]
            direction[s:e] = 1.0 if ev.direction == "reduce" else -1.0
            required[s:e], paid[s:e], price[s:e] = ev.required_kw, ev.paid_kw, ev.compensation_cny_per_kwh
        self._direction, self._required, self._paid_cap, self._compensation = direction, required, paid, price
        upper = self.response_limit_kw()
        short = required > upper + 1e-9
        if short.any():
            t = int(np.argmax(short))
            raise ValueError(f"the pool cannot deliver the required {required[t]:g} kW at step {t} "
                             f"(at most {upper[t]:g} kW there)")
        sign, cap = np.zeros(n), np.zeros(n)
        occurrences, carried = [], self.rebound_carried_in
        if carried is not None and owner[0] < 0 and carried.energy_kwh > 0:  # its own window from step 0
            ev = DemandResponseEvent(start_step=0, end_step=1, direction=carried.direction, required_kw=0,
                                     compensation_cny_per_kwh=0, rebound_fraction=1.0, rebound_hours=carried.hours,
                                     rebound_max_kw=carried.max_kw)
            spans = [("rebound carried in", -1, 0, 0)] + spans
        for label, k, s, e in spans:
            ev = self.events[k] if k >= 0 else ev
            window, share, m = None, 1.0, 0
            extra = carried.energy_kwh if carried is not None and (k < 0 or (s == 0 and owner[0] >= 0)) else 0.0
            if extra and ev.direction != carried.direction:
                raise ValueError(f"rebound_carried_in.direction '{carried.direction}' differs from {label}, which "
                                 "continues at the horizon's start")
            if ev.rebound_fraction > 0 or extra:
                window, share, m = self._rebound_window(label, k, ev, s, e, owner, labels, h)
            if window is not None:
                a, b = window
                up = ev.direction == "reduce"
                limit = ev.rebound_max_kw if ev.rebound_max_kw is not None else (
                    self.increase_limit_kw if up else self.flexible_capacity_kw)
                sign[a:b] = 1.0 if up else -1.0
                cap[a:b] = limit if up else np.minimum(limit, self.baseline_kw[a:b])
                need = share * (ev.rebound_fraction * h.dt_h * required[s:e].sum() + extra)
                room = h.dt_h * cap[a:b].sum()
                if need > room * (1 + 1e-9) + 1e-9:
                    part = f" x {b - a}/{m} of the window inside the horizon" if share < 1 else ""
                    bound = f"{limit:g} kW per step" + ("" if up else ", and at most the baseline")
                    raise ValueError(
                        f"{label}'s rebound cannot fit: {ev.rebound_fraction:g} x {h.dt_h * required[s:e].sum():g} kWh "
                        f"of response (at least)" + (f" + {extra:g} kWh carried in" if extra else "")
                        + f"{part} = {need:g} kWh must be {'taken' if up else 'given'} back within "
                        f"{ev.rebound_hours:g} h after the event (steps [{a}, {b})), but the pool can "
                        f"{'take' if up else 'give back'} at most {room:g} kWh there ({bound}); lower rebound_fraction or required_kw, or raise "
                        f"rebound_hours or rebound_max_kw")
            occurrences.append(Occurrence(k, label, s, e, 1.0 if ev.direction == "reduce" else -1.0,
                                          ev.rebound_fraction, window, share, m, extra))
        self._occurrences, self._rebound_sign, self._rebound_cap = occurrences, sign, cap
        return self

    @staticmethod
    def _rebound_window(label: str, k: int, ev: DemandResponseEvent, s: int, e: int, owner: np.ndarray,
                        labels: list[str], h: EventHorizon) -> tuple[tuple[int, int] | None, float, int]:
        """The rebound window inside the horizon, its share of the whole window and the whole length."""
        what = f"event {k} rebound_hours" if k >= 0 else "rebound_carried_in.hours"
        if ev.rebound_hours is None:
            raise ValueError(f"event {k} has rebound_fraction {ev.rebound_fraction:g} but no rebound_hours")
        m = ev.rebound_hours / h.dt_h
        if abs(m - round(m)) > 1e-9:
            raise ValueError(f"{what} {ev.rebound_hours:g} is not a whole number of {h.minutes:g}-minute steps")
        m = int(round(m))
        a, b = e, min(e + m, h.n)
        others = owner[a:b] >= 0
        if others.any():
            t = a + int(np.argmax(others))
            raise ValueError(f"{label}'s rebound window, steps [{e}, {e + m}) ({ev.rebound_hours:g} h after its end), "
                             f"contains step {t} of {labels[owner[t]]}; a rebound may not run during another event "
                             "(shorten rebound_hours or move the events apart)")
        return ((a, b) if b > a else None), (b - a) / m, m

    def response_limit_kw(self) -> np.ndarray:
        """Upper bound of the response per step [kW] (zero outside events)."""
        reduce = np.minimum(self.flexible_capacity_kw, self.baseline_kw)
        return np.where(self._direction > 0, reduce, np.where(self._direction < 0, self.increase_limit_kw, 0.0))

    def _rebounds(self) -> list[Occurrence]:
        """Occurrences with a rebound inside the horizon."""
        return [o for o in self._occurrences if o.window is not None]

    # --- model --------------------------------------------------------------------------
    def build(self, block: pyo.Block, ctx: BuildContext) -> Ports:
        low, high, paid = self._required.tolist(), self.response_limit_kw().tolist(), self._paid_cap.tolist()
        block.response_kw = pyo.Var(ctx.steps, bounds=lambda _, t: (low[t], high[t]), doc="response [kW]")
        fixed, follows, between = self._paid_cases()
        block.paid_kw = pyo.Var(ctx.steps, bounds=lambda _, t: (paid[t] if fixed[t] else 0.0, paid[t]),
                                doc="response that is paid [kW]")
        block.paid_within_response = pyo.Constraint(
            [t for t in range(ctx.n) if not fixed[t]], rule=lambda b, t: b.paid_kw[t] <= b.response_kw[t])
        block.paid_is_response = pyo.Constraint(np.flatnonzero(follows).tolist(),
                                                rule=lambda b, t: b.paid_kw[t] >= b.response_kw[t])
        ports = Ports(electric=[(self._direction, block.response_kw)], electric_fixed_kw=-np.asarray(self.baseline_kw))
        if between.any():  # paid = min(response, cap): unpaid response and room below the cap not both > 0
            at = np.flatnonzero(between).tolist()
            ports.exclusive.append(Exclusive(f"{self.name}.paid_kw = min(response, paid cap)",
                                             Side.of([block.response_kw[t] for t in at], [high[t] for t in at])
                                             .plus([block.paid_kw[t] for t in at], -1.0),
                                             Side.of([block.paid_kw[t] for t in at], [paid[t] for t in at], coef=-1.0,
                                                     constant=[paid[t] for t in at])))
        rebounds = self._rebounds()
        if rebounds:
            cap = self._rebound_cap.tolist()
            block.rebound_kw = pyo.Var(ctx.steps, bounds=lambda _, t: (0.0, cap[t]), doc="rebound [kW], magnitude")
            block.rebound_events = pyo.RangeSet(0, len(rebounds) - 1)
            block.rebound_energy = pyo.Constraint(block.rebound_events, rule=lambda b, i: sum(
                b.rebound_kw[t] for t in range(*rebounds[i].window)) == rebounds[i].fraction * rebounds[i].share * sum(
                b.response_kw[t] for t in range(rebounds[i].start, rebounds[i].end))
                + rebounds[i].share * rebounds[i].carried_kwh / ctx.dt_h,
                doc="rebound energy in each window = share x (fraction x response energy of its event + carried in)")
            ports.electric.append((-self._rebound_sign, block.rebound_kw))
        if self.response_cost_cny_per_kwh:
            ports.cost.append((self.response_cost_cny_per_kwh * ctx.dt_h, block.response_kw))
        if self._compensation.any():
            ports.cost.append((-ctx.dt_h * self._compensation, block.paid_kw))
        return ports

    def _paid_cases(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Steps where min(response, paid cap) is the cap, the response, or either (an exclusive pair)."""
        fixed = self._paid_cap <= self._required
        follows = ~fixed & (self._paid_cap >= self.response_limit_kw())
        return fixed, follows, ~fixed & ~follows & (self._compensation > 0)

    def flows(self, block: pyo.Block, ctx: BuildContext) -> dict[str, np.ndarray]:
        response = values(block.response_kw)
        baseline = np.asarray(self.baseline_kw)
        rebound = self._rebound_sign * values(block.rebound_kw) if hasattr(block, "rebound_kw") else np.zeros(ctx.n)
        return {"baseline_kw": baseline, "load_kw": baseline - self._direction * response + rebound,
                "reduction_kw": np.where(self._direction > 0, response, 0.0),
                "increase_kw": np.where(self._direction < 0, response, 0.0),
                "paid_kw": values(block.paid_kw), "required_kw": self._required.copy(), "rebound_kw": rebound}

    # --- independent re-derivation from a solution ----------------------------------------
    def net_injection_kw(self, flows: dict[str, np.ndarray]) -> np.ndarray:
        return -flows["load_kw"]

    def check(self, flows: dict[str, np.ndarray], dt_h: float, tol: float) -> list[str]:
        down, up, paid, load = flows["reduction_kw"], flows["increase_kw"], flows["paid_kw"], flows["load_kw"]
        rebound = flows["rebound_kw"]
        limit = self.response_limit_kw()
        reduce, increase = self._direction > 0, self._direction < 0
        out = bound_violations(self.name, "reduction_kw", down, np.where(reduce, self._required, 0.0),
                               np.where(reduce, limit, 0.0), tol)
        out += bound_violations(self.name, "increase_kw", up, np.where(increase, self._required, 0.0),
                                np.where(increase, limit, 0.0), tol)
        out += bound_violations(self.name, "paid_kw", paid, 0.0, self._paid_cap, tol)
        out += bound_violations(self.name, "rebound_kw", rebound, np.where(self._rebound_sign < 0, -self._rebound_cap, 0.0),
                                np.where(self._rebound_sign > 0, self._rebound_cap, 0.0), tol)
        gap = np.abs(load - (self.baseline_kw - down + up + rebound))
        if (gap > tol).any():
            i = int(np.argmax(gap))
            out.append(f"{self.name}.load_kw is not baseline - reduction + increase + rebound at step {i} "
                       f"(off by {gap[i]:.6g} kW)")
        earned = np.minimum(down + up, self._paid_cap)
        gap = np.abs(paid - earned) * (self._compensation > 0)
        if (gap > tol).any():
            i = int(np.argmax(gap))
            out.append(f"{self.name}.paid_kw = {paid[i]:.6g} at step {i} is not min(response, paid cap) = {earned[i]:.6g}")
        for o in self._rebounds():
            a, b = o.window
            response = dt_h * float((down + up)[o.steps].sum())
            want = o.share * (o.fraction * response + o.carried_kwh)
            got = dt_h * float((self._rebound_sign[a:b] * rebound[a:b]).sum())
            if abs(got - want) > tol * dt_h * (b - a + o.end - o.start):
                part = f" x {b - a}/{o.window_steps} of the window inside the horizon" if o.share < 1 else ""
                out.append(f"{self.name} {o.label}: rebound {got:.6g} kWh in steps [{a}, {b}), expected {want:.6g} kWh "
                           f"({o.fraction:g} x {response:.6g} kWh of response{part})")
        return out

    def revenue_cny(self, flows: dict[str, np.ndarray], dt_h: float) -> float:
        """Compensation earned over the horizon [CNY]."""
        return float(dt_h * self._compensation @ flows["paid_kw"])

    def cost_cny(self, flows: dict[str, np.ndarray], dt_h: float) -> float:
        """Response cost less compensation [CNY]; the rebound has no cost of its own (its energy is
        bought at the tariff through the bus)."""
        response = flows["reduction_kw"] + flows["increase_kw"]
        return float(self.response_cost_cny_per_kwh * dt_h * response.sum()) - self.revenue_cny(flows, dt_h)

    def rebound_beyond_horizon_kwh(self, flows: dict[str, np.ndarray], dt_h: float) -> float:
        """Rebound energy owed after the horizon's end (windows cut by it) [kWh]."""
        response = flows["reduction_kw"] + flows["increase_kw"]
        return float(sum((1.0 - o.share) * (o.fraction * dt_h * response[o.steps].sum() + o.carried_kwh)
                         for o in self._occurrences if o.window_steps))

    def rebound_owed(self, flows: dict[str, np.ndarray], dt_h: float) -> dict[str, float]:
        """The rebound owed after the horizon's end (the window cut by it, if any), as the next horizon's
        ``rebound_carried_in``: energy [kWh], window hours left, direction, per-step limit [kW]."""
        response = flows["reduction_kw"] + flows["increase_kw"]
        for o in self._occurrences:
            if o.window_steps and o.share < 1.0:
                inside = 0 if o.window is None else o.window[1] - o.window[0]
                ev = self.events[o.event] if o.event >= 0 else self.rebound_carried_in
                limit = ev.rebound_max_kw if o.event >= 0 else ev.max_kw
                return {"energy_kwh": (1.0 - o.share) * (o.fraction * dt_h * response[o.steps].sum() + o.carried_kwh),
                        "hours": (o.window_steps - inside) * dt_h, "direction": o.direction,
                        **({} if limit is None else {"max_kw": limit})}
        return {}

    def totals(self, flows: dict[str, np.ndarray], dt_h: float) -> dict[str, float]:
        return {"demand_response_kwh": float(dt_h * (flows["reduction_kw"] + flows["increase_kw"]).sum()),
                "demand_response_reduction_kwh": float(dt_h * flows["reduction_kw"].sum()),
                "demand_response_increase_kwh": float(dt_h * flows["increase_kw"].sum()),
                "demand_response_revenue_cny": self.revenue_cny(flows, dt_h),
                "demand_response_rebound_kwh": float(dt_h * np.abs(flows["rebound_kw"]).sum()),
                "demand_response_rebound_beyond_horizon_kwh": self.rebound_beyond_horizon_kwh(flows, dt_h),
                "flexible_load_kwh": float(dt_h * flows["load_kw"].sum())}
