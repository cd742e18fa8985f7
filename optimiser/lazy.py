"""Heavy dependencies imported on first use, so ``validate``, ``schema`` and ``--help`` start fast.

``pyo`` stands for ``pyomo.environ`` (about 0.5 s to import; ``import pyomo`` alone 0.03 s): asset
modules use it only when a model is built, so validating a scenario never loads Pyomo. ``pd``
stands for ``pandas`` (about 0.15 s): the scenario classes name it, but only the run's time index
and series use it, so ``schema`` never loads it.
"""

from __future__ import annotations

from forecasts.lazy import lazy_module


def drop_pyomo_scipy_hook() -> None:
    """Stop Pyomo importing ``scipy.stats``, ``.integrate`` and ``.spatial`` (about 0.7 s) the moment
    anything imports SciPy, as xarray does through ``dask.array`` when dask is installed.

    ``pyomo.common.dependencies`` registers that import as a callback on SciPy's first import; the
    model uses none of it. Pyomo still imports them itself on its first use of its deferred ``scipy``.
    Called wherever this package imports Pyomo: on ``pyo``'s first use, and in :mod:`optimiser.compile`.
    """
    from pyomo.common.dependencies import DeferredImportCallbackFinder

    getattr(DeferredImportCallbackFinder, "_callbacks", {}).pop("scipy", None)


pyo = lazy_module("pyomo.environ", then=drop_pyomo_scipy_hook)
pd = lazy_module("pandas")

_linear_expression = None


def LinearExpression(*args, **kwargs):  # noqa: N802 - stands for Pyomo's class
    """``pyomo.core.expr.numeric_expr.LinearExpression(...)`` (a real instance), imported on first use."""
    global _linear_expression
    if _linear_expression is None:
        from pyomo.core.expr.numeric_expr import LinearExpression as linear

        drop_pyomo_scipy_hook()
        _linear_expression = linear
    return _linear_expression(*args, **kwargs)
