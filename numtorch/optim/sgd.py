"""Stochastic gradient descent: ``p -= lr * g``, with optional momentum, Nesterov, weight decay.

PyTorch's single-tensor algorithm, step by step:
    g = grad (negated if maximize) + weight_decay * p
    momentum: buf = g at the first step, else buf = momentum * buf + (1 - dampening) * g
              g = g + momentum * buf (nesterov) or g = buf
    p = p - lr * g
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from . import _kernels as K
from .adam import _restore_group_defaults
from .optimizer import Optimizer, _check_differentiable, _check_fused_foreach, _get_value, _no_grad_step, required


class SGD(Optimizer):
    """Gradient descent with the learning rate ``lr`` (and optional momentum)."""

    def __init__(self, params, lr=1e-3, momentum: float = 0, dampening: float = 0, weight_decay: float = 0,
                 nesterov: bool = False, *, maximize: bool = False, foreach=None, differentiable: bool = False,
                 fused=None):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if lr is not required and lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach, differentiable=differentiable,
                        fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        _check_fused_foreach(fused, foreach, differentiable)

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        _restore_group_defaults(self, dict(nesterov=False, maximize=False, foreach=None, differentiable=False,
                                           fused=False), upgrade=False)

    @_no_grad_step
    def step(self):
        """One update of every parameter that has a gradient."""
        for group in self.param_groups:
            _check_differentiable(group)
            lr = _get_value(group["lr"])
            momentum, dampening = group["momentum"], group["dampening"]
            weight_decay, nesterov, maximize = group["weight_decay"], group["nesterov"], group["maximize"]
            plain = not momentum and not weight_decay and not maximize
            for p in group["params"]:
                grad = p._grad
                if grad is None:
                    continue
                data = p._data
                if plain:
                    # The seeds' fast path. PyTorch's kernel computes p + (-lr) * g with a fused multiply-add,
                    # rounded once: K.add_ does the same.
                    K.add_(data, grad._data, -lr)
                    p._vbox[0] += 1
                    continue
                g = -grad._data if maximize else grad._data
                if weight_decay:
                    g = K.add(g, data, weight_decay)
                if momentum:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = Tensor._make(np.array(g, dtype=grad._data.dtype, copy=True))
                        state["momentum_buffer"] = buf
                    else:
                        K.mul_add_(buf._data, momentum, g, 1 - dampening)
                    g = K.add(g, buf._data, momentum) if nesterov else buf._data
                K.add_(data, g, -lr)
                p._vbox[0] += 1
