"""RMSprop: PyTorch's single-tensor algorithm.

    square_avg = alpha * square_avg + (1 - alpha) * g * g
    centered: grad_avg.lerp_(g, 1 - alpha); avg = sqrt(square_avg - grad_avg**2) + eps
    else:     avg = sqrt(square_avg) + eps
    momentum: buf = momentum * buf + g / avg; p -= lr * buf
    else:     p -= lr * g / avg
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from . import _kernels as K
from .adam import _restore_group_defaults, _zeros_like
from .optimizer import Optimizer, _check_capturable, _check_differentiable, _get_value, _no_grad_step, _step_tensor


class RMSprop(Optimizer):
    """Divide the gradient by a running root-mean-square of recent gradients (Hinton's lecture 6e)."""

    def __init__(self, params, lr: float | Tensor = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach, maximize=maximize,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        _restore_group_defaults(self, dict(momentum=0, centered=False, foreach=None, maximize=False,
                                           differentiable=False, capturable=False))

    @_no_grad_step
    def step(self):
        """One RMSprop update of every parameter that has a gradient."""
        for group in self.param_groups:
            _check_differentiable(group)
            lr = _get_value(group["lr"])
            alpha, eps, weight_decay = group["alpha"], group["eps"], group["weight_decay"]
            momentum, centered, maximize = group["momentum"], group["centered"], group["maximize"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _step_tensor()
                    state["square_avg"] = _zeros_like(p)
                    if momentum > 0:
                        state["momentum_buffer"] = _zeros_like(p)
                    if centered:
                        state["grad_avg"] = _zeros_like(p)
                _check_capturable(group)
                param = p._data
                grad = -p._grad._data if maximize else p._grad._data
                state["step"]._data += 1
                if weight_decay != 0:
                    grad = K.add(grad, param, weight_decay)
                square_avg = state["square_avg"]._data
                K.addcmul_(K.mul_(square_avg, alpha), grad, grad, 1 - alpha)
                if centered:
                    grad_avg = K.lerp_(state["grad_avg"]._data, grad, 1 - alpha)
                    avg = np.sqrt(K.addcmul(square_avg, grad_avg, grad_avg, -1))
                else:
                    avg = np.sqrt(square_avg)
                avg += K._s(eps, avg.dtype)
                if momentum > 0:
                    buf = state["momentum_buffer"]._data
                    K.addcdiv_(K.mul_(buf, momentum), grad, avg)
                    K.add_(param, buf, -lr)
                else:
                    K.addcdiv_(param, grad, avg, -lr)
                p._vbox[0] += 1
