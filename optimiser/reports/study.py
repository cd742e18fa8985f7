"""Reports of the studies: a sweep folder, a Pareto front and a replay comparison table.

Replay table (``replay_days.csv`` of ``parkdispatch replay``; :func:`replay_frame` checks it): one row per
operating day and strategy, tidy, as a CSV or a JSON list of records::

    date        strategy            cost_cny  emissions_tco2  [import_kwh  curtailment_kwh  ...]
    2026-07-15  perfect             1000.0    10.0
    2026-07-15  day_ahead           1100.0    11.0
    2026-07-15  intraday            1040.0    10.5

``date`` YYYY-MM-DD, ``strategy`` one of :data:`STRATEGIES` (others are shown after them), ``cost_cny``
and ``emissions_tco2`` required, any further numeric column with a unit suffix shown too. Costs are
what the park paid for the realised day under that strategy. The report shows a column per strategy,
the totals and each strategy's regret against perfect foresight (the value of a better forecast).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ScenarioError
from .render import figure_png, png_uri, render

STRATEGIES = ("perfect", "day_ahead", "intraday")
"""the replay's strategies, in display order: the bound first"""
REPLAY_REQUIRED = ("date", "strategy", "cost_cny", "emissions_tco2")


# --- Pareto front ---------------------------------------------------------------------
def abatement_costs(front: pd.DataFrame) -> pd.DataFrame:
    """The front ordered by emissions with the marginal abatement cost between neighbours
    [CNY/tCO2]: -(cost_i - cost_{i-1}) / (emissions_i - emissions_{i-1}) along falling emissions, i.e. what
    each further tonne avoided costs (NaN for the first point and for equal emissions)."""
    ordered = front.sort_values("emissions_tco2", ascending=False).reset_index(drop=True)
    d_cost, d_emissions = ordered["cost_cny"].diff(), ordered["emissions_tco2"].diff()
    with np.errstate(divide="ignore", invalid="ignore"):
        mac = np.where(np.abs(d_emissions) > 1e-12, -d_cost / d_emissions, np.nan)
    return ordered.assign(abatement_cost_cny_per_tco2=mac)


def pareto_report_html(front: pd.DataFrame, meta: dict, scenario, png: bytes | None) -> str:
    """The page of a cost-emissions front (``pareto.csv``, ``pareto.json``, ``pareto.png``)."""
    table = abatement_costs(front)
    figures = [] if png is None else [{"id": "pareto", "png": png_uri(png),
                                       "caption": "Cost [CNY] against emissions [tCO2] at each emissions cap."}]
    span = {"cost_cny": float(table["cost_cny"].max() - table["cost_cny"].min()),
            "emissions_tco2": float(table["emissions_tco2"].max() - table["emissions_tco2"].min())}
    return render("pareto.html.j2", meta=meta, table=table, figures=figures, span=span,
                  park=scenario.park.name, basis=scenario.objective.emissions_basis,
                  synthetic=scenario.weather_synthetic)


# --- sweep ----------------------------------------------------------------------------
HEATMAP_KPIS = ("objective_cny", "emissions_tco2", "renewable_share", "kpi_clean_energy_share")


def sweep_report_html(out_dir: str | Path, plot: bool = True) -> str:
    """The page of a finished sweep folder: cases by status, the plots written beside it, with ``plot`` a
    heatmap per key KPI over the first two parameters (grid sweeps), the best case per KPI, the
    Pareto-efficient cases and the cases without a schedule."""
    import xarray as xr

    from ..sweeps.plots import _heatmap
    from ..sweeps.report import best_cases, efficient_cases, read_frame, solved, sweep_parameters

    out = Path(out_dir)
    frame = read_frame(out)
    parameters = sweep_parameters(out)
    good = solved(frame)
    figures = [{"id": name.removesuffix(".png"), "png": png_uri((out / name).read_bytes()), "caption": caption}
               for name, caption in (("cost_emissions.png", "Cost without carbon price [CNY] against emissions "
                                      "[tCO2] per case; the Pareto-efficient cases joined and numbered."),
                                     ("sensitivity.png", "A KPI against one parameter, the others at their first "
                                      "value."))
               if (out / name).is_file()]
    with xr.open_dataset(out / "sweep.nc") as ds:
        if plot and "case" not in ds.dims and len(parameters) >= 2:
            x, y = parameters[:2]
            for kpi in HEATMAP_KPIS:
                if kpi in ds and np.isfinite(ds[kpi].values.astype(float)).any():
                    figures.append({"id": f"heatmap-{kpi}", "png": figure_png(_heatmap(ds.load(), x, y, kpi)),
                                    "caption": f"{kpi} over {x} and {y} (other parameters at their first value)."})
    counts = frame["status"].value_counts().to_dict()
    failed = frame[~frame.index.isin(good.index)]
    return render("sweep.html.j2", name=out.name, counts=counts, total=len(frame), figures=figures,
                  best=best_cases(good, parameters) if not good.empty else None,
                  front=efficient_cases(good, parameters) if not good.empty and "cost_excl_carbon_cny" in good else None,
                  failed=failed[["case", *parameters, "status", "message"]].assign(
                      message=failed["message"].astype(str).str.split("\n").str[0].str.slice(0, 160)))


