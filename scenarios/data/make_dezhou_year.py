"""Regenerate ``dezhou_year.csv``: a year (2026) of hourly park load, heat and EV-fleet series at Dezhou.

Deterministic and offline. Each day takes the bundled July day's shapes (``dezhou_day.csv``,
quarter hours averaged to hours, ``*_kwh`` columns summed) and scales them: the electric load
by a summer cooling swing (+/- 8 %, peak late July) and 15 % less on Sundays; heat by a winter
space-heating swing (the 40 % washing / space part from 0.4x in summer to 2x in mid-January, the
process part flat); both by a seeded day-to-day factor (+/- 3 %). The EV fleet repeats its day.
PV and wind come from the scenario's synthetic weather (``forecasts.synthetic``), not from here.
The series are SYNTHETIC illustrations for ``planning/dezhou_multi_energy_year.yaml``, not measurements.

Run: ``python scenarios/data/make_dezhou_year.py``.
"""

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
TZ = "Asia/Shanghai"


def hourly_day() -> pd.DataFrame:
    day = pd.read_csv(HERE / "dezhou_day.csv").drop(columns="time")
    out = {}
    for column in day.columns:
        values = day[column].to_numpy(dtype=float).reshape(24, 4)
        out[column] = values.sum(axis=1) if column.endswith("_kwh") else values.mean(axis=1)
    return pd.DataFrame(out)


def main() -> None:
    day = hourly_day()
    index = pd.date_range("2026-01-01", periods=8760, freq="h", tz=TZ)
    dates = index[::24]
    doy = dates.day_of_year.to_numpy()
    rng = np.random.default_rng(2026)
    jitter = 1.0 + 0.03 * rng.uniform(-1.0, 1.0, len(dates))
    cooling = 1.0 + 0.08 * np.cos(2 * np.pi * (doy - 205) / 365.0)
    sunday = np.where(dates.day_of_week == 6, 0.85, 1.0)
    heating = 1.2 + 0.8 * np.cos(2 * np.pi * (doy - 15) / 365.0)  # 0.4 in mid-July, 2.0 in mid-January
    load = np.outer(cooling * sunday * jitter, day["load_kw"]).ravel()
    heat = np.outer(jitter, day["heat_kw_th"]).ravel() * 0.6 + np.outer(heating * jitter, day["heat_kw_th"]).ravel() * 0.4
    frame = pd.DataFrame({
        "time": [t.isoformat() for t in index],
        "load_kw": np.round(load, 1),
        "heat_kw_th": np.round(heat, 1),
        "ev_connected_kw": np.tile(day["ev_connected_kw"], len(dates)),
        "ev_arrival_kwh": np.tile(day["ev_arrival_kwh"], len(dates)),
        "ev_departure_kwh": np.tile(day["ev_departure_kwh"], len(dates)),
    })
    frame.to_csv(HERE / "dezhou_year.csv", index=False)


if __name__ == "__main__":
    main()
