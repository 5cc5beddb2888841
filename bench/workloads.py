"""The workloads, written once against the ``torch`` API, plus their plain-NumPy floors.

A workload's ``setup(fw, data)`` gets a framework namespace ``fw`` (``fw.torch``, ``fw.nn``, ``fw.F``,
``fw.optim``: numtorch's or PyTorch's) and returns a :class:`Case`: ``step()`` is the timed unit,
``state()`` returns the numbers the step changes (NumPy arrays) so the smoke test can check that the
floor computes the same thing, ``teardown()`` undoes any global setting. ``floor(data)`` returns the
same for the hand-written NumPy forward+backward. ``data(quick)`` makes the inputs (NumPy arrays), so
every framework starts from identical numbers.

Nothing here imports numtorch or torch; :func:`load_framework` does, in the worker process.
"""

from __future__ import annotations

import types

import numpy as np


class Case:
    __slots__ = ("step", "state", "teardown")

    def __init__(self, step, state=None, teardown=None):
        self.step = step
        self.state = state or (lambda: [])
        self.teardown = teardown or (lambda: None)


class Workload:
    def __init__(self, key, title, unit, setup, floor, data, ops_per_call=1, frameworks=("numtorch", "torch")):
        self.key = key
        self.title = title
        self.unit = unit  # display unit: "us", "ms", "s"
        self.setup = setup
        self.floor = floor
        self.data = data
        self.ops_per_call = ops_per_call  # W7 does 10 ops per call; times are reported per op
        self.frameworks = frameworks


def load_framework(name):
    """The framework namespace for ``name`` ("numtorch" or "torch")."""
    if name == "numtorch":
        import numtorch as torch
        import numtorch.nn as nn
        import numtorch.nn.functional as F
        import numtorch.optim as optim
    elif name == "torch":
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        import torch.optim as optim

        if not hasattr(torch, "_C"):  # numtorch's compat shim answering to "torch"
            raise ImportError("`import torch` did not give PyTorch (got %r)" % getattr(torch, "__file__", None))
    else:
        raise ValueError(name)
    return types.SimpleNamespace(name=name, torch=torch, nn=nn, F=F, optim=optim)


def _np(t):
    return np.array(t.detach().numpy(), dtype=np.float64)


def _rs():
    return np.random.RandomState(1234)


# ---------------------------------------------------------------------------------------------
# W1: seed 000 — F.mse_loss on 9 elements, manual update with detach_/requires_grad_
def _w1_data(quick=False):
    rs = _rs()
    return {"target": (np.arange(1, 10) / 10).astype(np.float32), "x0": rs.rand(9).astype(np.float32), "lr": 1.0}


def _w1_setup(fw, d):
    torch, F = fw.torch, fw.F
    target = torch.tensor(d["target"])
    x = torch.tensor(d["x0"])
    x.requires_grad = True
    lr = d["lr"]
    loss = F.mse_loss(x, target)

    def step():
        nonlocal x, loss
        loss.backward()
        x = x - lr * x.grad
        x.detach_()
        x.requires_grad_()
        loss = F.mse_loss(x, target)

    return Case(step, lambda: [_np(x)])


def _w1_floor(d):
    target = d["target"]
    x = d["x0"].copy()
    lr = d["lr"]
    n = x.size

    def step():
        nonlocal x
        diff = x - target
        loss = (diff * diff).mean()  # noqa: F841  (forward, as the loop computes it)
        grad = diff * (2.0 / n)
        x = x - lr * grad

    return Case(step, lambda: [x.astype(np.float64)])


# ---------------------------------------------------------------------------------------------
# W2: seed 001 — h = W*x, cost = mean((h-y)**2), SGD
def _w2_data(quick=False):
    return {"x": np.array([[1, 2, 3]], np.float32), "y": np.array([[1, 2, 3]], np.float32), "lr": 0.15}


