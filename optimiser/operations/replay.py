"""``parkdispatch replay``: day-ahead and intraday over past days against actuals, and what intraday is worth.

For each day from ``start`` and each of three strategies, the day's scenario is derived as
the day-ahead job derives it (:func:`.dayahead.day_scenario`: the horizon moved to the date,
the strategy's own realised end state of the day before, its own running totals: month-to-date
peak import and year to date, :mod:`.totals`, as the daily job carries them); the
scenario's own series are the **actuals**. Forecasts of the ``pv``, ``wind`` and ``demand``
series are issued from them with lead-time error (:mod:`forecasts.output_forecast`, seeded).

* ``perfect``: perfect foresight, one solve of the day on the actuals.
* ``day_ahead``: one solve on the forecast issued at ``DAY_AHEAD_ISSUE_HOUR`` the day before,
  executed all day.
* ``intraday``: that day-ahead solve, then every ``intraday_every`` a re-solve from that time
  on with a fresh forecast, the steps before it fixed as dispatched and settled
  (:class:`.intraday.PastFixer`), each schedule executed until the next. A re-solve that the
  executed past has made infeasible (e.g. a hard share target the actual weather has put out
  of reach), or that found no schedule in its time limit, keeps the previous schedule, flagged.
  One build per day: the forecast is changed on the seam
  (:class:`.forecast_inputs.ForecastInputs`) and the model re-solved warm.

Each executed interval is settled against the actuals (:mod:`.settle`); the settled day is a
dispatch Dataset whose KPIs (:func:`optimiser.results.kpis`) give the day's cost and emissions,
which the independent check (:func:`optimiser.check.check_solution`) verifies (a missed hard
share target is a flag, not an error: the actual weather may make it impossible). Its end
state and peak import carry to the strategy's next day.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from forecasts.output_forecast import OutputErrorModel, issue_forecast, pv_envelope_kw

from ..accounting import energy_totals, share_terms
from ..assets.base import ELECTRICITY
from ..check import check_solution
from ..errors import InfeasibleError, ScenarioError, SolutionCheckError, SolverError
from ..flows import asset_flows
from ..results import extract, kpis
from ..run import Dispatch
from ..scenario import Scenario
from .dayahead import day_scenario, read_raw
from .forecast_inputs import ForecastInputs, actual_series, forecast_assets
from .intraday import PastFixer
from .settle import caps_kw, settle
from .state import end_state
from .totals import carry_in, carry_out

STRATEGIES = ("perfect", "day_ahead", "intraday")
"""perfect foresight, day-ahead only, day-ahead plus intraday"""

DAY_AHEAD_ISSUE_HOUR = 12
"""local hour of the day before at which the day-ahead forecast is issued (leads 12-36 h)"""

TARGET_WORDS = ("share", "target", "curtailment_rate")
"""check messages about targets: flagged on a settled day, not errors"""


@dataclass
class ReplayOptions:
    """How a replay runs: the intraday cadence [h], the forecast error and its seed, solver limits."""

    intraday_every_h: float = 1.0
    seed: int = 0
    error: OutputErrorModel = field(default_factory=OutputErrorModel)
    time_limit_s: float | None = None
    mip_gap: float | None = None
    capacity_kw: dict[str, float] = field(default_factory=dict)
    """error scale of a pv / wind series [kW] by asset name; default: the asset's ``capacity_kw`` where it has
    one, else its highest actual value over the days replayed (a day's forecast then depends on the days
    replayed with it)"""


@dataclass
class SettledDay:
    """One strategy's settled day: its KPIs, flags, end state and solver effort."""

    date: date
    strategy: str
    kpis: dict
    flags: list[str]
    state: dict
    dataset: object
    solves: int = 0
    solve_seconds: float = 0.0
    resolve_seconds: list[float] = field(default_factory=list)
    capacity_kw: dict = field(default_factory=dict)
    """the forecast error scale used [kW]"""


def parse_every(text: str) -> float:
    """``--intraday-every`` (``1h``, ``30min``, ...) in hours; exit 2 naming the value otherwise."""
    try:
        hours = pd.Timedelta(text) / pd.Timedelta(hours=1)
    except ValueError:
        raise ScenarioError(f"--intraday-every = {text!r}: not a duration (e.g. 1h, 30min)") from None
    if not 0 < hours <= 24:
        raise ScenarioError(f"--intraday-every = {text!r}: must be more than 0 and at most 24 h")
    return hours


