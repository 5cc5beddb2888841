"""Optimizer and scheduler scenarios that run unchanged under PyTorch and numtorch (``run_*(torch)``).

``make_fixtures.py`` runs them with PyTorch 2.13 and stores the results in ``fixtures/*.json``; the tests run
them with numtorch and compare. Results are plain JSON data: tensors as ``{"tensor": dtype, "shape", "values"}``.

The trajectory problem is deliberately computed outside autograd, in NumPy float64 rounded once to float32,
so that both frameworks see bit-identical gradients and only the optimizers' own arithmetic is compared:
    f(x) = 1/2 x.A.x - c.x + 1/8 sum(x**4),   grad f = A x - c + 1/2 x**3
over two parameters of shapes (2, 3) and (4,) (x is their concatenation). A, c and the initial values are
small binary fractions, exact in float32 and float64.
"""

from __future__ import annotations

import warnings

import numpy as np

F32, F64 = np.float32, np.float64
STEPS = 20
SHAPES = [(2, 3), (4,)]


def _matrix() -> np.ndarray:
    n = 10
    m = np.array([[((3 * i + 5 * j) % 7 - 3) / 8 for j in range(n)] for i in range(n)])
    return m @ m.T / 4 + 0.5 * np.eye(n)


A = _matrix()
C = np.array([((2 * i) % 5 - 2) / 4 for i in range(10)])
INIT = [(((np.arange(6) * 7) % 11 - 5) / 8).reshape(2, 3).astype(F32), (((np.arange(4) * 3) % 7 - 3) / 4).astype(F32)]


def problem(arrays):
    """(loss, [grad per array]) of f at the float32 ``arrays``, computed in float64 and rounded to float32."""
    x = np.concatenate([np.asarray(a, dtype=F64).reshape(-1) for a in arrays])
    g = A @ x - C + 0.5 * x**3
    loss = 0.5 * x @ A @ x - C @ x + 0.125 * np.sum(x**4)
    grads, off = [], 0
    for a in arrays:
        n = int(np.prod(np.shape(a)))
        grads.append(g[off:off + n].reshape(np.shape(a)).astype(F32))
        off += n
    return F32(loss), grads


# -- serialisation ---------------------------------------------------------------------------------------
def ser(v, torch):
    """JSON form of a value keeping its type: scalars as themselves (JSON tells 1 from 1.0), lists as lists,
    tuples as ``{"tuple": [...]}``, dicts as ``{"dict": [[repr(key), value], ...]}`` (key order and key types
    kept), tensors as ``{"tensor": dtype, "shape", "values"}``, anything else as ``{"type": name}``."""
    if isinstance(v, torch.Tensor):
        return {"tensor": str(v.dtype), "shape": list(v.shape), "values": v.detach().reshape(-1).tolist()}
    if isinstance(v, dict):
        return {"dict": [[repr(k), ser(x, torch)] for k, x in v.items()]}
    if isinstance(v, tuple):
        return {"tuple": [ser(x, torch) for x in v]}
    if isinstance(v, list):
        return [ser(x, torch) for x in v]
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return {"type": type(v).__name__}


def flat(params) -> list:
    return [float(x) for p in params for x in p.detach().reshape(-1).tolist()]


