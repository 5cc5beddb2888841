"""Tensor attributes and conversions, each expectation checked against PyTorch 2.13 and hard-coded here."""

from __future__ import annotations

import operator
import re
import sys
import warnings

import numpy as np
import pytest

import numtorch as torch

IS_NUMTORCH = torch.__name__ == "numtorch"
numtorch_only = pytest.mark.skipif(not IS_NUMTORCH, reason="inspects numtorch internals")

SCALAR_WITH_GRAD = ("Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n"
                    "Consider using tensor.detach() first.")


def raises(exc_type, message: str):
    """``pytest.raises`` matching the whole message literally."""
    # pytest matches str(e) followed by the exception's notes (numtorch.hints), one per line: the message
    # must be all of str(e), so it ends at the end of the text or where the first note begins.
    return pytest.raises(exc_type, match="^" + re.escape(message) + r"(?:\n|$)")


def recorded(fn):
    """Run ``fn`` recording all warnings: (result, [(category, message without PyTorch's C++ suffix)])."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn()
    return out, [(w.category.__name__, re.sub(r" \(Triggered internally at .*\)$", "", str(w.message)))
                 for w in caught]


# --- attributes --------------------------------------------------------------------------------------------
def test_shape_size_dim_numel_dtype_device():
    """The basic attributes of a 2x3 float tensor."""
    t = torch.arange(6.0).reshape(2, 3)
    assert t.shape == t.size() == (2, 3) and repr(t.shape) == "torch.Size([2, 3])"
    assert (t.size(1), t.size(-1), t.dim(), t.ndim, t.ndimension(), t.numel(), t.nelement()) == (3, 3, 2, 2, 2, 6, 6)
    assert t.dtype == torch.float32 and str(t.dtype) == "torch.float32"
    assert repr(t.device) == "device(type='cpu')" and str(t.device) == "cpu"
    with raises(IndexError, "Dimension out of range (expected to be in range of [-2, 1], but got 2)"):
        t.size(2)


def test_transpose_properties():
    """T reverses dims (warning unless 2-d), mT swaps the last two, H/mH are the same for real tensors."""
    t = torch.arange(6.0).reshape(2, 3)
    assert t.T.tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]] and t.mT.shape == (3, 2) and t.H.shape == (3, 2)
    shape, caught = recorded(lambda: torch.ones(2, 3, 4).T.shape)
    assert shape == (4, 3, 2)
    assert caught == [("UserWarning", "The use of `x.T` on tensors of dimension other than 2 to reverse their shape "
                                      "is deprecated and it will throw an error in a future release. Consider `x.mT` "
                                      "to transpose batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, "
                                      "-1))` to reverse the dimensions of a tensor.")]
    value, caught = recorded(lambda: torch.tensor(1.0).T)
    assert value.item() == 1.0
    assert caught == [("UserWarning",
                       "Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases.")]
    assert torch.ones(2, 3, 4).mT.shape == (2, 4, 3) and torch.ones(2, 3, 4).mH.shape == (2, 4, 3)
    with raises(RuntimeError, "tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor."):
        _ = torch.ones(3).mT


# --- Python conversions ------------------------------------------------------------------------------------
def test_item_and_tolist():
    """item() gives a Python number of the matching type; tolist() nests lists."""
    assert torch.tensor(7).item() == 7 and type(torch.tensor(7).item()) is int
    assert type(torch.tensor(True).item()) is bool and torch.tensor([[4.0]]).item() == 4.0
    assert torch.tensor([0.1]).tolist() == [0.10000000149011612]
    assert torch.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]] and torch.tensor(2.5).tolist() == 2.5
    with raises(RuntimeError, "a Tensor with 3 elements cannot be converted to Scalar"):
        torch.ones(3).item()
    with raises(RuntimeError, "a Tensor with 0 elements cannot be converted to Scalar"):
        torch.tensor([]).item()


def test_len_iter_bool():
    """len and iteration go over the first dim; bool needs exactly one element."""
    assert len(torch.ones(4, 2)) == 4
    assert [r.tolist() for r in torch.tensor([1.0, 2.0])] == [1.0, 2.0]
    assert [r.shape for r in torch.ones(2, 3)] == [(3,), (3,)]
    with raises(TypeError, "len() of a 0-d tensor"):
        len(torch.tensor(1.0))
    with raises(TypeError, "iteration over a 0-d tensor"):
        list(torch.tensor(1.0))
    rows = list(torch.ones(2, 3, requires_grad=True))
    assert rows[0].grad_fn is rows[1].grad_fn and type(rows[0].grad_fn).__name__ == "UnbindBackward0"
    assert (bool(torch.tensor(0.0)), bool(torch.tensor([2])), bool(torch.tensor([0.0]))) == (False, True, False)
    with raises(RuntimeError, "Boolean value of Tensor with more than one value is ambiguous"):
        bool(torch.ones(3))
    with raises(RuntimeError, "Boolean value of Tensor with no values is ambiguous"):
        bool(torch.tensor([]))


def test_float_int_index():
    """float/int truncate like Python; __index__ needs one integer element."""
    assert float(torch.tensor(3)) == 3.0 and float(torch.tensor(True)) == 1.0
    assert int(torch.tensor(3.9)) == 3 and int(torch.tensor(-3.9)) == -3
    assert complex(torch.tensor(2.0)) == 2 + 0j
    with raises(ValueError, "only one element tensors can be converted to Python scalars"):
        float(torch.ones(3))
    with raises(ValueError, "only one element tensors can be converted to Python scalars"):
        int(torch.ones(0))
    with raises(ValueError, "cannot convert float NaN to integer"):
        int(torch.tensor(float("nan")))
    assert [10, 20, 30][torch.tensor(1)] == 20 and [10, 20, 30][torch.tensor([1])] == 20
    assert operator.index(torch.tensor([2])) == 2 and list(range(torch.tensor(3))) == [0, 1, 2]
    message = "only integer tensors of a single element can be converted to an index"
    for bad in (torch.tensor(1.0), torch.tensor([1, 2])):
        with raises(TypeError, message):
            operator.index(bad)


def test_format():
    """0-d tensors format like their Python number; others only with an empty spec."""
    assert f"{torch.tensor(3.14159):.3f}" == "3.142" and f"{torch.tensor(7):5d}" == "    7"
    assert f"{torch.tensor(2.5)}" == "2.5" and f"{torch.tensor([2.5])}" == "tensor([2.5000])"
    assert "{:.2f}".format(torch.tensor(3.14159, requires_grad=True)) == "3.14"
    with raises(TypeError, "unsupported format string passed to Tensor.__format__"):
        f"{torch.tensor([2.5]):.2f}"


@numtorch_only
def test_scalar_conversion_with_grad_warns_once_at_the_callers_line(monkeypatch):
    """float()/%-formatting of a tensor that requires grad warns once per process, pointing at the user's line;
    int(), item() and format() do not warn."""
    tensor_module = sys.modules["numtorch.tensor"]  # (``numtorch.tensor`` is the factory function)
    monkeypatch.setattr(tensor_module, "_scalar_warned", False)
    s = torch.tensor(3.14159, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        int(s), s.item(), f"{s:.2f}"
        text = "%.4e" % s; line = __import__("inspect").currentframe().f_lineno  # noqa: E702
        float(s)
    assert text == "3.1416e+00"
    assert [(w.category, str(w.message), w.filename, w.lineno) for w in caught] == [
        (UserWarning, SCALAR_WITH_GRAD, __file__, line)]
    monkeypatch.setattr(tensor_module, "_scalar_warned", False)
    _, again = recorded(lambda: float(torch.tensor([1.5], requires_grad=True)))
    assert again == [("UserWarning", SCALAR_WITH_GRAD)]


# --- NumPy -------------------------------------------------------------------------------------------------
def test_numpy_shares_memory_both_ways():
    """numpy() and from_numpy() share memory with the tensor."""
    t = torch.zeros(3)
    a = t.numpy()
    a[0] = 5
    t[1] = 7
    assert t.tolist() == [5.0, 7.0, 0.0] and a.tolist() == [5.0, 7.0, 0.0]
    b = np.zeros(3, dtype=np.float32)
    u = torch.from_numpy(b)
    b[0] = 1
    u[1] = 2
    assert u.tolist() == [1.0, 2.0, 0.0] and b.tolist() == [1.0, 2.0, 0.0]
    assert torch.tensor([1, 2]).numpy().dtype == np.int64


def test_numpy_and_array_protocol_refuse_grad():
    """numpy() and np.asarray() refuse a tensor that requires grad (unless force=True)."""
    v = torch.tensor([1.5], requires_grad=True)
    message = "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
    with raises(RuntimeError, message):
        v.numpy()
    with raises(RuntimeError, message):
        np.asarray(v)
    assert v.numpy(force=True).tolist() == [1.5]
    assert np.asarray(torch.tensor([1.0, 2.0])).tolist() == [1.0, 2.0]
    assert np.asarray(torch.tensor([1.0, 2.0]), dtype=np.float64).dtype == np.float64


# --- dtype and device conversions --------------------------------------------------------------------------
def test_dtype_conversion_methods():
    """float/double/long/int/bool/half convert; converting to the same dtype returns self."""
    t = torch.arange(6.0).reshape(2, 3)
    assert [str(x.dtype) for x in (t.float(), t.double(), t.long(), t.int(), t.bool(), t.half())] == [
        "torch.float32", "torch.float64", "torch.int64", "torch.int32", "torch.bool", "torch.float16"]
    assert t.float() is t and t.to(torch.float32) is t and t.to("cpu") is t
    assert t.to(torch.float32, copy=True) is not t
    assert t.to(torch.ones(1, dtype=torch.int64)).dtype == torch.int64
    assert t.to(dtype=torch.float64, device="cpu").dtype == torch.float64
    assert torch.tensor([1.7, -1.7]).long().tolist() == [1, -1]


def test_conversion_of_tensor_requiring_grad_records():
    """Converting dtype is differentiable (ToCopyBackward0); a no-op conversion keeps the leaf."""
    a = torch.ones(2, requires_grad=True)
    d = a.double()
    assert type(d.grad_fn).__name__ == "ToCopyBackward0" and a.float() is a
    d.sum().backward()
    assert a.grad.dtype == torch.float32 and a.grad.tolist() == [1.0, 1.0]


def test_type_names_and_conversion():
    """type() names the legacy tensor type, or converts to one."""
    assert torch.ones(1).type() == "torch.FloatTensor"
    assert torch.ones(1, dtype=torch.int64).type() == "torch.LongTensor"
    assert torch.ones(1, dtype=torch.bool).type() == "torch.BoolTensor"
    assert torch.ones(1).type(torch.int32).dtype == torch.int32
    assert torch.ones(1).type("torch.DoubleTensor").dtype == torch.float64
    with raises(ValueError, "invalid type: 'torch.Foo'"):
        torch.ones(1).type("torch.Foo")


def test_cuda_is_not_available():
    """Asking for CUDA fails as in a CPU-only PyTorch build; unknown devices list the known ones."""
    for make in (lambda: torch.ones(1).to("cuda"), lambda: torch.ones(1).cuda(), lambda: torch.ones(2, device="cuda"),
                 lambda: torch.tensor([1.0], device="cuda"), lambda: torch.ones(1).to(torch.device("cuda"))):
        with raises(AssertionError, "Torch not compiled with CUDA enabled"):
            make()
    assert repr(torch.device("cuda")) == "device(type='cuda')"
    with raises(RuntimeError, "Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, "
                              "maia, xla, lazy, vulkan, mps, meta, hpu, mtia, privateuseone device type at start of "
                              "device string: foo"):
        torch.ones(1).to("foo")


# --- copies, data, in-place fills --------------------------------------------------------------------------
def test_clone_and_contiguous():
    """clone copies (recorded as CloneBackward0); contiguous returns self when already contiguous."""
    t = torch.arange(6.0).reshape(2, 3)
    c = t.clone()
    c[0, 0] = 9
    assert t[0, 0].item() == 0.0 and c is not t
    assert t.contiguous() is t and not t.t().is_contiguous() and t.t().contiguous().is_contiguous()
    v = torch.tensor([1.5], requires_grad=True)
    assert repr(v.clone()) == "tensor([1.5000], grad_fn=<CloneBackward0>)"


def test_data_attribute():
    """.data shares memory without history or version tracking; assigning it swaps the storage."""
    v = torch.tensor([1.5], requires_grad=True)
    assert v.data.requires_grad is False and v.data.tolist() == [1.5]
    x = torch.ones(2, requires_grad=True)
    y = x * x
    x.data.mul_(2)  # unseen by the version check: backward uses the new values
    y.sum().backward()
    assert x.grad.tolist() == [4.0, 4.0] and x._version == 0
    x.data = torch.zeros(3)
    assert x.tolist() == [0.0, 0.0, 0.0] and x.requires_grad
    with raises(RuntimeError, "data set to a tensor that requires gradients must be floating point or complex dtype"):
        x.data = torch.zeros(2, dtype=torch.int64)


def test_copy_():
    """copy_ broadcasts and converts into self in place, returning self."""
    x = torch.zeros(2, 3)
    assert x.copy_(torch.tensor([1, 2, 3])) is x and x.tolist() == [[1.0, 2.0, 3.0]] * 2 and x._version == 1
    with raises(RuntimeError, "The size of tensor a (2) must match the size of tensor b (4) at non-singleton "
                              "dimension 0"):
        torch.zeros(2, 3).copy_(torch.ones(4, 3))
    with raises(RuntimeError, "output with shape [3] doesn't match the broadcast shape [2, 3]"):
        torch.zeros(3).copy_(torch.ones(2, 3))
    with raises(TypeError, "copy_(): argument 'other' (position 1) must be Tensor, not list"):
        torch.zeros(3).copy_([1, 2, 3])
    y = torch.arange(4.0)
    assert y.copy_(y).tolist() == [0.0, 1.0, 2.0, 3.0]
    with raises(RuntimeError, "unsupported operation: some elements of the input tensor and the written-to tensor "
                              "refer to a single memory location. Please clone() the tensor before performing the "
                              "operation."):
        y[1:].copy_(y[:3])


def test_in_place_ops_refuse_partial_self_overlap():
    """An in-place op may read exactly the memory it writes, or disjoint memory, but not a shifted overlap."""
    message = ("unsupported operation: some elements of the input tensor and the written-to tensor refer to a "
               "single memory location. Please clone() the tensor before performing the operation.")
    x = torch.arange(4.0)
    assert x.add_(x).tolist() == [0.0, 2.0, 4.0, 6.0]
    x[2:] += x[:2]
    assert x.tolist() == [0.0, 2.0, 4.0, 8.0]
    for bad in (lambda: x.mul_(x[0]), lambda: x.mul_(x[1:2]), lambda: x[1:].add_(x[:3]),
                lambda: x.__setitem__([0, 1], x[2:4]), lambda: x.view(2, 2).copy_(x.view(2, 2).t())):
        with raises(RuntimeError, message):
            bad()
    assert x.tolist() == [0.0, 2.0, 4.0, 8.0]


def test_copy_records_copy_backwards():
    """copy_ from a tensor requiring grad records CopyBackwards (name() is PyTorch's C++ name)."""
    a = torch.ones(2, requires_grad=True)
    y = torch.zeros(2)
    y.copy_(a * 3)
    assert type(y.grad_fn).__name__ == "CopyBackwards" and y.grad_fn.name() == "torch::autograd::CopyBackwards"
    y.sum().backward()
    assert a.grad.tolist() == [3.0, 3.0]


def test_fill_and_zero():
    """fill_ converts the value to self's dtype; zero_ zeroes; both return self and bump the version."""
    x = torch.zeros(2, 3, dtype=torch.int64)
    assert x.fill_(2.7) is x and x.tolist() == [[2, 2, 2]] * 2 and x._version == 1
    assert torch.zeros(2).fill_(torch.tensor(3.0)).tolist() == [3.0, 3.0]
    with raises(RuntimeError, "fill_ only supports 0-dimension value tensor but got tensor with 1 dimensions."):
        torch.zeros(2).fill_(torch.tensor([3.0, 4.0]))
    z = torch.ones(2, 3)
    assert z.zero_() is z and z.tolist() == [[0.0] * 3] * 2 and z._version == 1


def test_fill_and_zero_gradients():
    """fill_ with a number is FillBackward2, with a 0-d tensor FillBackward3 (the value gets grad.sum())."""
    s = torch.tensor(2.0, requires_grad=True)
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    y = a * 1
    y.fill_(s)
    y.sum().backward()
    assert type(y.grad_fn).__name__ == "FillBackward3" and a.grad.tolist() == [0.0, 0.0] and s.item() == 2.0
    assert s.grad.item() == 2.0
    y = a * 1
    y.fill_(2.0)
    assert type(y.grad_fn).__name__ == "FillBackward2"
    y = a * 1
    y.zero_()
    assert type(y.grad_fn).__name__ == "ZeroBackward0"


# --- indexing ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("expr, chain, shape", [
    ("x[:]", ["SliceBackward0"], [2, 3]),
    ("x[:, :]", ["AliasBackward0"], [2, 3]),
    ("x[0:2, :]", ["AliasBackward0"], [2, 3]),
    ("x[:, -3:]", ["SliceBackward0"], [2, 3]),
    ("x[::1]", ["SliceBackward0"], [2, 3]),
    ("x[...]", ["AliasBackward0"], [2, 3]),
    ("x[()]", ["AliasBackward0"], [2, 3]),
    ("x[1:, 1:]", ["SliceBackward0", "SliceBackward0"], [1, 2]),
    ("x[0, :, None]", ["UnsqueezeBackward0", "SelectBackward0"], [3, 1]),
    ("x[1][2]", ["SelectBackward0", "SelectBackward0"], []),
    ("x[torch.tensor(1)]", ["SelectBackward0"], [3]),
    ("x[None, ..., None]", ["UnsqueezeBackward0", "UnsqueezeBackward0"], [1, 2, 3, 1]),
    ("x[5:]", ["SliceBackward0"], [0, 3]),
    ("x[1:, torch.tensor([0, 2])]", ["IndexBackward0", "SliceBackward0"], [1, 2]),
    ("x[x > 2]", ["IndexBackward0"], [3]),
])
def test_getitem_records_one_op_per_dim(expr, chain, shape):
    """Basic indexing records PyTorch's view ops (lone slices always, full slices in tuples never)."""
    out = eval(expr, {"torch": torch, "x": torch.arange(6.0).reshape(2, 3).requires_grad_()})
    fn, seen = out.grad_fn, []
    while fn is not None and type(fn).__name__ != "AccumulateGrad":
        seen.append(type(fn).__name__)
        fn = fn.next_functions[0][0]
    assert (seen, list(out.shape)) == (chain, shape)


