"""Data-loading scenarios run against either real PyTorch or numtorch.

Every function takes the ``torch`` module to use and returns plain JSON data (lists, dicts,
numbers, strings). ``make_fixtures.py`` runs them under PyTorch 2.13 and stores the results;
the tests run them under numtorch and compare. Nothing here imports torch itself.
"""

from __future__ import annotations

import random
from collections import namedtuple

import numpy as np

SEEDS = [0, 1, 42, 1234, 2**40 + 7]

Point = namedtuple("Point", ["x", "y"])


class IndexDataset:
    """Map-style dataset whose item ``i`` is ``i`` (so batches show the sampling order)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __getitem__(self, i):
        return i

    def __len__(self) -> int:
        return self.n


class RandomItemDataset:
    """Item ``i`` records which worker made it and that worker's random streams."""

    def __init__(self, torch, n: int) -> None:
        self.torch = torch
        self.n = n

    def __getitem__(self, i):
        info = self.torch.utils.data.get_worker_info()
        return {
            "i": i,
            "worker": None if info is None else info.id,
            "seed": None if info is None else info.seed,
            "torch": self.torch.rand(2, dtype=self.torch.float64).tolist(),
            "python": random.random(),
            "numpy": float(np.random.rand()),
        }

    def __len__(self) -> int:
        return self.n


def _batches(loader) -> list:
    return [b.tolist() for b in loader]


# ---- shuffling ----------------------------------------------------------------------------

SHUFFLE_CONFIGS = [(10, 3, False), (10, 3, True), (37, 4, False), (37, 4, True), (5, 8, False), (5, 8, True),
                   (64, 16, True)]


def shuffle_with_generator(torch, seeds=SEEDS, num_workers: int = 0) -> dict:
    """Two epochs of ``shuffle=True`` with a seeded generator, then one more draw from it."""
    D = torch.utils.data
    out = {}
    for seed in seeds:
        for n, bs, drop_last in SHUFFLE_CONFIGS:
            g = torch.Generator().manual_seed(seed)
            loader = D.DataLoader(IndexDataset(n), batch_size=bs, shuffle=True, drop_last=drop_last, generator=g,
                                  num_workers=num_workers)
            epochs = [_batches(loader), _batches(loader)]
            after = torch.randint(0, 1000, (3,), generator=g).tolist()
            out[f"{seed}/{n}/{bs}/{drop_last}"] = {"epochs": epochs, "len": len(loader), "after": after}
    return out


def shuffle_global_seed(torch, seeds=SEEDS, num_workers: int = 0) -> dict:
    """``shuffle=True`` without a generator after ``manual_seed``: two epochs, then a global draw."""
    D = torch.utils.data
    out = {}
    for seed in seeds:
        torch.manual_seed(seed)
        loader = D.DataLoader(IndexDataset(23), batch_size=5, shuffle=True, num_workers=num_workers)
        epochs = [_batches(loader), _batches(loader)]
        out[str(seed)] = {"epochs": epochs, "after": torch.randint(0, 1000, (3,)).tolist()}
    return out


def persistent_workers(torch) -> dict:
    """Three epochs with persistent workers: the base seed is drawn once, not per epoch."""
    D = torch.utils.data
    out = {}
    for seed in (0, 9):
        g = torch.Generator().manual_seed(seed)
        loader = D.DataLoader(IndexDataset(13), batch_size=4, shuffle=True, num_workers=2, persistent_workers=True,
                              generator=g)
        epochs = [_batches(loader) for _ in range(3)]
        out[f"generator/{seed}"] = {"epochs": epochs, "after": torch.randint(0, 1000, (3,), generator=g).tolist()}
        del loader
        torch.manual_seed(seed)
        loader = D.DataLoader(IndexDataset(13), batch_size=4, shuffle=True, num_workers=2, persistent_workers=True)
        epochs = [_batches(loader) for _ in range(3)]
        out[f"global/{seed}"] = {"epochs": epochs, "after": torch.randint(0, 1000, (3,)).tolist()}
        del loader
    return out


