"""Write the standard parks at three horizons from their one definition (``parks.py``).

For each park: one year of 15-minute series (2026) from the park's SYNTHETIC site
weather (``forecasts.synthetic.site_weather``, the same site and seed as the
scenario's ``weather`` section, so the weather here is the weather the scenario
computes its PV and wind from at load time), BDEW load profiles (``forecasts.loads``)
and the daily patterns below. Written (deterministic, offline):

* ``data/<park>_15min.csv``: the week of ``parks.WEEK`` in 15-minute steps (the
  day-ahead scenario picks its 96 steps from it by the ``time`` column);
* ``data/<park>_1h.csv``: the year in hourly steps: power as hourly means of the
  15-minute series, energies per step (EV arrival / departure kWh) as hourly sums;
* ``<park>_day.yaml`` (96 x 15 min), ``<park>_week.yaml`` (672 x 15 min),
  ``<park>_year.yaml`` (8760 x 1 h): the same definition, horizon, CSV file and the
  demand-response events inside the horizon differ;
* ``README.md``'s sources tables, from ``parks.SOURCES`` (each value checked
  against the definition first).

Run from the repository root: ``python scenarios/standard/make_standard.py``.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from parks import DAY, PARKS, SERIES, SOURCES, WEEK, YEAR, lookup  # noqa: E402

from forecasts.loads import electric_load_kw, heat_load_kw  # noqa: E402
from forecasts.pv import PVArray, pv_ac_kw  # noqa: E402
from forecasts.synthetic import site_weather  # noqa: E402
from forecasts.weather import TEMP_AIR  # noqa: E402
from forecasts.wind import WindFarm, wind_farm_kw  # noqa: E402

TZ = "Asia/Shanghai"
HORIZONS = {"day": (DAY, 96, 15), "week": (WEEK, 672, 15), "year": (f"{YEAR}-01-01", 8760, 60)}
ENERGY_COLUMNS = ("ev_arrival_kwh", "ev_departure_kwh")  # summed, not averaged, to the hour


def _clock(index: pd.DatetimeIndex) -> np.ndarray:
    return (index.hour + index.minute / 60).to_numpy()


def _hours(text: str) -> float:
    h, m = text.split(":")
    return int(h) + int(m) / 60


def year_series(name: str) -> pd.DataFrame:
    """The park's 15-minute series over the whole year [kW, kW_th, kWh per step]."""
    definition, s = PARKS[name], SERIES[name]
    synthetic = definition["weather"]["synthetic"]
    weather, _ = site_weather(synthetic["site"], f"{YEAR}-01-01", 35_040, 15, seed=synthetic["seed"])
    index = weather.index
    out = {}
    if "load_annual_kwh" in s:
        out["load_kw"] = electric_load_kw(s["load_annual_kwh"], index, s["load_profile"]).to_numpy()
    if "heat_annual_kwh_th" in s:
        temperature = weather[TEMP_AIR].copy()
        temperature.attrs = dict(weather.attrs)
        out["heat_kw_th"] = heat_load_kw(s["heat_annual_kwh_th"], temperature, s["heat_profile"]).to_numpy()
    clock = _clock(index)
    if name == "dezhou":
        arrive, leave = (_hours(t) for t in s["ev_plugged"])
        present = (clock >= arrive) | (clock < leave)
        connected = s["ev_vehicles"] * s["ev_charger_kw"]
        battery = s["ev_vehicles"] * s["ev_battery_kwh"]
        out["ev_connected_kw"] = np.where(present, connected, 0.0)
        out["ev_v2g_kw"] = np.where(present, s["ev_v2g_fraction"] * connected, 0.0)
        out["ev_arrival_kwh"] = np.where(clock == arrive, s["ev_arrival_soc"] * battery, 0.0)
        out["ev_departure_kwh"] = np.where(clock == leave - 0.25, s["ev_departure_soc"] * battery, 0.0)
    if name == "zhangye":
        lat, lon, alt = (definition["park"][k] for k in ("latitude", "longitude", "altitude_m"))
        out["direct_pv_kw"] = pv_ac_kw(weather, [PVArray(name="direct_pv", capacity_kwp=s["direct_pv_kwp"], tilt_deg=0,
                                                         azimuth_deg=180, tracking="single_axis")],
                                       lat, lon, alt).sum(axis=1).clip(lower=0).to_numpy()
        out["direct_wind_kw"] = wind_farm_kw(weather, WindFarm(name="direct_wind", turbine_type="E-126/4200",
                                                               hub_height_m=100, n_turbines=s["direct_wind_turbines"]),
                                             alt).clip(lower=0).to_numpy()
    return pd.DataFrame(out, index=index)


