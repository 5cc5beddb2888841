"""Element-wise ops. Each op: its forward on arrays, and right above it the Node with its derivative.

Derivative formulas are written with numtorch ops (``grad * result``), so when the engine runs them with
grad mode on (``create_graph=True``) they build the graph of the gradient: higher-order derivatives for free.
Gradients of broadcast inputs are summed back to the input's shape by ``sum_to``.
"""

from __future__ import annotations

import math

import numpy as np

from .. import dtypes as _dt
from ..autograd import grad_mode as _gm
from ..autograd.graph import Node, SavedOutput
from ..tensor import Tensor
from ._helpers import _make, as_float_dtype, broadcast_error, edges, graph_needed, operands, result, sum_to, to_tensor

# PyTorch never warns about overflow or log(0); NumPy would on every such element.
np.seterr(all="ignore")

_BOOL = np.dtype(np.bool_)


def _shape(x) -> tuple:
    return x._data.shape if isinstance(x, Tensor) else ()


def _meta(node: Node, a, b, data: np.ndarray) -> None:
    """Record the inputs' shapes (to undo broadcasting) and, where an input's dtype differs from the result's,
    its dtype (its gradient is cast back, as PyTorch's engine casts every gradient to its input's dtype)."""
    dt = data.dtype
    if isinstance(a, Tensor):
        x = a._data
        node.a_shape = x.shape
        node.a_dtype = None if x.dtype is dt or x.dtype == dt else x.dtype
    else:
        node.a_shape = ()
        node.a_dtype = None
    if isinstance(b, Tensor):
        y = b._data
        node.b_shape = y.shape
        node.b_dtype = None if y.dtype is dt or y.dtype == dt else y.dtype
    else:
        node.b_shape = ()
        node.b_dtype = None


def _needs(node: Node, i: int) -> bool:
    return node.next_functions[i][0] is not None


def _binary(ufunc, a, b):
    x, y, _ = operands(a, b)
    try:
        return ufunc(x, y)
    except ValueError:
        raise broadcast_error(_shape(a), _shape(b)) from None


# --- add / sub ------------------------------------------------------------------------------------------
class AddBackward0(Node):
    """d(a + alpha*b) = da + alpha*db."""

    def backward(self, grad):
        alpha = self.alpha
        ga = sum_to(grad, self.a_shape, self.a_dtype) if _needs(self, 0) else None
        gb = None
        if _needs(self, 1):
            gb = sum_to(grad if alpha == 1 else grad * alpha, self.b_shape, self.b_dtype)
        return ga, gb


def _check_alpha(dt, alpha) -> None:
    kind = np.dtype(dt).kind
    if type(alpha) is bool and kind != "b":
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if kind in "iub" and isinstance(alpha, float):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")


def _add_like(node_cls, input, other, data: np.ndarray, alpha) -> Tensor:
    """The result of add/sub with its node (AddBackward0 or SubBackward0)."""
    node = node_cls(edges(input, other))
    _meta(node, input, other, data)
    node.alpha = alpha
    return result(data, node)


def add(input, other, *, alpha=1, out=None) -> Tensor:
    """``input + alpha * other`` with broadcasting."""
    # The commonest calls, a plain tensor plus a plain tensor of its dtype or a float tensor plus a Python
    # number: nothing to promote, cast or check.
    if type(input) is Tensor and out is None and alpha == 1 and type(alpha) is int:
        x = input._data
        tensor = type(other) is Tensor
        scalar = type(other) is float or type(other) is int
        if tensor and other._data.dtype is x.dtype or scalar and x.dtype.kind == "f":
            try:
                data = x + (other._data if tensor else other)
            except ValueError:
                raise broadcast_error(_shape(input), _shape(other)) from None
            if _gm._State.enabled and (input._requires_grad or tensor and other._requires_grad):
                return _add_like(AddBackward0, input, other, data, alpha)
            return _make(data)
    if alpha != 1 or type(alpha) is not int:
        x, y, dt = operands(input, other)
        _check_alpha(dt, alpha)
        try:
            data = x + (y * alpha)
        except ValueError:
            raise broadcast_error(_shape(input), _shape(other)) from None
    else:
        x, y, _ = operands(input, other)
        try:
            data = x + y
        except ValueError:
            raise broadcast_error(_shape(input), _shape(other)) from None
    if _gm._State.enabled and graph_needed(input, other):
        return _out(_add_like(AddBackward0, input, other, data, alpha), out)
    return _make(data) if out is None else _out(_make(data), out)


class SubBackward0(Node):
    """d(a - alpha*b) = da - alpha*db."""

    def backward(self, grad):
        ga = sum_to(grad, self.a_shape, self.a_dtype) if _needs(self, 0) else None
        gb = None
        if _needs(self, 1):
            gb = sum_to(-grad if self.alpha == 1 else grad * -self.alpha, self.b_shape, self.b_dtype)
        return ga, gb


def sub(input, other, *, alpha=1, out=None) -> Tensor:
    """``input - alpha * other`` with broadcasting."""
    # The commonest calls, a plain (not bool) tensor minus a plain tensor of its dtype or a float tensor minus
    # a Python float: nothing to promote, cast or check.
    if type(input) is Tensor and out is None and alpha == 1 and type(alpha) is int:
        x = input._data
        tensor = type(other) is Tensor
        if (tensor and other._data.dtype is x.dtype and x.dtype is not _BOOL
                or type(other) is float and x.dtype.kind == "f"):
            try:
                data = x - (other._data if tensor else other)
            except ValueError:
                raise broadcast_error(_shape(input), _shape(other)) from None
            if _gm._State.enabled and (input._requires_grad or tensor and other._requires_grad):
                return _add_like(SubBackward0, input, other, data, alpha)
            return _make(data)
    if (isinstance(input, Tensor) and input._data.dtype is _BOOL
            or isinstance(other, Tensor) and other._data.dtype is _BOOL):
        _check_bool_sub(input, other)
    if alpha != 1 or type(alpha) is not int:
        x, y, dt = operands(input, other)
        _check_alpha(dt, alpha)
        try:
            data = x - (y * alpha)
        except ValueError:
            raise broadcast_error(_shape(input), _shape(other)) from None
    else:
        x, y, _ = operands(input, other)
        try:
            data = x - y
        except ValueError:
            raise broadcast_error(_shape(input), _shape(other)) from None
    if _gm._State.enabled and graph_needed(input, other):
        return _out(_add_like(SubBackward0, input, other, data, alpha), out)
    return _make(data) if out is None else _out(_make(data), out)


