"""Green-power direct supply at the park boundary: which park export is direct supply, and the 650号 rules.

Export attribution (a flow split in the model)
----------------------------------------------
Electricity that leaves the park through any connection is export, whatever produced it
(``../shared/domain.md``, "How the rules are scoped"); direct supply that leaves through
the park's own grid connection is the project's export, not its self-consumption. Per step
the park's export :math:`X_t` splits into the part that came from project :math:`p`,
:math:`r_{p,t}` (flow ``<project>_reexport_kw``), and the rest :math:`X_t - \\sum_p r_{p,t}`:

.. math::

    \\sum_p r_{p,t} \\le X_t, \\qquad r_{p,t} \\le s_{p,t}, \\qquad
    \\sum_p r_{p,t} \\ge X_t - I_t - O_t

with the line flow :math:`s_{p,t}` into the park, grid import :math:`I_t` and the gross
supply :math:`O_t` of the park's own sources in that step (on-site generation, storage
discharge, V2G: ``AssetBase.supply_flows``). So direct supply is taken to serve the park
first, and export is attributed to the park's own sources before direct supply; only
what they cannot cover is the project's. (Energy stored from the line in one step and
exported in a later one is attributed to the store: the split is per step.)
Re-exported direct supply earns no emissions credit (:mod:`optimiser.accounting`); the
split exists only when the park may export (``grid.export_limit_kw`` > 0). The split
reported in the results is the least these constraints allow (:func:`reexport_flows`):
more re-export only tightens the rules and the emissions, so the optimum attains it.

Rules per project (发改能源〔2025〕650号; parameters in :mod:`optimiser.assets.direct_supply`),
annual, with the year so far carried: self-consumed :math:`S_p = \\sum_t \\Delta t (s_{p,t} - r_{p,t})`,
exported :math:`X_p = \\sum_t \\Delta t (x_{p,t} + r_{p,t})` (own connection plus re-export),
available :math:`A_p`, park consumption :math:`C`:

* :math:`S_p - \\alpha A_p \\ge \\alpha A_0 - S_0` (self-consumption >= 60 % of available)
* :math:`\\gamma A_p - X_p \\ge X_0 - \\gamma A_0` (export <= 20 % of available)
* :math:`S_p - \\beta C \\ge \\beta C_0 - S_0` (self-consumption >= 30 %, 35 % of the load)

The rest of the year is assumed to meet each rule exactly, so it cancels out. The
park-level "direct supply >= 50 %" is the share target ``targets.direct_supply_share_min``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from .lazy import pyo

from .flows import asset_flows

if TYPE_CHECKING:  # pragma: no cover
    from .scenario import Scenario

RULE_LABELS = {"self_min_of_available": "self-consumed >= {s:g} x available",
               "export_max_of_available": "exported <= {s:g} x available",
               "self_min_of_load": "self-consumed >= {s:g} x park consumption"}


def projects(scenario: "Scenario") -> list:
    """The scenario's direct-supply projects."""
    return [a for a in scenario.assets if a.kind == "direct_supply"]


def has_reexport(scenario: "Scenario") -> bool:
    """True if direct supply can leave through the park's grid connection (the split is modelled)."""
    return bool(projects(scenario)) and scenario.grid.export_limit_kw > 0


class StepView:
    """A view of ``var[name, :]`` with the ``values()`` / ``len`` interface of a step-indexed Var."""

    def __init__(self, var, name, steps):
        self._items = [var[name, t] for t in steps]

    def values(self):
        return self._items

    def __len__(self):
        return len(self._items)


def reexport(model: pyo.ConcreteModel, name: str, ctx):
    """The model's re-export of project ``name`` per step [kW] (a step-indexed view), or None."""
    var = model.targets.component("reexport_kw")
    return None if var is None else StepView(var, name, ctx.steps)


def add_export_split(model: pyo.ConcreteModel, ctx, scenario: "Scenario") -> None:
    """The split of park export into direct-supply origin and the rest (module doc)."""
    if not has_reexport(scenario):
        return
    names = [p.name for p in projects(scenario)]
    block, grid = model.targets, model.grid
    block.reexport_kw = pyo.Var(names, ctx.steps, bounds=(0.0, scenario.grid.export_limit_kw),
                                doc="park export that came from each direct-supply project [kW]")
    block.reexport_within_line = pyo.Constraint(names, ctx.steps, rule=lambda b, p, t: b.reexport_kw[p, t] <= (
        model.asset[p].self_kw[t]), doc="re-export <= the project's flow into the park")
    block.reexport_within_export = pyo.Constraint(ctx.steps, rule=lambda b, t: sum(
        b.reexport_kw[p, t] for p in names) <= grid.export_kw[t], doc="re-export <= park export")
    sources = [(coef, var) for a in scenario.assets if a.kind != "direct_supply"
               for coef, var in a.supply_terms(model.asset[a.name])]
    coefs = [(np.broadcast_to(np.asarray(c, dtype=float), (ctx.n,)), list(v.values())) for c, v in sources]
    block.reexport_min = pyo.Constraint(ctx.steps, rule=lambda b, t: sum(b.reexport_kw[p, t] for p in names) >= (
        grid.export_kw[t] - grid.import_kw[t] - sum(float(c[t]) * v[t] for c, v in coefs)),
        doc="export not covered by import and the park's own sources is direct supply")


