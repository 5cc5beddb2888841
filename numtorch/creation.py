"""Tensor factories: tensor(), as_tensor, from_numpy, FloatTensor & co., zeros/ones/full/empty/arange/
linspace/eye, the ``*_like`` forms, and the random factories (drawn from ``numtorch.random``)."""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from . import dtypes as _dt
from . import random as _random
from .tensor import Tensor, _check_device

_make = Tensor._make

_COPY_WARNING = (
    "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
    "sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor)."
)


def _finish(data: np.ndarray, requires_grad: bool) -> Tensor:
    t = _make(data)
    if requires_grad:
        if data.dtype.kind != "f":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t._requires_grad = True
    return t


# --- from Python data -------------------------------------------------------------------------------------
def _infer(data, dim: int = 0):
    """(shape, kind) of nested sequences, with PyTorch's ragged-list error; kind 0 bool, 1 int, 2 float."""
    if isinstance(data, Tensor):
        return data._data.shape, _KIND[data._data.dtype.kind], data._data.dtype
    if isinstance(data, np.ndarray):
        return data.shape, _KIND.get(data.dtype.kind, 2), data.dtype
    if isinstance(data, (list, tuple)):
        if not data:
            return (0,), -1, None
        shapes_kinds = [_infer(x, dim + 1) for x in data]
        first = shapes_kinds[0][0]
        for sk in shapes_kinds[1:]:
            if sk[0] != first:
                if len(sk[0]) != len(first) or not first:
                    raise ValueError(f"expected sequence of length {len(first) and first[0]} at dim {dim + 1} "
                                     f"(got {sk[0][0] if sk[0] else 0})")
                raise ValueError(f"expected sequence of length {first[0]} at dim {dim + 1} (got {sk[0][0]})")
        kind = max(k for _, k, _ in shapes_kinds)
        np_types = [t for _, k, t in shapes_kinds if t is not None and k == kind]
        return (len(data),) + first, kind, (np_types[0] if np_types and kind >= 0 else None)
    if isinstance(data, bool) or isinstance(data, np.bool_):
        return (), 0, None
    if isinstance(data, numbers.Integral):
        return (), 1, None
    if isinstance(data, numbers.Real):
        return (), 2, None
    if isinstance(data, numbers.Complex):
        raise TypeError("numtorch does not support complex tensors")
    raise TypeError(f"Could not infer dtype of {type(data).__name__}")


_KIND = {"b": 0, "u": 1, "i": 1, "f": 2}


def _flatten_tensors(data):
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_flatten_tensors(x) for x in data]
    return data


def _array_from_data(data, dtype: _dt.dtype | None) -> np.ndarray:
    if isinstance(data, np.ndarray):
        src_dtype = _dt.from_numpy(data.dtype)
        return np.array(data, dtype=(dtype or src_dtype).np_type, copy=True)
    shape, kind, np_type = _infer(data)
    if dtype is None:
        if kind == 2:
            # Python floats take the default dtype; a list of float64 arrays/tensors keeps float64.
            dtype = _dt.from_numpy(np_type) if np_type is not None and np.dtype(np_type).kind == "f" \
                and not isinstance(data, (list, tuple)) else _dt.get_default_dtype()
            if isinstance(data, (list, tuple)) and np_type is not None and np.dtype(np_type).kind == "f":
                dtype = _dt.from_numpy(np_type)
        elif kind == 1:
            dtype = _dt.from_numpy(np_type) if np_type is not None and np.dtype(np_type).kind in "iu" else _dt.int64
        elif kind == 0:
            dtype = _dt.bool_
        else:
            dtype = _dt.get_default_dtype()
    flat = _flatten_tensors(data)
    if dtype.is_floating_point or kind <= 1:
        arr = np.array(flat, dtype=dtype.np_type)
    else:
        # float data into an integer dtype truncates toward zero, as PyTorch does.
        arr = np.trunc(np.array(flat, dtype=np.float64)).astype(dtype.np_type)
    if arr.shape != shape and kind >= 0:
        arr = arr.reshape(shape)
    return arr


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, numbers, ndarray or tensor)."""
    _check_device(device)
    d = None if dtype is None else _dt.as_dtype(dtype)
    if isinstance(data, Tensor):
        warnings.warn(_COPY_WARNING, UserWarning, stacklevel=2)
        arr = np.array(data._data, dtype=(d or data.dtype).np_type, copy=True)
    else:
        arr = _array_from_data(data, d)
    return _finish(arr, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with an ndarray or tensor when the dtype already matches."""
    _check_device(device)
    d = None if dtype is None else _dt.as_dtype(dtype)
    if isinstance(data, Tensor):
        return data if d is None or d is data.dtype else data.to(d)
    if isinstance(data, np.ndarray):
        src = _dt.from_numpy(data.dtype)
        if d is None or d is src:
            return _make(data)
        return _make(data.astype(d.np_type))
    return _finish(_array_from_data(data, d), False)


