"""Fixed heat demand of the park [kW_th]."""

from __future__ import annotations

from typing import Literal

import numpy as np
from ..lazy import pyo
from pydantic import Field

from ..series import NonNegativeSeries
from .base import HEAT, HeatAsset, BuildContext, Ports


class HeatDemand(HeatAsset):
    """Heat demand (space heating, process hot water) that must be met at every step.

    Notes
    -----
    Injection into the heat bus: :math:`-q^D_t` [kW_th]. No variables.
    """

    kind: Literal["heat_demand"]
    demand_kw_th: NonNegativeSeries = Field(description="heat demand per step [kW_th]")

    def build(self, block: pyo.Block, ctx: BuildContext) -> Ports:
        return Ports(heat_fixed_kw_th=-self.demand_kw_th)

    def flows(self, block: pyo.Block, ctx: BuildContext) -> dict[str, np.ndarray]:
        return {"demand_kw_th": np.asarray(self.demand_kw_th)}

    def net_injection(self, flows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {HEAT: -flows["demand_kw_th"]}

    def totals(self, flows: dict[str, np.ndarray], dt_h: float) -> dict[str, float]:
        return {"heat_demand_kwh_th": float(flows["demand_kw_th"].sum() * dt_h)}
