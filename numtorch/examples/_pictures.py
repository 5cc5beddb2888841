"""Pictures the demo writes beside each lesson's transcript: the graph (SVG, always), the loss curve and
the learning-rate pictures (PNG, with the ``viz`` extra).

Without matplotlib the lessons still run and the graphs are still drawn; one line says how to get the plots.
"""

from __future__ import annotations

from pathlib import Path

import numtorch as torch

_warned = False


def _have_matplotlib() -> bool:
    global _warned
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        if not _warned:
            print("(plots skipped: install matplotlib with  pip install 'numtorch[viz]'  to get them)")
            _warned = True
        return False
    return True


def write_graph(run) -> list[Path]:
    """OUT/lessonN_graph.svg: the autograd graph the lesson built."""
    from numtorch import viz

    entry = run.record.get("graph")
    if entry is None:
        return []
    tensor, params = entry
    path = run.out_dir / f"lesson{run.number}_graph.svg"
    viz.graph(tensor, params=params, title=run.title).save(path)
    return [path]


def write_loss_curve(run) -> list[Path]:
    """OUT/lessonN_loss.png: how the loss fell."""
    losses = run.record.get("losses")
    if not losses or len(losses) < 2 or not _have_matplotlib():
        return []
    from numtorch import viz

    path = run.out_dir / f"lesson{run.number}_loss.png"
    viz.loss_curve(losses, path=str(path), title=run.title)
    return [path]


def _seed001_cost(w):
    # The cost curve of note 001: H(x) = W x on x = y = [1, 2, 3]; its minimum is at W = 1.
    x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    return ((w * x - x) ** 2).mean()


def _two_wells(p):
    # A tilted double well: a local minimum near x = +1 and the global one near x = -1.
    return (p[0] ** 2 - 1) ** 2 + 0.3 * p[0] + p[1] ** 2


def write_descent_pictures(run) -> list[Path]:
    """After the last lesson: learning rates too small / good / diverging, and a 2-D local minimum."""
    if run.number != 5 or not _have_matplotlib():
        return []
    from numtorch import viz

    lr_path = run.out_dir / "learning_rates.png"
    runs = viz.descent(_seed001_cost, [0.0], lrs=[0.01, 0.1, 0.5], steps=20, path=str(lr_path),
                       title="seed 001 cost: lr too small / good / too large")
    well_path = run.out_dir / "local_minimum.png"
    viz.descent(_two_wells, [1.6, 1.0], lrs=[0.02, 0.05, 0.15], steps=40, path=str(well_path),
                title="small steps stay in the local minimum (x = +0.96)")
    diverged = [lr for lr, r in runs.items() if r["diverged"]]
    if diverged:
        print(f"(learning rate {diverged[0]} diverges on the seed-001 cost: see {lr_path.name})")
    return [lr_path, well_path]
