"""A torchrun-style PyTorch script, run with ``numtorch run`` under mpiexec (``import torch`` is numtorch)."""

import os

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler
from _report import report

local_rank = int(os.environ["LOCAL_RANK"])
dist.init_process_group(backend="gloo")
rank, world = dist.get_rank(), dist.get_world_size()
torch.manual_seed(0)
data = TensorDataset(torch.randn(20, 4), torch.randn(20, 1))
sampler = DistributedSampler(data, shuffle=True, seed=3)
loader = DataLoader(data, batch_size=5, sampler=sampler)
model = DDP(nn.Linear(4, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
seen = []
for epoch in range(2):
    sampler.set_epoch(epoch)
    seen.append(list(sampler))
    for x, y in loader:
        opt.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        opt.step()
w = model.module.weight.detach().clone()
everyone = [torch.zeros_like(w) for _ in range(world)]
dist.all_gather(everyone, w)
report({"torch_is": torch.__name__, "dist_is": dist.__name__, "local_rank": local_rank, "rank": rank,
        "world": world, "seen": seen, "same_weights": all(torch.equal(e, w) for e in everyone),
        "ddp_class": type(model).__module__}, rank)
dist.destroy_process_group()
