"""``numtorch.save`` / ``numtorch.load``: PyTorch's checkpoint format, read without running the file.

The zip format (what ``torch.save`` writes since PyTorch 1.6): every record is stored uncompressed, its data
aligned to 64 bytes, under one top folder (the file name without its extension, ``archive`` for file objects):

    <prefix>/data.pkl                  protocol-2 pickle of the object: a tensor is
                                       torch._utils._rebuild_tensor_v2(storage, offset, size, stride,
                                       requires_grad, OrderedDict()), a Parameter is
                                       torch._utils._rebuild_parameter(tensor, requires_grad, OrderedDict())
    <prefix>/.format_version           b"1"
    <prefix>/.storage_alignment        b"64"
    <prefix>/byteorder                 b"little"
    <prefix>/data/<key>                the raw bytes of storage <key> ("0", "1", … in order of first use)
    <prefix>/version                   b"3\\n"
    <prefix>/.data/serialization_id    40 decimal digits

A storage is named in the pickle by the persistent id ``('storage', torch.FloatStorage, key, 'cpu', numel)``;
tensors that view one block of memory share one storage, so views come back as views.

The legacy format (``_use_new_zipfile_serialization=False``, PyTorch < 1.6) is a stream of pickles: a magic
number, the protocol version, a sys-info dict, the object (persistent ids carry a sixth field, a storage view
or None), the sorted storage keys, then every storage as an int64 element count and its raw bytes.

Loading never imports or calls anything the file names. The pickle runs on a small interpreter of our own
that knows a fixed table of globals (tensor rebuild functions, OrderedDict, storage types, dtypes, …) and
refuses everything else (``os.system`` included) the moment it is read, before any side effect.
"""

from __future__ import annotations

import _compat_pickle
import io
import os
import pickle
import random
import struct
import sys
import warnings
import zipfile
import zlib
from collections import Counter, OrderedDict
from typing import Any, BinaryIO, Callable, Union

import numpy as np

__all__ = [
    "save",
    "load",
    "add_safe_globals",
    "get_safe_globals",
    "clear_safe_globals",
    "safe_globals",
    "DEFAULT_PROTOCOL",
]

FileLike = Union[str, os.PathLike, BinaryIO]

DEFAULT_PROTOCOL = 2
MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001
_STORAGE_ALIGNMENT = 64
_FILE_FORMAT_VERSION = b"3\n"
_LEGACY_SYS_INFO = {"protocol_version": PROTOCOL_VERSION, "little_endian": True,
                    "type_sizes": {"short": 2, "int": 4, "long": 4}}

# numtorch dtype name -> the legacy storage class PyTorch names in the pickle (torch.FloatStorage …).
_STORAGE_OF_DTYPE = {
    "float64": "DoubleStorage", "float32": "FloatStorage", "float16": "HalfStorage", "int64": "LongStorage",
    "int32": "IntStorage", "int16": "ShortStorage", "int8": "CharStorage", "uint8": "ByteStorage",
    "bool": "BoolStorage",
}
# Storage classes PyTorch writes that numtorch can hold, with their on-disk element type.
_DISK_DTYPE_OF_STORAGE = {
    "DoubleStorage": "<f8", "FloatStorage": "<f4", "HalfStorage": "<f2", "LongStorage": "<i8",
    "IntStorage": "<i4", "ShortStorage": "<i2", "CharStorage": "i1", "ByteStorage": "u1", "BoolStorage": "?",
    "BFloat16Storage": "<u2",  # widened to float32 on load (numtorch.bfloat16 is float32)
    "UntypedStorage": "u1",
}
_UNSUPPORTED_STORAGES = ("ComplexDoubleStorage", "ComplexFloatStorage", "QInt8Storage", "QInt32Storage",
                         "QUInt8Storage", "QUInt4x2Storage", "QUInt2x4Storage")
# PyTorch dtypes numtorch has no counterpart for: a file naming one gets a clear error, not a wrong type.
_UNSUPPORTED_DTYPES = ("complex32", "complex64", "complex128", "cfloat", "cdouble", "chalf", "uint16", "uint32",
                       "uint64", "float8_e5m2", "float8_e4m3fn", "float8_e5m2fnuz", "float8_e4m3fnuz",
                       "float8_e8m0fnu", "float4_e2m1fn_x2", "qint8", "qint32", "quint8", "quint4x2", "quint2x4",
                       "bits8", "bits16", "bits1x8", "bits2x4", "bits4x2")

_UNSAFE_MESSAGE = (
    "In PyTorch 2.6, we changed the default value of the `weights_only` argument in `torch.load` from `False` to "
    "`True`. Re-running `torch.load` with `weights_only` set to `False` would let the file run arbitrary code; "
    "numtorch never runs code from a file, so it has no such mode. Load this file with PyTorch itself only if you "
    "got it from a trusted source."
)
_WEIGHTS_ONLY_FALSE_MESSAGE = (
    "numtorch.load(weights_only=False) is not supported. With weights_only=False a checkpoint's pickle may import "
    "and call any Python function (that is how a file can run `os.system` when loaded), and numtorch never executes "
    "code from files. Leave weights_only out (True is the default): tensors, Parameters, model and optimizer "
    "state_dicts, and dict/OrderedDict/list/tuple/set/str/bytes/int/float/complex/bool/None load safely. For a "
    "class of your own that you trust, allowlist it with numtorch.serialization.add_safe_globals([cls])."
)


# =========================================================================================================
# Writing: a protocol-2 pickle emitter that lays objects out exactly as CPython's pickler does for torch.save
# =========================================================================================================

class _Global:
    """A module-level name the pickle refers to (``GLOBAL module name``); one object per name, so the
    pickler's memo (keyed by identity, as CPython's) writes it once and then refers back to it."""

    __slots__ = ("module", "name", "memoize")
    _cache: dict = {}

    def __new__(cls, module: str, name: str, memoize: bool = True) -> "_Global":
        key = (module, name)
        g = cls._cache.get(key)
        if g is None:
            g = object.__new__(cls)
            g.module, g.name, g.memoize = module, name, memoize
            cls._cache[key] = g
        return g


_G_REBUILD_V2 = _Global("torch._utils", "_rebuild_tensor_v2")
_G_REBUILD_PARAM = _Global("torch._utils", "_rebuild_parameter")
_G_REBUILD_PARAM_STATE = _Global("torch._utils", "_rebuild_parameter_with_state")
_G_REBUILD_FROM_TYPE = _Global("torch._tensor", "_rebuild_from_type_v2")
_G_TENSOR = _Global("torch", "Tensor")
_G_ORDERED_DICT = _Global("collections", "OrderedDict")
_G_COUNTER = _Global("collections", "Counter")
_G_SIZE = _Global("torch", "Size")
_G_DEVICE = _Global("torch", "device")
_G_SET = _Global("__builtin__", "set")
_G_COMPLEX = _Global("__builtin__", "complex")
_G_BYTEARRAY = _Global("__builtin__", "bytearray")
_G_ENCODE = _Global("_codecs", "encode")

# One object each, so the memo writes them once per pickle as CPython does with torch's constants.
_STORAGE_TAG = "storage"
_CPU_TAG = "cpu"
_LATIN1 = "latin1"


class _Reduce:
    """``func(*args)`` to be pickled with REDUCE (and BUILD with ``state`` when given)."""

    __slots__ = ("func", "args", "state")

    def __init__(self, func: _Global, args: tuple, state=None):
        self.func, self.args, self.state = func, args, state


class _StorageOut:
    """One storage to write: its key, class, element count and bytes (a uint8 array)."""

    __slots__ = ("key", "storage_type", "numel", "raw")

    def __init__(self, storage_type: _Global, numel: int, raw: np.ndarray):
        self.key: str | None = None  # given when the pickler first meets the storage, as torch.save does
        self.storage_type, self.numel, self.raw = storage_type, numel, raw


