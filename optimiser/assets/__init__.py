"""Asset kinds. Each module holds one kind's parameters, variables, constraints and checks.

To add a kind: write a module with a subclass of :class:`AssetBase` that has a
``kind: Literal[...]`` field, and add the class to ``ASSET_KINDS``.
"""

from typing import Annotated, Union

from pydantic import Field

from .base import AssetBase, BuildContext, Ports, RESERVED_NAMES
from .battery import Battery
from .boiler import ElectricBoiler, GasBoiler
from .chp import CHP
from .curtailable_load import CurtailableLoad
from .demand import Demand
from .demand_response import DemandResponse
from .direct_supply import DirectSupply
from .electrolyser import Electrolyser
from .ev_fleet import EVFleet
from .ev_sessions import EVSessions
from .flow_battery import FlowBattery
from .fuel_cell import FuelCell
from .grid import Grid
from .heat_demand import HeatDemand
from .heat_purchase import HeatPurchase
from .heat_pump import HeatPump
from .hydrogen_demand import HydrogenDemand
from .hydrogen_storage import HydrogenStorage
from .renewable import PV, Wind
from .shiftable_load import ShiftableLoad
from .storage import Storage
from .thermal_storage import ThermalStorage
from .waste_heat import WasteHeat

ASSET_KINDS = (
    Demand, PV, Wind, Battery, FlowBattery,
    HeatDemand, HeatPump, ElectricBoiler, GasBoiler, ThermalStorage,
    Electrolyser, HydrogenStorage, HydrogenDemand, FuelCell,
    ShiftableLoad,
    CurtailableLoad,
    DemandResponse,
    EVFleet,
    EVSessions,
    DirectSupply,
    WasteHeat,
    CHP,
    HeatPurchase,
)

Asset = Annotated[Union[ASSET_KINDS], Field(discriminator="kind")]

__all__ = [
    "ASSET_KINDS", "Asset", "AssetBase", "Battery", "BuildContext", "Demand", "ElectricBoiler", "Electrolyser",
    "FlowBattery", "FuelCell", "GasBoiler", "Grid", "HeatDemand", "HeatPump", "HeatPurchase", "HydrogenDemand", "HydrogenStorage",
    "PV", "Ports", "RESERVED_NAMES", "Storage", "ThermalStorage", "Wind",
]
