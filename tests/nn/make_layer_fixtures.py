"""Regenerate fixtures/layers.json with a real PyTorch: ``~/.oracle/bin/python tests/nn/make_layer_fixtures.py``."""

import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from layer_cases import run  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "fixtures", "layers.json"), "w") as f:
    json.dump(run(torch), f)
print("wrote fixtures/layers.json")
