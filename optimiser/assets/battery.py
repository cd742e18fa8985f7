"""Lithium-ion (LFP) battery."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .storage import Storage


class Battery(Storage):
    """Lithium-ion battery: high efficiency, limited depth of discharge, cycle ageing cost.

    Defaults are typical LFP figures: 95 % one-way efficiency (about 90 % round
    trip), 5-95 % usable window, 0.01 %/h self-discharge, 0.05 CNY per kWh
    discharged for ageing (a 6,000-cycle cell at about 0.3 CNY/Wh replacement).
    The state-of-charge model is in :mod:`optimiser.assets.storage`.
    """

    kind: Literal["battery"]
    charge_efficiency: float = Field(0.95, gt=0, le=1, description="bus-to-storage efficiency [-]")
    discharge_efficiency: float = Field(0.95, gt=0, le=1, description="storage-to-bus efficiency [-]")
    min_soc_fraction: float = Field(0.05, ge=0, lt=1, description="lowest level as a fraction of energy_kwh [-]")
    max_soc_fraction: float = Field(0.95, gt=0, le=1, description="highest level as a fraction of energy_kwh [-]")
    self_discharge_per_hour: float = Field(0.0001, ge=0, lt=1, description="share of stored energy lost per hour [1/h]")
    cycle_cost_cny_per_kwh: float = Field(0.05, ge=0, description="ageing cost per kWh discharged [CNY/kWh]")
