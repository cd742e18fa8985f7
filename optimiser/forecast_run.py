"""``parkdispatch forecast``: the input series a scenario resolves to, with the weather behind them."""

from __future__ import annotations

from pathlib import Path


import pandas as pd

from .outdir import atomic_directory
from .output import write_json
from .scenario import Scenario


def forecast_frame(scenario: Scenario) -> pd.DataFrame:
    """Weather (if any) and the renewable and demand's input series on the run's index, one column each."""
    frame = pd.DataFrame(index=scenario.index)
    if scenario.weather_frame is not None:
        frame = frame.join(scenario.weather_frame)
    for asset in scenario.assets:
        if asset.renewable:
            frame[f"{asset.name}_available_kw"] = asset.available_kw
        elif asset.kind == "demand":
            frame[f"{asset.name}_demand_kw"] = asset.demand_kw
    frame["import_price_cny_per_kwh"] = scenario.import_prices()
    return frame


def forecast_summary(scenario: Scenario, frame: pd.DataFrame) -> dict:
    """Energy per series [kWh], capacity factors of computed plants [-], and the weather's provenance."""
    dt = scenario.horizon.dt_h
    energy = {c.removesuffix("_kw") + "_kwh": float(frame[c].sum() * dt) for c in frame if c.endswith("_kw")}
    weather = scenario.weather_frame
    return {
        "scenario": scenario.source,
        "scenario_sha256": scenario.sha256,
        "horizon": {"start": scenario.index[0].isoformat(), "steps": scenario.horizon.steps,
                    "step_minutes": scenario.horizon.step_minutes},
        "weather": None if weather is None else {
            "source": str(weather.attrs.get("source", "")),
            "synthetic": scenario.weather_synthetic,
        },
        "energy_kwh": energy,
    }


def write_forecast(scenario: Scenario, out_dir: str | Path, overwrite: bool = False, plot: bool = True) -> Path:
    """Write ``forecast.csv``, ``forecast.json`` and ``forecast.png`` atomically."""
    frame = forecast_frame(scenario)
    with atomic_directory(out_dir, overwrite, protect=scenario.input_paths, command="forecast") as tmp:
        table = frame.reset_index(names="time")
        table["time"] = [t.isoformat() for t in frame.index]
        table.to_csv(tmp / "forecast.csv", index=False, float_format="%.6f")
        write_json(forecast_summary(scenario, frame), tmp / "forecast.json")
        if plot:
            from forecasts.plot import plot_forecast

            columns = [c for c in frame if c.endswith(("_available_kw", "_demand_kw"))]
            columns += [c for c in ("ghi_w_m2", "temp_air_c") if c in frame]
            columns += [c for c in frame if c.startswith("wind_speed_")][:1]
            shown = frame[columns].set_axis(frame.index.tz_localize(None))
            shown.attrs = dict(scenario.weather_frame.attrs) if scenario.weather_frame is not None else {}
            plot_forecast(shown, tmp / "forecast.png", title=f"{scenario.park.name}: inputs")
    return Path(out_dir)



