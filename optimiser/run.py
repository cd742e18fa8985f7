"""One dispatch run: build, hand over, solve, extract, check; each stage timed."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version

import highspy
import pyomo
import xarray as xr

from . import __version__
from .accounting import park_accounting
from .check import check_solution, tolerance_kw
from .errors import InfeasibleError, SolutionCheckError
from .model import build_model
from .results import asset_flows, extract, heat_by_source, heat_level_summary, kpis, storage_summary
from .scenario import Scenario
from .solve import solve
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


def needs_binaries(scenario: Scenario) -> bool:
    """True when prices make wasting energy pay: a negative import cost or export dearer than import."""
    grid = scenario.grid
    import_cost = scenario.import_prices() + (
        scenario.objective.carbon_price_cny_per_tco2 * grid.emission_factor_tco2_per_mwh / 1000.0
    )
    exports_pay = grid.export_limit_kw > 0 and bool((scenario.tariff.export_cny_per_kwh > import_cost).any())
    return bool((import_cost < 0).any()) or exports_pay


def has_simultaneous_flows(ds: xr.Dataset, scenario: Scenario) -> bool:
    """True if any storage charges and discharges, or the grid imports and exports, in one step."""
    tol = tolerance_kw(ds)
    if scenario.grid.simultaneous_flow_steps(asset_flows(ds, "grid"), tol).size:
        return True
    return any(a.simultaneous_flow_steps(asset_flows(ds, a.name), tol).size for a in scenario.assets)


def optimise(
    scenario: Scenario, time_limit_s: float | None = None, mip_gap: float | None = None, verbose: bool = False
) -> RunResult:
    """Solve ``scenario`` and verify the schedule; raise a :class:`ParkDispatchError` on failure."""
    options = scenario.solver
    time_limit_s = options.time_limit_s if time_limit_s is None else time_limit_s
    mip_gap = options.mip_gap if mip_gap is None else mip_gap
    mode = options.binaries
    binaries = mode == "always" or (mode == "auto" and needs_binaries(scenario))
    try:
        result = _solve_once(scenario, binaries, time_limit_s, mip_gap, verbose)
    except InfeasibleError as exc:
        raise _with_achievable(exc, scenario, binaries, time_limit_s, mip_gap) from None
    if mode == "auto" and not binaries and has_simultaneous_flows(result.dataset, scenario):
        first_seconds = result.summary["timings"]
        result = _solve_once(scenario, True, time_limit_s, mip_gap, verbose)
        result.summary["binaries_reason"] = "the LP optimum had simultaneous charge/discharge or import/export"
        result.summary["first_lp_timings"] = first_seconds
    elif binaries:
        result.summary["binaries_reason"] = f"binaries: {mode}" if mode == "always" else (
            "negative import cost or export price above import price")
    t0 = time.perf_counter()
    problems = check_solution(result.dataset, scenario, result.summary["objective_cny"])
    result.summary["timings"]["check_seconds"] = time.perf_counter() - t0
    if problems:
        raise SolutionCheckError("the solution failed the independent check:\n  " + "\n  ".join(problems))
    return result


def _with_achievable(exc: InfeasibleError, scenario: Scenario, binaries: bool, time_limit_s: float,
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
        best = highest_achievable(scenario, name, binaries, time_limit_s, mip_gap)
        word = "lowest achievable" if name == "curtailment_rate_max" else "highest achievable"
        notes.append(f"{name} {value:g} cannot be met: the {word} value is "
                     + ("unknown (the other constraints are infeasible too)" if best is None else f"{best:.6g}")
                     + (" (before the year-to-date carry-over)" if year_to_date else ""))
    if not notes:
        return exc
    return InfeasibleError(f"{exc}\n" + "\n".join(notes), exc.families)


def _solve_once(scenario: Scenario, binaries: bool, time_limit_s: float, mip_gap: float, verbose: bool) -> RunResult:
    t0 = time.perf_counter()
    model, ctx, _ = build_model(scenario, binaries=binaries)
    t1 = time.perf_counter()
    info = solve(model, scenario.index, time_limit_s, mip_gap, verbose)
    t2 = time.perf_counter()
    ds = extract(model, scenario, ctx)
    t3 = time.perf_counter()
    totals = kpis(ds, scenario)
    summary = {
        "status": info.status,
        "objective_cny": info.objective_cny,
        **{k: v for k, v in totals.items() if k != "objective_recomputed_cny"},
        **park_accounting(ds, scenario),
        "storage": storage_summary(ds, scenario),
        "heat_by_source_kwh_th": heat_by_source(ds, scenario),
        "heat_levels": heat_level_summary(ds, scenario),
        "mip_gap": info.mip_gap,
        "binaries_used": binaries,
        "model_size": {"variables": info.n_variables, "constraints": info.n_constraints, "binaries": info.n_binaries},
        "build_seconds": t1 - t0,
        "solve_seconds": info.solve_seconds,
        "timings": {
            "build_seconds": t1 - t0,
            "handover_seconds": info.handover_seconds,
            "solve_seconds": info.solve_seconds,
            "extract_seconds": info.load_seconds + (t3 - t2),
        },
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
        "solver": {"name": "highs", "highspy": _version("highspy"), "pyomo": pyomo.version.version,
                   "time_limit_s": time_limit_s, "mip_gap_limit": mip_gap},
    }
    return RunResult(scenario=scenario, dataset=ds, summary=summary)


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:  # pragma: no cover
        return highspy.Highs().version()
