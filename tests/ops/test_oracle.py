"""Every op-table entry against real PyTorch: values, dtypes, grad_fn names, gradients (edge points included),
second derivatives, dtype promotion and error messages.

Skipped where ``import torch`` does not give real PyTorch. With an oracle interpreter that has no pytest,
run it as a script from the repository root: ``~/.oracle/bin/python -m tests.ops.test_oracle`` prints
every mismatch (nothing means numtorch agrees with PyTorch on the whole table).
"""

from __future__ import annotations

import importlib
import sys
import warnings

import numpy as np

try:
    import pytest
except ImportError:  # the oracle interpreter may lack pytest; the script entry point below needs none
    pytest = None

import numtorch

from . import harness as H
from .op_table import ERRORS, PROMOTION, WRAPAROUND


def _real_torch():
    """Real PyTorch, or None (numtorch.compat may map ``torch`` to numtorch: that does not count)."""
    mod = sys.modules.get("torch")
    if mod is not None and mod is not numtorch and hasattr(mod, "_C"):
        return mod
    if mod is not None and not hasattr(mod, "_C"):
        return None
    try:
        mod = importlib.import_module("torch")
    except Exception:
        return None
    return mod if hasattr(mod, "_C") else None


torch = _real_torch()


def _close(a: np.ndarray, b: np.ndarray, rtol=1e-6, atol=1e-6) -> bool:
    if a.shape != b.shape:
        return False
    if a.dtype.kind == "b" or b.dtype.kind == "b":
        return bool(np.array_equal(a, b))
    return bool(np.allclose(a.astype(np.float64), b.astype(np.float64), rtol=rtol, atol=atol, equal_nan=True))


def _next(fn) -> list:
    """``grad_fn.next_functions`` as (name, input_nr) pairs, PyTorch's C++ namespace dropped."""
    return [(None if f is None else f.name().replace("torch::autograd::", ""), nr) for f, nr in fn.next_functions]


def _dtype_name(t) -> str:
    return str(t.dtype).replace("torch.", "")


def _run(T, op, sample):
    args = H.make_args(T, sample)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = op.fn(T, *args, **sample.kwargs)
    return args, H.as_list(out)


def _grads(T, op, args, outs, create_graph: bool):
    ins = H.grad_inputs(args)
    fouts = [o for o in H.float_outputs(outs) if o.requires_grad]
    if not ins or not fouts:
        return ins, None
    loss = None
    for o in fouts:
        w = T.from_numpy(H.weights(tuple(o.shape), H.to_numpy(o).dtype))
        term = (o * w).sum()
        loss = term if loss is None else loss + term
    return ins, T.autograd.grad(loss, ins, allow_unused=True, create_graph=create_graph)


def _second(T, ins, grads):
    terms = []
    for g in grads:
        if g is not None and g.requires_grad:
            w = H.weights(tuple(g.shape), H.to_numpy(g).dtype)
            w = T.from_numpy(w.reshape(-1)[::-1].reshape(w.shape).copy())
            terms.append((g * w).sum())
    if not terms:
        return None
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return T.autograd.grad(total, ins, allow_unused=True)


