"""What every asset kind provides, and the port convention that ties them to the bus.

Port convention
---------------
An asset's ``build`` adds its variables and constraints to its own Pyomo block and
returns :class:`Ports`:

* ``electric``: terms ``(coef, var)`` whose sum ``sum(coef[t] * var[t])`` is the
  asset's net injection into the park's electricity bus [kW]; supply is positive,
  consumption negative;
* ``electric_fixed_kw``: a fixed injection per step [kW] (a demand is negative);
* ``cost``: terms ``(coef, var)`` whose sum over steps is the asset's cost [CNY].

The bus balance and the objective only sum ports: adding an asset kind means one
new module and one registry line in ``optimiser.assets``.

After the solve, ``flows`` reads the solution into named arrays (``*_kw`` flows,
``*_kwh`` levels), and ``check`` and ``net_injection_kw`` re-derive the asset's
physics from those arrays and the inputs alone, independently of the Pyomo model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pydantic import BaseModel, ConfigDict, Field

RESERVED_NAMES = {"grid", "bus_balance", "objective", "targets"}


@dataclass
class BuildContext:
    """Run-wide facts an asset needs to build itself."""

    steps: pyo.Set
    n: int
    dt_h: float
    index: pd.DatetimeIndex
    binaries: bool = False
    """add on/off binaries that forbid simultaneous opposite flows (charge/discharge)"""


Coef = float | np.ndarray


@dataclass
class Ports:
    """An asset's contributions to the electricity bus and the objective (see module doc)."""

    electric: list[tuple[Coef, pyo.Var]] = field(default_factory=list)
    electric_fixed_kw: np.ndarray | None = None
    cost: list[tuple[Coef, pyo.Var]] = field(default_factory=list)


def values(var: pyo.Var) -> np.ndarray:
    """Solution values of an indexed variable, in index order."""
    return np.fromiter((v.value for v in var.values()), dtype=float, count=len(var))


class AssetBase(BaseModel):
    """Fields every asset has. Subclasses add ``kind`` and their parameters."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=40, description="unique asset name")

    renewable: ClassVar[bool] = False
    """output counts as on-site renewable generation"""
    storage: ClassVar[bool] = False
    """has charge_kw / discharge_kw / soc_kwh flows"""

    def build(self, block: pyo.Block, ctx: BuildContext) -> Ports:  # pragma: no cover - interface
        raise NotImplementedError

    def flows(self, block: pyo.Block, ctx: BuildContext) -> dict[str, np.ndarray]:  # pragma: no cover
        raise NotImplementedError

    def net_injection_kw(self, flows: dict[str, np.ndarray]) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def check(self, flows: dict[str, np.ndarray], dt_h: float, tol: float) -> list[str]:
        """Violations of the asset's own physics and bounds in a solution (empty if none)."""
        return []

    def cost_cny(self, flows: dict[str, np.ndarray], dt_h: float) -> float:
        """The asset's cost in the objective, recomputed from the flows [CNY]."""
        return 0.0


def bound_violations(name: str, label: str, x: np.ndarray, lower, upper, tol: float) -> list[str]:
    """Messages for values of ``x`` outside ``[lower, upper]`` (scalars or arrays) beyond ``tol``."""
    out = []
    low = np.broadcast_to(lower, x.shape)
    up = np.broadcast_to(upper, x.shape)
    below = x < low - tol
    above = x > up + tol
    if below.any():
        i = int(np.argmax(below))
        out.append(f"{name}.{label} = {x[i]:.6g} below its lower bound {low[i]:.6g} at step {i}")
    if above.any():
        i = int(np.argmax(above))
        out.append(f"{name}.{label} = {x[i]:.6g} above its upper bound {up[i]:.6g} at step {i}")
    return out
