"""A small state store for the dashboard tests: two day-ahead days, an intraday update of the second day
after a forecast change, and a failed run (a date the scenario's CSV does not cover)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from ops_cases import STORAGE_PRICES, STORES, write_case


def build_store(folder: Path, location: str | None = None):
    """The store at ``location`` (default: an SQLite file in ``folder``, which also holds the scenario files)."""
    from optimiser.errors import ParkDispatchError
    from optimiser.operations.dayahead import day_ahead
    from optimiser.operations.intraday import intraday
    from optimiser.operations.store import Store

    path = write_case(folder, STORES["battery"], 60, STORAGE_PRICES)
    store = Store(location or folder / "store.sqlite")
    day_ahead(path, date(2026, 7, 15), store)
    day_ahead(path, date(2026, 7, 16), store)
    prices = pd.read_csv(folder / "prices.csv")  # the afternoon of the 16th turned dearer
    prices.loc[prices["time"].str.startswith("2026-07-16T1"), "price"] += 0.4
    prices.to_csv(folder / "prices.csv", index=False)
    intraday(path, pd.Timestamp("2026-07-16T12:00:00+08:00"), store)
    with pytest.raises(ParkDispatchError):
        day_ahead(path, date(2026, 7, 25), store)
    return store
