"""The DataLoader's worker processes: their loop, their seeding and ``get_worker_info``.

Each worker seeds Python's ``random`` and numtorch's default generator with
``base_seed + worker_id`` and NumPy's legacy global RNG with PyTorch's SeedSequence-style
mix of the two, so per-worker random streams are PyTorch's.
"""

from __future__ import annotations

import os
import queue
import random
from dataclasses import dataclass
from multiprocessing.reduction import ForkingPickler
from typing import TYPE_CHECKING

import numpy as np

import numtorch
from numtorch.tensor import Tensor

from . import ExceptionWrapper

if TYPE_CHECKING:
    from ..dataset import Dataset

__all__ = ["WorkerInfo", "get_worker_info"]


# How often an idle worker wakes to check that the main process lives and has not shut down.
_WORKER_POLL_INTERVAL = 0.5


class ManagerWatchdog:
    """Tells a worker whether the process that started it is still alive."""

    def __init__(self) -> None:
        self.manager_pid = os.getppid()
        self.manager_dead = False

    def is_alive(self) -> bool:
        if not self.manager_dead:
            # An orphan is re-parented (to init or a subreaper), so its parent id changes.
            self.manager_dead = os.getppid() != self.manager_pid
        return not self.manager_dead


_worker_info: WorkerInfo | None = None


@dataclass(frozen=True)
class WorkerInfo:
    """What a worker knows about itself: ``id``, ``num_workers``, ``seed`` and its ``dataset`` copy."""

    id: int
    num_workers: int
    seed: int
    dataset: Dataset
    worker_method: str | None = "multiprocessing"


def get_worker_info() -> WorkerInfo | None:
    """This worker's :class:`WorkerInfo` inside a DataLoader worker process; ``None`` in the main process."""
    return _worker_info


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    """Sent by a worker whose IterableDataset copy is exhausted."""

    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    """Sent to persistent workers at the start of a new epoch."""

    seed: int | None = None


def _generate_state(base_seed: int, worker_id: int) -> list[int]:
    """PyTorch's four 32-bit words for ``np.random.seed`` in a worker (a SeedSequence-like hash)."""
    INIT_A = 0x43B0D7E5
    MULT_A = 0x931E8875
    INIT_B = 0x8B51F9DD
    MULT_B = 0x58F38DED
    MIX_MULT_L = 0xCA01F9DD
    MIX_MULT_R = 0x4973F715
    XSHIFT = 4 * 8 // 2
    MASK32 = 0xFFFFFFFF

    entropy = [worker_id, base_seed & MASK32, base_seed >> 32, 0]
    pool = [0] * 4
    hash_const_a = INIT_A

    def hash_(value: int) -> int:
        nonlocal hash_const_a
        value = (value ^ hash_const_a) & MASK32
        hash_const_a = (hash_const_a * MULT_A) & MASK32
        value = (value * hash_const_a) & MASK32
        return (value ^ (value >> XSHIFT)) & MASK32

    def mix(x: int, y: int) -> int:
        result = ((MIX_MULT_L * x) & MASK32) - ((MIX_MULT_R * y) & MASK32)
        result &= MASK32
        return (result ^ (result >> XSHIFT)) & MASK32

    for i in range(len(pool)):
        pool[i] = hash_(entropy[i])
    for i_src in range(len(pool)):
        for i_dst in range(len(pool)):
            if i_src != i_dst:
                pool[i_dst] = mix(pool[i_dst], hash_(pool[i_src]))

    hash_const_b = INIT_B
    state = []
    for i_dst in range(4):
        data_val = pool[i_dst]
        data_val = (data_val ^ hash_const_b) & MASK32
        hash_const_b = (hash_const_b * MULT_B) & MASK32
        data_val = (data_val * hash_const_b) & MASK32
        data_val = (data_val ^ (data_val >> XSHIFT)) & MASK32
        state.append(data_val)
    return state


