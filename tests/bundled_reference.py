"""The bundled scenarios' objectives and headline KPIs, pinned in ``tests/reference/bundled.json``.

The standard parks' day-ahead runs (``scenarios/standard/<park>_day.yaml``, solved to a
MIP gap of 1e-7) are pinned the same way in ``tests/reference/standard_day.json``.
Regenerate the references (after a change that is meant to change an optimum or a KPI;
commit the diff with a line in CHANGELOG.md saying why) with::

    python tests/bundled_reference.py

``tests/test_bundled_reference.py`` compares every run against it: objectives within
1e-6 relative (a MIP case within its scenario's ``solver.mip_gap``), KPIs within 1e-6
relative (absolute 1e-6 near zero).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
REFERENCE = Path(__file__).resolve().parent / "reference" / "bundled.json"
STANDARD_REFERENCE = Path(__file__).resolve().parent / "reference" / "standard_day.json"
STANDARD_PARKS = ("dezhou", "zhangye", "teda")
STANDARD_MIP_GAP = 1e-7
"""the standard day-ahead parks are pinned solved to this gap, so a MIP's objective compares to 1e-6"""
SUMMARY_KEYS = ("objective_cny", "energy_cost_cny", "storage_cost_cny", "asset_cost_cny", "demand_charge_cny",
                "emissions_tco2", "import_kwh", "export_kwh", "demand_kwh", "renewable_available_kwh",
                "renewable_generation_kwh", "curtailment_kwh", "renewable_share", "peak_import_kw",
                "gas_m3", "hydrogen_produced_kg", "hydrogen_bought_kg", "heat_demand_kwh_th", "ev_charged_kwh",
                "green_purchased_kwh", "target_penalty_cny")
ACCOUNTING_KEYS = ("park_emissions_tco2", "electricity_emissions_tco2", "fuel_emissions_tco2",
                   "electricity_consumed_kwh", "energy_consumption_tce")


def bundled_names() -> list[str]:
    """Every bundled scenario (``scenarios/*.yaml``), by file stem."""
    return sorted(p.stem for p in SCENARIOS.glob("*.yaml"))


def solve_bundled(name: str):
    """Solve and check one bundled scenario (raises if the independent check fails)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from optimiser.run import optimise
    from optimiser.scenario import load_scenario

    return optimise(load_scenario(SCENARIOS / f"{name}.yaml"))


def solve_standard_day(park: str):
    """Solve and check one standard park's day-ahead (``scenarios/standard/<park>_day.yaml``) to STANDARD_MIP_GAP."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from optimiser.run import optimise
    from optimiser.scenario import load_scenario

    return optimise(load_scenario(SCENARIOS / "standard" / f"{park}_day.yaml"), mip_gap=STANDARD_MIP_GAP)


def headline(result) -> dict:
    """The pinned figures of a run: objective, energy and emission totals, accounting, every KPI value."""
    s = result.summary
    values = {key: float(s[key]) for key in SUMMARY_KEYS}
    values.update({f"accounting.{key}": float(s["accounting"][key]) for key in ACCOUNTING_KEYS})
    values.update({f"kpis.{name}": float(k["value"]) for name, k in s["kpis"].items()})
    return {"mip": bool(s["binaries_used"]), "mip_gap_limit": float(s["solver"]["mip_gap_limit"]), "values": values}


def main() -> None:
    """Write the reference files from fresh runs of every bundled scenario and standard day-ahead park."""
    for path, reference in ((REFERENCE, {name: headline(solve_bundled(name)) for name in bundled_names()}),
                            (STANDARD_REFERENCE, {park: headline(solve_standard_day(park)) for park in STANDARD_PARKS})):
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(reference, indent=1, sort_keys=True) + "\n")
        print(f"wrote {path.relative_to(ROOT)} ({len(reference)} scenarios)")


if __name__ == "__main__":
    main()
