"""What the dashboard shows, read from the operations state store (never written): the latest schedule,
the runs with status and flags, one run's page, and a schedule as JSON for a park's energy management
system. Pure functions of the store; :mod:`.serve` puts them on HTTP."""

from __future__ import annotations

import io
import json
import threading
from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..operations.history import history_frame
from ..operations.models import Run, Schedule
from ..operations.store import Store
from ..results import units_of
from .render import figure_png, render

TABLE_SUFFIXES = ("_kw", "_kwh", "_kw_th", "_kwh_th", "_kg", "_kg_per_h", "_cny_per_kwh")
"""the schedule table's columns: flows, levels and prices (columns that are zero throughout left out)"""
KIND_ORDER = ("intraday", "day-ahead")
"""a date's schedule in force: the current intraday one, else the current day-ahead one"""


def schedule_frame(dispatch_csv: str) -> pd.DataFrame:
    """A stored schedule's dispatch table with a timezone-aware ``time`` index (the CSV's own offset)."""
    frame = pd.read_csv(io.StringIO(dispatch_csv))
    frame.index = pd.DatetimeIndex(pd.to_datetime(frame.pop("time")), name="time")
    return frame


def in_force(store: Store, operating_date: date, kind: str | None = None) -> Schedule | None:
    """The current schedule of ``operating_date`` of ``kind``, or the one in force (see KIND_ORDER)."""
    for k in (kind,) if kind else KIND_ORDER:
        schedule = store.current_schedule(operating_date, k)
        if schedule is not None:
            return schedule
    return None


def latest_schedule(store: Store) -> Schedule | None:
    """The schedule in force on the newest operating date that has one."""
    with Session(store.engine) as session:
        newest = session.scalar(select(func.max(Schedule.operating_date)).where(Schedule.is_current.is_(True)))
    return None if newest is None else in_force(store, newest)


def run_of(store: Store, run_id: int) -> tuple[Run | None, Schedule | None]:
    """A run and the schedule it stored (None for a failed run)."""
    with Session(store.engine, expire_on_commit=False) as session:
        run = session.get(Run, run_id)
        schedule = session.scalars(select(Schedule).where(Schedule.run_id == run_id)).first()
        return run, schedule


def schedule_json(schedule: Schedule) -> dict:
    """The polling format: identity (run, date, kind, version, whether current), the time grid, the unit
    of every column, and one record per step with ``time`` in local ISO 8601 with offset."""
    frame = schedule_frame(schedule.dispatch_csv)
    records = json.loads(frame.reset_index().assign(time=[t.isoformat() for t in frame.index])
                         .to_json(orient="records", double_precision=15))
    return {"run_id": schedule.run_id, "operating_date": schedule.operating_date.isoformat(), "kind": schedule.kind,
            "version": schedule.version, "is_current": schedule.is_current, "start": schedule.start,
            "steps": schedule.steps, "step_minutes": schedule.step_minutes,
            "created_utc": schedule.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "units": {c: units_of(c) for c in frame.columns}, "records": records}


def _sum(frame: pd.DataFrame, suffix: str, exclude: tuple[str, ...] = ()) -> np.ndarray:
    cols = [c for c in frame.columns if c.endswith(suffix) and not c.startswith(exclude)]
    return frame[cols].sum(axis=1).to_numpy() if cols else np.zeros(len(frame))