# ---- moving tensors between processes ------------------------------------------------------
# Batches travel through multiprocessing queues, which pickle with ForkingPickler. A tensor
# crosses as its array plus its requires_grad flag (the autograd graph cannot cross, as in
# PyTorch). Registering here, like torch.multiprocessing does, keeps this independent of
# how numtorch.save pickles tensors.

def _rebuild_tensor(array: np.ndarray, requires_grad: bool) -> Tensor:
    t = numtorch.from_numpy(array)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _reduce_tensor(t: Tensor):
    if t.requires_grad and not t.is_leaf:
        raise RuntimeError(
            "Cowardly refusing to serialize non-leaf tensor which requires_grad, "
            "since autograd does not support crossing process boundaries.  "
            "If you just want to transfer the data, call detach() on the tensor "
            "before serializing (e.g., putting it on the queue)."
        )
    return _rebuild_tensor, (t.detach().numpy(), t.requires_grad)


ForkingPickler.register(Tensor, _reduce_tensor)


def _send(data_queue, item, worker_id: int) -> None:
    """Pickle ``item`` here and queue the bytes.

    ``Queue.put`` would pickle later in a background thread, where a failure (say, a
    collate_fn returning something unpicklable) is only printed and the batch silently lost,
    leaving the main process waiting for it. Pickling now lets us send the error instead.
    """
    try:
        payload = bytes(ForkingPickler.dumps(item))
    except Exception:
        wrapped = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
        payload = bytes(ForkingPickler.dumps((item[0], wrapped)))
    data_queue.put(payload)


def _worker_loop(dataset_kind, dataset, index_queue, data_queue, done_event, auto_collation, collate_fn,
                 drop_last, base_seed, init_fn, worker_id, num_workers, persistent_workers) -> None:
    """Fetch ``(idx, index)`` tasks from ``index_queue`` and put ``(idx, data)`` on ``data_queue``.

    Stops on ``None`` (after ``done_event``) or when the main process has died; errors in
    the dataset or ``collate_fn`` travel back as an :class:`ExceptionWrapper`.
    """
    watchdog = None
    try:
        seed = base_seed + worker_id
        random.seed(seed)
        numtorch.manual_seed(seed)
        np.random.seed(_generate_state(base_seed, worker_id))

        global _worker_info
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)

        from ..dataloader import _DatasetKind

        init_exception = None
        fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_exception = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")

        # After an IterableDataset copy runs dry, keep answering (without data) until told to stop.
        iteration_end = False
        watchdog = ManagerWatchdog()

        while watchdog.is_alive():
            try:
                r = index_queue.get(timeout=_WORKER_POLL_INTERVAL)
            except queue.Empty:
                if done_event.is_set():
                    # Shut down, but the final None never came: when the main process's
                    # iterator dies in a garbage-collected cycle, its queues' feeder threads
                    # can be finalised before the None is sent.
                    break
                continue
            if isinstance(r, _ResumeIteration):
                _send(data_queue, (r, None), worker_id)  # acknowledge
                iteration_end = False
                fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset, auto_collation, collate_fn, drop_last)
                continue
            if r is None:
                break  # the main process is shutting us down
            if done_event.is_set() or iteration_end:
                continue  # drain the queue until the final None
            idx, index = r
            if init_exception is not None:
                data = init_exception
                init_exception = None
            else:
                try:
                    data = fetcher.fetch(index)
                except Exception as e:
                    if isinstance(e, StopIteration) and dataset_kind == _DatasetKind.Iterable:
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                    else:
                        data = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
            _send(data_queue, (idx, data), worker_id)
            del data, idx, index, r  # do not hold the last batch while waiting
    except KeyboardInterrupt:
        pass  # the main process handles Ctrl-C; just exit
    if done_event.is_set() or (watchdog is not None and not watchdog.is_alive()):
        # Nobody will read what is still buffered: exiting must not wait to flush it.
        data_queue.cancel_join_thread()
        data_queue.close()
