"""Datasets, samplers and default_collate: behaviour beyond the PyTorch fixtures."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import numtorch as torch
from numtorch.utils.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    StackDataset,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    get_worker_info,
    random_split,
)


class Stream(IterableDataset):
    def __init__(self, start: int, end: int) -> None:
        self.start, self.end = start, end

    def __iter__(self):
        return iter(range(self.start, self.end))

    def __len__(self) -> int:
        return self.end - self.start


def test_import_paths() -> None:
    import numtorch.utils.data as data_mod

    assert torch.utils.data is data_mod
    assert data_mod.DataLoader is DataLoader
    from numtorch.utils.data.dataloader import default_collate as dc
    from numtorch.utils.data.sampler import RandomSampler as RS

    assert dc is default_collate and RS is RandomSampler


def test_tensor_dataset() -> None:
    x = torch.arange(12.0).reshape(4, 3)
    y = torch.tensor([0, 1, 0, 1])
    ds = TensorDataset(x, y)
    assert len(ds) == 4
    xi, yi = ds[2]
    assert xi.tolist() == [6.0, 7.0, 8.0] and yi.item() == 0
    assert isinstance(ds[1], tuple)


def test_subset_and_getitems() -> None:
    ds = TensorDataset(torch.arange(10))
    sub = Subset(ds, [9, 3, 5])
    assert len(sub) == 3 and sub[0][0].item() == 9
    assert [t[0].item() for t in sub.__getitems__([2, 0])] == [5, 9]

    class Bad(Subset):
        def __getitem__(self, idx):
            return 0

    with pytest.raises(NotImplementedError, match="overrides __getitem__ but not __getitems__"):
        Bad(ds, [0])


def test_getitems_is_used_for_batches() -> None:
    calls = []

    class Batched(Dataset):
        def __getitem__(self, i):
            raise AssertionError("per-item access not expected")

        def __getitems__(self, indices):
            calls.append(list(indices))
            return [i * 10 for i in indices]

        def __len__(self) -> int:
            return 5

    out = [b.tolist() for b in DataLoader(Batched(), batch_size=2)]
    assert out == [[0, 10], [20, 30], [40]] and calls == [[0, 1], [2, 3], [4]]


def test_concat_and_add() -> None:
    a = TensorDataset(torch.arange(3))
    b = TensorDataset(torch.arange(10, 14))
    c = a + b
    assert isinstance(c, ConcatDataset) and len(c) == 7 and c.cumulative_sizes == [3, 7]
    assert [c[i][0].item() for i in range(7)] == [0, 1, 2, 10, 11, 12, 13]
    assert c[-1][0].item() == 13
    with pytest.warns(FutureWarning):
        assert c.cummulative_sizes == [3, 7]


def test_chain_dataset() -> None:
    chained = Stream(0, 3) + Stream(10, 12)
    assert isinstance(chained, ChainDataset)
    assert list(chained) == [0, 1, 2, 10, 11] and len(chained) == 5
    with pytest.raises(AssertionError, match="ChainDataset only supports IterableDataset"):
        list(ChainDataset([TensorDataset(torch.zeros(2))]))


def test_stack_dataset() -> None:
    a, b = TensorDataset(torch.arange(3)), list("xyz")
    s = StackDataset(a, b)
    assert s[1][1] == "y" and s[1][0][0].item() == 1
    d = StackDataset(num=a, ch=b)
    assert d[2]["ch"] == "z"
    assert [r["ch"] for r in d.__getitems__([2, 0])] == ["z", "x"]
    with pytest.raises(ValueError, match="both types are given"):
        StackDataset(a, ch=b)


def test_random_split_zero_length_warning_and_fractions() -> None:
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        parts = random_split(range(1), [0.5, 0.5], generator=torch.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [1, 0]
    parts = random_split(range(10), [0.34, 0.33, 0.33], generator=torch.Generator().manual_seed(1))
    assert [len(p) for p in parts] == [4, 3, 3]
    assert sorted(i for p in parts for i in p.indices) == list(range(10))


def test_random_sampler_uses_fresh_seed_each_pass() -> None:
    torch.manual_seed(0)
    s = RandomSampler(range(20))
    first, second = list(s), list(s)
    assert sorted(first) == list(range(20)) and first != second
    torch.manual_seed(0)
    assert list(s) == first


def test_sampler_lengths() -> None:
    assert len(SequentialSampler(range(4))) == 4
    assert len(RandomSampler(range(4), replacement=True, num_samples=9)) == 9
    assert len(SubsetRandomSampler([1, 2])) == 2
    assert len(WeightedRandomSampler([1.0, 2.0], 5)) == 5
    assert len(BatchSampler(range(10), 4, False)) == 3
    assert len(BatchSampler(range(10), 4, True)) == 2


def test_weighted_sampler_distribution() -> None:
    g = torch.Generator().manual_seed(0)
    draws = list(WeightedRandomSampler([1.0, 0.0, 3.0], 4000, generator=g))
    counts = np.bincount(draws, minlength=3)
    assert counts[1] == 0 and 0.7 < counts[2] / 4000 < 0.8
    norepl = list(WeightedRandomSampler([1.0, 0.0, 3.0, 2.0], 3, replacement=False, generator=g))
    assert sorted(norepl) == [0, 2, 3]


# ---- default_collate --------------------------------------------------------------------------

def test_collate_dtypes() -> None:
    assert default_collate([1.0, 2.0]).dtype == torch.float64
    assert default_collate([1, 2]).dtype == torch.int64
    assert default_collate([True, False]).dtype == torch.bool
    assert default_collate([np.float32(1)]).dtype == torch.float32
    assert default_collate([np.int32(1), np.int32(2)]).dtype == torch.int32
    assert default_collate([np.array([1, 2], dtype=np.int16)] * 3).shape == (3, 2)
    assert default_collate(["a", "b"]) == ["a", "b"]


def test_collate_containers() -> None:
    batch = default_collate([{"x": torch.ones(2), "y": (1, "s")}, {"x": torch.zeros(2), "y": (2, "t")}])
    assert list(batch) == ["x", "y"]
    assert batch["x"].shape == (2, 2) and batch["y"][0].tolist() == [1, 2] and batch["y"][1] == ("s", "t")


def test_collate_keeps_mapping_subclass() -> None:
    from collections import OrderedDict

    out = default_collate([OrderedDict(a=1), OrderedDict(a=2)])
    assert type(out) is OrderedDict and out["a"].tolist() == [1, 2]


def test_collate_extensible_via_fn_map() -> None:
    from numtorch.utils.data._utils.collate import collate, default_collate_fn_map

    class Box:
        def __init__(self, v):
            self.v = v

    fn_map = {**default_collate_fn_map, Box: lambda batch, *, collate_fn_map: sum(b.v for b in batch)}
    assert collate([(Box(1), 2), (Box(3), 4)], collate_fn_map=fn_map)[0] == 4


# ---- DataLoader in one process ----------------------------------------------------------------

def test_loader_attributes() -> None:
    ds = TensorDataset(torch.arange(10))
    loader = DataLoader(ds, batch_size=3, shuffle=True)
    assert isinstance(loader.sampler, RandomSampler) and isinstance(loader.batch_sampler, BatchSampler)
    assert loader.batch_size == 3 and len(loader) == 4
    assert isinstance(DataLoader(ds).sampler, SequentialSampler)
    loader.num_workers = 0  # not a protected attribute


def test_loader_tensor_dataset_batches() -> None:
    x = torch.arange(20.0).reshape(10, 2)
    y = torch.arange(10)
    batches = list(DataLoader(TensorDataset(x, y), batch_size=4))
    assert [b[0].shape for b in batches] == [(4, 2), (4, 2), (2, 2)]
    assert batches[2][1].tolist() == [8, 9] and batches[0][0].dtype == torch.float32


def test_loader_no_batching_converts_numpy() -> None:
    arrays = [np.array([i, i + 1]) for i in range(3)]
    out = list(DataLoader(arrays, batch_size=None))
    assert all(isinstance(t, torch.Tensor) for t in out) and out[1].tolist() == [1, 2]


def test_iterable_dataset_len_warning() -> None:
    class Liar(IterableDataset):
        def __iter__(self):
            return iter(range(5))

        def __len__(self) -> int:
            return 2

    loader = DataLoader(Liar(), batch_size=None)
    assert len(loader) == 2
    with pytest.warns(UserWarning, match="was reported to be 2"):
        assert [int(v) for v in loader] == list(range(5))


def test_iterable_dataset_len_batched() -> None:
    assert len(DataLoader(Stream(0, 10), batch_size=3)) == 4
    assert len(DataLoader(Stream(0, 10), batch_size=3, drop_last=True)) == 3


def test_pin_memory_warns_and_works() -> None:
    with pytest.warns(UserWarning, match="no accelerator is found"):
        out = list(DataLoader(range(3), batch_size=2, pin_memory=True))
    assert out[0].tolist() == [0, 1]


def test_get_worker_info_in_main_process() -> None:
    assert get_worker_info() is None


def test_too_many_workers_warning() -> None:
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        DataLoader(range(3), num_workers=100000)
    assert any("This DataLoader will create 100000 worker processes in total" in str(x.message) for x in w)
