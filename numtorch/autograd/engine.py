"""The backward pass: count dependencies, then one sweep over the graph in PyTorch's order.

1. Walk back from the roots through ``next_functions`` and count, for every Node, how many edges point
   at it: a Node may run only after every path into it has delivered its gradient.
2. Sweep: a Node whose count reaches zero is ready; among ready Nodes the most recently created runs
   first (PyTorch's sequence-number order). Running a Node turns the sum of gradients for its outputs
   into gradients for its inputs, which are added into the buffers of the next Nodes.
3. Free each Node's saved values as it finishes, unless ``retain_graph``.

Both loops are iterative, so a graph of 10^5 chained ops needs no recursion.

``observers`` lets tools watch a backward pass without slowing the ordinary one: ``autograd.trace`` (which
reports every node as it runs, through the nodes' post-hooks) and the leak guard in ``numtorch.hints``.
Each is called once per backward, after step 1, with the start edges and every reachable Node; with none
registered the engine pays one truth test per backward, nothing per node.
"""

from __future__ import annotations

import heapq
import warnings

from .. import hints as _hints
from . import grad_mode
from .graph import AccumulateGrad, edge_of

# Called as ``observer(start, seen)`` at the start of every backward pass (see the module docstring).
observers: list = [_hints.leak_check] if _hints.leak_guard_enabled() else []


def _add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def run_backward(roots, root_grads, retain_graph: bool, create_graph: bool, inputs=None,
                 accumulate: bool = True, allow_unused: bool = False):
    """Backpropagate ``root_grads`` from ``roots``; accumulate into leaves, or return grads of ``inputs``."""
    # Edges from which the sweep starts; a root's gradient takes the root's dtype, as PyTorch's does.
    start = []
    for i, (t, g) in enumerate(zip(roots, root_grads)):
        edge = edge_of(t)
        if edge[0] is None:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g._data.dtype != t._data.dtype:
            g = g.to(t.dtype)
        start.append((edge, g))
    if accumulate and create_graph:
        _warn_create_graph_cycle()

    # What to capture: for autograd.grad / backward(inputs=...), the edge reaching each input.
    captures = None
    if inputs is not None:
        from ..tensor import Tensor

        captures = {}
        for k, t in enumerate(inputs):
            if not isinstance(t, Tensor):
                raise TypeError("inputs must be Tensors")
            edge = edge_of(t)
            if edge[0] is None:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            captures.setdefault(edge, []).append(k)

    # 1. Dependency counts (iterative DFS). Every reachable Node gets an entry, the start Nodes too (with 0
    # unless another start Node reaches them), so ``deps`` doubles as the set of Nodes seen.
    deps: dict = {}
    stack = []
    for (node, _), _ in start:
        if node not in deps:
            deps[node] = 0
            stack.append(node)
    while stack:
        for nxt, _ in stack.pop().next_functions:
            if nxt is not None:
                if nxt in deps:
                    deps[nxt] += 1
                else:
                    deps[nxt] = 1
                    stack.append(nxt)

    needed = _needed_nodes(deps, captures) if captures is not None else None
    if observers:
        seen = set(deps)
        for observe in tuple(observers):
            observe(start, seen)

    # 2. Sweep. ``ready`` is a heap of the Nodes whose inputs are all in, most recent first; when a Node
    # leaves exactly one Node ready and the heap is empty (a chain), that one runs next without the heap.
    buffers: dict = {}
    if len(start) == 1:  # one root (loss.backward()): it is the one ready Node
        (node, nr), g = start[0]
        buffers[node] = buf = [None] * node.num_outputs
        buf[nr] = g
        ready = []
    else:
        for (node, nr), g in start:
            buf = buffers.get(node)
            if buf is None:
                buf = buffers[node] = [None] * node.num_outputs
            buf[nr] = _add(buf[nr], g)
        ready = [(-node._seq, id(node), node) for node in buffers if deps[node] == 0]
        heapq.heapify(ready)
        node = heapq.heappop(ready)[2] if ready else None

    results = [None] * len(inputs) if inputs is not None else None
    prev_mode = grad_mode._State.enabled
    grad_mode._State.enabled = create_graph
    try:
        while node is not None:
            grads = buffers.pop(node, None) or [None] * node.num_outputs
            # Nodes from which no requested input can be reached do nothing at all (hooks, release included).
            if needed is not None and node not in needed:
                out = ()
            elif type(node) is AccumulateGrad:
                # A leaf's sink: its hooks, then the sum into .grad. It has no edges to follow.
                if node._tensor_hooks or node._pre_hooks or captures is not None or node.variable._hooks:
                    grads = _before_node(node, grads, True, captures, results)
                if accumulate and grads[0] is not None:
                    node.variable._accumulate_grad(grads[0], create_graph)
                    if node._post_hooks:
                        _run_post_hooks(node, (), grads)
                node = heapq.heappop(ready)[2] if ready else None
                continue
            else:
                if node._tensor_hooks or node._pre_hooks or captures is not None:
                    grads = _before_node(node, grads, False, captures, results)
                out = ()
                if grads[0] is not None or grads.count(None) != len(grads):
                    out = node.backward(grads[0] if node.num_outputs == 1 else tuple(grads))
                    if type(out) is not tuple:
                        out = (out,)
                    if node._post_hooks:
                        out = _run_post_hooks(node, out, grads)
                if not retain_graph:
                    node.release()

            # Pass each gradient along its edge; a Node whose last input arrived is ready.
            follow = None  # the one Node this one left ready, while no other is waiting
            edges = node.next_functions
            if len(out) != len(edges):
                out = (out + (None,) * len(edges))[:len(edges)]
            for (nxt, nr), g in zip(edges, out):
                if nxt is None:
                    continue
                if g is not None:
                    buf = buffers.get(nxt)
                    if buf is None:
                        buf = buffers[nxt] = [None] * nxt.num_outputs
                    old = buf[nr]
                    buf[nr] = g if old is None else old + g
                left = deps[nxt] - 1
                deps[nxt] = left
                if left == 0:
                    if follow is None and not ready:
                        follow = nxt
                    else:
                        if follow is not None:
                            heapq.heappush(ready, (-follow._seq, id(follow), follow))
                            follow = None
                        heapq.heappush(ready, (-nxt._seq, id(nxt), nxt))
            out = g = None  # only the buffers hold the gradients now (an AccumulateGrad may take one over)
            node = follow if follow is not None else heapq.heappop(ready)[2] if ready else None
    finally:
        grad_mode._State.enabled = prev_mode

    if inputs is not None and accumulate:
        for t, g in zip(inputs, results):
            if g is not None and t.grad_fn is not None:
                t._accumulate_grad(g, create_graph)
        return None
    if inputs is not None:
        for k, g in enumerate(results):
            if g is None and not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {k} appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior."
                )
    return results


