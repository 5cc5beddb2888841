"""In-place ops (``add_``, ``mul_``, ``+=``, ``t[i] = v``, ``copy_``, ``zero_`` …) with PyTorch's checks.

An in-place op is its out-of-place op plus three rules:
1. With grad mode on, a leaf that requires grad (or a view of one) must not change: RuntimeError.
2. The tensor's version counter goes up, so a Node that saved it notices the change at backward time.
3. When the graph is recorded, the tensor takes the op's Node as its new ``grad_fn``; if it is a view, its
   base gets a ``CopySlices`` node (the base's gradient, with the view's region replaced by the op's).
Under ``no_grad`` (the optimizer's update) only rule 2 applies: a plain NumPy write, nothing else.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..autograd import grad_mode as _gm
from ..autograd.graph import Node, SavedOutput, edge_of
from ..tensor import Tensor
from ._helpers import _make, broadcast_error, result, to_tensor

LEAF_MSG = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_OF_LEAF_MSG = "a view of a leaf Variable that requires grad is being used in an in-place operation."


def check_inplace(self: Tensor) -> None:
    """Refuse to modify (a view of) a leaf that requires grad while grad mode is on."""
    if not _gm._State.enabled:
        return
    base = self._base
    if base is not None:
        if base.grad_fn is None and base._requires_grad:
            raise RuntimeError(VIEW_OF_LEAF_MSG)
    elif self.grad_fn is None and self._requires_grad:
        raise RuntimeError(LEAF_MSG)


def _cast_check(self: Tensor, result_dtype) -> None:
    """PyTorch refuses in-place results that would need a lossy cast (float result into an int tensor)."""
    sd = self._data.dtype
    if result_dtype == sd:
        return
    rk, sk = np.dtype(result_dtype).kind, sd.kind
    order = {"b": 0, "u": 1, "i": 1, "f": 2}
    if order[rk] > order[sk]:
        raise RuntimeError(
            f"result type {_dt.from_numpy(result_dtype)._legacy} can't be cast to the desired output type "
            f"{_dt.from_numpy(sd)._legacy}"
        )


def apply_inplace(self: Tensor, op, *args, fast=None, **kwargs) -> Tensor:
    """Make ``self`` hold ``op(self, *args)``; ``fast(array)`` may write the result directly (no graph)."""
    check_inplace(self)
    needs_graph = _gm._State.enabled and (
        self._requires_grad or any(isinstance(a, Tensor) and a._requires_grad for a in args)
    )
    if not needs_graph:
        if fast is not None:
            try:
                fast(self._data)
            except ValueError:
                other = args[0] if args else None
                raise _inplace_shape_error(self, other) from None
            self._vbox[0] += 1
            return self
        with _gm.no_grad():
            res = op(self, *args, **kwargs)
        _write(self, res)
        self._vbox[0] += 1
        return self

    # Record the graph: compute out of place on a snapshot of self's old identity, then adopt the result.
    snapshot = _snapshot(self)
    res = op(snapshot, *args, **kwargs)
    _write(self, res)
    self._vbox[0] += 1
    node = res.grad_fn
    if node is None:
        return self
    _rebind_saved_output(node, res, self)
    if self._base is None:
        self.grad_fn = node
        self._output_nr = 0
        self._requires_grad = True
    else:
        _copy_slices(self, node)
    return self


def _snapshot(self: Tensor) -> Tensor:
    snap = _make(self._data.copy())
    snap.grad_fn = self.grad_fn
    snap._output_nr = self._output_nr
    snap._requires_grad = self._requires_grad
    snap._acc = self._acc
    if self.grad_fn is None and self._requires_grad:
        # A leaf modified under grad mode never gets here (check_inplace), but keep the edge honest.
        from ..autograd.graph import accumulator_of

        accumulator_of(self)
        snap._acc = self._acc
    return snap


def _rebind_saved_output(node: Node, res: Tensor, self: Tensor) -> None:
    # Nodes that saved their output must now watch self's memory and version instead of the temporary's.
    saved = node._saved
    if not saved or saved is None:
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
    if data.shape != self._data.shape:
        try:
            data = np.broadcast_to(data, self._data.shape)
        except ValueError:
            raise RuntimeError(
                f"output with shape [{', '.join(map(str, self._data.shape))}] doesn't match the broadcast shape "
                f"[{', '.join(map(str, res._data.shape))}]"
            ) from None
    np.copyto(self._data, data, casting="unsafe")


def _inplace_shape_error(self: Tensor, other) -> RuntimeError:
    oshape = other._data.shape if isinstance(other, Tensor) else ()
    try:
        full = np.broadcast_shapes(self._data.shape, oshape)
    except ValueError:
        return broadcast_error(self._data.shape, oshape)
    return RuntimeError(
        f"output with shape [{', '.join(map(str, self._data.shape))}] doesn't match the broadcast shape "
        f"[{', '.join(map(str, full))}]"
    )


# --- views: CopySlices --------------------------------------------------------------------------------------
def _geometry(view: np.ndarray, base: np.ndarray):
    """Where ``view`` lies inside (contiguous) ``base``: (shape, element strides, element offset)."""
    item = base.itemsize
    offset = (view.__array_interface__["data"][0] - base.__array_interface__["data"][0]) // item
    return view.shape, tuple(s // item for s in view.strides), offset


def _strided(arr: np.ndarray, geom) -> np.ndarray:
    shape, strides, offset = geom
    flat = arr.reshape(-1)
    item = arr.itemsize
    return np.lib.stride_tricks.as_strided(flat[offset:], shape, tuple(s * item for s in strides))


class CopySlices(Node):
    """The base of a view that was changed in place: its gradient outside the view passes through, and
    inside the view goes through the in-place op's own Node."""

    def backward(self, grad):
        g = np.array(grad._data, copy=True)
        region = _strided(g, self.geometry)
        view_grad = _make(np.array(region, copy=True))
        res = self.fn.backward(view_grad)
        if type(res) is not tuple:
            res = (res,)
        first = res[0]
        region[...] = 0 if first is None else first._data
        return (_make(g),) + tuple(res[1:])