def compare_case(op, sample) -> list[str]:
    """Mismatches between numtorch and PyTorch for one sample (an empty list when they agree)."""
    problems = []
    try:
        t_args, t_outs = _run(torch, op, sample)
    except Exception as e:  # the table should hold only samples PyTorch accepts
        return [f"torch raised {type(e).__name__}: {e}"]
    try:
        n_args, n_outs = _run(numtorch, op, sample)
    except Exception as e:
        return [f"numtorch raised {type(e).__name__}: {e}"]
    if len(t_outs) != len(n_outs):
        return [f"{len(n_outs)} outputs, torch has {len(t_outs)}"]
    for k, (t, n) in enumerate(zip(t_outs, n_outs)):
        if _dtype_name(t) != _dtype_name(n):
            problems.append(f"output {k} dtype {_dtype_name(n)}, torch {_dtype_name(t)}")
        if tuple(t.shape) != tuple(n.shape):
            problems.append(f"output {k} shape {tuple(n.shape)}, torch {tuple(t.shape)}")
        elif not _close(H.to_numpy(n), H.to_numpy(t), op.rtol, op.atol):
            problems.append(f"output {k} values\n  numtorch {H.to_numpy(n)!r}\n  torch    {H.to_numpy(t)!r}")
        t_fn = t.grad_fn.name() if t.grad_fn is not None else None
        n_fn = n.grad_fn.name() if n.grad_fn is not None else None
        if t_fn != n_fn:
            problems.append(f"output {k} grad_fn {n_fn}, torch {t_fn}")
        elif t_fn is not None and _next(t.grad_fn) != _next(n.grad_fn):
            problems.append(f"output {k} next_functions {_next(n.grad_fn)}, torch {_next(t.grad_fn)}")
        if (t._base is not None) != (n._base is not None):
            problems.append(f"output {k} is a view: numtorch {n._base is not None}, torch {t._base is not None}")
        if t.is_contiguous() != n.is_contiguous():
            problems.append(f"output {k} contiguous: numtorch {n.is_contiguous()}, torch {t.is_contiguous()}")
        if bool(t.requires_grad) != bool(n.requires_grad):
            problems.append(f"output {k} requires_grad {n.requires_grad}, torch {t.requires_grad}")
    expected_fn = sample.grad_fn or op.grad_fn
    if expected_fn is not None and t_outs[0].grad_fn is not None and t_outs[0].grad_fn.name() != expected_fn:
        problems.append(f"table says grad_fn {expected_fn}, torch says {t_outs[0].grad_fn.name()}")
    if not op.grad or problems:
        return problems
    try:
        t_ins, t_g = _grads(torch, op, t_args, t_outs, op.gradgrad)
    except Exception as e:
        return problems + [f"torch backward raised {type(e).__name__}: {e}"]
    try:
        n_ins, n_g = _grads(numtorch, op, n_args, n_outs, op.gradgrad)
    except Exception as e:
        return problems + [f"numtorch backward raised {type(e).__name__}: {e}"]
    if t_g is None or n_g is None:
        if (t_g is None) != (n_g is None):
            problems.append(f"grads: numtorch {n_g}, torch {t_g}")
        return problems
    for k, (tg, ng) in enumerate(zip(t_g, n_g)):
        if (tg is None) != (ng is None):
            problems.append(f"grad {k}: numtorch {ng}, torch {tg}")
        elif tg is not None:
            if _dtype_name(tg) != _dtype_name(ng):
                problems.append(f"grad {k} dtype {_dtype_name(ng)}, torch {_dtype_name(tg)}")
            if not _close(H.to_numpy(ng), H.to_numpy(tg), op.rtol, op.atol):
                problems.append(f"grad {k} values\n  numtorch {H.to_numpy(ng)!r}\n  torch    {H.to_numpy(tg)!r}")
    if problems or not op.gradgrad:
        return problems
    try:
        t_g2 = _second(torch, t_ins, t_g)
    except Exception as e:
        return problems + [f"torch double backward raised {type(e).__name__}: {e}"]
    try:
        n_g2 = _second(numtorch, n_ins, n_g)
    except Exception as e:
        return problems + [f"numtorch double backward raised {type(e).__name__}: {e}"]
    t_g2 = t_g2 or (None,) * len(t_ins)
    n_g2 = n_g2 or (None,) * len(n_ins)
    for k, (tg, ng) in enumerate(zip(t_g2, n_g2)):
        # An input the gradient does not depend on may come back as None or as zeros: both mean zero.
        ta = np.zeros(tuple(t_ins[k].shape)) if tg is None else H.to_numpy(tg)
        na = np.zeros(tuple(n_ins[k].shape)) if ng is None else H.to_numpy(ng)
        if not _close(na, ta, op.rtol, op.atol):
            problems.append(f"second-order grad {k}\n  numtorch {na!r}\n  torch    {ta!r}")
    return problems


