"""Shared state-of-charge model of electricity storage (lithium and flow batteries).

Notes
-----
For steps :math:`t = 0..T-1` of length :math:`\\Delta t` [h], charge :math:`c_t`,
discharge :math:`d_t` [kW] and the level :math:`s_t` at the end of step
:math:`t` [kWh]:

.. math::

    s_t = k\\, s_{t-1} + \\Delta t\\,(\\eta_c c_t - d_t / \\eta_d), \\qquad
    k = (1 - \\sigma)^{\\Delta t}

    0 \\le c_t, d_t \\le P, \\qquad \\underline{s} E \\le s_t \\le \\overline{s} E

with :math:`s_{-1}` the initial level (a decision equal to :math:`s_{T-1}` for the
``cyclic`` rule) and :math:`\\sigma` the self-discharge per hour. End rules:
``equal_initial`` :math:`s_{T-1} = s_{-1}`, ``at_least`` :math:`s_{T-1} \\ge e E`,
``free``, ``cyclic``. Charge and discharge are an exclusive pair (where the seam adds a
binary :math:`u_t`: :math:`c_t \\le P u_t`, :math:`d_t \\le P (1 - u_t)`). Throughput cost: :math:`\\sum_t \\kappa\\, d_t \\Delta t`.
The level equations are the shared ones of :mod:`optimiser.assets.level`.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from ..lazy import pyo
from pydantic import Field, PrivateAttr, ValidationInfo, model_validator

from .base import AssetBase, BuildContext, Exclusive, Ports, both_above, bound_violations, values
from .capacity import CapacityLimit, cyclic_problem, level_limits
from .level import (EndRule, LevelModel, add_start_and_end, end_violations, level_field_problem, measured_jump,
                    simultaneous_violations, start_of)
from .level_targets import (LevelTargetKwh, TargetRow, add_targets, resolve_targets, target_cost_cny, target_flows,
                            target_violations)


class Storage(AssetBase):
    """Parameters and model shared by every electricity storage kind."""

    storage: ClassVar[bool] = True
    supply_flows: ClassVar[tuple[str, ...]] = ("discharge_kw",)
    sizable: ClassVar[tuple[str, ...]] = ("power_kw", "energy_kwh")

    power_kw: float = Field(gt=0, description="maximum charge and discharge power at the bus [kW]")
    energy_kwh: float = Field(gt=0, description="usable energy capacity [kWh]")
    charge_efficiency: float = Field(gt=0, le=1, description="bus-to-storage efficiency [-]")
    discharge_efficiency: float = Field(gt=0, le=1, description="storage-to-bus efficiency [-]")
    min_soc_fraction: float = Field(ge=0, lt=1, description="lowest level as a fraction of energy_kwh [-]")
    max_soc_fraction: float = Field(gt=0, le=1, description="highest level as a fraction of energy_kwh [-]")
    initial_soc_fraction: float = Field(0.5, ge=0, le=1, description="level before the first step [-]; ignored for end_rule 'cyclic'")
    end_rule: EndRule = Field("equal_initial", description="end-of-horizon rule for the level")
    end_soc_min_fraction: float | None = Field(None, ge=0, le=1, description="lowest final level for end_rule 'at_least' [-]")
    self_discharge_per_hour: float = Field(ge=0, lt=1, description="share of stored energy lost per hour [1/h]")
    cycle_cost_cny_per_kwh: float = Field(ge=0, description="ageing cost per kWh discharged [CNY/kWh]")
    end_value_cny_per_kwh: float = Field(0.0, ge=0, description="value of each kWh left at the horizon's end "
                                         "[CNY/kWh] (optimiser.assets.level_targets)")
    level_targets: list[LevelTargetKwh] = Field(default_factory=list, description="minimum levels at local clock "
                                                "times, hard or soft (optimiser.assets.level_targets)")

    _target_rows: list[TargetRow] = PrivateAttr(default_factory=list)
    _jump: np.ndarray | None = PrivateAttr(None)
    target_level: ClassVar[tuple[str, str]] = ("soc_kwh", "kwh")
    """the level flow and unit suffix the targets read"""

    @model_validator(mode="after")
    def _levels_in_order(self, info: ValidationInfo) -> "Storage":
        problem = level_field_problem("soc", self.min_soc_fraction, self.max_soc_fraction, self.initial_soc_fraction,
                                      self.end_rule, self.end_soc_min_fraction)
        if problem:
            raise ValueError(problem)
        self._target_rows = resolve_targets(self.level_targets, info, lambda t: self.energy_kwh,
                                            lambda t: self.soc_bounds_kwh[1])
        return self

    # --- derived values -------------------------------------------------------------
    @property
    def soc_bounds_kwh(self) -> tuple[float, float]:
        return self.min_soc_fraction * self.energy_kwh, self.max_soc_fraction * self.energy_kwh

    @property
    def initial_soc_kwh(self) -> float:
        return self.initial_soc_fraction * self.energy_kwh

    def retention(self, dt_h: float) -> float:
        """Share of stored energy kept over one step [-]."""
        return (1.0 - self.self_discharge_per_hour) ** dt_h

    def auxiliary_kw(self, charge_kw, discharge_kw):
        """Auxiliary load drawn from the bus [kW]; none for plain batteries."""
        return 0.0 * charge_kw

    # --- model ----------------------------------------------------------------------
    def level_model(self, dt_h: float) -> LevelModel:
        return LevelModel("kWh", self.retention(dt_h), self.charge_efficiency, self.discharge_efficiency, self._jump)

    @property
    def initial_level(self) -> float:
        return self.initial_soc_kwh

    def measure_level(self, n: int, step: int, change: float) -> None:
        """A measured level jump at the start of ``step`` [kWh] (see :func:`~.level.measured_jump`)."""
        self._jump = measured_jump(n, step, change, self._jump)

    @property
    def end_soc_min_kwh(self) -> float | None:
        return None if self.end_soc_min_fraction is None else self.end_soc_min_fraction * self.energy_kwh

    def build(self, block: pyo.Block, ctx: BuildContext) -> Ports:
        power, dt = self.power_kw, ctx.dt_h
        lo, hi = self.soc_bounds_kwh
        block.charge_kw = pyo.Var(ctx.steps, bounds=(0.0, power), doc="charging power drawn from the bus [kW]")
        block.discharge_kw = pyo.Var(ctx.steps, bounds=(0.0, power), doc="discharging power fed to the bus [kW]")
        block.soc_kwh = pyo.Var(ctx.steps, bounds=(lo, hi), doc="stored energy at the end of the step [kWh]")
        start = add_start_and_end(block, ctx, block.soc_kwh, "soc_kwh", self.end_rule, self.initial_soc_kwh,
                                  self.end_soc_min_kwh, (lo, hi))
        block.soc_balance = self.level_model(dt).add_continuity(
            ctx, block.soc_kwh, block.charge_kw, block.discharge_kw, start, "state-of-charge continuity")
        ports = Ports(electric=[(1.0, block.discharge_kw), (-1.0, block.charge_kw)],
                      exclusive=[Exclusive.per_step(f"{self.name} charge/discharge", block.charge_kw,
                                                    block.discharge_kw, power, power)])
        if self.cycle_cost_cny_per_kwh:
            ports.cost.append((self.cycle_cost_cny_per_kwh * dt, block.discharge_kw))
        ports.cost += add_targets(block, ctx, block.soc_kwh, self._target_rows, self.end_value_cny_per_kwh, "kwh")
        return ports

    def flows(self, block: pyo.Block, ctx: BuildContext) -> dict[str, np.ndarray]:
        return {
            "charge_kw": values(block.charge_kw),
            "discharge_kw": values(block.discharge_kw),
            "soc_kwh": values(block.soc_kwh),
            **target_flows(block, self._target_rows, ctx.n, "kwh"),
            **({} if self._jump is None else {"measured_change_kwh": self._jump}),
        }

    def capacity_limits(self, field: str, dt_h: float) -> list[CapacityLimit]:
        """Power P bounds charge and discharge; energy E bounds the level between its fractions of E."""
        if field == "power_kw":
            return [CapacityLimit("charge_kw", 1.0), CapacityLimit("discharge_kw", 1.0)]
        return level_limits(["soc_kwh", "initial_soc_kwh"], self.min_soc_fraction, self.max_soc_fraction)

    def sizing_problem(self, field: str) -> str | None:
        return cyclic_problem(self.end_rule, self.level_targets) if field == "energy_kwh" else None

    # --- independent re-derivation from a solution -------------------------------------
    def net_injection_kw(self, flows: dict[str, np.ndarray]) -> np.ndarray:
        c, d = flows["charge_kw"], flows["discharge_kw"]
        return d - c - self.auxiliary_kw(c, d)

    def cost_cny(self, flows: dict[str, np.ndarray], dt_h: float) -> float:
        return float(self.cycle_cost_cny_per_kwh * dt_h * flows["discharge_kw"].sum()) + target_cost_cny(
            self._target_rows, flows["soc_kwh"], self.end_value_cny_per_kwh)

    def soc_start_kwh(self, flows: dict[str, np.ndarray]) -> float:
        """Level before the first step [kWh]: the final level for the cyclic rule."""
        return start_of(self.end_rule, self.initial_soc_kwh, flows["soc_kwh"])

    def check(self, flows: dict[str, np.ndarray], dt_h: float, tol: float) -> list[str]:
        c, d, s = flows["charge_kw"], flows["discharge_kw"], flows["soc_kwh"]
        out = bound_violations(self.name, "charge_kw", c, 0.0, self.power_kw, tol)
        out += bound_violations(self.name, "discharge_kw", d, 0.0, self.power_kw, tol)
        out += bound_violations(self.name, "soc_kwh", s, *self.soc_bounds_kwh, tol)
        out += self.level_model(dt_h).continuity_violations(self.name, "soc_kwh", self.soc_start_kwh(flows), s, c, d,
                                                             dt_h, tol)
        out += end_violations(self.name, "kWh", self.end_rule, self.initial_soc_kwh, self.end_soc_min_kwh, s, tol)
        out += simultaneous_violations(self.name, c, d, tol)
        out += target_violations(self.name, self._target_rows, flows, s, "kwh", tol)
        return out

    def simultaneous_flow_steps(self, flows: dict[str, np.ndarray], tol: float) -> np.ndarray:
        """Steps at which the storage both charges and discharges more than ``tol``."""
        return both_above(flows["charge_kw"], flows["discharge_kw"], tol)
