"""Run reports: the numbers on the page (hand-worked), the page is self-contained, the run writes it."""

from __future__ import annotations

import re

import numpy as np
import pytest

from optimiser.reports.run_report import hourly_emissions, kpi_rows, margin, national_thresholds
from optimiser.run import optimise

EXTERNAL = re.compile(r"""(src|href)\s*=\s*["']?(https?:|//)|url\(\s*["']?(https?:|//)|@import|<script|<link(?![^>]*href="data:)""",
                      re.IGNORECASE)


@pytest.mark.parametrize("step_minutes", [15, 60])
def test_emissions_per_hour_hand_worked(build, step_minutes):
    """Two steps: demand 1000 then 800 kW, PV 0 then 1500 kW (700 kW exported at 0.1 CNY/kWh), a gas boiler
    (efficiency 1, 10 kWh/m3, 0.002 tCO2/m3) serving 1000 then 0 kW_th, grid factor 0.5 then 0.6 tCO2/MWh.
    Rates do not depend on the step length:
    national method: 0.8325 x (1000 - 0) / 1000 = 0.8325, then 0.8325 x (0 - 700) / 1000 = -0.58275 tCO2/h;
    grid factor: 0.5 x 1000 / 1000 = 0.5, then 0.6 x 0 = 0 tCO2/h;
    fuel: 1000 kW_th / (1 x 10 kWh/m3) = 100 m3/h x 0.002 = 0.2, then 0 tCO2/h.
    Sums times the step length are the summary's totals on both bases."""
    scenario = build(2, step_minutes,
                     tariff={"import_cny_per_kwh": 0.5, "export_cny_per_kwh": 0.1},
                     grid={"import_limit_kw": 10_000, "export_limit_kw": 1_000,
                           "emission_factor_tco2_per_mwh": [0.5, 0.6]},
                     assets=[{"name": "load", "kind": "demand", "demand_kw": [1000, 800]},
                             {"name": "pv", "kind": "pv", "available_kw": [0, 1500]},
                             {"name": "heat", "kind": "heat_demand", "demand_kw_th": [1000, 0]},
                             {"name": "boiler", "kind": "gas_boiler", "capacity_kw_th": 2000, "efficiency": 1.0,
                              "lhv_kwh_per_m3": 10.0, "emission_factor_tco2_per_m3": 0.002,
                              "gas_price_cny_per_m3": 3.0}])
    result = optimise(scenario)
    frame = hourly_emissions(result.dataset, scenario)
    np.testing.assert_allclose(frame["national_method_electricity_tco2_per_h"], [0.8325, -0.58275], atol=1e-9)
    np.testing.assert_allclose(frame["grid_factor_electricity_tco2_per_h"], [0.5, 0.0], atol=1e-9)
    np.testing.assert_allclose(frame["fuel_tco2_per_h"], [0.2, 0.0], atol=1e-9)
    dt = step_minutes / 60
    s = result.summary
    assert dt * (frame["national_method_electricity_tco2_per_h"] + frame["fuel_tco2_per_h"]).sum() == pytest.approx(
        s["emissions_national_method_tco2"], abs=1e-9)
    assert dt * (frame["grid_factor_electricity_tco2_per_h"] + frame["fuel_tco2_per_h"]).sum() == pytest.approx(
        s["emissions_grid_factor_tco2"], abs=1e-9)
    assert str(frame.index.tz) == "Asia/Shanghai"


@pytest.mark.parametrize("name", ["dezhou_multi_energy_day", "zhangye_direct_supply"])
def test_emissions_per_hour_sum_to_the_summary(bundled, name):
    """Fuels (gas CHP and boilers, grey hydrogen) and re-exported direct supply: the rates integrate to the
    summary's emissions on both bases."""
    r = bundled(name)
    frame = hourly_emissions(r.dataset, r.scenario) * r.scenario.horizon.dt_h
    fuel = frame["fuel_tco2_per_h"].sum()
    assert frame["national_method_electricity_tco2_per_h"].sum() + fuel == pytest.approx(
        r.summary["emissions_national_method_tco2"], rel=1e-9, abs=1e-9)
    assert frame["grid_factor_electricity_tco2_per_h"].sum() + fuel == pytest.approx(
        r.summary["emissions_grid_factor_tco2"], rel=1e-9, abs=1e-9)


