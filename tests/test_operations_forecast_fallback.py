"""Missing or partial forecasts (optimiser.operations.fallback): exit 2 naming the file, column and
step by default; with --forecast-fallback persistence, the same instant of an earlier day (the file,
then the stored schedule of the day before), flagged on the run and in the summary; never zero.

Hand-worked: a park with only a demand, flat 0.5 CNY/kWh; day 1 (2026-07-15) 100 kW, day 2 120 kW.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
import yaml

from ops_cases import START, scenario_dict
from optimiser.cli import main
from optimiser.errors import ScenarioError
from optimiser.operations.dayahead import day_ahead
from optimiser.operations.intraday import intraday, parse_at
from optimiser.operations.store import Store

DAY1, DAY2 = date(2026, 7, 15), date(2026, 7, 16)
LOAD = [{"name": "load", "kind": "demand", "demand_kw": {"csv": "series.csv", "column": "load"}}]


def write(folder, step_minutes: int, load_of, keep=lambda t: True, price=0.5):
    """series.csv over 3 days with the rows ``keep`` selects, and the scenario; returns its path."""
    index = pd.date_range(START, periods=3 * 24 * 60 // step_minutes, freq=f"{step_minutes}min")
    rows = [t for t in index if keep(t)]
    pd.DataFrame({"time": [t.isoformat() for t in rows], "price": price,
                  "load": [load_of(t) for t in rows]}).to_csv(folder / "series.csv", index=False)
    raw = scenario_dict(LOAD, step_minutes)
    raw["tariff"]["import_cny_per_kwh"] = {"csv": "series.csv", "column": "price"}
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def day_load(t) -> float:
    return 100.0 if t.day == 15 else 120.0


def partial_day2(t) -> bool:
    """Day 2 only until 12:00 (the forecast provider stopped), days 1 and 3 complete."""
    return not (t.day == 16 and t.hour >= 12)


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_partial_forecast_is_an_error_by_default(tmp_path, step_minutes):
    path = write(tmp_path, step_minutes, day_load, partial_day2)
    store = Store(tmp_path / "store.sqlite")
    with pytest.raises(ScenarioError, match=r"CSV file 'series.csv' has no row for horizon step "
                                            r"2026-07-16T12:00:00\+08:00"):
        day_ahead(path, DAY2, store)
    assert store.current_schedule(DAY2) is None and store.runs()[0].exit_code == 2


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_partial_forecast_filled_from_the_day_before_in_the_file(tmp_path, step_minutes):
    path = write(tmp_path, step_minutes, day_load, partial_day2)
    job = day_ahead(path, DAY2, Store(tmp_path / "store.sqlite"), forecast_fallback="persistence")
    demand = job.result.dataset["load_demand_kw"].values
    half = 12 * 60 // step_minutes
    np.testing.assert_array_equal(demand[:half], 120.0)
    np.testing.assert_array_equal(demand[half:], 100.0)  # 2026-07-15's values, never zero
    assert job.result.summary["objective_cny"] == pytest.approx(0.5 * (120 * 12 + 100 * 12))
    flags = [f for f in job.flags if f.startswith("forecast fallback")]
    steps = 24 * 60 // step_minutes
    assert len(flags) == 2  # the load and the price
    assert any(f"assets[load].demand_kw (series.csv, column load): {half} of {steps} steps missing from "
               "2026-07-16T12:00:00+08:00, filled by persistence of series.csv 1 day(s) before" in f for f in flags)
    assert job.result.summary["flags"] == job.flags
    run = Store(tmp_path / "store.sqlite").runs()[0]
    assert "forecast fallback: assets[load].demand_kw" in run.flags and run.exit_code == 0


def test_empty_cells_filled_and_text_cells_refused(tmp_path):
    path = write(tmp_path, 60, day_load)
    frame = pd.read_csv(tmp_path / "series.csv", dtype=str, keep_default_na=False)
    frame.loc[30, "load"] = ""  # 2026-07-16 06:00
    frame.to_csv(tmp_path / "series.csv", index=False)
    job = day_ahead(path, DAY2, Store(tmp_path / "a.sqlite"), forecast_fallback="persistence")
    assert job.result.dataset["load_demand_kw"].values[6] == 100.0
    assert job.result.summary["objective_cny"] == pytest.approx(0.5 * (120 * 23 + 100))
    frame.loc[30, "load"] = "n/a"
    frame.to_csv(tmp_path / "series.csv", index=False)
    with pytest.raises(ScenarioError, match=r"column 'load' has text 'n/a' at line 32"):
        day_ahead(path, DAY2, Store(tmp_path / "b.sqlite"), forecast_fallback="persistence")


def test_filled_from_the_stored_schedule_when_the_file_has_no_earlier_day(tmp_path):
    """Day 1 solved from a complete file; then the file is replaced by one holding only day 2's morning:
    the afternoon's load and price come from the stored schedule of day 1."""
    path = write(tmp_path, 60, day_load)
    store = Store(tmp_path / "store.sqlite")
    day_ahead(path, DAY1, store)
    write(tmp_path, 60, day_load, keep=lambda t: t.day == 16 and t.hour < 12)
    job = day_ahead(path, DAY2, store, forecast_fallback="persistence")
    assert job.result.summary["objective_cny"] == pytest.approx(0.5 * (120 * 12 + 100 * 12))
    assert any("the stored schedule of 2026-07-15 (load_demand_kw, 12 step(s))" in f for f in job.flags)
    assert any("the stored schedule of 2026-07-15 (grid_import_price_cny_per_kwh, 12 step(s))" in f
               for f in job.flags)


def test_nothing_to_persist_is_exit_2(tmp_path, capsys):
    path = write(tmp_path, 60, day_load, keep=lambda t: t.day == 16 and t.hour < 12)
    code = main(["day-ahead", str(path), "--date", "2026-07-16", "--store", str(tmp_path / "s.sqlite"),
                 "--forecast-fallback", "persistence"])
    assert code == 2
    err = capsys.readouterr().err
    assert "assets[load].demand_kw: CSV file 'series.csv' column 'load' has no value for 12 step(s) of 2026-07-16 " \
           "(first 2026-07-16T12:00:00+08:00) and no earlier value to persist" in err


def test_intraday_with_a_partial_update(tmp_path):
    """The updated forecast at 12:00 ends at 18:00: the evening persists the day before's update (file)."""
    path = write(tmp_path, 60, day_load)
    store = Store(tmp_path / "store.sqlite")
    day_ahead(path, DAY2, store)
    write(tmp_path, 60, lambda t: 100.0 if t.day == 15 else 130.0, keep=lambda t: not (t.day == 16 and t.hour >= 18))
    job = intraday(path, parse_at("2026-07-16T12:00:00+08:00"), store, forecast_fallback="persistence")
    assert job.result.summary["objective_cny"] == pytest.approx(0.5 * (130 * 18 + 100 * 6))
    assert any("6 of 24 steps missing from 2026-07-16T18:00:00+08:00" in f for f in job.flags)
