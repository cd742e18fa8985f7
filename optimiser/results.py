"""Results as one xarray Dataset (dim ``time``, one variable per asset flow) and KPIs over it.

Variables are named ``<asset>_<flow>`` (``grid_import_kw``, ``lfp1_soc_kwh``,
``hp_heat_kw_th``, ``ely_hydrogen_kg_per_h``) and carry ``asset``, ``kind``, ``flow``
and ``units`` attributes; inputs the run used (prices, emission factor) are
included. KPI functions are pure: Dataset and scenario in, numbers out.
"""

from __future__ import annotations

import numpy as np
from .lazy import pyo
import xarray as xr

from .assets import BuildContext
from .assets.base import HEAT
from .heat_levels import CASCADE, cascade_flow_name, cascade_flows, cascades, level_of
from .accounting import emissions_by_basis, energy_totals, share_terms
from .direct_rules import reexport_flows
from .flows import asset_flows
from .scenario import Scenario
from .targets import target_shortfalls

_UNITS = {"_kw": "kW", "_kwh": "kWh", "_cny_per_kwh": "CNY/kWh", "_tco2_per_mwh": "tCO2/MWh",
          "_kw_th": "kW_th", "_kwh_th": "kWh_th", "_kg_per_h": "kg/h", "_kg": "kg", "_m3_per_h": "m3/h"}
FLOW_UNITS = {"kW", "kWh", "kW_th", "kWh_th", "kg/h", "kg", "m3/h"}
"""units of physical flows and levels (what the check's tolerance scales with)"""

MULTI_ENERGY_TOTALS = (
    "hydrogen_produced_kg", "hydrogen_bought_kg", "hydrogen_demand_kg", "hydrogen_purchase_cny",
    "grey_hydrogen_emissions_tco2", "fuel_cell_hydrogen_kg", "heat_demand_kwh_th",
    "gas_m3", "gas_cost_cny", "gas_emissions_tco2", "electrolyser_starts", "electrolyser_start_cost_cny",
    "waste_heat_kwh_th", "waste_heat_curtailed_kwh_th", "chp_power_kwh", "chp_starts", "chp_start_cost_cny",
    "flexible_load_kwh", "load_shifted_kwh", "load_curtailed_kwh", "demand_response_kwh",
    "demand_response_revenue_cny", "demand_response_rebound_kwh", "ev_charged_kwh", "ev_v2g_kwh",
    "ev_unserved_kwh", "ev_sessions", "heat_purchased_gj", "heat_purchase_cny", "heat_purchase_emissions_tco2",
    "non_fossil_heat_purchased_gj",
)
"""KPIs summed over the assets' ``totals`` (0 when no asset contributes): a stable summary.json contract"""


def units_of(name: str) -> str:
    """Units from a variable name's suffix."""
    for suffix, unit in sorted(_UNITS.items(), key=lambda kv: -len(kv[0])):
        if name.endswith(suffix):
            return unit
    return "1"


def extract(model: pyo.ConcreteModel, scenario: Scenario, ctx: BuildContext) -> xr.Dataset:
    """Read the solved model into a Dataset on the run's timezone-aware index."""
    data = {}

    def add(asset: str, kind: str, flows: dict[str, np.ndarray], units: dict[str, str] | None = None) -> None:
        for flow, values in flows.items():
            data[f"{asset}_{flow}"] = ("time", np.asarray(values, dtype=float), {
                "asset": asset, "kind": kind, "flow": flow, "units": (units or {}).get(flow) or units_of(flow)})

    flows = {"grid": scenario.grid.flows(model.grid, ctx)}
    add("grid", "grid", flows["grid"])
    for asset in scenario.assets:
        flows[asset.name] = asset.flows(model.asset[asset.name], ctx)
        add(asset.name, asset.kind, flows[asset.name], asset.flow_units)
    if hasattr(model, "heat_cascade"):
        add(CASCADE, CASCADE, cascade_flows(model, scenario.heat_levels, ctx))
    for purchase in scenario.targets.green_purchases:
        add(purchase.name, purchase.kind, {"green_kw": np.array(
            [model.targets.green_kw[purchase.name, t].value for t in ctx.steps], dtype=float)})
    for name, reexport_kw in reexport_flows(model, scenario, ctx, flows).items():
        add(name, "direct_supply", {"reexport_kw": reexport_kw})
    add("grid", "grid", {
        "import_price_cny_per_kwh": scenario.import_prices(),
        "export_price_cny_per_kwh": scenario.tariff.export_cny_per_kwh,
        "emission_factor_tco2_per_mwh": scenario.grid.emission_factor_tco2_per_mwh,
    })
    return xr.Dataset(
        data,
        coords={"time": scenario.index},
        attrs={
            "park": scenario.park.name,
            "timezone": scenario.park.timezone,
            "step_minutes": scenario.horizon.step_minutes,
            "scenario_sha256": scenario.sha256,
            "weather_synthetic": int(scenario.weather_synthetic),  # 1: inputs come from generated weather
        },
    )


