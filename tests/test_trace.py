"""numtorch.autograd.trace: every node in the engine's real order, with the gradients it really passed on."""

from __future__ import annotations

import io
import json
import xml.dom.minidom

import numpy as np
import pytest

import numtorch as torch
import numtorch.nn as nn
from numtorch import viz
from numtorch.autograd import engine
from numtorch.autograd.trace import TraceEvent, short


def _nodes(root) -> list:
    """Every node reachable from ``root`` (each once)."""
    seen, stack = [root], [root]
    while stack:
        for nxt, _ in stack.pop().next_functions:
            if nxt is not None and nxt not in seen:
                seen.append(nxt)
                stack.append(nxt)
    return seen


def _watch_with_hooks(root) -> list:
    """Register ordinary post-hooks on every node: an independent record of (node, received, sent)."""
    record = []
    for node in _nodes(root):
        node.register_hook(lambda sent, received, node=node: record.append(
            (node, [None if g is None else g.tolist() for g in received],
             [None if g is None else g.tolist() for g in sent])))
    return record


def _diamond():
    """x feeds two branches that meet again; w is a second leaf: 5 ops and 2 leaves."""
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = torch.tensor(0.5, requires_grad=True)
    a = x * w
    b = x.exp()
    loss = ((a + b) ** 2).mean()
    return x, w, loss


def test_order_and_gradients_match_the_engine():
    """The trace's events are the nodes in the order the engine ran them, with what the hooks saw."""
    x, w, loss = _diamond()
    record = _watch_with_hooks(loss.grad_fn)
    with torch.autograd.trace(quiet=True) as tr:
        loss.backward()
    assert [ev.node for ev in tr.events] == [node for node, _, _ in record]
    assert [ev.step for ev in tr.events] == list(range(1, len(record) + 1))
    for ev, (node, received, sent) in zip(tr.events, record):
        assert ev.name == type(node).__name__
        assert [None if g is None else g.tolist() for g in ev.grad_in] == received
        assert [None if s.grad is None else s.grad.tolist() for s in ev.sent] == sent[:len(ev.sent)]
        assert [s.node for s in ev.sent] == [n for n, _ in node.next_functions]
    # Every node ran once; the root runs first and the leaves' AccumulateGrad nodes receive their .grad.
    assert len(tr.events) == len(_nodes(loss.grad_fn)) == 7
    assert tr.events[0].node is loss.grad_fn
    acc = {id(ev.leaf): ev for ev in tr.events if ev.name == "AccumulateGrad"}
    assert np.allclose(acc[id(x)].grad_in[0].numpy(), x.grad.numpy())
    assert np.allclose(acc[id(w)].grad_after.numpy(), w.grad.numpy())


def test_gradients_agree_with_hand_computed_values():
    """loss = mean((x*w + exp(x))^2): the gradient AccumulateGrad(x) receives is the calculus one."""
    x, w, loss = _diamond()
    with torch.autograd.trace(quiet=True) as tr:
        loss.backward()
    xs, ws = np.array([1.0, 2.0, 3.0]), 0.5
    inner = xs * ws + np.exp(xs)
    expect_x = 2 * inner / 3 * (ws + np.exp(xs))
    expect_w = np.sum(2 * inner / 3 * xs)
    by_leaf = {ev.leaf_name: ev for ev in tr.events if ev.name == "AccumulateGrad"}
    assert np.allclose(by_leaf["x"].grad_in[0].numpy(), expect_x, rtol=1e-5)
    assert np.allclose(by_leaf["w"].grad_in[0].numpy(), expect_w, rtol=1e-5)
    # x is used twice: what its AccumulateGrad receives is the sum of what MulBackward0 and ExpBackward0 sent.
    sent_to_x = [s.grad.numpy() for ev in tr.events for s in ev.sent if s.to == "AccumulateGrad (x)"]
    assert len(sent_to_x) == 2 and np.allclose(sum(sent_to_x), expect_x, rtol=1e-5)


