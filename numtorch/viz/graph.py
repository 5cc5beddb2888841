"""``numtorch.viz.graph(t)``: a picture of the backward graph behind a tensor, as a self-drawn layered SVG.

One box per grad_fn (PyTorch's names: AddBackward0, MseLossBackward0 …), one box per leaf that requires
grad (named from ``params`` when given, with its shape), edges in data-flow direction (inputs at the top,
the tensor at the bottom). Layout: nodes are layered by their distance from the output, then each layer is
ordered by the mean position of its neighbours (a few barycentre sweeps) to keep edges from crossing.
With ``trace=`` (a finished ``numtorch.autograd.trace``) each edge is labelled with the gradient the backward
pass sent along it, in a few characters (4 significant digits; bigger tensors summarised).
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass, field

from ..autograd.graph import AccumulateGrad
from ..tensor import Tensor

_CHAR_W = 7.2  # px per character at 12 px monospace-ish sans
_BOX_H = 30
_GAP_X = 24
_GAP_Y = 56
_MARGIN = 20
_LABEL_W = 5.8  # px per character of a 10 px edge label


@dataclass
class GraphNode:
    """One box: a grad_fn (``kind='op'``), a leaf (``'leaf'``) or the output tensor (``'output'``)."""

    id: int
    label: str
    kind: str
    detail: str = ""
    layer: int = 0
    x: float = 0.0
    y: float = 0.0
    width: float = 0.0


@dataclass
class Graph:
    """Nodes and data-flow edges ``(src_id, dst_id, label)``; renders itself as SVG."""

    nodes: list[GraphNode] = field(default_factory=list)
    edges: list[tuple[int, int, str]] = field(default_factory=list)
    title: str = ""

    # -- queries used by tests and the demo ------------------------------------------------------------
    def labels(self) -> list[str]:
        """All node labels, top (inputs) to bottom (output)."""
        return [n.label for n in sorted(self.nodes, key=lambda n: (n.y, n.x))]

    def edge_labels(self) -> list[tuple[str, str]]:
        """Edges as (source label, destination label)."""
        by_id = {n.id: n for n in self.nodes}
        return [(by_id[s].label, by_id[d].label) for s, d, _ in self.edges]

    def edge_segments(self, s: int, d: int) -> list[tuple[tuple[float, float], ...]]:
        """The edge from node ``s`` to ``d`` as cubic Bezier segments ``(p0, p1, p2, p3)``.

        An edge that skips layers would run straight through the boxes between; it detours to the right of
        them instead (down a side lane, then in to its target)."""
        by_id = {n.id: n for n in self.nodes}
        a, b = by_id[s], by_id[d]
        x1, y1 = a.x + a.width / 2, a.y + _BOX_H
        x2, y2 = b.x + b.width / 2, b.y
        between = [n for n in self.nodes if n.y > a.y + 1 and n.y + _BOX_H < b.y - 1
                   and n.x - 6 < max(x1, x2) and n.x + n.width + 6 > min(x1, x2)]
        if not between:
            my = (y1 + y2) / 2
            return [((x1, y1), (x1, my), (x2, my), (x2, y2))]
        lane = max(n.x + n.width for n in between) + 16
        top, bottom = y1 + _GAP_Y / 2, y2 - _GAP_Y / 2
        mid = (top + bottom) / 2
        return [((x1, y1), (x1, top), (lane, top), (lane, mid)),
                ((lane, mid), (lane, bottom), (x2, bottom), (x2, y2))]

    @staticmethod
    def _path_d(segments) -> str:
        (x0, y0) = segments[0][0]
        parts = [f"M {x0:.1f} {y0:.1f}"]
        for _, c1, c2, end in segments:
            parts.append(f"C {c1[0]:.1f} {c1[1]:.1f}, {c2[0]:.1f} {c2[1]:.1f}, {end[0]:.1f} {end[1]:.1f}")
        return " ".join(parts)

    # -- rendering ---------------------------------------------------------------------------------------
    def label_spots(self) -> list[tuple[float, float, str, str]]:
        """Where edge labels go: ``(x, y, text-anchor, label)``, a third of the way from the input along the
        edge and on its outer side, so the labels of edges meeting at one node do not overlap."""
        spots = []
        for s, d, label in self.edges:
            if not label:
                continue
            segments = self.edge_segments(s, d)
            if len(segments) > 1:  # a detour: the label sits beside its side lane
                (lx, ly) = segments[0][3]
                spots.append((lx + 5, ly, "start", label))
                continue
            (x1, y1), _, (x2, my), (_, y2) = segments[0]
            # The point at t = 0.3 of the cubic Bezier (controls at the middle height).
            t = 0.3
            u = 1 - t
            x = (u ** 3 + 3 * u * u * t) * x1 + (3 * u * t * t + t ** 3) * x2
            y = u ** 3 * y1 + (3 * u * u * t + 3 * u * t * t) * my + t ** 3 * y2
            if x2 > x1 + 1:  # heading right: the label sits on the left of the edge
                spots.append((x - 5, y, "end", label))
            else:
                spots.append((x + 5, y, "start", label))
        return spots

    def to_svg(self) -> str:
        """The picture as an SVG document (well-formed XML)."""
        spots = self.label_spots()
        lo = min([0.0] + [x - _LABEL_W * len(lab) for x, _, anchor, lab in spots if anchor == "end"])
        hi = max([0.0] + [x + _LABEL_W * len(lab) for x, _, anchor, lab in spots if anchor == "start"])
        shift = max(0.0, _MARGIN / 2 - lo)  # room on the left for labels of edges heading right
        lanes = [seg[0][3][0] for s, d, _ in self.edges for seg in [self.edge_segments(s, d)] if len(seg) > 1]
        width = max(max((n.x + n.width for n in self.nodes), default=0), hi, max(lanes, default=0) + 8,
                    _MARGIN + _CHAR_W * len(self.title)) + _MARGIN + shift
        height = max((n.y + _BOX_H for n in self.nodes), default=0) + _MARGIN + (18 if self.title else 0)
        out = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="Helvetica, Arial, sans-serif" font-size="12">',
            "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
            "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#555\"/>"
            "</marker></defs>",
            f'<rect width="{width:.0f}" height="{height:.0f}" fill="white"/>',
        ]
        if self.title:
            out.append(f'<text x="{_MARGIN}" y="{height - 8:.0f}" fill="#333">{html.escape(self.title)}</text>')
        if shift:
            out.append(f'<g transform="translate({shift:.1f},0)">')
        for s, d, _ in self.edges:
            out.append(f'<path d="{self._path_d(self.edge_segments(s, d))}" '
                       'fill="none" stroke="#555" stroke-width="1.2" marker-end="url(#arrow)"/>')
        for x, y, anchor, label in spots:
            out.append(f'<text x="{x:.1f}" y="{y + 3:.1f}" text-anchor="{anchor}" fill="#a33" font-size="10">'
                       f'{html.escape(label)}</text>')
        colours = {"op": ("#e8eefc", "#4a6fd1"), "leaf": ("#e6f4e6", "#3c8c3c"), "output": ("#fdf0dc", "#c7822b")}
        for n in self.nodes:
            fill, stroke = colours[n.kind]
            out.append(f'<g><title>{html.escape(n.label + (" " + n.detail if n.detail else ""))}</title>'
                       f'<rect x="{n.x:.1f}" y="{n.y:.1f}" width="{n.width:.1f}" height="{_BOX_H}" rx="6" '
                       f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>')
            text = n.label + (f"  {n.detail}" if n.detail else "")
            out.append(f'<text x="{n.x + n.width / 2:.1f}" y="{n.y + _BOX_H / 2 + 4:.1f}" text-anchor="middle" '
                       f'fill="#222">{html.escape(text)}</text></g>')
        if shift:
            out.append("</g>")
        out.append("</svg>")
        return "\n".join(out)

    def _repr_svg_(self) -> str:
        return self.to_svg()

    def save(self, path: str | os.PathLike) -> str:
        """Write ``.svg`` (always available) or ``.png`` (needs matplotlib); returns the path."""
        path = os.fspath(path)
        if path.lower().endswith(".png"):
            from .plots import svg_graph_to_png

            svg_graph_to_png(self, path)
            return path
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_svg())
        return path


def _shape_text(shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ")"


def graph(tensor: Tensor, params: dict | None = None, show_saved: bool = False, title: str = "",
          trace=None) -> Graph:
    """Build the picture of the graph that produced ``tensor`` (a tensor with a grad_fn, or a leaf);
    with ``trace`` (an ``autograd.trace`` that watched its backward pass) edges carry the gradients sent."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"graph() needs a numtorch Tensor, got {type(tensor).__name__}")
    if tensor.grad_fn is None and not tensor.requires_grad:
        raise ValueError("this tensor has no graph: it was not computed from tensors that require grad "
                         "(create them with requires_grad=True, outside torch.no_grad())")
    names = {id(p): name for name, p in (params or {}).items()}
    sent, got = _traced_gradients(trace, names) if trace is not None else ({}, {})
    g = Graph(title=title)
    ids: dict[int, GraphNode] = {}

    def node_for(fn) -> GraphNode:
        key = id(fn)
        if key not in ids:
            if isinstance(fn, AccumulateGrad):
                var = fn.variable
                label = names.get(id(var), "leaf")
                gn = GraphNode(len(g.nodes), label, "leaf", _shape_text(var.shape))
            else:
                detail = ""
                if show_saved:
                    saved = getattr(fn, "_saved", None)
                    if saved and saved is not None and isinstance(saved, tuple):
                        shapes = [_shape_text(getattr(s, "shape", getattr(getattr(s, "data", None), "shape", ())))
                                  for s in saved[0] if s is not None and hasattr(s, "_vbox")]
                        detail = ("saved " + " ".join(shapes)) if shapes else ""
                gn = GraphNode(len(g.nodes), fn.name(), "op", detail)
            ids[key] = gn
            g.nodes.append(gn)
        return ids[key]

    out = GraphNode(0, names.get(id(tensor), "output"), "output", _shape_text(tensor.shape))
    g.nodes.append(out)
    root = tensor.grad_fn
    if root is None:
        from ..autograd.graph import accumulator_of

        root = accumulator_of(tensor)
    # Walk back from the output; every node gets the longest distance to it as its layer.
    first = node_for(root)
    first.layer = 1
    g.edges.append((first.id, out.id, got.get(root, "")))
    stack = [root]
    seen_edges = set()
    while stack:
        fn = stack.pop()
        me = ids[id(fn)]
        for nxt, _ in getattr(fn, "next_functions", ()):
            if nxt is None:
                continue
            child = node_for(nxt)
            if (child.id, me.id) not in seen_edges:
                seen_edges.add((child.id, me.id))
                g.edges.append((child.id, me.id, " + ".join(sent.get((fn, nxt), ()))))
            if child.layer < me.layer + 1:
                child.layer = me.layer + 1
                stack.append(nxt)
    _layout(g)
    return g


