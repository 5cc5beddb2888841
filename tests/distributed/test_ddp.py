"""DistributedDataParallel on 2 and 3 ranks: same training as one process on the concatenated batch."""

from __future__ import annotations

import numpy as np
import pytest

from .launch import needs_mpi, run_ranks

pytestmark = needs_mpi


@pytest.fixture(scope="module", params=[2, 3], ids=["n2", "n3"])
def reports(request):
    return run_ranks(request.param, "ddp.py")


def test_matches_one_process_on_the_whole_batch(reports):
    for rep in reports:
        # float32 rounding only: the averaged gradient sums in another order than one big batch does.
        assert rep["diff_default"] < 1e-6
        assert rep["diff_small_buckets"] < 1e-6
        assert rep["buckets_default"] == 1 and rep["buckets_small"] == 3
        assert rep["diff_keep_grads"] < 1e-6  # zero_grad(set_to_none=False): averaging into existing .grad
        for set_to_none in (True, False):
            assert rep[f"diff_bucket_view_{set_to_none}"] < 1e-6
            assert rep[f"grad_is_view_{set_to_none}"] is True
        assert rep["ranks_identical"]


def test_module_prefix_and_repr(reports):
    assert reports[0]["state_dict_keys"] == ["module.0.weight", "module.0.bias"]
    assert reports[0]["repr"] == ["DistributedDataParallel(", "  (module): Sequential("]


def test_no_sync_accumulates_then_averages(reports):
    for rep in reports:
        assert rep["no_sync_local"] == 0.0
        assert rep["no_sync_then_sync"] < 1e-6


def test_second_backward_without_forward_accumulates_locally(reports):
    n = len(reports)
    avg = sum(r + 1 for r in range(n)) / n
    for r, rep in enumerate(reports):
        # PyTorch 2.13 gives the same: the reducer is armed by forward, once.
        assert rep["second_backward"] == [[[avg, avg]], [[avg + r + 1, avg + r + 1]]]


def test_find_unused_parameters(reports):
    n = len(reports)
    a = sum(r + 1 for r in range(n)) / n
    for rep in reports:
        got = rep["unused"]
        assert got["never"] is True  # no rank used it: .grad stays None
        np.testing.assert_allclose(got["a"], [[a] * 3] * 2, rtol=1e-6)
        np.testing.assert_allclose(got["b"], [[1 / n] * 3] * 2, rtol=1e-6)  # only rank 0 used it


def test_buffers_come_from_rank_0(reports):
    for rep in reports:
        assert rep["buffers"] == [0.0, 0.0, 0.0]


def test_errors(reports):
    for r, rep in enumerate(reports):
        err = rep["errors"]
        assert err["no_params"] == ("DistributedDataParallel is not needed when a module doesn't have any parameter "
                                    "that requires a gradient.")
        assert err["device_ids"].startswith("DistributedDataParallel device_ids and output_device arguments only work")
        assert err["different_models"].startswith("DDP expects same model across all ranks")
        assert err["broadcast_buffers_warning"] == ["FutureWarning"]
        assert err["unfinished"].startswith("Expected to have finished reduction in the prior iteration")
        assert f"Parameter indices which did not receive grad for rank {r}: 2 3 4 5\n" in err["unfinished"]
