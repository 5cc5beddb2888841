"""Autograd semantics, each expectation checked against PyTorch 2.13 and hard-coded here.

Leaves and ``.grad``, hooks, ``backward``/``autograd.grad`` options, higher-order gradients, grad modes,
custom Functions, version counters, in-place ops on non-leaves and views, setitem, deep graphs.
"""

from __future__ import annotations

import re
import warnings

import pytest

import numtorch as torch

IS_NUMTORCH = torch.__name__ == "numtorch"
numtorch_only = pytest.mark.skipif(not IS_NUMTORCH, reason="inspects numtorch internals")

SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they have "
    "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
    "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if "
    "you need to access saved tensors after calling backward."
)
NON_LEAF_GRAD = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be "
    "populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf "
    "Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure "
    "you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more information."
)
HINT = ("Hint: enable anomaly detection to find the operation that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False).")


def raises(exc_type, message: str):
    """``pytest.raises`` matching the whole message literally."""
    # pytest matches str(e) followed by the exception's notes (numtorch.hints), one per line: the message
    # must be all of str(e), so it ends at the end of the text or where the first note begins.
    return pytest.raises(exc_type, match="^" + re.escape(message) + r"(?:\n|$)")


def modified_message(desc: str, now: int, expected: int) -> str:
    return ("one of the variables needed for gradient computation has been modified by an inplace operation: "
            f"{desc} is at version {now}; expected version {expected} instead. {HINT}")


def recorded(fn):
    """Run ``fn`` recording all warnings; returns (result, [(category name, message)]).

    PyTorch's C++ warnings end with a build-specific " (Triggered internally at ...)" that is dropped here.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn()
    return out, [(w.category.__name__, re.sub(r" \(Triggered internally at .*\)$", "", str(w.message)))
                 for w in caught]


def names(t):
    """``(grad_fn class name, [next function class names])`` of a tensor."""
    fn = t.grad_fn
    if fn is None:
        return None
    return type(fn).__name__, [None if n is None else type(n).__name__ for n, _ in fn.next_functions]


def leaf(*values):
    return torch.tensor(list(values), requires_grad=True)


# --- leaves, .grad, accumulation ----------------------------------------------------------------------------
def test_leaf_and_non_leaf_flags():
    """A user-made tensor is a leaf; an op's result is not, and carries its grad_fn."""
    x = leaf(1.0, 2.0)
    y = x * 2
    assert (x.is_leaf, x.requires_grad, x.grad_fn, x.grad) == (True, True, None, None)
    assert (y.is_leaf, y.requires_grad, y.retains_grad) == (False, True, False)
    assert names(y) == ("MulBackward0", ["AccumulateGrad", None])
    c = torch.ones(2)
    assert (c.is_leaf, c.requires_grad, (c * 2).is_leaf) == (True, False, True)


def test_non_leaf_grad_warns_only_while_unset():
    """Reading a non-leaf's unset .grad warns; once it holds a value there is no warning."""
    x = leaf(1.0, 2.0)
    y = x * 2
    value, caught = recorded(lambda: y.grad)
    assert value is None and caught == [("UserWarning", NON_LEAF_GRAD)]
    y.grad = torch.ones(2)
    value, caught = recorded(lambda: y.grad)
    assert value.tolist() == [1.0, 1.0] and caught == []


def test_grad_accumulates_in_the_same_tensor():
    """A second backward adds into the existing .grad tensor (same object)."""
    x = leaf(1.0, 2.0, 3.0)
    (x * 2).sum().backward()
    first = x.grad
    (x * 3).sum().backward()
    assert x.grad is first and x.grad.tolist() == [5.0, 5.0, 5.0]


def test_assigned_grad_is_accumulated_into():
    """A .grad assigned by the user is the tensor that later gradients are added to."""
    x = leaf(1.0, 2.0)
    g = torch.ones(2)
    x.grad = g
    (x * 2).sum().backward()
    assert x.grad is g and g.tolist() == [3.0, 3.0]


def test_grad_does_not_alias_the_given_gradient():
    """Changing the tensor passed as ``gradient`` afterwards leaves .grad alone."""
    x = leaf(1.0, 2.0)
    v = torch.tensor([5.0, 6.0])
    (x * 1).backward(v)
    v.add_(1)
    assert x.grad.tolist() == [5.0, 6.0]


def test_zero_grad_none_and_deleting_grad():
    """``del x.grad`` and assigning None reset the gradient."""
    x = leaf(1.0, 2.0)
    (x * 2).sum().backward()
    del x.grad
    assert x.grad is None
    (x * 2).sum().backward()
    x.grad = None
    assert x.grad is None


def test_grad_setter_errors():
    """Assigning a gradient of the wrong type, dtype or size raises PyTorch's messages."""
    x = leaf(1.0, 2.0)
    with raises(TypeError, "assigned grad expected to be a Tensor or None but got grad of type list"):
        x.grad = [1.0, 2.0]
    with raises(RuntimeError, "can't assign Variable as its own grad"):
        x.grad = x
    with raises(RuntimeError, "attempting to assign a gradient of size '[3]' to a tensor of size '[2]'. Please "
                              "ensure that the gradient and the tensor are the same size"):
        x.grad = torch.ones(3)
    dtype_msg = ("attempting to assign a gradient with dtype '{}' to a tensor with grad_dtype '{}'. The gradient "
                 "must match the tensor's grad_dtype (defaults to the tensor's dtype). You can set the tensor's "
                 "grad_dtype attribute with a specific dtype, or None to allow any dtype. Set grad_dtype with "
                 "caution. Diverging the dtypes of a tensor and its gradient may break downstream systems that "
                 "assume they match.")
    with raises(RuntimeError, dtype_msg.format("double", "Float")):
        x.grad = torch.ones(3, dtype=torch.float64)  # the dtype is checked before the size
    with raises(RuntimeError, dtype_msg.format("long int", "Float")):
        x.grad = torch.ones(2, dtype=torch.int64)


