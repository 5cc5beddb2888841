"""Adam and AdamW: PyTorch's single-tensor algorithm, step by step (each line one ATen kernel).

    step += 1
    g = grad (negated if maximize); weight decay: p *= 1 - lr * wd (decoupled) or g = g + wd * p
    exp_avg.lerp_(g, 1 - beta1)
    exp_avg_sq = exp_avg_sq * beta2 + (1 - beta2) * g * g
    denom = sqrt(exp_avg_sq (or its running max, amsgrad)) / sqrt(1 - beta2**step) + eps
    p -= lr / (1 - beta1**step) * exp_avg / denom
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from . import _kernels as K
from .optimizer import (
    Optimizer,
    _check_capturable,
    _check_differentiable,
    _check_fused_foreach,
    _get_value,
    _no_grad_step,
    _step_tensor,
    _to_scalar,
)


def _check_betas(betas) -> None:
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")


def _zeros_like(p: Tensor) -> Tensor:
    return Tensor._make(np.zeros_like(p._data))


def _upgrade_step(optimizer: Optimizer, extra: tuple = ()) -> None:
    """Old checkpoints stored ``step`` (and NAdam's ``mu_product``) as Python numbers: make them 0-d tensors."""
    for group in optimizer.param_groups:
        for p in group["params"]:
            st = optimizer.state.get(p, [])
            if len(st) != 0:
                for key in ("step",) + extra:
                    if key in st and not isinstance(st[key], Tensor):
                        st[key] = _step_tensor(float(st[key]))


def _restore_group_defaults(optimizer: Optimizer, defaults: dict, extra: tuple = (), upgrade: bool = True) -> None:
    """After unpickling: give each param group the options older checkpoints lack, and tensor step counts."""
    for group in optimizer.param_groups:
        for key, value in defaults.items():
            group.setdefault(key, value)
    if upgrade:
        _upgrade_step(optimizer, extra)


class Adam(Optimizer):
    """Adam (Kingma & Ba), with optional AMSGrad, L2 or decoupled weight decay and maximize."""

    def __init__(self, params, lr: float | Tensor = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False) -> None:
        if isinstance(lr, Tensor):
            if foreach and not capturable:
                raise ValueError("lr as a Tensor is not supported for capturable=False and foreach=True")
            if lr.numel() != 1:
                raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not ((isinstance(betas[0], float) and isinstance(betas[1], float))
                or (isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor))):
            raise ValueError("betas must be either both floats or both Tensors")
        for i in (0, 1):
            if isinstance(betas[i], Tensor):
                if not capturable and foreach:
                    raise ValueError(f"betas[{i}] as a Tensor is not supported for capturable=False and foreach=True")
                if betas[i].numel() != 1:
                    raise ValueError(f"Tensor betas[{i}] must be 1-element")
        betas = tuple(map(_to_scalar, betas))
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)
        _check_fused_foreach(fused, foreach, differentiable)

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        _restore_group_defaults(self, dict(amsgrad=False, maximize=False, foreach=None, capturable=False,
                                           differentiable=False, decoupled_weight_decay=False, fused=None))

    @_no_grad_step
    def step(self):
        """One Adam update of every parameter that has a gradient."""
        for group in self.param_groups:
            _check_differentiable(group)
            lr = _get_value(group["lr"])
            beta1, beta2 = (_get_value(b) for b in group["betas"])
            eps, weight_decay, amsgrad = group["eps"], group["weight_decay"], group["amsgrad"]
            maximize, decoupled = group["maximize"], group["decoupled_weight_decay"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _step_tensor()
                    state["exp_avg"] = _zeros_like(p)
                    state["exp_avg_sq"] = _zeros_like(p)
                    if amsgrad:
                        state["max_exp_avg_sq"] = _zeros_like(p)
                _check_capturable(group)
                param = p._data
                grad = -p._grad._data if maximize else p._grad._data
                step_t = state["step"]
                step_t._data += 1
                if weight_decay != 0:
                    if decoupled:
                        K.mul_(param, 1 - lr * weight_decay)
                    else:
                        grad = K.add(grad, param, weight_decay)
                exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
                K.lerp_(exp_avg, grad, 1 - beta1)
                K.addcmul_(K.mul_(exp_avg_sq, beta2), grad, grad, 1 - beta2)
                step = float(step_t._data)
                bias_correction1 = 1 - beta1**step
                bias_correction2 = 1 - beta2**step
                step_size = lr / bias_correction1
                bias_correction2_sqrt = bias_correction2**0.5
                dt = param.dtype
                if amsgrad:
                    max_sq = state["max_exp_avg_sq"]._data
                    np.maximum(max_sq, exp_avg_sq, out=max_sq)
                    denom = np.sqrt(max_sq) / K._s(bias_correction2_sqrt, dt) + K._s(eps, dt)
                else:
                    denom = np.sqrt(exp_avg_sq) / K._s(bias_correction2_sqrt, dt) + K._s(eps, dt)
                K.addcdiv_(param, exp_avg, denom, -step_size)
                p._vbox[0] += 1


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): ``p *= 1 - lr * weight_decay`` each step."""

    def __init__(self, params, lr: float | Tensor = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
