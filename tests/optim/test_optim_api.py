"""Optimizer API against PyTorch 2.13: error messages, warnings, print(optimizer), state_dict layout, hooks.

fixtures/errors.json and fixtures/reprs.json hold PyTorch's results for the scenarios in optim_cases; the rest
checks numtorch-specific promises (in-place updates under no_grad, version counters, failed calls that leave
the optimizer untouched).
"""

import copy
import json
import os
import sys
import warnings

import numpy as np
import pytest

import numtorch
import numtorch.optim as optim

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import optim_cases as oc  # noqa: E402
from optim_compare import ATOL, RTOL, compare, normalise  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "fixtures", "errors.json")) as f:
    EXPECTED_ERRORS = json.load(f)
with open(os.path.join(HERE, "fixtures", "reprs.json")) as f:
    EXPECTED_REPRS = json.load(f)


@pytest.fixture(scope="module")
def errors():
    return normalise(oc.run_errors(numtorch))


@pytest.mark.parametrize("name", sorted(EXPECTED_ERRORS))
def test_errors_and_warnings(errors, name):
    """Exception type and message exactly as PyTorch's (and the optimizer's state after a failed call)."""
    diffs = compare(EXPECTED_ERRORS[name], errors[name], name, RTOL, ATOL)
    assert not diffs, diffs[:5]


@pytest.fixture(scope="module")
def reprs():
    return normalise(oc.run_reprs(numtorch))


@pytest.mark.parametrize("name", sorted(EXPECTED_REPRS))
def test_print_optimizer(reprs, name):
    assert reprs[name]["repr"] == EXPECTED_REPRS[name]["repr"]


@pytest.mark.parametrize("name", sorted(EXPECTED_REPRS))
def test_state_dict_layout(reprs, name):
    """Keys, key order, value types (step counters are 0-d float32 tensors) and values after one step."""
    diffs = compare(EXPECTED_REPRS[name]["state_dict"], reprs[name]["state_dict"], name, RTOL, ATOL)
    assert not diffs, diffs[:5]


@pytest.mark.parametrize("name", sorted(EXPECTED_REPRS))
def test_print_state_dict(reprs, name):
    assert reprs[name]["state_dict_str"] == EXPECTED_REPRS[name]["state_dict_str"]


# -- numtorch-side promises --------------------------------------------------------------------------------
def _param(values=(1.0, -2.0)):
    return numtorch.tensor(list(values), requires_grad=True)


ALL = [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", {}), ("AdamW", {}), ("RMSprop", dict(centered=True)),
       ("Adagrad", {}), ("Adadelta", {}), ("Adamax", {}), ("NAdam", {}), ("RAdam", {})]


@pytest.mark.parametrize("name,kwargs", ALL)
def test_step_updates_in_place_without_graph(name, kwargs):
    p = _param()
    data, version = p._data, p._version
    opt = getattr(optim, name)([p], **kwargs)
    (p * p).sum().backward()
    with numtorch.enable_grad():
        opt.step()
    assert p._data is data  # updated in place: views and references see the new values
    assert p._version == version + 1
    assert p.is_leaf and p.grad_fn is None and p.requires_grad
    assert not np.array_equal(p.detach().numpy(), [1.0, -2.0])


@pytest.mark.parametrize("name,kwargs", ALL)
def test_parameters_without_grad_are_skipped(name, kwargs):
    p, q = _param(), _param((3.0,))
    opt = getattr(optim, name)([p, q], **kwargs)
    p.grad = numtorch.tensor([0.5, 0.5])
    opt.step()
    assert q.tolist() == [3.0] and q._version == 0
    assert name == "Adagrad" or q not in opt.state  # Adagrad creates all state up front, like PyTorch


def test_closure_runs_with_grad_enabled_and_returns_loss():
    p = _param()
    opt = optim.Adam([p], lr=0.1)
    seen = []

    def closure():
        seen.append(numtorch.is_grad_enabled())
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with numtorch.no_grad():
        loss = opt.step(closure)
    assert seen == [True] and float(loss.detach()) == 5.0


