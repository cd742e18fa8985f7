"""Reading one asset's flows out of a result Dataset (used by results, accounting and the check)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import xarray as xr


def asset_flows(ds: xr.Dataset, asset: str) -> dict[str, np.ndarray]:
    """The flows of one asset as ``{flow: array}`` (read from the Dataset's variables directly:
    building a DataArray per variable costs more than the whole solve of a small park)."""
    return {v.attrs["flow"]: v.values for v in ds.variables.values() if v.attrs.get("asset") == asset}
