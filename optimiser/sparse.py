"""A compressed sparse matrix in the two layouts HiGHS and bound propagation need, in plain NumPy.

The model's matrix is only assembled, handed to HiGHS column-wise and read row-wise by
:class:`optimiser.binaries.Propagation`; nothing else is done with it. SciPy is not used for this
on purpose: once Pyomo is loaded, importing any part of SciPy makes Pyomo import ``scipy.stats``,
``scipy.integrate`` and ``scipy.spatial`` as well (``pyomo.common.dependencies``), about 0.7 s of
every ``parkdispatch run``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np


@dataclass(frozen=True)
class Compressed:
    """``shape`` = (rows, columns); ``by_column`` True: CSC (``indptr`` over columns, ``indices`` are
    rows), False: CSR. Entries within a column (row) are sorted, without duplicates or zeros."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    shape: tuple[int, int]
    by_column: bool

    @classmethod
    def from_triplets(cls, row: np.ndarray, column: np.ndarray, value: np.ndarray, shape: tuple[int, int],
                      by_column: bool = True) -> Compressed:
        """Duplicate (row, column) entries summed, zeros (also sums to zero) dropped."""
        major, minor = (column, row) if by_column else (row, column)
        n_major, n_minor = (shape[1], shape[0]) if by_column else shape
        key = np.asarray(major, dtype=np.int64) * max(n_minor, 1) + np.asarray(minor, dtype=np.int64)
        unique, inverse = np.unique(key, return_inverse=True)
        summed = np.bincount(inverse, weights=np.asarray(value, dtype=float), minlength=len(unique))
        keep = summed != 0.0
        unique, summed = unique[keep], summed[keep]
        majors = unique // max(n_minor, 1)
        indptr = np.zeros(n_major + 1, dtype=np.int32)  # HiGHS's index type
        np.cumsum(np.bincount(majors, minlength=n_major), out=indptr[1:])
        return cls(indptr, (unique % max(n_minor, 1)).astype(np.int32), summed, shape, by_column)

    def transposed_layout(self) -> Compressed:
        """The same matrix in the other layout (CSC <-> CSR)."""
        major = np.repeat(np.arange(len(self.indptr) - 1), np.diff(self.indptr))
        row, column = (self.indices, major) if self.by_column else (major, self.indices)
        return Compressed.from_triplets(row, column, self.data, self.shape, by_column=not self.by_column)

    @cached_property
    def _other_layout(self) -> Compressed:
        """The other layout, built once (the matrix is immutable; the bound propagation of every
        exclusivity refresh and the chord cuts read it)."""
        return self.transposed_layout()

    def tocsr(self) -> Compressed:
        """Row-wise layout."""
        return self._other_layout if self.by_column else self

    def tocsc(self) -> Compressed:
        """Column-wise layout."""
        return self if self.by_column else self._other_layout
