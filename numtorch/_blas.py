"""Fused multiply-adds over whole arrays, from the BLAS library that NumPy ships with.

PyTorch's CPU kernels compute ``add_(x, alpha=a)`` with fused multiply-adds (one rounding for ``y + a*x``).
NumPy has no fused ufunc: emulating one in float64 costs four passes over the array (cast, multiply, add,
cast back), about ten times one pass. The OpenBLAS inside NumPy's wheels has the fused loops already:

- ``axpy``:  ``y += a * x``, the product and the sum rounded once;
- ``axpby``: ``y = a * x + b * y``, with ``b * y`` rounded first and then one fused multiply-add, which is
  what PyTorch's ``y.mul_(b).add_(x, alpha=a)`` (SGD's momentum buffer) computes, in one pass instead of two.

:func:`axpy` and :func:`axpby` find these routines through ``ctypes`` and hand one out only after a self-test
has shown that it rounds that way at every position of short and long (multithreaded) vectors; otherwise
they return ``None`` and callers keep their emulation. Nothing here runs until an optimizer first updates
a tensor that can use it.
"""

from __future__ import annotations

import ctypes
import glob
import os
from typing import Callable, Optional

import numpy as np

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_C_SCALAR = {_F32: ctypes.c_float, _F64: ctypes.c_double}
_PREFIX = {_F32: "s", _F64: "d"}
# Symbol names as (prefix, suffix, integer type of lengths and strides): the 64-bit-integer OpenBLAS of
# NumPy >= 2.0's wheels, that of NumPy 1.22-1.26's wheels, and a plain LP64 CBLAS.
_NAMINGS = (("scipy_cblas_", "64_", ctypes.c_int64), ("cblas_", "64_", ctypes.c_int64), ("cblas_", "", ctypes.c_int))

_found: dict = {}


def axpy(dtype) -> Optional[Callable[[float, np.ndarray, np.ndarray], None]]:
    """A function ``f(a, x, y)`` doing ``y += a * x`` in place with one rounding per element, for C-contiguous
    arrays ``x``, ``y`` of ``dtype`` and equal size and a non-zero ``a``; ``None`` when no tested routine
    is available for ``dtype``."""
    return _routine("axpy", np.dtype(dtype))


def axpby(dtype) -> Optional[Callable[[float, np.ndarray, float, np.ndarray], None]]:
    """A function ``f(a, x, b, y)`` doing ``y = a * x + b * y`` in place, ``b * y`` rounded and then one fused
    multiply-add, for C-contiguous arrays ``x``, ``y`` of ``dtype`` and equal size and non-zero ``a`` and ``b``;
    ``None`` when no tested routine is available for ``dtype``."""
    return _routine("axpby", np.dtype(dtype))


def _routine(name: str, dtype: np.dtype):
    key = (name, dtype)
    if key not in _found:
        _found[key] = _load(name, dtype) if dtype in _C_SCALAR else None
    return _found[key]


def _library_paths() -> list:
    """NumPy's bundled BLAS libraries: ``numpy.libs`` (Linux, Windows wheels) or ``numpy/.dylibs`` (macOS)."""
    here = os.path.dirname(np.__file__)
    paths = []
    for folder in (os.path.join(here, os.pardir, "numpy.libs"), os.path.join(here, ".dylibs")):
        paths += sorted(glob.glob(os.path.join(folder, "*openblas*")))
    return paths


def _load(name: str, dtype: np.dtype):
    if os.environ.get("NUMTORCH_NO_BLAS_AXPY"):  # the emulation, for tests and for suspicion
        return None
    scalar = _C_SCALAR[dtype]
    for path in _library_paths():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix, suffix, int_type in _NAMINGS:
            routine = getattr(lib, prefix + _PREFIX[dtype] + name + suffix, None)
            if routine is None:
                continue
            routine.restype = None
            if name == "axpy":
                routine.argtypes = [int_type, scalar, ctypes.c_void_p, int_type, ctypes.c_void_p, int_type]
                f, test = _wrap_axpy(routine), _axpy_rounds_once
            else:
                routine.argtypes = [int_type, scalar, ctypes.c_void_p, int_type, scalar, ctypes.c_void_p, int_type]
                f, test = _wrap_axpby(routine), _axpby_rounds_like_pytorch
            if _passes(test, f, dtype):
                return f
    return None


