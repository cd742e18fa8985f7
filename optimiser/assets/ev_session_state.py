"""Measured state of EV charging sessions (``intraday --measured``) and the per-session energy check of
:mod:`~optimiser.assets.ev_sessions`, which honours it.

A session plugged in at a step boundary :math:`\\tau` (step :math:`a`) is measured by the energy
delivered into its battery since its arrival, :math:`M_k` [kWh] (or the energy it still needs,
:math:`E_k - M_k`). The past stays as dispatched (the fixed past charging of the sessions together),
and the measurement replaces what that past gives the session: from step :math:`a` on it must get
what it still needs, pro rata to plugged-in time when it leaves after the horizon's end :math:`T`,

.. math::

    R'_k = (E_k - M_k)\\, \\frac{\\min(b_k, T) - \\tau}{b_k - \\tau},
    \\qquad \\eta_c\\, \\Delta t \\sum_{t \\ge a} c_{k,t} + u_k = R'_k

and its charging before :math:`a` no longer counts toward it (energy the dispatched past gave it
beyond the measurement was lost; less was gained elsewhere). A V2G session's battery holds
:math:`e^0_k + M_k` at :math:`\\tau` and its continuity starts afresh there: :math:`e_{k,\\mathrm{last}} + u_k =
e^0_k + M_k + R'_k`. Per session (in horizon order) the asset keeps the first step that counts
(``_from_step``: its first plugged step unless measured), the requirement from it (``_required_kwh``)
and the V2G level at it (``_level_at_kwh``); the model (:meth:`EVSessions.build`) and the check
(:func:`check_energy`) read those three, nothing else.

Every session plugged in at :math:`\\tau` must be measured when one is: an unmeasured one's past
charging could otherwise be credited with the share the measured ones no longer claim.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class SessionSolution:
    """The per-session schedule of a solution, kept by :meth:`~optimiser.assets.ev_sessions.EVSessions.flows`
    for its check (:func:`check_energy`).

    One entry per (session, step) pair with a variable (the plugged pairs): ``session`` indexes
    ``ids`` (the sessions in the horizon), ``step`` is the step.
    """

    ids: list[str]
    session: np.ndarray
    step: np.ndarray
    charge_kw: np.ndarray
    """charging at the bus per entry [kW]"""
    v2g_kw: np.ndarray
    """V2G discharge at the bus per entry [kW]"""
    unserved_kwh: np.ndarray
    """shortfall per session [kWh]"""

    def fits(self, ids: list[str], n: int) -> bool:
        """Whether this is a schedule of the sessions ``ids`` over ``n`` steps."""
        k = len(self.session)
        return (self.ids == ids and len(self.step) == len(self.charge_kw) == len(self.v2g_kw) == k
                and len(self.unserved_kwh) == len(ids)
                and bool(((self.session >= 0) & (self.session < len(ids)) & (self.step >= 0) & (self.step < n)).all()))


def measure_sessions(asset, step: int, at, delivered_kwh: dict[str, float]) -> list[str]:
    """Apply measurements ``{session id: energy delivered since arrival [kWh]}`` taken at ``at`` (a
    timezone-aware timestamp, the start of step ``step``) to the sessions of ``asset`` (see module doc),
    before its model is built. Raises ``ValueError`` naming ``sessions.<id>...`` and the value for an
    unknown session, one not plugged in at ``at``, a delivery above its energy, a need it cannot receive
    in its remaining plugged-in time (unless ``unserved_penalty_cny_per_kwh`` prices it), or a session
    plugged in at ``at`` and not measured. Returns a flag per session."""
    ids, given = {s: k for k, s in enumerate(asset._ids)}, {s.id: s for s in asset._sessions}
    plan, dt_h, at_ns = asset._plugged, asset._dt_h, int(at.value)
    end_ns = at_ns + int(round((plan.n_steps - step) * dt_h * 3.6e12))
    plugged_now = (asset._arrival_ns <= at_ns) & (asset._departure_ns > at_ns)
    flags = []
    for sid, delivered in delivered_kwh.items():
        label = f"sessions.{sid}.delivered_kwh = {delivered:g}"
        if sid not in given:
            raise ValueError(f"sessions.{sid}: no session '{sid}' in {asset.name}")
        k = ids.get(sid)
        if k is None or not plugged_now[k]:
            session = given[sid]
            raise ValueError(f"sessions.{sid}: session '{sid}' is not plugged in at {at.isoformat()} (arrival "
                             f"{session.arrival.isoformat()}, departure {session.departure.isoformat()})")
        energy = asset._energy_kwh[k]
        if delivered > energy * (1 + 1e-9):
            raise ValueError(f"{label}: above the session's energy_kwh {energy:g} kWh")
        departure = asset._departure_ns[k]
        need = max(energy - delivered, 0.0) * (min(departure, end_ns) - at_ns) / (departure - at_ns)
        pairs = np.arange(plan.offset[k], plan.offset[k + 1])
        pairs = pairs[plan.step[pairs] >= step]
        most = asset.charge_efficiency * dt_h * float(asset.charge_limits_kw()[pairs].sum())
        if asset.unserved_penalty_cny_per_kwh is None and need > most + 1e-9 * max(1.0, need):
            raise ValueError(f"{label}: the session needs {need:.6g} kWh more in the horizon but can receive at most "
                             f"{most:.6g} kWh in its remaining plugged-in time")
        asset._from_step[k], asset._required_kwh[k] = step, need
        if asset._is_v2g[k]:
            asset._level_at_kwh[k] = given[sid].arrival_energy_kwh + delivered
        flags.append(f"{asset.name} session '{sid}': measured {delivered:g} kWh delivered at {at.isoformat()}, "
                     f"{need:.6g} kWh still needed in the horizon")
    missing = [s for s, k in ids.items() if plugged_now[k] and s not in delivered_kwh]
    if missing:
        raise ValueError(f"sessions: session '{missing[0]}' is plugged in at {at.isoformat()} and not measured "
                         f"(give every session plugged in then; {len(missing)} missing)")
    asset._measured = (step, at, dict(delivered_kwh))
    return flags


def check_energy(asset, sol, plugged: np.ndarray, dt_h: float, tol: float) -> list[str]:
    """Each session's energy from its first counted step (delivered + unserved = required) and its V2G
    battery levels, re-derived from the per-session schedule ``sol`` (``plugged``: entries on plugged pairs)."""
    m, soft = len(sol.ids), asset.unserved_penalty_cny_per_kwh is not None
    net_kw = asset.charge_efficiency * sol.charge_kw - sol.v2g_kw / asset.discharge_efficiency
    counted = sol.step >= asset._from_step[sol.session]
    delivered = dt_h * np.bincount(sol.session, weights=np.where(counted, net_kw, 0.0), minlength=m)
    energy_tol = tol * dt_h * (np.bincount(sol.session[plugged], minlength=m) + 1)
    need, u = asset._required_kwh, sol.unserved_kwh
    wrong_energy = np.abs(delivered + u - need) > energy_tol
    wrong_unserved = (u < -energy_tol) | (u > need + energy_tol) | ((not soft) & (np.abs(u) > energy_tol))
    # V2G levels: the running sum of net charging from each run's start (the session's start level before
    # its first counted step, the level there from it), at its plugged steps
    v2g = np.flatnonzero(asset._is_v2g[sol.session])
    v2g = v2g[np.lexsort((sol.step[v2g], sol.session[v2g]))]
    k_of, part, running = sol.session[v2g], counted[v2g], np.cumsum(dt_h * net_kw[v2g])
    new = np.flatnonzero(np.r_[True, (k_of[1:] != k_of[:-1]) | (part[1:] != part[:-1])]) if len(v2g) else (
        np.zeros(0, dtype=np.int64))
    before = np.repeat(np.r_[0.0, running][new], np.diff(np.r_[new, len(v2g)]))
    level = np.where(part, asset._level_at_kwh[k_of], asset._start_energy_kwh[k_of]) + (running - before)
    inside = plugged[v2g]
    low, high = level < -energy_tol[k_of], level > asset._battery_kwh[k_of] + energy_tol[k_of]
    wrong_level = np.zeros(m, dtype=bool)
    wrong_level[k_of[inside & (low | high)]] = True
    out = []
    for k in np.flatnonzero(wrong_energy | wrong_unserved | wrong_level).tolist():
        s = sol.ids[k]
        if wrong_energy[k]:
            out.append(f"session '{s}' receives {delivered[k]:.6g} kWh in the horizon, required {need[k]:.6g} kWh "
                       f"(unserved {u[k]:.6g} kWh)")
        if wrong_unserved[k]:
            out.append(f"session '{s}' has unserved energy {u[k]:.6g} kWh outside [0, {need[k] if soft else 0:.6g}]")
        if wrong_level[k]:
            mine = np.flatnonzero((k_of == k) & inside)
            at = mine[np.argmin(level[mine])] if low[mine].any() else mine[np.argmax(level[mine])]
            out.append(f"session '{s}' battery holds {level[at]:.6g} kWh at step {sol.step[v2g[at]]}, outside "
                       f"[0, {asset._battery_kwh[k]:.6g}] kWh")
    return out
