"""Reductions: sum mean prod max min amax amin argmax argmin var std norm logsumexp cumsum all any.

Gradients of reductions broadcast the incoming gradient back over the reduced dimensions; for max/min
the gradient goes to the chosen element (``max(dim)``) or is shared evenly among ties (``max()``, ``amax``),
as PyTorch does.
"""

from __future__ import annotations

import math

import numpy as np

from .. import dtypes as _dt
from ..autograd import grad_mode as _gm
from ..autograd.graph import Node, SavedOutput
from ..tensor import Tensor
from ._helpers import _make, dim_list, edges, result
from .shape import expand, reshape, to_dtype


def _sum_dtype(x: np.ndarray, dtype):
    if dtype is not None:
        return _dt.as_dtype(dtype).np_type
    return x.dtype if x.dtype.kind == "f" else np.dtype(np.int64)


def _axes(dim, ndim: int) -> tuple:
    """The reduced axes: all of them for ``dim=None`` or an empty list (PyTorch's rule); a 0-d tensor accepts
    dim 0 / -1 and has nothing to reduce."""
    if dim is None or (type(dim) in (tuple, list) and not dim):
        return tuple(range(ndim))
    axes = dim_list(dim, ndim)
    return axes if ndim else ()


def _one_axis(dim, ndim: int):
    """The single axis of ``prod``/``cumsum``/``max(dim)`` (None for a 0-d tensor, after checking ``dim``)."""
    (axis,) = dim_list(dim, ndim)
    return axis if ndim else None


def _cast_back(grad: Tensor, np_dtype) -> Tensor:
    """A gradient in the input's dtype when the op computed in another one (``sum(dtype=...)``)."""
    if np_dtype is None or grad._data.dtype == np_dtype:
        return grad
    return to_dtype(grad, _dt.from_numpy(np_dtype))


def _in_dtype(x: np.ndarray, data: np.ndarray):
    return None if x.dtype == data.dtype else x.dtype


def _expand_back(grad: Tensor, shape: tuple, axes: tuple, keepdim: bool) -> Tensor:
    """Broadcast a reduced gradient back to the input's shape (re-inserting reduced dims first)."""
    if not keepdim and axes and len(shape):
        kept = list(shape)
        for a in axes:
            kept[a] = 1
        grad = reshape(grad, tuple(kept))
    return expand(grad, shape)


def _zero(grad: Tensor) -> Tensor:
    return _make(np.zeros((), dtype=grad._data.dtype))


class SumBackward0(Node):
    """d sum(x) = 1 for every element: broadcast the gradient back."""

    in_dtype = None

    def backward(self, grad):
        return (_cast_back(expand(grad, self.shape), self.in_dtype),)


class SumBackward1(Node):
    """``sum(dim)``: broadcast the gradient back over the summed dims."""

    in_dtype = None

    def backward(self, grad):
        return (_cast_back(_expand_back(grad, self.shape, self.axes, self.keepdim), self.in_dtype),)


def sum(input, dim=None, keepdim: bool = False, *, dtype=None, axis=None) -> Tensor:
    """Sum of all elements, or over ``dim`` (int or tuple; an empty tuple sums everything)."""
    if axis is not None:  # NumPy's name, which PyTorch accepts too
        dim = axis
    x = input._data
    out_dtype = _sum_dtype(x, dtype)
    if dim is None:
        data = np.array(np.add.reduce(x, axis=None, dtype=out_dtype))  # x.sum(), without its Python layer
        if _gm._State.enabled and input._requires_grad:
            node = SumBackward0(edges(input))
            node.shape = x.shape
            if dtype is not None:
                node.in_dtype = _in_dtype(x, data)
            return result(data, node)
        return _make(data)
    axes = _axes(dim, x.ndim)
    data = np.asarray(x.sum(axis=axes, dtype=out_dtype, keepdims=keepdim)) if x.ndim else x.astype(out_dtype)
    if _gm._State.enabled and input._requires_grad:
        node = SumBackward1(edges(input))
        node.shape, node.axes, node.keepdim = x.shape, axes, keepdim
        if dtype is not None:
            node.in_dtype = _in_dtype(x, data)
        return result(data, node)
    return _make(data)


