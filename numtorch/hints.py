"""Errors that teach: notes under PyTorch's exceptions, and a guard against graphs that never die.

numtorch raises PyTorch's exception types with PyTorch's messages, word for word (``str(e)`` is what
PyTorch says). What a learner needs on top of that goes into an exception note (PEP 678: printed under the
traceback, kept in ``e.__notes__``):

- "modified by an inplace operation": which Node saved the tensor, and the file and line of the in-place
  write that changed it afterwards;
- "backward through the graph a second time": which Node's saved values were freed, and the two fixes;
- an in-place change of a leaf that requires grad: the ``with torch.no_grad():`` update idiom;
- shapes that do not broadcast or multiply: the op, both shapes, and the line that called it.

``set_hints(False)`` turns the notes off. The leak guard (off by default; ``set_hints(leak_guard=True)``,
``NUMTORCH_HINTS=1`` or ``numtorch demo``) warns once when the graphs of many ``backward()`` calls stay
alive or one graph keeps growing: the ``total_loss += loss`` mistake.

This module imports nothing from numtorch at import time (it is loaded by ``autograd.graph``), and its
functions run only on error paths, except ``record_write`` (an in-place write to a tensor some Node saved)
and ``leak_check`` (once per ``backward()``, only while the guard is on).
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
import weakref
from collections.abc import Iterator

_ENV = os.environ.get("NUMTORCH_HINTS", "")
_on: bool = _ENV != "0"  # notes: on unless NUMTORCH_HINTS=0
_leak_guard: bool = _ENV == "1"

# The leak guard warns when this many backward() calls in a row left their graphs alive (or grew the graph).
LEAK_STREAK = 20
LEAK_MIN_NODES = 100  # ... and, for a growing graph, once it has at least this many nodes


def set_hints(mode: bool = True, *, leak_guard: bool | None = None) -> None:
    """Turn the notes on exceptions on or off (default on); ``leak_guard`` switches the growing-graph warning."""
    global _on
    _on = bool(mode)
    if leak_guard is not None:
        set_leak_guard(leak_guard)


def hints_enabled() -> bool:
    """Whether numtorch attaches teaching notes to the exceptions it raises."""
    return _on


def set_leak_guard(mode: bool) -> None:
    """Turn the leak guard on or off. Off, it is not even called: the engine has no observer to run."""
    global _leak_guard
    from .autograd import engine

    _leak_guard = bool(mode)
    if _leak_guard and leak_check not in engine.observers:
        engine.observers.append(leak_check)
    elif not _leak_guard and leak_check in engine.observers:
        engine.observers.remove(leak_check)
    _guard.reset()


def leak_guard_enabled() -> bool:
    """Whether the growing-graph warning is armed."""
    return _leak_guard


@contextlib.contextmanager
def leak_guard(mode: bool = True) -> Iterator[None]:
    """``with leak_guard():`` arms the guard for the block (``numtorch demo`` runs its lessons so)."""
    previous = _leak_guard
    set_leak_guard(mode)
    try:
        yield
    finally:
        set_leak_guard(previous)


def add_note(exc: BaseException, text: str) -> BaseException:
    """Attach ``text`` as a note (``add_note`` on 3.11+, the ``__notes__`` list on 3.10); returns ``exc``."""
    if hasattr(exc, "add_note"):
        exc.add_note(text)
    else:
        notes = getattr(exc, "__notes__", None)
        if notes is None:
            exc.__notes__ = notes = []
        notes.append(text)
    return exc


# --- where the learner's code is ------------------------------------------------------------------------
_PKG = os.path.dirname(__file__) + os.sep
_EXAMPLES = _PKG + "examples" + os.sep  # the lessons are learner code, though they ship inside numtorch


_internal_files: dict = {}  # co_filename -> whether it is numtorch's own code (a dict hit beats two startswith)


def _internal(filename: str) -> bool:
    known = _internal_files.get(filename)
    if known is None:
        known = _internal_files[filename] = filename.startswith(_PKG) and not filename.startswith(_EXAMPLES)
    return known


def user_frame(depth: int = 1):
    """The innermost frame outside numtorch's own code, starting ``depth`` frames above the caller."""
    f = sys._getframe(depth + 1)
    while f is not None and _internal(f.f_code.co_filename):
        f = f.f_back
    return f


def _at(filename: str, lineno: int) -> str:
    """``file:line`` and, when the source can be read, the line itself."""
    import linecache

    src = linecache.getline(filename, lineno).strip()
    return f"{filename}:{lineno}" + (f": {src}" if src else "")


def _call_site() -> str:
    """`` (at file:line: source)`` of the learner's line that led here, or ``""``."""
    f = user_frame(2)
    return "" if f is None else f" (at {_at(f.f_code.co_filename, f.f_lineno)})"


