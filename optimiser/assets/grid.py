"""Connection to the public grid: import and export within limits, priced by the tariff."""

from __future__ import annotations

import numpy as np
from ..lazy import pyo
from pydantic import BaseModel, ConfigDict, Field

from ..series import NonNegativeSeries
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
        if self.demand_charge_cny_per_kw_month > 0:
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
