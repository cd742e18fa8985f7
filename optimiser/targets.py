"""Consumption-share targets, green-power purchases and the emissions expression, in the Pyomo model.

Every share is a ratio N / D of linear horizon totals [kWh] (see
:func:`optimiser.accounting.share_terms` for the same forms evaluated on a result):

============================== ========================================== ===================================
target                         N                                          D
============================== ========================================== ===================================
``green_electricity_share_min`` R + S - X + G                              C = I - X + R + S
``non_fossil_share_min``        N_green + φ (I - G)                        E = C + (k_g·gas + k_h·H2) / k_e
``clean_energy_share_min``      N_non_fossil + k_g·gas / k_e (if gas clean) E
``curtailment_rate_max`` r      R + S + S_x  (used)                        A (available), share 1 - r
============================== ========================================== ===================================

with on-site renewable output R, direct supply to the park S and its export S_x,
grid import I and export X, green purchases G. A hard target s adds
``N - s·D >= 0``; a soft one (``penalty_cny_per_kwh`` p) adds a shortfall u >= 0 [kWh],
``N - s·D + u >= 0`` and p·u to the objective, so at the optimum
u = max(0, s·D - N): the kWh of green (clean, used) energy missing.

Green purchases (``targets.green_purchases``): green-power contracts or green
certificates (1 GEC = 1 MWh), per step g_t >= 0 [kW] with Σ_products g_t <= I_t (a
certificate greens grid electricity actually bought), Σ_t Δt g_t <= ``max_mwh``·1000,
cost Δt·g_t·``price_cny_per_mwh``/1000. Purchased green power counts at 0 tCO2 in the
park accounting and in the green and clean shares; the grid import in the model's
``emissions_tco2`` (objective, carbon price) is unchanged.

Annual targets in daily runs (``year_to_date``): with year-to-date totals N0, D0 and
the rest of the year after this horizon expected to bring D_r at share r_r
(``rest_of_year_consumption_kwh``, ``rest_of_year_share`` [default: the target]),
the annual target stays reachable if
``(N0 + N + r_r·D_r) >= s·(D0 + D + D_r)``, i.e. ``N - s·D >= s·(D0 + D_r) - N0 - r_r·D_r``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
import pyomo.environ as pyo
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pyomo.core.expr.numeric_expr import LinearExpression

if TYPE_CHECKING:  # pragma: no cover
    from .scenario import Scenario

SHARE_TARGETS = ("green_electricity_share_min", "clean_energy_share_min", "non_fossil_share_min",
                 "curtailment_rate_max")
TERM_OF = {"green_electricity_share_min": "green_electricity_share", "clean_energy_share_min": "clean_energy_share",
           "non_fossil_share_min": "non_fossil_share",
           "curtailment_rate_max": "utilisation"}


class YearToDate(BaseModel):
    """Totals of the year so far and the expected rest of the year, for an annual target in a short run."""

    model_config = ConfigDict(extra="forbid")
    numerator_kwh: float = Field(ge=0, description="green (clean, used) energy so far this year [kWh]")
    denominator_kwh: float = Field(ge=0, description="consumption (available energy) so far this year [kWh]")
    rest_of_year_consumption_kwh: float = Field(0.0, ge=0, description="expected denominator after this horizon [kWh]")
    rest_of_year_share: float | None = Field(None, ge=0, le=1, description="expected share after this horizon "
                                             "[-]; default: the target itself")


class ShareTarget(BaseModel):
    """A share target: hard (no penalty) or soft (shortfall priced per kWh). A bare number is a hard target."""

    model_config = ConfigDict(extra="forbid")
    value: float = Field(ge=0, le=1, description="minimum share (maximum rate for curtailment) [-]")
    penalty_cny_per_kwh: float | None = Field(None, ge=0, description="soft target: price of each kWh of shortfall "
                                              "[CNY/kWh]; none: hard constraint")
    year_to_date: YearToDate | None = Field(None, description="apply an annual target in a shorter run")

    @model_validator(mode="before")
    @classmethod
    def _bare_number(cls, data):
        return {"value": data} if isinstance(data, (int, float)) and not isinstance(data, bool) else data

    @property
    def hard(self) -> bool:
        return self.penalty_cny_per_kwh is None


class GreenPurchase(BaseModel):
    """Green power bought through a green-power contract or green certificates (1 GEC = 1 MWh)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=40)
    kind: Literal["certificate", "green_power_contract"]
    price_cny_per_mwh: float = Field(ge=0, description="certificate price or contract premium [CNY/MWh]")
    max_mwh: float = Field(ge=0, description="volume available over the horizon [MWh]")


