"""Regenerate ``dezhou_day.csv``: one July day at Dezhou (37.4 N, 116.3 E) in 15-minute steps.

Deterministic and offline. PV is pvlib's Ineichen clear-sky irradiance (bundled
Linke turbidity climatology) on a 25 deg south-facing plane through PVWatts with
14 % losses, scaled by a fixed afternoon-cloud factor; wind follows a night-peaking
profile typical of the North China plain in summer; the load is a two-shift
industrial profile; heat and EV columns feed ``dezhou_multi_energy_day.yaml``. The series are SYNTHETIC illustrations for the demo scenario,
not measurements.

Run: ``python scenarios/data/make_dezhou_day.py``.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pvlib

LAT, LON, TZ = 37.4, 116.3, "Asia/Shanghai"
PV_KWP, WIND_KW = 20_000.0, 10_000.0


def main() -> None:
    index = pd.date_range("2026-07-15 00:00", periods=96, freq="15min", tz=TZ)
    mid = index + pd.Timedelta(minutes=7.5)  # interval means: evaluate at mid-step
    site = pvlib.location.Location(LAT, LON, tz=TZ, altitude=20)
    clear = site.get_clearsky(mid, model="ineichen")
    sun = site.get_solarposition(mid)
    poa = pvlib.irradiance.get_total_irradiance(25, 180, sun["apparent_zenith"], sun["azimuth"],
                                                clear["dni"], clear["ghi"], clear["dhi"])["poa_global"]
    hour = mid.hour + mid.minute / 60
    cloud = 1.0 - 0.35 * np.exp(-0.5 * ((hour - 15.0) / 1.2) ** 2)  # a passing afternoon cloud bank
    temp_cell = 30 + 0.03 * poa.to_numpy()
    dc = pvlib.pvsystem.pvwatts_dc(poa.to_numpy() * cloud, temp_cell, PV_KWP, -0.0035)
    pv_kw = np.clip(dc * (1 - 0.14), 0, None)
    wind_kw = WIND_KW * np.clip(0.35 + 0.25 * np.cos((hour - 2.0) / 24 * 2 * np.pi)
                                + 0.05 * np.sin(hour / 24 * 6 * np.pi), 0, 1)
    shift = (hour >= 7.5) & (hour < 22.5)
    load_kw = 18_000 + 9_000 * shift + 2_000 * np.sin((hour - 6) / 24 * 2 * np.pi)
    step = np.arange(96)
    present = (step < 28) | (step >= 72)  # logistics EVs plugged in 18:00-07:00
    frame = pd.DataFrame({"time": [t.isoformat() for t in index], "load_kw": load_kw.round(1),
                          "pv_kw": pv_kw.round(1), "wind_kw": wind_kw.round(1),
                          # process hot water with a morning start-up peak [kW_th]
                          "heat_kw_th": (4000 + 1500 * ((hour >= 6) & (hour < 9))).round(1),
                          # fleet of 50 logistics EVs x 200 kWh: leaves 07:00 with 9,000 kWh, returns 18:00 with 3,000
                          "ev_connected_kw": np.where(present, 3000.0, 0.0),
                          "ev_arrival_kwh": np.where(step == 72, 3000.0, 0.0),
                          "ev_departure_kwh": np.where(step == 27, 9000.0, 0.0)})
    frame.to_csv(Path(__file__).with_name("dezhou_day.csv"), index=False)


if __name__ == "__main__":
    main()
