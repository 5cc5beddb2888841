"""``torch.autograd.gradcheck`` / ``gradgradcheck``: analytical gradients against central differences.

The numerical Jacobian perturbs one input element at a time by ``±eps`` (in place, through the raw array,
so no version counter moves) and takes ``(f(x+eps) - f(x-eps)) / (2 eps)``. The analytical Jacobian is
built row by row with ``autograd.grad`` and one-hot ``grad_outputs``. Both use the tensors' own dtypes,
which is why the checks are meant for float64 inputs (a warning says so otherwise, as in PyTorch).

``gradgradcheck`` runs ``gradcheck`` on the function ``(inputs, grad_outputs) -> grad(func, inputs,
grad_outputs, create_graph=True)``: the derivative formulas themselves get differentiated.
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(RuntimeError):
    """Error raised by :func:`gradcheck` and :func:`gradgradcheck`."""


_FAILED_NONDET_MSG = """\n
NOTE: If your op relies on non-deterministic operations i.e., it is listed here:
https://pytorch.org/docs/stable/generated/torch.use_deterministic_algorithms.html
this failure might be expected.

If you are adding a new operator, please file an issue and then use one of the
workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck.
If the test
- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck
  with `nondet_tol=<tol>` as a keyword argument.
- is OpInfo-based (e.g., in test_ops_gradients.py), then modify the OpInfo for the test
  to have `gradcheck_nondet_tol=<tol>`.
- is a Module test (e.g., in common_nn.py), then modify the corresponding
  module_test entry to have `gradcheck_nondet_tol=<tol>`
"""


def _tensor_cls():
    from ..tensor import Tensor

    return Tensor


def _as_tuple(x) -> tuple:
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _differentiable_outputs(x) -> tuple:
    return tuple(o for o in _as_tuple(x) if o.requires_grad)


def _diff_inputs(tupled_inputs) -> list:
    T = _tensor_cls()
    return [t for t in tupled_inputs if isinstance(t, T) and t.requires_grad]


def _check_inputs(tupled_inputs) -> None:
    T = _tensor_cls()
    any_requires_grad = False
    for idx, inp in enumerate(tupled_inputs):
        if isinstance(inp, T) and inp.requires_grad:
            if inp._data.dtype != np.float64:
                warnings.warn(
                    f"Input #{idx} requires gradient and is not a double precision floating point or complex. "
                    "This check will likely fail if all the inputs are not of double precision floating point "
                    "or complex. ",
                    stacklevel=3,
                )
            if inp._data.size and not all(st > 0 or sz <= 1 for st, sz in zip(inp._data.strides, inp._data.shape)):
                raise RuntimeError(
                    f"The {idx}th input has a dimension with stride 0. gradcheck only supports inputs that are "
                    "non-overlapping to be able to compute the numerical gradients correctly. You should call "
                    ".contiguous on the input before passing it to gradcheck."
                )
            any_requires_grad = True
    if not any_requires_grad:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but none of them have "
            "requires_grad=True."
        )


def _outputs_data(out) -> list:
    """Copies of the outputs' arrays (a later perturbation must not change them)."""
    return [np.array(o._data, copy=True) for o in _as_tuple(out)]


def _numerical_jacobians(func, tupled_inputs, func_out, eps: float) -> list:
    """``jac[k][i]``: d output i / d (k-th differentiable input), shape ``(input numel, output numel)``."""
    T = _tensor_cls()
    outs = _as_tuple(func_out)
    jacobians = []
    for inp in tupled_inputs:
        if not (isinstance(inp, T) and inp.requires_grad):
            continue
        data = inp._data
        n = data.size
        cols = [np.zeros((n, o._data.size), dtype=o._data.dtype if o._data.dtype.kind == "f" else np.float64)
                for o in outs]
        flat_positions = np.ndindex(*data.shape) if data.ndim else [()]
        for d_idx, pos in enumerate(flat_positions):
            orig = data[pos].copy()
            data[pos] = orig - eps
            outa = _outputs_data(func(*tupled_inputs))
            data[pos] = orig + eps
            outb = _outputs_data(func(*tupled_inputs))
            data[pos] = orig
            for i, (a, b) in enumerate(zip(outa, outb)):
                if a.shape != b.shape:
                    raise AssertionError(
                        f"Expected `func` to return outputs with the same shape when inputs are perturbed on index "
                        f"{pos} by {eps}, but got: shapes {a.shape} and {b.shape}."
                    )
                cols[i][d_idx] = ((b - a) / (2 * eps)).reshape(-1)
        jacobians.append(cols)
    return jacobians


