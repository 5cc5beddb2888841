"""Plots with matplotlib (optional extra ``viz``): loss curves, gradient-descent paths, graph PNGs.

Every function imports matplotlib lazily and says how to install it when it is missing. The descent
paths use numtorch's own autograd: each step is ``x -= lr * d fn(x)/dx``.
"""

from __future__ import annotations

import math
import os

import numpy as np


def _plt():
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("numtorch.viz plots need matplotlib: pip install 'numtorch[viz]'") from None
    return plt


def svg_graph_to_png(graph, path: str, dpi: int = 110) -> str:
    """Draw a laid-out ``Graph`` with matplotlib into a PNG (same layout, curves and labels as its SVG)."""
    plt = _plt()
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
    from matplotlib.path import Path as MplPath

    from .graph import _BOX_H, _CHAR_W, _LABEL_W, _MARGIN

    spots = graph.label_spots()
    lo = min([0.0] + [x - _LABEL_W * len(lab) for x, _, anchor, lab in spots if anchor == "end"])
    hi = max([0.0] + [x + _LABEL_W * len(lab) for x, _, anchor, lab in spots if anchor == "start"])
    shift = max(0.0, _MARGIN / 2 - lo)
    lanes = [seg[0][3][0] for s, d, _ in graph.edges for seg in [graph.edge_segments(s, d)] if len(seg) > 1]
    width = max(max(n.x + n.width for n in graph.nodes), hi, max(lanes, default=0) + 8,
                _MARGIN + _CHAR_W * len(graph.title)) + _MARGIN + shift
    height = max(n.y + _BOX_H for n in graph.nodes) + _MARGIN + (18 if graph.title else 0)
    fig = plt.figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.axis("off")
    colours = {"op": ("#e8eefc", "#4a6fd1"), "leaf": ("#e6f4e6", "#3c8c3c"), "output": ("#fdf0dc", "#c7822b")}
    for s, d, _ in graph.edges:
        segments = graph.edge_segments(s, d)
        points = [(segments[0][0][0] + shift, segments[0][0][1])]
        codes = [MplPath.MOVETO]
        for _, c1, c2, end in segments:
            points += [(c1[0] + shift, c1[1]), (c2[0] + shift, c2[1]), (end[0] + shift, end[1])]
            codes += [MplPath.CURVE4] * 3
        ax.add_patch(FancyArrowPatch(path=MplPath(points, codes), arrowstyle="-|>", mutation_scale=10,
                                     color="#555", lw=1.1))
    for x, y, anchor, label in spots:
        ax.text(x + shift, y, label, color="#a33", fontsize=7, va="center",
                ha="right" if anchor == "end" else "left")
    for n in graph.nodes:
        fill, stroke = colours[n.kind]
        ax.add_patch(FancyBboxPatch((n.x + shift, n.y), n.width, _BOX_H, boxstyle="round,pad=0,rounding_size=6",
                                    fc=fill, ec=stroke, lw=1.3))
        ax.text(n.x + shift + n.width / 2, n.y + _BOX_H / 2, n.label + (f"  {n.detail}" if n.detail else ""),
                ha="center", va="center", fontsize=8.5, color="#222")
    if graph.title:
        ax.text(_MARGIN, height - 8, graph.title, fontsize=8.5, color="#333")
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def loss_curve(history, path: str | None = None, title: str = "loss", log_scale: bool | None = None):
    """Plot a sequence of losses (numbers or 0-d tensors); saves to ``path`` if given; returns the figure."""
    plt = _plt()
    values = [float(v) for v in history]
    if not values:
        raise ValueError("loss_curve needs at least one value")
    fig, ax = plt.subplots(figsize=(5, 3.2), dpi=110)
    ax.plot(range(1, len(values) + 1), values, marker="o" if len(values) <= 40 else None, ms=3, color="#4a6fd1")
    positive = all(v > 0 for v in values)
    if log_scale or (log_scale is None and positive and max(values) / max(min(values), 1e-300) > 100):
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    if path:
        fig.savefig(path)
        plt.close(fig)
    return fig


