"""numtorch.save / numtorch.load: PyTorch's checkpoint format, golden files, round trips, safety, fuzzing.

Golden checkpoints (written by PyTorch 2.13) live in ../shared/golden/checkpoints; the PyTorch oracle at
~/.oracle/bin/python, when present, loads numtorch's files and writes files for numtorch to load.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import struct
import subprocess
import sys
import zipfile
from collections import Counter, OrderedDict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import numtorch as torch
import numtorch.nn as nn
import numtorch.optim as optim
from numtorch import serialization
from tests.golden import golden_path

ORACLE = Path.home() / ".oracle" / "bin" / "python"
CLEAN_ERRORS = (pickle.UnpicklingError, RuntimeError)
GOLDEN_FILES = ["mlp_state_dict.pt", "adam_state_dict.pt", "training_checkpoint.pt", "views_and_dtypes.pt",
                "single_tensor.pt", "legacy_format.pt"]


def _expected() -> dict:
    return json.loads(golden_path("checkpoints", "expected.json").read_text())


def _check(got, want, where: str = "") -> None:
    """Compare a loaded object with expected.json's description of what torch.load returns."""
    if "tensor" in want:
        assert isinstance(got, torch.Tensor), where
        assert str(got.dtype) == want["dtype"], where
        assert list(got.shape) == want["shape"], where
        assert got.requires_grad == want["requires_grad"], where
        vals = got.detach().numpy().reshape(-1)
        np.testing.assert_array_equal(vals.astype(np.float64) if vals.dtype.kind == "f" else vals,
                                      np.array(want["values"], dtype=vals.dtype).astype(
                                          np.float64 if vals.dtype.kind == "f" else vals.dtype), err_msg=where)
    elif "dict" in want:
        assert isinstance(got, dict), where
        assert [str(k) for k in got] == list(want["dict"]), where
        for k, v in got.items():
            _check(v, want["dict"][str(k)], f"{where}[{k!r}]")
    elif "list" in want:
        assert isinstance(got, (list, tuple)), where
        assert len(got) == len(want["list"]), where
        for i, (g, w) in enumerate(zip(got, want["list"])):
            _check(g, w, f"{where}[{i}]")
    else:
        assert got == want["value"] and type(got) is type(want["value"]), where


# -- golden checkpoints written by PyTorch ----------------------------------------------------------------

@pytest.mark.parametrize("name", GOLDEN_FILES)
def test_golden_checkpoint_loads_as_expected(name):
    path = golden_path("checkpoints", name)
    want = _expected()[name]
    _check(torch.load(path), want, name)
    _check(torch.load(str(path), map_location="cpu", weights_only=True), want, name)
    with open(path, "rb") as fh:
        _check(torch.load(fh), want, name)
    _check(torch.load(io.BytesIO(path.read_bytes())), want, name)


def test_golden_views_share_one_storage():
    d = torch.load(golden_path("checkpoints", "views_and_dtypes.pt"))
    assert np.shares_memory(d["base"].numpy(), d["t"].numpy())
    assert np.shares_memory(d["base"].numpy(), d["view"].numpy())
    d["base"].add_(100)
    assert d["t"][0, 1].item() == 104.0 and d["view"][0].item() == 104.0  # t is base.T, view is base[1]


def test_golden_state_dict_keeps_metadata_and_loads_into_a_model():
    sd = torch.load(golden_path("checkpoints", "mlp_state_dict.pt"))
    assert type(sd) is OrderedDict
    assert sd._metadata == OrderedDict([("", {"version": 1}), ("0", {"version": 1}), ("1", {"version": 1}),
                                        ("2", {"version": 1})])
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    model.load_state_dict(sd)
    np.testing.assert_array_equal(model[0].weight.detach().numpy(), sd["0.weight"].numpy())


def test_golden_optimizer_state_loads_into_adam():
    ck = torch.load(golden_path("checkpoints", "training_checkpoint.pt"))
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    model.load_state_dict(ck["model"])
    opt = optim.Adam(model.parameters(), lr=0.01)
    opt.load_state_dict(ck["optimizer"])
    step = opt.state[model[0].weight]["step"]
    assert step.dtype == torch.float32 and step.dim() == 0 and step.item() == 3.0
    assert ck["epoch"] == 3 and isinstance(ck["loss"], float) and ck["note"] == "checkpoint"