def own_supply_kw(flows_of, scenario: "Scenario", n: int) -> np.ndarray:
    """Gross supply of the park's own sources per step [kW] (everything but grid and direct supply);
    ``flows_of(name)`` gives an asset's flows."""
    total = np.zeros(n)
    for a in scenario.assets:
        if a.kind != "direct_supply":
            total = total + a.supply_kw(flows_of(a.name))
    return total


def reexport_flows(model: pyo.ConcreteModel, scenario: "Scenario", ctx, flows: dict[str, dict]) -> dict[str, np.ndarray]:
    """Per project, the re-export to report [kW]: the model's split, scaled down per step to the least the
    attribution requires, ``clip(X - I - O, 0, Σ_p r_p)``. Every rule and emissions figure only gets worse
    with more re-export, so the least is what the solution attains; without it a tie (nothing priced on
    the split) would leave the reported split to the solver. ``flows`` holds the grid's and the assets'."""
    names = [p.name for p in projects(scenario)]
    if not names or reexport(model, names[0], ctx) is None:
        return {n: np.zeros(ctx.n) for n in names}
    split = {n: np.fromiter((v.value for v in reexport(model, n, ctx).values()), dtype=float, count=ctx.n)
             for n in names}
    total = sum(split.values())
    grid = flows["grid"]
    least = np.clip(grid["export_kw"] - grid["import_kw"] - own_supply_kw(flows.get, scenario, ctx.n), 0.0, total)
    scale = np.divide(least, total, out=np.zeros(ctx.n), where=total > 1e-12)
    return {n: split[n] * scale for n in names}


def attribution_violations(ds, scenario: "Scenario", tol: float) -> list[str]:
    """The export split re-derived from the flows: within the line, within export, at least the uncovered export."""
    names = [p.name for p in projects(scenario)]
    if not names:
        return []
    grid = asset_flows(ds, "grid")
    flows = {n: asset_flows(ds, n) for n in names}
    total = sum(f["reexport_kw"] for f in flows.values())
    out = []
    for n, f in flows.items():
        over = f["reexport_kw"] - f["self_kw"]
        if (over > tol).any() or (f["reexport_kw"] < -tol).any():
            out.append(f"{n}.reexport_kw outside [0, self_kw] at step {int(np.argmax(np.abs(over)))}")
    if (total - grid["export_kw"] > tol).any():
        out.append(f"direct-supply re-export exceeds the park export at step {int(np.argmax(total - grid['export_kw']))}")
    uncovered = grid["export_kw"] - grid["import_kw"] - own_supply_kw(lambda n: asset_flows(ds, n), scenario,
                                                                       ds.sizes["time"])
    short = uncovered - total
    if (short > tol).any():
        t = int(np.argmax(short))
        out.append(f"park export {grid['export_kw'][t]:.6g} kW at step {t} is not covered by import and the park's "
                   f"own sources: {uncovered[t]:.6g} kW must be attributed to direct supply, {total[t]:.6g} kW is")
    return out


def _lin(a, b, coef: float):
    """``a + coef * b`` for model forms and for numbers alike."""
    return a.plus(b, coef) if hasattr(a, "plus") else a + coef * b


def _const(value: float, like):
    if hasattr(like, "plus"):
        out = type(like)(like.n)
        out.constant = value
        return out
    return value


def rule_rows(project, dt_h: float, self_consumed, exported, consumed, year: int,
              weight=None) -> list[tuple[str, float, object, float]]:
    """``(rule, s, lhs, rhs)`` per active rule of ``project``, the rule being ``lhs >= rhs``.

    ``self_consumed`` S, ``exported`` X and ``consumed`` C are model forms or numbers [kWh].
    """
    rules = project.rules
    available = float(np.sum(project.available_kw * (1.0 if weight is None else weight)) * dt_h)  # weight: typical days
    ytd = rules.year_to_date
    a0, s0, x0, c0 = ((ytd.available_kwh, ytd.self_consumed_kwh, ytd.exported_kwh, ytd.park_consumption_kwh)
                      if ytd is not None else (0.0, 0.0, 0.0, 0.0))
    out = []
    alpha, gamma, beta = (rules.self_min_fraction_of_available, rules.export_max_fraction_of_available,
                          rules.load_fraction(year))
    if alpha is not None:
        out.append(("self_min_of_available", alpha, _lin(self_consumed, _const(available, self_consumed), -alpha),
                    alpha * a0 - s0))
    if gamma is not None:
        out.append(("export_max_of_available", gamma, _lin(_const(gamma * available, exported), exported, -1.0),
                    x0 - gamma * a0))
    if beta is not None:
        out.append(("self_min_of_load", beta, _lin(self_consumed, consumed, -beta), beta * c0 - s0))
    return out
