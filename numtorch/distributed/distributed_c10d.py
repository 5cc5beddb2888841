"""``torch.distributed`` on MPI: process groups, and collectives that work in place on tensors' arrays.

Every backend name runs on MPI (mpi4py), imported on first ``init_process_group``. A collective first
checks that all ranks called the same collective with tensors of the same shape and dtype (one small
allgather), then starts a non-blocking MPI request on the tensors' own buffers and polls it (see
``_runtime``), so a mismatch raises on every rank and a missing or dead rank raises instead of hanging.

Like PyTorch's c10d ops, collectives write into ``tensor`` in place without bumping its version counter
(PyTorch 2.13 leaves ``tensor._version`` unchanged after ``all_reduce``), and ignore autograd.
"""

from __future__ import annotations

import enum
import os
import pickle
import warnings
from datetime import timedelta
from typing import Any

import numpy as np

from . import _runtime as _rt
from ..tensor import Tensor

default_pg_timeout = timedelta(minutes=30)

_NOT_INIT = "Default process group has not been initialized, please make sure to call init_process_group."


# -- enums and names -------------------------------------------------------------------------------------
class RedOpType(enum.IntEnum):
    """The reduction operations; ``ReduceOp.SUM`` is ``RedOpType.SUM``, as in PyTorch."""

    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7
    PREMUL_SUM = 8

    def __str__(self) -> str:
        return f"RedOpType.{self.name}"

    __format__ = object.__format__

    def __repr__(self) -> str:
        return f"<RedOpType.{self.name}: {self.value}>"


class ReduceOp:
    """``torch.distributed.ReduceOp``: ``SUM``, ``AVG``, ``PRODUCT``, ``MIN``, ``MAX``, ``BAND``, ``BOR``, ``BXOR``."""

    RedOpType = RedOpType
    SUM = RedOpType.SUM
    AVG = RedOpType.AVG
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX
    BAND = RedOpType.BAND
    BOR = RedOpType.BOR
    BXOR = RedOpType.BXOR
    PREMUL_SUM = RedOpType.PREMUL_SUM

    def __new__(cls, op: RedOpType = RedOpType.SUM) -> RedOpType:  # type: ignore[misc]
        return RedOpType(op)


reduce_op = ReduceOp  # PyTorch's deprecated spelling


class Backend(str):
    """``torch.distributed.Backend``: a backend name; numtorch serves every one of them with MPI."""

    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    UCC = "ucc"
    MPI = "mpi"
    XCCL = "xccl"
    backend_list = [UNDEFINED, GLOO, NCCL, UCC, MPI, XCCL]

    def __new__(cls, name: str):
        if not isinstance(name, str):
            raise ValueError(f"Backend constructor parameter must be string-ish, but got: {type(name)}")
        value = getattr(Backend, name.upper(), Backend.UNDEFINED)
        return str.__new__(cls, value if value != Backend.UNDEFINED else name.lower())


# -- process groups ---------------------------------------------------------------------------------------
class ProcessGroup:
    """A set of ranks and the MPI communicator that connects them (``torch.distributed.ProcessGroup``)."""

    def __init__(self, comm, ranks: list[int], timeout_s: float, name: str = ""):
        self._comm = comm
        self._ranks = list(ranks)            # global ranks, in group-rank order
        self._timeout_s = timeout_s
        self._rank = comm.Get_rank()
        self._size = comm.Get_size()
        self._name = name
        self._agree_buf = None               # every rank's call signature, reused by each _agree

    def rank(self) -> int:
        """This process's rank within the group."""
        return self._rank

    def size(self) -> int:
        """Number of ranks in the group."""
        return self._size

    def name(self) -> str:
        return self._name

    @property
    def group_name(self) -> str:
        return self._name

    def _get_backend_name(self) -> str:
        return Backend.MPI

    def __repr__(self) -> str:
        return f"<numtorch.distributed.ProcessGroup {self._name or 'default'} ranks={self._ranks}>"


class GroupMember:
    """``GroupMember.WORLD`` (the default group once initialized) and ``NON_GROUP_MEMBER``."""

    WORLD: ProcessGroup | None = None
    NON_GROUP_MEMBER = -100


class group:  # noqa: N801 - PyTorch's name
    """``torch.distributed.group.WORLD``."""

    WORLD: ProcessGroup | None = None


class _World:
    pg: ProcessGroup | None = None
    groups: list = []   # every group made by new_group, freed by destroy_process_group
    count = 0


def _set_world(pg: ProcessGroup | None) -> None:
    _World.pg = pg
    GroupMember.WORLD = pg
    group.WORLD = pg


def _get_default_group() -> ProcessGroup:
    if _World.pg is None:
        raise ValueError(_NOT_INIT)
    return _World.pg


def _timeout_s(timeout) -> float:
    if timeout is None:
        return default_pg_timeout.total_seconds()
    if isinstance(timeout, timedelta):
        return timeout.total_seconds()
    raise TypeError(f"Expected timeout argument to be of type datetime.timedelta, got {type(timeout)}")


def _pg(group, what: str) -> ProcessGroup | None:
    """The group to run on; None (after PyTorch's warning) when this rank is not a member."""
    if isinstance(group, int) and group == GroupMember.NON_GROUP_MEMBER:
        world = GroupMember.WORLD
        warnings.warn(f"Running {what} on global rank {-1 if world is None else world.rank()} which does not "
                      "belong to the given group.", stacklevel=3)
        return None
    if group is None or group is GroupMember.WORLD:
        return _get_default_group()
    if _World.pg is None:
        raise ValueError(_NOT_INIT)
    if not isinstance(group, ProcessGroup):
        raise TypeError(f"group must be a ProcessGroup, got {type(group).__name__}")
    return group


# -- setup ------------------------------------------------------------------------------------------------
_LAUNCHERS = (  # (rank, size, local rank, local size) variables that MPI launchers set
    ("PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID", "MPI_LOCALNRANKS"),                                     # MPICH
    ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK", "OMPI_COMM_WORLD_LOCAL_SIZE"),
)


