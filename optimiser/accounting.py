"""Park carbon accounting (national method) and the zero-carbon park KPIs, as pure functions of a result.

Method (zero-carbon park whitepaper, seed ``001`` ch. 5; thresholds from the
NDRC/MIIT/NEA notice 发改环资〔2025〕910号): CO2 only; electricity and heat counted
as net import (in - out)::

    E_park = E_fuel + Σ import·EF - Σ export·EF                          [tCO2]
    E_elec = EF_grid · (I - G - X) / 1000                               (kWh -> MWh)

with grid import I, green power bought through green-power contracts or green
certificates G (1 GEC = 1 MWh, counted at 0), park export X (counted at the grid
factor, so a net-exporting park gets a credit, as the formula says) and
direct-supplied electricity at 0. E_fuel is the gas burnt on site at each gas
boiler's own factor, plus purchased grey hydrogen at its supply factor (counted as
purchased secondary energy, like purchased heat). Purchased fossil heat would count
at ``fossil_heat_tco2_per_gj`` (0.11 tCO2/GJ unless measured); no asset imports
heat yet, so the term is zero.

Energy consumption [tce]: electricity consumed C = I - X + R + S (on-site renewable
output R and direct supply to the park S included: otherwise a fully renewable
park would have no consumption) times ``electricity_kgce_per_kwh``, plus gas and
purchased hydrogen by their coefficients. Electricity from park fuel cells or
storage is a conversion inside the park and is not counted again.

KPIs over the horizon (all in kWh, or kWh electricity-equivalent for the clean share):

* carbon intensity = E_park / energy [tCO2/tce], limit 0.20 (parks of 0.2-1 Mtce/yr)
  or 0.30 (>= 1 Mtce/yr), 910号; the notice sets none below 0.2 Mtce/yr: 0.20 is applied;
* green electricity share = (R + S - X + G) / C (export taken from green power first);
* clean-energy share = (green electricity + φ·(I - G)) · k_e / energy, with φ the
  non-fossil share credited to non-green grid power (``grid_non_fossil_share``, default 0);
* curtailment rate = (A - R - S - S_x) / A over on-site and direct-supply plants (A
  available, S_x the direct-supply project's export).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from .flows import asset_flows

if TYPE_CHECKING:
    import xarray as xr

NATIONAL_FOSSIL_POWER_FACTOR = 0.8325
"""tCO2/MWh for grid electricity that is not green (park carbon accounting method, seed 001 ch. 5)"""
FOSSIL_HEAT_TCO2_PER_GJ = 0.11
"""default factor of purchased fossil heat when not measured (seed 001 ch. 5)"""
KGCE_PER_KWH = {"calorific": 0.1229, "coal_equivalent": 0.300}
"""electricity to standard coal: calorific equivalent 0.1229 kgce/kWh (GB/T 2589-2020); coal-equivalent
(the coal burnt to generate it) about 0.300 kgce/kWh (national average of thermal power supply, CEC; set the
year's value)"""
GAS_KGCE_PER_M3 = 1.2143
"""natural gas, GB/T 2589-2020 appendix A reference value (range 1.1000-1.3300 kgce/m3)"""
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
    fossil_heat_tco2_per_gj: float = Field(
        FOSSIL_HEAT_TCO2_PER_GJ, ge=0, description="purchased fossil heat unless measured [tCO2/GJ] (seed 001)")
    electricity_tce_method: Literal["calorific", "coal_equivalent"] = Field(
        "calorific", description="electricity to tce: calorific 0.1229 kgce/kWh (GB/T 2589) or coal-equivalent ~0.300")
    electricity_kgce_per_kwh: float | None = Field(
        None, gt=0, description="override the method's coefficient [kgce/kWh]")
    gas_kgce_per_m3: float = Field(GAS_KGCE_PER_M3, gt=0, description="natural gas [kgce/m3] (GB/T 2589-2020)")
    hydrogen_kgce_per_kg: float = Field(HYDROGEN_KGCE_PER_KG, gt=0, description="hydrogen, LHV [kgce/kg]")
    grid_non_fossil_share: float = Field(
        0.0, ge=0, le=1, description="share of non-green grid power counted as clean energy [-]; 0 credits only "
        "park-attributable green power, set the provincial share if the reporting rule counts it")
    natural_gas_is_clean: bool = Field(
        True, description="count natural gas as clean energy in the clean-energy share (NBS statistics count gas, "
        "hydro, nuclear, wind and solar as clean energy); the non-fossil share never counts it")
    annual_energy_consumption_tce: float | None = Field(
        None, gt=0, description="park size for the carbon-intensity limit [tce/yr]; default: the horizon scaled to a year")
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
    """Horizon energy terms of the accounting [kWh, m3, kg, tCO2], from the Dataset and inputs alone."""
    dt = scenario.horizon.dt_h
    grid = asset_flows(ds, "grid")
    out = dict.fromkeys(("onsite_available_kwh", "onsite_kwh", "direct_available_kwh", "direct_self_kwh",
                         "direct_export_kwh", "green_purchased_kwh", "gas_m3", "hydrogen_bought_kg",
                         "fuel_tco2"), 0.0)
    out["import_kwh"] = float(grid["import_kw"].sum() * dt)
    out["export_kwh"] = float(grid["export_kw"].sum() * dt)
    for asset in scenario.assets:
        f = asset_flows(ds, asset.name)
        if asset.renewable:
            out["onsite_available_kwh"] += float(f["available_kw"].sum() * dt)
            out["onsite_kwh"] += float(f["output_kw"].sum() * dt)
        elif asset.kind == "direct_supply":
            out["direct_available_kwh"] += float(f["available_kw"].sum() * dt)
            out["direct_self_kwh"] += float(f["self_kw"].sum() * dt)
            out["direct_export_kwh"] += float(f["export_kw"].sum() * dt)
        totals = asset.totals(f, dt)
        out["gas_m3"] += totals.get("gas_m3", 0.0)
        out["hydrogen_bought_kg"] += totals.get("hydrogen_bought_kg", 0.0)
        out["fuel_tco2"] += asset.emissions_tco2(f, dt)
    for purchase in scenario.targets.green_purchases:
        out["green_purchased_kwh"] += float(asset_flows(ds, purchase.name)["green_kw"].sum() * dt)
    return out


def share_terms(e: dict[str, float], scenario) -> dict[str, tuple[float, float]]:
    """(numerator, denominator) of each share [kWh or kWh electricity-equivalent], unclipped.

    ``utilisation`` is 1 - curtailment rate. These are the linear forms the targets constrain.
    """
    acc = scenario.accounting
    consumed = e["import_kwh"] - e["export_kwh"] + e["onsite_kwh"] + e["direct_self_kwh"]
    green = e["onsite_kwh"] + e["direct_self_kwh"] - e["export_kwh"] + e["green_purchased_kwh"]
    non_fossil = green + acc.grid_non_fossil_share * (e["import_kwh"] - e["green_purchased_kwh"])
    gas_kwh_eq = acc.gas_kgce_per_m3 * e["gas_m3"] / acc.kgce_per_kwh
    hydrogen_kwh_eq = acc.hydrogen_kgce_per_kg * e["hydrogen_bought_kg"] / acc.kgce_per_kwh
    energy = consumed + gas_kwh_eq + hydrogen_kwh_eq
    clean = non_fossil + (gas_kwh_eq if acc.natural_gas_is_clean else 0.0)
    available = e["onsite_available_kwh"] + e["direct_available_kwh"]
    used = e["onsite_kwh"] + e["direct_self_kwh"] + e["direct_export_kwh"]
    return {"green_electricity_share": (green, consumed), "non_fossil_share": (non_fossil, energy),
            "clean_energy_share": (clean, energy), "utilisation": (used, available)}


def _ratio(numerator: float, denominator: float, empty: float) -> float:
    return empty if denominator <= 1e-12 else float(min(1.0, max(0.0, numerator / denominator)))


def park_accounting(ds: xr.Dataset, scenario) -> dict:
    """The national-method carbon account and KPIs of a solved horizon (see module doc)."""
    acc = scenario.accounting
    e = energy_totals(ds, scenario)
    terms = share_terms(e, scenario)
    hours = scenario.horizon.steps * scenario.horizon.dt_h
    electricity_tco2 = acc.grid_emission_factor_tco2_per_mwh * (
        e["import_kwh"] - e["green_purchased_kwh"] - e["export_kwh"]) / 1000.0
    park_tco2 = e["fuel_tco2"] + electricity_tco2
    consumed = terms["green_electricity_share"][1]
    energy_tce = terms["clean_energy_share"][1] * acc.kgce_per_kwh / 1000.0
    annual_tce = acc.annual_energy_consumption_tce or energy_tce * 8760.0 / hours
    limit = acc.carbon_intensity_max_tco2_per_tce or next(v for size, v in CARBON_INTENSITY_LIMITS if annual_tce >= size)
    intensity = park_tco2 / energy_tce if energy_tce > 0 else 0.0
    green = _ratio(*terms["green_electricity_share"], empty=0.0)
    clean = _ratio(*terms["clean_energy_share"], empty=0.0)
    non_fossil = _ratio(*terms["non_fossil_share"], empty=0.0)
    curtailment = 1.0 - _ratio(*terms["utilisation"], empty=1.0)
    targets = scenario.targets

    def target_of(name: str, default):
        t = getattr(targets, name)
        return t.value if t is not None else default

    def row(value, target, kind, unit, source):
        passed = None if target is None else bool(value <= target + 1e-9 if kind == "max" else value >= target - 1e-9)
        return {"value": value, "target": target, "kind": kind, "pass": passed, "unit": unit, "source": source}

    kpis = {
            "carbon_intensity_tco2_per_tce": row(
                intensity, limit, "max", "tCO2/tce",
                f"910号 core indicator for {annual_tce:,.0f} tce/yr" if acc.carbon_intensity_max_tco2_per_tce is None
                else "scenario accounting.carbon_intensity_max_tco2_per_tce"),
            "clean_energy_share": row(clean, target_of("clean_energy_share_min", acc.clean_energy_share_min), "min",
                                      "-", "targets / accounting (910号 guide 0.90)"),
            "non_fossil_share": row(non_fossil, target_of("non_fossil_share_min", None), "min", "-",
                                    "targets (non-fossil energy, gas excluded)"),
            "green_electricity_share": row(green, target_of("green_electricity_share_min",
                                                            acc.green_electricity_share_min), "min", "-",
                                           "targets / accounting"),
            "curtailment_rate": row(curtailment, target_of("curtailment_rate_max", acc.curtailment_rate_max), "max",
                                    "-", "targets / accounting (95 % utilisation)"),
    }
    year = ds.indexes["time"][0].year
    for asset in scenario.assets:
        if asset.kind == "direct_supply":
            kpis.update(direct_supply_kpis(asset, asset_flows(ds, asset.name), scenario.horizon.dt_h, consumed, year, row))
    for name, key, term in (("green_electricity_share_min", "green_electricity_share", "green_electricity_share"),
                            ("clean_energy_share_min", "clean_energy_share", "clean_energy_share"),
                            ("non_fossil_share_min", "non_fossil_share", "non_fossil_share"),
                            ("curtailment_rate_max", "curtailment_rate", "utilisation")):
        t = getattr(targets, name)
        if t is not None and t.year_to_date is not None:
            n, d = terms[term]
            value = _ratio(t.year_to_date.numerator_kwh + n, t.year_to_date.denominator_kwh + d, empty=0.0)
            kpis[key]["year_to_date_value"] = 1.0 - value if term == "utilisation" else value
    return {
        "kpis": kpis,
        "accounting": {
            "method": "national zero-carbon park accounting (seed 001 ch. 5): CO2 only, net electricity import",
            "park_emissions_tco2": park_tco2,
            "electricity_emissions_tco2": electricity_tco2,
            "fuel_emissions_tco2": e["fuel_tco2"],
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

    self-consumption ratio S/A (>= 60 %), export ratio X/A (<= 20 %), share of the park's
    consumption S/C (>= 30 %, 35 % from 2030) and the direct-supply share S/C against
    ``direct_supply_share_min``; S, X, A and C as in :mod:`optimiser.assets.direct_supply`.
    """
    available = float(flows["available_kw"].sum() * dt_h)
    own = float(flows["self_kw"].sum() * dt_h)
    exported = float(flows["export_kw"].sum() * dt_h)
    rules, source = asset.rules, "发改能源〔2025〕650号 (scenario rules)"
    share_of_load = _ratio(own, consumed_kwh, empty=0.0)
    return {
        f"{asset.name}_self_consumption_ratio": row(_ratio(own, available, empty=1.0),
                                                    rules.self_min_fraction_of_available, "min", "-", source),
        f"{asset.name}_export_ratio": row(_ratio(exported, available, empty=0.0),
                                          rules.export_max_fraction_of_available, "max", "-", source),
        f"{asset.name}_share_of_consumption": row(share_of_load, rules.load_fraction(year), "min", "-", source),
        f"{asset.name}_direct_supply_share": row(share_of_load, rules.direct_supply_share_min, "min", "-",
                                                 "seed 001: >= 50 % in principle (scenario rules)"),
    }


def kpi_table(kpis: dict) -> str:
    """A readable table of the KPIs: value, target, pass/fail."""
    lines = [f"{'KPI':<32}{'value':>12}{'target':>14}  result"]
    for name, k in kpis.items():
        target = "-" if k["target"] is None else f"{'<=' if k['kind'] == 'max' else '>='} {k['target']:.4g}"
        result = "n/a" if k["pass"] is None else ("pass" if k["pass"] else "FAIL")
        lines.append(f"{name:<32}{k['value']:>12.4f}{target:>14}  {result}")
    return "\n".join(lines)