def schedule_chart(frame: pd.DataFrame, step_minutes: int, title: str) -> str:
    """Main flows [kW] (grid import and export, demand, each renewable's output, each store's net
    discharge) and grid prices [CNY/kWh] held over each step to the end of the last one, store levels
    [kWh, kWh_th, kg] at the end of each step; local time; PNG data URI."""
    import matplotlib.pyplot as plt

    time = frame.index.tz_localize(None)
    ends = time + pd.Timedelta(minutes=step_minutes)
    edges = time.append(ends[-1:])

    def held(ax, values, **kw):  # a step's value over the whole step, the last one included
        values = np.asarray(values, dtype=float)
        ax.step(edges, np.append(values, values[-1]), where="post", **kw)
    offset = frame.index[0].strftime("UTC%z")
    fig, (ax_p, ax_e, ax_c) = plt.subplots(3, 1, figsize=(12, 7), sharex=True, gridspec_kw={"height_ratios": [3, 1.4, 1]})
    lines = {"grid import": frame.get("grid_import_kw"), "grid export (-)": -frame.get("grid_export_kw", 0.0),
             "demand (-)": -_sum(frame, "_demand_kw")}
    for col in frame.columns:
        if col.endswith("_output_kw"):
            lines[col.removesuffix("_output_kw")] = frame[col]
        elif col.endswith("_discharge_kw") and col.replace("_discharge_kw", "_charge_kw") in frame:
            name = col.removesuffix("_discharge_kw")
            lines[f"{name} discharge - charge"] = frame[col] - frame[f"{name}_charge_kw"]
    for label, values in lines.items():
        if values is not None and np.abs(np.asarray(values, dtype=float)).max(initial=0) > 1e-9:
            held(ax_p, values, label=label)
    ax_p.axhline(0, color="k", lw=0.6)
    ax_p.set_ylabel("power [kW]\nsupply + / use -")
    ax_p.set_title(title)
    for col in frame.columns:
        for suffix in ("_soc_kwh", "_level_kg"):
            if col.endswith(suffix):
                ax_e.plot(ends, frame[col], label=f"{col.removesuffix(suffix)} [{units_of(col)}]")
    ax_e.set_ylabel("stored, end of step\n[kWh, kWh_th, kg]")
    for col, label in (("grid_import_price_cny_per_kwh", "import price"), ("grid_export_price_cny_per_kwh", "export price")):
        if col in frame:
            held(ax_c, frame[col], label=label)
    ax_c.set_ylabel("price [CNY/kWh]")
    ax_c.set_xlabel(f"local time ({offset})")
    for ax in (ax_p, ax_e, ax_c):
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    fig.tight_layout()
    return figure_png(fig)


_PYPLOT = threading.Lock()
"""pyplot is not thread-safe; the server draws in its worker threads"""


@lru_cache(maxsize=64)
def _chart(schedule_id: int, csv: str, step_minutes: int, title: str) -> str:  # a stored schedule never changes
    with _PYPLOT:
        return schedule_chart(schedule_frame(csv), step_minutes, title)


def schedule_view(schedule: Schedule) -> dict:
    """Chart and table of a schedule for a page."""
    frame = schedule_frame(schedule.dispatch_csv)
    title = f"{schedule.operating_date} {schedule.kind} v{schedule.version} (run {schedule.run_id})"
    table = frame.reset_index()
    table["time"] = [t.strftime("%H:%M") for t in frame.index]
    keep = ["time", *[c for c in table.columns if c != "time" and c.endswith(TABLE_SUFFIXES)
                      and np.abs(table[c].to_numpy(dtype=float)).max(initial=0) > 1e-9]]
    png = _chart(schedule.id, schedule.dispatch_csv, schedule.step_minutes, title)
    return {"schedule": schedule,
            "figure": {"id": f"schedule-{schedule.id}", "png": png,
                       "caption": f"Schedule {title}: main flows and prices over each step, store levels at the end "
                                  "of each step, local time."},
            "table": table[keep].rename(columns={c: f"{c} [{units_of(c)}]" for c in keep if c != "time"})}


def index_page(store: Store, limit: int = 50) -> str:
    """The front page: the latest schedule (chart and table) and the newest runs."""
    schedule = latest_schedule(store)
    return render("dashboard.html.j2", store=store.where, view=None if schedule is None else schedule_view(schedule),
                  runs=history_frame(store, limit))


def run_page(store: Store, run_id: int) -> str | None:
    """One run's page: outcome, flags, error, timings, hashes, running totals and its schedule; None if unknown."""
    run, schedule = run_of(store, run_id)
    if run is None:
        return None
    return render("dashboard_run.html.j2", store=store.where, run=run, flags=json.loads(run.flags or "[]"),
                  timings=json.loads(run.timings or "{}"), totals=store.totals(run_id),
                  view=None if schedule is None else schedule_view(schedule))