def _export_launcher_env() -> None:
    """Give scripts written for torchrun their RANK/WORLD_SIZE/LOCAL_RANK under ``mpiexec`` (never overriding)."""
    for names in _LAUNCHERS:
        if names[0] in os.environ and names[1] in os.environ:
            for key, src in zip(("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE"), names):
                if src in os.environ:
                    os.environ.setdefault(key, os.environ[src])
            return


_export_launcher_env()


def _check_backend(backend) -> None:
    if backend is None:
        return
    names = []
    for part in str(backend).lower().split(","):
        names.append(part.split(":")[-1].strip())
    for name in names:
        if name not in ("mpi", "gloo", "nccl", "ucc", "undefined"):
            raise AssertionError(f"Unknown backend type {backend} (numtorch.distributed runs on MPI: use "
                                 "backend='mpi'; 'gloo' and 'nccl' are accepted and run on MPI too)")
    others = sorted({n for n in names if n not in ("mpi", "undefined")})
    if others:
        warnings.warn(f"numtorch.distributed runs on MPI: backend {backend!r} is served by MPI (mpi4py), on the CPU",
                      UserWarning, stacklevel=3)


def _env_int(name: str) -> int | None:
    value = os.environ.get(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"Error initializing torch.distributed using env:// rendezvous: environment variable "
                         f"{name} must be an integer, got {value!r}") from None


def init_process_group(backend: str | None = None, init_method: str | None = None, timeout: timedelta | None = None,
                       world_size: int = -1, rank: int = -1, store=None, group_name: str = "", pg_options=None,
                       device_id=None) -> None:
    """Join the default process group: every process started by ``mpiexec -n N`` is one rank.

    Rank and world size come from MPI; ``rank=``/``world_size=`` and the ``RANK``/``WORLD_SIZE``
    environment variables (``env://``) are checked against MPI's and must agree. Any backend name runs
    on MPI (``'gloo'``/``'nccl'`` with a warning). ``timeout`` bounds every collective (default 30 min).
    Also installs the fault handling: an uncaught exception on any rank aborts all ranks.
    """
    if _World.pg is not None:
        raise ValueError("trying to initialize the default process group twice!")
    _check_backend(backend)
    timeout_s = _timeout_s(timeout)
    if init_method is not None and not str(init_method).startswith("env://"):
        warnings.warn(f"numtorch.distributed: init_method {init_method!r} is not used; MPI connects the ranks",
                      UserWarning, stacklevel=2)
    _rt.start()
    world = _rt._State.world
    n, r = world.Get_size(), world.Get_rank()

    def launch(count: int) -> str:
        return f"start every rank with mpiexec: `mpiexec -n {count} numtorch run script.py`"

    started = f"MPI started {n} process{'es' if n != 1 else ''}"
    if world_size is not None and world_size > 0 and world_size != n:
        raise ValueError(f"init_process_group: world_size={world_size} but {started}; {launch(world_size)}")
    if rank is not None and rank >= 0 and rank != r:
        raise ValueError(f"init_process_group: rank={rank} but MPI gave this process rank {r} of {n}; {launch(n)}")
    env_rank, env_size = _env_int("RANK"), _env_int("WORLD_SIZE")
    if env_size is not None and env_size != n:
        raise ValueError(f"init_process_group: WORLD_SIZE={env_size} in the environment but {started}; "
                         f"{launch(env_size)}")
    if env_rank is not None and env_rank != r:
        raise ValueError(f"init_process_group: RANK={env_rank} in the environment but MPI gave this process rank {r} "
                         f"of {n}; {launch(n)}")
    # A private communicator: the user's own mpi4py traffic on COMM_WORLD never matches ours.
    comm = world.Dup()
    _set_world(ProcessGroup(comm, list(range(n)), timeout_s, group_name or "default_pg"))
    _World.count = 1


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """Free a group made by ``new_group``, or (no argument) every group and the default one."""
    if _World.pg is None:
        raise AssertionError("Process group cannot be None")
    if isinstance(group, int) and group == GroupMember.NON_GROUP_MEMBER:
        return
    if group is None or group is _World.pg:
        for pg in _World.groups:
            _free(pg)
        _World.groups = []
        _free(_World.pg)
        _set_world(None)
        _World.count = 0
        return
    _free(group)
    if group in _World.groups:
        _World.groups.remove(group)
        _World.count -= 1


def _free(pg: ProcessGroup) -> None:
    MPI = _rt._State.MPI
    if pg._comm is not None and not MPI.Is_finalized():
        pg._comm.Free()
    pg._comm = None


def is_available() -> bool:
    """True when the MPI transport (mpi4py) is installed; nothing is initialized by asking."""
    return _rt.mpi_available()


def is_initialized() -> bool:
    """True between ``init_process_group`` and ``destroy_process_group``."""
    return _World.pg is not None


def is_mpi_available() -> bool:
    return _rt.mpi_available()


def is_gloo_available() -> bool:
    """'gloo' is accepted and served by MPI, so this follows mpi4py's availability."""
    return _rt.mpi_available()


def is_nccl_available() -> bool:
    return False


def is_ucc_available() -> bool:
    return False


def is_torchelastic_launched() -> bool:
    return os.getenv("TORCHELASTIC_RUN_ID") is not None


def is_backend_available(backend: str) -> bool:
    return str(backend).lower() in ("mpi", "gloo") and _rt.mpi_available()


def get_backend(group: ProcessGroup | None = None) -> Backend:
    """Always ``'mpi'``: whatever name was asked for, MPI moves the data."""
    _pg(group, "get_backend")
    return Backend(Backend.MPI)


def get_rank(group: ProcessGroup | None = None) -> int:
    """This process's rank in ``group`` (default: the world); -1 when it is not a member."""
    if isinstance(group, int) and group == GroupMember.NON_GROUP_MEMBER:
        return -1
    return _pg(group, "get_rank").rank()


def get_world_size(group: ProcessGroup | None = None) -> int:
    """Number of ranks in ``group`` (default: the world); -1 when this process is not a member."""
    if isinstance(group, int) and group == GroupMember.NON_GROUP_MEMBER:
        return -1
    return _pg(group, "get_world_size").size()


def get_process_group_ranks(group: ProcessGroup | None) -> list[int]:
    """The global ranks of ``group``'s members, in group-rank order."""
    return list(_pg(group, "get_process_group_ranks")._ranks)


