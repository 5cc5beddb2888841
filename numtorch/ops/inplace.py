"""In-place ops (``add_``, ``mul_``, ``+=``, ``t[i] = v``, ``copy_``, ``fill_``, ``zero_`` …) with PyTorch's checks.

An in-place op is its out-of-place op plus three rules:
1. With grad mode on, a leaf that requires grad (or a view of one) must not change: RuntimeError.
2. The tensor's version counter goes up, so a Node that saved it notices the change at backward time.
3. When the graph is recorded, the tensor takes the op's Node as its new ``grad_fn``; if it is a view, its
   base gets a ``CopySlices`` node (the base's gradient, with the view's region replaced by the op's) and the
   view an ``AsStridedBackward0`` of it. Other views of that base catch up lazily (``graph.refresh_view``).
Under ``no_grad`` (the optimizer's update) only rule 2 applies: a plain NumPy write, nothing else.
A failed in-place op (bad shape, bad dtype) raises before touching the data or the version counter.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from .. import hints as _hints
from ..autograd import grad_mode as _gm
from ..autograd.graph import (Node, SavedOutput, _short_name, bump_version, edge_of, move_retain_grad_hook,
                              refresh_view)
from ..tensor import Tensor
from ._helpers import _make, broadcast_error, edges, result, sum_to, to_tensor

LEAF_MSG = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_OF_LEAF_MSG = "a view of a leaf Variable that requires grad is being used in an in-place operation."
NO_GRAD_VIEW_MSG = (
    "A view was created in no_grad mode and is being modified inplace with grad mode enabled. Given that this "
    "use case is ambiguous and error-prone, it is forbidden. You can clarify your code by moving both the view "
    "and the inplace either both inside the no_grad block (if you don't want the inplace to be tracked) or both "
    "outside (if you want the inplace to be tracked)."
)
OVERLAP_MSG = (
    "unsupported operation: more than one element of the written-to tensor refers to a single memory location. "
    "Please clone() the tensor before performing the operation."
)
PARTIAL_OVERLAP_MSG = (
    "unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory "
    "location. Please clone() the tensor before performing the operation."
)
MULTI_OUTPUT_VIEW_MSG = (
    "Output {nr} of {name} is a view and is being modified inplace. This view is the output of a function that "
    "returns multiple views. Such functions do not allow the output views to be modified inplace. You should "
    "replace the inplace operation by an out-of-place one."
)


def check_inplace(self: Tensor) -> None:
    """Refuse in-place changes PyTorch refuses with grad mode on: leaves that require grad, views of them,
    views made under no_grad of a tensor that requires grad, and outputs of multi-view ops (split, unbind)."""
    if not _gm._State.enabled:
        return
    base = self._base
    if base is not None:
        if self._view_version is None:
            if base._requires_grad:
                raise RuntimeError(NO_GRAD_VIEW_MSG)
            return
        fn = self.grad_fn
        if fn is not None and fn.num_outputs > 1:
            raise RuntimeError(MULTI_OUTPUT_VIEW_MSG.format(nr=self._output_nr, name=_short_name(fn)))
        if base.grad_fn is None and base._requires_grad:
            raise _hints.leaf_inplace_note(RuntimeError(VIEW_OF_LEAF_MSG), view=True)
    elif self.grad_fn is None and self._requires_grad:
        raise _hints.leaf_inplace_note(RuntimeError(LEAF_MSG))


def _cast_check(self: Tensor, result_dtype) -> None:
    """PyTorch refuses in-place results that would need a lossy cast (float result into an int tensor)."""
    sd = self._data.dtype
    if result_dtype == sd:
        return
    rk, sk = np.dtype(result_dtype).kind, sd.kind
    order = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
    if order[rk] > order[sk]:
        raise RuntimeError(
            f"result type {_dt.from_numpy(result_dtype)._legacy} can't be cast to the desired output type "
            f"{_dt.from_numpy(sd)._legacy}"
        )


def apply_inplace(self: Tensor, op, *args, fast=None, **kwargs) -> Tensor:
    """Make ``self`` hold ``op(self, *args)``; ``fast(array)`` may write the result directly (no graph)."""
    check_inplace(self)
    if type(self._data) is not np.ndarray:
        # NumPy hands back 0-d results as immutable scalars (np.float32): give this tensor memory to write into.
        self._data = np.array(self._data)
    base = self._base
    if base is not None and _gm._State.enabled and self._view_version != self._vbox[0] \
            and self._view_version is not None:
        refresh_view(self)  # its base changed since: its history is now AsStrided(base's)
    vbox = self._vbox
    for a in args:
        if isinstance(a, Tensor) and a._vbox is vbox and a is not self:
            _check_overlap(self._data, a._data)  # a view of the same memory: PyTorch refuses partial overlap
    needs_graph = _gm._State.enabled and (
        self._requires_grad or any(isinstance(a, Tensor) and a._requires_grad for a in args)
    )
    if not needs_graph:
        if fast is not None:
            try:
                fast(self._data)
            except ValueError:
                if not self._data.flags.writeable:
                    raise RuntimeError(OVERLAP_MSG) from None
                other = args[0] if args else None
                raise _inplace_shape_error(self, other) from None
            vbox[0] += 1  # graph.bump_version, inlined on this hot path
            if len(vbox) > 1:
                _hints.record_write(vbox)
            return self
        with _gm.no_grad():
            res = op(self, *args, **kwargs)
        _write(self, res)
        bump_version(vbox)
        return self
    if base is not None and self._view_version is None:
        raise RuntimeError(NO_GRAD_VIEW_MSG)

    # Record the graph: compute out of place on a snapshot of self's old identity, then adopt the result.
    snapshot = _snapshot(self)
    res = op(snapshot, *args, **kwargs)
    _write(self, res)
    bump_version(vbox)
    node = res.grad_fn
    if node is None:
        return self
    _rebind_saved_output(node, res, self)
    if base is None:
        self.grad_fn = node
        if self._output_nr:
            self._output_nr = 0
        self._requires_grad = True
    else:
        _copy_slices(self, node)
    if self._retains_grad is not False:
        move_retain_grad_hook(self, snapshot.grad_fn, snapshot._output_nr)
    return self


def _snapshot(self: Tensor) -> Tensor:
    # self's old value and graph position, in memory of its own (the op may save it for backward).
    snap = _make(self._data.copy())
    snap.grad_fn = self.grad_fn
    snap._requires_grad = self._requires_grad
    if self._output_nr:  # rarely set fields: Tensor's class defaults unless this tensor has its own
        snap._output_nr = self._output_nr
    if self._acc is not None:
        snap._acc = self._acc
    return snap


def _rebind_saved_output(node: Node, res: Tensor, self: Tensor) -> None:
    # Nodes that saved their output must now watch self's memory and version instead of the temporary's.
    saved = node._saved
    if not saved:
        return
    items, versions = saved
    changed = False
    new_items, new_versions = list(items), list(versions)
    for i, item in enumerate(items):
        if type(item) is SavedOutput and item.data is res._data:
            so = SavedOutput(self)
            new_items[i], new_versions[i] = so, so.version
            changed = True
    if changed:
        node._saved = (tuple(new_items), new_versions)


def _write(self: Tensor, res: Tensor) -> None:
    data = res._data
    _cast_check(self, data.dtype)
    if not self._data.flags.writeable:
        raise RuntimeError(OVERLAP_MSG)
    if data.shape != self._data.shape:
        try:
            data = np.broadcast_to(data, self._data.shape)
        except ValueError:
            raise _output_shape_error(self._data.shape, res._data.shape, res._data.shape) from None
    np.copyto(self._data, data, casting="unsafe")


def _dims(shape) -> str:
    return "[" + ", ".join(map(str, shape)) + "]"


def _inplace_shape_error(self: Tensor, other) -> RuntimeError:
    oshape = other._data.shape if isinstance(other, Tensor) else ()
    try:
        full = np.broadcast_shapes(self._data.shape, oshape)
    except ValueError:
        return broadcast_error(self._data.shape, oshape)
    return _output_shape_error(self._data.shape, oshape, full)


def _output_shape_error(out_shape: tuple, other_shape: tuple, full: tuple) -> RuntimeError:
    """PyTorch's message for an in-place result that would need a bigger tensor than the one written to."""
    exc = RuntimeError(f"output with shape {_dims(out_shape)} doesn't match the broadcast shape {_dims(full)}")
    return _hints.broadcast_note(exc, out_shape, other_shape, inplace=True)


