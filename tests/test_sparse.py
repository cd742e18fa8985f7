"""The compressed matrix handed to HiGHS (``optimiser/sparse.py``) against a dense reference."""

from __future__ import annotations

import numpy as np
import pytest

from optimiser.sparse import Compressed


def _dense(m: Compressed) -> np.ndarray:
    out = np.zeros(m.shape)
    for major in range(len(m.indptr) - 1):
        for k in range(m.indptr[major], m.indptr[major + 1]):
            if m.by_column:
                out[m.indices[k], major] += m.data[k]
            else:
                out[major, m.indices[k]] += m.data[k]
    return out


@pytest.mark.parametrize("by_column", [True, False])
def test_duplicates_are_summed_zeros_dropped_and_entries_sorted(by_column):
    row = np.array([2, 0, 2, 1, 0, 1, 2])
    col = np.array([1, 3, 1, 0, 3, 2, 0])
    val = np.array([1.5, 2.0, 0.5, -1.0, -2.0, 4.0, 3.0])  # (0, 3) sums to 0: dropped
    m = Compressed.from_triplets(row, col, val, (4, 5), by_column=by_column)
    expected = np.zeros((4, 5))
    np.add.at(expected, (row, col), val)
    assert np.array_equal(_dense(m), expected)
    assert len(m.data) == 4 and np.all(m.data != 0.0)
    assert len(m.indptr) == (5 if by_column else 4) + 1  # empty columns (rows) keep their pointers
    for major in range(len(m.indptr) - 1):
        assert np.all(np.diff(m.indices[m.indptr[major]:m.indptr[major + 1]]) > 0)


def test_the_two_layouts_hold_the_same_matrix():
    rng = np.random.default_rng(7)
    row, col = rng.integers(0, 30, 200), rng.integers(0, 20, 200)
    val = rng.normal(size=200)
    csc = Compressed.from_triplets(row, col, val, (30, 20))
    csr = csc.tocsr()
    assert not csr.by_column and csr.tocsc().by_column
    assert np.allclose(_dense(csr), _dense(csc))
    assert np.array_equal(csr.tocsc().indptr, csc.indptr) and np.allclose(csr.tocsc().data, csc.data)