def _analytical_jacobian(diff_inputs, output) -> tuple[list, bool, bool]:
    """Rows from ``autograd.grad`` with one-hot grad_outputs; also whether sizes and dtypes match."""
    from . import grad as _grad

    T = _tensor_cls()
    n_out = output._data.size
    jacs = [np.zeros((t._data.size, n_out), dtype=t._data.dtype) for t in diff_inputs]
    sizes_ok = types_ok = True
    base = np.zeros(output._data.shape, dtype=output._data.dtype)
    flat = base.reshape(-1)
    for j in range(n_out):
        flat[:] = 0
        flat[j] = 1
        grads = _grad(output, diff_inputs, T._make(base.copy()), retain_graph=True, allow_unused=True)
        for k, g in enumerate(grads):
            if g is None:
                continue
            if g._data.shape != diff_inputs[k]._data.shape:
                sizes_ok = False
                continue
            if g._data.dtype != diff_inputs[k]._data.dtype:
                types_ok = False
            jacs[k][:, j] = g._data.reshape(-1)
    return jacs, sizes_ok, types_ok


def _fmt(arr: np.ndarray) -> str:
    return repr(_tensor_cls()._make(arr))


def _slow_gradcheck(func, func_out, tupled_inputs, outputs, eps, rtol, atol, check_grad_dtypes, nondet_tol):
    func_out_t = _as_tuple(func_out)
    if not outputs:
        for per_input in _numerical_jacobians(func, tupled_inputs, func_out_t, eps):
            for jac in per_input:
                if np.any(jac != 0):
                    raise GradcheckError("Numerical gradient for function expected to be zero")
        return True
    numerical = _numerical_jacobians(func, tupled_inputs, func_out_t, eps)
    diff_out_idx = [i for i, o in enumerate(func_out_t) if o.requires_grad]
    diff_inputs = _diff_inputs(tupled_inputs)
    for i, o in enumerate(outputs):
        jacs1, sizes_ok, types_ok = _analytical_jacobian(diff_inputs, o)
        jacs2, _, _ = _analytical_jacobian(diff_inputs, o)
        if not types_ok and check_grad_dtypes:
            raise GradcheckError("Gradient has dtype mismatch")
        if not sizes_ok:
            raise GradcheckError("Analytical gradient has incorrect size")
        for j1, j2 in zip(jacs1, jacs2):
            if j1.size and np.abs(j1 - j2).max() > nondet_tol:
                raise GradcheckError(
                    "Backward is not reentrant, i.e., running backward with same input and grad_output multiple "
                    "times gives different values, although analytical gradient matches numerical gradient."
                    f"The tolerance for nondeterminism was {nondet_tol}." + _FAILED_NONDET_MSG
                )
        for k, (a, per_input) in enumerate(zip(jacs1, numerical)):
            n = per_input[diff_out_idx[i]]
            rt = np.promote_types(a.dtype, n.dtype)
            if not np.allclose(a.astype(rt, copy=False), n.astype(rt, copy=False), rtol=rtol, atol=atol):
                raise GradcheckError(
                    f"Jacobian mismatch for output {i:d} with respect to input {k:d},\n"
                    f"numerical:{_fmt(n)}\nanalytical:{_fmt(a)}\n"
                )
    return True


