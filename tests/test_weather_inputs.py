"""Scenarios whose PV and wind availability comes from weather (files shipped with pvlib, or synthetic)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pvlib
import pytest

from builders import small_scenario
from optimiser.cli import main
from optimiser.errors import ScenarioError
from optimiser.scenario import load_scenario, scenario_from_dict

REPO = Path(__file__).resolve().parents[1]
PVLIB_DATA = Path(pvlib.__file__).parent / "data"
PV = {"name": "pv", "kind": "pv", "arrays": [{"name": "roof", "capacity_kwp": 1000, "tilt_deg": 20}]}
WIND = {"name": "wind", "kind": "wind", "farm": {"name": "wf", "turbine_type": "E-126/4200", "hub_height_m": 100}}
LOAD = {"name": "load", "kind": "demand", "demand_kw": 500}


def greensboro_scenario(start: str, steps: int, step_minutes: int = 60) -> dict:
    raw = small_scenario(steps, step_minutes, assets=[LOAD, PV, WIND],
                         weather={"file": {"path": str(PVLIB_DATA / "723170TYA.CSV"), "format": "tmy3"}})
    raw["park"].update(latitude=36.1, longitude=-79.95, timezone="America/New_York")
    raw["horizon"]["start"] = start
    return raw


def test_tmy3_file_is_laid_onto_the_horizon_year():
    """A TMY3 typical year (Greensboro, pvlib's own file) feeds a 2026 January day: PV only in daylight."""
    s = scenario_from_dict(greensboro_scenario("2026-01-15T00:00:00-05:00", 24))
    pv = s.assets[1].available_kw
    assert pv[:6].sum() == 0 and pv[20:].sum() == 0  # night, local time
    assert 0 < pv.max() <= 1000 / 1.2 + 1e-6  # DC/AC 1.2: the inverter caps AC at kWp / 1.2
    assert s.assets[2].available_kw.max() > 0
    assert not s.weather_synthetic


def test_quarter_hour_run_from_hourly_file_keeps_energy():
    """Resampling hourly irradiance to 15 min keeps each hour's mean, so daily PV energy barely moves."""
    hourly = scenario_from_dict(greensboro_scenario("2026-06-01T00:00:00-04:00", 24))
    quarter = scenario_from_dict(greensboro_scenario("2026-06-01T00:00:00-04:00", 96, 15))
    e_hourly, e_quarter = hourly.assets[1].available_kw.sum(), quarter.assets[1].available_kw.sum() / 4
    assert e_quarter == pytest.approx(e_hourly, rel=0.03)


def test_leap_day_is_filled():
    """A typical year has no 29 February; a 2028 horizon over it still gets weather."""
    s = scenario_from_dict(greensboro_scenario("2028-02-29T00:00:00-05:00", 24))
    assert s.assets[1].available_kw.sum() > 0


def test_synthetic_weather_is_reproducible_and_labelled(tmp_path):
    raw = small_scenario(48, assets=[LOAD, PV, WIND], weather={"synthetic": {"site": "dezhou", "seed": 4}})
    a, b = scenario_from_dict(raw), scenario_from_dict(raw)
    np.testing.assert_array_equal(a.assets[1].available_kw, b.assets[1].available_kw)
    raw["weather"]["synthetic"]["seed"] = 5
    c = scenario_from_dict(raw)
    assert not np.array_equal(a.assets[1].available_kw, c.assets[1].available_kw)
    assert a.weather_synthetic


def test_weather_source_errors():
    with pytest.raises(ScenarioError, match="computed from weather but the scenario has no 'weather' section"):
        scenario_from_dict(small_scenario(2, assets=[LOAD, PV]))
    both = dict(PV, available_kw=5)
    with pytest.raises(ScenarioError, match="exactly one of 'available_kw' and 'arrays'"):
        scenario_from_dict(small_scenario(2, assets=[both], weather={"synthetic": {"site": "dezhou"}}))
    missing = small_scenario(2, assets=[PV], weather={"file": {"path": "nope.epw", "format": "epw"}})
    with pytest.raises(ScenarioError, match="weather: weather file 'nope.epw' not found"):
        scenario_from_dict(missing)


def test_bundled_weather_scenario_runs_and_is_labelled_synthetic(tmp_path):
    scenario = REPO / "scenarios" / "tianjin_week_weather.yaml"
    assert main(["forecast", str(scenario), "--out", str(tmp_path / "fc")]) == 0
    meta = json.loads((tmp_path / "fc" / "forecast.json").read_text())
    assert meta["weather"]["synthetic"] is True
    assert meta["energy_kwh"]["rooftop_pv_available_kwh"] > 0
    assert (tmp_path / "fc" / "forecast.png").stat().st_size > 10_000
    assert main(["run", str(scenario), "--out", str(tmp_path / "run"), "--no-plot"]) == 0
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["weather"]["synthetic"] is True
    s = load_scenario(scenario)
    assert summary["renewable_available_kwh"] == pytest.approx(
        sum(a.available_kw.sum() for a in s.assets if a.renewable), rel=1e-9)
    from optimiser.output import read_dispatch_nc

    assert main(["run", str(scenario), "--out", str(tmp_path / "run2")]) == 0
    assert read_dispatch_nc(tmp_path / "run2" / "dispatch.nc").attrs["weather_synthetic"] == 1
