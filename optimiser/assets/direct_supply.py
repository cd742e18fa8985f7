"""Green-power direct supply (绿电直连): PV / wind plants on a dedicated line to the park.

Notes
-----
The project's plants are pooled on one dedicated line of capacity :math:`L` [kW].
Their available power :math:`a_t = \\sum_k a_{k,t}` [kW] splits into power sent to
the park over the line :math:`s_t` (``self_kw``, self-consumption), power sent to
the public grid through the project's own connection :math:`x_t` (``export_kw``)
and curtailment :math:`a_t - s_t - x_t` (``curtailed_kw``):

.. math::

    s_t + x_t \\le a_t, \\quad 0 \\le s_t \\le L, \\quad 0 \\le x_t \\le X

Bus injection :math:`s_t`. Cost per step :math:`\\Delta t\\,(\\pi^{s}_t s_t - \\pi^{x}_t x_t)`
with the price the park pays the project :math:`\\pi^s` (``energy_price_cny_per_kwh``,
default 0: a park-owned project) and the price the project is paid for export
:math:`\\pi^x` (``export_cny_per_kwh``). Export does not pass through the park's
grid connection, so it is not park export.

Rules (NDRC/NEA 发改能源〔2025〕650号 on green-power direct connection, external to
the seed documents: verify the wording against the notice; each is a scenario
field, ``null`` switches it off). Over the horizon, with available energy
:math:`A = \\sum_t \\Delta t\\, a_t`, self-consumption :math:`S = \\sum_t \\Delta t\\, s_t`,
export :math:`X = \\sum_t \\Delta t\\, x_t` and the park's electricity consumption
:math:`C` (see :mod:`optimiser.targets`):

* ``self_min_fraction_of_available`` :math:`\\alpha` [0.60]: :math:`S \\ge \\alpha A`;
* ``self_min_fraction_of_load`` :math:`\\beta` ["auto": 0.30, 0.35 when the horizon
  starts in 2030 or later]: :math:`S \\ge \\beta C`;
* ``export_max_fraction_of_available`` :math:`\\gamma` [0.20]: :math:`X \\le \\gamma A`;
* ``direct_supply_share_min`` :math:`\\delta` [off; 0.50 is the whitepaper's "in
  principle" share, seed ``001``]: :math:`S \\ge \\delta C`.

The notice's rules are annual; a shorter horizon applies them to that horizon,
which is stricter than the annual rule (see the annual carry-over in the README).
The first and third rules are built here; the two that need the park's
consumption are built by :mod:`optimiser.targets`.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from ..lazy import pyo
from pydantic import BaseModel, ConfigDict, Field

from ..series import NonNegativeSeries
from .base import AssetBase, BuildContext, Ports, bound_violations, values

SELF_MIN_FRACTION_OF_AVAILABLE = 0.60
"""发改能源〔2025〕650号: self-consumed >= 60 % of the project's available generation"""
SELF_MIN_FRACTION_OF_LOAD = 0.30
"""发改能源〔2025〕650号: self-consumed >= 30 % of the load's total consumption (before 2030)"""
SELF_MIN_FRACTION_OF_LOAD_2030 = 0.35
"""发改能源〔2025〕650号: ... >= 35 % from 2030"""
EXPORT_MAX_FRACTION_OF_AVAILABLE = 0.20
"""发改能源〔2025〕650号: electricity sent to the public grid <= 20 % of available generation"""