# --- retain_grad and hooks ---------------------------------------------------------------------------------
def test_retain_grad_keeps_non_leaf_grad_across_backwards():
    """retain_grad fills a non-leaf's .grad, accumulating over backward calls."""
    x = leaf(1.0, 2.0, 3.0)
    y = x * x
    y.retain_grad()
    y.retain_grad()  # a second call changes nothing
    z = (y * 2).sum()
    z.backward(retain_graph=True)
    z.backward()
    assert y.grad.tolist() == [4.0, 4.0, 4.0]
    assert x.grad.tolist() == [8.0, 16.0, 24.0]
    assert y.retains_grad


def test_retain_grad_on_leaf_and_on_constant():
    """On a leaf retain_grad is a no-op; on a tensor without grad it raises."""
    x = leaf(1.0)
    x.retain_grad()
    assert not x.retains_grad
    with raises(RuntimeError, "can't retain_grad on Tensor that has requires_grad=False"):
        torch.ones(2).retain_grad()


def test_retained_grad_sees_other_hooks_whatever_the_order():
    """The retain_grad hook runs after the tensor's other hooks, even those registered later."""
    x = leaf(1.0, 2.0, 3.0)
    y = x * x
    y.retain_grad()
    y.register_hook(lambda g: g * 100)
    y.sum().backward()
    assert y.grad.tolist() == [100.0, 100.0, 100.0]
    assert x.grad.tolist() == [200.0, 400.0, 600.0]


def test_retain_grad_follows_in_place_ops_but_hooks_stay():
    """After ``y.mul_(3)`` the retained grad is the new y's; an earlier hook still sees the old y's grad."""
    a = leaf(1.0, 1.0, 1.0)
    y = a * 2
    y.retain_grad()
    seen = []
    y.register_hook(lambda g: seen.append(("before", g.tolist())))
    y.mul_(3)
    y.register_hook(lambda g: seen.append(("after", g.tolist())))
    (y * 5).sum().backward()
    assert seen == [("after", [5.0, 5.0, 5.0]), ("before", [15.0, 15.0, 15.0])]
    assert y.grad.tolist() == [5.0, 5.0, 5.0] and a.grad.tolist() == [30.0, 30.0, 30.0]


def test_leaf_hook_replaces_gradient_until_removed():
    """A leaf hook's return value replaces the gradient; the handle removes it."""
    x = leaf(1.0, 2.0, 3.0)
    seen = []
    handle = x.register_hook(lambda g: seen.append(g.tolist()) or g * 10)
    (x * 2).sum().backward()
    handle.remove()
    handle.remove()  # removing twice is harmless
    (x * 2).sum().backward()
    assert seen == [[2.0, 2.0, 2.0]]
    assert x.grad.tolist() == [22.0, 22.0, 22.0]
    assert type(handle).__name__ == "RemovableHandle"


def test_non_leaf_hook_changes_what_flows_on():
    """A non-leaf hook's result is what reaches the inputs (and the retained grad)."""
    x = leaf(1.0, 2.0, 3.0)
    y = x * x
    seen = []
    y.register_hook(lambda g: seen.append(g.tolist()) or g + 1)
    y.retain_grad()
    y.sum().backward()
    assert seen == [[1.0, 1.0, 1.0]]
    assert x.grad.tolist() == [4.0, 8.0, 12.0] and y.grad.tolist() == [2.0, 2.0, 2.0]


def test_hook_on_tensor_without_grad_raises():
    """register_hook needs a tensor that requires grad."""
    with raises(RuntimeError, "cannot register a hook on a tensor that doesn't require gradient"):
        torch.ones(2).register_hook(lambda g: g)


def test_leaf_hook_applies_to_autograd_grad():
    """autograd.grad returns the gradient after the input's hooks, and accumulates nothing."""
    x = leaf(1.0, 2.0)
    x.register_hook(lambda g: g * 10)
    (g,) = torch.autograd.grad((x * x).sum(), x)
    assert g.tolist() == [20.0, 40.0] and x.grad is None


def test_in_place_on_expanded_gradient_in_hook_raises():
    """The gradient of sum() is an expanded tensor: modifying it in place is refused."""
    x = leaf(1.0, 2.0)
    y = x * 2
    y.register_hook(lambda g: g.mul_(3))
    with raises(RuntimeError, "unsupported operation: more than one element of the written-to tensor refers to a "
                              "single memory location. Please clone() the tensor before performing the operation."):
        y.sum().backward()


def test_node_hooks():
    """grad_fn.register_prehook sees grad_outputs; register_hook may replace grad_inputs."""
    x = leaf(1.0, 2.0)
    y = x * 2
    seen = []
    y.grad_fn.register_prehook(lambda go: seen.append(go[0].tolist()))
    y.grad_fn.register_hook(lambda gi, go: (gi[0] * 100, None))
    y.sum().backward()
    assert seen == [[1.0, 1.0]] and x.grad.tolist() == [200.0, 200.0]
    assert y.grad_fn.metadata == {}


# --- backward(gradient=…), retain_graph, errors ------------------------------------------------------------
def test_backward_with_gradient_vector():
    """Non-scalar outputs need ``gradient``: a vector-Jacobian product."""
    x = leaf(1.0, 2.0, 3.0)
    (x ** 2).backward(gradient=torch.tensor([1.0, 0.1, 0.01]))
    assert x.grad.tolist() == pytest.approx([2.0, 0.4, 0.06])


def test_backward_scalar_with_gradient_and_from_leaf():
    """A scalar output can take a 0-d gradient; a leaf can be a root."""
    x = leaf(1.0, 2.0, 3.0)
    (x ** 2).sum().backward(torch.tensor(2.0))
    assert x.grad.tolist() == [4.0, 8.0, 12.0]
    z = leaf(1.0, 2.0)
    z.backward(torch.tensor([3.0, 4.0]))
    assert z.grad.tolist() == [3.0, 4.0]