class _Pickler:
    """Emits protocol-2 pickle bytes for the types a weights-only load accepts, memoizing like CPython."""

    def __init__(self, plan: dict | None = None, legacy: bool = False):
        self.out = bytearray()
        self.memo: dict[int, tuple[int, Any]] = {}
        self.plan = plan or {}
        self.storages: list[_StorageOut] = []
        self.legacy = legacy

    def dump(self, obj) -> bytes:
        self.out += b"\x80\x02"
        self.save(obj)
        self.out += b"."
        return bytes(self.out)

    # -- memo ------------------------------------------------------------------------------------------
    def _memoize(self, obj) -> None:
        idx = len(self.memo)
        self.memo[id(obj)] = (idx, obj)  # holding obj keeps its id from being reused mid-pickle
        self.out += b"q" + bytes((idx,)) if idx < 256 else b"r" + struct.pack("<I", idx)

    def _get(self, idx: int) -> None:
        self.out += b"h" + bytes((idx,)) if idx < 256 else b"j" + struct.pack("<I", idx)

    # -- dispatch --------------------------------------------------------------------------------------
    def save(self, obj) -> None:
        t = type(obj)
        if t is _StorageOut:
            return self._save_storage(obj)
        if obj is None:
            self.out += b"N"
            return
        if t is bool:
            self.out += b"\x88" if obj else b"\x89"
            return
        if t is int:
            return self._save_int(obj)
        if t is float:
            self.out += b"G" + struct.pack(">d", obj)
            return
        hit = self.memo.get(id(obj))
        if hit is not None:
            return self._get(hit[0])
        if t is str:
            data = obj.encode("utf-8", "surrogatepass")
            self.out += b"X" + struct.pack("<I", len(data)) + data
            return self._memoize(obj)
        if t is tuple:
            return self._save_tuple(obj)
        if t is list:
            return self._save_list(obj)
        if t is dict:
            return self._save_dict(obj)
        if t is _Global:
            return self._save_global(obj)
        if t is _Reduce:
            return self._save_reduce(obj, obj)
        return self._save_other(obj)

    def _save_int(self, v: int) -> None:
        if 0 <= v <= 0xFF:
            self.out += b"K" + bytes((v,))
        elif 0 <= v <= 0xFFFF:
            self.out += b"M" + struct.pack("<H", v)
        elif -0x80000000 <= v <= 0x7FFFFFFF:
            self.out += b"J" + struct.pack("<i", v)
        else:
            data = _encode_long(v)
            if len(data) < 256:
                self.out += b"\x8a" + bytes((len(data),)) + data
            else:
                self.out += b"\x8b" + struct.pack("<i", len(data)) + data

    def _save_tuple(self, obj: tuple) -> None:
        n = len(obj)
        if n == 0:
            self.out += b")"
            return
        if n <= 3:
            for item in obj:
                self.save(item)
            self.out += (b"\x85", b"\x86", b"\x87")[n - 1]
        else:
            self.out += b"("
            for item in obj:
                self.save(item)
            self.out += b"t"
        self._memoize(obj)

    def _save_list(self, obj: list) -> None:
        self.out += b"]"
        self._memoize(obj)
        n = len(obj)
        if n == 1:
            self.save(obj[0])
            self.out += b"a"
        elif n:
            # CPython's batch_list_exact: batches of 1000, each between MARK and APPENDS.
            for start in range(0, n, 1000):
                self.out += b"("
                for item in obj[start:start + 1000]:
                    self.save(item)
                self.out += b"e"

    def _save_dict(self, obj: dict) -> None:
        self.out += b"}"
        self._memoize(obj)
        n = len(obj)
        if n == 1:
            for k, v in obj.items():
                self.save(k)
                self.save(v)
            self.out += b"s"
        elif n:
            # CPython's batch_dict_exact writes an empty MARK/SETITEMS after an exact multiple of 1000.
            items = list(obj.items())
            start = 0
            while True:
                batch = items[start:start + 1000]
                self.out += b"("
                for k, v in batch:
                    self.save(k)
                    self.save(v)
                self.out += b"u"
                start += 1000
                if len(batch) < 1000:
                    break

    def _save_items_iter(self, items: list) -> None:
        # CPython's batch_dict for a reduce's dictitems iterator (OrderedDict): one pair -> SETITEM.
        start = 0
        while True:
            batch = items[start:start + 1000]
            if not batch:
                return
            if len(batch) == 1:
                self.save(batch[0][0])
                self.save(batch[0][1])
                self.out += b"s"
                return
            self.out += b"("
            for k, v in batch:
                self.save(k)
                self.save(v)
            self.out += b"u"
            if len(batch) < 1000:
                return
            start += 1000

    def _save_global(self, g: _Global) -> None:
        hit = self.memo.get(id(g))
        if hit is not None:
            return self._get(hit[0])
        self.out += b"c" + g.module.encode("utf-8") + b"\n" + g.name.encode("utf-8") + b"\n"
        if g.memoize:
            self._memoize(g)

    def _save_reduce(self, r: _Reduce, obj, dictitems: list | None = None) -> None:
        self._save_global(r.func)
        self.save(r.args)
        self.out += b"R"
        self._memoize(obj)
        if dictitems:
            self._save_items_iter(dictitems)
        if r.state is not None:
            self.save(r.state)
            self.out += b"b"

    def _save_storage(self, s: _StorageOut) -> None:
        if s.key is None:
            s.key = str(len(self.storages))
            self.storages.append(s)
        if self.legacy:
            pid = (_STORAGE_TAG, s.storage_type, s.key, _CPU_TAG, s.numel, None)
        else:
            pid = (_STORAGE_TAG, s.storage_type, s.key, _CPU_TAG, s.numel)
        self.save(pid)
        self.out += b"Q"

    def _save_other(self, obj) -> None:
        from .dtypes import dtype as _dtype
        from .tensor import Size, Tensor, device

        if isinstance(obj, Tensor):
            return self._save_reduce(self._tensor_reduce(obj), obj)
        t = type(obj)
        if t is OrderedDict:
            state = {k: v for k, v in vars(obj).items()} or None
            return self._save_reduce(_Reduce(_G_ORDERED_DICT, (), state), obj, list(obj.items()))
        if t is Counter:
            return self._save_reduce(_Reduce(_G_COUNTER, (dict(obj),)), obj)
        if t is Size:
            return self._save_reduce(_Reduce(_G_SIZE, (tuple(obj),)), obj)
        if t is _dtype:
            # torch.dtype pickles as a bare global, which CPython does not memoize.
            return self._save_global(_Global("torch", obj.name, memoize=False))
        if t is device:
            args = (obj.type,) if obj.index is None else (obj.type, obj.index)
            return self._save_reduce(_Reduce(_G_DEVICE, args), obj)
        if t is bytes:
            # Protocol 2 has no bytes opcode: PyTorch (via CPython) writes _codecs.encode(text, 'latin1').
            return self._save_reduce(_Reduce(_G_ENCODE, (obj.decode("latin1"), _LATIN1)), obj)
        if t is bytearray:
            inner = _Reduce(_G_ENCODE, (bytes(obj).decode("latin1"), _LATIN1))
            return self._save_reduce(_Reduce(_G_BYTEARRAY, (inner,)), obj)
        if t is set:
            return self._save_reduce(_Reduce(_G_SET, (list(obj),)), obj)
        if t is complex:
            return self._save_reduce(_Reduce(_G_COMPLEX, (obj.real, obj.imag)), obj)
        raise TypeError(
            f"numtorch.save cannot save an object of type {t.__module__}.{t.__qualname__}: numtorch writes only what "
            "a weights-only load reads back (tensors, Parameters, dict/OrderedDict/list/tuple/set, "
            "str/bytes/int/float/complex/bool/None, dtype, device, Size). Save a model's or optimizer's "
            "state_dict() rather than the object itself."
        )

    def _tensor_reduce(self, t) -> _Reduce:
        from .nn.parameter import Parameter

        storage, offset, size, stride = self.plan[id(t)]
        # Attributes a user set on the tensor travel as PyTorch's "state"; numtorch's own (underscored)
        # bookkeeping does not.
        state = {k: v for k, v in t.__dict__.items() if not k.startswith("_")}
        if isinstance(t, Parameter):
            data = _Reduce(_G_REBUILD_V2, (storage, offset, size, stride, False, OrderedDict()))
            if state:
                return _Reduce(_G_REBUILD_PARAM_STATE, (data, bool(t._requires_grad), OrderedDict(), state))
            return _Reduce(_G_REBUILD_PARAM, (data, bool(t._requires_grad), OrderedDict()))
        args = (storage, offset, size, stride, bool(t._requires_grad), OrderedDict())
        if state:
            return _Reduce(_G_REBUILD_FROM_TYPE, (_G_REBUILD_V2, _G_TENSOR, args, state))
        return _Reduce(_G_REBUILD_V2, args)


def _encode_long(x: int) -> bytes:
    """Two's-complement little-endian bytes, as pickle's LONG1 wants them (pickle.encode_long)."""
    if x == 0:
        return b""
    nbytes = (x.bit_length() >> 3) + 1
    result = x.to_bytes(nbytes, byteorder="little", signed=True)
    if x < 0 and nbytes > 1 and result[-1] == 0xFF and (result[-2] & 0x80) != 0:
        result = result[:-1]
    return result


# -- storage planning: which tensors share memory, and the bytes of each storage ---------------------------

