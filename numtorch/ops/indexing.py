"""Indexing: ``t[...]`` (ints, slices, None, ..., integer and bool tensors), gather, scatter, index_select,
masked_fill, masked_select, nonzero, take.

Basic indexing (ints, slices, None, ...) gives views, one op per indexed dim as PyTorch records them
(``a[1:, :2]`` is two SliceBackward0 nodes); anything with an integer or bool tensor is an IndexBackward0
copy whose gradient is scattered back with accumulation (repeated indices add up).
"""

from __future__ import annotations

import numpy as np

from ..autograd import grad_mode as _gm
from ..autograd.graph import Node
from ..tensor import Tensor, _wrap_dim
from ._helpers import _make, edges, result, to_tensor


def _embed(grad: Tensor, shape: tuple, index) -> Tensor:
    """Zeros of ``shape`` with ``grad`` written at ``index`` (the gradient of a basic-indexing view)."""
    if _gm._State.enabled and grad._requires_grad:
        out = np.zeros(shape, dtype=grad._data.dtype)
        out[index] = grad._data
        is_select = any(type(i) is int for i in index)
        node = (SelectBackwardBackward0 if is_select else SliceBackwardBackward0)(edges(grad))
        node.index = index
        return result(out, node)
    out = np.zeros(shape, dtype=grad._data.dtype)
    out[index] = grad._data
    return _make(out)


class SliceBackwardBackward0(Node):
    """The gradient of embedding into zeros is the same slice of the incoming gradient."""

    def backward(self, grad):
        return (_view_at(grad, self.index),)


class SelectBackwardBackward0(SliceBackwardBackward0):
    """Double backward of ``select``: select the gradient again."""


def _view_at(t: Tensor, index: tuple) -> Tensor:
    """``t`` viewed at a key of ints and slices, one recorded op per dim (as ``t[key]``)."""
    from .shape import select, slice_dim

    out = t
    dim = 0
    for k in index:
        if k is Ellipsis:
            break
        if type(k) is int:
            out = select(out, dim, k)
            continue
        if k != slice(None):
            s, e, st = k.indices(out._data.shape[dim])
            out = slice_dim(out, dim, s, max(e, s), st)
        dim += 1
    return out


def _scatter_into_zeros(grad: Tensor, indices: np.ndarray, axis: int, shape: tuple, keepdim: bool) -> Tensor:
    """Gradient of ``max(dim)``: put ``grad`` at the chosen ``indices`` along ``axis``."""
    from .shape import unsqueeze

    idx = indices if keepdim else np.expand_dims(indices, axis)
    g = grad if keepdim else unsqueeze(grad, axis)
    return scatter(_make(np.zeros(shape, dtype=grad._data.dtype)), axis, _make(idx.astype(np.int64)), g)


# --- getitem -----------------------------------------------------------------------------------------------
# PyTorch's rules (python_variable_indexing.cpp): ints select, slices slice, None unsqueezes, one op per dim,
# from left to right; 0-d integer tensors count as ints. What is left (integer / bool tensors, lists) is one
# advanced-indexing op on the sliced result. Inside a tuple key, a slice covering a whole dim records
# nothing, and a key that changes nothing gives an alias; a lone slice (``x[:]``) always records a slice.
_INDEX_TYPE_MSG = "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices"


def _is_advanced(item) -> bool:
    if isinstance(item, Tensor):
        return item._data.ndim > 0 or item._data.dtype.kind == "b"
    return isinstance(item, (np.ndarray, list, bool)) and not isinstance(item, str)


def _normalize_key(key):
    if not isinstance(key, tuple):
        key = (key,)
    return key


