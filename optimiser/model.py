"""Assemble the Pyomo model: one block per asset, the bus balances, targets and the objective."""

from __future__ import annotations

import numpy as np
from .lazy import LinearExpression, pyo

from .assets import BuildContext, Ports
from .assets.base import BALANCE_NAMES, BUS_UNITS, ELECTRICITY, HEAT, HYDROGEN, bus_terms
from .heat_levels import add_heat_balances
from .scenario import Scenario
from .targets import add_green_purchases, add_share_targets, emission_form, share_forms


def build_model(scenario: Scenario, skip_target: str | None = None) -> tuple[pyo.ConcreteModel, BuildContext, dict[str, Ports]]:
    """Build the dispatch model of ``scenario``.

    Notes
    -----
    Bus balances at every step: the sum of all assets' ports on a bus is zero:
    ``bus_balance`` (electricity) [kW], always; ``heat_balance`` [kW_th] (per heat
    level, :mod:`optimiser.heat_levels`) and ``hydrogen_balance`` [kg/h] only if some
    asset has a port on that bus.
    Objective [CNY]: the sum of all assets' cost ports (grid energy, demand
    charge and carbon cost, storage ageing, fuel, purchases, start-ups). ``targets.renewable_share_min`` :math:`s` adds
    :math:`G - X \\ge s\\,C` over the horizon, with renewable output :math:`G`, export
    :math:`X` and the electricity consumed from every source :math:`C` [kWh] (:mod:`optimiser.targets`). Share targets, green purchases,
    direct-supply load rules and the emissions cap or objective: :mod:`optimiser.targets`
    (``skip_target`` leaves one share target out, for finding its highest achievable value).
    Pairs of flows that may not both be positive in one step are declared in the ports
    (``Ports.exclusive``); their binaries are added by the solve seam (:mod:`optimiser.binaries`).
    """
    n = scenario.horizon.steps
    model = pyo.ConcreteModel(name=scenario.park.name)
    model.steps = pyo.RangeSet(0, n - 1)
    aggregation = scenario.aggregation  # typical periods: step weights and storage linking, else None
    ctx = BuildContext(steps=model.steps, n=n, dt_h=scenario.horizon.dt_h, index=scenario.index,
                       carbon_price_cny_per_tco2=scenario.objective.carbon_price_cny_per_tco2,
                       weight=None if aggregation is None else aggregation.step_weight,
                       periods=None if aggregation is None else aggregation.linking())

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
    model.asset = pyo.Block([a.name for a in scenario.assets],
                            doc="one block per asset, indexed by name",  # pragma: no mutate (Pyomo doc)
                            )
    for asset in scenario.assets:
        ports[asset.name] = asset.build(model.asset[asset.name], ctx)

    for bus in (ELECTRICITY, HYDROGEN):
        if bus == ELECTRICITY or any(p.uses(bus) for p in ports.values()):
            _add_bus_balance(model, ctx, ports.values(), bus)
    if any(p.uses(HEAT) for p in ports.values()):
        add_heat_balances(model, ctx, scenario.heat_levels, scenario.assets, ports)
    model.targets = pyo.Block()
    extra_cost = add_green_purchases(model, ctx, scenario)
    penalties = add_share_targets(model, ctx, scenario, skip=skip_target)
    if scenario.targets.renewable_share_min is not None:  # after the purchases and splits its forms read
        _add_renewable_share(model, ctx, scenario)
    objective = scenario.objective
    if objective.emissions_max_tco2 is not None or objective.minimise == "emissions":
        emissions = emission_form(model, ctx, scenario).expr()
        if objective.emissions_max_tco2 is not None:
            model.targets.emissions_max = pyo.Constraint(expr=emissions <= objective.emissions_max_tco2,
                                                         doc="emissions cap [tCO2]",  # pragma: no mutate (Pyomo doc)
                                                         )
    if objective.minimise == "emissions":
        model.objective = pyo.Objective(expr=emissions, sense=pyo.minimize)
    else:
        cost = _sum_over_steps(ctx, [*(p.cost for p in ports.values()), extra_cost])
        if penalties:
            cost = cost + sum(price * var for price, var in penalties)
        model.objective = pyo.Objective(expr=cost, sense=pyo.minimize)
    return model, ctx, ports


def _per_step(coef, n: int) -> list[float]:
    return np.broadcast_to(np.asarray(coef, dtype=float), (n,)).tolist()


def _add_bus_balance(model: pyo.ConcreteModel, ctx: BuildContext, ports, bus: str) -> None:
    """Sum of all ports on ``bus`` = 0 at every step, one LinearExpression per step."""
    terms, fixed = bus_terms(ports, bus, ctx.n)
    rhs = (-fixed).tolist()

    def balance(m, t):
        return LinearExpression(
            constant=0.0, linear_coefs=[c[t] for c, _ in terms], linear_vars=[v[t] for _, v in terms]
        ) == rhs[t]

    model.add_component(BALANCE_NAMES[bus], pyo.Constraint(
        model.steps, rule=balance,
        doc=f"{bus} balance at the park bus [{BUS_UNITS[bus]}]",  # pragma: no mutate (Pyomo doc)
    ))


def _sum_over_steps(ctx: BuildContext, term_lists) -> LinearExpression:
    """Σ coef·var over all terms; a step-indexed term weighted by its step's weight (typical periods)."""
    coefs, variables = [], []
    for terms in term_lists:
        for coef, var in terms:
            per_step = len(var) == ctx.n and getattr(var, "index_set", lambda: ctx.steps)() is ctx.steps
            coefs += ctx.weighted(coef).tolist() if per_step else _per_step(coef, len(var))
            variables += list(var.values())
    return LinearExpression(constant=0.0, linear_coefs=coefs, linear_vars=variables)


def _add_renewable_share(model: pyo.ConcreteModel, ctx: BuildContext, scenario: Scenario) -> None:
    share = scenario.targets.renewable_share_min
    numerator, consumed = share_forms(model, ctx, scenario)["renewable_share"]
    model.targets.renewable_share_min = pyo.Constraint(
        expr=numerator.plus(consumed, -share).expr() >= 0,
        doc=f"renewable share at least {share:g}",  # pragma: no mutate (Pyomo doc)
    )