def get_global_rank(group: ProcessGroup, group_rank: int) -> int:
    """The global rank of ``group``'s member number ``group_rank``."""
    pg = _pg(group, "get_global_rank")
    if 0 <= group_rank < len(pg._ranks):
        return pg._ranks[group_rank]
    raise ValueError(f"Group rank {group_rank} is not part of group {pg}")


def get_group_rank(group: ProcessGroup, global_rank: int) -> int:
    """The rank within ``group`` of global rank ``global_rank``."""
    pg = _pg(group, "get_group_rank")
    if pg is _World.pg:
        return global_rank
    try:
        return pg._ranks.index(global_rank)
    except ValueError:
        raise ValueError(f"Global rank {global_rank} is not part of group {pg}") from None


def get_pg_count() -> int:
    return _World.count


def get_node_local_rank(fallback_rank: int | None = None) -> int:
    """``LOCAL_RANK`` from the environment (set from MPI's launcher variables when absent)."""
    value = _env_int("LOCAL_RANK")
    if value is not None:
        return value
    if fallback_rank is not None:
        return fallback_rank
    raise RuntimeError("LOCAL_RANK is not in the environment. Consider passing fallback_rank to allow "
                       "`get_node_local_rank` to work, assuming you are not running in a multi-device context "
                       "and want the code to run locally instead.")


def new_group(ranks: list[int] | None = None, timeout: timedelta | None = None, backend=None, pg_options=None,
              use_local_synchronization: bool = False, group_desc=None, device_id=None,
              sort_ranks: bool = True) -> ProcessGroup | int:
    """A group of the given global ranks; every rank of the world must call it (MPI_Comm_split).

    Non-members get ``GroupMember.NON_GROUP_MEMBER``, as in PyTorch.
    """
    world = _get_default_group()
    _check_backend(backend)
    n = world.size()
    if ranks is None:
        ranks = list(range(n))
    ranks = [int(r) for r in ranks]
    if len(ranks) != len(set(ranks)):
        raise ValueError(f"ranks list must not contain duplicate entries, got {ranks}")
    if len(ranks) > n:
        raise ValueError("the new group's world size should be less or equal to the world size set by "
                         "init_process_group")
    for r in ranks:
        if r < 0 or r >= n:
            raise ValueError(f"Rank {r} is out of range. Valid ranks are 0 to {n - 1} (world_size={n})")
    if sort_ranks:
        ranks = sorted(ranks)
    MPI = _rt._State.MPI
    # Split blocks until every rank arrives; a polled barrier first turns a missing rank into an error.
    _rt.wait([world._comm.Ibarrier()], "new_group", world._timeout_s, world._ranks)
    me = world.rank()
    member = me in ranks
    comm = world._comm.Split(0 if member else MPI.UNDEFINED, ranks.index(me) if member else 0)
    if not member:
        return GroupMember.NON_GROUP_MEMBER
    pg = ProcessGroup(comm, ranks, _timeout_s(timeout) if timeout is not None else world._timeout_s,
                      group_desc or f"group_{_World.count}")
    _World.groups.append(pg)
    _World.count += 1
    return pg


# -- work handles -----------------------------------------------------------------------------------------
class _Future:
    """The completed future ``Work.get_future()`` hands out (``wait``, ``value``, ``done``, ``then``)."""

    def __init__(self, work: "Work"):
        self._work = work

    def wait(self):
        self._work.wait()
        return self._work.result()

    def value(self):
        return self._work.result()

    def done(self) -> bool:
        return self._work.is_completed()

    def then(self, callback):
        self._work.wait()
        fut = _Future(self._work)
        value = callback(self)
        fut.value = lambda: value  # type: ignore[method-assign]
        fut.wait = lambda: value  # type: ignore[method-assign]
        return fut


class Work:
    """A started collective; ``wait()`` completes it (``async_op=True`` returns one)."""

    def __init__(self, pg: ProcessGroup, what: str, reqs: list, step, result: list, statuses: list | None = None):
        self._pg, self._what, self._reqs, self._step = pg, what, reqs, step
        self._result, self._statuses, self._done = result, statuses, False
        self._source = -1  # a receive's sender (global rank), once known

    def _advance(self, block: bool, timeout_s: float | None = None) -> bool:
        # A step may start more requests (a receive learns its sender's shape first), so loop.
        while not self._done:
            if block:
                _rt.wait(self._reqs, self._what, self._pg._timeout_s if timeout_s is None else timeout_s,
                         self._pg._ranks, self._statuses)
            elif not _rt._State.MPI.Request.Testall(self._reqs, self._statuses):
                return False
            more = self._step(self._statuses) if self._step is not None else None
            if more is None:
                self._done = True
                self._reqs = []
            else:
                self._reqs = more
        return True

    def wait(self, timeout: timedelta | None = None) -> bool:
        """Block until the operation finished (RuntimeError on timeout or when a needed rank exited)."""
        return self._advance(True, None if timeout is None else _timeout_s(timeout))

    def is_completed(self) -> bool:
        return self._advance(False)

    def is_success(self) -> bool:
        return self._advance(False)

    def exception(self):
        return None

    def result(self) -> list:
        return list(self._result)

    def synchronize(self) -> None:
        self.wait()

    def get_future(self) -> _Future:
        return _Future(self)

    def source_rank(self) -> int:
        return self._source

    def __repr__(self) -> str:
        return f"<numtorch.distributed.Work {self._what} completed={self._done}>"


def _issue(pg, what, reqs, step, async_op, result, statuses=None):
    """A started collective: its Work for ``async_op``, else completed here (returns None)."""
    if async_op:
        return Work(pg, what, reqs, step, result, statuses)
    if statuses is None and step is not None:
        # The common blocking call, without a Work: wait, then the one finishing step.
        _rt.wait(reqs, what, pg._timeout_s, pg._ranks)
        more = step(None)
        if more is None:
            return None
        reqs = more  # a step that started more requests goes on as a Work would (no collective's does)
    Work(pg, what, reqs, step, result, statuses).wait()
    return None


# -- argument checks (PyTorch's messages) -----------------------------------------------------------------
def _check_single_tensor(param, param_name: str) -> None:
    if not isinstance(param, Tensor):
        raise TypeError(f"""Invalid function argument. Expected parameter `{param_name}` of type torch.Tensor
             but got {type(param)} instead.""")


