"""Independent post-solve verification: re-derives balances and physics from the results alone.

Nothing here reads the Pyomo model: the checks use the result Dataset, the
scenario's inputs and each asset's own ``check`` / ``net_injection``.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .accounting import energy_totals, share_terms
from .assets.base import BUS_UNITS, ELECTRICITY, HEAT, bound_violations
from .direct_rules import RULE_LABELS, attribution_violations, projects, rule_rows
from .heat_levels import CASCADE, cascade_violations, level_of, level_residuals
from .results import FLOW_UNITS, asset_flows, kpis
from .scenario import Scenario
from .targets import SHARE_TARGETS, TERM_OF, required_share

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
    every bus (electricity, each heat level with its cascade, hydrogen) at every step, the objective
    recomputed from the flows, and the targets.
    """
    dt, tol = scenario.horizon.dt_h, tolerance_kw(ds)
    grid = asset_flows(ds, "grid")
    problems = scenario.grid.check(grid, dt, tol) + input_violations(grid, scenario)
    residuals = {ELECTRICITY: scenario.grid.net_injection_kw(grid)}
    heat = {}
    for asset in scenario.assets:
        flows = asset_flows(ds, asset.name)
        problems += asset.check(flows, dt, tol)
        for bus, injection in asset.net_injection(flows).items():
            if bus == HEAT:
                heat[level_of(asset)] = heat.get(level_of(asset), 0.0) + injection
            else:
                residuals[bus] = residuals.get(bus, 0.0) + injection
    for bus, residual in residuals.items():
        problems += balance_violations(bus, residual, ds, tol)
    if heat:
        cascade = asset_flows(ds, CASCADE)
        problems += cascade_violations(scenario.heat_levels, cascade, tol)
        for level, residual in level_residuals(scenario.heat_levels, heat, cascade).items():
            problems += balance_violations(HEAT, residual, ds, tol,
                                           label=f"heat ({level})" if scenario.heat_levels else HEAT)
    totals = kpis(ds, scenario)
    gross_cny = 1.0 + abs(objective_cny) + abs(totals["demand_charge_cny"]) + abs(totals["asset_cost_cny"])
    gross_cny += dt * float(
        np.abs(grid["import_price_cny_per_kwh"] * grid["import_kw"]).sum()
        + np.abs(grid["export_price_cny_per_kwh"] * grid["export_kw"]).sum()
    )
    gross_cny += abs(totals["green_purchase_cost_cny"]) + abs(totals["target_penalty_cny"])
    if scenario.objective.minimise == "emissions":
        gross_cny = 1.0 + abs(totals["emissions_tco2"])
    if abs(totals["objective_recomputed_cny"] - objective_cny) > RELATIVE_TOLERANCE * gross_cny:
        problems.append(f"objective {objective_cny:.6f} differs from the one recomputed from the flows "
                        f"{totals['objective_recomputed_cny']:.6f} (minimise {scenario.objective.minimise})")
    target = scenario.targets.renewable_share_min
    if target is not None and totals["renewable_share"] < target - RELATIVE_TOLERANCE:
        problems.append(f"renewable_share {totals['renewable_share']:.6f} is below the target {target}")
    problems += target_violations(ds, scenario, tol)
    cap = scenario.objective.emissions_max_tco2
    if cap is not None and totals["emissions_tco2"] > cap + RELATIVE_TOLERANCE * max(1.0, cap):
        problems.append(f"emissions {totals['emissions_tco2']:.6f} tCO2 exceed the cap {cap} tCO2")
    return problems


def input_violations(grid: dict[str, np.ndarray], scenario: Scenario) -> list[str]:
    """The prices and emission factor reported with the grid flows (which the KPIs read) are the inputs."""
    inputs = {"import_price_cny_per_kwh": scenario.import_prices(),
              "export_price_cny_per_kwh": scenario.tariff.export_cny_per_kwh,
              "emission_factor_tco2_per_mwh": scenario.grid.emission_factor_tco2_per_mwh}
    return [f"grid.{name} is not the scenario's input series" for name, expected in inputs.items()
            if not np.allclose(grid[name], np.broadcast_to(expected, grid[name].shape), rtol=RELATIVE_TOLERANCE,
                               atol=RELATIVE_TOLERANCE)]


def target_violations(ds: xr.Dataset, scenario: Scenario, tol: float) -> list[str]:
    """Hard share targets, direct-supply load rules and green-purchase limits, re-derived from the flows."""
    dt, problems = scenario.horizon.dt_h, []
    energy_tol = tol * dt * ds.sizes["time"]
    energy = energy_totals(ds, scenario)
    terms = share_terms(energy, scenario)
    for name in SHARE_TARGETS:
        target = getattr(scenario.targets, name)
        if target is None or not target.hard:
            continue
        s, rhs = required_share(target, name)
        numerator, denominator = terms[TERM_OF[name]]
        if numerator - s * denominator < rhs - energy_tol:
            problems.append(f"{name} {target.value:g} not met: N - s*D = {numerator - s * denominator:.6g} kWh "
                            f"< {rhs:.6g} kWh (N = {numerator:.6g}, D = {denominator:.6g}, s = {s:g})")
    consumed = terms["green_electricity_share"][1]
    year = ds.indexes["time"][0].year
    problems += attribution_violations(ds, scenario, tol)
    for asset in projects(scenario):
        t = asset.totals(asset_flows(ds, asset.name), dt)
        for rule, share, lhs, rhs in rule_rows(asset, dt, t["direct_supply_self_kwh"], t["direct_supply_export_kwh"],
                                               consumed, year):
            if lhs < rhs - energy_tol:
                problems.append(f"{asset.name} {rule} ({RULE_LABELS[rule].format(s=share)}) not met: "
                                f"{lhs:.6g} kWh < {rhs:.6g} kWh (self-consumed {t['direct_supply_self_kwh']:.6g}, "
                                f"exported {t['direct_supply_export_kwh']:.6g}, park consumption {consumed:.6g} kWh)")
    purchases = scenario.targets.green_purchases
    if purchases:
        imports = asset_flows(ds, "grid")["import_kw"]
        bought = np.zeros_like(imports)
        for p in purchases:
            green = asset_flows(ds, p.name)["green_kw"]
            bought += green
            problems += bound_violations(p.name, "green_kw", green, 0.0, np.inf, tol)
            if green.sum() * dt > 1000.0 * p.max_mwh + energy_tol:
                problems.append(f"{p.name} buys {green.sum() * dt / 1000:.6g} MWh, above its {p.max_mwh:g} MWh")
        over = bought - imports
        if (over > tol).any():
            i = int(np.argmax(over))
            problems.append(f"green purchases {bought[i]:.6g} kW exceed the grid import {imports[i]:.6g} kW at step {i}")
    return problems


def balance_violations(bus: str, residual: np.ndarray, ds: xr.Dataset, tol: float, label: str | None = None) -> list[str]:
    """A message if the summed injections into ``bus`` (``label``: e.g. one heat level) are not zero
    at some step (the worst step)."""
    residual = np.broadcast_to(residual, (ds.sizes["time"],))
    worst = int(np.argmax(np.abs(residual)))
    if abs(residual[worst]) <= tol:
        return []
    label = label or ("bus" if bus == ELECTRICITY else bus)
    when = ds.indexes["time"][worst].isoformat()
    return [f"{label} balance is off by {residual[worst]:.6g} {BUS_UNITS[bus]} at step {worst} ({when})"]
