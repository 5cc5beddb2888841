"""dtype objects (``torch.float32`` …), the default dtype, and PyTorch's type-promotion rules.

PyTorch promotes by *category* (bool < integer < floating) and by *priority*: a tensor with dimensions
outranks a 0-d tensor, which outranks a Python number. A lower-priority operand only changes the result
when it belongs to a higher category (``int64 tensor * 2.5`` is float32, ``float32 tensor * float64 0-d``
stays float32). NumPy's own rules differ, so every op asks this module, never ``np.result_type``.
"""

from __future__ import annotations

import numpy as np


class dtype:
    """A tensor element type, printed as PyTorch prints it (``torch.float32``)."""

    __slots__ = ("name", "np_type", "is_floating_point", "is_signed", "itemsize", "_category", "_legacy")

    def __init__(self, name: str, np_type, category: int, legacy: str):
        self.name = name
        self.np_type = np.dtype(np_type)
        self._category = category  # 0 bool, 1 integer, 2 floating
        self.is_floating_point = category == 2
        self.is_signed = name not in ("uint8", "bool")
        self.itemsize = self.np_type.itemsize
        self._legacy = legacy  # "Float" as in torch.FloatTensor

    @property
    def is_complex(self) -> bool:
        return False

    def to_real(self) -> "dtype":
        return self

    def __repr__(self) -> str:
        return "torch." + self.name

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))


def _dtype_by_name(name: str) -> dtype:
    return _BY_NAME[name]


bool_ = dtype("bool", np.bool_, 0, "Bool")
uint8 = dtype("uint8", np.uint8, 1, "Byte")
int8 = dtype("int8", np.int8, 1, "Char")
int16 = dtype("int16", np.int16, 1, "Short")
int32 = dtype("int32", np.int32, 1, "Int")
int64 = dtype("int64", np.int64, 1, "Long")
float16 = dtype("float16", np.float16, 2, "Half")
float32 = dtype("float32", np.float32, 2, "Float")
float64 = dtype("float64", np.float64, 2, "Double")

ALL = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
_BY_NAME = {d.name: d for d in ALL}
_BY_NP = {d.np_type: d for d in ALL}
# Aliases PyTorch exports (torch.float is float32, torch.long is int64, …).
ALIASES = {
    "bool": bool_, "uint8": uint8, "int8": int8, "int16": int16, "short": int16, "int32": int32,
    "int": int32, "int64": int64, "long": int64, "float16": float16, "half": float16,
    "float32": float32, "float": float32, "float64": float64, "double": float64,
}


class _Default:
    dtype = float32


def get_default_dtype() -> dtype:
    """The floating dtype that factories and Python floats produce (float32 unless changed)."""
    return _Default.dtype


def set_default_dtype(d: dtype) -> None:
    """Make ``d`` (float32 or float64) the default floating dtype."""
    d = as_dtype(d)
    if d not in (float16, float32, float64):
        raise TypeError("only floating-point types are supported as the default type")
    _Default.dtype = d


def from_numpy(np_dtype) -> dtype:
    """The numtorch dtype of a NumPy dtype (TypeError for dtypes PyTorch has no match for)."""
    try:
        return _BY_NP[np_dtype]
    except KeyError:
        pass
    try:
        return _BY_NP[np.dtype(np_dtype)]
    except (KeyError, TypeError):
        raise TypeError(
            f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types are: "
            "float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None


def as_dtype(d) -> dtype:
    """Accept a numtorch dtype, a NumPy dtype/type or Python's float/int/bool as PyTorch does."""
    if isinstance(d, dtype):
        return d
    if d is float:
        return float64
    if d is int:
        return int64
    if d is bool:
        return bool_
    return from_numpy(d)


def promote_types(a: dtype, b: dtype) -> dtype:
    """``torch.promote_types``: the smallest dtype both ``a`` and ``b`` convert to."""
    if a is b:
        return a
    ca, cb = a._category, b._category
    if ca != cb:
        return a if ca > cb else b
    if ca == 2:
        return a if a.itemsize >= b.itemsize else b
    return _BY_NP[np.promote_types(a.np_type, b.np_type)]


def scalar_dtype(value) -> dtype:
    """The dtype a Python number takes when it becomes a tensor on its own."""
    if isinstance(value, bool):
        return bool_
    if isinstance(value, int):
        return int64
    return _Default.dtype


def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    """A lower-priority result only wins when it is of a higher category (PyTorch's combine_categories)."""
    if higher is None:
        return lower
    if lower is None or higher._category == 2:
        return higher
    if higher is bool_ or lower._category > higher._category:
        return promote_types(higher, lower)
    return higher


def result_type(*operands) -> dtype:
    """The dtype of an op over tensors and Python numbers, by PyTorch's priority rules."""
    from .tensor import Tensor

    dim_result = zero_result = scalar_result = None
    for op in operands:
        if isinstance(op, Tensor):
            d = op.dtype
            if op._data.ndim:
                dim_result = d if dim_result is None else promote_types(dim_result, d)
            else:
                zero_result = d if zero_result is None else promote_types(zero_result, d)
        else:
            # Python numbers count by category only: float -> default dtype, int -> int64, bool -> bool.
            d = scalar_dtype(op)
            scalar_result = d if scalar_result is None else promote_types(scalar_result, d)
    return _combine(dim_result, _combine(zero_result, scalar_result))


class finfo:
    """``torch.finfo``: machine limits of a floating dtype (the default dtype when none is given)."""

    __slots__ = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")

    def __init__(self, type=None):
        d = get_default_dtype() if type is None else as_dtype(type)
        if not d.is_floating_point:
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                            "'torch.finfo'")
        info = np.finfo(d.np_type)
        self.bits = int(info.bits)
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -int(info.precision)
        self.dtype = d.name

    def __eq__(self, other) -> bool:
        return isinstance(other, finfo) and self.dtype == other.dtype

    def __hash__(self) -> int:
        return hash(("finfo", self.dtype))

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """``torch.iinfo``: the range of an integer dtype."""

    __slots__ = ("bits", "max", "min", "dtype")

    def __init__(self, type):
        d = as_dtype(type)
        if d is bool_:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if d.is_floating_point:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle 'torch.iinfo'")
        info = np.iinfo(d.np_type)
        self.bits, self.max, self.min, self.dtype = int(info.bits), int(info.max), int(info.min), d.name

    def __eq__(self, other) -> bool:
        return isinstance(other, iinfo) and self.dtype == other.dtype

    def __hash__(self) -> int:
        return hash(("iinfo", self.dtype))

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
