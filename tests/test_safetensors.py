"""numtorch.utils.safetensors: the safetensors format with NumPy and json (no safetensors package needed)."""

from __future__ import annotations

import io
import json
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numtorch as torch
import numtorch.nn as nn
from numtorch.utils import safetensors as sf
from numtorch.utils.safetensors import SafetensorError


def _tensors() -> dict:
    torch.manual_seed(0)
    return {
        "w": torch.randn(3, 4), "b": torch.arange(5), "h": torch.tensor([1.5, -2.0], dtype=torch.float16),
        "flag": torch.tensor([True, False]), "i8": torch.tensor([-1], dtype=torch.int8),
        "u8": torch.tensor([7, 255], dtype=torch.uint8), "d": torch.tensor([[2.0]], dtype=torch.float64),
        "i32": torch.tensor([3], dtype=torch.int32), "i16": torch.tensor([5, 6], dtype=torch.int16),
        "scalar": torch.tensor(3.0), "empty": torch.zeros(0, 2),
    }


def _same(a, b) -> None:
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def _header(raw: bytes) -> dict:
    (n,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8:8 + n])


def test_round_trip_every_dtype(tmp_path):
    t = _tensors()
    sf.save_file(t, tmp_path / "m.safetensors", metadata={"format": "pt"})
    back = sf.load_file(tmp_path / "m.safetensors")
    assert set(back) == set(t)
    for k in t:
        _same(t[k], back[k])
    back2 = sf.load(sf.save(t))
    for k in t:
        _same(t[k], back2[k])
    back["w"].add_(1)  # loaded tensors are writable arrays of their own
    assert float(back["w"][0, 0]) == float(t["w"][0, 0]) + 1


def test_layout_matches_the_reference_writer():
    raw = sf.save({"b": torch.ones(2, dtype=torch.int8), "a": torch.ones(3), "c": torch.ones(1, dtype=torch.int64)},
                  metadata={"k": "v"})
    (n,) = struct.unpack("<Q", raw[:8])
    assert (8 + n) % 8 == 0 and raw[8:8 + n].endswith(b"}" + b" " * (len(raw[8:8 + n]) - len(raw[8:8 + n].rstrip())))
    text = raw[8:8 + n].rstrip().decode()
    # __metadata__ first; then by descending dtype (I64 > F32 > I8), then name; compact JSON.
    assert text == ('{"__metadata__":{"k":"v"},"c":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},'
                    '"a":{"dtype":"F32","shape":[3],"data_offsets":[8,20]},'
                    '"b":{"dtype":"I8","shape":[2],"data_offsets":[20,22]}}')
    assert raw[8 + n:] == struct.pack("<q", 1) + struct.pack("<3f", 1, 1, 1) + b"\x01\x01"


def test_safe_open_reads_lazily(tmp_path):
    t = _tensors()
    sf.save_file(t, tmp_path / "m.safetensors", metadata={"step": "3"})
    with sf.safe_open(tmp_path / "m.safetensors", framework="pt") as f:
        assert f.keys() == sorted(t) and f.metadata() == {"step": "3"}
        _same(t["w"], f.get_tensor("w"))
        assert f.offset_keys()[0] == "b"  # I64 first
        with pytest.raises(SafetensorError, match="nope"):
            f.get_tensor("nope")


def test_load_state_dict_accepts_what_load_file_returns(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    sf.save_file(dict(model.state_dict()), tmp_path / "m.safetensors")
    torch.manual_seed(1)
    other = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    other.load_state_dict(sf.load_file(tmp_path / "m.safetensors"))
    for p, q in zip(model.parameters(), other.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    # numtorch.load dispatches .safetensors paths, as torch.load does
    back = torch.load(tmp_path / "m.safetensors")
    assert set(back) == set(model.state_dict())


def test_save_refuses_shared_and_non_contiguous_tensors():
    x = torch.arange(6.0).view(2, 3)
    with pytest.raises(ValueError, match="non contiguous"):
        sf.save({"t": x.t()})
    with pytest.raises(RuntimeError, match="share memory"):
        sf.save({"x": x, "row": x[0]})
    with pytest.raises(RuntimeError, match="share memory"):
        sf.save({"a": x, "b": x.detach()})
    with pytest.raises(ValueError, match="expected str"):
        sf.save({1: x})
    with pytest.raises(ValueError, match="metadata"):
        sf.save({"x": x}, metadata={"a": 1})


def test_save_model_and_load_model_handle_tied_weights(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 3))
    model[1].weight = model[0].weight
    with pytest.raises(RuntimeError, match="share memory"):
        sf.save_file(dict(model.state_dict()), tmp_path / "m.safetensors")
    sf.save_model(model, tmp_path / "m.safetensors")
    with sf.safe_open(tmp_path / "m.safetensors") as f:
        assert f.keys() == ["0.bias", "0.weight", "1.bias"] and f.metadata() == {"1.weight": "0.weight"}
    torch.manual_seed(1)
    other = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 3))
    other[1].weight = other[0].weight
    assert sf.load_model(other, tmp_path / "m.safetensors") == ([], [])
    for p, q in zip(model.state_dict().values(), other.state_dict().values()):
        np.testing.assert_array_equal(p.numpy(), q.numpy())


