"""Behaviours of the ops beyond values: views share memory and version counters, ``out=`` resizes/casts and
refuses autograd, comparisons with None, and NotImplemented nodes. Expected behaviour read off PyTorch 2.13."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import numtorch as torch


def _x():
    return torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]])


@pytest.mark.parametrize("make", [
    lambda x: x.view(3, 2), lambda x: x.reshape(6), lambda x: x.t(), lambda x: x.transpose(0, 1),
    lambda x: x.permute(1, 0), lambda x: x.unsqueeze(0), lambda x: x.unsqueeze(0).squeeze(0),
    lambda x: x.flatten(), lambda x: x.narrow(1, 1, 2), lambda x: x.select(0, 1), lambda x: x[1],
    lambda x: x[:, 1:], lambda x: x.split(1)[1], lambda x: x.chunk(3, 1)[2], lambda x: x.unbind(1)[0],
    lambda x: x.expand(2, 2, 3), lambda x: x[None], lambda x: x[...],
], ids=["view", "reshape", "t", "transpose", "permute", "unsqueeze", "squeeze", "flatten", "narrow", "select",
        "int index", "slice", "split", "chunk", "unbind", "expand", "None index", "ellipsis"])
def test_views_share_memory_and_version(make):
    """A view sees writes to its base and shares its version counter (and records the base)."""
    x = _x()
    v = make(x)
    assert v._base is x
    before = v._version
    x.add_(1.0)
    assert v._version == before + 1
    assert float(v.sum()) == pytest.approx(float(make(_x()).sum()) + v.numel())


@pytest.mark.parametrize("make", [
    lambda x: x.t().reshape(6), lambda x: x.repeat(2, 1), lambda x: torch.cat([x, x]), lambda x: x.clone(),
    lambda x: x[torch.tensor([0, 1])], lambda x: x.t().contiguous(), lambda x: x.sum(0), lambda x: x * 1,
], ids=["reshape copy", "repeat", "cat", "clone", "tensor index", "contiguous", "sum", "mul"])
def test_copies_do_not_share_memory(make):
    """Ops that must copy give independent tensors."""
    x = _x()
    c = make(x)
    snapshot = c.numpy().copy()
    x.add_(1.0)
    assert c._base is None and np.array_equal(c.numpy(), snapshot)


def test_out_writes_into_the_given_tensor():
    """``out=`` returns the out tensor itself, cast to its dtype when the category allows."""
    a, b = torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])
    o = torch.empty(2)
    assert torch.add(a, b, out=o) is o and o.tolist() == [4.0, 6.0]
    o64 = torch.zeros(2, dtype=torch.float64)
    torch.add(a, b, out=o64)
    assert o64.dtype == torch.float64 and o64.tolist() == [4.0, 6.0]


def test_out_resizes_with_pytorch_warning():
    """A non-empty out of the wrong shape is resized with PyTorch's deprecation warning; an empty one silently."""
    a, b = torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])
    o = torch.zeros(3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.mul(a, b, out=o)
    assert o.tolist() == [3.0, 8.0]
    assert [str(w.message) for w in caught] == [
        "An output with one or more elements was resized since it had shape [3], which does not match the required "
        "output shape [2]. This behavior is deprecated, and in a future PyTorch release outputs will not be resized "
        "unless they have zero elements. You can explicitly reuse an out tensor t by resizing it, inplace, to zero "
        "elements with t.resize_(0)."
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        e = torch.empty(0)
        torch.sub(a, 1, out=e)
    assert e.tolist() == [0.0, 1.0]


def test_out_refuses_a_lower_category():
    """A float result cannot be written into an integer out tensor."""
    with pytest.raises(RuntimeError) as info:
        torch.add(torch.ones(2), 1, out=torch.zeros(2, dtype=torch.int64))
    assert str(info.value) == "result type Float can't be cast to the desired output type Long"


def test_out_refuses_autograd():
    """out= with an input that requires grad raises PyTorch's error (fine under no_grad)."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        torch.mul(x, 2.0, out=torch.empty(2))
    assert str(info.value) == ("mul(): functions with out=... arguments don't support automatic differentiation, "
                               "but one of the arguments requires grad.")
    with torch.no_grad():
        o = torch.empty(2)
        torch.add(x, 1, out=o)
    assert o.tolist() == [2.0, 3.0] and not o.requires_grad


def test_comparison_with_none_and_strings():
    """``t == None`` is False and ``t != None`` True (Python's fallback), as for PyTorch tensors."""
    x = _x()
    assert (x == None) is False  # noqa: E711
    assert (x != None) is True  # noqa: E711
    assert (x == "a") is False


def test_arithmetic_with_none_is_a_type_error():
    """Arithmetic with None raises TypeError, not an internal error."""
    with pytest.raises(TypeError):
        _x() + None


def test_not_implemented_node_raises_on_backward():
    """floor_divide records PyTorch's NotImplemented node: the result requires grad, backward raises."""
    x = torch.tensor([1.5, -2.0], requires_grad=True)
    y = x // 2
    assert y.requires_grad and y.grad_fn.name() == "torch::autograd::NotImplemented"
    assert type(y.grad_fn).__name__ == "NotImplemented"
    with pytest.raises(RuntimeError, match="^derivative for aten::floor_divide is not implemented$"):
        y.sum().backward()


def test_matmul_of_vector_and_matrix_is_not_a_view():
    """``v @ M`` ends with an in-place squeeze on a fresh result: SqueezeBackward4 and no base."""
    v = torch.ones(3, requires_grad=True)
    out = v @ torch.ones(3, 4)
    assert out.grad_fn.name() == "SqueezeBackward4" and out._base is None


def test_gradient_dtype_follows_each_input():
    """float32 * float64 0-d is float32, but each input's gradient keeps the input's dtype."""
    a = torch.ones(3, requires_grad=True)
    s = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    ga, gs = torch.autograd.grad((a * s).sum(), (a, s))
    assert ga.dtype == torch.float32 and gs.dtype == torch.float64 and gs.item() == 3.0


def test_sum_with_dtype_gives_gradient_in_input_dtype():
    """sum(dtype=float64) of a float32 tensor: float64 result, float32 gradient."""
    a = torch.ones(3, requires_grad=True)
    out = a.sum(dtype=torch.float64)
    (g,) = torch.autograd.grad(out, a)
    assert out.dtype == torch.float64 and g.dtype == torch.float32


def test_var_of_one_element_warns_like_pytorch():
    """Too few degrees of freedom: NaN and PyTorch's UserWarning (not NumPy's RuntimeWarning)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = torch.tensor([2.0]).std()
    assert np.isnan(out.item())
    assert [(w.category, str(w.message)) for w in caught] == [(
        UserWarning, "std(): degrees of freedom is <= 0. Correction should be strictly less than the reduction "
                     "factor (input numel divided by output numel).")]


def test_mean_of_empty_is_nan_without_warning():
    """The mean of no elements is NaN, silently."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(torch.ones(0).mean().item())
