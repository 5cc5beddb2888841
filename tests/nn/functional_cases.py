"""Activation and loss cases run identically under PyTorch (fixtures) and numtorch (tests).

``run(torch)`` returns, per case, the forward value, the input gradients and the grad_fn name, computed in
float64 from fixed NumPy inputs, for every activation and every loss with every reduction.
"""

import importlib

import numpy as np


def _t(torch, a, rg=False, dtype="float64"):
    t = torch.tensor(np.asarray(a), dtype=getattr(torch, dtype))
    if rg:
        t.requires_grad_()
    return t


def _record(torch, out, name, fn, inputs):
    y = fn(*inputs)
    grads = [None] * len(inputs)
    if y.requires_grad:
        g = _t(torch, np.linspace(-1.0, 1.5, y.numel()).reshape(tuple(y.shape)))
        y.backward(g)
        grads = [None if (not hasattr(x, "grad") or x.grad is None) else x.grad.numpy().tolist() for x in inputs]
    out[name] = {
        "value": y.detach().numpy().tolist(),
        "grads": grads,
        "grad_fn": None if y.grad_fn is None else type(y.grad_fn).__name__,
    }


def run(torch):
    """All cases; keys are stable names."""
    F = importlib.import_module(torch.__name__ + ".nn.functional")
    nn = importlib.import_module(torch.__name__ + ".nn")
    out = {}
    r = np.random.RandomState(0)
    x = r.randn(3, 4) * 2
    x[0, 0] = 0.0
    acts = {
        "relu": lambda a: F.relu(a),
        "leaky_relu": lambda a: F.leaky_relu(a, 0.2),
        "elu": lambda a: F.elu(a, 1.5),
        "selu": lambda a: F.selu(a),
        "celu": lambda a: F.celu(a, 0.7),
        "gelu": lambda a: F.gelu(a),
        "gelu_tanh": lambda a: F.gelu(a, approximate="tanh"),
        "silu": lambda a: F.silu(a),
        "mish": lambda a: F.mish(a),
        "sigmoid": lambda a: torch.sigmoid(a),
        "tanh": lambda a: torch.tanh(a),
        "softplus": lambda a: F.softplus(a, beta=2.0, threshold=3.0),
        "hardtanh": lambda a: F.hardtanh(a, -0.5, 1.0),
        "relu6": lambda a: F.relu6(a * 4),
        "logsigmoid": lambda a: F.logsigmoid(a),
        "softmax0": lambda a: F.softmax(a, 0),
        "softmax1": lambda a: F.softmax(a, dim=1),
        "log_softmax": lambda a: F.log_softmax(a, dim=-1),
        "softmin": lambda a: F.softmin(a, dim=1),
        "m_ELU": lambda a: nn.ELU()(a),
        "m_SiLU": lambda a: nn.SiLU()(a),
        "m_Mish": lambda a: nn.Mish()(a),
        "m_GELU": lambda a: nn.GELU("tanh")(a),
        "m_Softplus": lambda a: nn.Softplus()(a),
        "m_Hardtanh": lambda a: nn.Hardtanh()(a),
        "m_LeakyReLU": lambda a: nn.LeakyReLU()(a),
        "m_LogSoftmax": lambda a: nn.LogSoftmax(1)(a),
    }
    for name, fn in acts.items():
        _record(torch, out, "act_" + name, fn, [_t(torch, x, True)])

    p = r.uniform(0.05, 0.95, (3, 4))
    y01 = (r.rand(3, 4) > 0.5).astype(float)
    tgt = r.randn(3, 4)
    cls = np.array([1, 0, 3])
    probs = r.dirichlet(np.ones(4), 3)
    w = np.array([0.5, 1.0, 2.0, 1.5])
    for red in ("mean", "sum", "none"):
        cases = {
            "mse": lambda a, red=red: F.mse_loss(a, _t(torch, tgt), reduction=red),
            "l1": lambda a, red=red: F.l1_loss(a, _t(torch, tgt), reduction=red),
            "smooth_l1": lambda a, red=red: F.smooth_l1_loss(a, _t(torch, tgt), reduction=red, beta=0.5),
            "huber": lambda a, red=red: F.huber_loss(a, _t(torch, tgt), reduction=red, delta=0.7),
            "ce": lambda a, red=red: F.cross_entropy(a, torch.tensor(cls), reduction=red),
            "ce_w": lambda a, red=red: F.cross_entropy(a, torch.tensor(cls), weight=_t(torch, w), reduction=red),
            "ce_ignore": lambda a, red=red: F.cross_entropy(a, torch.tensor([1, -100, 3]), reduction=red),
            "ce_smooth": lambda a, red=red: F.cross_entropy(a, torch.tensor(cls), reduction=red,
                                                            label_smoothing=0.2),
            "ce_smooth_w": lambda a, red=red: F.cross_entropy(a, torch.tensor(cls), weight=_t(torch, w),
                                                              reduction=red, label_smoothing=0.1),
            "ce_probs": lambda a, red=red: F.cross_entropy(a, _t(torch, probs), reduction=red),
            "ce_probs_smooth": lambda a, red=red: F.cross_entropy(a, _t(torch, probs), reduction=red,
                                                                  label_smoothing=0.3),
            "nll": lambda a, red=red: F.nll_loss(F.log_softmax(a, 1), torch.tensor(cls), reduction=red),
            "nll_w": lambda a, red=red: F.nll_loss(a, torch.tensor(cls), weight=_t(torch, w), reduction=red),
            "kl_div_bm": lambda a, red=red: F.kl_div(F.log_softmax(a, 1), _t(torch, probs),
                                                     reduction="batchmean" if red == "mean" else red),
            "kl_div_log": lambda a, red=red: F.kl_div(F.log_softmax(a, 1), _t(torch, np.log(probs)),
                                                      reduction=red if red != "mean" else "sum", log_target=True),
            "m_CrossEntropyLoss": lambda a, red=red: nn.CrossEntropyLoss(reduction=red)(a, torch.tensor(cls)),
            "m_MSELoss": lambda a, red=red: nn.MSELoss(reduction=red)(a, _t(torch, tgt)),
            "m_SmoothL1Loss": lambda a, red=red: nn.SmoothL1Loss(reduction=red)(a, _t(torch, tgt)),
            "m_HuberLoss": lambda a, red=red: nn.HuberLoss(reduction=red)(a, _t(torch, tgt)),
        }
        for name, fn in cases.items():
            _record(torch, out, f"loss_{name}_{red}", fn, [_t(torch, x, True)])
        _record(torch, out, f"loss_bce_{red}",
                lambda a, red=red: F.binary_cross_entropy(a, _t(torch, y01), reduction=red), [_t(torch, p, True)])
        _record(torch, out, f"loss_bce_w_{red}",
                lambda a, red=red: F.binary_cross_entropy(a, _t(torch, y01), weight=_t(torch, w), reduction=red),
                [_t(torch, p, True)])
        _record(torch, out, f"loss_bce_logits_{red}",
                lambda a, b, red=red: F.binary_cross_entropy_with_logits(a, b, reduction=red),
                [_t(torch, x, True), _t(torch, y01 * 0.8 + 0.1, True)])
        _record(torch, out, f"loss_bce_logits_pw_{red}",
                lambda a, red=red: nn.BCEWithLogitsLoss(reduction=red, pos_weight=_t(torch, w))(a, _t(torch, y01)),
                [_t(torch, x, True)])
        a1, a2 = r.randn(3, 4), r.randn(3, 4)
        _record(torch, out, f"loss_cosine_embedding_{red}",
                lambda a, b, red=red: F.cosine_embedding_loss(a, b, torch.tensor([1, -1, 1]), margin=0.1,
                                                              reduction=red),
                [_t(torch, a1, True), _t(torch, a2, True)])
        _record(torch, out, f"loss_margin_ranking_{red}",
                lambda a, b, red=red: F.margin_ranking_loss(a, b, _t(torch, [1.0, -1.0, 1.0]), margin=0.2,
                                                            reduction=red),
                [_t(torch, a1[:, 0], True), _t(torch, a2[:, 0], True)])
    # float32 spot checks: rounding as PyTorch's float32 kernels.
    _record(torch, out, "f32_mse", lambda a: F.mse_loss(a, _t(torch, tgt, dtype="float32")),
            [_t(torch, x, True, "float32")])
    _record(torch, out, "f32_ce", lambda a: F.cross_entropy(a, torch.tensor(cls)), [_t(torch, x, True, "float32")])
    _record(torch, out, "f32_bce_clamp", lambda a: F.binary_cross_entropy(a, _t(torch, [0.0, 1.0, 1.0],
                                                                            dtype="float32")),
            [_t(torch, [0.0, 1.0, 0.0], False, "float32")])
    return out
