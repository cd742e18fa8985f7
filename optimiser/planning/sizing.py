"""Capacity sizing: the scenario's ``sizing`` section, annualised costs and the sized park.

A capacity named ``<asset>.<field>`` (given nested: ``capacities: {lfp: {energy_kwh: ...}}``;
``grid.import_limit_kw`` for the connection) becomes
a decision :math:`C` co-optimised with the dispatch, in one LP (:mod:`optimiser.planning.sized_run`):

.. math::

    \\min\\; \\text{operating cost of the horizon}
    + w \\sum_k \\big(a_k\\,(C_k - C^0_k) + o_k\\,C_k\\big), \\qquad
    \\max(C^0_k, \\underline C_k) \\le C_k \\le \\overline C_k

with existing (brown-field) capacity :math:`C^0` (sunk: no investment), annualised investment
:math:`a = \\mathrm{CRF}(r, n)\\,I` [CNY per unit-year] from the investment :math:`I` [CNY per unit],
lifetime :math:`n` [years] and discount rate :math:`r` (capital recovery factor
:math:`\\mathrm{CRF} = r(1+r)^n / ((1+r)^n - 1)`, :math:`1/n` at :math:`r = 0`), fixed O&M
:math:`o` [CNY per unit-year] on all capacity, and the **annualisation weight** :math:`w`
[years] = the part of a year the operating cost represents (:func:`represented_years`: horizon
hours / 8760, so a day pays 1/365 of the annual capital cost). Every annual figure reported is the
horizon's divided by :math:`w`. Over typical periods the horizon is the calendar the typical days
stand for (their weights already scale the operating cost to it): :math:`w = 1` for a whole year.

What a capacity bounds (output :math:`\\le C \\times` availability per kW for PV and wind,
charge and discharge :math:`\\le P`, :math:`\\underline s E \\le` level :math:`\\le \\overline s E` for
stores, ...) is declared by each asset kind (``capacity_limits`` in :mod:`optimiser.assets`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..bounds import unit_limit

HOURS_PER_YEAR = 8760.0
UNITS = {"_kw": "kW", "_kwh": "kWh", "_kw_th": "kW_th", "_kg": "kg"}
"""the unit of a capacity, from its field's suffix (thermal storage's energy_kwh is kWh_th)"""


class Capacity(BaseModel):
    """One capacity decision; amounts are in the unit of the capacity field it sizes (kW, kWh, kg)."""

    model_config = ConfigDict(extra="forbid")
    max: float = Field(ge=0, description="largest capacity [unit of the field]")
    min: float | None = Field(None, ge=0, description="smallest capacity [unit of the field]; default: existing")
    existing: float | None = Field(None, ge=0, description="capacity already built (brown-field): a lower bound, "
                                   "no investment [unit of the field]; default: the asset's own value of the field "
                                   "(give 0 for a candidate asset)")
    investment_cny_per_unit: float = Field(ge=0, description="overnight investment per unit of new capacity [CNY/kW, "
                                           "CNY/kWh, CNY/kg]")
    fixed_om_cny_per_unit_year: float = Field(0.0, ge=0, description="fixed O&M per unit of capacity and year "
                                              "(existing capacity too) [CNY/(unit a)]")
    lifetime_years: float = Field(gt=0, le=100, description="economic lifetime [years]")

    @model_validator(mode="after")
    def _ordered(self) -> "Capacity":
        if self.min is not None and self.min > self.max:
            raise ValueError(f"min {self.min:g} is above max {self.max:g}")
        if self.existing is not None and self.existing > self.max:
            raise ValueError(f"existing {self.existing:g} is above max {self.max:g}")
        if self.min is not None and self.existing is not None and self.min < self.existing:
            raise ValueError(f"min {self.min:g} is below existing {self.existing:g} (built capacity is kept)")
        return self


class Sizing(BaseModel):
    """Capacities as decisions (see module doc)."""

    model_config = ConfigDict(extra="forbid")
    discount_rate: float = Field(ge=0, lt=1, description="real discount rate for the capital recovery factor and "
                                 "the NPV [-]")
    capacities: dict[str, Annotated[dict[str, Capacity], Field(min_length=1)]] = Field(
        min_length=1, description="asset name (or 'grid') -> capacity field -> decision")
    reference: dict[str, dict[str, float]] = Field(
        default_factory=dict, description="reference design for payback and NPV, asset -> field -> capacity: these "
        "capacities fixed, the others at their existing value")
    analysis_years: float | None = Field(None, gt=0, le=100, description="NPV period [years]; default: the longest "
                                         "lifetime")

    @model_validator(mode="after")
    def _reference_named(self) -> "Sizing":
        sized = [key for key, *_ in self.items()]
        for name, fields in self.reference.items():
            for field, value in fields.items():
                if f"{name}.{field}" not in sized:
                    raise ValueError(f"reference names {name}.{field}, which is not in capacities ({', '.join(sized)})")
                if not 0 <= value <= unit_limit(field)[0]:
                    raise ValueError(f"reference {name}.{field} = {value:g} is not a plausible capacity")
        return self

    def items(self):
        """``(key, asset name, field, decision)`` per capacity, key ``<asset>.<field>``, in file order."""
        return [(f"{name}.{field}", name, field, spec) for name, fields in self.capacities.items()
                for field, spec in fields.items()]

    def reference_of(self, key: str, default: float) -> float:
        """The reference design's capacity ``key`` (``default``: existing, if the reference does not name it)."""
        name, _, field = key.rpartition(".")
        return self.reference.get(name, {}).get(field, default)