def sequential_and_samplers_in_loader(torch) -> dict:
    """DataLoader with explicit ``sampler`` / ``batch_sampler`` / ``batch_size=None``."""
    D = torch.utils.data
    ds = IndexDataset(11)
    g = torch.Generator().manual_seed(3)
    out = {
        "sequential": _batches(D.DataLoader(ds, batch_size=4)),
        "sequential_drop": _batches(D.DataLoader(ds, batch_size=4, drop_last=True)),
        "sampler": _batches(D.DataLoader(ds, batch_size=3, sampler=D.RandomSampler(ds, generator=g))),
        "batch_sampler": _batches(D.DataLoader(ds, batch_sampler=[[0, 5], [2, 3, 4], [10]])),
        "no_batching": [int(x) for x in D.DataLoader(ds, batch_size=None)],
        "lens": [len(D.DataLoader(ds, batch_size=4)), len(D.DataLoader(ds, batch_size=4, drop_last=True)),
                 len(D.DataLoader(ds, batch_size=None)), len(D.DataLoader(ds, batch_sampler=[[0], [1, 2]]))],
    }
    return out


# ---- random_split ---------------------------------------------------------------------------

SPLITS = [(10, [3, 7]), (10, [0.3, 0.3, 0.4]), (11, [0.5, 0.5]), (10, [0.33, 0.33, 0.34]), (7, [0.1, 0.9]),
          (30, [10, 0, 20]), (100, [0.25, 0.25, 0.25, 0.25])]


def random_splits(torch, seeds=SEEDS) -> dict:
    """Subset indices of ``random_split`` for seeded generators and for the global seed."""
    D = torch.utils.data
    out = {}
    for seed in seeds:
        for n, lengths in SPLITS:
            g = torch.Generator().manual_seed(seed)
            parts = D.random_split(range(n), lengths, generator=g)
            out[f"{seed}/{n}/{lengths}"] = [list(p.indices) for p in parts]
        torch.manual_seed(seed)
        out[f"{seed}/default"] = [list(p.indices) for p in D.random_split(range(12), [0.5, 0.25, 0.25])]
        out[f"{seed}/default_items"] = [[p[i] for i in range(len(p))]
                                        for p in D.random_split(list("abcdefgh"), [3, 5])]
    return out


# ---- samplers -------------------------------------------------------------------------------

def samplers(torch, seeds=SEEDS) -> dict:
    """Index streams of every sampler for seeded generators (and the global seed)."""
    D = torch.utils.data
    out = {}
    ds = IndexDataset(13)
    weights = [0.1, 0.9, 0.4, 0.7, 3.0, 0.6]
    for seed in seeds:
        def gen(seed=seed):
            return torch.Generator().manual_seed(seed)

        r = {}
        r["random"] = list(D.RandomSampler(ds, generator=gen()))
        r["random_more"] = list(D.RandomSampler(ds, num_samples=30, generator=gen()))
        r["random_less"] = list(D.RandomSampler(ds, num_samples=5, generator=gen()))
        r["random_repl"] = list(D.RandomSampler(ds, replacement=True, num_samples=70, generator=gen()))
        r["random_repl_default"] = list(D.RandomSampler(ds, replacement=True, generator=gen()))
        g = gen()
        s = D.RandomSampler(ds, generator=g)
        r["random_two_passes"] = [list(s), list(s)]
        torch.manual_seed(seed)
        s = D.RandomSampler(ds)
        r["random_global"] = [list(s), list(s), torch.randint(0, 1000, (2,)).tolist()]
        torch.manual_seed(seed)
        r["random_global_repl"] = list(D.RandomSampler(ds, replacement=True, num_samples=40))
        r["subset_random"] = list(D.SubsetRandomSampler([5, 9, 2, 7, 11, 0], generator=gen()))
        torch.manual_seed(seed)
        r["subset_random_global"] = list(D.SubsetRandomSampler(range(20, 30)))
        r["weighted_repl"] = list(D.WeightedRandomSampler(weights, 40, generator=gen()))
        r["weighted_norepl"] = list(D.WeightedRandomSampler(weights, 6, replacement=False, generator=gen()))
        r["weighted_one"] = list(D.WeightedRandomSampler(weights, 1, generator=gen()))
        g = gen()
        w = torch.rand(200, dtype=torch.float64, generator=g)
        r["weighted_big_repl"] = list(D.WeightedRandomSampler(w, 300, generator=g))
        r["weighted_big_norepl"] = list(D.WeightedRandomSampler(w.tolist(), 120, replacement=False, generator=g))
        r["weighted_zero_some"] = list(D.WeightedRandomSampler([0.0, 2.0, 0.0, 1.0, 3.0], 3, replacement=False,
                                                               generator=gen()))
        r["weighted_zero_repl"] = list(D.WeightedRandomSampler([0.0, 2.0, 0.0, 1.0], 25, generator=gen()))
        torch.manual_seed(seed)
        r["weighted_global"] = list(D.WeightedRandomSampler(weights, 10))
        r["weighted_tensor_f32"] = list(D.WeightedRandomSampler(torch.tensor([1.0, 2.0, 0.5]), 9, generator=gen()))
        out[str(seed)] = r
    out["sequential"] = list(D.SequentialSampler(range(7)))
    out["batch"] = [list(D.BatchSampler(D.SequentialSampler(range(10)), 3, False)),
                    list(D.BatchSampler(D.SequentialSampler(range(10)), 3, True)),
                    list(D.BatchSampler(range(9), 3, True)),
                    list(D.BatchSampler([4, 1, 3], 5, False)),
                    list(D.BatchSampler([4, 1, 3], 5, True))]
    out["batch_len"] = [len(D.BatchSampler(range(10), 3, False)), len(D.BatchSampler(range(10), 3, True)),
                        len(D.BatchSampler(range(9), 3, False)), len(D.BatchSampler(range(2), 3, True))]
    return out


