"""The optimizers' fused multiply-add updates round like PyTorch's, bit for bit, in float32 and float64.

PyTorch's CPU kernels compute ``p.add_(g, alpha=a)``, ``addcmul_`` and ``lerp_`` with one rounding per
element. ``numtorch.optim._kernels`` reaches the same result three ways (the BLAS's fused axpy and axpby for
large arrays, a float64 computation for float32, an exact emulation for float64); these tests run every way
against the others and, when PyTorch is installed, whole optimizer trajectories against PyTorch's.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import numtorch
from numtorch import _blas
from numtorch.optim import _kernels as K

# Runs unchanged under numtorch (here) and under PyTorch (a subprocess): five steps of each optimizer on
# parameters whose gradients are given, so that only the update rules are compared.
SCENARIOS = r'''
import hashlib
import numpy as np

OPTIMIZERS = [
    ("SGD", dict(lr=0.01)),
    ("SGD", dict(lr=0.01, momentum=0.9)),
    ("SGD", dict(lr=0.03, momentum=0.9, dampening=0.1, weight_decay=1e-2)),
    ("SGD", dict(lr=0.01, momentum=0.8, nesterov=True, maximize=True)),
    ("Adam", dict(lr=1e-3, weight_decay=1e-2)),
    ("AdamW", dict(lr=1e-3)),
    ("NAdam", dict(lr=1e-3)),
    ("RAdam", dict(lr=1e-3)),
    ("Adamax", dict(lr=1e-3)),
    ("RMSprop", dict(lr=1e-3, momentum=0.5, centered=True)),
    ("Adagrad", dict(lr=1e-2)),
    ("Adadelta", dict(lr=0.5)),
]
SHAPES = [(3,), (37,), (600,), (300, 250)]
SQRT_SHAPES = [(3,), (37,), (5, 7)]
USES_SQRT = ("Adam", "AdamW", "NAdam", "RAdam", "RMSprop", "Adagrad", "Adadelta")


def run(torch):
    out = {}
    for dtype_name in ("float32", "float64"):
        dtype = getattr(torch, dtype_name)
        for index, (name, kwargs) in enumerate(OPTIMIZERS):
            if dtype_name == "float32" and name in USES_SQRT:
                continue  # PyTorch's float32 sqrt is not correctly rounded (see optim/_kernels.py)
            # Nor is its float64 sqrt of long vectors (MKL's vector math): short ones only where sqrt is used.
            shapes = SQRT_SHAPES if name in USES_SQRT else SHAPES
            rs = np.random.RandomState(index)
            params = [torch.tensor(rs.randn(*s), dtype=dtype).requires_grad_() for s in shapes]
            opt = getattr(torch.optim, name)(params, **kwargs)
            for step in range(5):
                for p in params:
                    p.grad = torch.tensor(rs.randn(*p.shape) * 0.1, dtype=dtype)
                opt.step()
            digest = hashlib.sha256()
            for p in params:
                digest.update(p.detach().numpy().tobytes())
            out[f"{name}{index}-{dtype_name}"] = digest.hexdigest()
    return out


if __name__ == "__main__":
    import json
    import torch
    print(json.dumps(run(torch)))
'''


def _oracle_python() -> str:
    oracle = Path.home() / ".oracle" / "bin" / "python"
    return str(oracle) if oracle.exists() else sys.executable


def _scenarios():
    namespace: dict = {}
    exec(compile(SCENARIOS, "scenarios", "exec"), namespace)
    return namespace["run"]


@pytest.fixture(scope="module")
def pytorch_digests(tmp_path_factory):
    script = tmp_path_factory.mktemp("oracle") / "scenarios.py"
    script.write_text(SCENARIOS)
    proc = subprocess.run([_oracle_python(), str(script)], capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL, cwd=script.parent)
    if proc.returncode != 0:
        if "No module named 'torch'" in proc.stderr:
            pytest.skip("PyTorch is not installed: no oracle to compare with")
        pytest.fail(proc.stderr[-2000:])
    return json.loads(proc.stdout)


@pytest.fixture(params=["blas", "emulation"])
def fused_path(request, monkeypatch):
    """Each test runs once with the BLAS's axpy (when this NumPy has a tested one) and once without."""
    if request.param == "blas":
        if _blas.axpy(np.float32) is None:
            pytest.skip("no tested BLAS axpy in this NumPy")
    else:
        monkeypatch.setattr(_blas, "_found", {(name, np.dtype(t)): None for name in ("axpy", "axpby")
                                              for t in (np.float32, np.float64)})
    return request.param


