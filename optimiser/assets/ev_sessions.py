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
Every per-session array (fractions, limits, the solution) is stored per plugged pair
(:class:`~optimiser.assets.ev_session_input.PluggedSteps`): memory and build time grow
with the plugged pairs, not with sessions x steps.

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
a session takes exactly its energy (it cannot dump energy at a negative price). A session measured
intraday counts its pairs and level from the measurement on (:mod:`~.ev_session_state`).

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
:class:`SessionSolution`, one entry per (session, step) pair); ``check`` re-derives every session's limits, window, energy and
V2G levels from it, and verifies that the aggregates are its sums. :meth:`EVSessions.session_table`
gives one row per session (required, delivered, unserved kWh).

A session list is given inline (``sessions``) or as a CSV file (``sessions_csv``, relative to
the scenario file, one row per session with the session fields as columns; blank cells take
the defaults). The CSV is read through the scenario's series context, so it counts in the
scenario's SHA-256 like series CSV files.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from ..lazy import pd
from ..lazy import LinearExpression, pyo
from pydantic import Field, PrivateAttr, ValidationInfo, model_validator

from .base import (AssetBase, BuildContext, Exclusive, Ports, Side, both_above, bound_violations, set_upper_bounds,
                   sum_by_step_rule)
from .ev_session_input import EVSession, PluggedSteps, read_sessions_csv
from .ev_session_state import SessionSolution, check_energy
from .shiftable_load import horizon_index

__all__ = ["EVSession", "EVSessions", "PluggedSteps", "SessionSolution"]

_NS_PER_H = 3_600_000_000_000


