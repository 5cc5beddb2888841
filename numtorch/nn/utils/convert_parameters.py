"""Flatten parameters into one vector and back."""

from __future__ import annotations

from ...autograd import grad_mode as _gm
from ...ops.shape import cat, reshape


def parameters_to_vector(parameters):
    """One 1-d tensor holding every parameter's values in order (differentiable)."""
    return cat([reshape(p, (-1,)) for p in parameters])


def vector_to_parameters(vec, parameters) -> None:
    """Copy consecutive slices of ``vec`` into the parameters' data."""
    from ...tensor import Tensor

    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    pointer = 0
    with _gm.no_grad():
        for p in parameters:
            n = p.numel()
            p._data[...] = vec._data[pointer:pointer + n].reshape(p._data.shape)
            p._vbox[0] += 1
            pointer += n
