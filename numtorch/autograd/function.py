"""Custom differentiable ops: subclass ``Function`` with static ``forward(ctx, ...)`` and ``backward(ctx, ...)``.

As in PyTorch, the ``ctx`` object *is* the backward node: every Function subclass gets a node class named
``<Name>Backward`` (``ctx.save_for_backward``, ``ctx.needs_input_grad``, custom attributes like ``ctx.k`` are
all on ``y.grad_fn``). ``apply`` runs ``forward`` without recording; if grad mode is on and some tensor input
requires grad, the outputs get that node as their ``grad_fn``. Saved tensors go through the same
version-checked saving as built-in ops, and are freed after backward unless the graph is retained.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np

from . import grad_mode as _gm
from .graph import Node, SavedOutput, edge_of


class FunctionCtx:
    """The ``ctx`` methods: saving tensors and flags between forward and backward."""

    def save_for_backward(self, *tensors) -> None:
        """Save tensors (or None) for ``backward``; they are checked against later in-place changes."""
        self.to_save = tensors

    def save_for_forward(self, *tensors) -> None:
        self.saved_for_forward = tensors

    def mark_dirty(self, *tensors) -> None:
        """Declare inputs that ``forward`` modified in place."""
        self.dirty_tensors = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        """Declare outputs that have no gradient."""
        self.non_differentiable = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """Whether missing output gradients reach ``backward`` as zeros (default) or None."""
        self.materialize_grads = value


class BackwardCFunction(Node, FunctionCtx):
    """Base of the ``<Name>Backward`` node classes: the ctx during forward, the grad_fn afterwards."""

    _forward_cls = None
    saved = None  # an ordinary attribute here: users may set ``ctx.saved`` (Node.saved is read through _saved_values)

    def __init__(self):
        Node.__init__(self)
        self.to_save = None
        self.materialize_grads = True

    def __repr__(self) -> str:
        return f"<torch.autograd.function.{type(self).__name__} object at {hex(id(self))}>"

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to ``save_for_backward`` (RuntimeError once freed by backward)."""
        if self._saved is None and self.to_save is not None:
            return tuple(self.to_save)  # still inside forward
        return Node.saved.fget(self)

    saved_variables = saved_tensors

    def backward(self, grad):
        grads = grad if type(grad) is tuple else (grad,)
        if self.materialize_grads:
            from ..tensor import Tensor

            grads = tuple(g if g is not None or meta is None else Tensor._make(np.zeros(meta[0], dtype=meta[1]))
                          for g, meta in zip(grads, self._out_meta))
        res = self._forward_cls.backward(self, *grads)
        if type(res) is not tuple:
            res = (res,)
        n_args = len(self._arg_meta)
        if len(res) != n_args:
            if len(res) > n_args and all(r is None for r in res[n_args:]):
                res = res[:n_args]
            else:
                raise RuntimeError(f"function {type(self).__name__} returned an incorrect number of gradients "
                                   f"(expected {n_args}, got {len(res)})")
        out = []
        for i, (g, meta) in enumerate(zip(res, self._arg_meta)):
            if meta is None:
                if g is not None:
                    raise RuntimeError(
                        f"function {type(self).__name__} returned a gradient different than None at position "
                        f"{i + 1}, but the corresponding forward input was not a Variable")
                continue
            if g is not None:
                g = self._validate(g, i, *meta)
            out.append(g)
        return tuple(out)

    def _validate(self, g, i: int, shape: tuple, dtype):
        # PyTorch's validate_outputs: sum a broadcastable gradient down, cast it to the input's dtype.
        if g._data.shape != shape:
            try:
                ok = np.broadcast_shapes(shape, g._data.shape) == g._data.shape
            except ValueError:
                ok = False
            if not ok:
                dims = "[" + ", ".join(map(str, g._data.shape)) + "]"
                raise RuntimeError(f"Function {type(self).__name__} returned an invalid gradient at index {i} - got "
                                   f"{dims} but expected shape compatible with [{', '.join(map(str, shape))}]")
            from ..ops._helpers import sum_to

            g = sum_to(g, shape)
        if g._data.dtype != dtype:
            from .. import dtypes as _dt

            g = g.to(_dt.from_numpy(dtype))
        return g