# --- in-place writes ------------------------------------------------------------------------------------
def record_write(vbox: list) -> None:
    """Remember where the learner's code changed ``vbox``'s tensor in place, after its version went up.

    Called only for version boxes that some Node saved (``Node.save`` gives them a second slot), so the
    frame walk is not paid by ordinary in-place ops such as an update of a tensor nobody saved.
    """
    if not _on:
        return
    # user_frame, inlined (this runs on every such write): climb out of numtorch.
    f = sys._getframe(1)
    files = _internal_files
    while f is not None:
        code = f.f_code
        inside = files.get(code.co_filename)
        if inside is None:
            inside = _internal(code.co_filename)
        if not inside:
            vbox[1] = (vbox[0], code.co_filename, f.f_lineno)
            return
        f = f.f_back


def modified_note(exc: BaseException, vbox: list, expected: int, node) -> BaseException:
    """Note for "modified by an inplace operation": who saved the tensor, and where it was changed."""
    if not _on:
        return exc
    now = vbox[0]
    rec = vbox[1] if len(vbox) > 1 else None
    lines = [f"Hint: {type(node).__name__} saved this tensor at version {expected} for its backward formula; "
             f"it was changed in place afterwards (now at version {now}), so the gradient would be wrong."]
    if rec is not None and rec[0] > expected:
        lines.append(f"The last in-place change numtorch saw was at {_at(rec[1], rec[2])}")
        if rec[0] < now:
            lines.append("(a later change came from code numtorch does not locate, such as an optimizer's step())")
    else:
        lines.append("numtorch did not see where: an optimizer's step() or a write through .data changes tensors "
                     "in place too — call it after backward().")
    lines.append("Fix: compute a new tensor instead (y = y + 1, not y += 1 or y.add_(1)), .clone() the tensor "
                 "before changing it, or change it only after backward().")
    return add_note(exc, "\n".join(lines))


def freed_note(exc: BaseException, node) -> BaseException:
    """Note for "backward through the graph a second time": which Node lost its saved values, and the fixes."""
    if not _on:
        return exc
    return add_note(exc, "\n".join([
        f"Hint: {type(node).__name__} needs values saved during the forward pass, and an earlier backward() "
        "through this graph already freed them. The usual fixes:",
        "  1. recompute the forward pass in every iteration (compute the loss inside the loop), so each "
        "backward() gets a fresh graph;",
        "  2. or, if you really mean to go backward twice through the same graph, pass retain_graph=True to "
        "the first backward().",
        "A tensor carried over from an earlier iteration (a running total, an RNN hidden state) joins the old "
        "graph to the new one: keep a number with .item(), or cut the history with .detach().",
    ]))


def leaf_inplace_note(exc: BaseException, view: bool = False) -> BaseException:
    """Note for an in-place change of a leaf that requires grad: update parameters under no_grad."""
    if not _on:
        return exc
    what = "a view of a leaf tensor" if view else "a leaf tensor"
    return add_note(exc, "\n".join([
        f"Hint: this in-place change{_call_site()} is to {what} that requires grad (a parameter). Autograd "
        "refuses it while it records the graph. Update parameters outside the graph:",
        "    with torch.no_grad():",
        "        w -= lr * w.grad",
        "    w.grad.zero_()",
        "(an optimizer does the same: optimizer.step(); optimizer.zero_grad()). If you wanted a new tensor "
        "instead, write it out of place: w = w - lr * w.grad.",
    ]))


# --- shapes ---------------------------------------------------------------------------------------------
def _shape(shape) -> str:
    shape = tuple(shape)
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def _op_names() -> tuple[str, str]:
    """(what the learner called, the primitive that failed) from the numtorch.ops frames on the stack."""
    ops_dir = _PKG + "ops" + os.sep
    names = []
    f = sys._getframe(2)
    while f is not None and _internal(f.f_code.co_filename):
        code = f.f_code
        if code.co_filename.startswith(ops_dir) and not code.co_name.startswith(("_", "<")) \
                and code.co_name not in ("apply_inplace", "broadcast_error"):
            names.append(code.co_name)
        f = f.f_back
    if not names:
        return "this op", ""
    return names[-1], names[0]


def _op_text() -> str:
    outer, inner = _op_names()
    return outer if inner in ("", outer) else f"{outer} (in {inner})"