@pytest.mark.parametrize("name", [n for n in GOLDEN_FILES if n != "legacy_format.pt"])
def test_resaving_a_golden_checkpoint_reproduces_pytorchs_bytes(name, tmp_path):
    """numtorch lays out the zip and the pickle as torch.save does: only the random serialization id differs."""
    src = golden_path("checkpoints", name)
    out = tmp_path / name  # the archive's top folder is named after the file, as PyTorch names it
    torch.save(torch.load(src), out)
    a, b = zipfile.ZipFile(src), zipfile.ZipFile(out)
    assert a.namelist() == b.namelist()
    for info in a.infolist():
        if not info.filename.endswith("serialization_id"):
            assert a.read(info) == b.read(info.filename), info.filename
            assert info.header_offset == b.getinfo(info.filename).header_offset, info.filename
    assert src.stat().st_size == out.stat().st_size


def test_malicious_checkpoint_is_refused_and_its_payload_never_runs(tmp_path, monkeypatch):
    want = _expected()["malicious.pt"]
    path = golden_path("checkpoints", "malicious.pt")
    calls = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(pickle.UnpicklingError) as err:
        torch.load(path)
    assert type(err.value).__name__ == want["exception"]
    assert str(err.value).startswith(want["message_starts"])
    assert "posix.system" in str(err.value)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(io.BytesIO(path.read_bytes()))
    assert calls == []
    assert not (tmp_path / "pwned.txt").exists()
    assert not Path("/tmp/pwned.txt").exists()


# -- round trips ----------------------------------------------------------------------------------------

def _roundtrip(obj, **kw):
    buf = io.BytesIO()
    torch.save(obj, buf, **kw)
    buf.seek(0)
    return torch.load(buf)


def _same_tensor(a, b) -> None:
    assert type(a) is type(b)
    assert a.dtype == b.dtype and a.shape == b.shape and a.requires_grad == b.requires_grad
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def _mlp():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


@pytest.mark.parametrize("make", [lambda: nn.Linear(3, 2), _mlp, lambda: nn.Linear(3, 2, bias=False)])
def test_model_state_dict_round_trip(make, tmp_path):
    torch.manual_seed(0)
    model = make()
    sd = model.state_dict()
    path = tmp_path / "model.pt"
    torch.save(sd, path)
    back = torch.load(path)
    assert type(back) is OrderedDict and list(back) == list(sd) and back._metadata == sd._metadata
    for k in sd:
        _same_tensor(sd[k], back[k])
    torch.manual_seed(1)
    other = make()
    other.load_state_dict(back)
    for p, q in zip(model.parameters(), other.parameters()):
        _same_tensor(p, q)


def test_sgd_state_dict_round_trip_with_momentum_buffers():
    torch.manual_seed(0)
    model = _mlp()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    for _ in range(2):
        opt.zero_grad()
        model(torch.randn(5, 4)).pow(2).mean().backward()
        opt.step()
    sd = opt.state_dict()
    back = _roundtrip(sd)
    assert back["param_groups"] == sd["param_groups"]
    assert list(back["state"]) == list(sd["state"]) == [0, 1, 2, 3]
    for k in sd["state"]:
        _same_tensor(sd["state"][k]["momentum_buffer"], back["state"][k]["momentum_buffer"])


def test_parameters_keep_their_class_and_requires_grad():
    p = nn.Parameter(torch.randn(2, 3))
    frozen = nn.Parameter(torch.randn(2), requires_grad=False)
    back = _roundtrip({"p": p, "frozen": frozen, "plain": torch.ones(2, requires_grad=True), "same": p})
    assert type(back["p"]) is nn.Parameter and back["p"].requires_grad
    assert type(back["frozen"]) is nn.Parameter and not back["frozen"].requires_grad
    assert type(back["plain"]) is torch.Tensor and back["plain"].requires_grad and back["plain"].is_leaf
    assert back["same"] is back["p"]
    _same_tensor(p, back["p"])


def test_views_are_saved_once_and_come_back_sharing_memory():
    base = torch.arange(12.0).view(3, 4)
    obj = {"base": base, "t": base.t(), "row": base[1], "col": base[:, 2], "expanded": torch.ones(3).expand(2, 3)}
    buf = io.BytesIO()
    torch.save(obj, buf)
    names = zipfile.ZipFile(io.BytesIO(buf.getvalue())).namelist()
    assert [n for n in names if "/data/" in n] == ["archive/data/0", "archive/data/1"]  # base's block, ones(3)
    buf.seek(0)
    back = torch.load(buf)
    for k in obj:
        _same_tensor(obj[k], back[k])
    assert back["t"].stride() == (1, 4) and back["col"].stride() == (4,)
    back["base"].mul_(2)
    np.testing.assert_array_equal(back["t"].numpy(), back["base"].numpy().T)
    np.testing.assert_array_equal(back["row"].numpy(), back["base"].numpy()[1])
    np.testing.assert_array_equal(back["col"].numpy(), back["base"].numpy()[:, 2])


def test_state_dict_entries_share_the_parameters_storage():
    lin = nn.Linear(2, 2)
    back = _roundtrip({"param": lin.weight, "sd": lin.state_dict()})
    assert np.shares_memory(back["param"].detach().numpy(), back["sd"]["weight"].numpy())


