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
from .lazy import pd
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
            frame = read_text_csv(path, relative, keep_default_na=False)  # "n/a" is text, an empty cell missing
            self._csv_cache[path] = _align_to_index(frame, relative, self.index)
        return self._csv_cache[path]


ENCODINGS = ("utf-8-sig", "gb18030")
"""tried in turn: UTF-8 (with or without a byte-order mark), then GB18030, a superset of GBK (Excel's default
for CSV on Chinese Windows)"""


def read_text_csv(path: Path, relative: str, **options) -> pd.DataFrame:
    """A CSV file in UTF-8 or GBK/GB18030; ``ValueError`` naming the file if it cannot be read."""
    for encoding in ENCODINGS:
        try:
            return pd.read_csv(path, encoding=encoding, **options)
        except UnicodeDecodeError:
            continue
        except Exception as exc:  # pandas raises many kinds of parse errors
            raise ValueError(f"CSV file '{relative}' cannot be read: {exc}") from None
    raise ValueError(f"CSV file '{relative}' is neither UTF-8 nor GBK text; save it as 'CSV UTF-8'")


def _align_to_index(frame: pd.DataFrame, name: str, index: pd.DatetimeIndex) -> pd.DataFrame:
    """The rows of the horizon's steps, in order, indexed by their line number in the file (header = line 1)."""
    frame = frame.set_axis(pd.RangeIndex(2, len(frame) + 2, name="line"))
    if "time" not in frame.columns:
        if len(frame) != len(index):
            raise ValueError(
                f"CSV file '{name}' has {len(frame)} rows and no 'time' column; "
                f"the horizon has {len(index)} steps"
            )
        return frame
    try:
        times = pd.to_datetime(frame["time"], format="ISO8601")
    except (ValueError, TypeError) as exc:
        raise ValueError(f"CSV file '{name}' column 'time' has unparseable timestamps: {exc}") from None
    if times.dt.tz is None:
        raise ValueError(
            f"CSV file '{name}' column 'time' is timezone-naive (first value '{frame['time'].iloc[0]}'); "
            "write timestamps with an offset, e.g. 2026-07-15T00:00:00+08:00"
        )
    found = times.dt.tz
    times = pd.DatetimeIndex(times).tz_convert(index.tz)
    duplicated = times[times.duplicated()]
    if len(duplicated):
        raise ValueError(f"CSV file '{name}' column 'time' repeats timestamp {duplicated[0].isoformat()}")
    positions = times.get_indexer(index)
    if (positions < 0).any():
        missing = index[positions < 0][0]
        zones = ""
        if found is not None and found.utcoffset(None) != missing.utcoffset():
            zones = (f"; its times are in {_zone_name(found)}, the horizon's in {index.tz} "
                     f"(UTC{missing.strftime('%z')[:3]}:{missing.strftime('%z')[3:]}): a row is matched by its instant, "
                     "so the file must cover the horizon in either zone")
        raise ValueError(f"CSV file '{name}' has no row for horizon step {missing.isoformat()}{zones}")
    return frame.iloc[positions]


def _zone_name(tz) -> str:
    """'UTC+00:00' for a fixed offset, else the zone's name."""
    name = str(tz)
    return name if not name.startswith("UTC") or len(name) > 3 else "UTC+00:00"


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
        column = frame[spec.column]
        numbers = pd.to_numeric(column.replace("", np.nan), errors="coerce")
        words = column.astype(str).str.strip()
        text = numbers.isna() & (words != "") & (words.str.lower() != "nan")
        if text.any():
            i = int(np.argmax(text.to_numpy()))
            raise ValueError(f"CSV file '{spec.csv}' column '{spec.column}' has text {str(column.iloc[i])!r} at line "
                             f"{column.index[i]} (step {i}, {context.index[i].isoformat()}); expected a number")
        raw = numbers.to_numpy(dtype=float) * spec.scale
        where = f"CSV file '{spec.csv}' column '{spec.column}'"
        lines = column.index
    elif isinstance(value, bool) or value is None or isinstance(value, str):
        raise ValueError("expected a number, a list of numbers or {csv: FILE, column: NAME}")
    elif isinstance(value, (int, float)):
        raw = np.full(n, float(value))
        where, lines = "constant", None
    else:
        try:
            raw = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(_first_non_number(value)) from None
        if raw.ndim != 1 or raw.shape[0] != n:
            raise ValueError(f"series has {raw.size} values; the horizon has {n} steps")
        where, lines = "series", None
    bad = ~np.isfinite(raw)
    if bad.any():
        i = int(np.argmax(bad))
        line = "" if lines is None else f"line {lines[i]}, "
        raise ValueError(f"{where} has a missing or non-finite value at {line}step {i} ({context.index[i].isoformat()})")
    if nonnegative and (raw < 0).any():
        i = int(np.argmax(raw < 0))
        raise ValueError(f"{where} has negative value {raw[i]:g} at step {i} ({context.index[i].isoformat()})")
    raw = raw.copy()
    raw.setflags(write=False)
    return raw


def _first_non_number(value: Any) -> str:
    """Why a list is not a list of numbers: its first element that is not one, with its index."""
    try:
        items = list(value)
    except TypeError:
        return "expected a number, a list of numbers or {csv: FILE, column: NAME}"
    for i, item in enumerate(items):
        if isinstance(item, bool) or not isinstance(item, (int, float, np.floating, np.integer)):
            return f"element [{i}] = {item!r} is not a number (a series is a list of numbers, one per step)"
    return "expected a number, a list of numbers or {csv: FILE, column: NAME}"  # pragma: no cover


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
