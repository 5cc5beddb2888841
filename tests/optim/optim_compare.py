"""Compare ``optim_cases`` results (PyTorch's, from fixtures or a live run) with numtorch's."""

from __future__ import annotations

import json

import numpy as np

# float32 trajectories must agree to float32 rounding: a few ulps after 20 steps.
RTOL, ATOL = 1e-6, 1e-7


def normalise(result):
    """The JSON round trip the fixtures went through (tuples are already encoded)."""
    return json.loads(json.dumps(result))


def _close(exp: float, got: float, rtol: float, atol: float, f32: bool) -> bool:
    if f32:
        exp, got = float(np.float32(exp)), float(np.float32(got))
    if exp != exp:
        return got != got
    return exp == got or abs(exp - got) <= atol + rtol * abs(exp)


def compare(exp, got, path: str = "", rtol: float = 0.0, atol: float = 0.0, f32: bool = False) -> list:
    """Differences between ``exp`` and ``got`` as messages; floats within rtol/atol (exact by default)."""
    errors: list = []
    _cmp(exp, got, path, rtol, atol, f32, errors)
    return errors


def _cmp(exp, got, path, rtol, atol, f32, errors):
    if isinstance(exp, dict):
        if not isinstance(got, dict) or set(exp) != set(got):
            errors.append(f"{path}: expected {_short(exp)}, got {_short(got)}")
            return
        if "tensor" in exp:
            if exp["tensor"] != got["tensor"] or exp["shape"] != got["shape"]:
                errors.append(f"{path}: tensor {exp['tensor']}{exp['shape']} vs {got['tensor']}{got['shape']}")
                return
            ev, gv = exp["values"], got["values"]
            is_f32 = exp["tensor"] == "torch.float32"
            for i, (e, g) in enumerate(zip(ev, gv)):
                if isinstance(e, float) or isinstance(g, float):
                    if not _close(e, g, rtol, atol, is_f32):
                        errors.append(f"{path}[{i}]: {e!r} vs {g!r}")
                        return
                elif e != g:
                    errors.append(f"{path}[{i}]: {e!r} vs {g!r}")
                    return
            return
        if "dict" in exp:
            ek = [k for k, _ in exp["dict"]]
            gk = [k for k, _ in got["dict"]]
            if ek != gk:
                errors.append(f"{path}: keys {ek} vs {gk}")
                return
            for (k, e), (_, g) in zip(exp["dict"], got["dict"]):
                _cmp(e, g, f"{path}[{k}]", rtol, atol, f32, errors)
            return
        for k in exp:
            _cmp(exp[k], got[k], f"{path}.{k}", rtol, atol, f32, errors)
        return
    if isinstance(exp, list):
        if not isinstance(got, list) or len(exp) != len(got):
            errors.append(f"{path}: expected {_short(exp)}, got {_short(got)}")
            return
        for i, (e, g) in enumerate(zip(exp, got)):
            _cmp(e, g, f"{path}[{i}]", rtol, atol, f32, errors)
        return
    if type(exp) is not type(got):
        errors.append(f"{path}: expected {exp!r} ({type(exp).__name__}), got {got!r} ({type(got).__name__})")
    elif isinstance(exp, float):
        if not _close(exp, got, rtol, atol, f32):
            errors.append(f"{path}: {exp!r} vs {got!r}")
    elif exp != got:
        errors.append(f"{path}: expected {exp!r}, got {got!r}")


def _short(v) -> str:
    s = repr(v)
    return s if len(s) < 200 else s[:200] + "..."
