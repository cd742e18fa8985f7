"""Settlement: what a schedule becomes when the actual weather and demand differ from its forecast.

The rule, per step (all in kW; a schedule is executed as set-points):

1. Every controllable asset (storage, units, flexible loads: everything but the grid, the
   forecast ``pv`` / ``wind`` plants and ``demand``) follows its schedule exactly; its net
   electric injection is ``c_t``.
2. A plant the schedule curtailed (scheduled output below its forecast availability by more than
   ``CURTAILED_KW``) was told a cap: it produces ``min(actual, scheduled output)``; any other
   plant produces its actual availability.
3. The grid takes the residual ``r_t = d_t - c_t - Σ p_t`` (actual demand ``d_t``): import
   ``min(r, G+)``; load beyond the import limit is **unserved** (``r - G+``); a surplus is exported
   up to ``G-`` and the rest is curtailed from the plants in proportion to their output; a surplus
   left when every plant is curtailed to zero (storage discharging into a smaller load than
   forecast) is exported beyond the limit and reported as ``export_over_limit``.

Under a perfect forecast this reproduces the schedule itself. Costs, emissions and shares of
a settled day are then the ordinary KPIs of the settled flows (:func:`optimiser.results.kpis`);
unserved energy is reported, not priced.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CURTAILED_KW = 1e-3
"""a plant whose scheduled output is this far below its forecast availability was curtailed [kW]"""


@dataclass
class Settled:
    """Settled flows of some steps [kW]."""

    output_kw: dict[str, np.ndarray]
    import_kw: np.ndarray
    export_kw: np.ndarray
    unserved_kw: np.ndarray
    export_over_limit_kw: np.ndarray


def caps_kw(scheduled_kw: np.ndarray, forecast_kw: np.ndarray) -> np.ndarray:
    """A plant's cap per step: its scheduled output where the schedule curtailed it, else infinite."""
    return np.where(scheduled_kw < forecast_kw - CURTAILED_KW, scheduled_kw, np.inf)


def settle(controllable_kw: np.ndarray, demand_kw: np.ndarray, available_kw: dict[str, np.ndarray],
           cap_kw: dict[str, np.ndarray], import_limit_kw: float, export_limit_kw: float) -> Settled:
    """Settle steps against actuals (see module doc): ``controllable_kw`` the scheduled net injection of
    the controllable assets, ``demand_kw`` and ``available_kw`` (per plant) the actuals, ``cap_kw`` the
    plants' caps (:func:`caps_kw`)."""
    output = {name: np.minimum(np.asarray(a, dtype=float), cap_kw[name]) for name, a in available_kw.items()}
    renewable = sum(output.values(), np.zeros_like(demand_kw))
    residual = demand_kw - controllable_kw - renewable
    import_kw = np.clip(residual, 0.0, import_limit_kw)
    unserved = np.clip(residual - import_limit_kw, 0.0, None)
    surplus = np.clip(-residual, 0.0, None)
    curtail = np.clip(surplus - export_limit_kw, 0.0, renewable)
    share = np.divide(curtail, renewable, out=np.zeros_like(renewable), where=renewable > 0)
    output = {name: p * (1.0 - share) for name, p in output.items()}
    export_kw = surplus - curtail
    return Settled(output_kw=output, import_kw=import_kw, export_kw=export_kw, unserved_kw=unserved,
                   export_over_limit_kw=np.clip(export_kw - export_limit_kw, 0.0, None))
