"""Gas combined heat and power (CHP) unit with a convex feasible operating region.

Notes
-----
The operating region is the convex polygon in the (electric kW, heat kW_th) plane
spanned by its vertices :math:`v = 1..V` (``vertices``: ``power_kw`` :math:`P_v`,
``heat_kw_th`` :math:`Q_v` and gas energy in ``fuel_kw`` :math:`F_v` [kW, lower
heating value], e.g. from the manufacturer's P-Q chart: an extraction-condensing
turbine is a quadrilateral, a back-pressure unit a segment, a gas engine with a
heat-dump radiator a triangle). Weights :math:`w_{v,t} \\ge 0` (``weight_<v>``)
give

.. math::

    p_t = \\sum_v w_{v,t} P_v, \\quad q_t = \\sum_v w_{v,t} Q_v, \\quad
    f_t = \\sum_v w_{v,t} F_v, \\qquad \\sum_v w_{v,t} = u_t

with :math:`u_t \\in \\{0, 1\\}` (``on``) if ``on_off`` (a MIP: off, or anywhere in
the region), else :math:`u_t = 1` (an LP: always at some point of the region;
put the vertex (0, 0, 0) in to let it switch off, which also lets it run at any
mix of off and a vertex, i.e. below the minimum load). Fuel is linear in the
weights, so it is exact when fuel use is an affine function of (p, q) over the
region (three vertices always are); with more vertices whose fuel points are not
coplanar the LP uses the lower convex envelope (the cheapest mix), which is right
when the real fuel surface is convex. Every vertex must be a corner of the convex
hull (no duplicate, interior or collinear points: they would make the mix
ambiguous).

Gas :math:`v_t = f_t / H` [m3/h] with lower heating value :math:`H` [kWh/m3]; cost
per step :math:`\\Delta t\\, v_t (\\pi^{gas}_t + \\pi^{CO_2} e)` and emissions
:math:`\\sum_t \\Delta t\\, v_t e` [tCO2], with the gas price, emission factor and
heating value defaults of ``gas_boiler`` (:mod:`optimiser.assets.boiler`).
Injections: :math:`+p_t` [kW] into the electricity bus, :math:`+q_t` [kW_th] into the
heat bus (the heat is a result of the operating point: heat rejection must be in the
region, e.g. a vertex with lower heat).

Unit commitment (only with ``on_off: true``; any of these fields without it is a
validation error naming the field): ``start_cost_cny`` :math:`C` per start,
``min_up_hours`` / ``min_down_hours`` (rounded up to whole steps :math:`U`, :math:`D`) and
the status before the horizon (``initially_on``, ``initial_hours_on`` or
``initial_hours_off``), through :mod:`optimiser.assets.commitment`: start indicator
:math:`y_t \\ge u_t - u_{t-1}` (:math:`u_{-1}` = ``initially_on``), with a minimum
down time :math:`u_t - u_{t-1} = y_t - z_t` with stop indicator :math:`z_t`, and

.. math::

    \\sum_{\\tau=t-U+1}^{t} y_\\tau \\le u_t, \\qquad \\sum_{\\tau=t-D+1}^{t} z_\\tau \\le 1 - u_t

A unit on for ``initial_hours_on`` hours before the horizon stays on for the rest of its
minimum up time, :math:`u_t = 1` for :math:`t < \\lceil \\max(0, \\text{min\\_up\\_hours} -
\\text{initial\\_hours\\_on}) / \\Delta t \\rceil` (likewise off with ``initial_hours_off``);
without them nothing carries over. The windows only look back: a run started near the end
of the horizon may be cut by it.
Cost per horizon: the gas above plus :math:`\\sum_t C y_t` (``chp_starts`` and
``chp_start_cost_cny`` in the totals; ``gas_cost_cny`` stays the gas alone).
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from ..lazy import pyo
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..series import NonNegativeSeries
from .base import FuelUse, ELECTRICITY, HEAT, HeatAsset, BuildContext, Ports, bound_violations, values
from .boiler import GAS_EMISSION_FACTOR_TCO2_PER_M3, GAS_LHV_KWH_PER_M3, gas_kgce_per_m3
from .commitment import COMMITMENT_FIELDS, Commitment


class ChpVertex(BaseModel):
    """One corner of the operating region."""

    model_config = ConfigDict(extra="forbid")
    power_kw: float = Field(ge=0, description="electric output [kW]")
    heat_kw_th: float = Field(ge=0, description="useful heat output [kW_th]")
    fuel_kw: float = Field(ge=0, description="gas energy in, lower heating value [kW]")


def _cross(o, a, b) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def hull_corners(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Corners of the convex hull of 2-D points (Andrew's monotone chain, collinear points dropped)."""
    pts = sorted(set(points))
    if len(pts) <= 2:
        return pts
    lower: list = []
    upper: list = []
    for p in pts:
        while len(lower) >= 2 and _cross(lower[-2], lower[-1], p) <= 1e-9:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and _cross(upper[-2], upper[-1], p) <= 1e-9:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


