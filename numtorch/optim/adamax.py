"""Adamax: Adam with the infinity norm, PyTorch's single-tensor algorithm.

    exp_avg.lerp_(g, 1 - beta1)
    exp_inf = max(beta2 * exp_inf, |g| + eps)
    p -= lr / (1 - beta1**step) * exp_avg / exp_inf
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from . import _kernels as K
from .adam import _check_betas, _restore_group_defaults, _zeros_like
from .optimizer import Optimizer, _check_capturable, _check_differentiable, _get_value, _no_grad_step, _step_tensor


class Adamax(Optimizer):
    """Adamax (Kingma & Ba, section 7): the second moment replaced by a running maximum of ``|g|``."""

    def __init__(self, params, lr: float | Tensor = 2e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        _restore_group_defaults(self, dict(foreach=None, maximize=False, differentiable=False, capturable=False))

    @_no_grad_step
    def step(self):
        """One Adamax update of every parameter that has a gradient."""
        for group in self.param_groups:
            _check_differentiable(group)
            lr = _get_value(group["lr"])
            beta1, beta2 = group["betas"]
            eps, weight_decay, maximize = group["eps"], group["weight_decay"], group["maximize"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _step_tensor()
                    state["exp_avg"] = _zeros_like(p)
                    state["exp_inf"] = _zeros_like(p)
                _check_capturable(group)
                param = p._data
                grad = -p._grad._data if maximize else p._grad._data
                state["step"]._data += 1
                if weight_decay != 0:
                    grad = K.add(grad, param, weight_decay)
                exp_avg, exp_inf = state["exp_avg"]._data, state["exp_inf"]._data
                K.lerp_(exp_avg, grad, 1 - beta1)
                np.maximum(K.mul_(exp_inf, beta2), np.abs(grad) + K._s(eps, param.dtype), out=exp_inf)
                clr = lr / (1 - beta1 ** float(state["step"]._data))
                K.addcdiv_(param, exp_avg, exp_inf, -clr)
                p._vbox[0] += 1