subtract = sub


class RsubBackward1(Node):
    """d(number - alpha*x) = -alpha*dx."""

    def backward(self, grad):
        return (grad * -self.alpha if self.alpha != 1 else -grad,)


def _check_bool_sub(a, b) -> None:
    """PyTorch refuses subtraction with a bool tensor (two bools, or a bool tensor and anything else)."""
    a_bool = isinstance(a, Tensor) and a._data.dtype == np.bool_
    b_bool = isinstance(b, Tensor) and b._data.dtype == np.bool_
    if a_bool or b_bool:
        if (a_bool or type(a) is bool) and (b_bool or type(b) is bool):
            raise RuntimeError(
                "Subtraction, the `-` operator, with two bool tensors is not supported. "
                "Use the `^` or `logical_xor()` operator instead."
            )
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a "
            "mask, use the `~` or `logical_not()` operator instead."
        )


def rsub(input, other, *, alpha=1) -> Tensor:
    """``other - alpha * input`` (what ``number - tensor`` computes)."""
    if isinstance(other, Tensor):
        return sub(other, input, alpha=alpha)
    _check_bool_sub(other, input)
    x, y, _ = operands(input, other)
    data = y - x * alpha if alpha != 1 else y - x
    if graph_needed(input):
        node = RsubBackward1(edges(input))
        node.alpha = alpha
        return result(data, node)
    return _make(data)


# --- mul / div --------------------------------------------------------------------------------------------
class MulBackward0(Node):
    """d(a*b) = b*da + a*db."""

    def backward(self, grad):
        a, b = self.saved
        ga = sum_to(grad * _conj(b), self.a_shape, self.a_dtype) if _needs(self, 0) else None
        gb = sum_to(grad * a, self.b_shape, self.b_dtype) if _needs(self, 1) else None
        return ga, gb


def _conj(x):
    return x


def _mul_result(input, other, data: np.ndarray) -> Tensor:
    """The result of mul with its MulBackward0 node."""
    node = MulBackward0(edges(input, other))
    _meta(node, input, other, data)
    # Save only what the formula will read: b for a's gradient, a for b's.
    node.save(input if _needs(node, 1) else None, other if _needs(node, 0) else None)
    return result(data, node)


def mul(input, other, *, out=None) -> Tensor:
    """Element-wise product with broadcasting."""
    # The commonest calls, a plain tensor times a plain tensor of its dtype or a float tensor times a Python
    # number: nothing to promote or cast.
    if type(input) is Tensor and out is None:
        x = input._data
        tensor = type(other) is Tensor
        scalar = type(other) is float or type(other) is int
        if tensor and other._data.dtype is x.dtype or scalar and x.dtype.kind == "f":
            try:
                data = x * (other._data if tensor else other)
            except ValueError:
                raise broadcast_error(_shape(input), _shape(other)) from None
            if _gm._State.enabled and (input._requires_grad or tensor and other._requires_grad):
                return _mul_result(input, other, data)
            return _make(data)
    x, y, _ = operands(input, other)
    try:
        data = x * y
    except ValueError:
        raise broadcast_error(_shape(input), _shape(other)) from None
    if _gm._State.enabled and graph_needed(input, other):
        return _out(_mul_result(input, other, data), out)
    return _make(data) if out is None else _out(_make(data), out)


multiply = mul


class DivBackward0(Node):
    """d(a/b) = da/b - a*db/b**2."""

    def backward(self, grad):
        a, b = self.saved
        ga = sum_to(grad / b, self.a_shape, self.a_dtype) if _needs(self, 0) else None
        gb = sum_to(-grad * a / (b * b), self.b_shape, self.b_dtype) if _needs(self, 1) else None
        return ga, gb


class DivBackward2(Node):
    """Division with rounding (trunc/floor): the gradient is zero almost everywhere."""

    def backward(self, grad):
        return (zeros_like_grad(grad, self.a_shape, self.a_dtype) if _needs(self, 0) else None,
                zeros_like_grad(grad, self.b_shape, self.b_dtype) if _needs(self, 1) else None)


def zeros_like_grad(grad: Tensor, shape: tuple, dtype=None) -> Tensor:
    return _make(np.zeros(shape, dtype=grad._data.dtype if dtype is None else dtype))


class NotImplementedNode(Node):
    """What PyTorch records for ops without a derivative formula (floor_divide, number % tensor):
    the output requires grad, and backward through it raises. (Its class is called NotImplemented, as
    PyTorch's; the Python name avoids shadowing the builtin.)"""

    def __init__(self, next_functions, op_name: str):
        Node.__init__(self, next_functions)
        self.op_name = op_name

    def name(self) -> str:
        return "torch::autograd::NotImplemented"

    def backward(self, grad):
        raise RuntimeError(f"derivative for aten::{self.op_name} is not implemented")


def _not_implemented(data: np.ndarray, op_name: str, *args) -> Tensor:
    """Wrap ``data``; when some argument requires grad, record a NotImplemented node as PyTorch does."""
    if graph_needed(*args):
        return result(data, NotImplementedNode(edges(*(a for a in args if isinstance(a, Tensor))), op_name))
    return _make(data)


NotImplementedNode.__name__ = NotImplementedNode.__qualname__ = "NotImplemented"


def _div_result(input, other, data: np.ndarray) -> Tensor:
    """The result of true division with its DivBackward0 node."""
    node = DivBackward0(edges(input, other))
    _meta(node, input, other, data)
    node.save(input if _needs(node, 1) else None, other)
    return result(data, node)