def required_share(target: ShareTarget, name: str) -> tuple[float, float]:
    """(s, rhs): the constraint is N - s·D >= rhs (rhs 0 without year-to-date carry-over)."""
    s = 1.0 - target.value if name == "curtailment_rate_max" else target.value
    ytd = target.year_to_date
    if ytd is None:
        return s, 0.0
    rest = s if ytd.rest_of_year_share is None else ytd.rest_of_year_share
    return s, s * (ytd.denominator_kwh + ytd.rest_of_year_consumption_kwh) - ytd.numerator_kwh - rest * (
        ytd.rest_of_year_consumption_kwh)


def target_shortfalls(terms: dict[str, tuple[float, float]], targets) -> dict[str, float]:
    """Shortfall of each share target [kWh]: max(0, rhs - (N - s·D)), from evaluated (N, D) terms."""
    out = {}
    for name in SHARE_TARGETS:
        target = getattr(targets, name)
        if target is not None:
            s, rhs = required_share(target, name)
            numerator, denominator = terms[TERM_OF[name]]
            out[name] = max(0.0, rhs - (numerator - s * denominator))
    return out


def _steps(coef, n):
    return np.broadcast_to(np.asarray(coef, dtype=float), (n,)).tolist()


class Form:
    """A linear horizon total: Σ coef[t]·var[t] + constant."""

    def __init__(self, n: int):
        self.n, self.coefs, self.vars, self.constant = n, [], [], 0.0

    def add(self, coef, var, scale: float = 1.0) -> "Form":
        self.coefs += [c * scale for c in _steps(coef, self.n)]
        self.vars += list(var.values())
        return self

    def plus(self, other: "Form", scale: float = 1.0) -> "Form":
        out = Form(self.n)
        out.coefs = self.coefs + [c * scale for c in other.coefs]
        out.vars = self.vars + other.vars
        out.constant = self.constant + scale * other.constant
        return out

    def expr(self) -> LinearExpression:
        return LinearExpression(constant=self.constant, linear_coefs=list(self.coefs), linear_vars=list(self.vars))


def add_green_purchases(model: pyo.ConcreteModel, ctx, scenario: "Scenario") -> list:
    """Green purchase variables and limits; returns cost terms ``(coef, var)``."""
    purchases = scenario.targets.green_purchases
    if not purchases:
        return []
    block = model.targets
    block.green_kw = pyo.Var([p.name for p in purchases], ctx.steps, bounds=(0.0, scenario.grid.import_limit_kw),
                             doc="green power bought per product [kW]")
    block.green_within_import = pyo.Constraint(ctx.steps, rule=lambda b, t: sum(
        b.green_kw[p.name, t] for p in purchases) <= model.grid.import_kw[t], doc="green purchases <= grid import")
    block.green_volume = pyo.Constraint([p.name for p in purchases], rule=lambda b, name: ctx.dt_h * sum(
        b.green_kw[name, t] for t in ctx.steps) <= 1000.0 * next(p.max_mwh for p in purchases if p.name == name))
    cost = []
    for p in purchases:
        var = _product_var(block, p.name, ctx)
        cost.append((ctx.dt_h * p.price_cny_per_mwh / 1000.0, var))
    return cost


class _Indexed:
    """A view of ``green_kw[name, :]`` with the ``values()`` / ``len`` interface of a step-indexed Var."""

    def __init__(self, var, name, steps):
        self._items = [var[name, t] for t in steps]

    def values(self):
        return self._items

    def __len__(self):
        return len(self._items)


def _product_var(block, name, ctx):
    return _Indexed(block.green_kw, name, ctx.steps)