@pytest.mark.parametrize("dtype", [torch.float16, torch.float32, torch.float64, torch.int8, torch.uint8, torch.int16,
                                   torch.int32, torch.int64, torch.bool])
def test_every_dtype_round_trips(dtype):
    t = torch.tensor([[0, 1, 2], [3, 4, 5]]).to(dtype)
    for obj in (t, t.t(), t[1], torch.zeros(0, 2, dtype=dtype), t[0, 0]):
        _same_tensor(obj, _roundtrip(obj))
        _same_tensor(obj, _roundtrip(obj, _use_new_zipfile_serialization=False))


def test_plain_values_round_trip():
    obj = {
        "s": "héllo", "i": 3, "neg": -(2**40), "big": 2**100, "f": 0.1, "b": True, "n": None, "l": [1, [2, (3, 4)]],
        "t": (1, 2, 3, 4, 5), "set": {1, 2}, "bytes": b"\x00\xff", "empty": b"", "ba": bytearray(b"ab"),
        "c": 1 - 2j, "od": OrderedDict(b=1, a=2), "cnt": Counter("aab"), "size": torch.Size([2, 3]),
        "dtype": torch.float16, "device": torch.device("cpu"), 7: "int key", 1.5: "float key",
    }
    for kw in ({}, {"_use_new_zipfile_serialization": False}):
        back = _roundtrip(obj, **kw)
        assert back == obj
        assert all(type(back[k]) is type(v) for k, v in obj.items())
        assert list(back["od"]) == ["b", "a"]


def test_shared_objects_and_cycles_keep_their_identity():
    shared = [1, 2]
    obj = {"a": shared, "b": shared}
    obj["self"] = obj
    back = _roundtrip(obj)
    assert back["a"] is back["b"] and back["self"] is back


def test_tensor_attributes_travel_with_the_tensor():
    t = torch.ones(2)
    t.note = "hello"
    p = nn.Parameter(torch.zeros(1))
    p.tag = {"lr_scale": 0.5}
    back = _roundtrip([t, p])
    assert back[0].note == "hello" and back[1].tag == {"lr_scale": 0.5}
    assert type(back[1]) is nn.Parameter


def _train_step(model, opt, x, y):
    opt.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    opt.step()
    return loss.item()


def test_training_checkpoint_round_trip_and_resume_matches_uninterrupted_run(tmp_path):
    torch.manual_seed(0)
    x, y = torch.randn(16, 4), torch.randn(16, 3)

    def fresh(seed):
        torch.manual_seed(seed)
        model = _mlp()
        return model, optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

    model, opt = fresh(1)
    for _ in range(6):
        _train_step(model, opt, x, y)
    expected = [p.detach().numpy().copy() for p in model.parameters()]

    model, opt = fresh(1)
    loss = 0.0
    for _ in range(3):
        loss = _train_step(model, opt, x, y)
    ckpt = {"epoch": 3, "model": model.state_dict(), "optimizer": opt.state_dict(), "loss": loss}
    torch.save(ckpt, tmp_path / "ckpt.pt")
    del model, opt

    back = torch.load(tmp_path / "ckpt.pt")
    assert back["epoch"] == 3 and back["loss"] == loss and type(back["loss"]) is float
    model, opt = fresh(2)  # different initial weights: everything must come from the checkpoint
    model.load_state_dict(back["model"])
    opt.load_state_dict(back["optimizer"])
    for _ in range(3):
        _train_step(model, opt, x, y)
    for got, want in zip(model.parameters(), expected):
        np.testing.assert_array_equal(got.detach().numpy(), want)


def test_adam_checkpoint_resume_matches_uninterrupted_run():
    torch.manual_seed(0)
    x, y = torch.randn(8, 4), torch.randn(8, 3)

    def fresh():
        torch.manual_seed(3)
        model = _mlp()
        return model, optim.Adam(model.parameters(), lr=0.01)

    model, opt = fresh()
    for _ in range(4):
        _train_step(model, opt, x, y)
    expected = [p.detach().numpy().copy() for p in model.parameters()]
    model, opt = fresh()
    for _ in range(2):
        _train_step(model, opt, x, y)
    back = _roundtrip({"model": model.state_dict(), "optimizer": opt.state_dict()})
    assert back["optimizer"]["state"][0]["step"].dtype == torch.float32
    model, opt = fresh()
    model.load_state_dict(back["model"])
    opt.load_state_dict(back["optimizer"])
    for _ in range(2):
        _train_step(model, opt, x, y)
    for got, want in zip(model.parameters(), expected):
        np.testing.assert_array_equal(got.detach().numpy(), want)