def getitem(input: Tensor, key) -> Tensor:
    """``input[key]`` with PyTorch's semantics, recorded ops and errors."""
    if type(key) is int:
        from .shape import select

        if input._data.ndim == 0:
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` "
                             "in C++ to convert a 0-dim tensor to a number")
        size = input._data.shape[0]
        if key < -size or key >= size:
            raise IndexError(f"index {key} is out of bounds for dimension 0 with size {size}")
        return select(input, 0, key)
    if type(key) is slice:
        return _apply_slicing(input, (key,), optimize=False)[0]
    view, advanced = _apply_slicing(input, _normalize_key(key), optimize=True)
    if advanced is None:
        return _alias(input) if view is input else view
    return _index(view, advanced)


def _apply_slicing(input: Tensor, key: tuple, optimize: bool):
    """Apply the basic parts of ``key``: returns (the view, the advanced key for it or None)."""
    from .shape import select, slice_dim, unsqueeze

    ndim = input._data.ndim
    n_specified = 0
    for k in key:
        if k is None or k is Ellipsis:
            continue
        if isinstance(k, Tensor) and k._data.dtype.kind == "b":
            n_specified += k._data.ndim
        elif type(k) is not bool:
            n_specified += 1
    if n_specified > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    out = input
    dim = covered = 0
    advanced = None
    for k in key:
        if k is Ellipsis:
            dim += ndim - n_specified  # PyTorch lets a second ``...`` stand for no dims
            n_specified = ndim
        elif k is None:
            out = unsqueeze(out, dim)
            dim += 1
        elif isinstance(k, slice):
            size = out._data.shape[dim]
            start, stop, step = _opt_int(k.start), _opt_int(k.stop), _opt_int(k.step)
            if step is not None and step <= 0:
                raise ValueError("step must be greater than zero")
            if not (optimize and start in (None, 0) and step in (None, 1) and (stop is None or stop >= size)):
                s, e, st = slice(start, stop, step).indices(size)
                out = slice_dim(out, dim, s, max(e, s), st)
            dim += 1
        elif _is_advanced(k):
            if type(k) is bool or (isinstance(k, Tensor) and k._data.ndim == 0):
                # A scalar bool adds a dim of size 1: PyTorch unsqueezes, then indexes it with [True] / [False].
                out = unsqueeze(out, dim)
                k = np.array([bool(k)])
            if advanced is None:
                advanced, covered = [], 0
            advanced.extend([slice(None)] * (dim - covered))
            arr = _index_array(k)
            advanced.append(arr)
            dim += arr.ndim if arr.dtype == np.bool_ else 1
            covered = dim
        else:
            i = _as_int(k)
            size = out._data.shape[dim]
            if i < -size or i >= size:
                raise IndexError(f"index {i} is out of bounds for dimension {dim} with size {size}")
            out = select(out, dim, i)
    if advanced is None:
        return out, None
    return out, tuple(advanced)


def _index_array(k) -> np.ndarray:
    """An advanced index (tensor, list, bool) as an int64 or bool ndarray."""
    if isinstance(k, Tensor):
        arr = k._data
    elif type(k) is bool:
        return np.array(k)
    else:
        if isinstance(k, list) and any(isinstance(v, Tensor) for v in k):
            k = [v.item() if isinstance(v, Tensor) else v for v in k]
        arr = np.asarray(k)
        if arr.size == 0:
            arr = arr.astype(np.int64)
    kind = arr.dtype.kind
    if kind == "b":
        return arr
    if arr.dtype == np.uint8:
        return arr.astype(bool)
    if kind not in "iu":
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return arr


def _alias(input: Tensor) -> Tensor:
    """``x[...]``: a new view of the whole tensor (AliasBackward0)."""
    from .shape import _view_of

    node = None
    if _gm._State.enabled and input._requires_grad:
        node = AliasBackward0(edges(input))
    return _view_of(input, input._data.view(), node)


class AliasBackward0(Node):
    """``x[...]``: an alias passes the gradient through."""

    def backward(self, grad):
        return (grad,)


def _basic_getitem(input: Tensor, key) -> Tensor:
    """``input[key]`` for a key of ints, slices, None and Ellipsis (a view)."""
    view, _ = _apply_slicing(input, _normalize_key(key), optimize=True)
    return _alias(input) if view is input else view


def _opt_int(v):
    return None if v is None else _as_int(v)


def _as_int(v) -> int:
    if isinstance(v, Tensor):
        if v._data.dtype.kind not in "iub" or v._data.size != 1:
            raise IndexError(_INDEX_TYPE_MSG)
        return int(v._data.reshape(-1)[0])
    if isinstance(v, (int, np.integer)):
        return int(v)
    raise IndexError(f"{_INDEX_TYPE_MSG} (got {type(v).__name__})")


def _resolve_key(input: Tensor, key: tuple) -> tuple:
    """Check an advanced key against ``input``'s shape (PyTorch's bound and mask errors); NumPy-ready."""
    shape = input._data.shape
    if input._data.ndim == 0 and not all(isinstance(k, np.ndarray) and k.dtype == np.bool_ for k in key
                                         if not isinstance(k, slice)):
        raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` "
                         "in C++ to convert a 0-dim tensor to a number")
    dim = 0
    for k in key:
        if isinstance(k, slice):
            dim += 1
            continue
        if k.dtype == np.bool_:
            for i, n in enumerate(k.shape):
                if dim + i < len(shape) and n != shape[dim + i]:
                    raise IndexError(
                        f"The shape of the mask [{', '.join(map(str, k.shape))}] at index {i} does not match "
                        f"the shape of the indexed tensor [{', '.join(map(str, shape))}] at index {dim + i}")
            dim += k.ndim
            continue
        if k.size and dim < len(shape):
            size = shape[dim]
            bad = (k >= size) | (k < -size)
            if bad.any():
                raise IndexError(
                    f"index {int(k[bad].reshape(-1)[0])} is out of bounds for dimension {dim} with size {size}")
        dim += 1
    try:
        np.broadcast_shapes(*(k.shape for k in key if not isinstance(k, slice) and k.dtype != np.bool_))
    except ValueError:
        shapes = ", ".join("[" + ", ".join(map(str, k.shape)) + "]" for k in key if not isinstance(k, slice))
        raise IndexError(f"shape mismatch: indexing tensors could not be broadcast together with shapes {shapes}")
    return key


