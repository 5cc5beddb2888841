"""Plots: descent marks divergence, loss curves render (matplotlib optional)."""

import pytest

import numtorch as torch
from numtorch import viz


def _cost(w):
    x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    return ((w * x - x) ** 2).mean()  # the seed-001 cost curve, minimum at w = 1


def test_descent_marks_diverging_learning_rate():
    """On the seed-001 cost, lr=0.01 crawls, lr=0.1 converges, lr=0.5 diverges."""
    runs = viz.descent(_cost, [0.0], lrs=[0.01, 0.1, 0.5], steps=20)
    assert runs[0.5]["diverged"] is True
    assert runs[0.1]["diverged"] is False and abs(runs[0.1]["points"][-1][0] - 1.0) < 1e-3
    assert runs[0.01]["diverged"] is False and abs(runs[0.01]["points"][-1][0] - 1.0) > 0.1


def test_descent_rejects_non_scalar_function():
    """fn must return one number: a clear ValueError otherwise."""
    with pytest.raises(ValueError, match="scalar"):
        viz.descent(lambda w: w * 2, [0.0, 1.0], lrs=[0.1], steps=2)


def test_plots_write_png(tmp_path):
    """With matplotlib installed, loss_curve, descent and graph PNGs are written."""
    pytest.importorskip("matplotlib")
    viz.loss_curve([1.0, 0.5, 0.25], path=str(tmp_path / "loss.png"))
    viz.descent(_cost, [0.0], lrs=[0.1, 0.5], steps=10, path=str(tmp_path / "d.png"))
    a = torch.ones(2, requires_grad=True)
    viz.graph((a * 2).sum(), params={"a": a}).save(tmp_path / "g.png")
    for name in ("loss.png", "d.png", "g.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
