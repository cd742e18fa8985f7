"""An infeasible hard ``renewable_share_min`` reports its highest achievable value, like the share targets."""

from __future__ import annotations

import pytest

from optimiser.errors import InfeasibleError
from optimiser.run import optimise


def test_highest_achievable_renewable_share_hourly(build):
    """Load 100 kW in two hours, PV 60 kW then 0, no storage, no export: G = 60 kWh, I = 140 kWh,
    renewable share (G - X) / (G + I - X) = 60 / 200 = 0.3 at best, so 0.5 is infeasible."""
    s = build(2, 60, assets=[{"name": "load", "kind": "demand", "demand_kw": [100, 100]},
                             {"name": "pv", "kind": "pv", "available_kw": [60, 0]}],
              targets={"renewable_share_min": 0.5})
    with pytest.raises(InfeasibleError) as err:
        optimise(s)
    assert "renewable_share_min 0.5 cannot be met: the highest achievable value is 0.3\n" in str(err.value) + "\n"


def test_highest_achievable_renewable_share_quarter_hourly_with_export(build):
    """15-minute steps, two hours: load 100 kW; PV 150 kW in the first hour, 0 in the second; export up to
    30 kW at 0.2 CNY/kWh. Per hour: G = 130 (20 curtailed), X = 30, I = 100: (130 - 30) / (130 + 100 - 30)
    = 0.5, the same as without export (100 / 200): export counts as renewable first, so 0.62 reports 0.5."""
    s = build(8, 15, assets=[{"name": "load", "kind": "demand", "demand_kw": 100},
                             {"name": "pv", "kind": "pv", "available_kw": [150] * 4 + [0] * 4}],
              tariff={"import_cny_per_kwh": 0.5, "export_cny_per_kwh": 0.2},
              grid={"import_limit_kw": 1000, "export_limit_kw": 30, "emission_factor_tco2_per_mwh": 0.6},
              targets={"renewable_share_min": 0.62})
    with pytest.raises(InfeasibleError) as err:
        optimise(s)
    assert "renewable_share_min 0.62 cannot be met: the highest achievable value is 0.5\n" in str(err.value) + "\n"
    feasible = optimise(s.model_copy(update={"targets": s.targets.model_copy(update={"renewable_share_min": 0.5})}))
    assert feasible.summary["renewable_share"] == pytest.approx(0.5, abs=1e-9)
