"""Cost-versus-emissions trade-off by the epsilon-constraint method (``parkdispatch pareto``).

1. Cost optimum: minimise cost (the scenario's cost objective, including its carbon
   price: set it to 0 for a pure cost-emissions front) -> cost C_min at emissions E_max.
2. Emissions optimum: minimise ``emissions_tco2`` -> E_min; then minimise cost subject
   to emissions <= E_min (1 + 1e-7) (lexicographic within the solver's tolerance, so the
   end point is not a dominated tie). E_min is first taken without adding exclusivity
   binaries (a lower bound): the emissions optimum is degenerate where importing and
   exporting at once is emission-neutral (the national method's net import), and binaries
   added lazily for such a vertex would make every later point a MIP. If the least cost
   within that bound needs no simultaneous flows, the bound is attained and is E_min;
   otherwise E_min is solved again with exclusivity enforced.
3. For N caps ε evenly spaced from E_min to E_max: minimise cost s.t. emissions <= ε.

The model is built and handed to HiGHS once (:class:`optimiser.run.Dispatch`): the
end points change only the objective, the caps only the bound of one added row, and
every re-solve is warm. Every point is checked by the independent check (including the
cap), as a full run would be. The front is monotone: a looser cap cannot cost more.
Emissions are the model's ``emissions_tco2`` on the scenario's ``objective.emissions_basis``
(:func:`optimiser.targets.emission_form`: the national method by default, or the grid factor).
"""

from __future__ import annotations

import json

from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InfeasibleError
from .outdir import atomic_directory
from .output import write_json
from .progress import SILENT, Progress
from .run import Dispatch, RunResult, check
from .scenario import Scenario
from .solve import INFINITY
from .targets import emission_form

CAP_SLACK = 1e-7
"""relative slack added to a cap if the exact cap is reported infeasible (E_min at solver tolerance)"""
END_POINT_SLACK = 1e-7
"""relative slack of the first point's cap E_min: min cost s.t. emissions <= E_min exactly is
degenerate and slow (4.4 s against 0.18 s on the 8760-step benchmark year); 1e-7 is HiGHS's own
primal feasibility tolerance"""


def _with_objective(scenario: Scenario, **changes) -> Scenario:
    objective = scenario.objective.model_copy(update=changes)
    return scenario.model_copy(update={"objective": objective})


def pareto_front(scenario: Scenario, points: int, time_limit_s: float | None = None,
                 progress: Progress = SILENT) -> pd.DataFrame:
    """The front as a table: ``point``, ``emissions_cap_tco2``, ``emissions_tco2``, ``cost_cny`` (objective)."""
    if points < 2:
        raise ValueError("a front needs at least 2 points")
    base = _with_objective(scenario, minimise="cost", emissions_max_tco2=None)
    dispatch = Dispatch(base, progress=progress)
    seam = dispatch.seam
    cost, cost_offset = seam.cost.copy(), seam.offset
    emissions = emission_form(dispatch.model, dispatch.ctx, base)
    emissions_vector = seam.vector(emissions.coefs, emissions.vars)
    cheapest = check(dispatch.solve(time_limit_s))
    e_max = cheapest.summary["emissions_tco2"]
    seam.set_objective(emissions_vector, emissions.constant)
    bound, _ = dispatch.run(base.solver.time_limit_s if time_limit_s is None else time_limit_s,
                            base.solver.mip_gap, binaries="never")
    e_min = min(bound.objective_cny, e_max)
    cap_row = seam.add_row(emissions_vector, -INFINITY, INFINITY, "targets.emissions_max")
    seam.set_objective(cost, cost_offset)

    def capped(cap: float) -> RunResult:
        seam.set_row_bounds([cap_row], -INFINITY, cap - emissions.constant)
        return check(dispatch.solve(time_limit_s, scenario=_with_objective(base, emissions_max_tco2=cap)))

    def least_cost_at(cap: float) -> tuple[float, RunResult]:
        try:
            return cap, capped(cap)
        except InfeasibleError:
            cap += CAP_SLACK * max(1.0, abs(cap))
            return cap, capped(cap)

    progress.stage(f"point 1 of {points}: emissions cap {e_min:.6g} tCO2")
    try:
        first = least_cost_at(e_min + END_POINT_SLACK * abs(e_min))
    except InfeasibleError:  # the bound needs simultaneous flows: the least emissions with exclusivity
        seam.set_row_bounds([cap_row], -INFINITY, INFINITY)
        seam.set_objective(emissions_vector, emissions.constant)
        cleanest = check(dispatch.solve(time_limit_s, scenario=_with_objective(base, minimise="emissions")))
        e_min = min(cleanest.summary["objective_cny"], e_max)
        seam.set_objective(cost, cost_offset)
        first = least_cost_at(e_min + END_POINT_SLACK * abs(e_min))

    rows = []
    for i, cap in enumerate(np.linspace(e_min, e_max, points)):
        if i == 0:
            cap, run = first
        elif i == points - 1:
            run = cheapest
        else:
            progress.stage(f"point {i + 1} of {points}: emissions cap {cap:.6g} tCO2")
            cap, run = least_cost_at(float(cap))
        rows.append({"point": i, "emissions_cap_tco2": cap, "emissions_tco2": run.summary["emissions_tco2"],
                     "cost_cny": run.summary["objective_cny"], "status": run.summary["status"]})
    return pd.DataFrame(rows)


def write_pareto(front: pd.DataFrame, scenario: Scenario, out_dir: str | Path, overwrite: bool = False,
                 plot: bool = True) -> Path:
    """``pareto.csv``, ``pareto.json`` (end points), ``pareto.png`` and ``report.html``, written atomically."""
    with atomic_directory(out_dir, overwrite, protect=scenario.input_paths, command="pareto") as tmp:
        front.to_csv(tmp / "pareto.csv", index=False, float_format="%.9g")
        write_json({"scenario": scenario.source, "scenario_sha256": scenario.sha256, "points": len(front),
                    "min_emissions": front.iloc[0].to_dict(), "min_cost": front.iloc[-1].to_dict(),
                    "method": "epsilon constraint: min cost s.t. emissions_tco2 <= cap"}, tmp / "pareto.json")
        if plot:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt

            fig, ax = plt.subplots(figsize=(6, 4))
            ax.plot(front["emissions_tco2"], front["cost_cny"], "o-")
            ax.set_xlabel(f"emissions [tCO2, {scenario.objective.emissions_basis.replace('_', ' ')}]")
            ax.set_ylabel("cost [CNY]")
            ax.set_title(f"{scenario.park.name}: cost vs emissions ({len(front)} points)")
            ax.grid(True, alpha=0.3)
            fig.tight_layout()
            fig.savefig(tmp / "pareto.png", dpi=120)
            plt.close(fig)
        from .reports.study import pareto_report_html

        meta = json.loads((tmp / "pareto.json").read_text())
        png = (tmp / "pareto.png").read_bytes() if plot else None
        (tmp / "report.html").write_text(pareto_report_html(front, meta, scenario, png), encoding="utf-8")
    return Path(out_dir)