def div(input, other, *, rounding_mode=None, out=None) -> Tensor:
    """True division (``rounding_mode=None``), or rounded with ``'trunc'`` / ``'floor'``."""
    # The commonest calls (a gradient divided by a count, a float tensor by one of its dtype): nothing to
    # promote or cast, as in add and mul.
    if type(input) is Tensor and rounding_mode is None and out is None:
        x = input._data
        tensor = type(other) is Tensor
        if x.dtype.kind == "f" and (tensor and other._data.dtype is x.dtype or type(other) is float
                                    or type(other) is int):
            try:
                data = x / (other._data if tensor else other)
            except ValueError:
                raise broadcast_error(_shape(input), _shape(other)) from None
            if _gm._State.enabled and (input._requires_grad or tensor and other._requires_grad):
                return _div_result(input, other, data)
            return _make(data)
    x, y, dt = operands(input, other)
    if rounding_mode is None:
        fdt = dt
        if dt.kind != "f":
            fdt = as_float_dtype(dt)
            x = x.astype(fdt) if isinstance(x, np.ndarray) else fdt.type(x)
            y = y.astype(fdt) if isinstance(y, np.ndarray) else fdt.type(y)
        try:
            data = x / y
        except ValueError:
            raise broadcast_error(_shape(input), _shape(other)) from None
        if data.dtype is not fdt and data.dtype != fdt:
            data = data.astype(fdt)
        if _gm._State.enabled and graph_needed(input, other):
            return _out(_div_result(input, other, data), out)
        return _make(data) if out is None else _out(_make(data), out)
    if rounding_mode not in ("trunc", "floor"):
        raise ValueError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'"
        )
    try:
        if np.dtype(dt).kind == "f":
            q = np.true_divide(x, y)
            data = np.trunc(q) if rounding_mode == "trunc" else np.floor_divide(x, y)
        else:
            _check_int_zero_division(y)
            data = np.floor_divide(x, y) if rounding_mode == "floor" else _int_trunc_div(x, y)
    except ValueError:
        raise broadcast_error(_shape(input), _shape(other)) from None
    data = np.asarray(data, dtype=dt)
    if graph_needed(input, other):
        node = DivBackward2(edges(input, other))
        _meta(node, input, other, data)
        return _out(result(data, node), out)
    return _out(_make(data), out)


divide = true_divide = div


def _check_int_zero_division(y) -> None:
    if np.any(np.asarray(y) == 0):
        raise RuntimeError("ZeroDivisionError")


def _int_trunc_div(x, y):
    q = np.floor_divide(x, y)
    return np.where((np.remainder(x, y) != 0) & ((np.asarray(x) < 0) != (np.asarray(y) < 0)), q + 1, q)


def floor_divide(input, other) -> Tensor:
    """``input // other``, rounding toward minus infinity (not differentiable, as in PyTorch)."""
    x, y, dt = operands(input, other)
    if np.dtype(dt).kind != "f":
        _check_int_zero_division(y)
    try:
        data = np.floor_divide(x, y)
    except ValueError:
        raise broadcast_error(_shape(input), _shape(other)) from None
    return _not_implemented(np.asarray(data, dtype=dt), "floor_divide", input, other)


class RemainderBackward0(Node):
    """d(a mod number) = da."""

    def backward(self, grad):
        return (grad,)


class RemainderBackward1(Node):
    """d(a mod b) = da - floor(a/b)*db."""

    def backward(self, grad):
        a, b = self.saved
        ga = sum_to(grad, self.a_shape, self.a_dtype) if _needs(self, 0) else None
        gb = sum_to(-grad * div(a, b, rounding_mode="floor"), self.b_shape, self.b_dtype) if _needs(self, 1) else None
        return ga, gb


def remainder(input, other) -> Tensor:
    """``input % other`` with the sign of ``other`` (Python's rule, as PyTorch uses)."""
    x, y, dt = operands(input, other)
    try:
        if np.dtype(dt).kind != "f":
            _check_int_zero_division(y)
            data = np.asarray(np.remainder(x, y), dtype=dt)
        else:
            # PyTorch's float kernel: fmod, then shift by b where the signs differ (a zero result stays +0.0,
            # where NumPy's remainder gives it b's sign).
            mod = np.fmod(x, y)
            data = np.asarray(np.where((mod != 0) & ((np.asarray(y) < 0) != (mod < 0)), mod + y, mod), dtype=dt)
    except ValueError:
        raise broadcast_error(_shape(input), _shape(other)) from None
    if not graph_needed(input, other):
        return _make(data)
    if not isinstance(input, Tensor):
        return _not_implemented(data, "remainder", input, other)
    if not isinstance(other, Tensor):
        return result(data, RemainderBackward0(edges(input)))
    node = RemainderBackward1(edges(input, other))
    _meta(node, input, other, data)
    node.save(input if _needs(node, 1) else None, other if _needs(node, 1) else None)
    return result(data, node)


class FmodBackward0(Node):
    """d fmod(a, number) = da."""

    def backward(self, grad):
        return (grad,)


class FmodBackward1(Node):
    """d fmod(a, b) = da - trunc(a/b) db."""

    def backward(self, grad):
        a, b = self.saved
        ga = sum_to(grad, self.a_shape, self.a_dtype) if _needs(self, 0) else None
        gb = sum_to(-grad * div(a, b, rounding_mode="trunc"), self.b_shape, self.b_dtype) if _needs(self, 1) else None
        return ga, gb


def fmod(input, other) -> Tensor:
    """Remainder with the sign of ``input`` (C's fmod)."""
    x, y, dt = operands(input, other)
    if np.dtype(dt).kind != "f":
        _check_int_zero_division(y)
    try:
        data = np.asarray(np.fmod(x, y), dtype=dt)
    except ValueError:
        raise broadcast_error(_shape(input), _shape(other)) from None
    if not graph_needed(input, other):
        return _make(data)
    if not isinstance(other, Tensor):
        return result(data, FmodBackward0(edges(input)))
    node = FmodBackward1(edges(input, other))
    _meta(node, input, other, data)
    node.save(input if _needs(node, 1) else None, other if _needs(node, 1) else None)
    return result(data, node)


# --- pow --------------------------------------------------------------------------------------------------
class PowBackward0(Node):
    """d(x**c) = c * x**(c-1) dx for a number c."""

    def backward(self, grad):
        (x,) = self.saved
        c = self.exponent
        if c == 0:
            return (zeros_like_grad(grad, x._data.shape),)
        if c == 2 and not _gm._State.enabled:
            # The commonest exponent, in a plain backward: x**1 is x, so no pow op (the same values). Recorded
            # (create_graph), the gradient's graph keeps PyTorch's PowBackward0.
            return (grad * (x * c),)
        return (grad * (pow(x, c - 1) * c),)


