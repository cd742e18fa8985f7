"""Thermal storage (hot-water tank, phase-change or electric heat storage) on the heat bus."""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from ..lazy import pyo
from pydantic import Field

from .base import HEAT, BuildContext, HeatAsset, Ports
from .storage import Storage


class ThermalStorage(Storage, HeatAsset):
    """Heat store charged from and discharged to the heat bus.

    Notes
    -----
    The level model is the electricity storage model of
    :mod:`optimiser.assets.storage` unchanged, in thermal units: charge
    :math:`c_t` and discharge :math:`d_t` [kW_th] (flows ``charge_kw``,
    ``discharge_kw``, units attribute ``kW_th``), level :math:`s_t` [kWh_th]
    (``soc_kwh``, units ``kWh_th``), heat loss per hour :math:`\\sigma`
    (``self_discharge_per_hour``), the same bounds, end rules and on/off binaries
    against simultaneous charge and discharge (which would dump heat through the
    efficiencies and losses, so it is forbidden and checked like for batteries).
    Injection into the heat bus: :math:`d_t - c_t`; nothing on the electricity bus.

    Defaults: a stratified hot-water tank, no conversion loss on charge and
    discharge, full usable range, 0.5 %/h standby loss (about 11 %/day), no
    ageing cost.
    """

    kind: Literal["thermal_storage"]
    supply_flows: ClassVar[tuple[str, ...]] = ()
    flow_units: ClassVar[dict[str, str]] = {"charge_kw": "kW_th", "discharge_kw": "kW_th", "soc_kwh": "kWh_th",
                                            "target_shortfall_kwh": "kWh_th", "measured_change_kwh": "kWh_th"}
    power_kw: float = Field(gt=0, description="maximum charge and discharge heat flow [kW_th]")
    energy_kwh: float = Field(gt=0, description="usable heat capacity [kWh_th]")
    charge_efficiency: float = Field(1.0, gt=0, le=1, description="bus-to-store heat efficiency [-]")
    discharge_efficiency: float = Field(1.0, gt=0, le=1, description="store-to-bus heat efficiency [-]")
    min_soc_fraction: float = Field(0.0, ge=0, lt=1, description="lowest level as a fraction of energy_kwh [-]")
    max_soc_fraction: float = Field(1.0, gt=0, le=1, description="highest level as a fraction of energy_kwh [-]")
    self_discharge_per_hour: float = Field(0.005, ge=0, lt=1, description="heat loss, share of stored heat per hour [1/h]")
    cycle_cost_cny_per_kwh: float = Field(0.0, ge=0, description="cost per kWh_th discharged [CNY/kWh_th]")

    def build(self, block: pyo.Block, ctx: BuildContext) -> Ports:
        ports = super().build(block, ctx)
        ports.heat, ports.electric = ports.electric, []
        return ports

    def net_injection(self, flows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {HEAT: flows["discharge_kw"] - flows["charge_kw"]}

    def net_injection_kw(self, flows: dict[str, np.ndarray]) -> np.ndarray:
        return np.zeros_like(flows["charge_kw"])