def _check_tensor_list(param, param_name: str) -> None:
    if not isinstance(param, list):
        raise TypeError(f"""Invalid function argument. Expected parameter `{param_name}` of type List[torch.Tensor]
             but got {type(param)} instead.""")
    if not all(isinstance(p, Tensor) for p in param):
        raise TypeError(f"""Invalid function argument. Expected parameter `{param_name}` of type List[torch.Tensor]
             but got {type(param)} with elements of type {[type(p) for p in param]}.""")


def _group_rank(pg: ProcessGroup, what: str, global_rank, group_rank, name: str) -> int:
    """PyTorch's src/dst (a global rank) or group_src/group_dst (a group rank), as a group rank."""
    if group_rank is not None:
        if global_rank is not None:
            raise ValueError("Can't specify both group_rank and global_rank")
        r = int(group_rank)
    else:
        r = 0 if global_rank is None else int(global_rank)
        if pg is not _World.pg:
            r = get_group_rank(pg, r)
    if not 0 <= r < pg.size():
        raise RuntimeError(f"ProcessGroupMPI::{what}: invalid {name} rank: {r}")
    return r


def _check_not_self_rank(pg: ProcessGroup, rank: int, rank_type: str) -> None:
    if pg.rank() == rank:
        raise ValueError(f"Invalid {rank_type} rank: {rank_type} rank should not be the same as the rank of the "
                         "current process.")


# -- agreement across ranks -------------------------------------------------------------------------------
_DTYPES = [np.dtype(x) for x in (np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64, np.float16, np.float32,
                                 np.float64, np.complex64, np.complex128)]
_DTYPE_CODE = {d: i for i, d in enumerate(_DTYPES)}
_COLLECTIVES = ["all_reduce", "broadcast", "all_gather", "gather", "scatter", "reduce", "reduce_scatter",
                "all_gather_into_tensor", "reduce_scatter_tensor", "send/recv"]
_SIG_LEN = 12  # collective, op, root, dtype, ndim, 7 dims (the last folds any further dims into a product)


_SIGS: dict = {}  # (collective, op, root, dtype, shape) -> signature; calls repeat, so build each one once


def _sig(what: str, op: int, root: int, arr: np.ndarray) -> np.ndarray:
    """The int64 signature of a call, as ``_agree`` compares it across ranks (do not write into it)."""
    key = (what, op, root, arr.dtype, arr.shape)
    s = _SIGS.get(key)
    if s is not None:
        return s
    s = np.zeros(_SIG_LEN, np.int64)
    s[0], s[1], s[2] = _COLLECTIVES.index(what), op, root
    s[3], s[4] = _DTYPE_CODE.get(arr.dtype, 99), arr.ndim
    dims = arr.shape
    for i in range(min(len(dims), 7)):
        s[5 + i] = dims[i]
    if len(dims) > 7:
        s[11] = int(np.prod(dims[6:]))
    if len(_SIGS) >= 4096:  # a program that keeps changing shapes must not grow this without bound
        _SIGS.clear()
    _SIGS[key] = s
    return s


def _describe(s) -> str:
    what = _COLLECTIVES[int(s[0])] if 0 <= s[0] < len(_COLLECTIVES) else "?"
    extra = []
    if what in ("all_reduce", "reduce", "reduce_scatter", "reduce_scatter_tensor"):
        extra.append(f"op={RedOpType(int(s[1])).name}")
    if what in ("broadcast", "gather", "scatter", "reduce"):
        extra.append(f"root={int(s[2])}")
    code, ndim = int(s[3]), int(s[4])
    dtype = _DTYPES[code].name if code < len(_DTYPES) else "?"
    dims = [int(d) for d in s[5:5 + min(ndim, 7)]]
    shape = "[" + ", ".join(map(str, dims)) + (", ...]" if ndim > 7 else "]")
    return f"{what}({', '.join(extra)}) with a {dtype} tensor of shape {shape}"


def _agree(pg: ProcessGroup, what: str, op: int, root: int, arr: np.ndarray) -> None:
    """Raise on every rank unless all ranks called ``what`` with the same op, root, dtype and shape.

    One small allgather of the ranks' signatures (96 bytes each) - the price of turning a mismatch, which
    MPI would answer with a hang or garbage, into an error. The receive buffer is the group's own and
    reused: the exchange is over before this returns (or, when it fails, the buffer is let go).
    """
    n = pg._size
    if n == 1:
        return
    mine = _sig(what, op, root, arr)
    every = pg._agree_buf
    if every is None:
        every = pg._agree_buf = np.empty((n, _SIG_LEN), np.int64)
    try:
        _rt.wait([pg._comm.Iallgather(mine, every)], what, pg._timeout_s, pg._ranks)
    except RuntimeError:
        pg._agree_buf = None  # the failed exchange may still write into it: the next one gets its own
        raise
    if every.tobytes() == mine.tobytes() * n:
        return
    lines = "; ".join(f"rank {pg._ranks[i]} called {_describe(every[i])}" for i in range(n))
    raise RuntimeError(f"numtorch.distributed: ranks disagree in {what}: {lines}")


# -- buffers ----------------------------------------------------------------------------------------------
def _src(t: Tensor) -> np.ndarray:
    """A contiguous 1-D array of the tensor's values (no copy when it already is one).

    mpi4py asks for a writable buffer even where MPI only reads it (a broadcast's root), so a read-only
    array (a broadcast view, a NumPy constant) is copied.
    """
    a = t._data
    if a.flags.c_contiguous and a.flags.writeable:
        return a.reshape(-1)
    return np.array(a, order="C").reshape(-1)


def _dst(t: Tensor, dtype=None) -> tuple[np.ndarray, bool]:
    """A contiguous 1-D buffer MPI can write, and whether it must be copied back into the tensor."""
    a = t._data
    if dtype is None and a.flags.c_contiguous and a.flags.writeable:
        return a.reshape(-1), False
    return np.array(a, dtype=dtype or a.dtype, order="C").reshape(-1), True


def _write(t: Tensor, buf: np.ndarray, copy_back: bool) -> None:
    if copy_back:
        t._data[...] = buf.reshape(t._data.shape)


