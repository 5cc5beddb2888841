"""Neural-network ops: activations, softmax/log_softmax, losses, linear, dropout.

Ops that PyTorch shows as one node (``mse_loss`` → MseLossBackward0, ``linear`` → AddmmBackward0,
``softmax`` → SoftmaxBackward0, ``nll_loss`` → NllLossBackward0) are one node here too, with their
derivative beside their forward. ``numtorch.nn.functional`` is the public face of this module.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import dtypes as _dt
from ..autograd import grad_mode as _gm
from ..autograd.graph import Node, SavedOutput
from ..tensor import Tensor, _wrap_dim
from ._helpers import _make, broadcast_error, edges, graph_needed, result, sum_to, to_tensor
from .linalg import addmm, matmul
from .reduction import mean_all
from .shape import expand, reshape
from .shape import t as _t

_REDUCTIONS = ("none", "mean", "sum")


def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _reduce_array(x: np.ndarray, reduction: str) -> np.ndarray:
    if reduction == "mean":
        return mean_all(x) if x.size else np.asarray(x.mean(dtype=x.dtype))
    if reduction == "sum":
        return np.asarray(x.sum(dtype=x.dtype))
    return x


def _expand_reduced(grad: Tensor, shape: tuple, reduction: str, n: int) -> Tensor:
    """The per-element gradient of a reduced loss."""
    if reduction == "mean":
        return expand(grad / n, shape) if n else expand(grad, shape)
    if reduction == "sum":
        return expand(grad, shape)
    return grad


def _legacy_reduction(size_average, reduce, reduction: str) -> str:
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


# --- mse_loss ---------------------------------------------------------------------------------------------
class MseLossBackward0(Node):
    """d mean((x - y)**2) = 2 (x - y) / n dx, and the negative for y."""

    def backward(self, grad):
        x, y = self.saved
        xd, yd = x._data, y._data
        if not _gm._State.enabled and xd.dtype is yd.dtype is grad._data.dtype:
            # No graph to build (a plain backward): the same three products on the arrays, the same roundings,
            # without three numtorch ops' bookkeeping on what is usually a tiny tensor.
            diff = xd - yd
            n = diff.size
            g = diff * (2.0 / n if self.reduction == "mean" and n else 2.0) * grad._data
            gx = sum_to(_make(g), xd.shape) if self.next_functions[0][0] is not None else None
            gy = sum_to(_make(-g), yd.shape) if self.next_functions[1][0] is not None else None
            return gx, gy
        diff = x - y
        n = diff._data.size
        # PyTorch's kernel: norm * (x - y) * grad, with norm = 2/n (mean) or 2, rounded to the input's type;
        # a reduced gradient broadcasts over diff in the product.
        g = diff * (2.0 / n if self.reduction == "mean" and n else 2.0) * grad
        gx = sum_to(g, x._data.shape) if self.next_functions[0][0] is not None else None
        gy = sum_to(-g, y._data.shape) if self.next_functions[1][0] is not None else None
        return gx, gy


def mse_loss(input, target, size_average=None, reduce=None, reduction: str = "mean", weight=None) -> Tensor:
    """Mean squared error ``mean((input - target)**2)`` (``reduction``: 'mean', 'sum' or 'none')."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, reduction)
    if input._data.shape != target._data.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
            "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            UserWarning, stacklevel=2,
        )
    if reduction not in _REDUCTIONS:
        _check_reduction(reduction)
    x, y = input._data, target._data
    if x.dtype != y.dtype:
        rt = _dt.promote_types(input.dtype, target.dtype).np_type
        x, y = x.astype(rt, copy=False), y.astype(rt, copy=False)
    try:
        diff = x - y
    except ValueError:
        raise broadcast_error(x.shape, y.shape) from None
    sq = diff * diff
    if weight is not None:
        sq = sq * weight._data
    data = _reduce_array(sq, reduction)
    if graph_needed(input, target):
        node = MseLossBackward0(edges(input, target))
        node.reduction = reduction
        node.save(input, target)
        return result(data, node)
    return _make(data)