def _test_backward_mul_by_grad_output(outputs, tupled_inputs) -> None:
    """Zero grad_outputs must give zero gradients of the inputs' dtype and size."""
    from . import grad as _grad

    T = _tensor_cls()
    diff_inputs = _diff_inputs(tupled_inputs)
    if not diff_inputs:
        raise GradcheckError("no Tensors requiring grad found in input")
    zeros = [T._make(np.zeros(o._data.shape, dtype=o._data.dtype)) for o in outputs]
    grads = _grad(outputs, diff_inputs, zeros, allow_unused=True)
    for gi, di in zip(grads, diff_inputs):
        if gi is None:
            continue
        if np.any(gi._data != 0):
            raise GradcheckError("backward not multiplied by grad_output")
        if gi._data.dtype != di._data.dtype:
            raise GradcheckError("grad is incorrect type")
        if gi._data.shape != di._data.shape:
            raise GradcheckError("grad is incorrect size")


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0, check_undefined_grad: bool = True,
              check_grad_dtypes: bool = False, check_batched_grad: bool = False,
              check_batched_forward_grad: bool = False, check_forward_ad: bool = False,
              check_backward_ad: bool = True, fast_mode: bool = False, masked=None) -> bool:
    """Check ``func``'s analytical gradients against central finite differences.

    Returns True when every Jacobian entry satisfies ``|analytical - numerical| <= atol + rtol*|numerical|``;
    otherwise raises :class:`GradcheckError` (or returns False with ``raise_exception=False``).
    ``fast_mode`` runs the full (slow) check; ``check_batched_grad`` and ``check_undefined_grad`` are
    accepted and have nothing extra to check in numtorch (no vmap, no undefined gradients).
    """
    if not (check_forward_ad or check_backward_ad):
        raise AssertionError("Expected at least one of check_forward_ad or check_backward_ad to be True")
    if check_batched_grad and not check_backward_ad:
        raise AssertionError("Setting check_batched_grad=True requires check_backward_ad to be True")
    if check_batched_forward_grad and not check_forward_ad:
        raise AssertionError("Setting check_batched_forward_grad=True requires check_forward_ad to be True")
    if check_forward_ad:
        raise NotImplementedError("numtorch has no forward-mode AD: gradcheck(check_forward_ad=True) is unsupported")
    try:
        tupled_inputs = _as_tuple(inputs)
        _check_inputs(tupled_inputs)
        func_out = func(*tupled_inputs)
        outputs = _differentiable_outputs(func_out)
        _slow_gradcheck(func, func_out, tupled_inputs, outputs, eps, rtol, atol, check_grad_dtypes, nondet_tol)
        if outputs:
            _test_backward_mul_by_grad_output(outputs, tupled_inputs)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  gen_non_contig_grad_outputs: bool = False, raise_exception: bool = True, nondet_tol: float = 0.0,
                  check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
                  check_batched_grad: bool = False, check_fwd_over_rev: bool = False,
                  check_rev_over_rev: bool = True, fast_mode: bool = False, masked: bool = False) -> bool:
    """Check second derivatives: ``gradcheck`` of ``grad(func(inputs), inputs, grad_outputs, create_graph=True)``.

    Without ``grad_outputs``, random ones are drawn uniformly from [-1, 1) (from the global generator, as
    PyTorch's ``make_tensor`` does) and themselves require grad, so the check also covers the formulas'
    linearity in the incoming gradient.
    """
    from . import grad as _grad

    if not (check_fwd_over_rev or check_rev_over_rev):
        raise AssertionError("Expected at least one of check_fwd_over_rev or check_rev_over_rev to be True")
    if check_undefined_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_undefined_grad=True requires check_rev_over_rev to be True")
    if check_batched_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_batched_grad=True requires check_rev_over_rev to be True")
    T = _tensor_cls()
    tupled_inputs = _as_tuple(inputs)
    if grad_outputs is None:
        from ..creation import empty

        outputs = _differentiable_outputs(func(*tupled_inputs))
        tupled_grad_outputs = []
        for x in outputs:
            dt = x.dtype if x._data.dtype.kind == "f" else _float64()
            g = empty(tuple(x._data.shape), dtype=dt).uniform_(-1, 1)
            if gen_non_contig_grad_outputs and g._data.ndim:
                g = T._make(np.asfortranarray(g._data) if g._data.ndim > 1 else g._data)
            tupled_grad_outputs.append(g.requires_grad_())
        tupled_grad_outputs = tuple(tupled_grad_outputs)
    else:
        tupled_grad_outputs = _as_tuple(grad_outputs)
    num_outputs = len(tupled_grad_outputs)
    diff_input_idx = {i for i, x in enumerate(tupled_inputs) if isinstance(x, T) and x.requires_grad}

    def new_func(*args):
        input_args = args[:len(args) - num_outputs] if num_outputs else args
        outs = _differentiable_outputs(func(*input_args))
        gouts = args[len(args) - num_outputs:] if num_outputs else ()
        diff_inputs = tuple(x for i, x in enumerate(input_args) if i in diff_input_idx)
        grads = _grad(outs, diff_inputs, gouts, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(new_func, tupled_inputs + tupled_grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad, check_grad_dtypes=check_grad_dtypes,
                     check_batched_grad=check_batched_grad, fast_mode=fast_mode,
                     check_forward_ad=check_fwd_over_rev, check_backward_ad=check_rev_over_rev, masked=masked)


def _float64():
    from .. import dtypes

    return dtypes.float64
