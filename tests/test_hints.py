"""numtorch.hints: PyTorch's exceptions word for word, with notes that teach; the leak guard; graph_size."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import pytest

import numtorch as torch
import numtorch.nn as nn
from numtorch import hints

# PyTorch's messages (../shared/golden/errors.json, checked against PyTorch 2.13).
SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they have already "
    "been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). "
    "Specify retain_graph=True if you need to backward through the graph a second time or if you need to access "
    "saved tensors after calling backward."
)
ANOMALY = ("Hint: enable anomaly detection to find the operation that failed to compute its gradient, with "
           "torch.autograd.set_detect_anomaly(True, check_nan=False).")
MODIFIED_EXP = ("one of the variables needed for gradient computation has been modified by an inplace operation: "
                "[torch.FloatTensor [3]], which is output 0 of Exp, is at version 1; expected version 0 instead. "
                + ANOMALY)
MODIFIED_PLAIN = ("one of the variables needed for gradient computation has been modified by an inplace operation: "
                  "[torch.FloatTensor [3]] is at version 1; expected version 0 instead. " + ANOMALY)
LEAF = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_OF_LEAF = "a view of a leaf Variable that requires grad is being used in an in-place operation."


@pytest.fixture(autouse=True)
def _default_hints():
    """Each test starts from the defaults (notes on, guard off) and leaves them so."""
    notes, guard = hints.hints_enabled(), hints.leak_guard_enabled()
    hints.set_hints(True, leak_guard=False)
    yield
    hints.set_hints(notes, leak_guard=guard)


def _raised(fn) -> BaseException:
    with pytest.raises(Exception) as info:
        fn()
    return info.value


def _note(exc: BaseException) -> str:
    notes = getattr(exc, "__notes__", [])
    assert len(notes) == 1, notes
    return notes[0]


def _here() -> int:
    """The line number of the caller's line."""
    return sys._getframe(1).f_lineno


# --- "modified by an inplace operation" ----------------------------------------------------------------------
def test_modified_note_names_the_line_of_the_in_place_write():
    x = torch.ones(3, requires_grad=True)
    y = x.exp()
    line = _here() + 1
    y.add_(1)
    e = _raised(lambda: y.sum().backward())
    assert type(e) is RuntimeError and str(e) == MODIFIED_EXP
    note = _note(e)
    assert f"{__file__}:{line}: y.add_(1)" in note
    assert "ExpBackward0 saved this tensor at version 0" in note and "now at version 1" in note


def test_modified_note_for_a_saved_input_changed_under_no_grad():
    """A plain input saved by MulBackward0, changed with an operator in place: the operator's line."""
    x = torch.ones(3, requires_grad=True)
    w = torch.ones(3)
    loss = (x * w).sum()
    with torch.no_grad():
        line = _here() + 1
        w *= 2
    e = _raised(loss.backward)
    assert str(e) == MODIFIED_PLAIN
    assert f"{__file__}:{line}: w *= 2" in _note(e) and "MulBackward0" in _note(e)


def test_modified_note_without_a_located_write_names_the_usual_suspect():
    """An optimizer's step() writes without passing through numtorch's in-place ops: the note says so."""
    w = torch.ones(3, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.1)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    opt.step()
    e = _raised(loss.backward)
    assert str(e) == MODIFIED_PLAIN
    assert "optimizer's step()" in _note(e) and "after backward()" in _note(e)


def test_writes_to_tensors_no_node_saved_are_not_recorded():
    """The version box gets its second slot only when a Node saves the tensor: other writes stay plain."""
    t = torch.zeros(3)
    t.add_(1)
    assert t._vbox == [1]
    x = torch.ones(3, requires_grad=True)
    (x * t).sum()
    assert len(t._vbox) == 2 and t._vbox[1] is None
    t.add_(1)
    assert t._vbox[1][:2] == (2, __file__)


