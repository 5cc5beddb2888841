"""The digits example reaches the issue's 95 % test accuracy with both models (needs scikit-learn)."""

import importlib.util
import os

import pytest

pytest.importorskip("sklearn", reason="the digits example needs scikit-learn (extra 'examples')")

HERE = os.path.dirname(os.path.abspath(__file__))


def _load_example():
    path = os.path.join(HERE, "..", "examples", "digits.py")
    spec = importlib.util.spec_from_file_location("digits_example", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_digits_reaches_95_percent(model, capsys):
    """main() returns 0 only when the model's test accuracy is at least 0.95."""
    digits = _load_example()
    assert digits.main(["--model", model]) == 0
    out = capsys.readouterr().out
    assert f"{model.upper()}: test accuracy" in out
