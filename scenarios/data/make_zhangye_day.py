"""Regenerate ``zhangye_day.csv``: one June day at Zhangye (38.9 N, 100.5 E) in 15-minute steps.

Deterministic and offline. Weather is the package's SYNTHETIC Zhangye climate
(``forecasts.synthetic.site_weather("zhangye", seed=3)``, calibrated to the annual
figures in ``forecasts/synthetic.py``); PV is a 150 MWp single-axis array through pvlib,
wind 24 x E-126/4200 (100.8 MW) at 100 m through windpowerlib (both on the green-power direct line
of ``zhangye_direct_supply.yaml``); the load is a three-shift industrial profile
(materials processing, ~25 MW). The series are SYNTHETIC illustrations, not measurements.

Run: ``python scenarios/data/make_zhangye_day.py``.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from forecasts.pv import PVArray, pv_ac_kw
from forecasts.synthetic import site_weather
from forecasts.wind import WindFarm, wind_farm_kw

LAT, LON, TZ, ALT = 38.9, 100.5, "Asia/Shanghai", 1480.0


def main() -> None:
    start = pd.Timestamp("2028-06-15 00:00", tz=TZ)
    weather, _ = site_weather("zhangye", start, 96, 15, seed=3)
    pv = pv_ac_kw(weather, [PVArray(name="direct_pv", capacity_kwp=150_000, tilt_deg=0, azimuth_deg=180,
                                    tracking="single_axis", losses_fraction=0.14, dc_ac_ratio=1.2)],
                  LAT, LON, ALT).sum(axis=1)
    wind = wind_farm_kw(weather, WindFarm(name="direct_wind", turbine_type="E-126/4200", hub_height_m=100,
                                          n_turbines=24, wake_efficiency=0.92, availability=0.97), ALT)
    hour = weather.index.hour + weather.index.minute / 60
    load = np.asarray(25_000 + 3_000 * np.sin((hour - 9) / 24 * 2 * np.pi))
    frame = pd.DataFrame({"time": [t.isoformat() for t in weather.index], "pv_kw": np.round(pv.to_numpy(), 1),
                          "wind_kw": np.round(wind.to_numpy(), 1), "load_kw": np.round(load, 1)})
    out = Path(__file__).with_name("zhangye_day.csv")
    frame.to_csv(out, index=False)
    print(f"{out}: PV {pv.sum() / 4:,.0f} kWh, wind {wind.sum() / 4:,.0f} kWh, load {load.sum() / 4:,.0f} kWh")


if __name__ == "__main__":
    main()
