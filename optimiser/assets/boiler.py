"""Boilers: electric (resistive or electrode) and natural gas.

Notes
-----
Both have a heat output :math:`q_t \\in [0, Q]` [kW_th] (``heat_kw_th``) injected into
the heat bus and a fuel input of :math:`q_t / \\eta`:

* ``electric_boiler``: electricity :math:`p_t = q_t / \\eta` [kW] drawn from the
  electricity bus;
* ``gas_boiler``: natural gas :math:`v_t = q_t / (\\eta\\, H)` [m3/h] with lower
  heating value :math:`H` [kWh/m3]; cost per step
  :math:`\\Delta t\\, v_t (\\pi^{gas}_t + \\pi^{CO_2} e)` with gas price
  :math:`\\pi^{gas}_t` [CNY/m3], carbon price [CNY/tCO2] and emission factor
  :math:`e` [tCO2/m3]; emissions :math:`\\sum_t \\Delta t\\, v_t e` [tCO2] count in
  ``emissions_tco2``.

Default gas properties: the Chinese national method (enterprise GHG accounting
guidelines, NDRC 2013-2015, as used by the park carbon accounting of seed ``001``):
lower heating value 389.31 GJ per 10^4 Nm3 (38.931 MJ/m3 = 10.814 kWh/m3), carbon
content 15.32 tC/TJ, oxidation 99 %:
:math:`e = 0.038931 \\times 15.32 \\times 10^{-3} \\times 0.99 \\times 44/12 = 0.002165\\ \\text{tCO}_2/\\text{m}^3`
(verify against the guideline you report under). The energy of the gas in tce follows
from the same heating value: 38.931 / 29.3076 = 1.3284 kgce/m3 (GB/T 2589-2020 gives a
range of 1.1000-1.3300 with the reference 1.2143 kgce/m3 at 35.588 MJ/m3). For the IPCC
2006 default (56.1 tCO2/TJ) at 35.9 MJ/m3 set ``lhv_kwh_per_m3: 9.97`` and
``emission_factor_tco2_per_m3: 0.002014`` together.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from ..lazy import pyo
from pydantic import Field

from ..series import NonNegativeSeries
from .base import MJ_PER_KGCE, FuelUse, ELECTRICITY, HEAT, HeatAsset, BuildContext, Ports, bound_violations, values

GAS_LHV_MJ_PER_M3 = 38.931
"""national method default lower heating value of natural gas, 389.31 GJ/10^4 Nm3 [MJ/m3]"""
GAS_LHV_KWH_PER_M3 = GAS_LHV_MJ_PER_M3 / 3.6
"""the same in kWh/m3 (10.814)"""
GAS_EMISSION_FACTOR_TCO2_PER_M3 = round(GAS_LHV_MJ_PER_M3 * 1e-3 * 15.32e-3 * 0.99 * 44.0 / 12.0, 7)
"""national method: 389.31 GJ/10^4 Nm3 x 15.32 tC/TJ x 99 % oxidation x 44/12 = 0.002165 [tCO2/m3]"""


def gas_kgce_per_m3(lhv_kwh_per_m3: float) -> float:
    """Energy of one m3 of gas in standard coal from its heating value [kgce/m3]."""
    return lhv_kwh_per_m3 * 3.6 / MJ_PER_KGCE


class _Boiler(HeatAsset):
    """Heat output within a capacity, from fuel at a constant efficiency."""

    capacity_kw_th: float = Field(gt=0, description="maximum heat output [kW_th]")
    efficiency: float = Field(gt=0, le=1, description="heat out / fuel energy in [-]")

    def build(self, block: pyo.Block, ctx: BuildContext) -> Ports:
        block.heat_kw_th = pyo.Var(ctx.steps, bounds=(0.0, self.capacity_kw_th), doc="heat output [kW_th]")
        return Ports(heat=[(1.0, block.heat_kw_th)])

    def check(self, flows: dict[str, np.ndarray], dt_h: float, tol: float) -> list[str]:
        return bound_violations(self.name, "heat_kw_th", flows["heat_kw_th"], 0.0, self.capacity_kw_th, tol)


class ElectricBoiler(_Boiler):
    """Electric (resistive or electrode) boiler: electricity in, heat out."""

    kind: Literal["electric_boiler"]
    efficiency: float = Field(0.99, gt=0, le=1, description="heat out / electricity in [-]")

    def build(self, block: pyo.Block, ctx: BuildContext) -> Ports:
        ports = super().build(block, ctx)
        ports.electric = [(-1.0 / self.efficiency, block.heat_kw_th)]
        return ports

    def flows(self, block: pyo.Block, ctx: BuildContext) -> dict[str, np.ndarray]:
        heat = values(block.heat_kw_th)
        return {"heat_kw_th": heat, "power_kw": heat / self.efficiency}

    def net_injection(self, flows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {ELECTRICITY: -flows["power_kw"], HEAT: flows["heat_kw_th"]}

    def check(self, flows: dict[str, np.ndarray], dt_h: float, tol: float) -> list[str]:
        out = super().check(flows, dt_h, tol)
        gap = np.abs(flows["power_kw"] * self.efficiency - flows["heat_kw_th"])
        if (gap > tol).any():
            i = int(np.argmax(gap))
            out.append(f"{self.name} electricity {flows['power_kw'][i]:.6g} kW does not match its heat "
                       f"{flows['heat_kw_th'][i]:.6g} kW_th at step {i}")
        return out


class GasBoiler(_Boiler):
    """Natural-gas boiler: gas bought at a price, its CO2 counted and priced."""

    kind: Literal["gas_boiler"]
    efficiency: float = Field(0.92, gt=0, le=1, description="heat out / gas energy in (lower heating value) [-]")
    gas_price_cny_per_m3: NonNegativeSeries = Field(description="natural gas price [CNY/m3]; constant or series")
    emission_factor_tco2_per_m3: float = Field(
        GAS_EMISSION_FACTOR_TCO2_PER_M3, ge=0, description="CO2 from burning one m3 of gas [tCO2/m3] (national method default)")
    lhv_kwh_per_m3: float = Field(GAS_LHV_KWH_PER_M3, gt=0, description="lower heating value of the gas [kWh/m3]")

    def gas_per_heat(self) -> float:
        """Gas burnt per kWh_th of heat [m3/kWh_th]."""
        return 1.0 / (self.efficiency * self.lhv_kwh_per_m3)

    def build(self, block: pyo.Block, ctx: BuildContext) -> Ports:
        ports = super().build(block, ctx)
        price = self.gas_price_cny_per_m3 + ctx.carbon_price_cny_per_tco2 * self.emission_factor_tco2_per_m3
        ports.cost = [(ctx.dt_h * self.gas_per_heat() * price, block.heat_kw_th)]
        return ports

    def fuel_use(self, block: pyo.Block, ctx: BuildContext) -> list[FuelUse]:
        return [FuelUse("gas_m3", ctx.dt_h * self.gas_per_heat(), block.heat_kw_th, self.emission_factor_tco2_per_m3,
                        gas_kgce_per_m3(self.lhv_kwh_per_m3))]

    def flows(self, block: pyo.Block, ctx: BuildContext) -> dict[str, np.ndarray]:
        heat = values(block.heat_kw_th)
        return {"heat_kw_th": heat, "gas_m3_per_h": heat * self.gas_per_heat()}

    def net_injection(self, flows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {HEAT: flows["heat_kw_th"]}

    def check(self, flows: dict[str, np.ndarray], dt_h: float, tol: float) -> list[str]:
        out = super().check(flows, dt_h, tol)
        energy = flows["gas_m3_per_h"] * self.lhv_kwh_per_m3 * self.efficiency
        gap = np.abs(energy - flows["heat_kw_th"])
        if (gap > tol).any():
            i = int(np.argmax(gap))
            out.append(f"{self.name} burns {flows['gas_m3_per_h'][i]:.6g} m3/h at step {i}, which does not give "
                       f"its heat {flows['heat_kw_th'][i]:.6g} kW_th")
        return out

    def cost_cny(self, flows: dict[str, np.ndarray], dt_h: float) -> float:
        return float(dt_h * (self.gas_price_cny_per_m3 @ flows["gas_m3_per_h"]))

    def emissions_tco2(self, flows: dict[str, np.ndarray], dt_h: float) -> float:
        return float(dt_h * self.emission_factor_tco2_per_m3 * flows["gas_m3_per_h"].sum())

    def totals(self, flows: dict[str, np.ndarray], dt_h: float) -> dict[str, float]:
        return {"gas_m3": float(dt_h * flows["gas_m3_per_h"].sum()), "gas_cost_cny": self.cost_cny(flows, dt_h),
                "gas_emissions_tco2": self.emissions_tco2(flows, dt_h)}
