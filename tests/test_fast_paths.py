"""The hot path's shortcuts give the same values as the general code (issue 4), and PyTorch's where it matters.

Each shortcut here was added for speed: the engine's chain sweep, the Tensor-with-Tensor and Tensor-with-
number fast paths of add/sub/mul/div, sum_to without a graph, the first .grad's copy, the float64 update of
big parameters block by block, the layout-keeping matmul gradients, the 0-d broadcast of reduced gradients.
Values are compared bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest

import numtorch as torch
import numtorch.nn.functional as F
from numtorch.optim import _kernels as K


def _bits(t) -> bytes:
    return np.ascontiguousarray(t._data if hasattr(t, "_data") else t).tobytes()


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("np_dtype", [np.float32, np.float64])
def test_mse_loss_backward_is_pytorchs_kernel(reduction, np_dtype):
    # PyTorch's mse_backward: norm * (x - y) * grad, norm = 2/n (mean) or 2 rounded to the input's type;
    # an upstream gradient other than 1 shows the order of the products.
    rs = np.random.RandomState(0)
    for n in (1, 5, 9, 31):
        x, y = rs.randn(n).astype(np_dtype), rs.randn(n).astype(np_dtype)
        g = rs.randn(n if reduction == "none" else 1).astype(np_dtype) * 3.7
        g = g if reduction == "none" else g.reshape(())
        xt = torch.tensor(x, requires_grad=True)
        F.mse_loss(xt, torch.tensor(y), reduction=reduction).backward(torch.tensor(g))
        norm = np_dtype(2.0 / n if reduction == "mean" else 2.0)
        assert _bits(xt.grad) == _bits(((x - y) * norm) * g)


def test_chain_and_branching_graphs_accumulate_the_same():
    # The engine runs a chain without its heap; branches and shared inputs still wait for every edge.
    x = torch.tensor([0.5, -1.5, 2.0], requires_grad=True)
    y = ((x * 3 - 1) ** 2).mean()
    z = (x * x + x).sum() + (x.exp() * y).sum()
    (y + z).backward()
    xa = x.detach().numpy().astype(np.float64)
    ya = np.mean((xa * 3 - 1) ** 2)
    dy = 2 * (xa * 3 - 1) * 3 / 3
    expect = dy + 2 * xa + 1 + np.exp(xa) * ya + np.exp(xa).sum() * dy
    np.testing.assert_allclose(x.grad.numpy(), expect, rtol=1e-5)


def test_tensor_fast_paths_match_general_paths():
    a = torch.tensor([[1.5, -2.0, 3.25]])
    b = torch.tensor([[0.5], [4.0]])
    for op in (torch.add, torch.sub, torch.mul):
        fast = op(a, b)
        general = op(a, b.double()).float()  # the promoting path, then back: same float32 arithmetic here
        assert fast.shape == (2, 3) and _bits(fast) == _bits(general)
    with pytest.raises(RuntimeError, match="must match the size"):
        torch.tensor([1.0, 2.0]) + torch.tensor([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with two bool tensors"):
        torch.tensor([True]) - torch.tensor([False])
    c = torch.tensor([1.0, 2.0], requires_grad=True)
    d = c * c - c + c
    assert type(d.grad_fn).__name__ == "AddBackward0"
    d.sum().backward()
    assert c.grad.tolist() == [2.0, 4.0]


@pytest.mark.parametrize("shape", [(3,), (K._BLOCK + 7,), (300, 250)])
def test_blocked_float32_update_is_the_fused_update(shape):
    rs = np.random.RandomState(1)
    a = (rs.randn(*shape) * 10).astype(np.float32)
    b = (rs.randn(*shape) * 1e-3).astype(np.float32)
    alpha = -0.37
    expect = (a.astype(np.float64) + np.float64(np.float32(alpha)) * b.astype(np.float64)).astype(np.float32)
    got = a.copy()
    K.add_(got, b, alpha)
    assert got.tobytes() == expect.tobytes()
    c = (rs.randn(*shape)).astype(np.float32)
    expect = (a.astype(np.float64) + (np.float32(0.5) * b).astype(np.float64) * c).astype(np.float32)
    assert K.addcmul(a, b, c, 0.5).tobytes() == expect.tobytes()


def test_linear_weight_gradient_keeps_the_weights_layout():
    # As PyTorch's mm_mat2_backward: the gradient of weight.t() is computed as (grad^T @ input)^T, so the
    # weight's .grad comes out contiguous; the values are those of input^T @ grad.
    rs = np.random.RandomState(2)
    x = torch.tensor(rs.randn(8, 5).astype(np.float32))
    w = torch.tensor(rs.randn(3, 5).astype(np.float32), requires_grad=True)
    b = torch.tensor(rs.randn(3).astype(np.float32), requires_grad=True)
    g = rs.randn(8, 3).astype(np.float32)
    F.linear(x, w, b).backward(torch.tensor(g))
    assert w.grad.is_contiguous()
    np.testing.assert_allclose(w.grad.numpy(), g.T @ x.numpy(), rtol=1e-6)
    np.testing.assert_allclose(b.grad.numpy(), g.sum(0), rtol=1e-6)


def test_expanded_zero_dim_gradient_is_a_read_only_view():
    s = torch.tensor(2.0)
    e = s.expand(3, 2)
    assert e.shape == (3, 2) and e.tolist() == [[2.0, 2.0]] * 3
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        e.add_(1)
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x.mean().backward()
    assert np.allclose(x.grad.numpy(), 1 / 3) and x.grad._data.flags.writeable


def test_python_number_fast_paths_match_general_paths():
    # A float tensor with a Python int or float skips operands(); out= takes the general path.
    rs = np.random.RandomState(3)
    for np_dtype in (np.float16, np.float32, np.float64):
        a = torch.tensor(rs.randn(2, 3).astype(np_dtype))
        for number in (3, -7, 0.1, 2**40):
            for op in (torch.add, torch.mul, torch.div):
                fast = op(a, number)
                general = op(a, number, out=torch.empty(0, dtype=a.dtype))
                assert fast.dtype == a.dtype and _bits(fast) == _bits(general), (op, number, np_dtype)
    zero_d = torch.tensor(1.5) / 4
    assert zero_d.shape == () and zero_d.item() == 0.375
    with pytest.raises(RuntimeError, match="must match the size"):
        torch.tensor([1.0, 2.0]) / torch.tensor([1.0, 2.0, 3.0])
    assert (torch.tensor([7, 2]) / 2).dtype == torch.float32  # integer true division still promotes
    assert (torch.tensor([7, 2]) * 2).dtype == torch.int64


def test_div_fast_path_records_div_backward():
    x = torch.tensor([1.0, 2.0, 4.0], requires_grad=True)
    y = torch.tensor([2.0, 4.0, 8.0], requires_grad=True)
    q = x / y
    assert type(q.grad_fn).__name__ == "DivBackward0"
    q.sum().backward()
    assert x.grad.tolist() == [0.5, 0.25, 0.125]
    assert y.grad.tolist() == [-0.25, -0.125, -0.0625]
    assert type((x / 3).grad_fn).__name__ == "DivBackward0"


@pytest.mark.parametrize("shapes", [((2, 3), (1, 3)), ((2, 3), (3,)), ((4, 1, 3), (1,)), ((2, 3), ())])
def test_sum_to_without_graph_is_the_ops_sum(shapes):
    # sum_to reduces broadcast gradients with NumPy directly when nothing records; with create_graph it runs
    # the sum and reshape ops. Both give the same bits, and the second records SumBackward1/ViewBackward0.
    from numtorch.ops._helpers import sum_to

    big, small = shapes
    g = torch.tensor(np.random.RandomState(4).randn(*big).astype(np.float32))
    with torch.no_grad():
        fast = sum_to(g, small)
    gr = g.clone().requires_grad_()
    recorded = sum_to(gr, small)
    assert fast.shape == small and _bits(fast) == _bits(recorded)
    assert recorded.grad_fn is not None
    b = torch.zeros(small, requires_grad=True)
    (g * 0 + b).sum().backward()
    assert b.grad.shape == small and b.grad._data.flags.writeable


def test_first_gradient_is_a_private_copy():
    # AccumulateGrad copies the first incoming gradient (formulas may hand one array to several inputs).
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = torch.tensor([3.0, 4.0], requires_grad=True)
    (x + y).sum().backward()
    assert x.grad._data is not y.grad._data and x.grad._data.flags.c_contiguous
    x.grad.add_(1)
    assert y.grad.tolist() == [1.0, 1.0]
    h = torch.tensor([1.0, 2.0], dtype=torch.float16, requires_grad=True)
    (h.float() * 2).sum().backward()
    assert h.grad.dtype == torch.float16 and h.grad.tolist() == [2.0, 2.0]


def _grad_both_ways(fn, *inputs, grad_output=None):
    """Gradients of fn(*inputs) from a plain backward (array fast paths) and with create_graph=True (the
    numtorch-op formulas), as bytes."""
    out = []
    for create_graph in (False, True):
        leaves = [torch.tensor(a, requires_grad=True) for a in inputs]
        result = fn(*leaves)
        g = torch.ones_like(result) if grad_output is None else torch.tensor(grad_output)
        grads = torch.autograd.grad(result, leaves, g, create_graph=create_graph)
        out.append([_bits(x.detach()) for x in grads])
    return out


@pytest.mark.parametrize("np_dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_gradient_fast_path_is_the_formula(np_dtype, reduction):
    # LogSoftmaxBackward0 and NllLossBackward0 compute on arrays in a plain backward; the bits must equal those
    # of their numtorch-op formulas (create_graph=True), with class weights and ignored samples too.
    rs = np.random.RandomState(5)
    for shape in ((64, 10), (7, 5), (3, 4, 2)):
        x = (rs.randn(*shape) * 3).astype(np_dtype)
        target = rs.randint(0, shape[1], size=(shape[0],) + shape[2:]).astype(np.int64)
        target.reshape(-1)[::3] = -100
        weight = torch.tensor(rs.rand(shape[1]).astype(np_dtype))
        g = rs.randn(*target.shape).astype(np_dtype) if reduction == "none" else None
        for w in (None, weight):
            plain, graphed = _grad_both_ways(
                lambda a, t=target, w=w: F.cross_entropy(a, torch.tensor(t), weight=w, reduction=reduction), x,
                grad_output=g)
            assert plain == graphed, (shape, w is None)


@pytest.mark.parametrize("bias_shape", [(3,), (1, 3), (8, 3), None])
def test_linear_gradient_fast_path_is_the_formula(bias_shape):
    # AddmmBackward0/MmBackward0 compute on arrays in a plain backward: the same products on the same layouts.
    rs = np.random.RandomState(6)
    x = rs.randn(8, 5).astype(np.float32)
    w = rs.randn(3, 5).astype(np.float32)
    g = rs.randn(8, 3).astype(np.float32)
    if bias_shape is None:
        plain, graphed = _grad_both_ways(lambda a, b: F.linear(a, b), x, w, grad_output=g)
    else:
        b = rs.randn(*bias_shape).astype(np.float32)
        plain, graphed = _grad_both_ways(lambda a, c, d: torch.addmm(d, a, c.t(), beta=0.5, alpha=2.0), x, w, b,
                                         grad_output=g)
        assert plain == graphed
        plain, graphed = _grad_both_ways(lambda a, c, d: F.linear(a, c, d), x, w, b, grad_output=g)
    assert plain == graphed


def test_taken_over_gradients_alias_nothing():
    # AccumulateGrad keeps an unshared incoming gradient as .grad (no copy); anything that still holds the
    # gradient or its memory (a second input, a hook, retain_grad, the caller's gradient) gets a copy instead.
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = torch.tensor([3.0, 4.0], requires_grad=True)
    (x + y).sum().backward()
    assert not np.shares_memory(x.grad._data, y.grad._data)
    kept = []
    z = torch.tensor([1.0, 2.0], requires_grad=True)
    z.register_hook(kept.append)
    (z * 2).sum().backward()
    assert not np.shares_memory(kept[0]._data, z.grad._data) and z.grad.tolist() == [2.0, 2.0]
    u = torch.tensor([1.0, 2.0], requires_grad=True)
    mid = u * 1
    mid.retain_grad()
    (mid + 0).backward(torch.tensor([5.0, 6.0]))
    assert not np.shares_memory(mid.grad._data, u.grad._data)
    v = torch.tensor([7.0, 8.0])
    w = torch.tensor([1.0, 1.0], requires_grad=True)
    (w + 0).backward(v)
    assert not np.shares_memory(v._data, w.grad._data)
    w.grad.add_(1)
    assert v.tolist() == [7.0, 8.0]
    lin = torch.nn.Linear(5, 3)
    x5 = torch.tensor(np.random.RandomState(7).randn(4, 5).astype(np.float32))
    lin(x5).sum().backward()
    assert lin.weight.grad.is_contiguous() and lin.weight.grad.shape == (3, 5)
    np.testing.assert_allclose(lin.weight.grad.numpy(), np.ones((4, 3), np.float32).T @ x5.numpy(), rtol=1e-6)
    assert not np.shares_memory(lin.weight.grad._data, lin.bias.grad._data)


def test_relu_gradient_fast_path_is_the_formula():
    # ReluBackward0 on arrays in a plain backward: zeros stay +0 for negative, infinite and NaN upstream
    # gradients (PyTorch's threshold_backward), as the where-op formula under create_graph gives.
    x = np.array([[-1.0, 0.0, 2.0, np.nan], [3.0, -np.inf, np.inf, 1e-30]], np.float32)
    g = np.array([[-np.inf, -2.0, -3.0, 4.0], [np.nan, 5.0, np.inf, -1.0]], np.float32)
    plain, graphed = _grad_both_ways(torch.relu, x, grad_output=g)
    assert plain == graphed
    assert not np.signbit(np.frombuffer(plain[0], np.float32).reshape(2, 4)[0, :2]).any()


@pytest.mark.parametrize("np_dtype", [np.float16, np.float32, np.float64, np.int64, np.int8])
def test_relu_keeps_negative_zero_and_nan_as_pytorch_does(np_dtype):
    # relu and its plain-backward gradient select by bit masks (optimised np.where): -0 and NaN pass
    # through the forward unchanged (PyTorch's clamp_min), the gradient passes where the output is NaN
    # (threshold_backward), and every dropped element is +0.
    if np.dtype(np_dtype).kind == "f":
        x = np.array([[-0.0, np.nan, -3.5, 0.0], [2.0, -np.inf, np.inf, -1e-3]], np_dtype)
        g = np.array([[-1.0, 7.0, -2.0, -4.0], [3.0, -5.0, np.nan, np.inf]], np_dtype)
        expect_y = np.where(x < 0, np_dtype(0), x)
        y = torch.relu(torch.tensor(x))
        assert _bits(y) == _bits(expect_y)
        plain, graphed = _grad_both_ways(torch.relu, x, grad_output=g)
        assert plain == graphed == [_bits(np.where(np.isnan(x) | (x > 0), g, np_dtype(0)))]
    else:
        x = np.array([-3, 0, 5, -128 if np_dtype is np.int8 else -2**40], np_dtype)
        assert _bits(torch.relu(torch.tensor(x))) == _bits(np.maximum(x, 0))
    assert torch.relu(torch.tensor(np_dtype(-2))).item() == 0  # 0-d


def test_square_gradient_fast_path_is_the_formula():
    # x**2's plain backward multiplies x directly; recorded, the gradient's graph keeps PyTorch's pow node.
    x = np.array([[-1.5, 0.0, 2.25], [-0.0, 3e-20, -7.0]], np.float32)
    g = np.array([[0.5, -2.0, 3.0], [-1.0, 4.0, np.inf]], np.float32)
    plain, graphed = _grad_both_ways(lambda t: t ** 2, x, grad_output=g)
    assert plain == graphed
    leaf = torch.tensor(x, requires_grad=True)
    (grad,) = torch.autograd.grad((leaf ** 2).sum(), leaf, create_graph=True)
    names, fn = [], grad.grad_fn
    while fn is not None:
        names.append(type(fn).__name__)
        fn = next((f for f, _ in fn.next_functions if f is not None), None)
    assert names[-2:] == ["PowBackward0", "AccumulateGrad"]


def test_plain_loss_backward_is_autograd_backward():
    # Tensor.backward() with no arguments skips autograd.backward's argument handling; retain_graph and the
    # errors of every other call stay the same.
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    torch.autograd.backward(loss)
    assert x.grad.tolist() == [4.0, 8.0]
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        loss.backward()
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad"):
        torch.tensor(1.0).backward()
    d = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    d.backward()
    assert d.grad.dtype == torch.float64 and d.grad.item() == 1.0


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shapes", [((9,), (9,)), ((4, 3), (4, 3)), ((4, 3), (3,)), ((2, 1), (1, 5))])
def test_mse_loss_gradient_fast_path_is_the_formula(reduction, shapes):
    # MseLossBackward0 on arrays in a plain backward (both inputs' gradients, broadcast targets too) gives the
    # bits of its numtorch-op formula under create_graph.
    import warnings

    rs = np.random.RandomState(9)
    a, b = (rs.randn(*s).astype(np.float32) for s in shapes)
    out_shape = np.broadcast_shapes(*shapes)
    g = rs.randn(*out_shape).astype(np.float32) if reduction == "none" else np.float32(1.7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the broadcasting warning of mismatched shapes
        plain, graphed = _grad_both_ways(lambda x, y: F.mse_loss(x, y, reduction=reduction), a, b,
                                         grad_output=g)
    assert plain == graphed
