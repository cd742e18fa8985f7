"""Bad input fails before any solve with one message naming file, field and value (exit code 2)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import small_scenario
from optimiser.cli import main
from optimiser.errors import ScenarioError
from optimiser.scenario import load_scenario, scenario_from_dict

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "scenarios" / "dezhou_day.yaml"


def write(tmp_path: Path, raw: dict, name: str = "s.yaml") -> Path:
    """Write ``raw`` beside a copy of the bundled data folder."""
    if not (tmp_path / "data").exists():
        shutil.copytree(REPO / "scenarios" / "data", tmp_path / "data")
    path = tmp_path / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def demo_raw() -> dict:
    return yaml.safe_load(DEMO.read_text())


def fails_with(tmp_path, raw, *fragments):
    path = write(tmp_path, raw)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = str(err.value)
    assert str(path) in message
    assert "CSV file 'data/dezhou_day.csv' not found" not in message
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_bundled_scenario_is_valid():
    s = load_scenario(DEMO)
    assert s.horizon.steps == 96 and len(s.index) == 96
    assert str(s.index.tz) == "Asia/Shanghai"
    assert s.assets[0].demand_kw.shape == (96,)
    assert len(s.sha256) == 64


def test_unknown_field(tmp_path):
    raw = demo_raw()
    raw["assets"][3]["power_mw"] = 5
    fails_with(tmp_path, raw, "assets[3] (lfp).power_mw", "unknown field")


def test_negative_capacity(tmp_path):
    raw = demo_raw()
    raw["assets"][3]["energy_kwh"] = -10
    fails_with(tmp_path, raw, "assets[3] (lfp).energy_kwh = -10", "greater than 0")


def test_wrong_series_length(tmp_path):
    raw = small_scenario(4, assets=[{"name": "load", "kind": "demand", "demand_kw": [1, 2, 3]}])
    fails_with(tmp_path, raw, "assets[0] (load).demand_kw", "3 values", "4 steps")


def test_nan_in_series(tmp_path):
    raw = small_scenario(2, assets=[{"name": "load", "kind": "demand", "demand_kw": [1.0, float("nan")]}])
    fails_with(tmp_path, raw, "assets[0] (load).demand_kw", "non-finite value at step 1", "2026-07-15T01:00:00+08:00")


def test_nan_in_csv(tmp_path):
    (tmp_path / "d.csv").write_text("load_kw\n5\n\n")
    (tmp_path / "d.csv").write_text("load_kw\n5\nNaN\n")
    raw = small_scenario(2, assets=[{"name": "load", "kind": "demand", "demand_kw": {"csv": "d.csv", "column": "load_kw"}}])
    fails_with(tmp_path, raw, "CSV file 'd.csv' column 'load_kw'", "step 1")


def test_missing_csv(tmp_path):
    raw = small_scenario(2, assets=[{"name": "load", "kind": "demand", "demand_kw": {"csv": "nope.csv", "column": "x"}}])
    fails_with(tmp_path, raw, "assets[0] (load).demand_kw", "CSV file 'nope.csv' not found")


def test_csv_time_column_selects_horizon(tmp_path):
    rows = ["time,load_kw"] + [f"2026-07-14T{h:02d}:00:00+08:00,{h}" for h in range(24)]
    rows += [f"2026-07-15T{h:02d}:00:00+08:00,{100 + h}" for h in range(24)]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n")
    raw = small_scenario(3, assets=[{"name": "load", "kind": "demand", "demand_kw": {"csv": "d.csv", "column": "load_kw"}}])
    s = load_scenario(write(tmp_path, raw))
    np.testing.assert_array_equal(s.assets[0].demand_kw, [100, 101, 102])
    raw["horizon"]["start"] = "2026-07-15T23:00:00+08:00"
    fails_with(tmp_path, raw, "no row for horizon step 2026-07-16T00:00:00+08:00")


def test_soc_bounds_out_of_order(tmp_path):
    raw = demo_raw()
    raw["assets"][3].update(min_soc_fraction=0.9, max_soc_fraction=0.2)
    fails_with(tmp_path, raw, "assets[3] (lfp)", "min_soc_fraction 0.9 is above max_soc_fraction 0.2")


def test_timezone_naive_start(tmp_path):
    raw = demo_raw()
    raw["horizon"]["start"] = "2026-07-15T00:00:00"
    fails_with(tmp_path, raw, "horizon.start", "timezone-naive")


def test_tariff_gap_is_named(tmp_path):
    raw = demo_raw()
    raw["tariff"]["time_of_use"]["seasons"][0]["periods"]["valley"] = ["00:00-06:00", "23:00-24:00"]
    fails_with(tmp_path, raw, "tariff.time_of_use.seasons[0]", "no period covers 06:00")


def test_duplicate_asset_name(tmp_path):
    raw = demo_raw()
    raw["assets"][4]["name"] = "lfp"
    fails_with(tmp_path, raw, "asset name 'lfp' is used twice")


def test_unknown_kind(tmp_path):
    raw = demo_raw()
    raw["assets"][1]["kind"] = "solar"
    fails_with(tmp_path, raw, "assets[1] (rooftop_pv)", "solar")


def test_cli_exit_code_2_and_no_traceback(tmp_path, capsys):
    raw = demo_raw()
    raw["assets"][3]["energy_kwh"] = -10
    path = write(tmp_path, raw)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "energy_kwh = -10" in err and "Traceback" not in err
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    assert not (tmp_path / "out").exists()


def test_tou_prices_step_weighted():
    """Hourly steps straddling a 07:30 boundary pay the mean of both periods' minutes."""
    tou = {"prices_cny_per_kwh": {"valley": 0.3, "peak": 1.0},
           "seasons": [{"periods": {"valley": ["00:00-07:30"], "peak": ["07:30-24:00"]}}]}
    s = scenario_from_dict(small_scenario(24, tariff={"time_of_use": tou, "export_cny_per_kwh": 0},
                                          assets=[{"name": "load", "kind": "demand", "demand_kw": 1}]))
    prices = s.import_prices()
    assert prices[6] == pytest.approx(0.3) and prices[8] == pytest.approx(1.0)
    assert prices[7] == pytest.approx(0.65)