def _w2_setup(fw, d):
    torch = fw.torch
    W = torch.zeros(1, requires_grad=True)
    x_train = torch.tensor(d["x"])
    y_train = torch.tensor(d["y"])
    opt = fw.optim.SGD([W], lr=d["lr"])

    def step():
        h = W * x_train
        cost = torch.mean((h - y_train) ** 2)
        opt.zero_grad()
        cost.backward()
        opt.step()

    return Case(step, lambda: [_np(W)])


def _w2_floor(d):
    x, y, lr = d["x"], d["y"], d["lr"]
    W = np.zeros(1, np.float32)
    scale = 2.0 / y.size

    def step():
        h = W * x
        diff = h - y
        cost = (diff * diff).mean()  # noqa: F841
        gW = (diff * scale * x).sum().reshape(1)
        W[...] -= lr * gW

    return Case(step, lambda: [W.astype(np.float64)])


# ---------------------------------------------------------------------------------------------
# W3: seed 004 — z = matmul(x, W) + b, F.mse_loss, SGD
def _w3_data(quick=False):
    rs = _rs()
    return {"x": np.ones(4, np.float32), "y": np.zeros(3, np.float32), "W": rs.rand(4, 3).astype(np.float32),
            "b": rs.rand(3).astype(np.float32), "lr": 0.01}


def _w3_setup(fw, d):
    torch, F = fw.torch, fw.F
    x = torch.tensor(d["x"])
    y = torch.tensor(d["y"])
    W = torch.tensor(d["W"], requires_grad=True)
    b = torch.tensor(d["b"], requires_grad=True)
    opt = fw.optim.SGD([W, b], lr=d["lr"])

    def step():
        z = torch.matmul(x, W) + b
        loss = F.mse_loss(z, y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return Case(step, lambda: [_np(W), _np(b)])


def _w3_floor(d):
    x, y, lr = d["x"], d["y"], d["lr"]
    W = d["W"].copy()
    b = d["b"].copy()
    scale = 2.0 / y.size

    def step():
        z = x @ W + b
        diff = z - y
        loss = (diff * diff).mean()  # noqa: F841
        gz = diff * scale
        W[...] -= lr * np.outer(x, gz)
        b[...] -= lr * gz

    return Case(step, lambda: [W.astype(np.float64), b.astype(np.float64)])


# ---------------------------------------------------------------------------------------------
# W4: MLP 784-256-10, ReLU, cross_entropy, batch 64, SGD momentum 0.9
def _w4_data(quick=False):
    rs = _rs()
    k1, k2 = 1 / np.sqrt(784), 1 / np.sqrt(256)
    return {
        "X": rs.randn(64, 784).astype(np.float32),
        "Y": rs.randint(0, 10, size=64).astype(np.int64),
        "W1": rs.uniform(-k1, k1, (256, 784)).astype(np.float32),
        "b1": rs.uniform(-k1, k1, 256).astype(np.float32),
        "W2": rs.uniform(-k2, k2, (10, 256)).astype(np.float32),
        "b2": rs.uniform(-k2, k2, 10).astype(np.float32),
        "lr": 0.01,
        "momentum": 0.9,
    }


def _w4_setup(fw, d):
    torch, nn, F = fw.torch, fw.nn, fw.F
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    with torch.no_grad():
        for p, k in zip(model.parameters(), ("W1", "b1", "W2", "b2")):
            p.copy_(torch.tensor(d[k]))
    X = torch.tensor(d["X"])
    Y = torch.tensor(d["Y"])
    opt = fw.optim.SGD(model.parameters(), lr=d["lr"], momentum=d["momentum"])

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(X), Y)
        loss.backward()
        opt.step()

    return Case(step, lambda: [_np(p) for p in model.parameters()])


