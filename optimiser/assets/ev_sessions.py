"""EV charging as individual sessions: each vehicle gets its own energy by its departure, optional V2G.

Notes
-----
Where :mod:`~optimiser.assets.ev_fleet` pools the plugged-in vehicles into one battery
(and so guarantees only the fleet's energy), this kind schedules every charging session
:math:`k` on its own. A session is a vehicle plugged in from ``arrival`` :math:`a_k` to
``departure`` :math:`b_k` (timezone-aware ISO-8601 timestamps) that must receive
``energy_kwh`` :math:`E_k` [kWh, into the battery] by the time it leaves.

**Partial steps.** A session plugged in for part of step :math:`t` (length
:math:`\\Delta t` [h]) may charge for that part only: its plugged fraction

.. math::

    f_{k,t} = |[a_k, b_k) \\cap [t_0 + t\\Delta t,\\; t_0 + (t+1)\\Delta t)| \\,/\\, \\Delta t \\in [0, 1]

scales its power limit, and the step-average powers are bounded by

.. math::

    0 \\le c_{k,t} \\le P_k f_{k,t}, \\qquad 0 \\le d_{k,t} \\le V_k f_{k,t}

with charging :math:`c_{k,t}` and V2G discharge :math:`d_{k,t}` [kW] at the bus,
:math:`P_k` [kW] (the session's ``max_power_kw``, default the asset's
``charger_power_kw``) and :math:`V_k` [kW] (``v2g_power_kw``, default :math:`P_k`; 0
unless the session takes part in V2G). Variables exist only on the pairs with
:math:`f_{k,t} > 0` (a sparse index), so a session never charges outside its window.

**Sessions cut by the horizon** (arriving before its start or leaving after its end)
are clipped to it and need their energy *pro rata* to plugged-in time: with
:math:`H_k` [h] the whole plugged-in time and :math:`h_k = \\Delta t \\sum_t f_{k,t}` [h]
the part inside the horizon, the requirement in the horizon is
:math:`R_k = E_k\\, h_k / H_k` [kWh]. The rule keeps a session that is feasible over its
whole window feasible in the horizon (its average charging rate is unchanged) and does
not push charging beyond the horizon's end. Sessions with no plugged-in time in the
horizon are ignored (not counted).

**Energy.** A charge-only session (no ``battery_kwh``, or the asset's ``v2g`` off) gets

.. math::

    \\eta_c\\, \\Delta t \\sum_t c_{k,t} + u_k = R_k

A V2G session (asset ``v2g: true`` and the session gives ``battery_kwh`` :math:`B_k` and
``arrival_energy_kwh`` :math:`e^0_k` [kWh]) has its own energy :math:`e_{k,t}` [kWh] at the
end of each plugged-in step:

.. math::

    e_{k,t} = e_{k,t-1} + \\Delta t\\,(\\eta_c c_{k,t} - d_{k,t} / \\eta_d), \\qquad
    0 \\le e_{k,t} \\le B_k, \\qquad e_{k,\\mathrm{last}} + u_k = L_k + R_k

starting from :math:`L_k = e^0_k + E_k \\max(0, t_0 - a_k) / H_k` at its first step in the
horizon (the pro-rata energy it had gained before the horizon; :math:`e^0_k` if it arrives
inside it). So :math:`e^0_k + E_k \\le B_k` is required. The requirement is an equality:
a session takes exactly its energy (it cannot dump energy at a negative price).

**Shortfall** :math:`u_k \\ge 0` [kWh] exists only with ``unserved_penalty_cny_per_kwh``
:math:`\\pi` [CNY/kWh]; otherwise :math:`u_k = 0` and validation rejects, before any model
is built, a session whose requirement exceeds what it can receive,
:math:`\\eta_c P_k h_k` [kWh]. (Validation checks each session on its own; sessions that
together need more than ``site_limit_kw`` allows make the model infeasible, and the solver
names ``session_energy`` and the bound of ``charge_kw``.) The flow ``unserved_kwh`` reports
:math:`u_k` at the step in which the session leaves (or the last step, if it leaves after
the horizon).

**Aggregate and site.** Per step :math:`C_t = \\sum_k c_{k,t}` (flow ``charge_kw``) and
:math:`D_t = \\sum_k d_{k,t}` (flow ``v2g_kw``) [kW] are variables tied to the sessions by
equality constraints; ``site_limit_kw`` :math:`S` (the chargers' transformer) bounds
:math:`C_t \\le S` and :math:`D_t \\le S`. Injection into the electricity bus
:math:`D_t - C_t` [kW]. Cost [CNY]: :math:`\\sum_t \\kappa\\, \\Delta t\\, D_t + \\pi \\sum_k u_k`
with :math:`\\kappa` (``degradation_cost_cny_per_kwh``, per kWh discharged).

**Simultaneous flows.** A session that charges and discharges in the same step only burns
energy (worth it at a negative price). Each plugged-in step of a V2G session is an
:class:`~optimiser.assets.base.Exclusive` pair (a status :math:`z_{k,t}` with
:math:`c_{k,t} \\le P_k f_{k,t} z_{k,t}`, :math:`d_{k,t} \\le V_k f_{k,t} (1 - z_{k,t})` where
the seam adds one); the check reports such
steps (``simultaneous_flow_steps`` reads the per-session schedule). Different sessions may
flow in opposite directions in one step (one car leaving at the peak charges while another
feeds back): that is physical, so it is not forbidden and the aggregates :math:`C_t` and
:math:`D_t` may both be positive.

**Per-session results.** The result Dataset is keyed by time, so it holds the aggregates
only (``charge_kw``, ``v2g_kw`` if ``v2g``, ``connected_sessions`` [1], the plugged-in
power limit ``connected_power_kw``, ``unserved_kwh`` if soft). ``flows`` also keeps the
per-session schedule on the asset (private attribute ``_solution``, a
:class:`SessionSolution`); ``check`` re-derives every session's limits, window, energy and
V2G levels from it, and verifies that the aggregates are its sums. :meth:`EVSessions.session_table`
gives one row per session (required, delivered, unserved kWh).

A session list is given inline (``sessions``) or as a CSV file (``sessions_csv``, relative to
the scenario file, one row per session with the session fields as columns; blank cells take
the defaults). The CSV is read through the scenario's series context, so it counts in the
scenario's SHA-256 like series CSV files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Literal

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, ValidationInfo, field_validator, model_validator
from pyomo.core.expr.numeric_expr import LinearExpression

from .base import AssetBase, BuildContext, Exclusive, Ports, Side, both_above, bound_violations, values
from .shiftable_load import horizon_index

_NS_PER_H = 3_600_000_000_000


class EVSession(BaseModel):
    """One vehicle's charging session (see module doc)."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=80, description="unique session id (vehicle, booking)")
    arrival: datetime = Field(description="plug-in time, with a UTC offset, e.g. 2026-07-15T08:30:00+08:00")
    departure: datetime = Field(description="plug-out time, with a UTC offset; after arrival")
    energy_kwh: float = Field(ge=0, allow_inf_nan=False, description="energy to deliver into the battery by departure [kWh]")
    max_power_kw: float | None = Field(None, ge=0, allow_inf_nan=False,
                                       description="charging power limit at the bus [kW]; default: the asset's charger_power_kw")
    battery_kwh: float | None = Field(None, gt=0, allow_inf_nan=False,
                                      description="battery capacity [kWh]; with arrival_energy_kwh, makes the session V2G-capable")
    arrival_energy_kwh: float | None = Field(None, ge=0, allow_inf_nan=False,
                                             description="energy in the battery at arrival [kWh]")

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, value):
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @model_validator(mode="after")
    def _consistent(self) -> "EVSession":
        for label, moment in (("arrival", self.arrival), ("departure", self.departure)):
            if moment.tzinfo is None or moment.utcoffset() is None:
                raise ValueError(f"session '{self.id}': {label} {moment.isoformat()} is timezone-naive; "
                                 f"give an offset, e.g. {moment.isoformat()}+08:00")
        if self.departure <= self.arrival:
            raise ValueError(f"session '{self.id}': departure {self.departure.isoformat()} is not after its "
                             f"arrival {self.arrival.isoformat()}")
        if (self.battery_kwh is None) != (self.arrival_energy_kwh is None):
            raise ValueError(f"session '{self.id}': give battery_kwh and arrival_energy_kwh together")
        if self.battery_kwh is not None and self.arrival_energy_kwh + self.energy_kwh > self.battery_kwh + 1e-9:
            raise ValueError(f"session '{self.id}': arrival_energy_kwh {self.arrival_energy_kwh:g} + energy_kwh "
                             f"{self.energy_kwh:g} = {self.arrival_energy_kwh + self.energy_kwh:g} kWh exceeds "
                             f"battery_kwh {self.battery_kwh:g}")
        return self


