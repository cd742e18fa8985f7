"""One sweep case in a worker process: solve, check, and return a JSON-able record.

A worker keeps one built model (:class:`optimiser.run.Dispatch`) for the group of cases that
differ from each other only in data that maps to objective coefficients (:data:`DATA_PATHS`:
time-of-use and feed-in prices, the carbon price, the grid emission factor under a cost
objective without an emissions cap). For such a case the objective is changed on the live
HiGHS model instead of rebuilding:

    c_case = c_ref - d(ref) + d(case),   d(s) = Δt·(π⁺_s·g⁺ - π⁻_s·g⁻) + p_s · E_s(x)

with the grid prices π, the carbon price p and the model's emissions form E (grid import x
factor + fuels, :func:`optimiser.targets.emission_form`) of scenario s; ``ref`` is the group's
lowest-numbered case, the model's build scenario. Before every case the seam is put back to
its state after the hand-over (added exclusivity binaries and their rows deleted, the basis
cleared), so a case's result does not depend on which worker ran which cases before it: the
seeds and lazy rounds then run exactly as in a fresh build with the case's own costs. Every
result is checked by the independent check against the case's own scenario. Everything else
(sizes, assets, targets) is rebuilt.
"""

from __future__ import annotations

import dataclasses
import os
import re
import resource
import time
import traceback
from dataclasses import dataclass

import numpy as np

from ..errors import InfeasibleError, ParkDispatchError
from ..run import Dispatch, RunResult, check, optimise
from ..scenario import Scenario
from ..solve import single_threaded
from ..targets import emission_form

DATA_PATHS = (
    re.compile(r"^tariff\.time_of_use\.prices_cny_per_kwh\.\w+$"),
    re.compile(r"^tariff\.(import|export)_cny_per_kwh$"),
    re.compile(r"^objective\.carbon_price_cny_per_tco2$"),
    re.compile(r"^grid\.emission_factor_tco2_per_mwh$"),
)
"""scenario fields that change only objective coefficients (under minimise: cost, no emissions cap)"""

EXIT_CLASS = {0: "optimal", 2: "bad_input", 3: "infeasible", 4: "solver_error", 5: "check_failed", 1: "error"}
SKIPPED = ("timings", "model_size", "solver", "horizon", "exclusivity_binaries", "build_seconds", "solve_seconds",
           "heat_levels", "weather")
"""summary.json entries that are run metadata (timings vary run to run), not KPIs"""
_ACHIEVABLE = re.compile(r"(\w+) \S+ cannot be met: the (?:highest|lowest) achievable value is ([-+0-9.eE]+)")


def is_data_path(path: str) -> bool:
    return any(p.match(path) for p in DATA_PATHS)


def data_only_allowed(scenario: Scenario) -> bool:
    """Objective-coefficient reuse is exact only for a cost objective without an emissions cap."""
    return (scenario.objective.minimise == "cost" and scenario.objective.emissions_max_tco2 is None
            and scenario.sizing is None)  # a sized case is solved by optimise, capacities and all


@dataclass
class Task:
    """What a worker needs for one case: the case's scenario, validated in the parent (it pickles
    with its series resolved, so a worker reads no files and validates nothing)."""

    number: int
    key: str
    scenario: Scenario
    group: str = ""
    """non-empty: re-solve the group's model with this case's objective"""
    reference: Scenario | None = None
    """the group's model is built from this scenario (its lowest-numbered case)"""
    keep_dispatch: bool = False


class _Reusable:
    """A built model of one group, put back to its post-hand-over state before each case."""

    def __init__(self, reference: Scenario):
        self.reference = reference
        self.dispatch = Dispatch(reference)
        seam = self.dispatch.seam
        self.cost, self.offset = seam.cost.copy(), seam.offset
        self.ref_terms = data_terms(self.dispatch, reference)

    def solve(self, scenario: Scenario) -> RunResult:
        self.dispatch.reset()
        vector, constant = data_terms(self.dispatch, scenario)
        ref_vector, ref_constant = self.ref_terms
        self.dispatch.seam.set_objective(self.cost - ref_vector + vector, self.offset - ref_constant + constant)
        self.dispatch.ctx = dataclasses.replace(
            self.dispatch.ctx, carbon_price_cny_per_tco2=scenario.objective.carbon_price_cny_per_tco2)
        return check(self.dispatch.solve(scenario=scenario))


def data_terms(dispatch: Dispatch, scenario: Scenario) -> tuple[np.ndarray, float]:
    """The objective's data-dependent part d(s) as a vector over the seam's columns, and its constant."""
    seam, ctx, grid = dispatch.seam, dispatch.ctx, dispatch.model.grid
    n = ctx.n
    export = np.broadcast_to(np.asarray(scenario.tariff.export_cny_per_kwh, dtype=float), (n,))
    vector = seam.vector(ctx.dt_h * scenario.import_prices(), list(grid.import_kw.values()))
    vector += seam.vector(-ctx.dt_h * export, list(grid.export_kw.values()))
    price = scenario.objective.carbon_price_cny_per_tco2
    constant = 0.0
    if price:
        form = emission_form(dispatch.model, ctx, scenario)
        vector += price * seam.vector(form.coefs, form.vars)
        constant = price * form.constant
    return vector, constant