# --- "backward through the graph a second time" -----------------------------------------------------------
def test_second_backward_note_names_the_freed_node_and_both_fixes():
    x = torch.ones(3, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    e = _raised(y.backward)
    assert type(e) is RuntimeError and str(e) == SECOND_BACKWARD
    note = _note(e)
    assert "MulBackward0" in note
    assert "retain_graph=True" in note and "recompute the forward pass in every iteration" in note


# --- in-place on a leaf --------------------------------------------------------------------------------------
def test_leaf_in_place_note_shows_the_no_grad_idiom():
    W = torch.ones(2, 2, requires_grad=True)
    e = _raised(lambda: W.add_(1))
    assert type(e) is RuntimeError and str(e) == LEAF
    note = _note(e)
    assert "with torch.no_grad():\n        w -= lr * w.grad" in note
    assert f"{__file__}:" in note and "W.add_(1)" in note


def test_view_of_leaf_in_place_note():
    W = torch.ones(3, requires_grad=True)

    def assign():
        W[0] = 5.0

    e = _raised(assign)
    assert str(e) == VIEW_OF_LEAF
    assert "a view of a leaf tensor" in _note(e) and "with torch.no_grad():" in _note(e)


# --- shapes --------------------------------------------------------------------------------------------------
def test_broadcast_note_has_both_shapes_and_the_op():
    e = _raised(lambda: torch.ones(2, 3) + torch.ones(3, 2))
    assert str(e) == "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1"
    note = _note(e)
    assert "add got shapes (2, 3) and (3, 2)" in note
    assert "dimension 1 of the result the sizes are 3 and 2" in note and f"{__file__}:" in note


def test_broadcast_note_for_mul_and_in_place_results():
    e = _raised(lambda: torch.ones(4, 3) * torch.ones(4))
    assert str(e) == "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1"
    assert "mul got shapes (4, 3) and (4,)" in _note(e)

    def grow():
        a = torch.zeros(3)
        a += torch.ones(2, 3)

    e = _raised(grow)
    assert str(e) == "output with shape [3] doesn't match the broadcast shape [2, 3]"
    assert "add_ got shapes (3,) and (2, 3)" in _note(e) and "in-place op writes its result" in _note(e)


def test_matmul_note_has_both_shapes_and_the_op():
    e = _raised(lambda: torch.ones(2, 3) @ torch.ones(2, 3))
    assert str(e) == "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)"
    note = _note(e)
    assert "matmul (in mm) multiplies shapes (2, 3) and (2, 3)" in note
    assert "last size (3)" in note and "second-to-last size (2)" in note and "b.T" in note
    e = _raised(lambda: torch.ones(3) @ torch.ones(4))
    assert "matmul (in dot) multiplies shapes (3,) and (4,)" in _note(e)
    e = _raised(lambda: torch.ones(2, 3) @ torch.ones(4))
    assert str(e) == "size mismatch, got input (2), mat (2x3), vec (4)"
    assert "(2, 3) and (4,)" in _note(e)


def test_linear_note_names_the_layer():
    torch.manual_seed(0)
    lin = nn.Linear(4, 3)
    e = _raised(lambda: lin(torch.ones(2, 5)))
    assert str(e) == "mat1 and mat2 shapes cannot be multiplied (2x5 and 4x3)"
    assert "(2, 5) and (4, 3)" in _note(e) and "in_features=4" in _note(e)
    e = _raised(lambda: lin(torch.ones(5)))
    assert str(e) == "mat1 and mat2 shapes cannot be multiplied (1x5 and 4x3)"
    assert "in_features=4" in _note(e)


# --- switching off --------------------------------------------------------------------------------------------
def test_set_hints_false_removes_the_notes():
    torch.set_hints(False)
    assert not hints.hints_enabled()
    x = torch.ones(3, requires_grad=True)
    y = x.exp()
    y.add_(1)
    for fn in (lambda: y.sum().backward(), lambda: x.add_(1), lambda: torch.ones(2) + torch.ones(3),
               lambda: torch.ones(2, 3) @ torch.ones(2, 3)):
        e = _raised(fn)
        assert not getattr(e, "__notes__", None)
    assert str(_raised(lambda: y.sum().backward())) == MODIFIED_EXP
    torch.set_hints(True)
    assert _note(_raised(lambda: x.add_(1)))


def test_environment_switches():
    """NUMTORCH_HINTS=0 turns the notes off; NUMTORCH_HINTS=1 also arms the leak guard."""
    code = "import numtorch; from numtorch import hints; print(hints.hints_enabled(), hints.leak_guard_enabled())"
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for value, expect in (("0", "False False"), ("1", "True True"), ("", "True False")):
        env = dict(os.environ, NUMTORCH_HINTS=value)
        out = subprocess.run([sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True)
        assert out.stdout.strip() == expect, out.stderr


# --- the leak guard and graph_size ----------------------------------------------------------------------------
def _train(steps: int, keep_tensor: bool) -> list:
    """A training loop that sums its losses; with keep_tensor the sum keeps every iteration's graph."""
    w = torch.ones(3, requires_grad=True)
    x = torch.tensor([1.0, 2.0, 3.0])
    total_loss = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(steps):
            loss = ((w * x - 1) ** 2).mean()
            total_loss += loss if keep_tensor else loss.item()
            loss.backward()
            with torch.no_grad():
                w -= 0.01 * w.grad
            w.grad.zero_()
    return caught


def test_leak_guard_warns_once_for_total_loss_plus_equals_loss():
    torch.set_hints(leak_guard=True)
    caught = _train(60, keep_tensor=True)
    assert len(caught) == 1
    w = caught[0]
    assert w.category is UserWarning and "total_loss += loss.item()" in str(w.message)
    assert w.filename == __file__  # points at the learner's backward() line


def test_leak_guard_is_quiet_for_a_proper_loop_and_when_off():
    torch.set_hints(leak_guard=True)
    assert _train(60, keep_tensor=False) == []
    torch.set_hints(leak_guard=False)
    assert _train(60, keep_tensor=True) == []


def test_leak_guard_warns_for_a_graph_that_grows():
    """A hidden state carried across iterations (with retain_graph) grows the root's graph every time."""
    torch.set_hints(leak_guard=True)
    w = torch.ones(3, requires_grad=True)
    h = torch.zeros(3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(60):
            h = h * w + 1
            h.sum().backward(retain_graph=True)
    assert len(caught) == 1 and "grew on each of the last" in str(caught[0].message)
    assert ".detach()" in str(caught[0].message)


def test_demo_runs_its_lessons_with_the_guard_on(monkeypatch):
    import numtorch.examples as ex

    seen = []

    class Lesson:
        @staticmethod
        def main(lang="en"):
            seen.append(hints.leak_guard_enabled())
            return {}

    monkeypatch.setattr(ex, "lesson_module", lambda number: Lesson)
    ex.run_lesson(1)
    assert seen == [True] and not hints.leak_guard_enabled()


def test_graph_size_counts_distinct_nodes():
    x = torch.ones(3, requires_grad=True)
    assert torch.autograd.graph_size(x) == 0
    assert torch.autograd.graph_size(x * 2) == 2  # MulBackward0, AccumulateGrad
    y = x * x  # x twice: still one AccumulateGrad
    assert torch.autograd.graph_size(y.sum()) == 3
    assert torch.autograd.graph_size((y + y.exp()).sum()) == 5
    total = 0
    sizes = []
    for _ in range(4):
        total = total + (x * 2).sum()
        sizes.append(torch.autograd.graph_size(total))
    assert sizes == [4, 7, 10, 13]  # each += adds Add, Sum and Mul (the AccumulateGrad is shared)
    assert torch.autograd.graph_size(total.grad_fn) == 13


def test_set_hints_is_exported():
    assert torch.set_hints is hints.set_hints