# --- views changed in place: CopySlices and AsStridedBackward0 ---------------------------------------------
class _Geometry:
    """Where a view's elements lie in its base, as flat (C-order) indices into the base's logical shape."""

    __slots__ = ("base_shape", "view_shape", "view_strides", "offset", "base_strides", "_imap")

    def __init__(self, view: np.ndarray, base: np.ndarray):
        item = base.itemsize
        self.base_shape = base.shape
        self.view_shape = view.shape
        self.view_strides = tuple(s // item for s in view.strides)
        self.base_strides = tuple(s // item for s in base.strides)
        self.offset = (view.__array_interface__["data"][0] - base.__array_interface__["data"][0]) // item
        self._imap = None

    @property
    def imap(self) -> np.ndarray:
        """int64 array of the view's shape: each element's flat index in the base."""
        if self._imap is None:
            self._imap = self._index_map()
        return self._imap

    @property
    def overlapping(self) -> bool:
        return any(st == 0 and n > 1 for st, n in zip(self.view_strides, self.view_shape))

    def _index_map(self) -> np.ndarray:
        # Lay out the base's flat indices in a buffer shaped like the base's memory, then read it with the
        # view's strides from the view's offset: correct for any strided base (transposed, sliced, flipped).
        shape, strides = self.base_shape, self.base_strides
        lo = sum(min(0, (n - 1) * s) for n, s in zip(shape, strides) if n)
        hi = sum(max(0, (n - 1) * s) for n, s in zip(shape, strides) if n)
        span = max(hi - lo + 1, 1)
        as_strided = np.lib.stride_tricks.as_strided
        buf = np.zeros(span + max(0, self.offset - hi), dtype=np.int64)
        size = int(np.prod(shape)) if shape else 1
        if size:
            mirror = as_strided(buf[-lo:], shape, tuple(s * 8 for s in strides))
            mirror[...] = np.arange(size, dtype=np.int64).reshape(shape)
        out = as_strided(buf[self.offset - lo:], self.view_shape, tuple(s * 8 for s in self.view_strides))
        return np.array(out, copy=True)


def _embed_into_base(grad: Tensor, geom: _Geometry) -> Tensor:
    """Zeros of the base's shape with ``grad`` added at the view's positions (differentiable when needed)."""
    size = int(np.prod(geom.base_shape)) if geom.base_shape else 1
    if _gm._State.enabled and grad._requires_grad:
        from .indexing import _index_put_zeros
        from .shape import reshape

        return reshape(_index_put_zeros(grad, (size,), (geom.imap,)), geom.base_shape)
    flat = np.zeros(size, dtype=grad._data.dtype)
    if geom.overlapping:
        np.add.at(flat, geom.imap, grad._data)
    else:
        flat[geom.imap] = grad._data
    return _make(flat.reshape(geom.base_shape))


def _gather_from_base(grad: Tensor, geom: _Geometry) -> Tensor:
    """The view's region of a base-shaped gradient, as a new tensor (differentiable when needed)."""
    if _gm._State.enabled and grad._requires_grad:
        from .indexing import _index_key
        from .shape import reshape

        return _index_key(reshape(grad, (-1,)), (geom.imap,))
    return _make(grad._data.reshape(-1)[geom.imap])


class CopySlices(Node):
    """The base of a view that was changed in place: its gradient outside the view passes through, and
    inside the view goes through the in-place op's own Node (``fn``)."""

    def name(self) -> str:
        return "torch::autograd::CopySlices"

    def backward(self, grad):
        geom = self.geometry
        res = self.fn.backward(_gather_from_base(grad, geom))
        if type(res) is not tuple:
            res = (res,)
        first = res[0]
        if _gm._State.enabled and (grad._requires_grad or (first is not None and first._requires_grad)):
            keep = np.ones(geom.base_shape, dtype=grad._data.dtype)
            keep.reshape(-1)[geom.imap] = 0
            out = grad * _make(keep)
            if first is not None:
                out = out + _embed_into_base(first, geom)
            return (out,) + tuple(res[1:])
        g = np.array(grad._data, copy=True)
        g.reshape(-1)[geom.imap] = 0 if first is None else first._data
        return (_make(g),) + tuple(res[1:])

    def release(self) -> None:
        self.fn.release()
        Node.release(self)


class AsStridedBackward0(Node):
    """A view whose base changed in place: its gradient is embedded into zeros of the base's shape."""

    def backward(self, grad):
        return (_embed_into_base(grad, self.geometry),)


def as_strided_view_node(view: Tensor, base_edge: tuple) -> AsStridedBackward0:
    """The history PyTorch gives a view after an in-place change of its base: AsStrided of the base's."""
    node = AsStridedBackward0((base_edge,))
    node.geometry = _Geometry(view._data, view._base._data)
    return node


def _copy_slices(view: Tensor, fn: Node) -> None:
    base = view._base
    node = CopySlices((edge_of(base),) + tuple(fn.next_functions[1:]))
    node.fn, node.geometry = fn, _Geometry(view._data, base._data)
    base.grad_fn = node
    base._output_nr = 0
    base._requires_grad = True
    view_node = AsStridedBackward0(((node, 0),))
    view_node.geometry = node.geometry
    view.grad_fn = view_node
    view._output_nr = 0
    view._requires_grad = True
    view._view_version = view._vbox[0]


# --- the in-place ops --------------------------------------------------------------------------------------
def _fast_binary(ufunc, other):
    other_data = other._data if isinstance(other, Tensor) else other

    def fast(arr):
        ufunc(arr, other_data, out=arr, casting="same_kind")

    return fast


def _fast_add_alpha(other, alpha):
    """``arr += alpha * other`` rounded once, as PyTorch's fused multiply-add kernel (exact for float32)."""
    other_data = other._data if isinstance(other, Tensor) else other

    def fast(arr):
        if arr.dtype == np.float32:
            a = np.float64(np.float32(alpha))
            full = arr.astype(np.float64) + a * np.asarray(other_data, dtype=np.float32).astype(np.float64)
            np.copyto(arr, full, casting="same_kind")
        else:
            np.add(arr, np.multiply(other_data, arr.dtype.type(alpha)), out=arr, casting="same_kind")

    return fast


def _check_other(self, other):
    if isinstance(other, Tensor):
        return other
    if isinstance(other, (bool, int, float)):
        return other
    return to_tensor(other)


def _same_kind_ok(self: Tensor, other) -> bool:
    # The NumPy fast path is used only when PyTorch would compute in self's own dtype.
    sk = self._data.dtype.kind
    if isinstance(other, Tensor):
        od = other._data.dtype
        if od == self._data.dtype:
            return True
        # A 0-d float of another width would make NumPy compute in the wider type; PyTorch computes in self's.
        if sk == "f":
            return od.kind in "iub" or (od.kind == "f" and od.itemsize < self._data.dtype.itemsize)
        return False
    if sk == "f":
        return True
    return sk in "iu" and type(other) is int


def _ops():
    from . import pointwise as pw

    return pw


def add_(self, other, *, alpha=1):
    """In-place ``add``: ``self += alpha * other``."""
    other = _check_other(self, other)
    if alpha == 1:
        fast = _fast_binary(np.add, other) if _same_kind_ok(self, other) else None
        return apply_inplace(self, _ops().add, other, fast=fast)
    fast = _fast_add_alpha(other, alpha) if _same_kind_ok(self, other) else None
    return apply_inplace(self, _ops().add, other, fast=fast, alpha=alpha)


def sub_(self, other, *, alpha=1):
    """In-place ``sub``: ``self -= alpha * other``."""
    other = _check_other(self, other)
    if alpha == 1:
        fast = _fast_binary(np.subtract, other) if _same_kind_ok(self, other) else None
        return apply_inplace(self, _ops().sub, other, fast=fast)
    fast = _fast_add_alpha(other, -alpha) if _same_kind_ok(self, other) else None
    return apply_inplace(self, _ops().sub, other, fast=fast, alpha=alpha)


def mul_(self, other):
    """In-place ``mul``."""
    other = _check_other(self, other)
    fast = _fast_binary(np.multiply, other) if _same_kind_ok(self, other) else None
    return apply_inplace(self, _ops().mul, other, fast=fast)


def div_(self, other, *, rounding_mode=None):
    """In-place ``div``."""
    other = _check_other(self, other)
    if rounding_mode is None:
        if self._data.dtype.kind != "f":
            raise RuntimeError(
                f"result type Float can't be cast to the desired output type {_dt.from_numpy(self._data.dtype)._legacy}"
            )
        fast = _fast_binary(np.true_divide, other) if _same_kind_ok(self, other) else None
        return apply_inplace(self, _ops().div, other, fast=fast)
    return apply_inplace(self, _ops().div, other, rounding_mode=rounding_mode)


def pow_(self, exponent):
    """In-place ``pow``."""
    return apply_inplace(self, _ops().pow, exponent)


def clamp_(self, min=None, max=None):
    """In-place ``clamp``."""
    return apply_inplace(self, _ops().clamp, min, max)


def _unary_inplace(fn_name: str):
    def method(self):
        return apply_inplace(self, getattr(_ops(), fn_name))

    method.__name__ = fn_name + "_"
    method.__doc__ = f"In-place ``{fn_name}``: modifies and returns self."
    return method


# --- zero_ / fill_ / copy_ ---------------------------------------------------------------------------------
class ZeroBackward0(Node):
    """Zeroing discards the old values: no gradient flows back."""

    def backward(self, grad):
        return (grad * 0,)


class FillBackward2(ZeroBackward0):
    """Filling with a number discards the old values."""


class FillBackward3(Node):
    """Filling with a 0-d tensor: the old values get nothing, the value the sum of the gradient."""

    def backward(self, grad):
        from .reduction import sum as _sum

        gself = grad * 0 if self.next_functions[0][0] is not None else None
        gvalue = _sum(grad) if self.next_functions[1][0] is not None else None
        return gself, gvalue


def _fill_op(node_cls, value):
    def op(self_snapshot):
        data = np.full(self_snapshot._data.shape, value, dtype=self_snapshot._data.dtype)
        if _gm._State.enabled and self_snapshot._requires_grad:
            return result(data, node_cls((edge_of(self_snapshot),)))
        return _make(data)

    return op


def _fill_tensor_op(self_snapshot, value):
    data = np.full(self_snapshot._data.shape, value._data, dtype=self_snapshot._data.dtype)
    return result(data, FillBackward3(edges(self_snapshot, value)))


def zero_(self):
    """Set every element to zero, in place."""
    return apply_inplace(self, _fill_op(ZeroBackward0, 0), fast=lambda arr: arr.fill(0))


def fill_(self, value):
    """Set every element to ``value`` (a number or a 0-d tensor), in place."""
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with {value._data.ndim} dimensions."
            )
        v = value._data.item()
        return apply_inplace(self, _fill_tensor_op, value, fast=lambda arr: arr.fill(v))
    return apply_inplace(self, _fill_op(FillBackward2, value), fast=lambda arr: arr.fill(value))


class CopyBackwards(Node):
    """``dst.copy_(src)``: the old dst gets no gradient, src gets it (summed to src's shape, in src's dtype)."""

    def name(self) -> str:
        return "torch::autograd::CopyBackwards"

    def backward(self, grad):
        gself = grad * 0 if self.next_functions[0][0] is not None else None
        gsrc = None
        if self.next_functions[1][0] is not None:
            gsrc = sum_to(grad, self.src_shape)
            if gsrc._data.dtype != self.src_dtype:
                gsrc = gsrc.to(_dt.from_numpy(self.src_dtype))
        return gself, gsrc


def _copy_op(self_snapshot, src):
    data = np.broadcast_to(src._data, self_snapshot._data.shape).astype(self_snapshot._data.dtype)
    if _gm._State.enabled and (self_snapshot._requires_grad or src._requires_grad):
        node = CopyBackwards(edges(self_snapshot, src))
        node.src_shape, node.src_dtype = src._data.shape, src._data.dtype
        return result(data, node)
    return _make(data)


def copy_(self, src, non_blocking: bool = False):
    """Copy ``src``'s values (broadcast, converted to self's dtype) into self."""
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'other' (position 1) must be Tensor, not {type(src).__name__}")
    check_inplace(self)
    dshape, sshape = self._data.shape, src._data.shape
    if dshape != sshape:
        try:
            full = np.broadcast_shapes(dshape, sshape)
        except ValueError:
            raise broadcast_error(dshape, sshape) from None
        if full != dshape:
            raise _output_shape_error(dshape, sshape, full)

    s = src._data
    if src._vbox is not self._vbox and np.may_share_memory(self._data, s):
        _check_overlap(self._data, s)  # (same version counter: apply_inplace checks)

    def fast(arr):
        np.copyto(arr, s, casting="unsafe")

    return apply_inplace(self, _copy_op, src, fast=fast)


def _check_overlap(out: np.ndarray, arg: np.ndarray) -> None:
    """An input may be the written-to memory exactly, or not touch it at all; partial overlap is refused."""
    if (out.__array_interface__["data"][0] == arg.__array_interface__["data"][0] and out.strides == arg.strides
            and out.shape == arg.shape):
        return
    if np.shares_memory(out, arg):
        raise RuntimeError(PARTIAL_OVERLAP_MSG)


# --- setitem -----------------------------------------------------------------------------------------------
class IndexPutBackward0(Node):
    """``t[idx] = v`` with advanced indices: the overwritten positions get no gradient; v gets the rest."""

    def backward(self, grad):
        from .indexing import _index_key

        gv = None
        if self.next_functions[1][0] is not None:
            gv = sum_to(_index_key(grad, self.key), self.value_shape)
        gself = None
        if self.next_functions[0][0] is not None:
            keep = np.ones(grad._data.shape, dtype=grad._data.dtype)
            keep[self.key] = 0
            gself = grad * _make(keep)
        return gself, gv


def _strip_leading_ones(shape: tuple) -> tuple:
    i = 0
    while i < len(shape) and shape[i] == 1:
        i += 1
    return shape[i:]


def _setitem_value(self: Tensor, value) -> Tensor:
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (bool, int, float, complex, np.integer)):  # PyTorch refuses np.float32, np.bool_
        return _make(np.array(value, dtype=self._data.dtype))
    kind = type(value)
    name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    raise TypeError(f"can't assign a {name} to a {self.type()}")