@dataclass
class SessionSolution:
    """The per-session schedule of a solution, kept by :meth:`EVSessions.flows` for ``check``.

    Rows follow ``ids`` (the sessions in the horizon), columns the steps; zero where a
    session is not plugged in.
    """

    ids: list[str]
    charge_kw: np.ndarray
    """charging at the bus per session and step [kW]"""
    v2g_kw: np.ndarray
    """V2G discharge at the bus per session and step [kW]"""
    unserved_kwh: np.ndarray
    """shortfall per session [kWh]"""


def _read_sessions_csv(relative: str, info: ValidationInfo) -> list[EVSession]:
    """Sessions from a CSV file relative to the scenario file (one row per session)."""
    context = (info.context or {}).get("series")
    if context is None:
        raise ValueError("sessions_csv needs the scenario folder: load scenarios with optimiser.scenario.load_scenario")
    path = context.input_file(relative)  # recorded for the scenario's SHA-256
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except Exception as exc:  # pandas raises many kinds of parse errors
        raise ValueError(f"CSV file '{relative}' cannot be read: {exc}") from None
    known = set(EVSession.model_fields)
    unknown = [str(c) for c in frame.columns if str(c).strip() not in known]
    if unknown:
        raise ValueError(f"sessions_csv '{relative}' has unknown column '{unknown[0]}' (known: {', '.join(EVSession.model_fields)})")
    sessions = []
    for row_number, row in enumerate(frame.to_dict("records")):
        record = {str(k).strip(): v.strip() for k, v in row.items() if str(v).strip() != ""}
        try:
            sessions.append(EVSession.model_validate(record))
        except ValidationError as exc:
            error = exc.errors()[0]
            where = f"sessions_csv '{relative}' line {row_number + 2}"
            reason = error["msg"].removeprefix("Value error, ")
            if error["loc"]:
                field = ".".join(map(str, error["loc"]))
                raise ValueError(f"{where} (session '{record.get('id', '?')}'): {field}: {reason}") from None
            raise ValueError(f"{where}: {reason}") from None
    return sessions


