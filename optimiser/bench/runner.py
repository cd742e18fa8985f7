"""``parkdispatch bench``: the standard parks at their horizons, timed, against HiGHS alone and PyPSA.

Each (park, horizon) runs in a fresh process (so its peak memory is its own): the
scenario is loaded (timed: weather, PV and wind, series), then :func:`measure` runs
it ``repeat`` times after a warm-up (medians of build, hand-over, solve, extraction,
check and the whole run), and the HiGHS floor solves the run's final model from MPS.
With PyPSA installed (``pip install 'parkdispatch[bench]'``), the park's electricity-only
part (:mod:`optimiser.bench.peer`) is solved by this project and by PyPSA, each
``repeat`` times in its own process; their objectives must agree to 1e-6 relative.

Written atomically into ``--out``: ``bench.csv`` (one row per case, every figure) and
``bench.md`` (the machine, then the table). Ratios: ``overhead`` = (build + hand-over +
extraction) / the floor's solve; ``pypsa_ratio`` = PyPSA's wall time / ours on the
electricity-only part.
"""

from __future__ import annotations

import csv
import io
import os
import platform
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from importlib.metadata import PackageNotFoundError, version
from multiprocessing import get_context
from pathlib import Path

from . import HORIZONS, PARKS, STANDARD

OBJECTIVE_RTOL = 1e-6
COLUMNS = ("park", "horizon", "steps", "status", "variables", "constraints", "binaries", "load_s", "build_s",
           "handover_s", "solve_s", "extract_s", "check_s", "total_s", "total_cpu_s", "floor_solve_s", "overhead_ratio",
           "peak_rss_mb", "objective_cny", "floor_objective_cny", "mip_gap", "import_mwh", "export_mwh",
           "curtailment_mwh", "renewable_share", "emissions_tco2", "carbon_intensity_tco2_per_tce",
           "green_electricity_share", "clean_energy_share", "elec_objective_cny", "pypsa_objective_cny",
           "elec_total_s", "pypsa_s", "pypsa_ratio", "peer_note")


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: kB


def _case(path: str, repeat: int) -> dict:
    """One (park, horizon) in this (fresh) process: load, measure, floor."""
    from ..scenario import load_scenario
    from .measure import measure

    t0 = time.perf_counter()
    load_scenario(path)
    load_seconds = time.perf_counter() - t0
    m = measure(lambda: load_scenario(path), repeat)
    return {**m, "load_seconds": load_seconds, "peak_rss_mb": _peak_rss_mb()}


def _electricity(path: str, repeat: int, peer: str) -> dict:
    """The park's electricity-only part, solved ``repeat`` times by us (``peer='ours'``) or PyPSA."""
    from ..scenario import load_scenario
    from .measure import measure
    from .peer import electricity_only, solve_pypsa

    reduced = electricity_only(load_scenario(path))
    if peer == "ours":
        m = measure(lambda: reduced, repeat, with_floor=False)
        return {"seconds": m["total_seconds"], "objective_cny": m["objective_cny"],
                "status": m["status"] + ("" if m["mip_gap"] is None else f" (gap {m['mip_gap']:.1e})")}
    runs = [solve_pypsa(reduced) for _ in range(repeat + 1)][1 if repeat else 0:]  # as measure(): warm-up dropped
    return {"seconds": statistics.median(r["seconds"] for r in runs), "objective_cny": runs[-1]["objective_cny"],
            "status": runs[-1]["status"]}


def _in_fresh_process(function, *args):
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def machine() -> dict[str, str]:
    """CPU, cores, load, Python and the solver stack's versions."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    out = {"cpu": cpu, "cores": str(os.cpu_count()), "python": platform.python_version(),
           "platform": platform.platform()}
    for package in ("pyomo", "highspy", "pypsa", "linopy"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "not installed"
    if hasattr(os, "getloadavg"):
        out["load_average_1_5_15"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    out["date_utc"] = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    return out


def row(park: str, horizon: str, m: dict, peer: dict | None, note: str) -> dict:
    """One table row [s, MB, CNY, MWh] from a case's measurement and its peer comparison."""
    k = m["kpis"]
    overhead = (m["build_seconds"] + m["handover_seconds"] + m["extract_seconds"]) / max(m["floor_solve_seconds"], 1e-9)
    out = {"park": park, "horizon": horizon, "steps": None, "status": m["status"], **m["size"],
           "load_s": m["load_seconds"], "build_s": m["build_seconds"], "handover_s": m["handover_seconds"],
           "solve_s": m["solve_seconds"], "extract_s": m["extract_seconds"], "check_s": m["check_seconds"],
           "total_s": m["total_seconds"], "total_cpu_s": m["cpu_seconds"], "floor_solve_s": m["floor_solve_seconds"], "overhead_ratio": overhead,
           "peak_rss_mb": m["peak_rss_mb"], "objective_cny": m["objective_cny"],
           "floor_objective_cny": m["floor_objective_cny"], "mip_gap": m["mip_gap"],
           "import_mwh": k["import_kwh"] / 1e3, "export_mwh": k["export_kwh"] / 1e3,
           "curtailment_mwh": k["curtailment_kwh"] / 1e3, "renewable_share": k["renewable_share"],
           "emissions_tco2": k["emissions_tco2"], "carbon_intensity_tco2_per_tce": k.get("carbon_intensity_tco2_per_tce"),
           "green_electricity_share": k.get("green_electricity_share"), "clean_energy_share": k.get("clean_energy_share"),
           "peer_note": note}
    if peer:
        out.update(elec_objective_cny=peer["ours"]["objective_cny"], pypsa_objective_cny=peer["pypsa"]["objective_cny"],
                   elec_total_s=peer["ours"]["seconds"], pypsa_s=peer["pypsa"]["seconds"],
                   pypsa_ratio=peer["pypsa"]["seconds"] / peer["ours"]["seconds"])
    return out


