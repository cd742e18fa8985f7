"""Heat at several temperature levels: one heat balance per level and a downward cascade.

Notes
-----
Without a ``heat_levels`` section the park has one heat bus (level ``heat``). With
it, levels :math:`l = 1..L` are listed hottest first (``name``, supply
``temperature_c``, e.g. process steam 150 C, process hot water 90 C, space heating
45 C) and every asset with a heat port names its level (``heat_level``). The heat
balance holds per level and step [kW_th]:

.. math::

    \\sum_{a \\in l} h_{a,t} + x_{l-1,t} - x_{l,t} = 0

with :math:`h_{a,t}` the heat injections of the assets on level :math:`l` (demand
negative) and :math:`x_{l,t} \\ge 0` [kW_th] the heat cascaded from level :math:`l`
down to level :math:`l+1` (``heat_cascade_<l>_to_<l+1>_kw_th``): supply water mixed
down with return water, or a heat exchanger; lossless in energy,
:math:`x_{l,t} \\le` ``cascade_max_kw_th`` if given, and :math:`x_{l,t} = 0` with
``cascade: false`` (e.g. steam that cannot be let down). Heat never flows up: a
low-temperature source (a 45 C heat pump, 40 C waste heat) serves only its level
and the levels below (``max_supply_temperature_c`` of a heat pump or waste-heat
source is checked against its level's temperature); give a heat pump on a hotter
level the COP for that supply temperature. A cascade over several levels passes through each one in between.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from .lazy import LinearExpression, pyo
from pydantic import BaseModel, ConfigDict, Field

from .assets.base import HEAT, BuildContext, HeatAsset, Ports, bound_violations, bus_terms

if TYPE_CHECKING:
    from .assets import AssetBase

SINGLE_LEVEL = "heat"
CASCADE = "heat_cascade"
"""pseudo-asset name of the cascade flows in the results"""


class HeatLevel(BaseModel):
    """One temperature level of the park's heat network."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=40, description="level name, e.g. process, space")
    temperature_c: float = Field(ge=-50, le=1000, description="supply temperature of the level [C]")
    cascade: bool = Field(True, description="heat of this level may be let down to the next colder level")
    cascade_max_kw_th: float | None = Field(None, ge=0, description="most heat let down to the next level "
                                                                      "per step [kW_th]; default unlimited")


def has_heat_port(asset: "AssetBase") -> bool:
    """True for kinds with a heat port (:class:`~optimiser.assets.base.HeatAsset`) that exchange heat."""
    return isinstance(asset, HeatAsset) and asset.uses_heat()


def level_problems(levels: list[HeatLevel], assets: list["AssetBase"]) -> list[str]:
    """Messages for heat levels out of order or duplicated and assets naming no or an unknown level."""
    problems = []
    names = [level.name for level in levels]
    for i, level in enumerate(levels):
        if level.name in names[:i]:
            problems.append(f"heat_levels[{i}] ({level.name}).name: used twice")
        elif i and level.temperature_c >= levels[i - 1].temperature_c:
            problems.append(f"heat_levels[{i}] ({level.name}).temperature_c = {level.temperature_c:g}: levels go from "
                            f"hottest to coldest; the level before is at {levels[i - 1].temperature_c:g} C")
    listed = ", ".join(names)
    for i, asset in enumerate(assets):
        if not isinstance(asset, HeatAsset):
            continue
        where = f"assets[{i}] ({asset.name}).heat_level"
        if not levels and asset.heat_level is not None:
            problems.append(f"{where} = '{asset.heat_level}': the scenario has no heat_levels")
        elif levels and asset.heat_level is None and has_heat_port(asset):
            problems.append(f"{where} is missing: with heat_levels every heat asset names one ({listed})")
        elif levels and asset.heat_level is not None and asset.heat_level not in names:
            problems.append(f"{where} = '{asset.heat_level}': not a heat level ({listed})")
        elif levels and asset.heat_level is not None:
            hottest = getattr(asset, "max_supply_temperature_c", None)
            temperature = levels[names.index(asset.heat_level)].temperature_c
            if hottest is not None and temperature > hottest:
                problems.append(f"{where} = '{asset.heat_level}': the level is at {temperature:g} C, above the "
                                f"asset's max_supply_temperature_c {hottest:g} C")
    return problems