def _traced_gradients(trace, names: dict) -> tuple[dict, dict]:
    """From a trace's latest run of each node: {(node, input node): [short gradients sent]} and
    {node: short gradient received}; leaves the trace could name are added to ``names``."""
    from ..autograd.trace import short

    sent: dict = {}
    got: dict = {}
    for node, ev in trace.last_events().items():
        got[node] = ", ".join(short(gi) for gi in ev.grad_in)
        if ev.leaf is not None and ev.leaf_name and not ev.leaf_name.startswith("leaf["):
            names.setdefault(id(ev.leaf), ev.leaf_name)
        for s in ev.sent:
            if s.node is not None:
                sent.setdefault((node, s.node), []).append(short(s.grad))
    return sent, got


def _layout(g: Graph) -> None:
    """Place nodes: layers top to bottom (inputs first), barycentre ordering inside each layer."""
    for n in g.nodes:
        n.width = max(60.0, _CHAR_W * len(n.label + (f"  {n.detail}" if n.detail else "")) + 20)
    depth = max(n.layer for n in g.nodes)
    layers: dict[int, list[GraphNode]] = {}
    for n in g.nodes:
        layers.setdefault(depth - n.layer, []).append(n)  # row 0 = deepest inputs
    preds: dict[int, list[int]] = {}
    succs: dict[int, list[int]] = {}
    for s, d, _ in g.edges:
        succs.setdefault(s, []).append(d)
        preds.setdefault(d, []).append(s)
    order = {n.id: i for row in layers.values() for i, n in enumerate(row)}
    rows = sorted(layers)
    for sweep in range(4):
        seq = rows if sweep % 2 == 0 else list(reversed(rows))
        for r in seq:
            row = layers[r]
            neigh = preds if sweep % 2 == 0 else succs

            def bary(n, neigh=neigh):
                ps = [order[p] for p in neigh.get(n.id, [])]
                return sum(ps) / len(ps) if ps else order[n.id]

            row.sort(key=bary)
            for i, n in enumerate(row):
                order[n.id] = i
    widest = max(sum(n.width for n in row) + _GAP_X * (len(row) - 1) for row in layers.values())
    for r in rows:
        row = layers[r]
        total = sum(n.width for n in row) + _GAP_X * (len(row) - 1)
        x = _MARGIN + (widest - total) / 2
        for n in row:
            n.x, n.y = x, _MARGIN + r * (_BOX_H + _GAP_Y)
            x += n.width + _GAP_X
