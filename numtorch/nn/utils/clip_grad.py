"""Gradient clipping, as PyTorch does it (total norm over all gradients, scale by max_norm/(norm+1e-6))."""

from __future__ import annotations

import math

import numpy as np

from ...autograd import grad_mode as _gm
from ...tensor import Tensor


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p._grad for p in parameters if p._grad is not None]


def get_total_norm(tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """The norm of the norms of ``tensors`` (as one float tensor)."""
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    tensors = list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return Tensor._make(np.asarray(0.0, dtype=np.float32))
    dtype = tensors[0]._data.dtype
    if norm_type == math.inf:
        norms = [np.max(np.abs(t._data)) if t._data.size else 0.0 for t in tensors]
        total = np.max(norms).astype(dtype)
    else:
        norms = [np.sum(np.abs(t._data.astype(np.float64)) ** norm_type) ** (1 / norm_type) for t in tensors]
        total = np.asarray(np.sum(np.asarray(norms) ** norm_type) ** (1 / norm_type), dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it cannot be "
            "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
            "`error_if_nonfinite=False`"
        )
    return Tensor._make(np.asarray(total, dtype=dtype))


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach=None) -> Tensor:
    """Scale all gradients in place so their total norm is at most ``max_norm``; returns the total norm."""
    grads = _grads(parameters)
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    if not grads:
        return total
    clip_coef = float(max_norm) / (float(total._data) + 1e-6)
    if clip_coef < 1.0:
        with _gm.no_grad():
            for g in grads:
                g._data *= g._data.dtype.type(clip_coef)
                g._vbox[0] += 1
    return total


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element to ``[-clip_value, clip_value]`` in place."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        np.clip(g._data, -clip_value, clip_value, out=g._data)
        g._vbox[0] += 1
