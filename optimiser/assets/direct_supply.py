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
:math:`\\pi^x` (``export_cny_per_kwh``).

Power sent to the park that leaves it again through the park's grid connection is
still the project's export, not its self-consumption: the park's export is split per
step into a direct-supply part :math:`r_t` and the rest (:mod:`optimiser.direct_rules`,
which also builds and checks the rules below, since they need park-level flows).

Rules (NDRC/NEA 发改能源〔2025〕650号 on green-power direct connection, external to
the seed documents: verify the wording against the notice; each is a scenario
field, ``null`` switches it off). Annual, per project, with available energy
:math:`A = \\sum_t \\Delta t\\, a_t`, self-consumption :math:`S = \\sum_t \\Delta t\\,(s_t - r_t)`,
export :math:`X = \\sum_t \\Delta t\\,(x_t + r_t)` and the park's electricity consumption
:math:`C` (see :mod:`optimiser.targets`):

* ``self_min_fraction_of_available`` :math:`\\alpha` [0.60]: :math:`S \\ge \\alpha A`;
* ``self_min_fraction_of_load`` :math:`\\beta` ["auto": 0.30; 0.35 by
  ``load_fraction_35_by_year`` (2030, "2030年前")]: :math:`S \\ge \\beta C`;
* ``export_max_fraction_of_available`` :math:`\\gamma` [0.20]: :math:`X \\le \\gamma A`.

A run shorter than a year carries the year so far (``year_to_date``: A0, S0, X0, C0)
and assumes the rest of the year complies exactly: :math:`S - \\alpha A \\ge \\alpha A_0 - S_0`,
:math:`\\gamma A - X \\ge X_0 - \\gamma A_0`, :math:`S - \\beta C \\ge \\beta C_0 - S_0`.
The whitepaper's "direct supply >= 50 % of park electricity" (seed ``001``) binds the park,
summed over projects: ``targets.direct_supply_share_min``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from ..lazy import pyo
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..series import NonNegativeSeries
from .base import AssetBase, BuildContext, Ports, bound_violations, values

SELF_MIN_FRACTION_OF_AVAILABLE = 0.60
"""发改能源〔2025〕650号: self-consumed >= 60 % of the project's available generation"""
SELF_MIN_FRACTION_OF_LOAD = 0.30
"""发改能源〔2025〕650号: self-consumed >= 30 % of the load's total consumption (before 2030)"""
SELF_MIN_FRACTION_OF_LOAD_2030 = 0.35
"""发改能源〔2025〕650号: ... >= 35 % "2030年前" (to be reached before 2030)"""
LOAD_FRACTION_35_BY_YEAR = 2030
"""the year before which the 35 % is to be reached: applied from the year before it (2029)"""
EXPORT_MAX_FRACTION_OF_AVAILABLE = 0.20
"""发改能源〔2025〕650号: electricity sent to the public grid <= 20 % of available generation"""


class DirectSupplyPlant(BaseModel):
    """One PV or wind plant of a direct-supply project."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    technology: Literal["pv", "wind"]
    available_kw: NonNegativeSeries = Field(description="available (uncurtailed) AC power per step [kW]")


class DirectSupplyYearToDate(BaseModel):
    """The project's totals so far this year (the rest of the year is assumed to meet each rule exactly)."""

    model_config = ConfigDict(extra="forbid")
    available_kwh: float = Field(ge=0, description="available generation so far this year [kWh]")
    self_consumed_kwh: float = Field(ge=0, description="consumed by the park so far (re-export excluded) [kWh]")
    exported_kwh: float = Field(0.0, ge=0, description="sent to the public grid so far, own connection and through "
                                "the park [kWh]")
    park_consumption_kwh: float = Field(0.0, ge=0, description="park electricity consumption so far [kWh]")


class DirectSupplyRules(BaseModel):
    """The direct-connection rules (annual, per project); null switches a rule off."""

    model_config = ConfigDict(extra="forbid")
    self_min_fraction_of_available: float | None = Field(
        SELF_MIN_FRACTION_OF_AVAILABLE, ge=0, le=1,
        description="self-consumed >= this x available generation [-] (发改能源〔2025〕650号: 0.60)")
    self_min_fraction_of_load: float | Literal["auto"] | None = Field(
        "auto", description="self-consumed >= this x park electricity consumption [-]; 'auto': 0.30, 0.35 in the "
        "years from one before load_fraction_35_by_year (发改能源〔2025〕650号)")
    load_fraction_35_by_year: int = Field(
        LOAD_FRACTION_35_BY_YEAR, ge=2000, le=2100,
        description="year by which the load share must reach 0.35 (650号 '2030年前', before 2030): 'auto' applies "
        "0.35 to horizons in the year before it and later")
    export_max_fraction_of_available: float | None = Field(
        EXPORT_MAX_FRACTION_OF_AVAILABLE, ge=0, le=1,
        description="export to the public grid (own connection and through the park) <= this x available "
        "generation [-] (发改能源〔2025〕650号: 0.20)")
    year_to_date: DirectSupplyYearToDate | None = Field(
        None, description="apply the annual rules in a shorter run: the project's totals so far this year")

    @model_validator(mode="before")
    @classmethod
    def _park_level_share(cls, data):
        if isinstance(data, dict) and "direct_supply_share_min" in data:
            raise ValueError("direct_supply_share_min is a park-level rule (all projects together): set "
                             "targets.direct_supply_share_min instead")
        return data

    def load_fraction(self, year: int) -> float | None:
        """The load-share rule for a horizon in ``year`` (None if off)."""
        if self.self_min_fraction_of_load == "auto":
            return SELF_MIN_FRACTION_OF_LOAD_2030 if year >= self.load_fraction_35_by_year - 1 else SELF_MIN_FRACTION_OF_LOAD
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
        return out

    def cost_cny(self, flows: dict[str, np.ndarray], dt_h: float) -> float:
        return float(dt_h * (self.energy_price_cny_per_kwh @ flows["self_kw"]
                             - self.export_cny_per_kwh @ flows["export_kw"]))

    def totals(self, flows: dict[str, np.ndarray], dt_h: float) -> dict[str, float]:
        """Energy of the project [kWh]: self-consumed excludes, and export includes, what the park re-exported."""
        reexport = float(np.sum(flows.get("reexport_kw", 0.0)) * dt_h)
        return {"direct_supply_available_kwh": float(flows["available_kw"].sum() * dt_h),
                "direct_supply_line_kwh": float(flows["self_kw"].sum() * dt_h),
                "direct_supply_self_kwh": float(flows["self_kw"].sum() * dt_h) - reexport,
                "direct_supply_export_kwh": float(flows["export_kw"].sum() * dt_h) + reexport,
                "direct_supply_reexport_kwh": reexport,
                "direct_supply_curtailed_kwh": float(flows["curtailed_kw"].sum() * dt_h)}
