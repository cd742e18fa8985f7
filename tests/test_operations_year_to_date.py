"""Year-to-date totals carried between days (optimiser.operations.totals), in the daily job and in each
replay strategy alike: an annual share target holds over the days as in one run over them.

Hand-worked (15 and 60 minute steps): 100 kW demand all day, PV 60 kW all of day 1 and 20 kW all of day
2 (from the CSV), import 0.5 CNY/kWh, no export, green certificates at 50 CNY/MWh, an annual green
electricity share of 0.5 carried from 0 (``year_to_date``). Consumption D = 2400 kWh a day, PV used
N = 1440 kWh on day 1 and 480 on day 2. One two-day run needs 0.5 x 4800 - 1920 = 480 kWh of
certificates: 0.5 x (40 + 80) x 24 + 0.05 x 480 = 1464 CNY. Day by day: day 1 is 240 kWh ahead of
its share and buys none (480 CNY); day 2 carries N0 = 1440, D0 = 2400 and needs
N2 + G >= 0.5 x (2400 + 2400) - 1440 = 960: G = 480 kWh, 960 + 24 = 984 CNY. Together 1464, as one
run. Without the carry day 2 would buy 0.5 x 2400 - 480 = 720 kWh (996 CNY).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
import yaml

from forecasts.output_forecast import OutputErrorModel
from optimiser.operations.dayahead import day_ahead
from optimiser.operations.replay import ReplayOptions, replay
from optimiser.operations.store import Store
from optimiser.operations.totals import share_name
from optimiser.run import optimise
from optimiser.scenario import load_scenario

START = "2026-07-15T00:00:00+08:00"
DAY1, DAY2 = date(2026, 7, 15), date(2026, 7, 16)


def write_green_park(folder, step_minutes: int, days: int = 1):
    index = pd.date_range(START, periods=3 * 24 * 60 // step_minutes, freq=f"{step_minutes}min")
    pv = np.where(index.day == 15, 60.0, 20.0)
    pd.DataFrame({"time": [t.isoformat() for t in index], "price": 0.5, "pv": pv}).to_csv(folder / "series.csv",
                                                                                       index=False)
    raw = {"park": {"name": "annual share park", "latitude": 37.4, "longitude": 116.3, "timezone": "Asia/Shanghai"},
           "horizon": {"start": START, "steps": days * 24 * 60 // step_minutes, "step_minutes": step_minutes},
           "tariff": {"import_cny_per_kwh": {"csv": "series.csv", "column": "price"}, "export_cny_per_kwh": 0.0},
           "grid": {"import_limit_kw": 1000, "export_limit_kw": 0, "emission_factor_tco2_per_mwh": 0.5},
           "assets": [{"name": "load", "kind": "demand", "demand_kw": 100},
                      {"name": "pv", "kind": "pv", "available_kw": {"csv": "series.csv", "column": "pv"}}],
           "targets": {"green_electricity_share_min": {"value": 0.5,
                                                      "year_to_date": {"numerator_kwh": 0, "denominator_kwh": 0}},
                       "green_purchases": [{"name": "gec", "kind": "certificate", "price_cny_per_mwh": 50,
                                            "max_mwh": 100}]},
           "solver": {"mip_gap": 0.0}}
    path = folder / f"park_{days}d.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_two_day_ahead_days_with_an_annual_share_equal_one_two_day_run(tmp_path, step_minutes):
    both = optimise(load_scenario(write_green_park(tmp_path, step_minutes, days=2))).summary
    assert both["objective_cny"] == pytest.approx(1464.0, abs=1e-6)
    assert both["green_purchased_kwh"] == pytest.approx(480.0, abs=1e-6)
    path, store = write_green_park(tmp_path, step_minutes), Store(tmp_path / "store.sqlite")
    first, second = day_ahead(path, DAY1, store), day_ahead(path, DAY2, store)
    assert first.result.summary["objective_cny"] == pytest.approx(480.0, abs=1e-6)
    assert first.result.summary["green_purchased_kwh"] == pytest.approx(0.0, abs=1e-6)
    assert second.result.summary["objective_cny"] == pytest.approx(984.0, abs=1e-6)
    assert second.result.summary["green_purchased_kwh"] == pytest.approx(480.0, abs=1e-6)
    assert "targets.green_electricity_share_min.year_to_date: 1440 of 2400 kWh so far in 2026" in second.flags
    totals = store.totals(second.run_id)
    assert totals[share_name("green_electricity_share", "numerator_kwh")] == ("2026", pytest.approx(2400.0))
    assert totals[share_name("green_electricity_share", "denominator_kwh")] == ("2026", pytest.approx(4800.0))
    assert second.result.summary["kpis"]["green_electricity_share"]["year_to_date_value"] == pytest.approx(0.5)


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_replayed_days_carry_each_strategys_year_to_date(tmp_path, step_minutes):
    """Perfect forecasts: every strategy settles day 1 at 480 CNY and day 2 at 984 CNY (480 kWh of
    certificates), 1464 CNY together as the two-day run; each carries its own totals."""
    path = write_green_park(tmp_path, step_minutes)
    days = replay(path, DAY1, 2, ReplayOptions(error=OutputErrorModel.perfect(), intraday_every_h=6))
    for strategy in ("perfect", "day_ahead", "intraday"):
        one, two = [d for d in days if d.strategy == strategy]
        assert one.kpis["cost_cny"] == pytest.approx(480.0, abs=1e-6), strategy
        assert two.kpis["cost_cny"] == pytest.approx(984.0, abs=1e-6), strategy
        assert two.kpis["green_kwh"] == pytest.approx(960.0, abs=1e-6), strategy
        assert "targets.green_electricity_share_min.year_to_date: 1440 of 2400 kWh so far in 2026" in two.flags


def test_opening_balance_from_the_file_then_from_the_store_and_a_new_year_from_zero(tmp_path):
    """With nothing carried the file's figures are the year so far (here 1000 of 4000 kWh: day 1 must
    bring N1 + G >= 0.5 x 6400 - 1000 = 2200, G = 760 kWh); once carried, the store's; on 1 January after
    a carried year, zero."""
    from optimiser.operations.totals import carry_in

    path = write_green_park(tmp_path, 60)
    raw = yaml.safe_load(path.read_text())
    raw["targets"]["green_electricity_share_min"]["year_to_date"] = {"numerator_kwh": 1000, "denominator_kwh": 4000}
    path.write_text(yaml.safe_dump(raw))
    job = day_ahead(path, DAY1, Store(tmp_path / "store.sqlite"))
    assert job.result.summary["green_purchased_kwh"] == pytest.approx(760.0, abs=1e-6)
    carried = {share_name("green_electricity_share", "numerator_kwh"): ("2026", 3200.0),
               share_name("green_electricity_share", "denominator_kwh"): ("2026", 6400.0)}
    for when, expected in ((date(2026, 12, 31), (3200.0, 6400.0)), (date(2027, 1, 1), (0.0, 0.0))):
        r = yaml.safe_load(path.read_text())
        carry_in(r, when, carried)
        ytd = r["targets"]["green_electricity_share_min"]["year_to_date"]
        assert (ytd["numerator_kwh"], ytd["denominator_kwh"]) == expected