class AsStridedBackward0(Node):
    """A view regenerated from its modified base: embed its gradient into zeros of the base's shape."""

    def backward(self, grad):
        g = np.zeros(self.base_shape, dtype=grad._data.dtype)
        _strided(g, self.geometry)[...] += grad._data
        return (_make(g),)


def _copy_slices(view: Tensor, fn: Node) -> None:
    base = view._base
    geom = _geometry(view._data, base._data)
    node = CopySlices((edge_of(base),) + tuple(fn.next_functions[1:]))
    node.fn, node.geometry = fn, geom
    base.grad_fn = node
    base._output_nr = 0
    base._requires_grad = True
    view_node = AsStridedBackward0(((node, 0),))
    view_node.base_shape, view_node.geometry = base._data.shape, geom
    view.grad_fn = view_node
    view._output_nr = 0
    view._requires_grad = True


# --- the in-place ops --------------------------------------------------------------------------------------
def _fast_binary(ufunc, other, alpha=1):
    if isinstance(other, Tensor):
        other_data = other._data
    else:
        other_data = other
    if alpha != 1:
        def fast(arr):
            ufunc(arr, np.multiply(other_data, alpha), out=arr, casting="same_kind")
    else:
        def fast(arr):
            ufunc(arr, other_data, out=arr, casting="same_kind")
    return fast


def _binary_inplace(name, ufunc, op):
    def method(self, other, *, alpha=1):
        other = _check_other(self, other)
        fast = _fast_binary(ufunc, other, alpha) if _same_kind_ok(self, other) else None
        if alpha != 1:
            return apply_inplace(self, op, other, fast=fast, alpha=alpha)
        return apply_inplace(self, op, other, fast=fast)

    method.__name__ = name
    method.__doc__ = f"In-place ``{name[:-1]}``: modifies and returns self."
    return method


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
        ok = other._data.dtype.kind
        if sk == "f":
            return ok in "fiub" and (ok != "f" or other._data.dtype.itemsize <= self._data.dtype.itemsize
                                     or other._data.ndim == 0)
        return ok == sk and other._data.dtype == self._data.dtype
    if sk == "f":
        return True
    return sk in "iu" and type(other) is int


def _true_div_fast(other):
    od = other._data if isinstance(other, Tensor) else other

    def fast(arr):
        if arr.dtype.kind != "f":
            raise _DtypeError
        np.true_divide(arr, od, out=arr, casting="same_kind")

    return fast


class _DtypeError(Exception):
    pass


def _ops():
    from . import pointwise as pw

    return pw


def add_(self, other, *, alpha=1):
    """In-place ``add``."""
    pw = _ops()
    other = _check_other(self, other)
    fast = _fast_binary(np.add, other, alpha) if _same_kind_ok(self, other) else None
    return apply_inplace(self, pw.add, other, fast=fast, alpha=alpha) if alpha != 1 else \
        apply_inplace(self, pw.add, other, fast=fast)


def sub_(self, other, *, alpha=1):
    """In-place ``sub``."""
    pw = _ops()
    other = _check_other(self, other)
    fast = _fast_binary(np.subtract, other, alpha) if _same_kind_ok(self, other) else None
    return apply_inplace(self, pw.sub, other, fast=fast, alpha=alpha) if alpha != 1 else \
        apply_inplace(self, pw.sub, other, fast=fast)


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
        fast = _true_div_fast(other) if _same_kind_ok(self, other) else None
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