def _values(var: pyo.Var) -> np.ndarray:
    """Solution values of an indexed variable in index order (0 where it has none)."""
    return np.fromiter((v.value or 0.0 for v in var.values()), dtype=float, count=len(var))


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
    _plugged: PluggedSteps = PrivateAttr(None)
    _arrival_ns: np.ndarray = PrivateAttr(None)
    _departure_ns: np.ndarray = PrivateAttr(None)
    _energy_kwh: np.ndarray = PrivateAttr(None)
    _power_kw: np.ndarray = PrivateAttr(None)
    _v2g_kw: np.ndarray = PrivateAttr(None)
    _required_kwh: np.ndarray = PrivateAttr(None)
    _start_energy_kwh: np.ndarray = PrivateAttr(None)
    _from_step: np.ndarray = PrivateAttr(None)  # first step counted toward the requirement (ev_session_state)
    _level_at_kwh: np.ndarray = PrivateAttr(None)  # V2G battery at _from_step (its start unless measured) [kWh]
    _measured: tuple | None = PrivateAttr(None)
    _battery_kwh: np.ndarray = PrivateAttr(None)
    _is_v2g: np.ndarray = PrivateAttr(None)
    _last_step: np.ndarray = PrivateAttr(None)
    _solution: SessionSolution | None = PrivateAttr(None)

    @model_validator(mode="after")
    def _resolve_sessions(self, info: ValidationInfo) -> "EVSessions":
        if (self.sessions is None) == (self.sessions_csv is None):
            raise ValueError("give exactly one of sessions and sessions_csv")
        if self.v2g_power_kw is not None and not self.v2g:
            raise ValueError("v2g_power_kw needs v2g: true")
        index = horizon_index(info)
        self._sessions = list(self.sessions) if self.sessions is not None else read_sessions_csv(self.sessions_csv, info)
        seen = set()
        for s in self._sessions:
            if s.id in seen:
                raise ValueError(f"session id '{s.id}' appears twice")
            seen.add(s.id)
        self._plan(index)
        if self.unserved_penalty_cny_per_kwh is None:
            need, most = self._required_kwh, self.max_deliverable_kwh()
            short = np.flatnonzero(need > most + 1e-9 * np.maximum(1.0, need))
            if short.size:
                k = int(short[0])
                hours = self._plugged.per_session(self._plugged.fraction)[k] * self._dt_h
                raise ValueError(
                    f"session '{self._ids[k]}' needs {need[k]:.6g} kWh in the horizon but can receive at most "
                    f"{most[k]:.6g} kWh ({self._power_kw[k]:g} kW for {hours:.6g} h plugged in, charge_efficiency "
                    f"{self.charge_efficiency:g}); lower its energy_kwh, raise its max_power_kw or set "
                    "unserved_penalty_cny_per_kwh")
        return self

    def _plan(self, index: pd.DatetimeIndex) -> None:
        """Plugged pairs, limits and pro-rata requirements of the sessions in the horizon (vectorised)."""
        n = len(index)
        step = pd.Timedelta(index.freq) if index.freq is not None else pd.Timedelta(index[1] - index[0])
        step_ns = int(step.value)
        arrival = np.array([pd.Timestamp(s.arrival).value for s in self._sessions], dtype=np.int64)
        departure = np.array([pd.Timestamp(s.departure).value for s in self._sessions], dtype=np.int64)
        plugged, kept = PluggedSteps.of(arrival, departure, int(index[0].value), step_ns, n)
        sessions = [self._sessions[k] for k in kept.tolist()]
        v2g = np.array([self.v2g and s.battery_kwh is not None for s in sessions], dtype=bool)
        energy = np.array([s.energy_kwh for s in sessions], dtype=float)
        power = np.array([self.charger_power_kw if s.max_power_kw is None else s.max_power_kw for s in sessions],
                         dtype=float)
        arrival_energy = np.array([np.nan if s.arrival_energy_kwh is None else s.arrival_energy_kwh for s in sessions],
                                  dtype=float)
        battery = np.array([np.nan if s.battery_kwh is None else s.battery_kwh for s in sessions], dtype=float)
        inside, total, before = plugged.inside_ns, plugged.total_ns, plugged.before_ns
        self._dt_h = step_ns / _NS_PER_H
        self._tz = index.tz
        self._ids = [s.id for s in sessions]
        self._plugged = plugged
        self._arrival_ns, self._departure_ns = arrival[kept], departure[kept]
        self._energy_kwh = energy
        self._power_kw = power
        self._v2g_kw = np.where(v2g, power if self.v2g_power_kw is None else self.v2g_power_kw, 0.0)
        self._required_kwh = np.where(inside == total, energy, energy * inside / total)
        self._start_energy_kwh = np.where(v2g, arrival_energy + energy * before / total, np.nan)
        self._from_step, self._level_at_kwh = plugged.first.copy(), self._start_energy_kwh.copy()
        self._battery_kwh = np.where(v2g, battery, np.nan)
        self._is_v2g = v2g
        self._last_step = plugged.last

    # --- derived inputs (per plugged pair, see PluggedSteps) ------------------------------
    def plugged(self) -> PluggedSteps:
        """The sessions' plugged-in (session, step) pairs and fractions [-]."""
        return self._plugged

    def charge_limits_kw(self) -> np.ndarray:
        """Charging limit per plugged pair [kW] (the power limit times the plugged fraction)."""
        return self._power_kw[self._plugged.session] * self._plugged.fraction

    def v2g_limits_kw(self) -> np.ndarray:
        """V2G discharge limit per plugged pair [kW] (0 for charge-only sessions)."""
        return self._v2g_kw[self._plugged.session] * self._plugged.fraction

    def aggregate_limits_kw(self) -> tuple[np.ndarray, np.ndarray]:
        """Upper bounds of the per-step charging and V2G sums [kW] (plugged-in limits, capped by the site)."""
        site = np.inf if self.site_limit_kw is None else self.site_limit_kw
        return (np.minimum(self._plugged.per_step(self.charge_limits_kw()), site),
                np.minimum(self._plugged.per_step(self.v2g_limits_kw()), site))

    def max_deliverable_kwh(self) -> np.ndarray:
        """Most energy each session can receive into its battery in the horizon [kWh]."""
        return self.charge_efficiency * self._dt_h * self._plugged.per_session(self.charge_limits_kw())

    def _unserved_by_step(self, unserved_kwh: np.ndarray, n: int) -> np.ndarray:
        return np.bincount(self._last_step, weights=unserved_kwh, minlength=n).astype(float)

    # --- model --------------------------------------------------------------------------
    def build(self, block: pyo.Block, ctx: BuildContext) -> Ports:
        dt, eta_c, inv_eta_d = ctx.dt_h, self.charge_efficiency, 1.0 / self.discharge_efficiency
        ids, plan, soft = self._ids, self._plugged, self.unserved_penalty_cny_per_kwh is not None
        cap_c, cap_d = self.charge_limits_kw(), self.v2g_limits_kw()
        agg_c, agg_d = (a.tolist() for a in self.aggregate_limits_kw())
        position = {s: k for k, s in enumerate(ids)}
        offset, first, from_ = plan.offset.tolist(), plan.first.tolist(), self._from_step.tolist()
        keys = list(zip(np.array(ids, dtype=object)[plan.session].tolist(), plan.step.tolist()))

        # index sets wrap the key lists (pyo.SetOf: no copy, no per-key checks); a pair's key (session id,
        # step) lets an infeasibility report name sessions and steps; positions are by pair (see PluggedSteps)
        block.sessions = pyo.SetOf(ids)
        block.plugged = pyo.SetOf(keys)
        block.session_charge_kw = pyo.Var(block.plugged, bounds=(0.0, None), doc="charging of a session from the bus [kW]")
        charge = set_upper_bounds(block.session_charge_kw, cap_c)  # by pair position
        block.charge_kw = pyo.Var(ctx.steps, bounds=lambda _, t: (0.0, agg_c[t]), doc="charging of all sessions [kW]")
        block.charge_sum = pyo.Constraint(ctx.steps, rule=sum_by_step_rule(charge, plan.step, ctx.n, block.charge_kw),
                                          doc="aggregate charging is the sum of the sessions'")

        v2g_pair = np.flatnonzero(self._is_v2g[plan.session])  # pair positions of V2G sessions
        if self.v2g:
            v2g_session = plan.session[v2g_pair]
            block.v2g_plugged = pyo.SetOf([keys[j] for j in v2g_pair.tolist()])  # plugged pairs of V2G sessions
            block.session_v2g_kw = pyo.Var(block.v2g_plugged, bounds=(0.0, None),
                                           doc="V2G discharge of a session to the bus [kW]")
            discharge = set_upper_bounds(block.session_v2g_kw, cap_d[v2g_pair])
            block.session_energy_kwh = pyo.Var(block.v2g_plugged, bounds=(0.0, None),
                                               doc="energy in a V2G session's battery at the end of the step [kWh]")
            energy = set_upper_bounds(block.session_energy_kwh, self._battery_kwh[v2g_session])
            block.v2g_kw = pyo.Var(ctx.steps, bounds=lambda _, t: (0.0, agg_d[t]), doc="V2G discharge of all sessions [kW]")
            block.v2g_sum = pyo.Constraint(ctx.steps, rule=sum_by_step_rule(discharge, plan.step[v2g_pair], ctx.n, block.v2g_kw),
                                           doc="aggregate V2G is the sum of the sessions'")
            v2g_offset = np.full(len(ids), -1, dtype=np.int64)  # position of each V2G session's first pair among them
            v2g_offset[self._is_v2g] = np.searchsorted(v2g_session, np.flatnonzero(self._is_v2g))
            v2g_start, start = v2g_offset.tolist(), self._start_energy_kwh.tolist()
            level_at = self._level_at_kwh.tolist()
            charge_v2g = [charge[j] for j in v2g_pair.tolist()]

            def continuity(b, s, t):
                k = position[s]
                i = v2g_start[k] + t - first[k]
                coefs, variables = [1.0, -eta_c * dt, inv_eta_d * dt], [energy[i], charge_v2g[i], discharge[i]]
                if t > first[k] and t != from_[k]:  # a measured level starts afresh at its step
                    coefs.append(-1.0)
                    variables.append(energy[i - 1])
                return LinearExpression(constant=0.0, linear_coefs=coefs, linear_vars=variables) == (
                    level_at[k] if t == from_[k] else start[k] if t == first[k] else 0.0)

            block.session_energy_balance = pyo.Constraint(block.v2g_plugged, rule=continuity,
                                                          doc="energy continuity of each V2G session")

        if soft:
            block.session_unserved_kwh = pyo.Var(block.sessions, bounds=(0.0, None), doc="energy a session does not get [kWh]")
            unserved = set_upper_bounds(block.session_unserved_kwh, self._required_kwh)
            most = self._unserved_by_step(self._required_kwh, ctx.n).tolist()
            block.unserved_kwh = pyo.Var(ctx.steps, bounds=lambda _, t: (0.0, most[t]),
                                         doc="energy not delivered to the sessions leaving in the step [kWh]")
            block.unserved_sum = pyo.Constraint(ctx.steps, rule=sum_by_step_rule(unserved, self._last_step, ctx.n,
                                                                          block.unserved_kwh))

        required, start_energy, is_v2g = self._required_kwh.tolist(), self._level_at_kwh.tolist(), self._is_v2g.tolist()

        def requirement(b, s):
            k = position[s]
            target = required[k]
            if is_v2g[k]:
                coefs, variables = [1.0], [energy[v2g_start[k] + offset[k + 1] - offset[k] - 1]]
                target += start_energy[k]
            else:  # the pairs from its first counted step (a measured session: from the measurement)
                coefs = [eta_c * dt] * (offset[k + 1] - offset[k] - from_[k] + first[k])
                variables = charge[offset[k] + from_[k] - first[k]:offset[k + 1]]
            if soft:
                coefs.append(1.0)
                variables.append(unserved[k])
            return LinearExpression(constant=0.0, linear_coefs=coefs, linear_vars=variables) == target

        block.session_energy = pyo.Constraint(block.sessions, rule=requirement,
                                              doc="each session gets its energy by departure [kWh]")

        ports = Ports(electric=[(-1.0, block.charge_kw)])
        if self.v2g and v2g_pair.size:
            c_max, d_max = cap_c[v2g_pair], cap_d[v2g_pair]
            both = np.flatnonzero((c_max > 0) & (d_max > 0)).tolist()
            ports.exclusive.append(Exclusive(
                f"{self.name} session charge/V2G", Side.of([charge_v2g[i] for i in both], c_max[both]),
                Side.of([discharge[i] for i in both], d_max[both])))
        if self.v2g:
            ports.electric.append((1.0, block.v2g_kw))
            if self.degradation_cost_cny_per_kwh:
                ports.cost.append((self.degradation_cost_cny_per_kwh * dt, block.v2g_kw))
        if soft and self.unserved_penalty_cny_per_kwh:
            ports.cost.append((self.unserved_penalty_cny_per_kwh, block.unserved_kwh))
        return ports

    def flows(self, block: pyo.Block, ctx: BuildContext) -> dict[str, np.ndarray]:
        """Aggregate flows; also keeps the per-session schedule in ``self._solution`` for ``check``."""
        plan = self._plugged
        v2g = np.zeros(len(plan.step))
        if self.v2g:
            v2g[np.flatnonzero(self._is_v2g[plan.session])] = _values(block.session_v2g_kw)
        soft = self.unserved_penalty_cny_per_kwh is not None
        unserved = _values(block.session_unserved_kwh) if soft else np.zeros(len(self._ids))
        self._solution = SessionSolution(ids=list(self._ids), session=plan.session, step=plan.step,
                                         charge_kw=_values(block.session_charge_kw), v2g_kw=v2g, unserved_kwh=unserved)
        out = {"charge_kw": _values(block.charge_kw)}
        if self.v2g:
            out["v2g_kw"] = _values(block.v2g_kw)
        out["connected_sessions"] = plan.per_step()
        out["connected_power_kw"] = plan.per_step(self.charge_limits_kw())
        if soft:
            out["unserved_kwh"] = _values(block.unserved_kwh)
        return out

    # --- independent re-derivation from a solution ----------------------------------------
    def net_injection_kw(self, flows: dict[str, np.ndarray]) -> np.ndarray:
        return flows.get("v2g_kw", 0.0) - flows["charge_kw"]

    def check(self, flows: dict[str, np.ndarray], dt_h: float, tol: float) -> list[str]:
        name, c = self.name, flows["charge_kw"]
        n, plan = len(c), self._plugged
        agg_c, agg_d = self.aggregate_limits_kw()
        out = bound_violations(name, "charge_kw", c, 0.0, agg_c, tol)
        d = flows.get("v2g_kw", np.zeros(n))
        out += bound_violations(name, "v2g_kw", d, 0.0, agg_d, tol)
        if np.abs(flows["connected_power_kw"] - plan.per_step(self.charge_limits_kw())).max(initial=0.0) > tol:
            out.append(f"{name}.connected_power_kw does not match the sessions' plugged-in power limits")
        soft = self.unserved_penalty_cny_per_kwh is not None
        sol = self._solution
        if sol is None or n != plan.n_steps or not sol.fits(self._ids, n):
            out.append(f"{name}: no per-session schedule to check (flows() of this asset did not produce these flows)")
            return out
        ids, session, step = sol.ids, sol.session, sol.step
        position = plan.position(session, step)
        plugged = position >= 0
        for label, x, cap in (("charges", sol.charge_kw, self.charge_limits_kw()),
                              ("discharges", sol.v2g_kw, self.v2g_limits_kw())):
            outside = np.where(plugged, 0.0, np.abs(x))
            if (outside > tol).any():
                i = int(np.argmax(outside))
                out.append(f"session '{ids[session[i]]}' {label} {x[i]:.6g} kW outside its plugged-in time at step {step[i]}")
            limit = np.zeros(len(x))
            limit[plugged] = cap[position[plugged]]
            over = np.where(plugged, x - limit, 0.0)
            if (over > tol).any():
                i = int(np.argmax(over))
                out.append(f"session '{ids[session[i]]}' {label} {x[i]:.6g} kW at step {step[i]}, above its limit "
                           f"{limit[i]:.6g} kW")
            if (x < -tol).any():
                i = int(np.argmin(x))
                out.append(f"session '{ids[session[i]]}' {label} a negative {x[i]:.6g} kW at step {step[i]}")
        by_step = {label: np.bincount(step, weights=x, minlength=n) for label, x in
                   (("charge_kw", sol.charge_kw), ("v2g_kw", sol.v2g_kw))}
        for label, total in (("charge_kw", c), ("v2g_kw", d)):
            gap = np.abs(total - by_step[label])
            if (gap > tol).any():
                t = int(np.argmax(gap))
                out.append(f"{name}.{label} is not the sum of its sessions' "
                           f"{'charging' if label == 'charge_kw' else 'V2G'} at step {t}: "
                           f"{total[t]:.6g} kW, sessions {by_step[label][t]:.6g} kW")
        if self.site_limit_kw is not None:
            for label, x in (("charging", by_step["charge_kw"]), ("V2G", by_step["v2g_kw"])):
                if (x > self.site_limit_kw + tol).any():
                    t = int(np.argmax(x))
                    out.append(f"{name} sessions' {label} {x[t]:.6g} kW exceeds site_limit_kw {self.site_limit_kw:g} at step {t}")
        out += check_energy(self, sol, plugged, dt_h, tol)
        if soft:
            expected = self._unserved_by_step(sol.unserved_kwh, n)
            gap = np.abs(flows["unserved_kwh"] - expected)
            if (gap > tol).any():
                t = int(np.argmax(gap))
                out.append(f"{name}.unserved_kwh = {flows['unserved_kwh'][t]:.6g} at step {t} is not the sessions' "
                           f"unserved energy leaving then, {expected[t]:.6g} kWh")
        both = self._is_v2g[session] & (np.minimum(sol.charge_kw, sol.v2g_kw) > tol)
        if both.any():
            order = np.lexsort((step[both], session[both]))
            k_both, t_both = session[both][order], step[both][order]
            sessions, first, count = np.unique(k_both, return_index=True, return_counts=True)
            for k, i, m in zip(sessions.tolist(), first.tolist(), count.tolist()):
                out.append(f"session '{ids[k]}' charges and discharges at once at {m} steps (first step {t_both[i]})")
        return out

    def simultaneous_flow_steps(self, flows: dict[str, np.ndarray], tol: float) -> np.ndarray:
        """Steps at which some session charges and discharges at once (from the per-session schedule
        kept by ``flows``; from the aggregates if there is none)."""
        if "v2g_kw" not in flows:
            return np.zeros(0, dtype=int)
        sol, n = self._solution, len(flows["charge_kw"])
        if sol is None or n != self._plugged.n_steps or not sol.fits(self._ids, n):
            return both_above(flows["charge_kw"], flows["v2g_kw"], tol)
        both = self._is_v2g[sol.session] & (np.minimum(sol.charge_kw, sol.v2g_kw) > tol)
        return np.unique(sol.step[both]).astype(int)

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
        m = len(self._ids)
        table = pd.DataFrame({
            "id": self._ids,
            "arrival": pd.to_datetime(self._arrival_ns, utc=True).tz_convert(self._tz),
            "departure": pd.to_datetime(self._departure_ns, utc=True).tz_convert(self._tz),
            "energy_kwh": self._energy_kwh,
            "required_kwh": self._required_kwh,
            "max_deliverable_kwh": self.max_deliverable_kwh(),
        })
        sol = self._solution
        if sol is None or not sol.fits(self._ids, self._plugged.n_steps):
            for column in ("delivered_kwh", "v2g_kwh", "unserved_kwh"):
                table[column] = np.nan
            return table
        net = self.charge_efficiency * sol.charge_kw - sol.v2g_kw / self.discharge_efficiency
        table["delivered_kwh"] = self._dt_h * np.bincount(sol.session, weights=net, minlength=m)
        table["v2g_kwh"] = self._dt_h * np.bincount(sol.session, weights=sol.v2g_kw, minlength=m)
        table["unserved_kwh"] = sol.unserved_kwh
        return table