def test_paths_pathlike_and_file_objects(tmp_path):
    t = torch.arange(3)
    torch.save(t, str(tmp_path / "a.pt"))
    torch.save(t, tmp_path / "b.pt")
    with open(tmp_path / "c.pt", "wb") as fh:
        torch.save(t, fh)
    for name in "abc":
        _same_tensor(t, torch.load(tmp_path / f"{name}.pt"))
    assert zipfile.ZipFile(tmp_path / "a.pt").namelist()[0] == "a/data.pkl"
    assert zipfile.ZipFile(tmp_path / "c.pt").namelist()[0] == "archive/data.pkl"


def test_zip_layout_matches_pytorchs_writer(tmp_path):
    torch.save({"w": torch.ones(3)}, tmp_path / "m.pt")
    zf = zipfile.ZipFile(tmp_path / "m.pt")
    assert zf.namelist() == ["m/data.pkl", "m/.format_version", "m/.storage_alignment", "m/byteorder", "m/data/0",
                             "m/version", "m/.data/serialization_id"]
    assert zf.read("m/version") == b"3\n" and zf.read("m/byteorder") == b"little"
    assert zf.read("m/.format_version") == b"1" and zf.read("m/.storage_alignment") == b"64"
    sid = zf.read("m/.data/serialization_id")
    assert len(sid) == 40 and sid.isdigit()
    raw = (tmp_path / "m.pt").read_bytes()
    for info in zf.infolist():
        assert info.compress_type == zipfile.ZIP_STORED
        name_len, extra_len = struct.unpack("<HH", raw[info.header_offset + 26:info.header_offset + 30])
        assert (info.header_offset + 30 + name_len + extra_len) % 64 == 0  # data aligned for mmap
    pkl = zf.read("m/data.pkl")
    assert pkl.startswith(b"\x80\x02") and b"ctorch._utils\n_rebuild_tensor_v2\n" in pkl
    assert b"ctorch\nFloatStorage\n" in pkl


def test_legacy_format_round_trip_and_layout(tmp_path):
    obj = {"w": torch.ones(3), "v": torch.arange(4).view(2, 2).t()}
    torch.save(obj, tmp_path / "old.pt", _use_new_zipfile_serialization=False)
    raw = (tmp_path / "old.pt").read_bytes()
    assert not zipfile.is_zipfile(tmp_path / "old.pt")
    f = io.BytesIO(raw)
    assert pickle.load(f) == serialization.MAGIC_NUMBER and pickle.load(f) == 1001  # plain ints: safe to unpickle
    back = torch.load(tmp_path / "old.pt")
    for k in obj:
        _same_tensor(obj[k], back[k])


def test_mmap_load(tmp_path):
    obj = {"a": torch.randn(5, 3), "b": torch.arange(7)}
    torch.save(obj, tmp_path / "m.pt")
    back = torch.load(tmp_path / "m.pt", mmap=True)
    for k in obj:
        _same_tensor(obj[k], back[k])
    back["a"].add_(1)  # copy-on-write: the file is not changed
    _same_tensor(obj["a"], torch.load(tmp_path / "m.pt")["a"])
    with pytest.raises(ValueError, match="file path"):
        torch.load(io.BytesIO(b""), mmap=True)


def _with_location(path: Path, location: str) -> io.BytesIO:
    """A copy of a checkpoint whose storages claim to live on ``location`` (rewritten with zipfile)."""
    src = zipfile.ZipFile(path)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("data.pkl"):
                tag = b"X" + struct.pack("<I", len(location)) + location.encode()
                data = data.replace(b"X\x03\x00\x00\x00cpu", tag)
            dst.writestr(info.filename, data)
    out.seek(0)
    return out


def test_map_location(tmp_path):
    t = torch.arange(4.0)
    torch.save(t, tmp_path / "t.pt")
    for ml in ("cpu", torch.device("cpu"), {"cpu": "cpu"}, lambda s, loc: s, lambda s, loc: None):
        _same_tensor(t, torch.load(tmp_path / "t.pt", map_location=ml))
    gpu = _with_location(tmp_path / "t.pt", "cuda:0")
    with pytest.raises(RuntimeError, match="map_location=torch.device\\('cpu'\\)"):
        torch.load(gpu)
    for ml in ("cpu", {"cuda:0": "cpu"}, torch.device("cpu")):
        gpu.seek(0)
        _same_tensor(t, torch.load(gpu, map_location=ml))
    with pytest.raises(RuntimeError, match="CPU only|CUDA"):
        torch.load(tmp_path / "t.pt", map_location="cuda")


def test_weights_only_false_is_refused_with_a_reason(tmp_path):
    torch.save(torch.ones(1), tmp_path / "t.pt")
    with pytest.raises(ValueError, match="never executes code from files"):
        torch.load(tmp_path / "t.pt", weights_only=False)
    with pytest.raises(RuntimeError, match="pickle_module"):
        torch.load(tmp_path / "t.pt", pickle_module=pickle)


