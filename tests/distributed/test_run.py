"""``mpiexec -n N numtorch run train.py`` runs a torchrun-style PyTorch script on numtorch."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from .launch import MPIEXEC, ROOT, SCRIPTS, child_env, needs_mpi, run_ranks

pytestmark = needs_mpi


def test_torch_script_under_numtorch_run():
    reports = run_ranks(2, "as_torch.py", via="numtorch")
    shards = []
    for r, rep in enumerate(reports):
        assert rep["torch_is"] == "numtorch" and rep["dist_is"] == "numtorch.distributed"
        assert (rep["local_rank"], rep["rank"], rep["world"]) == (r, r, 2)
        assert rep["same_weights"]
        assert rep["ddp_class"] == "numtorch.nn.parallel.distributed"
        shards.append(rep["seen"])
    for epoch in range(2):
        # The two shards of an epoch are disjoint and cover the dataset; epochs differ (set_epoch).
        assert sorted(shards[0][epoch] + shards[1][epoch]) == list(range(20))
    assert shards[0][0] != shards[0][1]


@pytest.mark.skipif(shutil.which("numtorch") is None, reason="the numtorch console script is not installed")
def test_console_script_under_mpiexec(tmp_path):
    proc = subprocess.run([MPIEXEC, "-n", "2", "numtorch", "run", str(SCRIPTS / "as_torch.py")], capture_output=True,
                          text=True, timeout=60, cwd=str(ROOT), env=child_env(NT_OUT=str(tmp_path)))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rank0.json", "rank1.json"]


def test_wrong_world_size_is_explained():
    code = ("import numtorch.distributed as dist\n"
            "try:\n    dist.init_process_group(world_size=2)\nexcept ValueError as e:\n    print(e)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=child_env())
    assert "world_size=2 but MPI started 1 process;" in proc.stdout
    assert "mpiexec -n 2 numtorch run script.py" in proc.stdout
    proc = subprocess.run([sys.executable, "-c", code.replace("world_size=2", "")], capture_output=True, text=True,
                          timeout=60, env=child_env(RANK="1", WORLD_SIZE="2"))
    assert "WORLD_SIZE=2 in the environment but MPI started 1 process;" in proc.stdout
