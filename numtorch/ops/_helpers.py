"""What every op module shares: wrapping results, deciding whether to record a Node, undoing broadcasting,
and PyTorch's messages for mismatched shapes."""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..autograd import grad_mode as _gm
from ..autograd.graph import Node, edge_of
from ..hints import broadcast_note
from ..tensor import Tensor, _wrap_dim

_make = Tensor._make
_State = _gm._State  # the grad-mode switch, read by every op
_NP_TO_DTYPE = {d.np_type: d for d in _dt.ALL}
_NONE_EDGE = (None, 0)


def graph_needed(*args) -> bool:
    """True when grad mode is on and some Tensor argument requires grad: only then is a Node recorded."""
    if _State.enabled:
        for a in args:
            if isinstance(a, Tensor) and a._requires_grad:
                return True
    return False


def edges(*args) -> tuple:
    """``next_functions`` for a Node whose inputs are ``args`` (None edges for numbers and constants)."""
    if len(args) == 2:  # binary ops, the commonest: no loop
        a, b = args
        return (edge_of(a) if isinstance(a, Tensor) else _NONE_EDGE,
                edge_of(b) if isinstance(b, Tensor) else _NONE_EDGE)
    return tuple([edge_of(a) if isinstance(a, Tensor) else _NONE_EDGE for a in args])


def result(data: np.ndarray, node: Node | None = None) -> Tensor:
    """Wrap ``data`` as an op's output; with ``node`` it becomes a non-leaf that requires grad."""
    if node is None:
        return _make(data)
    t = _make(data, True)
    t.grad_fn = node
    return t


def to_tensor(x, dtype: _dt.dtype | None = None) -> Tensor:
    """A Tensor for ``x`` (Tensors pass through; numbers and lists become constants)."""
    if isinstance(x, Tensor):
        return x
    if dtype is None and isinstance(x, np.ndarray):
        _dt.from_numpy(x.dtype)  # PyTorch's error for dtypes it has no match for
        return _make(x)  # an ndarray keeps its dtype, as torch.as_tensor does
    if dtype is None:
        dtype = _dt.scalar_dtype(x) if isinstance(x, (bool, int, float)) else None
    data = np.asarray(x, dtype=None if dtype is None else dtype.np_type)
    if dtype is None:
        if data.dtype == np.float64:
            data = data.astype(_dt.get_default_dtype().np_type)
        elif data.dtype.kind in "iu" and data.dtype != np.uint8:
            data = data.astype(np.int64)
    return _make(data)


# (gradient shape, input shape) -> the axes that broadcasting added or stretched, for sum_to.
_summed_axes: dict = {}


def sum_to(grad: Tensor, shape: tuple, dtype=None) -> Tensor:
    """Undo broadcasting: sum ``grad`` over the dimensions that broadcasting added or stretched; with ``dtype``
    (an input's NumPy dtype that differs from the result's) also cast it back, as PyTorch's engine does."""
    gshape = grad._data.shape
    if gshape != shape:
        axes = _summed_axes.get((gshape, shape))
        if axes is None:
            lead = len(gshape) - len(shape)
            axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape) if s == 1 and gshape[i + lead] != 1)
            if len(_summed_axes) < 1024:  # a training loop meets the same few pairs of shapes in every step
                _summed_axes[(gshape, shape)] = axes
        if not _State.enabled and grad._data.dtype.kind == "f":
            # Nothing records this backward (no create_graph): the same sum and reshape on the array, without
            # the two ops' argument handling, which costs more than the arithmetic on small tensors.
            data = np.add.reduce(grad._data, axis=axes, keepdims=True) if axes else grad._data
            grad = _make(data.reshape(shape))
        else:
            if axes:
                grad = _reduction.sum(grad, axes, keepdim=True)
            if grad._data.shape != shape:
                grad = _shape.reshape(grad, shape)
    if dtype is not None and grad._data.dtype != dtype:
        grad = _shape.to_dtype(grad, _NP_TO_DTYPE[np.dtype(dtype)])
    return grad


