"""Replay (optimiser.operations.replay): forecasts changed on the seam equal a fresh build; perfect
forecasts make day-ahead only, day-ahead + intraday and perfect foresight equal; consecutive replayed
days equal one run over both (state and month-to-date peak carried); with forecast error perfect
foresight is never beaten; the settlement rule hand-worked; the command's outputs consistent."""

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest
import yaml

from forecasts.output_forecast import OutputErrorModel
from optimiser.cli import main
from optimiser.operations.forecast_inputs import ForecastInputs
from optimiser.operations.replay import ReplayOptions, replay
from optimiser.operations.settle import caps_kw, settle
from optimiser.run import Dispatch, optimise
from optimiser.scenario import load_scenario, scenario_from_dict

PRICES = [0.20, 0.21, 0.22, 0.23, 0.24, 0.25] + [0.5] * 12 + [1.0] * 4 + [0.62, 0.6]
START = "2026-07-15T00:00:00+08:00"


def write_park(folder, step_minutes, days=1, two_day_run=False):
    """A park over 3 days of CSV actuals: 300 kW load (500 kW at 19-20 h on day 1), 400 kW of PV, about
    100 kW of wind, a 100 kW / 400 kWh battery, export capped at 50 kW at 0.1 CNY/kWh (below every import
    price: no simultaneous import and export), a demand charge of 10 CNY/kW/month. Returns (path, raw)."""
    index = pd.date_range(START, periods=3 * 24 * 60 // step_minutes, freq=f"{step_minutes}min")
    hour = (index.hour + index.minute / 60).to_numpy()
    day = (index.day - 15).to_numpy()
    load = np.where((day == 0) & (hour >= 19) & (hour < 20), 500.0, 300.0)
    pv = np.clip(400 * np.sin((hour - 6) / 12 * np.pi), 0, None) * np.where(day == 1, 0.8, 1.0)
    wind = 100 + 40 * np.cos(hour / 24 * 2 * np.pi + day)
    pd.DataFrame({"time": [t.isoformat() for t in index], "price": [PRICES[int(h)] for h in hour], "load": load,
                  "pv": pv.round(3), "wind": wind.round(3)}).to_csv(folder / "actuals.csv", index=False)
    csv = lambda column: {"csv": "actuals.csv", "column": column}  # noqa: E731
    raw = {"park": {"name": "replay park", "latitude": 37.4, "longitude": 116.3, "timezone": "Asia/Shanghai"},
           "horizon": {"start": START, "steps": days * 24 * 60 // step_minutes, "step_minutes": step_minutes},
           "tariff": {"import_cny_per_kwh": csv("price"), "export_cny_per_kwh": 0.1},
           "grid": {"import_limit_kw": 2000, "export_limit_kw": 50, "emission_factor_tco2_per_mwh": 0.6,
                    "demand_charge_cny_per_kw_month": 10},
           "assets": [{"name": "load", "kind": "demand", "demand_kw": csv("load")},
                      {"name": "pv", "kind": "pv", "available_kw": csv("pv")},
                      {"name": "wind", "kind": "wind", "available_kw": csv("wind")},
                      {"name": "lfp", "kind": "battery", "power_kw": 100, "energy_kwh": 400,
                       "initial_soc_fraction": 0.5, "end_rule": "free", "cycle_cost_cny_per_kwh": 0.01}],
           "solver": {"mip_gap": 0.0}}
    if two_day_run:
        raw["grid"]["month_to_date_peak_kw"] = 0.0
    path = folder / ("two_days.yaml" if two_day_run else "park.yaml")
    path.write_text(yaml.safe_dump(raw))
    return path, raw


def seam_arrays(dispatch):
    seam = dispatch.seam
    lp = seam.highs.getLp()
    return {"col_lower": np.asarray(lp.col_lower_), "col_upper": np.asarray(lp.col_upper_),
            "row_lower": np.asarray(lp.row_lower_), "row_upper": np.asarray(lp.row_upper_),
            "cost": np.asarray(lp.col_cost_), "values": np.asarray(lp.a_matrix_.value_)}


@pytest.mark.parametrize("case", ["dezhou_15", "park_60"])
def test_forecast_set_on_the_seam_equals_a_fresh_build(tmp_path, case):
    """PV, wind and demand changed in place give the same columns, rows, costs and matrix as building the
    scenario with those series (dezhou_day also has a non-fossil share target whose rows must not move)."""
    if case == "dezhou_15":
        scenario = load_scenario("scenarios/dezhou_day.yaml")
    else:
        path, _ = write_park(tmp_path, 60)
        scenario = load_scenario(path)
    rng = np.random.default_rng(1)
    series = {a.name: np.asarray(a.demand_kw if a.kind == "demand" else a.available_kw) * rng.uniform(0.5, 1.5)
              for a in scenario.assets if a.kind in ("pv", "wind", "demand")}
    built = Dispatch(scenario)
    ForecastInputs(built).set(series)
    field = {a.name: "demand_kw" if a.kind == "demand" else "available_kw" for a in scenario.assets}
    changed = scenario.with_changes({f"assets.{name}.{field[name]}": values.tolist()
                                     for name, values in series.items()})
    fresh = Dispatch(changed)
    a, b = seam_arrays(built), seam_arrays(fresh)
    for key in a:
        np.testing.assert_allclose(a[key], b[key], rtol=1e-12, atol=1e-9, err_msg=key)
    assert built.solve().summary["objective_cny"] == pytest.approx(fresh.solve().summary["objective_cny"], rel=1e-9)


@pytest.mark.parametrize("step_minutes", [15, 60])
def test_perfect_forecasts_make_all_strategies_equal(tmp_path, step_minutes):
    """With no forecast error the day-ahead schedule is the perfect-foresight one and every intraday
    re-solve keeps its optimum: the three settled costs are equal (solver tolerance)."""
    path, _ = write_park(tmp_path, step_minutes)
    days = replay(path, date(2026, 7, 15), 1, ReplayOptions(error=OutputErrorModel.perfect(), intraday_every_h=2))
    cost = {d.strategy: d.kpis["cost_cny"] for d in days}
    assert cost["day_ahead"] == pytest.approx(cost["perfect"], rel=1e-7)
    assert cost["intraday"] == pytest.approx(cost["perfect"], rel=1e-7)
    perfect = next(d for d in days if d.strategy == "perfect")
    run = optimise(load_scenario(path).with_changes({"grid.month_to_date_peak_kw": 0.0}))  # a month's first day
    assert cost["perfect"] == pytest.approx(run.summary["objective_cny"], rel=1e-9)
    assert next(d for d in days if d.strategy == "intraday").solves == 12  # day-ahead + 11 two-hourly re-solves
    assert perfect.kpis["curtailment_kwh"] > 0 and perfect.kpis["demand_charge_cny"] > 0  # both rules bind


@pytest.mark.parametrize("step_minutes", [15, 60])
def test_two_replayed_days_equal_one_two_day_run(tmp_path, step_minutes):
    """Day 1 sets the month's peak (its 500 kW evening spike less what the battery shaves); day 2 stays
    under it and pays no demand charge; the battery's level is carried. The two settled days cost what one
    run over both days costs (from a month peak of 0), for every strategy with perfect forecasts."""
    path, _ = write_park(tmp_path, step_minutes)
    two_path, _ = write_park(tmp_path, step_minutes, days=2, two_day_run=True)
    both = optimise(load_scenario(two_path)).summary["objective_cny"]
    days = replay(path, date(2026, 7, 15), 2, ReplayOptions(error=OutputErrorModel.perfect(), intraday_every_h=3))
    for strategy in ("perfect", "day_ahead", "intraday"):
        mine = [d for d in days if d.strategy == strategy]
        assert mine[0].kpis["demand_charge_cny"] > 0 and mine[1].kpis["demand_charge_cny"] == pytest.approx(0, abs=1e-6)
        assert mine[0].kpis["cost_cny"] + mine[1].kpis["cost_cny"] == pytest.approx(both, rel=1e-7), strategy
        end_soc = float(mine[0].dataset["lfp_soc_kwh"].values[-1])
        start = mine[1].dataset["lfp_soc_kwh"].values[0] - mine[1].dataset["lfp_charge_kw"].values[0] * 0.95 * (
            step_minutes / 60) + mine[1].dataset["lfp_discharge_kw"].values[0] / 0.95 * (step_minutes / 60)
        assert start == pytest.approx(end_soc, rel=1e-3, abs=0.5)  # day 2 starts where day 1 ended


@pytest.mark.parametrize("step_minutes", [15, 60])
def test_perfect_foresight_is_never_beaten(tmp_path, step_minutes):
    """One day from the same state: every settled schedule is feasible for the actuals, so perfect
    foresight costs at most what day-ahead only and day-ahead + intraday cost; the error here is large
    enough that day-ahead only is strictly worse."""
    path, _ = write_park(tmp_path, step_minutes)
    error = OutputErrorModel(pv_sd_inf_fraction=0.3, wind_sd_inf_fraction=0.3, demand_sd_inf_fraction=0.1)
    days = replay(path, date(2026, 7, 15), 1, ReplayOptions(error=error, seed=4, intraday_every_h=1))
    cost = {d.strategy: d.kpis["cost_cny"] for d in days}
    assert cost["perfect"] <= cost["intraday"] * (1 + 1e-7)
    assert cost["perfect"] <= cost["day_ahead"] * (1 + 1e-7)
    assert cost["day_ahead"] > cost["perfect"] * (1 + 1e-4)


def test_settlement_rule_hand_worked():
    """Demand 100 kW, battery charging 20 kW (controllable injection -20), limits import 200 / export 10.
    PV 150 available, not curtailed: residual 100 + 20 - 150 = -30: export 10, 20 curtailed, PV 130.
    PV capped at 80 by a curtailing schedule: residual 100 + 20 - 80 = 40 imported.
    Demand 300, nothing else: 200 imported, 100 unserved."""
    s = settle(np.array([-20.0]), np.array([100.0]), {"pv": np.array([150.0])}, {"pv": np.array([np.inf])}, 200, 10)
    assert (s.export_kw[0], s.output_kw["pv"][0], s.import_kw[0]) == pytest.approx((10.0, 130.0, 0.0))
    cap = caps_kw(np.array([80.0, 90.0]), np.array([120.0, 90.0]))  # curtailed in the schedule, then not
    assert cap[0] == 80.0 and np.isinf(cap[1])
    s = settle(np.array([-20.0]), np.array([100.0]), {"pv": np.array([150.0])}, {"pv": cap[:1]}, 200, 10)
    assert (s.import_kw[0], s.output_kw["pv"][0], s.export_kw[0]) == pytest.approx((40.0, 80.0, 0.0))
    s = settle(np.array([0.0]), np.array([300.0]), {}, {}, 200, 10)
    assert (s.import_kw[0], s.unserved_kw[0]) == pytest.approx((200.0, 100.0))


def test_replay_command_writes_consistent_outputs(tmp_path, capsys):
    """Two hourly days, intraday every 6 h: files present, totals the sums of the days, shares the ratio
    of the summed energies, the value of intraday day-ahead only minus day-ahead + intraday."""
    path, _ = write_park(tmp_path, 60)
    out = tmp_path / "replay"
    args = ["replay", str(path), "--start", "2026-07-15", "--days", "2", "--intraday-every", "6h", "--out", str(out),
            "--quiet", "--seed", "3"]
    assert main(args) == 0
    assert {p.name for p in out.iterdir()} == {"replay_days.csv", "replay_totals.csv", "replay.json", "replay.png",
                                               "report.html", "parkdispatch-manifest.json"}
    page = (out / "report.html").read_text()
    assert "day_ahead" in page and "intraday" in page and "perfect" in page
    days = pd.read_csv(out / "replay_days.csv")
    totals = pd.read_csv(out / "replay_totals.csv").set_index("strategy")
    doc = json.loads((out / "replay.json").read_text())
    assert len(days) == 6 and doc["days_replayed"] == 2 and len(doc["days"]) == 6
    for strategy, part in days.groupby("strategy"):
        for column in ("cost_cny", "emissions_tco2", "curtailment_kwh", "unserved_kwh", "import_kwh"):
            assert totals.loc[strategy, column] == pytest.approx(part[column].sum(), rel=1e-9, abs=1e-6)
        assert totals.loc[strategy, "peak_import_kw"] == pytest.approx(part["peak_import_kw"].max())
        assert totals.loc[strategy, "renewable_share"] == pytest.approx(
            part["renewable_used_kwh"].sum() / part["consumed_kwh"].sum(), abs=1e-6)  # 6 decimals in the CSV
    assert doc["value_of_intraday"]["cost_cny"] == pytest.approx(
        totals.loc["day_ahead", "cost_cny"] - totals.loc["intraday", "cost_cny"], rel=1e-6)
    assert "value of intraday" in capsys.readouterr().out
    assert main(args) == 2  # --out not empty: refused before any solve


class Overforecast:
    """Forecasts that see 1.6x the actual PV from the issue time on (the past is actual)."""

    def __init__(self, scenario):
        self.scenario = scenario

    def issued(self, d, index, issue):
        series = {a.name: np.asarray(a.demand_kw if a.kind == "demand" else a.available_kw, dtype=float).copy()
                  for a in self.scenario.assets if a.kind in ("pv", "wind", "demand")}
        series["pv"][index >= issue] *= 1.6
        return series


def test_a_re_solve_the_executed_past_made_infeasible_keeps_the_previous_schedule(tmp_path):
    """A hard renewable share the over-forecast PV makes look feasible: the day-ahead solve meets it on
    paper; by the afternoon the executed (actual, lower) PV leaves it out of reach, so those re-solves are
    infeasible: the previous schedule is executed, each flagged, and the settled day reports the missed
    target as a flag, not an error."""
    from optimiser.operations.replay import run_day

    path, raw = write_park(tmp_path, 60)
    actual = optimise(load_scenario(path).with_changes({"grid.month_to_date_peak_kw": 0.0}))
    share = actual.summary["renewable_share"]
    scenario = load_scenario(path).with_changes({"grid.month_to_date_peak_kw": 0.0,
                                                 "targets": {"renewable_share_min": share + 0.02}})
    day = run_day(scenario, "intraday", Overforecast(scenario), ReplayOptions(intraday_every_h=1))
    kept = [f for f in day.flags if "failed (infeasible" in f and "previous schedule kept" in f]
    assert kept and len(kept) < 23
    assert any("renewable_share" in f and "below the target" in f for f in day.flags)
    assert day.kpis["renewable_share"] < share + 0.02


@pytest.mark.parametrize(("option", "message"), [
    (["--intraday-every", "7min"], "not a whole number of 60-minute steps"),
    (["--intraday-every", "soon"], "--intraday-every = 'soon': not a duration"),
    (["--capacity", "solar=5"], "--capacity solar: no pv, wind or demand asset of that name"),
    (["--capacity", "pv=lots"], "--capacity 'pv=lots': expected NAME=KW"),
    (["--start", "2026-07-32"], "--start = '2026-07-32': not a date"),
])
def test_replay_options_are_checked(tmp_path, capsys, option, message):
    path, _ = write_park(tmp_path, 60)
    args = ["replay", str(path), "--start", "2026-07-15", "--days", "1", "--out", str(tmp_path / "o"), *option]
    assert main(args) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_replay_from_a_store_starts_where_the_day_ahead_job_would(tmp_path):
    """The day-ahead job stores 15 July (its end state, its month peak); a replay of 16 July from that store
    starts from them: with perfect forecasts every strategy costs what the day-ahead job's own 16 July
    schedule costs (against a replay from the scenario's initial state and no peak, which differs)."""
    from optimiser.operations.dayahead import day_ahead
    from optimiser.operations.store import Store

    path, _ = write_park(tmp_path, 60)
    store = Store(tmp_path / "store.sqlite")
    day_ahead(path, date(2026, 7, 15), store)
    options = ReplayOptions(error=OutputErrorModel.perfect(), intraday_every_h=4)
    days = replay(path, date(2026, 7, 16), 1, options, store=store)  # read only: before the 16th is stored
    expected = day_ahead(path, date(2026, 7, 16), store).result.summary["objective_cny"]
    for day in days:
        assert day.kpis["cost_cny"] == pytest.approx(expected, rel=1e-7), day.strategy
    fresh = replay(path, date(2026, 7, 16), 1, options)
    assert fresh[0].kpis["cost_cny"] != pytest.approx(expected, rel=1e-4)
