"""Demand-response events (需求响应) served by a stated pool of flexible load, with compensation.

Notes
-----
The asset is a pool of flexible load enrolled in a demand-response programme (Dezhou:
200 MW connected to the dispatch platform, 50 events in 2024): its own baseline
:math:`b_t` [kW] (``baseline_kw``), the load it draws when no event asks anything,
and its flexibility, the largest reduction :math:`F^-` [kW]
(``flexible_capacity_kw``) and the largest increase :math:`F^+` [kW]
(``max_increase_kw``, default :math:`F^-`) per step.

Each event :math:`k` covers steps ``[start_step, end_step)`` and asks for a
``reduce`` (peak shaving, 削峰) or ``increase`` (valley filling, 填谷) response of at
least :math:`q_k` [kW] (``required_kw``) in each of its steps, paid
:math:`\\pi_k` [CNY/kWh] (``compensation_cny_per_kwh``) on the response up to
:math:`m_k` [kW] per step (``max_paid_kw``, default :math:`q_k`; set it to the
programme's paid ceiling, e.g. 120 % of the bid). For a step :math:`t` of event
:math:`k` with direction :math:`\\delta_t = +1` (reduce) or :math:`-1` (increase),
the response :math:`r_t` [kW] and its paid part :math:`p_t` [kW] satisfy

.. math::

    q_k \\le r_t \\le \\begin{cases} \\min(F^-, b_t) & \\text{reduce} \\\\ F^+ & \\text{increase} \\end{cases},
    \\qquad 0 \\le p_t \\le \\min(r_t, m_k)

and outside every event :math:`r_t = p_t = 0`. Load :math:`\\ell_t = b_t - \\delta_t r_t`;
injection into the electricity bus :math:`-\\ell_t` [kW]. Cost

.. math::

    \\sum_t \\Delta t\\,(c\\, r_t - \\pi_t\\, p_t)

with the pool's own cost of responding :math:`c` [CNY/kWh] (``response_cost_cny_per_kwh``:
lost production, comfort), so the compensation is revenue (a negative cost). At the
optimum :math:`p_t = \\min(r_t, m_k)` (compensation is never left unclaimed); the
check recomputes it so. A committed event is firm: if the pool cannot deliver
:math:`q_k` the scenario is rejected before the solve.

Interaction with the park's other loads. The response is measured against this
asset's own baseline, and only this asset's flexibility counts towards it: the
model has no cross-asset terms, so the pool's baseline must not also be in a
``demand`` asset (that would count the load twice), and a ``shiftable_load`` or
``curtailable_load`` of the park is a separate flexibility that the optimiser uses
for the tariff alone, not for the event. The pool is curtailment-like: response
energy is not made up afterwards (no rebound); a pool that recovers its energy
later is a ``shiftable_load`` plus events on it (not modelled). A programme that
measures the response on the park's total import against a park baseline needs a
park-level constraint in ``optimiser.model`` (not modelled here).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pyomo.environ as pyo
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationInfo, model_validator

from ..series import NonNegativeSeries
from .base import AssetBase, BuildContext, Ports, bound_violations, values
from .shiftable_load import horizon_index


class DemandResponseEvent(BaseModel):
    """One event: steps, direction, the firm response per step and its compensation."""

    model_config = ConfigDict(extra="forbid")
    start_step: int = Field(ge=0, description="first step of the event (0-based)")
    end_step: int = Field(gt=0, description="step after the last step of the event (exclusive)")
    direction: Literal["reduce", "increase"] = Field("reduce", description="reduce (peak shaving) or increase (valley filling)")
    required_kw: float = Field(ge=0, description="firm response in every step of the event [kW]")
    compensation_cny_per_kwh: float = Field(ge=0, description="payment per kWh of response [CNY/kWh]")
    max_paid_kw: float | None = Field(None, ge=0, description="response paid at most per step [kW]; default required_kw")

    @property
    def paid_kw(self) -> float:
        return self.required_kw if self.max_paid_kw is None else self.max_paid_kw


class DemandResponse(AssetBase):
    """A flexible-load pool answering demand-response events (see module doc)."""

    kind: Literal["demand_response"]
    baseline_kw: NonNegativeSeries = Field(description="the pool's load per step without events [kW]")
    flexible_capacity_kw: float = Field(ge=0, description="largest reduction below the baseline in a step [kW]")
    max_increase_kw: float | None = Field(None, ge=0, description="largest increase above the baseline [kW]; default flexible_capacity_kw")
    response_cost_cny_per_kwh: float = Field(0.0, ge=0, description="the pool's cost per kWh of response [CNY/kWh]")
    events: list[DemandResponseEvent] = Field(min_length=1, description="the events of the horizon")

    _direction: np.ndarray = PrivateAttr()
    _required: np.ndarray = PrivateAttr()
    _paid_cap: np.ndarray = PrivateAttr()
    _compensation: np.ndarray = PrivateAttr()

    @model_validator(mode="after")
    def _resolve_events(self, info: ValidationInfo) -> "DemandResponse":
        n = len(horizon_index(info))
        direction, required, paid, price = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
        for k, e in enumerate(self.events):
            if not e.start_step < e.end_step <= n:
                raise ValueError(f"event {k} steps [{e.start_step}, {e.end_step}) are not inside [0, {n})")
            steps = slice(e.start_step, e.end_step)
            if direction[steps].any():
                raise ValueError(f"event {k} overlaps an earlier event")
            direction[steps] = 1.0 if e.direction == "reduce" else -1.0
            required[steps], paid[steps], price[steps] = e.required_kw, e.paid_kw, e.compensation_cny_per_kwh
        self._direction, self._required, self._paid_cap, self._compensation = direction, required, paid, price
        upper = self.response_limit_kw()
        short = required > upper + 1e-9
        if short.any():
            t = int(np.argmax(short))
            raise ValueError(f"the pool cannot deliver the required {required[t]:g} kW at step {t} "
                             f"(at most {upper[t]:g} kW there)")
        return self

    def response_limit_kw(self) -> np.ndarray:
        """Upper bound of the response per step [kW] (zero outside events)."""
        increase = self.flexible_capacity_kw if self.max_increase_kw is None else self.max_increase_kw
        reduce = np.minimum(self.flexible_capacity_kw, self.baseline_kw)
        return np.where(self._direction > 0, reduce, np.where(self._direction < 0, increase, 0.0))

    def build(self, block: pyo.Block, ctx: BuildContext) -> Ports:
        low, high, paid = self._required.tolist(), self.response_limit_kw().tolist(), self._paid_cap.tolist()
        block.response_kw = pyo.Var(ctx.steps, bounds=lambda _, t: (low[t], high[t]), doc="response [kW]")
        block.paid_kw = pyo.Var(ctx.steps, bounds=lambda _, t: (0.0, paid[t]), doc="response that is paid [kW]")
        block.paid_within_response = pyo.Constraint(ctx.steps, rule=lambda b, t: b.paid_kw[t] <= b.response_kw[t])
        ports = Ports(electric=[(self._direction, block.response_kw)], electric_fixed_kw=-np.asarray(self.baseline_kw))
        if self.response_cost_cny_per_kwh:
            ports.cost.append((self.response_cost_cny_per_kwh * ctx.dt_h, block.response_kw))
        if self._compensation.any():
            ports.cost.append((-ctx.dt_h * self._compensation, block.paid_kw))
        return ports

    def flows(self, block: pyo.Block, ctx: BuildContext) -> dict[str, np.ndarray]:
        response = values(block.response_kw)
        baseline = np.asarray(self.baseline_kw)
        return {"baseline_kw": baseline, "load_kw": baseline - self._direction * response,
                "reduction_kw": np.where(self._direction > 0, response, 0.0),
                "increase_kw": np.where(self._direction < 0, response, 0.0),
                "paid_kw": values(block.paid_kw), "required_kw": self._required.copy()}

    # --- independent re-derivation from a solution ----------------------------------------
    def net_injection_kw(self, flows: dict[str, np.ndarray]) -> np.ndarray:
        return -flows["load_kw"]

    def check(self, flows: dict[str, np.ndarray], dt_h: float, tol: float) -> list[str]:
        down, up, paid, load = flows["reduction_kw"], flows["increase_kw"], flows["paid_kw"], flows["load_kw"]
        limit = self.response_limit_kw()
        reduce, increase = self._direction > 0, self._direction < 0
        out = bound_violations(self.name, "reduction_kw", down, np.where(reduce, self._required, 0.0),
                               np.where(reduce, limit, 0.0), tol)
        out += bound_violations(self.name, "increase_kw", up, np.where(increase, self._required, 0.0),
                                np.where(increase, limit, 0.0), tol)
        out += bound_violations(self.name, "paid_kw", paid, 0.0, self._paid_cap, tol)
        gap = np.abs(load - (self.baseline_kw - down + up))
        if (gap > tol).any():
            i = int(np.argmax(gap))
            out.append(f"{self.name}.load_kw is not baseline - reduction + increase at step {i} (off by {gap[i]:.6g} kW)")
        earned = np.minimum(down + up, self._paid_cap)
        gap = np.abs(paid - earned) * (self._compensation > 0)
        if (gap > tol).any():
            i = int(np.argmax(gap))
            out.append(f"{self.name}.paid_kw = {paid[i]:.6g} at step {i} is not min(response, paid cap) = {earned[i]:.6g}")
        return out

    def revenue_cny(self, flows: dict[str, np.ndarray], dt_h: float) -> float:
        """Compensation earned over the horizon [CNY]."""
        return float(dt_h * self._compensation @ flows["paid_kw"])

    def cost_cny(self, flows: dict[str, np.ndarray], dt_h: float) -> float:
        response = flows["reduction_kw"] + flows["increase_kw"]
        return float(self.response_cost_cny_per_kwh * dt_h * response.sum()) - self.revenue_cny(flows, dt_h)

    def totals(self, flows: dict[str, np.ndarray], dt_h: float) -> dict[str, float]:
        return {"demand_response_kwh": float(dt_h * (flows["reduction_kw"] + flows["increase_kw"]).sum()),
                "demand_response_reduction_kwh": float(dt_h * flows["reduction_kw"].sum()),
                "demand_response_increase_kwh": float(dt_h * flows["increase_kw"].sum()),
                "demand_response_revenue_cny": self.revenue_cny(flows, dt_h),
                "flexible_load_kwh": float(dt_h * flows["load_kw"].sum())}
