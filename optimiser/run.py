"""One dispatch run: build, hand over, solve, extract, check; each stage timed.

:class:`Dispatch` is the run seam every workflow re-uses: the scenario's model is built
once and handed to HiGHS once (:class:`optimiser.solve.HighsModel`); :meth:`Dispatch.solve`
solves it (with exclusivity binaries only where they can change the optimum,
:mod:`optimiser.binaries`) and extracts a :class:`RunResult`. Workflows that change only
numbers (the Pareto front's objective and cap, the highest achievable share, fixed past
steps in intraday re-dispatch, data-only sweeps) change them on ``dispatch.seam`` and call
:meth:`Dispatch.solve` again, warm.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version

import xarray as xr

from . import __version__
from .accounting import park_accounting
from .assets.level_targets import level_target_summary
from .binaries import Exclusivity, solve_exclusive
from .check import check_solution
from .errors import InfeasibleError, ScenarioError, SolutionCheckError
from .model import build_model
from .results import asset_flows, extract, heat_by_source, heat_level_summary, kpis, storage_summary
from .scenario import Scenario
from .progress import SILENT, Progress
from .relaxation import relax_all, relaxation_use, split_relaxed, warnings_of
from .solve import HighsModel, SolveInfo, paused_gc
from .targets import SHARE_TARGETS


@dataclass
class RunResult:
    """A solved and checked run: the dispatch Dataset and the summary written to summary.json."""

    scenario: Scenario
    dataset: xr.Dataset
    summary: dict = field(default_factory=dict)

    @property
    def status(self) -> str:
        return self.summary["status"]


class Dispatch:
    """A scenario's model, built once and living in HiGHS (see module doc).

    ``skip_target`` leaves one share target out of the model (for its highest achievable value);
    ``extend(model, ctx, ports)`` adds to the built model before the hand-over (capacity decisions).
    """

    def __init__(self, scenario: Scenario, verbose: bool = False, skip_target: str | None = None,
                 progress: Progress = SILENT, extend=None):
        self.scenario, self.progress = scenario, progress
        if scenario.sizing is not None and extend is None:  # only optimise() adds the capacity decisions
            raise ScenarioError(f"{scenario.source}: sizing: capacities are sized by 'parkdispatch run' (optimise) "
                                "only, not by this workflow; remove the sizing section or fix the capacities")
        progress.stage(f"building the model ({scenario.horizon.steps} steps, {len(scenario.assets)} assets)")
        t0 = time.perf_counter()
        with paused_gc():
            self.model, self.ctx, self.ports = build_model(scenario, skip_target=skip_target)
            if extend is not None:
                extend(self.model, self.ctx, self.ports)
        self.build_seconds = time.perf_counter() - t0
        progress.stage("handing it to HiGHS")
        self.seam = HighsModel(self.model, scenario.index, verbose, progress, scenario.solver.highs_options)
        self.pairs = Exclusivity(self.seam, [pair for port in self.ports.values() for pair in port.exclusive],
                                 scenario.solver.chord_cuts)
        self.relaxed = relax_all(self.seam) if scenario.solver.binaries == "never" else None
        self._handed_over = (self.seam.n_columns, self.seam.highs.getNumRow())

    def reset(self) -> None:
        """Back to the model as handed over (no exclusivity binaries, no added rows, no basis), keeping
        the current costs and bounds: a re-solve then does not depend on what was solved before."""
        self.pairs.clear()
        self.seam.truncate(*self._handed_over)

    def run(self, time_limit_s: float, mip_gap: float, binaries: str | None = None) -> tuple[SolveInfo, int]:
        """Solve only (no extraction): the solve's info and the lazy binary rounds it took; ``binaries``
        overrides the scenario's ``solver.binaries`` for this solve (``never``: add none)."""
        self.progress.stage(f"solving ({self.seam.n_columns:,} columns, {self.seam.highs.getNumRow():,} rows)")
        return solve_exclusive(self.seam, self.pairs, binaries or self.scenario.solver.binaries, time_limit_s,
                               mip_gap)

    def solve(self, time_limit_s: float | None = None, mip_gap: float | None = None,
              scenario: Scenario | None = None) -> RunResult:
        """Solve (warm after the first time) and extract an unchecked result; ``scenario`` is the one the
        result describes, if the seam's data were changed to another (e.g. an emissions cap)."""
        scenario = scenario or self.scenario
        options = scenario.solver
        time_limit_s = options.time_limit_s if time_limit_s is None else time_limit_s
        mip_gap = options.mip_gap if mip_gap is None else mip_gap
        info, rounds = self.run(time_limit_s, mip_gap)
        return self.result(info, rounds, scenario, time_limit_s, mip_gap)

    def result(self, info: SolveInfo, rounds: int, scenario: Scenario, time_limit_s: float,
               mip_gap: float) -> RunResult:
        """Extract the solution just found (by :meth:`run`) as an unchecked result describing ``scenario``."""
        options = scenario.solver
        self.progress.stage("extracting and checking the schedule")
        t0 = time.perf_counter()
        with paused_gc():
            ds = extract(self.model, scenario, self.ctx)
        extract_seconds = info.load_seconds + time.perf_counter() - t0
        summary = _summary(scenario, ds, info, time_limit_s, mip_gap)
        summary["binaries_used"] = self.pairs.n_added + self.pairs.n_zeroed > 0  # exclusivity enforced somewhere
        summary["exclusivity_binaries"] = {"mode": options.binaries, "lazy_rounds": rounds,
                                           "added": self.pairs.n_added, "held_at_zero": self.pairs.n_zeroed,
                                           "positions": len(self.pairs),
                                           "by_pair": self.pairs.pair_counts()}
        if self.relaxed is not None:
            summary["relaxation"] = relaxation_use(self.seam, self.pairs, self.relaxed, self.ctx.dt_h, self.ctx.weight)
            summary["warnings"] = warnings_of(summary["relaxation"])
        summary["timings"] = {"build_seconds": self.build_seconds, "handover_seconds": self.seam.handover_seconds,
                              "solve_seconds": info.solve_seconds, "extract_seconds": extract_seconds}
        summary["build_seconds"], summary["solve_seconds"] = self.build_seconds, info.solve_seconds
        return RunResult(scenario=scenario, dataset=ds, summary=summary)


