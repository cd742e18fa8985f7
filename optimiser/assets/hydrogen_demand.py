"""Hydrogen offtake (refuelling station, industrial use) that must be met, with optional grey purchase."""

from __future__ import annotations

from typing import Literal

import numpy as np
from ..lazy import pyo
from pydantic import Field

from ..series import NonNegativeSeries
from .base import FuelUse, HYDROGEN, AssetBase, BuildContext, Ports, bound_violations, values

GREY_EMISSION_KG_CO2_PER_KG = 11.2
"""steam methane reforming, life cycle including upstream gas supply [kgCO2/kgH2]"""


class HydrogenDemand(AssetBase):
    """Hydrogen demand met from the hydrogen bus or, if a price is given, by buying grey hydrogen.

    Notes
    -----
    Demand :math:`D_t` [kg/h] (``demand_kg_per_h``). With
    ``grey_purchase_cny_per_kg`` :math:`\\pi^H` set, delivered (grey) hydrogen
    :math:`b_t \\in [0, D_t]` [kg/h] (``bought_kg_per_h``) may cover part of it:

    .. math::

        \\text{injection into the hydrogen bus} = b_t - D_t, \\qquad
        \\text{cost} = \\sum_t \\Delta t\\, b_t\\,(\\pi^H + \\pi^{CO_2} f / 1000)

    with emission factor :math:`f` [kgCO2/kgH2] (``grey_emission_kg_co2_per_kg``)
    and carbon price :math:`\\pi^{CO_2}` [CNY/tCO2]; emissions
    :math:`\\sum_t \\Delta t\\, b_t f / 1000` [tCO2] count in ``emissions_tco2``.
    Without a price, :math:`b_t = 0` and a shortfall makes the model infeasible
    (the report names ``hydrogen_balance``); a price makes it a costed fallback,
    so a too-small electrolyser never leaves the model silently infeasible.

    Default :math:`f` = 11.2 kgCO2e/kgH2: steam methane reforming over its life
    cycle including upstream gas supply, 9.35 from the plants alone (Cho, Strezov
    and Evans, *Energy Reports* 8 (2022) 13585-13595, from US EPA data of 33 SMR
    plants). Hydrogen from coal gasification emits about twice as much: set the
    factor for the actual supply.
    """

    kind: Literal["hydrogen_demand"]
    demand_kg_per_h: NonNegativeSeries = Field(description="hydrogen demand per step [kg/h]")
    grey_purchase_cny_per_kg: float | None = Field(
        None, ge=0, description="price of delivered grey hydrogen covering a shortfall [CNY/kg]; none: no purchase")
    grey_emission_kg_co2_per_kg: float = Field(
        GREY_EMISSION_KG_CO2_PER_KG, ge=0, description="emissions of bought hydrogen [kgCO2/kgH2] (SMR life cycle)")

    def build(self, block: pyo.Block, ctx: BuildContext) -> Ports:
        ports = Ports(hydrogen_fixed_kg_per_h=-self.demand_kg_per_h)
        if self.grey_purchase_cny_per_kg is not None:
            demand = self.demand_kg_per_h.tolist()
            block.bought_kg_per_h = pyo.Var(ctx.steps, bounds=lambda _, t: (0.0, demand[t]),
                                            doc="grey hydrogen bought [kg/h]")
            price = self.grey_purchase_cny_per_kg + ctx.carbon_price_cny_per_tco2 * self.grey_emission_kg_co2_per_kg / 1000
            ports.hydrogen = [(1.0, block.bought_kg_per_h)]
            ports.cost = [(ctx.dt_h * price, block.bought_kg_per_h)]
        return ports

    def fuel_use(self, block: pyo.Block, ctx: BuildContext) -> list[FuelUse]:
        if self.grey_purchase_cny_per_kg is None:
            return []
        return [FuelUse("grey_hydrogen_kg", ctx.dt_h, block.bought_kg_per_h, self.grey_emission_kg_co2_per_kg / 1000.0)]

    def flows(self, block: pyo.Block, ctx: BuildContext) -> dict[str, np.ndarray]:
        demand = np.asarray(self.demand_kg_per_h)
        bought = values(block.bought_kg_per_h) if self.grey_purchase_cny_per_kg is not None else np.zeros_like(demand)
        return {"demand_kg_per_h": demand, "bought_kg_per_h": bought}

    def net_injection(self, flows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {HYDROGEN: flows["bought_kg_per_h"] - flows["demand_kg_per_h"]}

    def check(self, flows: dict[str, np.ndarray], dt_h: float, tol: float) -> list[str]:
        upper = self.demand_kg_per_h if self.grey_purchase_cny_per_kg is not None else 0.0
        return bound_violations(self.name, "bought_kg_per_h", flows["bought_kg_per_h"], 0.0, upper, tol)

    def cost_cny(self, flows: dict[str, np.ndarray], dt_h: float) -> float:
        return float(dt_h * (self.grey_purchase_cny_per_kg or 0.0) * flows["bought_kg_per_h"].sum())

    def emissions_tco2(self, flows: dict[str, np.ndarray], dt_h: float) -> float:
        return float(dt_h * self.grey_emission_kg_co2_per_kg * flows["bought_kg_per_h"].sum() / 1000.0)

    def totals(self, flows: dict[str, np.ndarray], dt_h: float) -> dict[str, float]:
        return {"hydrogen_demand_kg": float(dt_h * flows["demand_kg_per_h"].sum()),
                "hydrogen_bought_kg": float(dt_h * flows["bought_kg_per_h"].sum()),
                "hydrogen_purchase_cny": self.cost_cny(flows, dt_h),
                "grey_hydrogen_emissions_tco2": self.emissions_tco2(flows, dt_h)}
