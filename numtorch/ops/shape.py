"""Shape ops: view reshape flatten squeeze unsqueeze transpose permute t expand repeat cat stack split
chunk narrow unbind clone contiguous and dtype conversion.

Views (view, transpose, expand, …) share memory and the version counter with their base tensor, as in
PyTorch: NumPy views already share memory, so the only extra work is remembering the base.
"""

from __future__ import annotations

import builtins

import numpy as np

from .. import dtypes as _dt
from ..autograd import grad_mode as _gm
from ..autograd.graph import Node
from ..tensor import Tensor, _wrap_dim
from ._helpers import _make, edges, result, sum_to


def _view_of(input: Tensor, data: np.ndarray, node: Node | None) -> Tensor:
    """An output that views ``input``'s memory: same base, same version counter."""
    t = result(data, node)
    t._base = input._base if input._base is not None else input
    t._vbox = input._vbox
    # The version this view's grad_fn reflects (None: made under no_grad); see autograd.graph.edge_of.
    t._view_version = input._vbox[0] if _gm._State.enabled else None
    return t


def broadcast_scalar(x, shape: tuple) -> np.ndarray:
    """``np.broadcast_to`` for a 0-d array (or NumPy scalar): a read-only view with all strides 0, made
    directly (a reduction's gradient is expanded this way in every backward pass; broadcast_to costs ~2 µs)."""
    data = np.ndarray(shape, x.dtype, x, 0, (0,) * len(shape))
    data.setflags(write=False)
    return data


def _graph(input: Tensor) -> bool:
    return _gm._State.enabled and input._requires_grad


def _shape_arg(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    out = []
    for s in shape:
        if type(s) is not int:
            s = int(s.item() if isinstance(s, Tensor) else s)
        out.append(s)
    return tuple(out)


def _infer_shape(shape: tuple, numel: int) -> tuple:
    """Resolve one ``-1`` in ``shape`` and check the element count (PyTorch's messages)."""
    infer = None
    known = 1
    for i, s in enumerate(shape):
        if s == -1:
            if infer is not None:
                raise RuntimeError("only one dimension can be inferred")
            infer = i
        elif s < 0:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {_fmt(shape)}")
        else:
            known *= s
    if known == numel and infer is None:
        return shape
    if infer is not None and (known == numel or (known > 0 and numel % known == 0)):
        if known == 0:
            raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {_fmt(shape)} because the "
                               "unspecified dimension size -1 can be any value and is ambiguous")
        return shape[:infer] + (numel // known,) + shape[infer + 1:]
    raise RuntimeError(f"shape '{_fmt(shape)}' is invalid for input of size {numel}")


def _fmt(shape) -> str:
    return "[" + ", ".join(map(str, shape)) + "]"


class ViewBackward0(Node):
    """A view changes only the shape: reshape the gradient back."""

    def backward(self, grad):
        return (reshape(grad, self.shape),)


class UnsafeViewBackward0(ViewBackward0):
    """``reshape`` that had to copy: reshape the gradient back."""


def view(input, *shape) -> Tensor:
    """Same data, new shape (must be expressible without copying)."""
    if len(shape) == 1 and isinstance(shape[0], _dt.dtype):
        return _make(input._data.view(shape[0].np_type))
    shape = _infer_shape(_shape_arg(shape), input._data.size)
    x = input._data
    data = x.view()
    try:
        data.shape = shape
    except AttributeError:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension spans "
            "across two contiguous subspaces). Use .reshape(...) instead."
        ) from None
    node = None
    if _graph(input):
        node = ViewBackward0(edges(input))
        node.shape = x.shape
    return _view_of(input, data, node)


def reshape(input, *shape) -> Tensor:
    """New shape; a view when possible, else a copy."""
    shape = _infer_shape(_shape_arg(shape), input._data.size)
    x = input._data
    data = x.view()
    try:
        data.shape = shape
    except AttributeError:
        copy = clone(input, memory_format=None)
        data = copy._data.reshape(shape)
        if _graph(copy):
            node = UnsafeViewBackward0(edges(copy))
            node.shape = x.shape
            return result(data, node)
        return _make(data)
    node = None
    if _graph(input):
        node = ViewBackward0(edges(input))
        node.shape = x.shape
    return _view_of(input, data, node)


