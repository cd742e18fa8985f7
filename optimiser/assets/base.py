"""What every asset kind provides, and the port convention that ties them to the buses.

Port convention
---------------
The park has up to three buses, each balanced at every step:

=============== ========== ==================== ===================================
bus             units      balance constraint   port fields
=============== ========== ==================== ===================================
``electricity`` kW         ``bus_balance``      ``electric``, ``electric_fixed_kw``
``heat``        kW_th      ``heat_balance``     ``heat``, ``heat_fixed_kw_th``
``hydrogen``    kg/h       ``hydrogen_balance`` ``hydrogen``, ``hydrogen_fixed_kg_per_h``
=============== ========== ==================== ===================================

An asset's ``build`` adds its variables and constraints to its own Pyomo block and
returns :class:`Ports`:

* ``electric`` / ``heat`` / ``hydrogen``: terms ``(coef, var)`` whose sum
  ``sum(coef[t] * var[t])`` is the asset's net injection into that bus; supply is
  positive, consumption negative (a heat pump has a negative electric term and a
  positive heat term);
* ``*_fixed_*``: a fixed injection per step into that bus (a demand is negative);
* ``cost``: terms ``(coef, var)`` whose sum over steps is the asset's cost [CNY],
  including the carbon price on its own emissions (``BuildContext.carbon_price_cny_per_tco2``);
* ``exclusive``: pairs of opposite flows that may not both be positive in one step
  (:class:`Exclusive`; binaries are added by the solve seam only where needed).

The electricity balance is always built; the heat and hydrogen balances only when
some asset has a port on that bus. The balances and the objective only sum ports:
adding an asset kind means one new module and one registry line in ``optimiser.assets``.

After the solve, ``flows`` reads the solution into named arrays whose suffix gives
the units (``*_kw``, ``*_kwh``, ``*_kw_th``, ``*_kwh_th``, ``*_kg_per_h``, ``*_kg``,
``*_m3_per_h``; ``flow_units`` overrides it), and ``check``, ``net_injection``,
``cost_cny``, ``emissions_tco2`` and ``totals`` re-derive the asset's physics, cost
and KPIs from those arrays and the inputs alone, independently of the Pyomo model.
An electricity-only asset may implement ``net_injection_kw`` instead of ``net_injection``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from ..lazy import pd
from ..lazy import LinearExpression, pyo
from pydantic import BaseModel, ConfigDict, Field

from .capacity import CapacityLimit

ELECTRICITY, HEAT, HYDROGEN = "electricity", "heat", "hydrogen"
BUSES = (ELECTRICITY, HEAT, HYDROGEN)
BUS_UNITS = {ELECTRICITY: "kW", HEAT: "kW_th", HYDROGEN: "kg/h"}
BALANCE_NAMES = {ELECTRICITY: "bus_balance", HEAT: "heat_balance", HYDROGEN: "hydrogen_balance"}

MJ_PER_KGCE = 29.3076
"""one kg of standard coal equivalent [MJ/kgce] (GB/T 2589-2020)"""

RESERVED_NAMES = {"grid", "objective", "targets", "heat_cascade", *BALANCE_NAMES.values()}


@dataclass
class BuildContext:
    """Run-wide facts an asset needs to build itself."""

    steps: pyo.Set
    n: int
    dt_h: float
    index: pd.DatetimeIndex
    carbon_price_cny_per_tco2: float = 0.0
    """price on emissions, for assets that emit (gas boilers, grey hydrogen) [CNY/tCO2]"""
    weight: np.ndarray | None = None
    """with typical periods, how many calendar steps each step stands for [-]; None: each step once"""
    periods: object = None
    """typical-period storage linking (:class:`optimiser.planning.typical.PeriodLinking`); None: one horizon"""

    def weighted(self, coef) -> np.ndarray:
        """Per-step coefficients of a horizon total, times each step's weight."""
        coef = np.broadcast_to(np.asarray(coef, dtype=float), (self.n,))
        return coef if self.weight is None else coef * self.weight

    @property
    def represented_h(self) -> float:
        """Hours the horizon stands for [h] (the calendar span with typical periods)."""
        return self.dt_h * (self.n if self.weight is None else float(self.weight.sum()))


