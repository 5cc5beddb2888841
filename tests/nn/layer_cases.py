"""Layer cases run identically under PyTorch (to make fixtures) and numtorch (to test against them).

``run(torch)`` takes the framework module and returns JSON-able results. make_layer_fixtures.py runs it
under a real PyTorch and stores tests/nn/fixtures/layers.json; test_layers.py runs it under numtorch.
"""

import importlib

import numpy as np


def run(torch):
    """Forward values, gradients, parameter names and reprs for conv, pooling, RNNs, attention, norms."""
    nn = importlib.import_module(torch.__name__ + ".nn")
    F = importlib.import_module(torch.__name__ + ".nn.functional")
    out = {}

    def T(a, rg=False):
        t = torch.tensor(a, dtype=torch.float64)
        if rg:
            t.requires_grad_()
        return t

    cases = [
        (
            "conv2d",
            dict(
                x=(2, 4, 7, 6),
                w=(6, 2, 3, 2),
                b=True,
                kw=dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2),
            ),
        ),
        ("conv2d", dict(x=(1, 3, 5, 5), w=(2, 3, 3, 3), b=False, kw=dict(padding="same"))),
        ("conv1d", dict(x=(2, 3, 9), w=(4, 3, 3), b=True, kw=dict(stride=2, padding=1))),
        (
            "conv_transpose2d",
            dict(x=(2, 4, 3, 3), w=(4, 3, 3, 2), b=True, kw=dict(stride=2, padding=1, output_padding=1)),
        ),
        ("conv_transpose1d", dict(x=(2, 4, 5), w=(4, 2, 3), b=True, kw=dict(stride=2))),
    ]
    for i, (name, c) in enumerate(cases):
        r = np.random.RandomState(i)
        x = T(r.randn(*c["x"]), True)
        w = T(r.randn(*c["w"]), True)
        b = (
            T(r.randn(c["w"][1] * (c["kw"].get("groups", 1)) if name.startswith("conv_t") else c["w"][0]), True)
            if c["b"]
            else None
        )
        y = getattr(F, name)(x, w, b, **c["kw"])
        g = T(r.randn(*y.shape))
        y.backward(g)
        out[f"{name}{i}"] = [
            y.detach().numpy().tolist(),
            x.grad.numpy().tolist(),
            w.grad.numpy().tolist(),
            None if b is None else b.grad.numpy().tolist(),
            y.grad_fn.name() if hasattr(y.grad_fn, "name") else None,
        ]
    for i, (fn, kw) in enumerate(
        [
            ("max_pool2d", dict(kernel_size=3, stride=2, padding=1)),
            ("max_pool2d", dict(kernel_size=2, ceil_mode=True)),
            ("avg_pool2d", dict(kernel_size=3, stride=2, padding=1)),
            ("avg_pool2d", dict(kernel_size=3, stride=2, padding=1, count_include_pad=False, ceil_mode=True)),
            ("adaptive_avg_pool2d", dict(output_size=(3, 2))),
            ("max_pool1d", dict(kernel_size=2)),
            ("avg_pool1d", dict(kernel_size=3, stride=1, padding=1)),
        ]
    ):
        r = np.random.RandomState(10 + i)
        x = T(r.randn(2, 3, 7, 5) if "1d" not in fn else r.randn(2, 3, 7), True)
        y = getattr(F, fn)(x, **kw)
        g = T(r.randn(*y.shape))
        y.backward(g)
        out[f"{fn}{i}"] = [y.detach().numpy().tolist(), x.grad.numpy().tolist(), None, None, y.grad_fn.name()]

    for name, kw in [
        ("RNN", dict(num_layers=2)),
        ("LSTM", dict(batch_first=True, bidirectional=True)),
        ("GRU", dict(num_layers=2, bidirectional=True)),
        ("RNN", dict(nonlinearity="relu", bias=False)),
    ]:
        torch.manual_seed(0)
        m = getattr(nn, name)(3, 4, **kw).double()
        x = torch.randn(5, 2, 3, dtype=torch.float64, requires_grad=True)
        o, h = m(x)
        if isinstance(h, tuple):
            h = h[0] + h[1].sum()
        (o.sum() + (h * 2).sum()).backward()
        out[name + str(kw)] = [
            o.detach().numpy().tolist(),
            x.grad.numpy().tolist(),
            [p.grad.numpy().tolist() for p in m.parameters()],
            [n for n, _ in m.named_parameters()],
            repr(m),
        ]
    torch.manual_seed(0)
    m = nn.LSTMCell(3, 4)
    x = torch.randn(2, 3)
    h, c = m(x)
    out["cell"] = [h.detach().numpy().tolist(), c.detach().numpy().tolist()]

    torch.manual_seed(0)
    m = nn.MultiheadAttention(8, 2).double()
    q = torch.randn(4, 3, 8, dtype=torch.float64, requires_grad=True)
    k = torch.randn(5, 3, 8, dtype=torch.float64)
    mask = torch.rand(4, 5) > 0.7
    o, w = m(q, k, k, attn_mask=mask)
    (o.sum() + w.sum()).backward()
    out["mha"] = [
        o.detach().numpy().tolist(),
        w.detach().numpy().tolist(),
        q.grad.numpy().tolist(),
        [n for n, _ in m.named_parameters()],
        m.in_proj_weight.grad.numpy().tolist(),
    ]
    torch.manual_seed(1)
    m = nn.MultiheadAttention(8, 4, batch_first=True)
    q = torch.randn(2, 3, 8)
    o, w = m(q, q, q, is_causal=False, need_weights=True)
    out["mha2"] = [o.detach().numpy().tolist(), w.detach().numpy().tolist(), [], [], []]
    torch.manual_seed(2)
    Q, K, V = torch.randn(2, 3, 4, 5), torch.randn(2, 3, 6, 5), torch.randn(2, 3, 6, 5)
    out["sdpa"] = [
        F.scaled_dot_product_attention(Q, K, V).numpy().tolist(),
        F.scaled_dot_product_attention(Q, K[:, :, :4], V[:, :, :4], is_causal=True).numpy().tolist(),
        [],
        [],
        [],
    ]
    for name, mod in [("bn", nn.BatchNorm2d(3)), ("ln", nn.LayerNorm([4, 5])), ("gn", nn.GroupNorm(1, 3))]:
        torch.manual_seed(3)
        x = torch.randn(2, 3, 4, 5, requires_grad=True)
        y = mod(x)
        (y * torch.arange(y.numel()).reshape(y.shape).float()).sum().backward()
        extra = [mod.running_mean.tolist(), mod.running_var.tolist()] if name == "bn" else []
        mod.eval()
        y2 = mod(x)
        out[name] = [
            y.detach().numpy().tolist(),
            x.grad.numpy().tolist(),
            extra,
            y2.detach().numpy().tolist(),
            repr(mod),
        ]


    # Small layers: Bilinear, Flatten/Unflatten, Identity, Dropout (seeded masks), Embedding, pooling indices.
    torch.manual_seed(4)
    bil = nn.Bilinear(3, 2, 4).double()
    a = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    b = torch.randn(5, 2, dtype=torch.float64, requires_grad=True)
    y = bil(a, b)
    y.sum().backward()
    out["bilinear"] = [y.detach().numpy().tolist(), a.grad.numpy().tolist(), bil.weight.grad.numpy().tolist(),
                       bil.bias.grad.numpy().tolist(), repr(bil)]
    x = torch.arange(24.0).reshape(2, 3, 4).requires_grad_()
    f = nn.Unflatten(1, (2, 2))(nn.Flatten()(nn.Identity()(x))[:, :4])
    (f * torch.arange(8.0).reshape(2, 2, 2)).sum().backward()
    out["flatten"] = [f.detach().numpy().tolist(), x.grad.numpy().tolist(), None, None, repr(nn.Flatten(0, 1))]
    torch.manual_seed(5)
    drop = nn.Dropout(0.3)
    x = torch.ones(4, 5, requires_grad=True)
    y = drop(x)
    y.sum().backward()
    drop.eval()
    out["dropout"] = [y.detach().numpy().tolist(), x.grad.numpy().tolist(), drop(x).detach().numpy().tolist(), None,
                      repr(drop)]
    torch.manual_seed(6)
    emb = nn.Embedding(6, 3, padding_idx=2)
    idx = torch.tensor([[0, 2, 5], [2, 2, 1]])
    e = emb(idx)
    (e * torch.arange(18.0).reshape(2, 3, 3)).sum().backward()
    out["embedding"] = [e.detach().numpy().tolist(), emb.weight.grad.numpy().tolist(), None, None, repr(emb)]
    x = torch.tensor(np.random.RandomState(7).randn(1, 2, 5, 5))
    v, i = F.max_pool2d(x, 2, stride=2, padding=1, return_indices=True)
    out["maxpool_indices"] = [v.numpy().tolist(), i.numpy().tolist(), None, None, str(i.dtype)]
    return out
