"""Gradients at non-differentiable and special points follow PyTorch: abs and relu at 0, sqrt and pow at 0,
ties of max/min/amax/maximum, clamp on its bounds, NaN inputs, zero norms, zeros in prod, saturated
activations. Each expected value was read off PyTorch 2.13 (the gradient of ``(out * w).sum()`` with
``w = linspace(-1, 2, out.numel())``, or 1.5 for a single element) and is compared sign-exactly: a -0.0 where
PyTorch has 0.0 prints differently.
"""

from __future__ import annotations

import numpy as np
import pytest

import numtorch as T

nan, inf = float("nan"), float("inf")

CASES = [
    ("abs at 0", lambda x: x.abs(),
     [[-1.5, 0.0, 2.0]],
     [[1.0, 0.0, 2.0]]),
    ("relu at 0", lambda x: x.relu(),
     [[-1.0, 0.0, 2.0]],
     [[0.0, 0.0, 2.0]]),
    ("relu at NaN and -0", lambda x: x.relu(),
     [[nan, -1.0, 0.0, -0.0, 2.0]],
     [[-1.0, 0.0, 0.0, 0.0, 2.0]]),
    ("sign", lambda x: x.sign(),
     [[-1.0, 0.0, 2.0]],
     [[0.0, 0.0, 0.0]]),
    ("sqrt at 0", lambda x: x.sqrt(),
     [[0.0, 4.0]],
     [[-inf, 0.5]]),
    ("rsqrt at 0", lambda x: x.rsqrt(),
     [[0.0, 4.0]],
     [[inf, -0.125]]),
    ("log at 0", lambda x: x.log(),
     [[0.0, 1.0]],
     [[-inf, 2.0]]),
    ("x ** 0.5 at 0", lambda x: x ** 0.5,
     [[0.0, 4.0]],
     [[-inf, 0.5]]),
    ("x ** 2 at 0", lambda x: x ** 2,
     [[0.0, -1.0]],
     [[-0.0, -4.0]]),
    ("x ** 0 at 0", lambda x: x ** 0,
     [[0.0, 2.0]],
     [[0.0, 0.0]]),
    ("x ** -1 at 0", lambda x: x ** -1,
     [[0.0, 2.0]],
     [[inf, -0.5]]),
    ("pow tensor-tensor at 0", lambda x, y: x ** y,
     [[0.0, 0.0, 2.0, 0.0], [0.0, 2.0, 0.0, 0.5]],
     [[0.0, 0.0, 0.0, inf], [-0.0, 0.0, 0.6931471805599453, 0.0]]),
    ("0 ** x", lambda x: 0.0 ** x,
     [[0.0, 1.5, -1.0]],
     [[-0.0, 0.0, -inf]]),
    ("max ties", lambda x: x.max(),
     [[1.0, 3.0, 3.0, 0.5]],
     [[0.0, 0.75, 0.75, 0.0]]),
    ("min ties", lambda x: x.min(),
     [[1.0, 0.5, 3.0, 0.5]],
     [[0.0, 0.75, 0.0, 0.75]]),
    ("max NaN", lambda x: x.max(),
     [[nan, 1.0, nan]],
     [[0.75, 0.0, 0.75]]),
    ("max(dim) ties", lambda x: x.max(1)[0],
     [[[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]],
     [[[0.0, -1.0, 0.0], [2.0, 0.0, 0.0]]]),
    ("min(dim) ties", lambda x: x.min(0)[0],
     [[[1.0, 3.0], [1.0, 2.0]]],
     [[[-1.0, 0.0], [0.0, 2.0]]]),
    ("amax ties", lambda x: x.amax(1),
     [[[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]],
     [[[-0.0, -0.5, -0.5], [0.6666666666666666, 0.6666666666666666, 0.6666666666666666]]]),
    ("amin ties all", lambda x: x.amin(),
     [[[1.0, 3.0], [1.0, 1.0]]],
     [[[0.5, 0.0], [0.5, 0.5]]]),
    ("maximum ties", lambda x, y: T.maximum(x, y),
     [[1.0, 2.0, 3.0], [1.0, 0.0, 3.0]],
     [[-0.5, 0.5, 1.0], [-0.5, 0.0, 1.0]]),
    ("minimum ties", lambda x, y: T.minimum(x, y),
     [[1.0, 2.0, 3.0], [1.0, 0.0, 3.0]],
     [[-0.5, 0.0, 1.0], [-0.5, 0.5, 1.0]]),
    ("maximum NaN", lambda x, y: T.maximum(x, y),
     [[nan, 1.0, 2.0], [0.0, nan, 1.0]],
     [[-1.0, 0.5, 2.0], [-1.0, 0.5, 0.0]]),
    ("clamp on the bounds", lambda x: x.clamp(-0.5, 0.5),
     [[-1.0, -0.5, 0.0, 0.5, 1.0]],
     [[0.0, -0.25, 0.5, 1.25, 0.0]]),
    ("clamp min only on the bound", lambda x: x.clamp(min=0.3),
     [[0.3, 0.0, 1.0]],
     [[-1.0, 0.0, 2.0]]),
    ("clamp_max on the bound", lambda x: x.clamp_max(0.3),
     [[0.3, 0.0, 1.0]],
     [[-1.0, 0.5, 0.0]]),
    ("clamp tensor bounds", lambda x, lo, hi: T.clamp(x, lo, hi),
     [[-1.0, 0.0, 0.5, 2.0], [0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 0.5, 1.0]],
     [[0.0, 0.0, 1.0, 0.0], [-1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 2.0]]),
    ("clamp tensor min > max", lambda x, lo, hi: T.clamp(x, lo, hi),
     [[-1.0, 0.5, 2.0], [1.0, 1.0, 1.0], [0.0, 0.0, 0.0]],
     [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [-1.0, 0.5, 2.0]]),
    ("clamp NaN", lambda x: x.clamp(-1.0, 1.0),
     [[nan, 2.0, 0.5]],
     [[0.0, 0.0, 2.0]]),
    ("norm of zeros", lambda x: x.norm(),
     [[0.0, 0.0, 0.0]],
     [[0.0, 0.0, 0.0]]),
    ("norm p=1 at 0", lambda x: x.norm(p=1),
     [[0.0, -2.0, 3.0]],
     [[0.0, -1.5, 1.5]]),
    ("norm p=inf ties", lambda x: x.norm(p=inf),
     [[1.0, -3.0, 3.0]],
     [[0.0, -0.75, 0.75]]),
    ("norm p=3 of zeros", lambda x: x.norm(p=3),
     [[0.0, 0.0]],
     [[0.0, 0.0]]),
    ("prod with one zero", lambda x: x.prod(),
     [[2.0, 0.0, 3.0]],
     [[0.0, 9.0, 0.0]]),
    ("prod with two zeros", lambda x: x.prod(),
     [[0.0, 2.0, 0.0]],
     [[0.0, 0.0, 0.0]]),
    ("std of equal values", lambda x: x.std(),
     [[2.0, 2.0, 2.0]],
     [[0.0, 0.0, 0.0]]),
    ("std of one value", lambda x: x.std(),
     [[2.0]],
     [[nan]]),
    ("var of one value", lambda x: x.var(),
     [[2.0]],
     [[nan]]),
    ("sigmoid saturated", lambda x: x.sigmoid(),
     [[-800.0, 0.0, 800.0]],
     [[-0.0, 0.125, 0.0]]),
    ("tanh saturated", lambda x: x.tanh(),
     [[-30.0, 0.0, 30.0]],
     [[-0.0, 0.5, 0.0]]),
    ("logsumexp -inf row", lambda x: x.logsumexp(1),
     [[[-inf, -inf], [0.0, 1.0]]],
     [[[nan, nan], [0.5378828427399902, 1.4621171572600098]]]),
    ("floor", lambda x: x.floor(),
     [[-1.5, 2.0]],
     [[0.0, 0.0]]),
    ("round half", lambda x: x.round(),
     [[0.5, 1.5]],
     [[0.0, 0.0]]),
    ("remainder at the jump", lambda x, y: x % y,
     [[3.0, -3.0], [1.5, 2.0]],
     [[-1.0, 2.0], [2.0, 4.0]]),
    ("where", lambda c, x: T.where(c > 0, x, x * 2),
     [[1.0, -1.0, 0.0], [1.0, 2.0, 3.0]],
     [None, [-1.0, 1.0, 4.0]]),
    ("masked_fill", lambda x: x.masked_fill(x > 0, 0.0),
     [[1.0, -1.0, 0.0]],
     [[0.0, 0.5, 2.0]]),
    ("index with repeats", lambda x: x[T.tensor([0, 0, 2])],
     [[1.0, 2.0, 3.0]],
     [[-0.5, 0.0, 2.0]]),
    ("abs twice", lambda x: x.abs().abs(),
     [[0.0, -1.0]],
     [[-0.0, -2.0]]),
]


def _same(got: np.ndarray, want: np.ndarray) -> bool:
    """Equal values (to rounding), equal NaN and inf positions, and equal signs of zero."""
    if got.shape != want.shape or not np.allclose(got, want, rtol=1e-12, atol=0.0, equal_nan=True):
        return False
    zeros = want == 0
    return bool(np.array_equal(np.signbit(got[zeros]), np.signbit(want[zeros])))


@pytest.mark.parametrize("name,fn,inputs,expected", CASES, ids=[c[0] for c in CASES])
def test_gradient_matches_pytorch(name, fn, inputs, expected):
    """The gradient at a special point is PyTorch's, sign of zero included."""
    xs = [T.tensor(v, dtype=T.float64, requires_grad=True) for v in inputs]
    with np.errstate(all="ignore"), __import__("warnings").catch_warnings():
        __import__("warnings").simplefilter("ignore")
        out = fn(*xs)
        n = out.numel()
        w = T.linspace(-1.0, 2.0, n, dtype=T.float64).reshape(out.shape) if n > 1 else T.full(out.shape, 1.5,
                                                                                               dtype=T.float64)
        grads = T.autograd.grad((out * w).sum(), xs, allow_unused=True)
    for g, want in zip(grads, expected):
        if want is None:
            assert g is None
        else:
            assert _same(g.numpy(), np.asarray(want, dtype=np.float64)), (g, want)
