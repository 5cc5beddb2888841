"""``torch.autograd``: backward, grad, grad modes, custom Functions, gradcheck and functional helpers."""

from __future__ import annotations

import numpy as np

from . import graph  # noqa: F401
from .engine import run_backward
from .function import Function, FunctionCtx, once_differentiable  # noqa: F401
from .grad_mode import (  # noqa: F401
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)


def _make_grads(outputs, grad_outputs, create_graph: bool):
    from ..tensor import Tensor

    grads = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if out._data.dtype.kind != "f":
                raise RuntimeError(
                    f"grad can be implicitly created only for real scalar outputs but got {out.dtype}"
                )
            grads.append(Tensor._make(np.ones(out._data.shape, dtype=out._data.dtype)))
            continue
        if not isinstance(g, Tensor):
            g = Tensor._make(np.asarray(g, dtype=out._data.dtype))
        if g._data.shape != out._data.shape:
            if g._data.size == out._data.size == 1 and False:
                pass
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] has a shape of "
                f"{out.shape}."
            )
        if not create_graph:
            g = g.detach()
        grads.append(g)
    return grads


def _as_tuple(x):
    from ..tensor import Tensor

    if x is None:
        return None
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph: bool = False, inputs=None,
             grad_variables=None) -> None:
    """Accumulate into leaves' ``.grad`` the gradient of ``tensors`` (weighted by ``grad_tensors``)."""
    tensors = _as_tuple(tensors)
    if grad_tensors is None:
        grad_tensors = grad_variables
    grads = _as_tuple(grad_tensors) if grad_tensors is not None else (None,) * len(tensors)
    if len(grads) != len(tensors):
        raise RuntimeError(f"got {len(grads)} tensors and {len(tensors)} gradients")
    if retain_graph is None:
        retain_graph = create_graph
    inputs = _as_tuple(inputs)
    if inputs is not None and len(inputs) == 0:
        raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    run_backward(tensors, _make_grads(tensors, grads, create_graph), retain_graph, create_graph, inputs=inputs)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph: bool = False,
         only_inputs: bool = True, allow_unused=None, is_grads_batched: bool = False, materialize_grads: bool = False):
    """Return (not accumulate) the gradients of ``outputs`` with respect to ``inputs``."""
    outputs = _as_tuple(outputs)
    inputs_t = _as_tuple(inputs)
    grads = _as_tuple(grad_outputs) if grad_outputs is not None else (None,) * len(outputs)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    for i, o in enumerate(outputs):
        if o.grad_fn is None and not o._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
    res = run_backward(outputs, _make_grads(outputs, grads, create_graph), retain_graph, create_graph,
                       inputs=inputs_t, accumulate=False, allow_unused=allow_unused)
    if materialize_grads:
        from ..tensor import Tensor

        res = [Tensor._make(np.zeros_like(t._data)) if g is None else g for g, t in zip(res, inputs_t)]
    return tuple(res)


def set_detect_anomaly(mode: bool, check_nan: bool = True):
    """Accepted for compatibility; numtorch's errors already name the failing op."""
    return None


class detect_anomaly:
    """Context manager accepted for compatibility (no extra checks in numtorch)."""

    def __init__(self, check_nan: bool = True):
        pass

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def __getattr__(name):
    # gradcheck, functional helpers: imported on first use.
    if name in ("gradcheck", "gradgradcheck"):
        import importlib

        _gc = importlib.import_module(".gradcheck", __name__)
        # Importing the submodule bound the name to the module; PyTorch's names are the functions.
        globals().update(gradcheck=_gc.gradcheck, gradgradcheck=_gc.gradgradcheck)
        return getattr(_gc, name)
    if name == "functional":
        import importlib

        return importlib.import_module(".functional", __name__)
    raise AttributeError(f"module 'numtorch.autograd' has no attribute '{name}'")


Variable = None  # replaced in numtorch/__init__ by Tensor (the legacy alias)
