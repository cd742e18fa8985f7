"""``parkdispatch history``: the runs in the store as a table for an operator at a terminal."""

from __future__ import annotations

import json

import pandas as pd

from .store import Store


def history_frame(store: Store, limit: int | None = None) -> pd.DataFrame:
    """One row per run, newest first: id, kind, date, status, exit code, objective, whether its schedule
    is the date's current one, flags, creation time (UTC) and error class."""
    current = store.current_run_ids()
    rows = []
    for run in store.runs(limit):
        flags = json.loads(run.flags or "[]")
        rows.append({
            "run": run.id, "kind": run.kind, "date": run.operating_date.isoformat(), "status": run.status,
            "exit": "" if run.exit_code is None else run.exit_code,
            "objective_cny": "" if run.objective_cny is None else f"{run.objective_cny:.2f}",
            "current": "*" if run.id in current else "",
            "flags": "; ".join(flags) if flags else "",
            "created_utc": run.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            "error": run.error_class or "",
        })
    return pd.DataFrame(rows, columns=["run", "kind", "date", "status", "exit", "objective_cny", "current", "flags",
                                       "created_utc", "error"])


def history_text(store: Store, limit: int | None = None) -> str:
    frame = history_frame(store, limit)
    if frame.empty:
        return f"store {store.where}: no runs yet"
    return f"store {store.where}\n" + frame.to_string(index=False)
