"""Write a run's outputs atomically: all files appear together, or none do.

Files: ``dispatch.csv`` (local ISO-8601 timestamps with offset), ``dispatch.nc``
(the Dataset; NetCDF cannot hold a time zone, so time is stored in UTC with the
zone in the ``timezone`` attribute: :func:`read_dispatch_nc` restores it),
``summary.json``, ``dispatch.png``, ``report.html`` (:mod:`optimiser.reports.run_report`), ``parkdispatch-manifest.json`` (the files written) and an asset's tables that are not time series
(``<asset>_sessions.csv``: one row per EV charging session).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import xarray as xr

from .interrupts import deferred
from .outdir import atomic_directory
from .run import RunResult


def write_outputs(result: RunResult, out_dir: str | Path, overwrite: bool = False, plot: bool = True) -> Path:
    """Write the outputs of ``result`` into ``out_dir`` atomically (see :func:`optimiser.outdir.atomic_directory`)."""
    with atomic_directory(out_dir, overwrite, protect=result.scenario.input_paths, command="run") as tmp:
        ds = result.dataset
        dispatch_frame(ds).to_csv(tmp / "dispatch.csv", index=False, float_format="%.6f")
        to_netcdf(ds, tmp / "dispatch.nc")
        write_json(result.summary, tmp / "summary.json")
        if "sizing" in result.summary:  # capacity sizing (optimiser.planning.sized_run)
            write_json(result.summary["sizing"], tmp / "sizing.json")
        for asset in result.scenario.assets:
            for key, table in asset.detail_tables().items():
                iso_timestamps(table).to_csv(tmp / f"{asset.name}_{key}.csv", index=False, float_format="%.6f")
        if plot:
            from .plot import plot_dispatch

            plot_dispatch(ds, result.scenario, tmp / "dispatch.png")
        from .reports.run_report import run_report_html

        png = (tmp / "dispatch.png").read_bytes() if plot else None
        (tmp / "report.html").write_text(run_report_html(result, png), encoding="utf-8")
    return Path(out_dir)


def write_json(data: dict, path: Path) -> None:
    """JSON with NaN and infinity written as null."""
    path.write_text(json.dumps(_finite(data), indent=2, ensure_ascii=False) + "\n")


def dispatch_frame(ds: xr.Dataset) -> pd.DataFrame:
    """The Dataset as a table: a ``time`` column (local ISO 8601 with offset) and one column per variable."""
    frame = ds.to_dataframe().reset_index()
    frame["time"] = [t.isoformat() for t in ds.indexes["time"]]
    return frame


def iso_timestamps(table: pd.DataFrame) -> pd.DataFrame:
    """A copy with timezone-aware columns as ISO-8601 text, like ``dispatch.csv``'s time column."""
    table = table.copy()
    for column in table.columns:
        if isinstance(table[column].dtype, pd.DatetimeTZDtype):
            table[column] = [t.isoformat() for t in table[column]]
    return table


def to_netcdf(ds: xr.Dataset, path: Path) -> None:
    """Write ``ds`` with its time index in UTC and the local zone kept as an attribute (Ctrl-C deferred to
    the end of the write, :func:`optimiser.interrupts.deferred`)."""
    index = ds.indexes["time"]
    stored = ds.assign_coords(time=index.tz_convert("UTC").tz_localize(None))
    stored["time"].attrs["timezone"] = str(index.tz)
    with deferred():
        stored.to_netcdf(path, encoding={"time": {"units": "minutes since 1970-01-01 00:00:00", "dtype": "int64"}})


def read_dispatch_nc(path: str | Path) -> xr.Dataset:
    """Read a ``dispatch.nc`` written by :func:`to_netcdf` with its timezone-aware index."""
    with xr.open_dataset(path) as stored:
        ds = stored.load()
    zone = ds["time"].attrs.get("timezone", "UTC")
    index = pd.DatetimeIndex(ds["time"].values).tz_localize("UTC").tz_convert(zone)
    return ds.assign_coords(time=index)


def _finite(value):
    """JSON has no NaN or infinity: write them as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value