# --- linear -----------------------------------------------------------------------------------------------
def linear(input, weight, bias=None) -> Tensor:
    """``input @ weight.T + bias``, recorded as PyTorch records it (AddmmBackward0 for 2-d input)."""
    x = input._data
    if x.ndim == 2 and bias is not None:
        return addmm(bias, input, _t(weight))
    if bias is None:
        return matmul(input, _t(weight))
    if x.ndim == 0:
        raise RuntimeError("both arguments to linear need to be at least 1D, but they are 0D and 2D")
    w = weight._data
    if x.shape[-1] != w.shape[-1]:
        rows = int(np.prod(x.shape[:-1])) if x.ndim > 1 else 1
        from ..hints import matmul_note

        raise matmul_note(RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{x.shape[-1]} and {w.shape[1]}x{w.shape[0]})"
        ), x.shape, w.shape[::-1])
    lead = x.shape[:-1]
    flat = reshape(input, (-1, x.shape[-1]))
    out = addmm(bias, flat, _t(weight))
    return reshape(out, lead + (w.shape[0],))


def bilinear(input1, input2, weight, bias=None) -> Tensor:
    """``x1^T W x2 + b`` for each output feature."""
    from .linalg import einsum

    out = einsum("bi,oij,bj->bo", input1, weight, input2)
    return out + bias if bias is not None else out