class Function:
    """Base class for custom autograd operations (see module docstring)."""

    _backward_cls = BackwardCFunction

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        name = cls.__name__ + "Backward"
        cls._backward_cls = type(name, (BackwardCFunction,), {"_forward_cls": cls, "__qualname__": name,
                                                               "__module__": "torch.autograd.function"})

    def __init__(self, *args, **kwargs):
        warnings.warn(
            f"{type(self)} should not be instantiated. Methods on autograd functions are all static, so you should "
            "invoke them on the class itself. Instantiating an autograd function will raise an error in a future "
            "version of PyTorch.",
            DeprecationWarning, stacklevel=2,
        )

    def __call__(self, *args, **kwargs):
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please use new-style autograd "
            "function with static forward method. (Example: https://pytorch.org/docs/stable/autograd.html"
            "#torch.autograd.Function)"
        )

    @staticmethod
    def forward(*args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("You must implement the jvp function for custom autograd.Function to use it with "
                                  "forward mode AD.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` and, if any tensor input requires grad, record a ``<Name>Backward`` node."""
        from ..tensor import Tensor

        ctx = cls._backward_cls()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        with _gm.no_grad():
            if cls.setup_context is not Function.setup_context:
                out = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, out)
            else:
                out = cls.forward(ctx, *args, **kwargs)
        if not (_gm._State.enabled and any(ctx.needs_input_grad)):
            return out
        is_tuple = isinstance(out, tuple)
        outs = out if is_tuple else (out,)
        dirty = getattr(ctx, "dirty_tensors", ())
        for t in dirty:
            if t.grad_fn is None and t._requires_grad and t._base is None:
                raise RuntimeError("a leaf Variable that requires grad has been used in an in-place operation.")
        ctx.next_functions = tuple(edge_of(a) for a in args if isinstance(a, Tensor))
        ctx._arg_meta = [(a._data.shape, a._data.dtype) if isinstance(a, Tensor) else None for a in args]
        ctx._out_meta = [(o._data.shape, o._data.dtype) if isinstance(o, Tensor) else None for o in outs]
        ctx.num_outputs = len(outs)
        non_diff = {id(t) for t in getattr(ctx, "non_differentiable", ())}
        dirty_ids = {id(t) for t in dirty}
        wrapped = []
        for i, o in enumerate(outs):
            if not isinstance(o, Tensor):
                wrapped.append(o)
                continue
            if id(o) in dirty_ids:
                o._vbox[0] += 1
                target = o
            elif any(o is a for a in args):
                # An input returned as is: the output is a new tensor sharing its memory (and version counter).
                target = Tensor._make(o._data)
                target._vbox = o._vbox
            else:
                target = o
            if id(o) in non_diff or target._data.dtype.kind not in "fc":
                target._requires_grad = False
            else:
                target.grad_fn = ctx
                target._output_nr = i
                target._requires_grad = True
            wrapped.append(target)
        if ctx.to_save is not None:
            # Outputs are saved as array + version, not as Tensors that point back at this node.
            out_ids = {id(w) for w in wrapped if isinstance(w, Tensor) and w.grad_fn is ctx}
            ctx.save(*(SavedOutput(t) if id(t) in out_ids else t for t in ctx.to_save))
            ctx.to_save = None
        return tuple(wrapped) if is_tuple else wrapped[0]


class _DelayedErrorNode(Node):
    """Backward of a once_differentiable backward's outputs: differentiating again is an error."""

    def backward(self, grad):
        raise RuntimeError(self.msg)


_DelayedErrorNode.__name__ = _DelayedErrorNode.__qualname__ = "DelayedError"


def once_differentiable(fn):
    """Decorator for ``backward``: run it without recording; a second differentiation raises."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        from ..tensor import Tensor

        with _gm.no_grad():
            outputs = fn(ctx, *args)
        if not _gm._State.enabled:
            return outputs
        if not any(isinstance(a, Tensor) and a._requires_grad for a in args):
            return outputs
        is_tuple = isinstance(outputs, tuple)
        outs = outputs if is_tuple else (outputs,)
        node = _DelayedErrorNode(tuple(edge_of(a) for a in args if isinstance(a, Tensor)))
        node.msg = "trying to differentiate twice a function that was marked with @once_differentiable"
        wrapped = []
        for o in outs:
            if isinstance(o, Tensor):
                o = Tensor._make(o._data)
                o.grad_fn, o._requires_grad = node, True
            wrapped.append(o)
        return tuple(wrapped) if is_tuple else wrapped[0]

    return wrapper


class InplaceFunction(Function):
    pass


class NestedIOFunction(Function):
    pass
