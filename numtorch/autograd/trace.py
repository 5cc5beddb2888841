"""``numtorch.autograd.trace()``: watch the backward pass, node by node, in the engine's real order.

::

    with torch.autograd.trace() as tr:
        loss.backward()

prints, as each Node runs, the gradient it received and what it sent along each of its edges (for an
AccumulateGrad: which leaf, what was added into ``.grad``), and keeps the same as data in ``tr.events``.
``numtorch.viz.graph(loss, trace=tr)`` writes those gradients on the picture's edges.

How it watches: while the block is active the trace is one of the engine's ``observers``; at the start of
each backward it appends a post-hook to every reachable Node (the same hook ``grad_fn.register_hook``
adds), so it sees exactly what the engine passes on, after the user's own hooks. The hooks come off when
the block ends. Outside a trace the engine does not know it exists.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO

from .. import hints as _hints
from . import engine
from .graph import AccumulateGrad, Node


# --- short numbers ----------------------------------------------------------------------------------------
def _num(v) -> str:
    if isinstance(v, (bool, int)) or getattr(v, "dtype", None) is not None and v.dtype.kind in "biu":
        return str(v.item() if hasattr(v, "item") else v)
    return f"{float(v):.4g}"


def short(t) -> str:
    """A gradient in a few characters: 4 significant digits, tensors of more than 4 values summarised."""
    if t is None:
        return "None"
    a = getattr(t, "_data", t)
    if a.ndim == 0:
        return _num(a[()])
    flat = a.reshape(-1)
    dims = "x".join(map(str, a.shape))
    if flat.size and (flat == flat[0]).all() and flat.size > 1:
        return f"{_num(flat[0])} (all {dims})"
    if flat.size <= 4:
        body = "[" + ", ".join(_num(v) for v in flat) + "]"
        return body if a.ndim == 1 else f"{dims} {body}"
    return f"{dims} [" + ", ".join(_num(v) for v in flat[:3]) + ", …]"


# --- the events ----------------------------------------------------------------------------------------------
@dataclass
class Sent:
    """What a node sent along one of its edges (``next_functions[input]``)."""

    input: int               # which input of the sending node
    to: str                  # the receiving node's label ("" when that input needs no gradient)
    node: Node | None        # the receiving node
    grad: Any                # the gradient sent (a Tensor), or None


@dataclass
class TraceEvent:
    """One node run by the engine."""

    backward: int            # which backward pass of the trace (1, 2, …)
    step: int                # its place in that pass's run order (1, 2, …)
    name: str                # the node's class name: "MulBackward0", "AccumulateGrad"
    label: str               # the name plus the variable it belongs to, when known: "MulBackward0 (y)"
    node: Node
    grad_in: tuple           # the gradient(s) it received, one per output of the node
    sent: list[Sent] = field(default_factory=list)  # one per edge; empty for AccumulateGrad
    leaf: Any = None         # AccumulateGrad: the leaf tensor
    leaf_name: str | None = None
    grad_after: Any = None   # AccumulateGrad: the leaf's .grad after the gradient was added

    def to_dict(self) -> dict:
        """The event as plain Python data (gradients as nested lists)."""
        out = {"backward": self.backward, "step": self.step, "name": self.name, "label": self.label,
               "grad_in": [_plain(g) for g in self.grad_in],
               "sent": [{"input": s.input, "to": s.to, "grad": _plain(s.grad)} for s in self.sent]}
        if self.name == "AccumulateGrad":
            out.update(leaf=self.leaf_name, accumulated=_plain(self.grad_in[0]), grad_after=_plain(self.grad_after))
        return out


def _plain(t):
    return None if t is None else t._data.tolist()


def _copy(t):
    # The value as it was at this moment, without history (a later in-place change must not show through).
    if t is None:
        return None
    from ..tensor import Tensor

    return Tensor._make(t._data.copy())


# --- the context manager -------------------------------------------------------------------------------------
class trace:
    """Report every node of every ``backward()`` inside the ``with`` block, as text and as ``events``.

    ``file``: where the text goes (default ``sys.stdout`` at the time of printing); ``quiet=True`` prints
    nothing and only records. ``names`` maps names to tensors (or modules, whose parameters are then named
    ``module.weight``); variables of the code that calls ``backward()`` are named automatically.
    The trace keeps the nodes it saw alive until it is dropped: trace a few backward passes, not an epoch.
    """

    def __init__(self, file: TextIO | None = None, *, names: Mapping[str, Any] | None = None,
                 quiet: bool = False) -> None:
        self.file = file
        self.quiet = quiet
        self.events: list[TraceEvent] = []
        self.lines: list[str] = []
        self._given = dict(names or {})
        self._hooked: dict = {}          # node -> the hook this trace appended to it
        self._names: dict = {}           # id(tensor or grad_fn) -> (object, name)
        self._backward = 0
        self._step = 0

    def __enter__(self) -> "trace":
        engine.observers.append(self._begin)
        return self

    def __exit__(self, *exc) -> None:
        if self._begin in engine.observers:
            engine.observers.remove(self._begin)
        for node, hook in self._hooked.items():
            hooks = node._post_hooks
            if hooks is not None and hook in hooks:
                hooks.remove(hook)
                if not hooks:
                    node._post_hooks = None
        self._hooked.clear()

    # -- reading it back -----------------------------------------------------------------------------------------
    def text(self) -> str:
        """Everything the trace printed (also when ``quiet``)."""
        return "\n".join(self.lines) + ("\n" if self.lines else "")

    __str__ = text

    def last_events(self) -> dict:
        """For each node seen, the event of its latest run (what ``viz.graph(..., trace=tr)`` draws)."""
        return {ev.node: ev for ev in self.events}

    # -- the engine's side --------------------------------------------------------------------------------------
    def _begin(self, start, seen) -> None:
        """Engine observer: hook every node of this pass (once per trace) and print the pass's header."""
        self._backward += 1
        self._step = 0
        self._learn_names()
        for node in seen:
            if node not in self._hooked:
                hook = self._hook_for(node)
                if node._post_hooks is None:
                    node._post_hooks = []
                node._post_hooks.append(hook)
                self._hooked[node] = hook
        roots = ", ".join(f"{self._label(n)} with gradient {short(g)}" for (n, _), g in start)
        self._say(f"backward #{self._backward} from {roots} ({len(seen)} nodes in the graph)")

    def _hook_for(self, node: Node):
        def hook(grad_inputs, grad_outputs):
            self._record(node, grad_inputs, grad_outputs)

        return hook

    def _record(self, node: Node, out: tuple, grads: tuple) -> None:
        self._step += 1
        label = self._label(node)
        ev = TraceEvent(self._backward, self._step, type(node).__name__, label, node,
                        tuple(_copy(g) for g in grads))
        lines = [f"{ev.step:>3}. {label} received {', '.join(short(g) for g in ev.grad_in)}"]
        if type(node) is AccumulateGrad:
            leaf = node.variable
            ev.leaf, ev.leaf_name, ev.grad_after = leaf, self._leaf_name(leaf), _copy(leaf._grad)
            lines.append(f"       {ev.leaf_name}.grad += {short(ev.grad_in[0])}  ->  {ev.leaf_name}.grad = "
                         f"{short(ev.grad_after)}")
        else:
            for i, (nxt, _) in enumerate(node.next_functions):
                g = out[i] if i < len(out) else None
                if nxt is None:
                    ev.sent.append(Sent(i, "", None, None))
                    lines.append(f"       input {i}: needs no gradient")
                else:
                    s = Sent(i, self._label(nxt), nxt, _copy(g))
                    ev.sent.append(s)
                    lines.append(f"       -> {s.to}: {short(s.grad)}")
        self.events.append(ev)
        for line in lines:
            self._say(line)

    def _say(self, line: str) -> None:
        self.lines.append(line)
        if not self.quiet:
            print(line, file=self.file if self.file is not None else sys.stdout)

    # -- names ----------------------------------------------------------------------------------------------------
    def _learn_names(self) -> None:
        """Name tensors after the variables of the code calling backward() (given names win)."""
        frame = _hints.user_frame(2)
        found = dict(frame.f_locals) if frame is not None else {}
        found.update(self._given)
        from ..tensor import Tensor

        for name, obj in found.items():
            if name.startswith("_"):
                continue
            if isinstance(obj, Tensor):
                self._name(obj, name, name in self._given)
            elif callable(getattr(obj, "named_parameters", None)) and not isinstance(obj, type):
                try:
                    params = list(obj.named_parameters())
                except Exception:  # noqa: BLE001 - a look at the caller's variables must never break backward
                    continue
                for pname, p in params:
                    self._name(p, f"{name}.{pname}", name in self._given)

    def _name(self, t, name: str, given: bool) -> None:
        for key, obj in ((id(t), t), (id(t.grad_fn), t.grad_fn) if t.grad_fn is not None else (None, None)):
            if key is not None and (given or key not in self._names or self._names[key][0] is not obj):
                self._names[key] = (obj, name)

    def _lookup(self, obj) -> str | None:
        hit = self._names.get(id(obj))
        return hit[1] if hit is not None and hit[0] is obj else None

    def _leaf_name(self, leaf) -> str:
        name = self._lookup(leaf)
        return name if name is not None else "leaf" + "[" + ", ".join(map(str, leaf._data.shape)) + "]"

    def _label(self, node: Node) -> str:
        if type(node) is AccumulateGrad:
            return f"AccumulateGrad ({self._leaf_name(node.variable)})"
        name = self._lookup(node)
        return type(node).__name__ + (f" ({name})" if name else "")