def _unsafe_view(input, shape) -> Tensor:
    """``at::_unsafe_view``: reshape a fresh result, recorded as UnsafeViewBackward0 and not tracked as a view."""
    x = input._data
    data = x.reshape(shape)
    if _graph(input):
        node = UnsafeViewBackward0(edges(input))
        node.shape = x.shape
        return result(data, node)
    return _make(data)


def view_as(input, other) -> Tensor:
    """``view(other.shape)``."""
    return view(input, other._data.shape)


def reshape_as(input, other) -> Tensor:
    """``reshape(other.shape)``."""
    return reshape(input, other._data.shape)


def flatten(input, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim..end_dim`` into one."""
    shape = input._data.shape
    if not shape:
        return reshape(input, (1,))
    s = _wrap_dim(start_dim, len(shape))
    e = _wrap_dim(end_dim, len(shape))
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    n = 1
    for d in shape[s:e + 1]:
        n *= d
    return reshape(input, shape[:s] + (n,) + shape[e + 1:])


def unflatten(input, dim: int, sizes) -> Tensor:
    """Split dim ``dim`` into ``sizes``."""
    shape = input._data.shape
    d = _wrap_dim(dim, len(shape))
    sizes = tuple(int(v) for v in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    known = 1
    for v in sizes:
        known *= v if v != -1 else 1
    if -1 not in sizes and known != shape[d]:
        raise RuntimeError(f"unflatten: Provided sizes {_fmt(sizes)} don't multiply up to the size of dim {d} "
                           f"({shape[d]}) in the input tensor")
    sizes = _infer_shape(sizes, shape[d])
    return view(input, shape[:d] + sizes + shape[d + 1:])


def ravel(input) -> Tensor:
    """Flatten to 1-d."""
    return reshape(input, (-1,))


class UnsqueezeBackward0(Node):
    """Undo the inserted dim."""

    def backward(self, grad):
        return (squeeze(grad, self.dim),)


def unsqueeze(input, dim=None, *, axis=None) -> Tensor:
    """Insert a dim of size 1 at ``dim``."""
    if axis is not None:  # NumPy's name, which PyTorch accepts too
        dim = axis
    if dim is None:
        raise TypeError("unsqueeze() missing 1 required positional argument: 'dim'")
    x = input._data
    d = _wrap_dim(dim, x.ndim + 1)
    data = x.reshape(x.shape[:d] + (1,) + x.shape[d:])  # what np.expand_dims does, without its checks
    node = None
    if _graph(input):
        node = UnsqueezeBackward0(edges(input))
        node.dim = d
    return _view_of(input, data, node)


class SqueezeBackward0(Node):
    """``squeeze()`` of all size-1 dims: reshape the gradient back."""

    def backward(self, grad):
        return (reshape(grad, self.shape),)


class SqueezeBackward1(Node):
    """``squeeze(dim)``: put the dim back (if it was removed)."""

    def backward(self, grad):
        if self.removed:
            return (unsqueeze(grad, self.dim),)
        return (grad,)


class SqueezeBackward2(SqueezeBackward0):
    """``squeeze(dims)``: reshape the gradient back."""


class SqueezeBackward4(SqueezeBackward1):
    """In-place ``squeeze_(dim)`` (what ``matmul`` of a vector and a matrix ends with)."""


def squeeze(input, dim=None, *, axis=None) -> Tensor:
    """Remove dims of size 1 (all, or only ``dim``)."""
    if axis is not None:  # NumPy's name, which PyTorch accepts too
        dim = axis
    x = input._data
    if dim is None:
        data = np.squeeze(x)
        node = None
        if _graph(input):
            node = SqueezeBackward0(edges(input))
            node.shape = x.shape
        return _view_of(input, data, node)
    if isinstance(dim, (tuple, list)):
        axes = tuple(_wrap_dim(d, x.ndim) for d in dim)
        data = np.squeeze(x, tuple(a for a in axes if x.shape[a] == 1)) if x.ndim else x.view()
        node = None
        if _graph(input):
            node = SqueezeBackward2(edges(input))
            node.shape = x.shape
        return _view_of(input, data, node)
    return _squeeze_dim(input, dim, SqueezeBackward1)


def _squeeze_dim(input, dim: int, node_cls) -> Tensor:
    x = input._data
    d = _wrap_dim(dim, x.ndim)
    removed = x.ndim > 0 and x.shape[d] == 1
    data = np.squeeze(x, d) if removed else x.view()
    node = None
    if _graph(input):
        node = node_cls(edges(input))
        node.dim, node.removed = d, removed
    if node_cls is SqueezeBackward4:  # in place on a fresh result (matmul): the result is no view
        return result(data, node)
    return _view_of(input, data, node)


class TransposeBackward0(Node):
    """Transpose the gradient back."""

    def backward(self, grad):
        return (transpose(grad, self.d0, self.d1),)


def transpose(input, dim0: int, dim1: int) -> Tensor:
    """Swap two dims (a view)."""
    x = input._data
    n = x.ndim
    d0, d1 = _wrap_dim(dim0, n), _wrap_dim(dim1, n)
    data = np.swapaxes(x, d0, d1) if n else x.view()
    node = None
    if _graph(input):
        node = TransposeBackward0(edges(input))
        node.d0, node.d1 = d0, d1
    return _view_of(input, data, node)


swapaxes = swapdims = transpose


class TBackward0(Node):
    """``t()`` is its own inverse."""

    def backward(self, grad):
        if not _gm._State.enabled:
            # A plain backward records nothing: the transposed array alone, without a view's link to ``grad``
            # (so that AccumulateGrad can take a weight's gradient over instead of copying it).
            g = grad._data
            return (_make(g.T if g.ndim == 2 else g.view()),)
        return (t(grad),)


def t(input) -> Tensor:
    """Transpose a matrix (0-d and 1-d tensors are returned as they are)."""
    x = input._data
    if x.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x.ndim}D")
    data = x.T if x.ndim == 2 else x.view()
    node = None
    if _graph(input):
        node = TBackward0(edges(input))
    return _view_of(input, data, node)


class PermuteBackward0(Node):
    """Apply the inverse permutation to the gradient."""

    def backward(self, grad):
        inv = [0] * len(self.dims)
        for i, d in enumerate(self.dims):
            inv[d] = i
        return (permute(grad, inv),)


def permute(input, *dims) -> Tensor:
    """Reorder dims (a view)."""
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    x = input._data
    if len(dims) != x.ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the length of the "
            f"desired ordering of dimensions i.e. input.dim() = {x.ndim} is not equal to len(dims) = {len(dims)}"
        )
    dims = tuple(_wrap_dim(d, x.ndim) for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    data = np.transpose(x, dims)
    node = None
    if _graph(input):
        node = PermuteBackward0(edges(input))
        node.dims = dims
    return _view_of(input, data, node)


def movedim(input, source, destination) -> Tensor:
    """Move dims to new positions."""
    n = input._data.ndim
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    perm = list(range(n))
    src = [_wrap_dim(s, n) for s in src]
    dst = [_wrap_dim(d, n) for d in dst]
    rest = [i for i in perm if i not in src]
    out = [None] * n
    for s, d in zip(src, dst):
        out[d] = s
    it = iter(rest)
    out = [o if o is not None else next(it) for o in out]
    return permute(input, out)


moveaxis = movedim


def adjoint(input) -> Tensor:
    """Swap the last two dims."""
    return transpose(input, -2, -1)


class ExpandBackward0(Node):
    """Sum the gradient over the broadcast dims."""

    def backward(self, grad):
        return (sum_to(grad, self.shape),)


def expand(input, *sizes) -> Tensor:
    """Broadcast to a larger shape without copying (``-1`` keeps a dim)."""
    x = input._data
    if not x.ndim and len(sizes) == 1 and type(sizes[0]) is tuple and all(type(s) is int and s >= 0 for s in sizes[0]):
        # A reduction's gradient spread back over its input, in every backward pass: every size is a new
        # leading dim, so there is nothing to check (a negative size takes the general path for its message).
        target = sizes[0]
        node = None
        if _graph(input):
            node = ExpandBackward0(edges(input))
            node.shape = ()
        return _view_of(input, broadcast_scalar(x, target) if target else x.view(), node)
    sizes = _shape_arg(sizes)
    if len(sizes) < x.ndim:
        raise RuntimeError(
            f"expand(torch.{_dt.from_numpy(x.dtype)._legacy}Tensor{{[{', '.join(map(str, x.shape))}]}}, "
            f"size=[{', '.join(map(str, sizes))}]): the number of sizes provided ({len(sizes)}) must be greater "
            f"or equal to the number of dimensions in the tensor ({x.ndim})"
        )
    lead = len(sizes) - x.ndim
    target = list(sizes)
    # PyTorch checks from the last dim backwards, so the message names the rightmost clash.
    for i in range(len(sizes) - 1, -1, -1):
        s = sizes[i]
        if i < lead:
            if s < 0:
                raise RuntimeError(
                    f"The expanded size of the tensor ({s}) isn't allowed in a leading, non-existing dimension {i}"
                )
            continue
        cur = x.shape[i - lead]
        if s == -1:
            target[i] = cur
        elif cur != s and cur != 1:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at non-singleton "
                f"dimension {i}.  Target sizes: [{', '.join(map(str, sizes))}].  Tensor sizes: "
                f"[{', '.join(map(str, x.shape))}]"
            )
    target = tuple(target)
    if target == x.shape:
        data = x.view()
    elif not x.ndim:
        data = broadcast_scalar(x, target)
    else:
        data = np.broadcast_to(x, target)
    node = None
    if _graph(input):
        node = ExpandBackward0(edges(input))
        node.shape = x.shape
    return _view_of(input, data, node)


def expand_as(input, other) -> Tensor:
    """``expand(other.shape)``."""
    return expand(input, other._data.shape)


def broadcast_to(input, shape) -> Tensor:
    """``expand(shape)``."""
    return expand(input, tuple(shape))


def broadcast_tensors(*tensors):
    """Expand tensors to one common shape."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = ()
    for t in tensors:
        try:
            shape = np.broadcast_shapes(shape, t._data.shape)
        except ValueError:
            from ._helpers import broadcast_error

            raise broadcast_error(shape, t._data.shape) from None
    return tuple(expand(t, shape) for t in tensors)


def broadcast_shapes(*shapes):
    """The shape that ``shapes`` broadcast to."""
    from ..tensor import Size

    shapes = [(s,) if isinstance(s, int) else tuple(s) for s in shapes]
    out = ()
    for k, shape in enumerate(shapes):
        try:
            out = np.broadcast_shapes(out, shape)
        except ValueError:
            for i in range(1, len(shape) + 1):
                if shape[-i] != 1 and i <= len(out) and out[-i] not in (1, shape[-i]):
                    raise RuntimeError(
                        f"Attempting to broadcast a dimension of length {shape[-i]} at -{i}! Mismatching argument at "
                        f"index {k} had {tuple(shape)}; but expected shape should be broadcastable to {_fmt(out)}"
                    ) from None
            raise
    return Size(out)


class RepeatBackward0(Node):
    """Sum the gradient over the tiled copies."""

    def backward(self, grad):
        shape, reps = self.shape, self.reps
        lead = len(reps) - len(shape)
        full = (1,) * lead + shape
        split = []
        for r, s in zip(reps, full):
            split += [r, s]
        g = reshape(grad, tuple(split))
        from .reduction import sum as _sum

        g = _sum(g, tuple(range(0, len(split), 2)))
        return (reshape(g, shape),)


def repeat(input, *sizes) -> Tensor:
    """Tile the tensor ``sizes`` times along each dim."""
    if not sizes:
        raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
    reps = _shape_arg(sizes)
    x = input._data
    if len(reps) < x.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"
        )
    if builtins.any(r < 0 for r in reps):
        full = (1,) * (len(reps) - x.ndim) + x.shape
        target = [r * s for r, s in zip(reps, full)]
        bad = next(v for v in target if v < 0)
        raise RuntimeError(f"Trying to create tensor with negative dimension {bad}: {_fmt(target)}")
    data = np.tile(x, reps)
    if _graph(input):
        node = RepeatBackward0(edges(input))
        node.shape, node.reps = x.shape, reps
        return result(data, node)
    return _make(data)