# --- softmax family -----------------------------------------------------------------------------------------
def _softmax_dim(ndim: int, stacklevel: int = 3) -> int:
    warnings.warn(
        "Implicit dimension choice for softmax has been deprecated. Change the call to include dim=X as an argument.",
        UserWarning, stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


class SoftmaxBackward0(Node):
    """d softmax = s * (g - sum(g * s))."""

    def backward(self, grad):
        (res,) = self.saved
        from .reduction import sum as _sum

        return (res * (grad - _sum(grad * res, self.dim, keepdim=True)),)


def _row_max(x: np.ndarray, axis: int) -> np.ndarray:
    """The max along ``axis`` to shift by before exp, with infinite or NaN maxima replaced by 0 (a row of -inf stays
    -inf - 0 instead of becoming NaN). The ufunc's own reduce, without np.max's Python layer; the replacement runs
    only when the maxima do not add up to a finite number, which they almost always do (one small reduction
    instead of isfinite and where on every call)."""
    m = np.maximum.reduce(x, axis=axis, keepdims=True)
    if not np.isfinite(np.add.reduce(m, axis=None)):
        m = np.where(np.isfinite(m), m, 0)
    return m


def _softmax_array(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - _row_max(x, axis)) if x.size else np.exp(x)
    return e / np.add.reduce(e, axis=axis, keepdims=True)


def softmax(input, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``."""
    x = input._data
    if dtype is not None:
        x = x.astype(_dt.as_dtype(dtype).np_type)
    if x.dtype.kind != "f":
        raise RuntimeError('"softmax_lastdim_kernel_impl" not implemented for \'Long\'')
    if dim is None:
        dim = _softmax_dim(x.ndim, _stacklevel)
    axis = _wrap_dim(dim, x.ndim)
    data = _softmax_array(x, axis) if x.ndim else np.ones_like(x)
    if _gm._State.enabled and input._requires_grad:
        node = SoftmaxBackward0(edges(input))
        node.dim = axis if x.ndim else None
        res = result(data, node)
        node.save(SavedOutput(res))
        return res
    return _make(data)


class LogSoftmaxBackward0(Node):
    """d log_softmax = g - softmax * sum(g)."""

    def backward(self, grad):
        (res,) = self.saved
        if not _gm._State.enabled:
            # No graph to build (a plain backward): the same formula on the arrays, the same roundings, without
            # four numtorch ops' bookkeeping on what is usually a small (batch, classes) array.
            g = grad._data
            keep = self.dim is not None
            return (_make(g - np.exp(res._data) * np.add.reduce(g, axis=self.dim, dtype=g.dtype, keepdims=keep)),)
        from .pointwise import exp
        from .reduction import sum as _sum

        return (grad - exp(res) * _sum(grad, self.dim, keepdim=True),)


def _log_softmax_array(x: np.ndarray, axis: int) -> np.ndarray:
    shifted = x - _row_max(x, axis) if x.size else x
    return shifted - np.log(np.add.reduce(np.exp(shifted), axis=axis, keepdims=True))


def log_softmax(input, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """log(softmax(x)) along ``dim``, computed stably."""
    x = input._data
    if dtype is not None:
        x = x.astype(_dt.as_dtype(dtype).np_type)
    if dim is None:
        dim = _softmax_dim(x.ndim, _stacklevel)
    axis = _wrap_dim(dim, x.ndim)
    data = _log_softmax_array(x, axis) if x.ndim else np.zeros_like(x)
    if _gm._State.enabled and input._requires_grad:
        node = LogSoftmaxBackward0(edges(input))
        node.dim = axis if x.ndim else None
        res = result(data, node)
        node.save(SavedOutput(res))
        return res
    return _make(data)


def softmin(input, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(-x)."""
    return softmax(-input, dim, _stacklevel + 1, dtype)


# --- nll_loss / cross_entropy ----------------------------------------------------------------------------
class NllLossBackward0(Node):
    """d nll = -weight[target] / total_weight at the target class, zero elsewhere."""

    valid = None  # where some samples are ignored: the mask of the counted ones

    def backward(self, grad):
        coeff = self.coeff  # ndarray of per-sample factors, zero for ignored samples
        # PyTorch writes nothing for an ignored sample: its row stays +0 (-0 * grad would print as -0.).
        if not _gm._State.enabled:
            # No graph to build: write grad * -coeff straight into a zero array (what the scatter below does,
            # value for value) instead of going through expand, mul and scatter.
            g = np.zeros(self.shape, dtype=coeff.dtype)
            values = grad._data * -coeff
            _put_values(g, self.target, values if self.valid is None else np.where(self.valid, values, 0))
            return (_make(g),)
        scale = grad if self.reduction == "none" else expand(grad, coeff.shape)
        values = scale * _make(-coeff)
        if self.valid is not None:
            from .pointwise import where

            values = where(_make(self.valid), values, _make(np.zeros((), dtype=coeff.dtype)))
        return (_put_along_class(_make(np.zeros(self.shape, dtype=coeff.dtype)), self.target, values),)


def _put_along_class(zeros: Tensor, target: np.ndarray, values: Tensor) -> Tensor:
    from .indexing import scatter
    from .shape import unsqueeze

    return scatter(zeros, 1, _make(np.expand_dims(target, 1).astype(np.int64, copy=False)), unsqueeze(values, 1))


def _put_values(out: np.ndarray, target: np.ndarray, values: np.ndarray) -> None:
    """``out[i, target[i], ...] = values[i, ...]`` (values broadcast to target's shape), in place."""
    if out.ndim == 2:
        out[np.arange(out.shape[0]), target] = values
    else:
        np.put_along_axis(out, np.expand_dims(target, 1), np.expand_dims(np.broadcast_to(values, target.shape), 1),
                          axis=1)


def _pick(x: np.ndarray, target: np.ndarray) -> np.ndarray:
    """``x[i, target[i], ...]``: each sample's entry for its class (``target`` holds valid classes only)."""
    if x.ndim == 2:
        return x[np.arange(x.shape[0]), target]
    return np.take_along_axis(x, np.expand_dims(target, 1), axis=1).squeeze(1)


def nll_loss(input, target, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of ``target`` classes under log-probabilities ``input`` (N, C, ...)."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in _REDUCTIONS:
        _check_reduction(reduction)
    x, t = input._data, target._data
    if x.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {x.ndim})")
    if x.ndim == 1:
        # (C,) input with a 0-d target: a batch of one.
        out = nll_loss(input.unsqueeze(0), target.reshape(1), weight, None, ignore_index, None, reduction)
        return out.squeeze(0) if reduction == "none" else out
    if x.shape[0] != t.shape[0]:
        raise ValueError(f"Expected input batch_size ({x.shape[0]}) to match target batch_size ({t.shape[0]}).")
    if t.dtype.kind not in "iu":
        raise RuntimeError(f"expected scalar type Long but found {_dt.from_numpy(t.dtype)._legacy}")
    n_classes = x.shape[1]
    valid = t != ignore_index
    all_valid = valid.all()
    if t.size and (t.min() < 0 or t.max() >= n_classes):  # two reductions; the full test only when needed
        bad = valid & ((t < 0) | (t >= n_classes))
        if bad.any():
            raise IndexError(f"Target {int(t[bad].reshape(-1)[0])} is out of bounds.")
    # Ignored samples read class 0 with a zero factor (backward writes nothing for them). A copy either way:
    # the node keeps it, and the caller may change ``target`` before backward.
    safe_t = t.copy() if all_valid else np.where(valid, t, 0)
    picked = _pick(x, safe_t)
    if weight is None:
        wt = valid.astype(x.dtype)  # 1 for a counted sample, 0 for an ignored one
    else:
        wt = np.where(valid, weight._data.astype(x.dtype)[safe_t], 0).astype(x.dtype)
    losses = -picked * wt
    if reduction == "none":
        data, coeff = losses, wt
    elif reduction == "sum":
        data, coeff = np.asarray(losses.sum(dtype=x.dtype)), wt
    else:
        total = wt.sum(dtype=x.dtype)
        data = np.asarray(losses.sum(dtype=x.dtype) / total, dtype=x.dtype)
        coeff = (wt / total).astype(x.dtype) if total else np.full_like(wt, np.nan)
    if _gm._State.enabled and input._requires_grad:
        node = NllLossBackward0(edges(input))
        node.coeff, node.shape, node.target, node.reduction = coeff, x.shape, safe_t, reduction
        if not all_valid:
            node.valid = valid
        return result(np.asarray(data, dtype=x.dtype), node)
    return _make(np.asarray(data, dtype=x.dtype))


def cross_entropy(input, target, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """``nll_loss(log_softmax(input, 1), target)``; also accepts class probabilities as ``target``."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    class_dim = 0 if input._data.ndim == 1 else 1
    logp = log_softmax(input, class_dim)
    if target._data.dtype.kind == "f":
        return _cross_entropy_probs(logp, target, weight, reduction, label_smoothing, class_dim)
    loss = nll_loss(logp, target, weight, None, ignore_index, None, reduction)
    if label_smoothing <= 0:
        return loss
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    from .reduction import sum as _sum

    n_classes = input._data.shape[class_dim]
    per_class = -logp if weight is None else -logp * _class_view(weight, input._data.ndim, class_dim)
    smooth = _sum(per_class, class_dim)
    valid = _make(np.asarray(target._data != ignore_index))
    smooth = smooth * valid
    if reduction == "mean":
        if weight is None:
            smooth = _sum(smooth) / float(valid._data.sum())
        else:
            tw = np.where(valid._data, weight._data[np.where(valid._data, target._data, 0)], 0).sum()
            smooth = _sum(smooth) / float(tw)
    elif reduction == "sum":
        smooth = _sum(smooth)
    return loss * (1 - label_smoothing) + smooth * (label_smoothing / n_classes)


def _class_view(weight: Tensor, ndim: int, class_dim: int) -> Tensor:
    shape = [1] * ndim
    shape[class_dim] = -1
    return weight.reshape(shape)


def _cross_entropy_probs(logp, target, weight, reduction, label_smoothing, class_dim) -> Tensor:
    from .reduction import sum as _sum

    if logp._data.shape != target._data.shape:
        raise RuntimeError(
            f"Expected target size {list(logp._data.shape[:1] + logp._data.shape[2:])}, got {list(target.shape)}"
        )
    n_classes = logp._data.shape[class_dim]
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / n_classes
    prod = logp * target
    if weight is not None:
        prod = prod * _class_view(weight, logp._data.ndim, class_dim)
    losses = -_sum(prod, class_dim)
    if reduction == "mean":
        n = logp._data.size // n_classes
        return _sum(losses) / n
    if reduction == "sum":
        return _sum(losses)
    return losses


# --- binary cross entropy ----------------------------------------------------------------------------------
class BinaryCrossEntropyBackward0(Node):
    """d bce = (p - y) / max(p (1 - p), eps) * w dp."""

    def backward(self, grad):
        p, y, w = self.saved
        from .pointwise import clamp

        denom = clamp((1 - p) * p, min=1e-12)
        g = _expand_reduced(grad, p._data.shape, self.reduction, p._data.size) * (p - y) / denom
        if w is not None:
            g = g * w
        gy = None
        if self.next_functions[1][0] is not None:
            from .pointwise import log

            gy = _expand_reduced(grad, p._data.shape, self.reduction, p._data.size) * \
                (log(clamp(1 - p, min=1e-12)) - log(clamp(p, min=1e-12)))
            if w is not None:
                gy = gy * w
        return g, gy


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """-(y log p + (1 - y) log(1 - p)), each log clamped at -100 as PyTorch does."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    p, y = input._data, target._data
    if p.shape != y.shape:
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}) is deprecated. "
            "Please ensure they have the same size."
        )
    if p.size and ((p < 0).any() or (p > 1).any()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    log_p = np.maximum(np.log(p), -100)
    log_1p = np.maximum(np.log1p(-p), -100)
    loss = -(y * log_p + (1 - y) * log_1p)
    if weight is not None:
        loss = loss * weight._data
    data = np.asarray(_reduce_array(loss.astype(p.dtype, copy=False), reduction), dtype=p.dtype)
    if graph_needed(input, target):
        node = BinaryCrossEntropyBackward0(edges(input, target))
        node.reduction = reduction
        node.save(input, target, weight)
        return result(data, node)
    return _make(data)


class BinaryCrossEntropyWithLogitsBackward0(Node):
    """d bce_logits = (sigmoid(x) (1 + (pw - 1) y) - pw y) * w dx."""

    def backward(self, grad):
        x, y, w, pw = self.saved
        from .pointwise import sigmoid

        g = _expand_reduced(grad, x._data.shape, self.reduction, x._data.size)
        s = sigmoid(x)
        if pw is not None:
            d = s * (1 + (pw - 1) * y) - pw * y
        else:
            d = s - y
        gx = g * d
        if w is not None:
            gx = gx * w
        gy = None
        if self.next_functions[1][0] is not None:
            # d/dy [(1 - y) x + (1 + (pw - 1) y) softplus(-x)] = -x + (pw - 1) softplus(-x)
            gy = -g * x if pw is None else g * (-x + (pw - 1) * softplus(-x))
            if w is not None:
                gy = gy * w
        return sum_to(gx, x._data.shape), gy


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction: str = "mean", pos_weight=None) -> Tensor:
    """BCE on logits, computed stably (no sigmoid overflow); ``pos_weight`` weighs positive examples."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    x, y = input._data, target._data
    if x.shape != y.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    # log(1 + e^-|x|) + max(-x, 0): the usual stable form.
    log_sig_neg = np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)  # -log(sigmoid(x))
    if pos_weight is not None:
        lw = 1 + (pos_weight._data - 1) * y
        loss = (1 - y) * x + lw * log_sig_neg
    else:
        loss = (1 - y) * x + log_sig_neg
    if weight is not None:
        loss = loss * weight._data
    data = np.asarray(_reduce_array(loss.astype(x.dtype, copy=False), reduction), dtype=x.dtype)
    if graph_needed(input, target):
        node = BinaryCrossEntropyWithLogitsBackward0(edges(input, target))
        node.reduction = reduction
        node.save(input, target, weight, pos_weight)
        return result(data, node)
    return _make(data)


def l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """mean(|input - target|), recorded as PyTorch does (MeanBackward0 over AbsBackward0)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if input._data.shape != target._data.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
            "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            UserWarning, stacklevel=2,
        )
    loss = (input - target).abs()
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


