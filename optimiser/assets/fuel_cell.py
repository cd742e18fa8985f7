"""Hydrogen fuel cell: hydrogen to electricity, with recoverable heat."""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from ..lazy import pyo
from pydantic import Field, model_validator

from .base import ELECTRICITY, HEAT, HYDROGEN, HeatAsset, BuildContext, Ports, bound_violations, values

H2_LHV_KWH_PER_KG = 33.33
"""lower heating value of hydrogen, 120 MJ/kg [kWh/kg]"""


class FuelCell(HeatAsset):
    """Fuel cell (PEM or SOFC) drawing hydrogen from the hydrogen bus.

    Notes
    -----
    Hydrogen use :math:`f_t` [kg/h] (``hydrogen_kg_per_h``), electric output

    .. math::

        p_t = \\eta_e H f_t \\le P \\quad [kW], \\qquad
        0 \\le q_t \\le \\eta_{th} H f_t \\quad [kW_{th}]

    with :math:`H` = 33.33 kWh/kg (lower heating value), electrical efficiency
    :math:`\\eta_e` and heat-recovery efficiency :math:`\\eta_{th}` (both on the
    LHV). The recovered heat :math:`q_t` (``heat_kw_th``) is a decision: heat
    nobody needs is rejected to the air. Injections: :math:`+p_t` into the
    electricity bus, :math:`-f_t` into the hydrogen bus and, only if
    :math:`\\eta_{th} > 0`, :math:`+q_t` into the heat bus.

    Defaults: 50 % electrical (PEM at part load; 40-60 % typical), no heat
    recovery. A combined heat and power unit such as Dezhou's 200 kW fuel cell
    with heat recovery (overall efficiency at least 60 %) sets ``heat_recovery_efficiency``.
    """

    kind: Literal["fuel_cell"]
    supply_flows: ClassVar[tuple[str, ...]] = ("power_kw",)
    fuel_generation: ClassVar[bool] = True
    power_kw: float = Field(gt=0, description="rated electric output [kW]")
    electrical_efficiency: float = Field(0.5, gt=0, le=1, description="electricity out / hydrogen LHV in [-]")
    heat_recovery_efficiency: float = Field(0.0, ge=0, lt=1, description="recoverable heat / hydrogen LHV in [-]")

    @model_validator(mode="after")
    def _energy_conserved(self) -> "FuelCell":
        if self.electrical_efficiency + self.heat_recovery_efficiency > 1:
            raise ValueError(f"electrical_efficiency + heat_recovery_efficiency = "
                             f"{self.electrical_efficiency + self.heat_recovery_efficiency:g} exceeds 1")
        return self

    def uses_heat(self) -> bool:
        return self.heat_recovery_efficiency > 0

    @property
    def kwh_per_kg(self) -> float:
        """Electricity per kg of hydrogen [kWh/kg]."""
        return self.electrical_efficiency * H2_LHV_KWH_PER_KG

    def build(self, block: pyo.Block, ctx: BuildContext) -> Ports:
        block.hydrogen_kg_per_h = pyo.Var(ctx.steps, bounds=(0.0, self.power_kw / self.kwh_per_kg),
                                          doc="hydrogen used [kg/h]")
        ports = Ports(electric=[(self.kwh_per_kg, block.hydrogen_kg_per_h)], hydrogen=[(-1.0, block.hydrogen_kg_per_h)])
        if self.heat_recovery_efficiency > 0:
            heat_per_kg = self.heat_recovery_efficiency * H2_LHV_KWH_PER_KG
            block.heat_kw_th = pyo.Var(ctx.steps, bounds=(0.0, None), doc="recovered heat [kW_th]")
            block.heat_recovery = pyo.Constraint(
                ctx.steps, rule=lambda b, t: b.heat_kw_th[t] <= heat_per_kg * b.hydrogen_kg_per_h[t])
            ports.heat = [(1.0, block.heat_kw_th)]
        return ports

    def supply_terms(self, block: pyo.Block) -> list:
        return [(self.kwh_per_kg, block.hydrogen_kg_per_h)]

    def flows(self, block: pyo.Block, ctx: BuildContext) -> dict[str, np.ndarray]:
        hydrogen = values(block.hydrogen_kg_per_h)
        heat = values(block.heat_kw_th) if self.heat_recovery_efficiency > 0 else np.zeros_like(hydrogen)
        return {"hydrogen_kg_per_h": hydrogen, "power_kw": self.kwh_per_kg * hydrogen, "heat_kw_th": heat}

    def net_injection(self, flows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        out = {ELECTRICITY: flows["power_kw"], HYDROGEN: -flows["hydrogen_kg_per_h"]}
        if self.heat_recovery_efficiency > 0:
            out[HEAT] = flows["heat_kw_th"]
        return out

    def check(self, flows: dict[str, np.ndarray], dt_h: float, tol: float) -> list[str]:
        f, p, q = flows["hydrogen_kg_per_h"], flows["power_kw"], flows["heat_kw_th"]
        out = bound_violations(self.name, "power_kw", p, 0.0, self.power_kw, tol)
        out += bound_violations(self.name, "heat_kw_th", q, 0.0, self.heat_recovery_efficiency * H2_LHV_KWH_PER_KG * f, tol)
        if np.abs(p - self.kwh_per_kg * f).max() > tol:
            out.append(f"{self.name}.power_kw is not electrical_efficiency x LHV x hydrogen_kg_per_h")
        return out

    def totals(self, flows: dict[str, np.ndarray], dt_h: float) -> dict[str, float]:
        return {"fuel_cell_hydrogen_kg": float(dt_h * flows["hydrogen_kg_per_h"].sum())}
