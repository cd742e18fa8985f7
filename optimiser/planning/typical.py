"""Typical periods: a horizon of whole days aggregated into K typical days (tsam), solved with weights.

``horizon.typical_periods: {days: K, method: hierarchical}`` on a horizon of D whole local days:

1. every input series of the scenario (demand, availability, prices, factors, COPs, ...) is
   cut into D days and clustered into K typical days by tsam (Kotzur et al., Renewable Energy
   117, 2018; ``method``: ``hierarchical`` [default, medoids: real days], ``k_means``
   [centroids], ``k_medoids``, ``averaging``; not rescaled: a medoid stays a real day, so the
   represented year's energies differ from the calendar's by the clustering error). A horizon
   with K = D is not clustered;
2. the model is built on the K typical days (K x N steps), each step weighted by the number of
   calendar days its typical day represents: costs, emissions, the emissions cap, share
   targets and direct-supply rules, green-purchase and curtailment volumes, and the demand
   charge's pro-rating are totals over the represented year (:class:`~optimiser.assets.base.BuildContext`
   ``weight``); peaks (the demand charge's billed peak) are the largest over the typical days;
3. stores are linked over the calendar (:mod:`optimiser.planning.linking`): seasonal by
   default, short-term if named in ``short_term_stores``;
4. the solution is expanded back to the calendar: each day takes its typical day's schedule,
   store levels are reconstructed (inter-period level plus intra-day deviation). The result
   is the schedule of the **calendar scenario**: the original scenario with every input series
   replaced by its typical day's values. The independent check runs on it over every step of
   the year (balances, bounds, reconstructed levels, end rules, the objective recomputed
   without weights, targets): ``dispatch.csv`` covers the whole calendar, its inputs are the
   typical-day inputs, and ``summary.json`` says ``typical_periods`` (K, method, order, weights).

Not supported with typical periods (rejected before any model is built, naming the asset):
anything that links steps across midnight other than stores, i.e. start costs and minimum
up/down times (the commitment of electrolysers and CHPs: leave them out; minimum load and
on/off status per step remain), electrolyser ramp limits, shiftable-load windows given in
steps or wrapping past midnight, demand-response events (dated) and individual EV charging
sessions (dated; use an ``ev_fleet``). An EV fleet is always short-term (its bounds change
by the hour).
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from ..lazy import pd
from pydantic import BaseModel, ConfigDict, Field

from .linking import PeriodLinking

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

    from ..run import RunResult
    from ..scenario import Scenario

STORE_KINDS = ("battery", "flow_battery", "thermal_storage", "hydrogen_storage", "ev_fleet")


class TypicalPeriods(BaseModel):
    """K typical days standing for the horizon's calendar days (see module doc)."""

    model_config = ConfigDict(extra="forbid")
    days: int = Field(ge=1, le=366, description="number of typical days K")
    method: Literal["hierarchical", "k_means", "k_medoids", "averaging"] = Field(
        "hierarchical", description="tsam clustering method (hierarchical and k_medoids represent a cluster by a "
        "real day, k_means and averaging by the mean)")
    short_term_stores: list[str] = Field(default_factory=list, description="stores without inter-period level: "
                                         "the same level at every midnight (saves variables); EV fleets always")


def typical_problems(horizon, timezone: str, assets: list) -> list[str]:
    """What a scenario asks of typical periods that they cannot represent (empty if nothing)."""
    spec, per_day = horizon.typical_periods, 1440 // horizon.step_minutes
    problems = []
    if horizon.steps % per_day:
        problems.append(f"horizon.steps {horizon.steps} is not a whole number of days of {per_day} steps, as "
                        "typical_periods needs")
    else:
        index = horizon.index(timezone)
        starts = index[::per_day]
        if (starts.hour != 0).any() or (starts.minute != 0).any():
            problems.append(f"typical_periods needs days from local midnight in {timezone}: the horizon's days start "
                            f"at {starts[(starts.hour != 0) | (starts.minute != 0)][0].isoformat()}")
        if spec.days > horizon.steps // per_day:
            problems.append(f"horizon.typical_periods.days {spec.days} is more than the horizon's "
                            f"{horizon.steps // per_day} days")
    kinds = {a.name: a.kind for a in assets}
    for name in spec.short_term_stores:
        if kinds.get(name) not in STORE_KINDS:
            problems.append(f"horizon.typical_periods.short_term_stores: '{name}' is not a store "
                            f"({', '.join(STORE_KINDS)})")
    for asset in assets:
        reason = _unsupported(asset)
        if reason:
            problems.append(f"assets ({asset.name}): {reason}, which horizon.typical_periods cannot represent "
                            "(see optimiser.planning.typical)")
    return problems