Coef = float | np.ndarray


@dataclass
class Side:
    """One side of an exclusive pair, a quantity at each position k:
    ``constant[k] + Σ_j coefs[j][k] · terms[j][k]`` (non-negative, at most ``maximum[k]``)."""

    terms: list[list]
    coefs: list[np.ndarray]
    constant: np.ndarray
    maximum: np.ndarray

    @classmethod
    def of(cls, variables, maximum, coef=1.0, constant=0.0) -> "Side":
        """``constant + coef · variable`` per position (scalars or one value per position)."""
        variables = list(variables.values()) if hasattr(variables, "values") else list(variables)
        n = len(variables)
        return cls([variables], [_per_position(coef, n)], _per_position(constant, n), _per_position(maximum, n))

    def plus(self, variables, coef) -> "Side":
        """This side with one more term ``coef · variable`` per position."""
        variables = list(variables.values()) if hasattr(variables, "values") else list(variables)
        return Side(self.terms + [variables], self.coefs + [_per_position(coef, len(variables))], self.constant,
                    self.maximum)

    @property
    def plain(self) -> bool:
        """A single variable with coefficient 1 and no constant (a flow)."""
        return len(self.terms) == 1 and bool((self.coefs[0] == 1.0).all() and (self.constant == 0.0).all())


def _per_position(value, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=float), (n,)).copy()


@dataclass
class Exclusive:
    """Two quantities that may not both be positive at one position (import and export, charge and
    discharge in one step; a paid part below both its caps): at most one side is non-zero. The solve
    seam adds a binary at a position only where it can change the optimum (:mod:`optimiser.binaries`);
    the asset's ``check`` reports any breach independently."""

    label: str
    first: Side
    second: Side

    @classmethod
    def per_step(cls, label: str, first: pyo.Var, second: pyo.Var, first_max, second_max) -> "Exclusive":
        """Two flows at every step of two step-indexed variables (limits: scalars or per step)."""
        return cls(label, Side.of(first, first_max), Side.of(second, second_max))


@dataclass
class Ports:
    """An asset's contributions to the buses and the objective (see module doc)."""

    electric: list[tuple[Coef, pyo.Var]] = field(default_factory=list)
    electric_fixed_kw: np.ndarray | None = None
    cost: list[tuple[Coef, pyo.Var]] = field(default_factory=list)
    heat: list[tuple[Coef, pyo.Var]] = field(default_factory=list)
    heat_fixed_kw_th: np.ndarray | None = None
    hydrogen: list[tuple[Coef, pyo.Var]] = field(default_factory=list)
    hydrogen_fixed_kg_per_h: np.ndarray | None = None
    exclusive: list[Exclusive] = field(default_factory=list)

    def on_bus(self, bus: str) -> tuple[list[tuple[Coef, pyo.Var]], np.ndarray | None]:
        """The variable terms and the fixed injection of one bus."""
        if bus == ELECTRICITY:
            return self.electric, self.electric_fixed_kw
        if bus == HEAT:
            return self.heat, self.heat_fixed_kw_th
        if bus == HYDROGEN:
            return self.hydrogen, self.hydrogen_fixed_kg_per_h
        raise KeyError(f"unknown bus '{bus}'")

    def uses(self, bus: str) -> bool:
        terms, fixed = self.on_bus(bus)
        return bool(terms) or fixed is not None


