"""The op table: every op of issue 2 with sample inputs, a NumPy reference and PyTorch's grad_fn name.

Each entry's ``fn(T, *args, **kwargs)`` is written against a torch-like module ``T`` (numtorch in the tests,
real PyTorch in ``test_oracle.py``), so one table drives both the generic tests and the oracle comparison.
Sample arguments are NumPy arrays (each becomes a tensor of the same dtype; float ones require grad unless
wrapped in ``Const``), Python numbers, or ``Const`` wrappers. ``edge=True`` marks samples at
non-differentiable points (abs at 0, ties of max, clamp at a bound …): they skip gradcheck and their
gradients are compared with PyTorch's (``test_oracle.py``) and hard-coded in ``test_edge_grads.py``.
Every ``grad_fn`` name and every dtype/error expectation below was read off PyTorch 2.13.
"""

from __future__ import annotations

import numpy as np

_rng = np.random.default_rng(20240213)
f64, f32, i64, i32, u8, i8, b8 = np.float64, np.float32, np.int64, np.int32, np.uint8, np.int8, np.bool_


class Const:
    """An array argument that becomes a tensor without ``requires_grad``."""

    __slots__ = ("array",)

    def __init__(self, array):
        self.array = np.asarray(array)

    def __repr__(self) -> str:
        return f"Const({self.array.dtype}{list(self.array.shape)})"


class Sample:
    """One call: positional args, keyword args, and whether it sits on a non-differentiable point."""

    __slots__ = ("args", "kwargs", "edge", "desc", "grad_fn")

    def __init__(self, *args, edge: bool = False, desc: str = "", grad_fn: str | None = None, **kwargs):
        self.args, self.kwargs, self.edge, self.desc, self.grad_fn = args, kwargs, edge, desc, grad_fn

    def __repr__(self) -> str:
        parts = [f"{a.dtype}{list(a.shape)}" if isinstance(a, np.ndarray) else repr(a) for a in self.args]
        parts += [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return self.desc or "(" + ", ".join(parts) + ")"


class OpInfo:
    """One op: how to call it, its NumPy reference, samples, and what PyTorch records for it."""

    __slots__ = ("name", "fn", "ref", "samples", "grad_fn", "grad", "gradgrad", "rtol", "atol")

    def __init__(self, name, fn, ref, samples, grad_fn=None, grad=True, gradgrad=True, rtol=1e-6, atol=1e-6):
        self.name, self.fn, self.ref, self.samples = name, fn, ref, samples
        self.grad_fn, self.grad, self.gradgrad, self.rtol, self.atol = grad_fn, grad, gradgrad, rtol, atol

    def __repr__(self) -> str:
        return self.name


# --- sample values -------------------------------------------------------------------------------------------
def R(*shape, dtype=f64):
    """Values in ±[0.2, 2]: away from 0 and from each other, so kinks and ties are not hit by accident."""
    mag = _rng.uniform(0.2, 2.0, size=shape)
    sign = _rng.choice([-1.0, 1.0], size=shape)
    return np.asarray(mag * sign, dtype=dtype)


def P(*shape, dtype=f64):
    """Positive values in [0.5, 2] (log, sqrt, pow bases)."""
    return np.asarray(_rng.uniform(0.5, 2.0, size=shape), dtype=dtype)


def Ints(*shape, lo=-5, hi=6, dtype=i64):
    """Random integers in [lo, hi)."""
    return np.asarray(_rng.integers(lo, hi, size=shape), dtype=dtype)


def A(values, dtype=f64):
    """An explicit array."""
    return np.asarray(values, dtype=dtype)


def _float(x):
    """NumPy array cast the way PyTorch's float ops cast integer/bool input (to the default float32)."""
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(f32)


def _unary(np_fn):
    return lambda x: np_fn(_float(x))


def _sigmoid(x):
    x = _float(x)
    return (1 / (1 + np.exp(-x))).astype(x.dtype)


def _same(dtype_from):
    """Cast a reference result to the dtype of ``dtype_from`` (PyTorch keeps the tensor's dtype)."""
    return lambda r: np.asarray(r, dtype=np.asarray(dtype_from).dtype)


def _keep(fn):
    """Reference whose result keeps the first argument's dtype (NumPy would promote Python numbers)."""
    return lambda x, *rest, **kw: np.asarray(fn(x, *rest, **kw), dtype=x.dtype)


def _np_round_half_even(x, decimals=0):
    return np.round(x, decimals)


def _axes(dim):
    """PyTorch reduces over every dim when ``dim`` is None or an empty list; NumPy's ``axis=()`` reduces none."""
    if isinstance(dim, (tuple, list)):
        return tuple(dim) or None
    return dim


def _var(x, dim=None, correction=1, keepdim=False, unbiased=None):
    if unbiased is not None:
        correction = int(unbiased)
    return np.var(x, axis=_axes(dim), ddof=correction, keepdims=keepdim)


def _std(x, dim=None, correction=1, keepdim=False, unbiased=None):
    if unbiased is not None:
        correction = int(unbiased)
    return np.std(x, axis=_axes(dim), ddof=correction, keepdims=keepdim)


def _reduce(np_fn):
    """A NumPy reduction called with PyTorch's ``dim``/``keepdim`` keywords (and its empty-dim rule)."""
    return lambda x, dim=None, keepdim=False, **kw: np.asarray(
        np_fn(x, axis=_axes(dim) if x.ndim else None, keepdims=keepdim, **kw))


def _logsumexp(x, dim, keepdim=False):
    if x.ndim == 0:
        return x
    m = np.max(x, axis=dim, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)  # a row of -inf gives -inf, a +inf gives +inf (not NaN)
    out = np.log(np.sum(np.exp(x - m), axis=dim, keepdims=True)) + m
    return out if keepdim else np.squeeze(out, axis=dim)


def _max_dim(x, dim, keepdim=False, is_max=True):
    if x.ndim == 0:
        return x, np.zeros((), i64)
    idx = (np.argmax if is_max else np.argmin)(x, axis=dim)
    vals = np.take_along_axis(x, np.expand_dims(idx, dim), dim)
    if keepdim:
        return vals, np.expand_dims(idx, dim)
    return np.squeeze(vals, dim), idx


def _norm(x, p=2, dim=None, keepdim=False, dtype=None):
    a = np.abs(x if dtype is None else x.astype(np.float64))
    dim = _axes(dim)
    if p == np.inf:
        return np.max(a, axis=dim, keepdims=keepdim)
    if p == -np.inf:
        return np.min(a, axis=dim, keepdims=keepdim)
    if p == 0:
        return np.sum(a != 0, axis=dim, keepdims=keepdim).astype(a.dtype)
    return np.sum(a ** p, axis=dim, keepdims=keepdim) ** (1.0 / p)


def _floordiv(x, y):
    return np.floor_divide(x, y)


def _rsub(x, y):
    return y - x


# --- the table -----------------------------------------------------------------------------------------------
OPS: list[OpInfo] = []


def op(name, fn, ref, samples, grad_fn=None, **kw):
    OPS.append(OpInfo(name, fn, ref, samples, grad_fn, **kw))


_NOT_IMPLEMENTED = "torch::autograd::NotImplemented"  # what PyTorch records for ops without a derivative

# Binary arithmetic (with broadcasting, 0-d operands, Python numbers on either side).
_BIN_SAMPLES = [
    Sample(R(3, 4), R(3, 4)),
    Sample(R(3, 4), R(4), desc="broadcast (3,4) with (4,)"),
    Sample(R(2, 1, 3), R(4, 1), desc="broadcast both (2,1,3) with (4,1)"),
    Sample(R(3), A(1.5), desc="0-d other"),
    Sample(A(-0.75), R(2, 2), desc="0-d self"),
    Sample(R(3, 4), 2.5, desc="Python float other"),
    Sample(R(2, 3, dtype=f32), R(2, 3, dtype=f32), desc="float32"),
    Sample(R(4, 3).T, R(4, 3).T, desc="non-contiguous operands"),
    Sample(R(3, dtype=f32), A(1.5), desc="float32 with float64 0-d (grad keeps each dtype)"),
]
op("add", lambda T, x, y: x + y, lambda x, y: _keep(np.add)(x, y), _BIN_SAMPLES, "AddBackward0")
op("add_alpha", lambda T, x, y: T.add(x, y, alpha=2), lambda x, y: x + 2 * y, _BIN_SAMPLES[:3], "AddBackward0")
op("radd", lambda T, x: 2.5 + x, lambda x: x + 2.5, [Sample(R(3, 4)), Sample(A(1.25))], "AddBackward0")
op("sub", lambda T, x, y: x - y, lambda x, y: _keep(np.subtract)(x, y), _BIN_SAMPLES, "SubBackward0")
op("sub_alpha", lambda T, x, y: T.sub(x, y, alpha=3), lambda x, y: x - 3 * y, _BIN_SAMPLES[:3], "SubBackward0")
op("rsub", lambda T, x: 2.5 - x, lambda x: 2.5 - x, [Sample(R(3, 4)), Sample(A(1.25))], "RsubBackward1")
op("mul", lambda T, x, y: x * y, lambda x, y: _keep(np.multiply)(x, y), _BIN_SAMPLES, "MulBackward0")
op("rmul", lambda T, x: 3 * x, lambda x: 3 * x, [Sample(R(3, 4)), Sample(A(1.25))], "MulBackward0")
op("div", lambda T, x, y: x / y, lambda x, y: _keep(np.true_divide)(x, y), _BIN_SAMPLES, "DivBackward0")
op("rdiv", lambda T, x: 2.0 / x, lambda x: 2.0 / x, [Sample(R(3, 4)), Sample(A(1.25))], "MulBackward0")
op("div_trunc", lambda T, x, y: T.div(x, y, rounding_mode="trunc"), lambda x, y: np.trunc(x / y),
   [Sample(R(3, 4), R(3, 4))], "DivBackward2")
op("div_trunc_scalar", lambda T, x: T.div(x, 0.7, rounding_mode="trunc"), lambda x: np.trunc(x / 0.7),
   [Sample(R(3, 4))], "DivBackward2")
op("div_floor", lambda T, x, y: T.div(x, y, rounding_mode="floor"), lambda x, y: np.floor_divide(x, y),
   [Sample(R(3, 4), R(4))], "DivBackward2")
op("floordiv", lambda T, x, y: x // y, _floordiv,
   [Sample(R(3, 4), R(3, 4)), Sample(R(3), 0.5), Sample(Ints(5), A([2, -3, 4, -1, 7], i64))],
   _NOT_IMPLEMENTED, grad=False)
op("rfloordiv", lambda T, x: 7 // x, lambda x: np.floor_divide(7, x).astype(x.dtype), [Sample(R(3))],
   _NOT_IMPLEMENTED, grad=False)
op("remainder", lambda T, x, y: x % y, lambda x, y: _keep(np.remainder)(x, y),
   [Sample(R(3, 4), R(3, 4)), Sample(R(3, 4), R(4)),
    Sample(Ints(5), A([2, -3, 4, -1, 7], i64))],
   "RemainderBackward1")
op("remainder_scalar", lambda T, x: x % 0.75, lambda x: np.remainder(x, 0.75), [Sample(R(3, 4))],
   "RemainderBackward0")
op("rremainder", lambda T, x: 5.0 % x, lambda x: np.remainder(5.0, x), [Sample(R(3))], _NOT_IMPLEMENTED,
   grad=False)
op("pow", lambda T, x, y: x ** y, lambda x, y: np.power(x, y),
   [Sample(P(3, 4), R(3, 4)), Sample(P(3, 4), R(4)), Sample(P(3), A(1.5)),
    Sample(A([0.0, 0.0, 2.0, 0.0]), A([0.0, 2.0, 0.0, 0.5]), edge=True, desc="0**0, 0**2, 2**0, 0**0.5")],
   "PowBackward1")
op("pow_scalar", lambda T, x: x ** 3, lambda x: x ** 3, [Sample(R(3, 4)), Sample(A(-1.5)), Sample(Ints(4))],
   "PowBackward0")
op("pow_square", lambda T, x: x ** 2, lambda x: x * x, [Sample(R(3, 4)), Sample(A([0.0, -1.0]), edge=True)],
   "PowBackward0")
op("pow_half", lambda T, x: x ** 0.5, lambda x: np.sqrt(x),
   [Sample(P(3, 4)), Sample(A([0.0, 4.0]), edge=True, desc="sqrt via pow at 0")], "PowBackward0")
op("pow_zero", lambda T, x: x ** 0, lambda x: np.ones_like(x), [Sample(R(3, 4)), Sample(A([0.0, 2.0]))],
   "PowBackward0")
op("rpow", lambda T, x: 2.0 ** x, lambda x: 2.0 ** x, [Sample(R(3, 4)), Sample(A(0.5))], "PowBackward2")
op("rpow_zero_base", lambda T, x: 0.0 ** x, lambda x: 0.0 ** x, [Sample(A([0.0, 1.5, 2.0]), edge=True)],
   "PowBackward2")

# Unary.
_UNARY = [Sample(R(3, 4)), Sample(A(0.7), desc="0-d"), Sample(R(5, dtype=f32), desc="float32")]
_POS = [Sample(P(3, 4)), Sample(A(1.3), desc="0-d"), Sample(P(5, dtype=f32), desc="float32")]
_INT = Sample(Ints(5, lo=1, hi=5), desc="int64 -> float32")
op("neg", lambda T, x: -x, lambda x: -x, _UNARY + [Sample(Ints(5))], "NegBackward0")
op("abs", lambda T, x: x.abs(), np.abs,
   _UNARY + [Sample(Ints(5)), Sample(A([-1.5, 0.0, 2.0]), edge=True, desc="abs at 0")], "AbsBackward0")
op("sign", lambda T, x: x.sign(), np.sign, _UNARY + [Sample(Ints(5)), Sample(A([-1.5, 0.0, 2.0]), edge=True)],
   "SignBackward0")
op("exp", lambda T, x: x.exp(), _unary(np.exp), _UNARY + [_INT], "ExpBackward0")
op("log", lambda T, x: x.log(), _unary(np.log), _POS + [_INT, Sample(A([0.0, 1.0]), edge=True)], "LogBackward0")
op("log1p", lambda T, x: x.log1p(), _unary(np.log1p), _POS + [_INT], "Log1PBackward0")
op("expm1", lambda T, x: x.expm1(), _unary(np.expm1), _UNARY + [_INT], "Expm1Backward0")
op("sqrt", lambda T, x: x.sqrt(), _unary(np.sqrt), _POS + [_INT, Sample(A([0.0, 4.0]), edge=True)],
   "SqrtBackward0")
op("rsqrt", lambda T, x: x.rsqrt(), _unary(lambda x: 1 / np.sqrt(x)), _POS + [_INT, Sample(A([0.0, 4.0]), edge=True)],
   "RsqrtBackward0", rtol=1e-5)
op("sin", lambda T, x: x.sin(), _unary(np.sin), _UNARY + [_INT], "SinBackward0")
op("cos", lambda T, x: x.cos(), _unary(np.cos), _UNARY + [_INT], "CosBackward0")
op("tan", lambda T, x: x.tan(), _unary(np.tan), [Sample(R(3, 4) * 0.6), Sample(A(0.4))], "TanBackward0")
op("tanh", lambda T, x: x.tanh(), _unary(np.tanh), _UNARY + [_INT], "TanhBackward0")
op("sigmoid", lambda T, x: x.sigmoid(), _sigmoid,
   _UNARY + [_INT, Sample(A([-800.0, 0.0, 800.0]), edge=True, desc="saturated")], "SigmoidBackward0")
op("relu", lambda T, x: x.relu(), lambda x: np.where(x < 0, 0, x).astype(x.dtype),
   _UNARY + [Sample(Ints(5)), Sample(A([-1.0, 0.0, 2.0]), edge=True, desc="relu at 0"),
             Sample(A([-0.0, float("nan"), -3.0]), edge=True, desc="relu keeps -0 and NaN")], "ReluBackward0")
op("floor", lambda T, x: x.floor(), np.floor, _UNARY + [Sample(Ints(5))], "FloorBackward0")
op("ceil", lambda T, x: x.ceil(), np.ceil, _UNARY + [Sample(Ints(5))], "CeilBackward0")
op("round", lambda T, x: x.round(), _np_round_half_even,
   _UNARY + [Sample(A([0.5, 1.5, 2.5, -0.5, -1.5]), edge=True, desc="half to even"), Sample(Ints(5))], "RoundBackward0")
op("round_decimals", lambda T, x: T.round(x, decimals=2), lambda x: np.round(x, 2), _UNARY[:1],
   "RoundBackward1")
op("clamp", lambda T, x: x.clamp(-0.5, 0.8), lambda x: np.clip(x, -0.5, 0.8), _UNARY[:2], "ClampBackward1")
op("clamp_edge", lambda T, x: x.clamp(-0.5, 0.5), lambda x: np.clip(x, -0.5, 0.5),
   [Sample(A([-1.0, -0.5, 0.0, 0.5, 1.0]), edge=True, desc="values on the bounds")], "ClampBackward1")
op("clamp_only_min", lambda T, x: x.clamp(min=0.3), lambda x: np.maximum(x, 0.3), _UNARY[:2] + [
    Sample(A([0.3, 0.0, 1.0]), edge=True)], "ClampBackward1")
op("clamp_only_max", lambda T, x: T.clamp(x, max=0.3), lambda x: np.minimum(x, 0.3), _UNARY[:2] + [
    Sample(A([0.3, 0.0, 1.0]), edge=True)], "ClampBackward1")
op("clamp_min", lambda T, x: x.clamp_min(0.3), lambda x: np.maximum(x, 0.3), _UNARY[:2] + [
    Sample(A([0.3, 0.0, 1.0]), edge=True)], "ClampMinBackward0")
op("clamp_max", lambda T, x: T.clamp_max(x, 0.3), lambda x: np.minimum(x, 0.3), _UNARY[:2] + [
    Sample(A([0.3, 0.0, 1.0]), edge=True)], "ClampMaxBackward0")
op("clip", lambda T, x: T.clip(x, -0.5, 0.8), lambda x: np.clip(x, -0.5, 0.8), _UNARY[:1], "ClampBackward1")
op("clamp_int", lambda T, x: x.clamp(-2, 3), lambda x: np.clip(x, -2, 3), [Sample(Ints(6))], None, grad=False)
op("clamp_tensor", lambda T, x, lo, hi: T.clamp(x, lo, hi), lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi),
   [Sample(R(3, 4), A(-0.5), R(4) + 3.0), Sample(R(3, 4), R(3, 4) - 0.3, R(3, 4) + 0.3),
    Sample(A([-1.0, 0.0, 0.5, 2.0]), A([0.0, 0.0, 0.0, 0.0]), A([1.0, 1.0, 0.5, 1.0]), edge=True,
           desc="x on lo and on hi")],
   "ClampBackward0")