def test_getitem_advanced_index_placement():
    """Ints act first (select), then the remaining tensor indices follow NumPy's placement rule."""
    x = torch.arange(24.0).reshape(2, 3, 4)
    assert x[0, :, torch.tensor([1, 2])].shape == (3, 2)
    assert x[torch.tensor([0, 1]), :, 0].shape == (2, 3)
    assert x[torch.tensor([[0], [1]]), torch.tensor([0, 2])].shape == (2, 2, 4)
    assert x[..., ...].shape == (2, 3, 4) and x[..., 0, ...].shape == (2, 3)


def test_getitem_errors():
    """Out-of-range, bad-type and shape-mismatch indices raise PyTorch's errors."""
    x = torch.arange(6.0).reshape(2, 3)
    with raises(IndexError, "index 5 is out of bounds for dimension 0 with size 2"):
        x[torch.tensor([0, 5])]
    with raises(IndexError, "The shape of the mask [3] at index 0 does not match the shape of the indexed tensor "
                            "[2, 3] at index 0"):
        x[torch.tensor([True, False, True])]
    with raises(IndexError, "shape mismatch: indexing tensors could not be broadcast together with shapes [2], [3]"):
        x[torch.tensor([0, 1]), torch.tensor([0, 1, 2])]
    with raises(IndexError, "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` "
                            "in C++ to convert a 0-dim tensor to a number"):
        torch.tensor(5.0)[0]
    with raises(IndexError, "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
                            "valid indices (got float)"):
        x[1.0]
    with raises(IndexError, "too many indices for tensor of dimension 2"):
        x[0, 0, 0]


