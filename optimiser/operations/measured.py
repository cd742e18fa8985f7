"""``intraday --measured STATE.json``: the state at ``--at`` from measurements instead of the stored schedule.

Format (every asset optional; ``time`` defaults to ``--at`` and must equal it)::

    {"time": "2026-07-15T12:00:00+08:00",
     "assets": {"lfp": {"soc_kwh": 4200}, "vrfb": {"soc_kwh": 9000}, "heat_tank": {"soc_kwh": 800},
                "h2_tank": {"level_kg": 320}, "ev_depot": {"energy_kwh": 510},
                "stack": {"on": true, "hours": 3.5}, "chp": {"on": false, "hours": 0.5},
                "depot": {"sessions": {"car-17": {"delivered_kwh": 20}, "van-3": {"needed_kwh": 7.5}}}}}

* A store's level (``soc_kwh`` for batteries, flow batteries and thermal storage, ``level_kg``
  for hydrogen tanks, ``energy_kwh`` for EV fleets) replaces the level the dispatched past leads
  to: the past stays as dispatched and the level jumps at ``--at`` by the difference (lost or
  gained energy nobody scheduled), the exogenous term of the store's continuity at the first
  re-optimised step (:meth:`optimiser.assets.level.LevelModel`, reported as the flow
  ``measured_change_<unit>``; the check re-derives it).
* An on/off unit's status (electrolyser, CHP with ``on_off``) and how long it has held it:
  the fixed past takes that status for the last ``hours`` (the step before them the other
  status), every other flow of those steps is re-optimised (the dispatched past is not what
  happened there: a trip, off and power 0, is made up by the grid or a store); held longer
  than the day so far, the day's initial status and hours are set from it, so minimum up and
  down times count from the measurement.

* EV charging sessions (``ev_sessions``): per plugged-in session id, the energy delivered into its
  battery since arrival or the energy it still needs; every session plugged in at ``--at`` must be
  given. From ``--at`` on each must get what it still needs, its earlier charging no longer counting
  toward it (:mod:`optimiser.assets.ev_session_state`, which also names what is wrong with one).

Validation before any solve, exit 2 naming the file, the field and the value: unknown asset, a
quantity the asset does not have, a level below zero or above the store's capacity, a time not
``--at``, in the future, not timezone-aware or not on a step boundary, hours below zero.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ScenarioError
from ..scenario import Scenario
from ..assets.ev_session_state import measure_sessions
from .horizon_end import STORES
from .state import _commits

UNIT_FIELDS = ("on", "hours")
SESSION_FIELDS = ("delivered_kwh", "needed_kwh")


@dataclass
class Measured:
    """Validated measurements: store levels {asset: level}, units {asset: (on, hours)}, EV sessions
    {asset: {session id: energy delivered since arrival [kWh]}}; ``source`` the file."""

    time: pd.Timestamp
    source: str = ""
    levels: dict[str, float] = field(default_factory=dict)
    units: dict[str, tuple[bool, float]] = field(default_factory=dict)
    sessions: dict[str, dict[str, float]] = field(default_factory=dict)


def _capacity(asset, k: int) -> float:
    if asset.kind == "hydrogen_storage":
        return asset.capacity_kg
    if asset.kind == "ev_fleet":
        return float(asset.max_energy_kwh[max(k - 1, 0)])
    return asset.energy_kwh


def read_measured(path: str | Path, scenario: Scenario, at: pd.Timestamp, now: pd.Timestamp | None = None) -> Measured:
    """Read and validate ``path`` against the day's ``scenario`` and ``--at`` (see module doc)."""
    where = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(f"--measured = {where}: cannot be read ({exc.strerror})") from None
    except ValueError as exc:
        raise ScenarioError(f"{where}: not JSON ({exc})") from None
    if not isinstance(data, dict) or set(data) - {"time", "assets"} or not isinstance(data.get("assets", {}), dict):
        raise ScenarioError(f"{where}: expected {{\"time\": ..., \"assets\": {{name: {{quantity: value}}}}}}")
    time = _time(where, data.get("time", at.isoformat()), scenario, at, now)
    out = Measured(time=time, source=where)
    by_name = {a.name: a for a in scenario.assets}
    index = scenario.index
    k = int(index.get_indexer([time.tz_convert(index.tz)])[0]) if time < index[-1] + pd.Timedelta(
        minutes=scenario.horizon.step_minutes) else len(index)
    for name, quantities in data.get("assets", {}).items():
        asset = by_name.get(name)
        if asset is None:
            raise ScenarioError(f"{where}: assets.{name}: no asset '{name}' in the scenario "
                                f"(assets: {', '.join(by_name)})")
        if not isinstance(quantities, dict):
            raise ScenarioError(f"{where}: assets.{name} = {quantities!r}: expected {{quantity: value}}")
        expected = (STORES[asset.kind][0],) if asset.kind in STORES else UNIT_FIELDS if _commits(asset) else (
            ("sessions",) if asset.kind == "ev_sessions" else ())
        if not expected:
            raise ScenarioError(f"{where}: assets.{name}: a {asset.kind} has no measurable state here "
                                "(stores: their level; electrolyser and on/off CHP: on, hours; ev_sessions: sessions)")
        for quantity, value in quantities.items():
            label = f"{where}: assets.{name}.{quantity}"
            if quantity not in expected:
                raise ScenarioError(f"{label}: unknown for a {asset.kind} (give {', '.join(expected)})")
            if quantity == "sessions":
                out.sessions[name] = _sessions(label, value, asset)
                continue
            if quantity == "on":
                if not isinstance(value, bool):
                    raise ScenarioError(f"{label} = {value!r}: expected true or false")
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ScenarioError(f"{label} = {value!r}: expected a finite number")
            if value < 0:
                raise ScenarioError(f"{label} = {value:g}: below zero")
            if asset.kind in STORES and value > _capacity(asset, k) * (1 + 1e-9):
                unit = "kg" if asset.kind == "hydrogen_storage" else "kWh"
                raise ScenarioError(f"{label} = {value:g}: above the capacity {_capacity(asset, k):g} {unit}")
        if asset.kind == "ev_sessions":
            if name not in out.sessions:
                raise ScenarioError(f"{where}: assets.{name}: give sessions")
        elif asset.kind in STORES:
            out.levels[name] = float(quantities[expected[0]]) if expected[0] in quantities else None
            if out.levels[name] is None:
                raise ScenarioError(f"{where}: assets.{name}: give {expected[0]}")
        else:
            missing = [f for f in UNIT_FIELDS if f not in quantities]
            if missing:
                raise ScenarioError(f"{where}: assets.{name}: give {' and '.join(missing)}")
            out.units[name] = (quantities["on"], float(quantities["hours"]))
    return out


