"""Running totals carried from one operating day to the next: one code path for the daily job
(:mod:`.dayahead`, :mod:`.intraday`) and for each strategy of a replay (:mod:`.replay`).

After a day (:func:`carry_out`, rows ``(name, period, value)``):

* ``month_to_date_peak_import_kw`` (period ``YYYY-MM``): see :mod:`.month_peak`;
* ``year_to_date_<entry>`` (period ``YYYY``) of :data:`TOTALS_YEAR`: import, export, demand, renewable
  generation, curtailment [kWh], emissions [tCO2] and objective [CNY];
* ``year_to_date_<share>_numerator_kwh`` and ``_denominator_kwh`` (period ``YYYY``) of every share
  (:func:`optimiser.accounting.share_terms`: ``green_electricity_share``, ``non_fossil_share``,
  ``clean_energy_share``, ``utilisation``, ``direct_supply_share``, ``renewable_share``) [kWh].

Before a day (:func:`carry_in`): the grid's month-to-date peak, and every **annual share target** (a
``targets.<name>`` with a ``year_to_date`` section) gets the year so far as its ``numerator_kwh`` and
``denominator_kwh`` (:func:`opening_kwh`: the carried totals of this year; the scenario file's own
figures, an opening balance, while nothing is carried; 0 on a year's first day after a carried year),
so ``N - s·D >= s·D0 - N0`` holds the year as one run over the days would. The file's
``rest_of_year_consumption_kwh`` and ``rest_of_year_share`` are used as given each day.
"""

from __future__ import annotations

from datetime import date

import xarray as xr

from ..accounting import energy_totals, share_terms
from ..results import kpis
from ..scenario import Scenario
from ..targets import SHARE_TARGETS, TERM_OF
from .month_peak import NAME as MONTH_PEAK, month_peak_kw, with_month_peak

TOTALS_YEAR = ("import_kwh", "export_kwh", "demand_kwh", "renewable_generation_kwh", "curtailment_kwh",
               "emissions_tco2", "objective_cny")
"""day totals summed year to date (stored as ``year_to_date_<entry>``)"""

PARTS = ("numerator_kwh", "denominator_kwh")


def share_name(term: str, part: str) -> str:
    """The running total of a share's numerator or denominator: ``year_to_date_<term>_<part>``."""
    return f"year_to_date_{term}_{part}"


def opening_kwh(name: str, year: str, previous: dict[str, tuple[str, float]], file_kwh: float) -> float:
    """The year so far before a day of ``year`` [kWh]: the carried total of this year; the file's figure if
    nothing was ever carried; 0 if the carried total belongs to an earlier year."""
    period, value = previous.get(name, (None, 0.0))
    if period == year:
        return float(value)
    return 0.0 if period is not None else float(file_kwh)


def carry_in(raw: dict, operating_date: date, previous: dict[str, tuple[str, float]]) -> list[str]:
    """Write the carried month peak and the year so far of each annual share target into the scenario
    mapping ``raw`` (in place; see module doc); returns a flag per target set."""
    with_month_peak(raw, operating_date, previous)
    targets, year, flags = raw.get("targets"), operating_date.strftime("%Y"), []
    for name in SHARE_TARGETS if isinstance(targets, dict) else ():
        spec = targets.get(name)
        if not isinstance(spec, dict) or not isinstance(spec.get("year_to_date"), dict):
            continue
        ytd = spec["year_to_date"]
        for part in PARTS:
            ytd[part] = opening_kwh(share_name(TERM_OF[name], part), year, previous, ytd.get(part, 0.0))
        flags.append(f"targets.{name}.year_to_date: {ytd['numerator_kwh']:.6g} of {ytd['denominator_kwh']:.6g} kWh "
                     f"so far in {year}")
    return flags


def carry_out(scenario: Scenario, ds: xr.Dataset, objective_cny: float, operating_date: date,
              previous: dict[str, tuple[str, float]]) -> list[tuple[str, str, float]]:
    """The running totals after the day ``ds`` of ``scenario`` (its annual targets set by :func:`carry_in`),
    from the totals before it (see module doc)."""
    month, year = operating_date.strftime("%Y-%m"), operating_date.strftime("%Y")
    day = {**kpis(ds, scenario), "objective_cny": objective_cny}
    out = [(MONTH_PEAK, month, max(day["peak_import_kw"], month_peak_kw(operating_date, previous)))]
    for key in TOTALS_YEAR:
        out.append((f"year_to_date_{key}", year, day[key] + opening_kwh(f"year_to_date_{key}", year, previous, 0.0)))
    annual = {TERM_OF[name]: getattr(scenario.targets, name).year_to_date for name in SHARE_TARGETS
              if getattr(scenario.targets, name) is not None}
    for term, values in share_terms(energy_totals(ds, scenario), scenario).items():
        for part, value in zip(PARTS, values):
            name, ytd = share_name(term, part), annual.get(term)
            before = getattr(ytd, part) if ytd is not None else opening_kwh(name, year, previous, 0.0)
            out.append((name, year, value + before))
    return out
