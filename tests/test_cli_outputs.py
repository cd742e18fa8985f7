"""End to end: the CLI on the bundled scenario writes every output, atomically, with the right content."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from optimiser.cli import main
from optimiser.output import read_dispatch_nc

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "scenarios" / "dezhou_day.yaml"
SUMMARY_KEYS = {"status", "objective_cny", "energy_cost_cny", "emissions_tco2", "renewable_share", "curtailment_kwh",
                "peak_import_kw", "build_seconds", "solve_seconds", "scenario_sha256", "package_version"}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "demo"
    assert main(["run", str(DEMO), "--out", str(out)]) == 0
    return out


def test_outputs_written(demo_run):
    assert sorted(p.name for p in demo_run.iterdir()) == ["dispatch.csv", "dispatch.nc", "dispatch.png",
                                                              "parkdispatch-manifest.json", "report.html",
                                                              "summary.json"]
    assert not [p for p in demo_run.parent.iterdir() if p.name.startswith(".")]  # no temp folders left


def test_summary_contract(demo_run):
    summary = json.loads((demo_run / "summary.json").read_text())
    assert SUMMARY_KEYS <= set(summary)
    assert summary["status"] == "optimal"
    assert summary["horizon"] == {"start": "2026-07-15T00:00:00+08:00", "steps": 96, "step_minutes": 15,
                                  "timezone": "Asia/Shanghai"}
    assert set(summary["timings"]) == {"build_seconds", "handover_seconds", "solve_seconds", "extract_seconds",
                                       "check_seconds"}


def test_csv_and_netcdf_agree(demo_run):
    frame = pd.read_csv(demo_run / "dispatch.csv")
    assert len(frame) == 96
    assert frame["time"].iloc[0] == "2026-07-15T00:00:00+08:00"
    ds = read_dispatch_nc(demo_run / "dispatch.nc")
    assert str(ds.indexes["time"].tz) == "Asia/Shanghai"
    assert ds.indexes["time"][0].isoformat() == "2026-07-15T00:00:00+08:00"
    assert ds["lfp_soc_kwh"].attrs["units"] == "kWh" and ds["grid_import_kw"].attrs["units"] == "kW"
    np.testing.assert_allclose(frame["vrfb_soc_kwh"], ds["vrfb_soc_kwh"].values, atol=1e-5)


def test_csv_balances(demo_run):
    """The written schedule balances at every step (read back from disk, not from the model)."""
    f = pd.read_csv(demo_run / "dispatch.csv")
    supply = f.grid_import_kw + f.rooftop_pv_output_kw + f.wind_output_kw + f.lfp_discharge_kw + f.vrfb_discharge_kw
    use = f.park_load_demand_kw + f.grid_export_kw + f.lfp_charge_kw + f.vrfb_charge_kw + f.vrfb_pump_kw
    np.testing.assert_allclose(supply, use, atol=1e-3)


def test_existing_output_is_not_overwritten(demo_run, capsys):
    before = (demo_run / "summary.json").read_text()
    assert main(["run", str(DEMO), "--out", str(demo_run)]) == 2
    assert "exists and is not empty" in capsys.readouterr().err
    assert (demo_run / "summary.json").read_text() == before
    assert main(["run", str(DEMO), "--out", str(demo_run), "--overwrite", "--no-plot"]) == 0
    assert not (demo_run / "dispatch.png").exists()


def test_infeasible_exits_3(tmp_path, capsys):
    text = DEMO.read_text().replace("import_limit_kw: 30000", "import_limit_kw: 5000")
    path = tmp_path / "tight.yaml"
    path.write_text(text.replace("data/dezhou_day.csv", str(REPO / "scenarios/data/dezhou_day.csv")))
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 3
    err = capsys.readouterr().err
    assert "bus_balance" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_schema_command(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert {"park", "horizon", "tariff", "grid", "assets"} <= set(schema["required"])
