"""A replay's comparison: per day and in total, for perfect foresight, day-ahead only and day-ahead + intraday.

``replay_days.csv`` (one row per day and strategy), ``replay_totals.csv`` (one row per strategy:
sums over the days; shares as the ratio of the summed numerators and denominators; the peak
import the highest of the days) and ``replay.json`` (both, the value of intraday = day-ahead only
minus day-ahead + intraday in CNY and tCO2, the forecast error model, timings and the flags of
each day), ``replay.png`` and ``report.html`` (:func:`optimiser.reports.study.replay_report_html`); written atomically (:func:`optimiser.outdir.atomic_directory`).
"""

from __future__ import annotations

import statistics
from pathlib import Path

import pandas as pd

from ..outdir import atomic_directory
from ..output import write_json
from ..reports.render import write_page
from ..reports.study import replay_report_html
from .replay import STRATEGIES, SettledDay

COLUMNS = ("cost_cny", "emissions_tco2", "renewable_share", "green_electricity_share", "curtailment_kwh",
           "unserved_kwh", "peak_import_kw", "demand_charge_cny", "import_kwh", "export_kwh", "demand_kwh",
           "renewable_available_kwh", "renewable_used_kwh", "green_kwh", "consumed_kwh", "export_over_limit_kwh")
SUMMED = tuple(c for c in COLUMNS if c.endswith(("_cny", "_tco2", "_kwh")))
LABELS = {"perfect": "perfect foresight", "day_ahead": "day-ahead only", "intraday": "day-ahead + intraday"}


def days_frame(days: list[SettledDay]) -> pd.DataFrame:
    """One row per settled day and strategy."""
    return pd.DataFrame([{"date": d.date.isoformat(), "strategy": d.strategy, **{c: d.kpis[c] for c in COLUMNS},
                          "solves": d.solves, "solve_seconds": d.solve_seconds, "flags": "; ".join(d.flags)}
                         for d in days])


def totals_frame(days: pd.DataFrame) -> pd.DataFrame:
    """One row per strategy: sums, shares of the sums, highest peak (see module doc)."""
    rows = []
    for strategy in STRATEGIES:
        part = days[days["strategy"] == strategy]
        row = {"strategy": strategy, "days": len(part), **{c: float(part[c].sum()) for c in SUMMED}}
        consumed = row["consumed_kwh"]
        row["renewable_share"] = row["renewable_used_kwh"] / consumed if consumed > 0 else 0.0
        row["green_electricity_share"] = row["green_kwh"] / consumed if consumed > 0 else 0.0
        row["peak_import_kw"] = float(part["peak_import_kw"].max())
        row["solves"] = int(part["solves"].sum())
        rows.append(row)
    return pd.DataFrame(rows)[["strategy", "days", *COLUMNS, "solves"]]


def report(days: list[SettledDay], meta: dict) -> dict:
    """The replay's JSON document: ``meta`` (scenario, options), totals, value of intraday, days."""
    frame = days_frame(days)
    totals = totals_frame(frame).set_index("strategy")
    resolves = [s for d in days for s in d.resolve_seconds]

    def difference(minuend: str, subtrahend: str) -> dict[str, float]:
        return {key: float(totals.loc[minuend, key] - totals.loc[subtrahend, key])
                for key in ("cost_cny", "emissions_tco2")}

    value, foresight = difference("day_ahead", "intraday"), difference("intraday", "perfect")
    return {**meta, "strategies": LABELS,
            "value_of_intraday": value, "intraday_gap_to_perfect_foresight": foresight,
            "totals": {s: row.to_dict() for s, row in totals.iterrows()},
            "resolves": {"count": len(resolves),
                         "median_ms": 1000 * statistics.median(resolves) if resolves else None},
            "days": frame.to_dict(orient="records")}


def write_replay(days: list[SettledDay], meta: dict, out_dir: str | Path, overwrite: bool, protect,
                 plot: bool = True) -> dict:
    """Write the replay's outputs into ``out_dir`` atomically; returns the JSON document."""
    doc = report(days, meta)
    frame = days_frame(days)
    with atomic_directory(out_dir, overwrite, protect=protect, command="replay") as tmp:
        frame.to_csv(tmp / "replay_days.csv", index=False, float_format="%.6f")
        totals_frame(frame).to_csv(tmp / "replay_totals.csv", index=False, float_format="%.6f")
        write_json(doc, tmp / "replay.json")
        if plot:
            plot_replay(frame, doc, tmp / "replay.png")
        write_page(tmp / "report.html", replay_report_html(frame, title=f"replay of {meta.get('scenario', '')}"))
    return doc


def plot_replay(frame: pd.DataFrame, doc: dict, path: Path) -> None:
    """Daily cost and emissions per strategy and the cumulative value of intraday."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(3, 1, figsize=(10, 9), sharex=True)
    dates = pd.to_datetime(frame["date"].unique())
    for strategy in STRATEGIES:
        part = frame[frame["strategy"] == strategy]
        axes[0].plot(dates, part["cost_cny"].to_numpy() / 1000, marker="o", ms=3, label=LABELS[strategy])
        axes[1].plot(dates, part["emissions_tco2"].to_numpy(), marker="o", ms=3, label=LABELS[strategy])
    da = frame[frame["strategy"] == "day_ahead"]["cost_cny"].to_numpy()
    idy = frame[frame["strategy"] == "intraday"]["cost_cny"].to_numpy()
    axes[2].bar(dates, (da - idy) / 1000, color="tab:green", label="day-ahead only − day-ahead + intraday")
    axes[2].plot(dates, (da - idy).cumsum() / 1000, color="k", label="cumulative")
    axes[0].set_ylabel("cost [kCNY/day]")
    axes[1].set_ylabel("emissions [tCO2/day]")
    axes[2].set_ylabel("value of intraday [kCNY]")
    for ax in axes:
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    v = doc["value_of_intraday"]
    fig.suptitle(f"{doc['park']}: replay of {doc['days_replayed']} day(s) from {doc['start']}, intraday every "
                 f"{doc['intraday_every_h']:g} h — value of intraday {v['cost_cny']:,.0f} CNY, "
                 f"{v['emissions_tco2']:.2f} tCO2", fontsize=10)
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
