"""The backward graph: Node (a tensor's ``grad_fn``), AccumulateGrad for leaves, saved tensors, hooks.

Every op's Node lives beside its forward in ``numtorch/ops``; this module holds only what all Nodes share.
A Node points *backwards* to the Nodes of its inputs through ``next_functions`` (``(node, input_nr)``
pairs, ``None`` where an input needs no gradient), which is all the engine needs to walk the graph.
"""

from __future__ import annotations

import itertools
import re
import weakref

from .. import hints as _hints

_sequence = itertools.count()

_FREED = object()  # marks saved values released after backward without retain_graph

SECOND_BACKWARD_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they have "
    "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
    "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or "
    "if you need to access saved tensors after calling backward."
)


class SavedOutput:
    """A Node's own output, saved as array + version (not as the Tensor, which would make a reference cycle)."""

    __slots__ = ("data", "_vbox", "version")

    def __init__(self, tensor):
        self.data = tensor._data
        self._vbox = tensor._vbox  # named like Tensor's, so Node.save records and checks its version
        self.version = tensor._vbox[0]


class Node:
    """Base of every backward function. Subclasses implement ``backward(grad)`` → one gradient per input.

    ``backward`` receives the gradient of this node's output (a Tensor; a tuple for multi-output nodes)
    and is written with numtorch ops, so running it with grad mode on builds the graph of the gradient
    itself (``create_graph=True``: higher-order derivatives need no extra code).
    """

    __slots__ = ("next_functions", "_seq", "_metadata", "__weakref__", "__dict__")

    num_outputs = 1
    # Set on the node itself only when used (most nodes save nothing and have no hooks).
    _saved = None
    _pre_hooks = None
    _post_hooks = None
    _tensor_hooks = None

    def __init__(self, next_functions=()):
        self.next_functions = next_functions
        self._seq = next(_sequence)

    # -- saved values -------------------------------------------------------------------------------
    def save(self, *items) -> None:
        """Keep what ``backward`` needs: input Tensors (version-checked), SavedOutput, or plain values."""
        versions = []
        for item in items:
            vbox = None if item is None else getattr(item, "_vbox", None)
            if vbox is None:
                versions.append(None)
                continue
            versions.append(vbox[0])
            if len(vbox) == 1:
                # A second slot marks "some Node saved this memory": in-place writes to it then record
                # where they happened (hints.record_write), for the note on the version-mismatch error.
                vbox.append(None)
        self._saved = (items, versions)

    @property
    def saved(self) -> tuple:
        """The saved values, checked against in-place changes since they were saved."""
        saved = self._saved
        if saved is _FREED:
            raise _hints.freed_note(RuntimeError(SECOND_BACKWARD_MSG), self)
        if saved is None:
            return ()
        items, versions = saved
        outputs = False
        for item, version in zip(items, versions):
            if version is not None:
                if item._vbox[0] != version:
                    raise _hints.modified_note(RuntimeError(_modified_message(item, version, self)), item._vbox,
                                               version, self)
                if type(item) is SavedOutput:
                    outputs = True
        if not outputs:
            return items
        return tuple(self._rewrap(item) if type(item) is SavedOutput else item for item in items)

    def _rewrap(self, saved: SavedOutput):
        # The output again as a Tensor, with this Node as its grad_fn, as PyTorch's SavedVariable does.
        from ..tensor import Tensor

        t = Tensor._make(saved.data)
        t._vbox = saved._vbox
        t.grad_fn = self
        t._requires_grad = True
        return t

    def release(self) -> None:
        """Free the saved values (called by the engine after backward without retain_graph)."""
        if self._saved is not None:
            self._saved = _FREED

    @property
    def metadata(self) -> dict:
        """A dict for the user's own annotations (created on first use)."""
        try:
            return self._metadata
        except AttributeError:
            self._metadata = {}
            return self._metadata

    # -- identity -----------------------------------------------------------------------------------
    def name(self) -> str:
        """What PyTorch's ``grad_fn.name()`` says: the class name (``MulBackward0``), or the C++ name for
        nodes PyTorch writes by hand (``torch::autograd::AccumulateGrad``). Printing uses the class name."""
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    # -- hooks ----------------------------------------------------------------------------------------
    def register_hook(self, hook):
        """``hook(grad_inputs, grad_outputs)`` runs after this node; may return replacement grad_inputs."""
        if self._post_hooks is None:
            self._post_hooks = []
        self._post_hooks.append(hook)
        return RemovableHandle(self._post_hooks, hook)

    def register_prehook(self, hook):
        """``hook(grad_outputs)`` runs before this node; may return replacement grad_outputs."""
        if self._pre_hooks is None:
            self._pre_hooks = []
        self._pre_hooks.append(hook)
        return RemovableHandle(self._pre_hooks, hook)

    def _add_tensor_hook(self, output_nr: int, hook):
        if self._tensor_hooks is None:
            self._tensor_hooks = {}
        hooks = self._tensor_hooks.setdefault(output_nr, [])
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    def _set_retain_grad_hook(self, output_nr: int, hook) -> None:
        # Kept apart from the other tensor hooks (key ("retain", nr)): it always runs after them, as in PyTorch.
        if self._tensor_hooks is None:
            self._tensor_hooks = {}
        self._tensor_hooks[("retain", output_nr)] = hook

    def _run_tensor_hooks(self, grads: list) -> None:
        """Run the hooks registered on this node's output tensors, then their retain_grad hooks."""
        hooks = self._tensor_hooks
        for nr, fns in list(hooks.items()):
            if type(nr) is int:
                for hook in list(fns):
                    if grads[nr] is not None:
                        new = hook(grads[nr])
                        if new is not None:
                            grads[nr] = new
        for key, hook in list(hooks.items()):
            if type(key) is tuple and grads[key[1]] is not None:
                hook(grads[key[1]])

    # -- calling ----------------------------------------------------------------------------------------
    def backward(self, grad):
        raise NotImplementedError

    def __call__(self, *grads):
        return self.backward(grads[0] if self.num_outputs == 1 else grads)