asarray = as_tensor


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray``."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dt.from_numpy(ndarray.dtype)
    return _make(ndarray)


def _legacy_new(dtype: _dt.dtype, args: tuple, kwargs: dict, cls=None) -> Tensor:
    """``torch.FloatTensor(data)`` / ``torch.FloatTensor(2, 3)``: from data, or uninitialised of a size."""
    _check_device(kwargs.pop("device", None))
    if kwargs:
        raise TypeError(f"new() received an invalid combination of arguments - got {tuple(kwargs)}")
    if not args:
        arr = np.empty((0,), dtype=dtype.np_type)
    elif len(args) == 1 and isinstance(args[0], Tensor):
        src = args[0]
        if src.dtype is not dtype:
            raise TypeError(
                f"expected {dtype._legacy} (got {src.dtype._legacy})"
            )
        t = _make(src._data, cls=cls)
        t._vbox = src._vbox
        return t
    elif all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in args):
        for a in args:
            if a < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {a}: {list(args)}")
        arr = np.zeros(tuple(int(a) for a in args), dtype=dtype.np_type)
    elif len(args) == 1 and isinstance(args[0], _SizeLike):
        arr = np.zeros(tuple(args[0]), dtype=dtype.np_type)
    elif len(args) == 1:
        arr = _array_from_data(args[0], dtype)
    else:
        raise TypeError(f"new() received an invalid combination of arguments - got {len(args)} positional arguments")
    return _make(arr, cls=cls)


class _SizeLike:
    pass


def _legacy_class(dtype: _dt.dtype):
    """``torch.FloatTensor`` and friends: callables that build tensors of one dtype; isinstance works too."""

    class _Meta(type):
        def __instancecheck__(cls, obj):
            return isinstance(obj, Tensor) and obj.dtype is dtype

        def __call__(cls, *args, **kwargs):
            return _legacy_new(dtype, args, dict(kwargs))

        def __repr__(cls):
            return f"<class 'torch.{dtype._legacy}Tensor'>"

    return _Meta(f"{dtype._legacy}Tensor", (), {"dtype": dtype, "__doc__": f"Legacy {dtype._legacy} tensor type."})


FloatTensor = _legacy_class(_dt.float32)
DoubleTensor = _legacy_class(_dt.float64)
HalfTensor = _legacy_class(_dt.float16)
LongTensor = _legacy_class(_dt.int64)
IntTensor = _legacy_class(_dt.int32)
ShortTensor = _legacy_class(_dt.int16)
CharTensor = _legacy_class(_dt.int8)
ByteTensor = _legacy_class(_dt.uint8)
BoolTensor = _legacy_class(_dt.bool_)