class IndexBackward0(Node):
    """Scatter-add the gradient back to the indexed positions (repeats accumulate)."""

    def backward(self, grad):
        return (_index_put_zeros(grad, self.shape, self.key),)


def _index_put_zeros(grad: Tensor, shape: tuple, key) -> Tensor:
    out = np.zeros(shape, dtype=grad._data.dtype)
    np.add.at(out, key, grad._data)
    if _gm._State.enabled and grad._requires_grad:
        node = IndexPutImplBackward0(((None, 0),) + edges(grad))
        node.key = key
        return result(out, node)
    return _make(out)


class IndexPutImplBackward0(Node):
    """Double backward of indexing: (zeros).index_put_(key, grad, accumulate=True); ``grad`` gets it gathered."""

    def backward(self, grad):
        return (None, _index_key(grad, self.key))


def _index_key(input: Tensor, key) -> Tensor:
    """``input[key]`` for a resolved NumPy advanced key: a copy, recorded as IndexBackward0."""
    data = np.array(input._data[key], copy=True, order="C")  # PyTorch's index result is contiguous
    if _gm._State.enabled and input._requires_grad:
        node = IndexBackward0(edges(input))
        node.shape, node.key = input._data.shape, key
        return result(data, node)
    return _make(data)


def _index(input: Tensor, key: tuple) -> Tensor:
    return _index_key(input, _resolve_key(input, key))


def _advanced_getitem(input: Tensor, key) -> Tensor:
    view, advanced = _apply_slicing(input, _normalize_key(key), optimize=True)
    return _index(view, advanced) if advanced is not None else view


# --- gather / scatter / index_select ----------------------------------------------------------------------
class GatherBackward0(Node):
    """Scatter-add the gradient back to the gathered positions."""

    def backward(self, grad):
        return (scatter_add(_make(np.zeros(self.shape, dtype=grad._data.dtype)), self.dim, self.index, grad),)


def gather(input, dim: int, index, *, sparse_grad: bool = False) -> Tensor:
    """``out[i][j] = input[index[i][j]][j]`` along ``dim``."""
    x = input._data
    d = _wrap_dim(dim, x.ndim)
    idx = index._data
    if idx.dtype != np.int64 and idx.dtype != np.int32:
        raise RuntimeError("gather(): Expected dtype int32/int64 for index")
    if idx.ndim != x.ndim and x.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    if idx.size and (idx.max() >= x.shape[d] or idx.min() < -x.shape[d]):
        bad = idx[(idx >= x.shape[d]) | (idx < -x.shape[d])].reshape(-1)[0]
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {x.shape[d]}")
    sub = x[tuple(slice(0, s) if i != d else slice(None) for i, s in enumerate(idx.shape))]
    data = np.take_along_axis(sub, idx, axis=d)
    if _gm._State.enabled and input._requires_grad:
        node = GatherBackward0(edges(input))
        node.shape, node.dim, node.index = x.shape, d, index
        return result(data, node)
    return _make(data)