class PowBackward1(Node):
    """d(a**b) = b * a**(b-1) da + a**b * log(a) db; zero where b == 0 (for a) and where a == 0 <= b (for b)."""

    def backward(self, grad):
        a, b, res = self.saved
        ga = gb = None
        zero = _make(np.zeros((), dtype=grad._data.dtype))
        if _needs(self, 0):
            ga = sum_to(where(b == 0, zero, grad * (b * pow(a, b - 1))), self.a_shape, self.a_dtype)
        if _needs(self, 1):
            gb = sum_to(grad * where((a == 0) & (b >= 0), zero, res * log(a)), self.b_shape, self.b_dtype)
        return ga, gb


class PowBackward2(Node):
    """d(c**x) = c**x * log(c) dx for a number c (zero where c == 0 and x >= 0)."""

    def backward(self, grad):
        exponent, res = self.saved
        if self.base == 0:
            zero = _make(np.zeros((), dtype=grad._data.dtype))
            return (grad * where(exponent >= 0, zero, res * -math.inf),)
        return (grad * (res * math.log(self.base)),)


def pow(input, exponent) -> Tensor:
    """``input ** exponent`` (either may be a number)."""
    if not isinstance(input, Tensor):
        return _pow_scalar_base(input, exponent)
    if isinstance(exponent, Tensor):
        x, y, dt = operands(input, exponent)
        try:
            data = _int_power(x, y, dt) if np.dtype(dt).kind in "iub" else np.power(x, y)
        except ValueError:
            raise broadcast_error(_shape(input), _shape(exponent)) from None
        data = np.asarray(data, dtype=dt)
        if graph_needed(input, exponent):
            node = PowBackward1(edges(input, exponent))
            _meta(node, input, exponent, data)
            res = result(data, node)
            node.save(input, exponent, SavedOutput(res))
            return res
        return _make(data)
    x, y, dt = operands(input, exponent)
    if dt.kind in "iu" and type(exponent) is int and exponent < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    data = _power(x, y)
    if data.dtype is not dt and data.dtype != dt:
        data = data.astype(dt)
    if _gm._State.enabled and input._requires_grad:
        node = PowBackward0(edges(input))
        node.exponent = exponent
        node.save(input)
        return result(data, node)
    return _make(data)


def _int_power(x, y, dt):
    """Integer power; a negative exponent gives PyTorch's integer results (1 for base 1, +-1 for base -1, else
    0) where NumPy raises, and two bools are refused as PyTorch refuses them."""
    if np.dtype(dt).kind == "b":
        raise NotImplementedError('"pow" not implemented for \'Bool\'')
    neg = np.asarray(y) < 0
    if not neg.any():
        return np.power(x, y)
    xb, yb = np.broadcast_arrays(x, y)
    out = np.power(xb, np.where(neg, 0, yb).astype(dt, copy=False))
    odd = (yb % 2) != 0
    special = np.where(xb == 1, 1, np.where(xb == -1, np.where(odd, -1, 1), 0))
    return np.where(neg, special, out).astype(dt)


def _power(x, y):
    # Squaring is by far the commonest exponent (and x**1 comes in its gradient): exact, and faster than np.power.
    if y == 2:
        return x * x
    if y == 1:
        return x.copy()
    return np.power(x, y)


def float_power(input, exponent) -> Tensor:
    """``pow`` computed in float64."""
    return pow(to_tensor(input).double() if isinstance(input, Tensor) else input,
               exponent.double() if isinstance(exponent, Tensor) else exponent)


def _pow_scalar_base(base, exponent: Tensor) -> Tensor:
    x, y, dt = operands(base, exponent)
    data = np.asarray(_int_power(x, y, dt) if np.dtype(dt).kind in "iub" else np.power(x, y), dtype=dt)
    if graph_needed(exponent):
        node = PowBackward2(edges(exponent))
        node.base = base
        res = result(data, node)
        node.save(exponent if base == 0 else None, SavedOutput(res))
        return res
    return _make(data)


# --- unary ops -------------------------------------------------------------------------------------------
def _unary(input, fn, node_cls=None, save=None, float_op=True):
    """Apply array function ``fn``; record ``node_cls`` saving the ``'input'`` or the ``'output'``."""
    if not isinstance(input, Tensor):
        input = to_tensor(input)
    x = input._data
    if float_op and x.dtype.kind != "f":
        x = x.astype(_dt.get_default_dtype().np_type)
    data = fn(x)
    if node_cls is not None and _gm._State.enabled and input._requires_grad:
        node = node_cls(edges(input))
        res = result(data, node)
        if save == "input":
            node.save(input)
        elif save == "output":
            node.save(SavedOutput(res))
        return res
    return _make(data)


class NegBackward0(Node):
    """d(-x) = -dx."""

    def backward(self, grad):
        return (-grad,)


def neg(input) -> Tensor:
    """``-input``."""
    if input._data.dtype == np.bool_:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. "
            "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return _unary(input, np.negative, NegBackward0, float_op=False)


negative = neg


class AbsBackward0(Node):
    """d|x| = sign(x) dx (zero at 0, as PyTorch)."""

    def backward(self, grad):
        (x,) = self.saved
        return (grad * sign(x),)


def _no_bool(input, kernel: str) -> None:
    if input._data.dtype == np.bool_:
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


def abs(input) -> Tensor:
    """Absolute value."""
    _no_bool(input, "abs_cpu")
    return _unary(input, np.abs, AbsBackward0, "input", float_op=False)


absolute = abs


class SignBackward0(Node):
    """sign is piecewise constant: zero gradient."""

    def backward(self, grad):
        return (_make(np.zeros(grad._data.shape, dtype=grad._data.dtype)),)


def sign(input) -> Tensor:
    """-1, 0 or 1 by the sign of each element."""
    if input._data.dtype == np.bool_:
        return _make(input._data.copy())
    return _unary(input, _sign_array, SignBackward0, float_op=False)


def _sign_array(x: np.ndarray) -> np.ndarray:
    # PyTorch computes (0 < x) - (x < 0): NaN has sign 0.
    out = np.sign(x)
    if x.dtype.kind == "f":
        out = np.asarray(out)
        np.copyto(out, 0, where=np.isnan(out))
    return out


class SgnBackward0(SignBackward0):
    """sgn of a real tensor is sign: zero gradient."""


def sgn(input) -> Tensor:
    """sign, as ``torch.sgn`` (which differs from ``sign`` only for complex numbers)."""
    if input._data.dtype == np.bool_:
        return _make(input._data.copy())
    return _unary(input, _sign_array, SgnBackward0, float_op=False)


