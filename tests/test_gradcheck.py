"""torch.autograd.gradcheck / gradgradcheck and torch.autograd.functional (jacobian, hessian, vjp, jvp, hvp,
vhp). Expected results and messages were read off PyTorch 2.13."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import numtorch as torch
from numtorch.autograd.gradcheck import GradcheckError

gradcheck = torch.autograd.gradcheck
gradgradcheck = torch.autograd.gradgradcheck
F = torch.autograd.functional


def _x():
    return torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)


def _y():
    return torch.tensor([[1.5, -0.5], [0.25, 2.0]], dtype=torch.float64, requires_grad=True)


class Wrong(torch.autograd.Function):
    """x*x with the derivative x (should be 2x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x


class IgnoresGrad(torch.autograd.Function):
    """sum(x) whose backward returns ones whatever the incoming gradient."""

    @staticmethod
    def forward(ctx, x):
        ctx.shape = x.shape
        return x.sum()

    @staticmethod
    def backward(ctx, g):
        return torch.ones(ctx.shape, dtype=torch.float64)


class Noisy(torch.autograd.Function):
    """2x whose backward drifts a little on every call."""

    calls = 0

    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        Noisy.calls += 1
        return g * 2 + Noisy.calls * 1e-3


class Opaque(torch.autograd.Function):
    """x**3 with a correct first derivative computed outside the graph (no second derivative)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return (g * 3 * x.detach() ** 2).detach()


# --- gradcheck ---------------------------------------------------------------------------------------------
def test_names_resolve_to_the_functions():
    """torch.autograd.gradcheck/gradgradcheck are the functions; GradcheckError is a RuntimeError."""
    assert callable(gradcheck) and gradcheck.__name__ == "gradcheck"
    assert gradgradcheck.__name__ == "gradgradcheck"
    assert issubclass(GradcheckError, RuntimeError)


def test_gradcheck_passes_for_correct_gradients():
    """Correct formulas pass: one input, and several inputs with a number and tuple outputs."""
    assert gradcheck(lambda a: (a * a).sum(), _x()) is True
    assert gradcheck(lambda a, b, k: (a.sin() * k, b @ b), (_x(), _y(), 3.0)) is True


def test_gradcheck_handles_integer_outputs():
    """A non-differentiable output beside a differentiable one is fine (max(dim) gives values, indices)."""
    assert gradcheck(lambda a: a.max(0), (_y(),)) is True


def test_gradcheck_reports_a_wrong_jacobian():
    """A wrong backward raises GradcheckError with both Jacobians printed as PyTorch prints them."""
    with pytest.raises(GradcheckError) as info:
        gradcheck(Wrong.apply, (_x(),))
    assert str(info.value) == (
        "Jacobian mismatch for output 0 with respect to input 0,\n"
        "numerical:tensor([[ 1.0000,  0.0000,  0.0000],\n"
        "        [ 0.0000, -2.0000,  0.0000],\n"
        "        [ 0.0000,  0.0000,  4.0000]], dtype=torch.float64)\n"
        "analytical:tensor([[ 0.5000,  0.0000,  0.0000],\n"
        "        [-0.0000, -1.0000, -0.0000],\n"
        "        [ 0.0000,  0.0000,  2.0000]], dtype=torch.float64)\n"
    )


def test_gradcheck_without_raising_returns_false():
    """raise_exception=False turns a failure into False."""
    assert gradcheck(Wrong.apply, (_x(),), raise_exception=False) is False


def test_gradcheck_warns_about_float32_and_fails_on_its_rounding():
    """A float32 input triggers PyTorch's warning, and its central differences are too coarse to pass."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(GradcheckError, match="^Jacobian mismatch for output 0 with respect to input 0"):
            gradcheck(lambda a: a * 2, (x,))
    assert [str(w.message) for w in caught] == [
        "Input #0 requires gradient and is not a double precision floating point or complex. This check will "
        "likely fail if all the inputs are not of double precision floating point or complex. "
    ]


def test_gradcheck_needs_an_input_that_requires_grad():
    """No input requiring grad is a ValueError."""
    with pytest.raises(ValueError) as info:
        gradcheck(lambda a: a * 2, (torch.tensor([1.0, 2.0], dtype=torch.float64),))
    assert str(info.value) == ("gradcheck expects at least one input tensor to require gradient, but none of them "
                               "have requires_grad=True.")


def test_gradcheck_refuses_overlapping_inputs():
    """An expanded (stride-0) input cannot be perturbed one element at a time."""
    x = torch.tensor([1.0], dtype=torch.float64).expand(3).requires_grad_()
    with pytest.raises(RuntimeError, match="^The 0th input has a dimension with stride 0"):
        gradcheck(lambda a: a * 2, (x,))


def test_gradcheck_detects_a_lost_gradient():
    """Outputs that do not require grad while the function depends on the input fail the zero check."""
    with pytest.raises(GradcheckError, match="^Numerical gradient for function expected to be zero$"):
        gradcheck(lambda a: a.detach() * 2, (_x(),))


def test_gradcheck_accepts_a_truly_non_differentiable_function():
    """argmax has no gradient and a zero numerical Jacobian: that passes."""
    assert gradcheck(lambda a: a.argmax(), (_x(),)) is True


def test_gradcheck_detects_backward_ignoring_grad_output():
    """A backward that does not scale with the incoming gradient is caught with zero grad_outputs."""
    with pytest.raises(GradcheckError, match="^backward not multiplied by grad_output$"):
        gradcheck(IgnoresGrad.apply, (_x(),))


def test_gradcheck_detects_non_reentrant_backward():
    """Two backward passes over the same graph must agree (within nondet_tol)."""
    with pytest.raises(GradcheckError, match="^Backward is not reentrant"):
        gradcheck(Noisy.apply, (_x(),))


def test_gradcheck_needs_some_mode():
    """Turning off both backward and forward checks is an AssertionError, as in PyTorch."""
    with pytest.raises(AssertionError, match="check_forward_ad or check_backward_ad"):
        gradcheck(lambda a: a * 2, (_x(),), check_backward_ad=False)


def test_gradcheck_leaves_inputs_unchanged():
    """The perturbation is undone: the inputs' values and versions are as before."""
    x = _x()
    before, version = x.detach().numpy().copy(), x._version
    gradcheck(lambda a: (a.exp() * a).sum(), (x,))
    assert np.array_equal(x.detach().numpy(), before) and x._version == version


# --- gradgradcheck ------------------------------------------------------------------------------------------
def test_gradgradcheck_passes_for_twice_differentiable_functions():
    """Second derivatives through pow, sin and matmul are correct (random grad_outputs)."""
    torch.manual_seed(0)
    assert gradgradcheck(lambda a: (a ** 3).sum(), _x()) is True
    assert gradgradcheck(lambda a, b: a.sin() @ b, (_y(), _y())) is True


def test_gradgradcheck_with_given_grad_outputs():
    """grad_outputs may be given (here without requires_grad)."""
    assert gradgradcheck(lambda a: a ** 3, _x(), torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)) is True


