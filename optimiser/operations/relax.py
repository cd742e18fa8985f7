"""An infeasible day in the daily job: a schedule with the hard rules priced, stored flagged (exit 7).

When a day-ahead or intraday solve is infeasible, :func:`relaxed_scenario` makes every hard rule
soft, priced at :data:`~optimiser.operations.horizon_end.RELAX_PRICE` (1000 CNY per kWh short, far
above any energy price, so a rule is missed only by what nothing else can supply): hard share
targets (``targets.*_min``, ``curtailment_rate_max``) get ``penalty_cny_per_kwh``, and every store's
hard level targets and end rules become soft level targets
(:func:`~optimiser.operations.horizon_end.soften_store`). Not relaxed (no soft form): the plain
``targets.renewable_share_min``, ``objective.emissions_max_tco2`` and the direct-supply projects'
rules; a day infeasible for them exits 3 as before. The relaxed day is solved on the same run
seam and checked by the same independent check (soft targets and their shortfalls are part of it),
then stored flagged with each rule missed and by how much (:func:`misses`). Physical limits (a bus
balance the grid connection cannot close, a unit's minimum up time) are not rules: a day infeasible
for them stays infeasible (exit 3) and the last good schedule stays current.
"""

from __future__ import annotations

from typing import Callable

from ..assets.ev_session_state import measure_sessions
from ..errors import InfeasibleError
from ..run import RunResult
from ..scenario import Scenario
from ..targets import SHARE_TARGETS, TERM_OF
from .horizon_end import RELAX_PRICE, STORES, relaxed_misses, soften_store

NOTE = "relaxed: the day is infeasible as given"


def relaxed_scenario(scenario: Scenario) -> tuple[Scenario, list[str]] | None:
    """``scenario`` with its hard rules soft (see module doc) and the rules softened; None if it has none."""
    raw = scenario.raw
    softened = []
    targets = dict(raw.get("targets") or {})
    for name in SHARE_TARGETS:
        target = getattr(scenario.targets, name)
        if target is not None and target.hard:
            spec = targets[name] if isinstance(targets[name], dict) else {"value": targets[name]}
            targets[name] = {**spec, "penalty_cny_per_kwh": RELAX_PRICE["kwh"]}
            softened.append(f"targets.{name}")
    assets = raw["assets"]
    for spec in assets:
        if isinstance(spec, dict) and spec.get("kind") in STORES:
            softened += [f"{spec['name']}.{rule}" for rule in soften_store(spec, NOTE)]
    if not softened:
        return None
    relaxed = scenario.with_changes({"targets": targets, "assets": assets})
    for before, after in zip(scenario.assets, relaxed.assets):  # measured jumps and sessions (intraday --measured)
        if getattr(before, "_jump", None) is not None:
            after._jump = before._jump
        if getattr(before, "_measured", None) is not None:
            measure_sessions(after, *before._measured)
    return relaxed, softened


def misses(summary: dict, softened: list[str], tol: float = 1e-6) -> list[str]:
    """Each relaxed rule the schedule missed, with the amount."""
    kpis = summary.get("kpis") or {}
    out = [f"targets.{name} missed by {kwh:.6g} kWh of N - s*D "
           f"({TERM_OF[name]} {kpis.get(TERM_OF[name], {}).get('value', float('nan')):.6g})"
           for name, kwh in (summary.get("target_shortfall_kwh") or {}).items()
           if f"targets.{name}" in softened and kwh > tol]
    return out + relaxed_misses(summary, tol)


def solve_or_relax(scenario: Scenario, solve: Callable[[Scenario], RunResult]) -> tuple[RunResult, list[str]]:
    """``solve(scenario)``; if it is infeasible, ``solve`` the relaxed scenario instead, its summary marked
    ``relaxed`` (the reason, the rules softened, the misses) and flags saying so. The original
    :class:`InfeasibleError` if nothing can be relaxed or the relaxed day is infeasible too."""
    try:
        return solve(scenario), []
    except InfeasibleError as exc:
        relaxed = relaxed_scenario(scenario)
        if relaxed is None:
            raise
        try:
            result = solve(relaxed[0])
        except InfeasibleError:
            raise exc from None
        missed = misses(result.summary, relaxed[1])
        result.summary["relaxed"] = {"reason": str(exc), "softened": relaxed[1], "missed": missed}
        reason = str(exc).splitlines()[0]
        return result, [f"{NOTE} ({reason}); hard rules priced at {RELAX_PRICE['kwh']:g} CNY/kWh short"] + missed