op("clamp_tensor_min", lambda T, x, lo: T.clamp(x, min=lo), lambda x, lo: np.maximum(x, lo),
   [Sample(R(3, 4), R(4)), Sample(A([0.0, 1.0, 2.0]), A([0.0, 1.5, 1.0]), edge=True)], "ClampBackward0")
op("clamp_tensor_max", lambda T, x, hi: T.clamp(x, max=hi), lambda x, hi: np.minimum(x, hi),
   [Sample(R(3, 4), R(3, 1)), Sample(A([0.0, 1.0, 2.0]), A([0.0, 1.5, 1.0]), edge=True)], "ClampBackward0")
op("clamp_min_tensor", lambda T, x, lo: T.clamp_min(x, lo), lambda x, lo: np.maximum(x, lo),
   [Sample(R(3, 4), R(4)), Sample(A([0.0, 1.0, 2.0]), A([0.0, 1.5, 1.0]), edge=True)], "ClampMinBackward1")
op("clamp_max_tensor", lambda T, x, hi: x.clamp_max(hi), lambda x, hi: np.minimum(x, hi),
   [Sample(R(3, 4), R(4)), Sample(A([0.0, 1.0, 2.0]), A([0.0, 1.5, 1.0]), edge=True)], "ClampMaxBackward1")
op("maximum", lambda T, x, y: T.maximum(x, y), np.maximum,
   _BIN_SAMPLES[:5] + [Sample(A([1.0, 2.0, 3.0]), A([1.0, 0.0, 3.0]), edge=True, desc="ties")],
   "MaximumBackward0")
op("minimum", lambda T, x, y: T.minimum(x, y), np.minimum,
   _BIN_SAMPLES[:5] + [Sample(A([1.0, 2.0, 3.0]), A([1.0, 0.0, 3.0]), edge=True, desc="ties")],
   "MinimumBackward0")
op("where", lambda T, c, x, y: T.where(c, x, y), np.where,
   [Sample(A([[True, False, True], [False, False, True]], b8), R(2, 3), R(2, 3)),
    Sample(A([True, False, True], b8), R(2, 3), R(1)),
    Sample(A([[True], [False]], b8), R(3), A(0.5))], "WhereBackward0")
op("where_scalar", lambda T, c, x: T.where(c, x, 0.0), lambda c, x: np.where(c, x, 0.0),
   [Sample(A([True, False, True], b8), R(3))], "WhereBackward0")

# Comparisons and logic: no gradient, bool results.
_CMP = [Sample(A([1.0, 2.0, 3.0]), A([3.0, 2.0, 1.0])), Sample(R(3, 4), R(4)), Sample(Ints(4), 1),
        Sample(A([1.0, np.nan, 3.0]), A([1.0, np.nan, 2.0]), desc="NaN")]
for _name, _sym, _np in (("eq", "==", np.equal), ("ne", "!=", np.not_equal), ("lt", "<", np.less),
                         ("le", "<=", np.less_equal), ("gt", ">", np.greater), ("ge", ">=", np.greater_equal)):
    op(_name, eval(f"lambda T, x, y: x {_sym} y"), _np, _CMP, None, grad=False)
_LOGIC = [Sample(A([True, False, True, False], b8), A([True, True, False, False], b8)),
          Sample(A([0.0, 1.5, -2.0]), A([1.0, 0.0, 0.0])), Sample(Ints(4, lo=0, hi=2), A([1, 0, 1, 0], i64))]
op("logical_and", lambda T, x, y: T.logical_and(x, y), np.logical_and, _LOGIC, None, grad=False)
op("logical_or", lambda T, x, y: T.logical_or(x, y), np.logical_or, _LOGIC, None, grad=False)
op("logical_xor", lambda T, x, y: T.logical_xor(x, y), np.logical_xor, _LOGIC, None, grad=False)
op("logical_not", lambda T, x: T.logical_not(x), np.logical_not, [Sample(A([True, False], b8)),
                                                                  Sample(A([0.0, 2.0]))], None, grad=False)