def _w4_floor(d):
    X, Y, lr, mom = d["X"], d["Y"], d["lr"], d["momentum"]
    params = [d[k].copy() for k in ("W1", "b1", "W2", "b2")]
    bufs = [None] * 4
    n = X.shape[0]
    rows = np.arange(n)

    def step():
        W1, b1, W2, b2 = params
        # forward
        h = X @ W1.T + b1
        r = np.maximum(h, 0)
        logits = r @ W2.T + b2
        z = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        logp = z - np.log(s)
        loss = -logp[rows, Y].mean()  # noqa: F841
        # backward
        g = e / s
        g[rows, Y] -= 1
        g *= 1.0 / n
        gW2 = g.T @ r
        gb2 = g.sum(axis=0)
        gr = g @ W2
        gr *= h > 0
        gW1 = gr.T @ X
        gb1 = gr.sum(axis=0)
        # SGD with momentum (PyTorch's rule: buf = g on the first step, then buf = m*buf + g)
        for i, gp in enumerate((gW1, gb1, gW2, gb2)):
            if bufs[i] is None:
                bufs[i] = gp.copy()
            else:
                bufs[i] *= mom
                bufs[i] += gp
            params[i] -= lr * bufs[i]

    return Case(step, lambda: [p.astype(np.float64) for p in params])


# ---------------------------------------------------------------------------------------------
# W5: (A @ B).sum().backward(), 1024x1024 float32
def _w5_data(quick=False):
    rs = _rs()
    n = 1024
    return {"A": rs.randn(n, n).astype(np.float32), "B": rs.randn(n, n).astype(np.float32)}


def _w5_setup(fw, d):
    torch = fw.torch
    A = torch.tensor(d["A"], requires_grad=True)
    B = torch.tensor(d["B"], requires_grad=True)

    def step():
        A.grad = None  # measure the op, not gradient accumulation
        B.grad = None
        (A @ B).sum().backward()

    return Case(step, lambda: [_np(A.grad), _np(B.grad)])


def _w5_floor(d):
    A, B = d["A"], d["B"]
    grads = [None, None]

    def step():
        C = A @ B
        s = C.sum()  # noqa: F841
        gC = np.ones_like(C)
        grads[0] = gC @ B.T
        grads[1] = A.T @ gC

    return Case(step, lambda: [g.astype(np.float64) for g in grads])


# ---------------------------------------------------------------------------------------------
# W6: ((x*2+1).exp().log()*x).sum().backward(), 10^6 elements
def _w6_data(quick=False):
    return {"x": _rs().rand(10**6).astype(np.float32)}


def _w6_setup(fw, d):
    x = fw.torch.tensor(d["x"], requires_grad=True)

    def step():
        x.grad = None
        ((x * 2 + 1).exp().log() * x).sum().backward()

    return Case(step, lambda: [_np(x.grad)])


def _w6_1t_setup(fw, d):
    torch = fw.torch
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    case = _w6_setup(fw, d)
    case.teardown = lambda: torch.set_num_threads(before)
    return case


def _w6_floor(d):
    x = d["x"]
    out = [None]

    def step():
        # forward
        y = x * 2 + 1
        e = np.exp(y)
        lg = np.log(e)
        m = lg * x
        s = m.sum()  # noqa: F841
        # backward (the sum's gradient is all ones, so the first products need no pass)
        ge = x / e  # d(lg*x)/d lg = x, then d log(e)/d e = 1/e
        gy = ge * e  # d exp(y)/d y = exp(y)
        gy *= 2  # d (x*2+1)/d x
        gy += lg  # + d(lg*x)/d x = lg
        out[0] = gy

    return Case(step, lambda: [out[0].astype(np.float64)])


# ---------------------------------------------------------------------------------------------
# W7: a + b on 3 elements (10 ops per call, reported per op)
_W7_OPS = 10


def _w7_data(quick=False):
    rs = _rs()
    return {"a": rs.rand(3).astype(np.float32), "b": rs.rand(3).astype(np.float32)}