def _bytes(a: np.ndarray):
    """Any array as raw bytes for MPI: data movement needs no MPI datatype for the dtype."""
    return [a, _rt._State.MPI.BYTE]


def _reduce_dtype(dtype: np.dtype):
    # MPI has no float16 reductions; reduce in float32 and round once on the way back.
    return np.dtype(np.float32) if dtype == np.float16 else None


_OPS: dict = {}  # (op, bool dtype?) -> the MPI op, filled on first use (MPI is imported lazily)


def _mpi_op(op: RedOpType, dtype: np.dtype):
    """The MPI operation for ``op`` on ``dtype`` (logical ops for bool); PyTorch's error where there is none."""
    kind = dtype.kind
    found = _OPS.get((op, kind == "b"))
    if found is not None and (kind in "iub" or op not in (RedOpType.BAND, RedOpType.BOR, RedOpType.BXOR)):
        return found
    MPI = _rt._State.MPI
    if op == RedOpType.PREMUL_SUM:
        raise RuntimeError("numtorch.distributed does not support ReduceOp.PREMUL_SUM")
    if kind == "b":
        if op == RedOpType.AVG:
            raise RuntimeError("Cannot use ReduceOp.AVG with boolean inputs")
        found = {RedOpType.SUM: MPI.LOR, RedOpType.MAX: MPI.LOR, RedOpType.BOR: MPI.LOR,
                 RedOpType.PRODUCT: MPI.LAND, RedOpType.MIN: MPI.LAND, RedOpType.BAND: MPI.LAND,
                 RedOpType.BXOR: MPI.LXOR}[op]
    else:
        if op in (RedOpType.BAND, RedOpType.BOR, RedOpType.BXOR) and kind not in "iu":
            raise RuntimeError(f"Cannot use ReduceOp.{op.name} with non-integral dtype")
        found = {RedOpType.SUM: MPI.SUM, RedOpType.AVG: MPI.SUM, RedOpType.PRODUCT: MPI.PROD, RedOpType.MIN: MPI.MIN,
                 RedOpType.MAX: MPI.MAX, RedOpType.BAND: MPI.BAND, RedOpType.BOR: MPI.BOR,
                 RedOpType.BXOR: MPI.BXOR}[op]
    _OPS[(op, kind == "b")] = found
    return found


def _as_op(op) -> RedOpType:
    try:
        return RedOpType(op)
    except (ValueError, TypeError):
        raise ValueError(f"Invalid reduce op: {op!r}") from None


def _average(buf: np.ndarray, n: int) -> None:
    if buf.dtype.kind == "f":
        buf /= n
    else:
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{Tensor._legacy_name_of(buf)}")


def _check_avg_dtype(op: RedOpType, dtype: np.dtype) -> None:
    # PyTorch divides into the integer tensor in place and fails; fail before any data moves.
    if op == RedOpType.AVG and dtype.kind in "iu":
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{Tensor._legacy_name_of(np.empty(0, dtype))}")


# -- collectives ------------------------------------------------------------------------------------------
def all_reduce(tensor: Tensor, op=ReduceOp.SUM, group: ProcessGroup | None = None, async_op: bool = False):
    """Reduce ``tensor`` across all ranks of ``group``; every rank gets the result, in place."""
    _check_single_tensor(tensor, "tensor")
    pg = _pg(group, "all_reduce")
    if pg is None:
        return None
    op = _as_op(op)
    _mpi_op(op, tensor._data.dtype)
    _check_avg_dtype(op, tensor._data.dtype)
    _agree(pg, "all_reduce", int(op), -1, tensor._data)
    buf, back = _dst(tensor, _reduce_dtype(tensor._data.dtype))
    req = pg._comm.Iallreduce(_rt._State.MPI.IN_PLACE, buf, _mpi_op(op, buf.dtype))

    def finish(_):
        if op == RedOpType.AVG:
            _average(buf, pg.size())
        _write(tensor, buf, back)

    return _issue(pg, "all_reduce", [req], finish, async_op, [tensor])


def broadcast(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None, async_op: bool = False,
              group_src: int | None = None):
    """Copy ``tensor`` from rank ``src`` (a global rank) into ``tensor`` on every other rank."""
    _check_single_tensor(tensor, "tensor")
    pg = _pg(group, "broadcast")
    if pg is None:
        return None
    root = _group_rank(pg, "broadcast", src, group_src, "root")
    _agree(pg, "broadcast", 0, root, tensor._data)
    if pg.rank() == root:
        buf, back = _src(tensor), False
    else:
        buf, back = _dst(tensor)
    req = pg._comm.Ibcast(_bytes(buf), root=root)
    return _issue(pg, "broadcast", [req], lambda _: _write(tensor, buf, back), async_op, [tensor])


def _shape_str(shape) -> str:
    return "(" + ", ".join(map(str, shape)) + ")"


def all_gather(tensor_list: list[Tensor], tensor: Tensor, group: ProcessGroup | None = None, async_op: bool = False):
    """Every rank's ``tensor`` into ``tensor_list[i]`` (index = group rank), on every rank."""
    _check_tensor_list(tensor_list, "tensor_list")
    _check_single_tensor(tensor, "tensor")
    pg = _pg(group, "all_gather")
    if pg is None:
        return None
    n = pg.size()
    if len(tensor_list) != n:
        raise RuntimeError(f"ProcessGroupMPI::allgather: invalid output tensor list at index 0 (expected length {n}, "
                           f"got {len(tensor_list)})")
    for i, t in enumerate(tensor_list):
        if t._data.shape != tensor._data.shape:
            raise RuntimeError(f"ProcessGroupMPI::allgather: invalid tensor size at index {i} (expected "
                               f"{_shape_str(tensor._data.shape)}, got {_shape_str(t._data.shape)})")
        if t._data.dtype != tensor._data.dtype:
            raise RuntimeError(f"ProcessGroupMPI::allgather: invalid tensor type at index {i} (expected "
                               f"{tensor.dtype}, got {t.dtype})")
    _agree(pg, "all_gather", 0, -1, tensor._data)
    send = _src(tensor)
    recv = np.empty((n, send.size), send.dtype)
    req = pg._comm.Iallgather(_bytes(send), _bytes(recv))

    def finish(_):
        for i, t in enumerate(tensor_list):
            t._data[...] = recv[i].reshape(t._data.shape)

    return _issue(pg, "all_gather", [req], finish, async_op, tensor_list)


