"""Waste (or surplus) heat source: industrial process heat, data-centre heat, geothermal tail water.

Notes
-----
Heat taken :math:`q_t` [kW_th] (``heat_kw_th``) up to the heat available
:math:`A_t` [kW_th] (``available_kw_th``, a series):

.. math::

    0 \\le q_t \\le A_t, \\qquad c_t = A_t - q_t \\ (\\text{curtailed, } \\ge 0)

Injection :math:`+q_t` into the heat bus; heat not taken (``curtailed_kw_th``) is
rejected by its owner. Cost :math:`\\sum_t \\Delta t\\, \\pi_t q_t` [CNY] with an
optional price :math:`\\pi_t` [CNY/kWh_th] (``cost_cny_per_kwh_th``, default 0; a
heat purchase contract, or pumping cost). No emissions are attributed to it
(recovered heat counts as non-fossil in the park carbon accounting). Examples: TEDA's
industrial waste heat, a cascade stage on geothermal tail water (35 -> 25 C).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from ..lazy import pyo
from pydantic import Field

from ..series import NonNegativeSeries
from .base import HEAT, HeatAsset, BuildContext, Ports, bound_violations, values


class WasteHeat(HeatAsset):
    """A curtailable heat source: use up to what is available each step."""

    kind: Literal["waste_heat"]
    available_kw_th: NonNegativeSeries = Field(description="heat available [kW_th]; constant or series")
    cost_cny_per_kwh_th: NonNegativeSeries = Field(0.0, validate_default=True,
                                                   description="price of heat taken [CNY/kWh_th]; "
                                                                    "constant or series")
    max_supply_temperature_c: float | None = Field(
        None, description="temperature of the heat [C]: with heat_levels it may feed only a level at most this hot")

    def build(self, block: pyo.Block, ctx: BuildContext) -> Ports:
        available = self.available_kw_th
        block.heat_kw_th = pyo.Var(ctx.steps, bounds=lambda _, t: (0.0, float(available[t])),
                                   doc="heat taken [kW_th]")
        ports = Ports(heat=[(1.0, block.heat_kw_th)])
        if np.any(self.cost_cny_per_kwh_th > 0):
            ports.cost = [(ctx.dt_h * self.cost_cny_per_kwh_th, block.heat_kw_th)]
        return ports

    def flows(self, block: pyo.Block, ctx: BuildContext) -> dict[str, np.ndarray]:
        heat = values(block.heat_kw_th)
        available = np.broadcast_to(self.available_kw_th, heat.shape).astype(float)
        return {"heat_kw_th": heat, "available_kw_th": available, "curtailed_kw_th": available - heat}

    def net_injection(self, flows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {HEAT: flows["heat_kw_th"]}

    def check(self, flows: dict[str, np.ndarray], dt_h: float, tol: float) -> list[str]:
        heat = flows["heat_kw_th"]
        out = bound_violations(self.name, "heat_kw_th", heat, 0.0, self.available_kw_th, tol)
        if np.abs(flows["available_kw_th"] - self.available_kw_th).max() > tol:
            out.append(f"{self.name}.available_kw_th is not the input series")
        if np.abs(flows["curtailed_kw_th"] - (self.available_kw_th - heat)).max() > tol:
            out.append(f"{self.name}.curtailed_kw_th is not available_kw_th - heat_kw_th")
        return out

    def cost_cny(self, flows: dict[str, np.ndarray], dt_h: float) -> float:
        return float(dt_h * np.sum(self.cost_cny_per_kwh_th * flows["heat_kw_th"]))

    def totals(self, flows: dict[str, np.ndarray], dt_h: float) -> dict[str, float]:
        return {"waste_heat_kwh_th": float(dt_h * flows["heat_kw_th"].sum()),
                "waste_heat_curtailed_kwh_th": float(dt_h * flows["curtailed_kw_th"].sum())}
