"""``--weather-forecast FILE`` (optimiser.operations.weather_forecast): the day's PV from a weather
forecast file read as the scenario's ``weather.file``; refused with exit 2 where it cannot apply.

Park: load 1000 kW, 1000 kWp of PV (never above the load, so all of it is used), flat 0.5 CNY/kWh,
no export. The scenario's weather file and the forecast are dated CSVs over 15-17 July 2026 in one
layout; the forecast has half the irradiance. The day's cost is 0.5 x (load - PV) kWh: it must be
the cost of the PV computed from the forecast file, whatever the scenario's own file says.
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
from optimiser.scenario import scenario_from_dict

DAY2 = date(2026, 7, 16)
ASSETS = [{"name": "load", "kind": "demand", "demand_kw": 1000},
          {"name": "pv", "kind": "pv", "arrays": [{"name": "roof", "capacity_kwp": 1000, "tilt_deg": 20}]}]
WEATHER = {"path": "weather.csv", "format": "csv", "typical_year": False,
           "options": {"columns": {"ghi": "GHI", "temp_air": "T", "wind_speed_10m": "WS"}, "time_column": "time"}}


def write_weather(path, step_minutes: int, scale: float) -> None:
    """Three clear-sky-like days from 15 July, GHI peaking at 900 x ``scale`` W/m2 at 12:00 local."""
    index = pd.date_range(START, periods=3 * 24 * 60 // step_minutes, freq=f"{step_minutes}min")
    hour = index.hour + index.minute / 60 + step_minutes / 120
    ghi = scale * 900 * np.clip(np.sin((hour - 6) / 12 * np.pi), 0, None)
    pd.DataFrame({"time": [t.isoformat() for t in index], "GHI": ghi, "T": 28.0, "WS": 2.0}).to_csv(path, index=False)


def write_case(folder, step_minutes: int, weather: dict | None = None):
    write_weather(folder / "weather.csv", step_minutes, 1.0)
    write_weather(folder / "forecast.csv", step_minutes, 0.5)
    raw = scenario_dict(ASSETS, step_minutes)
    raw["tariff"]["import_cny_per_kwh"] = 0.5
    raw["weather"] = weather or {"file": WEATHER}
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def day_pv_kwh(folder, step_minutes: int, weather_file: str) -> float:
    """PV of 16 July computed by the scenario loader from ``weather_file`` [kWh]."""
    raw = scenario_dict(ASSETS, step_minutes)
    raw["tariff"]["import_cny_per_kwh"] = 0.5
    raw["horizon"]["start"] = "2026-07-16T00:00:00+08:00"
    raw["weather"] = {"file": {**WEATHER, "path": weather_file}}
    s = scenario_from_dict(raw, base_dir=folder)
    return float(s.assets[1].available_kw.sum() * step_minutes / 60)


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_the_days_pv_comes_from_the_forecast_file(tmp_path, step_minutes):
    path = write_case(tmp_path, step_minutes)
    own, forecast = day_pv_kwh(tmp_path, step_minutes, "weather.csv"), day_pv_kwh(tmp_path, step_minutes, "forecast.csv")
    assert 0 < forecast < 0.6 * own  # half the irradiance, a little less than half the output (temperature)
    store = Store(tmp_path / "store.sqlite")
    plain = day_ahead(path, DAY2, store)
    assert plain.result.summary["objective_cny"] == pytest.approx(0.5 * (24_000 - own), rel=1e-9)
    job = day_ahead(path, DAY2, store, weather_forecast=tmp_path / "forecast.csv")
    assert job.result.summary["objective_cny"] == pytest.approx(0.5 * (24_000 - forecast), rel=1e-9)
    assert any(flag.startswith("weather forecast: ") for flag in job.flags)
    at = parse_at("2026-07-16T12:00:00+08:00")
    update = intraday(path, at, store, weather_forecast=tmp_path / "weather.csv")  # the forecast was too dark
    steps = 12 * 60 // step_minutes
    pv = update.result.dataset["pv_output_kw"].to_numpy()
    past = job.result.dataset["pv_output_kw"].to_numpy()[:steps]  # fixed within 1e-6 (1 + |v|) per step
    assert pv[:steps] == pytest.approx(past, rel=2e-6, abs=2e-6)
    assert pv.sum() * step_minutes / 60 > forecast  # the afternoon from the brighter file


def test_a_missing_file_or_a_scenario_without_weather_file_exits_2(tmp_path, capsys):
    path = write_case(tmp_path, 60)
    store = Store(tmp_path / "store.sqlite")
    with pytest.raises(ScenarioError, match=r"--weather-forecast = .*nope.csv: no such file"):
        day_ahead(path, DAY2, store, weather_forecast=tmp_path / "nope.csv")
    assert store.runs() == []  # refused before the run was recorded
    synthetic = write_case(tmp_path, 60, weather={"synthetic": {"site": "dezhou", "seed": 1}})
    assert main(["day-ahead", str(synthetic), "--date", "2026-07-16", "--store", str(tmp_path / "store.sqlite"),
                 "--weather-forecast", str(tmp_path / "forecast.csv")]) == 2
    assert "the scenario has no weather.file to replace" in capsys.readouterr().err
    assert store.current_schedule(DAY2) is None
