"""Park carbon accounting (national method) and the zero-carbon park KPIs, as pure functions of a result.

Method (zero-carbon park whitepaper, seed ``001`` ch. 5; thresholds from the
NDRC/MIIT/NEA notice 发改环资〔2025〕910号): CO2 only, one calendar year; electricity
and heat counted as net import (in - out)::

    E_park = E_fuel + E_heat + E_elec                                    [tCO2]
    E_elec = EF_n · (I - G - (X - R_x)) / 1000                           (kWh -> MWh)

with grid import I, green power bought through green-power contracts or green
certificates G (1 GEC = 1 MWh, counted at 0), park export X of which R_x is direct
supply re-exported through the park's connection (:mod:`optimiser.direct_rules`): only
the rest X - R_x earns the fossil-factor credit, since zero-factor direct supply already
lowered the park's emissions once. Direct-supplied electricity counts at 0. E_fuel: gas
burnt on site at each asset's factor (default 0.002165 tCO2/m3, national method) and
purchased grey hydrogen; E_heat: purchased heat at its factor per GJ (fossil 0.11
tCO2/GJ unless measured, non-fossil 0; ``heat_purchase`` assets).

The emissions the optimiser minimises, caps and prices are on ``objective.emissions_basis``
(:func:`optimiser.targets.emission_form`): ``national_method`` (this account, default) or
``grid_factor`` (the physical grid factor on import, no credits); both are reported.

Electricity consumed C (the denominator of every electricity share) is all the
electricity the park used, from every source: C = I - X + R + S + F with on-site
renewable output R, direct supply over the lines S and on-site fuel generation F (gas
CHP, fuel cells). Energy consumption [tce]: (I - X + R + S) · ``electricity_kgce_per_kwh``
plus gas (from each asset's heating value, or ``gas_kgce_per_m3``), purchased hydrogen
and purchased heat (34.12 kgce/GJ); F is a conversion of fuel already counted.

KPIs over the horizon (all in kWh, or kWh electricity-equivalent for the energy shares):

* carbon intensity = E_park / energy [tCO2/tce], limit 0.20 (parks of 0.2-1 Mtce/yr)
  or 0.30 (>= 1 Mtce/yr), 910号; the notice sets none below 0.2 Mtce/yr: 0.20 is applied;
* green electricity share = (R + S - X + G [+ fuel cells on electrolytic hydrogen]) / C
  (export taken from green power first);
* clean-energy share = (green energy + φ·(I - G) + non-fossil heat + gas if clean) / energy,
  with φ the non-fossil share credited to non-green grid power (``grid_non_fossil_share``);
* curtailment rate = (A - R - S - S_x) / A over on-site and direct-supply plants (A
  available, S_x the projects' own export);
* direct supply share = Σ_p (S_p - R_x,p) / C (park level, seed 001 ">= 50 % in principle").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from .assets.boiler import gas_kgce_per_m3
from .assets.heat_purchase import HEAT_KGCE_PER_GJ
from .flows import asset_flows
from .targets import TERM_OF, fuel_cells_green

if TYPE_CHECKING:
    import xarray as xr

NATIONAL_FOSSIL_POWER_FACTOR = 0.8325
"""tCO2/MWh for grid electricity that is not green (park carbon accounting method, seed 001 ch. 5)"""
KGCE_PER_KWH = {"calorific": 0.1229, "coal_equivalent": 0.300}
"""electricity to standard coal: calorific equivalent 0.1229 kgce/kWh (GB/T 2589-2020); coal-equivalent
(the coal burnt to generate it) about 0.300 kgce/kWh (national average of thermal power supply, CEC; set the
year's value)"""
HYDROGEN_KGCE_PER_KG = 4.0945
"""hydrogen LHV 120 MJ/kg / 29.3076 MJ/kgce"""
CARBON_INTENSITY_LIMITS = ((1_000_000.0, 0.30), (0.0, 0.20))
"""(annual tce at least, limit tCO2/tce): 910号 core indicator; 0.20 also applied below 0.2 Mtce/yr"""
CLEAN_ENERGY_SHARE_GUIDE = 0.90
"""910号 guiding indicator: clean-energy consumption share >= 90 %"""
CURTAILMENT_RATE_GUIDE = 0.05
"""new-energy utilisation >= 95 % (NEA utilisation target, external); the Dezhou seed 000 reports storage
cutting curtailment from 8 % to < 3 %"""


class Accounting(BaseModel):
    """Park carbon accounting parameters and KPI targets (national method; sources in optimiser.accounting)."""

    model_config = ConfigDict(extra="forbid")
    grid_emission_factor_tco2_per_mwh: float = Field(
        NATIONAL_FOSSIL_POWER_FACTOR, ge=0,
        description="factor of non-green grid electricity [tCO2/MWh]; 0.8325 national fossil-power factor (seed 001)")
    electricity_tce_method: Literal["calorific", "coal_equivalent"] = Field(
        "calorific", description="electricity to tce: calorific 0.1229 kgce/kWh (GB/T 2589) or coal-equivalent ~0.300")
    electricity_kgce_per_kwh: float | None = Field(
        None, gt=0, description="override the method's coefficient [kgce/kWh]")
    gas_kgce_per_m3: float | None = Field(
        None, gt=0, description="override natural gas [kgce/m3]; default: each asset's heating value / 29.3076 MJ/kgce "
        "(1.3284 at the national-method 38.931 MJ/m3; GB/T 2589-2020 reference 1.2143)")
    hydrogen_kgce_per_kg: float = Field(HYDROGEN_KGCE_PER_KG, gt=0, description="hydrogen, LHV [kgce/kg]")
    grid_non_fossil_share: float = Field(
        0.0, ge=0, le=1, description="share of non-green grid power counted as clean energy [-]; 0 credits only "
        "park-attributable green power, set the provincial share if the reporting rule counts it")
    natural_gas_is_clean: bool = Field(
        True, description="count natural gas as clean energy in the clean-energy share (NBS statistics count gas, "
        "hydro, nuclear, wind and solar as clean energy); the non-fossil share never counts it")
    annual_energy_consumption_tce: float | None = Field(
        None, gt=0, description="park's annual energy use, selects the carbon-intensity limit [tce/yr]; default: the "
        "horizon scaled to a year")
    carbon_intensity_max_tco2_per_tce: float | None = Field(
        None, gt=0, description="override the limit [tCO2/tce]; default by size: 0.20 (< 1 Mtce/yr), 0.30 (910号)")
    clean_energy_share_min: float | None = Field(
        CLEAN_ENERGY_SHARE_GUIDE, ge=0, le=1, description="KPI target unless targets set one [-] (910号: 0.90)")
    green_electricity_share_min: float | None = Field(
        None, ge=0, le=1, description="KPI target unless targets set one [-]")
    curtailment_rate_max: float | None = Field(
        CURTAILMENT_RATE_GUIDE, ge=0, le=1, description="KPI target unless targets set one [-] (95 % utilisation)")

    @property
    def kgce_per_kwh(self) -> float:
        """Electricity-to-tce coefficient in use [kgce/kWh]."""
        return self.electricity_kgce_per_kwh or KGCE_PER_KWH[self.electricity_tce_method]


def energy_totals(ds: xr.Dataset, scenario) -> dict[str, float]:
    """Horizon energy terms of the accounting [kWh, m3, kg, GJ, kgce, tCO2], from the Dataset and inputs alone."""
    dt, acc = scenario.horizon.dt_h, scenario.accounting
    grid = asset_flows(ds, "grid")
    out = dict.fromkeys(("onsite_available_kwh", "onsite_kwh", "direct_available_kwh", "direct_line_kwh",
                         "direct_self_kwh", "direct_export_kwh", "direct_reexport_kwh", "green_purchased_kwh",
                         "fuel_generation_kwh", "fuel_cell_kwh", "gas_m3", "gas_kgce", "hydrogen_bought_kg",
                         "heat_purchased_gj", "non_fossil_heat_purchased_gj", "fuel_tco2"), 0.0)
    out["import_kwh"] = float(grid["import_kw"].sum() * dt)
    out["export_kwh"] = float(grid["export_kw"].sum() * dt)
    for asset in scenario.assets:
        f = asset_flows(ds, asset.name)
        totals = asset.totals(f, dt)
        if asset.renewable:
            out["onsite_available_kwh"] += float(f["available_kw"].sum() * dt)
            out["onsite_kwh"] += float(f["output_kw"].sum() * dt)
        elif asset.kind == "direct_supply":
            out["direct_available_kwh"] += totals["direct_supply_available_kwh"]
            out["direct_line_kwh"] += totals["direct_supply_line_kwh"]
            out["direct_self_kwh"] += totals["direct_supply_self_kwh"]
            out["direct_export_kwh"] += totals["direct_supply_export_kwh"] - totals["direct_supply_reexport_kwh"]
            out["direct_reexport_kwh"] += totals["direct_supply_reexport_kwh"]
        if asset.fuel_generation:
            kwh = float(np.sum(asset.supply_kw(f)) * dt)
            out["fuel_generation_kwh"] += kwh
            out["fuel_cell_kwh"] += kwh if asset.kind == "fuel_cell" else 0.0
        gas = totals.get("gas_m3", 0.0)
        out["gas_m3"] += gas
        if gas:
            out["gas_kgce"] += gas * (acc.gas_kgce_per_m3 or gas_kgce_per_m3(asset.lhv_kwh_per_m3))
        for key in ("hydrogen_bought_kg", "heat_purchased_gj", "non_fossil_heat_purchased_gj"):
            out[key] += totals.get(key, 0.0)
        out["fuel_tco2"] += asset.emissions_tco2(f, dt)
    for purchase in scenario.targets.green_purchases:
        out["green_purchased_kwh"] += float(asset_flows(ds, purchase.name)["green_kw"].sum() * dt)
    return out


def share_terms(e: dict[str, float], scenario) -> dict[str, tuple[float, float]]:
    """(numerator, denominator) of each share [kWh or kWh electricity-equivalent], unclipped.

    ``utilisation`` is 1 - curtailment rate. These are the linear forms the targets constrain
    (:func:`optimiser.targets.share_forms`).
    """
    acc = scenario.accounting
    k = acc.kgce_per_kwh
    consumed = e["import_kwh"] - e["export_kwh"] + e["onsite_kwh"] + e["direct_line_kwh"]
    used_electricity = consumed + e["fuel_generation_kwh"]
    green_energy = e["onsite_kwh"] + e["direct_line_kwh"] - e["export_kwh"] + e["green_purchased_kwh"]
    green = green_energy + (e["fuel_cell_kwh"] if fuel_cells_green(scenario) else 0.0)
    non_fossil = (green_energy + acc.grid_non_fossil_share * (e["import_kwh"] - e["green_purchased_kwh"])
                  + HEAT_KGCE_PER_GJ * e["non_fossil_heat_purchased_gj"] / k)
    gas_kwh_eq = e["gas_kgce"] / k
    energy = (consumed + gas_kwh_eq + acc.hydrogen_kgce_per_kg * e["hydrogen_bought_kg"] / k
              + HEAT_KGCE_PER_GJ * e["heat_purchased_gj"] / k)
    clean = non_fossil + (gas_kwh_eq if acc.natural_gas_is_clean else 0.0)
    available = e["onsite_available_kwh"] + e["direct_available_kwh"]
    used = e["onsite_kwh"] + e["direct_line_kwh"] + e["direct_export_kwh"]
    return {"green_electricity_share": (green, used_electricity), "non_fossil_share": (non_fossil, energy),
            "clean_energy_share": (clean, energy), "utilisation": (used, available),
            "direct_supply_share": (e["direct_self_kwh"], used_electricity),
            "renewable_share": (e["onsite_kwh"] - e["export_kwh"], used_electricity)}


def emissions_by_basis(e: dict[str, float], ds: xr.Dataset, scenario) -> dict[str, float]:
    """Emissions of the horizon on both bases [tCO2]: ``national_method`` (net import at the national fossil
    factor, green purchases at 0, no credit for re-exported direct supply) and ``grid_factor`` (the physical
    grid factor on import); fuels and purchased heat alike in both."""
    grid = asset_flows(ds, "grid")
    national = scenario.accounting.grid_emission_factor_tco2_per_mwh * (
        e["import_kwh"] - e["green_purchased_kwh"] - (e["export_kwh"] - e["direct_reexport_kwh"])) / 1000.0
    physical = float(scenario.horizon.dt_h * (grid["emission_factor_tco2_per_mwh"] @ grid["import_kw"]) / 1000.0)
    return {"national_method": national + e["fuel_tco2"], "grid_factor": physical + e["fuel_tco2"],
            "national_method_electricity": national, "grid_factor_electricity": physical}


def _ratio(numerator: float, denominator: float, empty: float) -> float:
    return empty if denominator <= 1e-12 else float(min(1.0, max(0.0, numerator / denominator)))


def _passes(value: float, target: float, kind: str) -> bool:
    return bool(value <= target + 1e-9 if kind == "max" else value >= target - 1e-9)


def park_accounting(ds: xr.Dataset, scenario) -> dict:
    """The national-method carbon account and KPIs of a solved horizon (see module doc)."""
    acc = scenario.accounting
    e = energy_totals(ds, scenario)
    terms = share_terms(e, scenario)
    emissions = emissions_by_basis(e, ds, scenario)
    hours = scenario.horizon.steps * scenario.horizon.dt_h
    electricity_tco2 = emissions["national_method_electricity"]
    park_tco2 = emissions["national_method"]
    consumed = terms["green_electricity_share"][1]
    energy_tce = terms["clean_energy_share"][1] * acc.kgce_per_kwh / 1000.0
    annual_tce = acc.annual_energy_consumption_tce or energy_tce * 8760.0 / hours
    limit = acc.carbon_intensity_max_tco2_per_tce or next(  # a horizon that draws stores down below 0 tce: smallest
        v for size, v in CARBON_INTENSITY_LIMITS if max(annual_tce, 0.0) >= size)
    intensity = park_tco2 / energy_tce if energy_tce > 0 else 0.0
    targets = scenario.targets

    def target_of(name: str, default):
        t = getattr(targets, name)
        return t.value if t is not None else default

    def row(value, target, kind, unit, source):
        passed = None if target is None else _passes(value, target, kind)
        return {"value": value, "target": target, "kind": kind, "pass": passed, "unit": unit, "source": source}

    # the size, unit and source texts label the rows; no KPI value or verdict reads them
    size = (f"{annual_tce:,.0f} tce/yr, "  # pragma: no mutate
            + ("stated" if acc.annual_energy_consumption_tce else "horizon scaled to a year")  # pragma: no mutate
            )
    kpis = {
            "carbon_intensity_tco2_per_tce": row(
                intensity, limit, "max",
                "tCO2/tce",  # pragma: no mutate
                f"910号 core indicator for {size}" if acc.carbon_intensity_max_tco2_per_tce is None  # pragma: no mutate
                else "scenario accounting.carbon_intensity_max_tco2_per_tce"),  # pragma: no mutate
            "clean_energy_share": row(_ratio(*terms["clean_energy_share"], empty=0.0),
                                      target_of("clean_energy_share_min", acc.clean_energy_share_min), "min",
                                      "-", "targets / accounting (910号 guide 0.90)"),  # pragma: no mutate
            "non_fossil_share": row(_ratio(*terms["non_fossil_share"], empty=0.0),
                                    target_of("non_fossil_share_min", None), "min",
                                    "-", "targets (non-fossil energy, gas excluded)"),  # pragma: no mutate
            "green_electricity_share": row(_ratio(*terms["green_electricity_share"], empty=0.0),
                                           target_of("green_electricity_share_min", acc.green_electricity_share_min),
                                           "min",
                                           "-", "targets / accounting"),  # pragma: no mutate
            "curtailment_rate": row(1.0 - _ratio(*terms["utilisation"], empty=1.0),
                                    target_of("curtailment_rate_max", acc.curtailment_rate_max), "max",
                                    "-", "targets / accounting (95 % utilisation)"),  # pragma: no mutate
    }
    if e["direct_available_kwh"] > 0 or targets.direct_supply_share_min is not None:
        kpis["direct_supply_share"] = row(_ratio(*terms["direct_supply_share"], empty=0.0),
                                          target_of("direct_supply_share_min", None), "min",
                                          "-", "park level, all projects (seed 001: >= 50 % in principle)",  # pragma: no mutate
                                          )
    year = ds.indexes["time"][0].year
    for asset in scenario.assets:
        if asset.kind == "direct_supply":
            kpis.update(direct_supply_kpis(asset, asset_flows(ds, asset.name), scenario.horizon.dt_h, consumed, year,
                                           row))
    for name, key in (("green_electricity_share_min", "green_electricity_share"),
                      ("clean_energy_share_min", "clean_energy_share"),
                      ("non_fossil_share_min", "non_fossil_share"),
                      ("curtailment_rate_max", "curtailment_rate"),
                      ("direct_supply_share_min", "direct_supply_share")):
        t = getattr(targets, name)
        if t is not None and t.year_to_date is not None:
            n, d = terms[TERM_OF[name]]
            curtailment = name == "curtailment_rate_max"  # of its utilisation; nothing available: none curtailed
            value = _ratio(t.year_to_date.numerator_kwh + n, t.year_to_date.denominator_kwh + d,
                           empty=1.0 if curtailment else 0.0)
            kpis[key]["year_to_date_value"] = 1.0 - value if curtailment else value
    for k in kpis.values():
        if "year_to_date_value" in k and k["target"] is not None:
            k["pass"] = _passes(k["year_to_date_value"], k["target"], k["kind"])
    return {
        "kpis": kpis,
        "accounting": {
            "method": ("national zero-carbon park accounting (seed 001 ch. 5): CO2 only, "  # pragma: no mutate
                       "net electricity and heat import, no credit for re-exported direct supply"),  # pragma: no mutate
            "park_emissions_tco2": park_tco2,
            "electricity_emissions_tco2": electricity_tco2,
            "fuel_emissions_tco2": e["fuel_tco2"],
            "emissions_basis": scenario.objective.emissions_basis,
            "emissions_national_method_tco2": emissions["national_method"],
            "emissions_grid_factor_tco2": emissions["grid_factor"],
            "grid_emission_factor_tco2_per_mwh": acc.grid_emission_factor_tco2_per_mwh,
            "electricity_tce_method": acc.electricity_tce_method if acc.electricity_kgce_per_kwh is None else "override",
            "electricity_kgce_per_kwh": acc.kgce_per_kwh,
            "energy_consumption_tce": energy_tce,
            "annual_energy_consumption_tce": annual_tce,
            "electricity_consumed_kwh": consumed,
            **{k: v for k, v in e.items() if k != "fuel_tco2"},
        },
    }


def direct_supply_kpis(asset, flows: dict[str, np.ndarray], dt_h: float, consumed_kwh: float, year: int, row) -> dict:
    """The 650号 ratios of one direct-supply project, each against its rule (target None if the rule is off).

    self-consumption ratio S/A (>= 60 %), export ratio X/A (<= 20 %), re-export ratio R_x/A (the
    part of X that left through the park's connection; no rule of its own) and share of the
    park's consumption S/C (>= 30 %, 35 %); S = line - R_x, X = own export + R_x
    (:mod:`optimiser.direct_rules`). With ``year_to_date`` the rows add ``year_to_date_value``.
    """
    t = asset.totals(flows, dt_h)
    available, own = t["direct_supply_available_kwh"], t["direct_supply_self_kwh"]
    exported, reexported = t["direct_supply_export_kwh"], t["direct_supply_reexport_kwh"]
    rules, source = asset.rules, "发改能源〔2025〕650号 (scenario rules), per project, annual"
    out = {
        f"{asset.name}_self_consumption_ratio": row(_ratio(own, available, empty=1.0),
                                                    rules.self_min_fraction_of_available, "min", "-", source),
        f"{asset.name}_export_ratio": row(_ratio(exported, available, empty=0.0),
                                          rules.export_max_fraction_of_available, "max", "-", source),
        f"{asset.name}_reexport_ratio": row(_ratio(reexported, available, empty=0.0), None, "max", "-",
                                            "direct supply that left through the park's grid connection"),
        f"{asset.name}_share_of_consumption": row(_ratio(own, consumed_kwh, empty=0.0), rules.load_fraction(year),
                                                  "min", "-", source),
    }
    ytd = rules.year_to_date
    if ytd is not None:
        a, c = ytd.available_kwh + available, ytd.park_consumption_kwh + consumed_kwh
        out[f"{asset.name}_self_consumption_ratio"]["year_to_date_value"] = _ratio(ytd.self_consumed_kwh + own, a, 1.0)
        out[f"{asset.name}_export_ratio"]["year_to_date_value"] = _ratio(ytd.exported_kwh + exported, a, 0.0)
        out[f"{asset.name}_share_of_consumption"]["year_to_date_value"] = _ratio(ytd.self_consumed_kwh + own, c, 0.0)
    return out


def kpi_table(kpis: dict) -> str:
    """A readable table of the KPIs: value over the horizon, year to date (where carried), target, pass/fail
    (judged on the year-to-date value where there is one)."""
    lines = [f"{'KPI':<36}{'this period':>12}{'year to date':>14}{'target':>12}  result"]
    for name, k in kpis.items():
        target = "-" if k["target"] is None else f"{'<=' if k['kind'] == 'max' else '>='} {k['target']:.4g}"
        result = "n/a" if k["pass"] is None else ("pass" if k["pass"] else "FAIL")
        ytd = f"{k['year_to_date_value']:.4f}" if "year_to_date_value" in k else "-"
        lines.append(f"{name:<36}{k['value']:>12.4f}{ytd:>14}{target:>12}  {result}")
    return "\n".join(lines)


HEADLINE = (("carbon_intensity_tco2_per_tce", "carbon intensity (单位能耗碳排放)", "{:.4g} tCO2/tce"),
            ("clean_energy_share", "clean-energy share (清洁能源消费占比)", "{:.1%}"),
            ("green_electricity_share", "green electricity share (绿电占比)", "{:.1%}"),
            ("direct_supply_share", "direct supply share (绿电直供比例)", "{:.1%}"),
            ("curtailment_rate", "curtailment rate (1 - 新能源利用率)", "{:.1%}"))
"""the park KPIs of the one-line summary, labelled as the national method and the whitepaper (seed 001)
name them: 单位能耗碳排放 the 910号 core indicator, 清洁能源消费占比 its guiding indicator, 绿电占比 and
绿电直供比例 as in seed 001, 新能源利用率 the NEA utilisation rate"""


def headline(summary: dict) -> str:
    """The run's one-line summary: status (with the MIP gap), objective, emissions on the scenario's basis and the park KPIs of
    the accounting (the direct-supply share only when the park has direct supply); '!' marks a failed KPI."""
    kpis = summary["kpis"]
    parts = [f"{label} {fmt.format(kpis[key]['value'])}{'' if kpis[key]['pass'] is not False else ' !'}"
             for key, label, fmt in HEADLINE if key in kpis]
    return (f"{summary['status_detail']}: objective {summary['objective_cny']:.2f} CNY, emissions "
            f"{summary['emissions_tco2']:.3f} tCO2 ({summary['emissions_basis']}); " + ", ".join(parts))
