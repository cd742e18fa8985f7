"""Regenerate ``dezhou_july.csv``: July 2026 at Dezhou (37.4 N, 116.3 E) in 15-minute steps, the
"actuals" of ``dezhou_july.yaml`` (the month the replay benchmark runs over).

Deterministic and offline (seed 2026). PV: pvlib's Ineichen clear-sky irradiance on a 25 deg
south-facing plane through PVWatts (14 % losses, 40 MWp), times a clear-sky index that is a
seeded AR(1) around each day's own mean (days drawn from clear to overcast). Wind (15 MW): a
night-peaking diurnal shape times a seeded daily level and hourly AR(1) gusts. Load: the two-shift
industrial profile of ``dezhou_day.csv``, 70 % on Sundays, with 2 % seeded noise. SYNTHETIC
illustrations, not measurements.

Run: ``python scenarios/data/make_dezhou_july.py``.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pvlib

LAT, LON, TZ = 37.4, 116.3, "Asia/Shanghai"
PV_KWP, WIND_KW, DAYS = 40_000.0, 15_000.0, 31


def ar1(rng, n, phi):
    x = np.empty(n)
    x[0] = rng.standard_normal()
    for i in range(1, n):
        x[i] = phi * x[i - 1] + np.sqrt(1 - phi * phi) * rng.standard_normal()
    return x


def main() -> None:
    rng = np.random.default_rng(2026)
    index = pd.date_range("2026-07-01 00:00", periods=DAYS * 96, freq="15min", tz=TZ)
    mid = index + pd.Timedelta(minutes=7.5)
    site = pvlib.location.Location(LAT, LON, tz=TZ, altitude=20)
    clear, sun = site.get_clearsky(mid, model="ineichen"), site.get_solarposition(mid)
    poa = pvlib.irradiance.get_total_irradiance(25, 180, sun["apparent_zenith"], sun["azimuth"],
                                                clear["dni"], clear["ghi"], clear["dhi"])["poa_global"].to_numpy()
    day_mean = np.repeat(rng.beta(4.0, 1.6, DAYS), 96)  # clear-sky index of each day: mostly sunny July
    k = np.clip(day_mean + 0.12 * ar1(rng, len(index), np.exp(-0.25 / 1.5)), 0.05, 1.05)
    dc = pvlib.pvsystem.pvwatts_dc(poa * k, 30 + 0.03 * poa * k, PV_KWP, -0.0035)
    pv_kw = np.clip(dc * (1 - 0.14), 0, None)
    hour = (mid.hour + mid.minute / 60).to_numpy()
    level = np.repeat(rng.uniform(0.15, 0.55, DAYS), 96)
    wind_kw = WIND_KW * np.clip(level * (1 + 0.5 * np.cos((hour - 2.0) / 24 * 2 * np.pi))
                                + 0.08 * ar1(rng, len(index), np.exp(-0.25 / 2.0)), 0, 1)
    shift = (hour >= 7.5) & (hour < 22.5)
    sunday = np.asarray(mid.day_of_week == 6)
    load_kw = (18_000 + 9_000 * shift + 2_000 * np.sin((hour - 6) / 24 * 2 * np.pi)) * np.where(sunday, 0.7, 1.0)
    load_kw *= 1 + 0.02 * ar1(rng, len(index), np.exp(-0.25 / 1.0))
    pd.DataFrame({"time": [t.isoformat() for t in index], "load_kw": load_kw.round(1), "pv_kw": pv_kw.round(1),
                  "wind_kw": wind_kw.round(1)}).to_csv(Path(__file__).with_name("dezhou_july.csv"), index=False)


if __name__ == "__main__":
    main()
