"""dtype objects, torch.promote_types / result_type / can_cast, the default dtype, finfo and iinfo.

Every expected value here was read off PyTorch 2.13.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import numtorch as torch
from numtorch import dtypes

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]

# torch.promote_types(row, column), rows and columns in NAMES order.
PROMOTE = """
bool uint8 int8 int16 int32 int64 float16 float32 float64
uint8 uint8 int16 int16 int32 int64 float16 float32 float64
int8 int16 int8 int16 int32 int64 float16 float32 float64
int16 int16 int16 int16 int32 int64 float16 float32 float64
int32 int32 int32 int32 int32 int64 float16 float32 float64
int64 int64 int64 int64 int64 int64 float16 float32 float64
float16 float16 float16 float16 float16 float16 float16 float32 float64
float32 float32 float32 float32 float32 float32 float32 float32 float64
float64 float64 float64 float64 float64 float64 float64 float64 float64
"""

# torch.can_cast(row, column) as 0/1.
CAN_CAST = """
1 1 1 1 1 1 1 1 1
0 1 1 1 1 1 1 1 1
0 1 1 1 1 1 1 1 1
0 1 1 1 1 1 1 1 1
0 1 1 1 1 1 1 1 1
0 1 1 1 1 1 1 1 1
0 0 0 0 0 0 1 1 1
0 0 0 0 0 0 1 1 1
0 0 0 0 0 0 1 1 1
"""


def _matrix(text: str) -> list[list[str]]:
    return [row.split() for row in text.strip().splitlines()]


@pytest.fixture
def restore_default_dtype():
    yield
    torch.set_default_dtype(torch.float32)


@pytest.mark.parametrize("i,a", list(enumerate(NAMES)))
def test_promote_types_matrix(i, a):
    """promote_types follows PyTorch's table (uint8 with int8 gives int16, any float beats any int)."""
    expected = _matrix(PROMOTE)[i]
    for j, b in enumerate(NAMES):
        assert torch.promote_types(getattr(torch, a), getattr(torch, b)) is getattr(torch, expected[j])


def test_promote_types_is_symmetric():
    """promote_types(a, b) == promote_types(b, a) for every pair."""
    for a in NAMES:
        for b in NAMES:
            da, db = getattr(torch, a), getattr(torch, b)
            assert torch.promote_types(da, db) is torch.promote_types(db, da)


@pytest.mark.parametrize("i,a", list(enumerate(NAMES)))
def test_can_cast_matrix(i, a):
    """can_cast allows any cast within or up a category, never down (float to int, int to bool)."""
    expected = _matrix(CAN_CAST)[i]
    for j, b in enumerate(NAMES):
        assert torch.can_cast(getattr(torch, a), getattr(torch, b)) is bool(int(expected[j]))


@pytest.mark.parametrize("name,floating,signed,size", [
    ("bool", False, False, 1), ("uint8", False, False, 1), ("int8", False, True, 1), ("int16", False, True, 2),
    ("int32", False, True, 4), ("int64", False, True, 8), ("float16", True, True, 2), ("float32", True, True, 4),
    ("float64", True, True, 8),
])
def test_dtype_attributes(name, floating, signed, size):
    """Each dtype reports PyTorch's flags and size and prints as ``torch.<name>``."""
    d = getattr(torch, name)
    assert (d.is_floating_point, d.is_signed, d.itemsize, d.is_complex) == (floating, signed, size, False)
    assert repr(d) == str(d) == f"torch.{name}"


def test_aliases_are_the_same_objects():
    """torch.float is float32, torch.long is int64, and so on (identity, equality and hash)."""
    pairs = [("float", "float32"), ("double", "float64"), ("half", "float16"), ("long", "int64"),
             ("int", "int32"), ("short", "int16")]
    for alias, name in pairs:
        assert getattr(torch, alias) is getattr(torch, name)
    assert hash(torch.float) == hash(torch.float32)


def test_dtype_pickles_to_the_same_object():
    """A pickled dtype comes back as the module's singleton."""
    assert pickle.loads(pickle.dumps(torch.float64)) is torch.float64


def test_as_dtype_accepts_python_and_numpy_types():
    """Python float/int/bool and NumPy dtypes map to PyTorch's dtypes."""
    assert dtypes.as_dtype(float) is torch.float64
    assert dtypes.as_dtype(int) is torch.int64
    assert dtypes.as_dtype(bool) is torch.bool
    assert dtypes.as_dtype(np.float32) is torch.float32
    assert dtypes.as_dtype(np.dtype("int16")) is torch.int16


def test_from_numpy_rejects_unsupported_dtypes():
    """A NumPy dtype PyTorch has no match for raises PyTorch's TypeError."""
    with pytest.raises(TypeError, match="can't convert np.ndarray of type uint16"):
        dtypes.from_numpy(np.uint16)


