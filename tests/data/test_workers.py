"""DataLoader with worker processes: same batches as in-process, errors, clean shutdown."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import numtorch as torch
from numtorch.utils.data import DataLoader, Dataset, IterableDataset, TensorDataset, get_worker_info

REPO = Path(__file__).resolve().parents[2]


class Square(Dataset):
    def __len__(self) -> int:
        return 23

    def __getitem__(self, i):
        return {"i": i, "sq": torch.tensor([float(i * i)]), "pid": os.getpid()}


class Tagged(Dataset):
    """Items carry the tag that worker_init_fn set on this worker's dataset copy."""

    tag = None

    def __len__(self) -> int:
        return 8

    def __getitem__(self, i):
        info = get_worker_info()
        return (i, self.tag, info.id, info.num_workers)


def _set_tag(worker_id: int) -> None:
    get_worker_info().dataset.tag = f"w{worker_id}"


class Shard(IterableDataset):
    """Splits range(start, end) between workers with get_worker_info, as PyTorch's docs show."""

    def __init__(self, start: int, end: int) -> None:
        self.start, self.end = start, end

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            return iter(range(self.start, self.end))
        per_worker = int(math.ceil((self.end - self.start) / info.num_workers))
        lo = self.start + info.id * per_worker
        return iter(range(lo, min(lo + per_worker, self.end)))


class Failing(Dataset):
    def __init__(self, bad: int, exc=ValueError) -> None:
        self.bad, self.exc = bad, exc

    def __len__(self) -> int:
        return 10

    def __getitem__(self, i):
        if i == self.bad:
            raise self.exc(f"bad index {i}")
        return i


class Crashing(Dataset):
    def __len__(self) -> int:
        return 10

    def __getitem__(self, i):
        if i == 4:
            os._exit(3)  # a worker dying without a word
        return i


class Slow(Dataset):
    def __len__(self) -> int:
        return 4

    def __getitem__(self, i):
        time.sleep(1.0)
        return i


def _flatten(batches):
    return [{k: (v.tolist() if isinstance(v, torch.Tensor) else v) for k, v in b.items()} for b in batches]


@pytest.mark.parametrize("drop_last", [False, True])
def test_two_workers_same_batches_as_zero(drop_last: bool) -> None:
    def run(num_workers):
        g = torch.Generator().manual_seed(11)
        loader = DataLoader(Square(), batch_size=4, shuffle=True, drop_last=drop_last, generator=g,
                            num_workers=num_workers)
        out = [_flatten([b])[0] for b in loader]
        for b in out:
            b.pop("pid")
        return out

    assert run(2) == run(0)


def test_worker_batches_come_from_worker_processes() -> None:
    batches = list(DataLoader(Square(), batch_size=5, num_workers=2))
    pids = {p for b in batches for p in b["pid"].tolist()}
    assert os.getpid() not in pids and len(pids) == 2
    assert [b["i"].tolist() for b in batches][:2] == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]


def test_worker_init_fn_and_worker_info() -> None:
    out = list(DataLoader(Tagged(), batch_size=2, num_workers=2, worker_init_fn=_set_tag))
    # Batch k goes to worker k % 2.
    assert [list(b[1]) for b in out] == [["w0", "w0"], ["w1", "w1"], ["w0", "w0"], ["w1", "w1"]]
    assert [b[2].tolist() for b in out] == [[0, 0], [1, 1], [0, 0], [1, 1]]
    assert all(b[3].tolist() == [2, 2] for b in out)


def test_iterable_dataset_sharded_by_workers() -> None:
    out = list(DataLoader(Shard(3, 10), num_workers=2))
    assert sorted(t.item() for t in out) == list(range(3, 10))
    # Workers alternate batches until one runs dry: 3, 7, 4, 8, 5, 9, 6.
    assert [t.item() for t in out] == [3, 7, 4, 8, 5, 9, 6]
    batched = list(DataLoader(Shard(0, 7), batch_size=3, num_workers=2))
    assert [b.tolist() for b in batched] == [[0, 1, 2], [4, 5, 6], [3]]


def test_iterable_dataset_duplicates_without_sharding() -> None:
    class Plain(IterableDataset):
        def __iter__(self):
            return iter(range(3))

    out = [t.item() for t in DataLoader(Plain(), num_workers=2)]
    assert out == [0, 0, 1, 1, 2, 2]


