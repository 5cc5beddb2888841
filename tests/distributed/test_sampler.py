"""DistributedSampler's shards equal PyTorch 2.13's (fixtures from make_sampler_fixtures.py; no torch needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from numtorch.utils.data import DistributedSampler

FIXTURES = json.loads((Path(__file__).resolve().parent / "sampler_fixtures.json").read_text())


def _id(case: dict) -> str:
    return (f"n{case['n']}-r{case['replicas']}-{'shuf' if case['shuffle'] else 'seq'}"
            f"{'-drop' if case['drop_last'] else ''}-s{case['seed']}-e{case['epoch']}")


@pytest.mark.parametrize("case", FIXTURES["cases"], ids=_id)
def test_shards_match_pytorch(case):
    for rank, want in enumerate(case["shards"]):
        s = DistributedSampler(range(case["n"]), num_replicas=case["replicas"], rank=rank, shuffle=case["shuffle"],
                               seed=case["seed"], drop_last=case["drop_last"])
        s.set_epoch(case["epoch"])
        assert len(s) == want["len"]
        assert list(s) == want["indices"]


@pytest.mark.parametrize("case", FIXTURES["errors"], ids=lambda c: f"r{c['replicas']}-rank{c['rank']}")
def test_invalid_rank(case):
    with pytest.raises(ValueError) as info:
        DistributedSampler(range(4), num_replicas=case["replicas"], rank=case["rank"])
    assert str(info.value) == case["message"]


def test_epoch_changes_the_order_and_iteration_repeats_it():
    s = DistributedSampler(range(50), num_replicas=2, rank=0, seed=1)
    first = list(s)
    assert list(s) == first
    s.set_epoch(1)
    assert list(s) != first
