"""PV and wind plants: available power that may be curtailed [kW]."""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from ..lazy import pyo
from pydantic import Field, model_validator

from forecasts.pv import PVArray
from forecasts.wind import WindFarm

from ..series import NonNegativeSeries
from .capacity import CapacityLimit
from .base import AssetBase, BuildContext, Ports, bound_violations, values


class _Renewable(AssetBase):
    """A plant whose output can be curtailed below its available power.

    Notes
    -----
    Variable :math:`p_t \\in [0, a_t]` [kW] (``output_kw``), with :math:`a_t` the
    available power. Curtailment :math:`a_t - p_t`. Injection into the bus: :math:`p_t`.
    """

    renewable: ClassVar[bool] = True
    supply_flows: ClassVar[tuple[str, ...]] = ("output_kw",)
    available_kw: NonNegativeSeries | None = Field(
        None, description="available (uncurtailed) AC power per step [kW]; or computed from the weather section"
    )
    capacity_kw: float | None = Field(None, gt=0, description="rated capacity whose output available_kw is [kW]; "
                                                           "needed only to size the plant (sizing scales the series)")
    sizable: ClassVar[tuple[str, ...]] = ("capacity_kw",)
    _source_field: ClassVar[str]

    @model_validator(mode="after")
    def _one_source(self) -> "_Renewable":
        if (self.available_kw is None) == (getattr(self, self._source_field) is None):
            raise ValueError(f"give exactly one of 'available_kw' and '{self._source_field}'")
        return self

    def build(self, block: pyo.Block, ctx: BuildContext) -> Ports:
        available = self.available_kw.tolist()
        block.output_kw = pyo.Var(ctx.steps, bounds=lambda _, t: (0.0, available[t]), doc="AC output after curtailment [kW]")
        return Ports(electric=[(1.0, block.output_kw)])

    def capacity_limits(self, field: str, dt_h: float) -> list[CapacityLimit]:
        """Output at most the availability per kW of capacity times the capacity."""
        return [CapacityLimit("output_kw", self.available_kw / self.capacity_kw)]

    def sizing_problem(self, field: str) -> str | None:
        return None if self.capacity_kw else "give capacity_kw (the rated capacity available_kw is for) to size it"

    def with_capacity(self, field: str, value: float) -> "_Renewable":
        """The plant at ``value`` kW: availability scaled in proportion."""
        return self.model_copy(update={"capacity_kw": value, "available_kw": self.available_kw * (value / self.capacity_kw)})

    def flows(self, block: pyo.Block, ctx: BuildContext) -> dict[str, np.ndarray]:
        output = values(block.output_kw)
        return {
            "available_kw": np.asarray(self.available_kw),
            "output_kw": output,
            "curtailed_kw": self.available_kw - output,
        }

    def net_injection_kw(self, flows: dict[str, np.ndarray]) -> np.ndarray:
        return flows["output_kw"]

    def check(self, flows: dict[str, np.ndarray], dt_h: float, tol: float) -> list[str]:
        """Output within availability; the reported ``available_kw`` (read by the curtailment KPIs) is
        the input series and ``curtailed_kw`` is available - output."""
        output = flows["output_kw"]
        out = bound_violations(self.name, "output_kw", output, 0.0, self.available_kw, tol)
        if np.abs(flows["available_kw"] - self.available_kw).max() > tol:
            out.append(f"{self.name}.available_kw is not the input series")
        if np.abs(flows["curtailed_kw"] - (self.available_kw - output)).max() > tol:
            out.append(f"{self.name}.curtailed_kw is not available_kw - output_kw")
        return out


class PV(_Renewable):
    """Photovoltaic plant (rooftop or ground arrays) with curtailable output."""

    kind: Literal["pv"]
    arrays: list[PVArray] | None = Field(None, description="pvlib arrays whose AC output, from the weather, is available_kw")
    _source_field: ClassVar[str] = "arrays"


class Wind(_Renewable):
    """Wind farm with curtailable output."""

    kind: Literal["wind"]
    farm: WindFarm | None = Field(None, description="windpowerlib farm whose output, from the weather, is available_kw")
    _source_field: ClassVar[str] = "farm"