class AccumulateGrad(Node):
    """The sink of a leaf tensor: adds the incoming gradient into ``leaf.grad``."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        # Node.__init__'s two fields set here directly: a leaf's AccumulateGrad is made again in every step
        # (the leaf holds it only weakly, as PyTorch's does), so its creation is on the hot path.
        self.next_functions = ()
        self._seq = next(_sequence)
        self.variable = variable

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def backward(self, grad):
        v = self.variable
        if v._hooks:
            grad = v._run_hooks(grad)
        v._accumulate_grad(grad)
        return ()


def accumulator_of(leaf) -> AccumulateGrad:
    """The leaf's one AccumulateGrad node (the leaf keeps only a weak reference, as in PyTorch)."""
    ref = leaf._acc
    node = ref() if ref is not None else None
    if node is None:
        node = AccumulateGrad(leaf)
        leaf._acc = weakref.ref(node)
    return node


_NO_EDGE = (None, 0)


def edge_of(t) -> tuple:
    """The ``(node, input_nr)`` through which a gradient reaches tensor ``t`` (``(None, 0)`` if none)."""
    if t._base is not None and t._view_version != t._vbox[0] and t._view_version is not None:
        refresh_view(t)
    fn = t.grad_fn
    if fn is not None:
        return (fn, t._output_nr)
    if t._requires_grad:
        ref = t._acc
        node = ref() if ref is not None else None
        return (node if node is not None else accumulator_of(t), 0)
    return _NO_EDGE


def bump_version(vbox: list) -> None:
    """An in-place write: the version goes up, and if a Node saved this memory (``vbox`` has a second slot)
    the learner's file and line are kept for the note on the version-mismatch error."""
    vbox[0] += 1
    if len(vbox) > 1:
        _hints.record_write(vbox)


def graph_size(t) -> int:
    """How many distinct Nodes (AccumulateGrad included) are reachable from ``t.grad_fn`` (0 for a leaf).

    A loss's graph has the same size in every iteration of a healthy training loop; a size that keeps
    growing means something carries the history of earlier iterations (``total_loss += loss``).
    """
    root = t if isinstance(t, Node) else t.grad_fn
    if root is None:
        return 0
    seen = {root}
    stack = [root]
    while stack:
        for nxt, _ in stack.pop().next_functions:
            if nxt is not None and nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return len(seen)


def refresh_view(view) -> None:
    """Bring a view's ``grad_fn`` up to date after its base (or another view of it) changed in place.

    PyTorch regenerates such a view's history lazily as ``AsStridedBackward0`` of the base's current
    history; numtorch does the same whenever the view is used (``edge_of``) or shown.
    """
    view._view_version = view._vbox[0]
    base = view._base
    if base.grad_fn is None and not base._requires_grad:
        return
    from ..ops.inplace import as_strided_view_node

    old_fn, old_nr = view.grad_fn, view._output_nr
    view.grad_fn = as_strided_view_node(view, edge_of(base))
    view._output_nr = 0
    view._requires_grad = True
    move_retain_grad_hook(view, old_fn, old_nr)


def move_retain_grad_hook(t, old_fn, old_nr: int) -> None:
    """After ``t`` got a new grad_fn (in-place op), its retain_grad hook follows it, as in PyTorch."""
    keep = t._retains_grad
    if keep is False:
        return
    if old_fn is not None and old_fn._tensor_hooks:
        old_fn._tensor_hooks.pop(("retain", old_nr), None)
    t.grad_fn._set_retain_grad_hook(t._output_nr, keep)


def _short_name(node) -> str:
    return re.sub(r"Backward\d*$", "", type(node).__name__)


def _modified_message(item, expected: int, node) -> str:
    from ..tensor import Tensor

    if type(item) is SavedOutput:
        shape, dtype_legacy, now = item.data.shape, Tensor._legacy_name_of(item.data), item._vbox[0]
        who = f", which is output 0 of {_short_name(node)},"
    else:
        item._refresh()  # a view's history as PyTorch would name it now (AsStrided after a base change)
        shape, dtype_legacy, now = item._data.shape, Tensor._legacy_name_of(item._data), item._vbox[0]
        who = f", which is output {item._output_nr} of {_short_name(item.grad_fn)}," if item.grad_fn else ""
    dims = "[" + ", ".join(str(s) for s in shape) + "]"
    return (
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"[torch.{dtype_legacy}Tensor {dims}]{who} is at version {now}; expected version {expected} instead. "
        "Hint: enable anomaly detection to find the operation that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False)."
    )


class RemovableHandle:
    """Returned by ``register_hook``: ``handle.remove()`` takes the hook out again (also a context manager)."""

    __slots__ = ("_hooks", "_hook")

    def __init__(self, hooks: list, hook):
        self._hooks, self._hook = hooks, hook

    def __repr__(self) -> str:
        return f"<torch.utils.hooks.RemovableHandle object at {hex(id(self))}>"

    def remove(self) -> None:
        try:
            self._hooks.remove(self._hook)
        except ValueError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.remove()
