"""Collectives called with disagreeing tensors or arguments raise on every rank, and the group still works."""

import numtorch as torch
import numtorch.distributed as dist
from _report import report

dist.init_process_group("mpi")
r, n = dist.get_rank(), dist.get_world_size()
out = {}


def attempt(name, fn):
    try:
        fn()
        out[name] = "ok"
    except (RuntimeError, ValueError, TypeError) as e:
        out[name] = f"{type(e).__name__}: {e}"


attempt("shape", lambda: dist.all_reduce(torch.ones(2 + r)))
attempt("dtype", lambda: dist.all_reduce(torch.ones(2, dtype=torch.float64 if r else torch.float32)))
attempt("collective", lambda: dist.all_reduce(torch.ones(2)) if r == 0 else dist.broadcast(torch.ones(2), 0))
attempt("op", lambda: dist.all_reduce(torch.ones(2), op=dist.ReduceOp.MAX if r == 0 else dist.ReduceOp.SUM))
attempt("root", lambda: dist.broadcast(torch.ones(2), src=r))
attempt("broadcast_shape", lambda: dist.broadcast(torch.ones(3, 1 + r), 0))
attempt("all_gather_shape", lambda: dist.all_gather([torch.zeros(1 + r) for _ in range(n)], torch.ones(1 + r)))
attempt("reduce_scatter_shape", lambda: dist.reduce_scatter(torch.zeros(1 + r), [torch.ones(1 + r)] * n))
# Local checks (PyTorch's messages), raised before any communication:
attempt("all_gather_len", lambda: dist.all_gather([torch.zeros(2)], torch.ones(2)))
attempt("all_gather_out_shape", lambda: dist.all_gather([torch.zeros(3) for _ in range(n)], torch.ones(2)))
attempt("send_self", lambda: dist.send(torch.ones(1), r))
attempt("bad_root", lambda: dist.broadcast(torch.ones(1), src=n + 5))
attempt("avg_int", lambda: dist.all_reduce(torch.tensor([1, 2]), op=dist.ReduceOp.AVG))
attempt("band_float", lambda: dist.all_reduce(torch.ones(1), op=dist.ReduceOp.BAND))
attempt("not_tensor", lambda: dist.all_reduce([1.0]))
attempt("double_init", lambda: dist.init_process_group())
if r == 0:
    attempt("gather_no_list", lambda: dist.gather(torch.ones(1), None, dst=0))
else:
    attempt("gather_list_elsewhere", lambda: dist.gather(torch.ones(1), [torch.ones(1)] * n, dst=0))
if r == 1:
    attempt("scatter_no_list", lambda: dist.scatter(torch.ones(1), None, src=1))
# Point to point: the receiver expects 2 floats, the sender sends 3.
if r == 0:
    dist.send(torch.ones(3), 1)
elif r == 1:
    attempt("recv_shape", lambda: dist.recv(torch.zeros(2), 0))

t = torch.ones(2)
dist.all_reduce(t)  # after all of the above, the group still works
out["after"] = t.tolist()
report(out, r)
