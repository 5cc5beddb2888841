"""numtorch._blas: the BLAS's axpy is handed out only when it rounds once, and then it computes y + a*x."""

from __future__ import annotations

import numpy as np
import pytest

from numtorch import _blas


def _emulated(a, x, y):
    return (y.astype(np.float64) + float(a) * x.astype(np.float64)).astype(np.float32)


def test_axpy_when_found_is_fused_and_in_place():
    f = _blas.axpy(np.float32)
    if f is None:
        pytest.skip("this NumPy has no BLAS axpy that passed the self-test")
    rs = np.random.RandomState(0)
    for n in (1, 7, 33, 1000, 65_537):
        x, y = rs.randn(2, n).astype(np.float32)
        a = float(np.float32(-0.013))
        expect = _emulated(a, x, y)
        f(a, x, y)
        assert y.tobytes() == expect.tobytes()


def test_self_test_rejects_a_routine_that_rounds_twice():
    def unfused(a, x, y):
        y += x.dtype.type(a) * x  # product rounded, then the sum: two roundings

    def fused(a, x, y):
        y[...] = _emulated(a, x, y)

    assert not _blas._rounds_once(unfused, np.dtype(np.float32))
    assert _blas._rounds_once(fused, np.dtype(np.float32))


def test_self_test_rejects_a_routine_that_fails():
    def broken(a, x, y):
        raise OSError("no such symbol")

    assert not _blas._rounds_once(broken, np.dtype(np.float64))


def test_environment_switch_and_other_dtypes_give_none(monkeypatch):
    monkeypatch.setattr(_blas, "_found", {})
    monkeypatch.setenv("NUMTORCH_NO_BLAS_AXPY", "1")
    assert _blas.axpy(np.float32) is None
    monkeypatch.setattr(_blas, "_found", {})
    monkeypatch.delenv("NUMTORCH_NO_BLAS_AXPY")
    assert _blas.axpy(np.int64) is None
