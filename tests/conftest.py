"""Fixtures shared by the optimiser tests."""

from __future__ import annotations

import pytest

from builders import small_scenario
from optimiser.scenario import scenario_from_dict


@pytest.fixture
def build():
    """Validate a scenario dict built with :func:`builders.small_scenario`."""

    def _build(steps: int, step_minutes: int = 60, **sections):
        return scenario_from_dict(small_scenario(steps, step_minutes, **sections))

    return _build


@pytest.fixture(scope="session")
def bundled():
    """Solve a bundled scenario once per test session: ``bundled("dezhou_day")`` -> checked RunResult.

    Shared by the tests that read the same bundled run; treat the result as read-only.
    """
    from bundled_reference import solve_bundled

    cache = {}

    def _get(name: str):
        if name not in cache:
            cache[name] = solve_bundled(name)
        return cache[name]

    return _get