_models: dict[str, _Reusable] = {}
"""this process's reusable model (at most one: a worker holds one model's memory)"""


def solve_case(task: Task, scenario: Scenario) -> RunResult:
    """The case's checked result: re-solved on the group's model, or built fresh."""
    if not task.group:
        return optimise(scenario)
    model = _models.get(task.group)
    if model is None:
        _models.clear()
        model = _models[task.group] = _Reusable(task.reference)
    try:
        return model.solve(scenario)
    except InfeasibleError:
        _models.clear()
        return optimise(scenario)  # raises again, with the highest achievable share in its message


def run_case(task: Task) -> dict:
    """Solve one case; never raises for a case's own failure (recorded with its exit class and message).
    Cases run in parallel one worker process per core: HiGHS gets one thread (:func:`single_threaded`)."""
    single_threaded()
    t0 = time.perf_counter()
    record = {"case": task.number, "key": task.key, "reused_model": bool(task.group and task.group in _models)}
    dataset = None
    try:
        result = solve_case(task, task.scenario)
        code = 0 if result.status == "optimal" else 4
        record.update(status=result.status, exit_code=code, exit_class=EXIT_CLASS[code] if code == 0 else "time_limit",
                      message=result.summary["status_detail"], **flat_kpis(result.summary))
        timings = result.summary["timings"]
        built = 0.0 if record["reused_model"] else timings["build_seconds"] + timings["handover_seconds"]
        record["solve_seconds"] = timings["solve_seconds"]
        record["run_seconds"] = built + timings["solve_seconds"] + timings["extract_seconds"] + timings["check_seconds"]
        dataset = result.dataset if task.keep_dispatch else None
    except ParkDispatchError as exc:
        code = exc.exit_code
        record.update(status=EXIT_CLASS.get(code, "error"), exit_code=code, exit_class=EXIT_CLASS.get(code, "error"),
                      message=str(exc), kpis={}, units={})
        record["achievable"] = {m[1]: float(m[2]) for m in _ACHIEVABLE.finditer(str(exc))}
    except Exception as exc:  # noqa: BLE001 - one case's bug must not stop the sweep; recorded with its trace
        record.update(status="error", exit_code=1, exit_class="error", kpis={}, units={},
                      message=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}")
    record.setdefault("achievable", {})
    record["seconds"] = time.perf_counter() - t0
    record["pid"], record["max_rss_kb"] = os.getpid(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"record": record, "dataset": dataset}


def flat_kpis(summary: dict) -> dict:
    """Every numeric KPI of a summary as ``{"kpis": {name: value}, "units": {name: unit}}``.

    Top-level numbers keep their names; ``kpis.X.value`` -> ``kpi_X``; ``accounting.X`` ->
    ``accounting_X``; ``storage.A.X`` -> ``storage_A_X``; ``objective_cny - carbon_cost_cny`` is
    added as ``cost_excl_carbon_cny`` (comparable across carbon prices).
    """
    values, units = {}, {}

    def put(name, value, unit=None):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return
        values[name], units[name] = float(value), unit or unit_of(name)

    for name, value in summary.items():
        if name in SKIPPED:
            continue
        if name == "kpis":
            for kpi, entry in value.items():
                put(f"kpi_{kpi}", entry.get("value"), entry.get("unit"))
        elif name == "storage":
            for asset, entry in value.items():
                for field, number in entry.items():
                    put(f"storage_{asset}_{field}", number)
        elif isinstance(value, dict):  # e.g. accounting, heat_by_source_kwh_th: units from the field, else the parent
            for field, number in value.items():
                put(f"{name}_{field}", number, None if unit_of(field) != "1" else unit_of(name))
        else:
            put(name, value)
    if "objective_cny" in values and "carbon_cost_cny" in values:
        put("cost_excl_carbon_cny", values["objective_cny"] - values["carbon_cost_cny"])
    return {"kpis": values, "units": units}


_SUFFIX_UNITS = {"_cny": "CNY", "_tco2": "tCO2", "_tce": "tce", "_m3": "m3", "_kg": "kg", "_kw": "kW", "_kwh": "kWh",
                 "_kw_th": "kW_th", "_kwh_th": "kWh_th", "_tco2_per_tce": "tCO2/tce", "_tco2_per_mwh": "tCO2/MWh",
                 "_cny_per_kwh": "CNY/kWh", "_cny_per_tco2": "CNY/tCO2", "_kgce_per_kwh": "kgce/kWh"}


def unit_of(name: str) -> str:
    """Units from a KPI name's longest known suffix (``1`` for shares, rates, counts)."""
    for suffix in sorted(_SUFFIX_UNITS, key=len, reverse=True):
        if name.endswith(suffix):
            return _SUFFIX_UNITS[suffix]
    return "1"


def task_for(case, reference=None, keep_dispatch: bool = False) -> Task:
    return Task(number=case.number, key=case.key, scenario=case.scenario, group=case.group,
                reference=None if reference is None else reference.scenario, keep_dispatch=keep_dispatch)
