"""Hydrogen storage (compressed-gas tanks) on the hydrogen bus."""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from ..lazy import pyo
from pydantic import Field, PrivateAttr, ValidationInfo, model_validator

from .base import (ELECTRICITY, HYDROGEN, AssetBase, BuildContext, Exclusive, Ports, both_above,
                   bound_violations, values)
from .capacity import CapacityLimit, cyclic_problem, level_limits
from .level import (EndRule, LevelModel, add_start_and_end, end_violations, level_field_problem, measured_jump,
                    simultaneous_violations, start_of)
from .level_targets import (LevelTargetKg, TargetRow, add_targets, resolve_targets, target_cost_cny, target_flows,
                            target_violations)

class HydrogenStorage(AssetBase):
    """Hydrogen tanks filled from and emptied into the hydrogen bus.

    Notes
    -----
    Fill :math:`c_t \\in [0, C]` and withdrawal :math:`d_t \\in [0, D]` [kg/h]
    (``charge_kg_per_h``, ``discharge_kg_per_h``), level :math:`l_t` [kg] at the
    end of step :math:`t` (``level_kg``):

    .. math::

        l_t = l_{t-1} + \\Delta t\\,(c_t - d_t), \\qquad
        \\underline{l} M \\le l_t \\le \\overline{l} M

    with capacity :math:`M` [kg], no leakage, and :math:`l_{-1}` the initial level
    (a decision equal to :math:`l_{T-1}` for the ``cyclic`` rule). End rules as
    for batteries (:mod:`optimiser.assets.storage`): ``equal_initial``,
    ``at_least`` (:math:`l_{T-1} \\ge e M`), ``free``, ``cyclic``. The compressor
    draws :math:`k c_t` [kW] from the electricity bus (``compressor_kwh_per_kg``
    :math:`k`, a few kWh/kg for 350-700 bar; 0 by default). Injections:
    :math:`d_t - c_t` into the hydrogen bus, :math:`-k c_t` into the electricity bus.
    Unset flow limits default to :math:`M / \\Delta t`.

    Simultaneous fill and withdrawal is lossless without a compressor (never
    profitable, but possible at ties) and wastes compressor energy with one; as
    for batteries it is reported by the check and is an exclusive pair (where the seam adds a status
    :math:`u_t`: :math:`c_t \\le C u_t`, :math:`d_t \\le D (1 - u_t)`).
    """

    kind: Literal["hydrogen_storage"]
    sizable: ClassVar[tuple[str, ...]] = ("capacity_kg",)
    capacity_kg: float = Field(gt=0, description="usable tank capacity [kg]")
    min_level_fraction: float = Field(0.0, ge=0, lt=1, description="lowest level as a fraction of capacity_kg [-]")
    max_level_fraction: float = Field(1.0, gt=0, le=1, description="highest level as a fraction of capacity_kg [-]")
    initial_level_fraction: float = Field(0.5, ge=0, le=1, description="level before the first step [-]; ignored for end_rule 'cyclic'")
    end_rule: EndRule = Field("equal_initial", description="end-of-horizon rule for the level")
    end_level_min_fraction: float | None = Field(None, ge=0, le=1, description="lowest final level for end_rule 'at_least' [-]")
    max_charge_kg_per_h: float | None = Field(None, gt=0, description="maximum fill rate [kg/h]; default capacity per step")
    max_discharge_kg_per_h: float | None = Field(None, gt=0, description="maximum withdrawal rate [kg/h]; default capacity per step")
    compressor_kwh_per_kg: float = Field(0.0, ge=0, description="compressor electricity per kg filled [kWh/kg]")
    end_value_cny_per_kg: float = Field(0.0, ge=0, description="value of each kg left at the horizon's end [CNY/kg] "
                                        "(optimiser.assets.level_targets)")
    level_targets: list[LevelTargetKg] = Field(default_factory=list, description="minimum levels at local clock "
                                               "times, hard or soft (optimiser.assets.level_targets)")

    _target_rows: list[TargetRow] = PrivateAttr(default_factory=list)
    _jump: np.ndarray | None = PrivateAttr(None)
    target_level: ClassVar[tuple[str, str]] = ("level_kg", "kg")
    """the level flow and unit suffix the targets read"""

    @model_validator(mode="after")
    def _levels_in_order(self, info: ValidationInfo) -> "HydrogenStorage":
        problem = level_field_problem("level", self.min_level_fraction, self.max_level_fraction,
                                      self.initial_level_fraction, self.end_rule, self.end_level_min_fraction)
        if problem:
            raise ValueError(problem)
        self._target_rows = resolve_targets(self.level_targets, info, lambda t: self.capacity_kg,
                                            lambda t: self.level_bounds_kg[1])
        return self

    def level_model(self, dt_h: float | None = None) -> LevelModel:
        """Lossless tank level (see :mod:`optimiser.assets.level`)."""
        return LevelModel("kg", exogenous=self._jump)

    @property
    def initial_level(self) -> float:
        return self.initial_level_kg

    def measure_level(self, n: int, step: int, change: float) -> None:
        """A measured level jump at the start of ``step`` [kg] (see :func:`~.level.measured_jump`)."""
        self._jump = measured_jump(n, step, change, self._jump)

    @property
    def level_bounds_kg(self) -> tuple[float, float]:
        return self.min_level_fraction * self.capacity_kg, self.max_level_fraction * self.capacity_kg

    @property
    def initial_level_kg(self) -> float:
        return self.initial_level_fraction * self.capacity_kg

    @property
    def end_level_min_kg(self) -> float | None:
        return None if self.end_level_min_fraction is None else self.end_level_min_fraction * self.capacity_kg

    def flow_limits(self, dt_h: float) -> tuple[float, float]:
        """Fill and withdrawal limits [kg/h]."""
        default = self.capacity_kg / dt_h
        return self.max_charge_kg_per_h or default, self.max_discharge_kg_per_h or default

    def build(self, block: pyo.Block, ctx: BuildContext) -> Ports:
        lo, hi = self.level_bounds_kg
        c_max, d_max = self.flow_limits(ctx.dt_h)
        block.charge_kg_per_h = pyo.Var(ctx.steps, bounds=(0.0, c_max), doc="fill [kg/h]")
        block.discharge_kg_per_h = pyo.Var(ctx.steps, bounds=(0.0, d_max), doc="withdrawal [kg/h]")
        block.level_kg = pyo.Var(ctx.steps, bounds=(lo, hi), doc="hydrogen stored at the end of the step [kg]")
        start = add_start_and_end(block, ctx, block.level_kg, "level_kg", self.end_rule, self.initial_level_kg,
                                  self.end_level_min_kg, (lo, hi))
        block.level_balance = self.level_model().add_continuity(ctx, block.level_kg, block.charge_kg_per_h,
                                                   block.discharge_kg_per_h, start, "hydrogen level continuity")
        ports = Ports(hydrogen=[(1.0, block.discharge_kg_per_h), (-1.0, block.charge_kg_per_h)],
                      exclusive=[Exclusive.per_step(f"{self.name} fill/withdraw", block.charge_kg_per_h,
                                                    block.discharge_kg_per_h, c_max, d_max)])
        if self.compressor_kwh_per_kg:
            ports.electric = [(-self.compressor_kwh_per_kg, block.charge_kg_per_h)]
        ports.cost += add_targets(block, ctx, block.level_kg, self._target_rows, self.end_value_cny_per_kg, "kg")
        return ports

    def capacity_limits(self, field: str, dt_h: float) -> list[CapacityLimit]:
        """Capacity M bounds the level between its fractions of M, and unset fill / withdrawal limits (M per step)."""
        rates = [CapacityLimit(v, 1.0 / dt_h) for v, given in (("charge_kg_per_h", self.max_charge_kg_per_h),
                                                                ("discharge_kg_per_h", self.max_discharge_kg_per_h))
                 if given is None]
        return level_limits(["level_kg", "initial_level_kg"], self.min_level_fraction, self.max_level_fraction) + rates

    def sizing_problem(self, field: str) -> str | None:
        return cyclic_problem(self.end_rule, self.level_targets)

    def flows(self, block: pyo.Block, ctx: BuildContext) -> dict[str, np.ndarray]:
        charge = values(block.charge_kg_per_h)
        return {"charge_kg_per_h": charge, "discharge_kg_per_h": values(block.discharge_kg_per_h),
                "level_kg": values(block.level_kg), "compressor_kw": self.compressor_kwh_per_kg * charge,
                **target_flows(block, self._target_rows, ctx.n, "kg"),
                **({} if self._jump is None else {"measured_change_kg": self._jump})}

    def cost_cny(self, flows: dict[str, np.ndarray], dt_h: float) -> float:
        return target_cost_cny(self._target_rows, flows["level_kg"], self.end_value_cny_per_kg)

    def net_injection(self, flows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        out = {HYDROGEN: flows["discharge_kg_per_h"] - flows["charge_kg_per_h"]}
        if self.compressor_kwh_per_kg:
            out[ELECTRICITY] = -flows["compressor_kw"]
        return out

    def check(self, flows: dict[str, np.ndarray], dt_h: float, tol: float) -> list[str]:
        c, d, level = flows["charge_kg_per_h"], flows["discharge_kg_per_h"], flows["level_kg"]
        c_max, d_max = self.flow_limits(dt_h)
        out = bound_violations(self.name, "charge_kg_per_h", c, 0.0, c_max, tol)
        out += bound_violations(self.name, "discharge_kg_per_h", d, 0.0, d_max, tol)
        out += bound_violations(self.name, "level_kg", level, *self.level_bounds_kg, tol)
        start = start_of(self.end_rule, self.initial_level_kg, level)
        out += self.level_model().continuity_violations(self.name, "level_kg", start, level, c, d, dt_h, tol)
        out += end_violations(self.name, "kg", self.end_rule, self.initial_level_kg, self.end_level_min_kg, level, tol)
        out += simultaneous_violations(self.name, c, d, tol, verb="fills and empties")
        out += target_violations(self.name, self._target_rows, flows, level, "kg", tol)
        return out

    def simultaneous_flow_steps(self, flows: dict[str, np.ndarray], tol: float) -> np.ndarray:
        return both_above(flows["charge_kg_per_h"], flows["discharge_kg_per_h"], tol)
