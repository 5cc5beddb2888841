"""Every case of ../shared/golden/errors.json: exception type and message, warnings, and ``result``."""

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
        path = golden_path("errors.json")
    except (pytest.skip.Exception, pytest.fail.Exception):
        return [pytest.param(None, id="errors.json-missing")]
    return [pytest.param(case, id=case["id"]) for case in json.loads(path.read_text())]


def _run(code: str) -> tuple[BaseException | None, list[dict[str, str]], dict[str, Any]]:
    """Execute ``code`` as the golden generator did: return (exception, warnings, namespace)."""
    ns: dict[str, Any] = {"torch": numtorch, "nn": nn, "F": F}
    exc = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            exec(compile(code, "<golden>", "exec"), ns)
        except Exception as e:  # noqa: BLE001 - any exception is part of the expected outcome
            exc = e
    got_warnings = [{"category": w.category.__name__, "message": str(w.message)} for w in caught]
    return exc, got_warnings, ns


def _plain(value: Any) -> Any:
    """A ``result`` as the golden file stores it: tensors by repr, everything else as is."""
    if isinstance(value, numtorch.Tensor):
        return repr(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@pytest.mark.parametrize("case", _load_cases())
def test_golden_error(case: dict[str, Any] | None) -> None:
    """Same exception, same warnings in the same order, same result as PyTorch."""
    if case is None:
        golden_path("errors.json")  # skips, or fails under CI=true
        return
    exc, got_warnings, ns = _run(case["code"])

    expected_exc = case["exception"]
    if expected_exc is None:
        assert exc is None, f"unexpected {type(exc).__name__}: {exc}"
    else:
        assert exc is not None, f"expected {expected_exc['type']}, nothing was raised"
        assert (type(exc).__name__, str(exc)) == (expected_exc["type"], expected_exc["message"])

    expected_warnings = [{"category": w["category"], "message": w["message"]} for w in case["warnings"]]
    assert got_warnings == expected_warnings

    if "result" in case:
        assert "result" in ns, "the code did not set `result`"
        assert _plain(ns["result"]) == case["result"]