def _run_descent(fn, start, lr: float, steps: int, limit: float = 1e6):
    """Gradient descent with numtorch's autograd; returns (points, losses, diverged)."""
    import numtorch as torch

    x = torch.tensor(np.asarray(start, dtype=np.float64), requires_grad=True)
    points, losses = [x.detach().numpy().copy()], []
    diverged = False
    for _ in range(steps):
        y = fn(x)
        if not isinstance(y, torch.Tensor) or y.numel() != 1:
            raise ValueError("descent needs fn(x) to return a scalar tensor (one number)")
        losses.append(float(y.item()))
        (g,) = torch.autograd.grad(y, x)
        with torch.no_grad():
            x -= lr * g
        p = x.detach().numpy().copy()
        points.append(p)
        if not np.all(np.isfinite(p)) or np.max(np.abs(p)) > limit:
            diverged = True
            break
    if not diverged:
        losses.append(float(fn(x).item()))
        diverged = not math.isfinite(losses[-1]) or (len(losses) > 3 and losses[-1] > 10 * max(losses[0], 1e-12)
                                                     and losses[-1] > losses[-2] > losses[-3])
    return np.array(points), losses, diverged


def descent(fn, start, lrs=(0.01, 0.1, 0.9), steps: int = 30, path: str | None = None, title: str = ""):
    """Paths of gradient descent on a 1-D function (curve) or 2-D function (contours), one per learning
    rate; diverging runs are marked. Returns ``{lr: {'points', 'losses', 'diverged'}}`` (and saves a plot
    when ``path`` is given)."""
    start = np.atleast_1d(np.asarray(start, dtype=np.float64))
    if start.size not in (1, 2):
        raise ValueError("descent draws 1-D or 2-D functions: start must have 1 or 2 numbers")
    runs = {}
    for lr in lrs:
        pts, losses, diverged = _run_descent(fn, start if start.size == 2 else start[:1], lr, steps)
        runs[lr] = {"points": pts, "losses": losses, "diverged": diverged}
    if path:
        _plot_descent(fn, runs, start.size, path, title)
    return runs


def _plot_descent(fn, runs, dims: int, path: str, title: str) -> None:
    import numtorch as torch

    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.5, 4), dpi=110)
    # Frame the runs that converge, plus the first steps of diverging ones (the rest leaves the picture).
    shown = [r["points"] for r in runs.values() if not r["diverged"]] or [r["points"][:2] for r in runs.values()]
    pts = np.concatenate(shown)
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = np.maximum((hi - lo) * 0.25, 0.5)
    lo, hi = lo - pad, hi + pad
    colours = ["#4a6fd1", "#3c8c3c", "#c7422b", "#8a4bd1", "#c7822b"]
    with torch.no_grad():
        if dims == 1:
            xs = np.linspace(lo[0], hi[0], 300)
            ys_curve = [float(fn(torch.tensor([v], dtype=torch.float64))) for v in xs]
            ax.plot(xs, ys_curve, color="#999", lw=1.5)
        else:
            gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 120), np.linspace(lo[1], hi[1], 120))
            zs = np.array([[float(fn(torch.tensor([a, b], dtype=torch.float64))) for a, b in zip(ra, rb)]
                           for ra, rb in zip(gx, gy)])
            ax.contour(gx, gy, zs, levels=25, cmap="Greys", linewidths=0.7)
    ax.set_xlim(lo[0], hi[0])
    if dims == 2:
        ax.set_ylim(lo[1], hi[1])
    else:
        span = max(ys_curve) - min(ys_curve)
        ax.set_ylim(min(ys_curve) - 0.05 * span, max(ys_curve) + 0.05 * span + 1e-9)
    for (lr, run), c in zip(runs.items(), colours):
        pts = run["points"]
        ok = np.all(np.isfinite(pts), axis=1) & np.all((pts >= lo - 10 * pad) & (pts <= hi + 10 * pad), axis=1)
        label = f"lr={lr}" + (" (diverged)" if run["diverged"] else "")
        if dims == 1:
            with torch.no_grad():
                ys = [float(fn(torch.tensor(p, dtype=torch.float64))) for p in pts[ok]]
            ax.plot(pts[ok][:, 0], ys, "-o", ms=3, color=c, label=label, lw=1)
        else:
            ax.plot(pts[ok][:, 0], pts[ok][:, 1], "-o", ms=3, color=c, label=label, lw=1)
        if run["diverged"]:
            # The diverging run leaves the frame: say so inside it.
            ax.text(0.5, 0.92 - 0.07 * list(runs).index(lr), f"lr={lr} diverges", transform=ax.transAxes,
                    color=c, fontsize=9, fontweight="bold", ha="center")
    ax.set_title(title or "gradient descent")
    ax.legend(fontsize=8)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