def tile(input, *dims) -> Tensor:
    """Like ``repeat`` but pads ``dims`` with ones on the left."""
    dims = _shape_arg(dims)
    n = input._data.ndim
    if len(dims) < n:
        dims = (1,) * (n - len(dims)) + dims
    return repeat(input, dims)


class CatBackward0(Node):
    """Slice the gradient back into the concatenated pieces (each in its input's dtype)."""

    dtypes = None

    def backward(self, grad):
        out = []
        start = 0
        for i, size in enumerate(self.sizes):
            if self.next_functions[i][0] is None:
                out.append(None)
            elif size is None:  # a skipped legacy 1-d empty input
                out.append(_make(np.zeros((0,), dtype=grad._data.dtype)))
            else:
                out.append(narrow(grad, self.dim, start, size))
            start += size or 0
        if self.dtypes is not None:
            out = [g if g is None or dt is None else to_dtype(g, _dt.from_numpy(dt)) for g, dt in zip(out, self.dtypes)]
        return tuple(out)


def _tensor_list(tensors, fn: str) -> list:
    """The tensors of cat/stack, with PyTorch's TypeErrors for anything else."""
    if isinstance(tensors, Tensor):
        raise TypeError(f"{fn}(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    return tensors


def cat(tensors, dim: int = 0, *, out=None, axis=None) -> Tensor:
    """Concatenate along an existing dim."""
    if axis is not None:  # NumPy's name, which PyTorch accepts too
        dim = axis
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    # Legacy rule: 1-d empty tensors are skipped.
    ref = next((t for t in tensors if not (t._data.ndim == 1 and t._data.size == 0)), tensors[0])
    if ref._data.ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = _wrap_dim(dim, ref._data.ndim)
    rt = _dt.result_type(*tensors).np_type if len({t._data.dtype for t in tensors}) > 1 else ref._data.dtype
    parts = []
    for i, t in enumerate(tensors):
        x = t._data
        if x.ndim == 1 and x.size == 0 and ref._data.ndim != 1:
            continue
        if x.ndim != ref._data.ndim:
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {ref._data.ndim} and {x.ndim}"
            )
        for k in range(x.ndim):
            if k != d and x.shape[k] != ref._data.shape[k]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size {ref._data.shape[k]} "
                    f"but got size {x.shape[k]} for tensor number {i} in the list."
                )
        parts.append(x.astype(rt, copy=False))
    data = np.concatenate(parts, axis=d)
    if _gm._State.enabled and builtins.any(t._requires_grad for t in tensors):
        node = CatBackward0(edges(*tensors))
        node.dim = d
        node.sizes = [t._data.shape[d] if t._data.ndim == ref._data.ndim else None for t in tensors]
        if len({t._data.dtype for t in tensors}) > 1:
            node.dtypes = [None if t._data.dtype == rt else t._data.dtype for t in tensors]
        res = result(data, node)
    else:
        res = _make(data)
    if out is not None:
        out._data = res._data
        return out
    return res


