"""Bad inputs found by an attack with malformed files: each is exit 2 before any solve, with one message naming
the file, the field (or line) and the value; never a traceback, never a silent wrong result."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from builders import small_scenario
from optimiser.cli import main
from optimiser.errors import ScenarioError
from optimiser.scenario import load_scenario, scenario_from_dict

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "scenarios" / "dezhou_day.yaml"
EPW = REPO / "tests" / "forecasts" / "data" / "pvgis_tmy_45N_8E_excerpt.epw"


@pytest.fixture
def project(tmp_path):
    shutil.copytree(REPO / "scenarios" / "data", tmp_path / "data")
    return tmp_path


def _validate_fails(path: Path, capsys, *fragments: str) -> str:
    """``parkdispatch validate`` exits 2 with one message holding the file name and ``fragments``."""
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and str(path) in err, err
    for fragment in fragments:
        assert fragment in err, err
    return err


def test_a_folder_given_as_the_scenario_is_named_so(tmp_path, capsys):
    _validate_fails(tmp_path, capsys, "is a folder, not a scenario file")


# --- duplicate keys ---------------------------------------------------------------------------

def test_duplicate_key_is_rejected_with_its_line(project, capsys):
    """Two power_kw entries: the last silently won before (the optimum moved from 221,857 to 230,818 CNY)."""
    lines = DEMO.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if "power_kw: 5000" in line)
    lines.insert(at + 1, lines[at].replace("5000", "2000"))
    path = project / "dup.yaml"
    path.write_text("\n".join(lines) + "\n")
    _validate_fails(path, capsys, f"line {at + 2}: key 'power_kw' is given twice (first on line {at + 1})")


def test_duplicate_top_level_section_and_merge_keys(project, capsys):
    path = project / "dup.yaml"
    path.write_text(DEMO.read_text() + "\nobjective: {carbon_price_cny_per_tco2: 50}\n")
    _validate_fails(path, capsys, "key 'objective' is given twice")
    merged = project / "merge.yaml"  # a merge key may be overridden: that is not a duplicate
    merged.write_text(DEMO.read_text().replace("solver:", "x-defaults: &d {time_limit_s: 30}\nsolver_unused: 0\nsolver:")
                      .replace("solver_unused: 0\n", ""))
    raw = yaml.safe_load(DEMO.read_text())
    raw["solver"] = {"<<": {"time_limit_s": 30, "mip_gap": 0.01}, "mip_gap": 0.001}
    merged.write_text(yaml.safe_dump(raw).replace("'<<'", "<<"))
    assert load_scenario(merged).solver.mip_gap == 0.001


# --- finite, plausible magnitudes ---------------------------------------------------------------

@pytest.mark.parametrize("old, new, message", [
    ("power_kw: 5000", "power_kw: 1e300", "assets[3] (lfp).power_kw = 1e+300: beyond 1e+08 kW"),
    ("energy_kwh: 10000", "energy_kwh: 1e15", "assets[3] (lfp).energy_kwh = 1e+15: beyond 1e+12 kWh"),
    ("import_limit_kw: 30000", "import_limit_kw: .inf", "grid.import_limit_kw = inf: not a finite number"),
    ("export_limit_kw: 5000", "export_limit_kw: .nan", "grid.export_limit_kw = nan"),
    ("{csv: data/dezhou_day.csv, column: load_kw}", "{csv: data/dezhou_day.csv, column: load_kw, scale: 1e13}",
     "assets[0] (park_load).demand_kw = "),
    ("export_cny_per_kwh: 0.3949", "export_cny_per_kwh: 1e9", "tariff.export_cny_per_kwh = 1e+09 at step 0"),
    ("export_cny_per_kwh: 0.3949", "export_cny_per_kwh: -2E+6", "tariff.export_cny_per_kwh = -2e+06 at step 0"),
])
def test_implausible_numbers_are_rejected_before_the_solve(project, capsys, old, new, message):
    """Each of these passed validation and then stopped HiGHS with status 'Empty' (exit 4)."""
    text = DEMO.read_text()
    assert old in text
    path = project / "big.yaml"
    path.write_text(text.replace(old, new))
    assert main(["run", str(path), "--out", str(project / "out")]) == 2
    err = capsys.readouterr().err
    assert message in err and str(path) in err, err
    assert not (project / "out").exists()


def test_time_limit_in_the_scenario_must_be_finite(build):
    with pytest.raises(ScenarioError, match=r"solver.time_limit_s = inf: not a finite number"):
        build(2, assets=[{"name": "d", "kind": "demand", "demand_kw": 1}], solver={"time_limit_s": float("inf")})


# --- weather files ------------------------------------------------------------------------------

def _weather_scenario(folder: Path, weather_file: str, fmt: str = "epw") -> Path:
    raw = small_scenario(24, assets=[
        {"name": "load", "kind": "demand", "demand_kw": 100},
        {"name": "pv", "kind": "pv", "arrays": [{"name": "a", "capacity_kwp": 100, "tilt_deg": 20, "azimuth_deg": 180}]}],
        weather={"file": {"path": weather_file, "format": fmt}})
    path = folder / "w.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def _epw_variants() -> dict[str, str]:
    lines = EPW.read_text().splitlines()
    return {
        "short_location": "\n".join(["LOCATION,unknown,-"] + lines[1:]) + "\n",  # KeyError 'altitude' in pvlib
        "no_data_rows": "\n".join(lines[:8]) + "\n",
        "garbage": "this is not a weather file\n\x00\x01\x02\n",
        "cut_row": "\n".join(lines[:9] + [lines[9][:20]]) + "\n",
        "empty": "",
    }


@pytest.mark.parametrize("variant", list(_epw_variants()))
def test_corrupt_epw_is_a_message_naming_the_file(tmp_path, capsys, variant):
    """A corrupt EPW gave a KeyError traceback from pvlib, even in ``validate``."""
    (tmp_path / "site.epw").write_text(_epw_variants()[variant])
    err = _validate_fails(_weather_scenario(tmp_path, "site.epw"), capsys, "weather", "site.epw")
    assert err.count("\n") == 1  # one line


def test_weather_file_in_the_wrong_format_is_a_message(tmp_path, capsys):
    shutil.copy(EPW, tmp_path / "site.epw")
    _validate_fails(_weather_scenario(tmp_path, "site.epw", "tmy3"), capsys, "weather file 'site.epw'", "tmy3")


# --- CSV series ---------------------------------------------------------------------------------

def _csv_scenario(folder: Path, csv_text: bytes | str, steps: int = 3, column: str = "load_kw") -> Path:
    data = csv_text.encode() if isinstance(csv_text, str) else csv_text
    (folder / "series.csv").write_bytes(data)
    raw = small_scenario(steps, assets=[{"name": "load", "kind": "demand",
                                         "demand_kw": {"csv": "series.csv", "column": column}}])
    path = folder / "s.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True))
    return path


def test_gbk_csv_is_read(tmp_path):
    """Excel on Chinese Windows saves CSV in GBK: '负荷_kw' was 'utf-8 codec can't decode'."""
    path = _csv_scenario(tmp_path, "时间,负荷_kw\n0,100\n1,200\n2,150\n".encode("gbk"), column="负荷_kw")
    np.testing.assert_allclose(load_scenario(path).assets[0].demand_kw, [100, 200, 150])


