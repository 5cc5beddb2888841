"""Losses built from other differentiable ops (their gradients come from those ops' formulas).

The single-node losses PyTorch shows as one grad_fn (mse_loss, nll_loss, binary_cross_entropy …) live in
``nn_ops.py`` with their derivative formulas; these are the composite ones.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..autograd.graph import Node
from . import nn_ops
from ._helpers import _make, edges, graph_needed, result, sum_to
from .pointwise import abs as _abs, clamp, exp, log, sign, where
from .reduction import sum as _sum


def _reduce(loss, reduction: str):
    nn_ops._check_reduction(reduction)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _warn_size(input, target) -> None:
    if input.shape != target.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
            "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            UserWarning, stacklevel=3,
        )


class SmoothL1LossBackward0(Node):
    """d smooth_l1 = d / beta inside |d| < beta, sign(d) outside (and the negative for the target)."""

    def backward(self, grad):
        x, y = self.saved
        d = x - y
        beta = self.beta
        slope = sign(d) if beta == 0 else where(_abs(d) < beta, d * (1.0 / beta), sign(d))
        g = nn_ops._expand_reduced(grad, d._data.shape, self.reduction, d._data.size) * slope
        return _pair_grads(self, g, x, y)


class HuberLossBackward0(Node):
    """d huber = d inside |d| < delta, delta * sign(d) outside."""

    def backward(self, grad):
        x, y = self.saved
        d = x - y
        delta = self.delta
        slope = where(_abs(d) < delta, d, sign(d) * delta)
        g = nn_ops._expand_reduced(grad, d._data.shape, self.reduction, d._data.size) * slope
        return _pair_grads(self, g, x, y)


def _pair_grads(node, g, x, y):
    gx = sum_to(g, x._data.shape) if node.next_functions[0][0] is not None else None
    gy = sum_to(-g, y._data.shape) if node.next_functions[1][0] is not None else None
    return gx, gy


def _pointwise_loss(node_cls, input, target, reduction, values, **attrs):
    data = nn_ops._reduce_array(values.astype(input._data.dtype, copy=False), reduction)
    data = np.asarray(data, dtype=input._data.dtype)
    if graph_needed(input, target):
        node = node_cls(edges(input, target))
        node.reduction = reduction
        for k, v in attrs.items():
            setattr(node, k, v)
        node.save(input, target)
        return result(data, node)
    return _make(data)


def _diff(input, target):
    try:
        return input._data - target._data
    except ValueError:
        raise nn_ops.broadcast_error(input._data.shape, target._data.shape) from None


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean", beta: float = 1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (one SmoothL1LossBackward0 node)."""
    reduction = nn_ops._legacy_reduction(size_average, reduce, reduction)
    nn_ops._check_reduction(reduction)
    _warn_size(input, target)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    d = np.abs(_diff(input, target))
    values = d if beta == 0 else np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)
    return _pointwise_loss(SmoothL1LossBackward0, input, target, reduction, values, beta=beta)


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0, weight=None):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta) (one HuberLossBackward0 node)."""
    nn_ops._check_reduction(reduction)
    _warn_size(input, target)
    if weight is not None:
        d = _abs(input - target)
        loss = where(d < delta, d * d * 0.5, (d - 0.5 * delta) * delta) * weight
        return _reduce(loss, reduction)
    d = np.abs(_diff(input, target))
    values = np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta))
    return _pointwise_loss(HuberLossBackward0, input, target, reduction, values, delta=delta)


def kl_div(input, target, size_average=None, reduce=None, reduction: str = "mean", log_target: bool = False):
    """KL(target || exp(input)) pointwise: target (log target - input); 'batchmean' divides by the batch."""
    if reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            UserWarning, stacklevel=2,
        )
    if log_target:
        loss = exp(target) * (target - input)
    else:
        loss = where(target > 0, target * (log(clamp(target, min=1e-45)) - input), input * 0)
    if reduction == "batchmean":
        return _sum(loss) / (input.shape[0] if input.dim() else 1)
    return _reduce(loss, reduction)


def cosine_similarity(x1, x2, dim: int = 1, eps: float = 1e-8):
    """x1 . x2 / max(||x1|| ||x2||, eps) along ``dim``."""
    from .pointwise import sqrt

    w12 = _sum(x1 * x2, dim)
    n1 = _sum(x1 * x1, dim)
    n2 = _sum(x2 * x2, dim)
    return w12 / sqrt(clamp(n1 * n2, min=eps * eps))


def cosine_embedding_loss(input1, input2, target, margin: float = 0.0, size_average=None, reduce=None,
                          reduction: str = "mean"):
    """1 - cos(x1, x2) for target 1, max(0, cos(x1, x2) - margin) for target -1."""
    reduction = nn_ops._legacy_reduction(size_average, reduce, reduction)
    from .pointwise import sqrt

    eps = 1e-12
    prod = _sum(input1 * input2, -1)
    mag = sqrt((_sum(input1 * input1, -1) + eps) * (_sum(input2 * input2, -1) + eps))
    cos = prod / mag
    zeros = cos * 0
    pos = 1 - cos
    neg = clamp(cos - margin, min=0)
    loss = where(target == 1, pos, zeros) + where(target == -1, neg, zeros)
    return _reduce(loss, reduction)


def margin_ranking_loss(input1, input2, target, margin: float = 0.0, size_average=None, reduce=None,
                        reduction: str = "mean"):
    """max(0, -target (x1 - x2) + margin)."""
    reduction = nn_ops._legacy_reduction(size_average, reduce, reduction)
    loss = clamp(-target * (input1 - input2) + margin, min=0)
    return _reduce(loss, reduction)


def hinge_embedding_loss(input, target, margin: float = 1.0, reduction: str = "mean"):
    """x for target 1, max(0, margin - x) for target -1."""
    zeros = input * 0
    loss = where(target == 1, input, zeros) + where(target == -1, clamp(margin - input, min=0), zeros)
    return _reduce(loss, reduction)


def soft_margin_loss(input, target, reduction: str = "mean"):
    """log(1 + exp(-y x))."""
    return _reduce(nn_ops.softplus(-target * input), reduction)


def poisson_nll_loss(input, target, log_input: bool = True, full: bool = False, eps: float = 1e-8,
                     reduction: str = "mean"):
    """Poisson negative log-likelihood."""
    loss = exp(input) - target * input if log_input else input - target * log(input + eps)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full: bool = False, eps: float = 1e-6, reduction: str = "mean"):
    """0.5 (log var + (x - y)^2 / var)."""
    import math

    v = clamp(var, min=eps)
    loss = (log(v) + (input - target) ** 2 / v) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)
