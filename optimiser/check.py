"""Independent post-solve verification: re-derives balances and physics from the results alone.

Nothing here reads the Pyomo model: the checks use the result Dataset, the
scenario's inputs and each asset's own ``check`` / ``net_injection_kw``.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .results import asset_flows, kpis
from .scenario import Scenario

RELATIVE_TOLERANCE = 1e-6


def tolerance_kw(ds: xr.Dataset) -> float:
    """Absolute tolerance for flows [kW] and levels [kWh]: 1e-6 of the largest magnitude (at least 1e-6)."""
    largest = max((float(np.abs(v.values).max()) for v in ds.data_vars.values() if v.attrs.get("units") in {"kW", "kWh"}),
                  default=1.0)
    return RELATIVE_TOLERANCE * max(1.0, largest)


def check_solution(ds: xr.Dataset, scenario: Scenario, objective_cny: float) -> list[str]:
    """Every violation found in a solution (an empty list means it passed).

    Checks: each asset's bounds and dynamics (state-of-charge continuity, end
    rule, no simultaneous charge and discharge), grid limits, the bus balance at
    every step, the objective recomputed from the flows, and the targets.
    """
    dt, tol = scenario.horizon.dt_h, tolerance_kw(ds)
    grid = asset_flows(ds, "grid")
    problems = scenario.grid.check(grid, dt, tol)
    residual = scenario.grid.net_injection_kw(grid)
    for asset in scenario.assets:
        flows = asset_flows(ds, asset.name)
        problems += asset.check(flows, dt, tol)
        residual = residual + asset.net_injection_kw(flows)
    worst = int(np.argmax(np.abs(residual)))
    if abs(residual[worst]) > tol:
        problems.append(f"bus balance is off by {residual[worst]:.6g} kW at step {worst} ({ds.time.values[worst]})")
    totals = kpis(ds, scenario)
    gross_cny = 1.0 + abs(objective_cny) + dt * float(
        np.abs(grid["import_price_cny_per_kwh"] * grid["import_kw"]).sum()
        + np.abs(grid["export_price_cny_per_kwh"] * grid["export_kw"]).sum()
    )
    if abs(totals["objective_recomputed_cny"] - objective_cny) > RELATIVE_TOLERANCE * gross_cny:
        problems.append(f"objective {objective_cny:.6f} CNY differs from the cost recomputed from the flows "
                        f"{totals['objective_recomputed_cny']:.6f} CNY")
    target = scenario.targets.renewable_share_min
    if target is not None and totals["renewable_share"] < target - RELATIVE_TOLERANCE:
        problems.append(f"renewable_share {totals['renewable_share']:.6f} is below the target {target}")
    return problems