def _run_post_hooks(node, out: tuple, grads: list) -> tuple:
    """A node's post-hooks, ``hook(grad_inputs, grad_outputs)``; each may replace the gradients it passes on."""
    for hook in node._post_hooks:
        new = hook(out, tuple(grads))
        if new is not None:
            out = tuple(new)
    return out


def _before_node(node, grads: list, is_acc: bool, captures, results) -> list:
    """What runs before a Node when anything is registered on it: hooks on its output tensors (or the leaf's
    own hooks, for an AccumulateGrad), its pre-hooks, and the capture of gradients for ``autograd.grad``."""
    if node._tensor_hooks:
        node._run_tensor_hooks(grads)
    elif is_acc and node.variable._hooks and grads[0] is not None:
        grads[0] = node.variable._run_hooks(grads[0])
    if node._pre_hooks:
        for hook in node._pre_hooks:
            new = hook(tuple(grads))
            if new is not None:
                grads = list(new)
    if captures is not None:
        for nr, g in enumerate(grads):
            for k in captures.get((node, nr), ()):
                results[k] = g
    return grads


_cycle_warned = False  # PyTorch warns once per process (TORCH_WARN_ONCE), whatever the warning filters


def _warn_create_graph_cycle() -> None:
    global _cycle_warned
    if _cycle_warned:
        return
    _cycle_warned = True
    warnings.warn(
        "Using backward() with create_graph=True will create a reference cycle between the parameter and its "
        "gradient which can cause a memory leak. We recommend using autograd.grad when creating the graph to avoid "
        "this. If you have to use this function, make sure to reset the .grad fields of your parameters to None "
        "after use to break the cycle and avoid the leak.",
        UserWarning, stacklevel=4,
    )


def _needed_nodes(nodes, captures) -> set:
    """Nodes from which some captured edge can be reached (others need not run)."""
    targets = {node for node, _ in captures}
    needed = set()
    # Iterative post-order DFS.
    state: dict = {}
    for root in nodes:
        if root in state:
            continue
        stack = [(root, iter(root.next_functions))]
        state[root] = False
        while stack:
            node, it = stack[-1]
            advanced = False
            for nxt, _ in it:
                if nxt is not None and nxt not in state:
                    state[nxt] = False
                    stack.append((nxt, iter(nxt.next_functions)))
                    advanced = True
                    break
            if advanced:
                continue
            stack.pop()
            if node in targets or any(n in needed for n, _ in node.next_functions if n is not None):
                needed.add(node)
    return needed