def all_gather_into_tensor(output_tensor: Tensor, input_tensor: Tensor, group: ProcessGroup | None = None,
                           async_op: bool = False):
    """Every rank's ``input_tensor`` concatenated (along dim 0, or stacked) into ``output_tensor``."""
    _check_single_tensor(output_tensor, "output_tensor")
    _check_single_tensor(input_tensor, "input_tensor")
    pg = _pg(group, "all_gather_into_tensor")
    if pg is None:
        return None
    if output_tensor._data.size != input_tensor._data.size * pg.size() or \
            output_tensor._data.dtype != input_tensor._data.dtype:
        raise ValueError("output tensor size must be equal to world_size times input tensor size, with the same dtype")
    _agree(pg, "all_gather_into_tensor", 0, -1, input_tensor._data)
    send = _src(input_tensor)
    buf, back = _dst(output_tensor)
    req = pg._comm.Iallgather(_bytes(send), _bytes(buf))
    return _issue(pg, "all_gather_into_tensor", [req], lambda _: _write(output_tensor, buf, back), async_op,
                  [output_tensor])


def gather(tensor: Tensor, gather_list: list[Tensor] | None = None, dst: int | None = None,
           group: ProcessGroup | None = None, async_op: bool = False, group_dst: int | None = None):
    """Every rank's ``tensor`` into ``gather_list`` on rank ``dst`` (global rank 0 by default)."""
    _check_single_tensor(tensor, "tensor")
    if gather_list:
        _check_tensor_list(gather_list, "gather_list")
    else:
        gather_list = []
    pg = _pg(group, "gather")
    if pg is None:
        return None
    root = _group_rank(pg, "gather", dst, group_dst, "root")
    n = pg.size()
    if pg.rank() == root:
        if not gather_list:
            raise ValueError("Argument ``gather_list`` must be specified on destination rank.")
        if len(gather_list) != n:
            raise RuntimeError(f"ProcessGroupMPI::gather: Incorrect output list size {len(gather_list)}. Output list "
                               f"size should be {n}, same as size of the process group.")
        for i, t in enumerate(gather_list):
            if t._data.shape != tensor._data.shape or t._data.dtype != tensor._data.dtype:
                raise RuntimeError(f"ProcessGroupMPI::gather: invalid tensor at index {i} (expected "
                                   f"{_shape_str(tensor._data.shape)} {tensor.dtype}, got {_shape_str(t._data.shape)} "
                                   f"{t.dtype})")
    elif gather_list:
        raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination ranks.")
    _agree(pg, "gather", 0, root, tensor._data)
    send = _src(tensor)
    recv = np.empty((n, send.size), send.dtype) if pg.rank() == root else None
    req = pg._comm.Igather(_bytes(send), _bytes(recv) if recv is not None else None, root=root)

    def finish(_):
        for i, t in enumerate(gather_list):
            t._data[...] = recv[i].reshape(t._data.shape)

    return _issue(pg, "gather", [req], finish, async_op, gather_list)


def scatter(tensor: Tensor, scatter_list: list[Tensor] | None = None, src: int | None = None,
            group: ProcessGroup | None = None, async_op: bool = False, group_src: int | None = None):
    """``scatter_list[i]`` on rank ``src`` into ``tensor`` on group rank ``i``."""
    _check_single_tensor(tensor, "tensor")
    if scatter_list:
        _check_tensor_list(scatter_list, "scatter_list")
    else:
        scatter_list = []
    pg = _pg(group, "scatter")
    if pg is None:
        return None
    root = _group_rank(pg, "scatter", src, group_src, "root")
    n = pg.size()
    if pg.rank() == root:
        if not scatter_list:
            raise ValueError("Argument ``scatter_list`` must be specified on source rank.")
        if len(scatter_list) != n:
            raise RuntimeError(f"ProcessGroupMPI::scatter: Incorrect input list size {len(scatter_list)}. Input list "
                               f"size should be {n}, same as size of the process group.")
        for i, t in enumerate(scatter_list):
            if t._data.shape != tensor._data.shape or t._data.dtype != tensor._data.dtype:
                raise RuntimeError(f"ProcessGroupMPI::scatter: invalid tensor at index {i} (expected "
                                   f"{_shape_str(tensor._data.shape)} {tensor.dtype}, got {_shape_str(t._data.shape)} "
                                   f"{t.dtype})")
    elif scatter_list:
        raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
    _agree(pg, "scatter", 0, root, tensor._data)
    send = np.stack([_src(t) for t in scatter_list]) if pg.rank() == root else None
    buf, back = _dst(tensor)
    req = pg._comm.Iscatter(_bytes(send) if send is not None else None, _bytes(buf), root=root)
    return _issue(pg, "scatter", [req], lambda _: _write(tensor, buf, back), async_op, [tensor])


def reduce(tensor: Tensor, dst: int | None = None, op=ReduceOp.SUM, group: ProcessGroup | None = None,
           async_op: bool = False, group_dst: int | None = None):
    """Reduce ``tensor`` across ranks into ``tensor`` on rank ``dst``; other ranks' tensors are unchanged."""
    _check_single_tensor(tensor, "tensor")
    pg = _pg(group, "reduce")
    if pg is None:
        return None
    op = _as_op(op)
    _mpi_op(op, tensor._data.dtype)
    _check_avg_dtype(op, tensor._data.dtype)
    root = _group_rank(pg, "reduce", dst, group_dst, "root")
    _agree(pg, "reduce", int(op), root, tensor._data)
    MPI = _rt._State.MPI
    rdt = _reduce_dtype(tensor._data.dtype)
    if pg.rank() == root:
        buf, back = _dst(tensor, rdt)
        req = pg._comm.Ireduce(MPI.IN_PLACE, buf, _mpi_op(op, buf.dtype), root=root)
    else:
        buf, back = (_src(tensor) if rdt is None else tensor._data.astype(rdt).reshape(-1)), False
        req = pg._comm.Ireduce(buf, None, _mpi_op(op, buf.dtype), root=root)

    def finish(_):
        if pg.rank() == root:
            if op == RedOpType.AVG:
                _average(buf, pg.size())
            _write(tensor, buf, back)

    return _issue(pg, "reduce", [req], finish, async_op, [tensor])