def bus_terms(ports, bus: str, n: int) -> tuple[list[tuple[list[float], list]], np.ndarray]:
    """The ports' terms on ``bus`` as (coefficient per step, variable per step) pairs, and their summed
    fixed injection per step: what a balance ``sum_k coef_k[t] * var_k[t] + fixed[t] = 0`` is built from."""
    terms, fixed = [], np.zeros(n)
    for port in ports:
        port_terms, port_fixed = port.on_bus(bus)
        if port_fixed is not None:
            fixed += port_fixed
        terms += [(np.broadcast_to(np.asarray(coef, dtype=float), (n,)).tolist(), list(var.values()))
                  for coef, var in port_terms]
    return terms, fixed


@dataclass
class FuelUse:
    """Fuel an asset burns or buys, as a linear term of one of its variables.

    Per step the quantity is ``coef[t] * var[t]`` in the fuel's unit (``gas_m3``: m3 of
    natural gas; ``grey_hydrogen_kg``: kg of bought fossil hydrogen; ``heat_gj``: GJ of
    purchased heat or steam); each unit emits ``tco2_per_unit`` and is ``kgce_per_unit``
    of energy [kgce] (``non_fossil``: counts as non-fossil energy). Targets and the
    emissions objective read fuels only through this.
    """

    fuel: str
    coef: Coef
    var: pyo.Var
    tco2_per_unit: float
    kgce_per_unit: float = 0.0
    non_fossil: bool = False


def values(var: pyo.Var) -> np.ndarray:
    """Solution values of an indexed variable, in index order."""
    return np.fromiter((v.value for v in var.values()), dtype=float, count=len(var))


def set_upper_bounds(var: pyo.Var, upper: np.ndarray) -> list:
    """Set the upper bound of each of the variable's data objects (in index order); returns them."""
    data = list(var.values())
    for v, u in zip(data, upper.tolist()):
        v.setub(u)
    return data


def sum_by_step_rule(terms: list, step: np.ndarray, n: int, total: pyo.Var):
    """Constraint rule ``sum of the terms at step t == total[t]`` (``step``: the step of each term)."""
    order = np.argsort(step, kind="stable")
    ordered = [terms[j] for j in order.tolist()]
    start = np.searchsorted(step[order], np.arange(n + 1)).tolist()

    def rule(b, t):
        parts = ordered[start[t]:start[t + 1]]
        return LinearExpression(constant=0.0, linear_coefs=[1.0] * len(parts) + [-1.0],
                                linear_vars=parts + [total[t]]) == 0
    return rule


