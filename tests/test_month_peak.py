"""Month-to-date peak import of the two-part tariff, carried across days (grid.month_to_date_peak_kw,
optimiser.operations.month_peak): a day pays the full monthly rate on its increase of the month's
peak only, a month's first day starts from zero; hand-worked at 15 and 60 minute steps."""

from datetime import date

import pandas as pd
import pytest
import yaml

from optimiser.operations.dayahead import day_ahead
from optimiser.operations.store import Store
from optimiser.run import optimise
from optimiser.scenario import scenario_from_dict

PARK = {"name": "peak park", "latitude": 37.4, "longitude": 116.3, "timezone": "Asia/Shanghai"}


def two_step(p0, with_battery):
    assets = [{"name": "load", "kind": "demand", "demand_kw": [100, 300]}]
    if with_battery:
        assets.append({"name": "lfp", "kind": "battery", "power_kw": 200, "energy_kwh": 200,
                       "charge_efficiency": 1.0, "discharge_efficiency": 1.0, "min_soc_fraction": 0.0,
                       "max_soc_fraction": 1.0, "initial_soc_fraction": 0.0, "end_rule": "free",
                       "self_discharge_per_hour": 0.0, "cycle_cost_cny_per_kwh": 0.0})
    return scenario_from_dict({
        "park": PARK, "horizon": {"start": "2026-07-15T00:00:00+08:00", "steps": 2, "step_minutes": 60},
        "tariff": {"import_cny_per_kwh": 0.5, "export_cny_per_kwh": 0.0},
        "grid": {"import_limit_kw": 1000, "export_limit_kw": 0, "emission_factor_tco2_per_mwh": 0.0,
                 "demand_charge_cny_per_kw_month": 730, "month_to_date_peak_kw": p0},
        "assets": assets, "solver": {"mip_gap": 0.0}})


@pytest.mark.parametrize(("p0", "with_battery", "expected_cny", "charge_cny"), [
    (250.0, False, 200.0 + 730 * 50, 730 * 50),   # peak 300 kW, 50 kW above the month's 250: 36,500 CNY
    (250.0, True, 200.0, 0.0),                    # the battery flattens import to 200 kW < 250: no charge
    (0.0, True, 200.0 + 730 * 200, 730 * 200),    # a month's first day: 200 kW at the full monthly rate
])
def test_only_the_increase_of_the_month_peak_is_charged(p0, with_battery, expected_cny, charge_cny):
    """Load 100 then 300 kW for an hour each at 0.5 CNY/kWh (energy 400 kWh: 200 CNY), 730 CNY/kW/month."""
    r = optimise(two_step(p0, with_battery))
    assert r.summary["objective_cny"] == pytest.approx(expected_cny, abs=1e-6)
    assert r.summary["demand_charge_cny"] == pytest.approx(charge_cny, abs=1e-6)


LOADS = {date(2026, 7, 30): (100.0, 300.0), date(2026, 7, 31): (200.0, 200.0), date(2026, 8, 1): (200.0, 200.0)}
"""(load all day, load 12:00-13:00) [kW]"""


def write(folder, step_minutes, days=1, start="2026-07-30T00:00:00+08:00", p0=None):
    index = pd.date_range("2026-07-30", periods=3 * 24 * 60 // step_minutes, freq=f"{step_minutes}min",
                          tz="Asia/Shanghai")
    load = [LOADS[t.date()][1] if t.hour == 12 else LOADS[t.date()][0] for t in index]
    pd.DataFrame({"time": [t.isoformat() for t in index], "load_kw": load}).to_csv(folder / "load.csv", index=False)
    grid = {"import_limit_kw": 1000, "export_limit_kw": 0, "emission_factor_tco2_per_mwh": 0.5,
            "demand_charge_cny_per_kw_month": 10}
    if p0 is not None:
        grid["month_to_date_peak_kw"] = p0
    raw = {"park": PARK, "horizon": {"start": start, "steps": days * 24 * 60 // step_minutes,
                                     "step_minutes": step_minutes},
           "tariff": {"import_cny_per_kwh": 0.5, "export_cny_per_kwh": 0.0}, "grid": grid,
           "assets": [{"name": "load", "kind": "demand", "demand_kw": {"csv": "load.csv", "column": "load_kw"}}],
           "solver": {"mip_gap": 0.0}}
    (folder / "park.yaml").write_text(yaml.safe_dump(raw))
    return folder / "park.yaml", raw


@pytest.mark.parametrize("step_minutes", [15, 60])
def test_day_ahead_carries_the_month_peak_and_resets_it_each_month(tmp_path, step_minutes):
    """10 CNY/kW/month, 0.5 CNY/kWh.
    30 Jul: 100 kW, 300 kW at 12-13 h: energy (23 x 100 + 300) x 0.5 = 1300, peak 300 x 10 = 3000: 4300.
    31 Jul: 200 kW all day, under July's 300 kW: energy 2400, no demand charge: 2400.
    1 Aug: 200 kW all day, a new month from 0: 2400 + 200 x 10 = 4400.
    One run over 30-31 Jul from a month peak of 0: 1300 + 2400 + 3000 = 6700 = 4300 + 2400."""
    path, raw = write(tmp_path, step_minutes)
    store = Store(tmp_path / "store.sqlite")
    got = {}
    for day in LOADS:
        job = day_ahead(path, day, store)
        got[day] = (job.result.summary["objective_cny"], store.totals(job.run_id)["month_to_date_peak_import_kw"])
    assert got[date(2026, 7, 30)][0] == pytest.approx(4300.0, abs=1e-6)
    assert got[date(2026, 7, 31)][0] == pytest.approx(2400.0, abs=1e-6)
    assert got[date(2026, 8, 1)][0] == pytest.approx(4400.0, abs=1e-6)
    assert got[date(2026, 7, 31)][1] == ("2026-07", pytest.approx(300.0))
    assert got[date(2026, 8, 1)][1] == ("2026-08", pytest.approx(200.0))
    _, two_days = write(tmp_path, step_minutes, days=2, p0=0.0)
    both = optimise(scenario_from_dict(two_days, base_dir=tmp_path))
    assert both.summary["objective_cny"] == pytest.approx(4300.0 + 2400.0, abs=1e-6)