def check(result: RunResult) -> RunResult:
    """Run the independent check on ``result``; raise :class:`SolutionCheckError` if it fails."""
    t0 = time.perf_counter()
    problems = check_solution(result.dataset, result.scenario, result.summary["objective_cny"])
    result.summary["timings"]["check_seconds"] = time.perf_counter() - t0
    if result.scenario.solver.binaries == "never":  # the LP relaxation: what only binaries enforce is a warning
        problems, relaxed = split_relaxed(problems)
        result.summary.setdefault("warnings", []).extend(f"check: {p}" for p in relaxed)
    if problems:
        raise SolutionCheckError("the solution failed the independent check:\n  " + "\n  ".join(problems))
    return result


def optimise(
    scenario: Scenario, time_limit_s: float | None = None, mip_gap: float | None = None, verbose: bool = False,
    progress: Progress = SILENT,
) -> RunResult:
    """Solve ``scenario`` and verify the schedule; raise a :class:`ParkDispatchError` on failure."""
    time_limit_s = scenario.solver.time_limit_s if time_limit_s is None else time_limit_s
    mip_gap = scenario.solver.mip_gap if mip_gap is None else mip_gap
    if scenario.sizing is not None:
        from .planning.sized_run import optimise_sized

        return optimise_sized(scenario, time_limit_s, mip_gap, verbose, progress)
    if scenario.horizon.typical_periods is not None:  # a year of typical days: optimiser.planning.typical
        from .planning.typical import optimise_typical

        return optimise_typical(scenario, time_limit_s, mip_gap, verbose, progress)
    return solve_checked(Dispatch(scenario, verbose, progress=progress), time_limit_s, mip_gap)