def dr_events(name: str, start: pd.Timestamp, steps: int, step_minutes: int) -> list[dict]:
    """Dezhou's demand-response events inside a horizon: weekdays 1 Jul - 31 Aug, evening peak."""
    s = SERIES[name]
    first, last = (_hours(t) for t in s["dr_event_hours"])
    end = start + pd.Timedelta(minutes=steps * step_minutes)
    events = []
    for day in pd.date_range(f"{YEAR}-07-01", f"{YEAR}-08-31", freq="D", tz=TZ):
        if day.weekday() >= 5:
            continue
        t0, t1 = day + pd.Timedelta(hours=first), day + pd.Timedelta(hours=last)
        if start <= t0 and t1 <= end:
            events.append({"start": t0.isoformat(), "end": t1.isoformat(), "direction": "reduce",
                           "required_kw": s["dr_required_kw"],
                           "compensation_cny_per_kwh": s["dr_compensation_cny_per_kwh"],
                           "rebound_fraction": 0.3, "rebound_hours": 3})
    return events


def _to_csv(frame: pd.DataFrame, path: Path) -> None:
    table = frame.round(0).astype(int)
    table.insert(0, "time", [t.isoformat() for t in frame.index])
    table.to_csv(path, index=False, lineterminator="\n")


def scenario(name: str, horizon: str) -> dict:
    """The park's scenario at one horizon (series pointed at the horizon's CSV)."""
    start, steps, step_minutes = HORIZONS[horizon]
    csv = f"data/{name}_{'1h' if step_minutes == 60 else '15min'}.csv"
    raw = copy.deepcopy(PARKS[name])

    def point(node):
        if isinstance(node, dict):
            for key, value in list(node.items()):
                if isinstance(value, dict) and set(value) == {"column"}:
                    node[key] = {"csv": csv, "column": value["column"]}
                elif value == "dr_events":
                    node[key] = dr_events(name, pd.Timestamp(start, tz=TZ), steps, step_minutes)
                else:
                    point(value)
        elif isinstance(node, list):
            for value in node:
                point(value)

    point(raw)
    horizon_section = {"start": pd.Timestamp(start, tz=TZ).isoformat(), "steps": steps, "step_minutes": step_minutes}
    return {"park": raw.pop("park"), "horizon": horizon_section, **raw}


def sources_markdown() -> str:
    lines = []
    for name, rows in SOURCES.items():
        lines += [f"### {PARKS[name]['park']['name']} (`{name}_*.yaml`)", "", "| field | value | source |", "|---|---|---|"]
        for path, value, source in rows:
            found = lookup(PARKS[name], SERIES[name], path)
            if found != value:
                raise SystemExit(f"SOURCES[{name!r}] {path}: table says {value!r}, definition has {found!r}")
            lines.append(f"| `{path}` | {value} | {source} |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    (HERE / "data").mkdir(exist_ok=True)
    for name in PARKS:
        fine = year_series(name)
        week_start = pd.Timestamp(WEEK, tz=TZ)
        _to_csv(fine.loc[week_start:week_start + pd.Timedelta(days=7) - pd.Timedelta(minutes=15)],
                HERE / "data" / f"{name}_15min.csv")
        hourly = fine.resample("h").mean()
        for column in ENERGY_COLUMNS:
            if column in fine:
                hourly[column] = fine[column].resample("h").sum()
        _to_csv(hourly, HERE / "data" / f"{name}_1h.csv")
        for horizon in HORIZONS:
            header = (f"# {PARKS[name]['park']['name']}, {horizon} horizon. GENERATED by make_standard.py from "
                      f"parks.py: do not edit;\n# sources of every figure: README.md. PV and wind from SYNTHETIC "
                      f"weather (labelled in outputs); tariffs ILLUSTRATIVE.\n")
            text = yaml.safe_dump(scenario(name, horizon), sort_keys=False, allow_unicode=True, width=120)
            (HERE / f"{name}_{horizon}.yaml").write_text(header + text)
        print(name, ", ".join(f"{c} sum {fine[c].sum() / 4e6:,.1f} GWh, peak {fine[c].max() / 1e3:,.1f} MW"
                              for c in fine if c.endswith(("_kw", "_kw_th"))))
    readme = HERE / "README.md"
    text = readme.read_text()
    marker = "<!-- sources: generated by make_standard.py -->"
    readme.write_text(text.split(marker)[0] + marker + "\n\n" + sources_markdown())


if __name__ == "__main__":
    main()
