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
    from .pointwise import _out  # noqa: F401  (keeps import graph simple)

    if _gm._State.enabled and grad._requires_grad:
        return IndexPutEmbed.apply(grad, shape, index)
    out = np.zeros(shape, dtype=grad._data.dtype)
    out[index] = grad._data
    return _make(out)


class IndexPutEmbed:
    """Differentiable ``zeros(shape)[index] = grad`` for double backward through views."""

    @staticmethod
    def apply(grad, shape, index):
        out = np.zeros(shape, dtype=grad._data.dtype)
        out[index] = grad._data
        node = _EmbedBackward(edges(grad))
        node.index = index
        return result(out, node)


class _EmbedBackward(Node):
    """The gradient of embedding into zeros is the same slice of the incoming gradient."""

    def backward(self, grad):
        return (_basic_getitem(grad, self.index),)

    def name(self) -> str:
        return "SliceBackward0"


def _scatter_into_zeros(grad: Tensor, indices: np.ndarray, axis: int, shape: tuple, keepdim: bool) -> Tensor:
    """Gradient of ``max(dim)``: put ``grad`` at the chosen ``indices`` along ``axis``."""
    from .shape import unsqueeze

    idx = indices if keepdim else np.expand_dims(indices, axis)
    g = grad if keepdim else unsqueeze(grad, axis)
    return scatter(_make(np.zeros(shape, dtype=grad._data.dtype)), axis, _make(idx.astype(np.int64)), g)


# --- getitem -----------------------------------------------------------------------------------------------
def _is_advanced(item) -> bool:
    return isinstance(item, (Tensor, np.ndarray, list, bool)) and not isinstance(item, str)


def _normalize_key(key):
    if not isinstance(key, tuple):
        key = (key,)
    return key


def getitem(input: Tensor, key) -> Tensor:
    """``input[key]`` with PyTorch's semantics and errors."""
    key = _normalize_key(key)
    if any(_is_advanced(k) for k in key):
        return _advanced_getitem(input, key)
    return _basic_getitem(input, key)


def _basic_getitem(input: Tensor, key) -> Tensor:
    from .shape import select, slice_dim, unsqueeze

    key = _normalize_key(key)
    n_real = sum(1 for k in key if k is not None and k is not Ellipsis)
    ndim = input._data.ndim
    if n_real > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    if sum(1 for k in key if k is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    out = input
    dim = 0
    for k in key:
        if k is Ellipsis:
            dim += ndim - n_real
        elif k is None:
            out = unsqueeze(out, dim)
            dim += 1
        elif isinstance(k, slice):
            size = out._data.shape[dim]
            start, stop, step = k.start, k.stop, k.step
            if step is not None and _as_int(step) <= 0:
                raise ValueError("step must be greater than zero")
            if not (start in (None, 0) and stop is None and step in (None, 1)):
                s, e, st = slice(_opt_int(start), _opt_int(stop), _opt_int(step)).indices(size)
                if not (s == 0 and e >= size and st == 1):
                    out = slice_dim(out, dim, s, max(e, s), st)
            dim += 1
        else:
            i = _as_int(k)
            size = out._data.shape[dim]
            if i < -size or i >= size:
                raise IndexError(f"index {i} is out of bounds for dimension {dim} with size {size}")
            out = select(out, dim, i)
    if out is input:
        # x[:] / x[...] is still a new view in PyTorch.
        from .shape import _view_of, ViewBackward0

        node = None
        if _gm._State.enabled and input._requires_grad:
            node = ViewBackward0(edges(input))
            node.shape = input._data.shape
            node.__class__ = _AliasBackward
        return _view_of(input, input._data.view(), node)
    return out


class _AliasBackward(Node):
    """``x[:]``: an alias passes the gradient through."""

    def backward(self, grad):
        return (grad,)

    def name(self) -> str:
        return "AliasBackward0"


def _opt_int(v):
    return None if v is None else _as_int(v)


def _as_int(v) -> int:
    if isinstance(v, Tensor):
        if v._data.dtype.kind not in "iub" or v._data.size != 1:
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
                             "are valid indices")
        return int(v._data.reshape(-1)[0])
    if isinstance(v, (int, np.integer)):
        return int(v)
    raise IndexError(
        "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices "
        f"(got {type(v).__name__})"
    )