def solve_checked(dispatch: Dispatch, time_limit_s: float | None = None, mip_gap: float | None = None) -> RunResult:
    """Solve a built :class:`Dispatch` and verify the schedule (an infeasible hard share target is
    reported with its highest achievable value)."""
    scenario = dispatch.scenario
    time_limit_s = scenario.solver.time_limit_s if time_limit_s is None else time_limit_s
    mip_gap = scenario.solver.mip_gap if mip_gap is None else mip_gap
    try:
        result = dispatch.solve(time_limit_s, mip_gap)
    except InfeasibleError as exc:
        raise _with_achievable(exc, scenario, time_limit_s, mip_gap) from None
    return check(result)


def status_text(summary: dict) -> str:
    """``optimal`` with the MIP gap it was proven to, or ``time_limit`` with the gap left."""
    gap, limit = summary.get("mip_gap"), summary["solver"]["mip_gap_limit"]
    if summary["status"] == "optimal":
        return "optimal (LP)" if gap is None else f"optimal within MIP gap {gap:.2g} (limit {limit:g})"
    return f"{summary['status']}" + ("" if gap is None else f" (MIP gap {gap:.2%} left)")


def _with_achievable(exc: InfeasibleError, scenario: Scenario, time_limit_s: float,
                     mip_gap: float) -> InfeasibleError:
    """Add the highest achievable value of each hard share target named in the infeasible subset."""
    from .achievable import highest_achievable

    notes = []
    for name in ("renewable_share_min", *SHARE_TARGETS):
        target = getattr(scenario.targets, name)
        if isinstance(target, float):  # renewable_share_min: a plain number, always hard
            value, year_to_date = target, None
        elif target is not None and target.hard:
            value, year_to_date = target.value, target.year_to_date
        else:
            continue
        if f"targets.{name}" not in exc.families:
            continue
        best = highest_achievable(scenario, name, time_limit_s, mip_gap)
        word = "lowest achievable" if name == "curtailment_rate_max" else "highest achievable"
        notes.append(f"{name} {value:g} cannot be met: the {word} value is "
                     + ("unknown (the other constraints are infeasible too)" if best is None else f"{best:.6g}")
                     + (" (before the year-to-date carry-over)" if year_to_date else ""))
    if not notes:
        return exc
    return InfeasibleError(f"{exc}\n" + "\n".join(notes), exc.families)


def kpi_summary(scenario: Scenario, ds: xr.Dataset) -> dict:
    """The summary's totals, park accounting, storage and heat entries, recomputed from a result Dataset."""
    totals = kpis(ds, scenario)
    return {
        **{k: v for k, v in totals.items() if k != "objective_recomputed_cny"},
        **park_accounting(ds, scenario),
        "storage": storage_summary(ds, scenario),
        "heat_by_source_kwh_th": heat_by_source(ds, scenario),
        "heat_levels": heat_level_summary(ds, scenario),
        "level_targets": level_target_summary(scenario.assets, lambda name: asset_flows(ds, name)),
    }


def _summary(scenario: Scenario, ds: xr.Dataset, info: SolveInfo, time_limit_s: float, mip_gap: float) -> dict:
    summary = {
        "status": info.status,
        "objective_cny": info.objective_cny,
        **kpi_summary(scenario, ds),
        "mip_gap": info.mip_gap,
        "model_size": {"variables": info.n_variables, "constraints": info.n_constraints, "binaries": info.n_binaries},
        "park": scenario.park.name,
        "horizon": {
            "start": scenario.index[0].isoformat(),
            "steps": scenario.horizon.steps,
            "step_minutes": scenario.horizon.step_minutes,
            "timezone": scenario.park.timezone,
        },
        "scenario": scenario.source,
        "scenario_sha256": scenario.sha256,
        "weather": None if scenario.weather_frame is None else {
            "source": str(scenario.weather_frame.attrs.get("source", "")),
            "synthetic": scenario.weather_synthetic,
        },
        "package_version": __version__,
        "solver": {"name": "highs", "highspy": _version("highspy"), "pyomo": _version("pyomo"),
                   "time_limit_s": time_limit_s, "mip_gap_limit": mip_gap},
    }
    summary["status_detail"] = status_text(summary)
    return summary


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:  # pragma: no cover
        return "unknown"