def test_setitem_values_and_broadcasting():
    """Values are numbers or tensors, broadcast (without leading 1s) and converted to self's dtype."""
    x = torch.zeros(2, 3)
    x[0] = torch.ones(1, 3)
    x[1, ::2] = 4
    assert x.tolist() == [[1.0, 1.0, 1.0], [4.0, 0.0, 4.0]]
    i = torch.zeros(2, 3, dtype=torch.int64)
    i[0] = 7.9
    i[1] = torch.tensor([1.5, 2.5, 3.5])
    assert i.tolist() == [[7, 7, 7], [1, 2, 3]]
    y = torch.zeros(2, 3)
    y[(torch.tensor([0, 1]), 0)] = torch.tensor([4.0, 5.0])
    y[torch.tensor([[False, True, False], [False, False, True]])] = torch.tensor(9.0)
    y[np.int64(1), 1] = np.float64(2.5)
    assert y.tolist() == [[4.0, 9.0, 0.0], [5.0, 2.5, 9.0]]


def test_setitem_errors():
    """Bad values and shapes raise PyTorch's errors and change nothing."""
    x = torch.zeros(2, 3)
    with raises(TypeError, "can't assign a list to a torch.FloatTensor"):
        x[0] = [1.0, 2.0, 3.0]
    with raises(TypeError, "can't assign a numpy.ndarray to a torch.FloatTensor"):
        x[0] = np.array([1.0, 2.0, 3.0])
    with raises(TypeError, "can't assign a numpy.float32 to a torch.FloatTensor"):
        x[0] = np.float32(1.0)
    with raises(RuntimeError, "The expanded size of the tensor (3) must match the existing size (2) at "
                              "non-singleton dimension 0.  Target sizes: [3].  Tensor sizes: [2]"):
        x[0] = torch.ones(2)
    with raises(RuntimeError, "expand(torch.FloatTensor{[2, 3]}, size=[3]): the number of sizes provided (1) must "
                              "be greater or equal to the number of dimensions in the tensor (2)"):
        x[0] = torch.ones(2, 3)
    with raises(RuntimeError, "shape mismatch: value tensor of shape [3, 3] cannot be broadcast to indexing result "
                              "of shape [2, 3]"):
        x[torch.tensor([0, 1])] = torch.ones(3, 3)
    with raises(IndexError, "index 5 is out of bounds for dimension 0 with size 2"):
        x[5] = 1.0
    assert x.tolist() == [[0.0] * 3] * 2 and x._version == 0


def test_zero_dim_op_results_are_real_arrays():
    """0-d results of ops support views and in-place writes like any tensor (NumPy gives scalars there)."""
    a = torch.tensor(1.0, requires_grad=True)
    b = a * 2 + 1
    assert b.view(1).tolist() == [3.0]
    assert b.unsqueeze(0).shape == (1,)
    c = torch.tensor(2.0) + 1
    c += 1
    c[...] = c * 2
    assert c.item() == 8.0 and c.is_contiguous()


def test_deepcopy_of_a_leaf_is_a_new_leaf_with_the_users_attributes():
    # A leaf's accumulator (held while a graph uses it) and hooks stay with the original, as in PyTorch:
    # gradients through the copy reach the copy. The user's own attributes are copied.
    import copy

    x = torch.tensor([1.0, 2.0], requires_grad=True)
    kept = x * 2  # noqa: F841  (a live graph: x's AccumulateGrad exists)
    seen = []
    x.register_hook(seen.append)
    x.note = ["mine"]
    x2 = copy.deepcopy(x)
    (x2 * 3).sum().backward()
    assert x.grad is None and x2.grad.tolist() == [3.0, 3.0] and not seen
    assert x2.note == ["mine"] and x2.note is not x.note