def _quiet(expr, T):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return expr(T)


def compare_promotion(expr) -> str | None:
    t = _quiet(expr, torch)
    try:
        n = _quiet(expr, numtorch)
    except Exception as e:
        return f"numtorch raised {type(e).__name__}: {e}"
    if _dtype_name(t) != _dtype_name(n):
        return f"dtype {_dtype_name(n)}, torch {_dtype_name(t)}"
    if not _close(H.to_numpy(n), H.to_numpy(t)):
        return f"values {H.to_numpy(n)!r}, torch {H.to_numpy(t)!r}"
    return None


def _raise(T, expr):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expr(T)
    except Exception as e:
        return e
    return None


def compare_error(expr, exc_type, message) -> list[str]:
    problems = []
    t, n = _raise(torch, expr), _raise(numtorch, expr)
    if t is None or type(t) is not exc_type or str(t) != message:
        problems.append(f"table disagrees with torch: {type(t).__name__}: {t}")
    if n is None or type(n).__name__ != type(t).__name__ or str(n) != str(t):
        problems.append(f"numtorch {type(n).__name__}: {n}\n  torch    {type(t).__name__}: {t}")
    return problems


def all_mismatches() -> list[str]:
    """Every disagreement with PyTorch over the whole table."""
    out = []
    for cid, op, sample in H.cases():
        try:
            found = compare_case(op, sample)
        except Exception as e:  # report and go on: one broken op must not hide the others
            found = [f"comparison crashed: {type(e).__name__}: {e}"]
        for p in found:
            out.append(f"[{cid} {sample!r}] {p}")
    for name, expr, expected in PROMOTION:
        t = _dtype_name(_quiet(expr, torch))
        if t != expected:
            out.append(f"[promotion {name}] table says {expected}, torch says {t}")
        p = compare_promotion(expr)
        if p:
            out.append(f"[promotion {name}] {p}")
    for name, expr, values, dtype in WRAPAROUND:
        p = compare_promotion(expr)
        if p:
            out.append(f"[wraparound {name}] {p}")
        t = expr(torch)
        if t.tolist() != values or _dtype_name(t) != dtype:
            out.append(f"[wraparound {name}] table says {values} {dtype}, torch says {t.tolist()} {t.dtype}")
    for name, expr, exc_type, message in ERRORS:
        for p in compare_error(expr, exc_type, message):
            out.append(f"[error {name}] {p}")
    return out


if pytest is not None:
    pytestmark = pytest.mark.skipif(torch is None, reason="real PyTorch is not importable here")

    @pytest.mark.parametrize("cid,op,sample", H.cases(), ids=[c[0] for c in H.cases()])
    def test_op_matches_torch(cid, op, sample):
        """Values, dtypes, grad_fn names and gradients agree with PyTorch."""
        assert compare_case(op, sample) == []

    @pytest.mark.parametrize("name,expr,expected", PROMOTION, ids=[p[0] for p in PROMOTION])
    def test_promotion_matches_torch(name, expr, expected):
        """The hard-coded promotion table is PyTorch's, and numtorch follows it."""
        assert _dtype_name(_quiet(expr, torch)) == expected
        assert compare_promotion(expr) is None

    @pytest.mark.parametrize("name,expr,exc_type,message", ERRORS, ids=[e[0] for e in ERRORS])
    def test_error_matches_torch(name, expr, exc_type, message):
        """Error types and messages are PyTorch's."""
        assert compare_error(expr, exc_type, message) == []


if __name__ == "__main__":
    if torch is None:
        sys.exit("real PyTorch is not importable by this interpreter")
    found = all_mismatches()
    print("\n".join(found) if found else "numtorch agrees with PyTorch on the whole op table")
    print(f"{len(found)} mismatches", file=sys.stderr)