def test_utf8_csv_with_byte_order_mark_is_read(tmp_path):
    path = _csv_scenario(tmp_path, "负荷_kw\n100\n200\n150\n".encode("utf-8-sig"), column="负荷_kw")
    np.testing.assert_allclose(load_scenario(path).assets[0].demand_kw, [100, 200, 150])


def test_undecodable_csv_names_the_encoding_to_use(tmp_path, capsys):
    path = _csv_scenario(tmp_path, b"load_kw\n100\n\x81\x30\xff\xff\n150\n")
    _validate_fails(path, capsys, "series.csv", "neither UTF-8 nor GBK", "CSV UTF-8")


@pytest.mark.parametrize("cell", ["n/a", "NA", "abc", "1,5"])
def test_text_cell_in_a_csv_is_named_as_text_with_its_line(tmp_path, capsys, cell):
    path = _csv_scenario(tmp_path, f'load_kw\n100\n"{cell}"\n150\n')
    _validate_fails(path, capsys, f"column 'load_kw' has text '{cell}' at line 3 (step 1")


def test_empty_cell_is_named_missing_with_its_line(tmp_path, capsys):
    path = _csv_scenario(tmp_path, "load_kw,other\n100,1\n,2\n150,3\n")
    _validate_fails(path, capsys, "has a missing or non-finite value at line 3, step 1")