# --- activations --------------------------------------------------------------------------------------------
class LeakyReluBackward0(Node):
    """d leaky_relu = 1 for x > 0, slope otherwise."""

    def backward(self, grad):
        (x,) = self.saved
        from .pointwise import where

        return (where(x > 0, grad, grad * self.slope),)


def leaky_relu(input, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, ``negative_slope * x`` otherwise."""
    x = input._data
    data = np.where(x > 0, x, x * negative_slope).astype(x.dtype, copy=False)
    if _gm._State.enabled and input._requires_grad:
        node = LeakyReluBackward0(edges(input))
        node.slope = negative_slope
        node.save(input)
        return result(data, node)
    return _make(data)


class EluBackward0(Node):
    """d elu = 1 for x > 0, alpha * e^x (= result + alpha) otherwise (scaled for SELU/CELU)."""

    def backward(self, grad):
        (x,) = self.saved
        from .pointwise import exp, where

        a, s, ins = self.alpha, self.scale, self.input_scale
        return (where(x > 0, grad * s, grad * (exp(x * ins) * (a * s * ins))),)


def _elu_array(x, alpha, scale, input_scale):
    return np.where(x > 0, x * scale, np.expm1(x * input_scale) * (alpha * scale)).astype(x.dtype, copy=False)


def elu(input, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, ``alpha * (e^x - 1)`` otherwise."""
    return _elu_like(input, alpha, 1.0, 1.0, EluBackward0)


class SeluBackward0(EluBackward0):
    """SELU: ELU with fixed alpha and scale."""


class CeluBackward0(EluBackward0):
    """CELU: ELU with input scaled by 1/alpha."""


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace: bool = False) -> Tensor:
    """Self-normalising ELU."""
    return _elu_like(input, _SELU_ALPHA, _SELU_SCALE, 1.0, EluBackward0)


