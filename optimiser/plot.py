"""The dispatch chart: supply and use stacked per bus, storage levels, prices."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import xarray as xr  # noqa: E402

from .assets.base import BUS_UNITS, ELECTRICITY, HEAT, HYDROGEN  # noqa: E402
from .results import asset_flows  # noqa: E402
from .scenario import Scenario  # noqa: E402


def bus_stacks(ds: xr.Dataset, scenario: Scenario, bus: str) -> tuple[dict, dict]:
    """Supply (+) and use (magnitudes) per asset on one bus, from the assets' net injections
    (heat labelled with the asset's level when the park has heat levels)."""
    supply, uses = {}, {}
    for asset in scenario.assets:
        f = asset_flows(ds, asset.name)
        if bus == ELECTRICITY and asset.renewable:
            supply[f"{asset.name} ({asset.kind})"] = f["output_kw"]
            continue
        injection = asset.net_injection(f).get(bus)
        if injection is None:
            continue
        if asset.kind == "hydrogen_demand":
            supply[f"{asset.name} grey purchase"] = f["bought_kg_per_h"]
            uses[f"{asset.name} demand"] = f["demand_kg_per_h"]
            continue
        stored = asset.storage or asset.kind == "hydrogen_storage"
        label_in, label_out = (("discharge", "charge") if stored else (f"({asset.kind})", f"({asset.kind})"))
        tiny = 1e-6 * max(1.0, float(np.abs(injection).max()))  # solver noise around zero
        at = f" @ {asset.heat_level}" if bus == HEAT and scenario.heat_levels else ""
        if injection.max() > tiny:
            supply[f"{asset.name} {label_in}{at}"] = np.clip(injection, 0.0, None)
        if injection.min() < -tiny:
            uses[f"{asset.name} {label_out}{at}"] = np.clip(-injection, 0.0, None)
    return supply, uses


def plot_dispatch(ds: xr.Dataset, scenario: Scenario, path: Path) -> None:
    """Panels sharing the time axis: electricity [kW], heat [kW_th] and hydrogen [kg/h] (if
    used), stored energy [kWh, kWh_th] and hydrogen [kg], prices [CNY/kWh].

    A flow or price holds over its step: drawn from the step's start to its end, the last step
    to the horizon's end. A level is the level at the end of its step and is drawn there.
    """
    start = ds.indexes["time"].tz_localize(None)
    dt = pd.Timedelta(minutes=scenario.horizon.step_minutes)
    time = start.append(pd.DatetimeIndex([start[-1] + dt]))  # step edges: the last step drawn to its end
    ends = start + dt

    def held(values: np.ndarray) -> np.ndarray:
        """A per-step value repeated at the horizon's end, for a 'post' step drawn over ``time``."""
        return np.append(values, values[-1])

    grid = asset_flows(ds, "grid")
    supply, uses = bus_stacks(ds, scenario, ELECTRICITY)
    supply["grid import"] = grid["import_kw"]
    uses["grid export"] = grid["export_kw"]
    other_buses = [bus for bus in (HEAT, HYDROGEN)
                   if any(bus in a.net_injection(asset_flows(ds, a.name)) for a in scenario.assets)]

    fig, (ax_p, *ax_buses, ax_e, ax_c) = plt.subplots(
        3 + len(other_buses), 1, figsize=(13, 9 + 2.5 * len(other_buses)), sharex=True,
        gridspec_kw={"height_ratios": [3, *[2] * len(other_buses), 1.3, 1]})
    step = {"step": "post"}
    ax_p.stackplot(time, *map(held, supply.values()), labels=list(supply), alpha=0.85, **step)
    ax_p.stackplot(time, *[held(-v) for v in uses.values()], labels=list(uses), alpha=0.6, **step)
    available = sum((asset_flows(ds, a.name)["available_kw"] for a in scenario.assets if a.renewable),
                    np.zeros(len(start)))
    if available.any():
        ax_p.step(time, held(available), where="post", color="k", lw=0.8, ls="--", label="renewable available")
    ax_p.axhline(0, color="k", lw=0.6)
    ax_p.set_ylabel("power [kW]\nsupply + / use -")
    ax_p.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    ax_p.set_title(f"{scenario.park.name}: dispatch from {ds.indexes['time'][0].isoformat()} "
                   f"({scenario.horizon.steps} x {scenario.horizon.step_minutes} min)"
                   + ("  [SYNTHETIC weather]" if scenario.weather_synthetic else ""))

    for bus, ax in zip(other_buses, ax_buses):
        bus_supply, bus_uses = bus_stacks(ds, scenario, bus)
        ax.stackplot(time, *map(held, bus_supply.values()), labels=list(bus_supply), alpha=0.85, **step)
        ax.stackplot(time, *[held(-v) for v in bus_uses.values()], labels=list(bus_uses), alpha=0.6, **step)
        ax.axhline(0, color="k", lw=0.6)
        ax.set_ylabel(f"{bus} [{BUS_UNITS[bus]}]\nsupply + / use -")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)

    for asset in scenario.assets:
        if asset.storage:
            units = ds[f"{asset.name}_soc_kwh"].attrs["units"]
            ax_e.plot(ends, asset_flows(ds, asset.name)["soc_kwh"], label=f"{asset.name} [{units}]")
    ax_e.set_ylabel("stored at step end\n[kWh, kWh_th]")
    tanks = [a for a in scenario.assets if a.kind == "hydrogen_storage"]
    legend_x = 1.07 if tanks else 1.01  # clear of the hydrogen axis' tick labels
    if tanks:
        ax_h = ax_e.twinx()
        for asset in tanks:
            ax_h.plot(ends, asset_flows(ds, asset.name)["level_kg"], ls="--", label=f"{asset.name} [kg]")
        ax_h.set_ylabel("hydrogen stored [kg]")
        ax_h.legend(loc="lower left", bbox_to_anchor=(legend_x, 0), fontsize=8)
    if ax_e.get_legend_handles_labels()[0]:
        ax_e.legend(loc="upper left", bbox_to_anchor=(legend_x, 1), fontsize=8)

    ax_c.step(time, held(grid["import_price_cny_per_kwh"]), where="post", label="import price")
    ax_c.step(time, held(grid["export_price_cny_per_kwh"]), where="post", label="export price")
    ax_c.set_ylabel("price [CNY/kWh]")
    ax_c.set_xlabel(f"local time ({scenario.park.timezone})")
    ax_c.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    for ax in (ax_p, *ax_buses, ax_e, ax_c):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
