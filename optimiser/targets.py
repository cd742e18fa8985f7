"""Consumption-share targets, green-power purchases and the emissions expression, in the Pyomo model.

Every share is a ratio N / D of linear horizon totals [kWh] (see
:func:`optimiser.accounting.share_terms` for the same forms evaluated on a result):

================================ ========================================== ===================================
target                           N                                          D
================================ ========================================== ===================================
``green_electricity_share_min``  R + S - X + G (+ F_h2 if no grey H2)        C = I - X + R + S + F
``direct_supply_share_min``      Σ_p (S_p - r_p)  (park level)               C
``non_fossil_share_min``         R + S - X + G + φ (I - G) + k_q·Q_nf / k_e  E = I - X + R + S + (k_g·gas + k_h·H2 + k_q·Q) / k_e
``clean_energy_share_min``       N_non_fossil + k_g·gas / k_e (if gas clean) E
``curtailment_rate_max`` r       R + S + S_x  (used)                        A (available), share 1 - r
``renewable_share_min`` (float)  R - X  (on-site renewables only)           C
================================ ========================================== ===================================

with on-site renewable output R, direct supply over the lines S (of project p: S_p, of
which r_p left again through the park's export, :mod:`optimiser.direct_rules`) and the
projects' own export S_x, grid import I and export X, green purchases G, electricity
from on-site fuel generation F (gas CHP, fuel cells; F_h2 the fuel cells' part) and
purchased heat Q [GJ] (Q_nf its non-fossil part). C is all the electricity the park used,
from every source; E counts energy once (a CHP's gas, not also its electricity). A hard
target s adds ``N - s·D >= 0``; a soft one (``penalty_cny_per_kwh`` p) adds a shortfall
u >= 0 [kWh], ``N - s·D + u >= 0`` and p·u to the objective, so at the optimum
u = max(0, s·D - N): the kWh of green (clean, used) energy missing.

Green purchases (``targets.green_purchases``): green-power contracts or green
certificates (1 GEC = 1 MWh), per step g_t >= 0 [kW] with Σ_products g_t <= I_t (a
certificate greens grid electricity actually bought), Σ_t Δt g_t <= ``max_mwh``·1000,
cost Δt·g_t·``price_cny_per_mwh``/1000. Purchased green power counts at 0 tCO2 in the
park accounting (and so in the emissions objective, cap and carbon price on the
``national_method`` basis) and in the green and clean shares.

Emissions (:func:`emission_form`, the one place the objective, the cap, the carbon price
and the Pareto front read them), on ``objective.emissions_basis``:
``national_method`` [default]: EF_n·(I - G - X + Σ_p r_p)/1000 + fuels + purchased heat,
with EF_n = ``accounting.grid_emission_factor_tco2_per_mwh`` (0.8325) and no credit for
re-exported direct supply; ``grid_factor``: Σ_t EF_t·I_t/1000 + fuels + purchased heat
with the physical ``grid.emission_factor_tco2_per_mwh``.

Annual targets in daily runs (``year_to_date``): with year-to-date totals N0, D0 and
the rest of the year after this horizon expected to bring D_r at share r_r
(``rest_of_year_consumption_kwh``, ``rest_of_year_share`` [default: the target]),
the annual target stays reachable if
``(N0 + N + r_r·D_r) >= s·(D0 + D + D_r)``, i.e. ``N - s·D >= s·(D0 + D_r) - N0 - r_r·D_r``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from .lazy import LinearExpression, pyo
from pydantic import BaseModel, ConfigDict, Field, model_validator

from .direct_rules import RULE_LABELS, StepView, add_export_split, projects, rule_rows
from .direct_rules import reexport as reexport_view

if TYPE_CHECKING:  # pragma: no cover
    from .scenario import Scenario

SHARE_TARGETS = ("green_electricity_share_min", "clean_energy_share_min", "non_fossil_share_min",
                 "curtailment_rate_max", "direct_supply_share_min")
TERM_OF = {"green_electricity_share_min": "green_electricity_share", "clean_energy_share_min": "clean_energy_share",
           "non_fossil_share_min": "non_fossil_share",
           "curtailment_rate_max": "utilisation", "direct_supply_share_min": "direct_supply_share",
           "renewable_share_min": "renewable_share"}


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
    """A linear horizon total: Σ w[t]·coef[t]·var[t] + constant, with each step's weight w[t] (typical
    periods: the calendar steps it stands for; else 1)."""

    def __init__(self, n: int, weight: np.ndarray | None = None):
        self.n, self.weight, self.coefs, self.vars, self.constant = n, weight, [], [], 0.0

    def add(self, coef, var, scale: float = 1.0) -> "Form":
        coef = np.asarray(_steps(coef, self.n)) * (scale if self.weight is None else scale * self.weight)
        self.coefs += coef.tolist()
        self.vars += list(var.values())
        return self

    def plus(self, other: "Form", scale: float = 1.0) -> "Form":
        out = Form(self.n, self.weight)
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
                             doc="green power bought per product [kW]",  # pragma: no mutate (Pyomo doc)
                             )
    block.green_within_import = pyo.Constraint(ctx.steps, rule=lambda b, t: sum(
        b.green_kw[p.name, t] for p in purchases) <= model.grid.import_kw[t],
        doc="green purchases <= grid import",  # pragma: no mutate (Pyomo doc)
    )
    block.green_volume = pyo.Constraint([p.name for p in purchases], rule=lambda b, name: sum(
        w * b.green_kw[name, t] for t, w in zip(ctx.steps, ctx.weighted(ctx.dt_h).tolist())) <= 1000.0 * next(p.max_mwh for p in purchases if p.name == name))
    cost = []
    for p in purchases:
        var = _product_var(block, p.name, ctx)
        cost.append((ctx.dt_h * p.price_cny_per_mwh / 1000.0, var))
    return cost


def _product_var(block, name, ctx):
    return StepView(block.green_kw, name, ctx.steps)


def share_forms(model: pyo.ConcreteModel, ctx, scenario: "Scenario") -> dict[str, tuple[Form, Form]]:
    """(N, D) of every share as linear forms of the model's variables [kWh] (see module doc)."""
    n, dt, acc = ctx.n, ctx.dt_h, scenario.accounting
    imp, exp = Form(n, ctx.weight).add(dt, model.grid.import_kw), Form(n, ctx.weight).add(dt, model.grid.export_kw)
    onsite, line, reexport, direct_x, gas, fuel, green_bought = (Form(n, ctx.weight) for _ in range(7))
    fuel_power, h2_power, heat_nf = Form(n, ctx.weight), Form(n, ctx.weight), Form(n, ctx.weight)
    available = 0.0
    for asset in scenario.assets:
        block = model.asset[asset.name]
        if asset.renewable:
            onsite.add(dt, block.output_kw)
            available += float(np.sum(ctx.weighted(asset.available_kw)) * dt)
        elif asset.kind == "direct_supply":
            line.add(dt, block.self_kw)
            direct_x.add(dt, block.export_kw)
            available += float(np.sum(ctx.weighted(asset.available_kw)) * dt)
            view = reexport_view(model, asset.name, ctx)
            if view is not None:
                reexport.add(dt, view)
        if asset.fuel_generation:
            for coef, var in asset.supply_terms(block):
                fuel_power.add(coef, var, scale=dt)
                if asset.kind == "fuel_cell":
                    h2_power.add(coef, var, scale=dt)
        for use in asset.fuel_use(block, ctx):
            kwh_eq = fuel_kgce_per_unit(use, acc) / acc.kgce_per_kwh
            fuel.add(use.coef, use.var, scale=kwh_eq)
            if use.fuel == "gas_m3":
                gas.add(use.coef, use.var, scale=kwh_eq)
            if use.non_fossil:
                heat_nf.add(use.coef, use.var, scale=kwh_eq)
    for p in scenario.targets.green_purchases:
        green_bought.add(dt, _product_var(model.targets, p.name, ctx))
    consumed = imp.plus(exp, -1).plus(onsite).plus(line)
    used_electricity = consumed.plus(fuel_power)
    green_energy = onsite.plus(line).plus(exp, -1).plus(green_bought)
    green = green_energy.plus(h2_power) if fuel_cells_green(scenario) else green_energy
    non_fossil = green_energy.plus(imp, acc.grid_non_fossil_share).plus(green_bought, -acc.grid_non_fossil_share)
    non_fossil = non_fossil.plus(heat_nf)
    clean = non_fossil.plus(gas) if acc.natural_gas_is_clean else non_fossil
    used = onsite.plus(line).plus(direct_x)
    avail = Form(n, ctx.weight)
    avail.constant = available
    energy = consumed.plus(fuel)
    direct_self = line.plus(reexport, -1)
    return {"green_electricity_share": (green, used_electricity), "clean_energy_share": (clean, energy),
            "non_fossil_share": (non_fossil, energy), "utilisation": (used, avail),
            "direct_supply_share": (direct_self, used_electricity), "consumed": (used_electricity, used_electricity),
            "renewable_share": (onsite.plus(exp, -1), used_electricity)}