def replay(scenario_path: str | Path, start: date, days: int, options: ReplayOptions | None = None,
           progress=None, store=None) -> list[SettledDay]:
    """Replay ``days`` days from ``start`` under every strategy (see module doc); settled days in order.

    With a ``store`` (:class:`.store.Store`, only read) every strategy starts from its end state of the
    day before ``start`` and its month-to-date peak, as the day-ahead job would; else from the
    scenario's initial state and no peak. ``progress(day)`` is called after each settled day."""
    options = options or ReplayOptions()
    if days < 1:
        raise ScenarioError(f"--days = {days}: must be at least 1")
    path = Path(scenario_path)
    raw, _ = read_raw(path)
    dates = [start + timedelta(days=i) for i in range(days)]
    actuals = {d: day_scenario(raw, d, {}, path.parent, str(path))[0] for d in dates}
    forecaster = Forecaster(actuals, options)
    state, previous = {}, {}
    if store is not None:
        _, state = store.end_state(start - timedelta(days=1))
        _, previous = store.latest_totals(start)
    states = {s: dict(state) for s in STRATEGIES}
    totals: dict[str, dict] = {s: dict(previous) for s in STRATEGIES}
    out = []
    for d in dates:
        for strategy in STRATEGIES:
            r = copy.deepcopy(raw)
            carried = carry_in(r, d, totals[strategy])
            scenario, flags = day_scenario(r, d, states[strategy], path.parent, str(path))
            day = run_day(scenario, strategy, forecaster, options)
            day.flags[:0] = [f for f in flags if not f.startswith("no stored state")] + carried
            states[strategy] = {(a, q): v for a, q, v in day.state}
            totals[strategy] = {name: (period, value) for name, period, value in
                                carry_out(scenario, day.dataset, day.kpis["objective_cny"], d, totals[strategy])}
            day.capacity_kw = forecaster.capacity
            out.append(day)
            if progress is not None:
                progress(day)
    return out


class Forecaster:
    """Forecasts of each day's actual series issued at a given time (:func:`issue_forecast`); capacity
    as given in the options, else the asset's ``capacity_kw`` where it has one, else the series'
    highest actual value over the days replayed."""

    def __init__(self, actuals: dict[date, Scenario], options: ReplayOptions):
        self.options = options
        self.series = {d: actual_series(s) for d, s in actuals.items()}
        first = next(iter(actuals.values()))
        self.kinds = forecast_assets(first)
        unknown = sorted(set(options.capacity_kw) - set(self.kinds))
        if unknown:
            raise ScenarioError(f"--capacity {unknown[0]}: no pv, wind or demand asset of that name")
        rated = {a.name: getattr(a, "capacity_kw", None) for a in first.assets}  # a plant's rating, where given
        self.capacity = {name: options.capacity_kw.get(name) or rated.get(name)
                         or max(float(v[name].max(initial=0.0)) for v in self.series.values())
                         for name in self.kinds}
        self.envelope = {(d, name): pv_envelope_kw(s.index, s.park.latitude, s.park.longitude,
                                                   self.capacity[name], self.series[d][name])
                         for d, s in actuals.items() for name, kind in self.kinds.items() if kind == "pv"}

    def issued(self, d: date, index: pd.DatetimeIndex, issue: pd.Timestamp) -> dict[str, np.ndarray]:
        """Every forecast series of day ``d`` as issued at ``issue`` [kW]."""
        o = self.options
        return {name: issue_forecast(self.series[d][name], index, issue, kind, name=name, seed=o.seed,
                                     error=o.error, capacity_kw=self.capacity[name],
                                     upper_kw=self.envelope.get((d, name)))
                for name, kind in self.kinds.items()}


def issue_times(scenario: Scenario, strategy: str, every_h: float) -> tuple[list[pd.Timestamp | None], int]:
    """The forecast issues of a strategy's day (None: the actuals) and the steps each is executed for."""
    n, step_h = scenario.horizon.steps, scenario.horizon.dt_h
    first = scenario.index[0]
    if strategy == "perfect":
        return [None], n
    day_ahead = first - pd.Timedelta(hours=24 - DAY_AHEAD_ISSUE_HOUR)
    if strategy == "day_ahead":
        return [day_ahead], n
    per = every_h / step_h
    if abs(per - round(per)) > 1e-9 or round(per) < 1:
        raise ScenarioError(f"--intraday-every = {every_h:g} h: not a whole number of "
                            f"{scenario.horizon.step_minutes}-minute steps")
    m = int(round(per))
    return [day_ahead] + [scenario.index[k] for k in range(m, n, m)], m


