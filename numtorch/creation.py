"""Tensor factories: tensor(), as_tensor, from_numpy, FloatTensor & co., zeros/ones/full/empty/arange/
linspace/eye, the ``*_like`` forms, and the random factories (drawn from ``numtorch.random``)."""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from . import dtypes as _dt
from . import random as _random
from .autograd import grad_mode as _gm
from .autograd.graph import Node, edge_of
from .tensor import Size, Tensor, _check_device

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
_NUMPY_TYPES_MSG = ("The only supported types are: float64, float32, float16, complex64, complex128, int64, int32, "
                    "int16, int8, uint64, uint32, uint16, uint8, and bool.")


def _np_dtype(arr_dtype: np.dtype) -> _dt.dtype:
    """numtorch dtype of an ndarray's dtype, with PyTorch's message for unsupported ones."""
    try:
        return _dt.from_numpy(arr_dtype)
    except (TypeError, KeyError):
        raise TypeError(f"can't convert np.ndarray of type numpy.{arr_dtype.type.__name__}. "
                        f"{_NUMPY_TYPES_MSG}") from None


def _is_seq(obj) -> bool:
    """What PyTorch's tensor constructor walks into: lists, tuples, ranges and ndarrays (not tensors)."""
    return isinstance(obj, (list, tuple, range, np.ndarray))


def _infer_dtype(obj) -> _dt.dtype:
    """PyTorch's ``infer_scalar_type``: numbers by kind, NumPy scalars by their dtype, promoted over
    sequences (an empty one gives the default dtype)."""
    if isinstance(obj, bool):
        return _dt.bool_
    if isinstance(obj, np.generic):
        if isinstance(obj, (np.str_, np.bytes_, np.void)) or obj.dtype == object:
            raise TypeError(f"new(): invalid data type '{type(obj).__name__}'")
        return _np_dtype(obj.dtype)
    if isinstance(obj, int):
        return _dt.int64
    if isinstance(obj, float):
        return _dt.get_default_dtype()
    if isinstance(obj, Tensor):
        return obj.dtype
    if isinstance(obj, np.ndarray):
        return _np_dtype(obj.dtype)
    if isinstance(obj, (list, tuple, range)):
        if len(obj) == 0:
            return _dt.get_default_dtype()
        kinds = {type(x) for x in obj}
        if kinds <= {int}:  # fast path for plain int lists
            return _dt.int64
        if kinds <= {float, int}:
            return _dt.promote_types(_dt.int64, _dt.get_default_dtype()) if float in kinds else _dt.int64
        out = None
        for x in obj:
            d = _infer_dtype(x)
            out = d if out is None else _dt.promote_types(out, d)
        return out
    if isinstance(obj, str):
        raise TypeError(f"new(): invalid data type '{type(obj).__name__}'")
    if isinstance(obj, numbers.Integral):
        return _dt.int64
    if isinstance(obj, numbers.Real):
        return _dt.get_default_dtype()
    if isinstance(obj, numbers.Complex):
        raise TypeError("numtorch does not support complex tensors")
    raise RuntimeError(f"Could not infer dtype of {type(obj).__name__}")


def _compute_sizes(obj) -> list[int]:
    """The shape, read from the first element at each depth (PyTorch's ``compute_sizes``)."""
    sizes: list[int] = []
    while _is_seq(obj):
        if isinstance(obj, np.ndarray):
            sizes.extend(obj.shape)
            break
        sizes.append(len(obj))
        if len(obj) == 0:
            break
        obj = obj[0]
    return sizes


def _collect(obj, sizes: list[int], dim: int, out: list) -> None:
    """Append the leaves of ``obj`` in row-major order, checking every length against ``sizes``."""
    if dim == len(sizes):
        out.append(obj)
        return
    if isinstance(obj, np.ndarray):
        if list(obj.shape) != sizes[dim:]:
            n = sizes[dim]
            got = obj.shape[0] if obj.ndim else 0
            raise ValueError(f"expected sequence of length {n} at dim {dim} (got {got})")
        out.extend(obj.reshape(-1).tolist())
        return
    if not _is_seq(obj):
        raise TypeError("not a sequence")
    n = sizes[dim]
    if len(obj) != n:
        raise ValueError(f"expected sequence of length {n} at dim {dim} (got {len(obj)})")
    if dim + 1 == len(sizes):
        out.extend(obj)
        return
    for x in obj:
        _collect(x, sizes, dim + 1, out)


_INT_NAMES = {"uint8": "uint8", "int8": "int8", "int16": "int16", "int32": "int32", "int64": "int64"}


def _leaf_value(v, kind: str):
    """A leaf as a Python number (``store_scalar``'s unpacking), with PyTorch's TypeErrors."""
    if isinstance(v, (bool, int, float)):
        return v
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, Tensor):
        if v._data.size != 1:
            if kind in "iub":
                raise TypeError("only integer tensors of a single element can be converted to an index")
            raise RuntimeError(f"a Tensor with {v._data.size} elements cannot be converted to Scalar")
        return v._data.reshape(-1)[0].item()
    if isinstance(v, numbers.Number):
        return v
    name = type(v).__name__
    if kind == "f":
        raise TypeError(f"must be real number, not {name}")
    raise TypeError(f"'{name}' object cannot be interpreted as an integer")


