"""Regenerate ``fixtures/*.json`` with a real PyTorch: ``~/.oracle/bin/python tests/optim/make_fixtures.py``.

Each file holds what one ``optim_cases.run_*`` returns under PyTorch 2.13; the tests run the same function
under numtorch and compare. float32 values are written with the fewest digits that read back as the same
float32 (the tests compare them as float32), which keeps the files small.
"""

import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import optim_cases  # noqa: E402


def short(x):
    return float(str(np.float32(x))) if isinstance(x, float) and np.float32(x) == x else x


def shorten(v, f32=False):
    """Shorten float32 values: tensor values, trajectories and losses (everything else stays exact)."""
    if isinstance(v, dict):
        if v.get("tensor") == "torch.float32":
            return {**v, "values": [short(x) for x in v["values"]]}
        return {k: shorten(x, f32 or k in ("traj", "losses", "mlp")) for k, x in v.items()}
    if isinstance(v, list):
        return [shorten(x, f32) for x in v]
    return short(v) if f32 else v


os.makedirs(os.path.join(HERE, "fixtures"), exist_ok=True)
results = optim_cases.run_all(torch)
results["mlp"] = {"mlp": results["mlp"]}
results["meta"] = {"torch": torch.__version__, "cpu_capability": torch.backends.cpu.get_cpu_capability()}
for key, value in results.items():
    path = os.path.join(HERE, "fixtures", f"{key}.json")
    with open(path, "w") as f:
        json.dump(shorten(value), f, separators=(",", ":"))
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")
