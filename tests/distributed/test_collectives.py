"""Every collective on 2 and 3 ranks against what one process computes from all ranks' inputs."""

from __future__ import annotations

import numpy as np
import pytest

from .launch import needs_mpi, run_ranks

pytestmark = needs_mpi


def base(rank: int) -> np.ndarray:
    return np.arange(6, dtype=np.float32).reshape(2, 3) + 10 * rank


@pytest.fixture(scope="module", params=[2, 3], ids=["n2", "n3"])
def reports(request):
    return run_ranks(request.param, "collectives.py")


def test_identity(reports):
    n = len(reports)
    for r, rep in enumerate(reports):
        assert (rep["rank"], rep["world"], rep["initialized"], rep["backend"]) == (r, n, True, "mpi")
        # Scripts written for torchrun read these; under mpiexec they come from MPI's launcher.
        assert rep["env"] == [str(r), str(n), str(r)]


def test_all_reduce_float_ops(reports):
    n = len(reports)
    stack = np.stack([base(r) for r in range(n)])
    prod_in = np.stack([np.array([1.0 + r, 2.0, 0.5], np.float32) for r in range(n)])
    expected = {"SUM": stack.sum(0), "AVG": stack.sum(0) / n, "MIN": stack.min(0), "MAX": stack.max(0),
                "PRODUCT": prod_in.prod(0)}
    for rep in reports:
        for op, want in expected.items():
            np.testing.assert_allclose(rep[f"all_reduce_{op}"], want, rtol=1e-6, err_msg=op)


def test_all_reduce_int_ops(reports):
    n = len(reports)
    ins = np.stack([np.array([r + 1, 3 - r, 7], np.int64) for r in range(n)])
    expected = {"SUM": ins.sum(0), "MIN": ins.min(0), "MAX": ins.max(0), "PRODUCT": ins.prod(0),
                "BAND": np.bitwise_and.reduce(ins, 0), "BOR": np.bitwise_or.reduce(ins, 0),
                "BXOR": np.bitwise_xor.reduce(ins, 0)}
    for rep in reports:
        for op, want in expected.items():
            assert rep[f"all_reduce_int_{op}"] == [want.tolist(), "torch.int64"], op


def test_all_reduce_dtypes_views_and_handles(reports):
    n = len(reports)
    want_view = sum(base(r) for r in range(n))
    for rep in reports:
        np.testing.assert_allclose(rep["all_reduce_f64"], [sum(0.1 * (r + 1) for r in range(n))], rtol=1e-15)
        assert rep["all_reduce_f16"] == [[1.5 * n, -2.0 * n], "torch.float16"]
        assert rep["all_reduce_bool"] == [True, False, True]
        assert rep["all_reduce_view"] == want_view.tolist()  # a non-contiguous view wrote through to its base
        assert rep["version_kept"] is True
        total = float(sum(range(n)))
        assert rep["async"] == [True, True, [total] * 4, [[total] * 4]]
        assert rep["all_reduce_0d"] == total


def test_broadcast_and_gathers(reports):
    n = len(reports)
    everyone = [base(r).tolist() for r in range(n)]
    for r, rep in enumerate(reports):
        assert rep["broadcast"] == base(n - 1).tolist()
        assert rep["broadcast_async_int"] == [4, 5, 6]
        assert rep["all_gather"] == everyone
        assert rep["all_gather_into_tensor"] == np.concatenate([base(i) for i in range(n)]).tolist()
        assert rep["all_gather_object"] == [{"rank": i, "sq": i * i, "name": f"r{i}"} for i in range(n)]
        assert rep["gather"] == (everyone if r == n - 1 else None)
        assert rep["scatter"] == [100.0 + r] * 2
        assert rep["broadcast_object_list"] == ["from 0", 0]


def test_reduce_and_reduce_scatter(reports):
    n = len(reports)
    for r, rep in enumerate(reports):
        # Only the destination's tensor changes.
        assert rep["reduce_sum"] == (sum(base(i) for i in range(n)) if r == 1 else base(r)).tolist()
        assert rep["reduce_max"] == ([float(n - 1), 0.0] if r == 0 else [float(r), -float(r)])
        assert rep["reduce_scatter"] == sum(base(i)[0] + r for i in range(n)).tolist()
        assert rep["reduce_scatter_max"] == (base(n - 1)[0] + r).tolist()
        full = sum(np.arange(2.0 * n) * (i + 1) for i in range(n))
        assert rep["reduce_scatter_tensor"] == full[2 * r:2 * r + 2].tolist()


def test_point_to_point(reports):
    n = len(reports)
    for r, rep in enumerate(reports):
        left = (r - 1) % n
        assert rep["ring"] == [left, [float(left), 1.0]]
    assert reports[0]["any_source"] == [[i, i * 11] for i in range(1, n)]


def test_sub_groups(reports):
    if len(reports) < 3:  # the script makes sub-groups only on 3 ranks
        assert all("group" not in rep for rep in reports)
        return
    member = {0: [False, 0, 2], 1: [True, -1, -1], 2: [False, 1, 2]}
    for r, rep in enumerate(reports):
        assert rep["group"] == member[r]
    assert reports[0]["group_all_reduce"] == reports[2]["group_all_reduce"] == [4.0]
    assert reports[1]["group_all_reduce"] == [2.0]  # not a member: untouched
    assert reports[0]["group_ranks"] == [0, 2]
    assert reports[0]["group_broadcast"] == reports[2]["group_broadcast"] == [2.0]
    assert reports[1]["group2"] == [0, [3.0]] and reports[2]["group2"] == [1, [3.0]]


def test_sampler_defaults_to_the_process_group(reports):
    n = len(reports)
    for r, rep in enumerate(reports):
        per = -(-10 // n)
        padded = list(range(10)) + list(range(10))[:per * n - 10]
        assert rep["sampler"] == [n, r, padded[r::n]]
