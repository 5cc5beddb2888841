"""``torch.autograd``: backward, grad, grad modes, custom Functions, gradcheck and functional helpers."""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np

from .. import tensor as _tensor  # still being imported when it imports us: read _tensor.Tensor at call time
from . import graph  # noqa: F401
from .engine import run_backward
from .graph import graph_size  # noqa: F401
from .function import Function, FunctionCtx, once_differentiable  # noqa: F401
from .grad_mode import (  # noqa: F401
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
# Imported eagerly, as PyTorch does: the names are then the functions, not the submodule (a light module).
from .gradcheck import gradcheck, gradgradcheck  # noqa: F401,E402
# Likewise: ``autograd.trace`` is the context manager, not its module.
from .trace import TraceEvent, trace  # noqa: F401,E402


def _make_grads(outputs, grad_outputs):
    """PyTorch's ``_make_grads``: check given gradients, create ones for scalar outputs (zip: extra ignored)."""
    Tensor = _tensor.Tensor
    grads = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if isinstance(g, Tensor):
            if g._data.shape != out._data.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] has a shape of "
                    f"{out.shape}."
                )
            grads.append(g)
        elif g is None:
            if out._requires_grad:
                if out._data.size != 1:
                    raise RuntimeError("grad can be implicitly created only for scalar outputs")
                if out._data.dtype.kind != "f":
                    raise RuntimeError(
                        f"grad can be implicitly created only for real scalar outputs but got {out.dtype}"
                    )
                shape, dtype = out._data.shape, out._data.dtype
                grads.append(Tensor._make(np.array(1, dtype) if not shape else np.ones(shape, dtype)))
            else:
                grads.append(None)
        else:
            raise TypeError("gradients can be either Tensors or None, but got " + type(g).__name__)
    return grads


def _tensor_or_tensors_to_tuple(tensors, length: int) -> tuple:
    if tensors is None:
        return (None,) * length
    if isinstance(tensors, _tensor.Tensor):
        return (tensors,)
    return tuple(tensors)


def _inputs_tuple(inputs, fn: str) -> tuple:
    if isinstance(inputs, _tensor.Tensor):
        return (inputs,)
    if type(inputs) is dict:
        return tuple(inputs.values())
    if isinstance(inputs, Mapping):
        raise TypeError(f"`inputs` argument to `{fn}()` must be a dict, not {type(inputs).__name__}. "
                        "Other Mapping types are not supported.")
    return tuple(inputs)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph: bool = False, grad_variables=None,
             inputs=None) -> None:
    """Accumulate into leaves' ``.grad`` the gradient of ``tensors`` (weighted by ``grad_tensors``)."""
    if grad_variables is not None:
        warnings.warn("`grad_variables` is deprecated. Use `grad_tensors` instead.", FutureWarning, stacklevel=2)
        if grad_tensors is None:
            grad_tensors = grad_variables
        else:
            raise RuntimeError("`grad_tensors` and `grad_variables` (deprecated) arguments both passed to "
                               "`backward()`. Please only use `grad_tensors`.")
    inputs_tuple = None
    if inputs is not None:
        inputs_tuple = _inputs_tuple(inputs, "backward")
        if not inputs_tuple:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    tensors = (tensors,) if isinstance(tensors, _tensor.Tensor) else tuple(tensors)
    grads = _make_grads(tensors, _tensor_or_tensors_to_tuple(grad_tensors, len(tensors)))
    if retain_graph is None:
        retain_graph = create_graph
    run_backward(tensors, grads, retain_graph, create_graph, inputs=inputs_tuple)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph: bool = False,
         only_inputs: bool = True, allow_unused=None, is_grads_batched: bool = False, materialize_grads: bool = False):
    """Return (not accumulate) the gradients of ``outputs`` with respect to ``inputs``."""
    from ..tensor import Tensor

    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, "
                         "but got: allow_unused=False.")
    if allow_unused is None:
        allow_unused = materialize_grads
    outputs = (outputs,) if isinstance(outputs, Tensor) else tuple(outputs)
    inputs_tuple = _inputs_tuple(inputs, "grad")
    if len(inputs_tuple) == 0:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    if not only_inputs:
        warnings.warn("only_inputs argument is deprecated and is ignored now (defaults to True). To accumulate "
                      "gradient for other parts of the graph, please use torch.autograd.backward.",
                      FutureWarning, stacklevel=2)
    if is_grads_batched:
        raise NotImplementedError("numtorch does not support is_grads_batched=True")
    grads = _make_grads(outputs, _tensor_or_tensors_to_tuple(grad_outputs, len(outputs)))
    if retain_graph is None:
        retain_graph = create_graph
    res = run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs_tuple, accumulate=False,
                       allow_unused=allow_unused)
    if materialize_grads:
        res = [Tensor._make(np.zeros_like(t._data), requires_grad=create_graph) if g is None else g
               for g, t in zip(res, inputs_tuple)]
    if type(inputs) is dict:
        return dict(zip(inputs.keys(), res))
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
    # The functional helpers: imported on first use.
    if name == "functional":
        import importlib

        return importlib.import_module(".functional", __name__)
    raise AttributeError(f"module 'numtorch.autograd' has no attribute '{name}'")


Variable = None  # replaced in numtorch/__init__ by Tensor (the legacy alias)
