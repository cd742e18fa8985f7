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
  ``FOLLOW_MIN``). Each relaxed target carries the note ``relaxed for intraday``; a missed one is
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


def intraday_terminal(raw: dict, day_ahead: dict[tuple[str, str], float]) -> list[str]:
    """Turn the hard level rules of the day's scenario ``raw`` (in place) into priced soft targets and add
    the target that follows the day-ahead end levels ``day_ahead`` (states of the day-ahead run); returns flags."""
    flags = []
    for spec in raw.get("assets", []):
        kind = spec.get("kind") if isinstance(spec, dict) else None
        if kind not in STORES:
            continue
        name, cls = spec.get("name"), CLASSES[kind]
        level_flow, unit, _, initial_field, end_field = STORES[kind]
        penalty = f"penalty_cny_per_{unit}"
        targets = [dict(t) for t in spec.get("level_targets") or []]
        for t in targets:
            if t.get(penalty) is None:
                t[penalty] = RELAX_PRICE[unit]
                t["note"] = f"hard, {RELAXED}"
        rule = _field(cls, spec, "end_rule") if kind != "ev_fleet" else None
        if rule in ("equal_initial", "at_least"):
            fraction = float(spec.get(initial_field, _field(cls, spec, initial_field))) if rule == "equal_initial" \
                else float(spec[end_field])
            targets.append({"time": "24:00", "min_fraction": fraction, penalty: RELAX_PRICE[unit],
                            "note": f"end_rule '{rule}', {RELAXED}"})
            spec["end_rule"] = "free"
            spec.pop(end_field, None)
        elif rule == "cyclic":
            flags.append(f"{name}: end_rule 'cyclic' kept hard in intraday")
        if kind == "ev_fleet" and spec.get("end_energy_min_kwh") is not None:
            targets.append({"time": "24:00", "min_kwh": float(spec.pop("end_energy_min_kwh")),
                            penalty: RELAX_PRICE[unit], "note": f"end_energy_min_kwh, {RELAXED}"})
        if (name, level_flow) in day_ahead:
            level = day_ahead[(name, level_flow)]
            price = max(day_ahead.get((name, f"end_value_cny_per_{unit}"), 0.0), FOLLOW_MIN[unit])
            targets.append({"time": "24:00", f"min_{unit}": max(0.0, level - 1e-6 * (1.0 + abs(level))),
                            penalty: price, "note": "the day-ahead end level"})
        else:
            flags.append(f"{name}: no day-ahead end level stored: intraday does not follow one")
        spec["level_targets"] = targets
    return flags


def relaxed_misses(summary: dict, tol: float = 1e-6) -> list[str]:
    """Flags for relaxed hard targets the schedule missed, with the amount."""
    return [f"{t['asset']} {t['target']} missed by {t['shortfall']:.6g} {t['unit']} "
            f"(level {t['level']:.6g}, target {t['minimum']:.6g})"
            for t in summary.get("level_targets", []) if RELAXED in t["target"]
            and t["shortfall"] > tol * (1.0 + abs(t["minimum"]))]
