"""NAdam: Adam with Nesterov momentum (Dozat), PyTorch's single-tensor algorithm.

    mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay)); mu_product *= mu_t
    exp_avg.lerp_(g, 1 - beta1); exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * g * g
    denom = sqrt(exp_avg_sq / (1 - beta2**t)) + eps
    p -= lr * (1 - mu_t) / (1 - mu_product) * g / denom
    p -= lr * mu_{t+1} / (1 - mu_product * mu_{t+1}) * exp_avg / denom
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from . import _kernels as K
from .adam import _check_betas, _restore_group_defaults, _zeros_like
from .optimizer import Optimizer, _check_capturable, _check_differentiable, _get_value, _no_grad_step, _step_tensor


class NAdam(Optimizer):
    """NAdam, optionally with decoupled weight decay (NAdamW)."""

    def __init__(self, params, lr: float | Tensor = 2e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        _restore_group_defaults(self, dict(maximize=False, foreach=None, capturable=False, differentiable=False,
                                           decoupled_weight_decay=False), ("mu_product",))

    @_no_grad_step
    def step(self):
        """One NAdam update of every parameter that has a gradient."""
        for group in self.param_groups:
            _check_differentiable(group)
            lr = _get_value(group["lr"])
            beta1, beta2 = group["betas"]
            eps, weight_decay, momentum_decay = group["eps"], group["weight_decay"], group["momentum_decay"]
            decoupled, maximize = group["decoupled_weight_decay"], group["maximize"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _step_tensor()
                    state["mu_product"] = _step_tensor(1.0)
                    state["exp_avg"] = _zeros_like(p)
                    state["exp_avg_sq"] = _zeros_like(p)
                _check_capturable(group, "params, mu_products and state_steps")
                param = p._data
                grad = -p._grad._data if maximize else p._grad._data
                state["step"]._data += 1
                step = float(state["step"]._data)
                bias_correction2 = 1 - beta2**step
                if weight_decay != 0:
                    if decoupled:
                        K.mul_(param, 1 - lr * weight_decay)
                    else:
                        grad = K.add(grad, param, weight_decay)
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
                mu_product = K.mul_(state["mu_product"]._data, mu)  # a 0-d float32 tensor, as in PyTorch
                exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
                K.lerp_(exp_avg, grad, 1 - beta1)
                K.addcmul_(K.mul_(exp_avg_sq, beta2), grad, grad, 1 - beta2)
                denom = np.sqrt(exp_avg_sq / K._s(bias_correction2, param.dtype))
                mu_product_f = float(mu_product)
                mu_product_next = mu_product_f * mu_next
                denom += K._s(eps, denom.dtype)
                K.addcdiv_(param, grad, denom, -lr * (1.0 - mu) / (1.0 - mu_product_f))
                K.addcdiv_(param, exp_avg, denom, (-lr * mu_next) / (1.0 - mu_product_next))
                p._vbox[0] += 1
