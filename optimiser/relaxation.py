"""The LP relaxation mode ``solver.binaries: never``: every binary relaxed, its use reported.

A planner who needs a year of the whole park can drop every binary: the exclusivity
binaries (:mod:`optimiser.binaries`: simultaneous charge/discharge, import/export, the
electrolyser curve's segment order, ...) are not added, and the on/off status of units
with commitment (electrolyser, CHP with ``on_off``; :mod:`optimiser.assets.commitment`)
becomes continuous in [0, 1]. The result is the LP relaxation: a lower bound of the
optimum with binaries, often close to it over a year. Instead of failing the post-solve
check, what the relaxation used is measured and reported in ``summary.json`` under
``relaxation`` and as ``warnings``:

* per exclusive pair, the energy that flowed both ways at once,
  :math:`\\sum_t w_t \\Delta t \\min(a_t, b_t)` [kWh, or the pair's unit × h] and the number
  of steps (:math:`w_t` the days a step stands for with typical periods, else 1);
* per committed unit, the steps with a fractional status and the largest fraction
  :math:`\\max_t \\min(u_t, 1 - u_t)`.

The check's messages about exactly those relaxed properties (``RELAXED_PROPERTIES``) become
warnings; every other check still fails the run.
"""

from __future__ import annotations

import numpy as np

from .binaries import Exclusivity
from .solve import HighsModel

STATUS_TOL = 1e-6
"""a status further than this from 0 and 1 is fractional [-]"""

RELAXED_PROPERTIES = (" at once at ", " is not 0 or 1", " off its efficiency curve")
"""fragments of the check's messages on properties only binaries enforce (simultaneous opposite flows,
a binary status, an efficiency curve's segment order): warnings, not failures, under ``binaries: never``"""


def relax_all(seam: HighsModel) -> np.ndarray:
    """Make every integer column of the live model continuous; returns the relaxed columns."""
    cols = np.flatnonzero(seam.integer)
    if cols.size:
        import highspy

        seam.highs.changeColsIntegrality(len(cols), cols.astype(np.int32),
                                         np.full(len(cols), highspy.HighsVarType.kContinuous))
        seam.integer[cols] = False
    return cols


def relaxation_use(seam: HighsModel, pairs: Exclusivity, relaxed: np.ndarray, dt_h: float,
                   weight: np.ndarray | None = None) -> dict:
    """What the last solution ``seam.x`` took from the relaxation (see module doc)."""
    x = seam.x
    both = np.clip(np.minimum(pairs.first.value(x), pairs.second.value(x)), 0.0, None)
    simultaneous: dict[str, dict] = {}
    for k, label in enumerate(pairs.labels):
        amount = both[pairs.pair_of == k]
        used = amount > STATUS_TOL * max(1.0, float(amount.max(initial=0.0)))
        if not used.any():
            continue
        w = weight if weight is not None and len(weight) == len(amount) else 1.0
        simultaneous[label] = {"energy_both_ways": float(dt_h * np.sum(w * amount)), "steps": int(used.sum())}
    fractional: dict[str, dict] = {}
    for j in relaxed.tolist():
        var = seam.columns[j]
        gap = min(x[j], 1.0 - x[j])
        if gap <= STATUS_TOL:
            continue
        owner = var.parent_block().name.removeprefix("asset[").removesuffix("]")
        entry = fractional.setdefault(owner, {"fractional_steps": 0, "largest_fraction": 0.0})
        entry["fractional_steps"] += 1
        entry["largest_fraction"] = max(entry["largest_fraction"], float(gap))
    return {"mode": "never", "binaries_relaxed": int(relaxed.size), "simultaneous_flows": simultaneous,
            "fractional_status": fractional}


def warnings_of(use: dict) -> list[str]:
    """One line per pair or unit the relaxation was used by."""
    out = [f"LP relaxation: {label} flowed both ways at once at {u['steps']} steps "
           f"({u['energy_both_ways']:.6g} kWh (or the pair's unit x h) both ways)"
           for label, u in use["simultaneous_flows"].items()]
    out += [f"LP relaxation: {name} has a fractional on/off status at {u['fractional_steps']} steps "
            f"(largest min(u, 1 - u) = {u['largest_fraction']:.3g})" for name, u in use["fractional_status"].items()]
    return out


def split_relaxed(problems: list[str]) -> tuple[list[str], list[str]]:
    """(failures, warnings): check messages on properties the relaxation gave up become warnings."""
    relaxed = [p for p in problems if any(fragment in p for fragment in RELAXED_PROPERTIES)]
    return [p for p in problems if p not in relaxed], relaxed
