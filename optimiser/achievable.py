"""The highest achievable value of a share target, for the message of an infeasible hard target.

The share N(x) / D(x) is a ratio of linear forms (see :mod:`optimiser.targets`), so it is
maximised with Dinkelbach's method: starting from λ = 0, solve max N - λ·D subject to
all the other constraints (the target itself left out, the other share targets kept),
set λ to N/D at that optimum, and repeat until max N - λ·D = 0 (within 1e-9 of D).
The model is built and handed to HiGHS once (:class:`optimiser.run.Dispatch`); each
iteration only changes the objective and re-solves warm. λ increases monotonically to
the maximum; a handful of iterations suffice. For the curtailment rate the linear
utilisation (1 - rate) is maximised the same way and the lowest rate reported.
"""

from __future__ import annotations

from .errors import InfeasibleError
from .run import Dispatch
from .scenario import Scenario
from .targets import TERM_OF, share_forms

MAX_ITERATIONS = 30


def _value(form) -> float:
    return form.constant + sum(c * (v.value or 0.0) for c, v in zip(form.coefs, form.vars))


def highest_achievable(scenario: Scenario, name: str, time_limit_s: float, mip_gap: float) -> float | None:
    """Best value of share target ``name`` (lowest rate for ``curtailment_rate_max``); None if the rest is infeasible."""
    if name == "renewable_share_min":  # a constraint of the model itself, not a share target: drop it
        scenario = scenario.model_copy(update={"targets": scenario.targets.model_copy(update={name: None})})
    dispatch = Dispatch(scenario, skip_target=name)
    numerator, denominator = share_forms(dispatch.model, dispatch.ctx, scenario)[TERM_OF[name]]
    seam = dispatch.seam
    ratio = 0.0
    for _ in range(MAX_ITERATIONS):
        form = numerator.plus(denominator, -ratio)  # maximise: minimise the negative
        seam.set_objective(-seam.vector(form.coefs, form.vars), -form.constant)
        try:
            dispatch.run(time_limit_s, mip_gap)
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