# --- filled factories -------------------------------------------------------------------------------------
def _size(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = s.item()
        if not isinstance(s, (numbers.Integral,)) or isinstance(s, bool):
            raise TypeError(f"zeros(): argument 'size' must be tuple of ints, but found element of type "
                            f"{type(s).__name__}")
        out.append(int(s))
    for s in out:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {out}")
    return tuple(out)


def _float_dtype(dtype) -> _dt.dtype:
    return _dt.get_default_dtype() if dtype is None else _dt.as_dtype(dtype)


def zeros(*size, dtype=None, device=None, requires_grad: bool = False, out=None, layout=None) -> Tensor:
    """A tensor of zeros."""
    _check_device(device)
    return _finish(np.zeros(_size(size), dtype=_float_dtype(dtype).np_type), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad: bool = False, out=None, layout=None) -> Tensor:
    """A tensor of ones."""
    _check_device(device)
    return _finish(np.ones(_size(size), dtype=_float_dtype(dtype).np_type), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad: bool = False, out=None, layout=None,
          memory_format=None) -> Tensor:
    """An uninitialised tensor (numtorch fills it with zeros, which is one valid choice)."""
    _check_device(device)
    return _finish(np.zeros(_size(size), dtype=_float_dtype(dtype).np_type), requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value`` (its dtype inferred from the value, as PyTorch does)."""
    _check_device(device)
    d = _dt.as_dtype(dtype) if dtype is not None else _dt.scalar_dtype(
        fill_value.item() if isinstance(fill_value, Tensor) else fill_value)
    return _finish(np.full(_size((size,) if isinstance(size, int) else (tuple(size),)), fill_value, dtype=d.np_type),
                   requires_grad)


def _like_dtype(input: Tensor, dtype) -> _dt.dtype:
    return input.dtype if dtype is None else _dt.as_dtype(dtype)


def zeros_like(input, *, dtype=None, device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    """Zeros with ``input``'s shape and dtype."""
    return _finish(np.zeros(input._data.shape, dtype=_like_dtype(input, dtype).np_type), requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    """Ones with ``input``'s shape and dtype."""
    return _finish(np.ones(input._data.shape, dtype=_like_dtype(input, dtype).np_type), requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    """An uninitialised tensor with ``input``'s shape and dtype (zeros here)."""
    return zeros_like(input, dtype=dtype, requires_grad=requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad: bool = False,
              memory_format=None) -> Tensor:
    """``fill_value`` everywhere, with ``input``'s shape and dtype."""
    return _finish(np.full(input._data.shape, fill_value, dtype=_like_dtype(input, dtype).np_type), requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Values ``start, start+step, …`` below ``end`` (int64 for integer arguments)."""
    _check_device(device)
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) / step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        is_int = all(isinstance(v, numbers.Integral) for v in vals)
        d = _dt.int64 if is_int else _dt.get_default_dtype()
    else:
        d = _dt.as_dtype(dtype)
    n = math.ceil((end - start) / step)
    # Computed in float64 like PyTorch's kernel (start + i*step), then cast.
    data = (start + np.arange(n, dtype=np.float64 if not d.np_type.kind in "iu" else np.int64) * step)
    return _finish(data.astype(d.np_type), requires_grad)


def range_(start, end=None, step=1, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Deprecated ``torch.range``: like arange but including ``end``, default dtype."""
    if end is None:
        start, end = 0, start
    n = int(math.floor((end - start) / step)) + 1
    d = _float_dtype(dtype)
    return _finish((start + np.arange(n) * step).astype(d.np_type), requires_grad)


def linspace(start, end, steps: int, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    _check_device(device)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    d = _float_dtype(dtype)
    # PyTorch fills the first half forward from start and the second half backward from end.
    if steps == 1:
        data = np.array([start], dtype=np.float64)
    else:
        step = (end - start) / (steps - 1)
        idx = np.arange(steps, dtype=np.float64)
        half = steps // 2
        data = np.where(idx < half, start + step * idx, end - step * (steps - idx - 1))
    return _finish(data.astype(d.np_type), requires_grad)


def logspace(start, end, steps: int, base: float = 10.0, *, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)``."""
    d = _float_dtype(dtype)
    exps = linspace(start, end, steps, dtype=_dt.float64)._data
    return _finish(np.power(base, exps).astype(d.np_type), requires_grad)


def eye(n: int, m: int | None = None, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Identity matrix ``n x m``."""
    _check_device(device)
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    return _finish(np.eye(n, m if m is not None else n, dtype=_float_dtype(dtype).np_type), requires_grad)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A 0-d tensor of the default dtype."""
    return _finish(np.asarray(s, dtype=_float_dtype(dtype).np_type), requires_grad)


# --- random factories ----------------------------------------------------------------------------------
def _gen(generator):
    if generator is None:
        return _random.default_generator
    return getattr(generator, "_engine", generator)


def rand(*size, generator=None, dtype=None, device=None, requires_grad: bool = False, out=None) -> Tensor:
    """Uniform samples from [0, 1), PyTorch's stream."""
    _check_device(device)
    d = _float_dtype(dtype)
    return _finish(_gen(generator).uniform(_size(size), d.np_type), requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad: bool = False, out=None) -> Tensor:
    """Standard-normal samples, PyTorch's stream."""
    _check_device(device)
    d = _float_dtype(dtype)
    return _finish(_gen(generator).normal(_size(size), d.np_type), requires_grad)


def rand_like(input, *, dtype=None, device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    """``rand`` with ``input``'s shape and dtype."""
    d = _like_dtype(input, dtype)
    return _finish(_random.default_generator.uniform(input._data.shape, d.np_type), requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    """``randn`` with ``input``'s shape and dtype."""
    d = _like_dtype(input, dtype)
    return _finish(_random.default_generator.normal(input._data.shape, d.np_type), requires_grad)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad: bool = False) -> Tensor:
    """Integers uniform in ``[low, high)`` (``randint(high, size)`` form too)."""
    _check_device(device)
    if size is None:
        if isinstance(high, (tuple, list)):
            low, high, size = 0, low, high
        else:
            raise TypeError("randint() missing 1 required positional arguments: \"size\"")
    elif high is None:
        low, high = 0, low
    d = _dt.int64 if dtype is None else _dt.as_dtype(dtype)
    return _finish(_gen(generator).randint(int(low), int(high), _size((tuple(size),)), d.np_type), requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None) -> Tensor:
    """``randint`` with ``input``'s shape and dtype."""
    if high is None:
        low, high = 0, low
    d = _like_dtype(input, dtype)
    return _make(_random.default_generator.randint(int(low), int(high), input._data.shape, d.np_type))


def randperm(n: int, *, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A random permutation of ``0..n-1``."""
    _check_device(device)
    if n < 0:
        raise RuntimeError(f"n must be non-negative, got{n}")
    d = _dt.int64 if dtype is None else _dt.as_dtype(dtype)
    return _finish(_gen(generator).randperm(int(n), d.np_type), requires_grad)


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, requires_grad: bool = False) -> Tensor:
    """Normal samples: number mean/std with ``size``, or element-wise tensor means/stds."""
    g = _gen(generator)
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        m = mean._data if isinstance(mean, Tensor) else np.asarray(mean)
        s = std._data if isinstance(std, Tensor) else np.asarray(std)
        if (s < 0).any():
            raise RuntimeError(f"normal expects all elements of std >= 0.0")
        shape = np.broadcast_shapes(m.shape, s.shape)
        ref = mean if isinstance(mean, Tensor) else std
        z = g.normal(shape, ref._data.dtype)
        return _make((z * s + m).astype(ref._data.dtype, copy=False))
    if size is None:
        raise TypeError("normal() missing required argument 'size'")
    d = _float_dtype(dtype)
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return _finish(g.normal(_size((tuple(size),)), d.np_type, float(mean), float(std)), requires_grad)


def bernoulli(input, p=None, *, generator=None) -> Tensor:
    """0/1 samples with per-element probabilities ``input`` (or a number ``p``)."""
    g = _gen(generator)
    if p is not None:
        return _make(g.bernoulli_scalar(input._data.shape, float(p), input._data.dtype))
    return _make(g.bernoulli_tensor(input._data))


def multinomial(input, num_samples: int, replacement: bool = False, *, generator=None) -> Tensor:
    """Sample category indices with probabilities proportional to the rows of ``input``."""
    g = _gen(generator)
    probs = input._data.astype(np.float64)
    if probs.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if (probs < 0).any() or not np.isfinite(probs).all():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    rows = probs.reshape(-1, probs.shape[-1])
    if not replacement and num_samples > rows.shape[1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    out = np.zeros((rows.shape[0], num_samples), dtype=np.int64)
    for r, row in enumerate(rows):
        w = row.copy()
        if w.sum() <= 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        for k in range(num_samples):
            u = g.uniform((1,), np.float64)[0] * w.sum()
            idx = int(np.searchsorted(np.cumsum(w), u, side="right"))
            idx = min(idx, len(w) - 1)
            while w[idx] == 0 and idx > 0:
                idx -= 1
            out[r, k] = idx
            if not replacement:
                w[idx] = 0
    return _make(out.reshape(probs.shape[:-1] + (num_samples,)))