def _sessions(label: str, value, asset) -> dict[str, float]:
    """``{id: {"delivered_kwh": x} or {"needed_kwh": y}}`` as energy delivered since arrival per session [kWh]."""
    if not isinstance(value, dict):
        raise ScenarioError(f"{label} = {value!r}: expected {{session id: {{delivered_kwh or needed_kwh: kWh}}}}")
    energy = {s.id: s.energy_kwh for s in asset._sessions}
    out = {}
    for sid, given in value.items():
        where = f"{label}.{sid}"
        if sid not in energy:
            raise ScenarioError(f"{where}: no session '{sid}' in {asset.name}")
        if not isinstance(given, dict) or len(given) != 1 or set(given) - set(SESSION_FIELDS):
            raise ScenarioError(f"{where} = {given!r}: give one of {' or '.join(SESSION_FIELDS)}")
        (quantity, kwh), = given.items()
        if isinstance(kwh, bool) or not isinstance(kwh, (int, float)) or not math.isfinite(kwh):
            raise ScenarioError(f"{where}.{quantity} = {kwh!r}: expected a finite number")
        if kwh < 0:
            raise ScenarioError(f"{where}.{quantity} = {kwh:g}: below zero")
        if kwh > energy[sid] * (1 + 1e-9):
            raise ScenarioError(f"{where}.{quantity} = {kwh:g}: above the session's energy_kwh {energy[sid]:g} kWh")
        out[sid] = float(kwh) if quantity == "delivered_kwh" else max(energy[sid] - float(kwh), 0.0)
    return out