def test_csv_time_column_in_another_zone_names_the_zone_found(tmp_path, capsys):
    """The horizon is Asia/Shanghai from 2026-07-15T00:00+08:00; the file gives the same clock times in UTC."""
    times = pd.date_range("2026-07-15T00:00", periods=3, freq="h", tz="UTC")
    csv = "time,load_kw\n" + "".join(f"{t.isoformat()},{v}\n" for t, v in zip(times, [100, 200, 150]))
    path = _csv_scenario(tmp_path, csv)
    _validate_fails(path, capsys, "no row for horizon step 2026-07-15T00:00:00+08:00",
                    "its times are in UTC+00:00, the horizon's in Asia/Shanghai (UTC+08:00)")


def _rows(*times: str, column: str = "load_kw") -> str:
    return f"time,{column}\n" + "".join(f"{t},{100 + i}\n" for i, t in enumerate(times))


H = "2026-07-15T0{}:00:00+08:00"
CSV_FAULTS = {
    # case: (CSV text, column asked for, the whole message about the series)
    "too few rows": ("load_kw\n100\n200\n", "load_kw",
                     "CSV file 'series.csv' has 2 rows and no 'time' column; the horizon has 3 steps"),
    "no such column": (_rows(H.format(0), H.format(1), H.format(2)), "nope",
                       "CSV file 'series.csv' has no column 'nope' (columns: time, load_kw)"),
    "unparseable time": (_rows("yesterday", H.format(1), H.format(2)), "load_kw",
                         "CSV file 'series.csv' column 'time' has unparseable timestamps: "),
    "naive time": (_rows("2026-07-15T00:00:00", "2026-07-15T01:00:00", "2026-07-15T02:00:00"), "load_kw",
                   "CSV file 'series.csv' column 'time' is timezone-naive (first value '2026-07-15T00:00:00'); "
                   "write timestamps with an offset, e.g. 2026-07-15T00:00:00+08:00"),
    "repeated time": (_rows(H.format(0), H.format(1), H.format(1), H.format(2)), "load_kw",
                      "CSV file 'series.csv' column 'time' repeats timestamp 2026-07-15T01:00:00+08:00"),
    "missing step, same zone": (_rows(H.format(0), H.format(1), H.format(3)), "load_kw",
                                "CSV file 'series.csv' has no row for horizon step 2026-07-15T02:00:00+08:00"),
    "missing step, another zone": (
        _rows("2026-07-15T00:00:00+09:00", "2026-07-15T01:00:00+09:00", "2026-07-15T02:00:00+09:00"), "load_kw",
        "CSV file 'series.csv' has no row for horizon step 2026-07-15T02:00:00+08:00; its times are in UTC+09:00, "
        "the horizon's in Asia/Shanghai (UTC+08:00): a row is matched by its instant, so the file must cover the "
        "horizon in either zone"),
    "ragged rows": ("load_kw,other\n100,1\n200,2,3,4\n150,3\n", "load_kw",
                    "CSV file 'series.csv' cannot be read: "),
    "NaN is missing, not text": ("load_kw\n100\nNaN\n150\n", "load_kw",
                                 "CSV file 'series.csv' column 'load_kw' has a missing or non-finite value at line 3, "
                                 "step 1 (2026-07-15T01:00:00+08:00)"),
}


