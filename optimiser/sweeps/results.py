"""A sweep's records as one xarray Dataset (``sweep.nc``) and a flat table (``sweep.csv``).

Grid sweeps get one dimension per parameter (coordinate: the parameter's values, labels or
option names); case lists and samples get a ``case`` dimension with the parameters as
coordinates. Every numeric KPI of ``summary.json`` is a variable with its ``units``
attribute (NaN for a case without a schedule); ``status``, ``exit_code`` and ``message`` say
how each case ended; ``achievable_<target>`` holds the highest (lowest for rates) achievable
value an infeasible case reported. Run timings are not in the Dataset (they differ between
runs), so an interrupted-and-resumed or cluster run gives an identical Dataset.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from .. import __version__
from .spec import Sweep

STATUS_FIELDS = ("status", "exit_code", "exit_class", "message")


def records_frame(sweep: Sweep, records: list[dict]) -> tuple[pd.DataFrame, dict[str, str]]:
    """One row per case: ``case``, the parameters, status fields, KPIs; and the KPI units."""
    rows, units = [], {}
    for record in records:
        row = {"case": record["case"]}
        for p in sweep.parameters:
            row[p.name] = record["choice"].get(p.name, np.nan)
        row.update({k: record[k] for k in STATUS_FIELDS})
        for target, value in record.get("achievable", {}).items():
            row[f"achievable_{target}"] = value
        row.update(record.get("kpis", {}))
        units.update(record.get("units", {}))
        rows.append(row)
    frame = pd.DataFrame(rows)
    achievable = sorted(c for c in frame.columns if c.startswith("achievable_"))
    kpis = sorted(units)
    fixed = ["case", *(p.name for p in sweep.parameters), *STATUS_FIELDS]
    frame = frame[[*fixed, *achievable, *kpis]]
    return frame, units


def to_dataset(sweep: Sweep, records: list[dict]) -> xr.Dataset:
    frame, units = records_frame(sweep, records)
    names = [p.name for p in sweep.parameters]
    if sweep.spec.mode == "grid":
        keys = {p.name: p.keys() for p in sweep.parameters}
        index = pd.MultiIndex.from_product([keys[n] for n in names], names=names)
        ds = frame.set_index(names).reindex(index).to_xarray()
        for n in names:  # keep the file's order of each parameter's choices
            ds = ds.reindex({n: keys[n]})
    else:
        ds = frame.set_index("case").to_xarray()
        ds = ds.set_coords(names)
    for p in sweep.parameters:
        _add_linked_coords(ds, p, sweep.spec.mode)
        ds[p.name].attrs["units"] = p.units or ("1" if p.options is not None or p.labels is not None else _unit(p.paths[0]))
        ds[p.name].attrs["paths"] = ", ".join(p.paths)
    for name, unit in units.items():
        ds[name].attrs["units"] = unit
    for name in ds.data_vars:
        if name.startswith("achievable_"):
            ds[name].attrs.update(units="1", description="highest (lowest for rates) achievable value of an infeasible target")
    ds["status"].attrs["description"] = "optimal | time_limit | infeasible | bad_input | solver_error | check_failed | error"
    ds.attrs.update(sweep=str(sweep.path), base=str(sweep.base_path), mode=sweep.spec.mode,
                    package_version=__version__, cases=len(records))
    return ds


def _add_linked_coords(ds: xr.Dataset, p, mode: str) -> None:
    """A linked or option parameter's scalar paths as extra coordinates along its dimension."""
    if p.linked is None and p.options is None:
        return
    dim = p.name if mode == "grid" else "case"
    keys = list(ds[p.name].values)
    for path in p.paths:
        values = []
        for key in keys:
            value = p.assignment(key).get(path) if key in p.keys() else None
            values.append(value)
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            name = f"{p.name}__{path.rsplit('.', 1)[-1]}"
            if name not in ds.variables:
                ds.coords[name] = (dim, np.asarray(values, dtype=float), {"units": _unit(path), "path": path})


def _unit(path: str) -> str:
    """Units of a path's field from its suffix, else from its parent's (``prices_cny_per_kwh.peak``)."""
    from .spec import parse_path
    from .worker import unit_of

    fields = [key for key, _ in parse_path(path)]
    if fields[-1] == "scale":  # a series' multiplier
        return "1"
    for name in reversed(fields[-2:]):
        if unit_of(name) != "1":
            return unit_of(name)
    return "1"


def write_results(sweep: Sweep, records: list[dict], out, plot: bool = True, heatmap=None, sensitivity=None) -> xr.Dataset:
    """``sweep.nc``, ``sweep.csv``, the plots and ``report.html``, each written atomically into ``out``."""
    from pathlib import Path

    from ..interrupts import deferred
    from .execute import write_atomic

    out = Path(out)
    ds = to_dataset(sweep, records)
    frame, _ = records_frame(sweep, records)
    with deferred():  # xarray's netCDF lock (optimiser.interrupts)
        write_atomic(out / "sweep.nc", lambda p: ds.to_netcdf(p))
    write_atomic(out / "sweep.csv", frame.to_csv(index=False, float_format="%.9g").encode())
    if plot:
        from .plots import plot_all

        plot_all(ds, sweep, out, heatmap=heatmap, sensitivity=sensitivity)
    from ..reports.study import sweep_report_html

    write_atomic(out / "report.html", sweep_report_html(out, plot).encode("utf-8"))
    return ds