def _w7_setup(fw, d, no_grad=False):
    torch = fw.torch
    a = torch.tensor(d["a"], requires_grad=True)
    b = torch.tensor(d["b"], requires_grad=True)
    out = [None]

    def step():
        a + b
        a + b
        a + b
        a + b
        a + b
        a + b
        a + b
        a + b
        a + b
        out[0] = a + b

    if not no_grad:
        return Case(step, lambda: [_np(out[0])])
    prev = torch.is_grad_enabled()
    torch.set_grad_enabled(False)
    return Case(step, lambda: [_np(out[0])], lambda: torch.set_grad_enabled(prev))


def _w7_ng_setup(fw, d):
    return _w7_setup(fw, d, no_grad=True)


def _w7_floor(d):
    a, b = d["a"], d["b"]
    out = [None]

    def step():
        a + b
        a + b
        a + b
        a + b
        a + b
        a + b
        a + b
        a + b
        a + b
        out[0] = a + b

    return Case(step, lambda: [out[0].astype(np.float64)])


# ---------------------------------------------------------------------------------------------
# RNG: rand / randn of 10^6 float32 values
_RNG_N = 1_000_000


def _rng_data(quick=False):
    return {}


def _rand_setup(fw, d):
    torch = fw.torch
    torch.manual_seed(0)
    return Case(lambda: torch.rand(_RNG_N))


def _randn_setup(fw, d):
    torch = fw.torch
    torch.manual_seed(0)
    return Case(lambda: torch.randn(_RNG_N))


def _rand_floor(d):
    rng = np.random.default_rng(0)
    return Case(lambda: rng.random(_RNG_N, dtype=np.float32))


def _randn_floor(d):
    rng = np.random.default_rng(0)
    return Case(lambda: rng.standard_normal(_RNG_N, dtype=np.float32))


WORKLOADS = [
    Workload("W1", "W1 seed-000 loop (mse_loss, 9 elts)", "us", _w1_setup, _w1_floor, _w1_data),
    Workload("W2", "W2 seed-001 loop (W*x, mean sq, SGD)", "us", _w2_setup, _w2_floor, _w2_data),
    Workload("W3", "W3 seed-004 loop (matmul+b, mse, SGD)", "us", _w3_setup, _w3_floor, _w3_data),
    Workload("W4", "W4 MLP 784-256-10 step, batch 64", "ms", _w4_setup, _w4_floor, _w4_data),
    Workload("W5", "W5 (A@B).sum().backward() 1024^2", "ms", _w5_setup, _w5_floor, _w5_data),
    Workload("W6", "W6 pointwise chain 1e6 fwd+bwd", "ms", _w6_setup, _w6_floor, _w6_data),
    # PyTorch with one intra-op thread (numtorch and the floor reuse W6)
    Workload("W6_1t", "W6 vs PyTorch 1 thread", "ms", _w6_1t_setup, None, _w6_data, frameworks=("torch",)),
    Workload("W7", "W7 a+b, 3 elts, requires_grad", "us", _w7_setup, _w7_floor, _w7_data, ops_per_call=_W7_OPS),
    Workload("W7_ng", "W7 a+b, 3 elts, no_grad", "us", _w7_ng_setup, _w7_floor, _w7_data, ops_per_call=_W7_OPS),
    Workload("rand", "rand(1e6) float32", "ms", _rand_setup, _rand_floor, _rng_data),
    Workload("randn", "randn(1e6) float32", "ms", _randn_setup, _randn_floor, _rng_data),
]

BY_KEY = {w.key: w for w in WORKLOADS}


def make_case(workload, framework, fw=None, data=None):
    """Set up ``workload`` on ``framework`` ("numtorch", "torch" or "numpy"); ``fw`` from load_framework."""
    if data is None:
        data = workload.data()
    if framework == "numpy":
        if workload.floor is None:
            return None
        return workload.floor(data)
    if framework not in workload.frameworks:
        return None
    return workload.setup(fw, data)
