"""Fixtures shared by the optimiser tests."""

from __future__ import annotations

import json
import os

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


@pytest.fixture(scope="session")
def postgres_base():
    """A throwaway PostgreSQL server on 127.0.0.1 (see pg_server.py), or a skip naming why it cannot start;
    with PARKDISPATCH_REQUIRE_POSTGRES=1 (CI) that is a failure instead."""
    import os

    import pg_server

    try:
        base, stop = pg_server.start()
    except pg_server.Unavailable as exc:
        if os.environ.get("PARKDISPATCH_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL required but unavailable: {exc}")
        pytest.skip(f"PostgreSQL unavailable: {exc}")
    yield base
    stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_location(request, tmp_path):
    """A fresh state store location: an SQLite file in tmp_path, or a new database on the test server."""
    if request.param == "sqlite":
        return str(tmp_path / "store.sqlite")
    import uuid

    import pg_server

    base = request.getfixturevalue("postgres_base")
    return pg_server.create_database(base, f"t{uuid.uuid4().hex[:12]}")


def pytest_collection_modifyitems(config, items):
    """Under mutmut (``MUTANT_UNDER_TEST`` set, cwd ``mutants/``), run the fastest tests first, by the durations
    mutmut recorded, so that ``-x`` stops a killed mutant after its cheapest failing test. Otherwise no change."""
    if not os.environ.get("MUTANT_UNDER_TEST") or not os.path.exists("mutmut-stats.json"):
        return
    with open("mutmut-stats.json") as f:
        durations = json.load(f).get("duration_by_test", {})
    items.sort(key=lambda item: durations.get(item.nodeid, 0.0))
