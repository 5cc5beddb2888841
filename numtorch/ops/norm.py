"""Normalisation: batch_norm, layer_norm, group_norm, instance_norm.

Each is written with differentiable ops (mean, var, sqrt, …), so its gradient and higher derivatives
come from those ops' formulas; only the running-statistics update of batch_norm is done on raw arrays
(it is not part of the graph, as in PyTorch).
"""

from __future__ import annotations

import numpy as np

from ..autograd import grad_mode as _gm
from ..tensor import Tensor
from .reduction import mean, var
from .pointwise import rsqrt


def _channel_view(t: Tensor, ndim: int) -> Tensor:
    return t.reshape((1, -1) + (1,) * (ndim - 2))


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel by batch statistics (training) or running statistics (eval)."""
    x = input._data
    if x.ndim < 2:
        raise ValueError(f"expected 2D or 3D input (got {x.ndim}D input)")
    axes = (0,) + tuple(range(2, x.ndim))
    if training:
        n = x.size // x.shape[1]
        if n <= 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size {list(input.shape)}"
            )
        m = mean(input, axes, keepdim=True)
        v = var(input, axes, keepdim=True, correction=0)
        if running_mean is not None:
            with _gm.no_grad():
                bm = x.mean(axis=axes, dtype=np.float64)
                bv = x.var(axis=axes, ddof=1, dtype=np.float64)
                rm, rv = running_mean._data, running_var._data
                if momentum is None:
                    momentum = 1.0
                rm[...] = ((1 - momentum) * rm + momentum * bm).astype(rm.dtype)
                rv[...] = ((1 - momentum) * rv + momentum * bv).astype(rv.dtype)
                running_mean._vbox[0] += 1
                running_var._vbox[0] += 1
    else:
        m = _channel_view(running_mean, x.ndim)
        v = _channel_view(running_var, x.ndim)
    out = (input - m) * rsqrt(v + eps)
    if weight is not None:
        out = out * _channel_view(weight, x.ndim)
    if bias is not None:
        out = out + _channel_view(bias, x.ndim)
    return out


def layer_norm(input, normalized_shape, weight=None, bias=None, eps: float = 1e-5) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` dims."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    x = input._data
    if x.shape[x.ndim - len(shape):] != shape:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape [*, {', '.join(map(str, shape))}], "
            f"but got input of size{list(x.shape)}"
        )
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    m = mean(input, axes, keepdim=True)
    v = var(input, axes, keepdim=True, correction=0)
    out = (input - m) * rsqrt(v + eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def group_norm(input, num_groups: int, weight=None, bias=None, eps: float = 1e-5) -> Tensor:
    """Normalise over groups of channels."""
    x = input._data
    n, c = x.shape[:2]
    if c % num_groups:
        raise RuntimeError(
            f"Expected number of channels in input to be divisible by num_groups, but got input of shape "
            f"{list(x.shape)} and num_groups={num_groups}"
        )
    g = input.reshape(n, num_groups, -1)
    m = mean(g, 2, keepdim=True)
    v = var(g, 2, keepdim=True, correction=0)
    out = ((g - m) * rsqrt(v + eps)).reshape(x.shape)
    if weight is not None:
        out = out * _channel_view(weight, x.ndim)
    if bias is not None:
        out = out + _channel_view(bias, x.ndim)
    return out


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats: bool = True, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each (sample, channel) plane separately."""
    x = input._data
    axes = tuple(range(2, x.ndim))
    m = mean(input, axes, keepdim=True)
    v = var(input, axes, keepdim=True, correction=0)
    out = (input - m) * rsqrt(v + eps)
    if weight is not None:
        out = out * _channel_view(weight, x.ndim)
    if bias is not None:
        out = out + _channel_view(bias, x.ndim)
    return out