def fuel_kgce_per_unit(use, acc) -> float:
    """Coal equivalent of one unit of a fuel [kgce per m3, kg or GJ]: the accounting section's coefficient,
    else the asset's own (gas from its heating value)."""
    if use.fuel == "gas_m3":
        return acc.gas_kgce_per_m3 or use.kgce_per_unit
    if use.fuel == "grey_hydrogen_kg":
        return acc.hydrogen_kgce_per_kg
    return use.kgce_per_unit


def fuel_cells_green(scenario: "Scenario") -> bool:
    """Fuel-cell electricity counts as green only if the park cannot buy grey hydrogen (then all its
    hydrogen is electrolytic); otherwise it counts as fossil (conservative: no hydrogen origin tracking)."""
    return not any(getattr(a, "grey_purchase_cny_per_kg", None) is not None for a in scenario.assets)


def add_share_targets(model: pyo.ConcreteModel, ctx, scenario: "Scenario", skip: str | None = None) -> list:
    """Targets, the export split and the direct-supply rules as constraints; returns cost terms
    ``(coef, var or expression)``: target penalties and, on the national-method basis, the carbon price's
    correction from the grid's physical factor (priced by :class:`optimiser.assets.Grid`) to that basis."""
    add_export_split(model, ctx, scenario)
    cost = _carbon_basis_correction(model, ctx, scenario)
    active = [name for name in SHARE_TARGETS if getattr(scenario.targets, name) is not None and name != skip]
    if not active and not projects(scenario):
        return cost
    forms = share_forms(model, ctx, scenario)
    block = model.targets
    for name in SHARE_TARGETS:
        target = getattr(scenario.targets, name)
        if target is None or name == skip:
            continue
        s, rhs = required_share(target, name)
        numerator, denominator = forms[TERM_OF[name]]
        lhs = numerator.plus(denominator, -s)
        if target.hard:
            block.add_component(name, pyo.Constraint(
                expr=lhs.expr() >= rhs,
                doc=f"{name} {target.value:g}",  # pragma: no mutate (Pyomo doc)
            ))
        else:
            shortfall = pyo.Var(bounds=(0.0, None),
                                doc=f"{name} shortfall [kWh]",  # pragma: no mutate (Pyomo doc)
                                )
            block.add_component(f"{name}_shortfall_kwh", shortfall)
            block.add_component(name, pyo.Constraint(expr=lhs.expr() + shortfall >= rhs))
            cost.append((target.penalty_cny_per_kwh, shortfall))
    consumed = forms["consumed"][0]
    year = ctx.index[0].year
    for asset in projects(scenario):
        block_p = model.asset[asset.name]
        own = Form(ctx.n, ctx.weight).add(ctx.dt_h, block_p.self_kw)
        exported = Form(ctx.n, ctx.weight).add(ctx.dt_h, block_p.export_kw)
        view = reexport_view(model, asset.name, ctx)
        if view is not None:
            own.add(-ctx.dt_h, view)
            exported.add(ctx.dt_h, view)
        for rule, share, lhs, rhs in rule_rows(asset, ctx.dt_h, own, exported, consumed, year,
                                                   ctx.weight):
            block.add_component(f"{asset.name}_{rule}", pyo.Constraint(
                expr=lhs.expr() >= rhs,
                doc=f"{asset.name} {RULE_LABELS[rule].format(s=share)}",  # pragma: no mutate (Pyomo doc)
            ))
    return cost