def _store(leaves: list, dtype: _dt.dtype) -> np.ndarray:
    """Convert leaves to ``dtype`` as PyTorch's ``store_scalar`` does (checked integer conversions)."""
    npt = np.dtype(dtype.np_type)
    kind = npt.kind
    vals = leaves if all(type(v) in (int, float, bool) for v in leaves) else [_leaf_value(v, kind) for v in leaves]
    if kind == "f":
        # double first, then C casts (half goes through float, as c10::Half does).
        return _random._cast_from_double(np.array(vals, dtype=np.float64), npt)
    if kind == "b":
        return np.array([bool(v) for v in vals], dtype=np.bool_)
    name = _INT_NAMES[npt.name]
    info = np.iinfo(npt)
    out = np.empty(len(vals), dtype=npt)
    for i, v in enumerate(vals):
        if isinstance(v, float):
            # checked_convert<T>(double): NaN and out-of-range values are errors; in range: truncation
            if not (info.min <= v <= info.max):
                raise RuntimeError(f"value cannot be converted to type {name} without overflow")
            out[i] = int(v)
            continue
        v = int(v)
        if not -(1 << 63) <= v < (1 << 63):
            raise ValueError("Overflow when unpacking long long")
        # unsigned targets accept negatives down to -max (they wrap, two's complement), signed ones don't
        low = -int(info.max) if kind == "u" else int(info.min)
        if not low <= v <= int(info.max):
            raise RuntimeError(f"value cannot be converted to type {name} without overflow")
        out[i] = v % (int(info.max) + 1) if kind == "u" else v
    return out


def _scalar_array(data, dtype: _dt.dtype | None) -> np.ndarray | None:
    """Fast path for one Python number (the common ``torch.tensor(1.0, requires_grad=True)``)."""
    t = type(data)
    if t is float and (dtype is None or dtype.is_floating_point):
        d = dtype or _dt.get_default_dtype()
        return _random._cast_from_double(np.array(data, dtype=np.float64), np.dtype(d.np_type))
    if t is int and dtype is None and -(1 << 63) <= data < (1 << 63):
        return np.array(data, dtype=np.int64)
    if t is bool and dtype is None:
        return np.array(data, dtype=np.bool_)
    return None


def _array_from_data(data, dtype: _dt.dtype | None) -> np.ndarray:
    """A new array for Python data, as ``torch.tensor`` builds it: dtype inference, shape, conversion."""
    if isinstance(data, np.ndarray):
        src = _np_dtype(data.dtype)
        return np.array(data, dtype=(dtype or src).np_type, copy=True)
    fast = _scalar_array(data, dtype)
    if fast is not None:
        return fast
    inferred = _infer_dtype(data)
    d = dtype or inferred
    sizes = _compute_sizes(data)
    if isinstance(data, list) and data and isinstance(data[0], np.ndarray):
        warnings.warn("Creating a tensor from a list of numpy.ndarrays is extremely slow. Please consider "
                      "converting the list to a single numpy.ndarray with numpy.array() before converting to "
                      "a tensor.", UserWarning, stacklevel=4)
    leaves: list = []
    _collect(data, sizes, 0, leaves)
    return _store(leaves, d).reshape(sizes)


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
        src = _np_dtype(data.dtype)
        if d is None or d is src:
            return _make(data)
        return _make(data.astype(d.np_type))
    return _finish(_array_from_data(data, d), False)


asarray = as_tensor


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray``."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _np_dtype(ndarray.dtype)
    return _make(ndarray)


_LEGACY_SIGNATURES = (" * (*, torch.device device = None)\n * (torch.Storage storage)\n * (Tensor other)\n"
                      " * (tuple of ints size, *, torch.device device = None)\n"
                      " * (object data, *, torch.device device = None)\n")


def _options(d: _dt.dtype) -> str:
    """How PyTorch prints TensorOptions in the legacy constructors' dtype error."""
    return (f"TensorOptions(dtype={_random._TYPEMETA_NAME[d.np_type.name]}, device=cpu, layout=Strided, "
            "requires_grad=false (default), pinned_memory=false (default), memory_format=(nullopt))")


def _legacy_new(dtype: _dt.dtype, args: tuple, kwargs: dict, cls=None) -> Tensor:
    """``torch.FloatTensor(data)`` / ``torch.FloatTensor(2, 3)`` / ``torch.Tensor(size)``: from data (a
    sequence), a tensor of the same dtype (shared), or uninitialised of a size (zeros here)."""
    _check_device(kwargs.pop("device", None))
    if kwargs:
        got = ", ".join([_type_name(a) for a in args] + [f"{k}={_type_name(v)}" for k, v in kwargs.items()])
        raise TypeError(f"new() received an invalid combination of arguments - got ({got}), but expected one "
                        f"of:\n{_LEGACY_SIGNATURES}")
    if not args:
        arr = np.empty((0,), dtype=dtype.np_type)
    elif len(args) == 1 and isinstance(args[0], Tensor):
        src = args[0]
        if src.dtype is not dtype and cls is None:
            raise TypeError(f"expected {_options(dtype)} (got {_options(src.dtype)})")
        t = _make(src._data, cls=cls)
        t._vbox = src._vbox
        return t
    elif len(args) == 1 and isinstance(args[0], Size):
        arr = np.zeros(_size(args, "new"), dtype=dtype.np_type)
    elif all(_is_int_like(a) and not isinstance(a, (bool, np.bool_)) for a in args):
        arr = np.zeros(_size(args, "new"), dtype=dtype.np_type)
    elif len(args) == 1:
        if not (_is_seq(args[0]) or isinstance(args[0], np.ndarray)):
            raise TypeError(f"new(): data must be a sequence (got {_type_name(args[0])})")
        arr = _array_from_data(args[0], dtype)
    else:
        _size(args, "new")  # raises the "failed to unpack" error
        raise AssertionError("unreachable")
    return _make(arr, cls=cls)


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
def _size(size, fn: str = "zeros") -> tuple:
    """Parse a size given as ints, one tuple/list/Size, or integer 0-d tensors; PyTorch's errors."""
    if len(size) == 1:
        one = size[0]
        if isinstance(one, (tuple, list)):
            size = tuple(one)
        elif not _is_int_like(one) or isinstance(one, (bool, np.bool_)):
            raise TypeError(f"{fn}(): argument 'size' (position 1) must be tuple of ints, not {_type_name(one)}")
    elif size and isinstance(size[0], (tuple, list)) and fn in _SIGNATURES:
        raise _invalid_args(fn, size, {})
    out = []
    for i, s in enumerate(size):
        if not _is_int_like(s):
            raise TypeError(f"{fn}(): argument 'size' failed to unpack the object at pos {i + 1} with error "
                            f"\"type must be tuple of ints,but got {_type_name(s)}\"")
        out.append(int(s._data) if isinstance(s, Tensor) else int(s))
    for s in out:
        if s < 0:
            if fn == "zeros":
                raise RuntimeError("zeros: Dimension size must be non-negative.")
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {out}")
    return tuple(out)