def test_text_is_printed_as_the_nodes_run():
    """Readable lines: the header, each node with what it received and sent, and the leaf's .grad."""
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    loss = y.mean()
    out = io.StringIO()
    with torch.autograd.trace(file=out) as tr:
        loss.backward()
    text = out.getvalue()
    assert text == tr.text() == str(tr)
    assert text.splitlines() == [
        "backward #1 from MeanBackward0 (loss) with gradient 1 (3 nodes in the graph)",
        "  1. MeanBackward0 (loss) received 1",
        "       -> MulBackward0 (y): 0.3333 (all 3)",
        "  2. MulBackward0 (y) received 0.3333 (all 3)",
        "       -> AccumulateGrad (x): 0.6667 (all 3)",
        "       input 1: needs no gradient",
        "  3. AccumulateGrad (x) received 0.6667 (all 3)",
        "       x.grad += 0.6667 (all 3)  ->  x.grad = 0.6667 (all 3)",
    ]


def test_quiet_prints_nothing_and_stdout_is_the_default(capsys):
    x = torch.ones(2, requires_grad=True)
    with torch.autograd.trace(quiet=True) as tr:
        (x * 3).sum().backward()
    assert capsys.readouterr().out == "" and len(tr.events) == 3
    with torch.autograd.trace():
        (x * 3).sum().backward()
    assert "AccumulateGrad (x)" in capsys.readouterr().out


def test_events_as_data():
    """Events are dataclasses; to_dict() is plain JSON-able data, AccumulateGrad with its leaf and .grad."""
    x = torch.tensor([1.0, -1.0], requires_grad=True)
    x.grad = torch.tensor([10.0, 10.0])
    loss = (x * x).sum()
    with torch.autograd.trace(quiet=True) as tr:
        loss.backward()
    assert all(isinstance(ev, TraceEvent) for ev in tr.events)
    data = [ev.to_dict() for ev in tr.events]
    json.dumps(data)
    assert [d["name"] for d in data] == ["SumBackward0", "MulBackward0", "AccumulateGrad"]
    assert data[1]["sent"] == [{"input": 0, "to": "AccumulateGrad (x)", "grad": [1.0, -1.0]},
                               {"input": 1, "to": "AccumulateGrad (x)", "grad": [1.0, -1.0]}]
    assert data[2]["leaf"] == "x" and data[2]["accumulated"] == [2.0, -2.0] and data[2]["grad_after"] == [12.0, 8.0]


def test_names_from_modules_and_given_names():
    """Parameters of a module in the caller's variables are named module.weight; names= wins."""
    torch.manual_seed(0)
    model = nn.Linear(2, 1)
    inp = torch.ones(3, 2)
    loss = model(inp).sum()
    with torch.autograd.trace(quiet=True) as tr:
        loss.backward()
    leaves = {ev.leaf_name for ev in tr.events if ev.name == "AccumulateGrad"}
    assert leaves == {"model.weight", "model.bias"}
    loss = model(inp).sum()
    with torch.autograd.trace(quiet=True, names={"W": model.weight}) as tr:
        loss.backward()
    assert {ev.leaf_name for ev in tr.events if ev.name == "AccumulateGrad"} == {"W", "model.bias"}


def test_several_passes_and_hooks_come_off():
    """Each backward is numbered; hooks and the observer are gone after the block; outside, nothing is seen."""
    x = torch.ones(2, requires_grad=True)
    loss = (x * x).sum()
    before = list(engine.observers)
    with torch.autograd.trace(quiet=True) as tr:
        loss.backward(retain_graph=True)
        loss.backward()
    assert [ev.backward for ev in tr.events] == [1, 1, 1, 2, 2, 2]
    assert tr.events[2].grad_after.tolist() == [2.0, 2.0] and tr.events[5].grad_after.tolist() == [4.0, 4.0]
    assert engine.observers == before
    assert all(node._post_hooks is None for node in _nodes(loss.grad_fn))
    (x * 2).sum().backward()
    assert len(tr.events) == 6