class _Span:
    """An array interface over raw memory [lo, lo + nbytes) that keeps the arrays owning it alive."""

    def __init__(self, lo: int, nbytes: int, keep: list):
        self.__array_interface__ = {"data": (lo, True), "shape": (nbytes,), "typestr": "|u1", "version": 3}
        self._keep = keep


def _address(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


def _bounds(a: np.ndarray) -> tuple[int, int]:
    """[lo, hi) of the bytes an array touches (np.byte_bounds, which moved between NumPy versions)."""
    lo = hi = _address(a)
    for n, s in zip(a.shape, a.strides):
        if s < 0:
            lo += (n - 1) * s
        else:
            hi += (n - 1) * s
    return lo, hi + a.itemsize


def _contiguous_strides(shape: tuple) -> tuple:
    strides, acc = [], 1
    for n in reversed(shape):
        strides.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(strides))


def _storage_type(np_dtype: np.dtype) -> _Global:
    from .dtypes import from_numpy

    return _Global("torch", _STORAGE_OF_DTYPE[from_numpy(np_dtype).name])


def _little_endian(raw: np.ndarray, itemsize: int) -> np.ndarray:
    if sys.byteorder == "big" and itemsize > 1:  # files are little-endian whatever the machine
        return raw.view(f"u{itemsize}").byteswap().view(np.uint8)
    return raw


def _own_storage(a: np.ndarray) -> tuple:
    """A storage holding a contiguous copy of ``a`` alone."""
    flat = np.array(a, order="C", copy=True).reshape(-1)
    raw = _little_endian(flat.view(np.uint8), a.itemsize)
    return (_StorageOut(_storage_type(a.dtype), a.size, raw), 0, tuple(a.shape), _contiguous_strides(a.shape))


def _plan_storages(tensors: list) -> dict:
    """``id(tensor) -> (storage, offset, size, stride)``; tensors whose memory overlaps share one storage.

    Memory blocks are found from the arrays themselves (a view's bytes overlap its base's), not from
    numtorch's ``_base`` links alone, so ``x.detach()``, ``.data`` and a Parameter's state_dict entry are
    recognised as the same storage too, as PyTorch does. A view pulls in its base's whole span, like
    PyTorch's storage. Anything that cannot be described as (offset, strides) into one typed block (mixed
    dtypes, negative strides) gets a storage of its own.
    """
    plan: dict = {}
    spans = []
    for t in tensors:
        a = t._data
        if a.size == 0:
            plan[id(t)] = _own_storage(a)
            continue
        lo, hi = _bounds(a)
        base = t._base
        if base is not None and base._data.size:
            blo, bhi = _bounds(base._data)
            lo, hi = min(lo, blo), max(hi, bhi)
        spans.append((lo, hi, t))
    spans.sort(key=lambda s: s[0])
    groups: list = []
    for lo, hi, t in spans:
        if groups and lo < groups[-1][1]:
            g = groups[-1]
            g[1] = max(g[1], hi)
            g[2].append(t)
        else:
            groups.append([lo, hi, [t]])
    for lo, hi, members in groups:
        dt = members[0]._data.dtype
        isz = dt.itemsize
        ok = (hi - lo) % isz == 0
        for t in members:
            a = t._data
            if a.dtype != dt or (_address(a) - lo) % isz:
                ok = False
            for n, s in zip(a.shape, a.strides):
                if n > 1 and (s < 0 or s % isz):
                    ok = False
        if not ok:
            for t in members:
                plan[id(t)] = _own_storage(t._data)
            continue
        raw = np.asarray(_Span(lo, hi - lo, [t._data for t in members]))
        storage = _StorageOut(_storage_type(dt), (hi - lo) // isz, _little_endian(raw, isz))
        for t in members:
            a = t._data
            # A size-1 dimension's stride never addresses anything; NumPy may leave any value there.
            stride = tuple(s // isz if n > 1 or (s >= 0 and s % isz == 0) else c
                           for n, s, c in zip(a.shape, a.strides, _contiguous_strides(a.shape)))
            plan[id(t)] = (storage, (_address(a) - lo) // isz, tuple(a.shape), stride)
    return plan


def _collect_tensors(obj) -> list:
    """Every distinct tensor reachable through the containers the pickler writes."""
    from .tensor import Tensor

    found, seen, stack = [], set(), [obj]
    while stack:
        o = stack.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        if isinstance(o, Tensor):
            found.append(o)
            stack.extend(v for k, v in o.__dict__.items() if not k.startswith("_"))
        elif isinstance(o, dict):
            stack.extend(o.keys())
            stack.extend(o.values())
            if type(o) is OrderedDict:
                stack.extend(vars(o).values())
        elif isinstance(o, (list, tuple, set)):
            stack.extend(o)
    return found


# -- the zip container, laid out as PyTorch's writer (miniz) lays it out ------------------------------------

class _ZipWriter:
    """Writes stored records with 64-byte aligned data, data descriptors and zip64 end records, like
    PyTorch's PyTorchStreamWriter, so torch.load (and its mmap mode) reads the file as one of its own."""

    def __init__(self, f: BinaryIO, prefix: str):
        self.f, self.prefix = f, prefix
        self.pos = 0
        self.central: list[bytes] = []
        self.crcs: list[int] = []

    def _write(self, data) -> None:
        self.f.write(data)
        self.pos += len(data) if isinstance(data, (bytes, bytearray)) else memoryview(data).nbytes

    def record(self, name: str, data) -> None:
        """Append one record; ``data`` is bytes or a uint8 array."""
        fname = f"{self.prefix}/{name}".encode("utf-8")
        view = memoryview(data).cast("B") if not isinstance(data, (bytes, bytearray)) else data
        size = len(view)
        if size >= 0xFFFFFFFF or self.pos >= 0xFFFFFFFF:
            raise RuntimeError("numtorch.save does not write zip64 records yet (a record or the file is over 4 GiB)")
        crc = zlib.crc32(view) if size else 0
        self.crcs.append(crc)
        start = self.pos + 30 + len(fname) + 4
        pad = (-start) % _STORAGE_ALIGNMENT
        extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
        flags = 0x0808 if size else 0x0800  # bit 3: sizes follow in a data descriptor; bit 11: UTF-8 names
        offset = self.pos
        self._write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 0, flags, 0, 0, 0, 0, 0, 0, len(fname), len(extra)))
        self._write(fname + extra)
        if size:
            self._write(view)
            self._write(struct.pack("<4sIII", b"PK\x07\x08", crc, size, size))
        self.central.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 0, 0, flags, 0, 0, 0, crc, size, size,
                                        len(fname), 0, 0, 0, 0, 0, offset) + fname)

    def finish(self) -> None:
        """Write ``.data/serialization_id`` and the central directory."""
        combined = 0
        for c in self.crcs:
            combined = (combined * 1000003 + c) & 0xFFFFFFFFFFFFFFFF
        self.record(".data/serialization_id", f"{random.getrandbits(64):020d}{combined:020d}".encode())
        cd_start = self.pos
        for entry in self.central:
            self._write(entry)
        cd_size = self.pos - cd_start
        n = len(self.central)
        eocd64 = self.pos
        self._write(struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 0x031E, 0x2D, 0, 0, n, n, cd_size, cd_start))
        self._write(struct.pack("<4sIQI", b"PK\x06\x07", 0, eocd64, 1))
        self._write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, n, n, cd_size, cd_start, 0))


def _archive_prefix(f) -> str:
    # PyTorch names the top folder after the file, without its last extension ("model.pt" -> "model").
    if isinstance(f, (str, os.PathLike)):
        base = os.path.basename(os.fspath(f))
        stem = base[:base.rfind(".")] if "." in base else base
        return stem or "archive"
    return "archive"


def save(obj: Any, f: FileLike, pickle_module: Any = None, pickle_protocol: int = DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization: bool = True, _disable_byteorder_record: bool = False) -> None:
    """Save ``obj`` (tensors, Parameters, state_dicts, checkpoints of plain values) to a path or binary file,
    in PyTorch's format: ``torch.load(f, weights_only=True)`` reads it, and so does ``numtorch.load``."""
    if pickle_module is not None and pickle_module is not pickle:
        raise ValueError("numtorch.save writes its own pickle data; leave pickle_module out")
    if pickle_protocol != DEFAULT_PROTOCOL:
        raise ValueError(f"numtorch.save writes pickle protocol 2 (torch.save's default), not {pickle_protocol}")
    if isinstance(f, (bytes, bytearray)):
        raise TypeError("f must be a path (str or os.PathLike) or a binary file object, not bytes")
    # Pickle first: an object that cannot be saved raises before any file is created or truncated.
    plan = _plan_storages(_collect_tensors(obj))
    pickler = _Pickler(plan, legacy=not _use_new_zipfile_serialization)
    data_pkl = pickler.dump(obj)
    if isinstance(f, (str, os.PathLike)):
        with open(os.fspath(f), "wb") as fh:
            _write_checkpoint(fh, _archive_prefix(f), data_pkl, pickler.storages, _use_new_zipfile_serialization,
                              _disable_byteorder_record)
    else:
        if not hasattr(f, "write"):
            raise TypeError(f"f must be a path or a binary file object with write(), not {type(f).__name__}")
        if isinstance(f, io.TextIOBase):
            raise TypeError("f must be opened in binary mode ('wb'), not text mode")
        _write_checkpoint(f, "archive", data_pkl, pickler.storages, _use_new_zipfile_serialization,
                          _disable_byteorder_record)
        if hasattr(f, "flush"):
            f.flush()