op("invert_bool", lambda T, x: ~x, np.logical_not, [Sample(A([True, False], b8))], None, grad=False)
op("and_bool", lambda T, x, y: x & y, np.logical_and, _LOGIC[:1], None, grad=False)
op("or_bool", lambda T, x, y: x | y, np.logical_or, _LOGIC[:1], None, grad=False)
op("xor_bool", lambda T, x, y: x ^ y, np.logical_xor, _LOGIC[:1], None, grad=False)

# Reductions.
_M = R(3, 4)
_TIES = A([[1.0, 3.0, 3.0, 0.5], [2.0, 2.0, -1.0, -1.0], [0.0, 0.0, 0.0, 0.0]])
op("sum", lambda T, x: x.sum(), lambda x: np.sum(x), [Sample(_M), Sample(A(2.5)), Sample(R(4, dtype=f32))],
   "SumBackward0")
op("sum_int", lambda T, x: x.sum(), lambda x: np.sum(x, dtype=i64),
   [Sample(Ints(5, dtype=i32)), Sample(A([True, True], b8))], None, grad=False)
op("sum_dim", lambda T, x, **kw: x.sum(**kw), lambda x, dim, keepdim=False: np.sum(x, axis=dim, keepdims=keepdim),
   [Sample(_M, dim=1), Sample(_M, dim=0, keepdim=True), Sample(R(2, 3, 4), dim=(0, 2)), Sample(_M, dim=-1),
    Sample(R(2, 3, 4), dim=(-1, 0), keepdim=True)], "SumBackward1")
op("mean", lambda T, x: x.mean(), lambda x: np.mean(x), [Sample(_M), Sample(A(2.5)), Sample(R(4, dtype=f32))],
   "MeanBackward0")
op("mean_dim", lambda T, x, **kw: x.mean(**kw), lambda x, dim, keepdim=False: np.mean(x, axis=dim, keepdims=keepdim),
   [Sample(_M, dim=1), Sample(_M, dim=0, keepdim=True), Sample(R(2, 3, 4), dim=(0, 2))], "MeanBackward1")
op("prod", lambda T, x: x.prod(), lambda x: np.prod(x),
   [Sample(R(2, 3)), Sample(A([2.0, 0.0, 3.0]), desc="one zero"), Sample(A([0.0, 2.0, 0.0]), desc="two zeros"),
    Sample(A(1.5))], "ProdBackward0")
op("prod_dim", lambda T, x, **kw: x.prod(**kw), lambda x, dim, keepdim=False: np.prod(x, axis=dim, keepdims=keepdim),
   [Sample(_M, dim=1), Sample(_M, dim=0, keepdim=True),
    Sample(A([[2.0, 0.0, 3.0], [0.0, 1.0, 0.0]]), dim=1, desc="zeros in rows")], "ProdBackward1")
op("max", lambda T, x: x.max(), np.max, [Sample(_M), Sample(_TIES, edge=True, desc="ties"), Sample(Ints(5))],
   "MaxBackward1")
op("min", lambda T, x: x.min(), np.min, [Sample(_M), Sample(_TIES, edge=True, desc="ties"), Sample(Ints(5))],
   "MinBackward1")
op("max_dim", lambda T, x, **kw: tuple(x.max(**kw)), lambda x, dim, keepdim=False: _max_dim(x, dim, keepdim),
   [Sample(_M, dim=1), Sample(_M, dim=0, keepdim=True), Sample(A([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]), dim=1,
                                                              edge=True, desc="ties")],
   "MaxBackward0")
op("min_dim", lambda T, x, **kw: tuple(x.min(**kw)),
   lambda x, dim, keepdim=False: _max_dim(x, dim, keepdim, is_max=False),
   [Sample(_M, dim=1), Sample(_M, dim=-2, keepdim=True), Sample(A([[1.0, -3.0, -3.0], [2.0, 2.0, 2.0]]), dim=1,
                                                               edge=True, desc="ties")],
   "MinBackward0")
op("amax", lambda T, x, **kw: x.amax(**kw), lambda x, dim=None, keepdim=False: np.max(x, axis=dim, keepdims=keepdim),
   [Sample(_M), Sample(_M, dim=1), Sample(_M, dim=(0, 1), keepdim=True), Sample(_TIES, dim=1, edge=True)],
   "AmaxBackward0")
op("amin", lambda T, x, **kw: x.amin(**kw), lambda x, dim=None, keepdim=False: np.min(x, axis=dim, keepdims=keepdim),
   [Sample(_M), Sample(_M, dim=0), Sample(_TIES, dim=1, edge=True)], "AminBackward0")
op("argmax", lambda T, x, **kw: x.argmax(**kw),
   lambda x, dim=None, keepdim=False: np.argmax(x, axis=dim, keepdims=keepdim) if dim is not None else np.argmax(x),
   [Sample(_M), Sample(_M, dim=1), Sample(_M, dim=0, keepdim=True), Sample(_TIES, dim=1)], None, grad=False)
op("argmin", lambda T, x, **kw: x.argmin(**kw),
   lambda x, dim=None, keepdim=False: np.argmin(x, axis=dim, keepdims=keepdim) if dim is not None else np.argmin(x),
   [Sample(_M), Sample(_M, dim=1), Sample(_TIES, dim=0)], None, grad=False)
op("var", lambda T, x, **kw: x.var(**kw), _var,
   [Sample(_M), Sample(_M, dim=1), Sample(_M, dim=0, keepdim=True), Sample(_M, dim=1, correction=0),
    Sample(R(2, 3, 4), dim=(0, 2))], "VarBackward0")
op("std", lambda T, x, **kw: x.std(**kw), _std,
   [Sample(_M), Sample(_M, dim=1), Sample(_M, dim=0, keepdim=True), Sample(_M, dim=1, correction=0)],
   "StdBackward0")
op("norm", lambda T, x, **kw: x.norm(**kw), _norm,
   [Sample(_M), Sample(_M, dim=1), Sample(_M, p=1), Sample(_M, p=3, dim=0, keepdim=True),
    Sample(A([0.0, 0.0, 0.0]), edge=True, desc="zero vector"), Sample(_M, p=float("inf"))],
   "LinalgVectorNormBackward0")
op("logsumexp", lambda T, x, **kw: x.logsumexp(**kw), _logsumexp,
   [Sample(_M, dim=1), Sample(_M, dim=0, keepdim=True), Sample(R(2, 3, 4), dim=(0, 2)),
    Sample(A([[1000.0, 1000.0], [-1000.0, 0.0]]), dim=1, desc="large values")], "LogsumexpBackward0")
op("cumsum", lambda T, x, **kw: x.cumsum(**kw), lambda x, dim: np.cumsum(x, axis=dim),
   [Sample(_M, dim=1), Sample(_M, dim=0), Sample(R(5), dim=-1)], "CumsumBackward0")
op("cumsum_int", lambda T, x: x.cumsum(0), lambda x: np.cumsum(x, dtype=i64), [Sample(Ints(5, dtype=i32))], None,
   grad=False)
op("all", lambda T, x, **kw: x.all(**kw), lambda x, dim=None, keepdim=False: np.all(x, axis=dim, keepdims=keepdim),
   [Sample(A([[True, False], [True, True]], b8)), Sample(A([[True, False], [True, True]], b8), dim=1),
    Sample(A([[1.0, 0.0], [2.0, 3.0]]), dim=0, keepdim=True)], None, grad=False)
op("any", lambda T, x, **kw: x.any(**kw), lambda x, dim=None, keepdim=False: np.any(x, axis=dim, keepdims=keepdim),
   [Sample(A([[True, False], [False, False]], b8)), Sample(A([[True, False], [False, False]], b8), dim=1),
    Sample(A([[0.0, 0.0], [2.0, 0.0]]), dim=0, keepdim=True)], None, grad=False)

# Matrix products.
op("matmul_mm", lambda T, x, y: x @ y, np.matmul, [Sample(R(3, 4), R(4, 2))], "MmBackward0")
op("matmul_dot", lambda T, x, y: x @ y, np.matmul, [Sample(R(4), R(4))], "DotBackward0")
op("matmul_mv", lambda T, x, y: x @ y, np.matmul, [Sample(R(3, 4), R(4))], "MvBackward0")
op("matmul_vm", lambda T, x, y: x @ y, np.matmul, [Sample(R(3), R(3, 4))], "SqueezeBackward4")
op("matmul_batched", lambda T, x, y: T.matmul(x, y), np.matmul,
   [Sample(R(2, 3, 4), R(2, 4, 2)), Sample(R(2, 3, 4), R(4, 2)), Sample(R(2, 3, 4), R(4)),
    Sample(R(2, 1, 2, 3), R(3, 3, 2), desc="broadcast batch dims"), Sample(R(3), R(2, 3, 2))],
   "UnsafeViewBackward0")
op("mm", lambda T, x, y: T.mm(x, y), np.matmul, [Sample(R(3, 4), R(4, 2)), Sample(R(1, 1), R(1, 3))], "MmBackward0")
op("bmm", lambda T, x, y: T.bmm(x, y), np.matmul, [Sample(R(2, 3, 4), R(2, 4, 2))], "BmmBackward0")
op("mv", lambda T, x, y: T.mv(x, y), np.matmul, [Sample(R(3, 4), R(4))], "MvBackward0")
op("dot", lambda T, x, y: T.dot(x, y), np.dot, [Sample(R(4), R(4))], "DotBackward0")
op("addmm", lambda T, b, x, y: T.addmm(b, x, y), lambda b, x, y: b + x @ y,
   [Sample(R(2), R(3, 4), R(4, 2)), Sample(R(3, 2), R(3, 4), R(4, 2)), Sample(A(0.5), R(3, 4), R(4, 2))],
   "AddmmBackward0")
op("addmm_scaled", lambda T, b, x, y: T.addmm(b, x, y, beta=0.5, alpha=2.0), lambda b, x, y: 0.5 * b + 2.0 * (x @ y),
   [Sample(R(2), R(3, 4), R(4, 2))], "AddmmBackward0")
op("addmm_beta0", lambda T, b, x, y: T.addmm(b, x, y, beta=0), lambda b, x, y: x @ y,
   [Sample(A([np.nan, 1.0]), R(3, 4), R(4, 2), desc="beta=0 ignores a NaN bias")], "AddmmBackward0")
op("outer", lambda T, x, y: T.outer(x, y), np.outer, [Sample(R(3), R(4))], "MulBackward0")

# Shape ops.
op("view", lambda T, x: x.view(4, 3), lambda x: x.reshape(4, 3), [Sample(_M)], "ViewBackward0")
op("view_infer", lambda T, x: x.view(-1, 2), lambda x: x.reshape(-1, 2), [Sample(_M)], "ViewBackward0")
op("view_0d", lambda T, x: x.view(1, 1), lambda x: x.reshape(1, 1), [Sample(A(2.0))], "ViewBackward0")
op("reshape", lambda T, x: x.reshape(2, 6), lambda x: x.reshape(2, 6), [Sample(_M)], "ViewBackward0")
op("reshape_copy", lambda T, x: x.t().reshape(12), lambda x: x.T.reshape(12), [Sample(_M)], "UnsafeViewBackward0")
op("flatten", lambda T, x: x.flatten(), lambda x: x.reshape(-1), [Sample(R(2, 3, 2)), Sample(A(1.5))],
   "ViewBackward0")
op("flatten_range", lambda T, x: x.flatten(1, 2), lambda x: x.reshape(2, 6), [Sample(R(2, 3, 2))], "ViewBackward0")
op("squeeze", lambda T, x: x.squeeze(), np.squeeze, [Sample(R(1, 3, 1, 2))], "SqueezeBackward0")
op("squeeze_dim", lambda T, x: x.squeeze(2), lambda x: np.squeeze(x, 2), [Sample(R(1, 3, 1, 2))],
   "SqueezeBackward1")
