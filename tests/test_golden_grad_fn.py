"""Every case of ../shared/golden/grad_fn.json: grad_fn name, next_functions, leaf flags, dtype, shape."""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest

import numtorch
import numtorch.nn as nn
import numtorch.nn.functional as F
from tests.golden import golden_path


def _load_cases() -> list[Any]:
    """The golden cases, or one placeholder that re-raises the skip/fail inside the test."""
    try:
        path = golden_path("grad_fn.json")
    except (pytest.skip.Exception, pytest.fail.Exception):
        return [pytest.param(None, id="grad_fn.json-missing")]
    return [pytest.param(case, id=case["id"]) for case in json.loads(path.read_text())]


def _describe(t: numtorch.Tensor) -> dict[str, Any]:
    """The fields the golden file records about a tensor (nodes by class name, as PyTorch prints them)."""
    fn = t.grad_fn
    next_functions = None
    if fn is not None:
        next_functions = [[None if n is None else type(n).__name__, nr] for n, nr in fn.next_functions]
    return {
        "grad_fn": None if fn is None else type(fn).__name__,
        "next_functions": next_functions,
        "requires_grad": t.requires_grad,
        "is_leaf": t.is_leaf,
        "dtype": str(t.dtype).removeprefix("torch."),
        "shape": list(t.shape),
    }


@pytest.mark.parametrize("case", _load_cases())
def test_golden_grad_fn(case: dict[str, Any] | None) -> None:
    """The expression's tensor is recorded in the graph exactly as PyTorch records it."""
    if case is None:
        golden_path("grad_fn.json")  # skips, or fails under CI=true
        return
    ns: dict[str, Any] = {"torch": numtorch, "nn": nn, "F": F}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a.T on 2-d, a.grad reads: warnings are errors.json's business
        exec(case["setup"], ns)
        if case.get("code"):
            exec(case["code"], ns)
        t = eval(case["expr"], ns)
    expected = {k: case[k] for k in ("grad_fn", "next_functions", "requires_grad", "is_leaf", "dtype", "shape")}
    assert _describe(t) == expected
