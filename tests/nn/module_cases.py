"""nn.Module API cases run identically under PyTorch (fixtures) and numtorch (tests)."""

import importlib


def _err(fn):
    try:
        res = fn()
        return ["ok", repr(res)]
    except Exception as e:  # noqa: BLE001 - the exception itself is the result
        return [type(e).__name__, str(e)]


def run(torch):
    """Returns JSON-able observations of Module behaviour."""
    nn = importlib.import_module(torch.__name__ + ".nn")
    out = {}

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 4)
            self.act = nn.ReLU()
            self.register_buffer("steps", torch.zeros(1))
            self.register_buffer("scratch", torch.ones(2), persistent=False)

        def forward(self, x):
            return self.act(self.lin(x))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = Block()
            self.b = Block()
            self.b.lin = self.a.lin  # shared module
            self.head = nn.Sequential(nn.Linear(4, 2), nn.Tanh())
            self.extra = nn.Parameter(torch.ones(2))

        def forward(self, x):
            return self.head(self.a(x) + self.b(x)) * self.extra

    torch.manual_seed(0)
    net = Net()
    out["named_parameters"] = [n for n, _ in net.named_parameters()]
    out["named_parameters_dup"] = [n for n, _ in net.named_parameters(remove_duplicate=False)]
    out["named_buffers"] = [n for n, _ in net.named_buffers()]
    out["named_modules"] = [n for n, _ in net.named_modules()]
    out["children"] = [type(m).__name__ for m in net.children()]
    out["named_children"] = [n for n, _ in net.named_children()]
    out["state_dict_keys"] = list(net.state_dict().keys())
    out["state_dict_detached"] = [v.requires_grad for v in net.state_dict().values()]
    out["keep_vars"] = [v.requires_grad for v in net.state_dict(keep_vars=True).values()]
    out["repr"] = repr(net)
    out["params_count"] = len(list(net.parameters()))
    out["nonrecursive"] = [n for n, _ in net.named_parameters(recurse=False)]
    out["prefix"] = [n for n, _ in net.head.named_parameters(prefix="head")]
    out["get_submodule"] = repr(net.get_submodule("head.0"))
    out["get_submodule_err"] = _err(lambda: net.get_submodule("head.7"))
    out["get_parameter"] = list(net.get_parameter("a.lin.bias").shape)

    sd = net.state_dict()
    other = Net()
    out["load_ok"] = repr(other.load_state_dict(sd))
    bad = dict(sd)
    bad.pop("extra")
    bad["bogus"] = torch.zeros(1)
    out["load_missing_unexpected"] = _err(lambda: other.load_state_dict(bad))
    out["load_nonstrict"] = repr(other.load_state_dict(bad, strict=False))
    shape_bad = dict(sd)
    shape_bad["head.0.weight"] = torch.zeros(3, 3)
    before = other.head[0].weight.detach().clone()
    out["load_shape"] = _err(lambda: other.load_state_dict(shape_bad))
    out["load_shape_unchanged"] = bool((other.head[0].weight == before).all())

    net.eval()
    out["eval_flags"] = [m.training for m in net.modules()]
    net.train()
    out["train_flags"] = [m.training for m in net.modules()]
    x = torch.ones(2, 3)
    net(x).sum().backward()
    out["grads_set"] = [p.grad is not None for p in net.parameters()]
    net.zero_grad()
    out["grads_after_zero"] = [p.grad is None for p in net.parameters()]
    net.requires_grad_(False)
    out["requires_grad_false"] = [p.requires_grad for p in net.parameters()]
    net.requires_grad_(True)
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    out["apply_order"] = seen
    net.double()
    out["double"] = [str(p.dtype) for p in net.parameters()] + [str(b.dtype) for b in net.buffers()]
    net.float()

    calls = []

    def pre(mod, args):
        calls.append("pre")
        return (args[0] * 2,)

    def post(mod, args, output):
        calls.append("post")
        return output + 1

    lin = nn.Linear(3, 1)
    h1 = lin.register_forward_pre_hook(pre)
    h2 = lin.register_forward_hook(post)
    with torch.no_grad():
        lin.weight.fill_(1.0)
        lin.bias.fill_(0.0)
    out["hooked"] = lin(torch.ones(1, 3)).tolist()
    h1.remove()
    h2.remove()
    out["unhooked"] = lin(torch.ones(1, 3)).tolist()
    out["hook_calls"] = calls

    seq = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    out["seq_len"] = len(seq)
    out["seq_slice"] = repr(seq[1:])
    out["seq_neg"] = repr(seq[-1])
    seq.append(nn.Sigmoid())
    out["seq_append"] = repr(seq)
    del seq[0]
    out["seq_del"] = repr(seq)
    out["seq_index_err"] = _err(lambda: seq[10])
    ml = nn.ModuleList([nn.Linear(1, 1), nn.Tanh()])
    ml.append(nn.ReLU())
    out["modulelist"] = repr(ml)
    md = nn.ModuleDict({"x": nn.Linear(1, 2), "y": nn.ReLU()})
    out["moduledict"] = [repr(md), list(md.keys())]
    pd = nn.ParameterDict({"w": nn.Parameter(torch.ones(2, 2))})
    out["parameterdict"] = repr(pd)
    out["bad_param"] = _err(lambda: setattr(nn.Linear(1, 1), "weight", torch.ones(1, 1)))
    out["bad_buffer_name"] = _err(lambda: nn.Linear(1, 1).register_buffer("a.b", torch.ones(1)))
    out["bad_module"] = _err(lambda: nn.Sequential().add_module("x", 5))
    out["missing_attr"] = _err(lambda: nn.Linear(1, 1).nothing)
    big = nn.Sequential(
        nn.Conv2d(1, 8, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(8), nn.LeakyReLU(0.1), nn.Dropout(0.25),
        nn.MaxPool2d(2), nn.AvgPool2d(2, ceil_mode=True), nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
        nn.Linear(8, 4), nn.LayerNorm(4), nn.GELU(), nn.Embedding(10, 3), nn.LSTM(3, 5, batch_first=True),
        nn.GRU(2, 2, num_layers=2, dropout=0.1, bidirectional=True), nn.MultiheadAttention(4, 2),
        nn.ConvTranspose2d(4, 2, 3, stride=2, output_padding=1), nn.Softmax(dim=1), nn.CrossEntropyLoss(),
        nn.Identity(), nn.Unflatten(1, (2, 2)), nn.GroupNorm(2, 4), nn.Conv1d(2, 3, 2, dilation=2, groups=1),
    )
    out["big_repr"] = repr(big)
    return out
