"""Regenerate ``dezhou_ev_sessions.csv``: one July weekday of workplace charging at a Dezhou park.

Deterministic and offline (seeded). 80 employee cars on 7 kW AC chargers arrive
07:15-09:30 and leave 17:00-19:15 (quarter-hour times); each needs 8-30 kWh for its
commute; 20 of them are V2G-capable with a 60 kWh battery and arrive with 20-30 kWh.
A handful of visitor cars stay 1-3 hours around midday. The sessions are SYNTHETIC
illustrations for ``dezhou_multi_energy_day.yaml``, not measurements.

Run: ``python scenarios/data/make_dezhou_ev_sessions.py``.
"""

from pathlib import Path

import numpy as np
import pandas as pd

DAY = pd.Timestamp("2026-07-15", tz="Asia/Shanghai")


def day_sessions(rng: np.random.Generator, day: pd.Timestamp, prefix: str = "") -> list[dict]:
    """One weekday's sessions from ``day`` (local midnight); ids start with ``prefix``."""

    def quarter(hours: float) -> pd.Timestamp:
        """The local time ``hours`` after midnight, rounded to the quarter hour."""
        return day + pd.Timedelta(minutes=15 * round(hours * 4))

    rows = []
    for k in range(80):
        arrival, departure = quarter(rng.uniform(7.25, 9.5)), quarter(rng.uniform(17.0, 19.25))
        row = {"id": f"{prefix}staff{k:02d}", "arrival": arrival.isoformat(), "departure": departure.isoformat(),
               "energy_kwh": round(float(rng.uniform(8, 30)), 1), "battery_kwh": "", "arrival_energy_kwh": ""}
        if k < 20:
            row["battery_kwh"] = 60
            row["arrival_energy_kwh"] = round(float(rng.uniform(20, 30)), 1)
        rows.append(row)
    for k in range(12):
        start = rng.uniform(10.0, 14.0)
        arrival, departure = quarter(start), quarter(start + rng.uniform(1.0, 3.0))
        rows.append({"id": f"{prefix}visitor{k:02d}", "arrival": arrival.isoformat(), "departure": departure.isoformat(),
                     "energy_kwh": round(float(rng.uniform(3, 6)), 1), "battery_kwh": "", "arrival_energy_kwh": ""})
    return rows


def main() -> None:
    rows = day_sessions(np.random.default_rng(2026), DAY)
    pd.DataFrame(rows).to_csv(Path(__file__).with_name("dezhou_ev_sessions.csv"), index=False)


if __name__ == "__main__":
    main()
