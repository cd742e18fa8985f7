"""The LP relaxation mode ``solver.binaries: never``: every binary relaxed, what it used reported."""

from __future__ import annotations

import pytest

from optimiser.run import optimise


def electrolyser_case(binaries: str, step_minutes: int):
    """A 100 kW electrolyser (50 kWh/kg, minimum load 50 %) and a refuelling demand of 0.5 kg/h for
    one hour, grey hydrogen at 100 CNY/kg, electricity 1 CNY/kWh, no tank."""
    from builders import small_scenario
    from optimiser.scenario import scenario_from_dict

    steps = 60 // step_minutes
    return scenario_from_dict(small_scenario(
        steps, step_minutes, tariff={"import_cny_per_kwh": 1.0, "export_cny_per_kwh": 0.0},
        solver={"binaries": binaries},
        assets=[{"name": "ely", "kind": "electrolyser", "power_kw": 100, "kwh_per_kg": 50, "min_load_fraction": 0.5},
                {"name": "station", "kind": "hydrogen_demand", "demand_kg_per_h": 0.5,
                 "grey_purchase_cny_per_kg": 100}]))


@pytest.mark.parametrize("step_minutes", [15, 60])
def test_commitment_status_is_relaxed_and_its_fraction_reported(step_minutes):
    """With binaries the stack cannot make 0.5 kg/h (its least output is 50 kW / 50 = 1 kg/h and
    there is no tank): it stays off and 0.5 kg of grey hydrogen costs 50 CNY. The LP relaxation runs
    it at u = 0.5, 25 kW = 0.5 x 50 kWh/kg x 1 h: 25 CNY, and reports the status 0.5 as fractional at
    every step (4 quarter hours or 1 hour)."""
    exact = optimise(electrolyser_case("auto", step_minutes))
    assert exact.summary["objective_cny"] == pytest.approx(50.0, abs=1e-6)
    assert "relaxation" not in exact.summary
    lp = optimise(electrolyser_case("never", step_minutes))
    assert lp.summary["objective_cny"] == pytest.approx(25.0, abs=1e-6)
    assert lp.summary["model_size"]["binaries"] == 0
    use = lp.summary["relaxation"]
    assert use["binaries_relaxed"] == 60 // step_minutes
    assert use["fractional_status"] == {"ely": {"fractional_steps": 60 // step_minutes,
                                                "largest_fraction": pytest.approx(0.5, abs=1e-6)}}
    assert any(w.startswith("check: ely.on = 0.5 is not 0 or 1") for w in lp.summary["warnings"])


def test_run_prints_the_relaxation_warnings(tmp_path, capsys):
    """``parkdispatch run`` on the LP relaxation writes summary.json with the warnings and prints them."""
    import json

    import yaml

    from builders import small_scenario
    from optimiser.cli import main

    raw = small_scenario(1, 60, tariff={"import_cny_per_kwh": 1.0, "export_cny_per_kwh": 0.0},
                         solver={"binaries": "never"},
                         assets=[{"name": "ely", "kind": "electrolyser", "power_kw": 100, "kwh_per_kg": 50,
                                  "min_load_fraction": 0.5},
                                 {"name": "station", "kind": "hydrogen_demand", "demand_kg_per_h": 0.5,
                                  "grey_purchase_cny_per_kg": 100}])
    path = tmp_path / "lp.yaml"
    path.write_text(yaml.safe_dump(raw))
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--no-plot", "--quiet"]) == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["objective_cny"] == pytest.approx(25.0, abs=1e-6)
    assert "warning: LP relaxation: ely has a fractional on/off status at 1 steps" in capsys.readouterr().err