def run_day(scenario: Scenario, strategy: str, forecaster: Forecaster, options: ReplayOptions) -> SettledDay:
    """Solve, execute and settle one day of one strategy (see module doc)."""
    d = scenario.index[0].date()
    issues, m = issue_times(scenario, strategy, options.intraday_every_h)
    dispatch = Dispatch(scenario)
    inputs = ForecastInputs(dispatch)
    fixer = PastFixer(dispatch)
    seam, n = dispatch.seam, scenario.horizon.steps
    actual = actual_series(scenario)
    kinds = inputs.kinds
    demand = sum((actual[a] for a, k in kinds.items() if k == "demand"), np.zeros(n))
    plants = [a for a, k in kinds.items() if k != "demand"]
    labels = fixer.columns()
    realised = {label: np.zeros(n) for label in labels}
    caps = {a: np.full(n, np.inf) for a in plants}
    unserved, executed_import = np.zeros(n), np.zeros(n)
    limits = (scenario.grid.import_limit_kw, scenario.grid.export_limit_kw)
    time_limit = scenario.solver.time_limit_s if options.time_limit_s is None else options.time_limit_s
    mip_gap = scenario.solver.mip_gap if options.mip_gap is None else options.mip_gap
    day = SettledDay(date=d, strategy=strategy, kpis={}, flags=[], state={}, dataset=None)
    for k, issue in enumerate(issues):
        lo, hi = k * m, (n if k == len(issues) - 1 else (k + 1) * m)
        t0 = time.perf_counter()
        series = dict(actual) if issue is None else forecaster.issued(d, scenario.index, issue)
        if k:
            for a in (a for a, kind in kinds.items() if kind == "demand"):  # the past served, not forecast
                series[a] = series[a].copy()
                series[a][:lo] = actual[a][:lo] * np.divide(demand[:lo] - unserved[:lo], demand[:lo],
                                                            out=np.ones(lo), where=demand[:lo] > 0)
        with seam.batch():  # one re-derivation of the exclusivity big-M values for all three changes
            fixer.release()
            inputs.set(series)
            fixer.fix(realised, lo)
        try:
            info, _ = dispatch.run(time_limit, mip_gap)
            day.solve_seconds += info.solve_seconds
            if info.status != "optimal":
                day.flags.append(f"solve at {'the day-ahead issue' if not k else issue.isoformat()}: {info.status} "
                                 f"(MIP gap {info.mip_gap}): best schedule found, not proven optimal")
            solved = (series, inputs.demand_kw(), seam.x.copy())  # the schedule executed from here, its forecast
        except (InfeasibleError, SolverError) as exc:
            if not k:
                on = "the actuals" if issue is None else f"the forecast issued {issue.isoformat()}"
                exc.args = (f"{strategy} day {d}: the solve on {on}: {exc}",)
                raise
            day.flags.append(f"intraday re-solve at {issue.isoformat()} failed ({str(exc).splitlines()[0]}): "
                             "the previous schedule kept")
        x, sl = solved[2], slice(lo, hi)  # not seam.x: a failed lazy-binary round may have left a relaxed one
        scheduled = {a: x[inputs.output_cols[a]][sl] for a in plants}
        controllable = (solved[1][sl] - sum(scheduled.values(), np.zeros(hi - lo))
                        - x[inputs.import_cols][sl] + x[inputs.export_cols][sl])
        for a in plants:
            caps[a][sl] = caps_kw(scheduled[a], solved[0][a][sl])
        settled = settle(controllable, demand[sl], {a: actual[a][sl] for a in plants},
                         {a: caps[a][sl] for a in plants}, *limits)
        for label, cols in labels.items():
            realised[label][sl] = np.where(cols[sl] >= 0, x[np.maximum(cols[sl], 0)], 0.0)
        for a in plants:
            realised[f"{a}_output_kw"][sl] = settled.output_kw[a]
        unserved[sl], executed_import[sl] = settled.unserved_kw, settled.import_kw
        day.solves += 1
        if k:
            day.resolve_seconds.append(time.perf_counter() - t0)
    seam.load(solved[2])  # the model's values: the last schedule solved (executed since, past fixed)
    ds = settled_dataset(dispatch, scenario, caps, demand, plants, day)
    drift = float(np.abs(ds["grid_import_kw"].values - executed_import).max())
    if drift > 1e-4 * (1.0 + float(np.abs(executed_import).max())):
        raise SolutionCheckError(f"{strategy} day {d}: the settled day's import differs from the import settled "
                                 f"interval by interval by up to {drift:.6g} kW: the executed past moved")
    day.dataset = ds
    day.kpis = day_kpis(ds, scenario, day)
    day.state = end_state(scenario, ds)
    return day