# -- optimizer trajectories ------------------------------------------------------------------------------
# name -> (optimizer class name, constructor kwargs, groups or None, extra options)
# groups: list of (param indices, group options); extra: "skip": drop the 2nd parameter's grad on steps
# where step % skip == skip - 1; "steps": number of steps; "autograd": use a separable quadratic via backward.
CONFIGS = {
    "sgd": ("SGD", dict(lr=0.1), None, {}),
    "sgd_momentum": ("SGD", dict(lr=0.05, momentum=0.9), None, {"skip": 3}),
    "sgd_dampening_wd": ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01), None, {}),
    "sgd_nesterov": ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.02), None, {}),
    "sgd_maximize": ("SGD", dict(lr=0.01, momentum=0.5, maximize=True), None, {}),
    "sgd_groups": ("SGD", dict(lr=0.05), [([0], dict(momentum=0.9)), ([1], dict(lr=0.1, weight_decay=0.1))], {}),
    "sgd_autograd": ("SGD", dict(lr=0.05, momentum=0.8), None, {"autograd": True}),
    "adam": ("Adam", dict(lr=0.05), None, {}),
    "adam_amsgrad_wd": ("Adam", dict(lr=0.05, amsgrad=True, weight_decay=0.1), None, {"skip": 4}),
    "adam_maximize": ("Adam", dict(lr=0.01, betas=(0.8, 0.99), maximize=True), None, {}),
    "adam_decoupled": ("Adam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True), None, {}),
    "adam_groups": ("Adam", dict(lr=0.05), [([0], {}), ([1], dict(lr=0.01, betas=(0.5, 0.9), eps=1e-6))], {}),
    "adam_autograd": ("Adam", dict(lr=0.05), None, {"autograd": True}),
    "adamw": ("AdamW", dict(lr=0.05), None, {}),
    "adamw_amsgrad": ("AdamW", dict(lr=0.05, weight_decay=0.2, amsgrad=True), None, {}),
    "rmsprop": ("RMSprop", dict(lr=0.01), None, {}),
    "rmsprop_centered_momentum": ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.05), None,
                                  {}),
    "rmsprop_centered_maximize": ("RMSprop", dict(lr=0.005, alpha=0.9, centered=True, maximize=True), None, {}),
    "adagrad": ("Adagrad", dict(lr=0.1), None, {}),
    "adagrad_decay": ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.1),
                      None, {"skip": 3}),
    "adadelta": ("Adadelta", dict(), None, {}),
    "adadelta_wd": ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.1, maximize=True), None, {}),
    "adamax": ("Adamax", dict(lr=0.05), None, {}),
    "adamax_wd": ("Adamax", dict(lr=0.05, betas=(0.8, 0.99), weight_decay=0.1), None, {}),
    "nadam": ("NAdam", dict(lr=0.05), None, {}),
    "nadam_decoupled": ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True,
                                      momentum_decay=0.01), None, {}),
    "nadam_wd_maximize": ("NAdam", dict(lr=0.01, weight_decay=0.05, maximize=True), None, {}),
    "radam": ("RAdam", dict(lr=0.05), None, {}),
    "radam_decoupled": ("RAdam", dict(lr=0.05, betas=(0.9, 0.9), weight_decay=0.1, decoupled_weight_decay=True),
                        None, {}),
    "radam_wd": ("RAdam", dict(lr=0.05, weight_decay=0.1), [([0], {}), ([1], dict(betas=(0.8, 0.95)))], {}),
    "lbfgs": ("LBFGS", dict(lr=0.5, max_iter=3, history_size=4), None, {"steps": 6}),
    "lbfgs_strong_wolfe": ("LBFGS", dict(lr=1, max_iter=3, history_size=3, line_search_fn="strong_wolfe"), None,
                           {"steps": 4}),
}

# The autograd variant: f(p) = sum(S * (p - T)**2) per parameter, whose gradient 2 S (p - T) rounds the same way
# in any framework (the factor 2 is exact).
T_AUTO = [np.full((2, 3), 0.25, F32), np.array([0.5, -0.5, 1.0, 0.0], F32)]
S_AUTO = [np.array([[1.0, 0.5, 0.25], [2.0, 0.75, 1.5]], F32), np.array([0.5, 1.0, 1.25, 0.125], F32)]


def make_optimizer(torch, name: str, params):
    cls_name, kwargs, groups, _ = CONFIGS[name]
    cls = getattr(torch.optim, cls_name)
    if groups is None:
        return cls(params, **kwargs)
    return cls([dict(params=[params[i] for i in idx], **opts) for idx, opts in groups], **kwargs)


def _set_grads(torch, params, step: int, extra: dict):
    if extra.get("autograd"):
        loss = 0
        for p, t, s in zip(params, T_AUTO, S_AUTO):
            loss = loss + (torch.tensor(s) * (p - torch.tensor(t)) ** 2).sum()
        loss.backward()
        return loss
    loss, grads = problem([p.detach().numpy() for p in params])
    for i, (p, g) in enumerate(zip(params, grads)):
        skip = extra.get("skip")
        if i == 1 and skip and step % skip == skip - 1:
            continue  # no gradient for this parameter: the optimizer must leave it (and its state) alone
        p.grad = torch.tensor(g)
    return torch.tensor(float(loss))


