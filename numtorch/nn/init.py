"""``nn.init``: fill parameters in place, drawing from numtorch's generators exactly as PyTorch 2.13 does.

Bounds are computed in Python float64 in PyTorch's order (``shared/spec/rng.md`` section 6), so a seeded
``nn.Linear`` gets PyTorch's very weights. ``trunc_normal_`` is PyTorch 2.13's rejection sampler (not the
older inverse-CDF method), replayed draw for draw.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import random as _random
from ..autograd import grad_mode as _gm
from ..tensor import Tensor

__all__ = [
    "calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_", "dirac_",
    "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "sparse_",
    "uniform", "normal", "constant", "eye", "dirac", "xavier_uniform", "xavier_normal", "kaiming_uniform",
    "kaiming_normal", "orthogonal", "sparse",
]


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for an activation (PyTorch's table)."""
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                  "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, int) or isinstance(param, float):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    dimensions = tensor.dim()
    if dimensions < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    num_input_fmaps = tensor.size(1)
    num_output_fmaps = tensor.size(0)
    receptive_field_size = 1
    if dimensions > 2:
        for s in tensor.shape[2:]:
            receptive_field_size *= s
    return num_input_fmaps * receptive_field_size, num_output_fmaps * receptive_field_size


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    valid_modes = ["fan_in", "fan_out"]
    if mode not in valid_modes:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid_modes}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fill with U(a, b)."""
    with _gm.no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fill with N(mean, std^2)."""
    with _gm.no_grad():
        return tensor.normal_(mean, std, generator=generator)


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator=None) -> Tensor:
    """Fill with N(mean, std^2) truncated to [a, b], by PyTorch 2.13's rejection sampling.

    When [a, b] holds more than 30 % of the mass: draw normals and redraw (a whole fresh normal tensor
    per round) wherever a value falls outside. Otherwise: uniform candidates on [a, b] accepted where
    ``log(u) > -((x - mean) / std)**2 / 2 - log_peak``, redrawing candidates and ``u`` for the pending ones.
    """
    def norm_cdf(x: float) -> float:
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    if (mean < a - 2 * std) or (mean > b + 2 * std):
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=2)
    g = _random.default_generator if generator is None else generator
    x = tensor._data
    dt = x.dtype
    with _gm.no_grad():
        p = norm_cdf((b - mean) / std) - norm_cdf((a - mean) / std)
        if p > 0.3:
            lo, hi = float(np.asarray(a, dt)), float(np.asarray(b, dt))  # tensor.new_tensor(a).item()
            tensor.normal_(mean, std, generator=generator)
            result = x
            while True:
                mask = (result < lo) | (result > hi)
                if not mask.any():
                    break
                # empty_like(result).normal_(): result's layout; non-contiguous takes the scalar path
                fresh = _random.draw_like(result, _normal_maker(g, dt, mean, std, _random.like_is_contiguous(result)),
                                          like=True)
                result = np.where(mask, fresh, result)
            if result is not x:
                tensor.copy_(Tensor._make(np.ascontiguousarray(result)))
        else:
            mode = max(a, min(mean, b))
            log_peak = -0.5 * ((mode - mean) / std) ** 2
            t_mean, t_std, t_half, t_peak = (dt.type(v) for v in (mean, std, -0.5, log_peak))

            def log_density(c: np.ndarray) -> np.ndarray:
                # candidates.sub_(mean).div_(std).pow_(2).mul_(-0.5).sub_(log_peak), rounded step by step
                c = (c - t_mean) / t_std
                return (c * c) * t_half - t_peak

            def accept(cand: np.ndarray) -> np.ndarray:
                u = _random.draw_like(x, lambda shape: g.uniform(shape, dt), like=True)  # accept_buf.uniform_()
                with np.errstate(divide="ignore"):
                    return np.log(u) > cand

            tensor.uniform_(a, b, generator=generator)
            result = x
            cand = log_density(x.copy())
            pending = accept(cand)
            if pending.any():
                while True:
                    new = _random.draw_like(x, lambda shape: g.uniform(shape, dt, a, b), like=True)  # candidates
                    result = np.where(pending, new, result)
                    pending = np.where(pending, accept(log_density(new)), pending)
                    if not pending.any():
                        break
                tensor.copy_(Tensor._make(np.ascontiguousarray(result)))
    return tensor


