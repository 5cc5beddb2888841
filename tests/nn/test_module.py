"""nn.Module's API (registration, iteration, state_dict, hooks, modes, containers, printing) vs PyTorch 2.13."""

import json
import os
import sys

import pytest

import numtorch

sys.path.insert(0, os.path.dirname(__file__))
from module_cases import run  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "fixtures", "module.json")) as f:
    EXPECTED = json.load(f)


@pytest.fixture(scope="module")
def actual():
    return run(numtorch)


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_module_behaviour_matches_pytorch(key, actual):
    """Each observation (names, flags, messages, printed text) equals PyTorch's exactly."""
    assert actual[key] == EXPECTED[key]