def _write_checkpoint(fh: BinaryIO, prefix: str, data_pkl: bytes, storages: list, zip_format: bool,
                      no_byteorder: bool) -> None:
    if not zip_format:
        return _write_legacy(fh, data_pkl, storages)
    z = _ZipWriter(fh, prefix)
    z.record("data.pkl", data_pkl)
    z.record(".format_version", b"1")
    z.record(".storage_alignment", str(_STORAGE_ALIGNMENT).encode())
    if not no_byteorder:
        z.record("byteorder", b"little")
    for s in storages:
        z.record(f"data/{s.key}", s.raw)
    z.record("version", _FILE_FORMAT_VERSION)
    z.finish()


def _write_legacy(fh: BinaryIO, data_pkl: bytes, storages: list) -> None:
    fh.write(_Pickler().dump(MAGIC_NUMBER))
    fh.write(_Pickler().dump(PROTOCOL_VERSION))
    fh.write(_Pickler().dump(_LEGACY_SYS_INFO))
    fh.write(data_pkl)
    by_key = {s.key: s for s in storages}
    keys = sorted(by_key)  # PyTorch writes the storages in the (string) order of their keys
    fh.write(_Pickler().dump(keys))
    for k in keys:
        s = by_key[k]
        fh.write(struct.pack("<q", s.numel))
        fh.write(memoryview(s.raw).cast("B"))


# =========================================================================================================
# Reading: a restricted pickle interpreter and the rebuild functions it may call
# =========================================================================================================

class _Refused(pickle.UnpicklingError):
    """The pickle asks for something a weights-only load never does (an unknown global, opcode …)."""


class _Corrupt(Exception):
    """Internal: malformed pickle bytes (turned into UnpicklingError with the position)."""


class _StorageType:
    """``torch.FloatStorage`` & co. as named in a checkpoint: how to read that storage's bytes."""

    __slots__ = ("name", "disk_dtype")

    def __init__(self, name: str):
        self.name = name
        self.disk_dtype = np.dtype(_DISK_DTYPE_OF_STORAGE[name])

    def __repr__(self) -> str:
        return f"StorageType({self.name})"


class _Storage:
    """A loaded storage: a flat writable array every tensor rebuilt on it views."""

    __slots__ = ("array", "location")

    def __init__(self, array: np.ndarray, location: str = "cpu"):
        self.array, self.location = array, location

    def cpu(self) -> "_Storage":
        return self

    def __len__(self) -> int:
        return self.array.size

    def __repr__(self) -> str:
        return f"<numtorch storage: {self.array.size} x {self.array.dtype}>"


def _native_dtype(storage_type: _StorageType) -> np.dtype:
    """The in-memory element type of a storage (bfloat16 is widened to float32, as numtorch.bfloat16 is)."""
    if storage_type.name == "BFloat16Storage":
        return np.dtype(np.float32)
    return storage_type.disk_dtype.newbyteorder("=")


def _host_array(buf, storage_type: _StorageType, order: str) -> np.ndarray:
    """The native array of a storage whose bytes ``buf`` are in byte order ``order`` ('<' or '>'); no copy
    when the bytes are already native and ``buf`` is writable."""
    raw = np.frombuffer(buf, dtype=storage_type.disk_dtype.newbyteorder(order))
    if storage_type.name == "BFloat16Storage":
        return (raw.astype(np.uint32) << 16).view(np.float32)
    return raw.astype(raw.dtype.newbyteorder("="), copy=False)


def _check_int(v, what: str, minimum: int = 0) -> int:
    if type(v) is not int or v < minimum:
        raise pickle.UnpicklingError(f"corrupted checkpoint: {what} must be an int >= {minimum}, got {_short(v)}")
    return v


def _check_ints(v, what: str) -> tuple:
    if not isinstance(v, (tuple, list)):
        raise pickle.UnpicklingError(f"corrupted checkpoint: {what} must be a tuple of ints, got {_short(v)}")
    return tuple(_check_int(x, what) for x in v)


def _short(v) -> str:
    r = repr(v) if isinstance(v, (int, float, str, bool, type(None))) else f"<{type(v).__name__}>"
    return r if len(r) <= 80 else r[:77] + "..."


def _tensor_on(storage, storage_offset, size, stride, dtype: np.dtype | None = None):
    """The Tensor viewing ``storage`` with PyTorch's (offset, size, stride) in elements."""
    from .tensor import Tensor

    if type(storage) is not _Storage:
        raise pickle.UnpicklingError(f"corrupted checkpoint: expected a storage, got {_short(storage)}")
    offset = _check_int(storage_offset, "storage offset")
    size = _check_ints(size, "tensor size")
    stride = _check_ints(stride, "tensor stride")
    if len(size) != len(stride):
        raise pickle.UnpicklingError(f"corrupted checkpoint: size {size} and stride {stride} differ in length")
    arr = storage.array
    if dtype is not None and dtype != arr.dtype:  # _rebuild_tensor_v3: a byte storage read as `dtype`
        if arr.nbytes % dtype.itemsize:
            raise RuntimeError(f"storage of {arr.nbytes} bytes does not hold whole {dtype} elements")
        arr = arr.view(dtype)
    numel = 1
    for n in size:
        numel *= n
    if numel:
        last = offset + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= arr.size:
            raise RuntimeError(
                f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and itemsize "
                f"{arr.itemsize} requiring a storage size of {(last + 1) * arr.itemsize} are out of bounds for "
                f"storage of size {arr.nbytes}"
            )
        contiguous = stride == _contiguous_strides(size)
        if contiguous:
            data = arr[offset:offset + numel].reshape(size)
        else:
            data = np.lib.stride_tricks.as_strided(arr[offset:], size, tuple(s * arr.itemsize for s in stride))
    else:
        data = np.empty(size, dtype=arr.dtype)
    return Tensor._make(data)


def _set_requires_grad(t, requires_grad) -> None:
    if type(requires_grad) is not bool:
        raise pickle.UnpicklingError(f"corrupted checkpoint: requires_grad must be a bool, got {_short(requires_grad)}")
    if requires_grad:
        if t._data.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        t._requires_grad = True


def _check_metadata(metadata) -> None:
    if metadata is None:
        return
    if not isinstance(metadata, dict):
        raise pickle.UnpicklingError(f"corrupted checkpoint: tensor metadata must be a dict, got {_short(metadata)}")
    if any(metadata.values()):
        raise RuntimeError(f"numtorch cannot load tensors with metadata {sorted(k for k, v in metadata.items() if v)} "
                           "(conjugate or negative bits of complex tensors)")


def _rebuild_tensor(storage, storage_offset, size, stride):
    """``torch._utils._rebuild_tensor`` (files from PyTorch 0.4)."""
    return _tensor_on(storage, storage_offset, size, stride)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None):
    """``torch._utils._rebuild_tensor_v2``: how every tensor of a typed storage is written."""
    _check_metadata(metadata)
    t = _tensor_on(storage, storage_offset, size, stride)
    _set_requires_grad(t, requires_grad)
    return t


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype,
                       metadata=None):
    """``torch._utils._rebuild_tensor_v3``: a byte storage plus an explicit dtype."""
    from .dtypes import dtype as _dtype

    if type(dtype) is not _dtype:
        raise pickle.UnpicklingError(f"corrupted checkpoint: expected a dtype, got {_short(dtype)}")
    _check_metadata(metadata)
    t = _tensor_on(storage, storage_offset, size, stride, dtype.np_type)
    _set_requires_grad(t, requires_grad)
    return t


def _as_parameter(data, requires_grad):
    from .nn.parameter import Parameter
    from .tensor import Tensor

    if not isinstance(data, Tensor):
        raise pickle.UnpicklingError(f"corrupted checkpoint: Parameter data must be a tensor, got {_short(data)}")
    if type(requires_grad) is not bool:
        raise pickle.UnpicklingError(f"corrupted checkpoint: requires_grad must be a bool, got {_short(requires_grad)}")
    if requires_grad and data._data.dtype.kind != "f":
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    return Parameter(data, requires_grad)


