"""The parts of numtorch.distributed that need no second process (nor MPI): names, errors, laziness."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest

import numtorch as torch
import numtorch.distributed as dist
import numtorch.nn as nn
from numtorch.nn.parallel import DataParallel, DistributedDataParallel
from numtorch.utils.data import DistributedSampler

from .launch import child_env

NOT_INIT = "Default process group has not been initialized, please make sure to call init_process_group."


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=child_env())


def test_import_loads_no_mpi():
    proc = run_python("import sys, numtorch as torch\n"
                      "import numtorch.distributed, numtorch.nn.parallel, numtorch.utils.data.distributed\n"
                      "torch.distributed.is_available()\n"
                      "print('mpi4py.MPI' in sys.modules)")  # importing mpi4py.MPI starts MPI
    assert proc.stdout.strip() == "False", proc.stderr


def test_missing_mpi4py_says_how_to_install():
    proc = run_python("import sys; sys.modules['mpi4py'] = None\n"
                      "import numtorch.distributed as dist\n"
                      "print(dist.is_available())\n"
                      "dist.init_process_group()\n")
    assert proc.stdout.strip() == "False"
    assert "ImportError: numtorch.distributed runs on MPI and needs mpi4py" in proc.stderr
    assert "pip install 'numtorch[dist]'" in proc.stderr


def test_resolved_from_numtorch_namespace():
    assert torch.distributed is dist
    assert torch.nn.parallel.DistributedDataParallel is DistributedDataParallel
    assert torch.nn.DataParallel is DataParallel
    assert torch.utils.data.distributed.DistributedSampler is DistributedSampler


@pytest.mark.parametrize("call", [
    lambda: dist.all_reduce(torch.ones(2)),
    lambda: dist.broadcast(torch.ones(2), 0),
    lambda: dist.all_gather([torch.ones(2)], torch.ones(2)),
    lambda: dist.barrier(),
    lambda: dist.get_rank(),
    lambda: dist.get_world_size(),
    lambda: dist.new_group([0]),
    lambda: dist.send(torch.ones(1), 1),
    lambda: DistributedDataParallel(nn.Linear(2, 2)),
], ids=["all_reduce", "broadcast", "all_gather", "barrier", "get_rank", "get_world_size", "new_group", "send", "DDP"])
def test_uninitialized_errors_are_pytorchs(call):
    assert not dist.is_initialized()
    with pytest.raises(ValueError) as info:
        call()
    assert str(info.value) == NOT_INIT


def test_destroy_without_init():
    with pytest.raises(AssertionError, match="Process group cannot be None"):
        dist.destroy_process_group()


def test_init_argument_errors_come_before_mpi():
    with pytest.raises(AssertionError, match="Unknown backend type foo"):
        dist.init_process_group("foo")
    with pytest.raises(TypeError, match="Expected timeout argument to be of type datetime.timedelta"):
        dist.init_process_group(timeout=5)
    assert not dist.is_initialized()
    assert isinstance(dist.default_pg_timeout, timedelta)


def test_reduce_op_and_backend_names():
    assert str(dist.ReduceOp.SUM) == "RedOpType.SUM"
    assert repr(dist.ReduceOp.AVG) == "<RedOpType.AVG: 1>"
    assert dist.ReduceOp.SUM == dist.ReduceOp.RedOpType.SUM == 0
    assert [int(getattr(dist.ReduceOp, k)) for k in ("SUM", "AVG", "PRODUCT", "MIN", "MAX")] == [0, 1, 2, 3, 4]
    assert dist.Backend("GLOO") == "gloo" and dist.Backend.MPI == "mpi"
    assert dist.GroupMember.NON_GROUP_MEMBER == -100
    assert dist.GroupMember.WORLD is None and dist.group.WORLD is None


def test_sampler_without_group():
    if dist.is_available():
        with pytest.raises(ValueError, match="Default process group has not been initialized"):
            DistributedSampler(range(4))
    else:
        with pytest.raises(RuntimeError, match="Requires distributed package to be available"):
            DistributedSampler(range(4))
    assert list(DistributedSampler(range(4), num_replicas=2, rank=1, shuffle=False)) == [1, 3]


def test_data_parallel_is_a_pass_through():
    lin = nn.Linear(3, 2)
    dp = DataParallel(lin)
    x = torch.randn(4, 3)
    assert torch.equal(dp(x), lin(x))
    assert list(dp.state_dict()) == ["module.weight", "module.bias"]
    assert dp.device_ids == []
