"""Every scheduler's lr (and momentum/beta1) sequence over 30 epochs against PyTorch 2.13's, exactly.

Schedulers compute in Python floats with PyTorch's own recurrences, so the sequences must be identical to the
last bit, as must state_dict contents, the keys added to param groups and the warnings.
"""

import json
import os
import sys

import pytest

import numtorch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import optim_cases as oc  # noqa: E402
from optim_compare import compare, normalise  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "fixtures", "schedulers.json")) as f:
    EXPECTED = json.load(f)
with open(os.path.join(HERE, "fixtures", "scheduler_extras.json")) as f:
    EXPECTED_EXTRAS = json.load(f)


def test_fixtures_cover_every_scheduler():
    assert sorted(EXPECTED) == sorted(oc._sched_cases(numtorch))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_scheduler_sequence(name):
    got = normalise(oc.run_scheduler(numtorch, name))
    exp = EXPECTED[name]
    assert not compare(exp["seq"], got["seq"], "seq")
    assert got["group_keys"] == exp["group_keys"]
    assert got["warnings"] == exp["warnings"]
    assert got["repr"] == exp["repr"]
    errors = compare(exp["state_dict"], got["state_dict"], "state_dict")
    assert not errors, errors[:5]


@pytest.fixture(scope="module")
def extras():
    return normalise(oc.run_scheduler_extras(numtorch))


@pytest.mark.parametrize("name", sorted(EXPECTED_EXTRAS))
def test_scheduler_extras(extras, name):
    """Warnings (text and category), the deprecated step(epoch), resuming with last_epoch, state round trips."""
    errors = compare(EXPECTED_EXTRAS[name], extras[name], name)
    assert not errors, errors[:5]


def test_get_last_lr_and_initial_lr():
    p = numtorch.tensor([1.0], requires_grad=True)
    opt = numtorch.optim.SGD([p], lr=0.5)
    sched = numtorch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.1)
    assert opt.param_groups[0]["initial_lr"] == 0.5
    assert sched.last_epoch == 0
    for _ in range(2):
        opt.step()
        sched.step()
    assert sched.last_epoch == 2
    assert sched.get_last_lr() == [0.05]
    assert sched.base_lrs == [0.5]
    assert "optimizer" not in sched.state_dict()