class ScatterBackward0(Node):
    """``scatter(src)``: the overwritten positions get no gradient; src gets the gathered gradient."""

    def backward(self, grad):
        gi = grad.masked_fill(self.mask, 0.0) if self.next_functions[0][0] is not None else None
        gs = gather(grad, self.dim, self.index) if len(self.next_functions) > 1 and \
            self.next_functions[1][0] is not None else None
        return (gi, gs) if len(self.next_functions) > 1 else (gi,)


class ScatterAddBackward0(Node):
    """``scatter_add``: input gets the gradient unchanged, src the gathered gradient."""

    def backward(self, grad):
        gs = gather(grad, self.dim, self.index) if self.next_functions[1][0] is not None else None
        return grad, gs


def _scatter_positions(x: np.ndarray, d: int, idx: np.ndarray):
    grids = np.indices(idx.shape, sparse=True)
    pos = list(grids)
    pos[d] = idx
    return tuple(pos)


def scatter(input, dim: int, index, src=None, *, value=None, reduce=None) -> Tensor:
    """Write ``src`` (or ``value``) into a copy of ``input`` at ``index`` along ``dim``."""
    if src is not None and not isinstance(src, Tensor):
        value, src = src, None
    x = input._data
    d = _wrap_dim(dim, x.ndim)
    idx = index._data
    pos = _scatter_positions(x, d, idx)
    data = x.copy()
    if src is not None:
        s = src._data[tuple(slice(0, n) for n in idx.shape)]
        if reduce == "add":
            np.add.at(data, pos, s)
        elif reduce == "multiply":
            np.multiply.at(data, pos, s)
        else:
            data[pos] = s
    else:
        if reduce == "add":
            np.add.at(data, pos, value)
        elif reduce == "multiply":
            np.multiply.at(data, pos, value)
        else:
            data[pos] = value
    args = (input, src) if src is not None else (input,)
    if _gm._State.enabled and any(a._requires_grad for a in args):
        node = ScatterBackward0(edges(*args))
        mask = np.zeros(x.shape, dtype=bool)
        mask[pos] = True
        node.mask, node.dim, node.index = _make(mask), d, index
        return result(data, node)
    return _make(data)


def scatter_add(input, dim: int, index, src) -> Tensor:
    """Add ``src`` into a copy of ``input`` at ``index`` along ``dim`` (repeats accumulate)."""
    x = input._data
    d = _wrap_dim(dim, x.ndim)
    idx = index._data
    pos = _scatter_positions(x, d, idx)
    data = x.copy()
    np.add.at(data, pos, src._data[tuple(slice(0, n) for n in idx.shape)])
    if _gm._State.enabled and (input._requires_grad or src._requires_grad):
        node = ScatterAddBackward0(edges(input, src))
        node.dim, node.index = d, index
        return result(data, node)
    return _make(data)


class IndexSelectBackward0(Node):
    """Add the gradient rows back at the selected indices."""

    def backward(self, grad):
        return (index_add(_make(np.zeros(self.shape, dtype=grad._data.dtype)), self.dim, self.index, grad),)


def index_select(input, dim: int, index) -> Tensor:
    """The slices at ``index`` (1-d integer tensor) along ``dim``."""
    x = input._data
    d = _wrap_dim(dim, x.ndim)
    idx = index._data
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if idx.dtype.kind not in "iu":
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    size = x.shape[d] if x.ndim else 1
    if idx.size and (idx.max() >= size or idx.min() < 0):
        bad = int(idx.reshape(-1)[(idx.reshape(-1) >= size) | (idx.reshape(-1) < 0)][0])
        raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} axis_dim={size}")
    data = np.take(x, idx.reshape(-1), axis=d) if x.ndim else x[idx.reshape(-1)][0]
    if _gm._State.enabled and input._requires_grad:
        node = IndexSelectBackward0(edges(input))
        node.shape, node.dim, node.index = x.shape, d, index
        return result(data, node)
    return _make(data)


class IndexAddBackward0(Node):
    """``index_add``: input gets the gradient, source the selected rows of it."""

    def backward(self, grad):
        gs = index_select(grad, self.dim, self.index) if self.next_functions[1][0] is not None else None
        return grad, gs