def broadcast_note(exc: BaseException, a_shape, b_shape, inplace: bool = False) -> BaseException:
    """Note for shapes that do not broadcast: the op, both shapes, the clashing dimension, the line.
    ``inplace``: they broadcast, but to a shape bigger than the tensor an in-place op writes into."""
    if not _on:
        return exc
    a, b = tuple(a_shape), tuple(b_shape)
    n = max(len(a), len(b))
    clash = ""
    for i in range(n - 1, -1, -1):
        sa = a[i - (n - len(a))] if i >= n - len(a) else 1
        sb = b[i - (n - len(b))] if i >= n - len(b) else 1
        if sa != sb and sa != 1 and sb != 1:
            clash = f" At dimension {i} of the result the sizes are {sa} and {sb}, and neither is 1."
            break
    if inplace:
        clash = (" They do here, but an in-place op writes its result into the first tensor, so the result "
                 "may not be bigger than that tensor.")
    return add_note(exc, "\n".join([
        f"Hint: {_op_text()} got shapes {_shape(a)} and {_shape(b)}{_call_site()}.",
        "Broadcasting lines shapes up from the right: each pair of sizes must be equal, or one of them 1."
        + clash,
        "Print the shapes where the tensors are made; t.unsqueeze(dim) (or t[:, None]) adds a size-1 dimension, "
        "t.T / t.reshape(...) rearranges one.",
    ]))


def matmul_note(exc: BaseException, a_shape, b_shape) -> BaseException:
    """Note for matrix products whose sizes do not fit: the op, both shapes, which sizes must agree."""
    if not _on:
        return exc
    a, b = tuple(a_shape), tuple(b_shape)
    inner_b = "first" if len(b) == 1 else "second-to-last"
    lines = [f"Hint: {_op_text()} multiplies shapes {_shape(a)} and {_shape(b)}{_call_site()}.",
             f"The first's last size ({a[-1] if a else '-'}) must equal the second's {inner_b} size "
             f"({b[0] if len(b) == 1 else b[-2] if b else '-'})"
             + (f", and the batch sizes must agree ({a[0]} vs {b[0]})." if len(a) == 3 and len(b) == 3 else ".")]
    module = _calling_module()
    if module is not None and hasattr(module, "in_features"):
        lines.append(f"{module!r} expects inputs whose last dimension is in_features={module.in_features}.")
    elif len(a) == 2 and len(b) == 2 and a[-1] == b[-1]:
        lines.append(f"Did you mean to transpose the second operand (b.T has shape {_shape(b[::-1])})?")
    return add_note(exc, "\n".join(lines))


def _calling_module():
    """The nn.Module whose forward() is on the stack (innermost), if any."""
    f = sys._getframe(2)
    while f is not None and _internal(f.f_code.co_filename):
        if f.f_code.co_name == "forward":
            me = f.f_locals.get("self")
            if me is not None and hasattr(me, "named_parameters"):
                return me
        f = f.f_back
    return None


# --- the leak guard -------------------------------------------------------------------------------------
class _Guard:
    """What the leak guard remembers between backward() calls."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.warned = False  # once, as PyTorch's TORCH_WARN_ONCE (switching the guard on re-arms it)
        self.roots: list = []  # weak references to the root Nodes of recent backward() calls
        self.last_size = 0
        self.growing = 0


_guard = _Guard()


def leak_check(start, seen) -> None:
    """Engine observer: warn once when old graphs stay alive across backward() calls, or one keeps growing.

    ``start`` holds the ``((node, nr), grad)`` edges the sweep starts from; ``seen`` every Node reachable.
    In a healthy loop the previous loss dies when the next one is computed, and its graph with it.
    """
    g = _guard
    root = start[0][0][0]
    size = len(seen)
    g.growing = g.growing + 1 if size > g.last_size else 0
    g.last_size = size
    if not g.roots or g.roots[-1]() is not root:  # the same graph again (retain_graph) is not a new one
        g.roots.append(weakref.ref(root))
        del g.roots[:-LEAK_STREAK]
    if g.warned:
        return
    kept = len(g.roots) == LEAK_STREAK and all(r() is not None for r in g.roots)
    grows = g.growing >= LEAK_STREAK and size >= LEAK_MIN_NODES
    if not (kept or grows):
        return
    g.warned = True
    if grows:
        what = (f"the graph behind the tensor you call backward() on grew on each of the last {LEAK_STREAK} "
                f"calls (now {size} nodes): a tensor carried from one iteration to the next (a running total, an "
                "RNN hidden state) brings its whole history along. Cut it between iterations with .detach(), or "
                "keep a number with .item()")
    else:
        what = (f"the graphs of the last {LEAK_STREAK} backward() calls are all still alive, so every "
                "iteration's graph stays in memory: something keeps each loss with its history, usually "
                "`total_loss += loss` or `losses.append(loss)`. Keep numbers instead: `total_loss += loss.item()` "
                "(or `loss.detach()` for a tensor without history)")
    warnings.warn(f"numtorch: {what}. (This is the leak guard; numtorch.set_hints(leak_guard=False) turns it off.)",
                  UserWarning, stacklevel=_user_stacklevel())


def _user_stacklevel() -> int:
    # warnings.warn's stacklevel that points at the learner's backward() call (1 is leak_check itself).
    level, f = 1, sys._getframe(1)
    while f is not None and _internal(f.f_code.co_filename):
        f = f.f_back
        level += 1
    return level
