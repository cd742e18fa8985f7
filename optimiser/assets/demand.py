"""Fixed electric demand of the park [kW]."""

from __future__ import annotations

from typing import Literal

import numpy as np
from ..lazy import pyo
from pydantic import Field

from ..series import NonNegativeSeries
from .base import AssetBase, BuildContext, Ports


class Demand(AssetBase):
    """Electric demand that must be met at every step.

    Notes
    -----
    Injection into the bus: :math:`-d_t` [kW]. No variables.
    """

    kind: Literal["demand"]
    demand_kw: NonNegativeSeries = Field(description="electric demand per step [kW]")

    def build(self, block: pyo.Block, ctx: BuildContext) -> Ports:
        return Ports(electric_fixed_kw=-self.demand_kw)

    def flows(self, block: pyo.Block, ctx: BuildContext) -> dict[str, np.ndarray]:
        return {"demand_kw": np.asarray(self.demand_kw)}

    def net_injection_kw(self, flows: dict[str, np.ndarray]) -> np.ndarray:
        return -flows["demand_kw"]
