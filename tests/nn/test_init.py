"""nn.init, nn.Linear / nn.Embedding initialisation and dropout masks against PyTorch 2.13.

``init_cases.json`` holds snippets recorded under PyTorch (see tests/oracle_cases.py): every init
function with its bounds, streams, ``generator=`` and errors, trunc_normal_'s two rejection samplers,
sparse_ (whose randperm uses the default generator even when ``generator`` is given, as in PyTorch),
non-contiguous targets, Embedding (padding_idx, from_pretrained, forward, gradients) and dropout.
orthogonal_ is compared with a tolerance: PyTorch's float32 LAPACK QR and NumPy's float64 one differ
in the last bits.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import numtorch as torch
from numtorch import nn
from tests.oracle_cases import ORACLE_PYTHON, compare, load_cases, record

CASES = load_cases(Path(__file__).with_name("init_cases.json"))
GROUPS = sorted({c["group"] for c in CASES})


@pytest.mark.parametrize("group", GROUPS)
def test_matches_pytorch(group):
    cases = [c for c in CASES if c["group"] == group]
    failures = compare(cases)
    assert not failures, f"{len(failures)} of {len(cases)} differ:\n" + "\n".join(failures[:15])


@pytest.mark.skipif(not ORACLE_PYTHON.exists(), reason="no PyTorch oracle at ~/.oracle/bin/python")
def test_recording_is_current():
    fresh = record([c["code"] for c in CASES])
    stale = [c["code"] for c, f in zip(CASES, fresh) if f != c["expect"]]
    assert not stale, f"{len(stale)} recorded outcomes differ from the live oracle, e.g. {stale[:5]}"


# torch.manual_seed(0); w = torch.empty(*shape, dtype=dtype); nn.init.orthogonal_(w, gain=1.5), PyTorch 2.13
ORTHOGONAL = [
    ((3, 5), torch.float32, [
        "0x1.9112b8p-1", "-0x1.317b44p-3", "-0x1.1b8910p+0", "0x1.27e3c8p-2", "-0x1.1a446cp-1",
        "-0x1.9c0422p-1", "0x1.436c90p-2", "-0x1.b6f888p-3", "-0x1.1388cap-1", "-0x1.1490b6p+0",
        "-0x1.529fb6p-1", "0x1.971ae0p-4", "-0x1.188168p-4", "0x1.55aa44p+0", "-0x1.094ab4p-3"]),
    ((5, 3), torch.float32, [
        "0x1.3149a8p+0", "0x1.0598a2p-2", "-0x1.abd8a4p-2", "0x1.c272fcp-2", "-0x1.81b252p-1",
        "-0x1.a796dcp-1", "0x1.3fa114p-2", "0x1.b8dd48p-1", "0x1.8fc792p-6", "-0x1.3fa068p-2",
        "-0x1.4d91a8p-1", "-0x1.5b98d6p-2", "-0x1.536ec8p-1", "0x1.57fba4p-1", "-0x1.2114b4p+0"]),
    ((4, 2, 2), torch.float64, [
        "-0x1.264be0cd1f83cp+0", "-0x1.dee3afc7cbc1dp-2", "-0x1.173fbb5210df6p-1", "0x1.48bcf7eae975dp-1",
        "-0x1.c26c2a2b343afp-2", "-0x1.d286edfec2a6cp-1", "0x1.839ddf2e99477p-1", "-0x1.9dc661578e92fp-1",
        "-0x1.4a11d44750400p-1", "0x1.b74a6716b26e6p-1", "0x1.ff259a3b9c366p-1", "0x1.4660bc508fb23p-2",
        "0x1.21568268134cfp-1", "-0x1.5d1801edeb58ap-1", "0x1.3cbe3b947cfacp-1", "0x1.0a6b17b84268cp+0"]),
]


@pytest.mark.parametrize("shape, dtype, expected", ORTHOGONAL)
def test_orthogonal_matches_pytorch_to_rounding(shape, dtype, expected):
    torch.manual_seed(0)
    w = torch.empty(*shape, dtype=dtype)
    assert nn.init.orthogonal_(w, gain=1.5) is w
    got = w.numpy().reshape(-1).astype(np.float64)
    want = np.array([float.fromhex(h) for h in expected])
    tol = 1e-6 if dtype is torch.float32 else 1e-14  # same normal draws, different LAPACK rounding
    np.testing.assert_allclose(got, want, rtol=0, atol=tol)
    flat = got.reshape(shape[0], -1) / 1.5
    rows, cols = flat.shape
    gram = flat @ flat.T if rows <= cols else flat.T @ flat
    np.testing.assert_allclose(gram, np.eye(min(rows, cols)), atol=1e-5)


def test_orthogonal_keeps_the_generator_in_step():
    """The normal draws are PyTorch's: the stream after orthogonal_ continues identically."""
    torch.manual_seed(0)
    nn.init.orthogonal_(torch.empty(20, 30))
    after = torch.rand(3)
    torch.manual_seed(0)
    torch.randn(20 * 30)
    assert torch.equal(torch.rand(3), after)


def test_init_functions_do_not_record_graph():
    lin = nn.Linear(4, 3)
    for fn in (nn.init.uniform_, nn.init.normal_, nn.init.xavier_uniform_, nn.init.xavier_normal_,
               nn.init.kaiming_uniform_, nn.init.kaiming_normal_, nn.init.trunc_normal_, nn.init.orthogonal_,
               nn.init.zeros_, nn.init.ones_, nn.init.eye_):
        out = fn(lin.weight)
        assert out is lin.weight and out.grad_fn is None and out.is_leaf and out.requires_grad


def test_deprecated_aliases_warn_futurewarning():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        nn.init.xavier_uniform(torch.empty(2, 3))
    assert [(w.category, str(w.message)) for w in caught] == [
        (FutureWarning, "`nn.init.xavier_uniform` is now deprecated in favor of `nn.init.xavier_uniform_`.")]


def test_embedding_padding_row_gets_no_gradient():
    torch.manual_seed(0)
    emb = nn.Embedding(5, 2, padding_idx=1)
    assert torch.equal(emb.weight[1], torch.zeros(2))
    out = emb(torch.tensor([[1, 3], [1, 1]]))
    assert out.shape == (2, 2, 2)
    out.sum().backward()
    assert emb.weight.grad.tolist() == [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [0.0, 0.0]]