def reduce_scatter(output: Tensor, input_list: list[Tensor], op=ReduceOp.SUM, group: ProcessGroup | None = None,
                   async_op: bool = False):
    """Reduce ``input_list[i]`` across ranks into ``output`` on group rank ``i``."""
    _check_single_tensor(output, "output")
    _check_tensor_list(input_list, "input_list")
    pg = _pg(group, "reduce_scatter")
    if pg is None:
        return None
    op = _as_op(op)
    _mpi_op(op, output._data.dtype)
    _check_avg_dtype(op, output._data.dtype)
    n = pg.size()
    if len(input_list) != n:
        raise RuntimeError(f"ProcessGroupMPI::reduce_scatter: invalid input tensor list (expected length {n}, "
                           f"got {len(input_list)})")
    for i, t in enumerate(input_list):
        if t._data.shape != output._data.shape or t._data.dtype != output._data.dtype:
            raise RuntimeError(f"ProcessGroupMPI::reduce_scatter: invalid tensor at index {i} (expected "
                               f"{_shape_str(output._data.shape)} {output.dtype}, got {_shape_str(t._data.shape)} "
                               f"{t.dtype})")
    _agree(pg, "reduce_scatter", int(op), -1, output._data)
    rdt = _reduce_dtype(output._data.dtype)
    send = np.concatenate([t._data.reshape(-1) for t in input_list]) if input_list[0]._data.size else \
        np.empty(0, output._data.dtype)
    if rdt is not None:
        send = send.astype(rdt)
    buf, back = _dst(output, rdt)
    req = pg._comm.Ireduce_scatter_block(send, buf, _mpi_op(op, buf.dtype))

    def finish(_):
        if op == RedOpType.AVG:
            _average(buf, n)
        _write(output, buf, back)

    return _issue(pg, "reduce_scatter", [req], finish, async_op, [output])


def reduce_scatter_tensor(output: Tensor, input: Tensor, op=ReduceOp.SUM, group: ProcessGroup | None = None,
                          async_op: bool = False):
    """Reduce ``input`` (``world_size`` chunks along dim 0) across ranks; chunk ``i`` lands on group rank ``i``."""
    _check_single_tensor(output, "output")
    _check_single_tensor(input, "input")
    pg = _pg(group, "reduce_scatter_tensor")
    if pg is None:
        return None
    op = _as_op(op)
    _mpi_op(op, output._data.dtype)
    _check_avg_dtype(op, output._data.dtype)
    if input._data.size != output._data.size * pg.size() or input._data.dtype != output._data.dtype:
        raise ValueError("input tensor must be the same type as the output tensor, with world_size times its size")
    _agree(pg, "reduce_scatter_tensor", int(op), -1, input._data)
    rdt = _reduce_dtype(output._data.dtype)
    send = _src(input) if rdt is None else input._data.astype(rdt).reshape(-1)
    buf, back = _dst(output, rdt)
    req = pg._comm.Ireduce_scatter_block(send, buf, _mpi_op(op, buf.dtype))

    def finish(_):
        if op == RedOpType.AVG:
            _average(buf, pg.size())
        _write(output, buf, back)

    return _issue(pg, "reduce_scatter_tensor", [req], finish, async_op, [output])


def barrier(group: ProcessGroup | None = None, async_op: bool = False, device_ids=None,
            timeout: timedelta | None = None):
    """Wait until every rank of ``group`` arrives."""
    pg = _pg(group, "barrier")
    if pg is None:
        return None
    work = Work(pg, "barrier", [pg._comm.Ibarrier()], None, [])
    if async_op:
        return work
    work.wait(timeout)
    return None


def monitored_barrier(group: ProcessGroup | None = None, timeout: timedelta | None = None,
                      wait_all_ranks: bool = False) -> None:
    """A barrier that raises RuntimeError when some rank does not arrive within ``timeout``."""
    barrier(group, timeout=timeout)


# -- point to point ---------------------------------------------------------------------------------------
def _p2p_tags(tag: int) -> tuple[int, int]:
    # A header (dtype and shape) goes ahead of the data, on its own tag, so a receive from any source
    # can never take another sender's data for a header.
    return 2 * int(tag), 2 * int(tag) + 1


def isend(tensor: Tensor, dst: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
          group_dst: int | None = None) -> Work | None:
    """Start sending ``tensor`` to rank ``dst``; returns a Work to ``wait()`` on."""
    _check_single_tensor(tensor, "tensor")
    pg = _pg(group, "isend")
    if pg is None:
        return None
    peer = _group_rank(pg, "send", dst, group_dst, "destination")
    _check_not_self_rank(pg, peer, "destination")
    head_tag, data_tag = _p2p_tags(tag)
    data = _src(tensor)
    head = _sig("send/recv", 0, 0, tensor._data)
    reqs = [pg._comm.Isend(head, dest=peer, tag=head_tag), pg._comm.Isend(_bytes(data), dest=peer, tag=data_tag)]
    return Work(pg, f"send to rank {pg._ranks[peer]}", reqs, None, [tensor])


def send(tensor: Tensor, dst: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
         group_dst: int | None = None) -> None:
    """Send ``tensor`` to rank ``dst``; returns when the data has left this process."""
    work = isend(tensor, dst, group, tag, group_dst)
    if work is not None:
        work.wait()