concat = concatenate = cat


class StackBackward0(Node):
    """Select each stacked slice of the gradient (each in its input's dtype)."""

    dtypes = None

    def backward(self, grad):
        out = [select(grad, self.dim, i) if self.next_functions[i][0] is not None else None
               for i in range(len(self.next_functions))]
        if self.dtypes is not None:
            out = [g if g is None or dt is None else to_dtype(g, _dt.from_numpy(dt)) for g, dt in zip(out, self.dtypes)]
        return tuple(out)


def stack(tensors, dim: int = 0, *, out=None, axis=None) -> Tensor:
    """Stack along a new dim."""
    if axis is not None:  # NumPy's name, which PyTorch accepts too
        dim = axis
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape0 = tensors[0]._data.shape
    for i, t in enumerate(tensors[1:], 1):
        if t._data.shape != shape0:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got [{', '.join(map(str, shape0))}] at entry 0 "
                f"and [{', '.join(map(str, t._data.shape))}] at entry {i}"
            )
    d = _wrap_dim(dim, len(shape0) + 1)
    rt = _dt.result_type(*tensors).np_type if len({t._data.dtype for t in tensors}) > 1 else tensors[0]._data.dtype
    data = np.stack([t._data.astype(rt, copy=False) for t in tensors], axis=d)
    if _gm._State.enabled and builtins.any(t._requires_grad for t in tensors):
        node = StackBackward0(edges(*tensors))
        node.dim = d
        if len({t._data.dtype for t in tensors}) > 1:
            node.dtypes = [None if t._data.dtype == rt else t._data.dtype for t in tensors]
        return result(data, node)
    return _make(data)


