"""A failing rank ends the whole job quickly, with a clear error, instead of leaving the others hanging."""

from __future__ import annotations

import time

import pytest

from .launch import mpirun, needs_mpi

pytestmark = needs_mpi

LIMIT_S = 30  # the job must end long before this; a hang fails the test here


def run_fault(n: int, via: str, *args: str):
    start = time.monotonic()
    proc = mpirun(n, "fault.py", *args, timeout=LIMIT_S, via=via)
    return proc, time.monotonic() - start


@pytest.mark.parametrize("via", ["python", "numtorch"])
@pytest.mark.parametrize("n", [2, 3])
def test_rank_that_raises_ends_every_rank(n, via):
    proc, took = run_fault(n, via, "raise")
    assert proc.returncode != 0
    assert "ValueError: rank 1 is broken" in proc.stderr
    assert "finished" not in proc.stdout
    # plain python: the excepthook aborts at once; numtorch run: the exit notice reaches the waiting ranks
    assert "aborting all" in proc.stderr
    assert took < 15, f"took {took:.1f} s"


def test_rank_that_exits_ends_every_rank():
    proc, took = run_fault(2, "python", "exit")
    assert proc.returncode != 0
    assert "rank 1 exited while rank 0 waited for it in all_reduce" in proc.stderr
    assert took < 15


@pytest.mark.parametrize("via", ["python", "numtorch"])
def test_collective_timeout(via):
    proc, took = run_fault(2, via, "hang", "1")  # rank 1 sleeps 120 s; the timeout is 1 s
    assert proc.returncode != 0
    assert "all_reduce timed out on rank 0 after 1 s" in proc.stderr
    assert took < 15, f"took {took:.1f} s"


def test_rank_that_raises_before_ddp_backward():
    proc, took = run_fault(2, "numtorch", "backward")
    assert proc.returncode != 0
    assert "RuntimeError: rank 1 failed before backward" in proc.stderr
    # The failing rank aborts the job at once (numtorch run reports through sys.excepthook).
    assert "aborting all 2 ranks" in proc.stderr
    assert took < 15
