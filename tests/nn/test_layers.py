"""Conv, pooling, RNN/LSTM/GRU, attention and normalisation layers against PyTorch 2.13's own results.

The same code (layer_cases.run) produced fixtures/layers.json under real PyTorch; here it runs under
numtorch and every forward value, input/parameter gradient, grad_fn name and repr must agree.
"""

import json
import os
import sys

import numpy as np
import pytest

import numtorch

sys.path.insert(0, os.path.dirname(__file__))
from layer_cases import run  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "fixtures", "layers.json")) as f:
    EXPECTED = json.load(f)


@pytest.fixture(scope="module")
def actual():
    return run(numtorch)


def _compare(exp, got, path):
    if isinstance(exp, str) or exp is None:
        assert got == exp, path
    elif isinstance(exp, list) and exp and isinstance(exp[0], str):
        assert got == exp, path
    elif isinstance(exp, list) and exp and isinstance(exp[0], list) and path.endswith("[2]") and len(exp) != len(got):
        pytest.fail(f"{path}: {len(got)} parameter gradients, expected {len(exp)}")
    else:
        lengths = {len(e) if isinstance(e, list) else -1 for e in exp} if exp else set()
        ragged = bool(exp) and isinstance(exp[0], list) and len(lengths) > 1
        if ragged:
            for i, (e, g) in enumerate(zip(exp, got)):
                _compare(e, g, f"{path}[{i}]")
            return
        want = np.array(exp, dtype=float)
        # float32 cases accumulate rounding in sums; scale the tolerance to the values' magnitude.
        scale = max(1.0, float(np.nanmax(np.abs(want)))) if want.size else 1.0
        np.testing.assert_allclose(np.array(got, dtype=float), want, rtol=1e-5, atol=2e-6 * scale, err_msg=path)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_layer_matches_pytorch(case, actual):
    """Every recorded output of the case equals PyTorch's (to float32 rounding)."""
    exp, got = EXPECTED[case], actual[case]
    assert len(exp) == len(got)
    for i, (e, g) in enumerate(zip(exp, got)):
        if case.startswith(("RNN", "LSTM", "GRU")) and i == 2:
            assert len(e) == len(g)
            for j, (pe, pg) in enumerate(zip(e, g)):
                np.testing.assert_allclose(pg, pe, rtol=1e-7, atol=1e-9, err_msg=f"{case} param grad {j}")
            continue
        _compare(e, g, f"{case}[{i}]")


def test_conv_input_channel_mismatch_message():
    """A wrong channel count raises PyTorch's RuntimeError text."""
    conv = numtorch.nn.Conv2d(3, 4, 3)
    with pytest.raises(RuntimeError, match=r"expected input\[1, 2, 5, 5\] to have 3 channels, but got 2 channels"):
        conv(numtorch.ones(1, 2, 5, 5))


def test_batchnorm_running_stats_and_eval():
    """Training updates running stats with momentum and unbiased variance; eval mode uses them."""
    bn = numtorch.nn.BatchNorm1d(2)
    x = numtorch.tensor([[1.0, 2.0], [3.0, 6.0], [5.0, 10.0]])
    bn(x)
    np.testing.assert_allclose(bn.running_mean.numpy(), [0.3, 0.6], rtol=1e-6)
    np.testing.assert_allclose(bn.running_var.numpy(), [0.9 + 0.1 * 4.0, 0.9 + 0.1 * 16.0], rtol=1e-6)
    assert bn.num_batches_tracked.item() == 1
    bn.eval()
    y = bn(x)
    expected = (x.numpy() - bn.running_mean.numpy()) / np.sqrt(bn.running_var.numpy() + 1e-5)
    np.testing.assert_allclose(y.detach().numpy(), expected, rtol=1e-5)


def test_clip_grad_norm_scales_gradients():
    """clip_grad_norm_ returns the total norm and scales grads to max_norm."""
    p = numtorch.nn.Parameter(numtorch.zeros(2))
    p.grad = numtorch.tensor([3.0, 4.0])
    total = numtorch.nn.utils.clip_grad_norm_([p], 1.0)
    assert total.item() == pytest.approx(5.0)
    np.testing.assert_allclose(p.grad.numpy(), [0.6, 0.8], rtol=1e-5)


def test_parameters_vector_round_trip():
    """parameters_to_vector / vector_to_parameters move values in order."""
    lin = numtorch.nn.Linear(2, 2)
    vec = numtorch.nn.utils.parameters_to_vector(lin.parameters())
    assert vec.shape == (6,)
    numtorch.nn.utils.vector_to_parameters(numtorch.arange(6.0), lin.parameters())
    assert lin.weight.tolist() == [[0.0, 1.0], [2.0, 3.0]]
    assert lin.bias.tolist() == [4.0, 5.0]
