"""Water electrolyser: electricity to hydrogen, with minimum stable load and start-up cost."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pyomo.environ as pyo
from pydantic import Field

from .base import ELECTRICITY, HYDROGEN, AssetBase, BuildContext, Ports, bound_violations, values


class Electrolyser(AssetBase):
    """Alkaline or PEM electrolyser feeding the hydrogen bus.

    Notes
    -----
    Stack power :math:`p_t \\in [0, P]` [kW] (``power_kw``), hydrogen output

    .. math::

        h_t = p_t / e \\quad [kg/h]

    with specific consumption :math:`e` [kWh/kg] (``kwh_per_kg``, default 53; IEA,
    *The Future of Hydrogen*, 2019, table 2: alkaline 63-70 % and PEM 56-60 %
    efficiency on the lower heating value 33.33 kWh/kg, i.e. 48-60 kWh/kg).
    If a minimum stable load :math:`m` (``min_load_fraction``; alkaline stacks
    10-30 %), a standby load :math:`s` [kW] (``standby_kw``, balance of plant while
    on) or a start cost :math:`C` [CNY/start] (``start_cost_cny``) is set, an on/off
    status :math:`u_t` and start indicator :math:`y_t \\ge 0` are added:

    .. math::

        m P u_t \\le p_t \\le P u_t, \\qquad y_t \\ge u_t - u_{t-1}, \\qquad
        u_{-1} = \\text{initially\\_on}

    :math:`u_t \\in \\{0, 1\\}` (a MIP), or :math:`u_t \\in [0, 1]` with
    ``relax_to_lp: true`` (an LP whose minimum load and start costs are only
    approximated: a fractional :math:`u_t` lets the stack run below :math:`mP`).
    Injections: :math:`-(p_t + s u_t)` [kW] into the electricity bus, :math:`+h_t`
    into the hydrogen bus. Cost :math:`\\sum_t C y_t`; at the optimum
    :math:`y_t = \\max(0, u_t - u_{t-1})`, which the check recomputes from the
    reported status ``on``.
    """

    kind: Literal["electrolyser"]
    power_kw: float = Field(gt=0, description="rated stack power [kW]")
    kwh_per_kg: float = Field(53.0, gt=0, description="electricity per kg of hydrogen at the stack [kWh/kg]")
    min_load_fraction: float = Field(0.0, ge=0, le=1, description="minimum stable load while on, fraction of power_kw [-]")
    standby_kw: float = Field(0.0, ge=0, description="balance-of-plant load while on [kW]")
    start_cost_cny: float = Field(0.0, ge=0, description="cost of one cold start [CNY/start]")
    initially_on: bool = Field(False, description="on before the first step (no start cost to stay on)")
    relax_to_lp: bool = Field(False, description="on/off status continuous in [0, 1] instead of binary (an LP)")

    @property
    def has_status(self) -> bool:
        """True if the model needs the on/off status ``u``."""
        return self.min_load_fraction > 0 or self.standby_kw > 0 or self.start_cost_cny > 0

    def build(self, block: pyo.Block, ctx: BuildContext) -> Ports:
        power = self.power_kw
        block.power_kw = pyo.Var(ctx.steps, bounds=(0.0, power), doc="stack power [kW]")
        ports = Ports(electric=[(-1.0, block.power_kw)], hydrogen=[(1.0 / self.kwh_per_kg, block.power_kw)])
        if not self.has_status:
            return ports
        domain = pyo.UnitInterval if self.relax_to_lp else pyo.Binary
        block.on = pyo.Var(ctx.steps, within=domain, doc="1 while on, 0 while off")
        block.max_load = pyo.Constraint(ctx.steps, rule=lambda b, t: b.power_kw[t] <= power * b.on[t])
        if self.min_load_fraction > 0:
            low = self.min_load_fraction * power
            block.min_load = pyo.Constraint(ctx.steps, rule=lambda b, t: b.power_kw[t] >= low * b.on[t])
        if self.standby_kw > 0:
            ports.electric.append((-self.standby_kw, block.on))
        if self.start_cost_cny > 0:
            before = 1.0 if self.initially_on else 0.0
            block.start = pyo.Var(ctx.steps, bounds=(0.0, 1.0), doc="1 in a step the electrolyser starts")
            block.start_when_switched_on = pyo.Constraint(
                ctx.steps, rule=lambda b, t: b.start[t] >= b.on[t] - (b.on[t - 1] if t else before)
            )
            ports.cost.append((self.start_cost_cny, block.start))
        return ports

    def flows(self, block: pyo.Block, ctx: BuildContext) -> dict[str, np.ndarray]:
        power = values(block.power_kw)
        on = values(block.on) if self.has_status else (power > 0).astype(float)
        return {
            "power_kw": power,
            "standby_kw": self.standby_kw * on,
            "hydrogen_kg_per_h": power / self.kwh_per_kg,
            "on": on,
        }

    def net_injection(self, flows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {ELECTRICITY: -flows["power_kw"] - flows["standby_kw"], HYDROGEN: flows["hydrogen_kg_per_h"]}

    def starts(self, on: np.ndarray) -> np.ndarray:
        """Start indicator per step, max(0, u_t - u_{t-1}) [-]."""
        before = np.concatenate([[1.0 if self.initially_on else 0.0], on[:-1]])
        return np.clip(on - before, 0.0, None)

    def check(self, flows: dict[str, np.ndarray], dt_h: float, tol: float) -> list[str]:
        p, on = flows["power_kw"], flows["on"]
        out = bound_violations(self.name, "power_kw", p, 0.0, self.power_kw, tol)
        if np.abs(flows["hydrogen_kg_per_h"] * self.kwh_per_kg - p).max() > tol:
            out.append(f"{self.name}.hydrogen_kg_per_h is not power_kw / kwh_per_kg")
        if not self.has_status:
            return out
        out += bound_violations(self.name, "on", on, 0.0, 1.0, 1e-6)
        fractional = np.minimum(on, 1.0 - on) > 1e-6
        if not self.relax_to_lp and fractional.any():
            i = int(np.argmax(fractional))
            out.append(f"{self.name}.on = {on[i]:.6g} is not 0 or 1 at step {i}")
        out += bound_violations(self.name, "power_kw", p, self.min_load_fraction * self.power_kw * on,
                                self.power_kw * on, tol)
        if np.abs(flows["standby_kw"] - self.standby_kw * on).max() > tol:
            out.append(f"{self.name}.standby_kw is not standby_kw x on")
        return out

    def cost_cny(self, flows: dict[str, np.ndarray], dt_h: float) -> float:
        return float(self.start_cost_cny * self.starts(flows["on"]).sum())

    def totals(self, flows: dict[str, np.ndarray], dt_h: float) -> dict[str, float]:
        return {"hydrogen_produced_kg": float(dt_h * flows["hydrogen_kg_per_h"].sum()),
                "electrolyser_starts": float(self.starts(flows["on"]).sum()),
                "electrolyser_start_cost_cny": self.cost_cny(flows, dt_h)}
