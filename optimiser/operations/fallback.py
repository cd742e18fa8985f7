"""Missing or partial forecasts in the daily job: a clear error, or persistence, flagged.

A series read from a CSV with a timezone-aware ``time`` column must cover the operating day. By
default (``--forecast-fallback error``) a missing row or an empty cell stops the job before any
solve (exit 2, naming the file, the column and the first step missing: the validation of
:mod:`optimiser.series`). With ``--forecast-fallback persistence`` each missing step takes the
value of the same instant on an earlier day (:func:`fill_missing`):

1. the same file, 1 to 7 days before (the last actuals or forecast it holds for that time);
2. else the value the store's schedule of the day before used (``<asset>_<field>`` of its
   dispatch.csv, e.g. ``load_demand_kw``, ``pv_available_kw``), at the same step;
3. else the job stops with exit 2, as without the fallback.

The filled series is passed to the day's scenario as a list (its scale applied); every filled
series is flagged on the stored run and in the result's summary (``flags``) with the number of
steps, the first one and the source. A cell that is text, not empty, is a data error and is never
filled. Nothing is ever filled with zero.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ScenarioError
from ..series import read_text_csv
from .store import Store

MAX_LAG_DAYS = 7
"""how many days back the same file is searched for a value of the same instant"""


def csv_series(raw: dict):
    """(label, holder, key, spec) of every series given as ``{csv, column}`` in the assets and tariff."""
    for spec in raw.get("assets") or []:
        if isinstance(spec, dict):
            for key, value in spec.items():
                if isinstance(value, dict) and "csv" in value and "column" in value:
                    yield f"assets[{spec.get('name')}].{key}", spec.get("name"), spec, key, value
    tariff = raw.get("tariff") or {}
    for key, value in tariff.items():
        if isinstance(value, dict) and "csv" in value and "column" in value:
            yield f"tariff.{key}", "grid", tariff, key, value


def _day_index(raw: dict) -> pd.DatetimeIndex:
    horizon = raw["horizon"]
    return pd.date_range(pd.Timestamp(horizon["start"]), periods=int(horizon["steps"]),
                         freq=f"{horizon['step_minutes']}min")


def _stored_column(store: Store, before: date, column: str, steps: int) -> np.ndarray | None:
    """The ``column`` of the current schedule of ``before`` (intraday before day-ahead), if it has one of ``steps``."""
    for kind in ("intraday", "day-ahead"):
        schedule = store.current_schedule(before, kind)
        if schedule is not None:
            frame = pd.read_csv(io.StringIO(schedule.dispatch_csv))
            if column in frame and len(frame) == steps:
                return frame[column].to_numpy(dtype=float)
            return None
    return None


def fill_missing(raw: dict, base_dir: Path, store: Store, operating_date: date) -> list[str]:
    """Fill the missing steps of the day's CSV series in ``raw`` (in place) by persistence (module doc);
    returns one flag per filled series."""
    index = _day_index(raw)
    utc = index.tz_convert("UTC")
    flags = []
    for label, owner, holder, key, spec in csv_series(raw):
        path = base_dir / str(spec["csv"])
        if not path.is_file():
            continue  # the validation names it
        frame = read_text_csv(path, str(spec["csv"]), keep_default_na=False)
        if "time" not in frame or spec["column"] not in frame:
            continue
        times = pd.to_datetime(frame["time"], utc=True, errors="coerce")
        cells = frame[spec["column"]].astype(str).str.strip()
        values = pd.Series(pd.to_numeric(cells.where(cells != ""), errors="coerce").to_numpy(), index=times)
        values = values[~values.index.isna() & ~values.index.duplicated()]
        text = cells[(cells != "") & pd.to_numeric(cells, errors="coerce").isna()]
        if len(text):
            continue  # a text cell is a data error: the validation reports its line
        day = values.reindex(utc).to_numpy(dtype=float)
        missing = np.isnan(day)
        if not missing.any():
            continue
        scale = float(spec.get("scale", 1.0))
        filled, sources = day * scale, []
        for lag in range(1, MAX_LAG_DAYS + 1):
            still = np.isnan(filled)
            if not still.any():
                break
            earlier = values.reindex(utc - pd.Timedelta(days=lag)).to_numpy(dtype=float) * scale
            use = still & ~np.isnan(earlier)
            if use.any():
                filled[use] = earlier[use]
                sources.append(f"{spec['csv']} {lag} day(s) before ({int(use.sum())} step(s))")
        if np.isnan(filled).any():
            column = "grid_import_price_cny_per_kwh" if key == "import_cny_per_kwh" else \
                "grid_export_price_cny_per_kwh" if key == "export_cny_per_kwh" else f"{owner}_{key}"
            stored = _stored_column(store, operating_date - timedelta(days=1), column, len(index))
            still = np.isnan(filled)
            if stored is not None:
                filled[still] = stored[still]
                sources.append(f"the stored schedule of {operating_date - timedelta(days=1)} "
                               f"({column}, {int(still.sum())} step(s))")
        if np.isnan(filled).any():
            first = index[int(np.argmax(np.isnan(filled)))]
            raise ScenarioError(f"{label}: CSV file '{spec['csv']}' column '{spec['column']}' has no value for "
                                f"{int(np.isnan(filled).sum())} step(s) of {operating_date} "
                                f"(first {first.isoformat()}) and no earlier value to persist "
                                f"(the file {MAX_LAG_DAYS} days back, the store)")
        holder[key] = filled.tolist()
        first = index[int(np.argmax(missing))]
        flags.append(f"forecast fallback: {label} ({spec['csv']}, column {spec['column']}): {int(missing.sum())} of "
                     f"{len(index)} steps missing from {first.isoformat()}, filled by persistence of "
                     + ", ".join(sources))
    return flags