def _unsupported(asset) -> str | None:
    from ..assets.shiftable_load import clock_minutes

    if asset.kind == "ev_sessions":
        return "individual charging sessions are dated (use an ev_fleet)"
    if asset.kind == "demand_response":
        return "demand-response events are dated and their rebound follows them"
    if getattr(asset, "commits", False):
        return "start_cost_cny / min_up_hours / min_down_hours link steps across midnight"
    if getattr(asset, "ramp_kw_per_h", None) is not None:
        return "ramp_kw_per_h links steps across midnight"
    if asset.kind == "shiftable_load":
        if asset.windows is not None:
            return "windows in steps are not days"
        if any(clock_minutes(w)[1] <= clock_minutes(w)[0] for w in asset.daily_windows):
            return "a daily window wraps past midnight"
    return None


@dataclass
class Aggregation:
    """Which typical day stands for each calendar day, and the steps' weights."""

    method: str
    steps_per_period: int
    order: np.ndarray
    """typical day of each calendar day (D)"""
    occurrences: np.ndarray
    """calendar days each typical day stands for (K)"""
    short_term: frozenset[str]
    seconds: float = 0.0

    @property
    def step_weight(self) -> np.ndarray:
        """Weight of each step of the typical days [-]."""
        return np.repeat(self.occurrences.astype(float), self.steps_per_period)

    def linking(self) -> PeriodLinking:
        return PeriodLinking(self.steps_per_period, self.order, set(self.short_term))

    def calendar_steps(self) -> np.ndarray:
        """For each calendar step, the typical-day step it takes its values from."""
        n = self.steps_per_period
        return (self.order[:, None] * n + np.arange(n)[None, :]).ravel()


