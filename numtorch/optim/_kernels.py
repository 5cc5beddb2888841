"""In-place array updates that round like PyTorch's CPU kernels, for the optimizers' single-tensor steps.

PyTorch evaluates ``add_(x, alpha=a)``, ``addcmul_`` and ``lerp_`` with fused multiply-adds (one rounding
for ``a * x + y``), in float32 and in float64, while plain NumPy rounds the product and the sum separately:
over many steps the last bit drifts. Three ways to the fused result, fastest first:

- ``y + a * x`` with a scalar ``a`` over a large contiguous array: the fused ``axpy`` of the BLAS that NumPy
  ships with (:mod:`numtorch._blas`, used only after it has proven that it rounds once);
- float32 otherwise: the product of two float32 numbers is exact in float64, so computing ``y + a * x`` in
  float64 and rounding once to float32 gives the fused result (a second rounding of a float64 sum can only
  differ from a true FMA on a float32 halfway case, about one in 2**29);
- float64 otherwise: the exact emulation ``numtorch.random._fma64`` (error-free transformations).

A Python scalar reaches a float32 kernel already rounded to float32 (PyTorch's "opmath" type), so every
scalar is cast with ``_s`` before use. Other dtypes fall back to NumPy's own arithmetic.

Plain products, quotients and ``tensor op scalar`` round once like NumPy's, so they need nothing.
``dot_f32``/``sum_f32`` at the end reproduce the order of PyTorch's float32 reductions (for LBFGS).

Not emulated: PyTorch's ``sqrt`` goes through MKL's vector math, which is not correctly rounded (float32: about
one element in six differs by one ulp from IEEE ``sqrt``; float64: about one in a hundred, on long vectors);
NumPy's correctly rounded ``sqrt`` is used. With a correctly rounded sqrt substituted into PyTorch, every
optimizer here matches it bit for bit.

All functions take and update ndarrays (a Tensor's ``_data``), never Tensors.
"""

from __future__ import annotations

import threading

import numpy as np

from .. import _blas
from ..random import _fma64 as _fma64_exact

_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)

# Below this size a BLAS call through ctypes (about 3 µs) costs more than float32's float64 emulation. Float64's
# exact emulation costs more than the call at any size.
_BLAS_MIN = 512

# Large updates go block by block through a small float64 scratch (one per thread) instead of a float64
# temporary the size of the parameter: no megabyte-sized allocation per step, which is page-faulted in afresh
# whenever the allocator has handed it back to the system.
_BLOCK = 1 << 15
_scratch = threading.local()


def _s(x, dtype: np.dtype):
    """A Python scalar as the kernel sees it: cast to the tensor's computation type."""
    return dtype.type(x) if dtype.kind == "f" else x


def _fma64(x: np.ndarray, y, z) -> np.ndarray:
    """``x * y + z`` in float64, broadcasting (a new float64 array; the caller rounds it once)."""
    return x.astype(np.float64) * y + z


def _fma32(out: np.ndarray, x, y, z) -> np.ndarray:
    """``out[...] = x * y + z`` for a float32 ``out``, rounded once: the product (exact for float32 factors) and
    the sum in float64. Arrays of ``out``'s shape (and numbers) go block by block through a float64 scratch."""
    n = out.size
    if n <= _BLOCK or not (out.flags.c_contiguous and _flat_ok(x, out) and _flat_ok(y, out) and _flat_ok(z, out)):
        out[...] = _fma64(x, y, z)
        return out
    buf = getattr(_scratch, "buf", None)
    if buf is None:
        buf = _scratch.buf = np.empty(_BLOCK, np.float64)
    x, y, z, o = _flat(x), _flat(y), _flat(z), out.reshape(-1)
    for i in range(0, n, _BLOCK):
        j = min(i + _BLOCK, n)
        t = buf[:j - i]
        # x is cast into the scratch by itself first, then multiplied there: NumPy's plain float32 -> float64 cast
        # plus an all-float64 multiply beat one multiply that converts its float32 operand as it goes (48 vs 68 µs
        # on W4's 256x784 weight; the same exact product, so the same bits).
        np.copyto(t, x[i:j] if x.__class__ is np.ndarray else x)
        t *= y[i:j] if y.__class__ is np.ndarray else y
        t += z[i:j] if z.__class__ is np.ndarray else z
        o[i:j] = t
    return out


def _flat_ok(v, out: np.ndarray) -> bool:
    return v.__class__ is not np.ndarray or (v.shape == out.shape and v.flags.c_contiguous)


