"""Custom differentiable ops: subclass ``Function`` with static ``forward(ctx, ...)`` and ``backward(ctx, ...)``.

``apply`` runs ``forward`` without recording, then wraps the outputs with a Node (named ``<Name>Backward``
as PyTorch names them) whose ``backward`` calls the user's. ``ctx.save_for_backward`` goes through the same
version-checked saving as built-in ops.
"""

from __future__ import annotations

import functools

from . import grad_mode as _gm
from .graph import Node, edge_of


class FunctionCtx:
    """The ``ctx`` object: holds saved tensors and flags between forward and backward."""

    def save_for_backward(self, *tensors) -> None:
        """Save tensors for ``backward`` (checked against later in-place changes)."""
        self._to_save = tensors

    def save_for_forward(self, *tensors) -> None:
        self._to_save_forward = tensors

    def mark_dirty(self, *tensors) -> None:
        """Declare inputs that ``forward`` modified in place."""
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        """Declare outputs that have no gradient."""
        self._non_diff = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """Whether missing output gradients reach ``backward`` as zeros (default) or None."""
        self._materialize = value

    @property
    def saved_tensors(self):
        node = self._node
        return node.saved if node is not None else getattr(self, "_to_save", ())


class _FunctionNode(Node):
    """The Node a custom Function's outputs point to."""

    def backward(self, grad):
        from ..tensor import Tensor
        import numpy as np

        grads = grad if isinstance(grad, tuple) else (grad,)
        if getattr(self.ctx, "_materialize", True):
            grads = tuple(
                g if g is not None else Tensor._make(np.zeros(shape, dtype=dt))
                for g, (shape, dt) in zip(grads, self.out_meta)
            )
        res = self.fn_cls.backward(self.ctx, *grads)
        if not isinstance(res, tuple):
            res = (res,)
        n_in = len(self.next_functions)
        if len(res) < n_in:
            raise RuntimeError(
                f"function {self.name()} returned an incorrect number of gradients (expected {n_in}, got {len(res)})"
            )
        # Gradients for non-tensor inputs are dropped; extra trailing Nones are allowed.
        return tuple(res[i] for i in self.tensor_positions)

    def name(self) -> str:
        return self.fn_cls.__name__ + "Backward"


class Function:
    """Base class for custom autograd operations (see module docstring)."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def setup_context(ctx, inputs, output):
        return None

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` and, if any tensor input requires grad, record a node calling ``backward``."""
        from ..tensor import Tensor

        ctx = FunctionCtx()
        ctx._node = None
        tensor_positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        with _gm.no_grad():
            out = cls.forward(ctx, *args, **kwargs)
        is_tuple = isinstance(out, tuple)
        outs = out if is_tuple else (out,)
        record = _gm._State.enabled and any(ctx.needs_input_grad)
        if not record:
            return out
        node = _FunctionNode(tuple(edge_of(args[i]) for i in tensor_positions))
        node.fn_cls, node.ctx, node.tensor_positions = cls, ctx, list(range(len(tensor_positions)))
        # Map backward's per-argument result to tensor arguments only.
        node.tensor_positions = tensor_positions
        node.num_outputs = len(outs)
        node.out_meta = [(o._data.shape, o._data.dtype) if isinstance(o, Tensor) else ((), None) for o in outs]
        ctx._node = node
        non_diff = {id(t) for t in getattr(ctx, "_non_diff", ())}
        dirty = {id(t) for t in getattr(ctx, "_dirty", ())}
        wrapped = []
        for i, o in enumerate(outs):
            if not isinstance(o, Tensor) or id(o) in non_diff:
                wrapped.append(o)
                continue
            if id(o) in dirty:
                o._vbox[0] += 1
                target = o
            elif any(o is a for a in args):
                target = Tensor._make(o._data)  # an input returned as is becomes a view-like alias
                target._vbox = o._vbox
            else:
                target = o
            target.grad_fn = node
            target._output_nr = i
            target._requires_grad = True
            wrapped.append(target)
        if hasattr(ctx, "_to_save"):
            from .graph import SavedOutput

            # Outputs are saved as array + version, not as Tensors that point back at this node.
            out_ids = {id(w) for w in wrapped if isinstance(w, Tensor)}
            node.save(*(SavedOutput(t) if id(t) in out_ids else t for t in ctx._to_save))
        return tuple(wrapped) if is_tuple else wrapped[0]


def once_differentiable(fn):
    """Decorator for ``backward``: run it without recording a graph."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with _gm.no_grad():
            return fn(ctx, *args)

    return wrapper


class InplaceFunction(Function):
    pass


class NestedIOFunction(Function):
    pass
