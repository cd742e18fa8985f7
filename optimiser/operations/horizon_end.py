"""Horizon ends in the daily job: the day-ahead's marginal value of stored energy, and intraday terminal targets.

* Day-ahead: after the solve, the value of one more unit in each store at the end of the day,
  :math:`-y / \\text{scale}` of the dual :math:`y` of the store's last continuity row (with the
  integer columns fixed at the schedule's values for a MIP; :meth:`HighsModel.fixed_duals`),
  clipped at 0. Stored with the day's end state as ``end_value_cny_per_kwh`` (``_per_kg``) and
  reported in ``summary.json`` as ``end_marginal_value_cny_per_unit``.
* Intraday (:func:`intraday_terminal`, on the day's scenario before validation): a terminal or
  timed target must never make a re-solve infeasible where the day-ahead was feasible, so every
  hard rule on a store's level becomes a soft level target priced at ``RELAX_PRICE`` (far above any
  energy price: missed only when nothing else is possible): hard ``level_targets``, ``end_rule``
  ``equal_initial`` (a target at the end: the start level) and ``at_least`` (its minimum; an EV
  fleet's ``end_energy_min_kwh``). The store then follows the day-ahead's end-of-day level as a soft
  target at the end, priced at the day-ahead's marginal value of stored energy (at least
  ``FOLLOW_MIN``), unless it has a configured end value (which then governs the end as in the
  day-ahead). Each relaxed target carries the note ``relaxed for intraday``; a missed one is
  flagged with the amount (:func:`relaxed_misses`).
"""

from __future__ import annotations

import numpy as np

from ..run import Dispatch
from .state import CLASSES, _field

STORES = {  # kind: (level flow, unit suffix, continuity constraint, initial fraction, end minimum fraction)
    "battery": ("soc_kwh", "kwh", "soc_balance", "initial_soc_fraction", "end_soc_min_fraction"),
    "flow_battery": ("soc_kwh", "kwh", "soc_balance", "initial_soc_fraction", "end_soc_min_fraction"),
    "thermal_storage": ("soc_kwh", "kwh", "soc_balance", "initial_soc_fraction", "end_soc_min_fraction"),
    "hydrogen_storage": ("level_kg", "kg", "level_balance", "initial_level_fraction", "end_level_min_fraction"),
    "ev_fleet": ("energy_kwh", "kwh", "energy_balance", None, None),
}
RELAX_PRICE = {"kwh": 1000.0, "kg": 50_000.0}
"""price of a relaxed hard target's shortfall [CNY/kWh, CNY/kg]: above any energy or hydrogen price"""
FOLLOW_MIN = {"kwh": 0.01, "kg": 0.5}
"""least price of the soft target that follows the day-ahead end level [CNY/kWh, CNY/kg]"""
RELAXED = "relaxed for intraday"


def end_values(dispatch: Dispatch) -> dict[str, float]:
    """Marginal value of one more unit in each store at the end of the solved horizon [CNY/unit]."""
    stores = [a for a in dispatch.scenario.assets if a.kind in STORES]
    if not stores:
        return {}
    last = dispatch.scenario.horizon.steps - 1
    rows = [int(dispatch.seam.rows_of(getattr(dispatch.model.asset[a.name], STORES[a.kind][2])[last])[0])
            for a in stores]
    duals = dispatch.seam.fixed_duals(np.asarray(rows))
    if duals is None:
        return {}
    return {a.name: max(0.0, -float(y)) for a, y in zip(stores, duals)}


def marginal_states(scenario, summary: dict) -> list[tuple[str, str, float]]:
    """The day-ahead's marginal values as state rows ``(asset, end_value_cny_per_<unit>, value)``."""
    values = summary.get("end_marginal_value_cny_per_unit") or {}
    return [(a.name, f"end_value_cny_per_{STORES[a.kind][1]}", values[a.name]) for a in scenario.assets
            if a.name in values]


def soften_store(spec: dict, note: str) -> list[str]:
    """Make the hard level rules of one raw store spec soft (in place), priced at ``RELAX_PRICE`` with
    ``note``; returns what was softened (``level_targets[i]``, ``end_rule '...'``)."""
    kind, softened = spec.get("kind"), []
    cls, (_, unit, _, initial_field, end_field) = CLASSES[kind], STORES[kind]
    penalty = f"penalty_cny_per_{unit}"
    targets = [dict(t) for t in spec.get("level_targets") or []]
    for i, t in enumerate(targets):
        if t.get(penalty) is None:
            t[penalty], t["note"] = RELAX_PRICE[unit], f"hard, {note}"
            softened.append(f"level_targets[{i}]")
    rule = _field(cls, spec, "end_rule") if kind != "ev_fleet" else None
    if rule in ("equal_initial", "at_least"):
        fraction = float(_field(cls, spec, initial_field) if rule == "equal_initial" else spec[end_field])
        targets.append({"time": "24:00", "min_fraction": fraction, penalty: RELAX_PRICE[unit],
                        "note": f"end_rule '{rule}', {note}"})
        spec["end_rule"] = "free"
        spec.pop(end_field, None)
        softened.append(f"end_rule '{rule}'")
    if kind == "ev_fleet" and spec.get("end_energy_min_kwh") is not None:
        targets.append({"time": "24:00", "min_kwh": float(spec.pop("end_energy_min_kwh")),
                        penalty: RELAX_PRICE[unit], "note": f"end_energy_min_kwh, {note}"})
        softened.append("end_energy_min_kwh")
    spec["level_targets"] = targets
    return softened


def intraday_terminal(raw: dict, day_ahead: dict[tuple[str, str], float]) -> list[str]:
    """Turn the hard level rules of the day's scenario ``raw`` (in place) into priced soft targets and add
    the target that follows the day-ahead end levels ``day_ahead`` (states of the day-ahead run); returns flags."""
    flags = []
    for spec in raw.get("assets", []):
        kind = spec.get("kind") if isinstance(spec, dict) else None
        if kind not in STORES:
            continue
        name, (level_flow, unit, *_) = spec.get("name"), STORES[kind]
        soften_store(spec, RELAXED)
        if kind != "ev_fleet" and _field(CLASSES[kind], spec, "end_rule") == "cyclic":
            flags.append(f"{name}: end_rule 'cyclic' kept hard in intraday")
        if spec.get(f"end_value_cny_per_{unit}"):
            continue  # a configured end value governs the end, as in the day-ahead
        if (name, level_flow) not in day_ahead:
            flags.append(f"{name}: no day-ahead end level stored: intraday does not follow one")
            continue
        level = day_ahead[(name, level_flow)]
        price = max(day_ahead.get((name, f"end_value_cny_per_{unit}"), 0.0), FOLLOW_MIN[unit])
        spec["level_targets"].append({"time": "24:00", f"min_{unit}": max(0.0, level - 1e-6 * (1.0 + abs(level))),
                                      f"penalty_cny_per_{unit}": price, "note": "the day-ahead end level"})
    return flags


def relaxed_misses(summary: dict, tol: float = 1e-6) -> list[str]:
    """Flags for relaxed hard targets the schedule missed, with the amount."""
    return [f"{t['asset']} {t['target']} missed by {t['shortfall']:.6g} {t['unit']} "
            f"(level {t['level']:.6g}, target {t['minimum']:.6g})"
            for t in summary.get("level_targets", []) if "relaxed" in t["target"]
            and t["shortfall"] > tol * (1.0 + abs(t["minimum"]))]