def kpis(ds: xr.Dataset, scenario: Scenario) -> dict[str, float]:
    """Energy, cost and emission totals of a solved horizon, recomputed from the Dataset."""
    dt = scenario.horizon.dt_h
    grid = asset_flows(ds, "grid")
    imp, exp = grid["import_kw"], grid["export_kw"]
    import_kwh, export_kwh = float(imp.sum() * dt), float(exp.sum() * dt)
    energy_cost = float(dt * (grid["import_price_cny_per_kwh"] @ imp - grid["export_price_cny_per_kwh"] @ exp))
    demand_charge = scenario.grid.demand_charge_cny(grid, dt)
    grid_emissions = float(dt * (grid["emission_factor_tco2_per_mwh"] @ imp) / 1000.0)
    flows = {a.name: asset_flows(ds, a.name) for a in scenario.assets}
    asset_cost = sum(a.cost_cny(flows[a.name], dt) for a in scenario.assets)
    storage_cost = sum(a.cost_cny(flows[a.name], dt) for a in scenario.assets if a.storage)
    energy = energy_totals(ds, scenario)
    by_basis = emissions_by_basis(energy, ds, scenario)
    emissions = by_basis[scenario.objective.emissions_basis]
    carbon_cost = scenario.objective.carbon_price_cny_per_tco2 * emissions
    totals = dict.fromkeys(MULTI_ENERGY_TOTALS, 0.0)
    for a in scenario.assets:
        for key, value in a.totals(flows[a.name], dt).items():
            totals[key] = totals.get(key, 0.0) + value
    renewables = [asset_flows(ds, a.name) for a in scenario.assets if a.renewable]
    available = float(sum(f["available_kw"].sum() for f in renewables) * dt)
    generated = float(sum(f["output_kw"].sum() for f in renewables) * dt)
    demand = float(sum(asset_flows(ds, a.name)["demand_kw"].sum() for a in scenario.assets if a.kind == "demand") * dt)
    green_cost = sum(dt * p.price_cny_per_mwh / 1000.0 * float(asset_flows(ds, p.name)["green_kw"].sum())
                     for p in scenario.targets.green_purchases)
    terms = share_terms(energy, scenario)
    shortfalls = target_shortfalls(terms, scenario.targets)
    penalty = sum(getattr(scenario.targets, name).penalty_cny_per_kwh * kwh for name, kwh in shortfalls.items()
                  if not getattr(scenario.targets, name).hard)
    cost = energy_cost + demand_charge + asset_cost + carbon_cost + green_cost + penalty
    return {
        "objective_recomputed_cny": emissions if scenario.objective.minimise == "emissions" else cost,
        "total_cost_cny": cost,
        "green_purchase_cost_cny": green_cost,
        "green_purchased_kwh": energy["green_purchased_kwh"],
        "target_penalty_cny": penalty,
        "target_shortfall_kwh": shortfalls,
        "energy_cost_cny": energy_cost,
        "demand_charge_cny": demand_charge,
        "storage_cost_cny": storage_cost,
        "asset_cost_cny": asset_cost,
        "carbon_cost_cny": carbon_cost,
        "emissions_tco2": emissions,
        "emissions_basis": scenario.objective.emissions_basis,
        "emissions_national_method_tco2": by_basis["national_method"],
        "emissions_grid_factor_tco2": by_basis["grid_factor"],
        "grid_emissions_tco2": grid_emissions,
        "import_kwh": import_kwh,
        "export_kwh": export_kwh,
        "demand_kwh": demand,
        "renewable_available_kwh": available,
        "renewable_generation_kwh": generated,
        "curtailment_kwh": available - generated,
        "renewable_share": renewable_share(*terms["renewable_share"], generated),
        "peak_import_kw": float(imp.max()),
        **totals,
    }