@pytest.mark.parametrize("case", list(CSV_FAULTS))
def test_each_csv_fault_has_its_whole_message(tmp_path, case):
    """The message about the series, whole (after the field it belongs to): file, column, line or step and
    value. A missing step in the horizon's own zone says nothing about zones."""
    text, column, message = CSV_FAULTS[case]
    with pytest.raises(ScenarioError) as err:
        load_scenario(_csv_scenario(tmp_path, text, column=column))
    assert "assets[0] (load).demand_kw: " + message in str(err.value)
    if message.endswith(("steps", ")", "+08:00", "zone")):  # nothing follows
        assert str(err.value).rstrip().endswith(message), str(err.value)


def test_csv_times_in_both_iso_forms_are_read(tmp_path):
    """ISO 8601 with a 'T' or a space, with or without seconds, in one column (Excel rewrites some rows)."""
    path = _csv_scenario(tmp_path, _rows("2026-07-15T00:00+08:00", "2026-07-15 01:00:00+08:00",
                                         "2026-07-15T02:00:00+08:00"))
    np.testing.assert_allclose(load_scenario(path).assets[0].demand_kw, [100, 101, 102])


@pytest.mark.parametrize("value", ["abc", None, True, date(2026, 7, 15)])  # YAML reads 2026-07-15 as a date
def test_a_series_that_is_not_numbers_names_the_forms_it_may_take(value):
    raw = small_scenario(3, assets=[{"name": "load", "kind": "demand", "demand_kw": value}])
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(raw)
    assert f"demand_kw = {value!r}: expected a number, a list of numbers or {{csv: FILE, column: NAME}}" in str(err.value)


def test_a_series_validated_without_its_horizon_says_how_to_load_it():
    from pydantic import ValidationError

    from optimiser.assets.demand import Demand

    with pytest.raises(ValidationError) as err:
        Demand.model_validate({"name": "load", "kind": "demand", "demand_kw": 100})
    assert "demand_kw\n  Value error, series fields need the horizon: load scenarios with " \
           "optimiser.scenario.load_scenario [" in str(err.value)


@pytest.mark.parametrize("values, fragment", [
    ([100, "abc", 150], "element [1] = 'abc' is not a number"),
    ([100, 200, None], "has a missing or non-finite value at step 2"),
    ([[1, 2], 200, 150], "element [0] = [1, 2] is not a number"),
    ([100, 0, -5], "= [100, 0, -5]: series has negative value -5 at step 2 (2026-07-15T02:00:00+08:00)"),
    (-5, "= -5: constant has negative value -5 at step 0 (2026-07-15T00:00:00+08:00)"),
])
def test_non_numeric_list_element_gives_its_index_and_value(values, fragment):
    raw = small_scenario(3, assets=[{"name": "load", "kind": "demand", "demand_kw": values}])
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(raw)
    assert "assets[0] (load).demand_kw" in str(err.value) and fragment in str(err.value)


def test_gbk_sessions_csv_is_read(tmp_path):
    (tmp_path / "sessions.csv").write_bytes(
        "id,arrival,departure,energy_kwh\n车1,2026-07-15T00:00:00+08:00,2026-07-15T02:00:00+08:00,10\n".encode("gbk"))
    raw = small_scenario(3, assets=[{"name": "ev", "kind": "ev_sessions", "sessions_csv": "sessions.csv",
                                     "charger_power_kw": 11}])
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(raw))
    assert [s.id for s in load_scenario(path).assets[0]._sessions] == ["车1"]


def test_series_are_read_only():
    """A validated series cannot be changed in place (a model built later would see the change)."""
    scenario = scenario_from_dict(small_scenario(3, assets=[{"name": "load", "kind": "demand", "demand_kw": 100}]))
    with pytest.raises(ValueError, match="read-only"):
        scenario.assets[0].demand_kw[0] = 1.0
