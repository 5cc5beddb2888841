"""In-place array updates that round like PyTorch's CPU kernels, for the optimizers' single-tensor steps.

PyTorch evaluates ``add_(x, alpha=a)``, ``addcmul_`` and ``lerp_`` with fused multiply-adds (one rounding
for ``a * x + y``), while plain NumPy rounds the product and the sum separately: over many steps the last
float32 bit drifts. For float32 the product of two float32 numbers is exact in float64, so computing
``y + a * x`` in float64 and rounding once to float32 gives the fused result (a second rounding of a float64
sum can only differ from a true FMA on a float32 halfway case, about one in 2**29).

A Python scalar reaches a float32 kernel already rounded to float32 (PyTorch's "opmath" type), so every
scalar is cast with ``_s`` before use. Other dtypes fall back to NumPy's own arithmetic.

Not emulated: PyTorch's float32 ``sqrt`` goes through MKL's vector math, which is not correctly rounded
(about one element in six differs by one ulp from IEEE ``sqrt``); NumPy's correctly rounded ``sqrt`` is used.

All functions take and update ndarrays (a Tensor's ``_data``), never Tensors.
"""

from __future__ import annotations

import numpy as np

_F32 = np.dtype(np.float32)
_F64 = np.float64


def _s(x, dtype: np.dtype):
    """A Python scalar as the kernel sees it: cast to the tensor's computation type."""
    return dtype.type(x) if dtype.kind == "f" else x


def add(a: np.ndarray, b: np.ndarray, alpha: float) -> np.ndarray:
    """``a + alpha * b`` as a new array (``torch.add(a, b, alpha=alpha)``, fused)."""
    if alpha == 1:
        return a + b
    if a.dtype == _F32:
        return (a.astype(_F64) + _F64(np.float32(alpha)) * b).astype(_F32)
    return a + _s(alpha, a.dtype) * b


def add_(a: np.ndarray, b: np.ndarray, alpha: float) -> np.ndarray:
    """``a.add_(b, alpha=alpha)`` in place (fused)."""
    if alpha == 1:
        a += b
    elif alpha == -1:
        a -= b
    elif a.dtype == _F32:
        a[...] = a.astype(_F64) + _F64(np.float32(alpha)) * b
    else:
        a += _s(alpha, a.dtype) * b
    return a


def addcmul(a: np.ndarray, b: np.ndarray, c: np.ndarray, value: float = 1) -> np.ndarray:
    """``a + value * b * c`` as a new array: ``value * b`` rounded, then one fused multiply-add with ``c``."""
    vb = b if value == 1 else _s(value, a.dtype) * b
    if a.dtype == _F32:
        return (a.astype(_F64) + vb.astype(_F64) * c).astype(_F32)
    return a + vb * c


def addcmul_(a: np.ndarray, b: np.ndarray, c: np.ndarray, value: float = 1) -> np.ndarray:
    """``a.addcmul_(b, c, value=value)`` in place."""
    a[...] = addcmul(a, b, c, value)
    return a


def addcdiv_(a: np.ndarray, b: np.ndarray, c: np.ndarray, value: float = 1) -> np.ndarray:
    """``a.addcdiv_(b, c, value=value)`` in place: ``a + (value * b) / c``, each step rounded (no FMA there)."""
    vb = b if value == 1 else _s(value, a.dtype) * b
    a += vb / c
    return a


def lerp_(a: np.ndarray, b: np.ndarray, weight: float) -> np.ndarray:
    """``a.lerp_(b, weight)`` in place, with ATen's two-sided formula (fused on each side)."""
    w = _s(weight, a.dtype)
    d = b - a
    if a.dtype == _F32:
        if abs(w) < 0.5:
            a[...] = a.astype(_F64) + _F64(w) * d
        else:
            a[...] = b.astype(_F64) - d.astype(_F64) * _F64(np.float32(1) - w)
    elif abs(w) < 0.5:
        a += w * d
    else:
        a[...] = b - d * (1 - w)
    return a


def mul_(a: np.ndarray, scalar: float) -> np.ndarray:
    """``a.mul_(scalar)`` in place."""
    a *= _s(scalar, a.dtype)
    return a
