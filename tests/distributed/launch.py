"""Start the small scripts in ``scripts/`` under ``mpiexec`` and collect what each rank reports.

A script calls ``_report.report(obj)``; each rank's object lands in ``$NT_OUT/rank{r}.json``, which
``run_ranks`` reads back (files, not stdout: mpiexec interleaves the ranks' output mid-line).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SCRIPTS = HERE / "scripts"


def _find_mpiexec() -> str | None:
    # The mpiexec beside this interpreter belongs to the MPI mpi4py was installed with (pip's mpich);
    # a system one (Open MPI, another MPICH) may not be able to start it.
    here = Path(sys.executable).parent / "mpiexec"
    if here.exists():
        return str(here)
    return shutil.which("mpiexec")


def _have_mpi4py() -> bool:
    try:
        import mpi4py  # noqa: F401 - the package only; MPI itself starts with mpi4py.MPI
    except ImportError:
        return False
    return True


MPIEXEC = _find_mpiexec()
HAVE_MPI4PY = _have_mpi4py()
needs_mpi = pytest.mark.skipif(
    not (HAVE_MPI4PY and MPIEXEC),
    reason="needs mpi4py and mpiexec (the 'dist' extra): pip install mpi4py mpich")


def child_env(**extra: str) -> dict:
    env = dict(os.environ)
    for key in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(key, None)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYTHONUNBUFFERED"] = "1"
    # One BLAS thread per rank: more threads than cores make OpenBLAS threads spin against each other.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    env.update(extra)
    return env


def mpirun(n: int, script: str | Path, *args: str, timeout: float = 60, via: str = "python",
           env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``script`` on ``n`` ranks; ``via='numtorch'`` runs it with ``python -m numtorch run``.

    The job runs in its own session, so a timeout ends mpiexec and every rank it started.
    """
    path = str(script if os.path.isabs(str(script)) else SCRIPTS / script)
    runner = [sys.executable, "-m", "numtorch", "run"] if via == "numtorch" else [sys.executable]
    cmd = [MPIEXEC, "-n", str(n), *runner, path, *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=str(ROOT),
                            env=env or child_env(), start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise AssertionError(f"{' '.join(cmd)} still running after {timeout} s\nstdout:\n{out}\nstderr:\n{err}")
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def run_ranks(n: int, script: str, *args: str, timeout: float = 60, via: str = "python") -> list[dict]:
    """Run ``script`` on ``n`` ranks, require success, and return each rank's report (index = rank)."""
    with tempfile.TemporaryDirectory() as out_dir:
        proc = mpirun(n, script, *args, timeout=timeout, via=via, env=child_env(NT_OUT=out_dir))
        assert proc.returncode == 0, f"exit status {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        reports = []
        for r in range(n):
            path = Path(out_dir) / f"rank{r}.json"
            assert path.exists(), f"rank {r} wrote no report\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
            reports.append(json.loads(path.read_text()))
        return reports