def _raw(header: dict, data: bytes = b"", pad: bool = True) -> bytes:
    text = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def test_bf16_is_widened_to_float32():
    bits = np.array([1.5, -2.25, 3.0], dtype=np.float32).view(np.uint32) >> 16
    raw = _raw({"x": {"dtype": "BF16", "shape": [3], "data_offsets": [0, 6]}}, bits.astype("<u2").tobytes())
    x = sf.load(raw)["x"]
    assert x.dtype == torch.float32 and x.tolist() == [1.5, -2.25, 3.0]


@pytest.mark.parametrize("raw, kind", [
    (b"\x01\x00", "HeaderTooSmall"),
    (struct.pack("<Q", 10**9) + b"{}", "HeaderTooLarge"),
    (struct.pack("<Q", 100) + b"{}", "InvalidHeaderLength"),
    (struct.pack("<Q", 8) + b"[1,2,3] ", "InvalidHeaderStart"),
    (struct.pack("<Q", 8) + b"{not js}", "InvalidHeaderDeserialization"),
    (struct.pack("<Q", 2) + b"\xff\xfe", "InvalidHeader"),
    (_raw({"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 4), "MetadataIncompleteBuffer"),
    (_raw({"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 12), "MetadataIncompleteBuffer"),
    (_raw({"x": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, b"\0" * 8), "TensorInvalidInfo"),
    (_raw({"x": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, b"\0" * 8), "InvalidOffset"),
    (_raw({"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
           "y": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4), "InvalidOffset"),
    (_raw({"x": {"dtype": "Q7", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4), "unknown dtype"),
    (_raw({"x": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4), "bad shape"),
    (_raw({"__metadata__": {"a": 1}}), "__metadata__"),
])
def test_malformed_files_are_refused(raw, kind, tmp_path):
    with pytest.raises(SafetensorError, match=kind):
        sf.load(raw)
    (tmp_path / "bad.safetensors").write_bytes(raw)
    with pytest.raises(SafetensorError, match=kind):
        sf.load_file(tmp_path / "bad.safetensors")


def test_dtypes_numtorch_lacks_are_refused_clearly():
    raw = _raw({"x": {"dtype": "U16", "shape": [1], "data_offsets": [0, 2]}}, b"\0\0")
    with pytest.raises(SafetensorError, match="no dtype"):
        sf.load(raw)


@settings(max_examples=300, deadline=None)
@given(flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(1, 255)), max_size=5),
       cut=st.one_of(st.none(), st.floats(0, 1)))
def test_fuzzed_files_fail_cleanly(flips, cut):
    raw = bytearray(sf.save(_tensors(), metadata={"m": "x"}))
    for where, xor in flips:
        raw[int(where * len(raw))] ^= xor
    if cut is not None:
        raw = raw[:int(cut * len(raw))]
    try:
        sf.load(bytes(raw))
    except SafetensorError:
        pass


def test_matches_the_reference_implementation_when_installed(tmp_path):
    st_numpy = pytest.importorskip("safetensors.numpy")
    t = _tensors()
    arrays = {k: v.numpy() for k, v in t.items()}
    assert st_numpy.save(arrays, metadata={"format": "pt"}) == sf.save(t, metadata={"format": "pt"})
    for k, v in st_numpy.load(sf.save(t)).items():
        np.testing.assert_array_equal(v, arrays[k])


def test_file_object_free_api_only_takes_bytes():
    with pytest.raises(SafetensorError):
        sf.load(io.BytesIO(b"").getvalue())
