"""A sizing run: capacity decisions in the dispatch LP, solved on the one seam, checked, compared.

The model is the dispatch model of the scenario with every sized capacity at its maximum
(so static bounds and big-M values stay valid), plus, in block ``sizing``, one variable per
capacity :math:`C_k \\in [\\underline C_k, \\overline C_k]` and the rows each asset kind declares
(:class:`~optimiser.assets.capacity.CapacityLimit`): :math:`x_i \\le c_i C_k` (or :math:`\\ge`), and
the annualised capacity cost added to the objective (:mod:`optimiser.planning.sizing`). The
reference design is solved on the same seam by fixing the capacity columns (a bounds change,
no rebuild). Each solution is extracted and checked against the park *at the chosen
capacities*: every flow within its asset's bounds at those capacities, the objective
recomputed as the flows' operating cost plus the capacity cost recomputed from the
capacities.

Over typical periods (:mod:`optimiser.planning.typical`) the model is the typical days' (weighted
to the calendar); a seasonal store's level bounds are its reconstructed-level rows
(:meth:`~optimiser.planning.linking.LinkedStore.sized`: inter-period level plus intra-day
deviation within the fractions of the sized capacity at every step of the calendar). Each
solution is expanded to the calendar and checked there, at every calendar step, against the
calendar scenario at the chosen capacities.
"""

from __future__ import annotations

import time

import numpy as np

from ..accounting import energy_totals, share_terms
from ..check import RELATIVE_TOLERANCE, check_solution
from ..errors import InfeasibleError, SolutionCheckError
from ..lazy import LinearExpression, pyo
from ..progress import SILENT, Progress
from ..run import Dispatch, RunResult
from .sizing import (Decision, annual_costs, capacity_owner, comparison, decisions, represented_years,
                     with_capacities)
from .typical import aggregate, on_calendar


def add_capacity(model, ctx, upper, decisions_: list[Decision], weight: float) -> None:
    """Capacity variables, the rows that bound flows by them and their cost in the objective (see module doc).

    ``upper`` is the scenario the model was built from (each capacity at its maximum). A lower limit
    also lowers the variable's static lower bound, built at the maximum, to the one at the minimum.
    """
    from pyomo.core.expr.numeric_expr import LinearExpression as Linear

    block = model.sizing = pyo.Block()
    block.capacity = pyo.Var([d.key for d in decisions_], bounds=lambda b, k: _bounds(decisions_, k),
                             doc="capacity [kW, kWh or kg: the unit of the sized field]")
    index, rows = [], []
    for d in decisions_:
        owner = capacity_owner(upper, d.asset)
        assets = model.grid if d.asset == "grid" else model.asset[d.asset]
        store = None if ctx.periods is None else ctx.periods.stores.get(d.asset)  # typical periods: linked levels
        for limit in owner.capacity_limits(d.field, ctx.dt_h):
            name = limit.variable if store is None else store.sized(limit.variable, float(limit.coef), limit.lower,
                                                                     block.capacity[d.key])
            if name is None:
                continue
            var = assets.component(name)
            elements = list(var.items()) if var.is_indexed() else [("start", var)]
            coefs = np.broadcast_to(np.asarray(limit.coef, dtype=float), (len(elements),)).tolist()
            for (i, x), c in zip(elements, coefs):
                if limit.lower:
                    x.setlb(c * d.min)
                    if c == 0.0:
                        continue
                index.append((d.key, name, "min" if limit.lower else "max", i))
                rows.append((x, c, block.capacity[d.key], limit.lower))

    def rule(b, *i):
        x, c, capacity, lower = rows[position[i]]
        body = LinearExpression(constant=0.0, linear_coefs=[1.0, -c], linear_vars=[x, capacity])
        return body >= 0.0 if lower else body <= 0.0

    position = {i: n for n, i in enumerate(index)}
    block.limit = pyo.Constraint(index, rule=rule, doc="flow or level within the sized capacity")
    coefs = [weight * (d.annual_investment_cny_per_unit + d.fixed_om_cny_per_unit_year) for d in decisions_]
    constant = -weight * sum(d.annual_investment_cny_per_unit * d.existing for d in decisions_)
    capacities = [block.capacity[d.key] for d in decisions_]
    old = model.objective.expr
    if type(old) is Linear:
        new = LinearExpression(constant=old.constant + constant, linear_coefs=list(old.linear_coefs) + coefs,
                               linear_vars=list(old.linear_vars) + capacities)
    else:
        new = old + LinearExpression(constant=constant, linear_coefs=coefs, linear_vars=capacities)
    model.objective.set_value(new)


def _bounds(decisions_: list[Decision], key: str) -> tuple[float, float]:
    d = next(d for d in decisions_ if d.key == key)
    return d.min, d.max