op("squeeze_dim_noop", lambda T, x: x.squeeze(1), lambda x: x, [Sample(R(1, 3, 1, 2))], "SqueezeBackward1")
op("squeeze_dims", lambda T, x: x.squeeze((0, 2)), lambda x: np.squeeze(x, (0, 2)), [Sample(R(1, 3, 1, 2))],
   "SqueezeBackward2")
op("unsqueeze", lambda T, x: x.unsqueeze(1), lambda x: np.expand_dims(x, 1), [Sample(_M)], "UnsqueezeBackward0")
op("unsqueeze_0d", lambda T, x: x.unsqueeze(-1), lambda x: np.expand_dims(x, -1), [Sample(A(1.5))],
   "UnsqueezeBackward0")
op("unsqueeze_neg", lambda T, x: x.unsqueeze(-1), lambda x: np.expand_dims(x, -1), [Sample(_M)],
   "UnsqueezeBackward0")
op("transpose", lambda T, x: x.transpose(0, 2), lambda x: np.swapaxes(x, 0, 2), [Sample(R(2, 3, 4))],
   "TransposeBackward0")
op("permute", lambda T, x: x.permute(2, 0, 1), lambda x: np.transpose(x, (2, 0, 1)), [Sample(R(2, 3, 4))],
   "PermuteBackward0")
op("t", lambda T, x: x.t(), lambda x: x.T, [Sample(_M), Sample(R(3))], "TBackward0")
op("expand", lambda T, x: x.expand(2, 3, 4), lambda x: np.broadcast_to(x, (2, 3, 4)), [Sample(R(3, 1)), Sample(R(4))],
   "ExpandBackward0")
op("expand_keep", lambda T, x: x.expand(-1, 4), lambda x: np.broadcast_to(x, (3, 4)), [Sample(R(3, 1))],
   "ExpandBackward0")
op("expand_as", lambda T, x, y: x.expand_as(y), lambda x, y: np.broadcast_to(x, y.shape),
   [Sample(R(4), Const(R(3, 4)))], "ExpandBackward0")
op("repeat", lambda T, x: x.repeat(2, 3), lambda x: np.tile(x, (2, 3)), [Sample(R(2, 2)), Sample(R(3))],
   "RepeatBackward0")
op("repeat_more_dims", lambda T, x: x.repeat(2, 1, 2), lambda x: np.tile(x, (2, 1, 2)), [Sample(R(2, 3))],
   "RepeatBackward0")
op("cat", lambda T, x, y: T.cat([x, y], 0), lambda x, y: np.concatenate([x, y], 0),
   [Sample(R(2, 3), R(1, 3)), Sample(R(2), R(3))], "CatBackward0")
op("cat_dim1", lambda T, x, y, z: T.cat((x, y, z), dim=-1), lambda x, y, z: np.concatenate([x, y, z], -1),
   [Sample(R(2, 1), R(2, 3), Const(R(2, 2)))], "CatBackward0")
op("stack", lambda T, x, y: T.stack([x, y]), lambda x, y: np.stack([x, y]), [Sample(R(2, 3), R(2, 3))],
   "StackBackward0")
op("stack_dim", lambda T, x, y: T.stack([x, y], dim=-1), lambda x, y: np.stack([x, y], -1),
   [Sample(R(2, 3), R(2, 3)), Sample(A(1.0), A(2.0))], "StackBackward0")
op("split", lambda T, x: x.split(2), lambda x: tuple(np.split(x, [2], 0)), [Sample(R(3, 2))], "SplitBackward0")
op("split_sizes", lambda T, x: x.split([1, 3], dim=1), lambda x: tuple(np.split(x, [1], 1)), [Sample(R(2, 4))],
   "SplitWithSizesBackward0")
op("chunk", lambda T, x: x.chunk(2, 1), lambda x: tuple(np.split(x, [3], 1)), [Sample(R(2, 5))], "SplitBackward0")
op("chunk_one", lambda T, x: x.chunk(3)[1], lambda x: x[2:4], [Sample(R(5, 2))], "SplitBackward0")
op("narrow", lambda T, x: x.narrow(1, 1, 2), lambda x: x[:, 1:3], [Sample(_M)], "SliceBackward0")
op("narrow_neg", lambda T, x: x.narrow(0, -2, 2), lambda x: x[-2:], [Sample(_M)], "SliceBackward0")

# Indexing (the getitem code lives in ops/indexing.py and is tested through ``t[...]``).
_X3 = R(3, 4, 2)
op("index_int", lambda T, x: x[1], lambda x: x[1], [Sample(_X3)], "SelectBackward0")
op("index_neg_int", lambda T, x: x[-1, 2], lambda x: x[-1, 2], [Sample(_X3)], "SelectBackward0")
op("index_slice", lambda T, x: x[1:], lambda x: x[1:], [Sample(_X3)], "SliceBackward0")
op("index_slice_step", lambda T, x: x[:, ::2], lambda x: x[:, ::2], [Sample(_X3)], "SliceBackward0")
op("index_full_slice", lambda T, x: x[:], lambda x: x[:], [Sample(_X3)], "SliceBackward0")
op("index_none", lambda T, x: x[None, 1], lambda x: x[None, 1], [Sample(_X3)], "SelectBackward0")
op("index_ellipsis", lambda T, x: x[..., 1], lambda x: x[..., 1], [Sample(_X3)], "SelectBackward0")
op("index_ellipsis_only", lambda T, x: x[...], lambda x: x[...], [Sample(_X3)], "AliasBackward0")
op("index_mixed", lambda T, x: x[0, 1:3, None], lambda x: x[0, 1:3, None], [Sample(_X3)], "UnsqueezeBackward0")
op("index_int_tensor", lambda T, x, i: x[i], lambda x, i: x[i],
   [Sample(_X3, A([2, 0, 2], i64), desc="repeated indices"), Sample(_X3, A([[0, 1], [1, -1]], i64))],
   "IndexBackward0")
op("index_int_tensor_dim1", lambda T, x, i: x[:, i], lambda x, i: x[:, i], [Sample(_X3, A([3, 1, 3], i64))],
   "IndexBackward0")
op("index_two_tensors", lambda T, x, i, j: x[i, j], lambda x, i, j: x[i, j],
   [Sample(_X3, A([0, 2], i64), A([1, 3], i64))], "IndexBackward0")
op("index_bool", lambda T, x, m: x[m], lambda x, m: x[m],
   [Sample(R(3, 4), A([[True, False, True, False]] * 3, b8)), Sample(_X3, A([True, False, True], b8))],
   "IndexBackward0")
op("index_list", lambda T, x: x[[0, 2]], lambda x: x[[0, 2]], [Sample(_X3)], "IndexBackward0")
op("gather", lambda T, x, i: x.gather(1, i), lambda x, i: np.take_along_axis(x, i, 1),
   [Sample(R(3, 4), A([[0, 0], [3, 1], [2, 2]], i64))], "GatherBackward0")
op("gather_dim0", lambda T, x, i: T.gather(x, 0, i), lambda x, i: np.take_along_axis(x, i, 0),
   [Sample(R(3, 4), A([[2, 0, 1, 1]], i64))], "GatherBackward0")
op("index_select", lambda T, x, i: x.index_select(1, i), lambda x, i: np.take(x, i, 1),
   [Sample(R(3, 4), A([3, 0, 3], i64))], "IndexSelectBackward0")
op("index_select_dim0", lambda T, x, i: T.index_select(x, 0, i), lambda x, i: np.take(x, i, 0),
   [Sample(R(3, 4), A([1], i64))], "IndexSelectBackward0")
op("masked_fill", lambda T, x, m: x.masked_fill(m, -1.5), lambda x, m: np.where(m, -1.5, x),
   [Sample(R(3, 4), A([True, False, False, True], b8)), Sample(R(2, 3), A([[True, False, True], [False] * 3], b8))],
   "MaskedFillBackward0")


# --- more samples: dims, keepdim, 0-d and empty inputs, NaN/inf, mixed dtypes, views ----------------------
_NAN = A([[np.nan, 1.0, 3.0], [2.0, 5.0, np.nan]])
op("sum_more", lambda T, x, **kw: x.sum(**kw), _reduce(np.sum),
   [Sample(_M, dim=(), desc="dim=() sums everything"), Sample(A(2.5), dim=0), Sample(A(2.5), dim=-1, keepdim=True),
    Sample(R(2, 3, 4), dim=[0, -1]), Sample(R(4, 3).T, dim=0, desc="non-contiguous")], "SumBackward1")
op("sum_empty", lambda T, x: x.sum(0), lambda x: np.sum(x, 0), [Sample(A(np.zeros((0, 3))))], "SumBackward1")
op("sum_dtype", lambda T, x: x.sum(dtype=T.float64), lambda x: np.sum(x, dtype=f64), [Sample(R(3, dtype=f32))],
   "SumBackward0")
op("mean_more", lambda T, x, **kw: x.mean(**kw), _reduce(np.mean),
   [Sample(_M, dim=(), desc="dim=() averages everything"), Sample(A(2.5), dim=0), Sample(_M, dim=[-1, 0]),
    Sample(R(3, 4, dtype=f32), dim=1)], "MeanBackward1")
op("mean_dtype", lambda T, x: x.mean(1, dtype=T.float64), lambda x: np.mean(x, 1, dtype=f64),
   [Sample(R(2, 3, dtype=f32))], "MeanBackward1")
op("prod_more", lambda T, x, **kw: x.prod(**kw), lambda x, dim, keepdim=False: np.prod(x, dim, keepdims=keepdim),
   [Sample(A(2.5), dim=0), Sample(R(2, 3, 4), dim=-1, keepdim=True), Sample(A(np.zeros((2, 0))), dim=1)],
   "ProdBackward1")
op("prod_int", lambda T, x: x.prod(dtype=T.float32), lambda x: np.prod(x, dtype=f32), [Sample(Ints(4, lo=1))],
   None, grad=False)
op("max_nan", lambda T, x: x.max(), np.max, [Sample(_NAN, edge=True)], "MaxBackward1")
op("max_dim_more", lambda T, x, **kw: tuple(T.max(x, **kw)), lambda x, dim, keepdim=False: _max_dim(x, dim, keepdim),
   [Sample(A(2.5), dim=0), Sample(A(2.5), dim=-1, keepdim=True), Sample(R(2, 3, 4), dim=-1),
    Sample(_NAN, dim=1, edge=True, desc="NaN wins")], "MaxBackward0")
op("max_binary", lambda T, x, y: T.max(x, y), np.maximum, [Sample(R(3, 4), R(4))], "MaximumBackward0")
op("min_binary", lambda T, x, y: T.min(x, y), np.minimum, [Sample(R(3, 4), R(3, 1))], "MinimumBackward0")
op("maximum_nan", lambda T, x, y: T.maximum(x, y), np.maximum,
   [Sample(A([np.nan, 1.0, 2.0]), A([0.0, np.nan, 1.0]), edge=True)], "MaximumBackward0")
op("amax_more", lambda T, x, **kw: x.amax(**kw), _reduce(np.max),
   [Sample(_M, dim=()), Sample(A(2.5), dim=0), Sample(R(2, 3, 4), dim=(-1, 0), keepdim=True),
    Sample(_NAN, dim=1, edge=True)], "AmaxBackward0")
op("amin_more", lambda T, x, **kw: x.amin(**kw), _reduce(np.min),
   [Sample(_M, dim=[]), Sample(R(2, 3, 4), dim=(0, 2))], "AminBackward0")