def test_backward_errors():
    """Implicit gradients need scalars; given ones need the right shape and type."""
    x = leaf(1.0, 2.0, 3.0)
    with raises(RuntimeError, "grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()
    with raises(RuntimeError, "Mismatch in shape: grad_output[0] has a shape of torch.Size([2]) and output[0] "
                              "has a shape of torch.Size([3])."):
        (x * 2).backward(torch.ones(2))
    with raises(TypeError, "gradients can be either Tensors or None, but got float"):
        (x * 2).backward([1.0, 0.1, 0.01])
    with raises(RuntimeError, "element 0 of tensors does not require grad and does not have a grad_fn"):
        torch.ones(3).sum().backward()
    with raises(RuntimeError, "element 0 of tensors does not require grad and does not have a grad_fn"):
        torch.autograd.grad((x * 2).sum().long(), [x])
    with raises(RuntimeError, "`inputs` argument to `backward()` cannot be empty."):
        (x * 2).sum().backward(inputs=[])


def test_root_gradient_takes_root_dtype():
    """A float64 gradient for a float32 output reaches hooks and leaves as float32."""
    x = leaf(1.0, 2.0)
    y = x * 2
    seen = []
    y.register_hook(lambda g: seen.append(g.dtype))
    y.backward(torch.tensor([1.0, 1.0], dtype=torch.float64))
    assert seen == [torch.float32] and x.grad.dtype == torch.float32 and x.grad.tolist() == [2.0, 2.0]


def test_two_roots():
    """autograd.backward on several roots sums their gradients."""
    x = leaf(1.0, 2.0)
    torch.autograd.backward([x * 2, (x * x).sum()], [torch.tensor([1.0, 10.0]), None])
    assert x.grad.tolist() == [4.0, 24.0]


@pytest.mark.parametrize("op", ["mul", "exp", "mul_const"])
def test_second_backward_without_retain_graph_raises(op):
    """Saved values are freed after backward; even a graph of constants refuses a second pass."""
    x = leaf(1.0, 1.0, 1.0)
    y = {"mul": lambda: (x * x).sum(), "exp": lambda: x.exp().sum(), "mul_const": lambda: (x * 2).sum()}[op]()
    y.backward()
    with raises(RuntimeError, SECOND_BACKWARD):
        y.backward()


def test_retain_graph_allows_second_backward():
    """With retain_graph=True a second backward runs and accumulates."""
    x = leaf(1.0, 1.0, 1.0)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 4.0, 4.0]


# --- higher order ------------------------------------------------------------------------------------------
def test_third_derivative_of_cube():
    """d/dx x**3 = 3x**2, then 6x, then 6, at x = 2."""
    x = torch.tensor(2.0, requires_grad=True)
    (g1,) = torch.autograd.grad(x ** 3, x, create_graph=True)
    (g2,) = torch.autograd.grad(g1, x, create_graph=True)
    (g3,) = torch.autograd.grad(g2, x)
    assert (g1.item(), g2.item(), g3.item()) == (12.0, 12.0, 6.0)
    assert type(g1.grad_fn).__name__ == "MulBackward0"


def test_second_derivative_of_composite():
    """Hessian diagonal of sigmoid(x)*tanh(x) + exp(x)/(1+x**2) matches PyTorch."""
    x = torch.tensor([0.5, 1.5], requires_grad=True)
    y = (x.sigmoid() * x.tanh() + x.exp() / (1 + x ** 2)).sum()
    (g,) = torch.autograd.grad(y, x, create_graph=True)
    (h,) = torch.autograd.grad(g.sum(), x)
    assert g.tolist() == pytest.approx([0.86193, 0.38882], abs=1e-5)
    assert h.tolist() == pytest.approx([-1.32286, 0.03525], abs=1e-5)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_backward_create_graph_builds_grad_history():
    """backward(create_graph=True): .grad is CopyBackwards of the gradient's graph, then AddBackward0."""
    x = leaf(1.0, 2.0)
    (x ** 3).sum().backward(create_graph=True)
    assert names(x.grad) == ("CopyBackwards", [None, "MulBackward0"])
    grad1 = x.grad
    x.grad = None
    grad1.sum().backward()
    assert x.grad.tolist() == [6.0, 12.0]
    (x ** 2).sum().backward(create_graph=True)
    (x ** 2).sum().backward(create_graph=True)
    assert type(x.grad.grad_fn).__name__ == "AddBackward0"
    assert x.grad.tolist() == [10.0, 20.0]


def test_create_graph_of_linear_function_has_no_history():
    """The gradient of a linear function is a constant: no grad_fn even with create_graph."""
    x = leaf(1.0, 2.0)
    (g,) = torch.autograd.grad(x.sum(), x, create_graph=True)
    assert not g.requires_grad


def test_retained_grad_under_create_graph_is_a_clone():
    """retain_grad under create_graph clones the gradient (CloneBackward0)."""
    x = leaf(1.0, 2.0)
    y = x * 2
    y.retain_grad()
    (y * y).sum().backward(create_graph=True)
    assert type(y.grad.grad_fn).__name__ == "CloneBackward0" and y.grad.tolist() == [4.0, 8.0]


@numtorch_only
def test_create_graph_backward_warns_once(monkeypatch):
    """backward(create_graph=True) warns about the reference cycle once per process, as PyTorch does."""
    from numtorch.autograd import engine

    monkeypatch.setattr(engine, "_cycle_warned", False)
    x = leaf(1.0, 2.0)
    _, caught = recorded(lambda: (x ** 2).sum().backward(create_graph=True))
    assert [c for c, _ in caught] == ["UserWarning"]
    assert caught[0][1].startswith("Using backward() with create_graph=True will create a reference cycle")
    _, caught = recorded(lambda: (x ** 2).sum().backward(create_graph=True))
    assert caught == []
    _, caught = recorded(lambda: torch.autograd.grad((x ** 2).sum(), x, create_graph=True))
    assert caught == []


