"""Plot a forecast frame to a PNG (matplotlib Agg canvas; no global backend change)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def plot_forecast(frame: pd.DataFrame | pd.Series, path, title: str | None = None,
                  columns: list[str] | None = None) -> Path:
    """Plot each column of ``frame`` in its own panel and save a PNG.

    Parameters
    ----------
    frame : DataFrame or Series
        Time-indexed series (kW, W/m2, C, ...); the unit is read from the column
        name suffix. A synthetic input (``attrs["synthetic"]``) is marked in the title.
    path : path-like
        PNG file to write.
    title : str, optional
    columns : list of str, optional
        Subset of columns to plot.

    Returns
    -------
    Path
    """
    df = frame.to_frame() if isinstance(frame, pd.Series) else frame
    cols = list(df.columns if columns is None else columns)
    if not cols:
        raise ValueError("nothing to plot")
    fig = Figure(figsize=(10, 1.8 * len(cols) + 0.8), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(cols), 1, sharex=True, squeeze=False)[:, 0]
    for ax, col in zip(axes, cols):
        ax.step(df.index, df[col].to_numpy(), where="post", lw=0.8)
        ax.set_ylabel(str(col), fontsize=8)
        ax.grid(alpha=0.3)
    label = title or "forecast"
    if getattr(frame, "attrs", {}).get("synthetic"):
        label += "  [SYNTHETIC weather]"
    fig.suptitle(label)
    axes[-1].set_xlabel(f"time ({df.index.tz})" if getattr(df.index, "tz", None) else "time")
    path = Path(path)
    fig.savefig(path, dpi=100)
    return path