class _Point:
    """A user class, allowlisted in one test through add_safe_globals."""

    def __init__(self, x=0, y=0):
        self.x, self.y = x, y

    def __eq__(self, other):
        return isinstance(other, _Point) and (self.x, self.y) == (other.x, other.y)


def _zip_with_pickle(data_pkl: bytes) -> io.BytesIO:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("archive/data.pkl", data_pkl)
        z.writestr("archive/version", b"3\n")
    out.seek(0)
    return out


def test_save_refuses_what_a_weights_only_load_could_not_read(tmp_path):
    for bad in (nn.Linear(2, 2), lambda: 0, np.zeros(2), _Point(), {"opt": optim.SGD([nn.Parameter(torch.ones(1))],
                                                                                      lr=0.1)}):
        with pytest.raises(TypeError, match="state_dict"):
            torch.save(bad, tmp_path / "bad.pt")
    assert not (tmp_path / "bad.pt").exists()  # refused before the file was created


def test_safe_globals_allow_a_trusted_class():
    data = pickle.dumps({"p": _Point(1, 2)}, protocol=2)
    with pytest.raises(pickle.UnpicklingError, match="add_safe_globals"):
        torch.load(_zip_with_pickle(data))
    with serialization.safe_globals([_Point]):
        assert torch.load(_zip_with_pickle(data)) == {"p": _Point(1, 2)}
    assert _Point not in serialization.get_safe_globals()
    with pytest.raises(pickle.UnpicklingError):
        torch.load(_zip_with_pickle(data))


# -- nothing from the file ever runs ----------------------------------------------------------------------

_CANARY_CALLS: list = []


def _canary(*args):
    _CANARY_CALLS.append(args)
    return 0


def _hostile_pickles() -> dict[str, bytes]:
    mod = __name__.encode()
    g = b"c" + mod + b"\n_canary\n"
    return {
        "global_reduce": b"\x80\x02" + g + b"X\x01\x00\x00\x00x\x85R.",
        "os_system": b"\x80\x02cos\nsystem\nX\x0e\x00\x00\x00touch pwned.txt\x85R.",
        "builtins_eval": b"\x80\x02cbuiltins\neval\nX\x1c\x00\x00\x00open('pwned.txt','w').close()\x85R.",
        "py2_builtin_exec": b"\x80\x02c__builtin__\nexec\nX\x1c\x00\x00\x00open('pwned.txt','w').close()\x85R.",
        "stack_global": b"\x80\x04\x8c" + bytes([len(mod)]) + mod + b"\x94\x8c\x07_canary\x94\x93\x94)R.",
        "inst": b"(i" + mod + b"\n_canary\n.",
        "obj": b"\x80\x02(" + g + b"o.",
        "ext1": b"\x80\x02\x82\x01).",
        "persid_module": b"\x80\x02(X\x06\x00\x00\x00moduleK\x01tQ.",
        "text_persid": b"P0\n.",
        "newobj": b"\x80\x02" + g + b")\x81.",
        "build_on_dict": b"\x80\x02}}b.",
        "reduce_on_storage_type": b"\x80\x02ctorch\nFloatStorage\n)R.",
        "rebuild_from_type_with_foreign_func": b"\x80\x02ctorch._tensor\n_rebuild_from_type_v2\n(ccollections\n"
                                               b"OrderedDict\nctorch\nTensor\n)}tR.",
        "shadow_a_method_via_build": b"\x80\x02ccollections\nOrderedDict\n)R}X\x05\x00\x00\x00itemsK\x01sb.",
    }