def run_trajectory(torch, name: str, steps: int | None = None, resume_at: int | None = None) -> dict:
    """Parameters after each step, the final state_dict and ``repr(optimizer)``.

    With ``resume_at``, the run is interrupted after that many steps: a fresh optimizer over fresh parameters
    is loaded from a deep copy of ``state_dict()`` and carries on.
    """
    import copy

    extra = CONFIGS[name][3]
    steps = steps or extra.get("steps", STEPS)
    params = [torch.tensor(a.copy(), requires_grad=True) for a in INIT]
    opt = make_optimizer(torch, name, params)
    traj, losses = [], []
    for step in range(steps):
        if resume_at is not None and step == resume_at:
            saved = copy.deepcopy(opt.state_dict())
            params = [torch.tensor(p.detach().numpy().copy(), requires_grad=True) for p in params]
            opt = make_optimizer(torch, name, params)
            opt.load_state_dict(saved)
        if CONFIGS[name][0] == "LBFGS":
            def closure(opt=opt, params=params):
                opt.zero_grad()
                return _set_grads(torch, params, 0, extra)

            losses.append(float(opt.step(closure)))
        else:
            opt.zero_grad()
            _set_grads(torch, params, step, extra)
            opt.step()
        traj.append(flat(params))
    return {"traj": traj, "losses": losses, "state_dict": ser(opt.state_dict(), torch), "repr": repr(opt)}


def run_trajectories(torch) -> dict:
    return {name: run_trajectory(torch, name) for name in CONFIGS}


# -- a small MLP through autograd (gradients differ in the last bits: matmul/tanh are not bit-identical) ----
def run_mlp(torch) -> dict:
    x = torch.tensor((((np.arange(15) * 5) % 9 - 4) / 4).reshape(5, 3).astype(F32))
    y = torch.tensor((((np.arange(5) * 3) % 5 - 2) / 2).reshape(5, 1).astype(F32))
    init = [(((np.arange(12) * 7) % 13 - 6) / 10).reshape(4, 3), np.array([0.1, -0.2, 0.0, 0.3]),
            (((np.arange(4) * 3) % 5 - 2) / 5).reshape(1, 4), np.array([0.05])]
    out = {}
    for cls_name, kwargs in [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.02)),
                             ("RMSprop", dict(lr=0.01, centered=True)), ("AdamW", dict(lr=0.02, amsgrad=True))]:
        w1, b1, w2, b2 = (torch.tensor(a.astype(F32), requires_grad=True) for a in init)
        opt = getattr(torch.optim, cls_name)([w1, b1, w2, b2], **kwargs)
        traj = []
        for _ in range(STEPS):
            opt.zero_grad()
            h = torch.tanh(x @ w1.t() + b1)
            loss = ((h @ w2.t() + b2 - y) ** 2).mean()
            loss.backward()
            opt.step()
            traj.append(flat([w1, b1, w2, b2]) + [loss.item()])
        out[cls_name] = traj
    return out


