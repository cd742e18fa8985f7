"""Time series fields of a scenario, normalised to float arrays on the run's time index.

A series field accepts a constant, an inline list (one value per step), or a CSV
reference ``{csv: FILE, column: NAME, scale: 1.0}`` relative to the scenario file.
A CSV with a ``time`` column (timezone-aware timestamps) may cover more than the
horizon: the horizon's steps are picked from it. Without a ``time`` column the
CSV must have exactly one row per step.

Validation needs a :class:`SeriesContext` (the horizon's index and the scenario
file's folder) passed as pydantic validation context under the key ``"series"``.
After validation every series field is a read-only ``numpy.ndarray`` of floats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, PlainValidator, ValidationInfo, WithJsonSchema


class CsvSeries(BaseModel):
    """A column of a CSV file; ``scale`` multiplies the values (for example 1000 for MW to kW)."""

    model_config = ConfigDict(extra="forbid")
    csv: str = Field(description="CSV file path, relative to the scenario file")
    column: str = Field(description="column holding the values")
    scale: float = Field(1.0, description="factor applied to the values")


@dataclass
class SeriesContext:
    """What series resolution needs: the run's time index and where relative paths start."""

    index: pd.DatetimeIndex
    base_dir: Path
    input_files: set[Path] = field(default_factory=set)
    """every file the scenario read (the scenario's SHA-256 covers them)"""
    _csv_cache: dict[Path, pd.DataFrame] = field(default_factory=dict)

    def input_file(self, relative: str) -> Path:
        """The path of a file named relative to the scenario file; must exist; recorded in ``input_files``."""
        path = (self.base_dir / relative).resolve()
        if not path.is_file():
            raise ValueError(f"CSV file '{relative}' not found (looked for {path})")
        self.input_files.add(path)
        return path

    def read_csv(self, relative: str) -> pd.DataFrame:
        """A series CSV aligned to the run's index (read once per file)."""
        path = self.input_file(relative)
        if path not in self._csv_cache:
            try:
                frame = pd.read_csv(path)
            except Exception as exc:  # pandas raises many kinds of parse errors
                raise ValueError(f"CSV file '{relative}' cannot be read: {exc}") from None
            self._csv_cache[path] = _align_to_index(frame, relative, self.index)
        return self._csv_cache[path]


def _align_to_index(frame: pd.DataFrame, name: str, index: pd.DatetimeIndex) -> pd.DataFrame:
    if "time" not in frame.columns:
        if len(frame) != len(index):
            raise ValueError(
                f"CSV file '{name}' has {len(frame)} rows and no 'time' column; "
                f"the horizon has {len(index)} steps"
            )
        return frame.reset_index(drop=True)
    try:
        times = pd.to_datetime(frame["time"], format="ISO8601")
    except (ValueError, TypeError) as exc:
        raise ValueError(f"CSV file '{name}' column 'time' has unparseable timestamps: {exc}") from None
    if times.dt.tz is None:
        raise ValueError(
            f"CSV file '{name}' column 'time' is timezone-naive (first value '{frame['time'].iloc[0]}'); "
            "write timestamps with an offset, e.g. 2026-07-15T00:00:00+08:00"
        )
    times = pd.DatetimeIndex(times).tz_convert(index.tz)
    duplicated = times[times.duplicated()]
    if len(duplicated):
        raise ValueError(f"CSV file '{name}' column 'time' repeats timestamp {duplicated[0].isoformat()}")
    positions = times.get_indexer(index)
    if (positions < 0).any():
        missing = index[positions < 0][0]
        raise ValueError(f"CSV file '{name}' has no row for horizon step {missing.isoformat()}")
    return frame.iloc[positions].reset_index(drop=True)


def _to_array(value: Any, info: ValidationInfo, *, nonnegative: bool) -> np.ndarray:
    context = (info.context or {}).get("series")
    if context is None:
        raise ValueError("series fields need the horizon: load scenarios with optimiser.scenario.load_scenario")
    n = len(context.index)
    if isinstance(value, dict):
        spec = CsvSeries.model_validate(value)
        frame = context.read_csv(spec.csv)
        if spec.column not in frame.columns:
            raise ValueError(f"CSV file '{spec.csv}' has no column '{spec.column}' (columns: {', '.join(map(str, frame.columns))})")
        raw = pd.to_numeric(frame[spec.column], errors="coerce").to_numpy(dtype=float) * spec.scale
        where = f"CSV file '{spec.csv}' column '{spec.column}'"
    elif isinstance(value, bool) or value is None or isinstance(value, str):
        raise ValueError("expected a number, a list of numbers or {csv: FILE, column: NAME}")
    elif isinstance(value, (int, float)):
        raw = np.full(n, float(value))
        where = "constant"
    else:
        try:
            raw = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise ValueError("expected a number, a list of numbers or {csv: FILE, column: NAME}") from None
        if raw.ndim != 1 or raw.shape[0] != n:
            raise ValueError(f"series has {raw.size} values; the horizon has {n} steps")
        where = "series"
    bad = ~np.isfinite(raw)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"{where} has a missing or non-finite value at step {i} ({context.index[i].isoformat()})")
    if nonnegative and (raw < 0).any():
        i = int(np.argmax(raw < 0))
        raise ValueError(f"{where} has negative value {raw[i]:g} at step {i} ({context.index[i].isoformat()})")
    raw = raw.copy()
    raw.setflags(write=False)
    return raw


_SERIES_JSON = {
    "anyOf": [
        {"type": "number"},
        {"type": "array", "items": {"type": "number"}},
        CsvSeries.model_json_schema(),
    ],
    "description": "constant, list with one value per step, or {csv, column, scale}",
}
_SERIALISE = PlainSerializer(lambda a: a.tolist(), return_type=list)

Series = Annotated[
    np.ndarray,
    PlainValidator(lambda v, info: _to_array(v, info, nonnegative=False)),
    _SERIALISE,
    WithJsonSchema(_SERIES_JSON),
]
"""A float series on the run's time index; may be negative (prices)."""

NonNegativeSeries = Annotated[
    np.ndarray,
    PlainValidator(lambda v, info: _to_array(v, info, nonnegative=True)),
    _SERIALISE,
    WithJsonSchema({**_SERIES_JSON, "description": _SERIES_JSON["description"] + "; values >= 0"}),
]
"""A float series on the run's time index with all values >= 0 (power, demand, factors)."""
