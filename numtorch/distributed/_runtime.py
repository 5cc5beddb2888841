"""The MPI runtime under ``numtorch.distributed``: lazy mpi4py import, polled waits, fault handling.

Every collective is started as a non-blocking MPI request and then polled here until it completes, a
deadline passes (``init_process_group(timeout=...)``) or a rank it needs has exited. That is what turns
the two classic MPI hangs into errors:

* a rank that raises under plain ``python``: the ``sys.excepthook`` installed by ``init_process_group``
  prints the traceback, then ``MPI_Abort`` ends every rank at once;
* a rank that exits any other way (``sys.exit(1)``, or ``numtorch run`` reporting the script's exception
  itself): an ``atexit`` handler sends a small notice to every other rank on a private communicator
  before MPI finalizes. A rank waiting for it in a collective sees the notice while polling and raises
  RuntimeError (after a short grace period, so a collective the leaver had already finished completes).

A rank that neither exits nor joins (stuck, or skipped a collective) is caught by the timeout. A rank
whose collective failed (timeout, rank gone) aborts the whole job when it exits, so a rank stuck
outside MPI ends too.
"""

from __future__ import annotations

import atexit
import os
import sys
import time

_EXIT_TAG = 77
_GRACE_S = 0.5  # how long a collective may still complete after a rank it needs announced its exit
_PROBE_EVERY_S = 0.002
_SPIN_S = 0.02  # poll without sleeping for this long (see wait)
_POLLS_PER_YIELD = 16  # tests between two sched_yield calls while spinning (see wait)

_MISSING = ("numtorch.distributed runs on MPI and needs mpi4py and an MPI library: "
            "pip install 'numtorch[dist]'   (or: pip install mpi4py mpich)")


class _State:
    MPI = None          # the mpi4py.MPI module once loaded
    world = None        # MPI.COMM_WORLD
    ctl = None          # private duplicate of COMM_WORLD carrying exit notices
    pid = None          # the process that initialized (forked DataLoader workers must not act for it)
    exited: dict = {}   # world rank -> time.monotonic() when its exit notice arrived
    installed = False
    prev_hook = None
    broken = False      # a collective failed (timeout, rank gone): requests are left pending for good


def mpi_available() -> bool:
    """True when mpi4py can be imported (checked without initializing MPI)."""
    import importlib.util

    if "mpi4py" in sys.modules:  # imported already, or blocked (None)
        return sys.modules["mpi4py"] is not None
    return importlib.util.find_spec("mpi4py") is not None


def load_mpi():
    """Import ``mpi4py.MPI`` (initializing MPI) or raise ImportError saying how to install it."""
    if _State.MPI is None:
        try:
            import mpi4py
        except ImportError:
            raise ImportError(_MISSING) from None
        # One thread drives MPI here; "multiple" (mpi4py's default) only adds locking to every call.
        # If the user imported mpi4py.MPI already, MPI is initialized and these settings are moot.
        if "mpi4py.MPI" not in sys.modules:
            mpi4py.rc.thread_level = "serialized"
        from mpi4py import MPI

        _State.MPI = MPI
        _State.world = MPI.COMM_WORLD
    return _State.MPI


def start() -> None:
    """Set up the private control communicator and the exit/exception handlers (once per process)."""
    load_mpi()
    if _State.installed:
        return
    _State.ctl = _State.world.Dup()
    _State.pid = os.getpid()
    _State.prev_hook = sys.excepthook
    sys.excepthook = _excepthook
    # Registered after mpi4py's import, so it runs before mpi4py finalizes MPI at exit.
    atexit.register(_notify_exit)
    _State.installed = True


def world_rank() -> int:
    return _State.world.Get_rank()


def _live() -> bool:
    MPI = _State.MPI
    return (MPI is not None and _State.pid == os.getpid() and MPI.Is_initialized() and not MPI.Is_finalized()
            and _State.world.Get_size() > 1)


def _excepthook(tp, value, tb) -> None:
    """Print the traceback as usual, then abort every rank: the others would wait for this one forever."""
    prev = _State.prev_hook or sys.__excepthook__
    prev(tp, value, tb)
    if _live() and not issubclass(tp, SystemExit):
        try:
            sys.stdout.flush()
        except Exception:  # noqa: BLE001 - a closed stdout must not stop the abort
            pass
        sys.stderr.write(f"numtorch.distributed: rank {world_rank()} raised {tp.__name__}; aborting all "
                         f"{_State.world.Get_size()} ranks (MPI_Abort)\n")
        sys.stderr.flush()
        # Give mpiexec's output forwarding a moment: MPI_Abort kills the job, and text still in flight
        # (the traceback that explains the abort) would be lost.
        time.sleep(0.2)
        _State.world.Abort(1)


