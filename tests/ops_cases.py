"""Scenario files for the operations tests: two days of hourly-priced series in a CSV with a
timezone-aware ``time`` column, so a day-ahead job can move the horizon to either day."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import yaml

START = "2026-07-15T00:00:00+08:00"

STORAGE_PRICES = [0.20, 0.21, 0.22, 0.23, 0.24, 0.25] + [0.5] * 12 + [1.0] * 4 + [0.62, 0.6]
"""per local hour [CNY/kWh]: a rising valley, a shoulder, an evening peak, a falling late shoulder"""

ELECTROLYSER_PRICES = [0.9, 0.9] + [0.7] * 18 + [1.0, 1.0] + [0.3, 0.3]
"""expensive small hours, dear day, an evening peak, a cheap late evening [CNY/kWh]"""

STORES = {  # one kind each, all worth the same hand-worked numbers (see test_operations_dayahead)
    "battery": [
        {"name": "load", "kind": "demand", "demand_kw": 100},
        {"name": "store", "kind": "battery", "power_kw": 50, "energy_kwh": 200, "charge_efficiency": 1,
         "discharge_efficiency": 1, "min_soc_fraction": 0, "max_soc_fraction": 1, "self_discharge_per_hour": 0,
         "cycle_cost_cny_per_kwh": 0.01, "initial_soc_fraction": 0.5, "end_rule": "free"},
    ],
    "flow_battery": [
        {"name": "load", "kind": "demand", "demand_kw": 100},
        {"name": "store", "kind": "flow_battery", "power_kw": 50, "energy_kwh": 200, "charge_efficiency": 1,
         "discharge_efficiency": 1, "self_discharge_per_hour": 0, "pump_load_fraction": 0,
         "cycle_cost_cny_per_kwh": 0.01,
         "initial_soc_fraction": 0.5, "end_rule": "free"},
    ],
    "thermal_storage": [
        {"name": "heat", "kind": "heat_demand", "demand_kw_th": 100},
        {"name": "boiler", "kind": "electric_boiler", "capacity_kw_th": 200, "efficiency": 1.0},
        {"name": "store", "kind": "thermal_storage", "power_kw": 50, "energy_kwh": 200,
         "self_discharge_per_hour": 0, "cycle_cost_cny_per_kwh": 0.01, "initial_soc_fraction": 0.5,
         "end_rule": "free"},
    ],
    "hydrogen_storage": [  # 1 kg = 50 kWh of electrolyser input: the same numbers in kg
        {"name": "h2", "kind": "hydrogen_demand", "demand_kg_per_h": 2},
        {"name": "stack", "kind": "electrolyser", "power_kw": 200, "kwh_per_kg": 50},
        {"name": "store", "kind": "hydrogen_storage", "capacity_kg": 4, "max_charge_kg_per_h": 1,
         "max_discharge_kg_per_h": 1, "compressor_kwh_per_kg": 0.5,
         "initial_level_fraction": 0.5, "end_rule": "free"},
    ],
}

ELECTROLYSER = [
    {"name": "h2", "kind": "hydrogen_demand", "demand_kg_per_h": 2, "grey_purchase_cny_per_kg": 30},
    {"name": "stack", "kind": "electrolyser", "power_kw": 100, "kwh_per_kg": 50, "min_load_fraction": 0.5,
     "min_up_hours": 4},
]


def scenario_dict(assets: list[dict], step_minutes: int, days: int = 1) -> dict:
    """A park buying at the CSV's price; horizon ``days`` days from 2026-07-15."""
    return {
        "park": {"name": "ops test park", "latitude": 37.4, "longitude": 116.3, "timezone": "Asia/Shanghai"},
        "horizon": {"start": START, "steps": days * 24 * 60 // step_minutes, "step_minutes": step_minutes},
        "tariff": {"import_cny_per_kwh": {"csv": "prices.csv", "column": "price"}, "export_cny_per_kwh": 0.0},
        "grid": {"import_limit_kw": 10_000, "export_limit_kw": 0, "emission_factor_tco2_per_mwh": 0.5},
        "assets": copy.deepcopy(assets),
        "solver": {"mip_gap": 0.0},
    }


def write_case(folder: Path, assets: list[dict], step_minutes: int, hourly_prices: list[float], days: int = 3,
               name: str = "scenario.yaml") -> Path:
    """Write ``prices.csv`` (``days`` days from 2026-07-15, the same prices each day) and a one-day
    scenario YAML next to it; returns the YAML path."""
    index = pd.date_range(START, periods=days * 24 * 60 // step_minutes, freq=f"{step_minutes}min")
    price = [hourly_prices[t.hour] for t in index]
    pd.DataFrame({"time": [t.isoformat() for t in index], "price": price}).to_csv(folder / "prices.csv", index=False)
    path = folder / name
    path.write_text(yaml.safe_dump(scenario_dict(assets, step_minutes)))
    return path

MIN_DOWN_PRICES = [0.3] * 21 + [0.28, 1.5, 1.5]
"""cheap all day (cheapest at 21 h, so the optimum stops at 22:00, not 21:00), a dear late evening [CNY/kWh]"""

MIN_DOWN = [
    {"name": "h2", "kind": "hydrogen_demand", "demand_kg_per_h": 2, "grey_purchase_cny_per_kg": 30},
    {"name": "stack", "kind": "electrolyser", "power_kw": 100, "kwh_per_kg": 50, "min_load_fraction": 0.5,
     "min_down_hours": 4, "initially_on": True},
]
