"""The dispatch chart: supply and demand stacked, storage levels, prices."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

from .results import asset_flows  # noqa: E402
from .scenario import Scenario  # noqa: E402


def plot_dispatch(ds: xr.Dataset, scenario: Scenario, path: Path) -> None:
    """Three panels sharing the time axis: power [kW], stored energy [kWh], prices [CNY/kWh]."""
    time = ds.indexes["time"].tz_localize(None)
    grid = asset_flows(ds, "grid")
    supply, uses = {}, {}
    for asset in scenario.assets:
        f = asset_flows(ds, asset.name)
        if asset.renewable:
            supply[f"{asset.name} ({asset.kind})"] = f["output_kw"]
        elif asset.storage:
            supply[f"{asset.name} discharge"] = f["discharge_kw"]
            uses[f"{asset.name} charge"] = f["charge_kw"] + f.get("pump_kw", 0.0)
        elif asset.kind == "demand":
            uses[f"{asset.name} demand"] = f["demand_kw"]
    supply["grid import"] = grid["import_kw"]
    uses["grid export"] = grid["export_kw"]

    fig, (ax_p, ax_e, ax_c) = plt.subplots(3, 1, figsize=(13, 9), sharex=True,
                                           gridspec_kw={"height_ratios": [3, 1.3, 1]})
    step = {"step": "post"}
    ax_p.stackplot(time, *supply.values(), labels=list(supply), alpha=0.85, **step)
    ax_p.stackplot(time, *[-v for v in uses.values()], labels=list(uses), alpha=0.6, **step)
    available = sum((asset_flows(ds, a.name)["available_kw"] for a in scenario.assets if a.renewable), np.zeros(len(time)))
    if available.any():
        ax_p.step(time, available, where="post", color="k", lw=0.8, ls="--", label="renewable available")
    ax_p.axhline(0, color="k", lw=0.6)
    ax_p.set_ylabel("power [kW]\nsupply + / use -")
    ax_p.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    ax_p.set_title(f"{scenario.park.name}: dispatch from {ds.indexes['time'][0].isoformat()} "
                   f"({scenario.horizon.steps} x {scenario.horizon.step_minutes} min)")

    for asset in scenario.assets:
        if asset.storage:
            ax_e.step(time, asset_flows(ds, asset.name)["soc_kwh"], where="post", label=asset.name)
    ax_e.set_ylabel("stored [kWh]")
    if ax_e.get_legend_handles_labels()[0]:
        ax_e.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)

    ax_c.step(time, grid["import_price_cny_per_kwh"], where="post", label="import price")
    ax_c.step(time, grid["export_price_cny_per_kwh"], where="post", label="export price")
    ax_c.set_ylabel("price [CNY/kWh]")
    ax_c.set_xlabel(f"local time ({scenario.park.timezone})")
    ax_c.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    for ax in (ax_p, ax_e, ax_c):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