class ExpBackward0(Node):
    """d exp(x) = exp(x) dx."""

    def backward(self, grad):
        (res,) = self.saved
        return (grad * res,)


def exp(input) -> Tensor:
    """e ** x."""
    return _unary(input, np.exp, ExpBackward0, "output")


class Exp2Backward0(Node):
    """d 2**x = 2**x log(2) dx."""

    def backward(self, grad):
        (res,) = self.saved
        return (grad * res * math.log(2.0),)


def exp2(input) -> Tensor:
    """2 ** x."""
    return _unary(input, np.exp2, Exp2Backward0, "output")


class Expm1Backward0(Node):
    """d(e**x - 1) = (result + 1) dx."""

    def backward(self, grad):
        (res,) = self.saved
        return (grad * (res + 1),)


def expm1(input) -> Tensor:
    """e ** x - 1, accurate near 0."""
    return _unary(input, np.expm1, Expm1Backward0, "output")


class LogBackward0(Node):
    """d log(x) = dx / x."""

    def backward(self, grad):
        (x,) = self.saved
        return (grad / x,)


def log(input) -> Tensor:
    """Natural logarithm."""
    return _unary(input, np.log, LogBackward0, "input")


class Log2Backward0(Node):
    """d log2(x) = dx / (x log 2)."""

    def backward(self, grad):
        (x,) = self.saved
        return (grad / (x * math.log(2.0)),)


def log2(input) -> Tensor:
    """Base-2 logarithm."""
    return _unary(input, np.log2, Log2Backward0, "input")


class Log10Backward0(Node):
    """d log10(x) = dx / (x log 10)."""

    def backward(self, grad):
        (x,) = self.saved
        return (grad / (x * math.log(10.0)),)


def log10(input) -> Tensor:
    """Base-10 logarithm."""
    return _unary(input, np.log10, Log10Backward0, "input")


class Log1PBackward0(Node):
    """d log(1+x) = dx / (1+x)."""

    def backward(self, grad):
        (x,) = self.saved
        return (grad / (x + 1),)


def log1p(input) -> Tensor:
    """log(1 + x), accurate near 0."""
    return _unary(input, np.log1p, Log1PBackward0, "input")


class SqrtBackward0(Node):
    """d sqrt(x) = dx / (2 sqrt(x))."""

    def backward(self, grad):
        (res,) = self.saved
        return (grad / (res * 2),)


def sqrt(input) -> Tensor:
    """Square root."""
    return _unary(input, np.sqrt, SqrtBackward0, "output")


class RsqrtBackward0(Node):
    """d x**-1/2 = -1/2 x**-3/2 dx."""

    def backward(self, grad):
        (res,) = self.saved
        return (grad * (res * res * res) * -0.5,)


def rsqrt(input) -> Tensor:
    """1 / sqrt(x)."""
    return _unary(input, lambda x: 1 / np.sqrt(x), RsqrtBackward0, "output")


class SinBackward0(Node):
    """d sin(x) = cos(x) dx."""

    def backward(self, grad):
        (x,) = self.saved
        return (grad * cos(x),)


def sin(input) -> Tensor:
    """Sine."""
    return _unary(input, np.sin, SinBackward0, "input")


class CosBackward0(Node):
    """d cos(x) = -sin(x) dx."""

    def backward(self, grad):
        (x,) = self.saved
        return (grad * -sin(x),)


def cos(input) -> Tensor:
    """Cosine."""
    return _unary(input, np.cos, CosBackward0, "input")


class TanBackward0(Node):
    """d tan(x) = (1 + tan(x)**2) dx."""

    def backward(self, grad):
        (res,) = self.saved
        return (grad * (res * res + 1),)


def tan(input) -> Tensor:
    """Tangent."""
    return _unary(input, np.tan, TanBackward0, "output")


class TanhBackward0(Node):
    """d tanh(x) = (1 - tanh(x)**2) dx."""

    def backward(self, grad):
        (res,) = self.saved
        return (grad * (1 - res * res),)


def tanh(input) -> Tensor:
    """Hyperbolic tangent."""
    return _unary(input, np.tanh, TanhBackward0, "output")


class SigmoidBackward0(Node):
    """d sigmoid(x) = s(1-s) dx with s = sigmoid(x)."""

    def backward(self, grad):
        (res,) = self.saved
        return (grad * (res * (1 - res)),)


def _sigmoid_array(x: np.ndarray) -> np.ndarray:
    # 1/(1+e^-x), arranged so neither branch overflows.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def sigmoid(input) -> Tensor:
    """Logistic function 1 / (1 + e**-x)."""
    return _unary(input, _sigmoid_array, SigmoidBackward0, "output")


class ReluBackward0(Node):
    """d relu(x) = dx where the output is positive, else 0 (PyTorch's threshold_backward: a true zero, and the
    gradient passes where the output is NaN)."""

    def backward(self, grad):
        (res,) = self.saved
        if not _gm._State.enabled:
            # A plain backward records nothing: the same selection on the arrays, without the le and where ops.
            return (_make(_zero_where(grad._data, res._data <= 0)),)
        return (where(res <= 0, _zero(grad), grad),)


_INT_OF_SIZE = {1: np.int8, 2: np.int16, 4: np.int32, 8: np.int64}


def _zero_where(x: np.ndarray, drop: np.ndarray) -> np.ndarray:
    """A new array: ``x``, with +0 where ``drop`` is True; ``x`` and ``drop`` of one shape.

    ``np.where(drop, 0, x)`` computes the same, but a scalar operand sends NumPy down a slow loop (19 against 6 µs
    for 64x256 float32). Instead each element's bits are ANDed with a mask that is 0 where dropped and all ones
    where kept, so -0 and NaN stay exactly as they are (``np.maximum(x, 0)`` would turn -0 into +0)."""
    ints = _INT_OF_SIZE[x.itemsize]
    mask = np.asarray(drop).astype(ints)  # 1 where dropped, 0 where kept (asarray: a 0-d comparison gives a scalar)
    mask -= 1  # 0 where dropped, -1 (all bits set) where kept
    np.bitwise_and(mask, x.view(ints), out=mask)
    return mask.view(x.dtype)


