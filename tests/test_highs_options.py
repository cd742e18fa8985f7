"""``solver.highs_options``: further HiGHS options by name, checked against HiGHS when the scenario is read
(exit 2 naming the option and value, before any solve) and applied to every solve of the run
(``tests/test_operations_solver_limit.py`` stops HiGHS through one)."""

from __future__ import annotations

import pytest
import yaml
from builders import small_scenario

from optimiser.cli import main
from optimiser.errors import ScenarioError
from optimiser.run import optimise
from optimiser.scenario import scenario_from_dict


def park(**options) -> dict:
    return small_scenario(2, 60, assets=[{"name": "load", "kind": "demand", "demand_kw": 100}],
                          solver={"highs_options": options})


@pytest.mark.parametrize("options, message", [
    ({"mip_heuristic_run_rinz": False}, "'mip_heuristic_run_rinz' is not a HiGHS option"),
    ({"mip_max_nodes": 1.5}, "HiGHS refuses mip_max_nodes = 1.5: it takes an integer"),
    ({"mip_max_nodes": -3}, "HiGHS refuses mip_max_nodes = -3"),
    ({"mip_heuristic_run_rins": 1}, "HiGHS refuses mip_heuristic_run_rins = 1: it takes true or false"),
    ({"mip_feasibility_tolerance": 0}, "HiGHS refuses mip_feasibility_tolerance = 0.0: it takes a number"),
    ({"presolve": "sometimes"}, "HiGHS refuses presolve = 'sometimes': it takes a string"),
    ({"time_limit": 5.0}, "'time_limit' is set by solver.time_limit_s"),
    ({"threads": 1}, "'threads' is set by parkdispatch"),
])
def test_an_option_highs_does_not_take_is_a_scenario_error(options, message):
    with pytest.raises(ScenarioError, match="solver.highs_options") as error:
        scenario_from_dict(park(**options))
    assert message in str(error.value)


def test_validate_exits_2_naming_the_option(tmp_path, capsys):
    path = tmp_path / "park.yaml"
    path.write_text(yaml.safe_dump(park(mip_heuristic_run_rinz=False)))
    assert main(["validate", str(path)]) == 2
    assert "solver.highs_options: 'mip_heuristic_run_rinz' is not a HiGHS option" in capsys.readouterr().err


def test_options_highs_takes_change_nothing_in_an_optimum():
    """200 kWh at 0.5 CNY/kWh = 100 CNY with the sub-MIP heuristics off and presolve off, as without."""
    raw = park(mip_heuristic_run_rins=False, mip_heuristic_run_rens=False, presolve="off", mip_feasibility_tolerance=1e-7)
    assert optimise(scenario_from_dict(raw)).summary["objective_cny"] == pytest.approx(100.0, abs=1e-9)