# --- autograd.grad and backward(inputs=…) ------------------------------------------------------------------
def test_autograd_grad_returns_without_accumulating():
    """autograd.grad returns a tuple and leaves .grad untouched."""
    x = leaf(1.0, 2.0)
    assert [g.tolist() for g in torch.autograd.grad((x * 2).sum(), x)] == [[2.0, 2.0]]
    assert x.grad is None
    (g,) = torch.autograd.grad([(x * 2).sum(), (x * x).sum()], [x])
    assert g.tolist() == [4.0, 6.0]


def test_autograd_grad_of_non_leaf_and_dict_inputs():
    """Inputs may be non-leaves; a dict of inputs gives a dict of gradients."""
    x = leaf(1.0, 2.0)
    m = x * 3
    (g,) = torch.autograd.grad((m * m).sum(), m)
    assert g.tolist() == [6.0, 12.0]
    out = torch.autograd.grad((x * 2).sum(), {"a": x})
    assert list(out) == ["a"] and out["a"].tolist() == [2.0, 2.0]


def test_autograd_grad_unused_inputs():
    """Unused inputs raise (naming their index) unless allow_unused; materialize_grads gives zeros."""
    x, z = leaf(1.0, 2.0), leaf(1.0, 2.0)
    with raises(RuntimeError, "The differentiated Tensor at index 1 appears to not have been used in the graph. "
                              "Set allow_unused=True if this is the desired behavior."):
        torch.autograd.grad((x * 2).sum(), [x, z])
    gx, gz = torch.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)
    assert gx.tolist() == [2.0, 2.0] and gz is None
    gx, gz = torch.autograd.grad((x * 2).sum(), [x, z], materialize_grads=True)
    assert gz.tolist() == [0.0, 0.0]
    with raises(ValueError, "Expected allow_unused to be True or not passed when materialize_grads=True, but "
                            "got: allow_unused=False."):
        torch.autograd.grad((x * 2).sum(), [x], materialize_grads=True, allow_unused=False)
    with raises(RuntimeError, "`inputs` argument to `grad()` cannot be empty."):
        torch.autograd.grad((x * 2).sum(), [])
    with raises(RuntimeError, "One of the differentiated Tensors does not require grad"):
        torch.autograd.grad((x * 2).sum(), torch.ones(2))


def test_autograd_grad_frees_graph():
    """autograd.grad frees the graph like backward does."""
    x = leaf(1.0, 2.0)
    y = (x * x).sum()
    torch.autograd.grad(y, x)
    with raises(RuntimeError, SECOND_BACKWARD):
        torch.autograd.grad(y, x)


def test_autograd_grad_leaves_unneeded_branches_alone():
    """Branches that cannot reach the requested inputs are not run, so their saved values survive."""
    a, b = leaf(1.0, 2.0), leaf(3.0, 4.0)
    z = (a.exp() + b.exp()).sum()
    torch.autograd.grad(z, a)
    (gb,) = torch.autograd.grad(z, b)
    assert gb.tolist() == pytest.approx([20.0855, 54.5981], abs=1e-4)
    seen = []
    b.register_hook(lambda g: seen.append(g))
    (a * 2 + b * 3).sum().backward(inputs=[a])
    assert seen == [] and a.grad.tolist() == [2.0, 2.0] and b.grad is None


def test_backward_inputs_limits_accumulation():
    """backward(inputs=...) fills only the given tensors' .grad (non-leaves included)."""
    x, z = leaf(1.0, 2.0), leaf(3.0, 4.0)
    (x * z).sum().backward(inputs=[x])
    assert x.grad.tolist() == [3.0, 4.0] and z.grad is None
    (x * z).sum().backward(inputs=z)
    assert z.grad.tolist() == [1.0, 2.0]
    m = x * 2
    m.register_hook(lambda g: g * 10)
    (m * m).sum().backward(inputs=[m])
    assert m.grad.tolist() == [40.0, 80.0]


# --- grad modes --------------------------------------------------------------------------------------------
def test_no_grad_context_and_exception_restores_mode():
    """no_grad turns recording off inside and restores it, even after an exception."""
    x = leaf(1.0, 2.0)
    with torch.no_grad() as entered:
        y = x * 2
        inside = torch.is_grad_enabled()
    assert (entered, y.requires_grad, inside, torch.is_grad_enabled()) == (None, False, False, True)
    with pytest.raises(ValueError):
        with torch.no_grad():
            raise ValueError("boom")
    assert torch.is_grad_enabled()


def test_grad_mode_decorators_with_and_without_parentheses():
    """no_grad, enable_grad and inference_mode decorate with or without ``()``; names are kept."""
    x = leaf(1.0, 2.0)

    @torch.no_grad()
    def double(t):
        return t * 2

    @torch.no_grad
    def double_bare(t):
        return t * 2

    @torch.enable_grad
    def triple(t):
        return t * 3

    @torch.inference_mode
    def quad(t):
        return t * 4

    assert not double(x).requires_grad and not double_bare(x).requires_grad and double.__name__ == "double"
    assert not quad(x).requires_grad
    with torch.no_grad():
        assert triple(x).requires_grad
        with torch.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad


def test_grad_mode_decorator_on_generator_and_method():
    """Decorated generators run each step in the mode; methods work too."""
    @torch.no_grad()
    def gen():
        yield torch.is_grad_enabled()
        yield torch.is_grad_enabled()

    class Model:
        @torch.no_grad()
        def flag(self):
            return torch.is_grad_enabled()

    assert list(gen()) == [False, False] and Model().flag() is False and torch.is_grad_enabled()