def grid_electricity_form(model: pyo.ConcreteModel, ctx, scenario: "Scenario", basis: str) -> Form:
    """Emissions of the park's electricity exchange on ``basis`` [tCO2] (module doc)."""
    dt = ctx.dt_h
    if basis == "grid_factor":
        return Form(ctx.n, ctx.weight).add(dt * np.asarray(scenario.grid.emission_factor_tco2_per_mwh) / 1000.0,
                               model.grid.import_kw)
    factor = dt * scenario.accounting.grid_emission_factor_tco2_per_mwh / 1000.0
    form = Form(ctx.n, ctx.weight).add(factor, model.grid.import_kw).add(-factor, model.grid.export_kw)
    for p in scenario.targets.green_purchases:
        form.add(-factor, _product_var(model.targets, p.name, ctx))
    for asset in projects(scenario):
        view = reexport_view(model, asset.name, ctx)
        if view is not None:
            form.add(factor, view)
    return form


def _carbon_basis_correction(model: pyo.ConcreteModel, ctx, scenario: "Scenario") -> list:
    price = scenario.objective.carbon_price_cny_per_tco2
    if price == 0 or scenario.objective.emissions_basis == "grid_factor":
        return []
    national = grid_electricity_form(model, ctx, scenario, "national_method")
    physical = grid_electricity_form(model, ctx, scenario, "grid_factor")
    return [(price, national.plus(physical, -1).expr())]


def emission_form(model: pyo.ConcreteModel, ctx, scenario: "Scenario") -> Form:
    """The model's emissions [tCO2] on ``objective.emissions_basis``: the park's electricity exchange plus every
    asset's fuel use (gas, grey hydrogen, purchased heat). The one definition the emissions objective, the
    cap, the carbon price and the Pareto front use."""
    form = grid_electricity_form(model, ctx, scenario, scenario.objective.emissions_basis)
    for asset in scenario.assets:
        for use in asset.fuel_use(model.asset[asset.name], ctx):
            form.add(use.coef, use.var, scale=use.tco2_per_unit)
    return form
