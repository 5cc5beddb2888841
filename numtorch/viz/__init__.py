"""Pictures of learning: the autograd graph (SVG, no external binary), loss curves and descent paths.

``graph`` needs nothing but numtorch; the plots need matplotlib (``pip install 'numtorch[viz]'``),
imported only when a plot is drawn.
"""

from .graph import Graph, graph  # noqa: F401


def __getattr__(name):
    if name in ("loss_curve", "descent", "lr_comparison"):
        from . import plots

        return getattr(plots, name)
    raise AttributeError(f"module 'numtorch.viz' has no attribute '{name}'")
