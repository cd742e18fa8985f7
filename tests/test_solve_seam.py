"""The one solve seam: exclusivity binaries only where they can change the optimum, and warm
re-solves on the live HiGHS model that give exactly what a fresh build gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from builders import small_scenario
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from optimiser.pareto import pareto_front
from optimiser.run import Dispatch, check, optimise
from optimiser.scenario import scenario_from_dict

GRID_PAIR = "grid import/export"


def per_step(values_per_hour, step_minutes):
    """An hourly profile at ``step_minutes`` (each hour's value repeated)."""
    return np.repeat(np.asarray(values_per_hour, dtype=float), 60 // step_minutes).tolist()


def arbitrage_park(step_minutes: int, **solver) -> dict:
    """4 hours: load 100 kW, PV [0, 300, 300, 0] kW, import [0.5, 0.2, 0.5, 0.5] CNY/kWh, export 0.3
    CNY/kWh up to 1000 kW. Only hour 1 pays more for export than import costs."""
    return small_scenario(
        4 * 60 // step_minutes, step_minutes,
        tariff={"import_cny_per_kwh": per_step([0.5, 0.2, 0.5, 0.5], step_minutes), "export_cny_per_kwh": 0.3},
        grid={"import_limit_kw": 1000, "export_limit_kw": 1000, "emission_factor_tco2_per_mwh": 0.6},
        assets=[{"name": "load", "kind": "demand", "demand_kw": 100},
                {"name": "pv", "kind": "pv", "available_kw": per_step([0, 300, 300, 0], step_minutes)}],
        solver={"mip_gap": 0.0, **solver})


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_grid_binaries_only_where_export_pays_more_than_import(step_minutes):
    """Hours 0 and 3 import 100 kWh at 0.5 (50 CNY each); hours 1 and 2 export the 200 kWh surplus at
    0.3 (-60 CNY each): -20 CNY. Without exclusivity hour 1 would also import 800 kW to export it
    (-80 CNY more). A binary is seeded exactly at the steps of hour 1 (export 0.3 > import 0.2), none
    elsewhere, and no lazy round is needed."""
    r = optimise(scenario_from_dict(arbitrage_park(step_minutes)))
    assert r.summary["objective_cny"] == pytest.approx(-20.0, abs=1e-6)
    lazy = r.summary["exclusivity_binaries"]
    assert lazy["by_pair"] == {GRID_PAIR: 60 // step_minutes}
    assert lazy["lazy_rounds"] == 0 and lazy["positions"] == 4 * 60 // step_minutes
    always = optimise(scenario_from_dict(arbitrage_park(step_minutes, binaries="always")))
    assert always.summary["objective_cny"] == pytest.approx(-20.0, abs=1e-6)
    # always: every position enforced; where there is no PV (hours 0 and 3) the park has nothing to
    # export while not importing, so propagation holds export at 0 there instead of adding a binary
    enforced = always.summary["exclusivity_binaries"]
    assert enforced["added"] == 2 * 60 // step_minutes and enforced["held_at_zero"] == 2 * 60 // step_minutes


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_never_reports_what_the_lp_took_from_importing_to_export(step_minutes):
    """With ``binaries: never`` (the LP relaxation) the LP imports 800 kW at hour 1 to export it: -20
    - 800 x (0.3 - 0.2) = -100 CNY. The relaxation's use is reported: 800 kWh both ways at once in
    the steps of hour 1, and the check's message about it is a warning."""
    r = optimise(scenario_from_dict(arbitrage_park(step_minutes, binaries="never")))
    assert r.summary["objective_cny"] == pytest.approx(-100.0, abs=1e-6)
    assert r.summary["relaxation"]["simultaneous_flows"] == {
        GRID_PAIR: {"energy_both_ways": pytest.approx(800.0, abs=1e-6), "steps": 60 // step_minutes}}
    assert any(w.startswith("check: grid imports and exports at once") for w in r.summary["warnings"])


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_storage_binaries_are_added_lazily_where_the_relaxation_burns_energy(step_minutes):
    """At -0.1 CNY/kWh the park is paid to import; without export, a lossy battery could charge and
    discharge at once to burn imported energy. Nothing is seeded (charge and discharge earn nothing
    by themselves), the relaxation burns energy, a lazy round adds the battery's binaries, and the
    optimum is the one with binaries everywhere: in one step (no round trip across steps), import
    exactly the 100 kW load: -0.1 x 100 x Δt CNY."""
    raw = small_scenario(1, step_minutes, tariff={"import_cny_per_kwh": -0.1, "export_cny_per_kwh": 0.0},
                         assets=[{"name": "load", "kind": "demand", "demand_kw": 100},
                                 {"name": "lfp", "kind": "battery", "power_kw": 50, "energy_kwh": 100,
                                  "cycle_cost_cny_per_kwh": 0.0, "self_discharge_per_hour": 0.0}],
                         solver={"mip_gap": 0.0})
    r = optimise(scenario_from_dict(raw))
    assert r.summary["objective_cny"] == pytest.approx(-0.1 * 100 * step_minutes / 60, abs=1e-9)
    lazy = r.summary["exclusivity_binaries"]
    assert lazy["lazy_rounds"] >= 1 and lazy["by_pair"].get("lfp charge/discharge", 0) >= 1
    raw["solver"]["binaries"] = "always"
    assert optimise(scenario_from_dict(raw)).summary["objective_cny"] == pytest.approx(r.summary["objective_cny"],
                                                                                      abs=1e-6)


prices = st.floats(min_value=-0.3, max_value=1.2, allow_nan=False).map(lambda x: round(x, 3))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(imports=st.lists(prices, min_size=6, max_size=6), export=st.floats(0.0, 0.8).map(lambda x: round(x, 3)),
       surplus=st.lists(st.floats(0, 400).map(round), min_size=6, max_size=6),
       export_limit=st.sampled_from([0, 50, 300]), efficiency=st.sampled_from([0.8, 0.95, 1.0]),
       step_minutes=st.sampled_from([60, 15]))
@example(imports=[0.0, 0.0, 1.0, 1.0, 0.062, 0.0], export=0.062, surplus=[0, 0, 0, 0, 0, 130], export_limit=50,
         efficiency=0.8, step_minutes=60)  # a MIP start that broke the added rows once ended 3.1 CNY too high
def test_auto_binaries_give_the_optimum_of_binaries_everywhere(imports, export, surplus, export_limit, efficiency,
                                                              step_minutes):
    """Random prices (negative ones included), export above or below import, PV surplus and a lossy
    or lossless battery and hydrogen-free storage: ``auto`` (seeds + lazy rounds) reaches the optimum
    of ``always`` (a binary at every step of every pair), and both pass the independent check."""
    raw = small_scenario(
        6 * 60 // step_minutes, step_minutes,
        tariff={"import_cny_per_kwh": per_step(imports, step_minutes), "export_cny_per_kwh": export},
        grid={"import_limit_kw": 1000, "export_limit_kw": export_limit, "emission_factor_tco2_per_mwh": 0.5},
        assets=[{"name": "load", "kind": "demand", "demand_kw": 100},
                {"name": "pv", "kind": "pv", "available_kw": per_step(np.asarray(surplus) + 100, step_minutes)},
                {"name": "lfp", "kind": "battery", "power_kw": 80, "energy_kwh": 200, "charge_efficiency": efficiency,
                 "discharge_efficiency": efficiency, "cycle_cost_cny_per_kwh": 0.0, "self_discharge_per_hour": 0.0}],
        solver={"mip_gap": 0.0})
    auto = optimise(scenario_from_dict(raw)).summary["objective_cny"]
    raw["solver"]["binaries"] = "always"
    assert optimise(scenario_from_dict(raw)).summary["objective_cny"] == pytest.approx(auto, abs=1e-6)


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_changed_prices_re_solved_warm_equal_a_fresh_build(step_minutes):
    """Change the import prices on the live model (objective coefficients only) and re-solve: the
    schedule, objective and every KPI equal those of a scenario built fresh with the new prices, and
    the re-solved schedule passes the check against that scenario."""
    raw = arbitrage_park(step_minutes)
    raw["assets"].append({"name": "lfp", "kind": "battery", "power_kw": 100, "energy_kwh": 200})
    dispatch = Dispatch(scenario_from_dict(raw))
    first = dispatch.solve()
    new_prices = per_step([0.3, 0.6, 0.1, 0.9], step_minutes)
    raw["tariff"]["import_cny_per_kwh"] = new_prices
    changed = scenario_from_dict(raw)
    seam, dt = dispatch.seam, changed.horizon.dt_h
    cost = seam.cost.copy()
    imports = seam.col(dispatch.model.grid.import_kw.values())
    cost[imports] = dt * np.asarray(new_prices)
    seam.set_objective(cost, seam.offset)
    again = check(dispatch.solve(scenario=changed))
    fresh = optimise(changed)
    assert again.summary["objective_cny"] != pytest.approx(first.summary["objective_cny"], abs=1e-3)
    assert again.summary["objective_cny"] == pytest.approx(fresh.summary["objective_cny"], abs=1e-6)
    for key in ("import_kwh", "export_kwh", "emissions_tco2", "curtailment_kwh"):
        assert again.summary[key] == pytest.approx(fresh.summary[key], abs=1e-6)


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_fixing_past_steps_on_the_live_model(step_minutes):
    """Fix the first hour's grid import at a value the optimum would not choose (300 kW while the load
    is 100 kW: the battery, 200 of 400 kWh, must take 200 kW) and re-solve: the rest of the day adapts."""
    raw = arbitrage_park(step_minutes)
    raw["assets"].append({"name": "lfp", "kind": "battery", "power_kw": 200, "energy_kwh": 400,
                          "min_soc_fraction": 0.0, "max_soc_fraction": 1.0,
                          "initial_soc_fraction": 0.5, "end_rule": "free", "cycle_cost_cny_per_kwh": 0.0,
                          "self_discharge_per_hour": 0.0, "charge_efficiency": 1.0, "discharge_efficiency": 1.0})
    dispatch = Dispatch(scenario_from_dict(raw))
    dispatch.solve()
    first_hour = slice(0, 60 // step_minutes)
    imports = dispatch.seam.col(list(dispatch.model.grid.import_kw.values())[first_hour])
    dispatch.seam.set_bounds(imports, 300.0, 300.0)
    fixed = dispatch.solve()
    # by hand: hour 0 pays 300 kWh x 0.5 = 150 and fills the battery to 400 kWh; hour 3's 100 kWh load
    # comes from the battery (saves 0.5/kWh, more than export pays); the other 300 kWh and the PV
    # surplus of hours 1-2 (2 x 200 kWh) are exported at 0.3: 150 - 0.3 x 700 = -60 CNY
    assert fixed.summary["objective_cny"] == pytest.approx(-60.0, abs=1e-6)
    np.testing.assert_allclose(fixed.dataset["grid_import_kw"].values[first_hour], 300.0, atol=1e-6)


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_pareto_on_one_model_equals_independent_runs(step_minutes):
    """The front built on one live model (objective swapped, one cap row moved) equals, point by point,
    fresh runs of the scenario with each cap as ``objective.emissions_max_tco2``."""
    raw = small_scenario(  # cheap import is dirty (hour 0), clean import is dear (hour 1)
        2 * 60 // step_minutes, step_minutes,
        tariff={"import_cny_per_kwh": per_step([0.2, 0.8], step_minutes), "export_cny_per_kwh": 0.0},
        grid={"import_limit_kw": 1000, "export_limit_kw": 0,
              "emission_factor_tco2_per_mwh": per_step([0.9, 0.3], step_minutes)},
        assets=[{"name": "load", "kind": "demand", "demand_kw": 100},
                {"name": "lfp", "kind": "battery", "power_kw": 100, "energy_kwh": 200}])
    scenario = scenario_from_dict(raw)
    front = pareto_front(scenario, 4)
    assert front["emissions_tco2"].iloc[0] < front["emissions_tco2"].iloc[-1]
    for _, point in front.iterrows():
        fresh = optimise(scenario_from_dict({**raw, "objective": {"emissions_max_tco2": point["emissions_cap_tco2"]}}))
        assert point["cost_cny"] == pytest.approx(fresh.summary["objective_cny"], abs=1e-6)
        assert point["emissions_tco2"] == pytest.approx(fresh.summary["emissions_tco2"], abs=1e-8)


BUNDLED = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_fast_compile_equals_pyomos_standard_form(path):
    """The hand-over's compiler gives, for every bundled scenario, exactly Pyomo's own standard form:
    the same columns, objective coefficients and, per constraint, the same coefficients and bounds."""
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    from optimiser.compile import compile_model
    from optimiser.model import build_model
    from optimiser.scenario import load_scenario

    model, _, _ = build_model(load_scenario(path))
    ours = compile_model(model)
    theirs = LinearStandardFormCompiler().write(model, mixed_form=True, set_sense=None)
    assert {id(v) for v in ours.columns} == {id(v) for v in theirs.columns}
    position = {id(v): j for j, v in enumerate(theirs.columns)}
    order = np.array([position[id(v)] for v in ours.columns])
    np.testing.assert_allclose(ours.cost, theirs.c.toarray().ravel()[order], rtol=0, atol=1e-12)
    assert ours.offset == pytest.approx(float(theirs.c_offset[0]) if len(theirs.c_offset) else 0.0)
    expected: dict[int, tuple[dict, float, float]] = {}
    a = theirs.A.tocsr()
    for i, (constraint, multiplier) in enumerate(theirs.rows):
        row = {position[id(theirs.columns[j])]: v
               for j, v in zip(a.indices[a.indptr[i]:a.indptr[i + 1]], a.data[a.indptr[i]:a.indptr[i + 1]])}
        coefs, lower, upper = expected.get(id(constraint), ({}, -np.inf, np.inf))
        rhs = float(theirs.rhs[i])
        if multiplier <= 0:
            lower = rhs
        if multiplier >= 0:
            upper = rhs
        expected[id(constraint)] = (row, lower, upper)
    mine = ours.matrix.tocsr()
    for i, constraint in enumerate(ours.rows):
        row = {int(order[j]): v for j, v in zip(mine.indices[mine.indptr[i]:mine.indptr[i + 1]],
                                                 mine.data[mine.indptr[i]:mine.indptr[i + 1]]) if v != 0.0}
        coefs, lower, upper = expected.pop(id(constraint))
        assert row.keys() == {k for k, v in coefs.items() if v != 0.0}, constraint.name
        for k, v in row.items():
            assert v == pytest.approx(coefs[k], rel=1e-12), constraint.name
        assert (ours.row_lower[i], ours.row_upper[i]) == pytest.approx((lower, upper), rel=1e-12), constraint.name
    assert not expected


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_flows_held_at_zero_are_released_when_the_data_change(step_minutes):
    """With binaries everywhere, hour 0 (no PV, load 100 kW) has nothing to export while not importing,
    so propagation holds its export at 0 instead of adding a binary. Change hour 0's balance on the
    live model to a 200 kW surplus (right-hand side 100 -> -200 kW): the hold is re-derived and
    released, and hour 0 exports 200 kWh at 0.3 (-60 CNY instead of +50): -20 - 50 - 60 = -130 CNY.
    Hour 0 now has nothing to import while not exporting: its import is held at 0 instead."""
    dispatch = Dispatch(scenario_from_dict(arbitrage_park(step_minutes, binaries="always")))
    assert dispatch.solve().summary["objective_cny"] == pytest.approx(-20.0, abs=1e-6)
    assert dispatch.pairs.n_zeroed == 2 * 60 // step_minutes
    hour0 = dispatch.seam.rows_of(dispatch.model.bus_balance)[: 60 // step_minutes]
    dispatch.seam.set_row_bounds(hour0, -200.0, -200.0)
    again = dispatch.solve()
    assert again.summary["objective_cny"] == pytest.approx(-130.0, abs=1e-6)
    lp = dispatch.seam.highs.getLp()
    first = slice(0, 60 // step_minutes)
    imports = dispatch.seam.col(list(dispatch.model.grid.import_kw.values())[first])
    exports = dispatch.seam.col(list(dispatch.model.grid.export_kw.values())[first])
    np.testing.assert_array_equal(np.asarray(lp.col_upper_)[exports], 1000.0)
    np.testing.assert_array_equal(np.asarray(lp.col_upper_)[imports], 0.0)
    np.testing.assert_allclose(again.dataset["grid_export_kw"].values[: 60 // step_minutes], 200.0, atol=1e-6)


def test_a_number_too_large_for_highs_is_refused_before_the_hand_over():
    """A coefficient of 1e14 (beyond what HiGHS solves reliably) is a bad-input error (exit 2) naming
    the constraint and variable, raised before HiGHS sees the model; 1e12 is accepted."""
    import pandas as pd
    import pyomo.environ as pyo

    from optimiser.errors import ScenarioError
    from optimiser.solve import HighsModel

    index = pd.date_range("2026-07-15", periods=1, freq="h", tz="Asia/Shanghai")
    for coef, refused in ((1e14, True), (1e12, False)):
        m = pyo.ConcreteModel()
        m.x = pyo.Var(bounds=(0, 1))
        m.big = pyo.Constraint(expr=coef * m.x <= 5)
        m.objective = pyo.Objective(expr=-m.x)
        if refused:
            with pytest.raises(ScenarioError, match=r"coefficient of 1e\+14 in big \(variable x\)") as error:
                HighsModel(m, index)
            assert error.value.exit_code == 2
        else:
            assert HighsModel(m, index).solve(10, 0).objective_cny == pytest.approx(-5 / coef)


def test_highs_prints_nothing_and_progress_only_when_asked(capfd):
    """No HiGHS banner or log on standard output without --verbose; stage lines only with a progress."""
    import io

    from optimiser.progress import Progress

    raw = arbitrage_park(60)
    optimise(scenario_from_dict(raw))
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""
    stream = io.StringIO()
    optimise(scenario_from_dict(raw), progress=Progress(True, stream))
    assert capfd.readouterr().out == ""
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("parkdispatch: building the model (4 steps, 2 assets)")
    assert any(line.startswith("parkdispatch: solving") for line in lines)
