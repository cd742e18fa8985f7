"""Targets in time for every store: a value for what is left at the horizon's end, minimum levels at clock times.

Notes
-----
Shared by batteries, flow batteries, thermal storage (kWh), hydrogen tanks (kg) and EV fleets
(kWh), on the level :math:`e_t` of :mod:`optimiser.assets.level` (the level at the end of step
:math:`t`).

* End value :math:`v` (``end_value_cny_per_kwh`` / ``end_value_cny_per_kg``): the objective
  gains :math:`-v\\, e_{T-1}`, so energy left at the end is worth :math:`v` per unit: a rolling
  re-dispatch neither empties nor hoards the store.
* Level target :math:`k` at a local clock time :math:`\\tau_k` (``level_targets: [{time: "06:00",
  min_kg: 600}, {time: "17:00", min_fraction: 0.8, penalty_cny_per_kwh: 2.0}]``): on every day
  of the horizon, the level at the instant :math:`\\tau_k`, i.e. at the end of the step :math:`t_k`
  that ends then, is at least :math:`m_k` (``min_kwh`` / ``min_kg``, or ``min_fraction`` of the
  capacity). Hard (no penalty): :math:`e_{t_k} \\ge m_k`; soft with price :math:`p_k`:
  :math:`e_{t_k} + u_k \\ge m_k`, :math:`u_k \\ge 0`, objective :math:`+ p_k u_k`; the shortfall
  :math:`u_k` is reported per step (``target_shortfall_kwh`` / ``_kg``). ``"00:00"`` and ``"24:00"``
  both name midnight, the end of a day; the horizon's start is not a target instant (its level is
  given). Several targets may share an instant (the reported shortfall is their sum).

Validation (before any model is built): the time is ``HH:MM`` on a step boundary that ends some
step of the horizon, the minimum not above the store's highest level at that instant. The check
re-derives each hard target from the level, each step's shortfall (the sum of
:math:`\\max(0, m_k - e_{t_k})`: each :math:`u_k` is at least its own in the model, so the sum
pins each) and the cost from the flows alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, ClassVar

import numpy as np
from ..lazy import pd
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from ..lazy import pyo
from .shiftable_load import horizon_index


class LevelTarget(BaseModel):
    """A minimum level at a local clock time on every day of the horizon (see module doc)."""

    model_config = ConfigDict(extra="forbid")
    unit: ClassVar[str] = "kwh"
    time: str = Field(description="local clock time 'HH:MM' (00:00 or 24:00: midnight); the level at that instant")
    min_fraction: float | None = Field(None, ge=0, le=1, description="minimum as a fraction of the capacity [-]")
    note: str | None = Field(None, description="free text shown with the target in reports (e.g. where it comes from)")

    @model_validator(mode="after")
    def _one_minimum(self) -> "LevelTarget":
        if (self.min_fraction is None) == (self.absolute is None):
            raise ValueError(f"give exactly one of min_{self.unit} and min_fraction")
        return self

    @property
    def absolute(self) -> float | None:
        return getattr(self, f"min_{self.unit}")

    @property
    def penalty(self) -> float | None:
        """Price of each unit short [CNY/unit]; None for a hard target."""
        return getattr(self, f"penalty_cny_per_{self.unit}")


class LevelTargetKwh(LevelTarget):
    """A level target of a store in kWh (kWh_th for heat)."""

    min_kwh: float | None = Field(None, ge=0, description="minimum level [kWh]")
    penalty_cny_per_kwh: float | None = Field(None, gt=0, description="soft target: price of each kWh short "
                                              "[CNY/kWh]; none: hard")


class LevelTargetKg(LevelTarget):
    """A level target of a hydrogen tank in kg."""

    unit: ClassVar[str] = "kg"
    min_kg: float | None = Field(None, ge=0, description="minimum level [kg]")
    penalty_cny_per_kg: float | None = Field(None, gt=0, description="soft target: price of each kg short "
                                             "[CNY/kg]; none: hard")


UNIT_TEXT = {"kwh": "kWh", "kg": "kg"}


@dataclass(frozen=True)
class TargetRow:
    """One resolved target instant: the step whose end it is, the minimum, the price (None: hard)."""

    step: int
    minimum: float
    penalty: float | None
    label: str


def clock_minutes(text: str) -> int | None:
    """``"HH:MM"`` (up to 24:00) as minutes after midnight, None if it is not one."""
    parts = text.split(":")
    if len(parts) != 2 or not all(len(p) == 2 and p.isdigit() for p in parts) or int(parts[1]) > 59:
        return None
    minutes = 60 * int(parts[0]) + int(parts[1])
    return minutes if minutes <= 24 * 60 else None


def resolve_targets(targets: list[LevelTarget], info: ValidationInfo, capacity: Callable[[int], float],
                    upper: Callable[[int], float]) -> list[TargetRow]:
    """The target rows of ``targets`` on the horizon of the validation context; ValueError naming the
    target, field and value if one cannot be used. ``capacity(t)`` is what ``min_fraction`` is a
    fraction of, ``upper(t)`` the highest level allowed at the end of step ``t``."""
    if not targets:
        return []
    index = horizon_index(info)
    step_minutes = pd.Timedelta(index.freq) / pd.Timedelta(minutes=1)
    ends = index + pd.Timedelta(minutes=step_minutes)
    end_minutes = np.asarray(ends.hour * 60 + ends.minute)
    rows = []
    for i, target in enumerate(targets):
        where = f"level_targets[{i}]"
        minutes = clock_minutes(target.time)
        if minutes is None:
            raise ValueError(f"{where}.time = {target.time!r}: not a clock time 'HH:MM' (00:00 to 24:00)")
        if minutes % step_minutes:
            raise ValueError(f"{where}.time = {target.time!r}: not on a step boundary ({step_minutes:g}-minute steps)")
        steps = np.flatnonzero(end_minutes == minutes % (24 * 60))
        if not steps.size:
            raise ValueError(f"{where}.time = {target.time!r}: no step of the horizon {index[0].isoformat()} .. "
                             f"{ends[-1].isoformat()} ends at that time")
        for t in steps.tolist():
            minimum = target.absolute if target.absolute is not None else target.min_fraction * capacity(t)
            if minimum > upper(t) + 1e-9 * max(1.0, upper(t)):
                field = f"min_{target.unit}" if target.absolute is not None else "min_fraction"
                value = target.absolute if target.absolute is not None else target.min_fraction
                unit = UNIT_TEXT[target.unit]
                raise ValueError(f"{where}.{field} = {value:g}: {minimum:g} {unit} is above the store's "
                                 f"highest level {upper(t):g} {unit} at {ends[t].isoformat()}")
            note = f": {target.note}" if target.note else ""
            rows.append(TargetRow(t, float(minimum), target.penalty, f"{where} ({ends[t].isoformat()}{note})"))
    return sorted(rows, key=lambda r: r.step)


def add_targets(block: pyo.Block, ctx, level: pyo.Var, rows: list[TargetRow], end_value: float,
                unit: str) -> list[tuple]:
    """The target constraints (``level_target``) and shortfalls (``target_shortfall_<unit>``) on
    ``block``; returns the cost terms: shortfall penalties and the end value."""
    cost = []
    if end_value:
        coef = np.zeros(ctx.n)
        coef[-1] = -end_value
        cost.append((coef, level))
    if not rows:
        return cost
    soft = [k for k, r in enumerate(rows) if r.penalty is not None]
    shortfall = pyo.Var(range(len(soft)), bounds=(0.0, None), doc=f"level short of its target [{unit}]")
    block.add_component(f"target_shortfall_{unit}", shortfall)
    slack = {k: shortfall[j] for j, k in enumerate(soft)}
    block.level_target = pyo.Constraint(range(len(rows)), rule=lambda b, k: (
        level[rows[k].step] + slack[k] >= rows[k].minimum if k in slack else level[rows[k].step] >= rows[k].minimum),
        doc="level targets at clock times")
    if soft:
        cost.append((np.array([rows[k].penalty for k in soft]), shortfall))
    return cost


def target_flows(block: pyo.Block, rows: list[TargetRow], n: int, unit: str) -> dict[str, np.ndarray]:
    """The soft targets' shortfall summed per step (zero where none is), if the store has soft targets."""
    soft = [r for r in rows if r.penalty is not None]
    if not soft:
        return {}
    out = np.zeros(n)
    var = getattr(block, f"target_shortfall_{unit}")
    for j, r in enumerate(soft):
        out[r.step] += pyo.value(var[j])
    return {f"target_shortfall_{unit}": out}


