"""The highest achievable value of a share target, for the message of an infeasible hard target.

The share N(x) / D(x) is a ratio of linear forms (see :mod:`optimiser.targets`), so it is
maximised with Dinkelbach's method: starting from λ = 0, solve max N - λ·D subject to
all the other constraints (the target itself left out, the other share targets kept),
set λ to N/D at that optimum, and repeat until max N - λ·D = 0 (within 1e-9 of D).
Each step is one LP (or MIP with the run's binaries) and λ increases monotonically to
the maximum; a handful of iterations suffice. For the curtailment rate the linear
utilisation (1 - rate) is maximised the same way and the lowest rate reported.
"""

from __future__ import annotations

import pyomo.environ as pyo

from .errors import InfeasibleError
from .model import build_model
from .scenario import Scenario
from .solve import solve
from .targets import TERM_OF, share_forms

MAX_ITERATIONS = 30


def _value(form) -> float:
    return form.constant + sum(c * (v.value or 0.0) for c, v in zip(form.coefs, form.vars))


def highest_achievable(scenario: Scenario, name: str, binaries: bool, time_limit_s: float, mip_gap: float) -> float | None:
    """Best value of share target ``name`` (lowest rate for ``curtailment_rate_max``); None if the rest is infeasible."""
    if name == "renewable_share_min":  # a constraint of the model itself, not a share target: drop it
        scenario = scenario.model_copy(update={"targets": scenario.targets.model_copy(update={name: None})})
    model, ctx, _ = build_model(scenario, binaries=binaries, skip_target=name)
    numerator, denominator = share_forms(model, ctx, scenario)[TERM_OF[name]]
    model.objective.deactivate()
    ratio = 0.0
    for _ in range(MAX_ITERATIONS):
        if hasattr(model, "achievable"):
            model.del_component(model.achievable)
        # minimise the negative: the hand-over to HiGHS assumes minimisation
        model.achievable = pyo.Objective(expr=-numerator.plus(denominator, -ratio).expr(), sense=pyo.minimize)
        try:
            solve(model, scenario.index, time_limit_s, mip_gap)
        except InfeasibleError:
            return None
        n, d = _value(numerator), _value(denominator)
        if d <= 1e-12:
            break
        gap = n - ratio * d
        ratio = n / d
        if gap <= 1e-9 * max(1.0, abs(d)):
            break
    ratio = min(1.0, max(0.0, ratio))
    return 1.0 - ratio if name == "curtailment_rate_max" else ratio
