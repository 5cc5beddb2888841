"""The safetensors format (``safetensors.torch``'s API), written and read with NumPy and json alone.

A file is: an 8-byte little-endian header length N, N bytes of JSON, then the tensors' raw bytes. The
header maps each name to ``{"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}`` (offsets
into the byte buffer after the header), plus an optional ``"__metadata__"`` of string to string. Writers
pad the header with spaces to a multiple of 8 bytes and lay tensors out by descending dtype size, then
name, so every tensor is aligned; readers insist the offsets tile the buffer exactly. Nothing in a
safetensors file is executable, which is the format's point.
"""

from __future__ import annotations

import json
import os
import struct
from collections import OrderedDict
from typing import Any, Iterable

import numpy as np

__all__ = ["SafetensorError", "save", "save_file", "load", "load_file", "safe_open", "save_model", "load_model"]

_MAX_HEADER = 100_000_000  # the reference implementation's limit

# safetensors dtype -> on-disk NumPy type. BF16 is widened to float32 on load (numtorch.bfloat16 is float32).
_DISK = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
         "I8": "i1", "U8": "u1", "BOOL": "?"}
_OF_NUMPY = {np.dtype(np.float64): "F64", np.dtype(np.float32): "F32", np.dtype(np.float16): "F16",
             np.dtype(np.int64): "I64", np.dtype(np.int32): "I32", np.dtype(np.int16): "I16",
             np.dtype(np.int8): "I8", np.dtype(np.uint8): "U8", np.dtype(np.bool_): "BOOL"}
# The reference writer's Dtype enum order (alignment first); saving sorts by it, largest first.
_ORDER = ["BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "I16", "U16", "F16",
          "BF16", "I32", "U32", "F32", "C64", "F64", "I64", "U64"]
_RANK = {name: i for i, name in enumerate(_ORDER)}
_ITEMSIZE = {"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "F8_E8M0": 1, "I16": 2, "U16": 2, "F16": 2,
             "BF16": 2, "I32": 4, "U32": 4, "F32": 4, "C64": 8, "F64": 8, "I64": 8, "U64": 8}


class SafetensorError(Exception):
    """A malformed safetensors file or an argument the format cannot hold."""


# -- writing ----------------------------------------------------------------------------------------------

def _check_tensors(tensors: dict) -> None:
    from ..serialization import _bounds
    from ..tensor import Tensor

    if not isinstance(tensors, dict):
        raise ValueError(f"Expected a dict of [str, torch.Tensor] but received {type(tensors)}")
    for k, v in tensors.items():
        if not isinstance(k, str):
            raise ValueError(f"Key `{k}` is invalid, expected str but received {type(k)}")
        if not isinstance(v, Tensor):
            raise ValueError(f"Key `{k}` is invalid, expected torch.Tensor but received {type(v)}")
        if not v._data.flags.c_contiguous:
            raise ValueError(
                f"You are trying to save a non contiguous tensor: `{k}` which is not allowed. It either means you "
                "are trying to save tensors which are reference of each other in which case it's recommended to "
                "save only the full tensors, and reslice at load time, or simply call .contiguous() on your tensor "
                "to pack it before saving."
            )
    shared = [sorted(g) for g in _shared_groups(tensors, _bounds) if len(g) > 1]
    if shared:
        raise RuntimeError(
            f"Some tensors share memory, this will lead to duplicate memory on disk and potential differences "
            f"when loading them again: {shared}.\nA potential way to correctly save your model is to use "
            "`save_model`.\nMore information at https://huggingface.co/docs/safetensors/torch_shared_tensors"
        )


def _shared_groups(tensors: dict, bounds) -> list[list[str]]:
    """Names grouped by overlapping memory (a view counts with its whole base, like a PyTorch storage)."""
    spans = []
    for name, t in tensors.items():
        if t._data.size == 0:
            continue
        lo, hi = bounds(t._data)
        if t._base is not None and t._base._data.size:
            blo, bhi = bounds(t._base._data)
            lo, hi = min(lo, blo), max(hi, bhi)
        spans.append((lo, hi, name))
    spans.sort()
    groups: list = []
    for lo, hi, name in spans:
        if groups and lo < groups[-1][1]:
            groups[-1][1] = max(groups[-1][1], hi)
            groups[-1][2].append(name)
        else:
            groups.append([lo, hi, [name]])
    return [g[2] for g in groups]


def _serialize(tensors: dict, metadata: dict | None) -> tuple[bytes, list]:
    """(header bytes with its length prefix, [(array, begin, end)]) in the reference writer's layout."""
    if metadata is not None:
        if not isinstance(metadata, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                     for k, v in metadata.items()):
            raise ValueError("metadata must be a dict of str to str")
    _check_tensors(tensors)
    entries = []
    for name, t in tensors.items():
        dt = _OF_NUMPY.get(t._data.dtype)
        if dt is None:
            raise SafetensorError(f"cannot save `{name}`: dtype {t._data.dtype} has no safetensors type")
        entries.append((name, dt, t._data))
    entries.sort(key=lambda e: (-_RANK[e[1]], e[0]))
    header: dict[str, Any] = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    layout, offset = [], 0
    for name, dt, arr in entries:
        end = offset + arr.nbytes
        header[name] = {"dtype": dt, "shape": list(arr.shape), "data_offsets": [offset, end]}
        layout.append((arr, offset, end))
        offset = end
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)  # pad so the data starts 8-byte aligned
    return struct.pack("<Q", len(text)) + text, layout