class SizingRun:
    """A scenario with ``sizing``, built once and living in HiGHS: :meth:`solve` the design, or a fixed one."""

    def __init__(self, scenario, verbose: bool = False, progress: Progress = SILENT):
        self.scenario, self.decisions = scenario, decisions(scenario)
        self.weight = represented_years(scenario)
        self.typical = None  # (calendar scenario, aggregation) of a typical-period scenario
        modelled = scenario
        if scenario.horizon.typical_periods is not None:
            progress.stage(f"aggregating {scenario.horizon.steps} steps into "
                           f"{scenario.horizon.typical_periods.days} typical days")
            modelled, *self.typical = aggregate(scenario)
        self.modelled = modelled
        upper = with_capacities(modelled, {d.key: d.max for d in self.decisions})
        self.dispatch = Dispatch(upper, verbose, progress=progress,
                                 extend=lambda model, ctx, ports: add_capacity(model, ctx, upper, self.decisions,
                                                                               self.weight))
        model = self.dispatch.model
        self.columns = self.dispatch.seam.col([model.sizing.capacity[d.key] for d in self.decisions])

    def capacity_cost_cny(self, chosen: dict[str, float]) -> float:
        """Capacity cost of the horizon for capacities ``chosen``, from the decisions' costs [CNY]."""
        return self.weight * sum(sum(d.annual_cost_cny(chosen[d.key])) for d in self.decisions)

    def solve(self, time_limit_s: float, mip_gap: float, fixed: dict[str, float] | None = None
              ) -> tuple[RunResult, dict[str, float]]:
        """Solve with the capacities free within their bounds, or ``fixed`` (all of them, by key); return the
        checked result (describing the park at the chosen capacities) and the capacities."""
        lower = [d.min if fixed is None else fixed[d.key] for d in self.decisions]
        upper = [d.max if fixed is None else fixed[d.key] for d in self.decisions]
        self.dispatch.seam.set_bounds(self.columns, lower, upper)
        info, rounds = self.dispatch.run(time_limit_s, mip_gap)
        x = self.dispatch.seam.x[self.columns]
        chosen = {d.key: float(np.clip(v, lo, hi)) for d, v, lo, hi in zip(self.decisions, x, lower, upper)}
        sized = with_capacities(self.modelled, chosen)
        result = self.dispatch.result(info, rounds, sized, time_limit_s, mip_gap)
        if self.typical is not None:  # checked over every step of the calendar, at the chosen capacities
            calendar, aggregation = self.typical
            sized = with_capacities(calendar, chosen)
            result = on_calendar(result, self.dispatch, self.scenario, sized, aggregation)
        t0 = time.perf_counter()
        capacity_cny = self.capacity_cost_cny(chosen)
        problems = [f"capacity {d.key} = {v:.9g} outside [{lo:g}, {hi:g}]" for d, v, lo, hi in
                    zip(self.decisions, x, lower, upper)
                    if not lo - RELATIVE_TOLERANCE * max(1.0, hi) <= v <= hi + RELATIVE_TOLERANCE * max(1.0, hi)]
        problems += check_solution(result.dataset, sized, info.objective_cny - capacity_cny)
        result.summary["timings"]["check_seconds"] = time.perf_counter() - t0
        if problems:
            raise SolutionCheckError("the sized solution failed the independent check (flows against the chosen "
                                     "capacities, objective = operating cost + capacity cost):\n  "
                                     + "\n  ".join(problems))
        return result, chosen

    def report(self, result: RunResult, chosen: dict[str, float]) -> dict:
        """Annual cost breakdown and LCOE of a solved design [CNY/year, CNY/kWh]."""
        operation = result.summary["objective_cny"] - self.capacity_cost_cny(chosen)
        costs = annual_costs(chosen, self.decisions, operation, self.weight)
        consumed_kwh = share_terms(energy_totals(result.dataset, result.scenario),
                                   result.scenario)["renewable_share"][1] / self.weight
        costs["electricity_consumed_kwh_per_year"] = consumed_kwh
        costs["lcoe_cny_per_kwh"] = costs["total_cny_per_year"] / consumed_kwh if consumed_kwh > 0 else None
        return costs


def optimise_sized(scenario, time_limit_s: float, mip_gap: float, verbose: bool = False,
                   progress: Progress = SILENT) -> RunResult:
    """Size and dispatch ``scenario``, then solve its reference design; the result's summary gets ``sizing``
    (also written as ``sizing.json``): capacities, annual costs, LCOE, payback and NPV against the reference."""
    run = SizingRun(scenario, verbose, progress)
    result, chosen = run.solve(time_limit_s, mip_gap)
    sizing = scenario.sizing
    design = run.report(result, chosen)
    fixed = {d.key: sizing.reference_of(d.key, d.existing) for d in run.decisions}
    years = sizing.analysis_years or max(d.lifetime_years for d in run.decisions)
    out = {"status": result.status, "objective_cny": result.summary["objective_cny"],
           "discount_rate": sizing.discount_rate, "represented_years": run.weight,
           "typical_periods": None if run.typical is None else {
               key: result.summary["typical_periods"][key] for key in ("days", "method", "calendar_days")},
           "annualisation": "annual = horizon cost / represented_years; capital: CRF(r, lifetime) x investment on "
                            "capacity above existing; fixed O&M on all capacity", **design}
    try:
        progress.stage("solving the reference design (capacities fixed)")
        ref_result, _ = run.solve(time_limit_s, mip_gap, fixed=fixed)
    except InfeasibleError as exc:
        out["reference"] = {"status": "infeasible", "message": str(exc), "capacities": fixed}
    else:
        reference = run.report(ref_result, fixed)
        out["reference"] = {"status": ref_result.status, "objective_cny": ref_result.summary["objective_cny"],
                            **reference, "timings": ref_result.summary["timings"]}
        out.update(comparison(design, reference, sizing.discount_rate, years))
    result.summary["sizing"] = out
    return result