def _passes(test, f, dtype: np.dtype) -> bool:
    """The self-test's verdict on ``f``; one that raises fails (a foreign library that misbehaves)."""
    try:
        return bool(test(f, dtype))
    except Exception:
        return False


def _wrap_axpy(routine):
    def f(a: float, x: np.ndarray, y: np.ndarray) -> None:
        routine(y.size, a, x.ctypes.data, 1, y.ctypes.data, 1)
    return f


def _wrap_axpby(routine):
    def f(a: float, x: np.ndarray, b: float, y: np.ndarray) -> None:
        routine(y.size, a, x.ctypes.data, 1, b, y.ctypes.data, 1)
    return f


# The self-tests. With ``e`` a small power of two, ``(1 + e) * (1 + e) = 1 + 2e + e*e`` needs more bits than
# the dtype has: rounded on its own the product loses ``e*e``, so adding ``-(1 + 2e)`` gives 0; fused, exactly
# ``e*e``. Signs alternate, over every vector length up to 70 (the kernels' unrolled main loops and their
# tails) and lengths long enough for OpenBLAS to use threads.
_LENGTHS = (*range(1, 71), 4099, 100_003)


def _probe(dtype: np.dtype, n: int):
    e = 2.0 ** (-13 if dtype == _F32 else -30)
    signs = np.where(np.arange(n) % 3 == 1, -1.0, 1.0).astype(dtype)
    return e, signs


def _axpy_rounds_once(f, dtype: np.dtype) -> bool:
    """Whether ``f(a, x, y)`` computes ``y + a*x`` with a single rounding at every position."""
    for n in _LENGTHS:
        e, s = _probe(dtype, n)
        for sign in (1.0, -1.0):
            y = s * dtype.type(-(1 + 2 * e) * sign)
            f(sign * (1 + e), s * dtype.type(1 + e), y)
            if not np.array_equal(y, s * dtype.type(e * e * sign)):
                return False
    if dtype == _F32:  # an everyday case against the exact product (float64) rounded once
        x, y = np.random.default_rng(0).standard_normal((2, 1000)).astype(dtype)
        a = float(np.float32(-0.01))
        expected = (y.astype(np.float64) + a * x.astype(np.float64)).astype(dtype)
        f(a, x, y)
        return bool(np.array_equal(y, expected))
    return True


def _axpby_rounds_like_pytorch(f, dtype: np.dtype) -> bool:
    """Whether ``f(a, x, b, y)`` computes ``a*x + round(b*y)`` rounded once, at every position: ``b*y`` must lose
    its ``e*e`` (a first rounding), ``a*x`` must keep it (the fused multiply-add)."""
    for n in _LENGTHS:
        e, s = _probe(dtype, n)
        near_one = dtype.type(1 + e)
        y = s * near_one
        f(1.0, s * dtype.type(-(1 + 2 * e)), 1 + e, y)  # round(b*y) = 1 + 2e exactly cancels x
        if np.any(y != 0):
            return False
        y = s * dtype.type(-(1 + 2 * e))
        f(1 + e, s * near_one, 1.0, y)  # b*y exact; a*x + y fused gives e*e
        if not np.array_equal(y, s * dtype.type(e * e)):
            return False
    x, y = np.random.default_rng(1).standard_normal((2, 1000)).astype(dtype)
    expected = y * dtype.type(0.9)
    expected += x  # PyTorch's y.mul_(0.9).add_(x): two roundings
    f(1.0, x, 0.9, y)
    return bool(np.array_equal(y, expected))