class NansumBackward0(Node):
    """d nansum(x) = 1 where x is not NaN, 0 where it is."""

    def backward(self, grad):
        (x,) = self.saved
        from .pointwise import isnan, logical_not

        g = _expand_back(grad, x._data.shape, self.axes, self.keepdim)
        return (g * logical_not(isnan(x)),)


def nansum(input, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Sum treating NaN as zero."""
    x = input._data
    clean = np.where(np.isnan(x), 0, x) if x.dtype.kind == "f" else x
    axes = _axes(dim, x.ndim)
    out = sum(_make(clean), dim, keepdim, dtype=dtype)
    if _gm._State.enabled and input._requires_grad:
        node = NansumBackward0(edges(input))
        node.axes, node.keepdim = axes, keepdim
        node.save(input)
        return result(out._data, node)
    return out


class MeanBackward0(Node):
    """d mean(x) = 1/n for every element."""

    in_dtype = None

    def backward(self, grad):
        return (_cast_back(expand(grad / self.n, self.shape), self.in_dtype),)


class MeanBackward1(Node):
    """``mean(dim)``: broadcast grad / (number of averaged elements)."""

    in_dtype = None

    def backward(self, grad):
        return (_cast_back(_expand_back(grad / self.n, self.shape, self.axes, self.keepdim), self.in_dtype),)


def _mean_array(x: np.ndarray, axes, keepdim: bool) -> np.ndarray:
    if x.size == 0:  # NaN without NumPy's "Mean of empty slice" warning, as PyTorch does
        with np.errstate(all="ignore"):
            return np.asarray(np.sum(x, axis=axes, keepdims=keepdim) / 0.0, dtype=x.dtype)
    if axes is None and not keepdim:
        return mean_all(x)
    return np.asarray(x.mean(axis=axes, dtype=x.dtype, keepdims=keepdim))


def mean_all(x: np.ndarray) -> np.ndarray:
    """``x.mean(dtype=x.dtype)`` of a non-empty float array as a 0-d array: the same sum divided by the count,
    without the Python layer of ``ndarray.mean`` (4 µs on a few elements). NumPy's mean divides in float64 and
    rounds back; dividing in the input's type gives the same result, since a quotient of floats rounded to
    float64 first and then to float32 (or float16) never differs from the quotient rounded once."""
    return np.array(np.add.reduce(x, axis=None) / x.size)


def mean(input, dim=None, keepdim: bool = False, *, dtype=None, axis=None) -> Tensor:
    """Arithmetic mean of all elements, or over ``dim`` (an empty tuple averages everything)."""
    if axis is not None:  # NumPy's name, which PyTorch accepts too
        dim = axis
    x0 = x = input._data
    if dtype is not None:
        x = x.astype(_dt.as_dtype(dtype).np_type)
    if x.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
            f"dtype. Got: {_dt.from_numpy(x.dtype)._legacy}"
        )
    if dim is None:
        data = _mean_array(x, None, False)
        if _gm._State.enabled and input._requires_grad:
            node = MeanBackward0(edges(input))
            node.shape, node.n = x.shape, x.size
            node.in_dtype = _in_dtype(x0, data)
            return result(data, node)
        return _make(data)
    axes = _axes(dim, x.ndim)
    data = _mean_array(x, axes, keepdim) if x.ndim else x.copy()
    if _gm._State.enabled and input._requires_grad:
        node = MeanBackward1(edges(input))
        n = 1
        for a in axes:
            n *= x.shape[a]
        node.shape, node.axes, node.keepdim, node.n = x.shape, axes, keepdim, n
        node.in_dtype = _in_dtype(x0, data)
        return result(data, node)
    return _make(data)


def nanmean(input, dim=None, keepdim: bool = False) -> Tensor:
    """Mean ignoring NaN."""
    from .pointwise import isnan, logical_not

    keep = logical_not(isnan(input))
    return nansum(input, dim, keepdim) / sum(keep, dim, keepdim)


class ProdBackward0(Node):
    """d prod(x) / dx_i = product of the other elements (computed without dividing, so zeros work)."""

    in_dtype = None

    def backward(self, grad):
        (x,) = self.saved
        from .shape import expand, reshape

        flat = reshape(x, (-1,))
        g = expand(grad, x._data.shape) * reshape(_prod_others(flat, 0), x._data.shape)
        return (_cast_back(g, self.in_dtype),)


class ProdBackward1(Node):
    """``prod(dim)``: product of the other elements along ``dim``."""

    in_dtype = None

    def backward(self, grad):
        (x,) = self.saved
        if self.axis is None:  # 0-d input: prod over its one element is the identity
            return (_cast_back(grad, self.in_dtype),)
        others = _prod_others(x, self.axis)
        return (_cast_back(_expand_back(grad, x._data.shape, (self.axis,), self.keepdim) * others, self.in_dtype),)


def _prod_others(x: Tensor, axis: int) -> Tensor:
    # Exclusive cumulative products from both sides: prod of all elements except i, zeros included.
    from .shape import cat, narrow

    n = x._data.shape[axis] if x._data.ndim else 1
    if n == 0:
        return x
    ones = _make(np.ones_like(np.take(x._data, [0], axis=axis)))
    left = cumprod(cat([ones, narrow(x, axis, 0, n - 1)], axis), axis) if n > 1 else ones
    rev = flip(x, (axis,))
    right = flip(cumprod(cat([ones, narrow(rev, axis, 0, n - 1)], axis), axis), (axis,)) if n > 1 else ones
    return left * right


def prod(input, dim=None, keepdim: bool = False, *, dtype=None, axis=None) -> Tensor:
    """Product of all elements, or along one ``dim``."""
    if axis is not None:  # NumPy's name, which PyTorch accepts too
        dim = axis
    x = input._data
    out_dtype = _sum_dtype(x, dtype)
    if dim is None:
        data = np.asarray(x.prod(dtype=out_dtype))
        if _gm._State.enabled and input._requires_grad:
            node = ProdBackward0(edges(input))
            node.in_dtype = _in_dtype(x, data)
            node.save(input)
            return result(data, node)
        return _make(data)
    axis = _one_axis(dim, x.ndim)
    data = np.asarray(x.prod(axis=axis, dtype=out_dtype, keepdims=keepdim)) if x.ndim else x.astype(out_dtype)
    if _gm._State.enabled and input._requires_grad:
        node = ProdBackward1(edges(input))
        node.axis, node.keepdim, node.in_dtype = axis, keepdim, _in_dtype(x, data)
        node.save(input)
        return result(data, node)
    return _make(data)


class CumsumBackward0(Node):
    """d cumsum: the reversed cumulative sum of the gradient."""

    in_dtype = None

    def backward(self, grad):
        if self.axis is None:
            return (_cast_back(grad, self.in_dtype),)
        g = flip(cumsum(flip(grad, (self.axis,)), self.axis), (self.axis,))
        return (_cast_back(g, self.in_dtype),)


def cumsum(input, dim=None, *, dtype=None, axis=None) -> Tensor:
    """Cumulative sum along ``dim``."""
    if axis is not None:  # NumPy's name, which PyTorch accepts too
        dim = axis
    if dim is None:
        raise TypeError("cumsum() missing 1 required positional argument: 'dim'")
    x = input._data
    axis = _one_axis(dim, x.ndim)
    out_dtype = _sum_dtype(x, dtype)
    data = np.cumsum(x, axis=axis, dtype=out_dtype) if x.ndim else x.astype(out_dtype)
    if _gm._State.enabled and input._requires_grad:
        node = CumsumBackward0(edges(input))
        node.axis, node.in_dtype = axis, _in_dtype(x, data)
        return result(data, node)
    return _make(data)


class CumprodBackward0(Node):
    """d cumprod via sums of products of the other factors (zero-safe)."""

    def backward(self, grad):
        (x,) = self.saved
        axis = self.axis
        if axis is None:
            return (grad,)
        n = x._data.shape[axis]
        from .shape import narrow, cat

        # out_k = prod_{j<=k} x_j; d out_k / d x_i = prod_{j<=k, j!=i} x_j for i <= k.
        parts = []
        for i in range(n):
            xi_one = cat([narrow(x, axis, 0, i), _make(np.ones_like(np.take(x._data, [i], axis=axis))),
                          narrow(x, axis, i + 1, n - i - 1)], axis)
            c = cumprod(xi_one, axis)
            g = narrow(grad * c, axis, i, n - i)
            parts.append(sum(g, axis, keepdim=True))
        return (cat(parts, axis),)


def cumprod(input, dim: int, *, dtype=None) -> Tensor:
    """Cumulative product along ``dim``."""
    x = input._data
    axis = _one_axis(dim, x.ndim)
    data = np.cumprod(x, axis=axis, dtype=_sum_dtype(x, dtype)) if x.ndim else x.astype(_sum_dtype(x, dtype))
    if _gm._State.enabled and input._requires_grad:
        node = CumprodBackward0(edges(input))
        node.axis = axis
        node.save(input)
        return result(data, node)
    return _make(data)


class FlipBackward0(Node):
    """Flipping is its own inverse."""

    def backward(self, grad):
        return (flip(grad, self.axes),)


def flip(input, dims) -> Tensor:
    """Reverse the order of elements along ``dims``."""
    x = input._data
    axes = dim_list(dims, x.ndim)
    data = np.flip(x, axes).copy()
    if _gm._State.enabled and input._requires_grad:
        node = FlipBackward0(edges(input))
        node.axes = axes
        return result(data, node)
    return _make(data)


# --- max / min ------------------------------------------------------------------------------------------
class MaxBackward1(Node):
    """Whole-tensor max/min: the gradient is shared evenly among the elements equal to the result (the NaNs,
    when the result is NaN), as PyTorch's evenly_distribute_backward."""

    def backward(self, grad):
        (x,) = self.saved
        value = self.value
        if value.dtype.kind == "f" and np.isnan(value):
            mask = _make(np.isnan(x._data))
        else:
            mask = _make(x._data == value)
        from .pointwise import where

        return (where(mask, grad / float(mask._data.sum()), _zero(grad)),)


class MinBackward1(MaxBackward1):
    """Whole-tensor min: the gradient is shared evenly among ties."""


class MaxBackward0(Node):
    """``max(dim)``: the gradient goes to the index the forward chose."""

    def backward(self, grad):
        g = grad[0] if isinstance(grad, tuple) else grad
        if self.axis is None:  # 0-d input
            return (g,)
        from .indexing import _scatter_into_zeros

        return (_scatter_into_zeros(g, self.indices, self.axis, self.shape, self.keepdim),)


class MinBackward0(MaxBackward0):
    """``min(dim)``: the gradient goes to the index the forward chose."""


class AmaxBackward0(Node):
    """amax/amin over dims: ties share the gradient evenly (PyTorch's scale_grad_by_count)."""

    def backward(self, grad):
        (x,) = self.saved
        shape, axes, keepdim = x._data.shape, self.axes, self.keepdim
        res = _make(self.value)
        mask = x == _expand_back(res, shape, axes, keepdim)
        count = _expand_back(sum(mask, axes, True), shape, axes, True) if axes else _make(np.ones((), np.int64))
        g = _expand_back(grad, shape, axes, keepdim)
        return ((g / count) * mask,)


class AminBackward0(AmaxBackward0):
    """amin over dims: ties share the gradient evenly."""


class _MinMax(tuple):
    """``(values, indices)`` as returned by ``max(dim)``, with attribute access like PyTorch's namedtuple."""

    __slots__ = ()
    _name = "torch.return_types.max"

    @property
    def values(self):
        return self[0]

    @property
    def indices(self):
        return self[1]

    def __repr__(self) -> str:
        return f"{self._name}(\nvalues={self[0]!r},\nindices={self[1]!r})"


class _MaxResult(_MinMax):
    __slots__ = ()
    _name = "torch.return_types.max"


class _MinResult(_MinMax):
    __slots__ = ()
    _name = "torch.return_types.min"


def _empty_reduction_error(name: str, x: np.ndarray, dim=None):
    if dim is None:
        return RuntimeError(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
            "Specify the reduction dim with the 'dim' argument."
        )
    return IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")


def _max_min(input, dim, keepdim, is_max: bool):
    x = input._data
    name = "max" if is_max else "min"
    if isinstance(dim, Tensor):
        from .pointwise import maximum, minimum

        return (maximum if is_max else minimum)(input, dim)
    if dim is None:
        if x.size == 0:
            raise _empty_reduction_error(name, x)
        data = np.asarray(x.max() if is_max else x.min())
        if _gm._State.enabled and input._requires_grad:
            node = (MaxBackward1 if is_max else MinBackward1)(edges(input))
            node.value = data
            node.save(input)
            return result(data, node)
        return _make(data)
    axis = _one_axis(dim, x.ndim)
    if axis is None:
        vals, idx = x.copy(), np.zeros((), dtype=np.int64)
    else:
        if x.shape[axis] == 0:
            raise _empty_reduction_error(name, x, axis)
        idx = _arg_extreme(x, axis, is_max)
        vals = np.take_along_axis(x, np.expand_dims(idx, axis), axis)
        if not keepdim:
            vals = np.squeeze(vals, axis)
        else:
            idx = np.expand_dims(idx, axis)
    values = _make(np.asarray(vals))
    if _gm._State.enabled and input._requires_grad:
        node = (MaxBackward0 if is_max else MinBackward0)(edges(input))
        node.indices, node.axis, node.shape, node.keepdim = idx, axis, x.shape, keepdim
        values = result(values._data, node)
    cls = _MaxResult if is_max else _MinResult
    return cls((values, _make(np.asarray(idx, dtype=np.int64))))


def _arg_extreme(x: np.ndarray, axis: int, is_max: bool) -> np.ndarray:
    # NaN wins (PyTorch propagates it); np.argmax already returns the first NaN.
    return (np.argmax if is_max else np.argmin)(x, axis=axis)


def max(input, dim=None, keepdim: bool = False, *, axis=None):
    """Largest element; with ``dim``: ``(values, indices)``; with a tensor: element-wise maximum."""
    if axis is not None:  # NumPy's name, which PyTorch accepts too
        dim = axis
    return _max_min(input, dim, keepdim, True)


def min(input, dim=None, keepdim: bool = False, *, axis=None):
    """Smallest element; with ``dim``: ``(values, indices)``; with a tensor: element-wise minimum."""
    if axis is not None:  # NumPy's name, which PyTorch accepts too
        dim = axis
    return _max_min(input, dim, keepdim, False)


def _amax_amin(input, dim, keepdim, is_max: bool) -> Tensor:
    x = input._data
    axes = _axes(dim, x.ndim)
    if x.ndim:
        name = "amax" if is_max else "amin"
        if x.size == 0 and (dim is None or (type(dim) in (tuple, list) and not dim)):
            raise _empty_reduction_error(name, x)
        for a in axes:
            if x.shape[a] == 0:
                raise IndexError(f"{name}(): Expected reduction dim {a} to have non-zero size.")
        data = np.asarray((np.max if is_max else np.min)(x, axis=axes, keepdims=keepdim))
    else:
        data = x.copy()
    if _gm._State.enabled and input._requires_grad:
        node = (AmaxBackward0 if is_max else AminBackward0)(edges(input))
        node.value, node.axes, node.keepdim = data, axes, keepdim
        node.save(input)
        return result(data, node)
    return _make(data)


def amax(input, dim=(), keepdim: bool = False, *, axis=None) -> Tensor:
    """Maximum over ``dim`` (all dims by default); ties share the gradient."""
    if axis is not None:  # NumPy's name, which PyTorch accepts too
        dim = axis
    return _amax_amin(input, dim, keepdim, True)


def amin(input, dim=(), keepdim: bool = False, *, axis=None) -> Tensor:
    """Minimum over ``dim`` (all dims by default); ties share the gradient."""
    if axis is not None:  # NumPy's name, which PyTorch accepts too
        dim = axis
    return _amax_amin(input, dim, keepdim, False)


def _arg(input, dim, keepdim, is_max: bool) -> Tensor:
    x = input._data
    name = "argmax" if is_max else "argmin"
    if x.dtype == np.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    fn = np.argmax if is_max else np.argmin
    if dim is None:
        if x.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        out = np.asarray(fn(x.reshape(-1)), dtype=np.int64)
        return _make(out.reshape((1,) * x.ndim) if keepdim else out)
    axis = _one_axis(dim, x.ndim)
    if axis is None:
        return _make(np.zeros((), dtype=np.int64))
    if x.shape[axis] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {axis} to have non-zero size.")
    return _make(np.asarray(fn(x, axis=axis, keepdims=keepdim), dtype=np.int64))


def argmax(input, dim=None, keepdim: bool = False, *, axis=None) -> Tensor:
    """Index of the largest element (of the flattened tensor when ``dim`` is None; the first NaN wins)."""
    if axis is not None:  # NumPy's name, which PyTorch accepts too
        dim = axis
    return _arg(input, dim, keepdim, True)


def argmin(input, dim=None, keepdim: bool = False, *, axis=None) -> Tensor:
    """Index of the smallest element (of the flattened tensor when ``dim`` is None; the first NaN wins)."""
    if axis is not None:  # NumPy's name, which PyTorch accepts too
        dim = axis
    return _arg(input, dim, keepdim, False)


# --- var / std / norm / logsumexp ---------------------------------------------------------------------
def _var_grad(grad: Tensor, x: Tensor, axes: tuple, keepdim: bool, correction, full: bool) -> Tensor:
    """PyTorch's var_backward: 2 (x - mean) / (n - correction) * grad (NaN/inf when n <= correction)."""
    from .pointwise import where

    shape = x._data.shape
    n = 1
    for a in axes:
        n *= shape[a]
    dof = n - correction
    if full and dof <= 0:
        m = mean(x)
        fill = where(x == m, _make(np.asarray(np.nan, grad._data.dtype)), _make(np.asarray(np.inf, grad._data.dtype)))
        return _expand_back(grad, shape, axes, keepdim) * fill
    g = _expand_back(grad, shape, axes, keepdim)
    scale = 2.0 / dof if dof else math.inf
    return (g * scale) * (x - mean(x, axes, keepdim=True))


class VarBackward0(Node):
    """d var(x) = 2 (x - mean) / (n - correction) dx."""

    def backward(self, grad):
        (x,) = self.saved
        return (_var_grad(grad, x, self.axes, self.keepdim, self.correction, self.full),)


class StdBackward0(Node):
    """d std(x) = var'(x) / (2 std), and zero where std is zero."""

    def backward(self, grad):
        x, res = self.saved
        from .pointwise import where

        g = where(res == 0, _zero(grad), grad / (res * 2))
        return (_var_grad(g, x, self.axes, self.keepdim, self.correction, self.full),)


def _var_args(dim, unbiased, correction):
    if isinstance(dim, bool):  # var(x, False) is the old "unbiased" positional form
        unbiased, dim = dim, None
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return dim, correction


def _var_forward(name: str, input, dim, unbiased, keepdim, correction):
    dim, correction = _var_args(dim, unbiased, correction)
    x = input._data
    if x.dtype.kind != "f":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    axes = _axes(dim, x.ndim)
    n = 1
    for a in axes:
        n *= x.shape[a]
    fn = np.var if name == "var" else np.std
    if n - correction <= 0:
        import warnings

        warnings.warn(
            f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the reduction factor "
            "(input numel divided by output numel).", UserWarning, stacklevel=3,
        )
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            data = fn(x, axis=axes, ddof=correction, keepdims=keepdim)
    else:
        data = fn(x, axis=axes, ddof=correction, keepdims=keepdim)
    return x, np.asarray(data, dtype=x.dtype), axes, correction, dim is None or not x.ndim


def var(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, axis=None) -> Tensor:
    """Variance (Bessel-corrected by default)."""
    if axis is not None:  # NumPy's name, which PyTorch accepts too
        dim = axis
    x, data, axes, correction, full = _var_forward("var", input, dim, unbiased, keepdim, correction)
    if _gm._State.enabled and input._requires_grad:
        node = VarBackward0(edges(input))
        node.axes, node.keepdim, node.correction, node.full = axes, keepdim, correction, full
        node.save(input)
        return result(data, node)
    return _make(data)


def std(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, axis=None) -> Tensor:
    """Standard deviation (Bessel-corrected by default)."""
    if axis is not None:  # NumPy's name, which PyTorch accepts too
        dim = axis
    x, data, axes, correction, full = _var_forward("std", input, dim, unbiased, keepdim, correction)
    if _gm._State.enabled and input._requires_grad:
        node = StdBackward0(edges(input))
        node.axes, node.keepdim, node.correction, node.full = axes, keepdim, correction, full
        res = result(data, node)
        node.save(input, SavedOutput(res))
        return res
    return _make(data)


def var_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """``(var, mean)`` in one call."""
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """``(std, mean)`` in one call."""
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


class LinalgVectorNormBackward0(Node):
    """PyTorch's norm_backward, case by case: p=1 sgn(x); p=2 x/||x|| (0 where the norm is 0); p=inf the
    elements of largest |x| share it; p<1, 1<p<2 and p>2 the general x|x|^(p-2)/||x||^(p-1) with PyTorch's
    masking of zeros; p=0 has no gradient."""

    in_dtype = None

    def backward(self, grad):
        x, norm = self.saved
        p, axes, keepdim = self.p, self.axes, self.keepdim
        if p == 0:
            return (None,)
        from .pointwise import abs as _abs
        from .pointwise import isnan, sign, where

        shape = x._data.shape
        g = _expand_back(grad, shape, axes, keepdim)
        r = _expand_back(norm, shape, axes, keepdim)
        zero = _zero(grad)
        if x._data.dtype != g._data.dtype:
            from .shape import to_dtype

            x = to_dtype(x, _dt.from_numpy(g._data.dtype))
        if p == 1:
            out = sign(x) * g
        elif p == 2:
            out = g * where(r == 0, zero, x / r)
        elif p == math.inf or p == -math.inf:
            ax = _abs(x)
            mask = (ax == r) | isnan(ax)
            count = _expand_back(sum(mask, axes, True), shape, axes, True) if axes else sum(mask)
            out = sign(x) * ((g / count) * mask)
        elif p < 1:
            scaled = sign(x) * where(x == 0, zero, _abs(x) ** (p - 1))
            out = scaled * g * r ** (1 - p)
        elif p < 2:
            scaled = sign(x) * _abs(x) ** (p - 1)
            out = scaled * where(r == 0, zero, g / r ** (p - 1))
        else:
            scaled = x * _abs(x) ** (p - 2)
            out = scaled * where(r == 0, zero, g / r ** (p - 1))
        return (_cast_back(out, self.in_dtype),)


def _vector_norm_array(x: np.ndarray, p, axes, keepdim):
    a = np.abs(x)
    if p == 2:
        return np.sqrt(np.sum(a * a, axis=axes, keepdims=keepdim))
    if p == 1:
        return np.sum(a, axis=axes, keepdims=keepdim)
    if p == math.inf:
        return np.max(a, axis=axes, keepdims=keepdim)
    if p == -math.inf:
        return np.min(a, axis=axes, keepdims=keepdim)
    if p == 0:
        return np.sum(a != 0, axis=axes, keepdims=keepdim).astype(x.dtype)
    return np.sum(a ** p, axis=axes, keepdims=keepdim) ** (1.0 / p)


def norm(input, p="fro", dim=None, keepdim: bool = False, out=None, dtype=None) -> Tensor:
    """Vector p-norm over ``dim`` (all elements by default); ``'fro'`` is the 2-norm."""
    if p == "fro" or p is None:
        p = 2
    if p == "nuc":
        raise NotImplementedError("nuclear norm is not supported by numtorch")
    return vector_norm(input, p, dim, keepdim, dtype=dtype)


def vector_norm(input, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """``torch.linalg.vector_norm``."""
    x0 = x = input._data
    if x.dtype.kind != "f":
        raise RuntimeError(
            "linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
            f"{_dt.from_numpy(x.dtype)._legacy}"
        )
    if dtype is not None:
        x = x.astype(_dt.as_dtype(dtype).np_type)
    axes = _axes(dim, x.ndim)
    data = np.asarray(_vector_norm_array(x, ord, axes if x.ndim else None, keepdim), dtype=x.dtype)
    if _gm._State.enabled and input._requires_grad:
        node = LinalgVectorNormBackward0(edges(input))
        node.p, node.axes, node.keepdim, node.in_dtype = ord, axes, keepdim, _in_dtype(x0, data)
        res = result(data, node)
        node.save(input, SavedOutput(res))
        return res
    return _make(data)


class LogsumexpBackward0(Node):
    """d logsumexp(x) = exp(x - result) dx."""

    def backward(self, grad):
        x, res = self.saved
        from .pointwise import exp

        r = _expand_back(res, x._data.shape, self.axes, self.keepdim)
        return (_expand_back(grad, x._data.shape, self.axes, self.keepdim) * exp(x - r),)


def logsumexp(input, dim=None, keepdim: bool = False, *, axis=None) -> Tensor:
    """log(sum(exp(x))) over ``dim``, computed stably."""
    if axis is not None:  # NumPy's name, which PyTorch accepts too
        dim = axis
    if dim is None:
        raise TypeError("logsumexp() missing 1 required positional argument: 'dim'")
    x = input._data
    if x.dtype.kind != "f":
        x = x.astype(_dt.get_default_dtype().np_type)
    axes = dim_list(dim, x.ndim) if x.ndim else _axes(dim, 0)
    if x.ndim:
        m = np.max(x, axis=axes, keepdims=True) if x.size else np.zeros((1,) * x.ndim, x.dtype)
        m = np.where(np.isfinite(m), m, 0)
        with np.errstate(all="ignore"):
            data = np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True)) + m
        if not keepdim:
            data = np.squeeze(data, axes)
    else:
        data = x.copy()
    data = np.asarray(data, dtype=x.dtype)
    if _gm._State.enabled and input._requires_grad:
        node = LogsumexpBackward0(edges(input))
        node.axes, node.keepdim = axes, keepdim
        res = result(data, node)
        node.save(input, SavedOutput(res))
        return res
    return _make(data)


