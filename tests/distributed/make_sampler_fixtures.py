"""Regenerate ``sampler_fixtures.json`` from real PyTorch 2.13 (run with the oracle interpreter):

    ~/.oracle/bin/python tests/distributed/make_sampler_fixtures.py

Each case is one rank's shard of ``DistributedSampler`` for a dataset length, world size, seed, epoch
and flags, plus the ``ValueError`` messages for invalid ranks. The tests need no torch.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

OUT = Path(__file__).resolve().parent / "sampler_fixtures.json"

LENGTHS = (1, 5, 10, 11, 17, 100)
REPLICAS = (1, 2, 3, 4)
SEEDS = (0, 42)
EPOCHS = (0, 1, 5)


def main() -> None:
    import torch
    from torch.utils.data.distributed import DistributedSampler

    cases = []
    for n, replicas, shuffle, drop_last in itertools.product(LENGTHS, REPLICAS, (True, False), (False, True)):
        seeds = SEEDS if shuffle else (0,)
        epochs = EPOCHS if shuffle else (0,)
        for seed, epoch in itertools.product(seeds, epochs):
            shards = []
            for rank in range(replicas):
                s = DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=shuffle, seed=seed,
                                       drop_last=drop_last)
                s.set_epoch(epoch)
                shards.append({"len": len(s), "indices": list(s)})
            cases.append({"n": n, "replicas": replicas, "shuffle": shuffle, "drop_last": drop_last, "seed": seed,
                          "epoch": epoch, "shards": shards})
    errors = []
    for replicas, rank in ((3, 3), (3, -1), (1, 5)):
        try:
            DistributedSampler(range(4), num_replicas=replicas, rank=rank)
        except ValueError as e:
            errors.append({"replicas": replicas, "rank": rank, "message": str(e)})
    data = {"torch": torch.__version__, "cases": cases, "errors": errors}
    OUT.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