def celu(input, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``max(0, x) + min(0, alpha * (e^(x/alpha) - 1))``."""
    return _elu_like(input, alpha, 1.0, 1.0 / alpha, CeluBackward0)


def _elu_like(input, alpha, scale, input_scale, cls):
    x = input._data
    data = _elu_array(x, alpha, scale, input_scale)
    if _gm._State.enabled and input._requires_grad:
        node = cls(edges(input))
        node.alpha, node.scale, node.input_scale = alpha, scale, input_scale
        node.save(input)
        return result(data, node)
    return _make(data)


_erf = np.frompyfunc(math.erf, 1, 1)


def _erf_array(x: np.ndarray) -> np.ndarray:
    return _erf(x.astype(np.float64)).astype(x.dtype)


class GeluBackward0(Node):
    """d gelu: Phi(x) + x phi(x) (exact), or the tanh approximation's derivative."""

    def backward(self, grad):
        (x,) = self.saved
        from .pointwise import exp, tanh

        if self.approximate == "tanh":
            k = math.sqrt(2.0 / math.pi)
            inner = (x + x * x * x * 0.044715) * k
            t = tanh(inner)
            d = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x)
            return (grad * d,)
        cdf = _make(0.5 * (1 + _erf_array(x._data / math.sqrt(2.0)))) if not x._requires_grad or \
            not _gm._State.enabled else (1 + erf(x / math.sqrt(2.0))) * 0.5
        pdf = exp(x * x * -0.5) * (1 / math.sqrt(2 * math.pi))
        return (grad * (cdf + x * pdf),)


