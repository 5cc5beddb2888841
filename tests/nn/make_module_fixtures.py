"""Regenerate fixtures/module.json with a real PyTorch (run this file with the oracle's python)."""

import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from module_cases import run  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "fixtures", "module.json"), "w") as f:
    json.dump(run(torch), f, indent=1)
print("wrote fixtures/module.json")
