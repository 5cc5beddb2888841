"""``y += a * x`` rounded once (a fused multiply-add), from the BLAS library that NumPy ships with.

PyTorch's CPU kernels compute ``add_(x, alpha=a)`` with fused multiply-adds. NumPy has no fused
ufunc: emulating one in float64 costs four passes over the array (cast, multiply, add, cast back), about
ten times one pass. The OpenBLAS inside NumPy's wheels has the fused loop already: its ``axpy``
kernels use the processor's FMA instruction. :func:`axpy` finds that routine through ``ctypes`` and
hands it out only after a self-test has shown that it rounds once at every position of short and long
(multithreaded) vectors; otherwise it returns ``None`` and callers keep their exact emulation. Nothing
here runs until an optimizer first updates a large tensor.
"""

from __future__ import annotations

import ctypes
import glob
import os
from typing import Callable, Optional

import numpy as np

# (symbol, integer type of the lengths/strides): the 64-bit-integer OpenBLAS of NumPy >= 2.0's wheels, of
# NumPy 1.22-1.26's wheels, and a plain LP64 CBLAS.
_SYMBOLS = {
    np.dtype(np.float32): (("scipy_cblas_saxpy64_", ctypes.c_int64), ("cblas_saxpy64_", ctypes.c_int64),
                           ("cblas_saxpy", ctypes.c_int)),
    np.dtype(np.float64): (("scipy_cblas_daxpy64_", ctypes.c_int64), ("cblas_daxpy64_", ctypes.c_int64),
                           ("cblas_daxpy", ctypes.c_int)),
}
_C_SCALAR = {np.dtype(np.float32): ctypes.c_float, np.dtype(np.float64): ctypes.c_double}

_found: dict = {}


def axpy(dtype: np.dtype) -> Optional[Callable[[float, np.ndarray, np.ndarray], None]]:
    """A function ``f(a, x, y)`` doing ``y += a * x`` in place with one rounding per element, for C-contiguous
    arrays ``x``, ``y`` of ``dtype`` and equal size and a non-zero ``a``; ``None`` when no tested routine
    is available for ``dtype``."""
    dtype = np.dtype(dtype)
    if dtype not in _found:
        _found[dtype] = _load(dtype)
    return _found[dtype]


def _library_paths() -> list:
    """NumPy's bundled BLAS libraries: ``numpy.libs`` (Linux, Windows wheels) or ``numpy/.dylibs`` (macOS)."""
    here = os.path.dirname(np.__file__)
    paths = []
    for folder in (os.path.join(here, os.pardir, "numpy.libs"), os.path.join(here, ".dylibs")):
        paths += sorted(glob.glob(os.path.join(folder, "*openblas*")))
    return paths


def _load(dtype: np.dtype):
    if os.environ.get("NUMTORCH_NO_BLAS_AXPY"):  # the emulation, for tests and for suspicion
        return None
    for path in _library_paths():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name, int_type in _SYMBOLS.get(dtype, ()):
            routine = getattr(lib, name, None)
            if routine is None:
                continue
            routine.restype = None
            routine.argtypes = [int_type, _C_SCALAR[dtype], ctypes.c_void_p, int_type, ctypes.c_void_p, int_type]
            f = _wrap(routine)
            if _rounds_once(f, dtype):
                return f
    return None


def _wrap(routine):
    def f(a: float, x: np.ndarray, y: np.ndarray) -> None:
        routine(y.size, a, x.ctypes.data, 1, y.ctypes.data, 1)
    return f


def _rounds_once(f, dtype: np.dtype) -> bool:
    """Whether ``f`` computes ``y + a*x`` with a single rounding at every position.

    With ``e`` a small power of two, ``(1 + e) * (1 + e) = 1 + 2e + e*e`` needs more bits than the dtype has:
    rounded on its own the product loses ``e*e`` and ``y = -(1 + 2e)`` then gives 0; fused, the result is
    exactly ``e*e``. Signs alternate and ``a`` is tried with both signs, over every vector length up to 70
    (the kernels' unrolled main loops and their tails) and lengths long enough for OpenBLAS to use threads.
    """
    e = 2.0 ** (-13 if dtype == np.float32 else -30)
    try:
        for n in (*range(1, 71), 4099, 100_003):
            s = np.where(np.arange(n) % 3 == 1, -1.0, 1.0).astype(dtype)
            for a in (1 + e, -(1 + e)):
                x = s * dtype.type(1 + e)
                y = s * dtype.type(-(1 + 2 * e)) * dtype.type(np.sign(a))
                f(a, x, y)
                if not np.array_equal(y, s * dtype.type(e * e) * dtype.type(np.sign(a))):
                    return False
        if dtype == np.float32:  # an everyday case against the exact product (float64) rounded once
            x, y = np.random.default_rng(0).standard_normal((2, 1000)).astype(dtype)
            a = float(np.float32(-0.01))
            expected = (y.astype(np.float64) + a * x.astype(np.float64)).astype(dtype)
            f(a, x, y)
            return bool(np.array_equal(y, expected))
    except Exception:  # a foreign library that misbehaves: fall back to the emulation
        return False
    return True