def run_bench(parks, horizons, repeat: int, folder: Path = STANDARD, peer: bool = True, log=print) -> tuple[list, dict]:
    """Every (park, horizon): a row per case (see module doc) and the machine description."""
    rows = []
    for horizon in horizons:
        for park in parks:
            path = str(folder / f"{park}_{horizon}.yaml")
            log(f"bench: {park} {horizon} ...")
            try:
                m = _in_fresh_process(_case, path, repeat)
            except Exception as exc:  # a failed case is a row of the table (exit code, message), not the end
                rows.append({"park": park, "horizon": horizon, "status": "failed",
                             "peer_note": f"{type(exc).__name__}: {str(exc).splitlines()[0]}"})
                log(f"bench: {park} {horizon} failed: {rows[-1]['peer_note']}")
                continue
            result, note = None, ""
            if peer:
                try:
                    result = {who: _in_fresh_process(_electricity, path, repeat, who) for who in ("ours", "pypsa")}
                    a, b = result["ours"]["objective_cny"], result["pypsa"]["objective_cny"]
                    if abs(a - b) > OBJECTIVE_RTOL * max(abs(a), abs(b), 1.0):
                        note = (f"objectives differ: ours {a:.2f} ({result['ours']['status']}), "
                                f"PyPSA {b:.2f} ({result['pypsa']['status']})")
                except ImportError as exc:
                    note = f"PyPSA not available ({exc})"
                except Exception as exc:  # report the peer's failure in the table, keep benchmarking
                    note = f"PyPSA failed: {type(exc).__name__}: {exc}"
            r = row(park, horizon, m, result, note)
            r["steps"] = {"day": 96, "week": 672, "year": 8760}.get(horizon)
            rows.append(r)
            log(f"bench: {park} {horizon}: total {r['total_s']:.3f} s, solve {r['solve_s']:.3f} s, "
                f"overhead {r['overhead_ratio']:.2f}, PyPSA ratio {r.get('pypsa_ratio') or float('nan'):.1f} {note}")
    return rows, machine()


def to_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({c: r.get(c) for c in COLUMNS})
    return buffer.getvalue()


def _f(value, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def to_markdown(rows: list[dict], about: dict, repeat: int) -> str:
    lines = [f"Machine: {about['cpu']}, {about['cores']} cores; Python {about['python']}, Pyomo {about['pyomo']}, "
             f"highspy {about['highspy']}, PyPSA {about['pypsa']} (linopy {about['linopy']}); load average "
             f"{about.get('load_average_1_5_15', '?')} at the end; {about['date_utc']} UTC; "
             + (f"medians of {repeat} after a warm-up." if repeat else "one run each, no warm-up."), "",
             "| park | horizon | status | variables | constraints | binaries | build s | hand-over s | solve s | "
             "extract s | total s | CPU s | floor solve s | overhead | peak MB | objective CNY | gap | import MWh | "
             "renewable share | emissions tCO2 | PyPSA s | ours (elec.) s | PyPSA ratio |",
             "|" + "---|" * 23]
    for r in rows:
        if r["status"] == "failed":
            lines.append(f"| {r['park']} | {r['horizon']} | failed |" + " — |" * 20)
            continue
        lines.append("| " + " | ".join([
            r["park"], r["horizon"], r["status"], _f(r["variables"]), _f(r["constraints"]), _f(r["binaries"]),
            _f(r["build_s"]), _f(r["handover_s"]), _f(r["solve_s"]), _f(r["extract_s"]), _f(r["total_s"]),
            _f(r["total_cpu_s"]), _f(r["floor_solve_s"]), _f(r["overhead_ratio"], 2), _f(r["peak_rss_mb"], 0), _f(r["objective_cny"], 2),
            "LP" if r["mip_gap"] is None else f"{r['mip_gap']:.1e}", _f(r["import_mwh"], 1),
            _f(r["renewable_share"]), _f(r["emissions_tco2"], 1), _f(r.get("pypsa_s")), _f(r.get("elec_total_s")),
            _f(r.get("pypsa_ratio"), 1)]) + " |")
    notes = [f"* {r['park']} {r['horizon']}: {r['peer_note']}" for r in rows if r["peer_note"]]
    return "\n".join(lines + ([""] + notes if notes else [])) + "\n"


def run_command(args) -> int:
    """The CLI's ``bench`` subcommand: run, then write ``bench.csv`` and ``bench.md`` into ``--out``."""
    from ..errors import ScenarioError
    from ..outdir import atomic_directory, check_output_dir

    unknown = [p for p in args.parks if p not in PARKS] + [h for h in args.horizons if h not in HORIZONS]
    if unknown or args.repeat < 0:
        raise ScenarioError(f"bench: unknown park or horizon {unknown} (parks {', '.join(PARKS)}; horizons "
                            f"{', '.join(HORIZONS)}) or --repeat < 0")
    folder = Path(args.scenarios)
    check_output_dir(args.out, args.overwrite, protect=[folder])
    rows, about = run_bench(args.parks, args.horizons, args.repeat, folder, peer=not args.no_peer,
                            log=lambda text: print(text, file=sys.stderr))
    text = to_markdown(rows, about, args.repeat)
    with atomic_directory(args.out, args.overwrite, protect=[folder], command="bench") as tmp:
        (tmp / "bench.csv").write_text(to_csv(rows))
        (tmp / "bench.md").write_text(text)
    print(text)
    print(f"outputs in {args.out}")
    return 0