def _set_state(obj, state):
    """Python attributes saved with a tensor (``t.__dict__``): names must be strings."""
    if state is None:
        return obj
    if isinstance(state, tuple) and len(state) == 2:  # (dict state, slot state)
        for part in state:
            _set_state(obj, part)
        return obj
    if not isinstance(state, dict) or not all(type(k) is str for k in state):
        raise pickle.UnpicklingError(f"corrupted checkpoint: object state must be a dict of names, got {_short(state)}")
    # Data only, and never over a name the class defines: a file cannot shadow a method with a value.
    clash = [k for k in state if hasattr(type(obj), k)]
    if clash:
        raise pickle.UnpicklingError(f"corrupted checkpoint: saved attributes {clash[:5]} would hide "
                                     f"{type(obj).__name__}'s own")
    obj.__dict__.update(state)
    return obj


def _rebuild_parameter(data, requires_grad, backward_hooks):
    """``torch._utils._rebuild_parameter``."""
    return _as_parameter(data, requires_grad)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    """``torch._utils._rebuild_parameter_with_state``: a Parameter with Python attributes."""
    return _set_state(_as_parameter(data, requires_grad), state)


_TENSOR_REBUILDERS = (_rebuild_tensor, _rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_parameter,
                      _rebuild_parameter_with_state)


def _rebuild_from_type_v2(func, new_type, args, state):
    """``torch._tensor._rebuild_from_type_v2``: a tensor (or Parameter) carrying Python attributes."""
    from .nn.parameter import Parameter
    from .tensor import Tensor

    if not any(func is f for f in _TENSOR_REBUILDERS):
        raise _Refused(f"_rebuild_from_type_v2 may only call tensor rebuild functions, got {_short(func)}")
    if new_type is not Tensor and new_type is not Parameter:
        raise _Refused(f"_rebuild_from_type_v2 may only make Tensor or Parameter, got {_short(new_type)}")
    if type(args) is not tuple:
        raise pickle.UnpicklingError("corrupted checkpoint: _rebuild_from_type_v2 args must be a tuple")
    ret = func(*args)
    if new_type is Parameter and not isinstance(ret, Parameter):
        ret = Parameter(ret, ret.requires_grad)
    return _set_state(ret, state)


def _make_ordered_dict(*args):
    if args and not (len(args) == 1 and isinstance(args[0], (list, dict))):
        raise pickle.UnpicklingError("corrupted checkpoint: bad OrderedDict arguments")
    return OrderedDict(*args)


def _make_counter(*args):
    if args and not (len(args) == 1 and isinstance(args[0], dict)):
        raise pickle.UnpicklingError("corrupted checkpoint: bad Counter arguments")
    return Counter(*args)


def _make_size(*args):
    from .tensor import Size

    if len(args) != 1:
        raise pickle.UnpicklingError("corrupted checkpoint: bad torch.Size arguments")
    return Size(_check_ints(args[0], "torch.Size"))


def _make_device(*args):
    from .tensor import device

    if not args or len(args) > 2 or type(args[0]) is not str or (len(args) == 2 and type(args[1]) is not int
                                                                  and args[1] is not None):
        raise pickle.UnpicklingError("corrupted checkpoint: bad torch.device arguments")
    return device(*args)


def _make_set(*args):
    if args and not (len(args) == 1 and isinstance(args[0], (list, tuple))):
        raise pickle.UnpicklingError("corrupted checkpoint: bad set arguments")
    return set(*args)


def _make_complex(*args):
    if len(args) > 2 or not all(type(a) in (int, float) for a in args):
        raise pickle.UnpicklingError("corrupted checkpoint: bad complex arguments")
    return complex(*args)


def _make_bytes(*args):
    if args:
        raise pickle.UnpicklingError("corrupted checkpoint: bad bytes arguments")
    return b""


def _make_bytearray(*args):
    if not args:
        return bytearray()
    if len(args) == 1 and type(args[0]) is bytes:
        return bytearray(args[0])
    if len(args) == 2 and type(args[0]) is str and args[1] in ("latin1", "latin-1", "iso-8859-1"):
        return bytearray(args[0], "latin1")
    raise pickle.UnpicklingError("corrupted checkpoint: bad bytearray arguments")


def _codecs_encode(*args):
    # Only the one codec protocol-2 pickles use for bytes: no codec lookup by a name from the file.
    if len(args) == 2 and type(args[0]) is str and args[1] in ("latin1", "latin-1", "iso-8859-1"):
        return args[0].encode("latin1")
    raise _Refused("_codecs.encode is only allowed as encode(text, 'latin1') (how protocol 2 writes bytes)")


def _get_layout(name):
    if name != "torch.strided":
        raise RuntimeError(f"numtorch has only the torch.strided layout, the file needs {_short(name)}")
    return "torch.strided"


_safe_globals: list = []


def add_safe_globals(safe_globals: list) -> None:
    """Allow these classes/functions (or ``(obj, "module.name")`` pairs) in loaded files. Only objects you
    pass here are ever called; the file itself can name them but never supply code."""
    for g in safe_globals:
        if g not in _safe_globals:
            _safe_globals.append(g)


def get_safe_globals() -> list:
    """The user-allowlisted globals."""
    return list(_safe_globals)


def clear_safe_globals() -> None:
    """Forget every user-allowlisted global."""
    _safe_globals.clear()


class safe_globals:
    """Context manager: ``add_safe_globals(globals)`` for the duration of a ``with`` block."""

    def __init__(self, safe_globals: list):
        self.safe_globals = list(safe_globals)

    def __enter__(self) -> None:
        self._added = [g for g in self.safe_globals if g not in _safe_globals]
        add_safe_globals(self._added)

    def __exit__(self, *exc) -> None:
        for g in self._added:
            if g in _safe_globals:
                _safe_globals.remove(g)


def _user_globals() -> dict:
    out = {}
    for g in _safe_globals:
        if isinstance(g, tuple):
            if len(g) != 2 or type(g[1]) is not str:
                raise ValueError("safe globals tuples must be (object, 'module.name')")
            out[g[1]] = g[0]
        else:
            out[f"{g.__module__}.{g.__qualname__}"] = g
    return out


# Never allowed, not even through add_safe_globals (PyTorch blocks the same modules).
_BLOCKED_MODULES = ("sys", "os", "posix", "nt", "subprocess")
# Rebuild functions PyTorch allows that numtorch has nothing to rebuild into.
_KNOWN_UNSUPPORTED = {
    "torch._utils._rebuild_qtensor": "quantized tensors",
    "torch._utils._rebuild_sparse_tensor": "sparse tensors",
    "torch._utils._rebuild_meta_tensor_no_storage": "meta tensors",
    "torch._utils._rebuild_nested_tensor": "nested tensors",
    "torch._utils._rebuild_wrapper_subclass": "tensor subclasses",
    "torch._utils._rebuild_device_tensor_from_numpy": "device tensors",
    "torch._utils._rebuild_device_tensor_from_cpu_tensor": "device tensors",
}

_TABLE: dict | None = None


def _builtin_table() -> tuple[dict, dict]:
    """(name -> object pushed by GLOBAL, id(object) -> (object, implementation called by REDUCE/NEWOBJ))."""
    global _TABLE
    if _TABLE is None:
        from . import dtypes as _dt
        from .nn.parameter import Parameter
        from .tensor import Size, Tensor, device

        names: dict = {
            "collections.OrderedDict": OrderedDict,
            "collections.Counter": Counter,
            "torch.Size": Size,
            "torch.device": device,
            "torch.Tensor": Tensor,
            "torch.nn.parameter.Parameter": Parameter,
            "torch.serialization._get_layout": _get_layout,
            "torch._utils._rebuild_tensor": _rebuild_tensor,
            "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
            "torch._utils._rebuild_tensor_v3": _rebuild_tensor_v3,
            "torch._utils._rebuild_parameter": _rebuild_parameter,
            "torch._utils._rebuild_parameter_with_state": _rebuild_parameter_with_state,
            "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
            "builtins.set": set,
            "builtins.complex": complex,
            "builtins.bytearray": bytearray,
            "builtins.bytes": bytes,
            "_codecs.encode": _codecs_encode,
        }
        for d in _dt.ALL:
            names[f"torch.{d.name}"] = d
        for alias, d in _dt.ALIASES.items():
            names.setdefault(f"torch.{alias}", d)
        names["torch.bfloat16"] = _dt.float32  # as numtorch.bfloat16
        for st in list(_DISK_DTYPE_OF_STORAGE) + ["TypedStorage"]:
            if st == "TypedStorage":
                continue
            obj = _StorageType(st)
            for mod in ("torch", "torch.cuda", "torch.storage"):
                names[f"{mod}.{st}"] = obj
        calls = {OrderedDict: _make_ordered_dict, Counter: _make_counter, Size: _make_size, device: _make_device,
                 set: _make_set, complex: _make_complex, bytearray: _make_bytearray, bytes: _make_bytes,
                 Parameter: _as_parameter, _codecs_encode: _codecs_encode, _get_layout: _get_layout}
        for f in _TENSOR_REBUILDERS + (_rebuild_from_type_v2,):
            calls[f] = f
        _TABLE = (names, {id(k): (k, v) for k, v in calls.items()})
    return _TABLE


