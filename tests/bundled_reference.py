"""The bundled scenarios' objectives and headline KPIs, pinned in ``tests/reference/bundled.json``.

Regenerate the reference (after a change that is meant to change an optimum or a KPI;
commit the diff with the reason) with::

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


def headline(result) -> dict:
    """The pinned figures of a run: objective, energy and emission totals, accounting, every KPI value."""
    s = result.summary
    values = {key: float(s[key]) for key in SUMMARY_KEYS}
    values.update({f"accounting.{key}": float(s["accounting"][key]) for key in ACCOUNTING_KEYS})
    values.update({f"kpis.{name}": float(k["value"]) for name, k in s["kpis"].items()})
    return {"mip": bool(s["binaries_used"]), "mip_gap_limit": float(s["solver"]["mip_gap_limit"]), "values": values}


def main() -> None:
    """Write the reference file from fresh runs of every bundled scenario."""
    reference = {name: headline(solve_bundled(name)) for name in bundled_names()}
    REFERENCE.parent.mkdir(exist_ok=True)
    REFERENCE.write_text(json.dumps(reference, indent=1, sort_keys=True) + "\n")
    print(f"wrote {REFERENCE.relative_to(ROOT)} ({len(reference)} scenarios)")


if __name__ == "__main__":
    main()
