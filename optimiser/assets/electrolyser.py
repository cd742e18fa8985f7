"""Water electrolyser: electricity to hydrogen, with minimum stable load and start-up cost."""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from ..lazy import pyo
from pydantic import Field, model_validator

from .capacity import CapacityLimit
from .base import (ELECTRICITY, HYDROGEN, AssetBase, BuildContext, Exclusive, Ports, Side,
                   bound_violations, values)
from .commitment import Commitment


class Electrolyser(Commitment, AssetBase):
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
    on), a start cost :math:`C` [CNY/start] (``start_cost_cny``) or a minimum up or
    down time (``min_up_hours``, ``min_down_hours``) is set, an on/off status
    :math:`u_t` is added, with start indicator :math:`y_t \\ge 0` if there is a start
    cost or a minimum time:

    .. math::

        m P u_t \\le p_t \\le P u_t, \\qquad y_t \\ge u_t - u_{t-1}, \\qquad
        u_{-1} = \\text{initially\\_on}

    Start indicators, minimum up/down times (rounded up to whole steps) and the status
    before the horizon (``initial_hours_on`` / ``initial_hours_off``) are the shared
    unit-commitment constraints of :mod:`optimiser.assets.commitment`.

    :math:`u_t \\in \\{0, 1\\}` (a MIP), or :math:`u_t \\in [0, 1]` with
    ``relax_to_lp: true`` (an LP whose minimum load and start costs are only
    approximated: a fractional :math:`u_t` lets the stack run below :math:`mP`).
    Injections: :math:`-(p_t + s u_t)` [kW] into the electricity bus, :math:`+h_t`
    into the hydrogen bus. Cost :math:`\\sum_t C y_t`; at the optimum
    :math:`y_t = \\max(0, u_t - u_{t-1})`, which the check recomputes from the
    reported status ``on``.

    Ramp limits (optional ``ramp_kw_per_h`` :math:`R` [kW/h], up and down alike):

    .. math::

        |p_t - p_{t-1}| \\le R\\, \\Delta t, \\qquad p_{-1} = \\text{initial\\_power\\_kw}

    (constraints ``ramp_up`` / ``ramp_down``; without ``initial_power_kw`` the first
    step is free). Starting from off is a ramp too: with a minimum load above
    :math:`R \\Delta t` a cold start is impossible.

    Efficiency curve (optional ``efficiency_curve``: points :math:`(x_i, e_i)` of load
    fraction and specific consumption [kWh/kg], :math:`0 < x_1 < \\dots < x_K = 1`):
    hydrogen is the piecewise-linear production function through :math:`(0, 0)` and
    :math:`(x_i P, x_i P / e_i)` (below :math:`x_1` the consumption is :math:`e_1`),
    modelled with segments :math:`s_{k,t} \\in [0, (x_k - x_{k-1}) P]`:

    .. math::

        p_t = \\sum_k s_{k,t}, \\qquad h_t = \\sum_k g_k s_{k,t}, \\qquad
        g_k = \\frac{x_k / e_k - x_{k-1} / e_{k-1}}{x_k - x_{k-1}} \\ [kg/kWh]

    This LP is exact only if the production function is **concave**
    (:math:`g_1 \\ge g_2 \\ge \\dots`: each further kW yields no more hydrogen than
    the one before, i.e. the marginal kWh/kg does not fall with load): then, as long
    as hydrogen has value, the optimum fills the segments in order and
    :math:`h_t` lies on the curve. A curve whose marginal yield rises with load (a
    convex part, e.g. kWh/kg falling steeply from low load) would let the LP use the
    high-yield segment without the low-yield one: it would need binaries (SOS2) and
    is rejected. If power has no cost at some step (a negative price, or an objective
    such as ``minimise: emissions`` that does not price it) the LP may fill segments out
    of order; an exclusive pair per segment boundary (:mod:`optimiser.binaries`: the room
    left in segment :math:`k`, :math:`w_k - s_{k,t}`, and :math:`s_{k+1,t}` not both
    positive; a binary where a solution used both) keeps :math:`h_t` on the curve under
    every objective (under ``binaries: never`` the check reports it off the curve, exit 5).
    """

    kind: Literal["electrolyser"]
    sizable: ClassVar[tuple[str, ...]] = ("power_kw",)
    power_kw: float = Field(gt=0, description="rated stack power [kW]")
    kwh_per_kg: float = Field(53.0, gt=0, description="electricity per kg of hydrogen at the stack [kWh/kg]")
    min_load_fraction: float = Field(0.0, ge=0, le=1, description="minimum stable load while on, fraction of power_kw [-]")
    standby_kw: float = Field(0.0, ge=0, description="balance-of-plant load while on [kW]")
    relax_to_lp: bool = Field(False, description="on/off status continuous in [0, 1] instead of binary (an LP)")
    ramp_kw_per_h: float | None = Field(None, gt=0, description="most change of stack power per hour, up or down "
                                                                "[kW/h]; none: unlimited")
    initial_power_kw: float | None = Field(None, ge=0, description="stack power before the first step, for the "
                                                                   "ramp limit [kW]; none: first step free")
    efficiency_curve: list[tuple[float, float]] | None = Field(
        None, min_length=1, description="(load fraction, kWh/kg) points, fractions increasing to 1; must give a "
                                        "concave hydrogen production (replaces kwh_per_kg)")

    @model_validator(mode="after")
    def _curve_and_ramp(self) -> "Electrolyser":
        if self.commits and self.min_load_fraction == 0 and self.standby_kw == 0:
            raise ValueError("start_cost_cny, min_up_hours and min_down_hours need min_load_fraction > 0 or "
                             "standby_kw > 0: otherwise the stack can stay on at 0 kW for free and never restart")
        if self.initial_power_kw is not None and self.initial_power_kw > self.power_kw:
            raise ValueError(f"initial_power_kw {self.initial_power_kw:g} exceeds power_kw {self.power_kw:g}")
        curve = self.efficiency_curve
        if curve is None:
            return self
        x = np.array([c[0] for c in curve])
        e = np.array([c[1] for c in curve])
        if (e <= 0).any():
            raise ValueError("efficiency_curve: kWh/kg must be > 0")
        if x[0] <= 0 or (np.diff(x) <= 0).any() or abs(x[-1] - 1.0) > 1e-9:
            raise ValueError("efficiency_curve: load fractions must increase strictly from above 0 to 1")
        gains = self.segment_yields_kg_per_kwh()
        rising = np.diff(gains) > 1e-12
        if rising.any():
            k = int(np.argmax(rising)) + 1
            raise ValueError(
                f"efficiency_curve is not concave: the segment to load {x[k]:g} yields {gains[k]:.6g} kg/kWh, more "
                f"than the one before ({gains[k - 1]:.6g}); an LP cannot model it (it would need binaries)")
        return self

    def breakpoints(self) -> tuple[np.ndarray, np.ndarray]:
        """Stack power [kW] and hydrogen [kg/h] at the efficiency curve's points, starting at (0, 0) (only
        with an ``efficiency_curve``; without one the yield is ``1 / kwh_per_kg`` at every load)."""
        x = np.array([0.0] + [c[0] for c in self.efficiency_curve])
        h = np.array([0.0] + [c[0] / c[1] for c in self.efficiency_curve])
        return x * self.power_kw, h * self.power_kw

    def segment_yields_kg_per_kwh(self) -> np.ndarray:
        """Marginal hydrogen per kWh on each segment of the curve [kg/kWh]."""
        p, h = self.breakpoints()
        return np.diff(h) / np.diff(p)

    def hydrogen_of(self, power_kw: np.ndarray) -> np.ndarray:
        """Hydrogen produced at a stack power, on the curve [kg/h]."""
        p, h = self.breakpoints()
        return np.interp(power_kw, p, h)

    @property
    def has_status(self) -> bool:
        """True if the model needs the on/off status ``u``."""
        return self.min_load_fraction > 0 or self.standby_kw > 0 or self.commits

    def build(self, block: pyo.Block, ctx: BuildContext) -> Ports:
        power = self.power_kw
        block.power_kw = pyo.Var(ctx.steps, bounds=(0.0, power), doc="stack power [kW]")
        if self.efficiency_curve is None:
            ports = Ports(electric=[(-1.0, block.power_kw)], hydrogen=[(1.0 / self.kwh_per_kg, block.power_kw)])
        else:
            widths = np.diff(self.breakpoints()[0])
            gains = self.segment_yields_kg_per_kwh()
            block.segment = pyo.RangeSet(0, len(widths) - 1)
            block.segment_kw = pyo.Var(ctx.steps, block.segment, bounds=lambda _, t, k: (0.0, float(widths[k])),
                                       doc="stack power on each segment of the efficiency curve [kW]")
            block.hydrogen_kg_per_h = pyo.Var(ctx.steps, bounds=(0.0, None), doc="hydrogen output [kg/h]")
            block.power_by_segment = pyo.Constraint(ctx.steps, rule=lambda b, t: b.power_kw[t] == sum(
                b.segment_kw[t, k] for k in b.segment))
            block.hydrogen_by_segment = pyo.Constraint(ctx.steps, rule=lambda b, t: b.hydrogen_kg_per_h[t] == sum(
                float(gains[k]) * b.segment_kw[t, k] for k in b.segment))
            ports = Ports(electric=[(-1.0, block.power_kw)], hydrogen=[(1.0, block.hydrogen_kg_per_h)])
            for k in range(len(widths) - 1):  # in order: segment k + 1 only once segment k is full
                ports.exclusive.append(Exclusive(
                    f"{self.name} segments {k} and {k + 1} in order",
                    Side.of([block.segment_kw[t, k] for t in range(ctx.n)], float(widths[k]), coef=-1.0,
                            constant=float(widths[k])),
                    Side.of([block.segment_kw[t, k + 1] for t in range(ctx.n)], float(widths[k + 1]))))
        if self.ramp_kw_per_h is not None:
            step = self.ramp_kw_per_h * ctx.dt_h
            before = self.initial_power_kw

            def _previous(b, t):
                return b.power_kw[t - 1] if t else before

            block.ramp_up = pyo.Constraint(ctx.steps, rule=lambda b, t: pyo.Constraint.Skip if (
                t == 0 and before is None) else b.power_kw[t] - _previous(b, t) <= step)
            block.ramp_down = pyo.Constraint(ctx.steps, rule=lambda b, t: pyo.Constraint.Skip if (
                t == 0 and before is None) else _previous(b, t) - b.power_kw[t] <= step)
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
        self.add_commitment(block, ctx, ports)
        return ports

    def capacity_limits(self, field: str, dt_h: float) -> list[CapacityLimit]:
        return [CapacityLimit("power_kw", 1.0)]

    def sizing_problem(self, field: str) -> str | None:
        if self.min_load_fraction > 0 or self.efficiency_curve is not None:
            return ("sizing power_kw with a min_load_fraction or an efficiency_curve would multiply the capacity by "
                    "the on/off status or scale the curve's segments (not an LP); size it without them")
        return None

    def flows(self, block: pyo.Block, ctx: BuildContext) -> dict[str, np.ndarray]:
        power = values(block.power_kw)
        on = values(block.on) if self.has_status else (power > 0).astype(float)
        hydrogen = power / self.kwh_per_kg if self.efficiency_curve is None else values(block.hydrogen_kg_per_h)
        return {
            "power_kw": power,
            "standby_kw": self.standby_kw * on,
            "hydrogen_kg_per_h": hydrogen,
            "on": on,
            **self.commitment_flows(block),
        }

    def net_injection(self, flows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {ELECTRICITY: -flows["power_kw"] - flows["standby_kw"], HYDROGEN: flows["hydrogen_kg_per_h"]}

    def check(self, flows: dict[str, np.ndarray], dt_h: float, tol: float) -> list[str]:
        p, on = flows["power_kw"], flows["on"]
        out = bound_violations(self.name, "power_kw", p, 0.0, self.power_kw, tol)
        if self.efficiency_curve is None:
            if np.abs(flows["hydrogen_kg_per_h"] * self.kwh_per_kg - p).max() > tol:
                out.append(f"{self.name}.hydrogen_kg_per_h is not power_kw / kwh_per_kg")
        else:
            gap = np.abs(flows["hydrogen_kg_per_h"] - self.hydrogen_of(p))
            if (gap > tol).any():
                i = int(np.argmax(gap))
                out.append(f"{self.name}.hydrogen_kg_per_h = {flows['hydrogen_kg_per_h'][i]:.6g} at step {i} is off "
                           f"its efficiency curve ({self.hydrogen_of(p)[i]:.6g} at {p[i]:.6g} kW)")
        if self.ramp_kw_per_h is not None:
            step = self.ramp_kw_per_h * dt_h
            previous = np.concatenate([[np.nan if self.initial_power_kw is None else self.initial_power_kw], p[:-1]])
            jump = np.nan_to_num(np.abs(p - previous), nan=0.0)
            if (jump > step + tol).any():
                i = int(np.argmax(jump))
                out.append(f"{self.name}.power_kw changes by {jump[i]:.6g} kW at step {i}, more than the ramp "
                           f"limit {step:.6g} kW per step")
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
        return out + self.commitment_check(flows, dt_h)

    def cost_cny(self, flows: dict[str, np.ndarray], dt_h: float) -> float:
        return self.start_cost(flows["on"])

    def totals(self, flows: dict[str, np.ndarray], dt_h: float) -> dict[str, float]:
        return {"hydrogen_produced_kg": float(dt_h * flows["hydrogen_kg_per_h"].sum()),
                "electrolyser_starts": float(self.starts(flows["on"]).sum()),
                "electrolyser_start_cost_cny": self.cost_cny(flows, dt_h)}
