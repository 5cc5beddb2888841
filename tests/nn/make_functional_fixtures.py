"""Regenerate fixtures/functional.json with a real PyTorch (run this file with the oracle's python)."""

import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from functional_cases import run  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "fixtures", "functional.json"), "w") as f:
    json.dump(run(torch), f)
print("wrote fixtures/functional.json")