def _resolve_global(module: str, name: str):
    """The object a GLOBAL may push, or a refusal (raised before anything runs)."""
    if (module, name) in _compat_pickle.NAME_MAPPING:  # Python 2 names, as pickle's fix_imports does
        module, name = _compat_pickle.NAME_MAPPING[(module, name)]
    elif module in _compat_pickle.IMPORT_MAPPING:
        module = _compat_pickle.IMPORT_MAPPING[module]
    full = f"{module}.{name}"
    if module.split(".")[0] in _BLOCKED_MODULES:
        raise _Refused(f"Trying to load unsupported GLOBAL {full} whose module {module} is blocked.")
    names, _ = _builtin_table()
    if full in names:
        return names[full]
    user = _user_globals()
    if full in user:
        return user[full]
    if full in _KNOWN_UNSUPPORTED:
        raise RuntimeError(f"numtorch cannot load {_KNOWN_UNSUPPORTED[full]} ({full})")
    if module == "torch" and (name in _UNSUPPORTED_DTYPES or name in _UNSUPPORTED_STORAGES):
        raise RuntimeError(f"numtorch has no counterpart for torch.{name} (complex, quantized and unsigned "
                           "16/32/64-bit types are not supported)")
    shown = full[len("builtins."):] if full.startswith("builtins.") else full
    raise _Refused(
        f"Unsupported global: GLOBAL {shown} was not an allowed global by default. Please use "
        f"`numtorch.serialization.add_safe_globals([{shown}])` or the "
        f"`numtorch.serialization.safe_globals([{shown}])` context manager to allowlist this global if you trust "
        "this class/function."
    )


class _Unpickler:
    """Runs a pickle's opcodes with a fixed vocabulary: containers, numbers, strings, the globals of
    ``_builtin_table`` (plus the user's safe globals) and persistent storage ids. Nothing is imported."""

    def __init__(self, data: bytes | memoryview, pos: int, persistent_load: Callable, encoding: str = "utf-8"):
        self.data, self.pos = data, pos
        self.persistent_load = persistent_load
        self.encoding = encoding

    def _read(self, n: int) -> bytes:
        end = self.pos + n
        if n < 0 or end > len(self.data):
            raise _Corrupt("pickle data was truncated")
        out = self.data[self.pos:end]
        self.pos = end
        return bytes(out)

    def _readline(self) -> bytes:
        end = bytes(self.data[self.pos:self.pos + 4096]).find(b"\n")
        if end < 0:
            raise _Corrupt("pickle data was truncated (a GLOBAL name has no end)")
        out = bytes(self.data[self.pos:self.pos + end])
        self.pos += end + 1
        return out

    def load(self):
        """The unpickled object; the position after STOP is left in ``self.pos``."""
        start = self.pos
        try:
            return self._run()
        except (_Refused, RuntimeError, pickle.UnpicklingError):
            raise
        except _Corrupt as e:
            raise pickle.UnpicklingError(f"corrupted checkpoint: {e} (pickle byte {self.pos - start})") from None
        except Exception as e:  # noqa: BLE001 - any other failure means malformed bytes
            raise pickle.UnpicklingError(
                f"corrupted checkpoint: malformed pickle data near byte {self.pos - start} "
                f"({type(e).__name__}: {_short(str(e))})"
            ) from e

    def _run(self):
        stack: list = []
        metastack: list = []
        memo: dict = {}
        read, unpack = self._read, struct.unpack
        _, calls = _builtin_table()
        user = {id(v): v for v in _user_globals().values()}

        def pop_mark() -> list:
            nonlocal stack
            items = stack
            stack = metastack.pop()
            return items

        def call(func, args, how: str):
            entry = calls.get(id(func))
            if entry is not None and entry[0] is func:
                return entry[1](*args)
            if id(func) in user:
                return func(*args) if how == "REDUCE" else func.__new__(func, *args)
            raise _Refused(f"Trying to call {how} for unrecognized function {_short(func)}")

        while True:
            op = read(1)[0]
            if op == 0x71:  # BINPUT
                memo[read(1)[0]] = stack[-1]
            elif op == 0x58:  # BINUNICODE
                (n,) = unpack("<I", read(4))
                stack.append(str(read(n), "utf-8", "surrogatepass"))
            elif op == 0x68:  # BINGET
                stack.append(memo[read(1)[0]])
            elif op == 0x4B:  # BININT1
                stack.append(read(1)[0])
            elif op == 0x28:  # MARK
                metastack.append(stack)
                stack = []
            elif op == 0x74:  # TUPLE
                items = pop_mark()  # rebinds `stack`: pop before appending
                stack.append(tuple(items))
            elif op == 0x85:  # TUPLE1
                stack[-1] = (stack[-1],)
            elif op == 0x86:  # TUPLE2
                stack[-2:] = [(stack[-2], stack[-1])]
            elif op == 0x87:  # TUPLE3
                stack[-3:] = [(stack[-3], stack[-2], stack[-1])]
            elif op == 0x29:  # EMPTY_TUPLE
                stack.append(())
            elif op == 0x52:  # REDUCE
                args = stack.pop()
                if type(args) is not tuple:
                    raise _Corrupt("REDUCE arguments are not a tuple")
                stack[-1] = call(stack[-1], args, "REDUCE")
            elif op == 0x51:  # BINPERSID
                pid = stack.pop()
                if type(pid) is not tuple or not pid or pid[0] not in ("storage", b"storage"):
                    raise _Refused(f"Only persistent_load of storage is allowed, but got {_short(pid)}")
                stack.append(self.persistent_load(pid))
            elif op == 0x63:  # GLOBAL
                module = self._readline().decode("utf-8")
                name = self._readline().decode("utf-8")
                stack.append(_resolve_global(module, name))
            elif op == 0x93:  # STACK_GLOBAL
                name = stack.pop()
                module = stack.pop()
                if type(module) is not str or type(name) is not str:
                    raise _Corrupt("STACK_GLOBAL needs two strings")
                stack.append(_resolve_global(module, name))
            elif op == 0x7D:  # EMPTY_DICT
                stack.append({})
            elif op == 0x5D:  # EMPTY_LIST
                stack.append([])
            elif op == 0x73:  # SETITEM
                v = stack.pop()
                k = stack.pop()
                target = stack[-1]
                if type(target) not in (dict, OrderedDict, Counter):
                    raise _Refused(f"Can only SETITEM for dict, OrderedDict, Counter, but got {type(target)}")
                target[k] = v
            elif op == 0x75:  # SETITEMS
                items = pop_mark()
                target = stack[-1]
                if type(target) not in (dict, OrderedDict, Counter):
                    raise _Refused(f"Can only SETITEMS for dict, OrderedDict, Counter, but got {type(target)}")
                if len(items) % 2:
                    raise _Corrupt("SETITEMS with an odd number of items")
                for i in range(0, len(items), 2):
                    target[items[i]] = items[i + 1]
            elif op == 0x61:  # APPEND
                v = stack.pop()
                if type(stack[-1]) is not list:
                    raise _Refused(f"Can only append to lists, but got {type(stack[-1])}")
                stack[-1].append(v)
            elif op == 0x65:  # APPENDS
                items = pop_mark()
                if type(stack[-1]) is not list:
                    raise _Refused(f"Can only extend lists, but got {type(stack[-1])}")
                stack[-1].extend(items)
            elif op == 0x89:  # NEWFALSE
                stack.append(False)
            elif op == 0x88:  # NEWTRUE
                stack.append(True)
            elif op == 0x4E:  # NONE
                stack.append(None)
            elif op == 0x4D:  # BININT2
                stack.append(unpack("<H", read(2))[0])
            elif op == 0x4A:  # BININT
                stack.append(unpack("<i", read(4))[0])
            elif op == 0x47:  # BINFLOAT
                stack.append(unpack(">d", read(8))[0])
            elif op == 0x8A:  # LONG1
                stack.append(int.from_bytes(read(read(1)[0]), "little", signed=True))
            elif op == 0x8B:  # LONG4
                (n,) = unpack("<i", read(4))
                stack.append(int.from_bytes(read(n), "little", signed=True))
            elif op == 0x72:  # LONG_BINPUT
                memo[unpack("<I", read(4))[0]] = stack[-1]
            elif op == 0x6A:  # LONG_BINGET
                stack.append(memo[unpack("<I", read(4))[0]])
            elif op == 0x94:  # MEMOIZE
                memo[len(memo)] = stack[-1]
            elif op == 0x8C:  # SHORT_BINUNICODE
                stack.append(str(read(read(1)[0]), "utf-8", "surrogatepass"))
            elif op == 0x8D:  # BINUNICODE8
                (n,) = unpack("<Q", read(8))
                stack.append(str(read(n), "utf-8", "surrogatepass"))
            elif op in (0x43, 0x42, 0x8E):  # SHORT_BINBYTES, BINBYTES, BINBYTES8
                n = read(1)[0] if op == 0x43 else unpack("<I" if op == 0x42 else "<Q", read(4 if op == 0x42 else 8))[0]
                stack.append(read(n))
            elif op in (0x55, 0x54):  # SHORT_BINSTRING, BINSTRING (Python 2 str)
                n = read(1)[0] if op == 0x55 else unpack("<i", read(4))[0]
                raw = read(n)
                stack.append(raw if self.encoding == "bytes" else raw.decode(self.encoding))
            elif op == 0x8F:  # EMPTY_SET
                stack.append(set())
            elif op == 0x90:  # ADDITEMS
                items = pop_mark()
                if type(stack[-1]) is not set:
                    raise _Refused(f"Can only add items to sets, but got {type(stack[-1])}")
                stack[-1].update(items)
            elif op == 0x91:  # FROZENSET
                items = pop_mark()
                stack.append(frozenset(items))
            elif op == 0x81:  # NEWOBJ
                args = stack.pop()
                cls = stack.pop()
                if type(args) is not tuple:
                    raise _Corrupt("NEWOBJ arguments are not a tuple")
                stack.append(call(cls, args, "NEWOBJ"))
            elif op == 0x62:  # BUILD
                state = stack.pop()
                self._build(stack[-1], state, user)
            elif op == 0x30:  # POP
                if stack:
                    stack.pop()
                else:
                    pop_mark()
            elif op == 0x31:  # POP_MARK
                pop_mark()
            elif op == 0x32:  # DUP
                stack.append(stack[-1])
            elif op == 0x95:  # FRAME (protocol 4): a length prefix, transparent to the opcodes
                read(8)
            elif op == 0x80:  # PROTO
                proto = read(1)[0]
                if proto > 5:
                    raise _Corrupt(f"unsupported pickle protocol {proto}")
            elif op == 0x2E:  # STOP
                if not stack:
                    raise _Corrupt("empty pickle stack at STOP")
                return stack[-1]
            else:
                raise _Refused(f"Unsupported operand {op} ({chr(op)!r})")

    @staticmethod
    def _build(inst, state, user: dict) -> None:
        from .tensor import Tensor

        if type(inst) is OrderedDict or isinstance(inst, Tensor):
            _set_state(inst, state)
        elif id(type(inst)) in user:
            if hasattr(inst, "__setstate__"):
                inst.__setstate__(state)
            else:
                _set_state(inst, state)
        else:
            raise _Refused(f"Can only build Tensor, Parameter, OrderedDict or types allowlisted via "
                           f"`add_safe_globals`, but got {type(inst)}")