def _normal_maker(g, dt, mean: float, std: float, contiguous: bool):
    return lambda shape: g.normal(shape, dt, mean, std, contiguous=contiguous)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``."""
    with _gm.no_grad():
        return tensor.fill_(val)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with ones."""
    return constant_(tensor, 1.0)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with zeros."""
    with _gm.no_grad():
        return tensor.zero_()


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-d tensor with the identity (as many ones on the diagonal as fit)."""
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    with _gm.no_grad():
        tensor.copy_(Tensor._make(np.eye(*tensor.shape, dtype=tensor._data.dtype)))
    return tensor


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a {3, 4, 5}-d conv weight with the Dirac delta (identity convolution, per group)."""
    dims = tensor.dim()
    if dims not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tensor.shape
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_per_group = sizes[0] // groups
    min_dim = min(out_per_group, sizes[1])
    data = np.zeros(tensor.shape, dtype=tensor._data.dtype)
    for grp in range(groups):
        for d in range(min_dim):
            data[(grp * out_per_group + d, d) + tuple(s // 2 for s in sizes[2:])] = 1
    with _gm.no_grad():
        tensor.copy_(Tensor._make(data))
    return tensor


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot normal: N(0, gain^2 * 2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator=None) -> Tensor:
    """He uniform: U(-b, b) with b = gain * sqrt(3 / fan)."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    with _gm.no_grad():
        return tensor.uniform_(-bound, bound, generator=generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator=None) -> Tensor:
    """He normal: N(0, gain^2 / fan)."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(fan)
    with _gm.no_grad():
        return tensor.normal_(0, std, generator=generator)


def orthogonal_(tensor: Tensor, gain: float = 1, generator=None) -> Tensor:
    """A (semi-)orthogonal matrix: QR of a normal sample, columns signed by diag(R), times ``gain``.

    The normal draws are PyTorch's exactly; the QR runs in float64 LAPACK (NumPy), so float32 results
    agree with PyTorch's float32 LAPACK to a few ulp, not bit for bit.
    """
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.size(0)
    cols = tensor.numel() // rows
    g = _random.default_generator if generator is None else generator
    dt = tensor._data.dtype
    flattened = g.normal((rows, cols), dt, 0.0, 1.0).astype(np.float64)
    if rows < cols:
        flattened = flattened.T
    q, r = np.linalg.qr(flattened)
    q = (q * np.sign(np.diag(r))).astype(dt)
    if rows < cols:
        q = q.T
    with _gm.no_grad():
        tensor.copy_(Tensor._make(np.ascontiguousarray(q).reshape(tensor.shape)))
        tensor.mul_(gain)
    return tensor


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator=None) -> Tensor:
    """N(0, std^2), then ``ceil(sparsity * rows)`` entries of each column zeroed.

    As in PyTorch, ``generator`` drives the normal draws only: each column's ``randperm`` uses the
    default generator.
    """
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    num_zeros = math.ceil(sparsity * rows)
    with _gm.no_grad():
        tensor.normal_(0, std, generator=generator)
        data = tensor._data.copy()
        for col_idx in range(cols):
            row_indices = _random.default_generator.randperm(rows)
            data[row_indices[:num_zeros], col_idx] = 0
        tensor.copy_(Tensor._make(data))
    return tensor


def _make_deprecate(meth):
    """The old names without the trailing underscore: same function, plus PyTorch's FutureWarning."""
    new_name = meth.__name__
    old_name = new_name[:-1]

    def deprecated_init(*args, **kwargs):
        warnings.warn(f"`nn.init.{old_name}` is now deprecated in favor of `nn.init.{new_name}`.",
                      FutureWarning, stacklevel=2)
        return meth(*args, **kwargs)

    deprecated_init.__doc__ = f"""
    {old_name}(...)

    .. warning::
        This method is now deprecated in favor of :func:`torch.nn.init.{new_name}`.

    See :func:`~torch.nn.init.{new_name}` for details."""
    deprecated_init.__name__ = old_name
    return deprecated_init


uniform = _make_deprecate(uniform_)
normal = _make_deprecate(normal_)
constant = _make_deprecate(constant_)
eye = _make_deprecate(eye_)
dirac = _make_deprecate(dirac_)
xavier_uniform = _make_deprecate(xavier_uniform_)
xavier_normal = _make_deprecate(xavier_normal_)
kaiming_uniform = _make_deprecate(kaiming_uniform_)
kaiming_normal = _make_deprecate(kaiming_normal_)
orthogonal = _make_deprecate(orthogonal_)
sparse = _make_deprecate(sparse_)
