"""Acceptance test of the whole mission: the seed programs under ``numtorch run --seed 0`` print exactly
what PyTorch 2.13 printed (``../shared/golden/seed_outputs/NAME.out``) and exit the same way."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.golden import GOLDEN_DIR, golden_path

REPO = Path(__file__).resolve().parents[1]
PROGRAMS_DIR = GOLDEN_DIR.parent / "seeds" / "programs"
# The programs the golden outputs were made from; all of them must be there.
KNOWN = [
    "seed0_target_tensor",
    "seed1_sgd_scalar",
    "seed2_autograd",
    "seed3_full_code_as_printed",
    "seed3_pred_tensor",
    "seed4_optimizer",
]
PROGRAMS = sorted({p.stem for p in PROGRAMS_DIR.glob("*.py")} | set(KNOWN))

# How each program ends under PyTorch (see seed_outputs/README.md); all others exit 0.
FAILING = {"seed3_full_code_as_printed": "NameError: name 'iter_count' is not defined"}
# Programs that format a tensor requiring grad with '%.4e', which makes PyTorch warn on stderr.
SCALAR_WARNING = "UserWarning: Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior."
WARNS = {"seed0_target_tensor", "seed3_pred_tensor"}


def _numtorch_run(program: Path, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONWARNINGS", "PYTHONSTARTUP")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "numtorch", "run", "--seed", "0", str(program)],
        cwd=cwd, env=env, capture_output=True, text=True, encoding="utf-8", timeout=300, stdin=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Run each program once; the tests below read the results."""
    cache: dict[str, subprocess.CompletedProcess] = {}

    def get(name: str) -> subprocess.CompletedProcess:
        if name not in cache:
            program = golden_path("..", "seeds", "programs", f"{name}.py")
            cache[name] = _numtorch_run(program, tmp_path_factory.mktemp(name))
        return cache[name]

    return get


@pytest.mark.parametrize("name", PROGRAMS)
def test_stdout_matches_pytorch(name, results):
    expected = golden_path("seed_outputs", f"{name}.out").read_text(encoding="utf-8")
    proc = results(name)
    assert proc.stdout == expected, f"{name}: stdout differs from PyTorch's\n--- stderr ---\n{proc.stderr}"


@pytest.mark.parametrize("name", PROGRAMS)
def test_exit_status(name, results):
    proc = results(name)
    if name in FAILING:
        assert proc.returncode == 1, proc.stderr
        assert proc.stderr.rstrip("\n").endswith(FAILING[name]), proc.stderr
    else:
        assert proc.returncode == 0, proc.stderr
        assert "Traceback" not in proc.stderr, proc.stderr


def test_failing_program_traceback_is_pythons():
    """The traceback looks like `python seed3_full_code_as_printed.py`'s: the script's frames only."""
    name = "seed3_full_code_as_printed"
    program = golden_path("..", "seeds", "programs", f"{name}.py")
    proc = _numtorch_run(program, program.parent)
    lines = proc.stderr.splitlines()
    assert lines[0] == "Traceback (most recent call last):", proc.stderr
    frames = [line for line in lines if line.startswith("  File ")]
    assert frames, proc.stderr
    script = os.path.abspath(program)  # Python shows the script's absolute path
    assert re.match(rf'  File "{re.escape(script)}", line \d+, in <module>$', frames[0]), frames[0]
    assert len(frames) == 1, f"only the script's own frame expected:\n{proc.stderr}"
    assert "numtorch" not in proc.stderr and "runpy" not in proc.stderr, proc.stderr
    assert lines[-1] == FAILING[name]


@pytest.mark.parametrize("name", sorted(WARNS))
def test_scalar_conversion_warning(name, results):
    """'%.4e' % loss on a tensor that requires grad warns, as PyTorch does."""
    proc = results(name)
    assert SCALAR_WARNING in proc.stderr, proc.stderr
    # and, as with PyTorch, it points at the script's line, not at numtorch's insides
    script = os.path.abspath(golden_path("..", "seeds", "programs", f"{name}.py"))
    assert re.search(rf"^{re.escape(script)}:\d+: {re.escape(SCALAR_WARNING)}", proc.stderr, re.M), proc.stderr


@pytest.mark.parametrize("name", [n for n in PROGRAMS if n not in WARNS and n not in FAILING])
def test_no_stray_warnings(name, results):
    """PyTorch writes nothing to stderr for these programs."""
    proc = results(name)
    assert "Warning" not in proc.stderr, proc.stderr


def test_every_program_has_a_golden_output():
    golden_path("seed_outputs")
    found = {p.stem for p in PROGRAMS_DIR.glob("*.py")}
    assert set(KNOWN) <= found, f"seed programs missing from {PROGRAMS_DIR}: {sorted(set(KNOWN) - found)}"
    for name in found:
        assert (GOLDEN_DIR / "seed_outputs" / f"{name}.out").exists(), f"no golden output for {name}"
