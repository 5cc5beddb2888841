"""DDP benchmark: scaling of an MLP 784-256-10 training step over processes, and allreduce bandwidth.

Run from the repository root (needs the ``dist`` extra: ``pip install mpi4py mpich``)::

    python -m bench.bench_ddp              # 1 and 2 processes, prints markdown tables
    python -m bench.bench_ddp --quick      # shorter timings
    python -m bench.bench_ddp --procs 1,2,4 --batch 256 --json ddp.json
    python -m bench.bench_ddp --procs 2 --averaging-only   # only issue 8's averaging tables

For each process count it starts ``mpiexec -n N python -m bench.bench_ddp --worker`` (with MPICH's
``-bind-to core`` unless ``--no-bind``); rank 0 writes the results to a file this process reads.
Reported per process count:

* step time of the plain model (each rank alone, no communication) and of the DDP-wrapped model on the
  same per-rank batch (global batch split across ranks); their difference is the gradient-averaging
  overhead, shown next to the time of one raw mpi4py ``Allreduce`` of the same number of floats (the
  floor any implementation pays);
* with 2+ processes, issue 8's target "gradient averaging (DDP) adds at most 10 % over raw MPI
  allreduce time", for the MLP 784-256-10 (W4) and two tiny MLPs: DDP's averaging as backward drives
  it (fresh gradients, then the parameters' hooks) against the fastest raw mpi4py allreduce of one
  buffer per DDP bucket, and the same comparison inside a whole training step (see ``_averaging``);
* with 2+ processes, ``numtorch.distributed.all_reduce`` against raw blocking mpi4py ``Allreduce`` for
  sizes from 1 KiB to 16 MiB (time and algorithm bandwidth = bytes / time).

Times are the median over repeats of the slowest rank's mean (the averaging tables: the median over
single calls, see ``_per_call``). Ranks share the machine's cores: on a machine with fewer free cores
than processes, the numbers measure contention as much as numtorch.
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
AVERAGING_TARGET = 0.10  # issue 8: DDP's gradient averaging adds at most 10 % over raw MPI allreduce time
# (name, layer widths, global batch) of the models whose gradient averaging is compared with raw MPI
AVERAGING_MODELS = [("MLP 784-256-10 (W4)", (784, 256, 10), 128), ("MLP 64-32-10", (64, 32, 10), 32),
                    ("MLP 8-4-2", (8, 4, 2), 16)]


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


def _per_call(comm, MPI, variants: dict, cycles: int, streak: int = 1) -> dict:
    """Seconds of each call of each variant: ``cycles`` cycles, each calling every variant ``streak`` times.

    Every call is timed on its own, from a barrier, and counted at the slowest rank's time. On a shared
    machine a call now and then loses its core for milliseconds; per-call medians ignore those calls,
    where a mean over a block of calls would carry them (one such call in a block of twenty doubles the
    block's mean). Variants take turns within a cycle, in rotating order, so their samples pair up; a
    streak of calls in a row lets a variant run as it does in a loop of its own (the memory a call
    leaves behind is what the next call of the same kind finds).
    """
    import time

    import numpy as np

    for fn in variants.values():
        for _ in range(5):
            fn()
    order = list(variants)
    samples: dict = {k: [] for k in order}
    took = np.empty(streak)
    clock = time.perf_counter
    for c in range(cycles):
        for k in order[c % len(order):] + order[:c % len(order)]:
            fn = variants[k]
            for j in range(streak):
                comm.Barrier()
                t0 = clock()
                fn()
                took[j] = clock() - t0
            comm.Allreduce(MPI.IN_PLACE, took, MPI.MAX)
            samples[k].append(float(np.median(took)))
    return samples


def _paired(samples: dict, a: str, b: str) -> float:
    """Median over cycles of variant ``a``'s time minus variant ``b``'s."""
    import statistics

    return statistics.median(x - y for x, y in zip(samples[a], samples[b]))


def _averaging(dist, comm, MPI, spec, args) -> dict:
    """DDP's per-step gradient averaging against raw mpi4py allreduces of buffers the size of its buckets.

    Isolated (the target's measure): DDP's averaging as backward drives it - fresh gradients (as
    backward's accumulation makes them), then the hooks of the parameters' AccumulateGrad nodes in
    backward order, which scale, allreduce and write back - against a raw mpi4py allreduce of one
    freshly written buffer per bucket. The raw floor is the fastest of a blocking ``Allreduce``, an
    ``Iallreduce`` + ``Wait`` and an ``Iallreduce`` polled with ``Test`` (MPICH's blocking and
    non-blocking paths take different algorithms, and ``Wait`` backs off where polling does not). Each
    side's cost is its time minus the time of writing its fresh data alone.

    In a training step: the same forward/backward/SGD step under ``no_sync`` (plain), plus the raw
    floor's allreduce after backward (raw), and with DDP's averaging (ddp).
    """
    import statistics

    import numpy as np

    import numtorch as torch
    import numtorch.nn as nn
    import numtorch.nn.functional as F
    from numtorch.nn.parallel import DistributedDataParallel as DDP
    from numtorch.tensor import Tensor

    name, widths, batch = spec
    world, rank = dist.get_world_size(), dist.get_rank()
    torch.manual_seed(100 + rank)
    x = torch.randn(batch // world, widths[0])
    y = torch.randint(0, widths[-1], (batch // world,))
    torch.manual_seed(0)
    layers = []
    for a, b in zip(widths[:-1], widths[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    model = DDP(nn.Sequential(*layers[:-1]))
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    reducer = model.reducer
    bufs = [np.zeros(b.numel, b.dtype) for b in reducer.buckets]
    fresh = [np.random.default_rng(rank).random(b.numel).astype(b.dtype) for b in reducer.buckets]
    F.cross_entropy(model(x), y).backward()
    grads = [p.grad.numpy().copy() for p in reducer.params]
    # (parameter, its gradient template, its AccumulateGrad post-hook) in backward order
    hooked = [(p, g, h) for p, g, acc in zip(reducer.params, grads, model._accumulators) for h in acc._post_hooks]
    hooked.reverse()

    def raw_allreduce():
        for buf in bufs:
            comm.Allreduce(MPI.IN_PLACE, buf)

    def raw_wait():
        MPI.Request.Waitall([comm.Iallreduce(MPI.IN_PLACE, buf) for buf in bufs])

    def raw_test():
        reqs = [comm.Iallreduce(MPI.IN_PLACE, buf) for buf in bufs]
        while not MPI.Request.Testall(reqs):
            pass

    raws = {"raw_allreduce": raw_allreduce, "raw_wait": raw_wait, "raw_test": raw_test}
    kinds = {"raw_allreduce": "Allreduce", "raw_wait": "Iallreduce+Wait", "raw_test": "Iallreduce+Test"}

    def raw_fill():
        for buf, src in zip(bufs, fresh):
            np.copyto(buf, src)

    def ddp_fill():
        for p, g, _ in hooked:
            p._grad = Tensor._make(np.array(g, copy=True))  # what backward's accumulation does

    def ddp_average():
        reducer.prepare_for_backward(None)
        for p, g, hook in hooked:
            p._grad = Tensor._make(np.array(g, copy=True))
            hook(None, None)

    def then(fill, average):
        def fn():
            fill()
            average()
        return fn

    cycles = 10 if args.smoke else 150 if args.quick else 600
    iso = _per_call(comm, MPI, dict({k: then(raw_fill, f) for k, f in raws.items()}, raw_fill=raw_fill,
                                    ddp_fill=ddp_fill, ddp=ddp_average), cycles)
    med = statistics.median
    best = min(raws, key=lambda k: med(iso[k]))
    out = {"name": name, "params": sum(p.numel() for p in model.parameters()), "buckets": len(bufs),
           "messages": sum(len(b.direct) + bool(b.packed) for b in reducer.buckets),
           "bucket_numels": [int(b.size) for b in bufs], "cycles": cycles, "raw_kind": kinds[best],
           "raw_s": {kinds[k]: _paired(iso, k, "raw_fill") for k in raws}}
    out["raw_cost_s"] = _paired(iso, best, "raw_fill")
    out["ddp_cost_s"] = _paired(iso, "ddp", "ddp_fill")
    # DDP's extra over raw, paired within cycles: (ddp - ddp_fill) - (raw - raw_fill)
    out["ddp_extra_s"] = med((d - df) - (r - rf) for d, df, r, rf in
                             zip(iso["ddp"], iso["ddp_fill"], iso[best], iso["raw_fill"]))

    def step():
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    def plain():
        with model.no_sync():
            step()

    def with_raw():
        with model.no_sync():
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            raws[best]()
            opt.step()

    steps = _per_call(comm, MPI, {"plain": plain, "raw": with_raw, "ddp": step}, max(2, cycles // 6), streak=7)
    out["step_s"] = {k: med(v) for k, v in steps.items()}
    out["step_raw_cost_s"] = _paired(steps, "raw", "plain")
    out["step_ddp_extra_s"] = _paired(steps, "ddp", "raw")
    return out


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
    comm = MPI.COMM_WORLD.Dup()  # raw mpi4py, outside numtorch's communicator
    if args.averaging_only:
        result["averaging"] = [_averaging(dist, comm, MPI, spec, args) for spec in AVERAGING_MODELS] \
            if world > 1 else []
        comm.Free()
        if rank == 0:
            Path(args.out).write_text(json.dumps(result))
        dist.destroy_process_group()
        return
    result["local_step_s"] = _timed(dist, stepper(mlp()), target, repeats)
    ddp = DDP(mlp())
    result["ddp_step_s"] = _timed(dist, stepper(ddp), target, repeats)
    result["buckets"] = len(ddp.reducer.buckets)
    nparams = sum(p.numel() for p in ddp.parameters())
    result["params"] = nparams
    grads = np.ones(nparams, np.float32)
    result["raw_allreduce_grads_s"] = _timed(dist, lambda: comm.Allreduce(MPI.IN_PLACE, grads), target, repeats) \
        if world > 1 else 0.0
    result["averaging"] = [_averaging(dist, comm, MPI, spec, args) for spec in AVERAGING_MODELS] if world > 1 else []
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


def _is_hydra(mpiexec: str) -> bool:
    """True for MPICH's launcher (Hydra), which takes ``-bind-to core``."""
    try:
        out = subprocess.run([mpiexec, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return "HYDRA" in out


def _fmt_ms(s: float) -> str:
    return f"{s * 1e3:.3f}"


def _fmt_us(s: float) -> str:
    return f"{s * 1e6:.1f}"


def _size(nbytes: int) -> str:
    return f"{nbytes >> 20} MiB" if nbytes >= 1 << 20 else f"{nbytes >> 10} KiB"


def _averaging_report(results: list[dict]) -> list[str]:
    """The issue-8 tables: per model, DDP's averaging cost against the raw mpi4py floor, and the verdict."""
    lines: list[str] = []
    for r in results:
        if not r.get("averaging"):
            continue
        lines += ["", f"### Gradient averaging on {r['world']} processes: DDP vs raw mpi4py allreduce of the same "
                  f"buffers (issue 8 target: DDP adds at most {AVERAGING_TARGET:.0%})", "",
                  "Isolated: fresh gradients, then DDP's backward hooks (scale, allreduce, write back) vs the "
                  "fastest raw allreduce of one buffer per bucket. Each call timed alone (slowest rank); medians "
                  "over calls, DDP's extra paired within a cycle of calls.", "",
                  "| model | params | buckets (MPI messages) | raw Allreduce / Iallreduce+Wait / Iallreduce+Test (us) "
                  "| DDP averaging (us) | DDP extra over raw (us) | DDP over raw | target <=10 % |",
                  "|---|---|---|---|---|---|---|---|"]
        for a in r["averaging"]:
            pct = a["ddp_extra_s"] / a["raw_cost_s"] if a["raw_cost_s"] > 0 else float("inf")
            raw = " / ".join(("**" + _fmt_us(v) + "**") if k == a["raw_kind"] else _fmt_us(v)
                             for k, v in a["raw_s"].items())
            lines.append(f"| {a['name']} | {a['params']:,} | {a['buckets']} ({a['messages']}) | {raw} | "
                         f"{_fmt_us(a['ddp_cost_s'])} | {_fmt_us(a['ddp_extra_s'])} | {pct:+.0%} | "
                         f"{'met' if pct <= AVERAGING_TARGET else 'NOT met'} |")
        lines += ["", "In a training step (forward, backward, SGD): plain = under `no_sync`, raw = plain + the raw "
                  "allreduce above after backward, DDP = the DDP step. The raw cost here includes waiting for the "
                  "slower rank.", "",
                  "| model | plain step (us) | raw step (us) | DDP step (us) | raw cost in step (us) "
                  "| DDP extra over raw (us) | DDP over raw |",
                  "|---|---|---|---|---|---|---|"]
        for a in r["averaging"]:
            st = a["step_s"]
            cost, extra = a["step_raw_cost_s"], a["step_ddp_extra_s"]
            pct = f"{extra / cost:+.0%}" if cost > 0 else "-"
            lines.append(f"| {a['name']} | {_fmt_us(st['plain'])} | {_fmt_us(st['raw'])} | {_fmt_us(st['ddp'])} | "
                         f"{_fmt_us(cost)} | {_fmt_us(extra)} | {pct} |")
    return lines


def report(results: list[dict]) -> str:
    """Markdown tables for the collected results (one dict per process count)."""
    if "local_step_s" not in results[0]:  # --averaging-only
        return "\n".join(_averaging_report(results)).lstrip("\n")
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
    lines += _averaging_report(results)
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
    parser.add_argument("--no-bind", dest="bind", action="store_false",
                        help="do not bind each rank to a core (MPICH's mpiexec -bind-to core, the default)")
    parser.add_argument("--averaging-only", action="store_true",
                        help="only the gradient-averaging comparison (DDP vs raw mpi4py Allreduce)")
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
    # Unbound ranks on this project's 2-core VM run the same allreduce 2-4x slower in about half of the
    # launches (the ranks' placement on the cores); one rank per core makes the numbers repeatable.
    bind = ["-bind-to", "core"] if args.bind and _is_hydra(mpiexec) else []
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
            cmd = [mpiexec, *bind, "-n", str(n), sys.executable, "-m", "bench.bench_ddp", "--worker", "--out",
                   str(out), "--batch", str(args.batch)]
            cmd += (["--quick"] if args.quick else []) + (["--smoke"] if args.smoke else [])
            cmd += ["--averaging-only"] if args.averaging_only else []
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