def _numpy_key(input: Tensor, key) -> tuple:
    out = []
    dim = 0
    for k in key:
        if isinstance(k, Tensor):
            arr = k._data
            if arr.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            if arr.dtype == np.uint8:
                arr = arr.astype(bool)
            if arr.dtype != np.bool_:
                _check_bounds(arr, input._data.shape, dim)
                dim += 1
            else:
                dim += max(arr.ndim, 1)
            out.append(arr)
        elif isinstance(k, list):
            arr = np.asarray(k)
            if arr.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            if arr.dtype != np.bool_:
                _check_bounds(arr, input._data.shape, dim)
            dim += 1
            out.append(arr)
        else:
            if k is not None and k is not Ellipsis:
                dim += 1
            out.append(k)
    return tuple(out)


def _check_bounds(arr: np.ndarray, shape: tuple, dim: int) -> None:
    if dim >= len(shape) or arr.size == 0:
        return
    size = shape[dim]
    bad = (arr >= size) | (arr < -size)
    if bad.any():
        raise IndexError(f"index {int(arr[bad].reshape(-1)[0])} is out of bounds for dimension {dim} with size {size}")


class IndexBackward0(Node):
    """Scatter-add the gradient back to the indexed positions (repeats accumulate)."""

    def backward(self, grad):
        return (_index_put_zeros(grad, self.shape, self.key),)


def _index_put_zeros(grad: Tensor, shape: tuple, key) -> Tensor:
    if _gm._State.enabled and grad._requires_grad:
        node = _IndexEmbedBackward(edges(grad))
        node.key = key
        out = np.zeros(shape, dtype=grad._data.dtype)
        np.add.at(out, key, grad._data)
        return result(out, node)
    out = np.zeros(shape, dtype=grad._data.dtype)
    np.add.at(out, key, grad._data)
    return _make(out)


class _IndexEmbedBackward(Node):
    """Gradient of scatter-add into zeros: gather again."""

    def backward(self, grad):
        return (_make(grad._data[self.key]) if not grad._requires_grad else _advanced_from_key(grad, self.key),)

    def name(self) -> str:
        return "IndexPutBackward0"


def _advanced_from_key(input, key):
    data = input._data[key]
    if _gm._State.enabled and input._requires_grad:
        node = IndexBackward0(edges(input))
        node.shape, node.key = input._data.shape, key
        return result(np.array(data, copy=True), node)
    return _make(np.array(data, copy=True))


def _advanced_getitem(input: Tensor, key) -> Tensor:
    if input._data.ndim == 0 and not any(isinstance(k, Tensor) and k._data.dtype == np.bool_ for k in key):
        raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` "
                         "in C++ to convert a 0-dim tensor to a number")
    nkey = _numpy_key(input, key)
    try:
        return _advanced_from_key(input, nkey)
    except IndexError as e:
        msg = str(e)
        if "boolean index did not match" in msg:
            raise IndexError(_bool_mismatch_message(input, nkey)) from None
        raise IndexError(msg) from None


def _bool_mismatch_message(input, nkey) -> str:
    for k in nkey:
        if isinstance(k, np.ndarray) and k.dtype == np.bool_:
            for i, (a, b) in enumerate(zip(k.shape, input._data.shape)):
                if a != b:
                    return (f"The shape of the mask [{', '.join(map(str, k.shape))}] at index {i} does not match "
                            f"the shape of the indexed tensor [{', '.join(map(str, input._data.shape))}] at index {i}")
    return "boolean index did not match"


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
    if idx.dtype != np.int64:
        raise RuntimeError("gather(): Expected dtype int64 for index")
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
        raise RuntimeError("index_select(): Expected dtype int32/int64 for index")
    size = x.shape[d] if x.ndim else 1
    if idx.size and (idx.max() >= size or idx.min() < 0):
        raise IndexError("index out of range in self")
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


def masked_fill(input, mask, value) -> Tensor:
    """A copy of ``input`` with ``value`` where ``mask`` is True."""
    x = input._data
    m = mask._data
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {m.dtype}")
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

        raise broadcast_error(x.shape, m.shape) from None
    data = np.asarray(data, dtype=x.dtype)
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

    return _advanced_from_key(expand(input, x.shape), (m,))


def nonzero(input, *, as_tuple: bool = False):
    """Indices of nonzero elements: an ``(n, ndim)`` int64 tensor, or a tuple of 1-d tensors."""
    x = input._data
    if as_tuple:
        if x.ndim == 0:
            return (_make(np.nonzero(x.reshape(1))[0].astype(np.int64)),)
        return tuple(_make(i.astype(np.int64)) for i in np.nonzero(x))
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
