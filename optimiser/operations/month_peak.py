"""The month-to-date peak import of a two-part tariff, carried across days.

The running totals hold ``month_to_date_peak_import_kw`` (period ``YYYY-MM``) after each stored
day; the next day of the same month bills only its increase of that peak
(``grid.month_to_date_peak_kw``, :class:`optimiser.assets.grid.Grid`), a month's first day
starts from 0.
"""

from __future__ import annotations

from datetime import date

NAME = "month_to_date_peak_import_kw"


def month_peak_kw(operating_date: date, previous: dict[str, tuple[str, float]]) -> float:
    """The highest import billed this month before ``operating_date`` [kW] from the latest running
    totals (``{name: (period, value)}``); 0 when they belong to another month."""
    period, value = previous.get(NAME, (None, 0.0))
    return float(value) if period == operating_date.strftime("%Y-%m") else 0.0


def with_month_peak(raw: dict, operating_date: date, previous: dict[str, tuple[str, float]]) -> None:
    """Set ``grid.month_to_date_peak_kw`` in the scenario mapping ``raw`` (in place) when its grid has a
    demand charge."""
    grid = raw.get("grid")
    if isinstance(grid, dict) and (grid.get("demand_charge_cny_per_kw_month") or 0) > 0:
        grid["month_to_date_peak_kw"] = month_peak_kw(operating_date, previous)