def test_gradgradcheck_detects_a_backward_outside_the_graph():
    """A first derivative computed on detached tensors has no second derivative: the zero check fails."""
    torch.manual_seed(0)
    with pytest.raises(GradcheckError, match="^Numerical gradient for function expected to be zero$"):
        gradgradcheck(Opaque.apply, (_x(),))
    assert gradgradcheck(Opaque.apply, (_x(),), raise_exception=False) is False


def test_gradgradcheck_draws_grad_outputs_from_the_global_generator():
    """Random grad_outputs come from the global generator, as PyTorch's make_tensor does."""
    torch.manual_seed(3)
    a = torch.rand(2)
    torch.manual_seed(3)
    gradgradcheck(lambda t: t * t, torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True))
    b = torch.rand(2)
    assert not torch.equal(a, b)


# --- torch.autograd.functional --------------------------------------------------------------------------------
XF = [[0.5, -1.0], [2.0, 0.25]]
YF = [1.5, -0.5]


def _xf():
    return torch.tensor(XF, dtype=torch.float64)


def _yf():
    return torch.tensor(YF, dtype=torch.float64)


def _f(a, b):
    return (a.exp() * b).sum(1)


def _g(a, b):
    return (a.sin() * b * b).sum()


def _check(t, values, shape):
    assert tuple(t.shape) == tuple(shape)
    np.testing.assert_allclose(t.detach().numpy().reshape(-1), values, rtol=1e-9, atol=1e-10)


def test_jacobian_of_two_inputs():
    """One output, two inputs: a Jacobian per input of shape out + in."""
    ja, jb = F.jacobian(_f, (_xf(), _yf()))
    _check(ja, [2.4730819061, -0.1839397206, 0.0, 0.0, 0.0, 0.0, 11.0835841484, -0.6420127083], [2, 2, 2])
    _check(jb, [1.6487212707, 0.3678794412, 7.3890560989, 1.2840254167], [2, 2])