op("argmax_more", lambda T, x, **kw: x.argmax(**kw),
   lambda x, dim=None, keepdim=False: (np.argmax(x.reshape(-1)).reshape((1,) * x.ndim) if keepdim
                                       else np.argmax(x)) if dim is None
   else np.argmax(x, dim, keepdims=keepdim) if x.ndim else np.zeros((), i64),
   [Sample(_M, keepdim=True, desc="keepdim without dim"), Sample(A(2.5), dim=0), Sample(_NAN, dim=1),
    Sample(Ints(3, 4))], None, grad=False)
op("argmin_nan", lambda T, x: x.argmin(1), lambda x: np.argmin(x, 1), [Sample(_NAN)], None, grad=False)
# dim=() reduces everything, as in PyTorch; its gradient is the true one here, where PyTorch 2.13 returns inf
# (its var_backward takes the empty dim list as "reduce over nothing"), so these samples check forward only.
op("var_std_empty_dims", lambda T, x: (x.var(()), x.std([])), lambda x: (np.var(x, ddof=1), np.std(x, ddof=1)),
   [Sample(_M)], "VarBackward0", grad=False)
op("var_more", lambda T, x, **kw: x.var(**kw), _var,
   [Sample(_M, dim=1, unbiased=False), Sample(_M, correction=2),
    Sample(_M, dim=[0, 1], keepdim=True), Sample(R(4, dtype=f32), dim=0)], "VarBackward0")
op("var_positional", lambda T, x: T.var(x, 1, False, True), lambda x: np.var(x, 1, ddof=0, keepdims=True),
   [Sample(_M)], "VarBackward0")
op("std_more", lambda T, x, **kw: x.std(**kw), _std,
   [Sample(_M, unbiased=False), Sample(_M, dim=0, correction=2),
    Sample(R(2, 3, 4), dim=(0, 2), keepdim=True)], "StdBackward0")
op("norm_more", lambda T, x, **kw: x.norm(**kw), _norm,
   [Sample(_M, p=0, edge=True), Sample(_M, p=-np.inf), Sample(_M, p=0.5), Sample(_M, dim=(0, 1), keepdim=True),
    Sample(A(-3.0)), Sample(R(4, dtype=f32), dim=0),
    Sample(A([[0.0, 0.0], [3.0, 4.0]]), p=3, dim=1, edge=True, desc="a zero row, p=3"),
    Sample(A([[0.0, 0.0], [3.0, -4.0]]), p=1, dim=1, edge=True, desc="a zero row, p=1"),
    Sample(A([[1.0, -3.0, 3.0], [2.0, 0.0, 0.0]]), p=np.inf, dim=1, edge=True, desc="ties of |x|")],
   "LinalgVectorNormBackward0")
op("norm_dtype", lambda T, x: x.norm(dim=1, dtype=T.float64), lambda x: np.sqrt(np.sum(x.astype(f64) ** 2, 1)),
   [Sample(R(3, 4, dtype=f32))], "LinalgVectorNormBackward0")
op("norm_fro", lambda T, x: T.norm(x, p="fro", dim=1), lambda x: np.sqrt(np.sum(x * x, 1)), [Sample(_M)],
   "LinalgVectorNormBackward0")
op("logsumexp_more", lambda T, x, **kw: T.logsumexp(x, **kw), _logsumexp,
   [Sample(A(2.5), dim=0), Sample(R(2, 3, 4), dim=-1, keepdim=True), Sample(R(5, dtype=f32), dim=0),
    Sample(A([[-np.inf, -np.inf], [np.inf, 1.0]]), dim=1, edge=True, desc="all -inf, and +inf")],
   "LogsumexpBackward0")
op("logsumexp_int", lambda T, x: x.logsumexp(0), lambda x: _logsumexp(x.astype(f32), 0), [Sample(Ints(4))], None,
   grad=False)
op("cumsum_more", lambda T, x, **kw: T.cumsum(x, **kw), lambda x, dim: np.cumsum(x, dim) if x.ndim else x,
   [Sample(A(2.5), dim=0)], "CumsumBackward0")
op("cumsum_dtype", lambda T, x: x.cumsum(1, dtype=T.float64), lambda x: np.cumsum(x, 1, dtype=f64),
   [Sample(R(2, 3, dtype=f32))], "CumsumBackward0")
op("all_any_uint8", lambda T, x: (x.all(), x.any(1)), lambda x: (np.all(x).astype(u8), np.any(x, 1).astype(u8)),
   [Sample(A([[1, 0], [2, 3]], u8))], None, grad=False)

op("axis_alias", lambda T, x: (x.sum(axis=0), x.mean(axis=1), T.cat([x, x], axis=1), x.amax(axis=0), x.std(axis=1)),
   lambda x: (x.sum(0), x.mean(1), np.concatenate([x, x], 1), x.max(0), x.std(1, ddof=1)), [Sample(_M)],
   "SumBackward1")

# Matrix products on the remaining matmul paths (each recorded as PyTorch records it).
op("matmul_fold_2d_3d", lambda T, x, y: x @ y, np.matmul, [Sample(R(3, 4), R(2, 4, 5))], "CloneBackward0")
op("matmul_4d_2d", lambda T, x, y: x @ y, np.matmul, [Sample(R(2, 2, 3, 4), R(4, 2))], "UnsafeViewBackward0")
op("matmul_1d_3d_const", lambda T, x, y: x @ y, np.matmul, [Sample(Const(R(4)), R(2, 4, 3))], "UnsafeViewBackward0")
op("matmul_int", lambda T, x, y: x @ y, np.matmul, [Sample(Ints(2, 3), Ints(3, 2)), Sample(Ints(3), Ints(3))], None,
   grad=False)

# Shape ops on more layouts.
op("reshape_noncontig", lambda T, x: x.reshape(-1), lambda x: x.reshape(-1), [Sample(R(4, 3).T)],
   "UnsafeViewBackward0")
op("flatten_noncontig", lambda T, x: x.flatten(), lambda x: x.reshape(-1), [Sample(R(4, 3).T)],
   "UnsafeViewBackward0")
op("view_shape_tuple", lambda T, x: x.view((2, -1)), lambda x: x.reshape(2, -1), [Sample(_M)], "ViewBackward0")
op("transpose_neg", lambda T, x: T.transpose(x, -1, -3), lambda x: np.swapaxes(x, -1, -3), [Sample(R(2, 3, 4))],
   "TransposeBackward0")
op("permute_tuple", lambda T, x: x.permute((-1, 0, 1)), lambda x: np.transpose(x, (2, 0, 1)), [Sample(R(2, 3, 4))],
   "PermuteBackward0")
op("squeeze_0d", lambda T, x: x.squeeze(0), lambda x: x, [Sample(A(1.5))], "SqueezeBackward1")
op("squeeze_neg", lambda T, x: x.squeeze(-2), lambda x: np.squeeze(x, -2), [Sample(R(3, 1, 2))], "SqueezeBackward1")
op("expand_0d", lambda T, x: x.expand(2, 3), lambda x: np.broadcast_to(x, (2, 3)), [Sample(A(1.5))],
   "ExpandBackward0")
op("repeat_0d", lambda T, x: x.repeat(3), lambda x: np.tile(x, 3), [Sample(A(1.5))], "RepeatBackward0")
op("tile", lambda T, x: x.tile((2,)), lambda x: np.tile(x, (1, 2)), [Sample(R(2, 3))], "RepeatBackward0")
op("cat_empty_legacy", lambda T, x, y: T.cat([x, y], 1), lambda x, y: x, [Sample(R(2, 3), A(np.zeros(0)))],
   "CatBackward0")
op("cat_mixed_dtypes", lambda T, x, y: T.cat([x, y]), lambda x, y: np.concatenate([x.astype(f64), y]),
   [Sample(R(2, dtype=f32), R(3))], "CatBackward0")
op("stack_0d", lambda T, x, y, z: T.stack([x, y, z]), lambda x, y, z: np.stack([x, y, z]),
   [Sample(A(1.0), A(2.0), A(3.0))], "StackBackward0")
op("split_more", lambda T, x: T.split(x, 3, dim=-1), lambda x: tuple(np.split(x, [3], 1)), [Sample(R(2, 5))],
   "SplitBackward0")
op("split_big", lambda T, x: x.split(10), lambda x: (x,), [Sample(R(3, 2))], "SplitBackward0")
op("chunk_uneven", lambda T, x: x.chunk(4), lambda x: tuple(np.split(x, [2, 4], 0)), [Sample(R(6))],
   "SplitBackward0")
op("unbind", lambda T, x: x.unbind(1), lambda x: tuple(x[:, i] for i in range(x.shape[1])), [Sample(R(2, 3))],
   "UnbindBackward0")
op("select", lambda T, x: x.select(1, -1), lambda x: x[:, -1], [Sample(R(2, 3))], "SelectBackward0")
op("movedim", lambda T, x: x.movedim(0, -1), lambda x: np.moveaxis(x, 0, -1), [Sample(R(2, 3, 4))],
   "PermuteBackward0")

# More indexing forms.
op("index_0d_int_tensor", lambda T, x, i: x[i], lambda x, i: x[int(i)], [Sample(_X3, A(1, i64))], "SelectBackward0")
op("index_0d_int_tensor_pair", lambda T, x, i: x[i, 1], lambda x, i: x[int(i), 1], [Sample(_X3, A(2, i64))],
   "SelectBackward0")
op("index_ellipsis_none", lambda T, x: x[1, ..., None], lambda x: x[1, ..., None], [Sample(_X3)],
   "UnsqueezeBackward0")
op("index_none_ellipsis_none", lambda T, x: x[None, ..., None], lambda x: x[None, ..., None], [Sample(_X3)],
   "UnsqueezeBackward0")
op("index_lists", lambda T, x: x[[0, 1], [1, 2]], lambda x: x[[0, 1], [1, 2]], [Sample(_X3)], "IndexBackward0")
op("index_none_then_tensor", lambda T, x, i: x[:, None, i], lambda x, i: x[:, None, i],
   [Sample(_X3, A([0, 2], i64))], "IndexBackward0")
op("index_slice_then_list", lambda T, x: x[1:3, [0, 2]], lambda x: x[1:3, [0, 2]], [Sample(_X3)], "IndexBackward0")
op("index_separated_tensors", lambda T, x, i: x[i, :, i], lambda x, i: x[i, :, i], [Sample(R(3, 2, 4), A([0, 2], i64))],
   "IndexBackward0")
op("index_true", lambda T, x: x[True], lambda x: x[None], [Sample(_X3)], "IndexBackward0")
op("index_false", lambda T, x: x[False], lambda x: x[None][:0], [Sample(_X3)], "IndexBackward0")
op("index_bool_list", lambda T, x: x[[True, False, True]], lambda x: x[[True, False, True]], [Sample(_X3)],
   "IndexBackward0")
op("index_ellipsis_tensor", lambda T, x, i: x[..., i], lambda x, i: x[..., i], [Sample(_X3, A([1, 1, 0], i64))],
   "IndexBackward0")
op("index_bool_2d", lambda T, x, m: x[m], lambda x, m: x[m],
   [Sample(_X3, A([[True, False, True, False], [False, False, True, True], [True] * 4], b8))], "IndexBackward0")
