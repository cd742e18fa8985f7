"""The forecast inputs of a built day, changed on the solve seam without a rebuild.

A replay (:mod:`.replay`) re-solves one built :class:`optimiser.run.Dispatch` with each new
forecast. The forecast series enter the model in two places only, changed here in place:

* renewable availability ``a_t`` of ``pv`` / ``wind`` assets: the upper bound of
  ``output_kw[t]`` (lower bound 0);
* electric demand ``d_t`` of ``demand`` assets: the right-hand side of the electric bus balance
  ``bus_balance[t]`` (Σ injections = Σ d_t), shifted by the change of the total demand.

Availability also enters the curtailment-rate target as a constant, so a scenario with
``targets.curtailment_rate_max`` is refused (exit 2) rather than re-solved with a stale
right-hand side. ``tests/test_replay.py`` checks the changed model against a fresh build of
the forecast scenario, column bound by column bound and row by row.
"""

from __future__ import annotations

import numpy as np

from ..assets.base import BALANCE_NAMES, ELECTRICITY
from ..errors import ScenarioError
from ..run import Dispatch

FORECAST_KINDS = ("pv", "wind", "demand")


def forecast_assets(scenario) -> dict[str, str]:
    """Asset name -> kind of every asset whose series is forecast (``pv``, ``wind``, ``demand``)."""
    return {a.name: a.kind for a in scenario.assets if a.kind in FORECAST_KINDS}


def actual_series(scenario) -> dict[str, np.ndarray]:
    """The scenario's own series of the forecast assets [kW]: availability or demand."""
    return {a.name: np.asarray(a.demand_kw if a.kind == "demand" else a.available_kw, dtype=float)
            for a in scenario.assets if a.kind in FORECAST_KINDS}


class ForecastInputs:
    """Renewable availability and demand of a built :class:`Dispatch`, set on its seam (see module doc)."""

    def __init__(self, dispatch: Dispatch):
        scenario, model, seam = dispatch.scenario, dispatch.model, dispatch.seam
        if scenario.targets.curtailment_rate_max is not None:
            raise ScenarioError(f"{scenario.source}: targets.curtailment_rate_max = "
                                f"{scenario.targets.curtailment_rate_max}: a replay changes the forecast "
                                "availability this target is measured against; remove it to replay")
        self.seam, self.kinds = seam, forecast_assets(scenario)
        steps = list(model.steps)
        self.output_cols = {name: seam.col(model.asset[name].output_kw[t] for t in steps)
                            for name, kind in self.kinds.items() if kind != "demand"}
        row_of = {id(c): i for i, c in enumerate(seam.rows)}
        balance = getattr(model, BALANCE_NAMES[ELECTRICITY])
        self.balance_rows = np.array([row_of[id(balance[t])] for t in steps], dtype=np.int64)
        self.import_cols = seam.col(model.grid.import_kw[t] for t in steps)
        self.export_cols = seam.col(model.grid.export_kw[t] for t in steps)
        self.current = actual_series(scenario)
        """the series the seam holds now [kW]"""

    def demand_kw(self) -> np.ndarray:
        """Total electric demand the seam holds now [kW]."""
        return sum((v for name, v in self.current.items() if self.kinds[name] == "demand"),
                   np.zeros(len(self.balance_rows)))

    def set(self, series: dict[str, np.ndarray]) -> None:
        """Hold ``series`` (asset name -> kW per step; assets not named keep theirs) on the seam.
        Release fixed past steps first (:meth:`PastFixer.release`): their saved bounds would restore
        the old availability."""
        before = self.demand_kw()
        for name, values in series.items():
            values = np.asarray(values, dtype=float)
            if name in self.output_cols:
                self.seam.set_bounds(self.output_cols[name], 0.0, values)
            self.current[name] = values
        shift = self.demand_kw() - before
        if shift.any():
            rows = self.balance_rows
            self.seam.set_row_bounds(rows, self.seam.row_lower[rows] + shift, self.seam.row_upper[rows] + shift)