@pytest.mark.parametrize("name", sorted(_hostile_pickles()))
def test_hostile_pickles_are_refused_before_anything_runs(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _CANARY_CALLS.clear()
    with pytest.raises(pickle.UnpicklingError):
        torch.load(_zip_with_pickle(_hostile_pickles()[name]))
    assert _CANARY_CALLS == [] and not (tmp_path / "pwned.txt").exists()


def test_blocked_modules_stay_blocked_even_when_allowlisted(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with serialization.safe_globals([os.system, (os.system, "os.system")]):
        with pytest.raises(pickle.UnpicklingError, match="blocked"):
            torch.load(_zip_with_pickle(_hostile_pickles()["os_system"]))
    assert not (tmp_path / "pwned.txt").exists()


def test_hostile_legacy_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    head = pickle.dumps(serialization.MAGIC_NUMBER, protocol=2) + pickle.dumps(1001, protocol=2) + pickle.dumps({},
                                                                                                                 protocol=2)
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        torch.load(io.BytesIO(head + _hostile_pickles()["os_system"]))
    assert not (tmp_path / "pwned.txt").exists()


# -- damaged files: clean errors, nothing half-loaded -----------------------------------------------------

def test_not_a_checkpoint(tmp_path):
    (tmp_path / "text.txt").write_text("hello, world")
    (tmp_path / "empty.pt").write_bytes(b"")
    (tmp_path / "other.zip").write_bytes(_zip_with_pickle(b"").getvalue().replace(b"data.pkl", b"note.txt"))
    with pytest.raises(pickle.UnpicklingError, match="not a checkpoint"):
        torch.load(tmp_path / "text.txt")
    with pytest.raises(pickle.UnpicklingError, match="empty"):
        torch.load(tmp_path / "empty.pt")
    with pytest.raises(RuntimeError, match="data.pkl"):
        torch.load(tmp_path / "other.zip")
    with pytest.raises(FileNotFoundError):
        torch.load(tmp_path / "missing.pt")
    with pytest.raises(RuntimeError, match="Invalid magic number"):
        torch.load(io.BytesIO(pickle.dumps(12345, protocol=2)))


def test_truncated_checkpoints_raise_clean_errors_and_leave_the_model_alone(tmp_path):
    torch.manual_seed(0)
    model = _mlp()
    before = [p.detach().numpy().copy() for p in model.parameters()]
    buf = io.BytesIO()
    torch.save(_mlp().state_dict(), buf)
    raw = buf.getvalue()
    for cut in range(0, len(raw), 37):
        with pytest.raises(CLEAN_ERRORS):
            model.load_state_dict(torch.load(io.BytesIO(raw[:cut])))
    for p, b in zip(model.parameters(), before):
        np.testing.assert_array_equal(p.detach().numpy(), b)


def test_corrupted_storage_bytes_are_caught_by_the_crc():
    buf = io.BytesIO()
    torch.save(torch.arange(64.0), buf)
    raw = bytearray(buf.getvalue())
    zf = zipfile.ZipFile(io.BytesIO(bytes(raw)))
    info = zf.getinfo("archive/data/0")
    name_len, extra_len = struct.unpack("<HH", raw[info.header_offset + 26:info.header_offset + 30])
    raw[info.header_offset + 30 + name_len + extra_len + 5] ^= 0xFF
    with pytest.raises(RuntimeError, match="corrupted|damaged"):
        torch.load(io.BytesIO(bytes(raw)))


def test_inconsistent_archives_are_refused():
    buf = io.BytesIO()
    torch.save({"a": torch.ones(4)}, buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))

    def rebuilt(change) -> io.BytesIO:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as dst:
            for info in src.infolist():
                data = change(info.filename, src.read(info))
                if data is not None:
                    dst.writestr(info.filename, data)
        out.seek(0)
        return out

    with pytest.raises(RuntimeError, match="missing"):
        torch.load(rebuilt(lambda n, d: None if n.endswith("data/0") else d))
    with pytest.raises(RuntimeError, match="holds 8 bytes"):
        torch.load(rebuilt(lambda n, d: d[:8] if n.endswith("data/0") else d))
    with pytest.raises(RuntimeError, match="out of bounds"):
        torch.load(rebuilt(lambda n, d: d.replace(b"K\x04\x85", b"K\x09\x85", 1) if n.endswith("data.pkl") else d))


def _fuzz_sources() -> list[bytes]:
    out = [golden_path("checkpoints", n).read_bytes() for n in GOLDEN_FILES + ["malicious.pt"]]
    buf = io.BytesIO()
    torch.save({"m": _mlp().state_dict(), "x": torch.arange(6.0).view(2, 3).t(), "s": {1}, "b": b"z"}, buf,
               _use_new_zipfile_serialization=False)
    return out + [buf.getvalue()]


_SOURCES: list[bytes] = []


def _sources() -> list[bytes]:
    if not _SOURCES:
        _SOURCES.extend(_fuzz_sources())
    return _SOURCES


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(which=st.integers(0, 7), flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(1, 255)),
                                                max_size=6),
       cut=st.one_of(st.none(), st.floats(0, 1)))
def test_fuzzed_checkpoints_fail_cleanly(which, flips, cut):
    """Byte flips and truncations of real checkpoints: a clean error or a successful load, nothing else."""
    raw = bytearray(_sources()[which])
    for where, xor in flips:
        raw[int(where * len(raw))] ^= xor
    if cut is not None:
        raw = raw[:int(cut * len(raw))]
    try:
        torch.load(io.BytesIO(bytes(raw)))
    except CLEAN_ERRORS:
        pass