def _time(where: str, text, scenario: Scenario, at: pd.Timestamp, now: pd.Timestamp | None) -> pd.Timestamp:
    label = f"{where}: time = {text!r}"
    try:
        time = pd.Timestamp(text)
    except (ValueError, TypeError):
        raise ScenarioError(f"{label}: not a timestamp") from None
    if time.tzinfo is None:
        raise ScenarioError(f"{label}: timezone-naive; give an offset, e.g. {at.isoformat()}")
    now = now or pd.Timestamp.now(tz="UTC")
    if time > now:
        raise ScenarioError(f"{label}: in the future (now {now.tz_convert(time.tz).isoformat(timespec='seconds')})")
    index = scenario.index
    offset = (time - index[0]) / pd.Timedelta(minutes=scenario.horizon.step_minutes)
    if abs(offset - round(offset)) > 1e-9:
        raise ScenarioError(f"{label}: not on a step boundary ({scenario.horizon.step_minutes} min steps from "
                            f"{index[0].isoformat()})")
    if time != at:
        raise ScenarioError(f"{label}: measurements are taken at --at {at.isoformat()}")
    return time


def apply_measured(measured: Measured, scenario: Scenario, schedule: pd.DataFrame,
                   k: int) -> tuple[Scenario, pd.DataFrame, list[str]]:
    """The day's scenario and the dispatched past with the measurements applied (see module doc);
    store jumps are set on the returned scenario's assets."""
    dt, flags, changes = scenario.horizon.dt_h, [], {}
    dispatched, schedule = schedule, schedule.copy()
    for name, (on, hours) in measured.units.items():
        n = min(k, int(round(hours / dt)))
        rewritten = slice(max(k - n - 1, 0), k)
        schedule.loc[schedule.index[rewritten], :] = np.nan  # those steps re-optimised for every asset
        schedule.loc[schedule.index[k - n:k], f"{name}_on"] = float(on)
        if k - n - 1 >= 0:
            schedule.loc[schedule.index[k - n - 1], f"{name}_on"] = float(not on)
        if n == k:  # held all day so far: the day starts in that status
            before = hours - k * dt
            changes[f"assets.{name}"] = {"initially_on": on, "initial_hours_on": None, "initial_hours_off": None,
                                         **({f"initial_hours_{'on' if on else 'off'}": before} if before > 0 else {})}
        flags.append(f"{name}: measured {'on' if on else 'off'} for {hours:g} h at {measured.time.isoformat()}")
    if changes:
        scenario = scenario.with_changes(changes)
    for asset in scenario.assets:
        if asset.name in measured.levels:
            level_flow = STORES[asset.kind][0]
            scheduled = float(dispatched[f"{asset.name}_{level_flow}"].iloc[k - 1]) if k else asset.initial_level
            keep = asset.level_model(dt).retention
            asset.measure_level(len(scenario.index), k, keep * (measured.levels[asset.name] - scheduled))
            flags.append(f"{asset.name}: measured {level_flow} {measured.levels[asset.name]:g} at "
                         f"{measured.time.isoformat()} (dispatched {scheduled:.6g})")
        if asset.name in measured.sessions:
            try:
                flags += measure_sessions(asset, k, measured.time, measured.sessions[asset.name])
            except ValueError as exc:
                raise ScenarioError(f"{measured.source}: assets.{asset.name}.{exc}") from None
    return scenario, schedule, flags


def carry_measured_changes(scenario: Scenario, schedule: pd.DataFrame, k: int, measured_now=()) -> None:
    """Set on the stores of ``scenario`` the measured level changes the stored ``schedule`` holds up to step
    ``k`` (its ``<store>_measured_change_<unit>`` column; before ``k`` only for the stores in ``measured_now``,
    measured again at ``k``): a later intraday run fixes the past's flows, and without them the levels would
    follow the flows alone, as if the earlier measurement had not happened."""
    n = len(scenario.index)
    for asset in scenario.assets:
        column = f"{asset.name}_measured_change_{STORES[asset.kind][1]}" if asset.kind in STORES else None
        if column not in schedule.columns:
            continue
        upto = k if asset.name in measured_now else min(k + 1, n)
        changes = np.nan_to_num(schedule[column].to_numpy(dtype=float)[:upto])
        for step in np.flatnonzero(changes):
            asset.measure_level(n, int(step), float(changes[step]))
