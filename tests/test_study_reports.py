"""Reports of a sweep, a Pareto front and a replay table: hand-worked numbers, what the pages hold."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from optimiser.errors import ScenarioError
from optimiser.reports.study import abatement_costs, replay_frame, replay_report_html, replay_summary

REPLAY = [  # two days, three strategies [CNY, tCO2]
    {"date": "2026-07-15", "strategy": "day_ahead", "cost_cny": 1100.0, "emissions_tco2": 11.0, "import_kwh": 5200.0},
    {"date": "2026-07-15", "strategy": "perfect", "cost_cny": 1000.0, "emissions_tco2": 10.0, "import_kwh": 5000.0},
    {"date": "2026-07-15", "strategy": "intraday", "cost_cny": 1040.0, "emissions_tco2": 10.5, "import_kwh": 5100.0},
    {"date": "2026-07-16", "strategy": "perfect", "cost_cny": 900.0, "emissions_tco2": 9.0, "import_kwh": 4500.0},
    {"date": "2026-07-16", "strategy": "day_ahead", "cost_cny": 1000.0, "emissions_tco2": 9.0, "import_kwh": 4600.0},
    {"date": "2026-07-16", "strategy": "intraday", "cost_cny": 920.0, "emissions_tco2": 9.2, "import_kwh": 4550.0},
]


def test_abatement_cost_between_neighbours():
    """Points (10 t, 100 CNY), (8 t, 120 CNY), (5 t, 180 CNY), given in any order: 20 CNY / 2 t = 10 CNY/tCO2,
    then 60 CNY / 3 t = 20 CNY/tCO2; none for the cheapest point."""
    front = pd.DataFrame({"emissions_tco2": [5.0, 10.0, 8.0], "cost_cny": [180.0, 100.0, 120.0]})
    table = abatement_costs(front)
    assert list(table["emissions_tco2"]) == [10.0, 8.0, 5.0]
    assert pd.isna(table.at[0, "abatement_cost_cny_per_tco2"])
    assert list(table["abatement_cost_cny_per_tco2"][1:]) == pytest.approx([10.0, 20.0])


def test_replay_totals_and_regret():
    """Totals: perfect foresight 1900 CNY, day-ahead 2100 (regret 200 CNY = 10.526 %), with intraday 1960
    (regret 60 CNY = 3.158 %); extra emissions 1.0 and 0.7 tCO2. Strategies in display order, the
    bound first, whatever the input order."""
    wide, totals = replay_summary(replay_frame(REPLAY))
    assert list(totals["strategy"]) == ["perfect", "day_ahead", "intraday"]
    assert list(totals["cost_cny"]) == pytest.approx([1900.0, 2100.0, 1960.0])
    assert list(totals["regret_cny"]) == pytest.approx([0.0, 200.0, 60.0])
    assert list(totals["regret_percent"]) == pytest.approx([0.0, 200 / 19, 60 / 19])
    assert list(totals["extra_emissions_tco2"]) == pytest.approx([0.0, 1.0, 0.7])
    assert list(wide["cost_cny | day_ahead"]) == pytest.approx([1100.0, 1000.0])
    assert list(wide.columns[:4]) == ["date", "cost_cny | perfect", "cost_cny | day_ahead",
                                      "cost_cny | intraday"]


def test_replay_report_from_csv_and_json(tmp_path):
    csv, js = tmp_path / "replay.csv", tmp_path / "replay.json"
    pd.DataFrame(REPLAY).to_csv(csv, index=False)
    js.write_text(json.dumps(REPLAY))
    for source in (csv, js):
        html = replay_report_html(source, title="July replay")
        assert "July replay" in html and "regret_cny" in html and html.count("data:image/png;base64,") == 1
        assert "2,100" in html  # day-ahead total cost


@pytest.mark.parametrize("change, message", [
    (lambda rows: [{k: v for k, v in r.items() if k != "emissions_tco2"} for r in rows], "missing column"),
    (lambda rows: rows + [rows[0]], "appears more than once"),
    (lambda rows: [r for r in rows if not (r["strategy"] == "perfect" and r["date"] == "2026-07-16")],
     "no perfect row for 2026-07-16"),
])
def test_bad_replay_tables_are_named(change, message):
    with pytest.raises(ScenarioError, match=message):
        replay_frame(change(REPLAY))


def test_pareto_writes_its_report(tmp_path):
    """``parkdispatch pareto`` writes report.html whose table is pareto.csv's points with their abatement costs."""
    from optimiser.cli import main

    out = tmp_path / "front"
    assert main(["pareto", "scenarios/dezhou_day.yaml", "--points", "3", "--out", str(out), "--quiet"]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    front = pd.read_csv(out / "pareto.csv")
    table = abatement_costs(front)
    assert (table["abatement_cost_cny_per_tco2"].dropna() > 0).all()
    assert "abatement_cost_cny_per_tco2" in html and html.count("data:image/png;base64,") == 1
    assert json.loads((out / "pareto.json").read_text())["scenario_sha256"] in html


def solved_sweep(tmp_path, plot: bool = True):
    """The 2 x 2 price and carbon grid of test_sweeps, solved in this process and written to ``tmp_path/out``.
    Its park has a name of its own, so its cases form a model group of their own (the worker keeps the last
    group's model: test_sweeps counts its re-uses)."""
    from test_sweeps import PRICE_GRID, base_scenario, in_process, write_sweep

    from optimiser.sweeps import load_sweep, write_results

    base = base_scenario()
    base["park"]["name"] = "report park"
    sweep = load_sweep(write_sweep(tmp_path, PRICE_GRID, base))
    records = [{**r, "choice": sweep.cases[r["case"]].choice} for r in in_process(sweep)]  # as load_records adds
    (tmp_path / "out").mkdir()
    write_results(sweep, records, tmp_path / "out", plot=plot)
    return tmp_path / "out"


def test_sweep_writes_its_report(tmp_path):
    """The cheapest case is peak 0.35 CNY/kWh at carbon price 0 (65 CNY, hand-worked in test_sweeps); four
    heatmaps and the two plots inlined."""
    html = (solved_sweep(tmp_path) / "report.html").read_text(encoding="utf-8")
    assert "4 cases: 4 optimal" in html
    assert html.count("data:image/png;base64,") == 2 + 4
    best = html[html.index("Best case per KPI"):]
    row = best[best.index("<td>objective_cny</td>"):].split("</tr>")[0]
    assert '<td class="n">65</td>' in row and '<td class="n">0.35</td>' in row



def test_sweep_report_without_plots(tmp_path):
    """--no-plot: the page has the tables and no figure (none written, none drawn)."""
    html = (solved_sweep(tmp_path, plot=False) / "report.html").read_text(encoding="utf-8")
    assert "data:image" not in html and "No plots" in html and "Best case per KPI" in html