@settings(max_examples=200, deadline=None)
@given(which=st.integers(0, 7), data=st.data())
def test_fuzzed_pickles_inside_valid_archives_fail_cleanly(which, data):
    """Mutations aimed at data.pkl itself (the zip CRC is recomputed, so the pickle interpreter sees them)."""
    raw = _sources()[which]
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        return
    src = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename.endswith("data.pkl"):
                body = bytearray(body)
                for _ in range(data.draw(st.integers(1, 4))):
                    i = data.draw(st.integers(0, len(body) - 1))
                    body[i] = data.draw(st.integers(0, 255))
                body = bytes(body[:data.draw(st.integers(0, len(body)))])
            dst.writestr(info.filename, body)
    out.seek(0)
    try:
        torch.load(out)
    except CLEAN_ERRORS:
        pass


# -- plain pickle / copy (Tensor.__reduce_ex__), not the checkpoint format ----------------------------------

def test_plain_pickle_and_copy_of_tensors():
    import copy

    t = torch.arange(6.0).view(2, 3).requires_grad_()
    p = nn.Parameter(torch.ones(2))
    back = pickle.loads(pickle.dumps({"t": t, "p": p}))
    _same_tensor(t.detach().requires_grad_(), back["t"])
    assert type(back["p"]) is nn.Parameter and back["p"].requires_grad
    shallow = copy.copy(torch.ones(3))
    assert isinstance(shallow, torch.Tensor)


# -- the PyTorch oracle -----------------------------------------------------------------------------------

_ORACLE_SCRIPT = r"""
import json, sys, collections
import torch
d = sys.argv[1]
def describe(v):
    if isinstance(v, torch.Tensor):
        return {"class": type(v).__name__, "dtype": str(v.dtype), "shape": list(v.shape),
                "values": v.detach().float().reshape(-1).tolist() if v.dtype == torch.bfloat16
                else v.detach().reshape(-1).tolist(), "requires_grad": v.requires_grad,
                "stride": list(v.stride()), "offset": v.storage_offset(),
                "ptr": v.untyped_storage().data_ptr(), "attrs": sorted(k for k in v.__dict__ if not k.startswith("_"))}
    if isinstance(v, dict):
        return {"dict": [[repr(k), describe(x)] for k, x in v.items()], "type": type(v).__name__}
    if isinstance(v, (list, tuple)):
        return {"seq": [describe(x) for x in v], "type": type(v).__name__}
    return {"repr": repr(v)}
out = {}
for name in ["nt_zip.pt", "nt_legacy.pt", "nt_ckpt.pt"]:
    out[name] = describe(torch.load(f"{d}/{name}", weights_only=True))
x = torch.arange(12.).view(3, 4)
q = torch.nn.Parameter(torch.tensor([1., 2.])); q.tag = "hello"
made = {"x": x, "t": x.t(), "row": x[1], "bf16": torch.tensor([1.5, -2.25], dtype=torch.bfloat16),
        "f16": torch.tensor([0.5], dtype=torch.float16), "i64": torch.tensor([1, -2]), "b": torch.tensor([True]),
        "q": q, "size": torch.Size([2, 3]), "set": {3}, "bytes": b"ab", "c": 2j, "dt": torch.int8,
        "nested": [(1, {"k": torch.zeros(2)})], "cnt": collections.Counter(a=1)}
m = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))
opt = torch.optim.Adam(m.parameters(), lr=0.01)
m(torch.ones(1, 3)).sum().backward(); opt.step()
made["sd"] = m.state_dict(); made["opt"] = opt.state_dict()
torch.save(made, f"{d}/torch_zip.pt")
torch.save(made, f"{d}/torch_p4.pt", pickle_protocol=4)
torch.save(made, f"{d}/torch_legacy.pt", _use_new_zipfile_serialization=False)
out["torch_made"] = describe(made)
json.dump(out, open(f"{d}/oracle.json", "w"))
"""


def _describe(v):
    """numtorch's side of the oracle's ``describe`` (pointers compared only for sharing)."""
    if isinstance(v, torch.Tensor):
        return {"class": type(v).__name__, "dtype": str(v.dtype), "shape": list(v.shape),
                "values": v.detach().numpy().reshape(-1).tolist(), "requires_grad": v.requires_grad,
                "stride": list(v.stride()), "ptr": v._data,
                "attrs": sorted(k for k in v.__dict__ if not k.startswith("_"))}
    if isinstance(v, dict):
        return {"dict": [[repr(k), _describe(x)] for k, x in v.items()], "type": type(v).__name__}
    if isinstance(v, (list, tuple)):
        return {"seq": [_describe(x) for x in v], "type": type(v).__name__}
    return {"repr": repr(v)}