def _copy_to(dst: Tensor, src: Tensor) -> None:
    """PyTorch's setitem copy: same shape copies, a 0-d value fills, else view without leading 1s + expand."""
    from .shape import expand, view

    if dst._data.shape == src._data.shape:
        copy_(dst, src)
    elif src._data.ndim == 0:
        fill_(dst, src)
    else:
        src = view(src, _strip_leading_ones(src._data.shape))
        if src._data.shape != dst._data.shape:
            src = expand(src, dst._data.shape)
        copy_(dst, src)


def setitem(self: Tensor, key, value) -> None:
    """``self[key] = value``: basic indices write through a view; advanced ones are ``index_put_``."""
    from .indexing import _apply_slicing, _normalize_key, _resolve_key
    from .shape import view

    value = _setitem_value(self, value)
    target, advanced = _apply_slicing(self, _normalize_key(key), optimize=True)
    if advanced is None:
        _copy_to(target, value)
        return
    nkey = _resolve_key(target, advanced)
    stripped = _strip_leading_ones(value._data.shape)
    if stripped != value._data.shape:
        value = view(value, stripped)
    indexed_shape = np.broadcast_to(np.empty((), dtype=np.int8), target._data.shape)[nkey].shape
    try:
        ok = np.broadcast_shapes(value._data.shape, indexed_shape) == indexed_shape
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(f"shape mismatch: value tensor of shape {_dims(value._data.shape)} cannot be broadcast "
                           f"to indexing result of shape {_dims(indexed_shape)}")
    vdata = value._data

    def fast(arr):
        arr[nkey] = vdata

    def op(snapshot, v):
        data = snapshot._data.copy()
        data[nkey] = v._data
        node = IndexPutBackward0(edges(snapshot, v))
        node.key, node.value_shape = nkey, v._data.shape
        return result(data, node)

    apply_inplace(target, op, value, fast=fast)