def test_jacobian_of_a_single_tensor_is_a_tensor():
    """A single input and output give a tensor, not a tuple."""
    j = F.jacobian(lambda a: a * 2, _yf())
    _check(j, [2.0, 0.0, 0.0, 2.0], [2, 2])


def test_hessian_blocks():
    """hessian over two inputs returns the 2x2 block structure of shapes in_i + in_j."""
    (haa, hab), (hba, hbb) = F.hessian(_g, (_xf(), _yf()))
    _check(haa, [-1.0787074619, 0, 0, 0, 0, 0.2103677462, 0, 0, 0, 0, -2.0459192104, 0, 0, 0, 0, -0.0618509898],
           [2, 2, 2, 2])
    _check(hab, [2.6327476857, 0, 0, -0.5403023059, -1.2484405096, 0, 0, -0.9689124217], [2, 2, 2])
    _check(hba, [2.6327476857, 0, -1.2484405096, 0, 0, -0.5403023059, 0, -0.9689124217], [2, 2, 2])
    _check(hbb, [2.7774459309, 0.0, 0.0, -1.1881340511], [2, 2])
    _check(F.hessian(lambda a: (a ** 3).sum(), _yf()), [9.0, 0.0, 0.0, -3.0], [2, 2])


def test_vjp_jvp_hvp_vhp_values():
    """Vector products agree with PyTorch (jvp and hvp via the double-backward trick)."""
    ones2 = torch.ones(2, dtype=torch.float64)
    v = (torch.ones(2, 2, dtype=torch.float64), ones2)
    out, (ga, gb) = F.vjp(_f, (_xf(), _yf()), ones2)
    _check(out, [2.2891421855, 10.4415714401], [2])
    _check(ga, [2.4730819061, -0.1839397206, 11.0835841484, -0.6420127083], [2, 2])
    _check(gb, [9.0377773696, 1.6519048579], [2])
    out, jv = F.jvp(_f, (_xf(), _yf()), v)
    _check(jv, [4.3057428973, 19.1146529557], [2])
    for fn in (F.hvp, F.vhp):
        out, (ha, hb) = fn(_g, (_xf(), _yf()), v)
        _check(out, [2.9761099158], [])
        _check(ha, [1.5540402238, -0.3299345597, -3.29435972, -1.0307634115], [2, 2])
        _check(hb, [4.1617531069, -2.6973487787], [2])


def test_functional_results_are_detached_unless_create_graph():
    """Without create_graph the results carry no graph; with it they do."""
    out, g = F.vjp(lambda a: (a * a).sum(), _yf())
    assert g.grad_fn is None and not g.requires_grad
    out, g = F.vjp(lambda a: (a * a).sum(), _yf(), create_graph=True)
    assert out.grad_fn.name() == "SumBackward0" and g.requires_grad


@pytest.mark.parametrize("call,exc,message", [
    (lambda: F.vjp(_f, (_xf(), _yf())), RuntimeError,
     "The vector v can only be None if the user-provided function returns a single Tensor with a single element."),
    (lambda: F.jvp(_f, (_xf(), _yf()), torch.ones(3)), RuntimeError,
     "v is a tuple of invalid length: should be 2 but got 1."),
    (lambda: F.hessian(_f, (_xf(), _yf())), RuntimeError,
     "The Tensor returned by the function given to hessian should contain a single element"),
    (lambda: F.jacobian(lambda a: a, [_yf()]), TypeError,
     "The inputs given to jacobian must be either a Tensor or a tuple of Tensors but the given inputs has type "
     "<class 'list'>."),
    (lambda: F.vjp(lambda a: a.detach(), _yf(), torch.ones(2, dtype=torch.float64), strict=True), RuntimeError,
     "Output 0 of the user-provided function does not require gradients. The outputs must be computed in a "
     "differentiable manner from the input when running in strict mode."),
    (lambda: F.jacobian(lambda a, b: a * 2, (_yf(), _yf()), strict=True), RuntimeError,
     "Output 0 of the user-provided function is independent of input 1. This is not allowed in strict mode."),
])
def test_functional_errors(call, exc, message):
    """Invalid vectors, non-scalar hessian functions and strict-mode violations raise PyTorch's errors."""
    with pytest.raises(exc) as info:
        call()
    assert str(info.value) == message


def test_jacobian_of_an_unused_input_is_zero_when_not_strict():
    """Without strict an input the output ignores gets a zero Jacobian."""
    ja, jb = F.jacobian(lambda a, b: a * 2, (_yf(), _yf()))
    _check(jb, [0.0] * 4, [2, 2])