# -- map_location -----------------------------------------------------------------------------------------

def _restore_location(map_location) -> Callable[[_Storage, str], _Storage]:
    """PyTorch's map_location rules, for a CPU-only library: every storage must end up on the CPU."""
    from .tensor import device

    def to(storage: _Storage, where) -> _Storage:
        where = str(where)
        if where == "cpu" or where.startswith("cpu:"):
            storage.location = "cpu"
            return storage
        if where.startswith("cuda"):
            raise RuntimeError(
                "Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is False. If you "
                "are running on a CPU-only machine, please use torch.load with map_location=torch.device('cpu') to "
                "map your storages to the CPU."
            )
        raise RuntimeError(f"numtorch runs on the CPU only and cannot place a storage on '{where}'; "
                           "pass map_location='cpu'")

    if map_location is None:
        return to
    if isinstance(map_location, dict):
        return lambda s, loc: to(s, map_location.get(loc, loc))
    if isinstance(map_location, (str, bytes)):
        target = map_location.decode() if isinstance(map_location, bytes) else map_location
        return lambda s, loc: to(s, target)
    if isinstance(map_location, device):
        return lambda s, loc: to(s, str(map_location))
    if callable(map_location):
        def restore(s: _Storage, loc: str) -> _Storage:
            result = map_location(s, loc)
            if result is None:
                return to(s, loc)
            if type(result) is not _Storage:
                raise RuntimeError("map_location must return the storage it was given, or None")
            return result
        return restore
    raise TypeError(f"map_location must be None, a str, a device, a dict or a callable, not {type(map_location)}")


# -- the two containers -----------------------------------------------------------------------------------

def _load_zip(zf: zipfile.ZipFile, restore: Callable, encoding: str, mmap_array: np.ndarray | None,
              fileobj: BinaryIO | None):
    names = zf.namelist()
    if not names:
        raise RuntimeError("not a checkpoint: the zip archive is empty")
    prefix = names[0].split("/", 1)[0]
    records = {n[len(prefix) + 1:]: zf.getinfo(n) for n in names if n.startswith(prefix + "/")}
    if "constants.pkl" in records:
        raise RuntimeError("Cannot use ``weights_only=True`` with TorchScript archives passed to ``torch.load``; "
                           "numtorch cannot load TorchScript")
    if "data.pkl" not in records:
        raise RuntimeError(f"not a checkpoint: the zip archive has no {prefix}/data.pkl (torch.save writes one)")
    for vname in ("version", ".data/version"):
        if vname in records:
            v = _read_record(zf, records[vname]).strip()
            if not v.isdigit() or int(v) < 1:
                raise RuntimeError(f"corrupted checkpoint: bad format version record {v[:20]!r}")
            break
    order = "<"
    if "byteorder" in records:
        mark = _read_record(zf, records["byteorder"])
        if mark not in (b"little", b"big"):
            raise RuntimeError("corrupted checkpoint: unknown endianness type " + repr(mark[:20]))
        order = "<" if mark == b"little" else ">"
    loaded: dict = {}

    def persistent_load(pid: tuple):
        if len(pid) != 5:
            raise pickle.UnpicklingError(f"corrupted checkpoint: storage id of {len(pid)} fields, expected 5")
        _, storage_type, key, location, numel = pid
        if type(storage_type) is not _StorageType:
            raise pickle.UnpicklingError(f"corrupted checkpoint: {_short(storage_type)} is not a storage type")
        key, location = _ascii(key), _ascii(location)  # Python 2 files may hold them as bytes
        if type(key) is not str or type(location) is not str:
            raise pickle.UnpicklingError("corrupted checkpoint: storage key and location must be strings")
        numel = _check_int(numel, "storage size")
        if key in loaded:
            return loaded[key]
        info = records.get(f"data/{key}")
        if info is None:
            raise RuntimeError(f"corrupted checkpoint: record {prefix}/data/{key} is missing")
        nbytes = numel * storage_type.disk_dtype.itemsize
        if info.file_size != nbytes:
            raise RuntimeError(f"corrupted checkpoint: record {prefix}/data/{key} holds {info.file_size} bytes, "
                               f"the pickle expects {nbytes}")
        if mmap_array is not None and info.compress_type == zipfile.ZIP_STORED and nbytes:
            start = _record_data_offset(fileobj, info)
            buf = mmap_array[start:start + nbytes]
        else:
            buf = bytearray(_read_record(zf, info))  # writable, so the array needs no second copy
        storage = restore(_Storage(_host_array(buf, storage_type, order)), location)
        loaded[key] = storage
        return storage

    return _Unpickler(_read_record(zf, records["data.pkl"]), 0, persistent_load, encoding).load()