def heat_by_source(ds: xr.Dataset, scenario: Scenario) -> dict[str, float]:
    """Heat fed into the heat bus per asset over the horizon [kWh_th] (storage: its discharge)."""
    dt = scenario.horizon.dt_h
    out = {}
    for asset in scenario.assets:
        heat = asset.net_injection(asset_flows(ds, asset.name)).get(HEAT)
        if heat is not None and asset.kind != "heat_demand":
            out[asset.name] = float(np.clip(heat, 0.0, None).sum() * dt)
    return out


def heat_level_summary(ds: xr.Dataset, scenario: Scenario) -> dict[str, dict[str, float]]:
    """Per declared heat level: temperature [C], demand, supply by the level's assets (storage:
    its discharge) and heat cascaded in from the level above and out to the level below [kWh_th]."""
    dt = scenario.horizon.dt_h
    out = {level.name: {"temperature_c": level.temperature_c, "demand_kwh_th": 0.0, "supplied_kwh_th": 0.0,
                        "cascaded_in_kwh_th": 0.0, "cascaded_out_kwh_th": 0.0} for level in scenario.heat_levels}
    if not out:
        return out
    for asset in scenario.assets:
        heat = asset.net_injection(asset_flows(ds, asset.name)).get(HEAT)
        if heat is None or level_of(asset) not in out:
            continue
        if asset.kind == "heat_demand":
            out[level_of(asset)]["demand_kwh_th"] -= float(heat.sum() * dt)
        else:
            out[level_of(asset)]["supplied_kwh_th"] += float(np.clip(heat, 0.0, None).sum() * dt)
    flows = asset_flows(ds, CASCADE)
    for upper, lower in cascades(scenario.heat_levels) if flows else []:
        kwh = float(flows[cascade_flow_name(upper.name, lower)].sum() * dt)
        out[upper.name]["cascaded_out_kwh_th"] += kwh
        out[lower]["cascaded_in_kwh_th"] += kwh
    return out


def renewable_share(numerator_kwh: float, consumed_kwh: float, generation_kwh: float) -> float:
    """Share of the electricity the park used that came from on-site renewables [-]: (generation - export)
    / electricity consumed from every source (:func:`optimiser.accounting.share_terms`; storage losses count
    as consumption); export is taken to be renewable first."""
    if consumed_kwh <= 0:
        return 1.0 if generation_kwh > 0 else 0.0
    return float(min(1.0, max(0.0, numerator_kwh / consumed_kwh)))


def storage_summary(ds: xr.Dataset, scenario: Scenario) -> dict[str, dict[str, float]]:
    """Per storage asset: energy charged and discharged [kWh] and equivalent full cycles [-]."""
    dt = scenario.horizon.dt_h
    out = {}
    for asset in scenario.assets:
        if asset.storage:
            f = asset_flows(ds, asset.name)
            discharged = float(f["discharge_kw"].sum() * dt)
            out[asset.name] = {
                "charge_kwh": float(f["charge_kw"].sum() * dt),
                "discharge_kwh": discharged,
                "equivalent_full_cycles": discharged / asset.energy_kwh if asset.energy_kwh else 0.0,
                "final_soc_kwh": float(f["soc_kwh"][-1]),
            }
    return out
