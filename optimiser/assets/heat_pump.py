"""Electric heat pump with a constant or time-varying coefficient of performance."""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from ..lazy import pyo
from pydantic import Field, field_validator

from ..series import NonNegativeSeries
from .capacity import CapacityLimit
from .base import ELECTRICITY, HEAT, BuildContext, HeatAsset, Ports, bound_violations, values


class HeatPump(HeatAsset):
    """Heat pump (air-, ground-, water- or sewage-source) feeding the heat bus.

    Notes
    -----
    Heat output :math:`q_t \\in [0, Q]` [kW_th] (``heat_kw_th``); electricity drawn

    .. math::

        p_t = q_t / \\mathrm{COP}_t \\quad [kW]

    with :math:`\\mathrm{COP}_t > 0` from ``cop`` (a constant, or a series computed
    from source and sink temperatures, e.g. in ``forecasts/``). Injections:
    :math:`-p_t` into the electricity bus, :math:`+q_t` into the heat bus. The
    capacity is the heat output; its dependence on the source temperature is not
    modelled.

    Source limit (optional ``source_limit_kw_th`` = :math:`S` [kW_th]): the heat
    drawn from the source (a geothermal well loop, sewage, ground) is heat out
    minus electricity in,

    .. math::

        q^{src}_t = q_t - p_t = q_t\\,(1 - 1/\\mathrm{COP}_t) \\le S \\quad [kW_{th}]

    (constraint ``source_limit``, reported as ``source_kw_th``). For a deep closed-loop
    geothermal well, :math:`S = \\dot m\\, c_p\\, (T_{out} - T_{in})`: e.g. Dezhou's
    1,500-2,000 m wells with tail water cascaded 35 -> 25 C give
    :math:`S` = 41.8 kW_th per kg/s (11.6 kW_th per m3/h) of loop flow (:math:`c_p` = 4.18 kJ/(kg K), 10 K).
    The COP series may come from ``forecasts.heatpump.cop_series`` (source and sink
    temperatures). A step with COP <= 1 draws nothing from the source.
    """

    kind: Literal["heat_pump"]
    sizable: ClassVar[tuple[str, ...]] = ("capacity_kw_th",)
    capacity_kw_th: float = Field(gt=0, description="maximum heat output [kW_th]")
    cop: NonNegativeSeries = Field(description="coefficient of performance, heat out / electricity in [-]; "
                                               "constant or series, > 0")
    source_limit_kw_th: float | None = Field(
        None, gt=0, description="most heat drawn from the source per step, heat x (1 - 1/COP) [kW_th] "
                                "(e.g. a geothermal well's capacity); none: unlimited")
    max_supply_temperature_c: float | None = Field(
        None, description="highest supply temperature [C] (about 55-60 for standard units, 90-120 for "
                          "high-temperature ones): with heat_levels it may feed only a level at most this hot")

    @field_validator("cop")
    @classmethod
    def _positive(cls, cop: np.ndarray) -> np.ndarray:
        if (cop <= 0).any():
            i = int(np.argmax(cop <= 0))
            raise ValueError(f"cop must be > 0; it is {cop[i]:g} at step {i}")
        return cop

    def build(self, block: pyo.Block, ctx: BuildContext) -> Ports:
        block.heat_kw_th = pyo.Var(ctx.steps, bounds=(0.0, self.capacity_kw_th), doc="heat output [kW_th]")
        if self.source_limit_kw_th is not None:
            drawn = 1.0 - 1.0 / self.cop
            limit = self.source_limit_kw_th
            block.source_limit = pyo.Constraint(
                ctx.steps, rule=lambda b, t: (drawn[t] * b.heat_kw_th[t] <= limit) if drawn[t] > 0
                else pyo.Constraint.Skip)
        return Ports(electric=[(-1.0 / self.cop, block.heat_kw_th)], heat=[(1.0, block.heat_kw_th)])

    def capacity_limits(self, field: str, dt_h: float) -> list[CapacityLimit]:
        return [CapacityLimit("heat_kw_th", 1.0)]

    def flows(self, block: pyo.Block, ctx: BuildContext) -> dict[str, np.ndarray]:
        heat = values(block.heat_kw_th)
        out = {"heat_kw_th": heat, "power_kw": heat / self.cop}
        if self.source_limit_kw_th is not None:
            out["source_kw_th"] = heat - out["power_kw"]
        return out

    def net_injection(self, flows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {ELECTRICITY: -flows["power_kw"], HEAT: flows["heat_kw_th"]}

    def check(self, flows: dict[str, np.ndarray], dt_h: float, tol: float) -> list[str]:
        out = bound_violations(self.name, "heat_kw_th", flows["heat_kw_th"], 0.0, self.capacity_kw_th, tol)
        gap = np.abs(flows["power_kw"] * self.cop - flows["heat_kw_th"])
        if (gap > tol).any():
            i = int(np.argmax(gap))
            out.append(f"{self.name} draws {flows['power_kw'][i]:.6g} kW at step {i}, which at COP "
                       f"{self.cop[i]:.6g} does not give its heat output {flows['heat_kw_th'][i]:.6g} kW_th")
        if self.source_limit_kw_th is not None:
            source = flows["heat_kw_th"] - flows["power_kw"]
            if np.abs(flows["source_kw_th"] - source).max() > tol:
                out.append(f"{self.name}.source_kw_th is not heat_kw_th - power_kw")
            out += bound_violations(self.name, "source_kw_th", source, -np.inf, self.source_limit_kw_th, tol)
        return out