def test_margins_and_thresholds():
    """Margin = value - limit for a minimum, limit - value for a maximum. A park of 36,090 tce/yr takes the
    0.20 tCO2/tce limit (below 1 Mtce/yr), one of 2 Mtce/yr 0.30; the 650号 load share is 0.30 in 2026 and
    0.35 from 2029 (one year before 2030)."""
    assert margin(0.322, 0.90, "min") == pytest.approx(-0.578)
    assert margin(4.59, 0.30, "max") == pytest.approx(-4.29)
    assert margin(0.8, None, "min") is None
    small = national_thresholds({"accounting": {"annual_energy_consumption_tce": 36_090.0}}, ["direct"], 2026)
    big = national_thresholds({"accounting": {"annual_energy_consumption_tce": 2_000_000.0}}, [], 2029)
    assert small["carbon_intensity_tco2_per_tce"].value == 0.20 and big["carbon_intensity_tco2_per_tce"].value == 0.30
    assert small["clean_energy_share"].value == 0.90 and small["curtailment_rate"].value == 0.05
    assert (small["direct_self_consumption_ratio"].value, small["direct_export_ratio"].value,
            small["direct_share_of_consumption"].value) == (0.60, 0.20, 0.30)
    assert national_thresholds({"accounting": {"annual_energy_consumption_tce": 1.0}}, ["p"], 2029)[
        "p_share_of_consumption"].value == 0.35


def test_kpi_rows_judge_the_year_to_date_value():
    """A clean-energy share of 0.85 this period but 0.92 year to date against 0.90: passes, margin +0.02
    (on the year to date, as the accounting judges); a scenario target of 0.95 fails by -0.03."""
    summary = {"kpis": {"clean_energy_share": {"value": 0.85, "year_to_date_value": 0.92, "target": 0.95,
                                               "kind": "min", "pass": False, "unit": "-", "source": "targets"}},
               "accounting": {"annual_energy_consumption_tce": 50_000.0}}
    (row,) = kpi_rows(summary, national_thresholds(summary, [], 2026))
    assert row["margin"] == pytest.approx(-0.03) and row["pass"] is False
    assert row["national_margin"] == pytest.approx(0.02) and row["national_pass"] is True


def test_run_writes_a_self_contained_report(tmp_path):
    """``parkdispatch run`` writes report.html beside the other outputs, listed in the manifest: the KPI
    table with the national thresholds, the dispatch chart inlined as PNG and the emissions as SVG, nothing
    fetched from anywhere."""
    import json

    from optimiser.cli import main

    out = tmp_path / "run"
    assert main(["run", "scenarios/dezhou_day.yaml", "--out", str(out), "--quiet"]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "report.html" in json.loads((out / "parkdispatch-manifest.json").read_text())["files"]
    assert not EXTERNAL.search(html), EXTERNAL.search(html)
    assert html.count('<img src="data:image/png;base64,') == 1 and html.count("<svg") == 1
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario_sha256"] in html and "910号 core indicator" in html
    assert f"{summary['objective_cny']:,.8g}" in html
    # no fuels here: the grid-factor electricity over the horizon is the summary's grid-factor emissions
    assert f"{summary['emissions_grid_factor_tco2']:,.4g} tCO2</td>" in html
    no_plot = tmp_path / "no_plot"
    assert main(["run", "scenarios/dezhou_day.yaml", "--out", str(no_plot), "--quiet", "--no-plot"]) == 0
    assert "no charts" in (no_plot / "report.html").read_text(encoding="utf-8")