def _le_bytes(arr: np.ndarray) -> memoryview:
    if arr.dtype.byteorder == ">" or (arr.dtype.byteorder == "=" and np.little_endian is False):
        arr = arr.astype(arr.dtype.newbyteorder("<"))
    return memoryview(np.ascontiguousarray(arr).reshape(-1).view(np.uint8))


def save(tensors: dict, metadata: dict | None = None) -> bytes:
    """The safetensors bytes of ``{name: tensor}`` (contiguous tensors that share no memory)."""
    head, layout = _serialize(tensors, metadata)
    out = bytearray(head)
    for arr, _, _ in layout:
        out += _le_bytes(arr)
    return bytes(out)


def save_file(tensors: dict, filename: str | os.PathLike, metadata: dict | None = None) -> None:
    """Write ``{name: tensor}`` to ``filename`` in the safetensors format."""
    head, layout = _serialize(tensors, metadata)
    with open(os.fspath(filename), "wb") as f:
        f.write(head)
        for arr, _, _ in layout:
            f.write(_le_bytes(arr))


# -- reading ----------------------------------------------------------------------------------------------

def _error(kind: str, detail: str = "") -> SafetensorError:
    return SafetensorError(f"Error while deserializing header: {kind}" + (f" ({detail})" if detail else ""))


def _parse_header(prefix: bytes, total: int) -> tuple[dict, list, int]:
    """(metadata, [(name, dtype, shape, begin, end)] in offset order, data start) from the file's first bytes;
    ``total`` is the file size. Every check of the reference reader is made before any tensor is built."""
    if total < 8 or len(prefix) < 8:
        raise _error("HeaderTooSmall")
    (n,) = struct.unpack("<Q", prefix[:8])
    if n > _MAX_HEADER:
        raise _error("HeaderTooLarge")
    if 8 + n > total or len(prefix) < 8 + n:
        raise _error("InvalidHeaderLength")
    try:
        text = prefix[8:8 + n].decode("utf-8")
    except UnicodeDecodeError as e:
        raise _error("InvalidHeader", str(e)) from None
    if not text.startswith("{"):
        raise _error("InvalidHeaderStart")
    try:
        header = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise _error("InvalidHeaderDeserialization", str(e)[:100]) from None
    if not isinstance(header, dict):
        raise _error("InvalidHeaderDeserialization", "the header is not an object")
    metadata = header.pop("__metadata__", None)
    if metadata is not None and not (isinstance(metadata, dict) and all(isinstance(v, str) for v in metadata.values())):
        raise _error("InvalidHeaderDeserialization", "__metadata__ must map strings to strings")
    entries = []
    for name, info in header.items():
        if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
            raise _error("InvalidHeaderDeserialization", f"bad entry for {name!r}")
        dt, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
        if dt not in _ITEMSIZE:
            raise _error("InvalidHeaderDeserialization", f"unknown dtype {str(dt)[:20]!r}")
        if not (isinstance(shape, list) and all(type(s) is int and s >= 0 for s in shape)):
            raise _error("InvalidHeaderDeserialization", f"bad shape for {name!r}")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(type(o) is int and o >= 0 for o in offsets)):
            raise _error("InvalidHeaderDeserialization", f"bad data_offsets for {name!r}")
        entries.append((name, dt, tuple(shape), offsets[0], offsets[1]))
    entries.sort(key=lambda e: (e[3], e[4]))
    end = 0
    for name, dt, shape, begin, stop in entries:
        if begin != end or stop < begin:
            raise SafetensorError(f"Error while deserializing header: InvalidOffset({name})")
        numel = 1
        for s in shape:
            numel *= s
        if numel * _ITEMSIZE[dt] != stop - begin:
            raise SafetensorError(f"Error while deserializing header: TensorInvalidInfo ({name}: shape {list(shape)} "
                                  f"of {dt} does not fill {stop - begin} bytes)")
        end = stop
    if 8 + n + end != total:
        raise _error("MetadataIncompleteBuffer")
    return metadata, entries, 8 + n


def _tensor(buf, dt: str, shape: tuple, name: str):
    from ..tensor import Tensor

    if dt not in _DISK:
        raise SafetensorError(f"numtorch has no dtype for `{name}` ({dt}): only F64, F32, F16, BF16, I64, I32, I16, "
                              "I8, U8 and BOOL load")
    raw = np.frombuffer(buf, dtype=_DISK[dt])
    if dt == "BF16":
        arr = (raw.astype(np.uint32) << 16).view(np.float32)
    else:
        arr = raw.astype(raw.dtype.newbyteorder("="), copy=False)
    return Tensor._make(arr.reshape(shape))