# -- schedulers ------------------------------------------------------------------------------------------
def _sched_cases(torch):
    S = torch.optim.lr_scheduler
    return {
        "StepLR": (dict(momentum=0.9), lambda o: S.StepLR(o, step_size=7, gamma=0.5)),
        "MultiStepLR": (dict(), lambda o: S.MultiStepLR(o, milestones=[5, 12, 12, 20], gamma=0.3)),
        "ExponentialLR": (dict(), lambda o: S.ExponentialLR(o, gamma=0.9)),
        "CosineAnnealingLR": (dict(), lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001)),
        "CosineAnnealingWarmRestarts": (dict(), lambda o: S.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2,
                                                                                         eta_min=0.01)),
        "LambdaLR": (dict(), lambda o: S.LambdaLR(o, [lambda e: 0.95**e, lambda e: 1.0 / (e + 1)])),
        "MultiplicativeLR": (dict(), lambda o: S.MultiplicativeLR(o, lambda e: 0.97)),
        "LinearLR": (dict(), lambda o: S.LinearLR(o, start_factor=0.25, total_iters=8)),
        "ConstantLR": (dict(), lambda o: S.ConstantLR(o, factor=0.5, total_iters=4)),
        "PolynomialLR": (dict(), lambda o: S.PolynomialLR(o, total_iters=20, power=2.0)),
        "OneCycleLR": (dict(momentum=0.9), lambda o: S.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=30)),
        "OneCycleLR_adam_3phase": ("adam", lambda o: S.OneCycleLR(o, max_lr=0.3, epochs=6, steps_per_epoch=5,
                                                                    anneal_strategy="linear", three_phase=True)),
        "CyclicLR": (dict(momentum=0.9), lambda o: S.CyclicLR(o, base_lr=0.01, max_lr=[0.1, 0.2], step_size_up=4,
                                                             step_size_down=6, mode="triangular2")),
        "CyclicLR_adam_exp_range": ("adam", lambda o: S.CyclicLR(o, base_lr=0.001, max_lr=0.01, step_size_up=3,
                                                                   mode="exp_range", gamma=0.95)),
        "CyclicLR_no_momentum": (dict(), lambda o: S.CyclicLR(o, base_lr=0.01, max_lr=0.05, step_size_up=5,
                                                             cycle_momentum=False)),
        "SequentialLR": (dict(), lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=5),
                                                               S.ExponentialLR(o, gamma=0.9)], milestones=[5])),
        "SequentialLR_3": (dict(), lambda o: S.SequentialLR(o, [S.ConstantLR(o, factor=0.5, total_iters=3),
                                                                 S.CosineAnnealingLR(o, T_max=8),
                                                                 S.StepLR(o, step_size=4, gamma=0.5)],
                                                             milestones=[4, 14])),
        "ChainedScheduler": (dict(), lambda o: S.ChainedScheduler([S.ConstantLR(o, factor=0.1, total_iters=2),
                                                                   S.ExponentialLR(o, gamma=0.9)])),
        "ReduceLROnPlateau": (dict(), lambda o: S.ReduceLROnPlateau(o, factor=0.5, patience=2, cooldown=1,
                                                                    threshold=0.01, min_lr=[0.0, 0.004])),
        "ReduceLROnPlateau_max_abs": (dict(), lambda o: S.ReduceLROnPlateau(o, mode="max", factor=0.3, patience=1,
                                                                            threshold=0.1, threshold_mode="abs")),
    }


METRICS = [1.0, 0.9, 0.85, 0.86, 0.84, 0.845, 0.85, 0.7, 0.71, 0.72, 0.73, 0.69, 0.69, 0.70, 0.5, 0.51, 0.52,
           0.53, 0.54, 0.55, 0.3, 0.31, 0.32, 0.33, 0.34, 0.35, 0.36, 0.2, 0.21, 0.22]


def _json_state(sd: dict, torch) -> dict:
    """A scheduler state_dict with callables replaced by their type name (they cannot be compared)."""
    out = {}
    for k, v in sd.items():
        if k == "_schedulers":
            out[k] = [_json_state(s, torch) for s in v]
        elif callable(v) and not isinstance(v, (list, dict)):
            out[k] = {"type": "callable"}
        else:
            out[k] = ser(v, torch)
    return out


def run_scheduler(torch, name: str, steps: int = 30) -> dict:
    """lr (and momentum/betas) of both param groups after each of ``steps`` epochs, plus the final state."""
    opt_kind, make = _sched_cases(torch)[name]
    p1 = torch.tensor([1.0, 2.0], requires_grad=True)
    p2 = torch.tensor([3.0], requires_grad=True)
    if opt_kind == "adam":
        opt = torch.optim.Adam([{"params": [p1]}, {"params": [p2], "lr": 0.01}], lr=0.1)
    else:
        opt = torch.optim.SGD([{"params": [p1]}, {"params": [p2], "lr": 0.01}], lr=0.1, **opt_kind)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sched = make(opt)

        def snapshot():
            # [last_lr per group, momentum (or beta1) per group], plus the groups' lrs should they differ
            momentum = [g["betas"][0] if "betas" in g else g.get("momentum") for g in opt.param_groups]
            last, lrs = list(sched.get_last_lr()), [g["lr"] for g in opt.param_groups]
            return [last, momentum] + ([] if lrs == last else [lrs])

        seq = [snapshot()]
        for epoch in range(steps):
            opt.step()
            if name.startswith("ReduceLROnPlateau"):
                sched.step(METRICS[epoch])
            else:
                sched.step()
            seq.append(snapshot())
    return {"seq": seq, "state_dict": _json_state(sched.state_dict(), torch),
            "group_keys": [sorted(g.keys()) for g in opt.param_groups],
            "warnings": [str(w.message) for w in caught], "repr": repr(opt)}


