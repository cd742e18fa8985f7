"""Every bundled scenario's objective and headline KPIs equal the committed reference.

A change of meaning (a factor, a rule, a unit) shows as a failing test here and, once
intended, as a visible diff of ``tests/reference/bundled.json`` (regenerate with
``python tests/bundled_reference.py``; say why in the commit). Objectives within 1e-6
relative, or the scenario's MIP gap for a MIP; KPIs within 1e-6 relative (absolute 1e-6
near zero), widened to the MIP gap for a MIP (another solution within the gap may move them).
"""

from __future__ import annotations

import json

import pytest
from bundled_reference import REFERENCE, bundled_names, headline

RELATIVE = 1e-6


def reference() -> dict:
    return json.loads(REFERENCE.read_text())


def test_reference_covers_every_bundled_scenario():
    assert sorted(reference()) == bundled_names()


@pytest.mark.parametrize("name", bundled_names())
def test_bundled_scenario_matches_reference(bundled, name):
    expected = reference()[name]
    got = headline(bundled(name))
    assert got["mip"] == expected["mip"]
    gap = expected["mip_gap_limit"] if expected["mip"] else 0.0
    assert set(got["values"]) == set(expected["values"])
    wrong = {}
    for key, value in expected["values"].items():
        rel = max(RELATIVE, gap)
        if got["values"][key] != pytest.approx(value, rel=rel, abs=1e-6):
            wrong[key] = (got["values"][key], value)
    assert not wrong, f"{name}: (got, reference) {wrong}"