@pytest.mark.parametrize("make,expected", [
    (lambda: torch.result_type(torch.tensor([1]), 2.5), "float32"),
    (lambda: torch.result_type(torch.tensor([1], dtype=torch.int8), torch.tensor(1000)), "int8"),
    (lambda: torch.result_type(torch.tensor(1.0, dtype=torch.float64), torch.tensor([1])), "float64"),
    (lambda: torch.result_type(True, torch.tensor([1], dtype=torch.uint8)), "uint8"),
    (lambda: torch.result_type(torch.tensor(True), 1), "int64"),
])
def test_result_type(make, expected):
    """result_type weighs dimensioned tensors over 0-d tensors over numbers, by category."""
    assert make() is getattr(torch, expected)


def test_result_type_of_two_numbers():
    """Two Python numbers: an int and a float give the default float dtype."""
    assert dtypes.result_type(2, 3.0) is torch.float32


def test_default_dtype_changes_factories_and_promotion(restore_default_dtype):
    """With float64 as default, float literals and int-with-float results become float64; float32 stays."""
    assert torch.get_default_dtype() is torch.float32
    torch.set_default_dtype(torch.float64)
    assert torch.tensor([1.5]).dtype is torch.float64
    assert (torch.tensor([1]) + 2.5).dtype is torch.float64
    assert torch.ones(2).dtype is torch.float64
    assert (torch.ones(2, dtype=torch.float32) * 2.5).dtype is torch.float32
    assert torch.tensor([1]).exp().dtype is torch.float64
    assert (torch.tensor([1]) / 2).dtype is torch.float64


@pytest.mark.parametrize("bad", ["int64", "bool"])
def test_set_default_dtype_rejects_non_floats(bad, restore_default_dtype):
    """Only floating dtypes can be the default."""
    with pytest.raises(TypeError, match="^only floating-point types are supported as the default type$"):
        torch.set_default_dtype(getattr(torch, bad))
    assert torch.get_default_dtype() is torch.float32


@pytest.mark.parametrize("name,text", [
    ("float16", "finfo(resolution=0.001, min=-65504, max=65504, eps=0.000976562, smallest_normal=6.10352e-05, "
                "tiny=6.10352e-05, dtype=float16)"),
    ("float32", "finfo(resolution=1e-06, min=-3.40282e+38, max=3.40282e+38, eps=1.19209e-07, "
                "smallest_normal=1.17549e-38, tiny=1.17549e-38, dtype=float32)"),
    ("float64", "finfo(resolution=1e-15, min=-1.79769e+308, max=1.79769e+308, eps=2.22045e-16, "
                "smallest_normal=2.22507e-308, tiny=2.22507e-308, dtype=float64)"),
])
def test_finfo(name, text):
    """finfo prints as PyTorch's and its fields are Python floats."""
    f = torch.finfo(getattr(torch, name))
    assert repr(f) == text
    assert isinstance(f.eps, float) and f.bits == getattr(torch, name).itemsize * 8


def test_finfo_values_and_default():
    """float32's eps and max are the IEEE values; finfo() describes the default dtype."""
    f = torch.finfo(torch.float32)
    assert f.eps == 1.1920928955078125e-07 and f.max == 3.4028234663852886e+38 and f.tiny == 1.1754943508222875e-38
    assert torch.finfo() == torch.finfo(torch.float32)


@pytest.mark.parametrize("name,text,lo,hi", [
    ("uint8", "iinfo(min=0, max=255, dtype=uint8)", 0, 255),
    ("int8", "iinfo(min=-128, max=127, dtype=int8)", -128, 127),
    ("int32", "iinfo(min=-2.14748e+09, max=2.14748e+09, dtype=int32)", -2 ** 31, 2 ** 31 - 1),
    ("int64", "iinfo(min=-9.22337e+18, max=9.22337e+18, dtype=int64)", -2 ** 63, 2 ** 63 - 1),
])
def test_iinfo(name, text, lo, hi):
    """iinfo gives exact int bounds and prints as PyTorch's."""
    i = torch.iinfo(getattr(torch, name))
    assert (repr(i), i.min, i.max) == (text, lo, hi)


@pytest.mark.parametrize("make,message", [
    (lambda: torch.iinfo(torch.bool), "torch.bool is not supported by torch.iinfo"),
    (lambda: torch.finfo(torch.int32),
     "torch.finfo() requires a floating point input type. Use torch.iinfo to handle 'torch.finfo'"),
    (lambda: torch.iinfo(torch.float32),
     "torch.iinfo() requires an integer input type. Use torch.finfo to handle 'torch.iinfo'"),
])
def test_finfo_iinfo_errors(make, message):
    """Asking finfo for an int (or iinfo for a float or bool) raises PyTorch's TypeError."""
    with pytest.raises(TypeError) as info:
        make()
    assert str(info.value) == message