def crf(rate: float, years: float) -> float:
    """Capital recovery factor [1/year]: the annuity per unit of present value, r(1+r)^n / ((1+r)^n - 1)."""
    if rate == 0:
        return 1.0 / years
    growth = (1.0 + rate) ** years
    return rate * growth / (growth - 1.0)


def represented_years(scenario) -> float:
    """Annualisation weight w [years]: how much of a year the operating cost of the model represents.

    Horizon hours / 8760; with typical periods the horizon is the calendar they stand for (the
    typical days' weights scale the operating cost to it: w = 1 for a whole year).
    """
    return scenario.horizon.steps * scenario.horizon.dt_h / HOURS_PER_YEAR


@dataclass(frozen=True)
class Decision:
    """A resolved capacity decision: bounds with the existing capacity applied, costs per unit-year."""

    key: str
    asset: str
    field: str
    unit: str
    existing: float
    min: float
    max: float
    investment_cny_per_unit: float
    annual_investment_cny_per_unit: float
    fixed_om_cny_per_unit_year: float
    lifetime_years: float

    def annual_cost_cny(self, capacity: float) -> tuple[float, float]:
        """(annualised investment on capacity above existing, fixed O&M on all of it) [CNY/year]."""
        return (self.annual_investment_cny_per_unit * (capacity - self.existing),
                self.fixed_om_cny_per_unit_year * capacity)


def capacity_owner(scenario, name: str):
    """The asset called ``name``, or the grid for ``grid``; None if there is none."""
    if name == "grid":
        return scenario.grid
    return next((a for a in scenario.assets if a.name == name), None)


def sizing_problems(scenario) -> list[str]:
    """Every capacity named that does not exist or cannot be sized (field path and value named)."""
    sizing, problems = scenario.sizing, []
    if sizing is None:
        return problems
    if scenario.objective.minimise != "cost":
        problems.append(f"sizing: needs objective.minimise 'cost', not '{scenario.objective.minimise}' "
                        "(investment would be free)")
    for key, name, field, spec in sizing.items():
        where = f"sizing.capacities.{key}"
        owner = capacity_owner(scenario, name)
        if owner is None:
            problems.append(f"{where}: no asset '{name}' (names: grid, {', '.join(a.name for a in scenario.assets)})")
            continue
        kind = getattr(owner, "kind", "grid")
        if field not in owner.sizable:
            sizable = ", ".join(owner.sizable) or "none"
            problems.append(f"{where}: '{field}' of a {kind} cannot be sized (sizable: {sizable})")
            continue
        problem = owner.sizing_problem(field)
        if problem:
            problems.append(f"{where}: {kind} '{name}': {problem}")
            continue
        limit, unit = unit_limit(field)
        if spec.max > limit:
            problems.append(f"{where}.max = {spec.max:g}: beyond {limit:g} {unit}, not a plausible capacity")
            continue
        existing = _existing(owner, field, spec)
        if existing > spec.max or (spec.min is not None and spec.min < existing):
            problems.append(f"{where}: existing {existing:g} (the asset's {field}) is outside [min, max] = "
                            f"[{spec.min if spec.min is not None else existing:g}, {spec.max:g}]; give 'existing'")
    return problems


def decisions(scenario) -> list[Decision]:
    """The validated scenario's capacity decisions, in file order."""
    out, rate = [], scenario.sizing.discount_rate
    for key, name, field, spec in scenario.sizing.items():
        owner = capacity_owner(scenario, name)
        existing = _existing(owner, field, spec)
        unit = next(u for suffix, u in sorted(UNITS.items(), key=lambda kv: -len(kv[0])) if field.endswith(suffix))
        if getattr(owner, "kind", "") == "thermal_storage":
            unit += "_th"
        out.append(Decision(key, name, field, unit, existing, max(existing, spec.min or 0.0), spec.max,
                            spec.investment_cny_per_unit, crf(rate, spec.lifetime_years) * spec.investment_cny_per_unit,
                            spec.fixed_om_cny_per_unit_year, spec.lifetime_years))
    return out