def _notify_exit() -> None:
    """Tell every other rank this one is leaving, so none of them waits for it in a collective.

    After a failed collective the ranks can no longer agree on anything (MPI_Finalize could hang on the
    requests left pending), so this rank aborts the job instead: a rank stuck elsewhere ends too.
    """
    if not _live() or _State.ctl is None:
        return
    if _State.broken:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001 - a closed stream must not stop the abort
                pass
        sys.stderr.write(f"numtorch.distributed: rank {world_rank()} exits after a failed collective; aborting all "
                         f"{_State.world.Get_size()} ranks (MPI_Abort)\n")
        sys.stderr.flush()
        _State.world.Abort(1)
    MPI, ctl = _State.MPI, _State.ctl
    me = world_rank()
    note = bytearray(8)
    reqs = [ctl.Isend([note, MPI.BYTE], dest=r, tag=_EXIT_TAG) for r in range(ctl.Get_size()) if r != me]
    # Eight bytes go out eagerly, so this completes at once; the bound only guards odd transports.
    deadline = time.monotonic() + 1.0
    while not MPI.Request.Testall(reqs) and time.monotonic() < deadline:
        time.sleep(1e-4)


def poll_exits() -> None:
    """Receive pending exit notices (cheap: one Iprobe when there are none)."""
    ctl = _State.ctl
    if ctl is None:
        return
    MPI = _State.MPI
    status = MPI.Status()
    while ctl.Iprobe(MPI.ANY_SOURCE, _EXIT_TAG, status):
        src = status.Get_source()
        ctl.Recv([bytearray(8), MPI.BYTE], source=src, tag=_EXIT_TAG)
        _State.exited.setdefault(src, time.monotonic())


def wait(reqs: list, what: str, timeout_s: float, ranks, statuses=None) -> None:
    """Poll ``reqs`` until all complete; RuntimeError on timeout or when a rank in ``ranks`` has exited.

    MPI moves a non-blocking collective's data only inside MPI calls, on both sides, and a collective of
    any size takes several round trips: a rank that sleeps between polls stalls its peers at every one.
    So the first ``_SPIN_S`` of a wait polls without pause, in bursts of ``_POLLS_PER_YIELD`` tests with a
    ``sched_yield`` after each burst: the yield hands the core to a peer rank that shares it (ranks
    outnumbering cores), but yielding after every test costs a system call per poll and, on a busy
    machine, the core itself - several times the whole allreduce of a small tensor. The clock, the exit
    notices and the deadline are looked at once per burst. Only a longer wait - a peer still computing -
    sleeps between bursts, in steps growing up to 1 ms.
    """
    MPI = _State.MPI
    testall = MPI.Request.Testall
    if testall(reqs, statuses):
        return
    start = time.monotonic()
    deadline = start + timeout_s
    next_probe = start
    yield_ = os.sched_yield
    burst = range(_POLLS_PER_YIELD)
    while True:
        for _ in burst:
            if testall(reqs, statuses):
                return
        now = time.monotonic()
        if now >= next_probe:
            next_probe = now + _PROBE_EVERY_S
            poll_exits()
            if _State.exited:
                gone = [r for r in ranks if r in _State.exited]
                if gone and now - max(start, min(_State.exited[r] for r in gone)) > _GRACE_S:
                    _State.broken = True
                    raise RuntimeError(
                        f"numtorch.distributed: rank {gone[0]} exited while rank {world_rank()} waited for it in "
                        f"{what}; the job cannot go on (see rank {gone[0]}'s output for why it stopped)")
            if now > deadline:
                _State.broken = True
                raise RuntimeError(
                    f"numtorch.distributed: {what} timed out on rank {world_rank()} after {timeout_s:g} s "
                    f"waiting for ranks {list(ranks)} (timeout set by init_process_group(timeout=...)); a rank did "
                    "not reach the same collective")
        elapsed = now - start
        if elapsed < _SPIN_S:
            yield_()
        else:
            time.sleep(min((elapsed - _SPIN_S) * 0.05 + 1e-5, 1e-3))