def load(data: bytes) -> dict:
    """``{name: tensor}`` from safetensors bytes (in file order)."""
    data = bytes(data)
    _, entries, start = _parse_header(data, len(data))
    out = {}
    for name, dt, shape, begin, end in entries:
        out[name] = _tensor(bytearray(data[start + begin:start + end]), dt, shape, name)
    return out


def load_file(filename: str | os.PathLike, device: Any = "cpu") -> dict:
    """``{name: tensor}`` from a safetensors file (in file order)."""
    _check_device(device)
    with safe_open(filename, framework="pt", device=device) as f:
        return {k: f.get_tensor(k) for k in f.offset_keys()}


def _check_device(device) -> None:
    if str(device) not in ("cpu", "cpu:0"):
        raise RuntimeError(f"numtorch runs on the CPU only, not on {device}")


class safe_open:
    """Open a safetensors file to read its header, and tensors one at a time (``with safe_open(...) as f``)."""

    def __init__(self, filename: str | os.PathLike, framework: str = "pt", device: Any = "cpu"):
        _check_device(device)
        self._file = open(os.fspath(filename), "rb")
        try:
            total = os.fstat(self._file.fileno()).st_size
            head = self._file.read(8)
            n = struct.unpack("<Q", head)[0] if len(head) == 8 else 0
            prefix = head + (self._file.read(n) if len(head) == 8 and n <= min(_MAX_HEADER, total) else b"")
            self._metadata, entries, self._start = _parse_header(prefix, total)
        except BaseException:
            self._file.close()
            raise
        self._entries = OrderedDict((e[0], e) for e in entries)

    def __enter__(self) -> "safe_open":
        return self

    def __exit__(self, *exc) -> None:
        self._file.close()

    def keys(self) -> list[str]:
        """Tensor names, sorted."""
        return sorted(self._entries)

    def offset_keys(self) -> list[str]:
        """Tensor names in file order."""
        return list(self._entries)

    def metadata(self) -> dict | None:
        """The ``__metadata__`` strings, if any."""
        return self._metadata

    def get_tensor(self, name: str):
        """Read one tensor."""
        if name not in self._entries:
            raise SafetensorError(f"File does not contain tensor {name}")
        _, dt, shape, begin, end = self._entries[name]
        self._file.seek(self._start + begin)
        buf = bytearray(end - begin)
        if self._file.readinto(buf) != len(buf):
            raise SafetensorError(f"the file ends inside tensor {name} (truncated?)")
        return _tensor(buf, dt, shape, name)


# -- models with tied weights -----------------------------------------------------------------------------

def _duplicates(state_dict: dict, preferred: Iterable[str] = ()) -> dict[str, list[str]]:
    """For each group of names sharing memory: the name to keep (one covering the whole block) -> the others."""
    from ..serialization import _bounds

    preferred = set(preferred)
    out = {}
    for group in _shared_groups(state_dict, _bounds):
        if len(group) < 2:
            continue
        spans = {n: _bounds(state_dict[n]._data) for n in group}
        lo = min(s[0] for s in spans.values())
        hi = max(s[1] for s in spans.values())
        complete = sorted(n for n, s in spans.items() if s == (lo, hi) and state_dict[n]._data.flags.c_contiguous)
        if not complete:
            raise RuntimeError(
                f"Error while trying to find names to remove to save state dict, but found no suitable name to keep "
                f"for saving amongst: {sorted(group)}. None is covering the entire storage. Refusing to save/load "
                "the model since you could be storing much more memory than needed."
            )
        keep = next((n for n in complete if n in preferred), complete[0])
        out[keep] = sorted(n for n in group if n != keep)
    return out


def save_model(model, filename: str | os.PathLike, metadata: dict | None = None,
               force_contiguous: bool = False) -> None:
    """Save ``model.state_dict()``, writing tied (shared) weights once; metadata records the dropped names."""
    state = dict(model.state_dict())
    for keep, drop in _duplicates(state).items():
        for name in drop:
            metadata = dict(metadata or {})
            metadata.setdefault(name, keep)
            del state[name]
    if force_contiguous:
        state = {k: v.contiguous() for k, v in state.items()}
    save_file(state, filename, metadata)


def load_model(model, filename: str | os.PathLike, strict: bool = True, device: Any = "cpu") -> tuple[list, list]:
    """Load a ``save_model`` file into ``model``; returns (missing, unexpected) names like safetensors."""
    state = load_file(filename, device)
    dropped = _duplicates(model.state_dict(), preferred=state.keys())
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing, unexpected = set(missing), list(unexpected)
    for names in dropped.values():
        for name in names:
            if name in missing:
                missing.discard(name)
            else:
                unexpected.append(name)
    if strict and (missing or unexpected):
        lines = []
        if unexpected:
            lines.append("Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in sorted(unexpected)))
        if missing:
            lines.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in sorted(missing)))
        raise RuntimeError(f"Error(s) in loading state_dict for {type(model).__name__}:\n\t" + "\n\t".join(lines))
    return sorted(missing), unexpected