def weighted_ties(torch, seeds=(0, 1, 2, 3)) -> dict:
    """WeightedRandomSampler without replacement past the non-zero weights: zero weights tie.

    PyTorch's order for the ties comes from libstdc++'s heap / nth_element / sort; covers the
    heap path (k * 64 <= n), the nth_element path, and sort above its insertion-sort cut-off.
    """
    D = torch.utils.data
    out = {}
    configs = [(5, 2, 4), (8, 3, 8), (20, 5, 12), (40, 10, 39), (100, 7, 60), (300, 2, 4), (640, 3, 10),
               (257, 0, 100), (1000, 30, 900)]
    for seed in seeds:
        for n, nonzero, k in configs:
            g = torch.Generator().manual_seed(seed)
            w = [0.0] * n
            picks = torch.randperm(n, generator=g)[:nonzero].tolist()
            for j, p in enumerate(picks):
                w[p] = 1.0 + j
            if nonzero == 0:
                w[n // 2] = 1.0
            out[f"{seed}/{n}/{nonzero}/{k}"] = list(D.WeightedRandomSampler(w, k, replacement=False, generator=g))
    return out


# ---- workers --------------------------------------------------------------------------------

def worker_streams(torch) -> dict:
    """Per-worker seeds and random streams (torch, Python, NumPy) with a seeded generator."""
    D = torch.utils.data
    out = {}
    for seed in (0, 5):
        g = torch.Generator().manual_seed(seed)
        loader = D.DataLoader(RandomItemDataset(torch, 6), batch_size=None, num_workers=2, generator=g)
        out[str(seed)] = list(loader)
    return out


# ---- default_collate ------------------------------------------------------------------------

# Each is a Python expression for a batch; ``torch``, ``np`` and ``Point`` are in scope.
COLLATE_CASES = [
    "[0, 1, 2, 3]",
    "[1.5, 2.5]",
    "[1, 2.5]",
    "[2.5, 1]",
    "[True, False]",
    "['a', 'b', 'c']",
    "[b'x', b'y']",
    "[torch.tensor([1, 2]), torch.tensor([3, 4])]",
    "[torch.tensor(1.5), torch.tensor(2.5)]",
    "[torch.zeros(2, 3), torch.ones(2, 3)]",
    "[torch.tensor([1, 2], dtype=torch.int32), torch.tensor([3, 4], dtype=torch.int32)]",
    "[torch.tensor([True]), torch.tensor([False])]",
    "[torch.tensor([1., 2.], dtype=torch.float64), torch.tensor([3., 4.], dtype=torch.float64)]",
    "[np.array([1, 2]), np.array([3, 4])]",
    "[np.array([1., 2.], dtype=np.float32), np.array([3., 4.], dtype=np.float32)]",
    "[np.array(1.5), np.array(2.5)]",
    "[np.zeros((2, 2), dtype=np.uint8), np.ones((2, 2), dtype=np.uint8)]",
    "[np.float32(1), np.float32(2)]",
    "[np.float64(1), np.float64(2)]",
    "[np.int32(1), np.int32(2)]",
    "[np.int64(1), np.int64(2)]",
    "[np.uint8(3), np.uint8(4)]",
    "[np.int16(1), np.float32(2.5)]",
    "[np.float64(1), np.float32(2)]",
    "[np.int64(3), np.float32(4)]",
    "[np.int64(3), np.int8(4)]",
    "[np.bool_(True), np.bool_(False)]",
    "[(0, 1.5, 'a'), (2, 3.5, 'b')]",
    "[[0, 1], [2, 3]]",
    "[{'A': 0, 'B': 1}, {'A': 100, 'B': 100}]",
    "[{'x': torch.tensor([1., 2.]), 'y': (1, 'p')}, {'x': torch.tensor([3., 4.]), 'y': (2, 'q')}]",
    "[Point(0, 0.5), Point(1, 1.5)]",
    "[Point(np.array([1, 2]), torch.tensor([1.])), Point(np.array([3, 4]), torch.tensor([2.]))]",
    "[(torch.tensor([1, 2]), 3), (torch.tensor([4, 5]), 6)]",
    "[[{'a': [1, 2]}], [{'a': [3, 4]}]]",
]

CONVERT_CASES = [
    "0",
    "1.5",
    "'s'",
    "np.array([0, 1])",
    "np.float32(2.5)",
    "np.array(['a', 'b'])",
    "Point(np.array(0), 1)",
    "[np.array([0, 1]), np.array([2, 3])]",
    "(np.array([1]), 2, [np.array(3.0)])",
    "{'a': np.array([1.5]), 'b': 'x'}",
    "torch.tensor([1, 2])",
]


def describe(obj):
    """A JSON description of a collated object: container types, tensor dtypes, shapes and values."""
    t = type(obj)
    if t.__name__ in ("Tensor", "Parameter"):
        return {"tensor": str(obj.dtype), "shape": list(obj.shape), "values": obj.tolist()}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return {"namedtuple": t.__name__, "fields": [describe(v) for v in obj]}
    if isinstance(obj, (list, tuple)):
        return {t.__name__: [describe(v) for v in obj]}
    if isinstance(obj, dict):
        return {"dict": t.__name__, "items": [[k, describe(v)] for k, v in obj.items()]}
    if isinstance(obj, np.ndarray):
        return {"ndarray": obj.dtype.str, "values": obj.tolist()}
    if obj is None or isinstance(obj, (bool, int, float, str, bytes)):
        return {"py": t.__name__, "repr": repr(obj)}
    return {"py": t.__name__}  # other objects: the type only (their repr holds an address)


def _outcome(fn):
    try:
        return {"result": describe(fn())}
    except Exception as e:  # noqa: BLE001 - the exception is what we record
        return {"error": type(e).__name__, "message": str(e)}


def collate_cases(torch) -> dict:
    """``default_collate(batch)`` for every batch in COLLATE_CASES, plus ``default_convert`` cases."""
    D = torch.utils.data
    env = {"torch": torch, "np": np, "Point": Point}
    out = {}
    for code in COLLATE_CASES:
        out["collate: " + code] = _outcome(lambda code=code: D.default_collate(eval(code, env)))
    for code in CONVERT_CASES:
        out["convert: " + code] = _outcome(lambda code=code: D.default_convert(eval(code, env)))
    return out


# ---- errors ---------------------------------------------------------------------------------

ERROR_CASES = [
    "D.DataLoader(ds, batch_size=0)",
    "D.DataLoader(ds, batch_size=-3)",
    "D.DataLoader(ds, batch_size=2.0)",
    "D.DataLoader(ds, batch_size=True)",
    "D.DataLoader(ds, drop_last=1)",
    "D.DataLoader(ds, shuffle=True, sampler=D.SequentialSampler(ds))",
    "D.DataLoader(ds, batch_sampler=[[0]], batch_size=2)",
    "D.DataLoader(ds, batch_sampler=[[0]], shuffle=True)",
    "D.DataLoader(ds, batch_sampler=[[0]], sampler=[0])",
    "D.DataLoader(ds, batch_sampler=[[0]], drop_last=True)",
    "D.DataLoader(ds, batch_size=None, drop_last=True)",
    "D.DataLoader(ds, num_workers=-1)",
    "D.DataLoader(ds, timeout=-1)",
    "D.DataLoader(ds, prefetch_factor=2)",
    "D.DataLoader(ds, num_workers=1, prefetch_factor=-1)",
    "D.DataLoader(ds, persistent_workers=True)",
    "D.DataLoader(ds, multiprocessing_context='fork')",
    "D.DataLoader(ds, num_workers=1, multiprocessing_context='bogus')",
    "D.DataLoader(ds, num_workers=1, multiprocessing_context=3)",
    "D.DataLoader(ids, shuffle=True)",
    "D.DataLoader(ids, shuffle=False)",
    "setattr(D.DataLoader(ds), 'batch_size', 3)",
    "setattr(D.DataLoader(ds), 'sampler', None)",
    "len(D.DataLoader(ids))",
    "D.RandomSampler(ds, replacement=1)",
    "D.RandomSampler(ds, num_samples=0)",
    "D.RandomSampler(ds, num_samples=2.5)",
    "D.RandomSampler([])",
    "D.WeightedRandomSampler([1., 2.], 0)",
    "D.WeightedRandomSampler([1., 2.], True)",
    "D.WeightedRandomSampler([1., 2.], 2, replacement=0)",
    "D.WeightedRandomSampler([[1., 2.]], 2)",
    "list(D.WeightedRandomSampler([-1., 2.], 3))",
    "list(D.WeightedRandomSampler([1., float('inf')], 3))",
    "list(D.WeightedRandomSampler([float('inf'), -1.], 3))",
    "list(D.WeightedRandomSampler([0., 0.], 3))",
    "list(D.WeightedRandomSampler([-1., 2.], 1))",
    "list(D.WeightedRandomSampler([0., 0.], 2, replacement=False))",
    "list(D.WeightedRandomSampler([1., 2.], 3, replacement=False))",
    "list(D.WeightedRandomSampler([1., float('nan')], 2, replacement=False))",
    "D.BatchSampler(range(3), 0, False)",
    "D.BatchSampler(range(3), 2, None)",
    "D.random_split(range(10), [3, 3])",
    "D.random_split(range(10), [1.5, -0.5])",
    "D.random_split(range(10), [0.5, 0.6])",
    "D.TensorDataset(torch.zeros(3), torch.zeros(4))",
    "D.ConcatDataset([])",
    "D.ConcatDataset([ids])",
    "D.ConcatDataset([ds, ds])[-21]",
    "D.ConcatDataset([ds, ds])[-20]",
    "D.Dataset()[0]",
    "iter(D.Sampler())",
    "len(D.RandomSampler(ds, replacement=True, num_samples=7))",
    "D.StackDataset()",
    "D.StackDataset(ds, D.TensorDataset(torch.zeros(3)))",
    "D.default_collate([[1, 2], [3]])",
    "D.default_collate([object()])",
    "D.default_collate([np.array(['a'])])",
    "D.default_collate([torch.zeros(2), torch.zeros(3)])",
    "next(iter(D.DataLoader(ds, batch_size=2, collate_fn=lambda b: b)))",
    "list(D.DataLoader(ids, batch_size=2, drop_last=True))",
    "list(D.DataLoader(ids, batch_size=2))",
]


def error_cases(torch) -> dict:
    """Outcome (value or exception type and message) of every statement in ERROR_CASES."""
    D = torch.utils.data

    class Stream(D.IterableDataset):
        def __iter__(self):
            return iter(range(5))

    env = {"torch": torch, "np": np, "D": D, "ds": IndexDataset(10), "ids": Stream()}
    return {code: _outcome(lambda code=code: eval(code, env)) for code in ERROR_CASES}


def run_all(torch) -> dict:
    """Every scenario, keyed by section name."""
    return {
        "shuffle_with_generator": shuffle_with_generator(torch),
        "shuffle_global_seed": shuffle_global_seed(torch),
        "loader_samplers": sequential_and_samplers_in_loader(torch),
        "random_split": random_splits(torch),
        "samplers": samplers(torch),
        "weighted_ties": weighted_ties(torch),
        "worker_streams": worker_streams(torch),
        "persistent_workers": persistent_workers(torch),
        "collate": collate_cases(torch),
        "errors": error_cases(torch),
    }


def run_seeded(torch, seeds) -> dict:
    """The seed-parametrised scenarios only, for the given seeds."""
    return {
        "shuffle_with_generator": shuffle_with_generator(torch, seeds),
        "shuffle_global_seed": shuffle_global_seed(torch, seeds),
        "random_split": random_splits(torch, seeds),
        "samplers": samplers(torch, seeds),
        "weighted_ties": weighted_ties(torch, seeds),
    }
