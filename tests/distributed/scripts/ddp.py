"""DistributedDataParallel against one process that trains on every rank's batch; test_ddp.py checks it."""

import warnings

import numpy as np

import numtorch as torch
import numtorch.distributed as dist
import numtorch.nn as nn
import numtorch.nn.functional as F
from _report import report
from numtorch.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group("mpi")
r, n = dist.get_rank(), dist.get_world_size()
out = {}
BATCH = 8


def mlp():
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 3))


def data(step: int):
    """Every rank's batch for a step (each rank uses its slice; the reference uses all of it)."""
    g = torch.Generator().manual_seed(1000 + step)
    return torch.randn(BATCH * n, 6, generator=g), torch.randint(0, 3, (BATCH * n,), generator=g)


def max_diff(a: nn.Module, b: nn.Module) -> float:
    return max(float(np.abs(p.detach().numpy() - q.detach().numpy()).max())
               for p, q in zip(a.parameters(), b.parameters()))


def train_pair(set_to_none: bool = True, **ddp_kwargs):
    """5 SGD+momentum steps of DDP (local slice) and of a reference model (whole batch)."""
    torch.manual_seed(100 + r)  # a different start on every rank: DDP must adopt rank 0's
    model = DDP(mlp(), **ddp_kwargs)
    ref = mlp()
    ref.load_state_dict({k[len("module."):]: v for k, v in model.state_dict().items()})
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    opt_ref = torch.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
    for step in range(5):
        x, y = data(step)
        opt.zero_grad(set_to_none=set_to_none)
        F.cross_entropy(model(x[r * BATCH:(r + 1) * BATCH]), y[r * BATCH:(r + 1) * BATCH]).backward()
        opt.step()
        opt_ref.zero_grad()
        F.cross_entropy(ref(x), y).backward()
        opt_ref.step()
    return model, ref


# 1. Same parameters as one process on the concatenated batch; default buckets and one bucket per tensor.
model, ref = train_pair()
out["diff_default"] = max_diff(model.module, ref)
out["buckets_default"] = len(model.reducer.buckets)
model_small, ref_small = train_pair(bucket_cap_mb=1e-4)
out["diff_small_buckets"] = max_diff(model_small.module, ref_small)
out["buckets_small"] = len(model_small.reducer.buckets)
for set_to_none in (True, False):
    model_view, ref_view = train_pair(set_to_none, gradient_as_bucket_view=True, bucket_cap_mb=1e-3)
    grad = model_view.module[0].weight.grad
    out[f"diff_bucket_view_{set_to_none}"] = max_diff(model_view.module, ref_view)
    # .grad now aliases the bucket, so the next backward averages it without a copy.
    out[f"grad_is_view_{set_to_none}"] = any(np.shares_memory(grad._data, b.flat) for b in model_view.reducer.buckets)
model_keep, ref_keep = train_pair(False)
out["diff_keep_grads"] = max_diff(model_keep.module, ref_keep)
flat = np.concatenate([p.detach().numpy().ravel() for p in model.parameters()])
every = [None] * n
dist.all_gather_object(every, flat.tolist())
out["ranks_identical"] = all(e == every[0] for e in every)
out["state_dict_keys"] = list(model.state_dict())[:2]
out["repr"] = repr(model).splitlines()[:2]

# 2. no_sync: local accumulation, averaged by the next synced backward.
torch.manual_seed(7)
model = DDP(mlp())
x, y = data(50)
mine = slice(r * BATCH, (r + 1) * BATCH)
with model.no_sync():
    F.cross_entropy(model(x[mine]), y[mine]).backward()
local = [p.grad.numpy().copy() for p in model.parameters()]
x2, y2 = data(51)
F.cross_entropy(model(x2[mine]), y2[mine]).backward()
ref = mlp()
ref.load_state_dict({k[len("module."):]: v for k, v in model.state_dict().items()})
want_local, want_sync = None, None
for k in range(n):
    part = slice(k * BATCH, (k + 1) * BATCH)
    ref.zero_grad()
    F.cross_entropy(ref(x[part]), y[part]).backward()
    g1 = [p.grad.numpy().copy() for p in ref.parameters()]
    if k == r:
        want_local = g1
    ref.zero_grad()
    F.cross_entropy(ref(x2[part]), y2[part]).backward()
    g2 = [p.grad.numpy().copy() for p in ref.parameters()]
    both = [(a + b) / n for a, b in zip(g1, g2)]
    want_sync = both if want_sync is None else [w + b for w, b in zip(want_sync, both)]
out["no_sync_local"] = max(float(np.abs(a - b).max()) for a, b in zip(local, want_local))
out["no_sync_then_sync"] = max(float(np.abs(p.grad.numpy() - w).max()) for p, w in zip(model.parameters(), want_sync))

# 3. A second backward through the same graph (no new forward) accumulates locally, as in PyTorch.
torch.manual_seed(3)
lin = DDP(nn.Linear(2, 1, bias=False))
o = lin(torch.full((1, 2), float(r + 1))).sum()
o.backward(retain_graph=True)
first = lin.module.weight.grad.tolist()
o.backward()
out["second_backward"] = [first, lin.module.weight.grad.tolist()]


# 4. find_unused_parameters: a branch only rank 0 uses, and one nobody uses.
class Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(3, 2)
        self.b = nn.Linear(3, 2)
        self.never = nn.Linear(3, 2)

    def forward(self, x, use_b: bool):
        return self.a(x) + (self.b(x) if use_b else 0)


torch.manual_seed(5)
branchy = DDP(Branchy(), find_unused_parameters=True)
xb = torch.full((1, 3), float(r + 1))
branchy(xb, r == 0).sum().backward()
out["unused"] = {"a": branchy.module.a.weight.grad.tolist(), "b": branchy.module.b.weight.grad.tolist(),
                 "never": branchy.module.never.weight.grad is None}

# 5. Buffers come from rank 0 at construction.
bn = nn.BatchNorm1d(3)
bn.running_mean.fill_(float(r))
lin_bn = nn.Sequential(nn.Linear(3, 3), bn)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    wrapped = DDP(lin_bn)
out["buffers"] = wrapped.module[1].running_mean.tolist()

# 6. Errors PyTorch raises.
errors = {}
try:
    DDP(nn.ReLU())
except RuntimeError as e:
    errors["no_params"] = str(e)
try:
    DDP(nn.Linear(2, 2), device_ids=[0])
except ValueError as e:
    errors["device_ids"] = str(e).split(",")[0]
try:
    DDP(nn.Linear(2, 2 + r))
except RuntimeError as e:
    errors["different_models"] = str(e)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    DDP(nn.Linear(2, 2), broadcast_buffers=False)
errors["broadcast_buffers_warning"] = [type(w.message).__name__ for w in caught]
torch.manual_seed(9)
partial = DDP(Branchy())
partial(xb, False).sum().backward()  # b and never get no gradient: the reduction cannot finish
try:
    partial(xb, False)
except RuntimeError as e:
    errors["unfinished"] = str(e)
out["errors"] = errors
report(out, r)
