"""Turning an op-table sample into tensors and calls, for numtorch and (in test_oracle.py) real PyTorch."""

from __future__ import annotations

import numpy as np

from .op_table import OPS, Const


def make_args(T, sample, requires_grad: bool = True) -> list:
    """Tensors for the sample's arrays (float ones require grad unless wrapped in Const); numbers as they are."""
    args = []
    for a in sample.args:
        if isinstance(a, Const):
            args.append(T.from_numpy(a.array.copy()))
        elif isinstance(a, np.ndarray):
            t = T.from_numpy(a.copy(order="K"))  # keeps a transposed layout non-contiguous
            if requires_grad and a.dtype.kind == "f":
                t.requires_grad_()
            args.append(t)
        else:
            args.append(a)
    return args


def grad_inputs(args) -> list:
    """The arguments that are tensors requiring grad."""
    return [a for a in args if hasattr(a, "requires_grad") and a.requires_grad]


def as_list(out) -> list:
    """An op's result as a list of tensors (tuple results such as ``max(dim)`` or ``split``)."""
    return list(out) if isinstance(out, (tuple, list)) else [out]


def to_numpy(t) -> np.ndarray:
    return np.asarray(t.detach().numpy(force=True))


def weights(shape, dtype) -> np.ndarray:
    """A deterministic grad_output with distinct entries, so every element's gradient is visible."""
    n = int(np.prod(shape)) if shape else 1
    return np.linspace(-1.0, 2.0, n).reshape(shape).astype(dtype) if n > 1 else np.full(shape, 1.5, dtype)


def cases(select=None):
    """``(id, op, sample)`` for every sample of every op (optionally filtered by ``select(op, sample)``)."""
    out = []
    for op in OPS:
        for k, s in enumerate(op.samples):
            if select is None or select(op, s):
                out.append((f"{op.name}-{k}", op, s))
    return out


def float_outputs(outs) -> list:
    return [o for o in outs if o.dtype.is_floating_point]