def _existing(owner, field: str, spec: Capacity) -> float:
    return float(spec.existing if spec.existing is not None else getattr(owner, field))


def with_capacities(scenario, values: dict[str, float]):
    """A copy of ``scenario`` with the capacities ``values`` (by key) set on its assets and grid, not validated
    again: the model's bounds (each decision at its maximum) or a solved design, for extraction and the check."""
    assets = {a.name: a for a in scenario.assets}
    grid = scenario.grid
    for key, value in values.items():
        name, _, field = key.rpartition(".")
        if name == "grid":
            grid = grid.with_capacity(field, value)
        else:
            assets[name] = assets[name].with_capacity(field, value)
    return scenario.model_copy(update={"assets": list(assets.values()), "grid": grid})


def annual_costs(chosen: dict[str, float], decisions_: list[Decision], operation_cny: float,
                 years: float) -> dict[str, Any]:
    """Annual cost breakdown of a design [CNY/year]: annualised investment, fixed O&M, operation (the
    horizon's operating cost / ``years``) and their total, with the per-capacity parts."""
    per = {}
    for d in decisions_:
        investment, om = d.annual_cost_cny(chosen[d.key])
        per[d.key] = {"capacity": chosen[d.key], "unit": d.unit, "existing": d.existing, "min": d.min, "max": d.max,
                      "new": chosen[d.key] - d.existing,
                      "overnight_investment_cny": d.investment_cny_per_unit * (chosen[d.key] - d.existing),
                      "annualised_investment_cny_per_year": investment, "fixed_om_cny_per_year": om}
    investment = sum(p["annualised_investment_cny_per_year"] for p in per.values())
    om = sum(p["fixed_om_cny_per_year"] for p in per.values())
    operation = operation_cny / years
    return {"capacities": per, "investment_cny_per_year": investment, "fixed_om_cny_per_year": om,
            "operation_cny_per_year": operation, "total_cny_per_year": investment + om + operation,
            "overnight_investment_cny": sum(p["overnight_investment_cny"] for p in per.values())}


def comparison(design: dict, reference: dict, rate: float, analysis_years: float) -> dict[str, Any]:
    """Simple payback and NPV of ``design`` against ``reference`` (both from :func:`annual_costs`).

    Simple payback [years] = extra overnight investment / yearly saving of operation and fixed O&M
    (None if nothing is saved). NPV [CNY] = (total annual cost of the reference - of the design) /
    CRF(r, analysis years): capital enters as its annuity over each capacity's own lifetime (renewed at
    the end of its life, no salvage), so with every lifetime equal to the analysis period this is the
    usual -extra investment + present value of the yearly savings.
    """
    extra = design["overnight_investment_cny"] - reference["overnight_investment_cny"]
    saving = (reference["operation_cny_per_year"] + reference["fixed_om_cny_per_year"]
              - design["operation_cny_per_year"] - design["fixed_om_cny_per_year"])
    npv = (reference["total_cny_per_year"] - design["total_cny_per_year"]) / crf(rate, analysis_years)
    return {"extra_overnight_investment_cny": extra, "operating_saving_cny_per_year": saving,
            "simple_payback_years": extra / saving if saving > 0 else None, "npv_cny": npv,
            "analysis_years": analysis_years}


def sizing_lines(report: dict) -> list[str]:
    """The chosen capacities and the comparison with the reference, for the terminal."""
    typical = report.get("typical_periods")
    lines = [] if typical is None else [f"sized over {typical['days']} typical days ({typical['method']}) standing for "
                                        f"{typical['calendar_days']} calendar days"]
    lines += [f"{key:<28} {c['capacity']:>14,.1f} {c['unit']:<6} (existing {c['existing']:,.0f}, new {c['new']:,.1f})"
             for key, c in report["capacities"].items()]
    lines.append(f"per year: investment {report['investment_cny_per_year']:,.0f}, fixed O&M "
                 f"{report['fixed_om_cny_per_year']:,.0f}, operation {report['operation_cny_per_year']:,.0f}, "
                 f"total {report['total_cny_per_year']:,.0f} CNY")
    reference = report["reference"]
    if reference["status"] == "infeasible":
        lines.append("reference design: infeasible (no payback or NPV)")
    else:
        payback = report["simple_payback_years"]
        lines.append(f"against the reference ({reference['total_cny_per_year']:,.0f} CNY/year): payback "
                     + ("none" if payback is None else f"{payback:.1f} years")
                     + f", NPV {report['npv_cny']:,.0f} CNY over {report['analysis_years']:g} years")
    return lines
