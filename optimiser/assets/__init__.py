"""Asset kinds. Each module holds one kind's parameters, variables, constraints and checks.

To add a kind: write a module with a subclass of :class:`AssetBase` that has a
``kind: Literal[...]`` field, and add the class to ``ASSET_KINDS``.
"""

from typing import Annotated, Union

from pydantic import Field

from .base import AssetBase, BuildContext, Ports, RESERVED_NAMES
from .battery import Battery
from .demand import Demand
from .flow_battery import FlowBattery
from .grid import Grid
from .renewable import PV, Wind
from .storage import Storage

ASSET_KINDS = (Demand, PV, Wind, Battery, FlowBattery)

Asset = Annotated[Union[ASSET_KINDS], Field(discriminator="kind")]

__all__ = [
    "ASSET_KINDS", "Asset", "AssetBase", "Battery", "BuildContext", "Demand", "FlowBattery",
    "Grid", "PV", "Ports", "RESERVED_NAMES", "Storage", "Wind",
]