@settings(max_examples=40, deadline=None)
@given(
    low=st.floats(-1, 2, allow_nan=False),
    high=st.floats(-1, 2, allow_nan=False),
    initial=st.floats(-1, 2, allow_nan=False),
)
def test_soc_fraction_validation_property(low, high, initial):
    """A battery validates exactly when 0 <= min <= initial <= max <= 1 (with min < 1, max > 0)."""
    battery = {"name": "b", "kind": "battery", "power_kw": 1, "energy_kwh": 1, "min_soc_fraction": low,
               "max_soc_fraction": high, "initial_soc_fraction": initial}
    ok = 0 <= low < 1 and 0 < high <= 1 and low <= high and low <= initial <= high and 0 <= initial <= 1
    raw = small_scenario(1, assets=[battery])
    if ok:
        scenario_from_dict(raw)
    else:
        with pytest.raises(ScenarioError, match="assets\\[0\\] \\(b\\)"):
            scenario_from_dict(raw)


@pytest.mark.parametrize("end_rule", ["free", "equal_initial", "at_least", "cyclic"])
def test_initial_level_outside_the_bounds_is_refused_unless_cyclic(end_rule):
    """min 0.2, max 0.9, initial 0.1: every rule that starts from the initial level refuses it; cyclic
    (which starts from a level it chooses) ignores it."""
    battery = {"name": "b", "kind": "battery", "power_kw": 1, "energy_kwh": 1, "min_soc_fraction": 0.2,
               "max_soc_fraction": 0.9, "initial_soc_fraction": 0.1, "end_rule": end_rule}
    if end_rule == "at_least":
        battery["end_soc_min_fraction"] = 0.5
    raw = small_scenario(1, assets=[battery])
    if end_rule == "cyclic":
        scenario_from_dict(raw)
    else:
        with pytest.raises(ScenarioError, match=r"assets\[0\] \(b\).*initial_soc_fraction 0.1 is outside \[0.2, 0.9\]"):
            scenario_from_dict(raw)


def test_scenario_dict_may_hold_datetime_objects():
    """A dict built in Python (or from YAML's own timestamps) with a datetime start hashes and loads."""
    from datetime import datetime, timedelta, timezone

    raw = small_scenario(2, assets=[{"name": "load", "kind": "demand", "demand_kw": 1}])
    raw["horizon"]["start"] = datetime(2026, 7, 15, tzinfo=timezone(timedelta(hours=8)))
    scenario = scenario_from_dict(raw)
    assert scenario.index[0].isoformat() == "2026-07-15T00:00:00+08:00"
    assert len(scenario.sha256) == 64