class CHP(Commitment, HeatAsset):
    """Gas CHP: a convex (electric, heat) operating region with fuel linear in the mix of its vertices."""

    kind: Literal["chp"]
    supply_flows: ClassVar[tuple[str, ...]] = ("power_kw",)
    fuel_generation: ClassVar[bool] = True
    vertices: list[ChpVertex] = Field(min_length=1, description="corners of the convex operating region")
    on_off: bool = Field(False, description="on/off binary: weights sum to on (MIP); else they sum to 1 (LP)")
    gas_price_cny_per_m3: NonNegativeSeries = Field(description="natural gas price [CNY/m3]; constant or series")
    emission_factor_tco2_per_m3: float = Field(
        GAS_EMISSION_FACTOR_TCO2_PER_M3, ge=0, description="CO2 from burning one m3 of gas [tCO2/m3] (national method default)")
    lhv_kwh_per_m3: float = Field(GAS_LHV_KWH_PER_M3, gt=0, description="lower heating value of the gas [kWh/m3]")

    @model_validator(mode="after")
    def _convex_polygon(self) -> "CHP":
        points = [(v.power_kw, v.heat_kw_th) for v in self.vertices]
        if len(set(points)) < len(points):
            raise ValueError("vertices has a repeated (power_kw, heat_kw_th) point")
        corners = set(hull_corners(points))
        inner = [i for i, p in enumerate(points) if p not in corners]
        if inner:
            raise ValueError(f"vertices {inner} are not corners of the convex operating region "
                             "(inside it or on an edge); drop them")
        return self

    @model_validator(mode="after")
    def _commitment_needs_on_off(self) -> "CHP":
        if self.on_off and any(v.power_kw == v.heat_kw_th == v.fuel_kw == 0 for v in self.vertices):
            raise ValueError("vertices has the point (0, 0, 0) with on_off: true: the unit could be 'on' at no "
                             "output for free, which defeats its status, start cost and minimum times; drop the "
                             "point (off is status 0)")
        if not self.on_off:
            for name in COMMITMENT_FIELDS:
                if name in self.model_fields_set:
                    raise ValueError(f"{name} needs on_off: true (without it the CHP has no on/off status)")
        return self

    @property
    def weight_names(self) -> list[str]:
        return [f"weight_{v}" for v in range(len(self.vertices))]

    def build(self, block: pyo.Block, ctx: BuildContext) -> Ports:
        n_v = len(self.vertices)
        block.vertex = pyo.RangeSet(0, n_v - 1)
        block.weight = pyo.Var(ctx.steps, block.vertex, bounds=(0.0, 1.0), doc="weight of each vertex [-]")
        p_max = max(v.power_kw for v in self.vertices)
        q_max = max(v.heat_kw_th for v in self.vertices)
        block.power_kw = pyo.Var(ctx.steps, bounds=(0.0, p_max), doc="electric output [kW]")
        block.heat_kw_th = pyo.Var(ctx.steps, bounds=(0.0, q_max), doc="heat output [kW_th]")
        block.fuel_kw = pyo.Var(ctx.steps, bounds=(0.0, None), doc="gas energy in [kW]")
        vs = self.vertices
        block.power_mix = pyo.Constraint(ctx.steps, rule=lambda b, t: b.power_kw[t] == sum(
            vs[v].power_kw * b.weight[t, v] for v in b.vertex))
        block.heat_mix = pyo.Constraint(ctx.steps, rule=lambda b, t: b.heat_kw_th[t] == sum(
            vs[v].heat_kw_th * b.weight[t, v] for v in b.vertex))
        block.fuel_mix = pyo.Constraint(ctx.steps, rule=lambda b, t: b.fuel_kw[t] == sum(
            vs[v].fuel_kw * b.weight[t, v] for v in b.vertex))
        if self.on_off:
            block.on = pyo.Var(ctx.steps, within=pyo.Binary, doc="1 while on, 0 while off")
            block.convex = pyo.Constraint(ctx.steps, rule=lambda b, t: sum(b.weight[t, v] for v in b.vertex) == b.on[t])
        else:
            block.convex = pyo.Constraint(ctx.steps, rule=lambda b, t: sum(b.weight[t, v] for v in b.vertex) == 1.0)
        price = self.gas_price_cny_per_m3 + ctx.carbon_price_cny_per_tco2 * self.emission_factor_tco2_per_m3
        ports = Ports(electric=[(1.0, block.power_kw)], heat=[(1.0, block.heat_kw_th)],
                      cost=[(ctx.dt_h * price / self.lhv_kwh_per_m3, block.fuel_kw)])
        if self.on_off:
            self.add_commitment(block, ctx, ports)
        return ports

    def fuel_use(self, block: pyo.Block, ctx: BuildContext) -> list[FuelUse]:
        return [FuelUse("gas_m3", ctx.dt_h / self.lhv_kwh_per_m3, block.fuel_kw, self.emission_factor_tco2_per_m3,
                        gas_kgce_per_m3(self.lhv_kwh_per_m3))]

    def flows(self, block: pyo.Block, ctx: BuildContext) -> dict[str, np.ndarray]:
        out = {"power_kw": values(block.power_kw), "heat_kw_th": values(block.heat_kw_th)}
        fuel = values(block.fuel_kw)
        out["fuel_kw"] = fuel
        out["gas_m3_per_h"] = fuel / self.lhv_kwh_per_m3
        for v, name in enumerate(self.weight_names):
            out[name] = np.array([block.weight[t, v].value for t in ctx.steps], dtype=float)
        out["on"] = values(block.on) if self.on_off else np.ones(ctx.n)
        out.update(self.commitment_flows(block))
        return out

    def net_injection(self, flows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {ELECTRICITY: flows["power_kw"], HEAT: flows["heat_kw_th"]}

    def check(self, flows: dict[str, np.ndarray], dt_h: float, tol: float) -> list[str]:
        w = np.array([flows[name] for name in self.weight_names])
        on = flows["on"]
        out = bound_violations(self.name, "weights", w.ravel(), 0.0, np.inf, 1e-6)
        if self.on_off:
            fractional = np.minimum(on, 1.0 - on) > 1e-6
            if fractional.any():
                out.append(f"{self.name}.on = {on[int(np.argmax(fractional))]:.6g} is not 0 or 1")
            out += self.commitment_check(flows, dt_h)
        elif np.abs(on - 1.0).max() > 1e-9:
            out.append(f"{self.name}.on is not 1 without on_off")
        gap = np.abs(w.sum(axis=0) - on)
        if (gap > 1e-6).any():
            out.append(f"{self.name} weights sum to {w.sum(axis=0)[int(np.argmax(gap))]:.6g}, not on, "
                       f"at step {int(np.argmax(gap))}")
        for label, attr in (("power_kw", "power_kw"), ("heat_kw_th", "heat_kw_th"), ("fuel_kw", "fuel_kw")):
            mix = np.array([getattr(v, attr) for v in self.vertices]) @ w
            err = np.abs(flows[label] - mix)
            if (err > tol).any():
                i = int(np.argmax(err))
                out.append(f"{self.name}.{label} = {flows[label][i]:.6g} at step {i} is not the mix of its vertices "
                           f"({mix[i]:.6g})")
        if np.abs(flows["gas_m3_per_h"] * self.lhv_kwh_per_m3 - flows["fuel_kw"]).max() > tol:
            out.append(f"{self.name}.gas_m3_per_h is not fuel_kw / lhv_kwh_per_m3")
        return out

    def gas_cost_cny(self, flows: dict[str, np.ndarray], dt_h: float) -> float:
        """Gas bought over the horizon, without the carbon price [CNY]."""
        return float(dt_h * np.sum(self.gas_price_cny_per_m3 * flows["gas_m3_per_h"]))

    def chp_starts(self, flows: dict[str, np.ndarray]) -> float:
        """Starts recounted from the status, rounded where within 1e-6 of 0 or 1 (a relaxed status under
        ``solver.binaries: never`` is kept); none without on_off: it always runs."""
        if not self.on_off:
            return 0.0
        on, nearest = flows["on"], np.round(flows["on"])
        return float(self.starts(np.where(np.abs(on - nearest) <= 1e-6, nearest, on)).sum())

    def cost_cny(self, flows: dict[str, np.ndarray], dt_h: float) -> float:
        return self.gas_cost_cny(flows, dt_h) + self.start_cost_cny * self.chp_starts(flows)

    def emissions_tco2(self, flows: dict[str, np.ndarray], dt_h: float) -> float:
        return float(dt_h * self.emission_factor_tco2_per_m3 * flows["gas_m3_per_h"].sum())

    def totals(self, flows: dict[str, np.ndarray], dt_h: float) -> dict[str, float]:
        starts = self.chp_starts(flows)
        return {"gas_m3": float(dt_h * flows["gas_m3_per_h"].sum()), "gas_cost_cny": self.gas_cost_cny(flows, dt_h),
                "gas_emissions_tco2": self.emissions_tco2(flows, dt_h),
                "chp_power_kwh": float(dt_h * flows["power_kw"].sum()),
                "chp_starts": starts, "chp_start_cost_cny": self.start_cost_cny * starts}