def _all_any(fn, input, dim, keepdim) -> Tensor:
    x = input._data
    axes = None if dim is None else dim_list(dim, x.ndim)
    data = np.asarray(fn(x, axis=axes, keepdims=keepdim if dim is not None else False))
    # uint8 input gives a uint8 result (a PyTorch legacy rule); everything else gives bool.
    return _make(data.astype(np.uint8) if x.dtype == np.uint8 else data)


def all(input, dim=None, keepdim: bool = False, *, axis=None) -> Tensor:
    """True if every element (along ``dim``) is nonzero."""
    if axis is not None:  # NumPy's name, which PyTorch accepts too
        dim = axis
    return _all_any(np.all, input, dim, keepdim)


def any(input, dim=None, keepdim: bool = False, *, axis=None) -> Tensor:
    """True if some element (along ``dim``) is nonzero."""
    if axis is not None:  # NumPy's name, which PyTorch accepts too
        dim = axis
    return _all_any(np.any, input, dim, keepdim)


def count_nonzero(input, dim=None) -> Tensor:
    """Number of nonzero elements (along ``dim``)."""
    x = input._data
    axes = None if dim is None else dim_list(dim, x.ndim)
    return _make(np.asarray(np.count_nonzero(x, axis=axes), dtype=np.int64))
