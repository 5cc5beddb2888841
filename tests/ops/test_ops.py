"""Generic tests over the op table: forward against NumPy, float64 gradcheck and gradgradcheck, grad_fn
names, no-grad mode, dtype promotion, integer wraparound and PyTorch's error messages."""

from __future__ import annotations

import numpy as np
import pytest

import numtorch as torch
from numtorch.autograd import gradcheck, gradgradcheck

from . import harness as H
from .op_table import ERRORS, PROMOTION, WRAPAROUND, Const


def _ids(cases):
    return [c[0] for c in cases]


def _float64_only(sample) -> bool:
    """All float array arguments are float64 and at least one of them will require grad."""
    arrays = [a for a in sample.args if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
    consts = [a.array for a in sample.args if isinstance(a, Const) and a.array.dtype.kind == "f"]
    return bool(arrays) and all(a.dtype == np.float64 for a in arrays + consts)


def _call(op, sample, requires_grad=True):
    args = H.make_args(torch, sample, requires_grad=requires_grad)
    return args, H.as_list(op.fn(torch, *args, **sample.kwargs))


ALL = H.cases()
GRAD = H.cases(lambda op, s: op.grad and not s.edge and _float64_only(s))
GRADGRAD = H.cases(lambda op, s: op.grad and op.gradgrad and not s.edge and _float64_only(s))
NAMED = H.cases(lambda op, s: (s.grad_fn or op.grad_fn) is not None and _float64_only(s))
NOT_DIFFERENTIABLE = H.cases(lambda op, s: op.grad_fn is None and any(
    isinstance(a, np.ndarray) and a.dtype.kind == "f" for a in s.args))
WITH_GRAD_INPUT = H.cases(lambda op, s: any(isinstance(a, np.ndarray) and a.dtype.kind == "f" for a in s.args))


@pytest.mark.parametrize("cid,op,sample", ALL, ids=_ids(ALL))
def test_forward_matches_numpy(cid, op, sample):
    """Values, shape and dtype agree with the NumPy reference computed here."""
    _, outs = _call(op, sample, requires_grad=False)
    ref_args = [a.array if isinstance(a, Const) else a for a in sample.args]
    refs = H.as_list(op.ref(*ref_args, **sample.kwargs))
    assert len(outs) == len(refs)
    for out, ref in zip(outs, refs):
        ref = np.asarray(ref)
        got = out.numpy()
        assert got.shape == ref.shape
        assert got.dtype == ref.dtype
        np.testing.assert_allclose(got, ref, rtol=op.rtol, atol=op.atol, equal_nan=True)


@pytest.mark.parametrize("cid,op,sample", GRAD, ids=_ids(GRAD))
def test_gradcheck(cid, op, sample):
    """Analytical gradients match float64 central differences."""
    args, _ = _call(op, sample)
    assert gradcheck(lambda *a: op.fn(torch, *a, **sample.kwargs), tuple(args))


@pytest.mark.parametrize("cid,op,sample", GRADGRAD, ids=_ids(GRADGRAD))
def test_gradgradcheck(cid, op, sample):
    """The derivative formulas are themselves differentiated correctly (create_graph=True)."""
    args, _ = _call(op, sample)
    torch.manual_seed(0)
    assert gradgradcheck(lambda *a: op.fn(torch, *a, **sample.kwargs), tuple(args))


@pytest.mark.parametrize("cid,op,sample", NAMED, ids=_ids(NAMED))
def test_grad_fn_name(cid, op, sample):
    """The output records PyTorch's node name and requires grad."""
    _, outs = _call(op, sample)
    out = outs[0]
    assert out.requires_grad and not out.is_leaf
    assert out.grad_fn.name() == (sample.grad_fn or op.grad_fn)


@pytest.mark.parametrize("cid,op,sample", NOT_DIFFERENTIABLE, ids=_ids(NOT_DIFFERENTIABLE))
def test_non_differentiable_output_has_no_grad_fn(cid, op, sample):
    """Comparisons, logic and argmax give outputs outside the graph even from inputs that require grad."""
    _, outs = _call(op, sample)
    for out in outs:
        assert out.grad_fn is None and not out.requires_grad


@pytest.mark.parametrize("cid,op,sample", WITH_GRAD_INPUT, ids=_ids(WITH_GRAD_INPUT))
def test_no_grad_mode_records_nothing(cid, op, sample):
    """Under no_grad no output has a grad_fn or requires grad."""
    args = H.make_args(torch, sample)
    with torch.no_grad():
        outs = H.as_list(op.fn(torch, *args, **sample.kwargs))
    for out in outs:
        assert out.grad_fn is None and not out.requires_grad


@pytest.mark.parametrize("name,expr,expected", PROMOTION, ids=[p[0] for p in PROMOTION])
def test_dtype_promotion(name, expr, expected):
    """Result dtypes follow PyTorch's promotion (categories and dim/0-d/number priority), not NumPy's."""
    assert expr(torch).dtype == getattr(torch, "bool" if expected == "bool" else expected)


@pytest.mark.parametrize("name,expr,values,dtype", WRAPAROUND, ids=[w[0] for w in WRAPAROUND])
def test_integer_wraparound(name, expr, values, dtype):
    """A Python int outside the tensor's integer range wraps around instead of raising or up-casting."""
    out = expr(torch)
    assert out.tolist() == values and str(out.dtype) == f"torch.{dtype}"


@pytest.mark.parametrize("name,expr,exc_type,message", ERRORS, ids=[e[0] for e in ERRORS])
def test_error_message(name, expr, exc_type, message):
    """Shape, dim and dtype errors raise PyTorch's exception type with its exact message."""
    with pytest.raises(exc_type) as info:
        expr(torch)
    assert str(info.value) == message