def share_forms(model: pyo.ConcreteModel, ctx, scenario: "Scenario") -> dict[str, tuple[Form, Form]]:
    """(N, D) of every share as linear forms of the model's variables [kWh] (see module doc)."""
    n, dt, acc = ctx.n, ctx.dt_h, scenario.accounting
    imp, exp = Form(n).add(dt, model.grid.import_kw), Form(n).add(dt, model.grid.export_kw)
    onsite, direct, direct_x, gas, fuel, green_bought = Form(n), Form(n), Form(n), Form(n), Form(n), Form(n)
    available = 0.0
    for asset in scenario.assets:
        block = model.asset[asset.name]
        if asset.renewable:
            onsite.add(dt, block.output_kw)
            available += float(np.sum(asset.available_kw) * dt)
        elif asset.kind == "direct_supply":
            direct.add(dt, block.self_kw)
            direct_x.add(dt, block.export_kw)
            available += float(np.sum(asset.available_kw) * dt)
        for use in asset.fuel_use(block, ctx):
            fuel.add(use.coef, use.var, scale=_fuel_kgce_per_unit(use.fuel, acc) / acc.kgce_per_kwh)
            if use.fuel == "gas_m3":
                gas.add(use.coef, use.var, scale=acc.gas_kgce_per_m3 / acc.kgce_per_kwh)
    for p in scenario.targets.green_purchases:
        green_bought.add(dt, _product_var(model.targets, p.name, ctx))
    consumed = imp.plus(exp, -1).plus(onsite).plus(direct)
    green = onsite.plus(direct).plus(exp, -1).plus(green_bought)
    non_fossil = green.plus(imp, acc.grid_non_fossil_share).plus(green_bought, -acc.grid_non_fossil_share)
    clean = non_fossil.plus(gas) if acc.natural_gas_is_clean else non_fossil
    used = onsite.plus(direct).plus(direct_x)
    avail = Form(n)
    avail.constant = available
    energy = consumed.plus(fuel)
    return {"green_electricity_share": (green, consumed), "clean_energy_share": (clean, energy),
            "non_fossil_share": (non_fossil, energy),
            "utilisation": (used, avail), "consumed": (consumed, consumed)}


def _fuel_kgce_per_unit(fuel: str, acc) -> float:
    """Coal equivalent of one unit of a fuel [kgce/m3 or kgce/kg] from the accounting section."""
    return {"gas_m3": acc.gas_kgce_per_m3, "grey_hydrogen_kg": acc.hydrogen_kgce_per_kg}[fuel]


def add_share_targets(model: pyo.ConcreteModel, ctx, scenario: "Scenario", skip: str | None = None) -> list:
    """Targets and the direct-supply load rules as constraints; returns penalty cost terms ``(coef, var)``."""
    active = [name for name in SHARE_TARGETS if getattr(scenario.targets, name) is not None and name != skip]
    if not active and not any(a.kind == "direct_supply" for a in scenario.assets):
        return []
    forms = share_forms(model, ctx, scenario)
    block, cost = model.targets, []
    for name in SHARE_TARGETS:
        target = getattr(scenario.targets, name)
        if target is None or name == skip:
            continue
        s, rhs = required_share(target, name)
        numerator, denominator = forms[TERM_OF[name]]
        lhs = numerator.plus(denominator, -s)
        if target.hard:
            block.add_component(name, pyo.Constraint(expr=lhs.expr() >= rhs, doc=f"{name} {target.value:g}"))
        else:
            shortfall = pyo.Var(bounds=(0.0, None), doc=f"{name} shortfall [kWh]")
            block.add_component(f"{name}_shortfall_kwh", shortfall)
            block.add_component(name, pyo.Constraint(expr=lhs.expr() + shortfall >= rhs))
            cost.append((target.penalty_cny_per_kwh, shortfall))
    consumed = forms["consumed"][0]
    year = ctx.index[0].year
    for asset in scenario.assets:
        if asset.kind != "direct_supply":
            continue
        own = Form(ctx.n).add(ctx.dt_h, model.asset[asset.name].self_kw)
        for rule, share in (("self_min_of_load", asset.rules.load_fraction(year)),
                            ("share_min", asset.rules.direct_supply_share_min)):
            if share is not None:
                block.add_component(f"{asset.name}_{rule}", pyo.Constraint(
                    expr=own.plus(consumed, -share).expr() >= 0, doc=f"{asset.name} self-consumed >= {share:g} x C"))
    return cost


def emission_form(model: pyo.ConcreteModel, ctx, scenario: "Scenario") -> Form:
    """The model's emissions [tCO2]: grid import x grid factor plus every asset's fuel use (gas, grey hydrogen)."""
    dt = ctx.dt_h
    form = Form(ctx.n).add(dt * np.asarray(scenario.grid.emission_factor_tco2_per_mwh) / 1000.0, model.grid.import_kw)
    for asset in scenario.assets:
        for use in asset.fuel_use(model.asset[asset.name], ctx):
            form.add(use.coef, use.var, scale=use.tco2_per_unit)
    return form