def broadcast_error(a_shape: tuple, b_shape: tuple) -> RuntimeError:
    """PyTorch's message for shapes that do not broadcast (the rightmost clashing dimension)."""
    n = max(len(a_shape), len(b_shape))
    for i in range(n - 1, -1, -1):
        ai = i - (n - len(a_shape))
        bi = i - (n - len(b_shape))
        sa = a_shape[ai] if ai >= 0 else 1
        sb = b_shape[bi] if bi >= 0 else 1
        if sa != sb and sa != 1 and sb != 1:
            return broadcast_note(RuntimeError(
                f"The size of tensor a ({sa}) must match the size of tensor b ({sb}) at non-singleton dimension {i}"
            ), a_shape, b_shape)
    return broadcast_note(RuntimeError(f"shapes {list(a_shape)} and {list(b_shape)} cannot be broadcast together"),
                          a_shape, b_shape)


def operands(a, b):
    """Arrays (or numbers) for a binary op, cast to PyTorch's result dtype; returns (x, y, np_dtype)."""
    ta = type(a) is Tensor or isinstance(a, Tensor)
    tb = type(b) is Tensor or isinstance(b, Tensor)
    if ta and tb:
        x, y = a._data, b._data
        if x.dtype is y.dtype or x.dtype == y.dtype:
            return x, y, x.dtype
        rt = _dt.result_type(a, b).np_type
        return x.astype(rt, copy=False), y.astype(rt, copy=False), rt
    if ta:
        x = a._data
        kind = x.dtype.kind
        tb_ = type(b)
        if kind == "f" and (tb_ is float or tb_ is int):
            return x, b, x.dtype
        if kind in "iu" and tb_ is int:
            if x.dtype.itemsize < 8 or kind == "u":
                b = _wrap_int(b, x.dtype)
            return x, b, x.dtype
        if kind == "b" and tb_ is bool:
            return x, b, x.dtype
        if not isinstance(b, (bool, int, float)):
            if isinstance(b, np.ndarray):
                # PyTorch hands tensor-with-ndarray arithmetic to NumPy: NumPy's promotion decides.
                rt = np.result_type(x, b)
                return x.astype(rt, copy=False), b.astype(rt, copy=False), rt
            if b is None or isinstance(b, (str, bytes, dict, set)):
                raise TypeError(f"unsupported operand type(s): 'Tensor' and '{type(b).__name__}'")
            b = to_tensor(b)
            return operands(a, b)
        rt = _dt.result_type(a, b).np_type
        return x.astype(rt, copy=False), rt.type(b), rt
    if tb:
        y, x, rt = operands(b, a)
        return x, y, rt
    a = to_tensor(a)
    return operands(a, b)


def _wrap_int(value: int, np_dtype):
    """A Python int as the tensor's integer type, wrapping around as PyTorch's C cast does (uint8 + 300)."""
    info = np.iinfo(np_dtype)
    if info.min <= value <= info.max:
        return value
    return np.array(value, dtype=np.int64).astype(np_dtype)[()]


def as_float_dtype(np_dtype):
    """The dtype of a float-valued op (exp, sqrt, true division) on this input dtype."""
    if np_dtype.kind == "f":
        return np_dtype
    return _dt.get_default_dtype().np_type


def dim_list(dim, ndim: int) -> tuple:
    """Normalise ``dim`` (int, sequence or None) to a sorted tuple of non-negative axes."""
    if dim is None:
        return tuple(range(ndim))
    if type(dim) is int and 0 <= dim < ndim:
        return (dim,)
    if isinstance(dim, (int, np.integer)):
        return (_wrap_dim(int(dim), ndim),)
    axes = tuple(sorted(_wrap_dim(int(d), ndim) for d in dim))
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"dim {axes[0]} appears multiple times in the list of dims")
    return axes


# The ops sum_to is written with; they import this module first, so they come last.
from . import reduction as _reduction  # noqa: E402
from . import shape as _shape  # noqa: E402