def _flat(v):
    return v.reshape(-1) if v.__class__ is np.ndarray else v


def _blas_fits(y: np.ndarray, x: np.ndarray, min_size: int) -> bool:
    """Whether a BLAS routine may update ``y`` from ``x``: one dtype and shape, both contiguous, at least
    ``min_size`` elements, no partial overlap, and ``y`` writeable (the BLAS writes through a raw pointer)."""
    return (y.size >= min_size and x.dtype == y.dtype and x.shape == y.shape and y.flags.c_contiguous
            and x.flags.c_contiguous and y.flags.writeable and (x is y or not np.may_share_memory(x, y)))


def _blas_axpy(y: np.ndarray, x: np.ndarray, a: float) -> bool:
    """``y += a * x`` through the BLAS's fused axpy where it applies (float32 from ``_BLAS_MIN`` elements, any
    float64; ``a`` non-zero: BLAS skips ``a == 0``, which would drop a NaN in ``x``); ``False`` where not."""
    if not a or not _blas_fits(y, x, _BLAS_MIN if y.dtype == _F32 else 1):
        return False
    f = _blas.axpy(y.dtype)
    if f is None:
        return False
    f(a, x, y)
    return True


def _fused_into(out: np.ndarray, x, y, z) -> np.ndarray:
    """``out[...] = x * y + z`` rounded once, for a float32 or float64 ``out``."""
    if out.dtype == _F32:
        return _fma32(out, x, y, z)
    out[...] = _fma64_exact(x, y, z)
    return out


def add(a: np.ndarray, b: np.ndarray, alpha: float) -> np.ndarray:
    """``a + alpha * b`` as a new array (``torch.add(a, b, alpha=alpha)``, fused)."""
    if alpha == 1:
        return a + b
    if a.dtype == _F32 or a.dtype == _F64:
        if b.shape == a.shape:
            return add_(np.array(a, copy=True), b, alpha)
        return _fused_into(np.empty(np.broadcast_shapes(a.shape, b.shape), a.dtype), b, _s(alpha, a.dtype), a)
    return a + _s(alpha, a.dtype) * b


def add_(a: np.ndarray, b: np.ndarray, alpha: float) -> np.ndarray:
    """``a.add_(b, alpha=alpha)`` in place (fused)."""
    if alpha == 1:
        a += b
    elif alpha == -1:
        a -= b
    elif a.dtype == _F32 or a.dtype == _F64:
        alpha = float(_s(alpha, a.dtype))
        if not _blas_axpy(a, b, alpha):
            _fused_into(a, b, alpha, a)
    else:
        a += _s(alpha, a.dtype) * b
    return a


def addcmul(a: np.ndarray, b: np.ndarray, c: np.ndarray, value: float = 1) -> np.ndarray:
    """``a + value * b * c`` as a new array: ``value * b`` rounded, then one fused multiply-add with ``c``."""
    vb = b if value == 1 else _s(value, a.dtype) * b
    if a.dtype == _F32 or a.dtype == _F64:
        return _fused_into(np.empty(np.broadcast_shapes(a.shape, vb.shape, c.shape), a.dtype), vb, c, a)
    return a + vb * c


def addcmul_(a: np.ndarray, b: np.ndarray, c: np.ndarray, value: float = 1) -> np.ndarray:
    """``a.addcmul_(b, c, value=value)`` in place."""
    if (a.dtype == _F32 or a.dtype == _F64) and b.shape == c.shape == a.shape:
        return _fused_into(a, b if value == 1 else _s(value, a.dtype) * b, c, a)
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
    if a.dtype == _F32 or a.dtype == _F64:
        if abs(w) < 0.5:
            return add_(a, d, float(w))
        a[...] = b
        return add_(a, d, -float(a.dtype.type(1) - w))
    if abs(w) < 0.5:
        a += w * d
    else:
        a[...] = b - d * (1 - w)
    return a


def mul_add_(a: np.ndarray, scalar: float, b: np.ndarray, alpha: float) -> np.ndarray:
    """``a.mul_(scalar).add_(b, alpha=alpha)`` in place (SGD's momentum buffer): ``a * scalar`` rounded, then one
    fused multiply-add. Large float arrays take one pass of the BLAS's axpby instead of two."""
    if (scalar and alpha and (a.dtype == _F32 or a.dtype == _F64) and _blas_fits(a, b, _BLAS_MIN)
            and (f := _blas.axpby(a.dtype)) is not None):
        f(float(_s(alpha, a.dtype)), b, float(_s(scalar, a.dtype)), a)
        return a
    return add_(mul_(a, scalar), b, alpha)


