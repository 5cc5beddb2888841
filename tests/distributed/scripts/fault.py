"""Rank 1 fails (raises, exits, or hangs) between two collectives; every rank must end, non-zero, quickly."""

import sys
import time
from datetime import timedelta

import numtorch as torch
import numtorch.distributed as dist

mode = sys.argv[1]
dist.init_process_group("mpi", timeout=timedelta(seconds=float(sys.argv[2]) if len(sys.argv) > 2 else 1800))
r = dist.get_rank()
t = torch.ones(3)
dist.all_reduce(t)
if r == 1:
    if mode == "raise":
        raise ValueError("rank 1 is broken")
    if mode == "exit":
        sys.exit(3)
    if mode == "hang":
        time.sleep(120)

if mode == "backward":
    # A rank that raises between DDP's forward and backward: the others wait in the gradient all_reduce.
    from numtorch.nn.parallel import DistributedDataParallel as DDP

    model = DDP(torch.nn.Linear(4, 2))
    loss = model(torch.ones(3, 4)).sum()
    if r == 1:
        raise RuntimeError("rank 1 failed before backward")
    loss.backward()
dist.all_reduce(t)
print(f"rank {r} finished", flush=True)
