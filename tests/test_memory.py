"""Memory over a long training loop (issue 4).

W4's step (Linear, ReLU, Linear, ``F.cross_entropy``, ``SGD(momentum=0.9)``, ``zero_grad``/``backward``/``step``),
on a smaller model and batch (the ops, not the sizes, decide what is kept): each step's graph dies with its loss by
reference counting alone, and nothing numtorch keeps (parameters, grads, momentum buffers) grows over 10^4 steps.
A user who keeps the loss tensor itself (``total_loss += loss``) keeps every step's graph alive, as in PyTorch.
The 10^4 steps run under tracemalloc, which makes them several times slower (about 7 s on the 2-core box).

No timing assertions here; tracemalloc and gc are the instruments.
"""

from __future__ import annotations

import gc
import importlib
import sys
import tracemalloc
import warnings
import weakref

import numpy as np
import pytest

import numtorch
from numtorch.autograd.graph import Node, graph_size
from numtorch.tensor import Tensor

STEPS = 10_000
WARMUP = 200


def _setup(torch=numtorch, batch=8, n_in=20, hidden=16, classes=4):
    """The W4 loop on ``torch`` (numtorch, or real PyTorch for the comparison): (model, opt, X, Y, step)."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(n_in, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, classes))
    rs = np.random.RandomState(0)
    X = torch.tensor(rs.randn(batch, n_in).astype(np.float32))
    Y = torch.tensor(rs.randint(0, classes, size=batch).astype(np.int64))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    cross_entropy = torch.nn.functional.cross_entropy

    def step():
        opt.zero_grad()
        loss = cross_entropy(model(X), Y)
        loss.backward()
        opt.step()
        return loss

    return model, opt, X, Y, step


def _live(kind) -> int:
    """How many objects of class ``kind`` the garbage collector can see (by their type: isinstance would ask
    every object for ``__class__``, which some proxies answer with a warning)."""
    return sum(1 for o in gc.get_objects() if issubclass(type(o), kind))


def test_each_steps_graph_dies_with_its_loss():
    """Right after a step, the loss's graph (and every tensor it saved) is gone, without the collector's help."""
    *_, step = _setup()
    for _ in range(5):
        step()
    gc.collect()
    tensors, nodes = _live(Tensor), _live(Node)
    assert tensors >= 14  # the collector sees tensors: 4 parameters, 4 grads, 4 momentum buffers, X, Y at least
    gc.disable()
    try:
        for _ in range(20):
            loss = step()
            root = weakref.ref(loss.grad_fn)
            del loss
            assert root() is None
            assert _live(Tensor) == tensors  # parameters, their grads, momentum buffers, X, Y: nothing new
            assert _live(Node) == nodes
        assert gc.collect() == 0  # no reference cycle was left for the collector
    finally:
        gc.enable()


def test_ten_thousand_steps_do_not_grow_memory():
    """10^4 steps after a warm-up: traced memory (NumPy buffers included) and the count of objects the collector
    tracks end where they started, give or take a little slack."""
    model, opt, *_, step = _setup()
    for _ in range(WARMUP):  # momentum buffers, .grad arrays, caches filled on first use
        step()
    tracemalloc.start()
    try:
        for _ in range(WARMUP):  # allocations first seen under tracing (free lists, interned values)
            step()
        gc.collect()
        before = tracemalloc.take_snapshot()
        start, _ = tracemalloc.get_traced_memory()
        objects = len(gc.get_objects())
        for _ in range(STEPS):
            step()
        gc.collect()
        end, _ = tracemalloc.get_traced_memory()
        objects = len(gc.get_objects()) - objects
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    growth = end - start
    # A leak of one small object per step would be >= 10^4 * 16 bytes; 16 KiB of slack allows for a few
    # allocations that happen once (a dict resizing, an interned value).
    top = "\n".join(str(s) for s in after.compare_to(before, "lineno")[:10])
    assert growth < 16 * 1024, f"traced memory grew by {growth} bytes over {STEPS} steps:\n{top}"
    assert objects < 20, f"{objects} more objects tracked by gc after {STEPS} steps"
    # The state itself is what it was: one .grad and one momentum buffer per parameter.
    assert all(p.grad is not None for p in model.parameters())
    assert len(opt.state) == 4 and all(set(s) == {"momentum_buffer"} for s in opt.state.values())


def _graph_sizes(torch, keep_tensor: bool, steps: int = 6):
    """The node count of the running total's graph after each step of the W4 loop (0 when the total is a number),
    weak references to each step's loss graph (numtorch only: PyTorch's nodes take no weak references), and the
    total itself."""
    model, opt, X, Y, _ = _setup(torch)
    count = graph_size if torch is numtorch else (lambda t: _count_nodes(t.grad_fn))
    total = 0
    sizes, roots = [], []
    for _ in range(steps):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(X), Y)
        total += loss if keep_tensor else loss.item()
        loss.backward()
        opt.step()
        if torch is numtorch:
            roots.append(weakref.ref(loss.grad_fn))
        sizes.append(count(total) if keep_tensor else 0)
    del loss
    return sizes, roots, total


def _count_nodes(root) -> int:
    """Distinct nodes reachable from ``root`` through next_functions (works on numtorch's and PyTorch's)."""
    seen, stack = {root}, [root]
    while stack:
        for nxt, _ in stack.pop().next_functions:
            if nxt is not None and nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return len(seen)


def test_total_loss_plus_equals_loss_keeps_every_graph():
    """``total_loss += loss`` chains every step's graph onto the total: it grows by one step's nodes (NllLoss,
    LogSoftmax, 2 Addmm, 2 T, Relu) plus the Add each time; the parameters' AccumulateGrad nodes are shared."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the leak guard's teaching warning, when it is armed
        sizes, roots, total = _graph_sizes(numtorch, keep_tensor=True)
    assert sizes == [12 + 8 * k for k in range(len(sizes))]
    assert all(r() is not None for r in roots)  # every step's graph lives as long as the total does
    del total
    assert all(r() is None for r in roots)


def test_total_loss_plus_equals_item_keeps_nothing():
    _, roots, total = _graph_sizes(numtorch, keep_tensor=False)
    assert type(total) is float and all(r() is None for r in roots)


def _real_torch():
    """Real PyTorch, or None (numtorch.compat may answer to ``import torch``: that does not count)."""
    mod = sys.modules.get("torch")
    if mod is not None:
        return mod if hasattr(mod, "_C") else None
    try:
        mod = importlib.import_module("torch")
    except Exception:
        return None
    return mod if hasattr(mod, "_C") else None


def test_graph_growth_matches_pytorch():
    torch = _real_torch()
    if torch is None:
        pytest.skip("real PyTorch is not importable here")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = _graph_sizes(numtorch, keep_tensor=True)[0]
    assert ours == _graph_sizes(torch, keep_tensor=True)[0]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc options (numtorch._keep_freed_heap)")
def test_mid_size_arrays_reuse_freed_heap_memory():
    # numtorch tunes glibc (M_TOP_PAD) so that freed graphs stay in the heap; that also froze the mmap threshold at
    # 128 KiB, so every larger array was a fresh mmap page-faulted in on each allocation (~200 faults per 800 KiB
    # array). With the threshold raised too, repeated allocations of the same size reuse the heap: no faults.
    import resource

    a = np.ones(200_000, np.float32)  # 800 KiB, like W4's first weight
    for _ in range(20):
        a.copy()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(200):
        a.copy()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    assert faults < 200, faults  # was ~40 000 (about 200 per copy)
