"""Tensor factories and the random API against PyTorch 2.13's recorded behaviour.

``creation_cases.json`` holds ~950 snippets recorded under PyTorch (values as bytes or SHA-256,
dtypes, shapes, exception types and messages, warnings): tensor() dtype inference and errors, legacy
constructors, zeros/ones/full/empty/eye/arange/linspace/logspace, ``*_like``, every random factory and
Tensor random method with ``generator=``, torch.normal's forms, bernoulli, multinomial, Generator
states. The tests below add what a snippet cannot show: the generator state after a bad call, memory
sharing, pickling. (The scalar-with-grad warning is tested in tests/test_tensor.py.)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import numtorch as torch
from tests.oracle_cases import ORACLE_PYTHON, compare, load_cases, record

CASES_PATH = Path(__file__).with_name("creation_cases.json")
CASES = load_cases(CASES_PATH)
GROUPS = sorted({c["group"] for c in CASES})


@pytest.mark.parametrize("group", GROUPS)
def test_matches_pytorch(group):
    """Every recorded snippet of the group gives PyTorch's outcome under numtorch."""
    cases = [c for c in CASES if c["group"] == group]
    failures = compare(cases)
    assert not failures, f"{len(failures)} of {len(cases)} differ:\n" + "\n".join(failures[:15])


@pytest.mark.skipif(not ORACLE_PYTHON.exists(), reason="no PyTorch oracle at ~/.oracle/bin/python")
def test_recording_is_current():
    """The live PyTorch still gives the recorded outcomes (the JSON is not stale)."""
    fresh = record([c["code"] for c in CASES])
    stale = [c["code"] for c, f in zip(CASES, fresh) if f != c["expect"]]
    assert not stale, f"{len(stale)} recorded outcomes differ from the live oracle, e.g. {stale[:5]}"


# --- bad input: PyTorch's error, generator untouched -------------------------------------------------------
BAD_CALLS = [
    (lambda g: torch.rand(-1, generator=g), RuntimeError, "Trying to create tensor with negative dimension -1: [-1]"),
    (lambda g: torch.randn(2, -3, generator=g), RuntimeError,
     "Trying to create tensor with negative dimension -3: [2, -3]"),
    (lambda g: torch.randint(0, 5, (-1,), generator=g), RuntimeError,
     "Trying to create tensor with negative dimension -1: [-1]"),
    (lambda g: torch.randperm(-1, generator=g), RuntimeError,
     "Trying to create tensor with negative dimension -1: [-1]"),
    (lambda g: torch.randint(5, 5, (3,), generator=g), RuntimeError,
     "random_ expects 'from' to be less than 'to', but got from=5 >= to=5"),
    (lambda g: torch.randint(6, 5, (3,), generator=g), RuntimeError,
     "random_ expects 'from' to be less than 'to', but got from=6 >= to=5"),
    (lambda g: torch.empty(3).random_(5, 3, generator=g), RuntimeError,
     "random_ expects 'from' to be less than 'to', but got from=5 >= to=3"),
    (lambda g: torch.empty(3).bernoulli_(1.5, generator=g), RuntimeError,
     "bernoulli_ expects p to be in [0, 1], but got p=1.5"),
    (lambda g: torch.empty(3).bernoulli_(-0.5, generator=g), RuntimeError,
     "bernoulli_ expects p to be in [0, 1], but got p=-0.5"),
    (lambda g: torch.bernoulli(torch.full((3,), 1.5), generator=g), RuntimeError,
     "Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message be improved?  "
     "If so, please report an enhancement request to PyTorch.)"),
    (lambda g: torch.empty(3).uniform_(2, 1, generator=g), RuntimeError,
     "uniform_ expects to return a [from, to) range, but found from=2 > to=1"),
    (lambda g: torch.empty(3).normal_(0, -1, generator=g), RuntimeError,
     "normal expects std >= 0.0, but found std -1"),
    (lambda g: torch.normal(torch.zeros(3), -torch.ones(3), generator=g), RuntimeError,
     "normal expects all elements of std >= 0.0"),
    (lambda g: torch.empty(3).exponential_(0, generator=g), RuntimeError,
     "exponential_ expects lambda > 0.0, but found lambda=0"),
    (lambda g: torch.multinomial(torch.tensor([1.0, -1.0]), 1, generator=g), RuntimeError,
     "probability tensor contains either `inf`, `nan` or element < 0"),
    (lambda g: torch.multinomial(torch.tensor([0.0, 0.0]), 2, True, generator=g), RuntimeError,
     "invalid multinomial distribution (sum of probabilities <= 0)"),
    (lambda g: torch.multinomial(torch.ones(2), 3, generator=g), RuntimeError,
     "cannot sample n_sample > prob_dist.size(-1) samples without replacement"),
    (lambda g: g.set_state(torch.zeros(10, dtype=torch.uint8)), RuntimeError,
     "Expected a CPUGeneratorImplState of size 5056 but found the input RNG state size to be 10"),
    (lambda g: g.set_state(torch.zeros(5056, dtype=torch.uint8)), RuntimeError, "Invalid mt19937 state"),
    (lambda g: g.set_state(torch.zeros(5056)), TypeError, "RNG state must be a torch.ByteTensor"),
    (lambda g: g.set_state(np.zeros(5056, dtype=np.uint8)), TypeError,
     "expected a torch.ByteTensor, but got numpy.ndarray"),
]


