"""Demand-response events resolved onto the horizon's steps: given by steps, by timezone-aware
timestamps or as daily clock times (see :mod:`optimiser.assets.demand_response`, which uses them)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..lazy import pd
from .level_targets import clock_minutes

_FORMS = (("start_step", "end_step"), ("start", "end"), ("start_time", "end_time"))


class DemandResponseEvent(BaseModel):
    """One event: when (steps, timestamps or daily clock times), direction, the firm response
    per step, its compensation and its rebound."""

    model_config = ConfigDict(extra="forbid")
    start_step: int | None = Field(None, ge=0, description="first step of the event (0-based)")
    end_step: int | None = Field(None, gt=0, description="step after the last step of the event (exclusive)")
    start: datetime | None = Field(None, description="event start, timezone-aware ISO-8601 (2026-07-15T19:00:00+08:00)")
    end: datetime | None = Field(None, description="event end (exclusive), timezone-aware ISO-8601")
    start_time: str | None = Field(None, description="daily event: local start 'HH:MM', on every day of the horizon")
    end_time: str | None = Field(None, description="daily event: local end 'HH:MM' ('24:00' allowed; before "
                                                   "start_time: wraps past midnight)")
    direction: Literal["reduce", "increase"] = Field("reduce", description="reduce (peak shaving) or increase (valley filling)")
    required_kw: float = Field(ge=0, description="firm response in every step of the event [kW]")
    compensation_cny_per_kwh: float = Field(ge=0, description="payment per kWh of response [CNY/kWh]")
    max_paid_kw: float | None = Field(None, ge=0, description="response paid at most per step [kW]; default required_kw")
    rebound_fraction: float = Field(0.0, ge=0, le=1, description="share of the response energy paid back after "
                                                                 "the event (reduce: extra load; increase: less load)")
    rebound_hours: float | None = Field(None, gt=0, description="length of the rebound window after the event end [h]")
    rebound_max_kw: float | None = Field(None, ge=0, description="largest rebound per step [kW]; default the pool's "
                                                                 "max increase (reduce) or flexible capacity (increase)")

    @field_validator("start", "end", mode="before")
    @classmethod
    def _timestamp_only(cls, value):
        if value is not None and not isinstance(value, (str, datetime)):
            raise ValueError("expected an ISO-8601 timestamp with a UTC offset, e.g. 2026-07-15T19:00:00+08:00")
        return value

    @property
    def paid_kw(self) -> float:
        return self.required_kw if self.max_paid_kw is None else self.max_paid_kw


@dataclass(frozen=True)
class Occurrence:
    """An event resolved onto the horizon's steps (a daily event gives one per day)."""

    event: int
    """index of the event in ``events``"""
    label: str
    """``event k`` or, for a daily event, ``event k on YYYY-MM-DD``"""
    start: int
    end: int
    """steps ``[start, end)``"""
    direction: float
    """+1 reduce, -1 increase"""
    fraction: float
    """rebound fraction ρ"""
    window: tuple[int, int] | None
    """rebound window's steps inside the horizon ``[a, b)`` (None without rebound or if none is inside)"""
    share: float
    """part of the rebound window inside the horizon (1 if whole; 0 if the event ends with the horizon)"""
    window_steps: int = 0
    """length of the whole rebound window [steps]"""
    carried_kwh: float = 0.0
    """rebound energy carried in from before the horizon, paid back in this window (its share inside) [kWh]"""

    @property
    def steps(self) -> slice:
        return slice(self.start, self.end)


class EventHorizon:
    """Step boundaries of the run as instants, for resolving clock-time events."""

    def __init__(self, index: pd.DatetimeIndex):
        self.index, self.n, self.tz = index, len(index), index.tz
        self.step = pd.Timedelta(index.freq) if index.freq is not None else index[1] - index[0]
        self.first, self.end = index[0], index[0] + self.n * self.step
        self.dt_h = self.step / pd.Timedelta(hours=1)
        self.minutes = self.step / pd.Timedelta(minutes=1)

    def text(self, ts: pd.Timestamp) -> str:
        return ts.tz_convert(self.tz).isoformat()

    def span(self) -> str:
        return f"{self.text(self.first)} to {self.text(self.end)}"

    def step_of(self, ts: pd.Timestamp, what: str) -> int:
        """The boundary index of an instant inside the horizon, or a ValueError naming the nearest ones."""
        position = (ts - self.first) / self.step
        nearest = round(position)
        if abs(position - nearest) < 1e-9:
            return int(nearest)
        below = math.floor(position)
        low, high = self.first + below * self.step, self.first + (below + 1) * self.step
        raise ValueError(f"{what} is not on a step boundary ({self.minutes:g}-minute steps, settled per metering "
                         f"interval); the nearest are {self.text(low)} (step {below}) and "
                         f"{self.text(high)} (step {below + 1})")