def run_schedulers(torch) -> dict:
    return {name: run_scheduler(torch, name) for name in _sched_cases(torch)}


def run_scheduler_extras(torch) -> dict:
    """Warnings, the deprecated ``step(epoch)``, ``last_epoch`` resumption and state_dict round trips."""
    S = torch.optim.lr_scheduler
    out = {}

    def sgd(lr=0.1, **kw):
        return torch.optim.SGD([torch.tensor([1.0], requires_grad=True)], lr=lr, **kw)

    def record(fn):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            value = fn()
        return {"value": ser(value, torch), "warnings": [f"{w.category.__name__}: {w.message}" for w in caught]}

    def step_before_opt():
        opt = sgd()
        s = S.StepLR(opt, 2)
        s.step()
        return s.get_last_lr()

    out["scheduler_step_before_optimizer_step"] = record(step_before_opt)

    def get_lr_directly():
        s = S.ExponentialLR(sgd(), 0.5)
        return s.get_lr()

    out["get_lr_called_directly"] = record(get_lr_directly)

    def epoch_arg():
        opt = sgd()
        s = S.StepLR(opt, step_size=3, gamma=0.5)
        lrs = []
        for e in [1, 2, 5, 7, 3]:
            opt.step()
            s.step(e)
            lrs.append(s.get_last_lr()[0])
        return lrs

    out["step_with_epoch"] = record(epoch_arg)

    def closed_forms():
        res = {}
        for nm, mk in [("MultiStepLR", lambda o: S.MultiStepLR(o, [2, 4], 0.5)),
                       ("ConstantLR", lambda o: S.ConstantLR(o, 0.5, 3)),
                       ("LinearLR", lambda o: S.LinearLR(o, 0.5, 1.0, 4)),
                       ("ExponentialLR", lambda o: S.ExponentialLR(o, 0.9)),
                       ("CosineAnnealingLR", lambda o: S.CosineAnnealingLR(o, 6)),
                       ("PolynomialLR", lambda o: S.PolynomialLR(o, 5, 2.0)),
                       ("CosineAnnealingWarmRestarts", lambda o: S.CosineAnnealingWarmRestarts(o, 3, 2))]:
            opt = sgd()
            s = mk(opt)
            lrs = []
            for e in [3, 1, 6, 2.5 if nm == "CosineAnnealingWarmRestarts" else 2, 10]:
                opt.step()
                s.step(e)
                lrs.append(s.get_last_lr()[0])
            res[nm] = lrs
        return res

    out["closed_forms"] = record(closed_forms)

    def resume_last_epoch():
        opt = sgd()
        opt.param_groups[0]["initial_lr"] = 0.2
        s = S.CosineAnnealingLR(opt, T_max=10, last_epoch=4)
        lrs = [s.get_last_lr()[0]]
        for _ in range(3):
            opt.step()
            s.step()
            lrs.append(s.get_last_lr()[0])
        return lrs

    out["resume_last_epoch"] = record(resume_last_epoch)

    def state_roundtrip():
        opt = sgd(momentum=0.9)
        s = S.OneCycleLR(opt, max_lr=1.0, total_steps=20)
        for _ in range(7):
            opt.step()
            s.step()
        sd = s.state_dict()
        opt2 = sgd(momentum=0.9)
        opt2.load_state_dict(opt.state_dict())
        s2 = S.OneCycleLR(opt2, max_lr=1.0, total_steps=20, last_epoch=6)
        s2.load_state_dict(sd)
        lrs = []
        for _ in range(5):
            opt2.step()
            s2.step()
            lrs.append((s2.get_last_lr()[0], opt2.param_groups[0]["momentum"]))
        return lrs

    out["state_roundtrip"] = record(state_roundtrip)

    def tensor_lr():
        opt = torch.optim.SGD([torch.tensor([1.0], requires_grad=True)], lr=torch.tensor(0.1))
        s = S.ExponentialLR(opt, 0.5)
        for _ in range(2):
            opt.step()
            s.step()
        return [opt.param_groups[0]["lr"], s.get_last_lr()[0], opt.param_groups[0]["initial_lr"]]

    out["tensor_lr"] = record(tensor_lr)
    return out


