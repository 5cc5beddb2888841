"""DDP on 2 and 3 ranks: large gradients averaged in place, and the one layout agreement at construction."""

from __future__ import annotations

import pytest

from .launch import needs_mpi, run_ranks

pytestmark = needs_mpi


@pytest.fixture(scope="module", params=[2, 3], ids=["n2", "n3"])
def reports(request):
    # 2 ranks scale by multiplying with 1/2 (exact), 3 ranks by dividing by 3.
    return run_ranks(request.param, "ddp_layout.py")


def test_in_place_averaging_matches_one_process(reports):
    for rep in reports:
        # Reducer indices in registration order: 0 = the 160x128 weight (80 KiB), then its bias, and so on.
        assert rep["direct"] == [[0]] and rep["packed"] == [[3, 2, 1]]
        assert rep["diff_True"] < 1e-6 and rep["diff_False"] < 1e-6
        assert rep["direct_float64"] == [[0]]  # 160 KiB in float64
        assert rep["diff_float64"] < 1e-12


def test_steps_make_no_per_call_agreement(reports):
    # Construction agreed on the layout; the steps' allreduces carry no shape exchange of their own.
    for rep in reports:
        assert rep["agree_calls_in_training"] == []


def test_kept_grad_is_averaged_in_place(reports):
    for rep in reports:
        assert rep["same_grad_tensor"] and rep["same_grad_array"] and rep["version_bumped"]


def test_transposed_grad_on_a_large_weight(reports):
    for rep in reports:
        assert rep["diff_transposed_grad"] < 1e-6


def test_find_unused_with_large_layers(reports):
    n = len(reports)
    a = reports[0]["unused"]["a"]
    for rep in reports:
        got = rep["unused"]
        assert got["never"] is True  # no rank used it: .grad stays None
        assert got["direct"] == [0, 2, 4]  # every 160x128 weight travels in place, a missing one as zeros
        assert got["a"] == pytest.approx(a, rel=1e-6)
        # Only rank 0 used b (input r + 1 = 1, 160x128 weight, sum of outputs): the average is 1/n.
        assert got["b"] == pytest.approx(1 / n, rel=1e-6)


def test_construction_mismatch_raises_on_every_rank(reports):
    first = reports[0]["errors"]
    for rep in reports:
        err = rep["errors"]
        assert err == first  # the same message everywhere: every rank saw every rank's layout
        for name in ("bucket_cap", "find_unused", "bucket_view"):
            assert err[name].startswith("DDP expects the same gradient bucket layout on all ranks, but rank "), name
            assert "pass the same bucket_cap_mb, bucket_cap_mb_list, gradient_as_bucket_view and " \
                   "find_unused_parameters on every rank" in err[name]
        assert "find_unused_parameters=True" in err["find_unused"]
        assert err["requires_grad"] == (f"DDP expects same model across all ranks, but parameter 3 has "
                                        f"requires_grad=False on rank {len(reports) - 1} and requires_grad=True "
                                        "on rank 0.")
        assert err["same"] == "ok"
        assert rep["after"] == [len(reports)] * 2