def _clock_minutes(text: str, what: str, allow_24: bool) -> int:
    minutes = clock_minutes(text)
    if minutes is None or (minutes == 24 * 60 and not allow_24):
        raise ValueError(f"{what} '{text}' is not a clock time 'HH:MM'" + (" (up to 24:00)" if allow_24 else ""))
    return minutes


def _local(day, minutes: int, h: EventHorizon, what: str) -> pd.Timestamp:
    naive = pd.Timestamp(day) + pd.Timedelta(minutes=minutes)
    try:
        return naive.tz_localize(h.tz, ambiguous="raise", nonexistent="raise")
    except Exception:  # pytz / zoneinfo raise their own non-ValueError types on DST gaps and folds
        raise ValueError(f"{what} {naive.isoformat()} does not exist or is ambiguous in {h.tz} "
                         "(a daylight-saving change); give the event by timestamps") from None


def _timestamp(value: datetime, what: str, h: EventHorizon) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    if ts.tzinfo is None or ts.utcoffset() is None:
        example = ts.tz_localize(h.tz).isoformat() if h.tz is not None else f"{ts.isoformat()}+08:00"
        raise ValueError(f"{what} {ts.isoformat()} has no UTC offset; write it as e.g. {example}")
    return ts


def event_spans(k: int, e: DemandResponseEvent, h: EventHorizon) -> list[tuple[str, int, int]]:
    """The (label, start step, end step) of each occurrence of event ``k`` (see module doc)."""
    given = []
    for first, second in _FORMS:
        a, b = getattr(e, first), getattr(e, second)
        if (a is None) != (b is None):
            raise ValueError(f"event {k}: {first} and {second} go together")
        if a is not None:
            given.append(first)
    if len(given) != 1:
        raise ValueError(f"event {k}: give exactly one of start_step/end_step, start/end or start_time/end_time "
                         f"(steps, timestamps, or daily clock times)")
    if given[0] == "start_step":
        if not e.start_step < e.end_step <= h.n:
            raise ValueError(f"event {k} steps [{e.start_step}, {e.end_step}) are not inside [0, {h.n})")
        return [(f"event {k}", e.start_step, e.end_step)]
    if given[0] == "start":
        start, end = _timestamp(e.start, f"event {k} start", h), _timestamp(e.end, f"event {k} end", h)
        if end <= start:
            raise ValueError(f"event {k} ends at or before its start ({h.text(start)} to {h.text(end)})")
        for what, ts in (("start", start), ("end", end)):
            if not h.first <= ts <= h.end:
                raise ValueError(f"event {k} {what} {h.text(ts)} is outside the horizon {h.span()}")
        return [(f"event {k}", h.step_of(start, f"event {k} start {h.text(start)}"),
                 h.step_of(end, f"event {k} end {h.text(end)}"))]
    begin = _clock_minutes(e.start_time, f"event {k} start_time", allow_24=False)
    finish = _clock_minutes(e.end_time, f"event {k} end_time", allow_24=True)
    if begin == finish:
        raise ValueError(f"event {k} start_time and end_time are equal ({e.start_time})")
    spans = []
    day = (h.first.tz_convert(h.tz).tz_localize(None).normalize() - pd.Timedelta(days=1)).date()
    last = (h.end.tz_convert(h.tz).tz_localize(None)).date()
    while day <= last:
        date = day.isoformat()
        on_clock = _local(day, begin, h, f"event {k} start_time on {date}")
        off_clock = _local(day + timedelta(days=int(finish <= begin)), finish, h, f"event {k} end_time on {date}")
        day += timedelta(days=1)
        start, end = max(on_clock, h.first), min(off_clock, h.end)  # clipped to the horizon
        if start >= end:
            continue
        first = h.step_of(start, f"event {k} start_time {e.start_time} on {date} ({h.text(on_clock)})")
        stop = h.step_of(end, f"event {k} end_time {e.end_time} on {date} ({h.text(off_clock)})")
        spans.append((f"event {k} on {date}", first, stop))
    if not spans:
        raise ValueError(f"event {k} daily {e.start_time}-{e.end_time} never falls inside the horizon {h.span()}")
    return spans


class CarriedRebound(BaseModel):
    """Rebound owed from an event before the horizon (the daily job carries it across midnight)."""

    model_config = ConfigDict(extra="forbid")
    energy_kwh: float = Field(ge=0, description="rebound energy still owed at the horizon's start [kWh]")
    hours: float = Field(gt=0, description="what is left of its window from the horizon's start [h]")
    direction: Literal["reduce", "increase"] = Field(description="direction of the event it follows")
    max_kw: float | None = Field(None, ge=0, description="largest rebound per step [kW]; default as for events")
