"""Best cases per KPI and the Pareto-efficient set of a finished sweep (``parkdispatch sweep-report DIR``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import ScenarioError

COST, EMISSIONS = "cost_excl_carbon_cny", "emissions_tco2"
"""the Pareto axes: cost without the carbon price (comparable across carbon prices) and emissions"""
BEST = {  # KPI: better direction
    "objective_cny": "min", COST: "min", EMISSIONS: "min", "import_kwh": "min", "peak_import_kw": "min",
    "curtailment_kwh": "min", "renewable_share": "max", "kpi_green_electricity_share": "max",
    "kpi_clean_energy_share": "max", "kpi_carbon_intensity_tco2_per_tce": "min", "kpi_curtailment_rate": "min",
}


def solved(frame: pd.DataFrame) -> pd.DataFrame:
    """Cases with a schedule (optimal or stopped at the time limit with one)."""
    return frame[frame["status"].isin(["optimal", "time_limit"])]


def pareto_efficient(frame: pd.DataFrame, x: str = COST, y: str = EMISSIONS) -> np.ndarray:
    """Boolean mask over ``frame``: rows no other row beats in both ``x`` and ``y`` (minimised), ties kept once."""
    values = frame[[x, y]].to_numpy(dtype=float)
    ok = np.isfinite(values).all(axis=1)
    mask = np.zeros(len(frame), dtype=bool)
    for i in np.flatnonzero(ok):
        others = values[ok]
        dominated = ((others <= values[i]).all(axis=1) & (others < values[i]).any(axis=1)).any()
        duplicate_before = (values[ok & (np.arange(len(frame)) < i)] == values[i]).all(axis=1).any()
        mask[i] = not dominated and not duplicate_before
    return mask


def read_frame(out_dir: str | Path) -> pd.DataFrame:
    path = Path(out_dir) / "sweep.csv"
    if not path.is_file():
        raise ScenarioError(f"{out_dir}: no sweep.csv (not a finished sweep output directory)")
    return pd.read_csv(path)


def sweep_parameters(out_dir: str | Path) -> list[str]:
    """The parameter names of a finished sweep, from its ``sweep.nc``."""
    with xr.open_dataset(Path(out_dir) / "sweep.nc") as ds:
        return [n for n in ds.coords if "__" not in n and n != "case"]


def best_cases(good: pd.DataFrame, parameters: list[str]) -> pd.DataFrame:
    """Per KPI of :data:`BEST` its best solved case: kpi, direction, value, case and the parameters."""
    rows = []
    for kpi, sense in BEST.items():
        if kpi not in good or good[kpi].isna().all():
            continue
        i = good[kpi].idxmin() if sense == "min" else good[kpi].idxmax()
        rows.append({"kpi": kpi, "best": sense, "value": good.at[i, kpi], "case": int(good.at[i, "case"]),
                     **{p: good.at[i, p] for p in parameters}})
    return pd.DataFrame(rows)


def efficient_cases(good: pd.DataFrame, parameters: list[str]) -> pd.DataFrame:
    """The Pareto-efficient solved cases (min cost without carbon price and emissions), cheapest first."""
    front = good[pareto_efficient(good)].sort_values(COST)
    columns = ["case", *parameters, COST, EMISSIONS, "renewable_share"]
    return front[[c for c in columns if c in front]]


def report(out_dir: str | Path, parameters: list[str] | None = None) -> str:
    """The text of the report: per KPI its best case, then the Pareto-efficient cases."""
    frame = read_frame(out_dir)
    if parameters is None:
        parameters = sweep_parameters(out_dir)
    counts = frame["status"].value_counts().to_dict()
    lines = [f"{len(frame)} cases: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))]
    good = solved(frame)
    if good.empty:
        return "\n".join(lines + ["no case has a schedule"])
    lines += ["", "best case per KPI:", best_cases(good, parameters).to_string(index=False)]
    if COST in good and EMISSIONS in good:
        front = efficient_cases(good, parameters)
        lines += ["", f"Pareto-efficient cases ({len(front)}; min {COST} and {EMISSIONS}):",
                  front.to_string(index=False)]
    failed = frame[~frame.index.isin(good.index)]
    if not failed.empty:
        lines += ["", "cases without a schedule:",
                  failed[["case", *parameters, "status", "message"]].assign(
                      message=failed["message"].str.split("\n").str[0].str.slice(0, 100)).to_string(index=False)]
    return "\n".join(lines)
