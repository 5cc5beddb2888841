"""Train the digits MLP with DistributedDataParallel on several processes (optional extras: dist, examples).

    pip install -e '.[dist,examples]'
    mpiexec -n 2 python examples/ddp_digits.py      # two ranks, each with half of every batch
    python examples/ddp_digits.py                    # one process: the same training, the same accuracy

(With several ranks on one machine, ``export OMP_NUM_THREADS=1`` first: BLAS threads beyond the cores
slow every rank down.)

Each rank reads its shard of every epoch (DistributedSampler) in batches of ``--batch-size / world size``;
DDP averages the gradients, so one step on N ranks is one step on the whole batch: the run reaches the
accuracy one process reaches. Written as ordinary PyTorch code: swap the first imports for ``torch``
and launch it with torchrun, or keep them and run ``mpiexec -n 2 numtorch run`` on the torch version.
"""

from __future__ import annotations

import argparse
import sys
import time

import numtorch as torch
import numtorch.distributed as dist
import numtorch.nn as nn
import numtorch.nn.functional as F
from numtorch.nn.parallel import DistributedDataParallel as DDP
from numtorch.utils.data import DataLoader, DistributedSampler, TensorDataset


def load_digits_split(seed: int = 0):
    """The digits images scaled to [0, 1], flattened, split 80/20 with a fixed permutation (same on every rank)."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        sys.exit("This example needs scikit-learn: pip install 'numtorch[examples]'")
    data = load_digits()
    x = torch.tensor(data.images / 16.0, dtype=torch.float32).reshape(-1, 64)
    y = torch.tensor(data.target, dtype=torch.long)
    perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    cut = int(0.8 * len(y))
    return (x[perm[:cut]], y[perm[:cut]]), (x[perm[cut:]], y[perm[cut:]])


def mlp() -> nn.Module:
    """64 -> 128 -> 64 -> 10 with ReLU (the MLP of examples/digits.py)."""
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))


def accuracy(model: nn.Module, x, y) -> float:
    """Share of the test set classified correctly: each rank scores a slice, the counts are summed."""
    rank, world = dist.get_rank(), dist.get_world_size()
    model.eval()
    with torch.no_grad():
        correct = (model(x[rank::world]).argmax(1) == y[rank::world]).sum()
    model.train()
    counts = torch.tensor([float(correct.item()), float(len(y[rank::world]))], dtype=torch.float64)
    dist.all_reduce(counts)
    return (counts[0] / counts[1]).item()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=32, help="global batch, split across the ranks")
    parser.add_argument("--lr", type=float, default=0.05)
    args = parser.parse_args(argv)

    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    if args.batch_size % world:
        sys.exit(f"--batch-size {args.batch_size} must divide among {world} ranks")
    log = print if rank == 0 else (lambda *a, **k: None)

    train_set, test_set = load_digits_split()
    dataset = TensorDataset(*train_set)
    sampler = DistributedSampler(dataset, shuffle=True, seed=0)
    loader = DataLoader(dataset, batch_size=args.batch_size // world, sampler=sampler)
    torch.manual_seed(0)
    model = DDP(mlp())  # rank 0's initial weights go to every rank
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)

    log(f"{world} rank(s), {args.batch_size // world} samples per rank per step, "
        f"{sum(p.numel() for p in model.parameters())} parameters")
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        sampler.set_epoch(epoch)  # a new shuffle each epoch, the same on every rank
        total = torch.zeros(2, dtype=torch.float64)
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()  # gradients are averaged across ranks here
            opt.step()
            total += torch.tensor([loss.item() * len(yb), len(yb)], dtype=torch.float64)
        dist.all_reduce(total)
        acc = accuracy(model, *test_set)
        log(f"  epoch {epoch:2d}/{args.epochs}  loss {(total[0] / total[1]).item():.4f}  test accuracy {acc:.3f}")
    acc = accuracy(model, *test_set)
    log(f"MLP on {world} rank(s): test accuracy {acc:.3f} in {time.perf_counter() - start:.1f} s")
    dist.destroy_process_group()
    return 0 if acc >= 0.95 else 1


if __name__ == "__main__":
    sys.exit(main())