# -- errors and warnings ---------------------------------------------------------------------------------
def run_errors(torch) -> dict:
    """Exception type and message (or warnings) of bad inputs, and what the optimizer looks like afterwards."""
    S = torch.optim.lr_scheduler
    O = torch.optim

    def leaf(n=2):
        return torch.ones(n, requires_grad=True)

    cases = {
        "sgd_lr": lambda: O.SGD([leaf()], lr=-0.1),
        "sgd_momentum": lambda: O.SGD([leaf()], lr=0.1, momentum=-1),
        "sgd_wd": lambda: O.SGD([leaf()], lr=0.1, weight_decay=-0.5),
        "sgd_nesterov": lambda: O.SGD([leaf()], lr=0.1, nesterov=True),
        "sgd_fused_foreach": lambda: O.SGD([leaf()], lr=0.1, fused=True, foreach=True),
        "sgd_tensor_lr_2": lambda: O.SGD([leaf()], lr=torch.tensor([0.1, 0.2])),
        "adam_lr": lambda: O.Adam([leaf()], lr=-0.1),
        "adam_eps": lambda: O.Adam([leaf()], eps=-1e-8),
        "adam_beta0": lambda: O.Adam([leaf()], betas=(1.0, 0.999)),
        "adam_beta1": lambda: O.Adam([leaf()], betas=(0.9, 1.5)),
        "adam_beta_neg": lambda: O.Adam([leaf()], betas=(-0.1, 0.999)),
        "adam_wd": lambda: O.Adam([leaf()], weight_decay=-1),
        "adam_betas_int": lambda: O.Adam([leaf()], betas=(0, 0.999)),
        "adam_fused_differentiable": lambda: O.Adam([leaf()], fused=True, differentiable=True),
        "adamw_beta0": lambda: O.AdamW([leaf()], betas=(1.0, 0.999)),
        "adamw_lr": lambda: O.AdamW([leaf()], lr=-1),
        "rmsprop_alpha": lambda: O.RMSprop([leaf()], alpha=-0.5),
        "rmsprop_momentum": lambda: O.RMSprop([leaf()], momentum=-0.5),
        "rmsprop_eps": lambda: O.RMSprop([leaf()], eps=-0.5),
        "adagrad_lr_decay": lambda: O.Adagrad([leaf()], lr_decay=-1),
        "adagrad_init_acc": lambda: O.Adagrad([leaf()], initial_accumulator_value=-1),
        "adagrad_eps": lambda: O.Adagrad([leaf()], eps=-1),
        "adadelta_rho": lambda: O.Adadelta([leaf()], rho=1.5),
        "adadelta_lr": lambda: O.Adadelta([leaf()], lr=-1.0),
        "adamax_beta1": lambda: O.Adamax([leaf()], betas=(0.9, 1.0)),
        "adamax_eps": lambda: O.Adamax([leaf()], eps=-1.0),
        "nadam_momentum_decay": lambda: O.NAdam([leaf()], momentum_decay=-0.1),
        "nadam_beta0": lambda: O.NAdam([leaf()], betas=(1.5, 0.9)),
        "radam_wd": lambda: O.RAdam([leaf()], weight_decay=-0.1),
        "lbfgs_lr": lambda: O.LBFGS([leaf()], lr=-0.5),
        "lbfgs_groups": lambda: O.LBFGS([{"params": [leaf()]}, {"params": [leaf()]}]),
        "non_leaf": lambda: O.SGD([leaf() * 2], lr=0.1),
        "bare_tensor": lambda: O.SGD(leaf(), lr=0.1),
        "empty": lambda: O.SGD([], lr=0.1),
        "set_of_params": lambda: O.SGD({leaf()}, lr=0.1),
        "not_a_tensor": lambda: O.SGD([leaf(), 3], lr=0.1),
        "not_a_tensor_str": lambda: O.Adam(["weights"]),
        "group_not_dict": lambda: O.SGD([leaf()], lr=0.1).add_param_group([leaf()]),
        "same_param_two_groups": lambda: (lambda p: O.SGD([{"params": [p]}, {"params": [p]}], lr=0.1))(leaf()),
        "missing_names": lambda: O.SGD([("w", leaf()), leaf()], lr=0.1),
        "scheduler_not_optimizer": lambda: S.StepLR(object(), 3),
        "constantlr_factor": lambda: S.ConstantLR(O.SGD([leaf()], lr=0.1), factor=2.0),
        "linearlr_start": lambda: S.LinearLR(O.SGD([leaf()], lr=0.1), start_factor=0.0),
        "linearlr_end": lambda: S.LinearLR(O.SGD([leaf()], lr=0.1), end_factor=1.5),
        "warm_restarts_T0": lambda: S.CosineAnnealingWarmRestarts(O.SGD([leaf()], lr=0.1), T_0=0),
        "warm_restarts_Tmult": lambda: S.CosineAnnealingWarmRestarts(O.SGD([leaf()], lr=0.1), T_0=2, T_mult=0),
        "onecycle_no_steps": lambda: S.OneCycleLR(O.SGD([leaf()], lr=0.1), max_lr=1.0),
        "onecycle_pct": lambda: S.OneCycleLR(O.SGD([leaf()], lr=0.1), max_lr=1.0, total_steps=10, pct_start=2),
        "onecycle_no_momentum": lambda: S.OneCycleLR(O.Adagrad([leaf()]), max_lr=1.0, total_steps=10),
        "cyclic_max_lr_len": lambda: S.CyclicLR(O.SGD([leaf()], lr=0.1, momentum=0.9), 0.01, [0.1, 0.2]),
        "plateau_factor": lambda: S.ReduceLROnPlateau(O.SGD([leaf()], lr=0.1), factor=1.0),
        "plateau_mode": lambda: S.ReduceLROnPlateau(O.SGD([leaf()], lr=0.1), mode="middle"),
        "lambda_count": lambda: S.LambdaLR(O.SGD([leaf()], lr=0.1), [lambda e: 1.0, lambda e: 2.0]),
        "resume_without_initial_lr": lambda: S.StepLR(O.SGD([leaf()], lr=0.1), 3, last_epoch=5),
    }

    def onecycle_overrun():
        opt = O.SGD([leaf()], lr=0.1, momentum=0.9)
        s = S.OneCycleLR(opt, max_lr=1.0, total_steps=3)
        for _ in range(4):
            opt.step()
            s.step()

    cases["onecycle_overrun"] = onecycle_overrun

    def sequential_mismatch():
        opt = O.SGD([leaf()], lr=0.1)
        S.SequentialLR(opt, [S.ExponentialLR(opt, 0.9), S.ExponentialLR(opt, 0.8)], milestones=[2, 3])

    cases["sequential_milestones"] = sequential_mismatch

    def lbfgs_bad_search():
        p = leaf()
        opt = O.LBFGS([p], line_search_fn="wolfe")

        def closure():
            opt.zero_grad()
            loss = (p * p).sum()
            loss.backward()
            return loss

        opt.step(closure)

    cases["lbfgs_bad_line_search"] = lbfgs_bad_search

    def capturable():
        p = leaf()
        opt = O.Adam([p], capturable=True)
        p.grad = torch.ones(2)
        opt.step()

    cases["adam_capturable_step"] = capturable

    def nadam_capturable():
        p = leaf()
        opt = O.NAdam([p], capturable=True)
        p.grad = torch.ones(2)
        opt.step()

    cases["nadam_capturable_step"] = nadam_capturable

    out = {}
    for name, fn in cases.items():
        try:
            fn()
            out[name] = {"exception": None}
        except Exception as e:  # noqa: BLE001 - every exception is part of the record
            out[name] = {"exception": type(e).__name__, "message": str(e)}

    # Failures that must leave the optimizer as it was.
    def add_overlapping():
        a, b = leaf(), leaf(3)
        opt = O.SGD([a], lr=0.1)
        try:
            opt.add_param_group({"params": [b, a], "lr": 0.5})
        except ValueError as e:
            msg = str(e)
        return {"message": msg, "groups": len(opt.param_groups), "repr": repr(opt)}

    out["add_overlapping_group"] = add_overlapping()

    def load_mismatch():
        a, b = leaf(), leaf(3)
        opt = O.Adam([a, b], lr=0.1)
        a.grad, b.grad = torch.ones(2), torch.ones(3)
        opt.step()
        other = O.Adam([leaf()], lr=0.5)
        res = {}
        for key, sd in [("groups", O.Adam([{"params": [a]}, {"params": [b]}]).state_dict()),
                        ("size", O.Adam([a]).state_dict())]:
            try:
                opt.load_state_dict(sd)
            except ValueError as e:
                res[key] = str(e)
        try:
            other.load_state_dict(opt.state_dict())
        except ValueError as e:
            res["other"] = str(e)
        res["repr_after"] = repr(opt)
        res["state_after"] = ser(opt.state_dict(), torch)
        return res

    out["load_state_dict_mismatch"] = load_mismatch()

    def duplicates():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            p = leaf()
            opt = O.SGD([p, p], lr=0.1)
        return {"warnings": [f"{w.category.__name__}: {w.message}" for w in caught],
                "state_dict": ser(opt.state_dict(), torch)}

    out["duplicate_params"] = duplicates()

    def group_defaults():
        a, b = leaf(), leaf(3)
        opt = O.Adam([a], lr=0.1, betas=(0.8, 0.9))
        opt.add_param_group({"params": b, "eps": 1e-3})
        return {"repr": repr(opt), "state_dict": ser(opt.state_dict(), torch)}

    out["add_param_group_defaults"] = group_defaults()

    def named():
        a, b = leaf(), leaf(3)
        opt = O.SGD([("a", a), ("b", b)], lr=0.1, momentum=0.5)
        a.grad, b.grad = torch.ones(2), torch.ones(3)
        opt.step()
        return {"repr": repr(opt), "state_dict": ser(opt.state_dict(), torch)}

    out["named_params"] = named()

    def zero_grad_modes():
        p = leaf()
        opt = O.SGD([p], lr=0.1)
        (p * 3).sum().backward()
        opt.zero_grad(set_to_none=False)
        kept = ser(p.grad, torch)
        opt.zero_grad()
        return {"set_to_none_false": kept, "default": ser(p.grad, torch)}

    out["zero_grad"] = zero_grad_modes()
    return out