def relu(input) -> Tensor:
    """max(x, 0): negative elements become 0; -0 and NaN stay as they are, as in PyTorch."""
    if input._data.dtype == np.bool_:
        raise RuntimeError("Boolean inputs not supported for relu")
    return _unary(input, lambda x: _zero_where(x, x < 0), ReluBackward0, "output", float_op=False)


class ReciprocalBackward0(Node):
    """d(1/x) = -dx / x**2."""

    def backward(self, grad):
        (res,) = self.saved
        return (grad * -(res * res),)


def reciprocal(input) -> Tensor:
    """1 / x."""
    return _unary(input, np.reciprocal, ReciprocalBackward0, "output")


def _zero_grad_node(name: str):
    """Nodes of step-like ops (floor, ceil, …): their gradient is zero wherever it exists."""

    def backward(self, grad):
        return (_make(np.zeros(grad._data.shape, dtype=grad._data.dtype)),)

    return type(name, (Node,), {"backward": backward, "__doc__": f"{name}: piecewise constant, zero gradient."})


FloorBackward0 = _zero_grad_node("FloorBackward0")
CeilBackward0 = _zero_grad_node("CeilBackward0")
RoundBackward0 = _zero_grad_node("RoundBackward0")
RoundBackward1 = _zero_grad_node("RoundBackward1")
TruncBackward0 = _zero_grad_node("TruncBackward0")


def floor(input) -> Tensor:
    """Round down."""
    _no_bool(input, "floor_vml_cpu")
    if input._data.dtype.kind != "f":
        return _make(input._data.copy())
    return _unary(input, np.floor, FloorBackward0)


def ceil(input) -> Tensor:
    """Round up."""
    _no_bool(input, "ceil_vml_cpu")
    if input._data.dtype.kind != "f":
        return _make(input._data.copy())
    return _unary(input, np.ceil, CeilBackward0)


def round(input, *, decimals: int = 0) -> Tensor:
    """Round half to even (``decimals`` places)."""
    _no_bool(input, "round_vml_cpu")
    if input._data.dtype.kind != "f":
        if decimals:
            legacy = _dt.from_numpy(input._data.dtype)._legacy
            raise NotImplementedError(f'"round_cpu" not implemented for \'{legacy}\'')
        return _make(input._data.copy())
    if decimals:
        return _unary(input, lambda x: np.round(x, decimals), RoundBackward1)
    return _unary(input, np.round, RoundBackward0)


def trunc(input) -> Tensor:
    """Round toward zero."""
    _no_bool(input, "trunc_vml_cpu")
    if input._data.dtype.kind != "f":
        return _make(input._data.copy())
    return _unary(input, np.trunc, TruncBackward0)


fix = trunc


class FracBackward0(Node):
    """d(x - trunc(x)) = dx almost everywhere."""

    def backward(self, grad):
        return (grad,)


def frac(input) -> Tensor:
    """x - trunc(x)."""
    return _unary(input, lambda x: x - np.trunc(x), FracBackward0)


def square(input) -> Tensor:
    """x ** 2."""
    return pow(input, 2)


# --- clamp -------------------------------------------------------------------------------------------------
def _zero(grad: Tensor) -> Tensor:
    return _make(np.zeros((), dtype=grad._data.dtype))


class ClampBackward1(Node):
    """Number bounds: the gradient passes where min <= x <= max (the bounds themselves included)."""

    def backward(self, grad):
        (x,) = self.saved
        lo, hi = self.min, self.max
        if lo is not None and hi is not None:
            mask = (x >= lo) & (x <= hi)
        elif lo is not None:
            mask = x >= lo
        else:
            mask = x <= hi
        return (where(mask, grad, _zero(grad)),)


class ClampMinBackward0(Node):
    """``clamp_min(x, number)``: the gradient passes where x >= min."""

    def backward(self, grad):
        (x,) = self.saved
        return (where(x >= self.min, grad, _zero(grad)),)


class ClampMaxBackward0(Node):
    """``clamp_max(x, number)``: the gradient passes where x <= max."""

    def backward(self, grad):
        (x,) = self.saved
        return (where(x <= self.max, grad, _zero(grad)),)


class ClampBackward0(Node):
    """Tensor bounds (PyTorch's clamp_backward_min_max): x gets the gradient where lo <= x <= hi, lo where
    x < lo < hi, hi where x > hi or hi < lo (with lo > hi the result is hi everywhere)."""

    def backward(self, grad):
        x, lo, hi = self.saved
        zero = _zero(grad)
        gx = glo = ghi = None
        if lo is not None and hi is not None:
            if _needs(self, 0):
                gx = where((x >= lo) & (x <= hi), grad, zero)
            if _needs(self, 1):
                glo = where((x < lo) & (lo < hi), grad, zero)
            if _needs(self, 2):
                ghi = where((x > hi) | (hi < lo), grad, zero)
        elif lo is not None:
            gx = where(x >= lo, grad, zero) if _needs(self, 0) else None
            glo = where(x < lo, grad, zero) if _needs(self, 1) else None
        else:
            gx = where(x <= hi, grad, zero) if _needs(self, 0) else None
            ghi = where(x > hi, grad, zero) if _needs(self, 2) else None
        return (None if gx is None else sum_to(gx, x._data.shape, x._data.dtype),
                None if glo is None else sum_to(glo, lo._data.shape, lo._data.dtype),
                None if ghi is None else sum_to(ghi, hi._data.shape, hi._data.dtype))


class ClampMinBackward1(Node):
    """``clamp_min(x, tensor)``: x gets the gradient where x >= min, min where x < min."""

    def backward(self, grad):
        x, lo = self.saved
        zero = _zero(grad)
        keep = x >= lo
        gx = sum_to(where(keep, grad, zero), x._data.shape, x._data.dtype) if _needs(self, 0) else None
        glo = sum_to(where(keep, zero, grad), lo._data.shape, lo._data.dtype) if _needs(self, 1) else None
        return gx, glo


class ClampMaxBackward1(Node):
    """``clamp_max(x, tensor)``: x gets the gradient where x <= max, max where x > max."""

    def backward(self, grad):
        x, hi = self.saved
        zero = _zero(grad)
        keep = x <= hi
        gx = sum_to(where(keep, grad, zero), x._data.shape, x._data.dtype) if _needs(self, 0) else None
        ghi = sum_to(where(keep, zero, grad), hi._data.shape, hi._data.dtype) if _needs(self, 1) else None
        return gx, ghi