def gelu(input, approximate: str = "none") -> Tensor:
    """x * Phi(x) (``approximate='tanh'`` for the tanh formula)."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    x = input._data
    if approximate == "tanh":
        k = math.sqrt(2.0 / math.pi)
        data = 0.5 * x * (1 + np.tanh(k * (x + 0.044715 * x * x * x)))
    else:
        data = 0.5 * x * (1 + _erf_array(x / math.sqrt(2.0)))
    data = data.astype(x.dtype, copy=False)
    if _gm._State.enabled and input._requires_grad:
        node = GeluBackward0(edges(input))
        node.approximate = approximate
        node.save(input)
        return result(data, node)
    return _make(data)


class ErfBackward0(Node):
    """d erf(x) = 2/sqrt(pi) e^(-x^2) dx."""

    def backward(self, grad):
        (x,) = self.saved
        from .pointwise import exp

        return (grad * exp(-(x * x)) * (2 / math.sqrt(math.pi)),)


def erf(input) -> Tensor:
    """The error function."""
    x = input._data
    if x.dtype.kind != "f":
        x = x.astype(_dt.get_default_dtype().np_type)
    data = _erf_array(x)
    if _gm._State.enabled and input._requires_grad:
        node = ErfBackward0(edges(input))
        node.save(input)
        return result(data, node)
    return _make(data)


class SoftplusBackward0(Node):
    """d softplus = sigmoid(beta x) (1 where beta x > threshold)."""

    def backward(self, grad):
        (x,) = self.saved
        from .pointwise import sigmoid, where

        bx = x * self.beta
        return (where(bx > self.threshold, grad, grad * sigmoid(bx)),)


def softplus(input, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^(beta x)) / beta, linear above ``threshold``."""
    x = input._data
    bx = x * beta
    data = np.where(bx > threshold, x, np.logaddexp(0, bx) / beta).astype(x.dtype, copy=False)
    if _gm._State.enabled and input._requires_grad:
        node = SoftplusBackward0(edges(input))
        node.beta, node.threshold = beta, threshold
        node.save(input)
        return result(data, node)
    return _make(data)


