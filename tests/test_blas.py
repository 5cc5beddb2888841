"""numtorch._blas: the BLAS's axpy and axpby are handed out only when they round as PyTorch's kernels do."""

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

    assert not _blas._axpy_rounds_once(unfused, np.dtype(np.float32))
    assert _blas._axpy_rounds_once(fused, np.dtype(np.float32))


def test_axpby_self_test_wants_the_scaled_y_rounded_and_the_sum_fused():
    def exact(a, x, b, y):  # PyTorch's y.mul_(b).add_(x, alpha=a) for float32, via exact float64 products
        scaled = y * y.dtype.type(b)
        y[...] = (scaled.astype(np.float64) + float(np.float32(a)) * x.astype(np.float64)).astype(y.dtype)

    def all_fused(a, x, b, y):  # a*x + b*y with b*y kept exact too: one rounding too few
        y[...] = (float(np.float32(b)) * y.astype(np.float64) + float(np.float32(a)) * x.astype(np.float64)).astype(
            y.dtype)

    def nothing_fused(a, x, b, y):
        y[...] = y * y.dtype.type(b) + x * x.dtype.type(a)

    f32 = np.dtype(np.float32)
    assert _blas._axpby_rounds_like_pytorch(exact, f32)
    assert not _blas._axpby_rounds_like_pytorch(all_fused, f32)
    assert not _blas._axpby_rounds_like_pytorch(nothing_fused, f32)


def test_axpby_when_found_is_pytorchs_momentum_update():
    f = _blas.axpby(np.float32)
    if f is None:
        pytest.skip("this NumPy has no BLAS axpby that passed the self-test")
    rs = np.random.RandomState(1)
    for n in (1, 9, 4097, 65_537):
        g, buf = rs.randn(2, n).astype(np.float32)
        expect = buf * np.float32(0.9)
        expect += g
        f(1.0, g, 0.9, buf)
        assert buf.tobytes() == expect.tobytes()


def test_self_test_rejects_a_routine_that_fails():
    def broken(a, x, y):
        raise OSError("no such symbol")

    assert not _blas._passes(_blas._axpy_rounds_once, broken, np.dtype(np.float64))


def test_environment_switch_and_other_dtypes_give_none(monkeypatch):
    monkeypatch.setattr(_blas, "_found", {})
    monkeypatch.setenv("NUMTORCH_NO_BLAS_AXPY", "1")
    assert _blas.axpy(np.float32) is None and _blas.axpby(np.float32) is None
    monkeypatch.setattr(_blas, "_found", {})
    monkeypatch.delenv("NUMTORCH_NO_BLAS_AXPY")
    assert _blas.axpy(np.int64) is None and _blas.axpby(np.int32) is None
