"""Electricity tariffs: time-of-use blocks (peak / flat / valley ...) or an explicit price series.

A time-of-use tariff names a price per period and, per season (a set of months),
the clock-time blocks of each period. Every season must cover the 24 hours of the
day exactly once, and the seasons must cover the twelve months exactly once, so
any Chinese provincial tariff (seasonal critical peaks, midday valleys, deep
valleys) can be written down and a mistake is caught before any solve. A step
that straddles a block boundary pays the time-weighted mean price of its minutes.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from .lazy import pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .series import Series

Period = Literal["critical_peak", "peak", "flat", "valley", "deep_valley"]
MINUTES_PER_DAY = 1440


def _parse_block(text: str) -> tuple[int, int]:
    """'07:00-11:30' -> (420, 690) minutes of day; '23:00-24:00' allowed."""
    try:
        start, end = (part.strip() for part in text.split("-"))
        minutes = [int(p.split(":")[0]) * 60 + int(p.split(":")[1]) for p in (start, end)]
    except (ValueError, IndexError):
        raise ValueError(f"time block '{text}' is not of the form 'HH:MM-HH:MM'") from None
    if not (0 <= minutes[0] < minutes[1] <= MINUTES_PER_DAY):
        raise ValueError(f"time block '{text}' must run forwards within 00:00-24:00")
    return minutes[0], minutes[1]


class TouSeason(BaseModel):
    """The clock-time blocks of each period for a set of months."""

    model_config = ConfigDict(extra="forbid")
    months: list[int] = Field(default_factory=lambda: list(range(1, 13)), description="months 1-12 this season applies to")
    periods: dict[Period, list[str]] = Field(description="period -> blocks 'HH:MM-HH:MM' (local clock time)")

    @field_validator("months")
    @classmethod
    def _months_valid(cls, months: list[int]) -> list[int]:
        bad = [m for m in months if not 1 <= m <= 12]
        if bad:
            raise ValueError(f"month {bad[0]} is not in 1-12")
        return months

    @model_validator(mode="after")
    def _covers_day_once(self) -> "TouSeason":
        self.period_of_minute()
        return self

    def period_of_minute(self) -> np.ndarray:
        """Period name of each minute of the day [1440 strings]; raises on gaps and overlaps."""
        owner = np.full(MINUTES_PER_DAY, "", dtype=object)
        for period, blocks in self.periods.items():
            for block in blocks:
                a, b = _parse_block(block)
                clash = owner[a:b] != ""
                if clash.any():
                    m = a + int(np.argmax(clash))
                    raise ValueError(f"block '{block}' of '{period}' overlaps '{owner[m]}' at {m // 60:02d}:{m % 60:02d}")
                owner[a:b] = period
        if (owner == "").any():
            m = int(np.argmax(owner == ""))
            raise ValueError(f"no period covers {m // 60:02d}:{m % 60:02d} in months {self.months}")
        return owner


class TimeOfUse(BaseModel):
    """Time-of-use import tariff: a price per period and the seasons' clock-time blocks."""

    model_config = ConfigDict(extra="forbid")
    prices_cny_per_kwh: dict[Period, float] = Field(description="price of each period [CNY/kWh]")
    seasons: list[TouSeason] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> "TimeOfUse":
        seen: dict[int, int] = {}
        for i, season in enumerate(self.seasons):
            for month in season.months:
                if month in seen:
                    raise ValueError(f"month {month} is in seasons {seen[month]} and {i}")
                seen[month] = i
            for period in season.periods:
                if period not in self.prices_cny_per_kwh:
                    raise ValueError(f"period '{period}' has no price in prices_cny_per_kwh")
        missing = sorted(set(range(1, 13)) - set(seen))
        if missing:
            raise ValueError(f"months {missing} belong to no season")
        return self

    def prices(self, index: pd.DatetimeIndex, step_minutes: int) -> np.ndarray:
        """Mean price of each step [CNY/kWh] for steps starting at ``index`` (local time)."""
        per_minute = {}
        for season in self.seasons:
            owner = season.period_of_minute()
            day = np.array([self.prices_cny_per_kwh[p] for p in owner])
            cumulative = np.concatenate([[0.0], np.cumsum(np.concatenate([day, day]))])
            for month in season.months:
                per_minute[month] = cumulative
        start = (index.hour * 60 + index.minute).to_numpy()
        months = index.month.to_numpy()
        out = np.empty(len(index))
        for month in np.unique(months):
            sel = months == month
            cumulative = per_minute[int(month)]
            out[sel] = (cumulative[start[sel] + step_minutes] - cumulative[start[sel]]) / step_minutes
        return out


class Tariff(BaseModel):
    """Import and export prices. Give exactly one of ``time_of_use`` and ``import_cny_per_kwh``."""

    model_config = ConfigDict(extra="forbid")
    source: str | None = Field(None, description="where the tariff comes from (document, year)")
    time_of_use: TimeOfUse | None = None
    import_cny_per_kwh: Series | None = Field(None, description="explicit import price series [CNY/kWh]")
    export_cny_per_kwh: Series = Field(description="feed-in price for export [CNY/kWh]")

    @model_validator(mode="after")
    def _one_import_price(self) -> "Tariff":
        if (self.time_of_use is None) == (self.import_cny_per_kwh is None):
            raise ValueError("give exactly one of 'time_of_use' and 'import_cny_per_kwh'")
        return self

    def import_prices(self, index: pd.DatetimeIndex, step_minutes: int) -> np.ndarray:
        """Import price of each step [CNY/kWh]."""
        if self.import_cny_per_kwh is not None:
            return self.import_cny_per_kwh
        return self.time_of_use.prices(index, step_minutes)
