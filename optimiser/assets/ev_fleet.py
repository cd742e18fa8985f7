"""Aggregated electric-vehicle fleet: smart charging to meet departure energy, optional V2G.

Notes
-----
The vehicles plugged in at a charging site are one aggregated battery (Dezhou: 180 x
60 kW fast + 140 x 7 kW slow chargers, 11,780 kW in all; V2G on 30 % of the chargers
by 2027). Per step :math:`t`, with charging :math:`c_t` and V2G discharge
:math:`d_t` [kW] at the bus and the fleet's stored energy :math:`e_t` [kWh] at the
end of the step:

.. math::

    e_t = e_{t-1} + A_t - D_t + \\Delta t\\,(\\eta_c c_t - d_t / \\eta_d)

    0 \\le c_t \\le P_t, \\qquad 0 \\le d_t \\le V_t, \\qquad
    \\underline{E}_t \\le e_t \\le \\overline{E}_t

* :math:`P_t` [kW] (``connected_power_kw``): charger power of the plugged-in vehicles;
* :math:`V_t` [kW] (``v2g_power_kw``, default none: :math:`d_t = 0`): discharge
  limit of the plugged-in V2G-capable vehicles;
* :math:`A_t` [kWh] (``arrival_energy_kwh``, default 0): energy in the batteries of
  vehicles that plug in during step :math:`t`;
* :math:`D_t` [kWh] (``departure_energy_kwh``, default 0): energy the vehicles
  leaving at the end of step :math:`t` must take with them (their required state of
  charge times capacity); the level bound after their departure makes it a
  requirement;
* :math:`\\overline{E}_t` [kWh] (``max_energy_kwh``): battery capacity of the
  vehicles still plugged in; :math:`\\underline{E}_t` [kWh] (``min_energy_kwh``,
  default 0): energy they must keep (e.g. a V2G floor);
* :math:`e_{-1}` [kWh] (``initial_energy_kwh``); ``end_energy_min_kwh``: optional
  :math:`e_{T-1} \\ge` that value;
* :math:`\\eta_c`, :math:`\\eta_d` (``charge_efficiency``, ``discharge_efficiency``
  [0.95]): charger plus battery losses.

Injection into the electricity bus :math:`d_t - c_t` [kW]. Cost of battery wear by
V2G :math:`\\sum_t \\kappa\\, \\Delta t\\, d_t` with :math:`\\kappa` [CNY/kWh discharged]
(``degradation_cost_cny_per_kwh``). As for stationary storage, simultaneous charge
and discharge is reported by the check and is an exclusive pair (where the seam adds a status
:math:`u_t`: :math:`c_t \\le P_t u_t`, :math:`d_t \\le V_t (1 - u_t)`).

The aggregate is a relaxation: it guarantees the fleet's energy, not each vehicle's
(energy may appear to pass between vehicles through the aggregate); it is exact when
every vehicle in a group arrives and leaves together with the same requirement.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from ..lazy import pyo
from pydantic import Field, PrivateAttr, ValidationInfo, model_validator

from ..series import NonNegativeSeries
from .base import AssetBase, BuildContext, Exclusive, Ports, both_above, bound_violations, values
from .level import LevelModel, add_start_and_end, end_violations, measured_jump, simultaneous_violations
from .level_targets import (LevelTargetKwh, TargetRow, add_targets, resolve_targets, target_cost_cny, target_flows,
                            target_violations)


class EVFleet(AssetBase):
    """Aggregated EV fleet battery with smart charging and optional V2G (see module doc)."""

    kind: Literal["ev_fleet"]
    supply_flows: ClassVar[tuple[str, ...]] = ("discharge_kw",)
    connected_power_kw: NonNegativeSeries = Field(description="charger power of the plugged-in vehicles per step [kW]")
    max_energy_kwh: NonNegativeSeries = Field(description="battery capacity of the plugged-in vehicles per step [kWh]")
    min_energy_kwh: NonNegativeSeries | None = Field(None, description="energy the plugged-in vehicles must keep [kWh]; default 0")
    arrival_energy_kwh: NonNegativeSeries | None = Field(None, description="energy brought by vehicles arriving in the step [kWh]")
    departure_energy_kwh: NonNegativeSeries | None = Field(None, description="energy taken by vehicles leaving at the end of the step [kWh]")
    initial_energy_kwh: float = Field(0.0, ge=0, description="energy of the plugged-in vehicles before the first step [kWh]")
    end_energy_min_kwh: float | None = Field(None, ge=0, description="lowest energy at the end of the horizon [kWh]; default free")
    charge_efficiency: float = Field(0.95, gt=0, le=1, description="bus-to-battery efficiency [-]")
    v2g_power_kw: NonNegativeSeries | None = Field(None, description="V2G discharge limit per step [kW]; default: no V2G")
    discharge_efficiency: float = Field(0.95, gt=0, le=1, description="battery-to-bus efficiency [-]")
    degradation_cost_cny_per_kwh: float = Field(0.0, ge=0, description="battery wear per kWh discharged by V2G [CNY/kWh]")
    end_value_cny_per_kwh: float = Field(0.0, ge=0, description="value of each kWh in the plugged-in vehicles at the "
                                         "horizon's end [CNY/kWh] (optimiser.assets.level_targets)")
    level_targets: list[LevelTargetKwh] = Field(default_factory=list, description="minimum energy at local clock "
                                                "times, hard or soft; min_fraction of that step's max_energy_kwh")

    _target_rows: list[TargetRow] = PrivateAttr(default_factory=list)
    _jump: np.ndarray | None = PrivateAttr(None)
    target_level: ClassVar[tuple[str, str]] = ("energy_kwh", "kwh")
    """the level flow and unit suffix the targets read"""

    @model_validator(mode="after")
    def _bounds_in_order(self, info: ValidationInfo) -> "EVFleet":
        low = self.energy_floor_kwh()
        above = low > self.max_energy_kwh
        if above.any():
            t = int(np.argmax(above))
            raise ValueError(f"min_energy_kwh {low[t]:g} is above max_energy_kwh {self.max_energy_kwh[t]:g} at step {t}")
        if self.end_energy_min_kwh is not None and self.end_energy_min_kwh > self.max_energy_kwh[-1]:
            raise ValueError(f"end_energy_min_kwh {self.end_energy_min_kwh:g} is above the last max_energy_kwh")
        high = self.max_energy_kwh
        self._target_rows = resolve_targets(self.level_targets, info, lambda t: float(high[t]), lambda t: float(high[t]))
        return self

    # --- derived inputs ---------------------------------------------------------------
    def _series(self, value) -> np.ndarray:
        return np.zeros(len(self.connected_power_kw)) if value is None else np.asarray(value)

    def energy_floor_kwh(self) -> np.ndarray:
        return self._series(self.min_energy_kwh)

    def v2g_limit_kw(self) -> np.ndarray:
        return self._series(self.v2g_power_kw)

    def exogenous_kwh(self) -> np.ndarray:
        """Energy arriving minus energy departing per step [kWh]."""
        return self._series(self.arrival_energy_kwh) - self._series(self.departure_energy_kwh)

    @property
    def end_rule(self) -> str:
        return "free" if self.end_energy_min_kwh is None else "at_least"

    def level_model(self, dt_h: float | None = None) -> LevelModel:
        exogenous = self.exogenous_kwh() + (0.0 if self._jump is None else self._jump)
        return LevelModel("kWh", 1.0, self.charge_efficiency, self.discharge_efficiency, exogenous)

    @property
    def initial_level(self) -> float:
        return self.initial_energy_kwh

    def measure_level(self, n: int, step: int, change: float) -> None:
        """A measured energy jump at the start of ``step`` [kWh] (see :func:`~.level.measured_jump`)."""
        self._jump = measured_jump(n, step, change, self._jump)

    # --- model --------------------------------------------------------------------------
    def build(self, block: pyo.Block, ctx: BuildContext) -> Ports:
        p_max, v_max = self.connected_power_kw.tolist(), self.v2g_limit_kw().tolist()
        low, high = self.energy_floor_kwh().tolist(), self.max_energy_kwh.tolist()
        block.charge_kw = pyo.Var(ctx.steps, bounds=lambda _, t: (0.0, p_max[t]), doc="charging from the bus [kW]")
        block.discharge_kw = pyo.Var(ctx.steps, bounds=lambda _, t: (0.0, v_max[t]), doc="V2G discharge to the bus [kW]")
        block.energy_kwh = pyo.Var(ctx.steps, bounds=lambda _, t: (low[t], high[t]),
                                   doc="energy of the plugged-in vehicles at the end of the step [kWh]")
        start = add_start_and_end(block, ctx, block.energy_kwh, "energy_kwh", self.end_rule, self.initial_energy_kwh,
                                  self.end_energy_min_kwh, (0.0, 0.0))
        block.energy_balance = self.level_model().add_continuity(
            ctx, block.energy_kwh, block.charge_kw, block.discharge_kw, start, "fleet energy continuity")
        ports = Ports(electric=[(1.0, block.discharge_kw), (-1.0, block.charge_kw)])
        if self.v2g_power_kw is not None:
            ports.exclusive.append(Exclusive.per_step(f"{self.name} charge/V2G", block.charge_kw, block.discharge_kw,
                                                      p_max, v_max))
        if self.degradation_cost_cny_per_kwh:
            ports.cost.append((self.degradation_cost_cny_per_kwh * ctx.dt_h, block.discharge_kw))
        ports.cost += add_targets(block, ctx, block.energy_kwh, self._target_rows, self.end_value_cny_per_kwh, "kwh")
        return ports

    def flows(self, block: pyo.Block, ctx: BuildContext) -> dict[str, np.ndarray]:
        return {"charge_kw": values(block.charge_kw), "discharge_kw": values(block.discharge_kw),
                "energy_kwh": values(block.energy_kwh),
                "arrival_energy_kwh": self._series(self.arrival_energy_kwh),
                "departure_energy_kwh": self._series(self.departure_energy_kwh),
                **target_flows(block, self._target_rows, ctx.n, "kwh"),
                **({} if self._jump is None else {"measured_change_kwh": self._jump})}

    # --- independent re-derivation from a solution ----------------------------------------
    def net_injection_kw(self, flows: dict[str, np.ndarray]) -> np.ndarray:
        return flows["discharge_kw"] - flows["charge_kw"]

    def check(self, flows: dict[str, np.ndarray], dt_h: float, tol: float) -> list[str]:
        c, d, e = flows["charge_kw"], flows["discharge_kw"], flows["energy_kwh"]
        out = bound_violations(self.name, "charge_kw", c, 0.0, self.connected_power_kw, tol)
        out += bound_violations(self.name, "discharge_kw", d, 0.0, self.v2g_limit_kw(), tol)
        out += bound_violations(self.name, "energy_kwh", e, self.energy_floor_kwh(), self.max_energy_kwh, tol)
        out += self.level_model().continuity_violations(self.name, "energy_kwh", self.initial_energy_kwh, e, c, d,
                                                        dt_h, tol)
        out += end_violations(self.name, "kWh", self.end_rule, self.initial_energy_kwh, self.end_energy_min_kwh, e, tol)
        out += simultaneous_violations(self.name, c, d, tol)
        out += target_violations(self.name, self._target_rows, flows, e, "kwh", tol)
        return out

    def simultaneous_flow_steps(self, flows: dict[str, np.ndarray], tol: float) -> np.ndarray:
        return both_above(flows["charge_kw"], flows["discharge_kw"], tol)

    def degradation_cny(self, flows: dict[str, np.ndarray], dt_h: float) -> float:
        """Battery wear by V2G [CNY]."""
        return float(self.degradation_cost_cny_per_kwh * dt_h * flows["discharge_kw"].sum())

    def cost_cny(self, flows: dict[str, np.ndarray], dt_h: float) -> float:
        return self.degradation_cny(flows, dt_h) + target_cost_cny(self._target_rows, flows["energy_kwh"],
                                                                    self.end_value_cny_per_kwh)

    def totals(self, flows: dict[str, np.ndarray], dt_h: float) -> dict[str, float]:
        return {"ev_charged_kwh": float(dt_h * flows["charge_kw"].sum()),
                "ev_v2g_kwh": float(dt_h * flows["discharge_kw"].sum()),
                "ev_departure_kwh": float(self._series(self.departure_energy_kwh).sum()),
                "ev_degradation_cost_cny": self.degradation_cny(flows, dt_h)}