def test_set_grad_enabled_function_context_and_decorator():
    """set_grad_enabled acts at once; as a context or decorator it restores the previous mode."""
    x = leaf(1.0)
    with torch.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    torch.set_grad_enabled(False)
    assert not torch.is_grad_enabled()
    torch.set_grad_enabled(True)

    @torch.set_grad_enabled(False)
    def f(t):
        return t * 2

    assert torch.is_grad_enabled() and not f(x).requires_grad and torch.is_grad_enabled()
    with raises(TypeError, "set_grad_enabled(): argument 'enabled' (position 1) must be bool, not int"):
        torch.set_grad_enabled(1)


def test_inference_mode():
    """inference_mode disables recording; inference_mode(False) does nothing."""
    x = leaf(1.0, 2.0)
    with torch.inference_mode():
        y = x * 2
        state = (torch.is_grad_enabled(), torch.is_inference_mode_enabled())
    assert not y.requires_grad and state == (False, True) and not torch.is_inference_mode_enabled()
    with torch.inference_mode(False):
        assert (x * 2).requires_grad


def test_factories_and_views_under_no_grad():
    """Under no_grad a factory may still make a leaf that requires grad; results of ops do not."""
    with torch.no_grad():
        y = torch.ones(2, requires_grad=True)
        z = y * 2
    assert (y.requires_grad, z.requires_grad, z.is_leaf) == (True, False, True)


# --- detach / requires_grad_ -------------------------------------------------------------------------------
def test_detach_shares_data_and_version():
    """detach() shares memory and version counter, and needs no grad."""
    x = leaf(1.0, 2.0)
    d = x.detach()
    d[0] = 10
    assert x.tolist() == [10.0, 2.0] and (d.requires_grad, x._version, d._version) == (False, 1, 1)


def test_detach_in_place():
    """detach_() makes a non-leaf a leaf without grad; views refuse it."""
    x = leaf(1.0, 2.0)
    y = x * 2
    assert y.detach_() is y and (y.requires_grad, y.grad_fn, y.is_leaf) == (False, None, True)
    message = ("Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel (DDP) "
               "for training, and gradient_as_bucket_view is set as True, gradients are views of DDP buckets, and "
               "hence detach_() cannot be called on these gradients. To fix this error, please refer to the "
               "Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.")
    with raises(RuntimeError, message):
        (x * 2)[:1].detach_()
    with raises(RuntimeError, message):
        x[:1].detach_()
    x.detach_()
    assert not x.requires_grad


def test_requires_grad_flag_changes():
    """requires_grad_ on leaves; non-leaves accept only True; integer tensors refuse."""
    x = leaf(1.0, 2.0)
    y = x * 2
    assert y.requires_grad_() is y and y.requires_grad_(True).requires_grad
    with raises(RuntimeError, "you can only change requires_grad flags of leaf variables. If you want to use a "
                              "computed variable in a subgraph that doesn't require differentiation use "
                              "var_no_grad = var.detach()."):
        y.requires_grad_(False)
    assert torch.tensor([1, 2]).requires_grad_(False).tolist() == [1, 2]
    with raises(RuntimeError, "only Tensors of floating point dtype can require gradients"):
        torch.tensor([1, 2]).requires_grad_()
    c = torch.ones(2)
    c.requires_grad = True
    assert c.requires_grad and c.is_leaf


# --- custom Functions --------------------------------------------------------------------------------------
class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, k):
        ctx.save_for_backward(x)
        ctx.k = k
        return x ** 3 * k

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x ** 2 * ctx.k, None


def test_custom_function_values_and_node():
    """The output's grad_fn is the ctx: named <Name>Backward, holding saved tensors and attributes."""
    x = leaf(1.0, 2.0)
    y = Cube.apply(x, 2.0)
    assert repr(y) == "tensor([ 2., 16.], grad_fn=<CubeBackward>)"
    assert type(y.grad_fn).__name__ == "CubeBackward" and y.grad_fn.name() == "CubeBackward"
    assert y.grad_fn.k == 2.0 and [t.tolist() for t in y.grad_fn.saved_tensors] == [[1.0, 2.0]]
    assert repr(y.grad_fn).startswith("<torch.autograd.function.CubeBackward object at 0x")
    y.sum().backward()
    assert x.grad.tolist() == [6.0, 24.0]
    with raises(RuntimeError, SECOND_BACKWARD):
        _ = y.grad_fn.saved_tensors


def test_custom_function_double_backward():
    """A backward written with differentiable ops supports create_graph."""
    x = leaf(1.0, 2.0)
    (g,) = torch.autograd.grad(Cube.apply(x, 2.0).sum(), x, create_graph=True)
    (h,) = torch.autograd.grad(g.sum(), x)
    assert g.tolist() == [6.0, 24.0] and h.tolist() == [12.0, 24.0]


def test_custom_function_needs_input_grad_and_no_record():
    """needs_input_grad is per argument; nothing is recorded without a grad-requiring input or in no_grad."""
    seen = []

    class F(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a, b, c):
            seen.append((ctx.needs_input_grad, torch.is_grad_enabled()))
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g, g, None

    a, b = leaf(1.0, 1.0), torch.ones(2)
    y = F.apply(a, b, 3)
    assert seen == [((True, False, False), False)]
    assert y.grad_fn.needs_input_grad == (True, False, False)
    assert names(y) == ("FBackward", ["AccumulateGrad", None])
    assert F.apply(b, b, 3).grad_fn is None
    with torch.no_grad():
        assert F.apply(a, b, 3).grad_fn is None