class AssetBase(BaseModel):
    """Fields every asset has. Subclasses add ``kind`` and their parameters."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=40, description="unique asset name")

    renewable: ClassVar[bool] = False
    """output counts as on-site renewable generation"""
    storage: ClassVar[bool] = False
    """has charge_kw / discharge_kw / soc_kwh flows (a :class:`~optimiser.assets.storage.Storage`)"""
    flow_units: ClassVar[dict[str, str]] = {}
    """units of flows whose name suffix does not tell them (thermal storage's ``charge_kw`` is kW_th)"""
    supply_flows: ClassVar[tuple[str, ...]] = ()
    """flows [kW] that are the asset's gross electricity supply into the park bus (generation, storage
    discharge, V2G); the park's export is attributed to them before direct supply (:mod:`optimiser.direct_rules`)"""
    fuel_generation: ClassVar[bool] = False
    """its electricity comes from a fuel (gas CHP, fuel cell): counted in the park's electricity consumed"""
    sizable: ClassVar[tuple[str, ...]] = ()
    """capacity fields that ``sizing`` may make decisions (:mod:`optimiser.planning.sizing`)"""

    def capacity_limits(self, field: str, dt_h: float) -> list[CapacityLimit]:
        """What the sized capacity ``field`` bounds (see :class:`CapacityLimit`); only for ``sizable`` fields."""
        raise NotImplementedError(f"{type(self).__name__} cannot size {field}")  # pragma: no cover - guarded

    def sizing_problem(self, field: str) -> str | None:
        """Why ``field`` of this asset cannot be sized as an LP (None if it can)."""
        return None

    def with_capacity(self, field: str, value: float) -> "AssetBase":
        """A copy with the capacity ``field`` at ``value``, not validated again (a bound or a solved value)."""
        return self.model_copy(update={field: value})

    def build(self, block: pyo.Block, ctx: BuildContext) -> Ports:  # pragma: no cover - interface
        raise NotImplementedError

    def flows(self, block: pyo.Block, ctx: BuildContext) -> dict[str, np.ndarray]:  # pragma: no cover
        raise NotImplementedError

    def net_injection(self, flows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Net injection into each bus the asset touches, from a solution (see module doc for units)."""
        return {ELECTRICITY: self.net_injection_kw(flows)}

    def net_injection_kw(self, flows: dict[str, np.ndarray]) -> np.ndarray:
        """Net injection into the electricity bus [kW] (zeros if the asset does not touch it)."""
        if type(self).net_injection is AssetBase.net_injection:  # pragma: no cover - interface
            raise NotImplementedError(f"{type(self).__name__} implements neither net_injection nor net_injection_kw")
        n = len(next(iter(flows.values())))
        return self.net_injection(flows).get(ELECTRICITY, np.zeros(n))

    def check(self, flows: dict[str, np.ndarray], dt_h: float, tol: float) -> list[str]:
        """Violations of the asset's own physics and bounds in a solution (empty if none)."""
        return []

    def cost_cny(self, flows: dict[str, np.ndarray], dt_h: float) -> float:
        """The asset's cost in the objective without the carbon price, recomputed from the flows [CNY]."""
        return 0.0

    def emissions_tco2(self, flows: dict[str, np.ndarray], dt_h: float) -> float:
        """The asset's own emissions over the horizon (fuel burnt, grey hydrogen bought) [tCO2]."""
        return 0.0

    def fuel_use(self, block: pyo.Block, ctx: BuildContext) -> list[FuelUse]:
        """The model's fuel terms of an emitting asset (must match ``emissions_tco2``); none by default."""
        return []

    def supply_terms(self, block: pyo.Block) -> list[tuple[Coef, pyo.Var]]:
        """The model's terms of the gross electricity supply (``supply_flows``) [kW]."""
        return [(1.0, block.component(f)) for f in self.supply_flows if block.component(f) is not None]

    def supply_kw(self, flows: dict[str, np.ndarray]) -> np.ndarray | float:
        """Gross electricity supply into the park bus from a solution [kW] (0 if none)."""
        return sum((flows[f] for f in self.supply_flows if f in flows), 0.0)

    def totals(self, flows: dict[str, np.ndarray], dt_h: float) -> dict[str, float]:
        """The asset's contributions to park-wide KPIs (summed over assets by key), e.g. ``gas_m3``."""
        return {}

    def simultaneous_flow_steps(self, flows: dict[str, np.ndarray], tol: float) -> np.ndarray:
        """Steps with physically impossible simultaneous opposite flows (none by default)."""
        return np.zeros(0, dtype=int)

    def detail_tables(self) -> dict[str, pd.DataFrame]:
        """Result tables that are not time series (written as ``<asset>_<key>.csv``); none by default."""
        return {}


class HeatAsset(AssetBase):
    """An asset kind with a port on the heat bus; with ``heat_levels`` it names its level
    (see :mod:`optimiser.heat_levels`)."""

    heat_level: str | None = Field(None, description="heat level of the asset's heat port (a name from the "
                                                     "scenario's heat_levels); only with heat_levels")

    def uses_heat(self) -> bool:
        """True if this instance exchanges heat (a fuel cell without heat recovery does not)."""
        return True


def both_above(a: np.ndarray, b: np.ndarray, tol: float) -> np.ndarray:
    """Steps at which two opposite flows (charge and discharge, import and export) both exceed ``tol``."""
    return np.flatnonzero(np.minimum(a, b) > tol)


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
