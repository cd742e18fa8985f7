"""Electric heat pump with a constant or time-varying coefficient of performance."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pyomo.environ as pyo
from pydantic import Field, field_validator

from ..series import NonNegativeSeries
from .base import ELECTRICITY, HEAT, AssetBase, BuildContext, Ports, bound_violations, values


class HeatPump(AssetBase):
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
    """

    kind: Literal["heat_pump"]
    capacity_kw_th: float = Field(gt=0, description="maximum heat output [kW_th]")
    cop: NonNegativeSeries = Field(description="coefficient of performance, heat out / electricity in [-]; "
                                               "constant or series, > 0")

    @field_validator("cop")
    @classmethod
    def _positive(cls, cop: np.ndarray) -> np.ndarray:
        if (cop <= 0).any():
            i = int(np.argmax(cop <= 0))
            raise ValueError(f"cop must be > 0; it is {cop[i]:g} at step {i}")
        return cop

    def build(self, block: pyo.Block, ctx: BuildContext) -> Ports:
        block.heat_kw_th = pyo.Var(ctx.steps, bounds=(0.0, self.capacity_kw_th), doc="heat output [kW_th]")
        return Ports(electric=[(-1.0 / self.cop, block.heat_kw_th)], heat=[(1.0, block.heat_kw_th)])

    def flows(self, block: pyo.Block, ctx: BuildContext) -> dict[str, np.ndarray]:
        heat = values(block.heat_kw_th)
        return {"heat_kw_th": heat, "power_kw": heat / self.cop}

    def net_injection(self, flows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {ELECTRICITY: -flows["power_kw"], HEAT: flows["heat_kw_th"]}

    def check(self, flows: dict[str, np.ndarray], dt_h: float, tol: float) -> list[str]:
        out = bound_violations(self.name, "heat_kw_th", flows["heat_kw_th"], 0.0, self.capacity_kw_th, tol)
        gap = np.abs(flows["power_kw"] * self.cop - flows["heat_kw_th"])
        if (gap > tol).any():
            i = int(np.argmax(gap))
            out.append(f"{self.name} draws {flows['power_kw'][i]:.6g} kW at step {i}, which at COP "
                       f"{self.cop[i]:.6g} does not give its heat output {flows['heat_kw_th'][i]:.6g} kW_th")
        return out
