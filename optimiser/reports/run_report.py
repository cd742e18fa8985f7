"""``report.html`` of a run: one self-contained page from the run's result and its ``dispatch.png``.

Sections: headline and status; the KPI table against the scenario's targets and against the
national thresholds (910号 core and guiding indicators, 95 % new-energy utilisation, the
650号 direct-supply rules), each with pass/fail and the margin (positive: headroom, in the KPI's
unit); the dispatch chart of :mod:`optimiser.plot` (stacked electricity, heat supply by source and
hydrogen, storage levels, prices), reused, not redrawn; emissions per hour on both bases; heat
supply by source; direct-supply ratios against their rules; the key inputs with provenance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..accounting import CARBON_INTENSITY_LIMITS, CLEAN_ENERGY_SHARE_GUIDE, CURTAILMENT_RATE_GUIDE, HEADLINE
from ..assets.direct_supply import DirectSupplyRules
from ..flows import asset_flows
from .render import figure_svg, png_uri, render

LABELS = {key: label for key, label, _ in HEADLINE} | {"non_fossil_share": "non-fossil share (非化石能源占比)"}


@dataclass
class Threshold:
    """A national threshold of a KPI: limit, direction ('min' or 'max') and its source."""

    value: float
    kind: str
    source: str


def national_thresholds(summary: dict, direct_projects: list[str], year: int) -> dict[str, Threshold]:
    """The national thresholds that apply to a run's KPIs: carbon intensity by park size (910号 core
    indicator), clean-energy share >= 0.90 (910号 guide), curtailment <= 0.05 (NEA 95 % utilisation)
    and the 650号 direct-supply rules per project at their national values for ``year``."""
    annual_tce = summary["accounting"]["annual_energy_consumption_tce"]
    limit = next(v for size, v in CARBON_INTENSITY_LIMITS if annual_tce >= size)
    out = {"carbon_intensity_tco2_per_tce": Threshold(limit, "max", f"910号 core indicator ({annual_tce:,.0f} tce/yr)"),
           "clean_energy_share": Threshold(CLEAN_ENERGY_SHARE_GUIDE, "min", "910号 guiding indicator"),
           "curtailment_rate": Threshold(CURTAILMENT_RATE_GUIDE, "max", "NEA new-energy utilisation >= 95 %")}
    rules = DirectSupplyRules()
    for name in direct_projects:
        out[f"{name}_self_consumption_ratio"] = Threshold(rules.self_min_fraction_of_available, "min", "650号")
        out[f"{name}_export_ratio"] = Threshold(rules.export_max_fraction_of_available, "max", "650号")
        out[f"{name}_share_of_consumption"] = Threshold(rules.load_fraction(year), "min", "650号")
    return out


def margin(value: float, limit: float | None, kind: str) -> float | None:
    """Headroom of ``value`` against ``limit`` in the KPI's unit: value - limit for a minimum, limit - value
    for a maximum (negative: missed by that much); None without a limit."""
    if limit is None:
        return None
    return value - limit if kind == "min" else limit - value


def kpi_rows(summary: dict, thresholds: dict[str, Threshold]) -> list[dict]:
    """One row per KPI: value (year to date where carried, as the accounting judges it), the scenario's
    target with pass/fail and margin, the national threshold with pass/fail and margin."""
    rows = []
    for name, k in summary["kpis"].items():
        judged = k.get("year_to_date_value", k["value"])
        national = thresholds.get(name)
        n_margin = None if national is None else margin(judged, national.value, national.kind)
        rows.append({
            "name": name, "label": LABELS.get(name, name.replace("_", " ")), "unit": k["unit"],
            "share": k["unit"] == "-", "value": k["value"], "ytd": k.get("year_to_date_value"),
            "target": k["target"], "kind": k["kind"], "pass": k["pass"], "source": k["source"],
            "margin": margin(judged, k["target"], k["kind"]),
            "national": national, "national_margin": n_margin,
            "national_pass": None if n_margin is None else bool(n_margin >= -1e-9),
        })
    return rows


def hourly_emissions(ds, scenario) -> pd.DataFrame:
    """Emissions rate per step [tCO2/h], local time index: the electricity account on the national method
    (net import less green purchases, re-exported direct supply not credited, at the accounting factor),
    on the grid factor (import at the step's factor), and fuels (gas, grey hydrogen, purchased heat).
    Each column times the step length sums to the summary's totals."""
    dt = scenario.horizon.dt_h
    grid = asset_flows(ds, "grid")
    net = grid["import_kw"] - grid["export_kw"]
    for purchase in scenario.targets.green_purchases:
        net = net - asset_flows(ds, purchase.name)["green_kw"]
    fuel = np.zeros(len(net))
    for asset in scenario.assets:
        flows = asset_flows(ds, asset.name)
        if asset.kind == "direct_supply" and "reexport_kw" in flows:
            net = net + flows["reexport_kw"]
        if asset.emissions_tco2(flows, dt):  # linear in the flows: one step at a time
            for t in range(len(fuel)):
                fuel[t] += asset.emissions_tco2({k: _only(v, t) for k, v in flows.items()}, dt) / dt
    factor = scenario.accounting.grid_emission_factor_tco2_per_mwh
    return pd.DataFrame({"national_method_electricity_tco2_per_h": factor * net / 1000.0,
                         "grid_factor_electricity_tco2_per_h": grid["emission_factor_tco2_per_mwh"] * grid["import_kw"] / 1000.0,
                         "fuel_tco2_per_h": fuel}, index=ds.indexes["time"])


def _only(values, t: int):
    """``values`` with every step but ``t`` set to zero (scalars kept)."""
    values = np.asarray(values, dtype=float)
    if values.ndim == 0:
        return values
    out = np.zeros_like(values)
    out[t] = values[t]
    return out


def emissions_figure(frame: pd.DataFrame, scenario, basis: str) -> str:
    """Emissions per hour on both bases, local time [tCO2/h]; inline SVG (fixed margins: quicker than a PNG
    with a fitted layout)."""
    import matplotlib.pyplot as plt

    time = frame.index.tz_localize(None)
    fig, ax = plt.subplots(figsize=(11, 3.0))
    fuel = frame["fuel_tco2_per_h"].to_numpy()
    for column, label in (("national_method_electricity_tco2_per_h", "national method"),
                          ("grid_factor_electricity_tco2_per_h", "grid factor")):
        style = "-" if column.startswith(basis) else "--"
        ax.step(time, frame[column] + fuel, where="post", ls=style, label=f"{label}: electricity + fuels")
    if fuel.any():
        ax.step(time, fuel, where="post", color="0.4", lw=0.8, label="fuels only")
    ax.axhline(0, color="k", lw=0.5)
    ax.set_ylabel("emissions [tCO2/h]")
    ax.set_xlabel(f"local time ({scenario.park.timezone})")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    fig.subplots_adjust(left=0.07, right=0.76, bottom=0.17, top=0.95)
    return figure_svg(fig)


def bar_figure(labels: list[str], values: list[float], unit: str, rules: list[tuple[float | None, str]] | None = None) -> str:
    """Horizontal bars with an optional rule mark per bar ('min' or 'max'); inline SVG."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 0.5 + 0.42 * len(labels)))
    y = np.arange(len(labels))
    ax.barh(y, values, color="#4c78a8")
    for i, (limit, kind) in enumerate(rules or []):
        if limit is not None:
            ax.plot([limit, limit], [i - 0.42, i + 0.42], color="#b42318", lw=2)
            ax.annotate(f"{kind} {limit:g}", (limit, i + 0.42), fontsize=7, color="#b42318", va="bottom")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel(unit)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return figure_svg(fig)


def key_inputs(scenario, summary: dict) -> list[tuple[str, str]]:
    """The scenario's key inputs and provenance as (field, value) rows."""
    weather = summary.get("weather")
    if weather is None:
        weather_text = "none (series given directly)"
    else:
        weather_text = f"{weather['source']}" + ("  [SYNTHETIC: not measured weather]" if weather["synthetic"] else "")
    h, g = summary["horizon"], scenario.grid
    rows = [("park", f"{scenario.park.name} ({scenario.park.latitude:.3f} N, {scenario.park.longitude:.3f} E, "
                     f"{scenario.park.timezone})"),
            ("horizon", f"{h['start']}: {h['steps']} steps of {h['step_minutes']} min"),
            ("scenario file", summary["scenario"]), ("scenario SHA-256 (file and inputs)", summary["scenario_sha256"]),
            ("weather", weather_text), ("tariff source", scenario.tariff.source or "-"),
            ("grid", f"import <= {g.import_limit_kw:,.0f} kW, export <= {g.export_limit_kw:,.0f} kW"),
            ("objective", f"carbon price {scenario.objective.carbon_price_cny_per_tco2:g} CNY/tCO2, emissions basis "
                          f"{scenario.objective.emissions_basis}"),
            ("solver", f"HiGHS {summary['solver']['highspy']} via Pyomo {summary['solver']['pyomo']}, MIP gap limit "
                       f"{summary['solver']['mip_gap_limit']:g}, time limit {summary['solver']['time_limit_s']:g} s"),
            ("package version", f"parkdispatch {summary['package_version']}")]
    return rows


def asset_rows(scenario) -> list[tuple[str, str, str]]:
    """(name, kind, sizes) per asset: its scalar parameters with a unit in their name."""
    out = []
    for asset in scenario.assets:
        sizes = [f"{k} {v:,.6g}" for k, v in asset.model_dump().items()
                 if isinstance(v, (int, float)) and not isinstance(v, bool) and "_" in k and k.rsplit("_", 1)[-1]
                 in {"kw", "kwh", "kwp", "kg", "th", "m3", "h", "fraction"}]
        out.append((asset.name, asset.kind, ", ".join(sizes[:6]) or "series"))
    return out


def run_report_html(result, dispatch_png: bytes | None) -> str:
    """The page of a checked :class:`~optimiser.run.RunResult`; ``dispatch_png`` the chart of
    :func:`optimiser.plot.plot_dispatch` (None: a run without plots, tables only)."""
    scenario, summary, ds = result.scenario, result.summary, result.dataset
    projects = [a for a in scenario.assets if a.kind == "direct_supply"]
    year = ds.indexes["time"][0].year
    rows = kpi_rows(summary, national_thresholds(summary, [p.name for p in projects], year))
    figures = []
    emissions = hourly_emissions(ds, scenario)
    if dispatch_png is not None:
        figures.append({"id": "dispatch", "png": png_uri(dispatch_png),
                        "caption": "Dispatch: supply (+) and use (-) stacked per bus (electricity [kW], heat by "
                                   "source [kW_th] and hydrogen [kg/h] when used), storage levels [kWh, kWh_th, kg] "
                                   "and grid prices [CNY/kWh], local time."})
        figures.append({"id": "emissions", "svg": emissions_figure(emissions, scenario,
                                                                   scenario.objective.emissions_basis),
                        "caption": "Emissions per hour [tCO2/h]: electricity on the national method (net import at "
                                   f"{scenario.accounting.grid_emission_factor_tco2_per_mwh:g} tCO2/MWh, export "
                                   "credited) and on the grid factor (import only), each plus fuels; solid: the "
                                   "scenario's basis."})
        heat = {k: v for k, v in summary.get("heat_by_source_kwh_th", {}).items() if v > 1e-6}
        if heat:
            figures.append({"id": "heat-sources", "svg": bar_figure(list(heat), list(heat.values()),
                                                                    "heat supplied over the horizon [kWh_th]"),
                            "caption": "Heat supply by source over the horizon [kWh_th]."})
        if projects:
            ratios = [r for r in rows if r["national"] is not None and r["national"].source == "650号"]
            figures.append({"id": "direct-supply", "svg": bar_figure(
                [r["label"] for r in ratios], [r["ytd"] if r["ytd"] is not None else r["value"] for r in ratios],
                "ratio [-]", [(r["target"], "min" if r["kind"] == "min" else "max") for r in ratios]),
                "caption": "Direct-supply ratios per project (year to date where carried) against the 650号 rules "
                           "as the scenario sets them (red marks): self-consumed >= 60 % of available, >= 30 % "
                           "(35 %) of park consumption, export <= 20 % of available."})
    totals = {k.removesuffix("_per_h"): v * scenario.horizon.dt_h for k, v in emissions.sum().items()}  # [tCO2]
    return render("run.html.j2", summary=summary, rows=rows, figures=figures, inputs=key_inputs(scenario, summary),
                  assets=asset_rows(scenario), synthetic=scenario.weather_synthetic,
                  emissions_totals=totals, storage=summary.get("storage", {}))