def _is_int_like(s) -> bool:
    if isinstance(s, Tensor):
        return s._data.dtype.kind in "iu" and s._data.size == 1
    return isinstance(s, (numbers.Integral, np.integer))


def _float_dtype(dtype) -> _dt.dtype:
    return _dt.get_default_dtype() if dtype is None else _dt.as_dtype(dtype)


def _size_args(fn: str, size: tuple, size_kw: dict) -> tuple:
    """Sizes given positionally or as ``size=`` (PyTorch's parser accepts both)."""
    if size_kw:
        if set(size_kw) != {"size"}:
            raise TypeError(f"{fn}() got an unexpected keyword argument '{next(k for k in size_kw if k != 'size')}'")
        if size:
            raise TypeError(f"{fn}() got multiple values for argument 'size'")
        size = (size_kw["size"],)
    return _size(size, fn)


def _filled(fn: str, size: tuple, size_kw: dict, fill, dtype, out, device, requires_grad) -> Tensor:
    _check_device(device)
    shape = _size_args(fn, size, size_kw)
    d = _random_dtype(dtype, out)
    return _fill_out(out, np.full(shape, fill, dtype=d.np_type), requires_grad)


def zeros(*size, out=None, dtype=None, layout=None, device=None, pin_memory: bool = False,
          requires_grad: bool = False, **size_kw) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)``, ``zeros((2, 3))`` or ``zeros(size=(2, 3))``."""
    return _filled("zeros", size, size_kw, 0, dtype, out, device, requires_grad)


def ones(*size, out=None, dtype=None, layout=None, device=None, pin_memory: bool = False,
         requires_grad: bool = False, **size_kw) -> Tensor:
    """A tensor of ones."""
    return _filled("ones", size, size_kw, 1, dtype, out, device, requires_grad)


def empty(*size, out=None, dtype=None, layout=None, device=None, pin_memory: bool = False,
          requires_grad: bool = False, memory_format=None, **size_kw) -> Tensor:
    """An uninitialised tensor (numtorch fills it with zeros, which is one valid choice)."""
    return _filled("empty", size, size_kw, 0, dtype, out, device, requires_grad)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, pin_memory: bool = False,
         requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value``; its dtype is inferred from the value (bool, int64 or default)."""
    _check_device(device)
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not {_type_name(size)}")
    value = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    d = _dt.as_dtype(dtype) if dtype is not None else (out.dtype if out is not None else _dt.scalar_dtype(value))
    return _fill_out(out, np.full(_size((size,), "full"), value, dtype=d.np_type), requires_grad)


def _like_dtype(input: Tensor, dtype) -> _dt.dtype:
    return input.dtype if dtype is None else _dt.as_dtype(dtype)


def _filled_like(fn: str, input, fill, dtype, requires_grad) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not {_type_name(input)}")
    npt = _like_dtype(input, dtype).np_type
    # empty_like keeps the input's layout (a transposed input gives a transposed result).
    return _finish(_random.draw_like(input._data, lambda shape: np.full(shape, fill, dtype=npt), like=True),
                   requires_grad)


def zeros_like(input, *, dtype=None, layout=None, device=None, pin_memory: bool = False,
               requires_grad: bool = False, memory_format=None) -> Tensor:
    """Zeros with ``input``'s shape, dtype and layout."""
    return _filled_like("zeros_like", input, 0, dtype, requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, pin_memory: bool = False,
              requires_grad: bool = False, memory_format=None) -> Tensor:
    """Ones with ``input``'s shape, dtype and layout."""
    return _filled_like("ones_like", input, 1, dtype, requires_grad)


def empty_like(input, *, dtype=None, layout=None, device=None, pin_memory: bool = False,
               requires_grad: bool = False, memory_format=None) -> Tensor:
    """An uninitialised tensor with ``input``'s shape, dtype and layout (zeros here)."""
    return _filled_like("empty_like", input, 0, dtype, requires_grad)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, pin_memory: bool = False,
              requires_grad: bool = False, memory_format=None) -> Tensor:
    """``fill_value`` everywhere, with ``input``'s shape, dtype and layout."""
    value = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    return _filled_like("full_like", input, value, dtype, requires_grad)


