"""examples/ddp_digits.py reaches one process's accuracy on 2 ranks; bench/bench_ddp.py runs."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from .launch import ROOT, child_env, mpirun, needs_mpi

pytestmark = needs_mpi
EXAMPLE = ROOT / "examples" / "ddp_digits.py"
EPOCHS = "8"  # shorter than the example's default 15; the accuracy is already above 95 %


def _accuracy(proc) -> float:
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    found = re.findall(r"MLP on (\d) rank\(s\): test accuracy ([0-9.]+)", proc.stdout)
    assert len(found) == 1, proc.stdout
    return float(found[0][1])


def test_ddp_digits_two_ranks_match_one():
    pytest.importorskip("sklearn", reason="the digits example needs scikit-learn (extra 'examples')")
    one = subprocess.run([sys.executable, str(EXAMPLE), "--epochs", EPOCHS], capture_output=True, text=True,
                         timeout=120, env=child_env(), cwd=str(ROOT))
    two = mpirun(2, EXAMPLE, "--epochs", EPOCHS, timeout=120)
    acc1, acc2 = _accuracy(one), _accuracy(two)
    assert acc1 >= 0.95 and acc2 >= 0.95
    # Same global batches, same averaged gradients (to float32 rounding): the same model, give or take a sample.
    assert abs(acc1 - acc2) <= 0.01, (acc1, acc2)


def test_bench_ddp_quick():
    proc = subprocess.run([sys.executable, "-m", "bench.bench_ddp", "--smoke", "--procs", "1,2", "--batch", "32"],
                          capture_output=True, text=True, timeout=300, env=child_env(), cwd=str(ROOT))
    assert proc.returncode == 0, proc.stderr
    assert "### DDP step: MLP 784-256-10" in proc.stdout
    assert "numtorch vs raw mpi4py Allreduce" in proc.stdout
    assert proc.stdout.count("\n| 1 |") + proc.stdout.count("\n| 2 |") == 2