def hstack(tensors) -> Tensor:
    """Concatenate along dim 1 (dim 0 for 1-d tensors)."""
    return cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1)


def vstack(tensors) -> Tensor:
    """Stack rows (1-d tensors become rows)."""
    return cat([t if t._data.ndim > 1 else unsqueeze(t, 0) for t in tensors], 0)


class _MultiOutputNode(Node):
    """A node with several outputs: missing gradients count as zeros."""

    def _grads(self, grads):
        if not isinstance(grads, tuple):  # a single output: the engine passes its gradient alone
            grads = (grads,)
        out = []
        for g, shape in zip(grads, self.shapes):
            out.append(g if g is not None else _make(np.zeros(shape, dtype=self.np_dtype)))
        return out


class SplitBackward0(_MultiOutputNode):
    """Concatenate the pieces' gradients (zeros for unused pieces)."""

    def backward(self, grads):
        return (cat(self._grads(grads), self.dim),)


class SplitWithSizesBackward0(SplitBackward0):
    """``split`` with explicit sizes."""


class UnbindBackward0(_MultiOutputNode):
    """Stack the slices' gradients back."""

    def backward(self, grads):
        return (stack(self._grads(grads), self.dim),)


def _multi_view(input, datas, node_cls, dim, names=None):
    shapes = [d.shape for d in datas]
    if _graph(input):
        node = node_cls(edges(input))
        node.num_outputs = len(datas)
        node.dim, node.shapes, node.np_dtype = dim, shapes, input._data.dtype
        outs = []
        for i, d in enumerate(datas):
            o = _view_of(input, d, node)
            o._output_nr = i
            outs.append(o)
        return tuple(outs)
    return tuple(_view_of(input, d, None) for d in datas)


