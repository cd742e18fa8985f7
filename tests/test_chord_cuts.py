"""Chord cuts (optimiser.chord_cuts): where an import/export binary is added, the export is bounded by
what backs it in the bus balance, so the LP relaxation cannot pass imported energy straight out to
export. Hand-worked: the cut changes no optimum, closes a relaxation gap, binds exactly at an optimum
on its chord, and follows data changed on the live model."""

from __future__ import annotations

import highspy
import numpy as np
import pytest
from builders import small_scenario

from optimiser.run import Dispatch, check, optimise
from optimiser.scenario import scenario_from_dict


def store_park(step_minutes: int, hours: int, import_prices: list[float], initial_soc_fraction: float,
               cycle_cost_cny_per_kwh: float, load_kw: float = 60.0, **solver) -> dict:
    """Load ``load_kw``; a lossless 100 kW / 200 kWh battery (free end); export 0.5 CNY/kWh; import at
    ``import_prices`` per hour; both grid limits 1000 kW."""
    n = 60 // step_minutes
    return small_scenario(
        hours * n, step_minutes,
        tariff={"import_cny_per_kwh": np.repeat(import_prices, n).tolist(), "export_cny_per_kwh": 0.5},
        grid={"import_limit_kw": 1000, "export_limit_kw": 1000, "emission_factor_tco2_per_mwh": 0.6},
        assets=[{"name": "load", "kind": "demand", "demand_kw": load_kw},
                {"name": "lfp", "kind": "battery", "power_kw": 100, "energy_kwh": 200, "min_soc_fraction": 0.0,
                 "max_soc_fraction": 1.0, "initial_soc_fraction": initial_soc_fraction, "end_rule": "free",
                 "cycle_cost_cny_per_kwh": cycle_cost_cny_per_kwh, "self_discharge_per_hour": 0.0,
                 "charge_efficiency": 1.0, "discharge_efficiency": 1.0}],
        solver={"mip_gap": 0.0, **solver})


def relaxation_cny(dispatch: Dispatch) -> float:
    """Objective of the live model's LP relaxation: its binaries (and cuts) kept, integrality dropped."""
    seam = dispatch.seam
    binaries = np.flatnonzero(seam.integer).astype(np.int32)
    seam.highs.changeColsIntegrality(len(binaries), binaries,
                                     np.full(len(binaries), highspy.HighsVarType.kContinuous))
    seam.highs.run()
    assert seam.highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return seam.highs.getInfo().objective_function_value / seam.scale


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_the_cut_closes_the_relaxation_of_importing_to_export(step_minutes):
    """Two hours, load 60 kW, import 0.2 then 1.0 CNY/kWh, export 0.5; the battery holds 60 kWh and
    ages 0.2 CNY per kWh discharged. By hand: discharge 100 kW in hour 1 (60 kW load, 40 kW export),
    charging the missing 40 kWh in hour 0: 0.2 x (60 + 40) - 0.5 x 40 + 0.2 x 100 = 20 CNY; exporting
    in hour 0 would need more than the 60 kW load from the battery and leave hour 1 to import at 1.0.
    Binaries go to hour 0 only (0.5 > 0.2). With big-M rows alone the relaxation passes import straight
    to export there (u = 0.7: 112 kW in, 12 kW out at 0.3 CNY/kWh more): 16.4 CNY. The cut
    ``export <= (1 - 60/100) x discharge`` holds hour 0's export at the discharge it is not: 20 CNY
    (``solver.chord_cuts: false`` leaves the big-M rows alone: 16.4 CNY)."""
    for chord_cuts, relaxed_cny in ((True, 20.0), (False, 16.4)):
        dispatch = Dispatch(scenario_from_dict(store_park(step_minutes, 2, [0.2, 1.0], 0.3, 0.2,
                                                          chord_cuts=chord_cuts)))
        result = check(dispatch.solve())
        assert result.summary["objective_cny"] == pytest.approx(20.0, abs=1e-6)
        assert dispatch.pairs.n_added == 60 // step_minutes
        assert relaxation_cny(dispatch) == pytest.approx(relaxed_cny, abs=1e-6)


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_the_cut_binds_at_an_optimum_on_its_chord(step_minutes):
    """One hour at import 0.2 and export 0.5, load 60 kW, the battery full enough (100 kWh) and free to
    age: by hand discharge 100 kW, 60 kW to the load and 40 kW out: -0.5 x 40 = -20 CNY, exactly on
    the cut ``export <= 0.4 x discharge``. A slope below 0.4 would cut this optimum off; the schedule
    with binaries at every step agrees."""
    raw = store_park(step_minutes, 1, [0.2], 0.5, 0.0)
    result = check(optimise(scenario_from_dict(raw)))
    assert result.summary["objective_cny"] == pytest.approx(-20.0, abs=1e-6)
    np.testing.assert_allclose(result.dataset["grid_export_kw"].values, 40.0, atol=1e-6)
    raw["solver"]["binaries"] = "always"
    assert optimise(scenario_from_dict(raw)).summary["objective_cny"] == pytest.approx(-20.0, abs=1e-6)


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_the_cut_follows_a_load_changed_on_the_live_model(step_minutes):
    """The case above, then the load moved from 60 to 20 kW on the live model (the balance's right-hand
    side) and re-solved: the cut's slope is re-derived (0.4 -> 0.8), so the battery exports 80 kW:
    -0.5 x 80 = -40 CNY, as a fresh build with a 20 kW load gives. Kept at 0.4 it would allow 40 kW."""
    dispatch = Dispatch(scenario_from_dict(store_park(step_minutes, 1, [0.2], 0.5, 0.0)))
    assert dispatch.solve().summary["objective_cny"] == pytest.approx(-20.0, abs=1e-6)
    rows = dispatch.seam.rows_of(dispatch.model.bus_balance)
    dispatch.seam.set_row_bounds(rows, 20.0, 20.0)
    changed = scenario_from_dict(store_park(step_minutes, 1, [0.2], 0.5, 0.0, load_kw=20.0))
    again = check(dispatch.solve(scenario=changed))
    assert again.summary["objective_cny"] == pytest.approx(-40.0, abs=1e-6)
    assert optimise(changed).summary["objective_cny"] == pytest.approx(-40.0, abs=1e-6)
