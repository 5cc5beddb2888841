"""Every collective once, on inputs that depend on the rank; test_collectives.py checks the results."""

import os

import numtorch as torch
import numtorch.distributed as dist
from _report import report
from numtorch.utils.data import DistributedSampler

dist.init_process_group("mpi")
r, n = dist.get_rank(), dist.get_world_size()
out = {"rank": r, "world": n, "initialized": dist.is_initialized(), "backend": str(dist.get_backend()),
       "env": [os.environ.get(k) for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK")]}


def base(rank: int):
    return torch.arange(6, dtype=torch.float32).reshape(2, 3) + 10 * rank


for op in ("SUM", "AVG", "MIN", "MAX", "PRODUCT"):
    t = base(r) if op != "PRODUCT" else torch.tensor([1.0 + r, 2.0, 0.5])
    dist.all_reduce(t, op=getattr(dist.ReduceOp, op))
    out[f"all_reduce_{op}"] = t.tolist()
for op in ("SUM", "MIN", "MAX", "PRODUCT", "BAND", "BOR", "BXOR"):
    t = torch.tensor([r + 1, 3 - r, 7])
    dist.all_reduce(t, op=getattr(dist.ReduceOp, op))
    out[f"all_reduce_int_{op}"] = [t.tolist(), str(t.dtype)]
t = torch.tensor([0.1 * (r + 1)], dtype=torch.float64)
dist.all_reduce(t)
out["all_reduce_f64"] = t.tolist()
t = torch.tensor([1.5, -2.0], dtype=torch.float16)
dist.all_reduce(t)
out["all_reduce_f16"] = [t.tolist(), str(t.dtype)]
t = torch.tensor([r == 0, False, True])
dist.all_reduce(t)
out["all_reduce_bool"] = t.tolist()
b = base(r)
view = b.t()  # not contiguous: the result must still land in b's memory
dist.all_reduce(view)
out["all_reduce_view"] = b.tolist()
t = base(r)
version = t._version
dist.all_reduce(t)
out["version_kept"] = t._version == version  # c10d ops leave the version counter alone, as PyTorch's do
t = torch.full((4,), float(r))
work = dist.all_reduce(t, async_op=True)
out["async"] = [work.wait(), work.is_completed(), t.tolist(), [x.tolist() for x in work.result()]]
t = torch.tensor(float(r))  # 0-d
dist.all_reduce(t)
out["all_reduce_0d"] = t.item()

t = base(r)
dist.broadcast(t, src=n - 1)
out["broadcast"] = t.tolist()
t = torch.zeros(3, dtype=torch.int64) if r else torch.tensor([4, 5, 6])
work = dist.broadcast(t, 0, async_op=True)
work.wait()
out["broadcast_async_int"] = t.tolist()

lst = [torch.zeros(2, 3) for _ in range(n)]
dist.all_gather(lst, base(r))
out["all_gather"] = [x.tolist() for x in lst]
flat = torch.zeros(n * 2, 3)
dist.all_gather_into_tensor(flat, base(r))
out["all_gather_into_tensor"] = flat.tolist()
objs = [None] * n
dist.all_gather_object(objs, {"rank": r, "sq": r * r, "name": f"r{r}"})
out["all_gather_object"] = objs

gl = [torch.zeros(2, 3) for _ in range(n)] if r == n - 1 else None
dist.gather(base(r), gl, dst=n - 1)
out["gather"] = None if gl is None else [x.tolist() for x in gl]
t = torch.zeros(2)
dist.scatter(t, [torch.full((2,), 100.0 + i) for i in range(n)] if r == 0 else None, src=0)
out["scatter"] = t.tolist()
t = base(r)
dist.reduce(t, dst=1, op=dist.ReduceOp.SUM)
out["reduce_sum"] = t.tolist()
t = torch.tensor([float(r), -float(r)])
dist.reduce(t, dst=0, op=dist.ReduceOp.MAX)
out["reduce_max"] = t.tolist()
o = torch.zeros(3)
dist.reduce_scatter(o, [base(r)[0] + i for i in range(n)])
out["reduce_scatter"] = o.tolist()
o = torch.zeros(3)
dist.reduce_scatter(o, [base(r)[0] + i for i in range(n)], op=dist.ReduceOp.MAX)
out["reduce_scatter_max"] = o.tolist()
o = torch.zeros(2)
dist.reduce_scatter_tensor(o, torch.arange(2.0 * n) * (r + 1))
out["reduce_scatter_tensor"] = o.tolist()

# Point to point: a ring (isend, so no rank blocks before it receives), then everyone to rank 0 from any source.
work = dist.isend(torch.tensor([float(r), 1.0]), dst=(r + 1) % n)
t = torch.zeros(2)
src = dist.recv(t, src=(r - 1) % n)
work.wait()
out["ring"] = [src, t.tolist()]
if r == 0:
    got = []
    for _ in range(n - 1):
        t = torch.zeros(1, dtype=torch.int64)
        got.append([dist.recv(t, tag=3), t.item()])
    out["any_source"] = sorted(got)
else:
    dist.send(torch.tensor([r * 11]), dst=0, tag=3)
objs = [f"from {r}", r] if r == 0 else [None, None]
dist.broadcast_object_list(objs, src=0)
out["broadcast_object_list"] = objs
dist.barrier()
dist.barrier(async_op=True).wait()

if n >= 3:
    g = dist.new_group([0, 2])
    out["group"] = [g == dist.GroupMember.NON_GROUP_MEMBER, dist.get_rank(g), dist.get_world_size(g)]
    t = torch.tensor([float(r + 1)])
    if r != 1:
        dist.all_reduce(t, group=g)
        out["group_ranks"] = dist.get_process_group_ranks(g)
        t2 = torch.tensor([float(r)])
        dist.broadcast(t2, src=2, group=g)  # src is a global rank
        out["group_broadcast"] = t2.tolist()
    out["group_all_reduce"] = t.tolist()
    g2 = dist.new_group([2, 1])
    if r in (1, 2):
        t = torch.tensor([float(r)])
        dist.all_reduce(t, group=g2)
        out["group2"] = [dist.get_rank(g2), t.tolist()]
    dist.barrier()

s = DistributedSampler(range(10), shuffle=False)
out["sampler"] = [s.num_replicas, s.rank, list(s)]
report(out, r)
dist.destroy_process_group()
assert not dist.is_initialized()