def _compare(ours, theirs, where=""):
    """Same structure and values; tensors share memory exactly where PyTorch's share storage."""
    assert ours.keys() == theirs.keys() - {"offset"}, where
    for k in ours:
        if k == "ptr" or (k == "stride" and 0 in ours["shape"]):  # an empty tensor's strides address nothing
            continue
        if k == "dict":
            assert [a for a, _ in ours[k]] == [a for a, _ in theirs[k]], where
            for (a, x), (_, y) in zip(ours[k], theirs[k]):
                _compare(x, y, f"{where}[{a}]")
        elif k == "seq":
            assert len(ours[k]) == len(theirs[k]), where
            for i, (x, y) in enumerate(zip(ours[k], theirs[k])):
                _compare(x, y, f"{where}[{i}]")
        elif k == "values":
            np.testing.assert_array_equal(np.array(ours[k], dtype=float), np.array(theirs[k], dtype=float),
                                          err_msg=where)
        elif k == "dtype":  # numtorch.bfloat16 is float32: bfloat16 storages are widened on load
            assert ours[k] == theirs[k].replace("bfloat16", "float32"), (where, ours[k], theirs[k])
        else:
            assert ours[k] == theirs[k], (where, k, ours[k], theirs[k])


def _tensors(desc, out):
    if "ptr" in desc:
        out.append(desc)
    for _, x in desc.get("dict", []):
        _tensors(x, out)
    for x in desc.get("seq", []):
        _tensors(x, out)
    return out


def _same_sharing(ours, theirs) -> None:
    a, b = _tensors(ours, []), _tensors(theirs, [])
    for i in range(len(a)):
        for j in range(len(a)):
            if i == j:
                continue
            shared = np.shares_memory(a[i]["ptr"], a[j]["ptr"])
            assert shared == (b[i]["ptr"] == b[j]["ptr"]), (i, j)


def _numtorch_made():
    x = torch.arange(12.0).view(3, 4)
    q = nn.Parameter(torch.tensor([1.0, 2.0]))
    q.tag = "hello"
    return {"x": x, "t": x.t(), "row": x[1], "col": x[:, 1], "f16": torch.tensor([0.5], dtype=torch.float16),
            "i8": torch.tensor([-3], dtype=torch.int8), "u8": torch.tensor([250], dtype=torch.uint8),
            "b": torch.tensor([True, False]), "d": torch.tensor(2.5, dtype=torch.float64), "q": q,
            "rg": torch.ones(2, requires_grad=True), "e": torch.zeros(0, 3), "size": torch.Size([4]),
            "set": {1, 2}, "bytes": b"\x00\x01", "c": 1 + 1j, "dt": torch.float16, "dev": torch.device("cpu"),
            "nested": [(1, {"k": torch.arange(3)})], "od": OrderedDict(z=1)}


@pytest.fixture(scope="module")
def oracle(tmp_path_factory):
    if not ORACLE.exists():
        pytest.skip("PyTorch oracle (~/.oracle/bin/python) not available")
    d = tmp_path_factory.mktemp("oracle")
    made = _numtorch_made()
    torch.save(made, d / "nt_zip.pt")
    torch.save(made, d / "nt_legacy.pt", _use_new_zipfile_serialization=False)
    torch.manual_seed(0)
    model = _mlp()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    _train_step(model, opt, torch.randn(4, 4), torch.randn(4, 3))
    ckpt = {"epoch": 1, "model": model.state_dict(), "optimizer": opt.state_dict(), "loss": 0.25}
    torch.save(ckpt, d / "nt_ckpt.pt")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    proc = subprocess.run([str(ORACLE), "-c", _ORACLE_SCRIPT, str(d)], capture_output=True, text=True, env=env,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return d, json.loads((d / "oracle.json").read_text()), {"nt_zip.pt": made, "nt_legacy.pt": made,
                                                            "nt_ckpt.pt": ckpt}


@pytest.mark.parametrize("name", ["nt_zip.pt", "nt_legacy.pt", "nt_ckpt.pt"])
def test_pytorch_loads_numtorch_files(oracle, name):
    _, seen, ours = oracle
    mine = _describe(ours[name])
    _compare(mine, seen[name], name)
    _same_sharing(mine, seen[name])


@pytest.mark.parametrize("name", ["torch_zip.pt", "torch_p4.pt", "torch_legacy.pt"])
def test_numtorch_loads_pytorch_files(oracle, name):
    d, seen, _ = oracle
    mine = _describe(torch.load(d / name))
    _compare(mine, seen["torch_made"], name)
    _same_sharing(mine, seen["torch_made"])


def test_pytorch_checkpoint_resumes_in_numtorch(oracle):
    d, _, _ = oracle
    ck = torch.load(d / "torch_zip.pt")
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
    model.load_state_dict(ck["sd"])
    opt = optim.Adam(model.parameters(), lr=0.01)
    opt.load_state_dict(ck["opt"])
    assert opt.state[model[0].weight]["step"].item() == 1.0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
