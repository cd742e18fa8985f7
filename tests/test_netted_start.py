"""The netted relaxation as a MIP start (optimiser.netted_start): hand-worked on the pass-through case of
tests/test_chord_cuts.py, refused where other binaries exist, and checked row by row before HiGHS sees it."""

from __future__ import annotations

import numpy as np
import pytest
from test_chord_cuts import store_park

from optimiser.netted_start import feasible, netted_start
from optimiser.run import Dispatch
from optimiser.scenario import scenario_from_dict


def seeded(raw: dict) -> Dispatch:
    """The scenario built and its seed binaries added, not yet solved."""
    dispatch = Dispatch(scenario_from_dict(raw))
    dispatch.pairs.add(dispatch.pairs.seeds(dispatch.seam.cost))
    return dispatch


@pytest.mark.parametrize("step_minutes", [60, 15])
def test_the_relaxation_netted_is_a_schedule_the_park_can_run(step_minutes):
    """Without chord cuts the relaxation passes import to export in hour 0 (16.4 CNY, see
    test_chord_cuts). Netted, hour 0 imports what the load and the 40 kWh of charging take and exports
    nothing, hour 1 exports 40 kW from the battery: 0.2 x 100 - 0.5 x 40 + 0.2 x 100 = 20 CNY, the
    optimum; its binaries say 'import' in hour 0, and the solve that starts from it ends at 20 CNY."""
    dispatch = seeded(store_park(step_minutes, 2, [0.2, 1.0], 0.3, 0.2, chord_cuts=False))
    seam, pairs, grid = dispatch.seam, dispatch.pairs, dispatch.model.grid
    x = netted_start(seam, pairs, 60.0)
    assert x is not None and feasible(seam, x)
    assert seam.cost @ x[: len(seam.cost)] + seam.offset == pytest.approx(20.0, abs=1e-9)
    n = 60 // step_minutes
    imports, exports = x[seam.col(grid.import_kw.values())], x[seam.col(grid.export_kw.values())]
    assert (np.minimum(imports, exports) <= 0.0).all()
    assert imports[:n].sum() / n == pytest.approx(100.0, abs=1e-6)
    assert exports[n:] == pytest.approx(40.0, abs=1e-6)
    np.testing.assert_array_equal(x[pairs.binary[pairs.binary >= 0]], 1.0)
    assert dispatch.solve().summary["objective_cny"] == pytest.approx(20.0, abs=1e-6)


def test_a_broken_row_is_found_before_highs_sees_the_start():
    """One more kW of import in the first step breaks its bus balance: not feasible."""
    dispatch = seeded(store_park(60, 2, [0.2, 1.0], 0.3, 0.2, chord_cuts=False))
    x = netted_start(dispatch.seam, dispatch.pairs, 60.0)
    first_import = dispatch.seam.col([dispatch.model.grid.import_kw[0]])
    x[first_import] += 1.0
    assert not feasible(dispatch.seam, x)


def test_no_start_where_other_binaries_exist():
    """An electrolyser's on/off status is a binary the netting cannot set: no start is made."""
    raw = store_park(60, 2, [0.2, 1.0], 0.3, 0.2)
    raw["assets"] += [{"name": "h2", "kind": "hydrogen_demand", "demand_kg_per_h": 1, "grey_purchase_cny_per_kg": 30},
                      {"name": "stack", "kind": "electrolyser", "power_kw": 100, "kwh_per_kg": 50,
                       "min_load_fraction": 0.5}]
    dispatch = seeded(raw)
    assert dispatch.pairs.n_added and dispatch.seam.integer.sum() > dispatch.pairs.n_added
    assert netted_start(dispatch.seam, dispatch.pairs, 60.0) is None