def settled_dataset(dispatch: Dispatch, scenario: Scenario, caps: dict, demand: np.ndarray, plants: list[str],
                    day: SettledDay):
    """The executed day (the model's last solution, past steps fixed as executed) settled against the
    actuals over all steps; unserved load is taken off the demand columns (flagged)."""
    ds = extract(dispatch.model, scenario, dispatch.ctx).copy(deep=True)
    kinds = forecast_assets(scenario)
    controllable = np.zeros(scenario.horizon.steps)
    for asset in scenario.assets:
        if asset.name not in kinds:
            controllable = controllable + asset.net_injection(asset_flows(ds, asset.name)).get(ELECTRICITY, 0.0)
    available = {a: ds[f"{a}_available_kw"].values for a in plants}
    s = settle(controllable, demand, available, caps, scenario.grid.import_limit_kw, scenario.grid.export_limit_kw)
    for a in plants:
        ds[f"{a}_output_kw"].values[:] = s.output_kw[a]
        ds[f"{a}_curtailed_kw"].values[:] = available[a] - s.output_kw[a]
    ds["grid_import_kw"].values[:] = s.import_kw
    ds["grid_export_kw"].values[:] = s.export_kw
    dt = scenario.horizon.dt_h
    day.kpis["unserved_kwh"] = float(s.unserved_kw.sum() * dt)
    day.kpis["export_over_limit_kwh"] = float(s.export_over_limit_kw.sum() * dt)
    if s.unserved_kw.any():
        served = np.divide(demand - s.unserved_kw, demand, out=np.ones_like(demand), where=demand > 0)
        for a, kind in kinds.items():
            if kind == "demand":
                ds[f"{a}_demand_kw"].values[:] = ds[f"{a}_demand_kw"].values * served
        day.flags.append(f"unserved load {day.kpis['unserved_kwh']:.1f} kWh: the import limit was reached")
    if s.export_over_limit_kw.any():
        day.flags.append(f"export over the limit {day.kpis['export_over_limit_kwh']:.1f} kWh: scheduled storage "
                         "discharge into a smaller load than forecast")
    return ds


def day_kpis(ds, scenario: Scenario, day: SettledDay) -> dict:
    """A settled day's figures: cost, emissions, energy, shares (with their numerators and denominator
    [kWh], so that totals over days are exact), curtailment, unserved energy, peak import."""
    totals = kpis(ds, scenario)
    problems = check_solution(ds, scenario, totals["objective_recomputed_cny"])
    targets = [p for p in problems if any(w in p for w in TARGET_WORDS)]
    other = [p for p in problems if p not in targets]
    if other and not day.kpis.get("unserved_kwh") and not day.kpis.get("export_over_limit_kwh"):
        raise SolutionCheckError(f"settled {day.strategy} day {day.date} failed the independent check:\n  "
                                 + "\n  ".join(other))
    day.flags += targets
    terms = share_terms(energy_totals(ds, scenario), scenario)
    renewable, consumed = terms["renewable_share"]
    green, _ = terms["green_electricity_share"]
    return {**day.kpis, "cost_cny": totals["total_cost_cny"], "objective_cny": totals["objective_recomputed_cny"], "emissions_tco2": totals["emissions_tco2"],
            "demand_charge_cny": totals["demand_charge_cny"], "import_kwh": totals["import_kwh"],
            "export_kwh": totals["export_kwh"], "demand_kwh": totals["demand_kwh"],
            "renewable_available_kwh": totals["renewable_available_kwh"],
            "curtailment_kwh": totals["curtailment_kwh"], "peak_import_kw": totals["peak_import_kw"],
            "renewable_used_kwh": renewable, "green_kwh": green, "consumed_kwh": consumed,
            "renewable_share": renewable / consumed if consumed > 0 else 0.0,
            "green_electricity_share": green / consumed if consumed > 0 else 0.0}
