"""Curtailable electric load: part of a baseline may be shed at a cost per kWh, within an energy cap.

Notes
-----
Baseline :math:`b_t` [kW] (``baseline_kw``); curtailment

.. math::

    0 \\le r_t \\le \\min(f\\, b_t,\\ R), \\qquad
    \\Delta t \\sum_t r_t \\le E

with the largest share :math:`f` [-] (``max_curtail_fraction``, default 1), the
largest curtailment per step :math:`R` [kW] (``max_curtail_kw``, default none) and
the energy cap over the horizon :math:`E` [kWh] (``max_curtailed_kwh``, default
none). Load served :math:`\\ell_t = b_t - r_t`; injection into the electricity bus
:math:`-\\ell_t` [kW]. Cost :math:`\\sum_t c\\, \\Delta t\\, r_t` with the cost of
energy not served :math:`c` [CNY/kWh] (``curtail_cost_cny_per_kwh``: lost production
or the contract's interruption payment), so curtailment pays only in steps whose
marginal price (import price, plus the carbon price on its emissions) exceeds
:math:`c`. Curtailed energy is not made up later; a load that recovers its energy
is a ``shiftable_load``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from ..lazy import pyo
from pydantic import Field

from ..series import NonNegativeSeries
from .base import AssetBase, BuildContext, Ports, bound_violations, values


class CurtailableLoad(AssetBase):
    """Electric load that may be reduced (shed) at a cost (see module doc)."""

    kind: Literal["curtailable_load"]
    baseline_kw: NonNegativeSeries = Field(description="load per step without curtailment [kW]")
    max_curtail_fraction: float = Field(1.0, ge=0, le=1, description="largest share of the baseline shed in a step [-]")
    max_curtail_kw: float | None = Field(None, ge=0, description="largest reduction in a step [kW]; default: no limit")
    max_curtailed_kwh: float | None = Field(None, ge=0, description="energy cap on curtailment over the horizon [kWh]")
    curtail_cost_cny_per_kwh: float = Field(ge=0, description="cost per kWh curtailed [CNY/kWh]")

    def limit_kw(self) -> np.ndarray:
        """Upper bound of the curtailment per step [kW]."""
        limit = self.max_curtail_fraction * np.asarray(self.baseline_kw)
        return limit if self.max_curtail_kw is None else np.minimum(limit, self.max_curtail_kw)

    def build(self, block: pyo.Block, ctx: BuildContext) -> Ports:
        limit = self.limit_kw().tolist()
        block.curtailed_kw = pyo.Var(ctx.steps, bounds=lambda _, t: (0.0, limit[t]), doc="load shed [kW]")
        if self.max_curtailed_kwh is not None:
            block.energy_cap = pyo.Constraint(
                expr=sum(w * v for w, v in zip(ctx.weighted(ctx.dt_h).tolist(), block.curtailed_kw.values())) <= self.max_curtailed_kwh,
                doc="curtailed energy over the horizon [kWh]")
        ports = Ports(electric=[(1.0, block.curtailed_kw)], electric_fixed_kw=-np.asarray(self.baseline_kw))
        if self.curtail_cost_cny_per_kwh:
            ports.cost.append((self.curtail_cost_cny_per_kwh * ctx.dt_h, block.curtailed_kw))
        return ports

    def flows(self, block: pyo.Block, ctx: BuildContext) -> dict[str, np.ndarray]:
        curtailed = values(block.curtailed_kw)
        baseline = np.asarray(self.baseline_kw)
        return {"baseline_kw": baseline, "load_kw": baseline - curtailed, "curtailed_kw": curtailed}

    def net_injection_kw(self, flows: dict[str, np.ndarray]) -> np.ndarray:
        return -flows["load_kw"]

    def check(self, flows: dict[str, np.ndarray], dt_h: float, tol: float) -> list[str]:
        r, load = flows["curtailed_kw"], flows["load_kw"]
        out = bound_violations(self.name, "curtailed_kw", r, 0.0, self.limit_kw(), tol)
        gap = np.abs(load - (self.baseline_kw - r))
        if (gap > tol).any():
            i = int(np.argmax(gap))
            out.append(f"{self.name}.load_kw is not baseline - curtailed at step {i} (off by {gap[i]:.6g} kW)")
        energy = dt_h * float(r.sum())
        if self.max_curtailed_kwh is not None and energy > self.max_curtailed_kwh + tol * len(r):
            out.append(f"{self.name} curtails {energy:.6g} kWh, above its cap {self.max_curtailed_kwh:.6g} kWh")
        return out

    def cost_cny(self, flows: dict[str, np.ndarray], dt_h: float) -> float:
        return float(self.curtail_cost_cny_per_kwh * dt_h * flows["curtailed_kw"].sum())

    def totals(self, flows: dict[str, np.ndarray], dt_h: float) -> dict[str, float]:
        return {"load_curtailed_kwh": float(dt_h * flows["curtailed_kw"].sum()),
                "load_curtailment_cost_cny": self.cost_cny(flows, dt_h),
                "flexible_load_kwh": float(dt_h * flows["load_kw"].sum())}
