"""All 680 rng.json cases through numtorch's real API (``torch``/``nn``/``F`` = numtorch).

tests/test_random_engine.py checks the engine through a stand-in namespace; this file runs the
same golden PyTorch source lines against the public factories, Tensor methods, nn modules and
nn.init, so a regression anywhere between the API and the engine shows up here. Comparison
follows spec/rng.md section 7: exact values (bit patterns), or first/last/sum/SHA-256 for
tensors of more than 64 elements; module outputs compare ``weight`` and ``bias``.
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings

import numpy as np
import pytest

import numtorch
import numtorch.nn
import numtorch.nn.functional
from tests.golden import golden_path


def _load_cases() -> list[dict]:
    with open(golden_path("rng.json")) as fh:
        return json.load(fh)


CASES = _load_cases()


def _array(x) -> np.ndarray:
    """The ndarray behind a numtorch tensor (detached), checking it really is a Tensor."""
    assert isinstance(x, numtorch.Tensor), f"expected a Tensor, got {type(x).__name__}"
    return x.detach().numpy()


def _check_tensor(expect: dict, got: np.ndarray, where: str) -> None:
    dtype = np.dtype(expect["dtype"])
    assert got.dtype == dtype, f"{where}: dtype {got.dtype} != {dtype}"
    assert list(got.shape) == expect["shape"], f"{where}: shape {got.shape} != {expect['shape']}"
    flat = np.ascontiguousarray(got).reshape(-1)
    if "values" in expect:
        want = np.array(expect["values"], dtype=dtype)
        # Compare bit patterns: exact, and tells -0.0 from 0.0.
        view = f"u{dtype.itemsize}"
        bad = np.nonzero(want.view(view) != flat.view(view))[0]
        assert bad.size == 0, f"{where}: first mismatch at {bad[0]}: {flat[bad[0]]!r} != {want[bad[0]]!r}"
        return
    assert np.array_equal(flat[:8], np.array(expect["first"], dtype)), f"{where}: first 8 differ"
    assert np.array_equal(flat[-8:], np.array(expect["last"], dtype)), f"{where}: last 8 differ"
    total = float(np.cumsum(flat.astype(np.float64))[-1])  # float64 sum in row-major order
    assert math.isclose(total, expect["sum_float64"], rel_tol=1e-12, abs_tol=1e-12), \
        f"{where}: sum {total} != {expect['sum_float64']}"
    le = flat.astype(dtype.newbyteorder("<"))
    assert hashlib.sha256(le.tobytes()).hexdigest() == expect["sha256_le_bytes"], f"{where}: sha256 differs"


def _run_case(case: dict) -> int:
    """Execute a case line by line in a fresh namespace; check each expression's output."""
    ns = {"torch": numtorch, "nn": numtorch.nn, "F": numtorch.nn.functional}
    outputs = list(case["outputs"])
    checked = 0
    for line in case["code"].split("\n"):
        if outputs and line == outputs[0]["expr"]:
            expect = outputs.pop(0)
            got = eval(line, ns)  # noqa: S307 - trusted golden data
            if "weight" in expect:  # a module: compare its parameters
                _check_tensor(expect["weight"], _array(got.weight), f"{case['id']} weight")
                if expect.get("bias") is not None:
                    _check_tensor(expect["bias"], _array(got.bias), f"{case['id']} bias")
                else:
                    assert got.bias is None, f"{case['id']}: expected no bias"
            else:
                _check_tensor(expect, _array(got), case["id"])
            checked += 1
        else:
            exec(line, ns)  # noqa: S102 - statements such as g = torch.Generator().manual_seed(0)
    assert not outputs, f"unmatched outputs: {[o['expr'] for o in outputs]}"
    return checked


def test_case_count():
    assert len(CASES) == 680


@pytest.mark.parametrize("case", CASES, ids=[c["id"] + "-" + c["group"] for c in CASES])
def test_golden_rng_case(case):
    """One rng.json case, bit-exact, with no warnings raised on the way."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _run_case(case) == len(case["outputs"])
