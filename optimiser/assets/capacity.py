"""What a sized capacity bounds: the link between an asset's flows and a capacity decision.

An asset kind lists its ``sizable`` capacity fields and, per field, the variables of its
block that the capacity :math:`C` bounds (:class:`CapacityLimit`); the decisions, their
costs and the rows are added by :mod:`optimiser.planning.sizing`. Only bounds linear in
:math:`C` are allowed, so a sized model stays an LP.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CapacityLimit:
    """Every element ``i`` of the block's variable ``variable`` satisfies ``x_i <= coef_i * C``
    (``lower``: ``x_i >= coef_i * C``); ``coef`` a number or one value per element."""

    variable: str
    coef: float | np.ndarray
    lower: bool = False


def level_limits(levels: list[str], low: float, high: float) -> list[CapacityLimit]:
    """A sized level capacity M: ``low M <= level <= high M`` for the level variables (and the cyclic start)."""
    return [CapacityLimit(v, high) for v in levels] + [CapacityLimit(v, low, lower=True) for v in levels]


def cyclic_problem(rule: str, level_targets: list = ()) -> str | None:
    """A sized level capacity needs the cyclic rule (the other rules fix the start at a fraction of the
    capacity) and level targets in absolute units (a ``min_fraction`` target moves with the capacity)."""
    if rule != "cyclic":
        return (f"sizing its level capacity needs end_rule 'cyclic' (the start of '{rule}' is a fraction of the "
                "capacity, which would make the model nonlinear)")
    for i, target in enumerate(level_targets):
        if target.min_fraction is not None:
            return (f"level_targets[{i}].min_fraction = {target.min_fraction:g} is a fraction of the capacity being "
                    f"sized; give the target as min_{target.unit}")
    return None