def needed_shortfall(r: TargetRow, level: np.ndarray) -> float:
    """How far the level at the target instant is below the target (0 if met)."""
    return max(0.0, r.minimum - float(level[r.step]))


def target_cost_cny(rows: list[TargetRow], level: np.ndarray, end_value: float) -> float:
    """Penalties of the soft targets' shortfalls minus the value of what is left at the end [CNY]."""
    return -end_value * float(level[-1]) + sum(r.penalty * needed_shortfall(r, level) for r in rows
                                               if r.penalty is not None)


def target_violations(name: str, rows: list[TargetRow], flows: dict[str, np.ndarray], level: np.ndarray, unit: str,
                      tol: float) -> list[str]:
    """Each hard target re-derived from the level; per step, the reported shortfall equals the soft
    targets' needed shortfalls (each is at least its own in the model, so the sum pins each)."""
    out, text = [], UNIT_TEXT[unit]
    reported = flows.get(f"target_shortfall_{unit}", np.zeros(len(level)))
    needed = np.zeros(len(level))
    for r in rows:
        if r.penalty is None and level[r.step] < r.minimum - tol:
            out.append(f"{name} {r.label}: level {level[r.step]:.6g} {text} is below the hard target "
                       f"{r.minimum:.6g} {text}")
        elif r.penalty is not None:
            needed[r.step] += needed_shortfall(r, level)
    gap = np.abs(reported - needed)
    if (gap > tol).any():
        t = int(np.argmax(gap))
        out.append(f"{name}.target_shortfall_{unit} at step {t} is {reported[t]:.6g} {text}, but the level "
                   f"{level[t]:.6g} {text} is short of its soft targets by {needed[t]:.6g} {text}")
    return out


def target_report(name: str, rows: list[TargetRow], level: np.ndarray, unit: str) -> list[dict]:
    """Each target instant with its level, minimum and shortfall, for summary.json."""
    return [{"asset": name, "target": r.label, "minimum": r.minimum, "level": float(level[r.step]),
             "unit": UNIT_TEXT[unit], "hard": r.penalty is None, "penalty_cny_per_unit": r.penalty,
             "shortfall": needed_shortfall(r, level)} for r in rows]


def level_target_summary(assets, flows_of: Callable[[str], dict[str, np.ndarray]]) -> list[dict]:
    """Every store's targets (:func:`target_report`); stores name their level flow and unit in
    ``target_level``."""
    out = []
    for asset in assets:
        rows = getattr(asset, "_target_rows", None)
        if rows:
            level_flow, unit = asset.target_level
            flows = flows_of(asset.name)
            out += target_report(asset.name, rows, flows[level_flow], unit)
    return out
