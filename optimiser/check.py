"""Independent post-solve verification: re-derives balances and physics from the results alone.

Nothing here reads the Pyomo model: the checks use the result Dataset, the
scenario's inputs and each asset's own ``check`` / ``net_injection``.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .assets.base import BUS_UNITS, ELECTRICITY
from .results import FLOW_UNITS, asset_flows, kpis
from .scenario import Scenario

RELATIVE_TOLERANCE = 1e-6


def tolerance_kw(ds: xr.Dataset) -> float:
    """Absolute tolerance for flows [kW] and levels [kWh]: 1e-6 of the largest magnitude (at least 1e-6)."""
    largest = max((float(np.abs(v.values).max()) for v in ds.data_vars.values() if v.attrs.get("units") in FLOW_UNITS),
                  default=1.0)
    return RELATIVE_TOLERANCE * max(1.0, largest)


def check_solution(ds: xr.Dataset, scenario: Scenario, objective_cny: float) -> list[str]:
    """Every violation found in a solution (an empty list means it passed).

    Checks: each asset's bounds and dynamics (state-of-charge continuity, end
    rule, no simultaneous charge and discharge), grid limits, the balance of
    every bus (electricity, heat, hydrogen) at every step, the objective
    recomputed from the flows, and the targets.
    """
    dt, tol = scenario.horizon.dt_h, tolerance_kw(ds)
    grid = asset_flows(ds, "grid")
    problems = scenario.grid.check(grid, dt, tol)
    residuals = {ELECTRICITY: scenario.grid.net_injection_kw(grid)}
    for asset in scenario.assets:
        flows = asset_flows(ds, asset.name)
        problems += asset.check(flows, dt, tol)
        for bus, injection in asset.net_injection(flows).items():
            residuals[bus] = residuals.get(bus, 0.0) + injection
    for bus, residual in residuals.items():
        problems += balance_violations(bus, residual, ds, tol)
    totals = kpis(ds, scenario)
    gross_cny = 1.0 + abs(objective_cny) + abs(totals["demand_charge_cny"]) + abs(totals["asset_cost_cny"])
    gross_cny += dt * float(
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


def balance_violations(bus: str, residual: np.ndarray, ds: xr.Dataset, tol: float) -> list[str]:
    """A message if the summed injections into ``bus`` are not zero at some step (the worst step)."""
    residual = np.broadcast_to(residual, (ds.sizes["time"],))
    worst = int(np.argmax(np.abs(residual)))
    if abs(residual[worst]) <= tol:
        return []
    label = "bus" if bus == ELECTRICITY else bus
    when = ds.indexes["time"][worst].isoformat()
    return [f"{label} balance is off by {residual[worst]:.6g} {BUS_UNITS[bus]} at step {worst} ({when})"]