# --- ranges -------------------------------------------------------------------------------------------------
# PyTorch's CPU range kernels (RangeFactoriesKernel.cpp), as measured against torch 2.13 on x86-64:
# * arange, float types: the accumulation type is double. Elements are written in blocks of two SIMD
#   vectors (8 floats / 4 doubles each); the vector at index b holds fl(fl(start + step*b) + k*step),
#   the leftover elements fl(start + step*i), every multiply-add fused in double. Single-chunk model:
#   above 32768 elements PyTorch splits the range among threads, which can move the leftovers.
# * linspace, float types: step = (end - start) / (steps - 1) in the dtype, then start + step*i for
#   the first half and end - step*(steps-1-i) for the rest, fused in the dtype (no vector blocks).

_ARANGE_LANES = {np.dtype(np.float32): 8, np.dtype(np.float64): 4}


def _number(fn: str, v):
    if isinstance(v, Tensor):
        return v.item()
    if isinstance(v, (numbers.Real, np.number)):
        return v.item() if isinstance(v, np.generic) else v
    raise TypeError(f"{fn}(): argument 'end' must be Number, not {_type_name(v)}")


def arange(*args, out=None, dtype=None, layout=None, device=None, pin_memory: bool = False,
           requires_grad: bool = False, **kw) -> Tensor:
    """``arange(end)`` or ``arange(start, end, step=1)``: int64 for integer arguments, else the default dtype."""
    _check_device(device)
    names = ("end",) if len(args) == 1 and not ({"end", "start"} & set(kw)) else ("start", "end", "step")
    bound = dict(zip(names, args))
    for k, v in kw.items():
        if k not in ("start", "end", "step") or k in bound:
            raise TypeError(f"arange() got an unexpected keyword argument '{k}'")
        bound[k] = v
    if "end" not in bound:
        raise TypeError('arange() missing 1 required positional arguments: "end"')
    start, end, step = (_number("arange", bound.get(k, dflt)) for k, dflt in (("start", 0), ("end", None),
                                                                                ("step", 1)))
    if dtype is not None:
        d = _dt.as_dtype(dtype)
    elif out is not None:
        d = out.dtype
    else:
        is_float = any(isinstance(v, float) for v in (start, end, step))
        d = _dt.get_default_dtype() if is_float else _dt.int64
    npt = np.dtype(d.np_type)
    if npt.kind in "iub":
        xs, xe, xst = (int(v) for v in (start, end, step))  # Scalar::to<int64_t>() truncates
        if xst == 0:
            if step != 0:
                raise ValueError("step must be nonzero")
            raise RuntimeError("step must be nonzero")
        sgn = (xst > 0) - (xst < 0)
        size_d = math.ceil((xe - xs + xst - sgn) / xst)
    else:
        xs, xe, xst = float(start), float(end), float(step)
        if xst == 0:
            raise RuntimeError("step must be nonzero")
        if not (math.isfinite(xs) and math.isfinite(xe)):
            raise RuntimeError(f"unsupported range: {_random._fmt_double(xs)} -> {_random._fmt_double(xe)}")
        size_d = math.ceil((xe - xs) / xst)
    if not ((xst > 0 and xe >= xs) or (xst < 0 and xe <= xs)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    n = int(size_d)
    if npt.kind in "iub":
        data = (xs + np.arange(n, dtype=np.int64) * xst).astype(npt)
    else:
        data = _arange_float(xs, xst, n, npt)
    return _fill_out(out, data, requires_grad, warn_resize=True)


def _arange_float(start: float, step: float, n: int, npt: np.dtype) -> np.ndarray:
    lanes = _ARANGE_LANES.get(npt, 8)
    calc = np.float32 if npt != np.float64 else np.float64
    out = np.empty(n, dtype=np.float64)
    for lo, hi in _parallel_chunks(n):
        m = hi - lo
        vec = (m // (2 * lanes)) * 2 * lanes  # elements written by the vectorised loop in this chunk
        j = np.arange(m, dtype=np.float64)
        b = lo + j[:vec] - j[:vec] % lanes
        base = _random._fma64(step, b, start).astype(calc).astype(np.float64)  # vector base, in the dtype
        out[lo:lo + vec] = _random._fma64(lo + j[:vec] - b, step, base)
        out[lo + vec:hi] = _random._fma64(step, lo + j[vec:], start)
    return out.astype(npt)


def _parallel_chunks(n: int, grain: int = 32768) -> list[tuple[int, int]]:
    """The pieces at::parallel_for hands to its threads (one piece up to ``grain`` elements)."""
    import os

    threads = os.cpu_count() or 1
    if n <= grain or threads == 1:
        return [(0, n)]
    threads = min(threads, -(-n // grain))
    chunk = -(-n // threads)
    return [(lo, min(n, lo + chunk)) for lo in range(0, n, chunk)]


def range_(start, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, pin_memory: bool = False,
           requires_grad: bool = False) -> Tensor:
    """Deprecated ``torch.range``: like arange but including ``end``, default dtype."""
    if end is None:
        raise TypeError('range() missing 1 required positional arguments: "end"')
    warnings.warn("torch.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in "
                  "[start, end).", UserWarning, stacklevel=2)
    start, end, step = (_number("range", v) for v in (start, end, step))
    n = int(math.floor((end - start) / step)) + 1
    d = _float_dtype(dtype)
    return _fill_out(out, (start + np.arange(n) * step).astype(d.np_type), requires_grad)


def _steps_arg(fn: str, steps, args: tuple) -> int:
    if not isinstance(steps, (numbers.Integral, np.integer)) or isinstance(steps, bool):
        got = ", ".join(_type_name(a) for a in args)
        raise TypeError(f"{fn}() received an invalid combination of arguments - got ({got}), but expected one "
                        f"of:\n{_range_signatures(fn)}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return int(steps)


def _range_signatures(fn: str) -> str:
    kw = ("*, Tensor out = None, torch.dtype dtype = None, torch.layout layout = None, torch.device device = "
          "None, bool pin_memory = False, bool requires_grad = False")
    extra = "float base = 10.0, " if fn == "logspace" else ""
    return "".join(f" * ({a} start, {b} end, int steps, {extra}{kw})\n"
                   for a, b in (("Tensor", "Tensor"), ("Number", "Tensor"), ("Tensor", "Number"),
                                ("Number", "Number")))


def linspace(start, end, steps=None, *, out=None, dtype=None, layout=None, device=None, pin_memory: bool = False,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive (PyTorch's rounding)."""
    _check_device(device)
    n = _steps_arg("linspace", steps, tuple(a for a in (start, end, steps) if a is not None))
    start, end = _number("linspace", start), _number("linspace", end)
    d = _random_dtype(dtype, out)
    return _fill_out(out, _linspace_array(start, end, n, np.dtype(d.np_type)), requires_grad)


def _linspace_array(start, end, n: int, npt: np.dtype) -> np.ndarray:
    if npt.kind in "iub":
        # Integer dtypes: bounds converted to int64, a double step, values truncated.
        s, e = int(start), int(end)
        if n == 1:
            return np.array([s], dtype=npt)
        step = (float(e) - float(s)) / (n - 1)
        vals = _linspace_fused(float(s), float(e), step, n, np.float64, _random._fma64)
        return np.trunc(vals).astype(np.int64).astype(npt)
    calc = np.float64 if npt == np.float64 else np.float32
    s, e = calc(start), calc(end)
    if n <= 1:
        return np.full(n, s, dtype=calc).astype(npt)
    step = calc((e - s) / calc(n - 1))
    fma = _random._fma64 if calc is np.float64 else _random._fma32
    return _linspace_fused(s, e, step, n, calc, fma).astype(npt)


def _linspace_fused(s, e, step, n: int, calc, fma) -> np.ndarray:
    half = n // 2
    idx = np.arange(n, dtype=calc)
    lo = fma(np.full(half, step, dtype=calc), idx[:half], np.full(half, s, dtype=calc))
    k = (n - 1 - idx[half:]).astype(calc)
    hi = fma(np.full(n - half, -step, dtype=calc), k, np.full(n - half, e, dtype=calc))
    return np.concatenate([lo, hi]).astype(calc)


def logspace(start, end, steps=None, base: float = 10.0, *, out=None, dtype=None, layout=None, device=None,
             pin_memory: bool = False, requires_grad: bool = False) -> Tensor:
    """``base ** e`` for ``steps`` exponents from ``start`` to ``end`` (PyTorch's formula, libm pow)."""
    _check_device(device)
    n = _steps_arg("logspace", steps, tuple(a for a in (start, end, steps) if a is not None))
    start, end = _number("logspace", start), _number("logspace", end)
    npt = np.dtype(_random_dtype(dtype, out).np_type)
    if npt.kind == "f":
        # exponent = start + step*i (first half) or end - step*(steps-1-i), step in double from the
        # dtype-rounded bounds; pow in double, then cast.
        calc = np.float64 if npt == np.float64 else np.float32
        s, e, b = calc(start), calc(end), float(calc(base))
        step = float(calc(e - s)) / (n - 1) if n > 1 else 0.0
        half = n // 2
        # RangeFactories.cpp is compiled for baseline x86-64 (no FMA): plain double products and sums.
        exps = [float(s) + step * i if i < half else float(e) - step * (n - 1 - i) for i in range(n)]
        data = _random._cast_from_double(np.array([math.pow(b, x) for x in exps], dtype=np.float64), npt)
    else:
        data = np.array([base ** x for x in _linspace_array(start, end, n, np.dtype(np.int64)).tolist()],
                        dtype=np.float64).astype(npt)
    return _fill_out(out, data, requires_grad)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, pin_memory: bool = False,
        requires_grad: bool = False) -> Tensor:
    """Identity matrix ``n x m`` (``m`` defaults to ``n``)."""
    _check_device(device)
    for name, v, pos in (("n", n, 1), ("m", m, 2)):
        if v is not None and (not isinstance(v, (numbers.Integral, np.integer)) or isinstance(v, bool)):
            raise TypeError(f"eye(): argument '{name}' (position {pos}) must be int, not {_type_name(v)}")
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m is not None and m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    d = _random_dtype(dtype, out)
    return _fill_out(out, np.eye(int(n), int(m) if m is not None else int(n), dtype=d.np_type), requires_grad)


def scalar_tensor(s, *, dtype=None, layout=None, device=None, pin_memory: bool = False,
                  requires_grad: bool = False) -> Tensor:
    """A 0-d tensor of the default dtype."""
    return _finish(np.asarray(s, dtype=_float_dtype(dtype).np_type), requires_grad)


# --- random factories ----------------------------------------------------------------------------------
# Every draw goes through numtorch.random (PyTorch's CPU streams, spec/rng.md): the default generator
# unless ``generator=`` names a torch.Generator.

_SIZE_KW = ("Tensor out = None, torch.dtype dtype = None, torch.layout layout = None, torch.device device = None, "
            "bool pin_memory = False, bool requires_grad = False")
_LIKE_KW = ("torch.memory_format memory_format = None, torch.dtype dtype = None, torch.layout layout = None, "
            "torch.device device = None, bool pin_memory = False, bool requires_grad = False")
# The overloads PyTorch lists in its "invalid combination of arguments" errors.
_SIGNATURES = {
    "rand": [f"(tuple of ints size, *, torch.Generator generator, {_SIZE_KW})",
             f"(tuple of ints size, *, {_SIZE_KW})"],
    "randn": [f"(tuple of ints size, *, torch.Generator generator, {_SIZE_KW})",
              f"(tuple of ints size, *, {_SIZE_KW})"],
    "randint": [f"(int high, tuple of ints size, *, torch.Generator generator, {_SIZE_KW})",
                f"(int high, tuple of ints size, *, {_SIZE_KW})",
                f"(int low, int high, tuple of ints size, *, torch.Generator generator, {_SIZE_KW})",
                f"(int low, int high, tuple of ints size, *, {_SIZE_KW})"],
    "normal": ["(Tensor mean, Tensor std, *, torch.Generator generator = None, Tensor out = None)",
               "(Tensor mean, float std = 1, *, torch.Generator generator = None, Tensor out = None)",
               "(float mean, Tensor std, *, torch.Generator generator = None, Tensor out = None)",
               "(float mean, float std, tuple of ints size, *, torch.Generator generator = None, "
               f"{_SIZE_KW})"],
    "rand_like": [f"(Tensor input, *, torch.Generator generator, {_LIKE_KW})", f"(Tensor input, *, {_LIKE_KW})"],
    "randn_like": [f"(Tensor input, *, torch.Generator generator, {_LIKE_KW})", f"(Tensor input, *, {_LIKE_KW})"],
    "bernoulli": ["(Tensor input, *, torch.Generator generator = None, Tensor out = None)",
                  "(Tensor input, float p, *, torch.Generator generator = None)"],
}


def _type_name(x) -> str:
    """How PyTorch's argument parser names a Python value's type."""
    if isinstance(x, Tensor):
        return "Tensor"
    if isinstance(x, _random.Generator):
        return "torch.Generator"
    t = type(x)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__name__}"


def _invalid_args(fn: str, args: tuple, kwargs: dict) -> TypeError:
    """PyTorch's "received an invalid combination of arguments" TypeError for ``fn``."""
    got = [_type_name(a) for a in args] + [f"{k}={_type_name(v)}" for k, v in kwargs.items()]
    lines = "".join(f" * {sig}\n" for sig in _SIGNATURES[fn])
    return TypeError(f"{fn}() received an invalid combination of arguments - got ({', '.join(got)}), "
                     f"but expected one of:\n{lines}")


def _gen(generator, fn: str = "rand", args: tuple = (), kwargs: dict | None = None) -> _random.Generator:
    """The generator to draw from: the default one for None, else a numtorch Generator."""
    if generator is None:
        return _random.default_generator
    if isinstance(generator, _random.Generator):
        return generator
    if fn in _SIGNATURES:
        raise _invalid_args(fn, args, {**(kwargs or {}), "generator": generator})
    raise TypeError(f"{fn}(): argument 'generator' must be torch.Generator, not {_type_name(generator)}")


def _fill_out(out, arr: np.ndarray, requires_grad: bool, warn_resize: bool = False) -> Tensor:
    """Return ``arr`` as a new tensor, or written into ``out=`` (resized as PyTorch resizes it; only
    some ops go through ``resize_output`` and warn about resizing a non-empty ``out``)."""
    if out is None:
        return _finish(arr, requires_grad)
    if out._data.shape != arr.shape:
        if out._data.size and warn_resize:
            warnings.warn(
                f"An output with one or more elements was resized since it had shape {list(out._data.shape)}, "
                f"which does not match the required output shape {list(arr.shape)}. This behavior is deprecated, "
                "and in a future PyTorch release outputs will not be resized unless they have zero elements. "
                "You can explicitly reuse an out tensor t by resizing it, inplace, to zero elements with "
                "t.resize_(0).", UserWarning, stacklevel=3)
        out._data = arr.astype(out._data.dtype, copy=False)
    else:
        np.copyto(out._data, arr, casting="unsafe")
    out._vbox[0] += 1
    return out


def _random_dtype(dtype, out) -> _dt.dtype:
    if dtype is not None:
        return _dt.as_dtype(dtype)
    return out.dtype if out is not None else _dt.get_default_dtype()


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None, pin_memory: bool = False,
         requires_grad: bool = False, **size_kw) -> Tensor:
    """Uniform samples from [0, 1): ``rand(2, 3)``, ``rand((2, 3))`` or ``rand(size=[2, 3])``."""
    return _random_factory("rand", size, size_kw, generator, out, dtype, device, requires_grad)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None, pin_memory: bool = False,
          requires_grad: bool = False, **size_kw) -> Tensor:
    """Standard-normal samples (PyTorch's Box-Muller streams); sizes as for ``rand``."""
    return _random_factory("randn", size, size_kw, generator, out, dtype, device, requires_grad)


def _random_factory(fn: str, size: tuple, size_kw: dict, generator, out, dtype, device, requires_grad) -> Tensor:
    _check_device(device)
    if size_kw:
        if set(size_kw) != {"size"}:
            raise TypeError(f"{fn}() got an unexpected keyword argument '{next(k for k in size_kw if k != 'size')}'")
        if size:
            raise _invalid_args(fn, size, size_kw)
        size = (size_kw["size"],)
    shape = _size(size, fn)
    g = _gen(generator, fn, size)
    d = _random_dtype(dtype, out)
    arr = g.uniform(shape, d.np_type) if fn == "rand" else g.normal(shape, d.np_type)
    return _fill_out(out, arr, requires_grad)


def _like_args(input: Tensor, dtype, fn: str) -> tuple[tuple, _dt.dtype]:
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not {_type_name(input)}")
    return input._data.shape, _like_dtype(input, dtype)


def rand_like(input, *, generator=None, dtype=None, layout=None, device=None, pin_memory: bool = False,
              requires_grad: bool = False, memory_format=None) -> Tensor:
    """``rand`` with ``input``'s shape and dtype."""
    _, d = _like_args(input, dtype, "rand_like")
    g = _gen(generator, "rand_like", (input,))
    # empty_like keeps input's layout and the draws follow memory order (see random.draw_like).
    return _finish(_random.draw_like(input._data, lambda shape: g.uniform(shape, d.np_type), like=True),
                   requires_grad)


def randn_like(input, *, generator=None, dtype=None, layout=None, device=None, pin_memory: bool = False,
               requires_grad: bool = False, memory_format=None) -> Tensor:
    """``randn`` with ``input``'s shape and dtype."""
    _, d = _like_args(input, dtype, "randn_like")
    g = _gen(generator, "randn_like", (input,))
    # empty_like keeps a permuted layout, and a non-contiguous result takes the scalar normal path.
    x = input._data
    c = _random.like_is_contiguous(x)
    return _finish(_random.draw_like(x, lambda shape: g.normal(shape, d.np_type, contiguous=c), like=True),
                   requires_grad)


def _int_arg(fn: str, v, args: tuple, kwargs: dict) -> int:
    """An int argument as PyTorch's parser takes it (ints, NumPy ints, integer 0-d tensors)."""
    if isinstance(v, Tensor) and v._data.dtype.kind in "iu" and v._data.size == 1:
        return int(v._data)
    if isinstance(v, (numbers.Integral, np.integer)) and not isinstance(v, (bool, np.bool_)):
        return int(v)
    raise _invalid_args(fn, args, kwargs)


def randint(*args, generator=None, out=None, dtype=None, layout=None, device=None, pin_memory: bool = False,
            requires_grad: bool = False, **kwargs) -> Tensor:
    """Integers uniform in ``[low, high)``: ``randint(high, size)`` or ``randint(low, high, size)``."""
    _check_device(device)
    allkw = dict(kwargs)
    if generator is not None:
        allkw["generator"] = generator
    unknown = set(kwargs) - {"low", "high", "size"}
    names = ("low", "high", "size") if len(args) + len(kwargs) >= 3 or "low" in kwargs else ("high", "size")
    bound = dict(zip(names, args))
    if unknown or len(args) > len(names) or any(k in bound for k in kwargs):
        raise _invalid_args("randint", args, allkw)
    bound.update(kwargs)
    if "high" not in bound or "size" not in bound:
        raise _invalid_args("randint", args, allkw)
    low = _int_arg("randint", bound.get("low", 0), args, allkw)
    high = _int_arg("randint", bound["high"], args, allkw)
    size = bound["size"]
    if not isinstance(size, (tuple, list)):
        raise _invalid_args("randint", args, allkw)
    shape = _size((size,), "randint")
    g = _gen(generator, "randint", args, kwargs)
    d = _dt.int64 if dtype is None and out is None else _random_dtype(dtype, out)
    return _fill_out(out, g.randint(low, high, shape, d.np_type), requires_grad)


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, layout=None, device=None,
                 pin_memory: bool = False, requires_grad: bool = False, memory_format=None) -> Tensor:
    """``randint`` with ``input``'s shape and dtype: ``randint_like(x, high)`` or ``(x, low, high)``."""
    _, d = _like_args(input, dtype, "randint_like")
    if high is None:
        low, high = 0, low
    g = _gen(generator, "randint_like")
    arr = _random.draw_like(input._data, lambda shape: g.randint(int(low), int(high), shape, d.np_type), like=True)
    return _finish(arr, requires_grad)


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None, pin_memory: bool = False,
             requires_grad: bool = False) -> Tensor:
    """A random permutation of ``0..n-1`` (PyTorch's swap shuffle, ``n - 1`` words)."""
    _check_device(device)
    if isinstance(n, Tensor) and n._data.dtype.kind in "iu" and n._data.size == 1:
        n = int(n._data)
    if not isinstance(n, (numbers.Integral, np.integer)) or isinstance(n, (bool, np.bool_)):
        raise TypeError(f"randperm(): argument 'n' (position 1) must be int, not {_type_name(n)}")
    d = _dt.int64 if dtype is None and out is None else _random_dtype(dtype, out)
    return _fill_out(out, _gen(generator, "randperm").randperm(int(n), d.np_type), requires_grad)


# --- torch.normal ------------------------------------------------------------------------------------------
# Its three tensor forms build the result as PyTorch's normal_out_impl does, with separate rounding steps
# (the draw, then in-place mul_ and add_ in the result's dtype), which changes low bits versus one fused
# formula. Gradients flow to neither mean nor std (PyTorch's derivatives are zeros: NormalBackward1/2/3).

class _NormalBackward(Node):
    """Zero gradients for the tensor arguments of torch.normal (the sample is not reparameterised)."""

    def backward(self, grad):
        return tuple(None if shape is None else _make(np.zeros(shape, dtype=grad._data.dtype))
                     for shape in self.shapes)


NormalBackward1 = type("NormalBackward1", (_NormalBackward,), {"__doc__": "normal(Tensor mean, float std)."})
NormalBackward2 = type("NormalBackward2", (_NormalBackward,), {"__doc__": "normal(float mean, Tensor std)."})
NormalBackward3 = type("NormalBackward3", (_NormalBackward,), {"__doc__": "normal(Tensor mean, Tensor std)."})

_MISSING = object()


def _in_place_binary(out: np.ndarray, other: np.ndarray, op) -> np.ndarray:
    """``out.op_(other)``: computed in the promoted dtype, stored back in ``out``'s dtype."""
    rt = _dt.promote_types(_dt.from_numpy(out.dtype), _dt.from_numpy(other.dtype)).np_type
    return op(out.astype(rt, copy=False), other.astype(rt, copy=False)).astype(out.dtype, copy=False)


def normal(mean=_MISSING, std=_MISSING, size=None, *, generator=None, out=None, dtype=None, layout=None,
           device=None, pin_memory: bool = False, requires_grad: bool = False) -> Tensor:
    """Normal samples: ``normal(mean, std, size)`` for numbers, or element-wise tensor mean and/or std."""
    args = tuple(a for a in (mean, std, size) if a is not _MISSING and a is not None)
    if mean is _MISSING:
        raise TypeError('normal() missing 1 required positional arguments: "mean"')
    mt, st = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not (mt or st):
        if std is _MISSING or size is None:
            raise _invalid_args("normal", args, {})
        _check_device(device)
        g = _gen(generator, "normal", args)
        d = _random_dtype(dtype, out)
        shape = _size((size,), "normal")
        return _fill_out(out, g.normal(shape, d.np_type, float(mean), float(std)), requires_grad)
    if size is not None or dtype is not None or requires_grad:
        raise _invalid_args("normal", args, {})
    g = _gen(generator, "normal", args)
    if std is _MISSING:
        std = 1.0
    if mt and not st:
        # at::normal(Tensor mean, double std): output.normal_(0, std) then output.add_(mean)
        std = float(std)
        if not std >= 0.0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {_random._fmt_double(std)}")
        m = mean._data
        z = g.normal(m.shape, m.dtype, 0.0, std)
        data = z + m
        node_cls, inputs = NormalBackward1, (mean,)
    else:
        s = std._data
        if s.size and not bool(np.min(s) >= 0):  # NaN fails too, as std.min().ge(0)
            raise RuntimeError("normal expects all elements of std >= 0.0")
        if not mt:
            # at::normal(double mean, Tensor std): normal_(0, 1), mul_(std), add_(full({}, mean))
            z = g.normal(s.shape, s.dtype, 0.0, 1.0)
            data = z * s
            data += s.dtype.type(mean) if s.dtype.kind == "f" else mean
            node_cls, inputs = NormalBackward2, (std,)
        else:
            # at::normal(Tensor mean, Tensor std): result in mean's dtype, broadcast shape
            m = mean._data
            shape = _broadcast_shape(m.shape, s.shape)
            z = g.normal(shape, m.dtype, 0.0, 1.0)
            data = _in_place_binary(z, s, np.multiply)
            data = _in_place_binary(data, m, np.add)
            node_cls, inputs = NormalBackward3, (mean, std)
    if out is not None:
        return _fill_out(out, data, False, warn_resize=node_cls is NormalBackward3)
    t = _make(data)
    if _gm._State.enabled and any(x._requires_grad for x in inputs):
        node = node_cls(tuple(edge_of(x) for x in inputs))
        node.shapes = tuple(x._data.shape for x in inputs)
        t._requires_grad = True
        t.grad_fn = node
    return t


def _broadcast_shape(a: tuple, b: tuple) -> tuple:
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        from .ops._helpers import broadcast_error

        raise broadcast_error(a, b) from None


# --- bernoulli / multinomial -------------------------------------------------------------------------------
def bernoulli(input, p=None, *, generator=None, out=None) -> Tensor:
    """0/1 samples: probabilities ``input`` element-wise, or one number ``p`` for every element."""
    if not isinstance(input, Tensor):
        raise TypeError(f"bernoulli(): argument 'input' (position 1) must be Tensor, not {_type_name(input)}")
    args = (input,) if p is None else (input, p)
    g = _gen(generator, "bernoulli", args)
    if p is not None:
        if out is not None:
            raise _invalid_args("bernoulli", args, {"out": out})
        # at::bernoulli(self, p): a contiguous empty_like(self).bernoulli_(p), the scalar (53-bit) path.
        return _make(g.bernoulli_scalar(input._data.shape, float(p), input._data.dtype))
    return _fill_out(out, g.bernoulli_tensor(input._data), False)


def multinomial(input, num_samples: int, replacement: bool = False, *, generator=None, out=None) -> Tensor:
    """Category indices drawn from the rows of ``input`` (unnormalised probabilities), PyTorch's streams."""
    if not isinstance(input, Tensor):
        raise TypeError(f"multinomial(): argument 'input' (position 1) must be Tensor, not {_type_name(input)}")
    if not isinstance(num_samples, (numbers.Integral, np.integer)):
        raise TypeError("multinomial(): argument 'num_samples' (position 2) must be int, "
                        f"not {_type_name(num_samples)}")
    g = _gen(generator, "multinomial")
    return _fill_out(out, g.multinomial(input._data, num_samples, bool(replacement)), False)