def level_names(levels: list[HeatLevel]) -> list[str]:
    return [level.name for level in levels] or [SINGLE_LEVEL]


def level_of(asset: "AssetBase") -> str:
    return getattr(asset, "heat_level", None) or SINGLE_LEVEL


def cascades(levels: list[HeatLevel]) -> list[tuple[HeatLevel, str]]:
    """(upper level, name of the level below) for every level that lets heat down."""
    return [(upper, lower.name) for upper, lower in zip(levels, levels[1:]) if upper.cascade]


def cascade_flow_name(upper: str, lower: str) -> str:
    return f"{upper}_to_{lower}_kw_th"


def add_heat_balances(model: pyo.ConcreteModel, ctx: BuildContext, levels: list[HeatLevel],
                      assets: list["AssetBase"], ports: dict[str, Ports]) -> None:
    """``heat_balance[level, t]`` [kW_th] and the cascade variables ``heat_cascade.flow_kw_th[upper, t]``."""
    names = level_names(levels)
    terms, fixed = {}, {}
    for name in names:
        on_level = [ports[a.name] for a in assets if ports[a.name].uses(HEAT) and level_of(a) == name]
        terms[name], fixed[name] = bus_terms(on_level, HEAT, ctx.n)
    model.heat_levels = pyo.Set(initialize=names, ordered=True, doc="heat levels, hottest first")
    links = cascades(levels)
    if links:
        caps = {upper.name: upper.cascade_max_kw_th for upper, _ in links}
        block = model.heat_cascade = pyo.Block()
        block.flow_kw_th = pyo.Var([u.name for u, _ in links], ctx.steps, bounds=lambda _, u, t: (0.0, caps[u]),
                                   doc="heat let down from a level to the next colder one [kW_th]")
        for upper, lower in links:
            flow = [block.flow_kw_th[upper.name, t] for t in ctx.steps]
            terms[upper.name].append(([-1.0] * ctx.n, flow))
            terms[lower].append(([1.0] * ctx.n, flow))
    rhs = {name: (-fixed[name]).tolist() for name in names}

    def balance(m, level, t):
        return LinearExpression(constant=0.0, linear_coefs=[c[t] for c, _ in terms[level]],
                                linear_vars=[v[t] for _, v in terms[level]]) == rhs[level][t]

    model.heat_balance = pyo.Constraint(model.heat_levels, model.steps, rule=balance,
                                        doc="heat balance per level [kW_th]")


def cascade_flows(model: pyo.ConcreteModel, levels: list[HeatLevel], ctx: BuildContext) -> dict[str, np.ndarray]:
    """Solution of the cascade flows, named ``<upper>_to_<lower>_kw_th``."""
    return {cascade_flow_name(upper.name, lower): np.array(
        [model.heat_cascade.flow_kw_th[upper.name, t].value for t in ctx.steps], dtype=float)
        for upper, lower in cascades(levels)}


def level_residuals(levels: list[HeatLevel], injections: dict[str, np.ndarray],
                    cascade: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Heat balance residual per level [kW_th] from the assets' summed injections per level and the cascade flows."""
    residual = {name: np.asarray(injections.get(name, 0.0), dtype=float).copy() for name in level_names(levels)}
    for upper, lower in cascades(levels):
        flow = cascade[cascade_flow_name(upper.name, lower)]
        residual[upper.name] = residual[upper.name] - flow
        residual[lower] = residual[lower] + flow
    return residual


def cascade_violations(levels: list[HeatLevel], cascade: dict[str, np.ndarray], tol: float) -> list[str]:
    out = []
    for upper, lower in cascades(levels):
        name = cascade_flow_name(upper.name, lower)
        cap = np.inf if upper.cascade_max_kw_th is None else upper.cascade_max_kw_th
        out += bound_violations(CASCADE, name, cascade[name], 0.0, cap, tol)
    return out
