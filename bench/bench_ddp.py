"""DDP benchmark: scaling of an MLP 784-256-10 training step over processes, and allreduce bandwidth.

Run from the repository root (needs the ``dist`` extra: ``pip install mpi4py mpich``)::

    python -m bench.bench_ddp              # 1 and 2 processes, prints markdown tables
    python -m bench.bench_ddp --quick      # shorter timings
    python -m bench.bench_ddp --procs 1,2,4 --batch 256 --json ddp.json

For each process count it starts ``mpiexec -n N python -m bench.bench_ddp --worker``; rank 0 writes the
results to a file this process reads. Reported per process count:

* step time of the plain model (each rank alone, no communication) and of the DDP-wrapped model on the
  same per-rank batch (global batch split across ranks); their difference is the gradient-averaging
  overhead, shown next to the time of one raw mpi4py ``Allreduce`` of the same number of floats (the
  floor any implementation pays);
* with 2+ processes, ``numtorch.distributed.all_reduce`` against raw blocking mpi4py ``Allreduce`` for
  sizes from 1 KiB to 16 MiB (time and algorithm bandwidth = bytes / time).

Times are the median over repeats of the slowest rank's mean. Ranks share the machine's cores: on a
machine with fewer free cores than processes, the numbers measure contention as much as numtorch.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES_BYTES = [1 << k for k in range(10, 25, 2)]  # 1 KiB .. 16 MiB


# -- worker (one rank) ------------------------------------------------------------------------------------
def _timed(dist, fn, target_s: float, repeats: int) -> float:
    """Median over ``repeats`` of the slowest rank's seconds per call; rank 0 picks the loop count."""
    import time

    import numtorch as torch

    for _ in range(3):
        fn()
    dist.barrier()
    t0 = time.perf_counter()
    fn()
    once = torch.tensor([time.perf_counter() - t0], dtype=torch.float64)
    dist.all_reduce(once, op=dist.ReduceOp.MAX)
    iters = max(1, int(target_s / max(once.item(), 1e-7)))
    samples = []
    for _ in range(repeats):
        dist.barrier()
        t0 = time.perf_counter()
        for _ in range(iters):
            fn()
        mean = torch.tensor([(time.perf_counter() - t0) / iters], dtype=torch.float64)
        dist.all_reduce(mean, op=dist.ReduceOp.MAX)
        samples.append(mean.item())
    samples.sort()
    return samples[len(samples) // 2]


def _worker(args) -> None:
    import numpy as np

    import numtorch as torch
    import numtorch.distributed as dist
    import numtorch.nn as nn
    import numtorch.nn.functional as F
    from numtorch.nn.parallel import DistributedDataParallel as DDP

    dist.init_process_group("mpi")
    from mpi4py import MPI

    rank, world = dist.get_rank(), dist.get_world_size()
    target, repeats = (0.005, 1) if args.smoke else (0.05, 3) if args.quick else (0.3, 5)
    per_rank = args.batch // world
    torch.manual_seed(rank)
    x = torch.randn(per_rank, 784)
    y = torch.randint(0, 10, (per_rank,))

    def mlp():
        torch.manual_seed(0)
        return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))

    def stepper(model):
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

        def step():
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return step

    result = {"world": world, "per_rank_batch": per_rank, "global_batch": per_rank * world}
    result["local_step_s"] = _timed(dist, stepper(mlp()), target, repeats)
    ddp = DDP(mlp())
    result["ddp_step_s"] = _timed(dist, stepper(ddp), target, repeats)
    result["buckets"] = len(ddp.reducer.buckets)
    nparams = sum(p.numel() for p in ddp.parameters())
    result["params"] = nparams
    comm = MPI.COMM_WORLD.Dup()  # raw mpi4py, outside numtorch's communicator
    grads = np.ones(nparams, np.float32)
    result["raw_allreduce_grads_s"] = _timed(dist, lambda: comm.Allreduce(MPI.IN_PLACE, grads), target, repeats) \
        if world > 1 else 0.0
    sizes = []
    if world > 1:
        for nbytes in (SIZES_BYTES[::4] if args.smoke else SIZES_BYTES):
            buf = np.ones(nbytes // 4, np.float32)
            t = torch.ones(nbytes // 4)
            raw = _timed(dist, lambda buf=buf: comm.Allreduce(MPI.IN_PLACE, buf), target / 3, repeats)
            ours = _timed(dist, lambda t=t: dist.all_reduce(t), target / 3, repeats)
            sizes.append({"bytes": nbytes, "raw_s": raw, "numtorch_s": ours})
    result["allreduce"] = sizes
    comm.Free()
    if rank == 0:
        Path(args.out).write_text(json.dumps(result))
    dist.destroy_process_group()


# -- launcher ---------------------------------------------------------------------------------------------
def _mpiexec() -> str | None:
    here = Path(sys.executable).parent / "mpiexec"  # the MPI mpi4py came with (pip's mpich)
    return str(here) if here.exists() else shutil.which("mpiexec")


def _fmt_ms(s: float) -> str:
    return f"{s * 1e3:.3f}"


def _fmt_us(s: float) -> str:
    return f"{s * 1e6:.1f}"


def _size(nbytes: int) -> str:
    return f"{nbytes >> 20} MiB" if nbytes >= 1 << 20 else f"{nbytes >> 10} KiB"


def report(results: list[dict]) -> str:
    """Markdown tables for the collected results (one dict per process count)."""
    lines = [f"### DDP step: MLP 784-256-10, SGD+momentum, global batch {results[0]['global_batch']} "
             f"({results[0]['params']} parameters)", "",
             "| processes | BLAS threads/rank | batch/rank | plain step (ms) | DDP step (ms) | averaging overhead (ms) "
             "| raw MPI allreduce of grads (ms) | samples/s | speedup vs 1 |",
             "|---|---|---|---|---|---|---|---|---|"]
    base = next((r for r in results if r["world"] == 1), None)
    for r in results:
        rate = r["global_batch"] / r["ddp_step_s"]
        speed = f"{base['ddp_step_s'] / r['ddp_step_s']:.2f}x" if base else "-"
        lines.append(f"| {r['world']} | {r['threads']} | {r['per_rank_batch']} | {_fmt_ms(r['local_step_s'])} | "
                     f"{_fmt_ms(r['ddp_step_s'])} | {_fmt_ms(r['ddp_step_s'] - r['local_step_s'])} | "
                     f"{_fmt_ms(r['raw_allreduce_grads_s']) if r['world'] > 1 else '-'} | {rate:,.0f} | {speed} |")
    for r in results:
        if not r["allreduce"]:
            continue
        lines += ["", f"### all_reduce (SUM, float32) on {r['world']} processes: numtorch vs raw mpi4py Allreduce", "",
                  "| size | raw mpi4py (us) | numtorch (us) | numtorch / raw | raw GB/s | numtorch GB/s |",
                  "|---|---|---|---|---|---|"]
        for s in r["allreduce"]:
            lines.append(f"| {_size(s['bytes'])} | {_fmt_us(s['raw_s'])} | {_fmt_us(s['numtorch_s'])} | "
                         f"{s['numtorch_s'] / s['raw_s']:.2f}x | {s['bytes'] / s['raw_s'] / 1e9:.2f} | "
                         f"{s['bytes'] / s['numtorch_s'] / 1e9:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_ddp", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter timings")
    parser.add_argument("--procs", default="1,2", help="process counts, comma-separated (default 1,2)")
    parser.add_argument("--batch", type=int, default=128, help="global batch, split across the ranks")
    parser.add_argument("--json", default=None, help="also write the raw results to this file")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per process count")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS threads per process (default 1: one core per rank, the usual DDP layout)")
    parser.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)  # the tests' seconds-long run
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _worker(args)
        return 0
    import importlib.util

    mpiexec = _mpiexec()
    if importlib.util.find_spec("mpi4py") is None or mpiexec is None:
        print("bench_ddp skipped: needs mpi4py and mpiexec (pip install mpi4py mpich)", file=sys.stderr)
        return 0
    results = []
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    for n in (int(p) for p in args.procs.split(",")):
        # Pinned BLAS threads: with more threads than cores, OpenBLAS threads spin against each other
        # and the numbers measure that instead of the step.
        threads = str(args.threads)
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = threads
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "result.json"
            cmd = [mpiexec, "-n", str(n), sys.executable, "-m", "bench.bench_ddp", "--worker", "--out", str(out),
                   "--batch", str(args.batch)]
            cmd += (["--quick"] if args.quick else []) + (["--smoke"] if args.smoke else [])
            proc = subprocess.run(cmd, cwd=str(ROOT), env=env, capture_output=True, text=True, timeout=args.timeout)
            if proc.returncode != 0 or not out.exists():
                print(f"bench_ddp: {n} process(es) failed (exit {proc.returncode}):\n{proc.stderr}", file=sys.stderr)
                return 1
            results.append(dict(json.loads(out.read_text()), threads=int(threads)))
    print(report(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