def test_custom_function_mark_dirty():
    """mark_dirty: the modified input itself is returned, two versions later, with the new grad_fn."""
    class Double(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    a = leaf(1.0, 1.0)
    x = a * 1
    version = x._version
    y = Double.apply(x)
    y.sum().backward()
    assert y is x and x._version - version == 2 and type(x.grad_fn).__name__ == "DoubleBackward"
    assert a.grad.tolist() == [2.0, 2.0]
    with raises(RuntimeError, "a leaf Variable that requires grad has been used in an in-place operation."):
        Double.apply(leaf(1.0))


def test_custom_function_returning_its_input():
    """An input returned unchanged comes back as a new non-leaf tensor."""
    class Same(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 5

    a = leaf(1.0, 1.0)
    y = Same.apply(a)
    y.sum().backward()
    assert y is not a and not y.is_leaf and a.grad.tolist() == [5.0, 5.0]


def test_custom_function_gradient_count_and_shape_errors():
    """Backward must return one gradient per input (extra Nones allowed) of a compatible shape."""
    class Two(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, g):
            return g

    class Extra(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g, g

    class ExtraNone(Extra):
        @staticmethod
        def backward(ctx, g):
            return g, None

    class BadShape(Extra):
        @staticmethod
        def backward(ctx, g):
            return torch.ones(3)

    a = leaf(1.0, 1.0)
    with raises(RuntimeError, "function TwoBackward returned an incorrect number of gradients (expected 2, got 1)"):
        Two.apply(a, a).sum().backward()
    with raises(RuntimeError, "function ExtraBackward returned an incorrect number of gradients (expected 1, got 2)"):
        Extra.apply(a).sum().backward()
    ExtraNone.apply(a).sum().backward()
    assert a.grad.tolist() == [1.0, 1.0]
    with raises(RuntimeError, "Function BadShapeBackward returned an invalid gradient at index 0 - got [3] but "
                              "expected shape compatible with [2]"):
        BadShape.apply(a).sum().backward()


def test_custom_function_saved_output_modified_in_place():
    """A saved output changed in place is caught, naming the Function."""
    class Exp(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y

    y = Exp.apply(leaf(1.0, 1.0))
    y.add_(1)
    with raises(RuntimeError, modified_message("[torch.FloatTensor [2]], which is output 0 of Exp,", 1, 0)):
        y.sum().backward()


def test_custom_function_non_differentiable_and_multiple_outputs():
    """mark_non_differentiable outputs need no grad; unused outputs get zero gradients (materialized)."""
    class ArgAndDouble(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            idx = x.argmax()
            ctx.mark_non_differentiable(idx)
            return x * 2, idx

        @staticmethod
        def backward(ctx, g, g_idx):
            return g * 2

    class Pair(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.clone(), x.clone()

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 + g2

    a = leaf(1.0, 3.0)
    out, idx = ArgAndDouble.apply(a)
    assert (idx.requires_grad, out.requires_grad, idx.grad_fn) == (False, True, None)
    p, q = Pair.apply(a)
    p.sum().backward()
    assert a.grad.tolist() == [1.0, 1.0] and p.grad_fn is q.grad_fn and q.output_nr == 1


def test_custom_function_setup_context_and_once_differentiable():
    """setup_context style forward; once_differentiable backward runs without a graph."""
    class Square(torch.autograd.Function):
        @staticmethod
        def forward(x):
            return x * x

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        @torch.autograd.function.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    a = leaf(1.0, 3.0)
    (g,) = torch.autograd.grad(Square.apply(a).sum(), a, create_graph=True)
    assert g.tolist() == [2.0, 6.0] and not g.requires_grad


def test_custom_function_instantiation_warns():
    """Instantiating a Function is deprecated."""
    _, caught = recorded(lambda: Cube())
    assert caught == [("DeprecationWarning",
                       f"{Cube} should not be instantiated. Methods on autograd functions are all static, so you "
                       "should invoke them on the class itself. Instantiating an autograd function will raise an "
                       "error in a future version of PyTorch.")]


# --- version counters --------------------------------------------------------------------------------------
def test_modified_saved_tensor_errors_name_the_current_producer():
    """The error names the saved tensor's current grad_fn (after the in-place op) and both versions."""
    a = leaf(1.0, 1.0, 1.0)
    x = a * 1
    y = x * x
    x.add_(1)
    with raises(RuntimeError, modified_message("[torch.FloatTensor [3]], which is output 0 of Add,", 1, 0)):
        y.sum().backward()
    s = a.sigmoid()
    s.mul_(2)
    with raises(RuntimeError, modified_message("[torch.FloatTensor [3]], which is output 0 of Sigmoid,", 1, 0)):
        s.sum().backward()
    e = (torch.ones(3, 1, dtype=torch.float64, requires_grad=True) * 1).exp()
    e.add_(1)
    with raises(RuntimeError, modified_message("[torch.DoubleTensor [3, 1]], which is output 0 of Exp,", 1, 0)):
        e.sum().backward()


def test_modified_leaf_and_view_errors():
    """A leaf changed under no_grad has no producer in the message; a view's producer becomes AsStrided."""
    w = leaf(1.0, 1.0, 1.0)
    y = w * w
    with torch.no_grad():
        w.add_(1)
    with raises(RuntimeError, modified_message("[torch.FloatTensor [3]]", 1, 0)):
        y.sum().backward()
    x = leaf(1.0, 1.0, 1.0) * 1
    v = x[:2]
    z = v * v
    x.add_(1)
    with raises(RuntimeError, modified_message("[torch.FloatTensor [2]], which is output 0 of AsStrided,", 1, 0)):
        z.sum().backward()
    x = leaf(1.0, 1.0, 1.0) * 1
    x[0] = 2
    z = x * x
    x.add_(1)
    with raises(RuntimeError, modified_message("[torch.FloatTensor [3]], which is output 0 of Add,", 2, 1)):
        z.sum().backward()


def test_modifying_an_unsaved_input_is_fine():
    """tanh saves its output, not its input: changing the input afterwards is allowed."""
    a = leaf(1.0, 1.0, 1.0)
    x = a * 1
    y = x.tanh()
    x.add_(1)
    y.sum().backward()
    assert a.grad.tolist() == pytest.approx([0.42, 0.42, 0.42], abs=1e-4)


def test_version_counts():
    """Each in-place op, augmented assignment and setitem bumps the shared version once."""
    x = torch.ones(3)
    x += 1
    x -= 1
    x *= 2
    x /= 2
    x **= 2
    assert x._version == 5
    x = torch.zeros(3)
    x[torch.tensor([0])] = 1.0
    x[0] = 2.0
    x[...] = 3.0
    x[:] = 1.0
    assert x._version == 4
    v = x[1:]
    v[0] = 5.0
    assert (x._version, v._version) == (5, 5)
    t = torch.tensor([1.5, 2.5])
    t.data.add_(1)
    assert t._version == 0


def test_failed_in_place_ops_change_nothing():
    """A rejected in-place op leaves data and version as they were."""
    x = leaf(1.0, 1.0, 1.0) * 1
    with raises(RuntimeError, "The size of tensor a (3) must match the size of tensor b (4) at non-singleton "
                              "dimension 0"):
        x.add_(torch.ones(4))
    assert x.tolist() == [1.0, 1.0, 1.0] and x._version == 0
    i = torch.ones(3, dtype=torch.int64)
    with raises(RuntimeError, "result type Float can't be cast to the desired output type Long"):
        i.add_(1.5)
    with raises(RuntimeError, "result type Float can't be cast to the desired output type Long"):
        i /= 2
    assert i.tolist() == [1, 1, 1] and i._version == 0
    f = torch.ones(2, 3)
    with raises(RuntimeError, "output with shape [2, 3] doesn't match the broadcast shape [2, 2, 3]"):
        f.mul_(torch.ones(2, 2, 3))
    assert f._version == 0
    w = leaf(1.0, 2.0)
    with raises(RuntimeError, "a leaf Variable that requires grad is being used in an in-place operation."):
        w.add_(1)
    assert w.tolist() == [1.0, 2.0] and w._version == 0


# --- in-place ops on non-leaves and views ------------------------------------------------------------------
def fresh():
    return leaf(1.0, 2.0, 3.0, 4.0)


def test_in_place_on_non_leaf_records_the_op():
    """An in-place op on a non-leaf makes its node the tensor's grad_fn."""
    a = fresh()
    y = a * 1
    y.add_(1)
    assert names(y) == ("AddBackward0", ["MulBackward0", None])
    y.relu_()
    assert names(y) == ("ReluBackward0", ["AddBackward0"])
    z = torch.ones(4).clone()
    z.add_(a)
    assert names(z) == ("AddBackward0", [None, "AccumulateGrad"])


def test_view_sees_later_base_change():
    """A view taken before its base changed in place backpropagates through the new base (AsStrided)."""
    a = fresh()
    x = a * 1
    v = x[:2]
    x.mul_(2)
    (v * torch.tensor([1.0, 10.0])).sum().backward()
    assert a.grad.tolist() == [2.0, 20.0, 0.0, 0.0]
    assert names(v) == ("AsStridedBackward0", ["MulBackward0"])


def test_in_place_on_view_updates_base():
    """mul_ on a view with a grad-requiring factor: base gets CopySlices, the view AsStridedBackward0."""
    a = fresh()
    x = a * 1
    v = x[1:3]
    v.mul_(a[:2])
    (x * x).sum().backward()
    assert a.grad.tolist() == [10.0, 40.0, 24.0, 8.0]
    assert names(x) == ("CopySlices", ["MulBackward0", "SliceBackward0"])
    assert names(v) == ("AsStridedBackward0", ["CopySlices"])


def test_sibling_view_after_in_place_on_other_view():
    """A view overlapping another view that was modified in place sees the modification's gradient."""
    a = fresh()
    x = a * 2
    v1, v2 = x[:2], x[1:]
    v1.mul_(3)
    (v2 * torch.tensor([1.0, 10.0, 100.0])).sum().backward()
    assert a.grad.tolist() == [0.0, 6.0, 20.0, 200.0]
    assert names(v2) == ("AsStridedBackward0", ["CopySlices"])


@pytest.mark.parametrize("case, expected", [
    ("column", [3.0, 1.0, 5.0, 4.0]),
    ("transposed", [5.0, 1.0, 5.0, 1.0]),
    ("exp_on_row", [1.0, 1.0, 20.0855, 54.5981]),
    ("strided_sigmoid", [0.3932, 2.0, 0.0904, 2.0]),
    ("view_of_view", [0.0, 3.0, 0.0, 0.0]),
    ("unsqueezed", [3.0, 3.0, 3.0, 3.0]),
    ("twice_on_view", [4.0, 24.0, 72.0, 160.0]),
    ("mul_by_own_slice", [1.0, 4.0, 6.0, 8.0]),
])
def test_gradient_values_through_views_changed_in_place(case, expected):
    """Gradient values of in-place ops on (strided, nested, transposed) views equal PyTorch's."""
    a = fresh()
    if case == "column":
        x = (a * 1).view(2, 2)
        x[:, 0] *= a[2:]
        x.sum().backward()
    elif case == "transposed":
        x = a * 1
        t = x.view(2, 2).t()
        t[0] = t[0] * 5
        x.sum().backward()
    elif case == "exp_on_row":
        x = a.clone()
        x.view(2, 2)[1].exp_()
        x.sum().backward()
    elif case == "strided_sigmoid":
        x = a * 1
        x[::2].sigmoid_()
        (x * 2).sum().backward()
    elif case == "view_of_view":
        x = a * 1
        v2 = x[:2][1:]
        x.add_(1)
        (v2 * 3).sum().backward()
    elif case == "unsqueezed":
        x = a * 1
        x.unsqueeze(0).mul_(3)
        x.sum().backward()
    elif case == "twice_on_view":
        x = a * 1
        v = x.view(2, 2)
        v.add_(1)
        v.mul_(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
        (x * x).sum().backward()
    elif case == "mul_by_own_slice":
        x = a * 1
        y = x[1:]
        y.mul_(y * 1)
        x.sum().backward()
    assert a.grad.tolist() == pytest.approx(expected, abs=1e-4)


def test_view_of_constant_gains_history_when_base_does():
    """A view taken before its base got a history (copy_ from a tensor requiring grad) gets it too."""
    a = fresh()
    b = torch.zeros(4)
    v = b[:2]
    b.copy_(a)
    assert (v.requires_grad, v.is_leaf, type(v.grad_fn).__name__) == (True, False, "AsStridedBackward0")
    (v * 2).sum().backward()
    assert a.grad.tolist() == [2.0, 2.0, 0.0, 0.0]


def test_view_changed_under_no_grad_keeps_gradient():
    """Changing the base under no_grad keeps the old gradient path (AsStrided of the same producer)."""
    a = fresh()
    x = a * 1
    v = x[:2]
    with torch.no_grad():
        x.mul_(2)
    (v * torch.tensor([1.0, 10.0])).sum().backward()
    assert a.grad.tolist() == [1.0, 10.0, 0.0, 0.0] and names(v) == ("AsStridedBackward0", ["MulBackward0"])


def test_forbidden_in_place_on_views():
    """Views of leaves, multi-output views and no_grad views refuse in-place ops with grad mode on."""
    a = fresh()
    with raises(RuntimeError, "a view of a leaf Variable that requires grad is being used in an in-place "
                              "operation."):
        a.view(2, 2).mul_(2)
    multi = ("Output 0 of {} is a view and is being modified inplace. This view is the output of a function that "
             "returns multiple views. Such functions do not allow the output views to be modified inplace. You "
             "should replace the inplace operation by an out-of-place one.")
    with raises(RuntimeError, multi.format("Unbind")):
        (a * 1).unbind()[0].mul_(2)
    with raises(RuntimeError, multi.format("Split")):
        (a * 1).split(2)[0].mul_(2)
    with raises(RuntimeError, multi.format("Unbind")):
        a.unbind()[0].mul_(2)
    no_grad_view = ("A view was created in no_grad mode and is being modified inplace with grad mode enabled. Given "
                    "that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by "
                    "moving both the view and the inplace either both inside the no_grad block (if you don't want "
                    "the inplace to be tracked) or both outside (if you want the inplace to be tracked).")
    with torch.no_grad():
        v = a[:2]
    with raises(RuntimeError, no_grad_view):
        v.mul_(2)
    b = torch.zeros(4)
    with torch.no_grad():
        w = b[:2]
    with raises(RuntimeError, no_grad_view):
        w.mul_(a[:2])
    w.mul_(2)  # nothing requires grad: allowed
    assert b._version == 1


# --- setitem -----------------------------------------------------------------------------------------------
def test_setitem_graph_nodes():
    """setitem records what PyTorch records: CopySlices around copy/fill, FillBackward3, IndexPutBackward0."""
    a, c = fresh(), leaf(1.0)
    x = a * 1
    x[0] = 0.0
    assert names(x) == ("CopySlices", ["MulBackward0", None])
    x = a * 1
    x[...] = 3.0
    assert names(x) == ("FillBackward3", ["MulBackward0", None])
    x = a * 1
    x[:] = a * 3
    assert names(x) == ("CopyBackwards", ["MulBackward0", "MulBackward0"])
    x = a.view(2, 2) * 1
    x[0] = c
    assert names(x) == ("CopySlices", ["MulBackward0", "ExpandBackward0"])
    x = a.view(2, 2) * 1
    x[0, 0] = c
    assert names(x) == ("CopySlices", ["MulBackward0", "ViewBackward0"])
    x = a.view(2, 2) * 1
    x[[0, 1]] = a[:2]
    assert names(x) == ("IndexPutBackward0", ["MulBackward0", "SliceBackward0"])
    x = a * 1
    x[1] += 5
    assert names(x) == ("CopySlices", ["CopySlices", "AsStridedBackward0"])


def test_setitem_gradients():
    """Overwritten positions get no gradient; the assigned value gets the gradient of its positions."""
    a = fresh()
    x = a * 1
    x[1:3] = a[:2] ** 2
    x.sum().backward()
    assert a.grad.tolist() == [3.0, 4.0, 0.0, 1.0]
    a = fresh()
    x = a * 1
    x[torch.tensor([0, 2])] = a[1:3] * 10
    (x * torch.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    assert a.grad.tolist() == [0.0, 12.0, 30.0, 4.0]
    a = fresh()
    x = a * 1
    x[x > 2] = 0.0
    (x * x).sum().backward()
    assert a.grad.tolist() == [2.0, 4.0, 0.0, 0.0]
    a = fresh()
    x = a * 1
    x[torch.tensor([True, False, True, False])] = a[:2] * 10
    x.sum().backward()
    assert a.grad.tolist() == [10.0, 11.0, 0.0, 1.0]
    a = fresh()
    b = torch.zeros(4)
    b[1:3] = a[:2]
    b.sum().backward()
    assert a.grad.tolist() == [1.0, 1.0, 0.0, 0.0] and names(b) == ("CopySlices", [None, "SliceBackward0"])


def test_setitem_on_leaf_requiring_grad_raises():
    """Index assignment into a leaf that requires grad goes through a view of it."""
    w = leaf(1.0, 1.0, 1.0)
    with raises(RuntimeError, "a view of a leaf Variable that requires grad is being used in an in-place "
                              "operation."):
        w[0] = 5.0
    with torch.no_grad():
        w[0] = 5.0
    assert w.tolist() == [5.0, 1.0, 1.0] and w.is_leaf


# --- deep graphs -------------------------------------------------------------------------------------------
def test_backward_through_a_hundred_thousand_ops():
    """The engine is iterative: a 10^5-op chain backpropagates (and is freed) without recursion errors."""
    x = leaf(1.0, 2.0)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.sum().backward()
    del y
    assert x.grad.tolist() == [1.0, 1.0]