def _read_record(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A record's bytes (CRC checked); zipfile's many ways of failing on damage become one RuntimeError."""
    try:
        return zf.read(info)
    except MemoryError:
        raise
    except Exception as e:  # noqa: BLE001
        raise RuntimeError(f"corrupted checkpoint: cannot read record {info.filename!r} "
                           f"({type(e).__name__}: {_short(str(e))})") from None


def _record_data_offset(fileobj: BinaryIO, info: zipfile.ZipInfo) -> int:
    fileobj.seek(info.header_offset)
    header = fileobj.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise RuntimeError(f"corrupted checkpoint: bad local header for {info.filename}")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    return info.header_offset + 30 + name_len + extra_len


def _load_legacy(data: memoryview, restore: Callable, encoding: str) -> tuple[Any, int]:
    """The pre-1.6 stream; returns (object, bytes consumed)."""

    def no_storage(pid):
        raise pickle.UnpicklingError("corrupted checkpoint: storage id in the legacy header")

    up = _Unpickler(data, 0, no_storage, encoding)
    if up.load() != MAGIC_NUMBER:
        raise RuntimeError("Invalid magic number; corrupt file?")
    version = up.load()
    if version != PROTOCOL_VERSION:
        raise RuntimeError(f"Invalid protocol version: {_short(version)}")
    sys_info = up.load()
    order = ">" if isinstance(sys_info, dict) and sys_info.get("little_endian") is False else "<"
    storages: dict = {}
    pending: dict = {}

    def persistent_load(pid: tuple):
        if len(pid) != 6:
            raise pickle.UnpicklingError(f"corrupted checkpoint: storage id of {len(pid)} fields, expected 6")
        _, storage_type, key, location, numel, view = pid
        if type(storage_type) is not _StorageType:
            raise pickle.UnpicklingError(f"corrupted checkpoint: {_short(storage_type)} is not a storage type")
        key, location = _ascii(key), _ascii(location)  # Python 2 files may hold them as bytes
        if type(key) is not str or type(location) is not str:
            raise pickle.UnpicklingError("corrupted checkpoint: storage key and location must be strings")
        numel = _check_int(numel, "storage size")
        if key not in storages:
            if numel * storage_type.disk_dtype.itemsize > len(data):
                raise RuntimeError(f"corrupted checkpoint: storage {key} claims {numel} elements, more than the "
                                   "file holds")
            # The bytes come after the pickle: tensors view this array now, it is filled in below.
            storages[key] = restore(_Storage(np.zeros(numel, _native_dtype(storage_type))), location)
            pending[key] = storage_type
        storage = storages[key]
        if view is None:
            return storage
        if type(view) is not tuple or len(view) != 3:
            raise pickle.UnpicklingError("corrupted checkpoint: bad storage view")
        view_key, offset, size = view
        offset, size = _check_int(offset, "view offset"), _check_int(size, "view size")
        if type(view_key) is not str or offset + size > storage.array.size:
            raise RuntimeError("corrupted checkpoint: storage view out of bounds")
        if view_key not in storages:
            storages[view_key] = _Storage(storage.array[offset:offset + size], storage.location)
        return storages[view_key]

    up.persistent_load = persistent_load
    result = up.load()
    keys = up.load()
    if not isinstance(keys, list) or not all(type(k) is str for k in keys):
        raise pickle.UnpicklingError("corrupted checkpoint: the storage key list is malformed")
    pos = up.pos
    for key in keys:
        if key not in pending:
            raise RuntimeError(f"corrupted checkpoint: storage key {_short(key)} is not used by the pickle")
        storage_type = pending.pop(key)
        array = storages[key].array
        if pos + 8 > len(data):
            raise RuntimeError("corrupted checkpoint: the file ends before its storages (truncated?)")
        (numel,) = struct.unpack("<q", data[pos:pos + 8])
        pos += 8
        if numel != array.size:
            raise RuntimeError(f"corrupted checkpoint: storage {key} holds {numel} elements, the pickle says "
                               f"{array.size}")
        nbytes = numel * storage_type.disk_dtype.itemsize
        if pos + nbytes > len(data):
            raise RuntimeError("corrupted checkpoint: the file ends inside a storage (truncated?)")
        array[...] = _host_array(data[pos:pos + nbytes], storage_type, order)
        pos += nbytes
    if pending:
        raise RuntimeError(f"corrupted checkpoint: storages {sorted(pending)} have no data")
    return result, pos


def _ascii(v):
    if type(v) is bytes:
        try:
            return v.decode("ascii")
        except UnicodeDecodeError:
            return v
    return v


def _weights_only_message(message: str) -> str:
    return f"Weights only load failed. {_UNSAFE_MESSAGE}\n\n{message}"


def load(f: FileLike, map_location=None, pickle_module: Any = None, *, weights_only: bool | None = True,
         mmap: bool | None = None, **pickle_load_args: Any) -> Any:
    """Load what ``save`` (or ``torch.save``, zip or legacy format) wrote, rebuilding only tensors,
    Parameters, containers and plain values: code named in the file is refused, never run."""
    if weights_only is False:
        raise ValueError(_WEIGHTS_ONLY_FALSE_MESSAGE)
    if pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    encoding = pickle_load_args.pop("encoding", "utf-8")
    if pickle_load_args:
        warnings.warn("pickle_load_args only works if `weights_only=False`.", stacklevel=2)
    restore = _restore_location(map_location)
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        if path.endswith(".safetensors"):
            if isinstance(map_location, dict) or (callable(map_location) and not isinstance(map_location, str)):
                raise RuntimeError("Loading safetensors file with dict or callable map_location is not supported. "
                                   "Use a device string or torch.device instead.")
            from .utils.safetensors import load_file

            return load_file(path)
        with open(path, "rb") as fh:
            return _load_from(fh, restore, encoding, path if mmap else None, repr(path))
    if mmap:
        raise ValueError("f must be a file path in order to use the mmap argument")
    if isinstance(f, io.TextIOBase):
        raise TypeError("f must be opened in binary mode ('rb'), not text mode")
    if not hasattr(f, "read"):
        raise TypeError(f"f must be a path or a binary file object with read(), not {type(f).__name__}")
    return _load_from(f, restore, encoding, None, "the file")


def _load_from(fh: BinaryIO, restore: Callable, encoding: str, mmap_path: str | None, what: str):
    seekable = getattr(fh, "seekable", lambda: False)()
    if not seekable:  # zipfile needs to seek
        fh = io.BytesIO(fh.read())
    start = fh.tell()
    head = fh.read(4)
    fh.seek(start)
    if not head:
        raise pickle.UnpicklingError(f"{what} is empty: not a checkpoint")
    try:
        if head == b"PK\x03\x04":
            try:
                zf = zipfile.ZipFile(fh)
            except Exception as e:  # noqa: BLE001
                raise RuntimeError(f"{what} is a damaged zip archive (truncated or corrupted checkpoint): "
                                   f"{type(e).__name__}: {_short(str(e))}") from None
            mm = np.memmap(mmap_path, dtype=np.uint8, mode="c") if mmap_path else None
            with zf:
                return _load_zip(zf, restore, encoding, mm, fh if mm is not None else None)
        if mmap_path:
            raise RuntimeError("mmap can only be used with files saved with "
                               "`torch.save(_use_new_zipfile_serialization=True)`")
        data = fh.read()
        if len(data) > 262 and data[257:262] == b"ustar":
            raise RuntimeError("Cannot use ``weights_only=True`` with files saved in the legacy .tar format "
                               "(PyTorch < 0.4); numtorch cannot load it")
        if data[:1] != b"\x80":
            raise pickle.UnpicklingError(
                f"{what} is not a checkpoint: it is neither a zip archive (torch.save's format) nor a legacy PyTorch "
                f"file (a pickle stream); it starts with {data[:8]!r}"
            )
        obj, used = _load_legacy(memoryview(data), restore, encoding)
        fh.seek(start + used)
        return obj
    except _Refused as e:
        raise pickle.UnpicklingError(_weights_only_message(str(e))) from None
    except (pickle.UnpicklingError, RuntimeError, MemoryError):
        raise
    except Exception as e:  # noqa: BLE001 - zipfile, zlib and NumPy report damage in many ways
        raise RuntimeError(f"{what} is a damaged checkpoint (truncated or corrupted): {type(e).__name__}: "
                           f"{_short(str(e))}") from None


# -- plain pickle (copy.copy, multiprocessing): numtorch's own reduce, not the checkpoint format -------------

def _reduce_tensor(t) -> tuple:
    """``Tensor.__reduce_ex__``: the array (shared by copy.copy, copied by pickle) and requires_grad."""
    state = {k: v for k, v in t.__dict__.items() if not k.startswith("_")}
    return (_rebuild_from_array, (t._data, bool(t._requires_grad), "tensor", state or None))


def _reduce_parameter(p) -> tuple:
    """``Parameter.__reduce_ex__``."""
    state = {k: v for k, v in p.__dict__.items() if not k.startswith("_")}
    return (_rebuild_from_array, (p._data, bool(p._requires_grad), "parameter", state or None))


def _rebuild_from_array(array: np.ndarray, requires_grad: bool, kind: str = "tensor", state: dict | None = None):
    """Inverse of ``_reduce_tensor`` / ``_reduce_parameter``."""
    from .tensor import Tensor

    t = Tensor._make(array)
    if kind == "parameter":
        from .nn.parameter import Parameter

        t = Parameter(t, requires_grad)
    else:
        t._requires_grad = requires_grad
    if state:
        t.__dict__.update(state)
    return t
