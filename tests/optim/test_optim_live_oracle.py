"""The same scenarios run live under a real PyTorch (``~/.oracle/bin/python``) when it is there.

Skipped when that interpreter is missing or cannot import torch; the fixture tests cover the same ground
without it. Tolerances are those of the fixture tests.
"""

import json
import os
import subprocess
import sys

import pytest

import numtorch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import optim_cases as oc  # noqa: E402
from optim_compare import ATOL, RTOL, compare, normalise  # noqa: E402

ORACLE = os.environ.get("NUMTORCH_ORACLE_PYTHON", os.path.expanduser("~/.oracle/bin/python"))
CASES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "optim_cases.py")


@pytest.fixture(scope="module")
def oracle():
    if not os.path.exists(ORACLE):
        pytest.skip(f"no PyTorch oracle interpreter at {ORACLE}")
    try:
        out = subprocess.run([ORACLE, CASES], capture_output=True, text=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        pytest.skip(f"PyTorch oracle could not run: {e}")
    if out.returncode != 0:
        if "No module named 'torch'" in out.stderr:
            pytest.skip("the oracle interpreter has no torch")
        pytest.fail(f"oracle run failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout)


def test_live_trajectories(oracle):
    got = normalise(oc.run_trajectories(numtorch))
    for name, exp in oracle["trajectories"].items():
        errors = compare(exp["traj"], got[name]["traj"], name, RTOL, ATOL, f32=True)
        errors += compare(exp["losses"], got[name]["losses"], name, RTOL, ATOL, f32=True)
        errors += compare(exp["state_dict"], got[name]["state_dict"], name, RTOL, ATOL)
        assert not errors, errors[:5]
        assert got[name]["repr"] == exp["repr"]


def test_live_mlp(oracle):
    errors = compare(oracle["mlp"], normalise(oc.run_mlp(numtorch)), "mlp", 1e-5, 1e-6, f32=True)
    assert not errors, errors[:5]


@pytest.mark.parametrize("key,fn", [("schedulers", oc.run_schedulers), ("scheduler_extras", oc.run_scheduler_extras)])
def test_live_schedulers(oracle, key, fn):
    errors = compare(oracle[key], normalise(fn(numtorch)), key)
    assert not errors, errors[:5]


@pytest.mark.parametrize("key,fn", [("errors", oc.run_errors), ("reprs", oc.run_reprs)])
def test_live_errors_and_reprs(oracle, key, fn):
    errors = compare(oracle[key], normalise(fn(numtorch)), key, RTOL, ATOL)
    assert not errors, errors[:5]