class EVSessions(AssetBase):
    """EV charging sessions, each with its own energy requirement, optional V2G (see module doc)."""

    kind: Literal["ev_sessions"]
    supply_flows: ClassVar[tuple[str, ...]] = ("v2g_kw",)
    sessions: list[EVSession] | None = Field(None, description="the charging sessions (or sessions_csv)")
    sessions_csv: str | None = Field(
        None, description="CSV file of sessions relative to the scenario file, one row per session, columns as the "
        "session fields (id, arrival, departure, energy_kwh, max_power_kw, battery_kwh, arrival_energy_kwh)")
    charger_power_kw: float = Field(gt=0, description="charging power limit of a session at the bus [kW] unless it "
                                                      "gives max_power_kw")
    site_limit_kw: float | None = Field(None, ge=0, description="limit on the sum of the sessions' charging (and of their "
                                                                "V2G discharge) [kW]: the chargers' transformer")
    charge_efficiency: float = Field(0.95, gt=0, le=1, description="bus-to-battery efficiency [-]")
    v2g: bool = Field(False, description="sessions that give battery_kwh and arrival_energy_kwh may discharge to the bus")
    v2g_power_kw: float | None = Field(None, ge=0, description="V2G discharge limit of a session at the bus [kW]; "
                                                               "default: its charging limit")
    discharge_efficiency: float = Field(0.95, gt=0, le=1, description="battery-to-bus efficiency [-]")
    degradation_cost_cny_per_kwh: float = Field(0.0, ge=0, description="battery wear per kWh discharged by V2G [CNY/kWh]")
    unserved_penalty_cny_per_kwh: float | None = Field(
        None, ge=0, description="price of each kWh a session does not get [CNY/kWh]; default: every session must get "
        "its energy (validation rejects one that cannot)")

    flow_units: ClassVar[dict[str, str]] = {"connected_sessions": "1"}

    _sessions: list[EVSession] = PrivateAttr(default_factory=list)
    _dt_h: float = PrivateAttr(1.0)
    _tz: object = PrivateAttr(None)
    _ids: list[str] = PrivateAttr(default_factory=list)
    _fraction: np.ndarray = PrivateAttr(None)
    _power_kw: np.ndarray = PrivateAttr(None)
    _v2g_kw: np.ndarray = PrivateAttr(None)
    _required_kwh: np.ndarray = PrivateAttr(None)
    _start_energy_kwh: np.ndarray = PrivateAttr(None)
    _battery_kwh: np.ndarray = PrivateAttr(None)
    _is_v2g: np.ndarray = PrivateAttr(None)
    _last_step: np.ndarray = PrivateAttr(None)
    _in_horizon: list[EVSession] = PrivateAttr(default_factory=list)
    _solution: SessionSolution | None = PrivateAttr(None)

    @model_validator(mode="after")
    def _resolve_sessions(self, info: ValidationInfo) -> "EVSessions":
        if (self.sessions is None) == (self.sessions_csv is None):
            raise ValueError("give exactly one of sessions and sessions_csv")
        if self.v2g_power_kw is not None and not self.v2g:
            raise ValueError("v2g_power_kw needs v2g: true")
        index = horizon_index(info)
        self._sessions = list(self.sessions) if self.sessions is not None else _read_sessions_csv(self.sessions_csv, info)
        seen = set()
        for s in self._sessions:
            if s.id in seen:
                raise ValueError(f"session id '{s.id}' appears twice")
            seen.add(s.id)
        self._plan(index)
        if self.unserved_penalty_cny_per_kwh is None:
            most = self.max_deliverable_kwh()
            for k, s in enumerate(self._in_horizon):
                need = self._required_kwh[k]
                if need > most[k] + 1e-9 * max(1.0, need):
                    hours = self._fraction[k].sum() * self._dt_h
                    raise ValueError(
                        f"session '{s.id}' needs {need:.6g} kWh in the horizon but can receive at most {most[k]:.6g} kWh "
                        f"({self._power_kw[k]:g} kW for {hours:.6g} h plugged in, charge_efficiency {self.charge_efficiency:g}); "
                        "lower its energy_kwh, raise its max_power_kw or set unserved_penalty_cny_per_kwh")
        return self

    def _plan(self, index: pd.DatetimeIndex) -> None:
        """Plugged fractions, limits and pro-rata requirements of the sessions in the horizon."""
        n = len(index)
        step = pd.Timedelta(index.freq) if index.freq is not None else pd.Timedelta(index[1] - index[0])
        step_ns = int(step.value)
        edges = index[0].value + step_ns * np.arange(n + 1, dtype=np.int64)  # step boundaries [ns since epoch]
        kept, fraction, power, v2g_power, required, start, battery, is_v2g, last = ([] for _ in range(9))
        for s in self._sessions:
            a, b = pd.Timestamp(s.arrival).value, pd.Timestamp(s.departure).value
            overlap = np.clip(np.minimum(b, edges[1:]) - np.maximum(a, edges[:-1]), 0, None)  # [ns] per step
            inside, total = int(overlap.sum()), b - a
            if inside == 0:
                continue  # not plugged in during the horizon
            before = min(max(int(edges[0]) - a, 0), total)  # plugged-in time before the horizon [ns]
            v2g = self.v2g and s.battery_kwh is not None
            p = self.charger_power_kw if s.max_power_kw is None else s.max_power_kw
            kept.append(s)
            fraction.append(overlap / step_ns)
            power.append(p)
            v2g_power.append((p if self.v2g_power_kw is None else self.v2g_power_kw) if v2g else 0.0)
            required.append(s.energy_kwh if inside == total else s.energy_kwh * inside / total)
            start.append(s.arrival_energy_kwh + s.energy_kwh * before / total if v2g else np.nan)
            battery.append(s.battery_kwh if v2g else np.nan)
            is_v2g.append(v2g)
            last.append(int(np.flatnonzero(overlap)[-1]))
        self._dt_h = step_ns / _NS_PER_H
        self._tz = index.tz
        self._in_horizon = kept
        self._ids = [s.id for s in kept]
        self._fraction = np.array(fraction, dtype=float).reshape(len(kept), n)
        self._power_kw = np.array(power, dtype=float)
        self._v2g_kw = np.array(v2g_power, dtype=float)
        self._required_kwh = np.array(required, dtype=float)
        self._start_energy_kwh = np.array(start, dtype=float)
        self._battery_kwh = np.array(battery, dtype=float)
        self._is_v2g = np.array(is_v2g, dtype=bool)
        self._last_step = np.array(last, dtype=int)

    # --- derived inputs ---------------------------------------------------------------
    def plugged_fraction(self) -> np.ndarray:
        """Plugged-in fraction of each step per session in the horizon [-], shape (sessions, steps)."""
        return self._fraction

    def charge_limits_kw(self) -> np.ndarray:
        """Charging limit per session and step [kW] (the power limit times the plugged fraction)."""
        return self._power_kw[:, None] * self._fraction

    def v2g_limits_kw(self) -> np.ndarray:
        """V2G discharge limit per session and step [kW] (0 for charge-only sessions)."""
        return self._v2g_kw[:, None] * self._fraction

    def aggregate_limits_kw(self) -> tuple[np.ndarray, np.ndarray]:
        """Upper bounds of the per-step charging and V2G sums [kW] (plugged-in limits, capped by the site)."""
        site = np.inf if self.site_limit_kw is None else self.site_limit_kw
        n = self._fraction.shape[1]
        charge = self.charge_limits_kw().sum(axis=0) if len(self._ids) else np.zeros(n)
        v2g = self.v2g_limits_kw().sum(axis=0) if len(self._ids) else np.zeros(n)
        return np.minimum(charge, site), np.minimum(v2g, site)

    def max_deliverable_kwh(self) -> np.ndarray:
        """Most energy each session can receive into its battery in the horizon [kWh]."""
        return self.charge_efficiency * self._dt_h * self.charge_limits_kw().sum(axis=1)

    def _unserved_by_step(self, unserved_kwh: np.ndarray, n: int) -> np.ndarray:
        return np.bincount(self._last_step, weights=unserved_kwh, minlength=n).astype(float)

    # --- model --------------------------------------------------------------------------
    def build(self, block: pyo.Block, ctx: BuildContext) -> Ports:
        dt, eta_c, inv_eta_d = ctx.dt_h, self.charge_efficiency, 1.0 / self.discharge_efficiency
        ids, fraction = self._ids, self._fraction
        cap_c, cap_d = self.charge_limits_kw(), self.v2g_limits_kw()
        agg_c, agg_d = (a.tolist() for a in self.aggregate_limits_kw())
        k_of, t_of = np.nonzero(fraction)  # row-major: by session, then by step
        pairs = [(ids[k], t) for k, t in zip(k_of.tolist(), t_of.tolist())]
        by_session: dict[str, list[int]] = {s: [] for s in ids}
        by_step: list[list[str]] = [[] for _ in range(ctx.n)]
        for s, t in pairs:
            by_session[s].append(t)
            by_step[t].append(s)
        position = {s: k for k, s in enumerate(ids)}

        block.sessions = pyo.Set(initialize=ids, ordered=True, doc="sessions in the horizon")
        block.plugged = pyo.Set(initialize=pairs, dimen=2, ordered=True, doc="(session, step) pairs plugged in")
        upper_c = {(ids[k], t): float(cap_c[k, t]) for k, t in zip(k_of.tolist(), t_of.tolist())}
        block.session_charge_kw = pyo.Var(block.plugged, bounds=lambda _, s, t: (0.0, upper_c[s, t]),
                                          doc="charging of a session from the bus [kW]")
        block.charge_kw = pyo.Var(ctx.steps, bounds=lambda _, t: (0.0, agg_c[t]), doc="charging of all sessions [kW]")
        block.charge_sum = pyo.Constraint(ctx.steps, rule=lambda b, t: LinearExpression(
            constant=0.0, linear_coefs=[1.0] * len(by_step[t]) + [-1.0],
            linear_vars=[b.session_charge_kw[s, t] for s in by_step[t]] + [b.charge_kw[t]]) == 0,
            doc="aggregate charging is the sum of the sessions'")

        v2g_ids = [s for k, s in enumerate(ids) if self._is_v2g[k]]
        if self.v2g:
            v2g_pairs = [(s, t) for s in v2g_ids for t in by_session[s]]
            upper_d = {(s, t): float(cap_d[position[s], t]) for s, t in v2g_pairs}
            block.v2g_plugged = pyo.Set(initialize=v2g_pairs, dimen=2, ordered=True, doc="plugged pairs of V2G sessions")
            block.session_v2g_kw = pyo.Var(block.v2g_plugged, bounds=lambda _, s, t: (0.0, upper_d[s, t]),
                                           doc="V2G discharge of a session to the bus [kW]")
            level = {s: (0.0, float(self._battery_kwh[position[s]])) for s in v2g_ids}
            block.session_energy_kwh = pyo.Var(block.v2g_plugged, bounds=lambda _, s, t: level[s],
                                               doc="energy in a V2G session's battery at the end of the step [kWh]")
            block.v2g_kw = pyo.Var(ctx.steps, bounds=lambda _, t: (0.0, agg_d[t]), doc="V2G discharge of all sessions [kW]")
            v2g_by_step: list[list[str]] = [[] for _ in range(ctx.n)]
            for s, t in v2g_pairs:
                v2g_by_step[t].append(s)
            block.v2g_sum = pyo.Constraint(ctx.steps, rule=lambda b, t: LinearExpression(
                constant=0.0, linear_coefs=[1.0] * len(v2g_by_step[t]) + [-1.0],
                linear_vars=[b.session_v2g_kw[s, t] for s in v2g_by_step[t]] + [b.v2g_kw[t]]) == 0,
                doc="aggregate V2G is the sum of the sessions'")
            previous: dict[tuple[str, int], int | None] = {}  # the session's previous plugged-in step
            for s in v2g_ids:
                steps = by_session[s]
                previous.update({(s, t): (steps[i - 1] if i else None) for i, t in enumerate(steps)})
            start = {s: float(self._start_energy_kwh[position[s]]) for s in v2g_ids}

            def continuity(b, s, t):
                before = previous[s, t]
                coefs, variables = [1.0, -eta_c * dt, inv_eta_d * dt], [b.session_energy_kwh[s, t],
                                                                          b.session_charge_kw[s, t], b.session_v2g_kw[s, t]]
                if before is not None:
                    coefs.append(-1.0)
                    variables.append(b.session_energy_kwh[s, before])
                return LinearExpression(constant=0.0, linear_coefs=coefs, linear_vars=variables) == (
                    start[s] if before is None else 0.0)

            block.session_energy_balance = pyo.Constraint(block.v2g_plugged, rule=continuity,
                                                          doc="energy continuity of each V2G session")

        soft = self.unserved_penalty_cny_per_kwh is not None
        if soft:
            required = {s: float(self._required_kwh[k]) for k, s in enumerate(ids)}
            block.session_unserved_kwh = pyo.Var(block.sessions, bounds=lambda _, s: (0.0, required[s]),
                                                 doc="energy a session does not get [kWh]")
            leaving: list[list[str]] = [[] for _ in range(ctx.n)]
            for k, s in enumerate(ids):
                leaving[int(self._last_step[k])].append(s)
            most = self._unserved_by_step(self._required_kwh, ctx.n).tolist()
            block.unserved_kwh = pyo.Var(ctx.steps, bounds=lambda _, t: (0.0, most[t]),
                                         doc="energy not delivered to the sessions leaving in the step [kWh]")
            block.unserved_sum = pyo.Constraint(ctx.steps, rule=lambda b, t: LinearExpression(
                constant=0.0, linear_coefs=[1.0] * len(leaving[t]) + [-1.0],
                linear_vars=[b.session_unserved_kwh[s] for s in leaving[t]] + [b.unserved_kwh[t]]) == 0)

        def requirement(b, s):
            k = position[s]
            target = float(self._required_kwh[k])
            if self._is_v2g[k]:
                coefs, variables = [1.0], [b.session_energy_kwh[s, by_session[s][-1]]]
                target += float(self._start_energy_kwh[k])
            else:
                coefs = [eta_c * dt] * len(by_session[s])
                variables = [b.session_charge_kw[s, t] for t in by_session[s]]
            if soft:
                coefs.append(1.0)
                variables.append(b.session_unserved_kwh[s])
            return LinearExpression(constant=0.0, linear_coefs=coefs, linear_vars=variables) == target

        block.session_energy = pyo.Constraint(block.sessions, rule=requirement,
                                              doc="each session gets its energy by departure [kWh]")

        ports = Ports(electric=[(-1.0, block.charge_kw)])
        if self.v2g and v2g_ids:
            both = [(s, t) for s, t in v2g_pairs if upper_c[s, t] > 0 and upper_d[s, t] > 0]
            ports.exclusive.append(Exclusive(
                f"{self.name} session charge/V2G",
                Side.of([block.session_charge_kw[p] for p in both], [upper_c[p] for p in both]),
                Side.of([block.session_v2g_kw[p] for p in both], [upper_d[p] for p in both])))
        if self.v2g:
            ports.electric.append((1.0, block.v2g_kw))
            if self.degradation_cost_cny_per_kwh:
                ports.cost.append((self.degradation_cost_cny_per_kwh * dt, block.v2g_kw))
        if soft and self.unserved_penalty_cny_per_kwh:
            ports.cost.append((self.unserved_penalty_cny_per_kwh, block.unserved_kwh))
        return ports

    def flows(self, block: pyo.Block, ctx: BuildContext) -> dict[str, np.ndarray]:
        """Aggregate flows; also keeps the per-session schedule in ``self._solution`` for ``check``."""
        m, n = self._fraction.shape
        position = {s: k for k, s in enumerate(self._ids)}
        charge, v2g, unserved = np.zeros((m, n)), np.zeros((m, n)), np.zeros(m)
        for (s, t), var in block.session_charge_kw.items():
            charge[position[s], t] = var.value or 0.0
        if self.v2g:
            for (s, t), var in block.session_v2g_kw.items():
                v2g[position[s], t] = var.value or 0.0
        soft = self.unserved_penalty_cny_per_kwh is not None
        if soft:
            for s, var in block.session_unserved_kwh.items():
                unserved[position[s]] = var.value or 0.0
        self._solution = SessionSolution(ids=list(self._ids), charge_kw=charge, v2g_kw=v2g, unserved_kwh=unserved)
        out = {"charge_kw": values(block.charge_kw)}
        if self.v2g:
            out["v2g_kw"] = values(block.v2g_kw)
        out["connected_sessions"] = np.count_nonzero(self._fraction, axis=0).astype(float)
        out["connected_power_kw"] = self.charge_limits_kw().sum(axis=0) if m else np.zeros(n)
        if soft:
            out["unserved_kwh"] = values(block.unserved_kwh)
        return out

    # --- independent re-derivation from a solution ----------------------------------------
    def net_injection_kw(self, flows: dict[str, np.ndarray]) -> np.ndarray:
        return flows.get("v2g_kw", 0.0) - flows["charge_kw"]

    def check(self, flows: dict[str, np.ndarray], dt_h: float, tol: float) -> list[str]:
        name, c = self.name, flows["charge_kw"]
        n = len(c)
        agg_c, agg_d = self.aggregate_limits_kw()
        out = bound_violations(name, "charge_kw", c, 0.0, agg_c, tol)
        d = flows.get("v2g_kw", np.zeros(n))
        out += bound_violations(name, "v2g_kw", d, 0.0, agg_d, tol)
        connected = self.charge_limits_kw().sum(axis=0) if self._ids else np.zeros(n)
        if np.abs(flows["connected_power_kw"] - connected).max(initial=0.0) > tol:
            out.append(f"{name}.connected_power_kw does not match the sessions' plugged-in power limits")
        soft = self.unserved_penalty_cny_per_kwh is not None
        sol = self._solution
        if sol is None or sol.ids != self._ids or sol.charge_kw.shape != self._fraction.shape:
            out.append(f"{name}: no per-session schedule to check (flows() of this asset did not produce these flows)")
            return out
        cap_c, cap_d, plugged = self.charge_limits_kw(), self.v2g_limits_kw(), self._fraction > 0
        for label, x, cap in (("charges", sol.charge_kw, cap_c), ("discharges", sol.v2g_kw, cap_d)):
            outside = np.where(plugged, 0.0, np.abs(x))
            if (outside > tol).any():
                k, t = np.unravel_index(int(np.argmax(outside)), x.shape)
                out.append(f"session '{sol.ids[k]}' {label} {x[k, t]:.6g} kW outside its plugged-in time at step {t}")
            over = np.where(plugged, x - cap, 0.0)
            if (over > tol).any():
                k, t = np.unravel_index(int(np.argmax(over)), x.shape)
                out.append(f"session '{sol.ids[k]}' {label} {x[k, t]:.6g} kW at step {t}, above its limit {cap[k, t]:.6g} kW")
            if (x < -tol).any():
                k, t = np.unravel_index(int(np.argmin(x)), x.shape)
                out.append(f"session '{sol.ids[k]}' {label} a negative {x[k, t]:.6g} kW at step {t}")
        for label, total, x in (("charge_kw", c, sol.charge_kw), ("v2g_kw", d, sol.v2g_kw)):
            gap = np.abs(total - x.sum(axis=0))
            if (gap > tol).any():
                t = int(np.argmax(gap))
                out.append(f"{name}.{label} is not the sum of its sessions' "
                           f"{'charging' if label == 'charge_kw' else 'V2G'} at step {t}: "
                           f"{total[t]:.6g} kW, sessions {x[:, t].sum():.6g} kW")
        if self.site_limit_kw is not None:
            for label, x in (("charging", sol.charge_kw.sum(axis=0)), ("V2G", sol.v2g_kw.sum(axis=0))):
                if (x > self.site_limit_kw + tol).any():
                    t = int(np.argmax(x))
                    out.append(f"{name} sessions' {label} {x[t]:.6g} kW exceeds site_limit_kw {self.site_limit_kw:g} at step {t}")
        net_kw = self.charge_efficiency * sol.charge_kw - sol.v2g_kw / self.discharge_efficiency
        delivered = dt_h * net_kw.sum(axis=1)
        steps = plugged.sum(axis=1)
        for k, s in enumerate(sol.ids):
            energy_tol = tol * dt_h * (steps[k] + 1)
            need, u = self._required_kwh[k], sol.unserved_kwh[k]
            if abs(delivered[k] + u - need) > energy_tol:
                out.append(f"session '{s}' receives {delivered[k]:.6g} kWh in the horizon, required {need:.6g} kWh "
                           f"(unserved {u:.6g} kWh)")
            if u < -energy_tol or u > need + energy_tol or (not soft and abs(u) > energy_tol):
                out.append(f"session '{s}' has unserved energy {u:.6g} kWh outside [0, {need if soft else 0:.6g}]")
            if self._is_v2g[k]:
                level = self._start_energy_kwh[k] + dt_h * np.cumsum(net_kw[k])
                inside = level[plugged[k]]
                low, high = inside.min(), inside.max()
                if low < -energy_tol or high > self._battery_kwh[k] + energy_tol:
                    t = int(np.flatnonzero(plugged[k])[np.argmin(inside) if low < -energy_tol else np.argmax(inside)])
                    out.append(f"session '{s}' battery holds {level[t]:.6g} kWh at step {t}, outside "
                               f"[0, {self._battery_kwh[k]:.6g}] kWh")
        if soft:
            expected = self._unserved_by_step(sol.unserved_kwh, n)
            gap = np.abs(flows["unserved_kwh"] - expected)
            if (gap > tol).any():
                t = int(np.argmax(gap))
                out.append(f"{name}.unserved_kwh = {flows['unserved_kwh'][t]:.6g} at step {t} is not the sessions' "
                           f"unserved energy leaving then, {expected[t]:.6g} kWh")
        for k in np.flatnonzero(self._is_v2g):
            both = both_above(sol.charge_kw[k], sol.v2g_kw[k], tol)
            if both.size:
                out.append(f"session '{sol.ids[k]}' charges and discharges at once at {both.size} steps "
                           f"(first step {both[0]})")
        return out

    def simultaneous_flow_steps(self, flows: dict[str, np.ndarray], tol: float) -> np.ndarray:
        """Steps at which some session charges and discharges at once (from the per-session schedule
        kept by ``flows``; from the aggregates if there is none)."""
        if "v2g_kw" not in flows:
            return np.zeros(0, dtype=int)
        sol = self._solution
        if sol is None or sol.ids != self._ids or len(flows["charge_kw"]) != sol.charge_kw.shape[1]:
            return both_above(flows["charge_kw"], flows["v2g_kw"], tol)
        steps = [both_above(sol.charge_kw[k], sol.v2g_kw[k], tol) for k in np.flatnonzero(self._is_v2g)]
        return np.unique(np.concatenate(steps)) if steps else np.zeros(0, dtype=int)

    def cost_cny(self, flows: dict[str, np.ndarray], dt_h: float) -> float:
        cost = self.degradation_cost_cny_per_kwh * dt_h * float(flows.get("v2g_kw", np.zeros(1)).sum())
        if self.unserved_penalty_cny_per_kwh:
            cost += self.unserved_penalty_cny_per_kwh * float(flows["unserved_kwh"].sum())
        return float(cost)

    def totals(self, flows: dict[str, np.ndarray], dt_h: float) -> dict[str, float]:
        v2g = flows.get("v2g_kw", np.zeros(1))
        return {"ev_charged_kwh": float(dt_h * flows["charge_kw"].sum()),
                "ev_v2g_kwh": float(dt_h * v2g.sum()),
                "ev_unserved_kwh": float(flows["unserved_kwh"].sum()) if "unserved_kwh" in flows else 0.0,
                "ev_sessions": float(len(self._ids)),
                "ev_degradation_cost_cny": float(self.degradation_cost_cny_per_kwh * dt_h * v2g.sum())}

    # --- per-session report -----------------------------------------------------------------
    def detail_tables(self) -> dict[str, pd.DataFrame]:
        return {"sessions": self.session_table()}

    def session_table(self) -> pd.DataFrame:
        """One row per session in the horizon: id, arrival, departure (park time), energy_kwh (the
        whole session's), required_kwh (pro rata in the horizon), max_deliverable_kwh, and from the
        last solution delivered_kwh (net into the battery), v2g_kwh (fed back at the bus) and
        unserved_kwh (NaN before a solve)."""
        table = pd.DataFrame({
            "id": self._ids,
            "arrival": [pd.Timestamp(s.arrival).tz_convert(self._tz) for s in self._in_horizon],
            "departure": [pd.Timestamp(s.departure).tz_convert(self._tz) for s in self._in_horizon],
            "energy_kwh": [s.energy_kwh for s in self._in_horizon],
            "required_kwh": self._required_kwh,
            "max_deliverable_kwh": self.max_deliverable_kwh() if self._ids else np.zeros(0),
        })
        sol = self._solution
        if sol is None or sol.ids != self._ids:
            for column in ("delivered_kwh", "v2g_kwh", "unserved_kwh"):
                table[column] = np.nan
            return table
        net = self.charge_efficiency * sol.charge_kw - sol.v2g_kw / self.discharge_efficiency
        table["delivered_kwh"] = self._dt_h * net.sum(axis=1)
        table["v2g_kwh"] = self._dt_h * sol.v2g_kw.sum(axis=1)
        table["unserved_kwh"] = sol.unserved_kwh
        return table