def irecv(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
          group_src: int | None = None) -> Work | None:
    """Start receiving into ``tensor`` from rank ``src`` (any rank when None)."""
    _check_single_tensor(tensor, "tensor")
    pg = _pg(group, "irecv")
    if pg is None:
        return None
    MPI = _rt._State.MPI
    if src is None and group_src is None:
        peer = MPI.ANY_SOURCE
    else:
        peer = _group_rank(pg, "recv", src, group_src, "source")
        _check_not_self_rank(pg, peer, "source")
    head_tag, data_tag = _p2p_tags(tag)
    head = np.empty(_SIG_LEN, np.int64)
    buf, back = _dst(tensor)
    statuses = [MPI.Status()]
    work = Work(pg, "recv", [pg._comm.Irecv(head, source=peer, tag=head_tag)], None, [tensor], statuses)

    def got_header(st):
        sender = st[0].Get_source()
        work._source = pg._ranks[sender]
        work._statuses = None
        mine = _sig("send/recv", 0, 0, tensor._data)
        if not (head == mine).all():
            # Take the data anyway, so the sender is not left blocked, then report both sides.
            count = int(np.prod([int(d) for d in head[5:5 + min(int(head[4]), 7)]], dtype=np.int64))
            code = int(head[3])
            itemsize = _DTYPES[code].itemsize if code < len(_DTYPES) else 1
            scratch = np.empty(count * itemsize, np.uint8)
            pg._comm.Recv(_bytes(scratch), source=sender, tag=data_tag)
            raise RuntimeError(f"numtorch.distributed: recv on rank {pg._ranks[pg.rank()]} expected "
                               f"{_describe(mine).split(' with ', 1)[1]} but rank {pg._ranks[sender]} sent "
                               f"{_describe(head).split(' with ', 1)[1]}")
        work._step = lambda _: _write(tensor, buf, back)
        return [pg._comm.Irecv(_bytes(buf), source=sender, tag=data_tag)]

    work._step = got_header
    work._source = -1 if peer == MPI.ANY_SOURCE else pg._ranks[peer]
    return work


def recv(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
         group_src: int | None = None) -> int:
    """Receive into ``tensor`` from rank ``src`` (any rank when None); returns the sender's global rank."""
    work = irecv(tensor, src, group, tag, group_src)
    if work is None:
        return -1
    work.wait()
    return work._source


class P2POp:
    """One send or receive for ``batch_isend_irecv``."""

    def __init__(self, op, tensor: Tensor, peer: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
                 group_peer: int | None = None):
        self.op, self.tensor, self.peer, self.group = op, tensor, peer, group
        self.tag, self.group_peer = tag, group_peer


def batch_isend_irecv(p2p_op_list: list[P2POp]) -> list[Work]:
    """Start every send/receive in the list; returns their Works."""
    works = []
    for p in p2p_op_list:
        if p.op in (isend, send):
            works.append(isend(p.tensor, p.peer, p.group, p.tag, p.group_peer))
        else:
            works.append(irecv(p.tensor, p.peer, p.group, p.tag, p.group_peer))
    return works


# -- picklable objects ------------------------------------------------------------------------------------
def _allgather_bytes(pg: ProcessGroup, what: str, data: bytes) -> list[bytes]:
    MPI = _rt._State.MPI
    n = pg.size()
    sizes = np.empty(n, np.int64)
    _rt.wait([pg._comm.Iallgather(np.array([len(data)], np.int64), sizes)], what, pg._timeout_s, pg._ranks)
    displs = np.zeros(n, np.int64)
    np.cumsum(sizes[:-1], out=displs[1:])
    recv = np.empty(int(sizes.sum()), np.uint8)
    send = np.frombuffer(data, np.uint8)
    req = pg._comm.Iallgatherv([send, MPI.BYTE], [recv, (sizes, displs), MPI.BYTE])
    _rt.wait([req], what, pg._timeout_s, pg._ranks)
    return [recv[displs[i]:displs[i] + sizes[i]].tobytes() for i in range(n)]


def all_gather_object(object_list: list[Any], obj: Any, group: ProcessGroup | None = None) -> None:
    """Every rank's picklable ``obj`` into ``object_list`` (uses pickle: only with data you trust)."""
    pg = _pg(group, "all_gather_object")
    if pg is None:
        return
    for i, data in enumerate(_allgather_bytes(pg, "all_gather_object", pickle.dumps(obj))):
        object_list[i] = pickle.loads(data)


def gather_object(obj: Any, object_gather_list: list[Any] | None = None, dst: int | None = None,
                  group: ProcessGroup | None = None, group_dst: int | None = None) -> None:
    """Every rank's ``obj`` into ``object_gather_list`` on rank ``dst`` (uses pickle)."""
    pg = _pg(group, "gather_object")
    if pg is None:
        return
    root = _group_rank(pg, "gather_object", dst, group_dst, "root")
    gathered = _allgather_bytes(pg, "gather_object", pickle.dumps(obj))
    if pg.rank() == root:
        if object_gather_list is None:
            raise ValueError("Argument ``object_gather_list`` must be specified on destination rank.")
        for i, data in enumerate(gathered):
            object_gather_list[i] = pickle.loads(data)


def broadcast_object_list(object_list: list[Any], src: int | None = None, group: ProcessGroup | None = None,
                          device=None, group_src: int | None = None) -> None:
    """Replace ``object_list``'s items on every rank with those of rank ``src`` (uses pickle)."""
    pg = _pg(group, "broadcast_object_list")
    if pg is None:
        return
    root = _group_rank(pg, "broadcast_object_list", src, group_src, "root")
    MPI = _rt._State.MPI
    data = pickle.dumps(list(object_list)) if pg.rank() == root else b""
    size = np.array([len(data)], np.int64)
    _rt.wait([pg._comm.Ibcast(size, root=root)], "broadcast_object_list", pg._timeout_s, pg._ranks)
    buf = np.frombuffer(data, np.uint8).copy() if pg.rank() == root else np.empty(int(size[0]), np.uint8)
    _rt.wait([pg._comm.Ibcast([buf, MPI.BYTE], root=root)], "broadcast_object_list", pg._timeout_s, pg._ranks)
    if pg.rank() != root:
        object_list[:] = pickle.loads(buf.tobytes())


def scatter_object_list(scatter_object_output_list: list[Any], scatter_object_input_list: list[Any] | None = None,
                        src: int | None = None, group: ProcessGroup | None = None,
                        group_src: int | None = None) -> None:
    """``scatter_object_input_list[i]`` on rank ``src`` into ``scatter_object_output_list[0]`` on rank ``i``."""
    pg = _pg(group, "scatter_object_list")
    if pg is None:
        return
    root = _group_rank(pg, "scatter_object_list", src, group_src, "root")
    items = [list(scatter_object_input_list or [])] if pg.rank() == root else [None]
    broadcast_object_list(items, src=pg._ranks[root], group=group)
    scatter_object_output_list[0] = items[0][pg.rank()]