def split(tensor, split_size_or_sections, dim: int = 0):
    """Split into chunks of a given size (or a list of sizes) along ``dim`` (views)."""
    x = tensor._data
    d = _wrap_dim(dim, x.ndim)
    n = x.shape[d]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
        if size == 0 and n > 0:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        sizes = [size] * (n // size) + ([n % size] if n % size else []) if size else [0]
        cls = SplitBackward0
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if builtins.sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at dimension "
                f"{d}), but got split_sizes={sizes}"
            )
        cls = SplitWithSizesBackward0
    datas = []
    start = 0
    for s in sizes:
        idx = [slice(None)] * x.ndim
        idx[d] = slice(start, start + s)
        datas.append(x[tuple(idx)])
        start += s
    return _multi_view(tensor, datas, cls, d)


def chunk(input, chunks: int, dim: int = 0):
    """Split into ``chunks`` nearly equal pieces (the last may be smaller)."""
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    n = input._data.shape[_wrap_dim(dim, input._data.ndim)]
    size = -(-n // chunks) if n else 1
    return split(input, size, dim)


def tensor_split(input, indices_or_sections, dim: int = 0):
    """Split into pieces by count or at indices (NumPy's ``array_split`` rule)."""
    x = input._data
    d = _wrap_dim(dim, x.ndim)
    n = x.shape[d]
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        sizes = [n // k + 1] * (n % k) + [n // k] * (k - n % k)
    else:
        bounds = [0] + [builtins.min(builtins.max(int(i), 0), n) for i in indices_or_sections] + [n]
        sizes = [builtins.max(b - a, 0) for a, b in zip(bounds, bounds[1:])]
    return split(input, sizes, d)


def unbind(input, dim: int = 0):
    """All slices along ``dim``, as a tuple (views)."""
    x = input._data
    if x.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = _wrap_dim(dim, x.ndim)
    datas = [x[(slice(None),) * d + (i, Ellipsis)] for i in range(x.shape[d])]  # ... keeps 0-d as views
    return _multi_view(input, datas, UnbindBackward0, d)


class SliceBackward0(Node):
    """Place the gradient into the sliced region of zeros."""

    def backward(self, grad):
        from .indexing import _embed

        return (_embed(grad, self.shape, self.index),)


def narrow(input, dim: int, start: int, length: int) -> Tensor:
    """The slice ``start:start+length`` along ``dim`` (a view)."""
    x = input._data
    if x.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, x.ndim)
    if isinstance(start, Tensor):
        start = start.item()
    size = x.shape[d]
    if start < -size or start > size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start < 0:
        start += size
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return slice_dim(input, d, start, start + length, 1)


def slice_dim(input, d: int, start, stop, step) -> Tensor:
    """``input[..., start:stop:step, ...]`` on dim ``d`` (a view)."""
    x = input._data
    index = (slice(None),) * d + (slice(start, stop, step),)
    data = x[index]
    node = None
    if _graph(input):
        node = SliceBackward0(edges(input))
        node.shape, node.index = x.shape, index
    return _view_of(input, data, node)


class SelectBackward0(Node):
    """Place the gradient into the selected slice of zeros."""

    def backward(self, grad):
        from .indexing import _embed

        return (_embed(grad, self.shape, self.index),)


def select(input, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim``, with that dim removed (a view)."""
    x = input._data
    if x.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, x.ndim)
    size = x.shape[d]
    if isinstance(index, Tensor):
        index = index.item()
    if index < -size or index >= size:
        raise IndexError(f"select(): index {index} out of range for tensor of size {_fmt(x.shape)} at dimension {d}")
    if index < 0:
        index += size
    idx = (slice(None),) * d + (index, Ellipsis)  # the Ellipsis makes a 0-d result a view, not a scalar
    data = x[idx]
    node = None
    if _graph(input):
        node = SelectBackward0(edges(input))
        node.shape, node.index = x.shape, idx
    return _view_of(input, data, node)


class CloneBackward0(Node):
    """A copy passes the gradient through."""

    def backward(self, grad):
        return (grad,)


def clone(input, *, memory_format=None) -> Tensor:
    """A copy with its own memory (recorded in the graph)."""
    data = np.array(input._data, copy=True, order="C")
    if _graph(input):
        return result(data, CloneBackward0(edges(input)))
    return _make(data)


def contiguous(input, memory_format=None) -> Tensor:
    """Self if already row-major contiguous, else a contiguous copy."""
    if input._data.flags.c_contiguous:
        return input
    return clone(input)


class ToCopyBackward0(Node):
    """A dtype conversion: convert the gradient back to the input's dtype."""

    def backward(self, grad):
        return (to_dtype(grad, self.dtype),)


def to_dtype(input, dtype, copy: bool = False) -> Tensor:
    """Convert to ``dtype`` (self when it already has it, unless ``copy``)."""
    d = _dt.as_dtype(dtype)
    x = input._data
    if x.dtype == d.np_type and not copy:
        return input
    data = x.astype(d.np_type)
    if _graph(input) and d.is_floating_point:
        node = ToCopyBackward0(edges(input))
        node.dtype = _dt.from_numpy(x.dtype)
        return result(data, node)
    return _make(data)


def atleast_1d(input) -> Tensor:
    """Give 0-d tensors one dim."""
    return reshape(input, (1,)) if input._data.ndim == 0 else input


def atleast_2d(input) -> Tensor:
    """Give tensors at least two dims."""
    x = input._data
    return reshape(input, (1,) * (2 - x.ndim) + x.shape) if x.ndim < 2 else input
