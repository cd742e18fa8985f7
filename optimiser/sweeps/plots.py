"""Sweep plots: a KPI heatmap over two parameters, cost versus emissions with the Pareto-efficient
cases marked, and a one-parameter sensitivity line. Each written atomically."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from .report import COST, EMISSIONS, pareto_efficient, solved


def plot_all(ds: xr.Dataset, sweep, out: Path, heatmap: tuple | None = None, sensitivity: tuple | None = None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .execute import write_atomic

    names = [p.name for p in sweep.parameters]
    numeric = [n for n in names if np.issubdtype(ds[n].dtype, np.number)]
    figures = {}
    if heatmap or (sweep.spec.mode == "grid" and len(names) >= 2):
        x, y, kpi = heatmap or (names[0], names[1], "objective_cny")
        figures["heatmap.png"] = _heatmap(ds, x, y, kpi)
    if COST in ds and EMISSIONS in ds:
        frame = ds.to_dataframe().reset_index() if sweep.spec.mode == "grid" else ds.reset_coords().to_dataframe().reset_index()
        figures["cost_emissions.png"] = _scatter(solved(frame), sweep.path.stem)
    if sensitivity or numeric:
        parameter, kpi = sensitivity or (numeric[0], "objective_cny")
        figures["sensitivity.png"] = _sensitivity(ds, parameter, kpi, sweep.spec.mode)
    for name, fig in figures.items():
        write_atomic(out / name, lambda p, fig=fig: fig.savefig(p, dpi=110, format="png"))
        plt.close(fig)


def _others_at_first(da: xr.DataArray, keep: tuple[str, ...]) -> tuple[xr.DataArray, str]:
    fixed = {d: da[d].values[0] for d in da.dims if d not in keep}
    return da.isel({d: 0 for d in fixed}), ", ".join(f"{d}={v}" for d, v in fixed.items())


def _heatmap(ds: xr.Dataset, x: str, y: str, kpi: str):
    import matplotlib.pyplot as plt

    if "case" in ds.dims:
        raise ValueError("a heatmap needs a grid sweep")
    da, fixed = _others_at_first(ds[kpi], (x, y))
    da = da.transpose(y, x)
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    mesh = ax.imshow(da.values.astype(float), origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(da.sizes[x]), [str(v) for v in da[x].values], rotation=45)
    ax.set_yticks(range(da.sizes[y]), [str(v) for v in da[y].values])
    ax.set_xlabel(f"{x} [{ds[x].attrs.get('units', '')}]")
    ax.set_ylabel(f"{y} [{ds[y].attrs.get('units', '')}]")
    fig.colorbar(mesh, ax=ax, label=f"{kpi} [{ds[kpi].attrs.get('units', '')}]")
    ax.set_title(f"{kpi}" + (f" at {fixed}" if fixed else ""), fontsize=9)
    fig.tight_layout()
    return fig


def _scatter(frame, title: str):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4.5))
    efficient = pareto_efficient(frame)
    ax.scatter(frame[EMISSIONS], frame[COST], s=14, color="0.6", label="case")
    front = frame[efficient].sort_values(EMISSIONS)
    ax.plot(front[EMISSIONS], front[COST], "o-", color="C3", label=f"Pareto-efficient ({len(front)})")
    for _, row in front.iterrows():
        ax.annotate(str(int(row["case"])), (row[EMISSIONS], row[COST]), fontsize=7, xytext=(3, 3),
                    textcoords="offset points")
    ax.set_xlabel("emissions [tCO2]")
    ax.set_ylabel("cost without carbon price [CNY]")
    ax.set_title(f"{title}: cost vs emissions", fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _sensitivity(ds: xr.Dataset, parameter: str, kpi: str, mode: str):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    if mode == "grid":
        da, fixed = _others_at_first(ds[kpi], (parameter,))
        ax.plot(da[parameter].values, da.values, "o-")
    else:
        order = np.argsort(ds[parameter].values)
        ax.plot(ds[parameter].values[order], ds[kpi].values[order], "o", ms=4)
        fixed = "all cases"
    ax.set_xlabel(f"{parameter} [{ds[parameter].attrs.get('units', '')}]")
    ax.set_ylabel(f"{kpi} [{ds[kpi].attrs.get('units', '')}]")
    ax.set_title(f"sensitivity of {kpi}" + (f" ({fixed})" if fixed else ""), fontsize=9)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig
