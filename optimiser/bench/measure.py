"""Timing one dispatch run stage by stage, and the HiGHS floor on the same model.

Used by ``parkdispatch bench`` (:mod:`optimiser.bench.runner`) and ``benchmarks/bench_core.py``.

* :func:`measure`: a scenario built, handed over, solved, extracted and checked
  ``repeat`` times in this process after one warm-up run (imports, caches); the
  medians of the stages [s] and of the whole run in wall and CPU time (all threads of
  the process: on a loaded machine wall time waits for a core, CPU time does not), the
  run's size, objective, gap and KPIs.
* :func:`floor`: the run's final model (with the binaries it added) written to MPS
  and read and solved by ``highspy`` alone with the same options: what HiGHS needs
  without any modelling layer.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable

from ..run import Dispatch, check
from ..scenario import Scenario

STAGES = ("build_seconds", "handover_seconds", "solve_seconds", "extract_seconds")
KPI_FIELDS = ("import_kwh", "export_kwh", "curtailment_kwh", "renewable_share", "emissions_tco2")
"""headline figures of summary.json reported per run (plus the park KPIs of the accounting)"""


def floor(dispatch: Dispatch, mip_gap: float, time_limit_s: float) -> dict[str, float]:
    """HiGHS alone on the run's final model: read its MPS file and solve it [s], and its objective."""
    import highspy

    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "model.mps")
        dispatch.seam.highs.writeModel(path)
        highs = highspy.Highs()
        highs.setOptionValue("output_flag", False)
        highs.setOptionValue("mip_rel_gap", mip_gap)
        highs.setOptionValue("time_limit", time_limit_s)
        t0 = time.perf_counter()
        highs.readModel(path)
        t1 = time.perf_counter()
        highs.run()
        t2 = time.perf_counter()
    return {"read_seconds": t1 - t0, "solve_seconds": t2 - t1, "objective": highs.getInfo().objective_function_value}


def measure(make_scenario: Callable[[], Scenario], repeat: int, with_floor: bool = True) -> dict:
    """Medians over ``repeat`` runs (after a warm-up) of the stages, the whole run and the floor."""
    import highspy  # noqa: F401  (imports outside the clock, also for a single run without warm-up)
    import pyomo.environ  # noqa: F401
    import xarray  # noqa: F401

    runs, floors = [], []
    for i in range(repeat + 1):  # the first run warms up imports and caches
        scenario = make_scenario()
        t0, c0 = time.perf_counter(), time.process_time()
        dispatch = Dispatch(scenario)
        result = check(dispatch.solve())
        total, cpu = time.perf_counter() - t0, time.process_time() - c0
        if i or repeat == 0:
            runs.append({**{k: result.summary["timings"][k] for k in STAGES}, "total_seconds": total, "cpu_seconds": cpu,
                         "check_seconds": result.summary["timings"]["check_seconds"]})
            if with_floor:
                floors.append(floor(dispatch, scenario.solver.mip_gap, scenario.solver.time_limit_s))
    s = result.summary
    out = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    if floors:
        out["floor_read_seconds"] = statistics.median(f["read_seconds"] for f in floors)
        out["floor_solve_seconds"] = statistics.median(f["solve_seconds"] for f in floors)
        out["floor_objective_cny"] = floors[-1]["objective"]
    out.update(size=s["model_size"], objective_cny=s["objective_cny"], mip_gap=s["mip_gap"], status=s["status"],
               lazy=s["exclusivity_binaries"], kpis={**{k: s[k] for k in KPI_FIELDS},
                                                     **{k: v["value"] for k, v in s["kpis"].items()}})
    return out