def _clamp_tensor_data(input, lo, hi) -> np.ndarray:
    """min(max(x, lo), hi) over broadcast tensors, in PyTorch's promoted dtype (NaN propagates)."""
    dt = _dt.result_type(*(t for t in (input, lo, hi) if t is not None)).np_type
    data = input._data.astype(dt, copy=False)
    try:
        if lo is not None:
            data = np.maximum(data, lo._data.astype(dt, copy=False))
        if hi is not None:
            data = np.minimum(data, hi._data.astype(dt, copy=False))
    except ValueError:
        for bound in (lo, hi):
            if bound is not None:
                try:
                    np.broadcast_shapes(input._data.shape, bound._data.shape)
                except ValueError:
                    raise broadcast_error(input._data.shape, bound._data.shape) from None
        raise
    return data


def _clamp_scalar_data(input, lo, hi) -> np.ndarray:
    x = input._data
    dt = _dt.result_type(input, *(v for v in (lo, hi) if v is not None)).np_type
    if dt != x.dtype:
        x = x.astype(dt)
    data = np.clip(x, lo, hi)
    return data if data.dtype == dt else data.astype(dt)


def clamp(input, min=None, max=None, *, out=None) -> Tensor:
    """Limit values to ``[min, max]`` (either bound may be None, a number or a tensor)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        lo = None if min is None else to_tensor(min)
        hi = None if max is None else to_tensor(max)
        data = _clamp_tensor_data(input, lo, hi)
        if graph_needed(input, lo, hi):
            node = ClampBackward0(edges(input, lo, hi))
            node.save(input, lo, hi)
            return _out(result(data, node), out)
        return _out(_make(data), out)
    data = _clamp_scalar_data(input, min, max)
    if _gm._State.enabled and input._requires_grad:
        node = ClampBackward1(edges(input))
        node.min, node.max = min, max
        node.save(input)
        return _out(result(data, node), out)
    return _out(_make(data), out)


clip = clamp


def clamp_min(input, min) -> Tensor:
    """``max(input, min)`` elementwise (``min`` a number or a tensor)."""
    if isinstance(min, Tensor):
        data = _clamp_tensor_data(input, min, None)
        if graph_needed(input, min):
            node = ClampMinBackward1(edges(input, min))
            node.save(input, min)
            return result(data, node)
        return _make(data)
    data = _clamp_scalar_data(input, min, None)
    if _gm._State.enabled and input._requires_grad:
        node = ClampMinBackward0(edges(input))
        node.min = min
        node.save(input)
        return result(data, node)
    return _make(data)


def clamp_max(input, max) -> Tensor:
    """``min(input, max)`` elementwise (``max`` a number or a tensor)."""
    if isinstance(max, Tensor):
        data = _clamp_tensor_data(input, None, max)
        if graph_needed(input, max):
            node = ClampMaxBackward1(edges(input, max))
            node.save(input, max)
            return result(data, node)
        return _make(data)
    data = _clamp_scalar_data(input, None, max)
    if _gm._State.enabled and input._requires_grad:
        node = ClampMaxBackward0(edges(input))
        node.max = max
        node.save(input)
        return result(data, node)
    return _make(data)


# --- maximum / minimum / where ----------------------------------------------------------------------------
class MaximumBackward0(Node):
    """The gradient goes to the larger input, half to each on ties, and to both where a NaN is involved."""

    def backward(self, grad):
        a, b = self.saved
        return _max_min_grads(self, grad, a, b, a < b, a > b)


class MinimumBackward0(Node):
    """The gradient goes to the smaller input, half to each on ties, and to both where a NaN is involved."""

    def backward(self, grad):
        a, b = self.saved
        return _max_min_grads(self, grad, a, b, a > b, a < b)


def _max_min_grads(node, grad, a, b, a_loses, b_loses):
    # PyTorch: where(a == b, grad / 2, grad).masked_fill_(loser, 0) for each input.
    shared = where(a == b, grad / 2, grad)
    zero = _zero(grad)
    ga = sum_to(where(a_loses, zero, shared), node.a_shape, node.a_dtype) if _needs(node, 0) else None
    gb = sum_to(where(b_loses, zero, shared), node.b_shape, node.b_dtype) if _needs(node, 1) else None
    return ga, gb


def maximum(input, other) -> Tensor:
    """Element-wise maximum (NaN propagates)."""
    data = _binary(np.maximum, input, other)
    if graph_needed(input, other):
        node = MaximumBackward0(edges(input, other))
        _meta(node, input, other, data)
        node.save(input, other)
        return result(data, node)
    return _make(data)


def minimum(input, other) -> Tensor:
    """Element-wise minimum (NaN propagates)."""
    data = _binary(np.minimum, input, other)
    if graph_needed(input, other):
        node = MinimumBackward0(edges(input, other))
        _meta(node, input, other, data)
        node.save(input, other)
        return result(data, node)
    return _make(data)


class FmaxBackward0(Node):
    """fmax: the gradient goes to a where a >= b or b is NaN, else to b (ties go to a)."""

    def backward(self, grad):
        a, b = self.saved
        return _fmax_fmin_grads(self, grad, (a >= b) | isnan(b))


class FminBackward0(Node):
    """fmin: the gradient goes to a where a <= b or b is NaN, else to b (ties go to a)."""

    def backward(self, grad):
        a, b = self.saved
        return _fmax_fmin_grads(self, grad, (a <= b) | isnan(b))


def _fmax_fmin_grads(node, grad, a_wins):
    zero = _zero(grad)
    ga = sum_to(where(a_wins, grad, zero), node.a_shape, node.a_dtype) if _needs(node, 0) else None
    gb = sum_to(where(a_wins, zero, grad), node.b_shape, node.b_dtype) if _needs(node, 1) else None
    return ga, gb


def _fmax_fmin(ufunc, node_cls, input, other) -> Tensor:
    data = _binary(ufunc, input, other)
    if graph_needed(input, other):
        node = node_cls(edges(input, other))
        _meta(node, input, other, data)
        node.save(input, other)
        return result(data, node)
    return _make(data)


def fmax(input, other) -> Tensor:
    """Element-wise maximum ignoring NaN."""
    return _fmax_fmin(np.fmax, FmaxBackward0, input, other)


def fmin(input, other) -> Tensor:
    """Element-wise minimum ignoring NaN."""
    return _fmax_fmin(np.fmin, FminBackward0, input, other)


class WhereBackward0(Node):
    """The gradient flows to ``x`` where the condition holds and to ``y`` elsewhere."""

    def backward(self, grad):
        (cond,) = self.saved
        zero = _make(np.zeros((), dtype=grad._data.dtype))
        gx = sum_to(where(cond, grad, zero), self.a_shape, self.a_dtype) if _needs(self, 0) else None
        gy = sum_to(where(cond, zero, grad), self.b_shape, self.b_dtype) if _needs(self, 1) else None
        return gx, gy


def where(condition, input=None, other=None) -> Tensor:
    """Pick ``input`` where ``condition`` is True, else ``other``; one argument: ``nonzero`` as a tuple."""
    if input is None and other is None:
        from .indexing import nonzero

        return nonzero(condition, as_tuple=True)
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{_dt.from_numpy(cond.dtype)._legacy}")
    x, y, dt = operands(input, other)
    try:
        data = np.where(cond, x, y)
    except ValueError:
        raise _first_broadcast_error(cond.shape, _shape(input), _shape(other)) from None
    if data.dtype != dt:
        data = data.astype(dt)
    if graph_needed(input, other):
        node = WhereBackward0(edges(input, other))
        _meta(node, input, other, data)
        node.save(_make(cond))
        return result(data, node)
    return _make(data)


# --- comparisons and logic (no gradient) -----------------------------------------------------------------
def _compare(ufunc, identity_fallback: bool = False):
    def op(input, other) -> Tensor:
        if identity_fallback and (other is None or isinstance(other, (str, bytes))):
            return NotImplemented  # ``t == None`` is False, ``t != None`` True, as for PyTorch tensors
        return _make(np.asarray(_binary(ufunc, input, other)))

    return op


eq = _compare(np.equal, True)
ne = not_equal = _compare(np.not_equal, True)
lt = less = _compare(np.less)
le = less_equal = _compare(np.less_equal)
gt = greater = _compare(np.greater)
ge = greater_equal = _compare(np.greater_equal)
for _f, _n in ((eq, "eq"), (ne, "ne"), (lt, "lt"), (le, "le"), (gt, "gt"), (ge, "ge")):
    _f.__name__ = _n
    _f.__doc__ = f"Element-wise ``{_n}`` comparison, a bool tensor."


def equal(input, other) -> bool:
    """True when both tensors have the same shape and values."""
    return input._data.shape == other._data.shape and bool(np.array_equal(input._data, other._data))


def logical_not(input) -> Tensor:
    """Element-wise NOT (bool result)."""
    return _make(np.logical_not(input._data))


def _logical(ufunc, input, other) -> Tensor:
    x, y = _data_of(input), _data_of(other)
    try:
        return _make(ufunc(x, y))
    except ValueError:
        raise broadcast_error(x.shape, y.shape) from None


def logical_and(input, other) -> Tensor:
    """Element-wise AND (bool result)."""
    return _logical(np.logical_and, input, other)


def logical_or(input, other) -> Tensor:
    """Element-wise OR (bool result)."""
    return _logical(np.logical_or, input, other)


def logical_xor(input, other) -> Tensor:
    """Element-wise XOR (bool result)."""
    return _logical(np.logical_xor, input, other)


def _first_broadcast_error(*shapes) -> RuntimeError:
    """PyTorch's message for the first of several shapes that does not broadcast with those before it."""
    acc = ()
    for shape in shapes:
        try:
            acc = np.broadcast_shapes(acc, shape)
        except ValueError:
            return broadcast_error(acc, shape)
    return broadcast_error(acc, acc)


