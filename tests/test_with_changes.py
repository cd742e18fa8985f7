"""``Scenario.with_changes``: a derived scenario validated again like a file (the notebook's sweep used to
mutate model fields and accepted ``energy_kwh = -5000``, ending as 'infeasible')."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from builders import small_scenario
from optimiser.errors import ScenarioError
from optimiser.run import optimise
from optimiser.scenario import load_scenario, scenario_from_dict

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "scenarios" / "dezhou_day.yaml"


def test_dotted_paths_by_name_and_index_and_nested_sections():
    s = load_scenario(DEMO)
    t = s.with_changes({"assets.lfp.energy_kwh": 5000, "assets.4.power_kw": 3000,
                        "grid": {"import_limit_kw": 20000}, "objective.minimise": "emissions"})
    assert (t.assets[3].energy_kwh, t.assets[4].power_kw, t.grid.import_limit_kw) == (5000, 3000, 20000)
    assert t.grid.export_limit_kw == s.grid.export_limit_kw  # merged, not replaced
    assert t.objective.minimise == "emissions"
    assert (s.assets[3].energy_kwh, s.assets[4].power_kw, s.grid.import_limit_kw) == (10000, 4000, 30000)
    np.testing.assert_array_equal(t.assets[0].demand_kw, s.assets[0].demand_kw)  # CSV read from the same folder
    assert t.sha256 != s.sha256


def test_a_change_is_validated_like_a_file():
    s = load_scenario(DEMO)
    with pytest.raises(ScenarioError, match=r"assets\[3\] \(lfp\)\.energy_kwh = -5000: Input should be greater than 0"):
        s.with_changes({"assets.lfp.energy_kwh": -5000})
    with pytest.raises(ScenarioError, match=r"assets\[3\] \(lfp\)\.energy_mwh: unknown field"):
        s.with_changes({"assets.lfp.energy_mwh": 5})
    with pytest.raises(ScenarioError, match=r"'assets.lfq.energy_kwh': no element 'lfq' \(names: park_load, "):
        s.with_changes({"assets.lfq.energy_kwh": 5})
    with pytest.raises(ScenarioError, match=r"grid.import_limit_kw = 1e\+300: beyond"):
        s.with_changes({"grid.import_limit_kw": 1e300})
    assert s.assets[3].energy_kwh == 10000


@pytest.mark.parametrize("step_minutes", [15, 60])
def test_changed_price_and_series_move_the_optimum_by_hand(step_minutes):
    """Demand 100 kW for 2 h at 0.5 CNY/kWh: 100 CNY. Price 0.8: 160 CNY. Then demand [100, 40] kW per hour
    at 0.8: 0.8 x 140 = 112 CNY."""
    per_hour = 60 // step_minutes
    s = scenario_from_dict(small_scenario(2 * per_hour, step_minutes,
                                          assets=[{"name": "load", "kind": "demand", "demand_kw": 100}]))
    assert optimise(s).summary["objective_cny"] == pytest.approx(100.0, abs=1e-9)
    dearer = s.with_changes({"tariff.import_cny_per_kwh": 0.8})
    assert optimise(dearer).summary["objective_cny"] == pytest.approx(160.0, abs=1e-9)
    shaped = dearer.with_changes({"assets.load.demand_kw": [100] * per_hour + [40] * per_hour})
    assert optimise(shaped).summary["objective_cny"] == pytest.approx(112.0, abs=1e-9)


def test_the_notebook_sweep_derives_validated_scenarios(monkeypatch):
    """The notebook's code cells (plots skipped) run, and its sweep uses with_changes, never field assignment."""
    import json
    import re

    notebook = json.loads((REPO / "notebooks" / "quickstart.ipynb").read_text())
    cells = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    assert not any(re.search(r"\.\w+_(kwh|kw)\s*=[^=]", cell) for cell in cells)
    monkeypatch.chdir(REPO / "notebooks")
    namespace: dict = {}
    for cell in cells:
        if ".plot(" not in cell:
            exec(cell, namespace)  # noqa: S102 - the repository's own notebook
    costs = namespace["costs"]
    assert costs[10000] == pytest.approx(optimise(load_scenario(DEMO)).summary["objective_cny"], rel=1e-9)
    assert costs[0.0001] > costs[5000] > costs[10000] > costs[20000]  # more storage never costs more here