def run_reprs(torch) -> dict:
    """``print(optimizer)`` and ``str(state_dict)`` for every optimizer, defaults and two groups, after 1 step."""
    out = {}
    for name in ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "LBFGS"]:
        cls = getattr(torch.optim, name)
        a = torch.tensor([1.0, -2.0], requires_grad=True)
        b = torch.tensor([0.5], requires_grad=True)
        kw = {"lr": 0.1} if name == "SGD" else {}
        if name == "LBFGS":
            opt = cls([a, b], **kw)

            def closure(opt=opt, a=a, b=b):
                opt.zero_grad()
                loss = (a * a).sum() + (b * b).sum()
                loss.backward()
                return loss

            opt.step(closure)
        else:
            opt = cls([{"params": [a]}, {"params": [b], "lr": 0.5, "weight_decay": 0.25}], **kw)
            a.grad = torch.tensor([0.5, 0.25])
            b.grad = torch.tensor([-1.0])
            opt.step()
        out[name] = {"repr": repr(opt), "state_dict_str": str(opt.state_dict()),
                     "state_dict": ser(opt.state_dict(), torch)}
    return out


def run_all(torch) -> dict:
    return {"trajectories": run_trajectories(torch), "mlp": run_mlp(torch), "schedulers": run_schedulers(torch),
            "scheduler_extras": run_scheduler_extras(torch), "errors": run_errors(torch), "reprs": run_reprs(torch)}


if __name__ == "__main__":  # ``python optim_cases.py`` under PyTorch: print everything as JSON (live tests)
    import json
    import sys

    import torch as _torch

    json.dump(run_all(_torch), sys.stdout)