def index_add(input, dim: int, index, source, *, alpha=1) -> Tensor:
    """Add ``source`` slices into a copy of ``input`` at ``index`` along ``dim``."""
    x = input._data
    d = _wrap_dim(dim, x.ndim)
    data = x.copy()
    src = source._data if alpha == 1 else source._data * alpha
    idx = index._data.reshape(-1)
    key = (slice(None),) * d + (idx,)
    np.add.at(data, key, src)
    if _gm._State.enabled and (input._requires_grad or source._requires_grad):
        node = IndexAddBackward0(edges(input, source))
        node.dim, node.index = d, index
        return result(data, node)
    return _make(data)


class MaskedFillBackward0(Node):
    """Filled positions get no gradient."""

    def backward(self, grad):
        (mask,) = self.saved
        from .pointwise import where

        zero = _make(np.zeros((), dtype=grad._data.dtype))
        from ._helpers import sum_to

        return (sum_to(where(mask, zero, grad), self.shape),)


class MaskedFillBackward1(Node):
    """``masked_fill`` with a 0-d tensor value: filled positions' gradient goes to the value (summed)."""

    def backward(self, grad):
        (mask,) = self.saved
        from ._helpers import sum_to
        from .pointwise import where
        from .reduction import sum as _sum

        zero = _make(np.zeros((), dtype=grad._data.dtype))
        gx = sum_to(where(mask, zero, grad), self.shape) if self.next_functions[0][0] is not None else None
        gv = None
        if self.next_functions[1][0] is not None:
            gv = sum_to(_sum(where(mask, grad, zero)), (), self.value_dtype)
        return gx, gv


def masked_fill(input, mask, value) -> Tensor:
    """A copy of ``input`` with ``value`` where ``mask`` is True."""
    x = input._data
    m = mask._data
    value_t = value if isinstance(value, Tensor) else None
    if m.dtype != np.bool_:
        from .linalg import _NAMES

        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {_NAMES[m.dtype.name]}")
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(
                "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value._data.ndim} dimension(s)."
            )
        value = value._data.item()
    try:
        data = np.where(m, np.asarray(value, dtype=x.dtype) if x.dtype.kind != "f" or True else value, x)
    except ValueError:
        from ._helpers import broadcast_error

        raise broadcast_error(m.shape, x.shape) from None
    data = np.asarray(data, dtype=x.dtype)
    if value_t is not None and _gm._State.enabled and (input._requires_grad or value_t._requires_grad):
        node = MaskedFillBackward1(edges(input, value_t))
        node.shape, node.value_dtype = x.shape, value_t._data.dtype
        node.save(_make(m))
        return result(data, node)
    if _gm._State.enabled and input._requires_grad:
        node = MaskedFillBackward0(edges(input))
        node.shape = x.shape
        node.save(_make(m))
        return result(data, node)
    return _make(data)


def masked_select(input, mask) -> Tensor:
    """The elements where ``mask`` is True, as a 1-d tensor."""
    x, m = np.broadcast_arrays(input._data, mask._data)
    from .shape import expand

    return _index_key(expand(input, x.shape), (m,))


def nonzero(input, *, as_tuple: bool = False):
    """Indices of nonzero elements: an ``(n, ndim)`` int64 tensor, or a tuple of 1-d tensors."""
    x = input._data
    if as_tuple:  # PyTorch: nonzero().unbind(1), so the pieces are views of one (n, ndim) tensor
        from .shape import unbind

        return unbind(_make(np.argwhere(x.reshape(1) if x.ndim == 0 else x).astype(np.int64)), 1)
    return _make(np.argwhere(x).astype(np.int64))


def argwhere(input) -> Tensor:
    """``nonzero(input)``."""
    return nonzero(input)


def take(input, index) -> Tensor:
    """Elements of the flattened input at ``index``."""
    from .shape import reshape

    return _advanced_getitem(reshape(input, (-1,)), (index,))


def take_along_dim(input, indices, dim=None) -> Tensor:
    """``gather`` with broadcasting (flattened when ``dim`` is None)."""
    from .shape import reshape

    if dim is None:
        return take(input, reshape(indices, (-1,)))
    return gather(input, dim, indices)


def one_hot(tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding along a new last dim."""
    x = tensor._data
    if x.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        num_classes = int(x.max()) + 1 if x.size else 0
    if x.size and (x.min() < 0):
        raise RuntimeError("Class values must be non-negative.")
    if x.size and x.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = np.zeros(x.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, x[..., None], 1, axis=-1)
    return _make(out)


def to_index_tensor(x) -> Tensor:
    return to_tensor(x)