def _data_of(x):
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _bitwise(ufunc, name):
    def op(input, other) -> Tensor:
        x, y, dt = operands(input, other)
        if np.dtype(dt).kind == "f":
            raise RuntimeError(f"\"{name}_cpu\" not implemented for 'Float'")
        return _make(np.asarray(ufunc(x, y), dtype=dt))

    op.__name__ = name
    op.__doc__ = f"Element-wise {name} of integer or bool tensors."
    return op


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor")


def bitwise_not(input) -> Tensor:
    """``~x``: logical NOT for bool tensors, bit inversion for integers."""
    if input._data.dtype.kind == "f":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return _make(np.invert(input._data))


def isnan(input) -> Tensor:
    """True where the value is NaN."""
    return _make(np.isnan(input._data))


def isinf(input) -> Tensor:
    """True where the value is +-inf."""
    return _make(np.isinf(input._data))


def isfinite(input) -> Tensor:
    """True where the value is neither inf nor NaN."""
    return _make(np.isfinite(input._data))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> Tensor:
    """Element-wise closeness test."""
    return _make(np.isclose(input._data, _data_of(other), rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    """True when every element is close."""
    return bool(np.allclose(input._data, _data_of(other), rtol=rtol, atol=atol, equal_nan=equal_nan))


def _out(res: Tensor, out) -> Tensor:
    # ``out=`` writes into an existing tensor (no graph, as PyTorch refuses out= with grad anyway).
    if out is None:
        return res
    if res._requires_grad and _gm._State.enabled:
        raise RuntimeError(
            f"{res.grad_fn.name()[:-9].lower()}(): functions with out=... arguments don't support automatic "
            "differentiation, but one of the arguments requires grad."
        )
    rdt, odt = _dt.from_numpy(res._data.dtype), _dt.from_numpy(out._data.dtype)
    if rdt._category > odt._category:
        raise RuntimeError(f"result type {rdt._legacy} can't be cast to the desired output type {odt._legacy}")
    if out._data.shape != res._data.shape:
        if out._data.size:
            import warnings

            warnings.warn(
                f"An output with one or more elements was resized since it had shape {list(out._data.shape)}, which "
                f"does not match the required output shape {list(res._data.shape)}. This behavior is deprecated, and "
                "in a future PyTorch release outputs will not be resized unless they have zero elements. You can "
                "explicitly reuse an out tensor t by resizing it, inplace, to zero elements with t.resize_(0).",
                UserWarning, stacklevel=3,
            )
        out._data = np.empty(res._data.shape, dtype=out._data.dtype)
    np.copyto(out._data, res._data, casting="unsafe")
    out._vbox[0] += 1
    return out