def test_worker_exception_is_reraised_in_main() -> None:
    loader = DataLoader(Failing(6), batch_size=2, num_workers=2)
    it = iter(loader)
    assert next(it).tolist() == [0, 1]
    assert next(it).tolist() == [2, 3]
    assert next(it).tolist() == [4, 5]
    with pytest.raises(ValueError) as info:
        next(it)
    msg = str(info.value)
    assert msg.startswith("Caught ValueError in DataLoader worker process 1.\n"
                          "Original Traceback (most recent call last):")
    assert "ValueError: bad index 6" in msg
    # As in PyTorch, the iterator goes on after a failed batch.
    assert next(it).tolist() == [8, 9]
    del it


def test_worker_key_error_keeps_type() -> None:
    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process 0"):
        list(DataLoader(Failing(0, KeyError), num_workers=1))


def test_worker_init_fn_error() -> None:
    def boom(worker_id):
        raise RuntimeError("init failed")

    with pytest.raises(RuntimeError, match="(?s)Caught RuntimeError in DataLoader worker process 0.*init failed"):
        list(DataLoader(range(4), num_workers=2, worker_init_fn=boom))


def test_unpicklable_batch_is_an_error_not_a_hang() -> None:
    loader = DataLoader(range(4), batch_size=2, num_workers=1, collate_fn=lambda b: (lambda: b))
    with pytest.raises(Exception, match="in DataLoader worker process 0"):
        next(iter(loader))


def test_dead_worker_is_detected() -> None:
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly"):
        list(DataLoader(Crashing(), batch_size=2, num_workers=2))
    assert time.monotonic() - t0 < 10


def test_timeout() -> None:
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.2 seconds"):
        list(DataLoader(Slow(), num_workers=1, timeout=0.2))


def test_persistent_workers_reuse_processes() -> None:
    # (Batch order across epochs is checked against PyTorch in test_vs_torch.)
    loader = DataLoader(Square(), batch_size=6, num_workers=2, persistent_workers=True)
    ref = _flatten(DataLoader(Square(), batch_size=6))
    e1, e2 = _flatten(loader), _flatten(loader)
    pids1 = {p for b in e1 for p in b.pop("pid")}
    pids2 = {p for b in e2 for p in b.pop("pid")}
    for b in ref:
        b.pop("pid")
    assert pids1 == pids2 and len(pids1) == 2
    assert e1 == ref and e2 == ref
    workers = list(loader._iterator._workers)
    del loader  # the loader owns the iterator: dropping it shuts the workers down
    deadline = time.monotonic() + 10
    while any(w.is_alive() for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(w.is_alive() for w in workers)


def test_out_of_order_delivery_keeps_every_batch() -> None:
    out = [b.tolist() for b in DataLoader(range(10), batch_size=3, num_workers=2, in_order=False)]
    assert sorted(out) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]


def test_tensors_cross_with_requires_grad_flag() -> None:
    w = torch.ones(4, 2, requires_grad=True)
    out = list(DataLoader([w[0].detach().requires_grad_(True)] * 2, batch_size=None, num_workers=1))
    assert out[0].requires_grad and out[0].is_leaf
    with pytest.raises(RuntimeError, match="Cowardly refusing to serialize non-leaf tensor"):
        list(DataLoader([w * 2], batch_size=None, num_workers=1))


def test_iterator_shutdown_on_break() -> None:
    it = iter(DataLoader(Square(), batch_size=2, num_workers=2))
    next(it)
    workers = list(it._workers)
    assert all(w.is_alive() for w in workers)
    del it
    deadline = time.monotonic() + 10
    while any(w.is_alive() for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(w.is_alive() for w in workers)


def test_spawn_context() -> None:
    ds = TensorDataset(torch.arange(6.0).reshape(3, 2))
    out = list(DataLoader(ds, batch_size=2, num_workers=1, multiprocessing_context="spawn"))
    assert [b[0].tolist() for b in out] == [[[0.0, 1.0], [2.0, 3.0]], [[4.0, 5.0]]]


@pytest.mark.parametrize("how", ["raise", "sys_exit"])
def test_main_process_error_does_not_hang(how: str) -> None:
    """A script whose loop body fails while workers are busy must still exit promptly."""
    script = textwrap.dedent(f"""
        import sys, time
        import numtorch as torch
        from numtorch.utils.data import DataLoader, Dataset

        class Slowish(Dataset):
            def __len__(self):
                return 1000
            def __getitem__(self, i):
                time.sleep(0.01)
                return torch.ones(1000)

        for batch in DataLoader(Slowish(), batch_size=8, num_workers=2):
            if {how!r} == "raise":
                raise RuntimeError("main process failed")
            sys.exit(5)
    """)
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert time.monotonic() - t0 < 30
    if how == "raise":
        assert proc.returncode == 1 and "main process failed" in proc.stderr
    else:
        assert proc.returncode == 5