# --- replay ---------------------------------------------------------------------------
def replay_frame(table: pd.DataFrame | list[dict] | str | Path) -> pd.DataFrame:
    """The replay table (module doc) from a DataFrame, a list of records, or a CSV / JSON file, checked:
    required columns, one row per (date, strategy), perfect foresight present on every day."""
    if isinstance(table, (str, Path)):
        path = Path(table)
        table = json.loads(path.read_text()) if path.suffix == ".json" else pd.read_csv(path)
    frame = pd.DataFrame(table)
    missing = [c for c in REPLAY_REQUIRED if c not in frame]
    if missing:
        raise ScenarioError(f"replay table: missing column(s) {', '.join(missing)} (needs {', '.join(REPLAY_REQUIRED)})")
    duplicated = frame[frame.duplicated(["date", "strategy"])]
    if not duplicated.empty:
        row = duplicated.iloc[0]
        raise ScenarioError(f"replay table: date {row['date']} strategy {row['strategy']} appears more than once")
    days = set(frame["date"])
    with_bound = set(frame.loc[frame["strategy"] == "perfect", "date"])
    if days - with_bound:
        raise ScenarioError(f"replay table: no perfect row for {', '.join(sorted(map(str, days - with_bound)))}")
    return frame


def replay_summary(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per day: a column ``<metric> | <strategy>`` per metric and strategy; totals per strategy with the
    regret against perfect foresight in CNY and in % of its cost, and the extra emissions)."""
    order = [s for s in STRATEGIES if s in set(frame["strategy"])] + sorted(set(frame["strategy"]) - set(STRATEGIES))
    metrics = [c for c in frame.columns if c not in ("date", "strategy") and pd.api.types.is_numeric_dtype(frame[c])]
    wide = frame.pivot(index="date", columns="strategy", values=metrics).reindex(columns=order, level=1)
    wide.columns = [f"{m} | {s}" for m, s in wide.columns]
    totals = frame.groupby("strategy")[metrics].sum().reindex(order)
    bound_cost = totals.at["perfect", "cost_cny"]
    totals["regret_cny"] = totals["cost_cny"] - bound_cost
    totals["regret_percent"] = 100.0 * totals["regret_cny"] / abs(bound_cost) if bound_cost else np.nan
    totals["extra_emissions_tco2"] = totals["emissions_tco2"] - totals.at["perfect", "emissions_tco2"]
    return wide.reset_index(), totals.reset_index()


def replay_report_html(table, title: str = "replay") -> str:
    """The page comparing the strategies of a replay table (module doc): totals and regret, daily cost and
    cumulative regret charts, the daily table with a column per strategy."""
    import matplotlib.pyplot as plt

    frame = replay_frame(table)
    wide, totals = replay_summary(frame)
    days = pd.to_datetime(wide["date"])
    fig, (ax_c, ax_r) = plt.subplots(1, 2, figsize=(12, 3.6))
    for strategy in totals["strategy"]:
        ax_c.plot(days, wide[f"cost_cny | {strategy}"], "o-", ms=3, label=strategy)
        regret = wide[f"cost_cny | {strategy}"] - wide["cost_cny | perfect"]
        ax_r.plot(days, regret.cumsum(), "o-", ms=3, label=strategy)
    ax_c.set_ylabel("cost per day [CNY]")
    ax_r.set_ylabel("cumulative regret vs\nperfect foresight [CNY]")
    import matplotlib.dates as mdates

    for ax in (ax_c, ax_r):
        ax.set_xlabel("operating date (local)")
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(mdates.DayLocator(interval=max(1, len(days) // 10)))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
        ax.tick_params(axis="x", rotation=30)
    ax_r.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    fig.tight_layout()
    figure = {"id": "replay", "png": figure_png(fig),
              "caption": "Cost per operating day [CNY] by strategy, and the cumulative regret against perfect "
                         "foresight [CNY]."}
    return render("replay.html.j2", title=title, totals=totals, daily=wide, figures=[figure], days=len(wide))