op("index_all_neg", lambda T, x: x[-1, -1, -1], lambda x: x[-1, -1, -1], [Sample(_X3)], "SelectBackward0")
op("index_slice_clip", lambda T, x: x[1:100, -100:2], lambda x: x[1:100, -100:2], [Sample(_X3)], "SliceBackward0")
op("index_empty_slice", lambda T, x: x[2:1], lambda x: x[2:1], [Sample(_X3)], "SliceBackward0")
op("index_int_dtype_tensor", lambda T, x, i: x[i], lambda x, i: x[i], [Sample(_X3, A([2, 0], i32))],
   "IndexBackward0")
op("gather_neg_dim", lambda T, x, i: x.gather(-1, i), lambda x, i: np.take_along_axis(x, i, -1),
   [Sample(R(2, 3), A([[2, 2, 0], [1, 0, 1]], i64))], "GatherBackward0")
op("index_select_int32", lambda T, x, i: x.index_select(0, i), lambda x, i: np.take(x, i, 0),
   [Sample(R(3, 2), A([2, 2], i32))], "IndexSelectBackward0")
op("masked_fill_broadcast", lambda T, x, m: x.masked_fill(m, 2.0), lambda x, m: np.where(m, 2.0, x),
   [Sample(R(3, 4), A([[True], [False], [True]], b8))], "MaskedFillBackward0")
op("masked_fill_tensor_value", lambda T, x, m, v: x.masked_fill(m, v), lambda x, m, v: np.where(m, v, x),
   [Sample(R(3, 4), A([True, False, False, True], b8), A(0.5))], "MaskedFillBackward1")
op("masked_fill_int", lambda T, x, m: x.masked_fill(m, 7), lambda x, m: np.where(m, 7, x),
   [Sample(Ints(2, 3), A([True, False, True], b8))], None, grad=False)

# More pointwise forms.
op("where_broadcast_cond", lambda T, c, x: T.where(c, x, -x), lambda c, x: np.where(c, x, -x),
   [Sample(A([[True], [False], [True]], b8), R(4))], "WhereBackward0")
op("where_scalars", lambda T, c: T.where(c, 1.0, 0.0), lambda c: np.where(c, 1.0, 0.0).astype(f32),
   [Sample(A([True, False], b8))], None, grad=False)
op("where_one_arg", lambda T, c: T.where(c), lambda c: tuple(i.astype(i64) for i in np.nonzero(c)),
   [Sample(A([[True, False], [False, True]], b8)), Sample(A([0.0, 1.5, -2.0]))], None, grad=False)
op("where_method", lambda T, x, c, y: x.where(c, y), lambda x, c, y: np.where(c, x, y),
   [Sample(R(3), A([True, False, False], b8), R(3))], "WhereBackward0")
op("pow_int_float", lambda T, x: x ** 1.5, lambda x: (x ** 1.5).astype(f32), [Sample(Ints(3, lo=1))], None, grad=False)
op("pow_float32_0d", lambda T, x, y: x ** y, lambda x, y: (x ** y).astype(f32), [Sample(P(3, dtype=f32), A(2.0))],
   "PowBackward1")
op("pow_0d_tensor_base", lambda T, x, y: x ** y, np.power, [Sample(A(1.5), R(3))], "PowBackward1")
op("sign_nan", lambda T, x: T.sign(x), lambda x: np.nan_to_num(np.sign(x)), [Sample(A([np.nan, -0.5, 0.0]), edge=True)],
   "SignBackward0")
op("sigmoid_float32", lambda T, x: T.sigmoid(x), _sigmoid, [Sample(R(6, dtype=f32) * 10)], "SigmoidBackward0",
   rtol=1e-5)
op("clamp_int_float", lambda T, x: T.clamp(x, 0.5, 2.5), lambda x: np.clip(x.astype(f32), 0.5, 2.5),
   [Sample(Ints(5))], None, grad=False)
op("clamp_swapped", lambda T, x: x.clamp(1.0, -1.0), lambda x: np.full_like(x, -1.0), [Sample(R(4))],
   "ClampBackward1")
op("clamp_nan", lambda T, x: x.clamp(-1.0, 1.0), lambda x: np.clip(x, -1.0, 1.0),
   [Sample(A([np.nan, 2.0, 0.5]), edge=True)], "ClampBackward1")
op("clamp_tensor_swapped", lambda T, x, lo, hi: T.clamp(x, lo, hi), lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi),
   [Sample(A([-1.0, 0.5, 2.0]), A([1.0, 1.0, 1.0]), A([0.0, 0.0, 0.0]), edge=True, desc="min > max")],
   "ClampBackward0")
op("div_int_int", lambda T, x, y: x / y, lambda x, y: (x / y).astype(f32), [Sample(Ints(4), A([2, -3, 4, 7], i64))],
   None, grad=False)
op("rsub_int", lambda T, x: 10 - x, lambda x: 10 - x, [Sample(Ints(4))], None, grad=False)
op("compare_reflected", lambda T, x: 0.5 < x, lambda x: x > 0.5, [Sample(R(4))], None, grad=False)


# Further element-wise ops and reductions of numtorch's pointwise/reduction modules.
op("exp2", lambda T, x: x.exp2(), _unary(np.exp2), _UNARY + [_INT], "Exp2Backward0")
op("log2", lambda T, x: x.log2(), _unary(np.log2), _POS + [_INT], "Log2Backward0")
op("log10", lambda T, x: T.log10(x), _unary(np.log10), _POS, "Log10Backward0")
op("reciprocal", lambda T, x: x.reciprocal(), _unary(np.reciprocal), _UNARY + [_INT], "ReciprocalBackward0")
op("square", lambda T, x: x.square(), np.square, _UNARY + [Sample(Ints(4))], "PowBackward0")
op("trunc", lambda T, x: x.trunc(), np.trunc, _UNARY, "TruncBackward0")
op("frac", lambda T, x: x.frac(), lambda x: x - np.trunc(x), _UNARY, "FracBackward0")
op("sgn", lambda T, x: x.sgn(), np.sign, _UNARY, "SgnBackward0")
op("float_power", lambda T, x: T.float_power(x, 2), lambda x: x.astype(f64) ** 2, _UNARY[:2] + [_INT], "PowBackward0")
op("float_power_tensor", lambda T, x, y: T.float_power(x, y), lambda x, y: np.power(x, y),
   [Sample(P(3), R(3))], "PowBackward1")
op("fmod", lambda T, x: T.fmod(x, 0.75), lambda x: np.fmod(x, 0.75), [Sample(R(3, 4))], "FmodBackward0")
op("fmod_tensor", lambda T, x, y: T.fmod(x, y), np.fmod,
   [Sample(R(3, 4), R(4)), Sample(Ints(5), A([2, -3, 4, -1, 7], i64))], "FmodBackward1")
op("fmax", lambda T, x, y: T.fmax(x, y), np.fmax,
   [Sample(R(3, 4), R(4)), Sample(A([np.nan, 1.0, 2.0]), A([0.0, np.nan, 2.0]), edge=True)], "FmaxBackward0")
op("fmin", lambda T, x, y: T.fmin(x, y), np.fmin, [Sample(R(3, 4), R(3, 1))], "FminBackward0")
op("cumprod", lambda T, x, **kw: x.cumprod(**kw), lambda x, dim: np.cumprod(x, dim),
   [Sample(R(3, 4), dim=1), Sample(A([2.0, 0.0, 3.0, 0.5]), dim=0, desc="a zero")], "CumprodBackward0")
op("flip", lambda T, x: x.flip((0, -1)), lambda x: np.flip(x, (0, -1)), [Sample(R(2, 3))], "FlipBackward0")
op("nansum", lambda T, x, **kw: T.nansum(x, **kw), _reduce(np.nansum),
   [Sample(A([1.0, np.nan, 2.5])), Sample(A([[1.0, np.nan], [2.5, -1.0]]), dim=1, keepdim=True)], "NansumBackward0")
op("count_nonzero", lambda T, x: x.count_nonzero(), lambda x: np.asarray(np.count_nonzero(x), i64),
   [Sample(A([[0.0, 1.0], [2.0, 0.0]]))], None, grad=False)
op("isclose", lambda T, x, y: T.isclose(x, y), np.isclose, [Sample(A([1.0, 2.0]), A([1.0 + 1e-9, 2.1]))], None,
   grad=False)
op("isnan_isinf", lambda T, x: (x.isnan(), x.isinf(), x.isfinite()),
   lambda x: (np.isnan(x), np.isinf(x), np.isfinite(x)), [Sample(A([np.nan, np.inf, -np.inf, 1.0]))], None, grad=False)
op("bitwise", lambda T, x, y: (x & y, x | y, x ^ y, ~x), lambda x, y: (x & y, x | y, x ^ y, ~x),
   [Sample(Ints(4, lo=0, hi=8), Ints(4, lo=0, hi=8))], None, grad=False)
op("clone", lambda T, x: x.clone(), lambda x: x.copy(), [Sample(R(2, 3))], "CloneBackward0")
op("contiguous", lambda T, x: x.t().contiguous(), lambda x: x.T.copy(), [Sample(R(2, 3))], "CloneBackward0")
op("to_dtype", lambda T, x: x.float(), lambda x: x.astype(f32),
   [Sample(R(2, 3), edge=True, desc="float32 output: too coarse for finite differences")], "ToCopyBackward0")
op("to_double", lambda T, x: x.to(T.float64), lambda x: x.astype(f64), [Sample(R(2, 3, dtype=f32))], "ToCopyBackward0")


# --- dtype promotion (each expected dtype read off PyTorch 2.13) -------------------------------------------
def _t(T, values, dtype):
    return T.tensor(values, dtype=getattr(T, dtype))


