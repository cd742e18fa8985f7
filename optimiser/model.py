"""Assemble the Pyomo model: one block per asset, the bus balance, targets and the objective."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from .assets import BuildContext, Ports
from .scenario import Scenario


def build_model(scenario: Scenario, binaries: bool = False) -> tuple[pyo.ConcreteModel, BuildContext, dict[str, Ports]]:
    """Build the dispatch model of ``scenario``.

    Notes
    -----
    Bus balance at every step: the sum of all assets' electric ports is zero [kW].
    Objective [CNY]: the sum of all assets' cost ports (grid energy and carbon
    cost, storage ageing). ``targets.renewable_share_min`` :math:`s` adds
    :math:`(1-s)(G - X) \\ge s\\,I` over the horizon, with renewable output
    :math:`G`, export :math:`X` and import :math:`I` [kWh].
    """
    n = scenario.horizon.steps
    model = pyo.ConcreteModel(name=scenario.park.name)
    model.steps = pyo.RangeSet(0, n - 1)
    ctx = BuildContext(steps=model.steps, n=n, dt_h=scenario.horizon.dt_h, index=scenario.index, binaries=binaries)

    model.grid = pyo.Block()
    ports = {
        "grid": scenario.grid.build(
            model.grid,
            ctx,
            scenario.import_prices(),
            scenario.tariff.export_cny_per_kwh,
            scenario.objective.carbon_price_cny_per_tco2,
        )
    }
    model.asset = pyo.Block([a.name for a in scenario.assets], doc="one block per asset, indexed by name")
    for asset in scenario.assets:
        ports[asset.name] = asset.build(model.asset[asset.name], ctx)

    _add_bus_balance(model, ctx, ports.values())
    if scenario.targets.renewable_share_min is not None:
        _add_renewable_share(model, ctx, scenario)
    model.objective = pyo.Objective(expr=_sum_over_steps(p.cost for p in ports.values()), sense=pyo.minimize)
    return model, ctx, ports


def _per_step(coef, n: int) -> list[float]:
    return np.broadcast_to(np.asarray(coef, dtype=float), (n,)).tolist()


def _add_bus_balance(model: pyo.ConcreteModel, ctx: BuildContext, ports) -> None:
    fixed = np.zeros(ctx.n)
    terms = []
    for port in ports:
        if port.electric_fixed_kw is not None:
            fixed += port.electric_fixed_kw
        terms += [(_per_step(coef, ctx.n), var) for coef, var in port.electric]
    rhs = (-fixed).tolist()

    def balance(m, t):
        return LinearExpression(
            constant=0.0, linear_coefs=[c[t] for c, _ in terms], linear_vars=[v[t] for _, v in terms]
        ) == rhs[t]

    model.bus_balance = pyo.Constraint(model.steps, rule=balance, doc="electricity balance at the park bus [kW]")


def _sum_over_steps(term_lists) -> LinearExpression:
    coefs, variables = [], []
    for terms in term_lists:
        for coef, var in terms:
            coefs += _per_step(coef, len(var))
            variables += list(var.values())
    return LinearExpression(constant=0.0, linear_coefs=coefs, linear_vars=variables)


def _add_renewable_share(model: pyo.ConcreteModel, ctx: BuildContext, scenario: Scenario) -> None:
    share = scenario.targets.renewable_share_min
    renewables = [model.asset[a.name].output_kw for a in scenario.assets if a.renewable]
    terms = [((1 - share) * ctx.dt_h, var) for var in renewables]
    terms += [(-(1 - share) * ctx.dt_h, model.grid.export_kw), (-share * ctx.dt_h, model.grid.import_kw)]
    model.targets = pyo.Block()
    model.targets.renewable_share_min = pyo.Constraint(
        expr=_sum_over_steps([terms]) >= 0, doc=f"renewable share at least {share:g}"
    )