class HardtanhBackward0(Node):
    """Gradient passes strictly inside (min_val, max_val)."""

    def backward(self, grad):
        (x,) = self.saved
        return (grad * ((x > self.lo) & (x < self.hi)),)


def hardtanh(input, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """Clamp to [min_val, max_val]."""
    x = input._data
    data = np.clip(x, min_val, max_val).astype(x.dtype, copy=False)
    if _gm._State.enabled and input._requires_grad:
        node = HardtanhBackward0(edges(input))
        node.lo, node.hi = min_val, max_val
        node.save(input)
        return result(data, node)
    return _make(data)


def relu6(input, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6)."""
    return hardtanh(input, 0.0, 6.0)


def silu(input, inplace: bool = False) -> Tensor:
    """x * sigmoid(x)."""
    from .pointwise import sigmoid

    return input * sigmoid(input)


def mish(input, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x))."""
    from .pointwise import tanh

    return input * tanh(softplus(input))


def logsigmoid(input) -> Tensor:
    """log(sigmoid(x)), stably."""
    return -softplus(-input)


# --- dropout ----------------------------------------------------------------------------------------------
def dropout(input, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero elements with probability ``p`` and scale the rest by 1/(1-p) (training only)."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    from .. import random as _random

    x = input._data
    if p == 1.0:
        noise = np.zeros(x.shape, dtype=x.dtype)
    else:
        # empty_like(x).bernoulli_(1 - p): drawn in x's memory order (PyTorch's TensorIterator order).
        mask = _random.draw_like(x, lambda shape: _random.default_generator.bernoulli_scalar(shape, 1.0 - p, x.dtype),
                                 like=True)
        noise = mask / x.dtype.type(1.0 - p)
    out = input * _make(noise.astype(x.dtype, copy=False))
    if inplace:
        from .inplace import copy_

        with _gm.no_grad():
            copy_(input, out)
        return input
    return out


def normalize(input, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """Divide by the p-norm along ``dim`` (at least ``eps``)."""
    from .reduction import norm

    return input / norm(input, p, dim, keepdim=True).clamp_min(eps).expand_as(input)


def to_float_tensor(x) -> Tensor:
    return to_tensor(x)
