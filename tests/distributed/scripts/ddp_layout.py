"""DDP's in-place averaging of large gradients, and its one agreement across ranks at construction.

test_ddp_layout.py checks the reports. A gradient of 64 KiB or more is averaged in its own ``.grad``
array (no copy into a bucket and back); the steps start their allreduces without the per-call shape
agreement of ``dist.all_reduce``, because construction compared everything that decides them.
"""

import numpy as np

import numtorch as torch
import numtorch.distributed as dist
import numtorch.nn as nn
import numtorch.nn.functional as F
from _report import report
from numtorch.distributed import distributed_c10d as c10d
from numtorch.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group("mpi")
r, n = dist.get_rank(), dist.get_world_size()
out = {}
BATCH = 4


def wide():
    """First weight 160x128 float32 = 80 KiB: averaged in place; the other three gradients are packed."""
    return nn.Sequential(nn.Linear(128, 160), nn.Tanh(), nn.Linear(160, 3))


def data(step: int):
    g = torch.Generator().manual_seed(2000 + step)
    return torch.randn(BATCH * n, 128, generator=g), torch.randint(0, 3, (BATCH * n,), generator=g)


def mine(t):
    return t[r * BATCH:(r + 1) * BATCH]


def max_diff(a, b) -> float:
    return max(float(np.abs(p.detach().numpy() - q.detach().numpy()).max()) for p, q in zip(a, b))


def train_pair(set_to_none: bool, make=wide, steps: int = 4, **ddp_kwargs):
    """SGD+momentum steps of DDP (this rank's slice) and of one model on the whole batch."""
    torch.manual_seed(100 + r)  # a different start on every rank: DDP adopts rank 0's
    model = DDP(make(), **ddp_kwargs)
    ref = make()
    ref.load_state_dict({k[len("module."):]: v for k, v in model.state_dict().items()})
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    opt_ref = torch.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
    for step in range(steps):
        x, y = data(step)
        x = x.to(ref[0].weight.dtype)
        opt.zero_grad(set_to_none=set_to_none)
        F.cross_entropy(model(mine(x)), mine(y)).backward()
        opt.step()
        opt_ref.zero_grad()
        F.cross_entropy(ref(x), y).backward()
        opt_ref.step()
    return model, ref


# 1. Same training as one process, with the large gradient averaged in place; no per-step agreement.
calls = []
real_agree = c10d._agree
c10d._agree = lambda *a: (calls.append(a[1]), real_agree(*a))[1]
for set_to_none in (True, False):
    model, ref = train_pair(set_to_none)
    out[f"diff_{set_to_none}"] = max_diff(model.module.parameters(), ref.parameters())
c10d._agree = real_agree
out["agree_calls_in_training"] = calls
out["direct"] = [[d[0] for d in b.direct] for b in model.reducer.buckets]
out["packed"] = [[m[0] for m in b.packed] for b in model.reducer.buckets]
model64, ref64 = train_pair(True, make=lambda: wide().double())
out["diff_float64"] = max_diff(model64.module.parameters(), ref64.parameters())
out["direct_float64"] = [[d[0] for d in b.direct] for b in model64.reducer.buckets]

# 2. A kept .grad (zero_grad(set_to_none=False)) is averaged where it lies: same tensor, same array.
w = model.module[0].weight
g, arr, version = w.grad, w.grad._data, w.grad._version
x, y = data(10)
model.zero_grad(set_to_none=False)
F.cross_entropy(model(mine(x)), mine(y)).backward()
out["same_grad_tensor"] = w.grad is g
out["same_grad_array"] = w.grad._data is arr
out["version_bumped"] = w.grad._version > version

# 3. A transposed (non-contiguous) .grad on the large weight: averaged through a spare buffer, same values.
torch.manual_seed(7)
model = DDP(wide())
ref = wide()
ref.load_state_dict({k[len("module."):]: v for k, v in model.state_dict().items()})
x, y = data(11)
model.module[0].weight.grad = torch.zeros(128, 160).t()
F.cross_entropy(model(mine(x)), mine(y)).backward()
F.cross_entropy(ref(x), y).backward()
out["diff_transposed_grad"] = max_diff([p.grad for p in model.module.parameters()], [p.grad for p in ref.parameters()])


# 4. find_unused_parameters with large layers: one used by rank 0 only, one by nobody.
class Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(128, 160)
        self.b = nn.Linear(128, 160)
        self.never = nn.Linear(128, 160)

    def forward(self, x, use_b: bool):
        return self.a(x) + (self.b(x) if use_b else 0)


torch.manual_seed(5)
branchy = DDP(Branchy(), find_unused_parameters=True)
xb = torch.full((1, 128), float(r + 1))
branchy(xb, r == 0).sum().backward()
out["unused"] = {"a": float(branchy.module.a.weight.grad.mean()), "b": float(branchy.module.b.weight.grad.mean()),
                 "never": branchy.module.never.weight.grad is None,
                 "direct": sorted(d[0] for b in branchy.reducer.buckets for d in b.direct)}

# 5. What construction compares: a difference raises the same RuntimeError on every rank, before any step.
errors = {}


def attempt(name, make):
    try:
        make()
        errors[name] = "ok"
    except RuntimeError as e:
        errors[name] = str(e)


attempt("bucket_cap", lambda: DDP(wide(), bucket_cap_mb=1e-4 if r == 0 else None))
attempt("find_unused", lambda: DDP(wide(), find_unused_parameters=r == 0))
attempt("bucket_view", lambda: DDP(wide(), gradient_as_bucket_view=r == n - 1))


def frozen_on_last_rank():
    m = wide()
    if r == n - 1:
        m[2].bias.requires_grad_(False)
    return DDP(m)


attempt("requires_grad", frozen_on_last_rank)
attempt("same", lambda: DDP(wide(), bucket_cap_mb=1e-4))
out["errors"] = errors
t = torch.ones(2)
dist.all_reduce(t)  # the group still works after the errors
out["after"] = t.tolist()
report(out, r)
