"""Heavy dependencies loaded on first use, so ``validate``, ``schema`` and ``--help`` start fast.

``pyo`` stands for ``pyomo.environ`` (about 0.5 s to import): asset modules use it only when a
model is built, so validating a scenario never loads Pyomo.
"""

from __future__ import annotations

from forecasts.lazy import lazy_module

pyo = lazy_module("pyomo.environ")


_linear_expression = None


def LinearExpression(*args, **kwargs):  # noqa: N802 - stands for Pyomo's class
    """``pyomo.core.expr.numeric_expr.LinearExpression(...)`` (a real instance), imported on first use."""
    global _linear_expression
    if _linear_expression is None:
        from pyomo.core.expr.numeric_expr import LinearExpression as linear

        _linear_expression = linear
    return _linear_expression(*args, **kwargs)


def _drop_pyomo_scipy_hook() -> None:
    """Stop Pyomo importing ``scipy.stats``, ``.integrate`` and ``.spatial`` (about 0.7 s) the moment
    anything imports SciPy, as xarray does through ``dask.array`` when dask is installed.

    ``pyomo.common.dependencies`` registers that import as a callback on SciPy's first import; the
    model uses none of it. Pyomo still imports them itself on its first use of its deferred ``scipy``.
    """
    from pyomo.common.dependencies import DeferredImportCallbackFinder

    getattr(DeferredImportCallbackFinder, "_callbacks", {}).pop("scipy", None)


_drop_pyomo_scipy_hook()
