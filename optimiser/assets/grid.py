"""Connection to the public grid: import and export within limits, priced by the tariff."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from ..lazy import pyo
from pydantic import BaseModel, ConfigDict, Field

from ..series import NonNegativeSeries
from .capacity import CapacityLimit
from .base import BuildContext, Exclusive, Ports, both_above, bound_violations, values

HOURS_PER_MONTH = 730.0
"""8760 h / 12: the month over which a demand charge is quoted [h]"""


class Grid(BaseModel):
    """Grid connection point of the park.

    Notes
    -----
    Import :math:`g^+_t \\in [0, G^+]`, export :math:`g^-_t \\in [0, G^-]` [kW].
    Bus injection :math:`g^+_t - g^-_t`. Cost per step
    :math:`\\Delta t\\,(\\pi^+_t g^+_t - \\pi^-_t g^-_t + \\pi^{CO_2} \\epsilon_t g^+_t / 1000)`
    with prices :math:`\\pi` [CNY/kWh], carbon price [CNY/tCO2] and grid
    emission factor :math:`\\epsilon_t` [tCO2/MWh] (on the default ``national_method``
    emissions basis :mod:`optimiser.targets` adds the carbon price's difference to that
    basis). Import and export exclude each
    other at every step (an :class:`~optimiser.assets.base.Exclusive` pair).

    Two-part tariff (optional ``demand_charge_cny_per_kw_month`` :math:`\\pi^D`): a
    maximum-demand charge on the highest import of the horizon, pro-rated from a
    month (730 h = 8760 h / 12) to the horizon's :math:`T\\Delta t` hours:

    .. math::

        g^+_t \\le \\hat g \\;\\forall t, \\qquad
        \\text{cost} = \\pi^D \\, \\frac{T \\Delta t}{730} \\, \\hat g

    with the peak-import variable :math:`\\hat g \\in [0, G^+]` [kW]; at the optimum
    :math:`\\hat g = \\max_t g^+_t`. The pro-rating spreads the monthly charge evenly
    over the month: a day-ahead run sees 24/730 of it, so it trades one day's share
    of the charge against that day's energy cost (a horizon that already sets a
    higher peak earlier in the month is not modelled). Take the rate from the
    provincial tariff notice (two-part tariffs for large industry, billed on
    maximum demand or on transformer capacity).

    Month to date (``month_to_date_peak_kw`` :math:`P_0` given, as the operations jobs
    do from their running totals): the month's bill is :math:`\\pi^D` times the month's
    highest import, so a horizon pays only for raising the peak already set this month,
    at the full monthly rate, and nothing while it stays under it:

    .. math::

        g^+_t - e \\le P_0 \\;\\forall t, \\qquad \\text{cost} = \\pi^D e

    with the excess variable :math:`e \\in [0, G^+]` [kW] (``peak_excess_kw``); at the
    optimum :math:`e = \\max(0, \\max_t g^+_t - P_0)`. Over consecutive days the charges
    sum to :math:`\\pi^D` × the month's peak; ``P_0 = 0`` on a month's first day.
    """

    model_config = ConfigDict(extra="forbid")
    import_limit_kw: float = Field(ge=0, description="maximum import (transformer or contracted capacity) [kW]")
    export_limit_kw: float = Field(ge=0, description="maximum export to the public grid [kW]; 0 forbids export")
    emission_factor_tco2_per_mwh: NonNegativeSeries = Field(
        description="emissions of imported electricity [tCO2/MWh]; constant or series"
    )
    demand_charge_cny_per_kw_month: float = Field(
        0.0, ge=0, description="two-part tariff: charge on the peak import [CNY/kW/month], pro-rated to the horizon "
        "(horizon hours / 730); 0 for none"
    )
    month_to_date_peak_kw: float | None = Field(
        None, ge=0, description="highest import already billed this month before the horizon [kW]: the demand "
        "charge is then the full monthly rate on the horizon's increase of it, not pro-rated; null: pro-rated"
    )

    sizable: ClassVar[tuple[str, ...]] = ("import_limit_kw",)

    def capacity_limits(self, field: str, dt_h: float) -> list[CapacityLimit]:
        """The connection's import capacity bounds the import (the billed peak follows the import)."""
        return [CapacityLimit("import_kw", 1.0)]

    def sizing_problem(self, field: str) -> str | None:
        return None

    def with_capacity(self, field: str, value: float) -> "Grid":
        """A copy with ``import_limit_kw`` at ``value``, not validated again."""
        return self.model_copy(update={field: value})

    def demand_charge_per_kw(self, horizon_h: float) -> float:
        """Demand charge for the horizon per kW of peak import [CNY/kW]."""
        return self.demand_charge_cny_per_kw_month * horizon_h / HOURS_PER_MONTH

    def build(
        self,
        block: pyo.Block,
        ctx: BuildContext,
        import_price_cny_per_kwh: np.ndarray,
        export_price_cny_per_kwh: np.ndarray,
        carbon_price_cny_per_tco2: float,
    ) -> Ports:
        block.import_kw = pyo.Var(ctx.steps, bounds=(0.0, self.import_limit_kw), doc="grid import [kW]")
        block.export_kw = pyo.Var(ctx.steps, bounds=(0.0, self.export_limit_kw), doc="grid export [kW]")
        import_cost = ctx.dt_h * (
            import_price_cny_per_kwh + carbon_price_cny_per_tco2 * self.emission_factor_tco2_per_mwh / 1000.0
        )
        ports = Ports(
            electric=[(1.0, block.import_kw), (-1.0, block.export_kw)],
            cost=[(import_cost, block.import_kw), (-ctx.dt_h * export_price_cny_per_kwh, block.export_kw)],
        )
        if self.export_limit_kw > 0 and self.import_limit_kw > 0:
            ports.exclusive.append(Exclusive.per_step("grid import/export", block.import_kw, block.export_kw,
                                                      self.import_limit_kw, self.export_limit_kw))
        if self.demand_charge_cny_per_kw_month > 0 and self.month_to_date_peak_kw is not None:
            block.peak_excess_kw = pyo.Var(bounds=(0.0, self.import_limit_kw), doc="increase of the month's peak [kW]")
            block.peak_import = pyo.Constraint(
                ctx.steps, rule=lambda b, t: b.import_kw[t] - b.peak_excess_kw <= self.month_to_date_peak_kw,
                doc="import below the month's billed peak plus its increase")
            ports.cost.append((self.demand_charge_cny_per_kw_month, block.peak_excess_kw))
        elif self.demand_charge_cny_per_kw_month > 0:
            block.peak_import_kw = pyo.Var(bounds=(0.0, self.import_limit_kw), doc="highest import of the horizon [kW]")
            block.peak_import = pyo.Constraint(
                ctx.steps, rule=lambda b, t: b.import_kw[t] <= b.peak_import_kw, doc="import below the billed peak"
            )
            ports.cost.append((self.demand_charge_per_kw(ctx.represented_h), block.peak_import_kw))
        return ports

    def flows(self, block: pyo.Block, ctx: BuildContext) -> dict[str, np.ndarray]:
        return {"import_kw": values(block.import_kw), "export_kw": values(block.export_kw)}

    def net_injection_kw(self, flows: dict[str, np.ndarray]) -> np.ndarray:
        return flows["import_kw"] - flows["export_kw"]

    def demand_charge_cny(self, flows: dict[str, np.ndarray], dt_h: float) -> float:
        """Demand charge of the horizon recomputed from the highest import [CNY]."""
        imports = flows["import_kw"]
        if self.month_to_date_peak_kw is not None:
            return self.demand_charge_cny_per_kw_month * max(float(imports.max()) - self.month_to_date_peak_kw, 0.0)
        return self.demand_charge_per_kw(len(imports) * dt_h) * float(max(imports.max(), 0.0))

    def check(self, flows: dict[str, np.ndarray], dt_h: float, tol: float) -> list[str]:
        out = bound_violations("grid", "import_kw", flows["import_kw"], 0.0, self.import_limit_kw, tol)
        out += bound_violations("grid", "export_kw", flows["export_kw"], 0.0, self.export_limit_kw, tol)
        both = self.simultaneous_flow_steps(flows, tol)
        if both.size:
            out.append(f"grid imports and exports at once at {both.size} steps (first step {both[0]})")
        return out

    def simultaneous_flow_steps(self, flows: dict[str, np.ndarray], tol: float) -> np.ndarray:
        """Steps at which the grid both imports and exports more than ``tol`` kW."""
        return both_above(flows["import_kw"], flows["export_kw"], tol)
