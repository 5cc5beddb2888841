"""Shared helper for golden-vector tests: find files under ``../shared/golden`` beside the repo."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# <repo>/tests/golden.py -> <repo>/../shared/golden
GOLDEN_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "golden"


def golden_path(*parts: str) -> Path:
    """Return ``GOLDEN_DIR / parts``; skip the test if it is absent (fail instead when ``CI=true``)."""
    path = GOLDEN_DIR.joinpath(*parts)
    if not path.exists():
        reason = f"golden file not found: {path} (expected ../shared/golden beside the repository)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason, allow_module_level=True)
    return path
