"""numtorch.viz.graph: structure matches the grad_fn chain, SVG is well-formed, bad input is one sentence."""

import xml.dom.minidom

import pytest

import numtorch as torch
import numtorch.nn as nn
import numtorch.nn.functional as F
from numtorch import viz


def test_seed_expression_graph_structure():
    """x -> AddBackward0 -> MulBackward0 -> SumBackward0 -> output, edges in data-flow direction."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = ((x + 2) * 3).sum()
    g = viz.graph(y, params={"x": x})
    assert g.labels() == ["x", "AddBackward0", "MulBackward0", "SumBackward0", "output"]
    assert g.edge_labels() == [("SumBackward0", "output"), ("MulBackward0", "SumBackward0"),
                               ("AddBackward0", "MulBackward0"), ("x", "AddBackward0")]


def test_graph_follows_next_functions_for_linear_model():
    """Every grad_fn reachable from the loss appears once, and leaves carry parameter names and shapes."""
    torch.manual_seed(0)
    model = nn.Linear(4, 3)
    loss = F.mse_loss(model(torch.ones(2, 4)), torch.zeros(2, 3))
    g = viz.graph(loss, params=dict(model.named_parameters()))
    expected = set()
    stack = [loss.grad_fn]
    while stack:
        fn = stack.pop()
        if hasattr(fn, "variable"):  # AccumulateGrad: drawn as the named leaf
            expected.add({id(model.weight): "weight", id(model.bias): "bias"}[id(fn.variable)])
        else:
            expected.add(fn.name())
        stack.extend(n for n, _ in fn.next_functions if n is not None)
    assert set(g.labels()) - {"output"} == expected
    leaves = {n.label: n.detail for n in g.nodes if n.kind == "leaf"}
    assert leaves == {"weight": "(3, 4)", "bias": "(3)"}
    # Inputs are drawn above the ops that consume them.
    by_label = {n.label: n for n in g.nodes}
    for src, dst in g.edge_labels():
        assert by_label[src].y < by_label[dst].y


def test_svg_is_well_formed(tmp_path):
    """The SVG parses as XML and saving writes it."""
    a = torch.ones(3, requires_grad=True)
    g = viz.graph((a.exp() * a).mean(), params={"a": a}, show_saved=True, title="exp & mean")
    doc = xml.dom.minidom.parseString(g.to_svg())
    assert doc.documentElement.tagName == "svg"
    assert len(doc.getElementsByTagName("rect")) == len(g.nodes) + 1
    path = g.save(tmp_path / "g.svg")
    assert open(path, encoding="utf-8").read().startswith("<svg")
    assert "ExpBackward0" in g._repr_svg_()


def test_tensor_without_graph_is_one_clear_error():
    """A tensor that needs no grad has no graph to draw: ValueError with one sentence."""
    with pytest.raises(ValueError, match="this tensor has no graph"):
        viz.graph(torch.ones(2) * 2)
    with pytest.raises(TypeError, match="needs a numtorch Tensor"):
        viz.graph([1, 2])


def test_edge_skipping_a_layer_detours_around_boxes():
    """x feeds both AddBackward0 and MulBackward0: the long edge must not run through AddBackward0's box."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    g = viz.graph(((x + 2) * x).sum(), params={"x": x})
    by_label = {n.label: n for n in g.nodes}
    long_edge = next((s, d) for s, d, _ in g.edges
                     if by_label["x"].id == s and by_label["MulBackward0"].id == d)
    segments = g.edge_segments(*long_edge)
    add = by_label["AddBackward0"]
    lane_x = segments[0][3][0]
    assert len(segments) == 2 and lane_x > add.x + add.width
    short = g.edge_segments(by_label["x"].id, add.id)
    assert len(short) == 1
