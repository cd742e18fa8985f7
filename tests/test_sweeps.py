"""Planner sweeps: the sweep file, data-only re-solves, failures recorded, Dataset, resume, cluster.

Hand-worked park (used throughout): load 100 kW; a 50 kW / 100 kWh store, 90 % each way, empty at
the start, free end; 1 h valley (0.3 CNY/kWh) then 1 h peak (price P); grid factor 0.5 tCO2/MWh,
carbon price c, so each imported kWh costs price + e with e = c * 0.5 / 1000.
With the store used fully: import 150 kWh in the valley, 59.5 kWh at the peak (50 kW in -> 45 kWh
stored -> 40.5 kWh out), LFP ageing 40.5 x 0.02 = 0.81 CNY; without it: 100 + 100 kWh.

| P    | c   | with store                            | without   | optimum  | emissions     |
|------|-----|---------------------------------------|-----------|----------|---------------|
| 1.0  | 0   | 45 + 59.5 + 0.81 = 105.31             | 130       | 105.31   | 0.10475 tCO2  |
| 1.0  | 100 | 150*0.35 + 59.5*1.05 + 0.81 = 115.785 | 140       | 115.785  | 0.10475       |
| 0.35 | 0   | 45 + 20.825 + 0.81 = 66.635           | 65        | 65.0     | 0.1           |
| 0.35 | 100 | 52.5 + 23.8 + 0.81 = 77.11            | 75        | 75.0     | 0.1           |
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml

from optimiser.errors import ScenarioError
from optimiser.run import optimise
from optimiser.sweeps import load_sweep, run_sweep, write_results
from optimiser.sweeps.execute import assign_groups, tasks_of
from optimiser.sweeps.report import pareto_efficient, report
from optimiser.sweeps.worker import flat_kpis, run_case

EXPECTED = {(1.0, 0): (105.31, 0.10475), (1.0, 100): (115.785, 0.10475), (0.35, 0): (65.0, 0.1),
            (0.35, 100): (75.0, 0.1)}


def base_scenario(step_minutes: int = 60) -> dict:
    steps = 2 * 60 // step_minutes
    return {
        "park": {"name": "sweep park", "latitude": 37.4, "longitude": 116.3, "timezone": "Asia/Shanghai"},
        "horizon": {"start": "2026-07-15T00:00:00+08:00", "steps": steps, "step_minutes": step_minutes},
        "tariff": {"time_of_use": {"prices_cny_per_kwh": {"valley": 0.3, "peak": 1.0},
                                   "seasons": [{"months": list(range(1, 13)),
                                                "periods": {"valley": ["00:00-01:00"], "peak": ["01:00-24:00"]}}]},
                   "export_cny_per_kwh": 0.0},
        "grid": {"import_limit_kw": 10_000, "export_limit_kw": 0, "emission_factor_tco2_per_mwh": 0.5},
        "assets": [{"name": "load", "kind": "demand", "demand_kw": 100},
                   {"name": "store", "kind": "battery", "power_kw": 50, "energy_kwh": 100, "charge_efficiency": 0.9,
                    "discharge_efficiency": 0.9, "min_soc_fraction": 0.0, "max_soc_fraction": 1.0,
                    "initial_soc_fraction": 0.0, "end_rule": "free", "self_discharge_per_hour": 0.0,
                    "cycle_cost_cny_per_kwh": 0.02}],
        "objective": {"carbon_price_cny_per_tco2": 0, "emissions_basis": "grid_factor"},  # the hand-worked factor 0.5
    }


PRICE_GRID = {"base": "base.yaml", "mode": "grid", "parameters": [
    {"path": "tariff.time_of_use.prices_cny_per_kwh.peak", "values": [1.0, 0.35]},
    {"path": "objective.carbon_price_cny_per_tco2", "values": [0, 100]}]}


def write_sweep(tmp_path: Path, sweep: dict, base: dict | None = None, name: str = "sweep.yaml") -> Path:
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(base or base_scenario()))
    path = tmp_path / name
    path.write_text(yaml.safe_dump(sweep, sort_keys=False))
    return path


def in_process(sweep) -> list[dict]:
    """Run every case's task in this process (the worker's code path, one model reused across a group)."""
    assign_groups(sweep)
    return [run_case(task)["record"] for task in sorted(tasks_of(sweep, False), key=lambda t: (t.group, t.number))]


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_price_and_carbon_grid_is_solved_on_one_model(tmp_path, step_minutes):
    """A peak price x carbon price grid changes only objective data: the four cases form one group,
    re-solved on one built model, and each has the hand-worked optimum (module table), at 60 and 15 min."""
    sweep = load_sweep(write_sweep(tmp_path, PRICE_GRID, base_scenario(step_minutes)))
    records = in_process(sweep)
    assert len({c.group for c in sweep.cases}) == 1 and all(c.data_only for c in sweep.cases)
    assert sum(r["reused_model"] for r in records) == 3  # the first builds, the other three re-solve
    for record in records:
        choice = sweep.cases[record["case"]].choice
        cost, emissions = EXPECTED[(choice["peak"], choice["carbon_price_cny_per_tco2"])]
        assert record["status"] == "optimal"
        assert record["kpis"]["objective_cny"] == pytest.approx(cost, abs=1e-6)
        assert record["kpis"]["emissions_tco2"] == pytest.approx(emissions, abs=1e-9)
        assert record["kpis"]["cost_excl_carbon_cny"] == pytest.approx(
            cost - choice["carbon_price_cny_per_tco2"] * emissions, abs=1e-6)


def test_reused_model_equals_fresh_optimise_of_each_case(tmp_path):
    """The bundled Dezhou day: TOU peak, feed-in price (above the valley price at 0.45, so exclusivity
    binaries are seeded and must be reset between cases), carbon price and grid factor varied on one model;
    objective and every KPI equal a fresh optimise of the derived scenario to 1e-6."""
    bundled = Path(__file__).parent.parent / "scenarios" / "dezhou_day.yaml"
    sweep_file = tmp_path / "s.yaml"
    sweep_file.write_text(yaml.safe_dump({"base": str(bundled), "mode": "cases", "parameters": [
        {"path": "tariff.time_of_use.prices_cny_per_kwh.peak", "values": [1.0, 0.8]},
        {"path": "tariff.export_cny_per_kwh", "values": [0.3949, 0.45]},
        {"path": "objective.carbon_price_cny_per_tco2", "values": [0, 300]},
        {"path": "grid.emission_factor_tco2_per_mwh", "values": [0.61, 0.4]}],
        "cases": [{"peak": 1.0}, {"export_cny_per_kwh": 0.45, "carbon_price_cny_per_tco2": 300},
                  {"peak": 0.8, "emission_factor_tco2_per_mwh": 0.4, "carbon_price_cny_per_tco2": 300},
                  {"export_cny_per_kwh": 0.45}]}))
    sweep = load_sweep(sweep_file)
    records = in_process(sweep)
    assert sum(r["reused_model"] for r in records) == 3
    for record in records:
        fresh = flat_kpis(optimise(sweep.cases[record["case"]].scenario).summary)["kpis"]
        assert record["kpis"].keys() == fresh.keys()
        for name, value in fresh.items():
            assert record["kpis"][name] == pytest.approx(value, rel=1e-6, abs=1e-6), (record["case"], name)


def test_options_swap_whole_assets_and_infeasible_cases_are_recorded(tmp_path):
    """Case list with a choice between whole storage definitions and a green-share target.

    lfp: 105.31 CNY (module table). vrfb (flow battery 50 kW / 100 kWh, 90 % each way, no pump load,
    no standby loss, no ageing cost): import 150 x 0.3 + 59.5 x 1.0 = 104.5 CNY.
    With 30 kW of PV and the green share target 0.6 (no export): the best share is 30 / 100 = 0.3,
    so that case is infeasible (exit class infeasible, 3) and records achievable 0.3; the sweep goes on."""
    base = base_scenario()
    base["assets"].append({"name": "pv", "kind": "pv", "available_kw": 30})
    vrfb = {"kind": "flow_battery", "power_kw": 50, "energy_kwh": 100, "charge_efficiency": 0.9,
            "discharge_efficiency": 0.9, "initial_soc_fraction": 0.0, "end_rule": "free",
            "self_discharge_per_hour": 0.0, "pump_load_fraction": 0.0}
    sweep = load_sweep(write_sweep(tmp_path, {"base": "base.yaml", "mode": "cases", "parameters": [
        {"name": "storage", "options": {"lfp": {}, "vrfb_2h": {"assets[name=store]": vrfb}}},
        {"path": "targets.green_electricity_share_min", "values": [0.25, 0.6]}],
        "cases": [{"storage": "lfp"}, {"storage": "vrfb_2h"}, {"storage": "lfp", "green_electricity_share_min": 0.6}]},
        base))
    assert sweep.cases[1].scenario.assets[1].kind == "flow_battery"
    assert sweep.cases[0].choice == {"storage": "lfp", "green_electricity_share_min": "base"}  # not set: the base's
    records = {r["case"]: r for r in in_process(sweep)}
    # PV 30 kW covers 30 of the 100 kW load: import 120 + 29.5 -> 0.3 * 120 + 29.5 + 0.81 (lfp) and - 0.81 (vrfb)
    assert records[0]["kpis"]["objective_cny"] == pytest.approx(0.3 * 120 + 1.0 * 29.5 + 0.81, abs=1e-6)
    assert records[1]["kpis"]["objective_cny"] == pytest.approx(0.3 * 120 + 1.0 * 29.5, abs=1e-6)
    assert (records[2]["status"], records[2]["exit_code"]) == ("infeasible", 3)
    assert records[2]["achievable"] == {"green_electricity_share_min": pytest.approx(0.3, abs=1e-6)}
    assert "green_electricity_share_min" in records[2]["message"]


def test_bad_case_is_reported_with_case_number_and_field_before_any_solve(tmp_path):
    sweep = {"base": "base.yaml", "mode": "grid", "parameters": [
        {"name": "energy", "path": "assets[name=store].energy_kwh", "values": [100, -5]}]}
    with pytest.raises(ScenarioError) as err:
        load_sweep(write_sweep(tmp_path, sweep))
    text = str(err.value)
    assert "sweep.yaml: case 1 (energy=-5)" in text and "assets[1] (store).energy_kwh = -5" in text
    sweep["parameters"][0]["path"] = "assets[name=nope].energy_kwh"
    with pytest.raises(ScenarioError, match=r"case 0: parameter energy = 100: .*no assets entry named 'nope'"):
        load_sweep(write_sweep(tmp_path, sweep))
    with pytest.raises(ScenarioError, match=r"sweep.yaml: mode = 'all'"):
        load_sweep(write_sweep(tmp_path, {**sweep, "mode": "all"}))
    both = {"base": "base.yaml", "mode": "grid", "parameters": [{"path": "a.b", "values": [1], "low": 0, "high": 1}]}
    with pytest.raises(ScenarioError, match=r"parameters\[0\]: give exactly one of"):
        load_sweep(write_sweep(tmp_path, both))


def test_latin_hypercube_samples_are_seeded_and_stratified(tmp_path):
    """n = 6 samples of two ranges and one discrete choice: each range's 6 strata are hit exactly once,
    the same seed gives the same cases, another seed others."""
    sweep = {"base": "base.yaml", "mode": "samples", "samples": {"n": 6, "seed": 3}, "parameters": [
        {"path": "assets[name=store].energy_kwh", "low": 60, "high": 180},
        {"path": "objective.carbon_price_cny_per_tco2", "low": 0, "high": 300},
        {"path": "tariff.time_of_use.prices_cny_per_kwh.peak", "values": [0.8, 1.0, 1.2]}]}
    first = load_sweep(write_sweep(tmp_path, sweep))
    again = load_sweep(write_sweep(tmp_path, sweep))
    other = load_sweep(write_sweep(tmp_path, {**sweep, "samples": {"n": 6, "seed": 4}}))
    assert [c.choice for c in first.cases] == [c.choice for c in again.cases] != [c.choice for c in other.cases]
    for name, low, high in (("energy_kwh", 60, 180), ("carbon_price_cny_per_tco2", 0, 300)):
        x = np.array([c.choice[name] for c in first.cases])
        assert sorted(np.floor((x - low) / (high - low) * 6).astype(int)) == list(range(6))
    assert sorted(c.choice["peak"] for c in first.cases) == [0.8, 0.8, 1.0, 1.0, 1.2, 1.2]
    assert first.cases[0].scenario.assets[1].energy_kwh == first.cases[0].choice["energy_kwh"]


def test_pareto_efficient_mask():
    """(cost, emissions): (1, 5) (2, 3) (3, 3) (4, 1) (2, 3) -> efficient: rows 0, 1, 3 (row 4 ties row 1)."""
    import pandas as pd

    frame = pd.DataFrame({"cost_excl_carbon_cny": [1, 2, 3, 4, 2], "emissions_tco2": [5, 3, 3, 1, 3]})
    assert pareto_efficient(frame).tolist() == [True, True, False, True, False]


def _cli(capsys, *args) -> tuple[int, str, str]:
    from optimiser.cli import main

    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_sweep_writes_dataset_csv_plots_and_report(tmp_path, capsys):
    """End to end on 2 worker processes: the grid Dataset has one dimension per parameter with the
    hand-worked objectives, units, statuses; CSV, plots and the report; the output is not overwritten."""
    path = write_sweep(tmp_path, PRICE_GRID)
    out = tmp_path / "out"
    code, stdout, stderr = _cli(capsys, "sweep", str(path), "--out", str(out), "--workers", "2", "--keep-dispatch")
    assert code == 0, stderr
    ds = xr.open_dataset(out / "sweep.nc")
    assert dict(ds.sizes) == {"peak": 2, "carbon_price_cny_per_tco2": 2}
    for (peak, carbon), (cost, _) in EXPECTED.items():
        assert float(ds["objective_cny"].sel(peak=peak, carbon_price_cny_per_tco2=carbon)) == pytest.approx(cost, abs=1e-6)
    assert ds["objective_cny"].attrs["units"] == "CNY" and ds["emissions_tco2"].attrs["units"] == "tCO2"
    assert ds["peak"].attrs["units"] == "CNY/kWh" and set(ds["status"].values.ravel()) == {"optimal"}
    assert len(list((out / "cases").glob("*.nc"))) == 4
    assert {p.name for p in out.glob("*.png")} == {"heatmap.png", "cost_emissions.png", "sensitivity.png"}
    assert len((out / "sweep.csv").read_text().splitlines()) == 5
    assert "Pareto-efficient cases" in stdout
    code, stdout, _ = _cli(capsys, "sweep-report", str(out))
    assert code == 0 and "best case per KPI" in stdout
    user = tmp_path / "mine"
    user.mkdir()
    (user / "notes.txt").write_text("keep")
    code, _, stderr = _cli(capsys, "sweep", str(path), "--out", str(user))
    assert code == 2 and "not a sweep output directory" in stderr
    assert [p.name for p in user.iterdir()] == ["notes.txt"]
    code, _, stderr = _cli(capsys, "sweep", str(path), "--out", str(out))
    assert code == 2 and "--resume" in stderr
    # extended by a peak price of 0.5: store used, 45 + 59.5 x 0.5 + 0.81 = 75.56 (c = 0) and
    # 150 x 0.35 + 59.5 x 0.55 + 0.81 = 86.035 (c = 100); only the two new cases are solved
    before = {p.name: p.stat().st_mtime_ns for p in (out / "cases").glob("*.json")}
    extended = {**PRICE_GRID, "parameters": [{**PRICE_GRID["parameters"][0], "values": [1.0, 0.35, 0.5]},
                                             PRICE_GRID["parameters"][1]]}
    path.write_text(yaml.safe_dump(extended, sort_keys=False))
    code, _, stderr = _cli(capsys, "sweep", str(path), "--out", str(out), "--resume", "--workers", "1", "--no-plot")
    assert code == 0, stderr
    after = {p.name: p.stat().st_mtime_ns for p in (out / "cases").glob("*.json")}
    assert len(after) == 6 and all(after[name] == t for name, t in before.items())
    ds = xr.open_dataset(out / "sweep.nc")
    np.testing.assert_allclose(ds["objective_cny"].sel(peak=0.5).values, [75.56, 86.035], atol=1e-6)


def _structural_sweep(tmp_path) -> Path:
    """Six cases that each rebuild (storage sizes), on a 96 x 15 min day so that a kill lands mid-sweep."""
    base = base_scenario(15)
    base["horizon"]["steps"] = 96 * 3
    base["assets"][0]["demand_kw"] = [round(100 + 30 * float(np.sin(i / 7.0)), 3) for i in range(96 * 3)]
    return write_sweep(tmp_path, {"base": "base.yaml", "mode": "grid", "parameters": [
        {"name": "size", "linked": {"assets[name=store].power_kw": [20, 30, 40, 50, 60, 70],
                                    "assets[name=store].energy_kwh": [40, 60, 80, 100, 120, 140]}}]}, base)


def test_sigkill_and_resume_give_the_same_dataset(tmp_path):
    """A CLI sweep killed with SIGKILL after its first stored case, then resumed, gives the Dataset of an
    uninterrupted run; finished cases are not solved again."""
    path = _structural_sweep(tmp_path)
    whole = tmp_path / "whole"
    sweep = load_sweep(path)
    expected = write_results(sweep, run_sweep(sweep, whole, workers=1, progress=False), whole, plot=False)
    killed = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "optimiser.cli", "sweep", str(path), "--out", str(killed),
                             "--workers", "1", "--no-plot"], cwd=Path(__file__).parent.parent,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list((killed / "cases").glob("*.json")):
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its pool workers (their own session)
    proc.wait()
    done_before = {p.name: p.stat().st_mtime_ns for p in (killed / "cases").glob("*.json")}
    assert 1 <= len(done_before) < 6, f"kill did not land mid-sweep ({len(done_before)} of 6 finished)"
    assert not (killed / "sweep.nc").exists()
    sweep = load_sweep(path)
    resumed = write_results(sweep, run_sweep(sweep, killed, workers=1, resume=True, progress=False), killed, plot=False)
    xr.testing.assert_identical(expected, resumed)
    assert all((killed / "cases" / name).stat().st_mtime_ns == t for name, t in done_before.items())


def test_local_cluster_gives_the_same_dataset_as_the_pool(tmp_path):
    distributed = pytest.importorskip("distributed", reason="optional extra 'dask' (pip install 'parkdispatch[dask]') not installed")
    path = write_sweep(tmp_path, {**PRICE_GRID, "parameters": [
        *PRICE_GRID["parameters"], {"name": "energy", "path": "assets[name=store].energy_kwh", "values": [100, 60]}]})
    pool_sweep = load_sweep(path)
    pool = write_results(pool_sweep, run_sweep(pool_sweep, tmp_path / "pool", workers=2, progress=False),
                         tmp_path / "pool", plot=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        dask_sweep = load_sweep(path)
        dask = write_results(dask_sweep, run_sweep(dask_sweep, tmp_path / "dask", scheduler=cluster.scheduler_address,
                                                   progress=False), tmp_path / "dask", plot=False)
    xr.testing.assert_identical(pool, dask)
    assert float(dask["objective_cny"].sel(peak=0.35, carbon_price_cny_per_tco2=100, energy=100)) == pytest.approx(75.0)


def test_bundled_example_sweep_expands_to_200_valid_cases():
    """scenarios/sweeps/dezhou_day_sweep.yaml: 5 PV scales x 8 storage designs x 5 carbon prices, all valid; the
    carbon prices of each design form one re-solve group (40 groups of 5); 'none' removes both stores."""
    sweep = load_sweep(Path(__file__).parent.parent / "scenarios" / "sweeps" / "dezhou_day_sweep.yaml")
    assign_groups(sweep)
    assert len(sweep.cases) == 200 and len({c.key for c in sweep.cases}) == 200
    groups = {}
    for case in sweep.cases:
        groups.setdefault(case.group, set()).add(case.choice["carbon_price_cny_per_tco2"])
    assert len(groups) == 40 and all(len(prices) == 5 for prices in groups.values())
    none = next(c for c in sweep.cases if c.choice["storage"] == "none")
    assert {a.kind for a in none.scenario.assets} == {"demand", "pv", "wind"}
    pv = next(c for c in sweep.cases if c.choice["pv_scale"] == 2.5).scenario.assets[1]
    base = next(c for c in sweep.cases if c.choice["pv_scale"] == 1.0).scenario.assets[1]
    np.testing.assert_allclose(pv.available_kw, 2.5 * base.available_kw)


def test_timed_out_case_is_recorded_and_the_sweep_goes_on(tmp_path):
    """The bundled day (a MIP solved in tens of ms) with a 1 microsecond time limit stops without a schedule:
    recorded as solver_error (exit 4) with HiGHS's reason; the other case is solved."""
    bundled = Path(__file__).parent.parent / "scenarios" / "dezhou_day.yaml"
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump({"base": str(bundled), "mode": "grid", "parameters": [
        {"path": "solver.time_limit_s", "values": [60, 1e-6]}]}))
    records = {r["case"]: r for r in in_process(load_sweep(path))}
    assert records[0]["status"] == "optimal"
    assert (records[1]["status"], records[1]["exit_code"], records[1]["kpis"]) == ("solver_error", 4, {})
    assert "Time limit reached" in records[1]["message"]
