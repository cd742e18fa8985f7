"""Builders for small hand-solvable scenarios (import as ``from builders import small_scenario``)."""

from __future__ import annotations

import copy


def small_scenario(steps: int, step_minutes: int = 60, **sections) -> dict:
    """A scenario dict with a fixed park and horizon; ``sections`` override or add sections."""
    raw = {
        "park": {"name": "test park", "latitude": 37.4, "longitude": 116.3, "timezone": "Asia/Shanghai"},
        "horizon": {"start": "2026-07-15T00:00:00+08:00", "steps": steps, "step_minutes": step_minutes},
        "tariff": {"import_cny_per_kwh": 0.5, "export_cny_per_kwh": 0.0},
        "grid": {"import_limit_kw": 10_000, "export_limit_kw": 0, "emission_factor_tco2_per_mwh": 0.0},
        "assets": [],
    }
    raw.update(copy.deepcopy(sections))
    return raw


def assert_no_energy_burnt(scenario, binaries: str, refusal: str) -> None:
    """At a negative price a store could charge and discharge at once to waste paid-for energy.
    With ``binaries`` ``auto``/``always`` the binaries forbid it (optimum 0 CNY); with ``never``
    the LP does it and reports it: the check's refusal (``refusal``) becomes a warning."""
    import pytest

    from optimiser.run import optimise

    if binaries == "never":  # the LP relaxation: kept, and the check's refusal becomes a warning
        r = optimise(scenario)
        assert r.summary["objective_cny"] < -1e-3
        assert r.summary["relaxation"]["simultaneous_flows"]
        assert any(w.startswith("check: ") and refusal in w for w in r.summary["warnings"])
        return
    r = optimise(scenario)
    assert r.summary["binaries_used"] is True
    assert r.summary["objective_cny"] == pytest.approx(0.0, abs=1e-9)
