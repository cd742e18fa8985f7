"""A linear Pyomo model as sparse matrices, for the hand-over to HiGHS.

The model builders write almost every constraint as a
:class:`~pyomo.core.expr.numeric_expr.LinearExpression` (coefficients and variables
side by side), so its row is read off directly; any other linear body goes through
Pyomo's :func:`~pyomo.repn.standard_repn.generate_standard_repn`. This is 2-3x faster
than Pyomo's general :class:`~pyomo.repn.plugins.standard_form.LinearStandardFormCompiler`,
which walks every expression tree (measured on the 8760-step benchmark year: see
``benchmarks/README.md``), and gives the same matrices up to row and column order
(``tests/test_solve_seam.py`` compares the two on every bundled scenario).

A row is ``lower <= a·x <= upper`` with one of the bounds infinite, or both equal; a
variable that appears in no active constraint or objective gets no column.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression
from pyomo.repn.standard_repn import generate_standard_repn

from .lazy import drop_pyomo_scipy_hook
from .sparse import Compressed

drop_pyomo_scipy_hook()  # Pyomo is imported above; before anything imports SciPy

_NUMBERS = (float, int)


@dataclass
class Compiled:
    """min cost·x + offset s.t. row_lower <= A x <= row_upper; ``columns`` and ``rows`` name them."""

    cost: np.ndarray
    offset: float
    matrix: Compressed
    """the constraint matrix, column-wise"""
    row_lower: np.ndarray
    row_upper: np.ndarray
    columns: list
    """Pyomo variable of each column"""
    rows: list
    """Pyomo constraint of each row"""
    unused: list
    """variables in no active constraint or objective (no column)"""


def _terms(body) -> tuple[list, list, float]:
    """(variables, coefficients, constant) of a linear expression."""
    if type(body) is LinearExpression:
        coefs = body.linear_coefs
        if all(c.__class__ in _NUMBERS for c in coefs) and body.constant.__class__ in _NUMBERS and not any(
                v.fixed for v in body.linear_vars):
            return body.linear_vars, coefs, float(body.constant)
    repn = generate_standard_repn(body, compute_values=True, quadratic=False)
    if not repn.is_linear():
        raise ValueError(f"non-linear expression in the model: {body}")
    return list(repn.linear_vars), [float(c) for c in repn.linear_coefs], float(repn.constant)


def compile_model(model: pyo.ConcreteModel) -> Compiled:
    """The model's active constraints and its one active (minimised) objective as matrices."""
    every = list(model.component_data_objects(pyo.Var, descend_into=True))
    number = {id(v): j for j, v in enumerate(every)}
    rows, counts, index, values, lower, upper = [], [], [], [], [], []
    for constraint in model.component_data_objects(pyo.Constraint, active=True, descend_into=True):
        lb, body, ub = constraint.to_bounded_expression(evaluate_bounds=True)
        variables, coefs, constant = _terms(body)
        index += [number[id(v)] for v in variables]
        values += coefs
        counts.append(len(coefs))
        lower.append(-np.inf if lb is None else lb - constant)
        upper.append(np.inf if ub is None else ub - constant)
        rows.append(constraint)
    objectives = list(model.component_data_objects(pyo.Objective, active=True, descend_into=True))
    if len(objectives) != 1 or objectives[0].sense != pyo.minimize:
        raise ValueError("the model needs exactly one active objective, minimised")
    variables, coefs, offset = _terms(objectives[0].expr)
    index, objective_index = np.asarray(index, dtype=np.int64), np.array([number[id(v)] for v in variables],
                                                                          dtype=np.int64)
    values, coefs = np.asarray(values, dtype=float), np.asarray(coefs, dtype=float)
    used = np.zeros(len(every), dtype=bool)  # a column for each variable with a non-zero coefficient somewhere
    used[index[values != 0.0]] = True
    used[objective_index[coefs != 0.0]] = True
    column = np.cumsum(used) - 1
    n = int(used.sum())
    cost = np.zeros(n)
    keep = coefs != 0.0
    np.add.at(cost, column[objective_index[keep]], coefs[keep])
    row_of = np.repeat(np.arange(len(rows)), counts)
    keep = values != 0.0
    matrix = Compressed.from_triplets(row_of[keep], column[index[keep]], values[keep], (len(rows), n))
    return Compiled(cost=cost, offset=offset, matrix=matrix, row_lower=np.asarray(lower, dtype=float),
                    row_upper=np.asarray(upper, dtype=float), columns=[v for v, u in zip(every, used) if u], rows=rows,
                    unused=[v for v, u in zip(every, used) if not u])


MAGNITUDE_LIMIT = 1e13
"""largest coefficient, cost, bound or right-hand side handed to HiGHS (which reads 1e20 as infinite
and loses accuracy on far smaller ranges); every physical scenario field is bounded well below it"""


def magnitude_problem(form: Compiled, col_lower: np.ndarray, col_upper: np.ndarray) -> str | None:
    """The first number in the compiled model beyond :data:`MAGNITUDE_LIMIT`, named by its variable or
    constraint, or None."""
    by_row = form.matrix.tocsr()
    checks = [
        ("a coefficient", np.abs(by_row.data), lambda k: f"{form.rows[np.searchsorted(by_row.indptr, k, 'right') - 1].name}"
         f" (variable {form.columns[by_row.indices[k]].name})"),
        ("an objective coefficient", np.abs(form.cost), lambda k: form.columns[k].name),
        ("a lower bound", np.abs(np.where(np.isfinite(col_lower), col_lower, 0.0)), lambda k: form.columns[k].name),
        ("an upper bound", np.abs(np.where(np.isfinite(col_upper), col_upper, 0.0)), lambda k: form.columns[k].name),
        ("a right-hand side", np.abs(np.where(np.isfinite(form.row_lower), form.row_lower, 0.0)),
         lambda k: form.rows[k].name),
        ("a right-hand side", np.abs(np.where(np.isfinite(form.row_upper), form.row_upper, 0.0)),
         lambda k: form.rows[k].name),
    ]
    for what, values, name in checks:
        if values.size and values.max() > MAGNITUDE_LIMIT:
            k = int(np.argmax(values))
            return (f"{what} of {values[k]:.3g} in {name(k)} is beyond {MAGNITUDE_LIMIT:.0e}: "
                    "a scenario value is too large to solve reliably")
    return None