def test_lbfgs_converges_on_quadratic():
    p = _param((3.0, -4.0))
    opt = optim.LBFGS([p], line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = ((p - numtorch.tensor([1.0, 2.0])) ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    assert np.allclose(p.detach().numpy(), [1.0, 2.0], atol=1e-5)
    st = opt.state[p]
    assert st["n_iter"] >= 1 and st["func_evals"] >= st["n_iter"]


def test_failed_add_param_group_changes_nothing():
    a, b = _param(), _param((5.0,))
    opt = optim.SGD([a], lr=0.1)
    before = repr(opt)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": [b, a]})
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        opt.add_param_group({"params": [b * 2]})
    assert repr(opt) == before and len(opt.param_groups) == 1


def test_failed_load_state_dict_changes_nothing():
    a, b = _param(), _param((5.0,))
    opt = optim.Adam([a, b], lr=0.1)
    a.grad, b.grad = numtorch.ones(2), numtorch.ones(1)
    opt.step()
    before = copy.deepcopy(normalise(oc.ser(opt.state_dict(), numtorch)))
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt.load_state_dict(optim.Adam([{"params": [a]}, {"params": [b]}], lr=0.5).state_dict())
    with pytest.raises(ValueError, match="doesn't match the size"):
        opt.load_state_dict(optim.Adam([a], lr=0.5).state_dict())
    assert normalise(oc.ser(opt.state_dict(), numtorch)) == before


def test_load_state_dict_casts_state_to_param_dtype_but_keeps_step():
    a = numtorch.tensor([1.0, 2.0], dtype=numtorch.float64, requires_grad=True)
    src = _param()
    opt = optim.Adam([src])
    src.grad = numtorch.ones(2)
    opt.step()
    dst = optim.Adam([a])
    dst.load_state_dict(opt.state_dict())
    st = dst.state[a]
    assert st["exp_avg"].dtype == numtorch.float64
    assert st["step"].dtype == numtorch.float32 and st["step"].item() == 1.0
    a.grad = numtorch.ones(2, dtype=numtorch.float64)
    dst.step()
    assert a.dtype == numtorch.float64 and st["step"].item() == 2.0


def test_zero_grad_set_to_none_false_keeps_tensor():
    p = _param()
    opt = optim.SGD([p], lr=0.1)
    (p * 3).sum().backward()
    g = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is g and p.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert p.grad is None


def test_step_and_state_dict_hooks():
    p = _param()
    opt = optim.SGD([p], lr=0.1)
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append("pre"))
    h2 = opt.register_step_post_hook(lambda o, args, kwargs: calls.append("post"))
    hg = optim.register_optimizer_step_pre_hook(lambda o, args, kwargs: calls.append("global"))
    p.grad = numtorch.ones(2)
    opt.step()
    assert calls == ["global", "pre", "post"]
    for h in (h1, h2, hg):
        h.remove()
    opt.step()
    assert calls == ["global", "pre", "post"]
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    assert opt.state_dict()["extra"] == 1
    loaded = []
    opt.register_load_state_dict_post_hook(lambda o: loaded.append(True))
    opt.load_state_dict(opt.state_dict())
    assert loaded == [True]


def test_differentiable_is_refused():
    p = _param()
    opt = optim.SGD([p], lr=0.1, differentiable=True)
    p.grad = numtorch.ones(2)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        opt.step()


def test_fused_and_foreach_run_the_single_tensor_algorithm():
    results = []
    for flags in [{}, {"foreach": True}, {"fused": True}]:
        p = _param()
        opt = optim.Adam([p], lr=0.1, **flags)
        for _ in range(3):
            p.grad = p.detach() * 2
            opt.step()
        results.append(p.tolist())
    assert results[0] == results[1] == results[2]


def test_tensor_lr():
    p = _param()
    opt = optim.SGD([p], lr=numtorch.tensor(0.5))
    p.grad = numtorch.ones(2)
    opt.step()
    assert p.tolist() == [0.5, -2.5]
    with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
        optim.Adam([p], lr=numtorch.tensor([0.1, 0.2]))


def test_duplicate_parameter_warning():
    p = _param()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        optim.SGD([p, p], lr=0.1)
    assert [str(w.message) for w in caught] == [
        "optimizer contains a parameter group with duplicate parameters; in future, this will cause an error; "
        "see github.com/pytorch/pytorch/issues/40967 for more information"
    ]


def test_scheduler_step_before_optimizer_step_warns():
    opt = optim.SGD([_param()], lr=0.1)
    sched = optim.lr_scheduler.ExponentialLR(opt, 0.5)
    with pytest.warns(UserWarning, match=r"Detected call of `lr_scheduler.step\(\)` before `optimizer.step\(\)`"):
        sched.step()


def _require_serialization():
    if not hasattr(numtorch, "save"):
        pytest.skip("numtorch.save/load not available")


def test_save_load_roundtrip_resumes_identically():
    import io

    _require_serialization()
    name = "adam_amsgrad_wd"
    straight = normalise(oc.run_trajectory(numtorch, name))
    params = [numtorch.tensor(a.copy(), requires_grad=True) for a in oc.INIT]
    opt = oc.make_optimizer(numtorch, name, params)
    traj = []
    for step in range(oc.STEPS):
        if step == 7:
            buf = io.BytesIO()
            numtorch.save({"opt": opt.state_dict(), "params": [p.detach() for p in params]}, buf)
            buf.seek(0)
            ckpt = numtorch.load(buf)
            params = [numtorch.tensor(t.numpy().copy(), requires_grad=True) for t in ckpt["params"]]
            opt = oc.make_optimizer(numtorch, name, params)
            opt.load_state_dict(ckpt["opt"])
        opt.zero_grad()
        oc._set_grads(numtorch, params, step, oc.CONFIGS[name][3])
        opt.step()
        traj.append(oc.flat(params))
    assert traj == straight["traj"]


def test_golden_adam_checkpoint_layout_and_resume():
    """PyTorch's own Adam state_dict (../shared/golden/checkpoints) has numtorch's layout and loads into it."""
    sys.path.insert(0, os.path.dirname(HERE))
    from golden import golden_path

    path = golden_path("checkpoints", "adam_state_dict.pt")
    _require_serialization()
    golden = numtorch.load(str(path))
    params = [numtorch.zeros(*s, requires_grad=True) for s in [(3, 4), (3,), (2, 3), (2,)]]
    mine = optim.Adam(params, lr=0.01)
    for _ in range(3):
        for p in params:
            p.grad = numtorch.ones(*p.shape)
        mine.step()
    sd = mine.state_dict()
    assert sd["param_groups"] == golden["param_groups"]
    assert list(sd["state"]) == list(golden["state"])
    for k in sd["state"]:
        assert list(sd["state"][k]) == list(golden["state"][k])
        for key, value in sd["state"][k].items():
            assert (value.dtype, value.shape) == (golden["state"][k][key].dtype, golden["state"][k][key].shape)
    fresh = optim.Adam([numtorch.zeros(*p.shape, requires_grad=True) for p in params], lr=0.5)
    fresh.load_state_dict(golden)
    assert fresh.param_groups[0]["lr"] == 0.01
    for p in fresh.param_groups[0]["params"]:
        p.grad = numtorch.ones(*p.shape)
    fresh.step()
    assert all(st["step"].item() == 4.0 for st in fresh.state.values())
