"""Change the time step of a normalised weather frame (see :mod:`forecasts.weather`)."""

from __future__ import annotations

import numpy as np

from . import weather as w
from .lazy import lazy_module

pd = lazy_module("pandas")
pvlib = lazy_module("pvlib")


def resample_weather(frame: pd.DataFrame, step_minutes: float) -> pd.DataFrame:
    """Change the time step, respecting interval-mean vs instantaneous columns.

    Coarsening: interval-mean columns (irradiance) are averaged over each new
    interval; instantaneous columns are sampled at the new timestamps.
    Refining: irradiance is disaggregated with the clear-sky profile (the
    clear-sky index of each coarse interval is held, so each coarse interval's
    mean is kept exactly); instantaneous columns are interpolated linearly in
    time, the last value held. Needs ``latitude``/``longitude`` in ``frame.attrs``
    for the clear-sky shape; without them irradiance is held constant.

    Parameters
    ----------
    frame : DataFrame
        Normalised weather.
    step_minutes : float
        New step [min]; the old step must be a multiple of it or vice versa.

    Returns
    -------
    DataFrame
        Resampled weather, ``attrs`` copied with ``step_minutes`` updated.
    """
    old = w.step_minutes_of(frame.index)
    new = float(step_minutes)
    attrs = dict(frame.attrs)
    if new == old:
        return frame.copy()
    if new > old:
        ratio = new / old
        if ratio != int(ratio):
            raise ValueError(f"cannot coarsen a {old:g} min step to {new:g} min")
        n = len(frame) // int(ratio) * int(ratio)
        if n != len(frame):
            raise w.WeatherDataError(f"{len(frame)} steps of {old:g} min do not fill whole {new:g} min intervals")
        groups = np.arange(n) // int(ratio)
        new_index = frame.index[::int(ratio)]
        out = pd.DataFrame(index=new_index)
        for col in frame.columns:
            if col in w.INTERVAL_MEAN_COLUMNS:
                out[col] = frame[col].groupby(groups).mean().to_numpy()
            else:
                out[col] = frame[col].to_numpy()[::int(ratio)]
    else:
        ratio = old / new
        if ratio != int(ratio):
            raise ValueError(f"cannot refine a {old:g} min step to {new:g} min")
        r = int(ratio)
        new_index = pd.date_range(frame.index[0], periods=len(frame) * r, freq=pd.Timedelta(new, "min"))
        out = pd.DataFrame(index=new_index)
        lat, lon = attrs.get("latitude"), attrs.get("longitude")
        shape = None
        if lat is not None and lon is not None:
            loc = pvlib.location.Location(lat, lon, altitude=attrs.get("altitude_m") or 0.0)
            step = pd.Timedelta(new, "min")
            with w.quiet_pandas_deprecations():
                cs = loc.get_clearsky(new_index + step / 2, model="ineichen")
            cs.index = new_index
            shape = {w.GHI: cs["ghi"], w.DNI: cs["dni"], w.DHI: cs["dhi"]}
        for col in frame.columns:
            coarse = np.repeat(frame[col].to_numpy(), r)
            if col in w.INTERVAL_MEAN_COLUMNS:
                if shape is None:
                    out[col] = coarse
                    continue
                fine_cs = shape[col].to_numpy()
                mean_cs = np.repeat(fine_cs.reshape(-1, r).mean(axis=1), r)
                with np.errstate(invalid="ignore", divide="ignore"):
                    vals = np.where(mean_cs > 1.0, coarse * fine_cs / mean_cs, coarse)
                out[col] = vals
            else:
                src = frame[col]
                out[col] = src.reindex(src.index.union(new_index)).interpolate(
                    method="time", limit_direction="forward").reindex(new_index).to_numpy()
    attrs["step_minutes"] = new
    out.attrs = attrs
    return out
