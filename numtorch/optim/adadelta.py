"""Adadelta: PyTorch's single-tensor algorithm.

    square_avg = rho * square_avg + (1 - rho) * g * g
    delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g
    acc_delta = rho * acc_delta + (1 - rho) * delta * delta
    p -= lr * delta
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from . import _kernels as K
from .adam import _restore_group_defaults, _zeros_like
from .optimizer import Optimizer, _check_capturable, _check_differentiable, _get_value, _no_grad_step, _step_tensor


class Adadelta(Optimizer):
    """Adadelta (Zeiler): step sizes from running averages of squared gradients and squared updates."""

    def __init__(self, params, lr: float | Tensor = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        _restore_group_defaults(self, dict(foreach=None, maximize=False, differentiable=False, capturable=False))

    @_no_grad_step
    def step(self):
        """One Adadelta update of every parameter that has a gradient."""
        for group in self.param_groups:
            _check_differentiable(group)
            lr = _get_value(group["lr"])
            rho, eps, weight_decay, maximize = group["rho"], group["eps"], group["weight_decay"], group["maximize"]
            with_grad = [p for p in group["params"] if p._grad is not None]
            for p in with_grad:
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _step_tensor()
                    state["square_avg"] = _zeros_like(p)
                    state["acc_delta"] = _zeros_like(p)
            if with_grad:
                # PyTorch checks the whole group at once here, and names no XLA.
                _check_capturable(group, devices="['cuda', 'xpu', 'hpu', 'privateuseone']")
            for p in with_grad:
                state = self.state[p]
                param = p._data
                state["step"]._data += 1
                grad = -p._grad._data if maximize else p._grad._data
                if weight_decay != 0:
                    grad = K.add(grad, param, weight_decay)
                dt = param.dtype
                square_avg, acc_delta = state["square_avg"]._data, state["acc_delta"]._data
                K.addcmul_(K.mul_(square_avg, rho), grad, grad, 1 - rho)
                std = np.sqrt(square_avg + K._s(eps, dt))
                delta = np.sqrt(acc_delta + K._s(eps, dt))
                delta /= std
                delta *= grad
                K.addcmul_(K.mul_(acc_delta, rho), delta, delta, 1 - rho)
                K.add_(param, delta, -lr)
                p._vbox[0] += 1