PROMOTION = [
    ("int64 tensor + 2.5", lambda T: T.tensor([1, 2]) + 2.5, "float32"),
    ("2.5 * int64 tensor", lambda T: 2.5 * T.tensor([1, 2]), "float32"),
    ("int64 tensor + 2", lambda T: T.tensor([1, 2]) + 2, "int64"),
    ("int32 tensor + 2", lambda T: _t(T, [1, 2], "int32") + 2, "int32"),
    ("uint8 tensor + 2", lambda T: _t(T, [1, 2], "uint8") + 2, "uint8"),
    ("int32 tensor + True", lambda T: _t(T, [1, 2], "int32") + True, "int32"),
    ("bool tensor + 2", lambda T: T.tensor([True, False]) + 2, "int64"),
    ("bool tensor + 2.5", lambda T: T.tensor([True, False]) + 2.5, "float32"),
    ("bool + bool", lambda T: T.tensor([True, False]) + T.tensor([True, True]), "bool"),
    ("bool * bool", lambda T: T.tensor([True, False]) * T.tensor([True, True]), "bool"),
    ("float32 * float64 0-d", lambda T: T.ones(2) * _t(T, 2.0, "float64"), "float32"),
    ("float32 * float64 1-d", lambda T: T.ones(2) * _t(T, [2.0], "float64"), "float64"),
    ("float16 + float64 0-d", lambda T: _t(T, [1.0], "float16") + _t(T, 1.0, "float64"), "float16"),
    ("float16 + 2.5", lambda T: _t(T, [1.0], "float16") + 2.5, "float16"),
    ("int64 * float64 0-d", lambda T: T.tensor([1, 2]) * _t(T, 2.0, "float64"), "float64"),
    ("int32 + int64 0-d", lambda T: _t(T, [1, 2], "int32") + T.tensor(2), "int32"),
    ("int32 0-d + 2.5", lambda T: _t(T, 2, "int32") + 2.5, "float32"),
    ("int32 0-d + float64 0-d", lambda T: _t(T, 2, "int32") + _t(T, 1.5, "float64"), "float64"),
    ("bool 1-d + int64 0-d", lambda T: T.tensor([True]) + T.tensor(2), "int64"),
    ("uint8 + int8", lambda T: _t(T, [1], "uint8") + _t(T, [1], "int8"), "int16"),
    ("uint8 + int16", lambda T: _t(T, [1], "uint8") + _t(T, [1], "int16"), "int16"),
    ("int8 + int64", lambda T: _t(T, [1], "int8") + _t(T, [1], "int64"), "int64"),
    ("float16 + float32", lambda T: _t(T, [1.0], "float16") + _t(T, [1.0], "float32"), "float32"),
    ("int64 + float16", lambda T: _t(T, [1], "int64") + _t(T, [1.0], "float16"), "float16"),
    ("int / int", lambda T: T.tensor([3, 4]) / T.tensor([2, 2]), "float32"),
    ("int / 2", lambda T: T.tensor([3, 4]) / 2, "float32"),
    ("bool / bool", lambda T: T.tensor([True]) / T.tensor([True]), "float32"),
    ("float64 / int", lambda T: _t(T, [3.0], "float64") / T.tensor([2]), "float64"),
    ("int // int", lambda T: T.tensor([7, -7]) // T.tensor([2, 2]), "int64"),
    ("int // 2.0", lambda T: T.tensor([7, -7]) // 2.0, "float32"),
    ("int % 3", lambda T: T.tensor([7, -7]) % 3, "int64"),
    ("int ** 2", lambda T: T.tensor([3, 4]) ** 2, "int64"),
    ("int ** 0.5", lambda T: T.tensor([4, 9]) ** 0.5, "float32"),
    ("2 ** int", lambda T: 2 ** T.tensor([3, 4]), "int64"),
    ("2.0 ** int", lambda T: 2.0 ** T.tensor([3, 4]), "float32"),
    ("int - float32 0-d", lambda T: T.tensor([3, 4]) - T.tensor(1.0), "float32"),
    ("uint8 - int8 0-d", lambda T: _t(T, [3], "uint8") - _t(T, 1, "int8"), "uint8"),
    ("where(int, float)", lambda T: T.where(T.tensor([True, False]), T.tensor([1, 2]), T.tensor([1.5, 2.5])),
     "float32"),
    ("where(float32, 0.0)", lambda T: T.where(T.tensor([True, False]), T.tensor([1.0, 2.0]), 0.0), "float32"),
    ("where(int, 0.5)", lambda T: T.where(T.tensor([True, False]), T.tensor([1, 2]), 0.5), "float32"),
    ("maximum(int32, float64 0-d)", lambda T: T.maximum(_t(T, [1, 2], "int32"), _t(T, 1.5, "float64")), "float64"),
    ("int64 tensor == 2.5", lambda T: T.tensor([1, 2]) == 2.5, "bool"),
    ("clamp(int, 0.5)", lambda T: T.tensor([1, 2]).clamp(0.5), "float32"),
    ("clamp(int, 0, 1)", lambda T: T.tensor([1, 2]).clamp(0, 1), "int64"),
    ("exp(int)", lambda T: T.tensor([1, 2]).exp(), "float32"),
    ("sqrt(bool)", lambda T: T.tensor([True]).sqrt(), "float32"),
    ("abs(int32)", lambda T: _t(T, [-1], "int32").abs(), "int32"),
    ("sum(int32)", lambda T: _t(T, [1, 2], "int32").sum(), "int64"),
    ("sum(bool)", lambda T: T.tensor([True, True]).sum(), "int64"),
    ("sum(uint8)", lambda T: _t(T, [200, 100], "uint8").sum(), "int64"),
    ("sum(float16)", lambda T: _t(T, [1.0], "float16").sum(), "float16"),
    ("prod(int32)", lambda T: _t(T, [2, 3], "int32").prod(), "int64"),
    ("cumsum(uint8)", lambda T: _t(T, [1, 2], "uint8").cumsum(0), "int64"),
    ("sum(int32, dtype=float64)", lambda T: _t(T, [1, 2], "int32").sum(dtype=T.float64), "float64"),
    ("max(int32)", lambda T: _t(T, [1, 2], "int32").max(), "int32"),
    ("argmax(float32)", lambda T: T.tensor([1.0, 2.0]).argmax(), "int64"),
    ("logsumexp(int64)", lambda T: T.tensor([1, 2]).logsumexp(0), "float32"),
    ("all(float32)", lambda T: T.tensor([1.0, 2.0]).all(), "bool"),
    ("all(uint8)", lambda T: _t(T, [1, 2], "uint8").all(), "uint8"),
    ("any(uint8, dim)", lambda T: _t(T, [[1, 0]], "uint8").any(1), "uint8"),
    ("matmul(int64)", lambda T: T.tensor([[1, 2]]) @ T.tensor([[3], [4]]), "int64"),
    ("cat(int64, float32)", lambda T: T.cat([T.tensor([1]), T.tensor([1.5])]), "float32"),
    ("cat(int32, int64)", lambda T: T.cat([_t(T, [1], "int32"), T.tensor([2])]), "int64"),
    ("stack(bool, int32)", lambda T: T.stack([T.tensor([True]), _t(T, [2], "int32")]), "int32"),
    ("masked_fill(int, 2.7)", lambda T: T.tensor([1, 2]).masked_fill(T.tensor([True, False]), 2.7), "int64"),
    ("int tensor mean(dtype=float64)", lambda T: T.tensor([1, 2]).mean(dtype=T.float64), "float64"),
    ("float32 + float64 ndarray (NumPy decides)", lambda T: T.ones(2) + np.array([1.0, 2.0]), "float64"),
    ("int64 + 0-d float64 ndarray", lambda T: T.tensor([1, 2]) + np.array(2.5), "float64"),
    ("float32 + np.float64 scalar", lambda T: T.ones(2) + np.float64(2.0), "float32"),
    ("int64 * np.float64 scalar", lambda T: T.tensor([1, 2]) * np.float64(2.0), "float32"),
    ("int ** negative int tensor", lambda T: T.tensor([2, 1, -1, -1, 0]) ** T.tensor([-1, -3, -3, -2, -1]), "int64"),
    ("2 ** negative int tensor", lambda T: 2 ** T.tensor([-2, 3]), "int64"),
    ("int / 0", lambda T: T.tensor([1, -1, 0]) / 0, "float32"),
    ("int div floor by float", lambda T: T.tensor([7, -7]).div(2.0, rounding_mode="floor"), "float32"),
    ("float16 * 2", lambda T: _t(T, [1.0], "float16") * 2, "float16"),
    ("int8 + uint8 0-d", lambda T: _t(T, [2], "int8") + _t(T, 200, "uint8"), "int8"),
    ("bool 0-d + int8", lambda T: T.tensor(True) + _t(T, [1, 2], "int8"), "int8"),
    ("float 0-d * int8", lambda T: T.tensor(1.5) * _t(T, [1, 2], "int8"), "float32"),
]

# Values that overflow the tensor's integer dtype wrap around as in C (PyTorch casts the number).
WRAPAROUND = [
    ("uint8 + 300", lambda T: _t(T, [1], "uint8") + 300, [45], "uint8"),
    ("uint8 - 2", lambda T: _t(T, [1], "uint8") - 2, [255], "uint8"),
    ("int8 * 1000", lambda T: _t(T, [1], "int8") * 1000, [-24], "int8"),
]


# --- errors (type and exact message read off PyTorch 2.13) ------------------------------------------------
ERRORS = [
    ("broadcast mismatch", lambda T: T.ones(2, 3) + T.ones(4), RuntimeError,
     "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1"),
    ("broadcast mismatch, 3-d", lambda T: T.ones(2, 3, 4) * T.ones(5, 1), RuntimeError,
     "The size of tensor a (3) must match the size of tensor b (5) at non-singleton dimension 1"),
    ("mm mismatch", lambda T: T.ones(2, 3) @ T.ones(4, 5), RuntimeError,
     "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"),
    ("mm on a vector", lambda T: T.mm(T.ones(3), T.ones(3, 2)), RuntimeError, "self must be a matrix"),
    ("mv mismatch", lambda T: T.ones(2, 3) @ T.ones(4), RuntimeError,
     "size mismatch, got input (2), mat (2x3), vec (4)"),
    ("dot mismatch", lambda T: T.ones(3) @ T.ones(4), RuntimeError,
     "inconsistent tensor size, expected tensor [3] and src [4] to have the same number of elements, but got 3 "
     "and 4 elements respectively"),
    ("bmm mismatch", lambda T: T.bmm(T.ones(2, 3, 4), T.ones(2, 5, 2)), RuntimeError,
     "Expected size for first two dimensions of batch2 tensor to be: [2, 4] but got: [2, 5]."),
    ("matmul 0-d", lambda T: T.ones(3) @ T.tensor(2.0), RuntimeError,
     "both arguments to matmul need to be at least 1D, but they are 1D and 0D"),
    ("matmul dtype", lambda T: T.ones(2, 2) @ T.ones(2, 2, dtype=T.float64), RuntimeError,
     "expected m1 and m2 to have the same dtype, but got: float != double"),
    ("view invalid", lambda T: T.ones(2, 3).view(4), RuntimeError, "shape '[4]' is invalid for input of size 6"),
    ("view two -1", lambda T: T.ones(2, 3).view(-1, -1), RuntimeError, "only one dimension can be inferred"),
    ("view of non-contiguous", lambda T: T.ones(2, 3).t().view(6), RuntimeError,
     "view size is not compatible with input tensor's size and stride (at least one dimension spans across two "
     "contiguous subspaces). Use .reshape(...) instead."),
    ("reshape invalid", lambda T: T.ones(2, 3).reshape(4, -1), RuntimeError,
     "shape '[4, -1]' is invalid for input of size 6"),
    ("dim out of range (sum)", lambda T: T.ones(2, 3).sum(2), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    ("dim out of range (negative)", lambda T: T.ones(2, 3).sum(-3), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got -3)"),
    ("dim out of range (unsqueeze)", lambda T: T.ones(2).unsqueeze(2), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    ("dim out of range (0-d)", lambda T: T.tensor(1.0).sum(1), IndexError,
     "Dimension out of range (expected to be in range of [-1, 0], but got 1)"),
    ("cat size mismatch", lambda T: T.cat([T.ones(2, 3), T.ones(2, 4)]), RuntimeError,
     "Sizes of tensors must match except in dimension 0. Expected size 3 but got size 4 for tensor number 1 in the "
     "list."),
    ("cat dims mismatch", lambda T: T.cat([T.ones(2, 3), T.ones(3)]), RuntimeError,
     "Tensors must have same number of dimensions: got 2 and 1"),
    ("cat 0-d", lambda T: T.cat([T.tensor(1.0), T.tensor(2.0)]), RuntimeError,
     "zero-dimensional tensor (at position 0) cannot be concatenated"),
    ("cat empty list", lambda T: T.cat([]), ValueError, "torch.cat(): expected a non-empty list of Tensors"),
    ("stack mismatch", lambda T: T.stack([T.ones(2), T.ones(3)]), RuntimeError,
     "stack expects each tensor to be equal size, but got [2] at entry 0 and [3] at entry 1"),
    ("expand mismatch", lambda T: T.ones(2, 3).expand(4, 3, 2), RuntimeError,
     "The expanded size of the tensor (2) must match the existing size (3) at non-singleton dimension 2.  "
     "Target sizes: [4, 3, 2].  Tensor sizes: [2, 3]"),
    ("permute length", lambda T: T.ones(2, 3).permute(0), RuntimeError,
     "permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired "
     "ordering of dimensions i.e. input.dim() = 2 is not equal to len(dims) = 1"),
    ("t of 3-d", lambda T: T.ones(2, 3, 4).t(), RuntimeError,
     "t() expects a tensor with <= 2 dimensions, but self is 3D"),
    ("narrow out of range", lambda T: T.ones(2, 3).narrow(1, 2, 2), RuntimeError,
     "start (2) + length (2) exceeds dimension size (3)."),
    ("split sizes", lambda T: T.ones(5).split([2, 2]), RuntimeError,
     "split_with_sizes expects split_sizes to sum exactly to 5 (input tensor's size at dimension 0), but got "
     "split_sizes=[2, 2]"),
    ("index out of range", lambda T: T.ones(2, 3)[2], IndexError,
     "index 2 is out of bounds for dimension 0 with size 2"),
    ("too many indices", lambda T: T.ones(2)[0, 0], IndexError, "too many indices for tensor of dimension 1"),
    ("tensor index out of range", lambda T: T.ones(2, 3)[T.tensor([0, 3])], IndexError,
     "index 3 is out of bounds for dimension 0 with size 2"),
    ("bool mask shape", lambda T: T.ones(2, 3)[T.tensor([True, False, True])], IndexError,
     "The shape of the mask [3] at index 0 does not match the shape of the indexed tensor [2, 3] at index 0"),
    ("gather index dtype", lambda T: T.ones(2, 3).gather(1, T.tensor([[0.0]])), RuntimeError,
     "gather(): Expected dtype int32/int64 for index"),
    ("mean of int", lambda T: T.tensor([1, 2]).mean(), RuntimeError,
     "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Long"),
    ("bool minus bool", lambda T: T.tensor([True]) - T.tensor([True]), RuntimeError,
     "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` "
     "operator instead."),
    ("neg of bool", lambda T: -T.tensor([True]), RuntimeError,
     "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the "
     "`~` or `logical_not()` operator instead."),
    ("int // 0", lambda T: T.tensor([5]) // T.tensor([0]), RuntimeError, "ZeroDivisionError"),
    ("int % 0", lambda T: T.tensor([5]) % 0, RuntimeError, "ZeroDivisionError"),
    ("int ** negative int", lambda T: T.tensor([2]) ** -1, RuntimeError,
     "Integers to negative integer powers are not allowed."),
    ("where condition dtype", lambda T: T.where(T.tensor([1, 0]), T.ones(2), T.zeros(2)), RuntimeError,
     "where expected condition to be a boolean tensor, but got a tensor with dtype Long"),
    ("max of empty", lambda T: T.ones(0).max(), RuntimeError,
     "max(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the "
     "'dim' argument."),
    ("backward of floor_divide", lambda T: (T.ones(2, requires_grad=True) // 2).sum().backward(), RuntimeError,
     "derivative for aten::floor_divide is not implemented"),
    ("clamp without bounds", lambda T: T.ones(2).clamp(), RuntimeError,
     "torch.clamp: At least one of 'min' or 'max' must not be None"),
    ("masked_fill mask dtype", lambda T: T.ones(2).masked_fill(T.tensor([1, 0]), 0.0), RuntimeError,
     "masked_fill_ only supports boolean masks, but got mask with dtype long int"),
    ("squeeze dim out of range", lambda T: T.ones(2, 1).squeeze(2), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    ("chunk zero", lambda T: T.ones(2).chunk(0), RuntimeError, "chunk expects `chunks` to be greater than 0, got: 0"),
    ("bool tensor minus int tensor", lambda T: T.tensor([True]) - T.tensor([1]), RuntimeError,
     "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use "
     "the `~` or `logical_not()` operator instead."),
    ("number minus bool tensor", lambda T: 1 - T.tensor([True]), RuntimeError,
     "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use "
     "the `~` or `logical_not()` operator instead."),
    ("True minus bool tensor", lambda T: True - T.tensor([True]), RuntimeError,
     "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` "
     "operator instead."),
    ("float alpha with ints", lambda T: T.add(T.tensor([1]), 1, alpha=2.5), RuntimeError,
     "For integral input tensors, argument alpha must not be a floating point number."),
    ("bool alpha", lambda T: T.sub(T.ones(1), 1, alpha=True), RuntimeError,
     "Boolean alpha only supported for Boolean results."),
    ("abs of bool", lambda T: T.tensor([True]).abs(), NotImplementedError, "\"abs_cpu\" not implemented for 'Bool'"),
    ("floor of bool", lambda T: T.tensor([True]).floor(), NotImplementedError,
     "\"floor_vml_cpu\" not implemented for 'Bool'"),
    ("relu of bool", lambda T: T.tensor([True]).relu(), RuntimeError, "Boolean inputs not supported for relu"),
    ("round(decimals) of int", lambda T: T.tensor([1]).round(decimals=1), NotImplementedError,
     "\"round_cpu\" not implemented for 'Long'"),
    ("bool ** bool", lambda T: T.tensor([True]) ** T.tensor([True]), NotImplementedError,
     "\"pow\" not implemented for 'Bool'"),
    ("narrow start out of range", lambda T: T.ones(2, 3).narrow(1, -4, 1), IndexError,
     "start out of range (expected to be in range of [-3, 3], but got -4)"),
    ("narrow negative length", lambda T: T.ones(2, 3).narrow(1, 0, -1), RuntimeError,
     "narrow(): length must be non-negative."),
    ("select out of range", lambda T: T.ones(2, 3).select(1, -4), IndexError,
     "select(): index -4 out of range for tensor of size [2, 3] at dimension 1"),
    ("split negative size", lambda T: T.ones(2, 3).split(-1), RuntimeError,
     "split expects split_size be non-negative, but got split_size=-1"),
    ("view negative dim", lambda T: T.ones(2, 3).view(-2, 3), RuntimeError,
     "invalid shape dimension -2 at index 0 of shape [-2, 3]"),
    ("reshape of 0 elements with -1", lambda T: T.ones(0, 3).reshape(-1, 0), RuntimeError,
     "cannot reshape tensor of 0 elements into shape [-1, 0] because the unspecified dimension size -1 can be any "
     "value and is ambiguous"),
    ("repeat with negative", lambda T: T.ones(2, 3).repeat(-1, 1), RuntimeError,
     "Trying to create tensor with negative dimension -2: [-2, 3]"),
    ("unflatten sizes", lambda T: T.ones(2, 3).unflatten(1, (2, 2)), RuntimeError,
     "unflatten: Provided sizes [2, 2] don't multiply up to the size of dim 1 (3) in the input tensor"),
    ("broadcast_tensors mismatch", lambda T: T.broadcast_tensors(T.ones(2, 3), T.ones(4)), RuntimeError,
     "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1"),
    ("broadcast_shapes mismatch", lambda T: T.broadcast_shapes((2, 2), (3,)), RuntimeError,
     "Attempting to broadcast a dimension of length 3 at -1! Mismatching argument at index 1 had (3,); but expected "
     "shape should be broadcastable to [2, 2]"),
    ("unbind of 0-d", lambda T: T.tensor(2.0).unbind(), IndexError,
     "Dimension specified as 0 but tensor has no dimensions"),
    ("argmax of empty", lambda T: T.ones(0).argmax(), IndexError,
     "argmax(): Expected reduction dim to be specified for input.numel() == 0."),
    ("amax of empty", lambda T: T.ones(0).amax(), RuntimeError,
     "amax(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' "
     "argument."),
    ("amax over an empty dim", lambda T: T.ones(2, 0).amax(1), IndexError,
     "amax(): Expected reduction dim 1 to have non-zero size."),
    ("max over an empty dim", lambda T: T.ones(2, 0).max(1), IndexError,
     "max(): Expected reduction dim 1 to have non-zero size."),
    ("std of int", lambda T: T.tensor([1, 2]).std(), RuntimeError,
     "std and var only support floating point and complex dtypes"),
    ("norm of int", lambda T: T.tensor([1, 2]).norm(), RuntimeError,
     "linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long"),
    ("argmax of bool", lambda T: T.tensor([True]).argmax(), RuntimeError, "argmax(): does not support bool input"),
    ("index_select out of range", lambda T: T.ones(2, 3).index_select(1, T.tensor([3])), RuntimeError,
     "INDICES element is out of DATA bounds, id=3 axis_dim=3"),
    ("index_select index dtype", lambda T: T.ones(2, 3).index_select(1, T.tensor([0.0])), RuntimeError,
     "index_select(): Expected dtype int32 or int64 for index"),
    ("masked_fill mask shape", lambda T: T.ones(2, 3).masked_fill(T.tensor([True, False]), 0.0), RuntimeError,
     "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 1"),
    ("where condition shape", lambda T: T.where(T.tensor([True, False]), T.ones(2, 3), 0.0), RuntimeError,
     "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 1"),
    ("logical_and mismatch", lambda T: T.logical_and(T.ones(2, 3), T.ones(4)), RuntimeError,
     "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1"),
    ("mv dtype", lambda T: T.mv(T.ones(2, 3), T.ones(3, dtype=T.float64)), RuntimeError,
     "addmv input tensors must have the same dtype, but got Double, Float, and Double"),
    ("bmm dtype", lambda T: T.bmm(T.ones(1, 2, 3), T.ones(1, 3, 2, dtype=T.float64)), RuntimeError,
     "expected scalar type Float but found Double"),
    ("batched matmul dtype", lambda T: T.ones(2, 2, 3) @ T.ones(2, 3, 2, dtype=T.float64), RuntimeError,
     "expected scalar type Float but found Double"),
    ("mm dtype", lambda T: T.mm(T.ones(2, 3, dtype=T.int64), T.ones(3, 2)), RuntimeError,
     "expected m1 and m2 to have the same dtype, but got: long int != float"),
    ("dot dtype", lambda T: T.dot(T.ones(3, dtype=T.float64), T.ones(3)), RuntimeError,
     "dot : expected both vectors to have same dtype, but found Double and Float"),
    ("addmm bias shape", lambda T: T.addmm(T.ones(3, 4), T.ones(4, 5), T.ones(5, 5)), RuntimeError,
     "The expanded size of the tensor (5) must match the existing size (4) at non-singleton dimension 1.  Target "
     "sizes: [4, 5].  Tensor sizes: [3, 4]"),
    ("addmm dtype", lambda T: T.addmm(T.ones(5), T.ones(4, 3), T.ones(3, 5, dtype=T.float64)), RuntimeError,
     "self and mat2 must have the same dtype, but got Float and Double"),
    ("outer of 2-d", lambda T: T.outer(T.ones(2), T.ones(2, 3)), RuntimeError,
     "outer: Expected 1-D argument vec2, but got 2-D"),
    ("batched matmul mismatch", lambda T: T.ones(2, 3, 4) @ T.ones(2, 5, 6), RuntimeError,
     "Expected size for first two dimensions of batch2 tensor to be: [2, 4] but got: [2, 5]."),
    ("matmul batch broadcast", lambda T: T.ones(3, 3, 4) @ T.ones(2, 4, 6), RuntimeError,
     "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0"),
    ("folded matmul mismatch", lambda T: T.ones(2, 3, 4) @ T.ones(5, 6), RuntimeError,
     "mat1 and mat2 shapes cannot be multiplied (6x4 and 5x6)"),
    ("cat of a non-tensor", lambda T: T.cat([T.ones(2), 1.0]), TypeError,
     "expected Tensor as element 1 in argument 0, but got float"),
    ("stack of a tensor", lambda T: T.stack(T.ones(2, 3)), TypeError,
     "stack(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor"),
]
