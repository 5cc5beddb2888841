"""Every optimizer's parameter trajectory over 20 steps against PyTorch 2.13's (fixtures/trajectories.json).

Tolerance: rtol 1e-6, atol 1e-7 on float32 values (a few ulps). The optimizers reproduce PyTorch's float32
arithmetic, fused multiply-adds included, bit for bit; the one operation not reproduced is PyTorch's float32
``sqrt`` (MKL's, off by one ulp on about one element in six), so the Adam family, RMSprop, Adagrad, Adadelta,
NAdam and RAdam drift by a few ulps. Optimizers without a tensor sqrt must match exactly.
"""

import json
import os
import sys

import numpy as np
import pytest

import numtorch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import optim_cases as oc  # noqa: E402
from optim_compare import ATOL, RTOL, compare, normalise  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "fixtures", "trajectories.json")) as f:
    EXPECTED = json.load(f)
with open(os.path.join(HERE, "fixtures", "mlp.json")) as f:
    EXPECTED_MLP = json.load(f)["mlp"]

# No tensor sqrt in these: every float32 bit must agree.
EXACT = [n for n in oc.CONFIGS if n.startswith(("sgd", "adamax", "lbfgs"))]


@pytest.fixture(scope="module")
def actual():
    return {name: normalise(oc.run_trajectory(numtorch, name)) for name in oc.CONFIGS}


def test_fixtures_cover_every_config():
    assert sorted(EXPECTED) == sorted(oc.CONFIGS)


@pytest.mark.parametrize("name", list(oc.CONFIGS))
def test_trajectory(actual, name):
    exp, got = EXPECTED[name], actual[name]
    errors = compare(exp["traj"], got["traj"], "traj", RTOL, ATOL, f32=True)
    errors += compare(exp["losses"], got["losses"], "losses", RTOL, ATOL, f32=True)
    assert not errors, errors[:5]


@pytest.mark.parametrize("name", EXACT)
def test_trajectory_bit_exact(actual, name):
    exp = np.array(EXPECTED[name]["traj"], dtype=np.float32)
    got = np.array(actual[name]["traj"], dtype=np.float32)
    assert np.array_equal(exp, got)


@pytest.mark.parametrize("name", list(oc.CONFIGS))
def test_final_state_dict(actual, name):
    """Same keys in the same order, same types (0-d float32 ``step`` tensors …), values to float32 rounding."""
    errors = compare(EXPECTED[name]["state_dict"], actual[name]["state_dict"], "state_dict", RTOL, ATOL)
    assert not errors, errors[:5]


@pytest.mark.parametrize("name", list(oc.CONFIGS))
def test_repr_after_steps(actual, name):
    assert actual[name]["repr"] == EXPECTED[name]["repr"]


@pytest.mark.parametrize("name", list(oc.CONFIGS))
def test_resume_from_state_dict(actual, name):
    """Stopping half-way, loading a copy of state_dict() into a fresh optimizer and going on changes nothing."""
    steps = oc.CONFIGS[name][3].get("steps", oc.STEPS)
    resumed = normalise(oc.run_trajectory(numtorch, name, resume_at=steps // 2))
    assert resumed["traj"] == actual[name]["traj"]
    assert resumed["state_dict"] == actual[name]["state_dict"]


def test_mlp_through_autograd():
    """A small tanh MLP trained through numtorch's autograd: matmul and tanh are not bit-identical to PyTorch's,
    so gradients differ in the last bits and the tolerance is looser (rtol 1e-5, atol 1e-6)."""
    got = normalise(oc.run_mlp(numtorch))
    errors = compare(EXPECTED_MLP, got, "mlp", 1e-5, 1e-6, f32=True)
    assert not errors, errors[:5]