def mul_(a: np.ndarray, scalar: float) -> np.ndarray:
    """``a.mul_(scalar)`` in place."""
    a *= _s(scalar, a.dtype)
    return a


# -- float32 reductions in PyTorch's CPU summation order (used by LBFGS) ---------------------------------
# LBFGS steers by a few scalars (y.s, g.d, |g|_1); a last-bit difference there moves the whole trajectory, so
# these reproduce the order in which PyTorch's CPU kernels add float32 terms (checked against PyTorch 2.13 on
# x86-64 for lengths up to a few thousand; longer vectors are split across threads there).


def _ceil_log2(x: int) -> int:
    return x - 1 if x <= 2 else (x - 1).bit_length()


def _seq_sum(start: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``start + rows[0] + rows[1] + ...`` added one row at a time in float32."""
    if len(rows) == 0:
        return start
    return np.cumsum(np.concatenate([start[None], rows]), axis=0, dtype=np.float32)[-1]


def _multi_row_sum(rows: np.ndarray) -> np.ndarray:
    """Column sums of ``rows`` as ATen's ``multi_row_sum``: a 4-level cascade of 16-row (or larger) chunks."""
    m, width = rows.shape
    level_power = max(4, _ceil_log2(m) // 4) if m else 4
    level_step = 1 << level_power
    level_mask = level_step - 1
    acc = np.zeros((4, width), np.float32)
    i = 0
    while i + level_step <= m:
        acc[0] = _seq_sum(acc[0], rows[i:i + level_step])
        i += level_step
        for j in range(1, 4):
            acc[j] += acc[j - 1]
            acc[j - 1] = 0
            if i & (level_mask << (j * level_power)):
                break
    acc[0] = _seq_sum(acc[0], rows[i:])
    for j in range(1, 4):
        acc[0] += acc[j]
    return acc[0]


def _row_sum(items: np.ndarray) -> np.ndarray:
    """ATen's ``row_sum``: items (scalars or vectors, along axis 0) summed with four interleaved partials."""
    n = items.shape[0]
    k = n // 4
    width = int(np.prod(items.shape[1:], dtype=np.int64))
    part = _multi_row_sum(items[:k * 4].reshape(k, 4 * width)).reshape(4, width)
    p0 = _seq_sum(part[0], items[k * 4:].reshape(-1, width))
    for j in range(1, 4):
        p0 = p0 + part[j]
    return p0


def sum_f32(a: np.ndarray):
    """``a.sum()`` of a float32 vector in PyTorch's order (8-lane vectors, then the tail, then the lanes)."""
    a = a.reshape(-1)
    if a.dtype != _F32:
        return a.sum()
    vec = 8
    if a.size < vec:
        return _F32.type(_row_sum(a.reshape(-1, 1))[0]) if a.size else np.float32(0)
    nv = a.size // vec
    lanes = _row_sum(a[:nv * vec].reshape(nv, vec))
    total = _seq_sum(np.zeros(1, np.float32), a[nv * vec:].reshape(-1, 1))
    return _seq_sum(total, lanes.reshape(-1, 1))[0]


def dot_f32(a: np.ndarray, b: np.ndarray):
    """``a.dot(b)`` of float32 vectors in the order of PyTorch's BLAS ``sdot`` on x86-64: rounded products into
    four 4-lane accumulators (16 at a time, then 8, then 4, then single elements into lane 0), combined."""
    if a.dtype != _F32:
        return np.dot(a, b)
    p = a.reshape(-1) * b.reshape(-1)
    n = p.size
    nb = n // 16 * 16
    acc = np.zeros((4, 4), np.float32)
    if nb:
        acc = _seq_sum(acc.reshape(16), p[:nb].reshape(-1, 16)).reshape(4, 4)
    i = nb
    if n - i >= 8:
        acc[0] += p[i:i + 4]
        acc[1] += p[i + 4:i + 8]
        i += 8
    if n - i >= 4:
        acc[0] += p[i:i + 4]
        i += 4
    acc[0, 0] = _seq_sum(acc[0, :1], p[i:].reshape(-1, 1))[0]
    c = ((acc[0] + acc[1]) + acc[2]) + acc[3]
    return (c[0] + c[2]) + (c[1] + c[3])