def _series_fields(model: BaseModel, node: dict, n: int, out: list) -> None:
    """(raw node, key, array) of every series field of a validated model, walking nested models."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, np.ndarray) and value.ndim == 1 and len(value) == n:
            out.append((node, name, value))
        elif isinstance(value, BaseModel) and isinstance(node.get(name), dict):
            _series_fields(value, node[name], n, out)
        elif isinstance(value, list) and isinstance(node.get(name), list):
            for item, sub in zip(value, node[name]):
                if isinstance(item, BaseModel) and isinstance(sub, dict):
                    _series_fields(item, sub, n, out)


def _cluster(frame: pd.DataFrame, spec: TypicalPeriods, per_day: int, dt_h: float) -> tuple[np.ndarray, dict]:
    """(order (D,), typical values per column (K, N)) of the varying columns of ``frame``."""
    days = len(frame) // per_day
    shape_of: dict[str, str] = {}  # column -> the column of its shape (a series and its scaled copies weigh as one)
    first: dict[bytes, str] = {}
    for c in frame:
        x = frame[c].to_numpy()
        if np.ptp(x) > 0:
            shape_of[c] = first.setdefault(np.round((x - x.min()) / np.ptp(x), 12).tobytes(), c)
    varying = list(first.values())
    if spec.days >= days or not varying:
        order = np.arange(days) if varying else np.zeros(days, dtype=int)
        return order, {c: frame[c].to_numpy().reshape(days, per_day)[: days if varying else 1] for c in frame}
    import tsam.timeseriesaggregation as tsam

    aggregation = tsam.TimeSeriesAggregation(frame[varying], noTypicalPeriods=spec.days, hoursPerPeriod=24,
                                             clusterMethod=spec.method, resolution=dt_h,
                                             rescaleClusterPeriods=False)
    typical = aggregation.createTypicalPeriods()
    used, order = np.unique(np.asarray(aggregation.clusterOrder, dtype=int), return_inverse=True)
    values = {}
    for c in frame:
        x = frame[c].to_numpy()
        if c not in shape_of:  # constant
            values[c] = np.full((len(used), per_day), x[0])
            continue
        r = frame[shape_of[c]].to_numpy()
        rep = typical[shape_of[c]].to_numpy().reshape(-1, per_day)[used]
        values[c] = rep if c == shape_of[c] else x.min() + np.ptp(x) * (rep - r.min()) / np.ptp(r)
    return order, values


def aggregate(scenario: "Scenario") -> tuple["Scenario", "Scenario", Aggregation]:
    """(typical-day scenario with its weights, calendar scenario, aggregation) of a typical-period scenario."""
    from ..scenario import scenario_from_dict

    t0 = time.perf_counter()
    spec, horizon = scenario.horizon.typical_periods, scenario.horizon
    per_day, n = 1440 // horizon.step_minutes, horizon.steps
    raw = copy.deepcopy(scenario._raw)
    fields: list = []
    _series_fields(scenario.grid, raw["grid"], n, fields)
    _series_fields(scenario.tariff, raw["tariff"], n, fields)
    for asset, node in zip(scenario.assets, raw["assets"]):
        _series_fields(asset, node, n, fields)
        if asset.renewable:  # computed from weather: given as the series itself from now on
            node.pop("arrays", None)
            node.pop("farm", None)
    raw.pop("weather", None)
    tariff = raw["tariff"]
    tariff.pop("time_of_use", None)
    fields.append((tariff, "import_cny_per_kwh", scenario.import_prices()))
    frame = pd.DataFrame({f"s{i}": np.asarray(a, dtype=float) for i, (_, _, a) in enumerate(fields)},
                         index=pd.date_range("2001-01-01", periods=n, freq=f"{horizon.step_minutes}min"))
    order, values = _cluster(frame, spec, per_day, horizon.dt_h)
    k = len(next(iter(values.values())))

    def derived(days: np.ndarray, steps: int, source: str) -> "Scenario":
        for i, (node, key, _) in enumerate(fields):
            node[key] = values[f"s{i}"][days].ravel()
        raw["horizon"] = {"start": horizon.start, "steps": steps, "step_minutes": horizon.step_minutes}
        return scenario_from_dict(copy.deepcopy(raw), base_dir=scenario._base_dir, source=source)

    typical = derived(np.arange(k), k * per_day, f"{scenario.source} (its {k} typical days)")
    calendar = derived(order, n, f"{scenario.source} (calendar of its {k} typical days)")
    short = set(spec.short_term_stores) | {a.name for a in scenario.assets if a.kind == "ev_fleet"}
    aggregation = Aggregation(spec.method, per_day, order, np.bincount(order, minlength=k), frozenset(short),
                              time.perf_counter() - t0)
    typical._aggregation = aggregation
    return typical, calendar, aggregation


def expand(ds: "xr.Dataset", linking: PeriodLinking, calendar: "Scenario", aggregation: Aggregation) -> "xr.Dataset":
    """The typical days' Dataset as the calendar's: each day its typical day, store levels reconstructed."""
    out = ds.isel(time=aggregation.calendar_steps()).assign_coords(time=calendar.index)
    for name, store in linking.stores.items():
        var = f"{name}_{store.label}"
        out[var] = ("time", store.calendar_level(), ds[var].attrs)
    out.attrs["scenario_sha256"] = calendar.sha256
    return out


def optimise_typical(scenario: "Scenario", time_limit_s: float, mip_gap: float, verbose: bool = False,
                     progress=None) -> "RunResult":
    """Aggregate, solve on the typical days, expand to the calendar, check (see module doc)."""
    from ..progress import SILENT
    from ..run import Dispatch, check

    progress = progress or SILENT
    progress.stage(f"aggregating {scenario.horizon.steps} steps into {scenario.horizon.typical_periods.days} "
                   "typical days")
    typical, calendar, aggregation = aggregate(scenario)
    dispatch = Dispatch(typical, verbose, progress=progress)
    return check(on_calendar(dispatch.solve(time_limit_s, mip_gap), dispatch, scenario, calendar, aggregation))


def on_calendar(result: "RunResult", dispatch, scenario: "Scenario", calendar: "Scenario",
                aggregation: Aggregation) -> "RunResult":
    """The typical days' unchecked ``result`` of ``dispatch`` as the (unchecked) result of the calendar
    scenario ``calendar`` (at a sizing run's chosen capacities): expanded, KPIs recomputed, summary's
    ``typical_periods``; ``scenario`` is the original (typical-period) scenario."""
    from ..run import RunResult, kpi_summary

    t0 = time.perf_counter()
    ds = expand(result.dataset, dispatch.ctx.periods, calendar, aggregation)
    summary = {**result.summary, **kpi_summary(calendar, ds)}
    summary["timings"]["extract_seconds"] += time.perf_counter() - t0
    summary["timings"]["aggregation_seconds"] = aggregation.seconds
    stores = dispatch.ctx.periods.stores
    summary["typical_periods"] = {
        "days": len(aggregation.occurrences), "method": aggregation.method, "calendar_days": len(aggregation.order),
        "occurrences": aggregation.occurrences.tolist(), "order": aggregation.order.tolist(),
        "seasonal_stores": sorted(name for name, s in stores.items() if s.seasonal),
        "short_term_stores": sorted(name for name, s in stores.items() if not s.seasonal),
        "typical_steps": dispatch.scenario.horizon.steps}
    summary["horizon"] = {**summary["horizon"], "start": calendar.index[0].isoformat(),
                          "steps": calendar.horizon.steps}
    summary.update(scenario=scenario.source, scenario_sha256=scenario.sha256, weather=None if (
        scenario.weather_frame is None) else {"source": str(scenario.weather_frame.attrs.get("source", "")),
                                              "synthetic": scenario.weather_synthetic})
    return RunResult(scenario=calendar, dataset=ds, summary=summary)
