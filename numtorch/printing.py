"""Tensor ``repr``/``str`` exactly as PyTorch prints it, and ``set_printoptions``.

The rules are those of ``shared/spec/printing.md`` (checked against ``shared/golden/repr.json``).
Everything here works on plain NumPy arrays and Python scalars so that ``Tensor.__repr__`` can
call :func:`format_tensor` without this module knowing about ``Tensor``.

Values are converted to Python scalars (``ndarray.tolist``) before formatting: float16/32 values
become exact Python floats, so Python's correctly rounded ``format`` gives the same digits as
PyTorch (which also formats through Python floats). Small tensors - the common case in training
loops - then cost a handful of list operations and no NumPy calls beyond one ``tolist``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

__all__ = ["PRINT_OPTS", "format_tensor", "get_printoptions", "set_printoptions"]


@dataclass
class _PrinterOptions:
    """The current print options (PyTorch's ``torch._tensor_str.PRINT_OPTS``)."""

    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = _PrinterOptions()

# profile -> (precision, threshold, edgeitems, linewidth)
_PROFILES: dict[str, tuple[int, float, int, int]] = {
    "default": (4, 1000, 3, 80),
    "short": (2, 1000, 2, 80),
    "full": (4, math.inf, 3, 80),
}

_FLOAT_DTYPES = frozenset({"float16", "bfloat16", "float32", "float64"})


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set print options like ``torch.set_printoptions``.

    ``profile`` ("default", "short", "full") is applied first, then every other non-None
    argument overrides it. ``sci_mode`` is always assigned, so a call without it resets
    scientific notation to automatic (``None``), as in PyTorch. An unknown profile is
    ignored, as in PyTorch.
    """
    if profile is not None and profile in _PROFILES:
        prec, thresh, edge, width = _PROFILES[profile]
        PRINT_OPTS.precision, PRINT_OPTS.threshold = prec, thresh
        PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = edge, width
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """Return the current print options as a dict (``torch.get_printoptions``)."""
    return asdict(PRINT_OPTS)


# Marks the place of hidden values in a summarised nested list.
_GAP = object()


def _summarize(a: np.ndarray, edge: int) -> list:
    """Nested lists of the values shown when summarising (``edge > 0``), ``_GAP`` where values are
    hidden. Only the edges are converted, so a huge tensor costs no pass over its data."""
    n = a.shape[0]
    if a.ndim == 1:
        if n > 2 * edge:
            return a[:edge].tolist() + [_GAP] + a[n - edge :].tolist()
        return a.tolist()
    if n > 2 * edge:
        rows = [_summarize(a[i], edge) for i in range(edge)]
        rows.append(_GAP)
        rows.extend(_summarize(a[i], edge) for i in range(n - edge, n))
        return rows
    return [_summarize(sub, edge) for sub in a]


def _flatten(nested: list, ndim: int, out: list) -> list:
    """Append the values of a summarised nested list (without gaps) to ``out``."""
    if ndim == 1:
        out.extend(v for v in nested if v is not _GAP)
    else:
        for sub in nested:
            if sub is not _GAP:
                _flatten(sub, ndim - 1, out)
    return out


def _format_values(values: list, floating: bool) -> tuple[list[str], int]:
    """Format the shown values (flat, in row-major order) as PyTorch's element formatter does.

    Returns ``(strings, width)``: each string left-padded to ``width`` (never truncated: ``nan``
    may be wider than ``width``). Each value is formatted once; the unpadded texts also give
    the width, since they are the very strings PyTorch measures.
    """
    if not floating:
        raw = [str(v) for v in values]
        width = max(1, max(map(len, raw)))
        return [r.rjust(width) for r in raw], width

    isfinite = math.isfinite
    nz = [v for v in values if v != 0.0 and isfinite(v)]
    if not nz:
        # All zero / nan / inf: integer mode regardless of PRINT_OPTS.sci_mode.
        int_mode, sci = True, False
    else:
        int_mode = all(v.is_integer() for v in nz)
        sci = PRINT_OPTS.sci_mode
        if sci is None:
            mags = [abs(v) for v in nz]
            hi, lo = max(mags), min(mags)
            # Python float division overflows to inf (not an error), which counts as > 1000.
            sci = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4

    # sci_mode (automatic or forced) is decided before the width, which is measured in the
    # format actually used; int mode's trailing "." is part of the measured text.
    if sci:
        spec = f".{PRINT_OPTS.precision}e"
        raw = [format(v, spec) for v in values]
    elif int_mode:
        raw = [format(v, ".0f") + "." if isfinite(v) else format(v, ".0f") for v in values]
    else:
        spec = f".{PRINT_OPTS.precision}f"
        raw = [format(v, spec) for v in values]

    # Width over the finite non-zero values only (zeros, -0.0, nan, inf never widen a column).
    if len(nz) == len(values):
        width = max(map(len, raw))
    elif nz:
        width = max(len(r) for r, v in zip(raw, values) if v != 0.0 and isfinite(v))
    else:
        width = 1
    width = max(width, 1)
    return [r.rjust(width) for r in raw], width


def _layout(nested: list, ndim: int, indent: int, strs: Iterator[str], width: int) -> str:
    """Lay out a (possibly summarised) nested list, taking the element texts from ``strs`` in
    row-major order."""
    if ndim == 1:
        items = [" ..." if v is _GAP else next(strs) for v in nested]
        per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / (width + 2)))
        if len(items) <= per_line:
            return "[" + ", ".join(items) + "]"
        lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    sep = "," + "\n" * (ndim - 1) + " " * (indent + 1)
    return (
        "["
        + sep.join(
            "..." if sub is _GAP else _layout(sub, ndim - 1, indent + 1, strs, width) for sub in nested
        )
        + "]"
    )


def _body(a: np.ndarray, floating: bool, indent: int) -> str:
    """The bracketed values of a non-empty array."""
    if a.ndim == 0:
        return _format_values([a.item()], floating)[0][0]
    if a.size > PRINT_OPTS.threshold:
        edge = PRINT_OPTS.edgeitems
        if edge <= 0:
            # PyTorch prints a bare "[...]" at the top level for any ndim; the formatter's
            # input is then irrelevant to the output.
            return "[...]"
        nested = _summarize(a, edge)
        values = _flatten(nested, a.ndim, [])
    else:
        nested = a.tolist()
        values = nested if a.ndim == 1 else a.ravel().tolist()
    strs, width = _format_values(values, floating)
    return _layout(nested, a.ndim, indent, iter(strs), width)


def format_tensor(
    data: np.ndarray,
    dtype_name: str,
    *,
    grad_fn_name: str | None = None,
    requires_grad: bool = False,
    is_parameter: bool = False,
    default_float: str = "float32",
) -> str:
    """Return PyTorch's ``repr`` (= ``str``) of a tensor holding ``data``.

    ``dtype_name`` is the tensor's dtype ("float32", "int64", ...), ``grad_fn_name`` the class
    name of its grad_fn (e.g. "MulBackward0") or None, ``default_float`` the current default
    floating dtype (hidden in the output, as are int64 and bool). ``data`` is not modified.
    """
    a = np.asarray(data)
    if a.dtype.kind == "c":
        raise NotImplementedError("printing complex tensors is not supported")
    floating = dtype_name in _FLOAT_DTYPES or a.dtype.kind == "f"
    prefix = "tensor("
    indent = 7  # len(prefix)

    suffixes = []
    if a.size == 0:
        if a.ndim != 1:
            suffixes.append(f"size={tuple(a.shape)}")
        # No values to infer the dtype from, so only the default float dtype is hidden.
        if dtype_name != default_float:
            suffixes.append(f"dtype=torch.{dtype_name}")
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={tuple(a.shape)}")
        if dtype_name != default_float and dtype_name != "int64" and dtype_name != "bool":
            suffixes.append(f"dtype=torch.{dtype_name}")
        body = _body(a, floating, indent)
    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")

    s = prefix + body
    if suffixes:
        parts = [s]
        linewidth = PRINT_OPTS.linewidth
        # PyTorch's quirk: 2 more than the true length of the last line.
        last = len(s) - s.rfind("\n") + 1
        for suffix in suffixes:
            n = len(suffix)
            if last + n + 2 > linewidth:
                parts.append(",\n" + " " * indent + suffix)
                last = indent + n
            else:
                parts.append(", " + suffix)
                last += n + 2
        s = "".join(parts)
    s += ")"
    if is_parameter:
        return "Parameter containing:\n" + s
    return s
