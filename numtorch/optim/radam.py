"""RAdam: Adam with a rectified adaptive learning rate (Liu et al.), PyTorch's single-tensor algorithm.

    exp_avg.lerp_(g, 1 - beta1); exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * g * g
    rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)
    rho_t > 5: p -= exp_avg / (1 - beta1**t) * lr * sqrt(1 - beta2**t) / (sqrt(exp_avg_sq) + eps) * rect
    else:      p -= exp_avg / (1 - beta1**t) * lr
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from . import _kernels as K
from .adam import _check_betas, _restore_group_defaults, _zeros_like
from .optimizer import Optimizer, _check_capturable, _check_differentiable, _get_value, _no_grad_step, _step_tensor


class RAdam(Optimizer):
    """RAdam, optionally with decoupled weight decay."""

    def __init__(self, params, lr: float | Tensor = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        _restore_group_defaults(self, dict(foreach=None, maximize=False, differentiable=False,
                                           decoupled_weight_decay=False, capturable=False))

    @_no_grad_step
    def step(self):
        """One RAdam update of every parameter that has a gradient."""
        for group in self.param_groups:
            _check_differentiable(group)
            lr = _get_value(group["lr"])
            beta1, beta2 = group["betas"]
            eps, weight_decay = group["eps"], group["weight_decay"]
            decoupled, maximize = group["decoupled_weight_decay"], group["maximize"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _step_tensor()
                    state["exp_avg"] = _zeros_like(p)
                    state["exp_avg_sq"] = _zeros_like(p)
                _check_capturable(group)
                param = p._data
                dt = param.dtype
                grad = -p._grad._data if maximize else p._grad._data
                state["step"]._data += 1
                step = float(state["step"]._data)
                if weight_decay != 0:
                    if decoupled:
                        K.mul_(param, 1 - lr * weight_decay)
                    else:
                        grad = K.add(grad, param, weight_decay)
                exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
                K.lerp_(exp_avg, grad, 1 - beta1)
                K.addcmul_(K.mul_(exp_avg_sq, beta2), grad, grad, 1 - beta2)
                bias_correction1 = 1 - beta1**step
                bias_correction2 = 1 - beta2**step
                update = exp_avg / K._s(bias_correction1, dt)
                update *= K._s(lr, dt)
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
                if rho_t > 5.0:
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                    sq = np.sqrt(exp_avg_sq)
                    sq += K._s(eps, dt)
                    # ``scalar / tensor`` is ``tensor.reciprocal() * scalar`` in PyTorch.
                    adaptive_lr = np.reciprocal(sq)
                    adaptive_lr *= K._s(bias_correction2**0.5, dt)
                    update *= adaptive_lr
                    update *= K._s(rect, dt)
                param -= update
                p._vbox[0] += 1
