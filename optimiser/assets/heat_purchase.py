"""Purchased heat or steam: a district-heating or steam supplier's connection to the park.

Notes
-----
Heat bought :math:`q_t \\in [0, Q]` [kW_th] (``heat_kw_th``), injected into the heat bus
(of its ``heat_level``). Per step :math:`\\Delta t\\, q_t \\cdot 0.0036` GJ. Cost
:math:`\\sum_t \\Delta t\\, 0.0036\\, q_t (\\pi_t + \\pi^{CO_2} f)` [CNY] with the price
:math:`\\pi_t` [CNY/GJ] (``price_cny_per_gj``), the carbon price [CNY/tCO2] and the
emission factor :math:`f` [tCO2/GJ]; emissions :math:`\\sum_t \\Delta t\\, 0.0036\\, q_t f`.

Park carbon accounting (seed ``001`` ch. 5): heat counts like electricity, as net
import; purchased fossil heat at its measured factor or the default 0.11 tCO2/GJ,
non-fossil heat (``fossil: false``: industrial waste heat, geothermal, heat pumps on
green power) at 0. TEDA IUEP (seed ``002``): 9,526 GJ with 1,066.91 tCO2, a measured
0.112 tCO2/GJ. The heat enters the park's energy consumption at 1 GJ = 1000 / 29.3076 =
34.12 kgce (calorific, GB/T 2589-2020); non-fossil heat counts as non-fossil energy.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from ..lazy import pyo
from pydantic import Field

from ..series import NonNegativeSeries
from .base import HEAT, MJ_PER_KGCE, BuildContext, FuelUse, HeatAsset, Ports, bound_violations, values

GJ_PER_KWH = 0.0036
"""1 kWh = 3.6 MJ [GJ/kWh]"""
FOSSIL_HEAT_TCO2_PER_GJ = 0.11
"""purchased fossil heat unless measured (park carbon accounting method, seed 001 ch. 5) [tCO2/GJ]"""
HEAT_KGCE_PER_GJ = 1000.0 / MJ_PER_KGCE
"""1 GJ of heat in standard coal (calorific, GB/T 2589-2020) [kgce/GJ]"""


class HeatPurchase(HeatAsset):
    """Heat or steam bought from outside the park, at a price and an emission factor per GJ."""

    kind: Literal["heat_purchase"]
    capacity_kw_th: float = Field(gt=0, description="largest heat import [kW_th]")
    price_cny_per_gj: NonNegativeSeries = Field(0.0, validate_default=True, description="heat price [CNY/GJ]; series")
    fossil: bool = Field(True, description="fossil heat (gas or coal boilers, CHP); false: industrial waste heat, "
                                           "geothermal, heat pumps on green power")
    emission_factor_tco2_per_gj: float | None = Field(
        None, ge=0, description="measured factor [tCO2/GJ]; default 0.11 for fossil heat, 0 for non-fossil (seed 001)")

    @property
    def tco2_per_gj(self) -> float:
        """Emission factor in use [tCO2/GJ]."""
        if self.emission_factor_tco2_per_gj is not None:
            return self.emission_factor_tco2_per_gj
        return FOSSIL_HEAT_TCO2_PER_GJ if self.fossil else 0.0

    def build(self, block: pyo.Block, ctx: BuildContext) -> Ports:
        block.heat_kw_th = pyo.Var(ctx.steps, bounds=(0.0, self.capacity_kw_th), doc="heat bought [kW_th]")
        price = self.price_cny_per_gj + ctx.carbon_price_cny_per_tco2 * self.tco2_per_gj
        ports = Ports(heat=[(1.0, block.heat_kw_th)])
        if np.any(price > 0):
            ports.cost = [(ctx.dt_h * GJ_PER_KWH * price, block.heat_kw_th)]
        return ports

    def fuel_use(self, block: pyo.Block, ctx: BuildContext) -> list[FuelUse]:
        return [FuelUse("heat_gj", ctx.dt_h * GJ_PER_KWH, block.heat_kw_th, self.tco2_per_gj, HEAT_KGCE_PER_GJ,
                        non_fossil=not self.fossil)]

    def flows(self, block: pyo.Block, ctx: BuildContext) -> dict[str, np.ndarray]:
        return {"heat_kw_th": values(block.heat_kw_th)}

    def net_injection(self, flows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {HEAT: flows["heat_kw_th"]}

    def check(self, flows: dict[str, np.ndarray], dt_h: float, tol: float) -> list[str]:
        return bound_violations(self.name, "heat_kw_th", flows["heat_kw_th"], 0.0, self.capacity_kw_th, tol)

    def cost_cny(self, flows: dict[str, np.ndarray], dt_h: float) -> float:
        return float(dt_h * GJ_PER_KWH * np.sum(self.price_cny_per_gj * flows["heat_kw_th"]))

    def emissions_tco2(self, flows: dict[str, np.ndarray], dt_h: float) -> float:
        return float(dt_h * GJ_PER_KWH * flows["heat_kw_th"].sum() * self.tco2_per_gj)

    def totals(self, flows: dict[str, np.ndarray], dt_h: float) -> dict[str, float]:
        gj = float(dt_h * GJ_PER_KWH * flows["heat_kw_th"].sum())
        return {"heat_purchased_gj": gj, "heat_purchase_cny": self.cost_cny(flows, dt_h),
                "heat_purchase_emissions_tco2": self.emissions_tco2(flows, dt_h),
                "non_fossil_heat_purchased_gj": 0.0 if self.fossil else gj}
