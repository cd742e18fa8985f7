"""Day-ahead jobs over the state store: state carried across the day boundary, hand-worked.

Storage (every kind): 100 kW of demand (electric, heat, or 2 kg/h of hydrogen at 50 kWh/kg); a store
of 50 kW / 200 kWh (4 kg, 1 kg/h), lossless, starting the first day half full (100 kWh), end rule
``free``; a small cost per cycle (0.01 CNY per kWh discharged; for the tank a compressor of
0.5 kWh/kg filled) so no zero-profit cycle makes the optimum ambiguous. Hourly prices: 0.20, 0.21,
..., 0.25 (00-06 h), 0.5 (06-18 h), 1.0 (18-22 h), 0.62, 0.60 (22-24 h). Each day the store
discharges 50 kW through the four peak hours (200 kWh, saving 200 CNY) and is empty at midnight,
so a day ends the same whether or not the solver sees the next one ('free' is right here: energy
left at midnight has no use the next day that the valley does not offer more cheaply; 'at_least'
would force a level the two-day optimum does not hold). Demand alone costs
100 x (1.35 + 6 + 4 + 1.22) = 1257 CNY a day.
  day 1: starts at 100 kWh, charges 100 kWh in hours 0-1: 50 x (0.20 + 0.21) = 20.5; cycle 200 x 0.01
         = 2: objective 1257 + 20.5 - 200 + 2 = 1079.5, ends at 0 (tank: compressor 0.5 x 0.41 = 0.205
         instead of the cycle cost: 1077.705).
  day 2: starts at 0 (carried), charges 200 kWh in hours 0-3: 50 x 0.86 = 43; 1257 + 43 - 200 + 2 = 1102
         (tank: + 0.5 x 0.86 = 0.43: 1100.43).
  one two-day run: the sum (2181.5; tank 2178.135). Without the carried state day 2 would start at
  100 kWh again and cost what day 1 does.

Commitment (electrolyser 100 kW, 50 kWh/kg, minimum load 50 %, minimum up time 4 h; hydrogen demand
2 kg/h, grey hydrogen 30 CNY/kg): prices 0.9 (00-02 h), 0.7 (02-20 h), 1.0 (20-22 h), 0.3 (22-24 h).
A kg made at full load costs 50 x price: worth it only at 0.3 (+30 CNY/h at full load); the minimum
load loses 30 - 50 x price: -15 CNY/h at 0.9, -5 at 0.7, -20 at 1.0. The unit starts at 22:00 on
both days; in one two-day run the day-1 start must stay on until 02:00 on day 2 (min up 4 h) at
minimum load, which still pays (+60 - 30), and beats starting at 20:00 (+60 - 40). (With 0.7 at
20-22 h the two-day run would start at 20:00 (+60 - 10) and the day-by-day runs, which cannot see
the forced hours after midnight, would cost 20 CNY more: a look-ahead beyond the day, not the carried
state, closes that gap.)
  day 1: 2 h x 100 kW x 0.3 = 60 CNY of power, 4 kg made, 44 kg bought (1320): 1380; ends on, 2 h on.
  day 2: carried on for 2 h, so on at 50 kW for 00-02 (2 x 50 x 0.9 = 90, 2 kg), on 22-24 (60, 4 kg),
         42 kg bought (1260): 1410.   Two-day run: 2790 = 1380 + 1410. Without the carried status
         day 2 would cost 1320 (no forced hours).
Both at 60 and at 15 minute steps (the same hourly prices, the same numbers).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from ops_cases import ELECTROLYSER, ELECTROLYSER_PRICES, STORAGE_PRICES, STORES, scenario_dict, write_case
from optimiser.operations.dayahead import day_ahead
from optimiser.operations.store import Store
from optimiser.run import optimise
from optimiser.scenario import scenario_from_dict

DAY1, DAY2 = date(2026, 7, 15), date(2026, 7, 16)
LEVEL = {"battery": "store_soc_kwh", "flow_battery": "store_soc_kwh", "thermal_storage": "store_soc_kwh",
         "hydrogen_storage": "store_level_kg"}


EXPECTED = {"battery": (1079.5, 1102.0), "flow_battery": (1079.5, 1102.0), "thermal_storage": (1079.5, 1102.0),
            "hydrogen_storage": (1077.705, 1100.43)}


def two_day(folder, assets, step_minutes):
    return optimise(scenario_from_dict(scenario_dict(assets, step_minutes, days=2), base_dir=folder))


@pytest.mark.parametrize("step_minutes", [60, 15])
@pytest.mark.parametrize("kind", sorted(STORES))
def test_storage_level_carried_across_days(tmp_path, kind, step_minutes):
    path = write_case(tmp_path, STORES[kind], step_minutes, STORAGE_PRICES)
    store = Store(tmp_path / "store.sqlite")
    first = day_ahead(path, DAY1, store)
    second = day_ahead(path, DAY2, store)
    day1, day2 = EXPECTED[kind]
    assert first.result.summary["objective_cny"] == pytest.approx(day1, abs=1e-6)
    assert second.result.summary["objective_cny"] == pytest.approx(day2, abs=1e-6)
    _, state = store.end_state(DAY1)
    flow = LEVEL[kind].removeprefix("store_")
    assert state[("store", flow)] == pytest.approx(0.0, abs=1e-6)
    whole = two_day(tmp_path, STORES[kind], step_minutes)
    assert whole.summary["objective_cny"] == pytest.approx(day1 + day2, abs=1e-6)
    rolled = np.concatenate([first.result.dataset[LEVEL[kind]].values, second.result.dataset[LEVEL[kind]].values])
    np.testing.assert_allclose(rolled, whole.dataset[LEVEL[kind]].values, atol=1e-6)
    imports = np.concatenate([first.result.dataset["grid_import_kw"].values,
                              second.result.dataset["grid_import_kw"].values])
    np.testing.assert_allclose(imports, whole.dataset["grid_import_kw"].values, atol=1e-6)


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_commitment_status_and_hours_carried_across_days(tmp_path, step_minutes):
    path = write_case(tmp_path, ELECTROLYSER, step_minutes, ELECTROLYSER_PRICES)
    store = Store(tmp_path / "store.sqlite")
    first = day_ahead(path, DAY1, store)
    second = day_ahead(path, DAY2, store)
    assert first.result.summary["objective_cny"] == pytest.approx(1380.0, abs=1e-6)
    assert second.result.summary["objective_cny"] == pytest.approx(1410.0, abs=1e-6)
    _, state = store.end_state(DAY1)
    assert state[("stack", "on")] == 1.0
    assert state[("stack", "hours_on")] == pytest.approx(2.0)
    whole = two_day(tmp_path, ELECTROLYSER, step_minutes)
    assert whole.summary["objective_cny"] == pytest.approx(2790.0, abs=1e-6)
    for flow in ("stack_on", "stack_power_kw"):
        rolled = np.concatenate([first.result.dataset[flow].values, second.result.dataset[flow].values])
        np.testing.assert_allclose(rolled, whole.dataset[flow].values, atol=1e-6)


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_minimum_down_time_carried_across_days(tmp_path, step_minutes):
    """Electrolyser as above but minimum down time 4 h, on before the first day; prices 0.3 (00-21 h), 0.28
    (21-22 h), 1.5 (22-24 h). Full load pays 60 - 30 = +30 CNY/h at 0.3 (+32 at 0.28); at 1.5 even the
    minimum load loses 30 - 75 = -45.
    Day 1: on 00-22 h (2100 kWh x 0.3 + 100 x 0.28 = 658, 44 kg), off from 22:00; 4 kg bought (120): 778;
    ends off for 2 h.
    Day 2: must stay off 00-02 (2 h of the 4 h left), on 02-22 h (1900 x 0.3 + 28 = 598, 40 kg), off 22-24;
    8 kg bought (240): 838. One two-day run: the same (staying on through 22-02 h: -90 + 60 < 0; stopping
    at 21:00 to restart at 01:00 gives up +32 for +30): 1616. Without the carried hours day 2 would run
    from 00:00 and cost 778."""
    from ops_cases import MIN_DOWN, MIN_DOWN_PRICES

    path = write_case(tmp_path, MIN_DOWN, step_minutes, MIN_DOWN_PRICES)
    store = Store(tmp_path / "store.sqlite")
    first = day_ahead(path, DAY1, store)
    second = day_ahead(path, DAY2, store)
    assert first.result.summary["objective_cny"] == pytest.approx(778.0, abs=1e-6)
    assert second.result.summary["objective_cny"] == pytest.approx(838.0, abs=1e-6)
    _, state = store.end_state(DAY1)
    assert (state[("stack", "on")], state[("stack", "hours_off")]) == (0.0, pytest.approx(2.0))
    whole = two_day(tmp_path, MIN_DOWN, step_minutes)
    assert whole.summary["objective_cny"] == pytest.approx(1616.0, abs=1e-6)
    rolled = np.concatenate([first.result.dataset["stack_on"].values, second.result.dataset["stack_on"].values])
    np.testing.assert_allclose(rolled, whole.dataset["stack_on"].values, atol=1e-6)