class DirectSupplyPlant(BaseModel):
    """One PV or wind plant of a direct-supply project."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    technology: Literal["pv", "wind"]
    available_kw: NonNegativeSeries = Field(description="available (uncurtailed) AC power per step [kW]")


class DirectSupplyRules(BaseModel):
    """The direct-connection rules as horizon constraints; null switches a rule off."""

    model_config = ConfigDict(extra="forbid")
    self_min_fraction_of_available: float | None = Field(
        SELF_MIN_FRACTION_OF_AVAILABLE, ge=0, le=1,
        description="self-consumed >= this x available generation [-] (发改能源〔2025〕650号: 0.60)")
    self_min_fraction_of_load: float | Literal["auto"] | None = Field(
        "auto", description="self-consumed >= this x park electricity consumption [-]; 'auto': 0.30, or 0.35 when "
        "the horizon starts in 2030 or later (发改能源〔2025〕650号)")
    export_max_fraction_of_available: float | None = Field(
        EXPORT_MAX_FRACTION_OF_AVAILABLE, ge=0, le=1,
        description="export to the public grid <= this x available generation [-] (发改能源〔2025〕650号: 0.20)")
    direct_supply_share_min: float | None = Field(
        None, ge=0, le=1, description="self-consumed >= this x park electricity consumption [-]; the zero-carbon "
        "park whitepaper (seed 001) asks for 0.50 'in principle'; off by default")

    def load_fraction(self, year: int) -> float | None:
        """The load-share rule for a horizon starting in ``year`` (None if off)."""
        if self.self_min_fraction_of_load == "auto":
            return SELF_MIN_FRACTION_OF_LOAD_2030 if year >= 2030 else SELF_MIN_FRACTION_OF_LOAD
        return self.self_min_fraction_of_load


class DirectSupply(AssetBase):
    """A green-power direct-supply project: plants on a dedicated line to the park (see module doc)."""

    kind: Literal["direct_supply"]
    plants: list[DirectSupplyPlant] = Field(min_length=1, description="PV / wind plants on the line")
    line_limit_kw: float = Field(gt=0, description="capacity of the dedicated line [kW]")
    export_limit_kw: float = Field(0.0, ge=0, description="capacity of the project's own public-grid connection [kW]")
    export_cny_per_kwh: NonNegativeSeries = Field(
        0.0, validate_default=True, description="price paid for the project's export [CNY/kWh]")
    energy_price_cny_per_kwh: NonNegativeSeries = Field(
        0.0, validate_default=True,
        description="price the park pays for direct-supplied electricity [CNY/kWh]; 0 for a park-owned project")
    rules: DirectSupplyRules = Field(default_factory=DirectSupplyRules)

    @property
    def available_kw(self) -> np.ndarray:
        return np.sum([p.available_kw for p in self.plants], axis=0)

    def build(self, block: pyo.Block, ctx: BuildContext) -> Ports:
        available = self.available_kw
        avail = available.tolist()
        block.self_kw = pyo.Var(ctx.steps, bounds=lambda _, t: (0.0, min(avail[t], self.line_limit_kw)),
                                doc="sent to the park over the line [kW]")
        block.export_kw = pyo.Var(ctx.steps, bounds=lambda _, t: (0.0, min(avail[t], self.export_limit_kw)),
                                  doc="sent to the public grid [kW]")
        block.split = pyo.Constraint(ctx.steps, rule=lambda b, t: b.self_kw[t] + b.export_kw[t] <= avail[t],
                                     doc="self + export <= available")
        total = float(available.sum() * ctx.dt_h)
        rules = self.rules
        if rules.self_min_fraction_of_available is not None:
            block.self_min_of_available = pyo.Constraint(
                expr=ctx.dt_h * pyo.quicksum(block.self_kw.values()) >= rules.self_min_fraction_of_available * total,
                doc="self-consumed >= fraction of available generation")
        if rules.export_max_fraction_of_available is not None:
            block.export_max_of_available = pyo.Constraint(
                expr=ctx.dt_h * pyo.quicksum(block.export_kw.values()) <= rules.export_max_fraction_of_available * total,
                doc="export <= fraction of available generation")
        cost = []
        if np.any(self.energy_price_cny_per_kwh):
            cost.append((ctx.dt_h * self.energy_price_cny_per_kwh, block.self_kw))
        if np.any(self.export_cny_per_kwh):
            cost.append((-ctx.dt_h * self.export_cny_per_kwh, block.export_kw))
        return Ports(electric=[(1.0, block.self_kw)], cost=cost)

    def flows(self, block: pyo.Block, ctx: BuildContext) -> dict[str, np.ndarray]:
        available = self.available_kw
        own, export = values(block.self_kw), values(block.export_kw)
        return {"available_kw": available, "self_kw": own, "export_kw": export,
                "curtailed_kw": available - own - export}

    def net_injection_kw(self, flows: dict[str, np.ndarray]) -> np.ndarray:
        return flows["self_kw"]

    def check(self, flows: dict[str, np.ndarray], dt_h: float, tol: float) -> list[str]:
        available = self.available_kw
        out = bound_violations(self.name, "self_kw", flows["self_kw"], 0.0, np.minimum(available, self.line_limit_kw), tol)
        out += bound_violations(self.name, "export_kw", flows["export_kw"], 0.0,
                                np.minimum(available, self.export_limit_kw), tol)
        out += bound_violations(self.name, "self + export", flows["self_kw"] + flows["export_kw"], 0.0, available, tol)
        total = float(available.sum() * dt_h)
        own, export = float(flows["self_kw"].sum() * dt_h), float(flows["export_kw"].sum() * dt_h)
        energy_tol = tol * dt_h * len(available)
        a, g = self.rules.self_min_fraction_of_available, self.rules.export_max_fraction_of_available
        if a is not None and own < a * total - energy_tol:
            out.append(f"{self.name} self-consumes {own:.6g} kWh, below {a:g} x available {total:.6g} kWh")
        if g is not None and export > g * total + energy_tol:
            out.append(f"{self.name} exports {export:.6g} kWh, above {g:g} x available {total:.6g} kWh")
        return out

    def cost_cny(self, flows: dict[str, np.ndarray], dt_h: float) -> float:
        return float(dt_h * (self.energy_price_cny_per_kwh @ flows["self_kw"]
                             - self.export_cny_per_kwh @ flows["export_kw"]))

    def totals(self, flows: dict[str, np.ndarray], dt_h: float) -> dict[str, float]:
        return {"direct_supply_available_kwh": float(flows["available_kw"].sum() * dt_h),
                "direct_supply_self_kwh": float(flows["self_kw"].sum() * dt_h),
                "direct_supply_export_kwh": float(flows["export_kw"].sum() * dt_h),
                "direct_supply_curtailed_kwh": float(flows["curtailed_kw"].sum() * dt_h)}
