"""Differential cases: short PyTorch snippets whose results were recorded from PyTorch 2.13 (CPU).

A case is a snippet: statements, then a last line that is an expression. ``run_case`` evaluates a
snippet with ``torch`` = numtorch and encodes the outcome (tensor dtype/shape/bytes, Python values,
exceptions as type and message, warnings) exactly as the recorder encoded PyTorch's outcome, so the
two compare with ``==``. Expectations live in a JSON file beside the test; to re-record them, run
``python -m tests.oracle_cases tests/<file>.json`` with a real PyTorch importable as ``torch`` in a
separate interpreter (see ``record``); nothing here imports torch into the test process.

Known differences that the encoding ignores on purpose: PyTorch's C++ warnings end with
" (Triggered internally at <build path>)", which numtorch does not add.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

ORACLE_PYTHON = Path.home() / ".oracle" / "bin" / "python"

# The encoder runs both here (numtorch) and in the recording interpreter (torch): one source text.
ENCODER = r'''
import hashlib, re, warnings

_TRIGGERED = re.compile(r" \(Triggered internally at [^)]*\.\)")


def _clean(msg):
    return _TRIGGERED.sub("", str(msg))


def encode(torch, v):
    if isinstance(v, torch.Tensor):
        a = v.detach().numpy()
        raw = a.tobytes()
        data = raw.hex() if len(raw) <= 64 else "sha256:" + hashlib.sha256(raw).hexdigest()[:32]
        return {"tensor": str(a.dtype), "shape": list(a.shape), "data": data, "requires_grad": v.requires_grad}
    if isinstance(v, torch.dtype):
        return {"dtype": str(v)}
    if isinstance(v, torch.Size):
        return {"size": list(v)}
    if isinstance(v, (tuple, list)):
        return [encode(torch, x) for x in v]
    if isinstance(v, (bool, int, float, str, type(None))):
        return {"py": repr(v)}
    if isinstance(v, torch.Generator):
        return {"generator": True}
    if isinstance(v, torch.device):
        return {"device": str(v)}
    return {"type": type(v).__name__}


def run_snippet(torch, np, snippet):
    lines = snippet.split("\n")
    ns = {"torch": torch, "nn": torch.nn, "F": torch.nn.functional, "np": np}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if len(lines) > 1:
                exec("\n".join(lines[:-1]), ns)
            out = {"value": encode(torch, eval(lines[-1], ns))}
        except Exception as e:  # the exception is the recorded outcome
            out = {"error": type(e).__name__, "message": _clean(e)}
    out["warnings"] = [f"{w.category.__name__}: {_clean(w.message)}" for w in caught]
    return out
'''

_RECORDER = ENCODER + r'''
import json, sys
import numpy as np
import torch
snippets = json.load(open(sys.argv[1]))
print(json.dumps([run_snippet(torch, np, s) for s in snippets]))
'''

_ns: dict = {}
exec(ENCODER, _ns)  # noqa: S102 - our own source text, shared with the recorder


def split_cases(text: str) -> list[str]:
    """Snippets separated by lines holding only ``---``."""
    return [s.strip("\n") for s in re.split(r"\n---\n", text.strip()) if s.strip()]


def run_case(snippet: str) -> dict:
    """Evaluate one snippet with numtorch as ``torch``; the encoded outcome."""
    import numtorch

    return _ns["run_snippet"](numtorch, np, snippet)


def record(snippets: list[str], python: Path = ORACLE_PYTHON) -> list[dict]:
    """Evaluate snippets under a real PyTorch (another interpreter); the encoded outcomes."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        src, data = Path(tmp, "recorder.py"), Path(tmp, "snippets.json")
        src.write_text(_RECORDER)
        data.write_text(json.dumps(snippets))
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        proc = subprocess.run([str(python), str(src), str(data)], capture_output=True, text=True, env=env,
                              timeout=900, cwd=tmp)
    if proc.returncode:
        raise RuntimeError(f"recording failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def load_cases(path: Path) -> list[dict]:
    """The recorded cases: a list of ``{"group", "code", "expect"}``."""
    with open(path) as fh:
        return json.load(fh)


def compare(cases: list[dict]) -> list[str]:
    """Run every case's code under numtorch; one message per case whose outcome differs."""
    failures = []
    for case in cases:
        got = run_case(case["code"])
        if got != case["expect"]:
            failures.append(f"[{case['group']}] {case['code']!r}\n   torch:    {json.dumps(case['expect'])[:400]}"
                            f"\n   numtorch: {json.dumps(got)[:400]}")
    return failures


def rerecord(path: str) -> None:
    """Re-record every case of a JSON file under PyTorch (``expect`` may be null for new cases)."""
    cases = load_cases(Path(path))
    outcomes = record([c["code"] for c in cases])
    for c, o in zip(cases, outcomes):
        c["expect"] = o
    # One case per line: small diffs when cases are added or re-recorded.
    Path(path).write_text("[\n" + ",\n".join(json.dumps(c) for c in cases) + "\n]\n")
    print(f"recorded {len(cases)} cases into {path}")


if __name__ == "__main__":  # python -m tests.oracle_cases tests/creation_cases.json
    rerecord(sys.argv[1])