def test_user_hooks_change_what_is_traced():
    """The trace shows what the engine really passes on: after the user's own hooks."""
    x = torch.ones(2, requires_grad=True)
    y = x * 3
    y.register_hook(lambda g: g * 10)
    with torch.autograd.trace(quiet=True) as tr:
        y.sum().backward()
    mul = next(ev for ev in tr.events if ev.name == "MulBackward0")
    assert mul.grad_in[0].tolist() == [10.0, 10.0] and mul.sent[0].grad.tolist() == [30.0, 30.0]
    assert x.grad.tolist() == [30.0, 30.0]


def test_autograd_grad_and_create_graph():
    """autograd.grad runs no AccumulateGrad; with create_graph the recorded gradients carry no history."""
    x = torch.tensor([2.0], requires_grad=True)
    y = x ** 3
    with torch.autograd.trace(quiet=True) as tr:
        (g,) = torch.autograd.grad(y, x, create_graph=True)
    assert [ev.name for ev in tr.events] == ["PowBackward0"]
    assert tr.events[0].sent[0].grad.tolist() == [12.0] and tr.events[0].sent[0].grad.grad_fn is None
    assert g.grad_fn is not None


def test_short_numbers():
    """4 significant digits; equal values and tensors of more than 4 values summarised."""
    assert short(None) == "None"
    assert short(torch.tensor(1 / 3)) == "0.3333"
    assert short(torch.tensor([1.0, 2.5, -3.0])) == "[1, 2.5, -3]"
    assert short(torch.ones(9) / 9) == "0.1111 (all 9)"
    assert short(torch.ones(2, 3)) == "1 (all 2x3)"
    assert short(torch.tensor([[1.0, 2.0], [3.0, 4.0]])) == "2x2 [1, 2, 3, 4]"
    assert short(torch.arange(6.0).reshape(2, 3)) == "2x3 [0, 1, 2, …]"
    assert short(torch.tensor([1234567.0])) == "[1.235e+06]"
    assert short(torch.tensor([3, 4])) == "[3, 4]"


def test_picture_labels_edges_with_the_traced_gradients():
    """viz.graph(t, trace=tr): each edge carries the gradient sent along it; the output edge the seed."""
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = torch.tensor(2.0, requires_grad=True)
    loss = ((x * w) ** 2).mean()
    with torch.autograd.trace(quiet=True) as tr:
        loss.backward()
    g = viz.graph(loss, trace=tr)
    by_id = {n.id: n.label for n in g.nodes}
    labels = {(by_id[s], by_id[d]): lab for s, d, lab in g.edges}
    assert labels == {
        ("MeanBackward0", "output"): "1",
        ("PowBackward0", "MeanBackward0"): "0.3333 (all 3)",
        ("MulBackward0", "PowBackward0"): "[1.333, 2.667, 4]",
        ("x", "MulBackward0"): "[2.667, 5.333, 8]",
        ("w", "MulBackward0"): "18.67",
    }
    svg = g.to_svg()
    xml.dom.minidom.parseString(svg)
    assert "[2.667, 5.333, 8]" in svg and "18.67" in svg
    assert len(g.label_spots()) == 5
    # Without a trace the edges stay unlabelled, as before.
    assert all(lab == "" for _, _, lab in viz.graph(loss).edges)


def test_picture_of_an_input_used_twice_shows_both_gradients():
    x = torch.tensor([1.0, -1.0], requires_grad=True)
    loss = (x * x).sum()
    with torch.autograd.trace(quiet=True) as tr:
        loss.backward()
    g = viz.graph(loss, params={"x": x}, trace=tr)
    by_id = {n.id: n.label for n in g.nodes}
    assert {(by_id[s], by_id[d]): lab for s, d, lab in g.edges}[("x", "MulBackward0")] == "[1, -1] + [1, -1]"


@pytest.mark.skipif(bool(engine.observers), reason="an observer is armed (NUMTORCH_HINTS=1)")
def test_untraced_engine_has_no_observers():
    """Outside a trace (and with the leak guard off) the engine has nothing to call: one truth test."""
    assert engine.observers == []