class ZeroBackward0(Node):
    """Zeroing discards the old values: no gradient flows back."""

    def backward(self, grad):
        return (grad * 0,)


class FillBackward0(ZeroBackward0):
    """Filling with a number discards the old values."""


def _fill_op(node_cls, value):
    def op(self_snapshot):
        data = np.full(self_snapshot._data.shape, value, dtype=self_snapshot._data.dtype)
        if _gm._State.enabled and self_snapshot._requires_grad:
            return result(data, node_cls((edge_of(self_snapshot),)))
        return _make(data)

    return op


def zero_(self):
    """Set every element to zero, in place."""
    return apply_inplace(self, _fill_op(ZeroBackward0, 0), fast=lambda arr: arr.fill(0))


def fill_(self, value):
    """Set every element to ``value``, in place."""
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with {value._data.ndim} dimensions."
            )
        if value._requires_grad and _gm._State.enabled:
            return copy_(self, value)
        value = value._data.item()
    return apply_inplace(self, _fill_op(FillBackward0, value), fast=lambda arr: arr.fill(value))


class CopyBackwards(Node):
    """``dst.copy_(src)``: the old dst gets no gradient, src gets it (summed to src's shape, in src's dtype)."""

    def backward(self, grad):
        from ._helpers import sum_to

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
        from ._helpers import edges

        node = CopyBackwards(edges(self_snapshot, src))
        node.src_shape, node.src_dtype = src._data.shape, src._data.dtype
        return result(data, node)
    return _make(data)


def copy_(self, src, non_blocking: bool = False):
    """Copy ``src``'s values (broadcast, converted to self's dtype) into self."""
    src = to_tensor(src)
    try:
        np.broadcast_shapes(src._data.shape, self._data.shape)
        if np.broadcast_shapes(src._data.shape, self._data.shape) != self._data.shape:
            raise ValueError
    except ValueError:
        raise RuntimeError(
            f"The size of tensor a ({self._data.shape[-1] if self._data.ndim else 1}) must match the size of "
            f"tensor b ({src._data.shape[-1] if src._data.ndim else 1}) at non-singleton dimension "
            f"{max(self._data.ndim - 1, 0)}"
        ) from None

    def fast(arr):
        np.copyto(arr, src._data, casting="unsafe")

    check_inplace(self)
    if not (_gm._State.enabled and (self._requires_grad or src._requires_grad)):
        if np.shares_memory(self._data, src._data):
            data = src._data.copy()
            np.copyto(self._data, data, casting="unsafe")
        else:
            fast(self._data)
        self._vbox[0] += 1
        return self
    return apply_inplace(self, _copy_op, src)


# --- setitem -----------------------------------------------------------------------------------------------
class IndexPutBackward0(Node):
    """``t[idx] = v`` with advanced indices: the overwritten positions get no gradient; v gets the rest."""

    def backward(self, grad):
        from ._helpers import sum_to

        g = np.array(grad._data, copy=True)
        gv = None
        if self.next_functions[1][0] is not None:
            picked = _make(np.array(g[self.key], copy=True))
            gv = sum_to(picked, self.value_shape)
        g[self.key] = 0
        return _make(g), gv


def setitem(self: Tensor, key, value) -> None:
    """``self[key] = value``: basic indices copy into a view; advanced ones use index_put."""
    from .indexing import _basic_getitem, _is_advanced, _normalize_key, _numpy_key

    k = _normalize_key(key)
    value_t = value if isinstance(value, Tensor) else None
    if not any(_is_advanced(i) for i in k):
        view = _basic_getitem(self, k) if self._data.ndim or k not in ((), (Ellipsis,)) else self
        if view is not self and view._base is None:
            view._base = self
        if value_t is None:
            value_t = _make(np.asarray(value, dtype=self._data.dtype))
        copy_(view, value_t)
        return
    nkey = _numpy_key(self, k)
    if not _gm._State.enabled or not (self._requires_grad or (value_t is not None and value_t._requires_grad)):
        try:
            self._data[nkey] = value_t._data if value_t is not None else value
        except IndexError as e:
            raise IndexError(str(e)) from None
        self._vbox[0] += 1
        return
    check_inplace(self)
    if value_t is None:
        value_t = _make(np.asarray(value, dtype=self._data.dtype))

    def op(snapshot, v):
        data = snapshot._data.copy()
        data[nkey] = v._data
        from ._helpers import edges

        node = IndexPutBackward0(edges(snapshot, v))
        node.key, node.value_shape = nkey, v._data.shape
        return result(data, node)

    apply_inplace(self, op, value_t)