@pytest.mark.parametrize("call, exc, message", BAD_CALLS)
def test_bad_input_leaves_generator_unchanged(call, exc, message):
    g = torch.Generator().manual_seed(11)
    torch.randn(1, generator=g)  # a non-trivial state, with a cached Box-Muller sine
    before = g.get_state()
    with pytest.raises(exc) as info:
        call(g)
    assert str(info.value) == message
    assert torch.equal(g.get_state(), before)


def test_bad_set_rng_state_leaves_default_generator_unchanged():
    torch.manual_seed(3)
    torch.randn(1)
    before = torch.get_rng_state()
    with pytest.raises(RuntimeError, match="Expected a CPUGeneratorImplState of size 5056"):
        torch.set_rng_state(torch.zeros(5055, dtype=torch.uint8))
    assert torch.equal(torch.get_rng_state(), before)


def test_rng_state_round_trip_keeps_cached_normal():
    torch.manual_seed(7)
    torch.randn(1)  # leaves the sine of the Box-Muller pair cached
    state = torch.get_rng_state()
    a = torch.randn(5)
    torch.set_rng_state(state)
    assert torch.equal(torch.randn(5), a)


def test_generator_argument_is_independent_of_default_stream():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(123)
    torch.rand(4, generator=g)
    torch.randn(20, generator=g)
    torch.empty(5).normal_(generator=g)
    torch.multinomial(torch.ones(4), 2, generator=g)
    assert torch.equal(torch.rand(3), expected)


def test_default_generator_is_a_generator():
    assert isinstance(torch.default_generator, torch.Generator)
    assert torch.manual_seed(5) is torch.default_generator
    assert torch.initial_seed() == 5
    assert torch.Generator().initial_seed() == 67280421310721
    s = torch.seed()
    assert torch.initial_seed() == s and 0 <= s < 2**64


# --- memory sharing ----------------------------------------------------------------------------------------
def test_from_numpy_and_as_tensor_share_memory_tensor_copies():
    a = np.array([1.0, 2.0])
    shared, viewed, copied = torch.from_numpy(a), torch.as_tensor(a), torch.tensor(a)
    a[0] = 5.0
    assert shared[0].item() == 5.0 and viewed[0].item() == 5.0 and copied[0].item() == 1.0
    shared[1] = 7.0
    assert a[1] == 7.0
    converted = torch.as_tensor(a, dtype=torch.float32)  # another dtype: a copy
    a[0] = 9.0
    assert converted[0].item() == 5.0
    t = torch.tensor([1.0, 2.0])
    assert torch.as_tensor(t) is t


def test_generator_pickles_and_deep_copies_with_its_state():
    import copy
    import pickle

    g = torch.Generator().manual_seed(3)
    torch.randn(1, generator=g)  # cached normal travels with the state too
    for clone in (pickle.loads(pickle.dumps(g)), copy.deepcopy(g), g.clone_state()):
        assert isinstance(clone, torch.Generator) and clone is not g
        assert torch.equal(clone.get_state(), g.get_state())
    a = pickle.loads(pickle.dumps(g))
    assert torch.equal(torch.randn(3, generator=a), torch.randn(3, generator=g))
