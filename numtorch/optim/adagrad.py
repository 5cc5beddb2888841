"""Adagrad: PyTorch's single-tensor algorithm.

    clr = lr / (1 + (step - 1) * lr_decay)
    sum += g * g
    p -= clr * g / (sqrt(sum) + eps)

Unlike the others, Adagrad creates every parameter's state in the constructor (``step`` and ``sum``).
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from . import _kernels as K
from .adam import _restore_group_defaults
from .optimizer import Optimizer, _check_differentiable, _check_fused_foreach, _get_value, _no_grad_step, _step_tensor


class Adagrad(Optimizer):
    """Per-coordinate learning rates from the running sum of squared gradients (Duchi et al.)."""

    def __init__(self, params, lr: float | Tensor = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, fused: bool | None = None) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        _check_fused_foreach(fused, foreach, differentiable)
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = _step_tensor()
                state["sum"] = Tensor._make(np.full_like(p._data, initial_accumulator_value))

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        _restore_group_defaults(self, dict(foreach=None, maximize=False, differentiable=False, fused=None))

    def share_memory(self) -> None:
        """Accepted for compatibility: numtorch has no shared-memory tensors."""

    @_no_grad_step
    def step(self):
        """One Adagrad update of every parameter that has a gradient."""
        for group in self.param_groups:
            _check_differentiable(group)
            lr = _get_value(group["lr"])
            weight_decay, lr_decay, eps, maximize = (group["weight_decay"], group["lr_decay"], group["eps"],
                                                     group["maximize"])
            for p in group["params"]:
                if p._grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    # A group added after construction: created lazily, from the constructor's default.
                    state["step"] = _step_tensor()
                    state["sum"] = Tensor._make(np.full_like(p._data, self.defaults["initial_accumulator_value"]))
                param = p._data
                state["step"]._data += 1
                step = float(state["step"]._data)
                grad = -p._grad._data if maximize else p._grad._data
                if weight_decay != 0:
                    grad = K.add(grad, param, weight_decay)
                clr = lr / (1 + (step - 1) * lr_decay)
                state_sum = K.addcmul_(state["sum"]._data, grad, grad, 1)
                std = np.sqrt(state_sum)
                std += K._s(eps, std.dtype)
                K.addcdiv_(param, grad, std, -clr)
                p._vbox[0] += 1