def test_optimizer_steps_match_pytorch_bit_for_bit(pytorch_digests, fused_path):
    ours = _scenarios()(numtorch)
    assert ours.keys() == pytorch_digests.keys()
    differ = [k for k in ours if ours[k] != pytorch_digests[k]]
    assert not differ, f"{len(differ)} of {len(ours)} differ from PyTorch: {differ}"


@pytest.mark.parametrize("np_dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [5, K._BLAS_MIN, K._BLOCK + 7, 100_003])
def test_fused_add_is_one_rounding(np_dtype, n, fused_path):
    # Against exact rational arithmetic, on the elements where rounding the product first would differ.
    from fractions import Fraction

    rs = np.random.RandomState(n)
    a = (rs.randn(n) * 10).astype(np_dtype)
    b = rs.randn(n).astype(np_dtype)
    alpha = -0.37
    got = K.add_(a.copy(), b, alpha)
    alpha_k = float(np_dtype(alpha))
    unfused = a + np_dtype(alpha_k) * b
    check = np.nonzero(got != unfused)[0][:50].tolist() + list(range(min(n, 20)))
    assert n < 100 or (got != unfused).any()  # the fused result does differ somewhere
    for i in check:
        exact = Fraction(float(a[i])) + Fraction(alpha_k) * Fraction(float(b[i]))
        assert got[i] == np_dtype(float(exact)), i


def test_lerp_and_addcmul_use_the_fused_path_in_both_dtypes(fused_path):
    rs = np.random.RandomState(7)
    for np_dtype in (np.float32, np.float64):
        a, b, c = (rs.randn(3, 1000).astype(np_dtype))
        for w in (0.1, 0.9):
            got = K.lerp_(a.copy(), b, w)
            wk = np_dtype(w)
            expect = a.copy()
            if w < 0.5:
                K.add_(expect, b - a, float(wk))
            else:
                expect[...] = b
                K.add_(expect, b - a, -float(np_dtype(1) - wk))
            assert got.tobytes() == expect.tobytes()
        got = K.addcmul(a, b, c, 0.5)
        assert got.dtype == np_dtype and got.tobytes() == K.addcmul_(a.copy(), np_dtype(0.5) * b, c).tobytes()


def test_read_only_arrays_are_refused_not_written(fused_path):
    # The BLAS writes through a raw pointer: a read-only array must get NumPy's error, as the emulation gives.
    a = np.ones(K._BLAS_MIN * 2, np.float32)
    a.setflags(write=False)
    with pytest.raises(ValueError, match="read-only"):
        K.add_(a, np.ones_like(a), -0.5)
    assert (a == 1).all()


@pytest.mark.parametrize("np_dtype", [np.float32, np.float64])
def test_momentum_buffer_update_is_mul_then_fused_add(np_dtype, fused_path):
    # SGD's buf.mul_(m).add_(g, alpha=1 - dampening): the product rounded, then one fused multiply-add.
    from fractions import Fraction

    rs = np.random.RandomState(3)
    for n in (7, K._BLAS_MIN, 50_001):
        buf, g = rs.randn(2, n).astype(np_dtype)
        for m, alpha in ((0.9, 1.0), (0.8, 0.7)):
            got = K.mul_add_(buf.copy(), m, g, alpha)
            scaled = buf * np_dtype(m)
            a_k = Fraction(float(np_dtype(alpha)))
            for i in list(range(min(n, 30))) + list(rs.randint(0, n, 30)):
                assert got[i] == np_dtype(float(Fraction(float(scaled[i])) + a_k * Fraction(float(g[i])))), (n, i)


def test_zero_step_keeps_nans_as_pytorch_does(fused_path):
    # BLAS skips y += 0 * x altogether; PyTorch computes it, so a NaN in x reaches y.
    a = np.ones(512 * 2, np.float32)
    b = np.ones_like(a)
    b[3] = np.nan
    K.add_(a, b, 0.0)
    assert np.isnan(a[3]) and (np.delete(a, 3) == 1).all()
