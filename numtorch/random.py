"""PyTorch 2.13's CPU random streams, reproduced bit for bit on NumPy arrays.

Everything here follows ``shared/spec/rng.md``: one MT19937 engine per :class:`Generator`
(seeded with the low 32 bits of the seed, exactly like ``torch.manual_seed``), and on top of it
the same transformations PyTorch's x86-64 AVX2/AVX-512 kernels apply, including where the
compiled kernels fuse a multiply and an add into one rounding (``fma``). Results are plain
NumPy arrays filled in row-major order; the Tensor layer wraps them.

Engine: NumPy's own ``np.random.MT19937`` with legacy (``init_genrand``) seeding produces the
same 32-bit words as PyTorch's ``at::mt19937``, so every Generator keeps one persistent NumPy
bit generator and asks it for raw words. Everything else is vectorised NumPy, except where
bit-exactness needs the platform C library (``math.log1p``/``log``/``sin``/``cos``, which is
what PyTorch's ``std::`` calls use): NumPy's float64 ``log``/``log1p`` are SIMD approximations
that differ from libm in the last bit (measured on an AVX-512 machine: about 0.3 % / 7 % of
inputs), which breaks golden randn(float64) cases.

``get_state`` returns PyTorch's own 5056-byte ``CPUGeneratorImplState`` layout, so a state
saved by ``torch.get_rng_state()`` can be restored here and vice versa.
"""

from __future__ import annotations

import contextlib
import math
import operator
import os
import struct
import warnings
from collections.abc import Iterable
from fractions import Fraction

import numpy as np

__all__ = [
    "Generator",
    "default_generator",
    "manual_seed",
    "seed",
    "initial_seed",
    "get_rng_state",
    "set_rng_state",
    "fork_rng",
    "TorchGenerator",
    "DEFAULT_GENERATOR_SEED",
    "STATE_SIZE",
    "fill_order",
    "draw_like",
    "like_is_contiguous",
]

# ``torch.Generator()`` (an explicitly created CPU generator) starts from this fixed seed
# (c10's default_rng_seed_val); only the process-wide default generator is seeded from
# /dev/urandom. ``Generator(None)`` here is the nondeterministic one; pass this constant to
# get ``torch.Generator()``'s deterministic start.
DEFAULT_GENERATOR_SEED = 67280421310721

_MT_N = 624
_MASK32 = 0xFFFFFFFF
_MASK64 = 0xFFFFFFFFFFFFFFFF

# PyTorch's CPUGeneratorImplState (a C struct, x86-64 alignment):
#   uint64 the_initial_seed; int32 left; int32 seeded; uint64 next; uint64 state[624];
#   double normal_x, normal_y, normal_rho; int32 normal_is_valid; (4 bytes padding)
#   float next_float_normal_sample; bool is_next_float_normal_sample_valid; (3 bytes padding)
STATE_SIZE = 5056
_OFF_STATE = 24
_OFF_NORMAL_X = _OFF_STATE + 8 * _MT_N  # 5016
_OFF_NORMAL_Y = _OFF_NORMAL_X + 8  # 5024
_OFF_NORMAL_VALID = _OFF_NORMAL_Y + 16  # 5040 (after normal_rho)
_OFF_FLOAT_SAMPLE = 5048
_OFF_FLOAT_VALID = 5052

# From this range up, randint draws random64() (two words) per element instead of one word.
_RANDINT_WIDE_RANGE = 1 << 28

# Below this, randperm uses the classic swap shuffle with one 32-bit word per step.
_RANDPERM_SMALL_LIMIT = _MASK32 // 20  # 214748364

_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_TWO_POW_M24 = np.float32(2.0**-24)
_TWO_POW_M53 = 2.0**-53
_TWO_POW_32 = 4294967296.0

# ScalarType names PyTorch prints in "not implemented for 'Long'" errors.
_TORCH_SCALAR_NAME = {
    "bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int",
    "int64": "Long", "float16": "Half", "float32": "Float", "float64": "Double",
}
# caffe2::TypeMeta names PyTorch prints in "is out of bounds for int" errors.
_TYPEMETA_NAME = {
    "bool": "bool", "uint8": "unsigned char", "int8": "signed char", "int16": "short int",
    "int32": "int", "int64": "long int", "float16": "c10::Half", "float32": "float",
    "float64": "double",
}
# C type names in c10's checked_convert errors (randperm's n-1 must fit the result dtype).
_CTYPE_NAME = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int"}


# --------------------------------------------------------------------------------------
# helpers: validation and formatting
# --------------------------------------------------------------------------------------

def _fmt_double(x: float) -> str:
    """Format a double the way C++ ``ostream << double`` does (6 significant digits, %g)."""
    return "%g" % x


def _numel(size: Iterable[int] | int) -> tuple[tuple[int, ...], int]:
    """Normalise ``size`` to a tuple of ints and return it with its element count.

    Raises PyTorch's error for negative dimensions before anything is drawn.
    """
    if isinstance(size, (int, np.integer)):
        size = (size,)
    dims = tuple(operator.index(d) for d in size)
    for d in dims:
        if d < 0:
            raise RuntimeError(
                f"Trying to create tensor with negative dimension {d}: [{', '.join(map(str, dims))}]")
    return dims, math.prod(dims)


def _float_dtype(dtype, op: str) -> np.dtype:
    """Return ``dtype`` as a NumPy float32/float64 dtype, or raise PyTorch's dispatch error."""
    dt = np.dtype(dtype)
    if dt == _F32 or dt == _F64:
        return dt
    name = _TORCH_SCALAR_NAME.get(dt.name, dt.name)
    if dt.name == "float16":
        # PyTorch supports Half here, but its arithmetic is outside the verified spec.
        raise NotImplementedError(f"numtorch.random: {op} for float16 is not supported")
    raise NotImplementedError(f'"{op}" not implemented for \'{name}\'')


def _seed_to_u64(seed) -> int:
    """Interpret a seed as PyTorch's Generator.manual_seed does (uint64, negatives wrap)."""
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
    seed = int(seed)
    if seed < -(1 << 63) or seed > _MASK64:
        raise ValueError("Overflow when unpacking long long")
    return seed & _MASK64


def _nondeterministic_seed() -> int:
    """A fresh 64-bit seed from the OS, as PyTorch reads /dev/urandom."""
    return int.from_bytes(os.urandom(8), "little")


def _init_genrand_key(seed32: int) -> np.ndarray:
    """MT19937 ``init_genrand``: the 624-word state right after seeding (pure Python fallback)."""
    key = [0] * _MT_N
    key[0] = x = seed32
    for i in range(1, _MT_N):
        x = (1812433253 * (x ^ (x >> 30)) + i) & _MASK32
        key[i] = x
    return np.array(key, dtype=np.uint32)


# --------------------------------------------------------------------------------------
# exact fused multiply-add emulation
# --------------------------------------------------------------------------------------

_SPLITTER = 134217729.0  # 2**27 + 1, Veltkamp/Dekker split constant for float64


def _fma64(a, b, c) -> np.ndarray:
    """Vectorised float64 ``a*b+c`` with a single rounding (correctly rounded fma).

    Plain float64 arithmetic rounds twice and long double cannot hold the 106-bit product,
    so this uses error-free transformations: the product is split exactly (Dekker), added to
    ``c`` with TwoSum, and the two low parts are combined with round-to-odd before the final
    round-to-nearest (Boldo & Melquiond, "Emulation of FMA and correctly rounded sums").
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    c = np.asarray(c, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        ph = a * b
        t = _SPLITTER * a
        ah = t - (t - a)
        al = a - ah
        t = _SPLITTER * b
        bh = t - (t - b)
        bl = b - bh
        pl = ((ah * bh - ph) + ah * bl + al * bh) + al * bl  # ph + pl == a*b exactly
        uh = c + ph  # TwoSum(c, ph)
        bb = uh - c
        ul = (c - (uh - bb)) + (ph - bb)
        s = ul + pl  # TwoSum(ul, pl), then round-to-odd
        bb = s - ul
        e = (ul - (s - bb)) + (pl - bb)
        fix = (e != 0) & ((s.view(np.int64) & 1) == 0)
        if fix.any():
            s = np.where(fix, np.nextafter(s, np.where(e > 0, np.inf, -np.inf)), s)
        r = uh + s
        bad = ~np.isfinite(r)
        if bad.any():
            # Overflowing splits (|x| > ~1e300), infinities or NaNs: exact rational fallback.
            r = np.array(r, dtype=np.float64, copy=True)
            for idx in zip(*np.nonzero(bad)) if r.ndim else [()]:
                aa, bb_, cc = (float(np.broadcast_to(v, r.shape)[idx]) for v in (a, b, c))
                r[idx] = _fma64_scalar(aa, bb_, cc)
    return r


def _fma64_scalar(a: float, b: float, c: float) -> float:
    """Correctly rounded float64 ``a*b+c`` for Python floats (exact rational arithmetic)."""
    if b == 1.0:
        return a + c  # a*1 is exact, so one rounding of the sum is the fma
    if not (math.isfinite(a) and math.isfinite(b) and math.isfinite(c)):
        return a * b + c  # non-finite operands: IEEE special-value rules, no rounding issue
    exact = Fraction(a) * Fraction(b) + Fraction(c)
    try:
        r = float(exact)  # int/int true division: correctly rounded
    except OverflowError:
        return math.copysign(math.inf, exact)
    if r == 0.0 and exact == 0:
        return a * b + c  # exact zero: IEEE's rule for the sign of zero
    return r


def _fma32(a, b, c, proven: bool = False) -> np.ndarray:
    """Float32 ``a*b+c`` rounded once, for float32 ``a``, ``b``, ``c``.

    The product of two float32 values is exact in float64. Adding ``c`` in float64 and then
    rounding to float32 rounds twice, which differs from one rounding only when the float64
    sum was inexact *and* landed exactly halfway between two float32 values; ``_round_f32``
    detects such midpoints and repairs them. ``proven=True`` skips the check, for the
    kernel-internal steps where an exhaustive test shows it can never trigger (see
    ``_round_f32_proven``).
    """
    t = np.multiply(a, b, dtype=np.float64)
    t += c
    if proven:
        return _round_f32_proven(t, a, b, c)
    return _round_f32(t, a, b, c)


def _round_f32_proven(t: np.ndarray, a, b, c) -> np.ndarray:
    """Round ``t = fl64(a*b + c)`` to float32 where double rounding is known not to occur.

    Used inside the float32 normal kernel, whose inputs are one of 2**24 uniforms per lane:
    tests/test_random_engine.py runs all 2**24 through the Cephes log and sincos with this
    function replaced by a checking one and asserts that no step ever rounds twice wrongly.
    (``a``, ``b``, ``c`` are unused here; the checking replacement needs them.)
    """
    return t.astype(np.float32)


def _round_f32(t: np.ndarray, a, b, c) -> np.ndarray:
    """Round the float64 ``t = fl64(a*b + c)`` to float32, repairing double-rounding cases."""
    # Low 29 bits 1 followed by 28 zeros: t sits exactly on a float32 rounding midpoint
    # (for normal float32 results). Only then can rounding twice differ from rounding once.
    if np.any((t.view(np.uint64) & 0x1FFFFFFF) == 0x10000000):
        t = _fix_midpoints(t, a, b, c)
    return t.astype(np.float32)


def _fix_midpoints(t: np.ndarray, a, b, c) -> np.ndarray:
    """Nudge float64 sums that landed on a float32 midpoint towards their exact value.

    ``t = fl64(p + c)`` with ``p = a*b`` exact; TwoSum gives the rounding error of that
    sum. Where ``t`` is a midpoint and the error is non-zero, stepping ``t`` one float64 ulp
    towards the exact value makes the final float32 rounding go the right way.
    """
    mid = (t.view(np.uint64) & 0x1FFFFFFF) == 0x10000000
    if np.count_nonzero(mid) * 16 < t.size:  # few: work on those elements only
        idx = np.nonzero(mid)
        a, b = np.broadcast_to(a, t.shape)[idx], np.broadcast_to(b, t.shape)[idx]
        c = np.broadcast_to(np.asarray(c, dtype=np.float64), t.shape)[idx]
        s = t[idx]
    else:  # many (exact midpoints are common with "round" std/mean): whole array
        s = t
    p = np.multiply(a, b, dtype=np.float64)  # exact
    cc = np.asarray(c, dtype=np.float64)
    bb = s - p
    err = (p - (s - bb)) + (cc - bb)  # TwoSum: p + cc == s + err exactly
    # One ulp towards the exact value: +1/-1 on the bit pattern grows/shrinks |s| (s is a
    # finite non-zero midpoint); grow when the lost part has the sign of s.
    step = np.sign(err)
    step *= np.sign(s)
    if s is t:
        step = np.where(mid, step, 0.0)  # only midpoints (also drops NaNs from non-finite sums)
    step = step.astype(np.int64)
    fixed = (s.view(np.int64) + step).view(np.float64)
    if s is t:
        return fixed
    t = t.copy()
    t[idx] = fixed
    return t


def _fma32_chunked(x: np.ndarray, b, c) -> np.ndarray:
    """``_fma32`` over a large 1-d array in cache-sized pieces (fewer page faults, same values)."""
    out = np.empty(x.shape, dtype=np.float32)
    for i in range(0, x.size, _CHUNK):
        out[i:i + _CHUNK] = _fma32(x[i:i + _CHUNK], b, c)
    return out


# Elements per piece when a long array is processed piecewise: big enough to amortise the
# per-call overhead of NumPy, small enough that temporaries stay in cache.
_CHUNK = 32768


# --------------------------------------------------------------------------------------
# float32 Cephes log and sincos, exactly as the AVX2 kernel computes them (spec 4c)
# --------------------------------------------------------------------------------------

_f = np.float32
_SQRTHF = _f(0.707106781186547524)
_LOG_P = [_f(v) for v in (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1,
                          1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1,
                          3.3333331174e-1)]
_LOG_Q1 = _f(-2.12194440e-4)
_LOG_Q2 = _f(0.693359375)
_FOPI = _f(1.27323954473516)
_DP1 = _f(-0.78515625)
_DP2 = _f(-2.4187564849853515625e-4)
_DP3 = _f(-3.77489497744594108e-8)
_SIN_C = [_f(v) for v in (-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1)]
_COS_C = [_f(v) for v in (2.443315711809948e-005, -1.388731625493765e-003, 4.166664568298827e-002)]
_TWO_PI_F32 = _f(2.0 * math.pi)
_HALF_F32 = _f(0.5)
_ONE_F32 = _f(1.0)
_ZERO_F32 = _f(0.0)


def _horner_f32(first: np.float32, coeffs, x: np.ndarray) -> np.ndarray:
    """``y = first; y = fma32(y, x, k)`` for each ``k``: the kernel's fused Horner steps."""
    x64 = x.astype(np.float64)
    t = x64 * np.float64(first)
    t += np.float64(coeffs[0])
    y = _round_f32_proven(t, first, x, coeffs[0])
    for k in coeffs[1:]:
        np.multiply(y, x64, out=t)
        t += np.float64(k)
        y = _round_f32_proven(t, y, x, k)
    return y


def _cephes_log_f32(x: np.ndarray) -> np.ndarray:
    """Single-precision natural log of ``x`` in (0, 1], Cephes ``logf`` as vectorised in PyTorch."""
    # Step 1's clamp max(x, 2**-126) is a no-op here: x = 1 - d with d <= 1 - 2**-24.
    bits = x.view(np.int32)
    e = (bits >> 23).astype(np.float32)
    e -= np.float32(126)  # fl32(k) + 1 with k = exponent - 127 (small integers: exact)
    m = ((bits & 0x007FFFFF) | 0x3F000000).view(np.float32)  # mantissa moved into [0.5, 1)
    small = m < _SQRTHF
    xr = m - _ONE_F32
    xr += np.where(small, m, _ZERO_F32)  # x = fl32(fl32(m - 1) + m) where m < SQRTHF; + 0 is exact
    e -= small  # e = e - 1 there
    z = xr * xr
    y = _horner_f32(_LOG_P[0], _LOG_P[1:], xr)
    y *= xr
    y = _fma32(y, z, e * _LOG_Q1, proven=True)
    y -= z * _HALF_F32
    xr += y
    return _fma32(e, _LOG_Q2, xr, proven=True)


def _cephes_sincos_f32(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Single-precision (sin, cos) of ``theta >= 0``, Cephes ``sincosf`` as vectorised in PyTorch."""
    j = (theta * _FOPI).astype(np.int32)  # truncation toward zero
    j += 1
    j &= ~1
    y = j.astype(np.float32)
    x = _fma32(y, _DP1, theta, proven=True)
    x = _fma32(y, _DP2, x, proven=True)
    x = _fma32(y, _DP3, x, proven=True)
    z = x * x
    yc = _horner_f32(_COS_C[0], _COS_C[1:], z)
    yc *= z
    yc = _fma32(yc, z, -(z * _HALF_F32), proven=True)
    yc += _ONE_F32
    ys = _horner_f32(_SIN_C[0], _SIN_C[1:], z)
    ys *= z
    ys = _fma32(ys, x, x, proven=True)
    swap = (j & 2) != 0
    s = np.where(swap, yc, ys)
    c = np.where(swap, ys, yc)
    # Sign flips are sign-bit flips: XOR bit 31 where j & 4 (sine) / where (j - 2) & 4 == 0 (cosine).
    ju = j.view(np.uint32)
    s.view(np.uint32)[...] ^= (ju & 4) << 29
    c.view(np.uint32)[...] ^= (~(ju - 2) & 4) << 29
    return s, c


# --------------------------------------------------------------------------------------
# Generator
# --------------------------------------------------------------------------------------

class Generator:
    """A CPU random generator with PyTorch's MT19937 stream and distribution algorithms."""

    __slots__ = ("_bg", "_seed", "_normal_cache", "_float_cache", "_fresh")

    def __init__(self, seed: int | None = None) -> None:
        """Create a generator seeded with ``seed``; ``None`` draws a 64-bit seed from the OS."""
        self._bg = np.random.MT19937()
        self._seed = 0
        self._normal_cache: float | None = None  # cached Box-Muller sine (a float64 slot)
        # PyTorch also keeps a float slot that no CPU kernel uses; kept only so a state
        # read with get_state() round-trips byte for byte.
        self._float_cache: float | None = None
        self._fresh = True  # seeded and nothing drawn since (PyTorch's next_ == 0)
        self._reseed(_nondeterministic_seed() if seed is None else _seed_to_u64(seed))

    # ---- seeding and state -------------------------------------------------------------

    def _reseed(self, seed64: int) -> None:
        seed32 = seed64 & _MASK32
        try:
            self._bg._legacy_seeding(seed32)  # NumPy's init_genrand, fast C implementation
        except AttributeError:  # pragma: no cover - private NumPy API gone
            self._bg.state = {"bit_generator": "MT19937",
                              "state": {"key": _init_genrand_key(seed32), "pos": _MT_N}}
        self._seed = seed64
        self._normal_cache = None
        self._float_cache = None
        self._fresh = True

    def manual_seed(self, seed: int) -> "Generator":
        """Seed the engine with the low 32 bits of ``seed``; clears the cached normal; returns self."""
        self._reseed(_seed_to_u64(seed))
        return self

    def seed(self) -> int:
        """Reseed from a fresh nondeterministic 64-bit value and return it."""
        s = _nondeterministic_seed()
        self._reseed(s)
        return s

    def initial_seed(self) -> int:
        """The full 64-bit seed last set (negative seeds are reported modulo 2**64)."""
        return self._seed

    def get_state(self) -> np.ndarray:
        """The generator state as 5056 uint8 values, in PyTorch's ``CPUGeneratorImplState`` layout."""
        st = self._bg.state["state"]
        pos = int(st["pos"])
        left = _MT_N + 1 - pos  # PyTorch counts draws left before the next twist, plus one
        nxt = 0 if (self._fresh and pos == _MT_N) else pos
        buf = bytearray(STATE_SIZE)
        struct.pack_into("<QiiQ", buf, 0, self._seed, left, 1, nxt)
        buf[_OFF_STATE:_OFF_NORMAL_X] = np.asarray(st["key"], dtype="<u8").tobytes()
        if self._normal_cache is not None:
            struct.pack_into("<d", buf, _OFF_NORMAL_Y, self._normal_cache)
            struct.pack_into("<i", buf, _OFF_NORMAL_VALID, 1)
        if self._float_cache is not None:
            struct.pack_into("<f", buf, _OFF_FLOAT_SAMPLE, self._float_cache)
            buf[_OFF_FLOAT_VALID] = 1
        return np.frombuffer(bytes(buf), dtype=np.uint8).copy()

    def set_state(self, state: np.ndarray) -> None:
        """Restore a state from :meth:`get_state` (or ``torch.get_rng_state().numpy()``).

        Raises TypeError for a non-uint8 array and RuntimeError for a wrong size or an invalid
        engine state, leaving the generator unchanged.
        """
        if not isinstance(state, np.ndarray) or state.dtype != np.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        if state.size != STATE_SIZE:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {STATE_SIZE} "
                               f"but found the input RNG state size to be {state.size}")
        raw = np.ascontiguousarray(state).reshape(-1).tobytes()
        seed, left, seeded, nxt = struct.unpack_from("<QiiQ", raw, 0)
        nxt &= _MASK32  # PyTorch stores it into a uint32 field
        if not (seeded != 0 and 0 < left <= _MT_N and nxt <= _MT_N):
            raise RuntimeError("Invalid mt19937 state")
        if left != 1 and nxt != _MT_N + 1 - left:
            # PyTorch's own states always satisfy this; NumPy's engine has one position only.
            raise RuntimeError(f"numtorch cannot represent an mt19937 state with left={left} "
                               f"and next={nxt} (expected next == 625 - left)")
        key = (np.frombuffer(raw, dtype="<u8", count=_MT_N, offset=_OFF_STATE)
               & _MASK32).astype(np.uint32)  # PyTorch keeps the low 32 bits of each word
        (normal_y,) = struct.unpack_from("<d", raw, _OFF_NORMAL_Y)
        (normal_valid,) = struct.unpack_from("<i", raw, _OFF_NORMAL_VALID)
        (float_sample,) = struct.unpack_from("<f", raw, _OFF_FLOAT_SAMPLE)
        float_valid = raw[_OFF_FLOAT_VALID] != 0
        # All checks passed: commit.
        self._bg.state = {"bit_generator": "MT19937",
                          "state": {"key": key, "pos": _MT_N + 1 - left}}
        self._seed = seed
        self._normal_cache = normal_y if normal_valid else None
        self._float_cache = float_sample if float_valid else None
        self._fresh = left == 1 and nxt == 0

    # ---- raw engine --------------------------------------------------------------------

    def _raw(self, n: int) -> np.ndarray:
        """The next ``n`` tempered 32-bit words as a uint64 array (one continuous stream)."""
        if n <= 0:
            return np.empty(0, dtype=np.uint64)
        self._fresh = False
        return self._bg.random_raw(n)

    def random_u32(self, n: int) -> np.ndarray:
        """The next ``n`` 32-bit engine outputs (PyTorch's ``random()``) as a uint32 array."""
        return self._raw(operator.index(n)).astype(np.uint32)

    def _random64(self, n: int) -> np.ndarray:
        """``n`` values of PyTorch's ``random64()``: two words each, the first is the high half."""
        w = self._raw(2 * n).reshape(n, 2)
        return (w[:, 0] << np.uint64(32)) | w[:, 1]

    def _u24(self, n: int) -> np.ndarray:
        """``n`` float32 uniforms in [0, 1): low 24 bits of one word each, times 2**-24."""
        u = (self._raw(n) & np.uint64(0xFFFFFF)).astype(np.float32)
        u *= _TWO_POW_M24
        return u

    def _u53(self, n: int) -> np.ndarray:
        """``n`` float64 uniforms in [0, 1): low 53 bits of ``random64()`` times 2**-53."""
        w = self._raw(2 * n).reshape(n, 2)
        hi = (w[:, 0] & np.uint64(0x1FFFFF)).astype(np.float64)
        u = hi * _TWO_POW_32  # exact: below 2**53
        u += w[:, 1]
        u *= _TWO_POW_M53
        return u

    # ---- uniform -----------------------------------------------------------------------

    def uniform(self, size, dtype=np.float32, low: float = 0.0, high: float = 1.0) -> np.ndarray:
        """``torch.rand`` / ``Tensor.uniform_(low, high)``: values in [low, high) of ``dtype``."""
        dims, n = _numel(size)
        dt = _float_dtype(dtype, "check_uniform_bounds")
        low, high = float(low), float(high)
        finfo = np.finfo(dt)
        tname = _TYPEMETA_NAME[dt.name]
        if not (-float(finfo.max) <= low <= float(finfo.max)):
            raise RuntimeError(f"from is out of bounds for {tname}")
        if not (-float(finfo.max) <= high <= float(finfo.max)):
            raise RuntimeError(f"to is out of bounds for {tname}")
        if not low <= high:
            raise RuntimeError("uniform_ expects to return a [from, to) range, but found "
                               f"from={_fmt_double(low)} > to={_fmt_double(high)}")
        if not high - low <= float(finfo.max):
            raise RuntimeError(
                f"uniform_ expects to-from <= std::numeric_limits<{_TORCH_SCALAR_NAME[dt.name]}>::max(), "
                f"but found to={_fmt_double(high)} and from={_fmt_double(low)} "
                "which result in to-from to exceed the limit")
        if dt == _F32:
            x = self._u24(n)
            frm, to = np.float32(low), np.float32(high)
            r = np.float32(to - frm)  # the kernel subtracts in float32
            if r == 1 and frm == 0:
                return x.reshape(dims)  # rand(): fma32(x, 1, 0) == x < 1 (x is never -0.0)
            # x*1 is exact, so with r == 1 the fused result is one rounded add
            out = x + frm if r == 1 else _fma32_chunked(x, r, frm)
        else:
            x = self._u53(n)
            frm, to = low, high
            r = high - low
            if r == 1.0 and low == 0.0:
                return x.reshape(dims)
            out = x + low if r == 1.0 else _fma64(x, r, low)
        # PyTorch 2.13 keeps results in [from, to): a value that rounded up to `to` becomes
        # `from` (found against torch 2.13; not in spec section 2).
        out = np.where(out >= to, frm, out)
        return out.reshape(dims)

    # ---- normal ------------------------------------------------------------------------

    def normal(self, size, dtype=np.float32, mean: float = 0.0, std: float = 1.0,
               contiguous: bool = True) -> np.ndarray:
        """``torch.randn`` / ``Tensor.normal_(mean, std)`` / ``torch.normal(mean, std, size)``.

        Fewer than 16 elements: scalar Box-Muller with the cached sine; otherwise the
        16-element block algorithm (float64, or float32 with Cephes log/sincos).
        ``contiguous=False`` (filling a non-contiguous tensor) always takes the scalar path,
        as PyTorch's ``normal_kernel`` does; the caller supplies memory order (``draw_like``).
        """
        dims, n = _numel(size)
        dt = _float_dtype(dtype, "normal_kernel_cpu")
        mean, std = float(mean), float(std)
        if not std >= 0.0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt_double(std)}")
        if n < 16 or not contiguous:
            out = np.array(self._normal_scalar(n, mean, std), dtype=np.float64).astype(dt)
        elif dt == _F64:
            out = self._normal_block(n, mean, std, self._u53, _normal16_f64)
        else:
            out = self._normal_block(n, np.float32(mean), np.float32(std), self._u24, _normal16_f32)
        return out.reshape(dims)

    def _normal_scalar(self, n: int, mean: float, std: float) -> list[float]:
        """PyTorch's ``normal_distribution<double>``: pairs, sine cached in the generator."""
        out = []
        for _ in range(n):
            if self._normal_cache is not None:
                g = self._normal_cache
                self._normal_cache = None
            else:
                u1, u2 = self._u53(2).tolist()
                r = math.sqrt(-2.0 * math.log1p(-u2))
                theta = 2.0 * math.pi * u1  # left to right, as in the C++ source
                self._normal_cache = r * math.sin(theta)
                g = r * math.cos(theta)
            out.append(_fma64_scalar(g, std, mean))
        return out

    def _normal_block(self, n: int, mean, std, uniforms, transform) -> np.ndarray:
        """The ``normal_fill`` layout: n uniforms, 16-element blocks, tail block redrawn."""
        nb, rem = divmod(n, 16)
        u = uniforms(n + (16 if rem else 0))  # the tail's 16 fresh uniforms follow the n
        if rem:
            # The n % 16 uniforms after the last full block are drawn but then overwritten.
            u = np.concatenate((u[: nb * 16], u[n:]))
        res = transform(u.reshape(-1, 16), mean, std)
        if not rem:
            return res.reshape(n)
        out = np.empty(n, dtype=res.dtype)
        out[: nb * 16] = res[:nb].reshape(-1)
        out[n - 16:] = res[nb]  # the redrawn tail block overwrites the last 16 values
        return out

    # ---- integers ----------------------------------------------------------------------

    def randint(self, low: int, high: int, size, dtype=np.int64) -> np.ndarray:
        """``torch.randint(low, high, size)``: ``draw % (high - low) + low`` per element.

        Ranges of 2**28 or more use two words per element (PyTorch's ``random64()``).
        """
        dims, n = _numel(size)
        dt = np.dtype(dtype)
        low, high = operator.index(low), operator.index(high)
        for v in (low, high):
            if not -(1 << 63) <= v < (1 << 63):
                raise ValueError("Overflow when unpacking long long")
        if not low < high:
            raise RuntimeError(
                f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
        if dt.kind == "f":
            if dt.name == "float16":
                raise NotImplementedError("numtorch.random: randint for float16 is not supported")
            digits = np.finfo(dt).nmant + 1
            low, high = _update_from(low, dt, digits), _update_to(high, dt, digits)
            if not low < high:
                raise RuntimeError("random_ expects 'from' casted to dtype to be less than 'to' casted to "
                                   f"dtype, but got from={low} >= to={high}")
        _check_from_to_in_range(low, high - 1, dt)
        return self._int_from_to(n, (high - low) & _MASK64, low, dt).reshape(dims)

    def random_from(self, size, low: int, dtype=np.int64) -> np.ndarray:
        """``Tensor.random_(from, None)``: integers in ``[from, max]`` (``max``: 2**digits for floats)."""
        dims, n = _numel(size)
        dt = np.dtype(dtype)
        low = operator.index(low)
        if not -(1 << 63) <= low < (1 << 63):
            raise ValueError("Overflow when unpacking long long")
        if low == -(1 << 63):
            # The whole 64-bit range: PyTorch casts random64() to int64 (then to the dtype).
            if dt.name not in ("int64", "float32", "float64"):
                raise RuntimeError(
                    "random_full_64_bits_range_kernel_cpu handles only int64, double, float and bfloat16")
            return self._random64(n).view(np.int64).astype(dt).reshape(dims)
        if dt.kind == "f":
            if dt.name == "float16":
                raise NotImplementedError("numtorch.random: random_ for float16 is not supported")
            digits = np.finfo(dt).nmant + 1
            to_inc = 1 << digits
            low = _update_from(low, dt, digits)
            if not low < to_inc:
                raise RuntimeError("random_ expects 'from' casted to dtype to be less than or equal to 'to_inc' "
                                   f"casted to dtype, but got from={low} > to_inc={to_inc}")
        elif dt.kind == "b":
            to_inc = 1
        elif dt.kind in "iu":
            to_inc = int(np.iinfo(dt).max)
        else:
            raise TypeError(f"numtorch.random: unsupported dtype {dt} for random_")
        _check_from_to_in_range(low, to_inc, dt)
        return self._int_from_to(n, (to_inc - low + 1) & _MASK64, low, dt).reshape(dims)

    def _int_from_to(self, n: int, rng: int, low: int, dt: np.dtype) -> np.ndarray:
        """PyTorch's ``uniform_int_from_to_distribution``: ``draw % rng + low``, in ``dt``."""
        # PyTorch 2.13 switches to two words per element from a range of 2**28 up, for every
        # dtype ("allow approx 5% skew" in uniform_int_from_to_distribution); found by
        # bisection against torch 2.13 (spec section 3 says 2**32, which is wrong in between).
        draws = self._random64(n) if rng >= _RANDINT_WIDE_RANGE else self._raw(n)
        # uint64 arithmetic wraps exactly like PyTorch's (val % range) + base, then int64.
        vals = (draws % np.uint64(rng) + np.uint64(low & _MASK64)).view(np.int64)
        return vals.astype(dt)

    def random_(self, size, dtype=np.int64) -> np.ndarray:
        """``Tensor.random_()`` without bounds: uniform over ``[0, max]`` of ``dtype``.

        int64/float64 take two words per element, other dtypes one; the draw is reduced
        modulo ``2**63`` (int64), ``max + 1`` (other integers), ``2**digits + 1`` (floats)
        or ``& 1`` (bool). (``torch.utils.data.RandomSampler`` seeds itself this way.)
        """
        dims, n = _numel(size)
        dt = np.dtype(dtype)
        if dt.kind == "b":
            return (self._raw(n) & np.uint64(1)).astype(dt).reshape(dims)
        if dt.kind == "f":
            modulus = (1 << (np.finfo(dt).nmant + 1)) + 1
        elif dt.kind in "iu":
            modulus = int(np.iinfo(dt).max) + 1
        else:
            raise TypeError(f"numtorch.random: unsupported dtype {dt} for random_")
        draws = self._random64(n) if dt.name in ("int64", "float64") else self._raw(n)
        return (draws % np.uint64(modulus)).astype(dt).reshape(dims)

    # ---- exponential and multinomial ---------------------------------------------------

    def exponential(self, size, dtype=np.float32, lambd: float = 1.0) -> np.ndarray:
        """``Tensor.exponential_(lambd)``: ``-1/lambd * log1p(-u)`` in float64 per element, cast.

        One 53-bit uniform (two words) per element whatever the dtype (PyTorch's CPU kernel
        uses ``exponential_distribution<double>``); ``log1p`` is libm's, as in the C++ kernel.
        """
        dims, n = _numel(size)
        dt = np.dtype(dtype)
        lambd = float(lambd)
        if not lambd > 0.0:
            raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_fmt_double(lambd)}")
        if dt.kind != "f":
            name = _TORCH_SCALAR_NAME.get(dt.name, dt.name)
            raise RuntimeError("Exponential distribution is a continuous probability distribution. "
                               f"dtype must be a floating point but you specified {name}")
        c = -1.0 / lambd  # evaluated first, as in ``static_cast<T>(-1.0) / lambda * log1p(-val)``
        # libm's log1p through the math module (NumPy's SIMD log1p differs in the last bit).
        out = np.fromiter(map(math.log1p, (-self._u53(n)).tolist()), np.float64, n)
        out *= c
        return _cast_from_double(out, dt).reshape(dims)

    def multinomial(self, probs: np.ndarray, num_samples: int, replacement: bool = False) -> np.ndarray:
        """``torch.multinomial(probs, num_samples, replacement)``: int64 category indices.

        Without replacement, or for a single sample, PyTorch draws ``q = exponential_(1)`` over
        the whole input and takes the top ``num_samples`` of ``probs / q`` per row (argmax for
        one sample; topk with libstdc++'s tie order otherwise). With replacement it walks each
        row: float cumulative sums normalised by their total, then per sample a 53-bit uniform
        and a binary search for the first bucket ``>= u``. See docs/rng-notes.md.
        """
        p = np.asarray(probs)
        num_samples = operator.index(num_samples)
        if not 1 <= p.ndim <= 2:
            raise RuntimeError("prob_dist must be 1 or 2 dim")
        if p.dtype.kind != "f":
            name = _TORCH_SCALAR_NAME.get(p.dtype.name, p.dtype.name)
            raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {name}")
        if num_samples <= 0:
            raise RuntimeError("cannot sample n_sample <= 0 samples")
        n_cat = p.shape[-1]
        if not replacement and num_samples > n_cat:
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
        if n_cat > 1 << 24:
            raise RuntimeError("number of categories cannot exceed 2^24")
        rows = p.reshape(-1, n_cat)
        out_shape = (num_samples,) if p.ndim == 1 else (rows.shape[0], num_samples)
        if rows.shape[0] == 0:
            return np.empty(out_shape, dtype=np.int64)
        if not replacement or num_samples == 1:
            with np.errstate(invalid="ignore"):
                valid = p.size == 0 or bool(np.max(p) < np.inf) and bool(np.min(p) >= 0)
            if not valid:
                raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
            if bool(np.any(rows.sum(axis=1, dtype=p.dtype) == 0)):
                raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
            q = self.exponential(rows.shape, p.dtype)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = rows / q  # in the input dtype, like at::div_out
            if num_samples == 1:
                # argmax: first maximum, NaN counting as the maximum (as PyTorch's argmax).
                idx = np.argmax(ratio, axis=1).reshape(-1, 1)
            else:
                idx = np.stack([_topk_indices(r, num_samples) for r in ratio])
            return idx.astype(np.int64).reshape(out_shape)
        return self._multinomial_replacement(rows, num_samples).reshape(out_shape)

    def _multinomial_replacement(self, rows: np.ndarray, num_samples: int) -> np.ndarray:
        """The with-replacement kernel, row by row (a bad row raises after earlier rows drew)."""
        # Reduced-precision inputs accumulate in float32 (PyTorch's Half/BFloat16 variant).
        acc = np.float32 if rows.dtype == np.float16 else rows.dtype
        out = np.empty((rows.shape[0], num_samples), dtype=np.int64)
        for i, row in enumerate(rows):
            row = row.astype(acc)
            if not bool(np.all(row >= 0)):  # NaN fails this first check too, as in the C++ loop
                raise RuntimeError("invalid multinomial distribution (encountering probability entry < 0)")
            if not bool(np.all(np.isfinite(row))):
                raise RuntimeError(
                    "invalid multinomial distribution (encountering probability entry = infinity or NaN)")
            cum = np.cumsum(row, dtype=acc)  # sequential running sum in the accumulation dtype
            total = cum[-1]
            if not total > 0:
                raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
            cum /= total
            cum[-1] = 1
            u = self._u53(num_samples)
            # Binary search for the first bucket with cum >= u (cum compared as double).
            out[i] = np.searchsorted(cum.astype(np.float64), u, side="left")
        return out

    def randperm(self, n: int, dtype=np.int64) -> np.ndarray:
        """``torch.randperm(n)``: a swap shuffle of ``0..n-1`` using ``n - 1`` words."""
        n = operator.index(n)
        if n < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
        dt = np.dtype(dtype)
        if dt.kind == "b":
            raise NotImplementedError('"randperm" not implemented for \'Bool\'')
        if dt.kind in "iu":
            top = n - 1 if n > 0 else n
            if top > np.iinfo(dt).max:
                raise RuntimeError(f"value cannot be converted to type {_CTYPE_NAME.get(dt.name, dt.name)} "
                                   "without overflow")
        elif dt.kind == "f":
            limits = {"float16": (11, "2049"), "float32": (24, "2^24+1"), "float64": (53, "2^53+1")}
            bits, text = limits[dt.name]
            if n > (1 << bits) + 1:
                raise RuntimeError(f"n cannot be greater than {text} for {_TORCH_SCALAR_NAME[dt.name]} type.")
        else:
            raise TypeError(f"numtorch.random: unsupported dtype {dt} for randperm")
        if n < _RANDPERM_SMALL_LIMIT:
            if n <= 1:
                return np.arange(n, dtype=np.int64).astype(dt)
            # z_i = random() % (n - i); the swaps themselves are inherently sequential.
            zs = (self._raw(n - 1) % np.arange(n, 1, -1, dtype=np.uint64)).tolist()
            r = list(range(n))
            for i, z in enumerate(zs):
                j = i + z
                r[i], r[j] = r[j], r[i]
            return np.array(r, dtype=np.int64).astype(dt)
        # Huge n (not verified against PyTorch; follows its source): "inside-out"
        # Fisher-Yates with random64() so the modulo bias stays negligible.
        out = np.empty(n, dtype=np.int64)
        draws = self._random64(n)
        for i in range(n):
            z = int(draws[i]) % (i + 1)
            out[i] = out[z]
            out[z] = i
        return out.astype(dt)

    # ---- bernoulli ---------------------------------------------------------------------

    def bernoulli_tensor(self, p: np.ndarray, dtype=None) -> np.ndarray:
        """``torch.bernoulli(p)``: 1 where a uniform draw is below ``p[i]``, else 0.

        float64 ``p`` uses 53-bit uniforms (two words each), other float ``p`` 24-bit float32
        uniforms (one word each). The result has ``dtype`` (default: ``p``'s dtype). For
        ``self.bernoulli_(p)`` broadcast ``p`` to ``self``'s shape first: draws follow the
        result's row-major order.
        """
        p = np.asarray(p)
        if p.dtype.kind != "f":
            name = _TORCH_SCALAR_NAME.get(p.dtype.name, p.dtype.name)
            raise NotImplementedError(f'"bernoulli_tensor_cpu_p_" not implemented for \'{name}\'')
        if p.size and not bool(np.all((p >= 0) & (p <= 1))):
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  "
                               "(Could this error message be improved?  If so, please report an "
                               "enhancement request to PyTorch.)")
        out_dt = p.dtype if dtype is None else np.dtype(dtype)
        if p.dtype == _F64:
            u = self._u53(p.size).reshape(p.shape)
            hit = u < p
        else:
            u = self._u24(p.size).reshape(p.shape)
            hit = u < p.astype(np.float32)
        return hit.astype(out_dt)

    def bernoulli_scalar(self, size, p: float, dtype=np.float32) -> np.ndarray:
        """``t.bernoulli_(p)`` with a Python float ``p``: 1 where a 53-bit uniform < ``p``."""
        dims, n = _numel(size)
        p = float(p)
        if not 0.0 <= p <= 1.0:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_fmt_double(p)}")
        return (self._u53(n) < p).astype(np.dtype(dtype)).reshape(dims)

    def __repr__(self) -> str:
        return f"<numtorch.random.Generator initial_seed={self._seed}>"


def _normal16_f64(u: np.ndarray, mean: float, std: float) -> np.ndarray:
    """Transform rows of 16 float64 uniforms (spec 4b); pairs are columns j and j+8."""
    u1 = (1.0 - u[:, :8]).ravel()
    u2 = u[:, 8:].ravel()
    # libm through Python's math module: what PyTorch's std::log/cos/sin call (NumPy's
    # float64 log is a different SIMD approximation).
    log_u1 = np.fromiter(map(math.log, u1.tolist()), np.float64, u1.size)
    radius = np.sqrt(-2.0 * log_u1)
    theta = 6.283185307179586 * u2
    tl = theta.tolist()
    cos_t = np.fromiter(map(math.cos, tl), np.float64, theta.size)
    sin_t = np.fromiter(map(math.sin, tl), np.float64, theta.size)
    c = radius * cos_t
    s = radius * sin_t
    out = np.empty_like(u)
    if std == 1.0:
        out[:, :8] = (c + mean).reshape(-1, 8)  # fma(x, 1, m) is one rounded add
        out[:, 8:] = (s + mean).reshape(-1, 8)
    else:
        out[:, :8] = _fma64(c, std, mean).reshape(-1, 8)
        out[:, 8:] = _fma64(s, std, mean).reshape(-1, 8)
    return out


def _normal16_f32(u: np.ndarray, mean: np.float32, std: np.float32) -> np.ndarray:
    """Transform rows of 16 float32 uniforms (spec 4c), all in float32 with Cephes log/sincos."""
    out = np.empty_like(u)
    rows = _CHUNK // 16
    for r in range(0, u.shape[0], rows):
        _normal16_f32_piece(u[r:r + rows], mean, std, out[r:r + rows])
    return out


def _normal16_f32_piece(u: np.ndarray, mean: np.float32, std: np.float32, out: np.ndarray) -> None:
    u1 = _ONE_F32 - u[:, :8]  # exact: u is a multiple of 2**-24
    radius = np.sqrt(np.float32(-2.0) * _cephes_log_f32(u1))
    s, c = _cephes_sincos_f32(_TWO_PI_F32 * u[:, 8:])
    c *= radius
    s *= radius
    if std == 1:
        np.add(c, mean, out=out[:, :8])  # fma32(x, 1, m): x*1 is exact, so one rounded add
        np.add(s, mean, out=out[:, 8:])
    else:
        out[:, :8] = _fma32(c, std, mean)  # user-chosen std/mean: keep the midpoint check
        out[:, 8:] = _fma32(s, std, mean)


def _check_from_to_in_range(low: int, to_inc: int, dt: np.dtype) -> None:
    """PyTorch's ``check_from_to_in_range``: bounds errors, and precision warnings for floats."""
    tname = _TYPEMETA_NAME.get(dt.name, dt.name)
    if dt.kind == "f":
        digits = np.finfo(dt).nmant + 1
        fmax = float(np.finfo(dt).max)
        for v, name in ((low, "from"), (to_inc, "to - 1")):
            if not -fmax <= v <= fmax:
                raise RuntimeError(f"{name} is out of bounds for {tname}")
        for v, name in ((low, "from"), (to_inc, "to - 1")):
            if v < -(1 << digits) or v > (1 << digits):
                warnings.warn(
                    f"{name} is out of bounds [-(2^{digits}), 2^{digits}]. Due to precision limitations "
                    f"{tname} can support discrete uniform distribution only within this range. "
                    "This warning will become an error in version 1.7 release, please fix the code "
                    "in advance", UserWarning, stacklevel=4)
    elif dt.kind in "iub":
        if dt.kind == "b":
            lo_b, hi_b = 0, 1
        else:
            lo_b, hi_b = int(np.iinfo(dt).min), int(np.iinfo(dt).max)
        for v, name in ((low, "from"), (to_inc, "to - 1")):
            if not lo_b <= v <= hi_b:
                raise RuntimeError(f"{name} is out of bounds for {tname}")
    else:
        raise TypeError(f"numtorch.random: unsupported dtype {dt} for random_")


def _cast_from_double(x: np.ndarray, dt: np.dtype) -> np.ndarray:
    """``static_cast<scalar_t>(double)``; c10::Half converts through float, so half rounds twice."""
    if dt == np.float16:
        return x.astype(np.float32).astype(np.float16)
    return x.astype(dt)


# --------------------------------------------------------------------------------------
# topk's element order (multinomial without replacement)
# --------------------------------------------------------------------------------------
# PyTorch's CPU topk (largest=True, sorted=True) fills (value, index) pairs and runs
# libstdc++'s std::partial_sort when k * 64 <= n, else std::nth_element(k - 1) followed by
# std::sort of the first k - 1. With tied values (zero probabilities) the order of equal
# elements is whatever those algorithms leave, so they are reproduced step by step here.
# Verified against torch.topk on 272 tie-heavy vectors (n up to 5000).

def _gt(a, b) -> bool:
    """topk's comparator for largest=True: NaN before numbers, then descending."""
    return (a != a and b == b) or a > b


def _stl_move_median_to_first(q, result, a, b, c) -> None:
    if _gt(q[a][0], q[b][0]):
        if _gt(q[b][0], q[c][0]):
            m = b
        elif _gt(q[a][0], q[c][0]):
            m = c
        else:
            m = a
    elif _gt(q[a][0], q[c][0]):
        m = a
    elif _gt(q[b][0], q[c][0]):
        m = c
    else:
        m = b
    q[result], q[m] = q[m], q[result]


def _stl_partition_pivot(q, first: int, last: int) -> int:
    _stl_move_median_to_first(q, first, first + 1, first + (last - first) // 2, last - 1)
    pv = q[first][0]
    lo, hi = first + 1, last
    while True:  # std::__unguarded_partition
        while _gt(q[lo][0], pv):
            lo += 1
        hi -= 1
        while _gt(pv, q[hi][0]):
            hi -= 1
        if not lo < hi:
            return lo
        q[lo], q[hi] = q[hi], q[lo]
        lo += 1


def _stl_linear_insert(q, last: int) -> None:
    val = q[last]
    nxt = last - 1
    while _gt(val[0], q[nxt][0]):
        q[last] = q[nxt]
        last = nxt
        nxt -= 1
    q[last] = val


def _stl_insertion_sort(q, first: int, last: int) -> None:
    for i in range(first + 1, last):
        if _gt(q[i][0], q[first][0]):
            val = q[i]
            q[first + 1:i + 1] = q[first:i]
            q[first] = val
        else:
            _stl_linear_insert(q, i)


def _stl_adjust_heap(q, first: int, hole: int, length: int, value) -> None:
    top = second = hole
    while second < (length - 1) // 2:
        second = 2 * (second + 1)
        if _gt(q[first + second][0], q[first + second - 1][0]):
            second -= 1
        q[first + hole] = q[first + second]
        hole = second
    if (length & 1) == 0 and second == (length - 2) // 2:
        second = 2 * (second + 1)
        q[first + hole] = q[first + second - 1]
        hole = second - 1
    parent = (hole - 1) // 2  # std::__push_heap
    while hole > top and _gt(q[first + parent][0], value[0]):
        q[first + hole] = q[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    q[first + hole] = value


def _stl_heap_select(q, first: int, middle: int, last: int) -> None:
    length = middle - first
    if length >= 2:  # std::__make_heap
        for parent in range((length - 2) // 2, -1, -1):
            _stl_adjust_heap(q, first, parent, length, q[first + parent])
    for i in range(middle, last):
        if _gt(q[i][0], q[first][0]):  # std::__pop_heap(first, middle, i)
            value = q[i]
            q[i] = q[first]
            _stl_adjust_heap(q, first, 0, length, value)


def _stl_partial_sort(q, first: int, middle: int, last: int) -> None:
    _stl_heap_select(q, first, middle, last)
    while middle - first > 1:  # std::__sort_heap
        middle -= 1
        value = q[middle]
        q[middle] = q[first]
        _stl_adjust_heap(q, first, 0, middle - first, value)


def _stl_introsort_loop(q, first: int, last: int, depth: int) -> None:
    while last - first > 16:
        if depth == 0:
            _stl_partial_sort(q, first, last, last)
            return
        depth -= 1
        cut = _stl_partition_pivot(q, first, last)
        _stl_introsort_loop(q, cut, last, depth)
        last = cut


def _stl_sort(q, first: int, last: int) -> None:
    if last - first < 2:
        return
    _stl_introsort_loop(q, first, last, 2 * ((last - first).bit_length() - 1))
    if last - first > 16:
        _stl_insertion_sort(q, first, first + 16)
        for i in range(first + 16, last):
            _stl_linear_insert(q, i)
    else:
        _stl_insertion_sort(q, first, last)


def _stl_nth_element(q, first: int, nth: int, last: int) -> None:
    depth = 2 * ((last - first).bit_length() - 1)
    while last - first > 3:
        if depth == 0:
            _stl_heap_select(q, first, nth + 1, last)
            q[first], q[nth] = q[nth], q[first]
            return
        depth -= 1
        cut = _stl_partition_pivot(q, first, last)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _stl_insertion_sort(q, first, last)


def _topk_indices(values: np.ndarray, k: int) -> np.ndarray:
    """Indices of ``torch.topk(values, k)`` (1-d, largest, sorted), ties in PyTorch's order."""
    n = values.size
    order = np.argsort(-values, kind="stable")
    top = values[order[:k + 1]]
    if not np.isnan(values).any() and bool(np.all(top[:-1] > top[1:])):
        return order[:k]  # no ties among the top k or at its edge: the order is unique
    q = list(zip(values.tolist(), range(n)))
    if k * 64 <= n:
        _stl_partial_sort(q, 0, k, n)
    else:
        _stl_nth_element(q, 0, k - 1, n)
        _stl_sort(q, 0, k - 1)
    return np.array([j for _, j in q[:k]], dtype=np.int64)


def _update_from(frm: int, dt: np.dtype, digits: int) -> int:
    """PyTorch's ``update_from``: nudge ``from`` up so it is representable in float ``dt``."""
    from_plus_1 = int(np.array(frm + 1, dtype=np.int64).astype(dt).astype(np.int64))
    if from_plus_1 < frm:
        from_ = abs(frm + 1)
        nbits = from_.bit_length() - 1
        frm = from_plus_1 + (1 << (nbits - digits + 1))
    return frm


def _update_to(to: int, dt: np.dtype, digits: int) -> int:
    """PyTorch's ``update_to``: nudge ``to`` down so it is representable in float ``dt``."""
    to_minus_1 = int(np.array(to - 1, dtype=np.int64).astype(dt).astype(np.int64))
    if to_minus_1 >= to:
        to_ = abs(to - 1)
        nbits = to_.bit_length() - 1
        to = to_minus_1 - (1 << (nbits - digits + 1))
    return to


# --------------------------------------------------------------------------------------
# fill order of non-contiguous outputs
# --------------------------------------------------------------------------------------

def fill_order(a: np.ndarray) -> tuple[int, ...] | None:
    """Axes from outermost to innermost in memory, or None when that is plain row-major order.

    PyTorch's TensorIterator visits an output in memory order (dimensions sorted by stride), so
    ``x.t().uniform_()`` or ``rand_like(x.t())`` draw along ``x``'s rows, not the view's.
    """
    if a.ndim < 2 or a.flags.c_contiguous:
        return None
    strides = a.strides
    perm = sorted(range(a.ndim), key=lambda d: -abs(strides[d]))  # stable: size-1 dims stay put
    return None if perm == list(range(a.ndim)) else tuple(perm)


def like_is_contiguous(a: np.ndarray) -> bool:
    """Whether ``empty_like(a)`` is contiguous: unless ``a``'s axes are permuted in memory
    (``empty_like`` keeps the stride order, dense or not: ``infer_dense_strides``)."""
    return fill_order(a) is None


def draw_like(a: np.ndarray, make, like: bool = False) -> np.ndarray:
    """``make(shape)`` drawn in ``a``'s memory order, returned in ``a``'s logical axis order.

    The result is a transposed view when ``a`` is a permuted layout, so it has the stride order
    ``empty_like(a)`` would have. (``like`` documents the caller's intent: an ``empty_like`` result
    rather than ``a`` itself; both follow the same order.)
    """
    perm = fill_order(a)
    if perm is None:
        return make(a.shape)
    return make(tuple(a.shape[d] for d in perm)).transpose(np.argsort(perm))


# --------------------------------------------------------------------------------------
# module-level default generator (torch.manual_seed & co.)
# --------------------------------------------------------------------------------------

class TorchGenerator(Generator):
    """``torch.Generator``: the engine plus PyTorch's tensor-facing API (states are uint8 tensors).

    ``TorchGenerator()`` starts from PyTorch's fixed default seed, as ``torch.Generator()`` does.
    """

    __slots__ = ("device",)

    def __init__(self, device="cpu") -> None:
        from .tensor import _check_device, device as _device

        _check_device(device)
        super().__init__(DEFAULT_GENERATOR_SEED)
        self.device = _device("cpu")

    def get_state(self):
        """The state as a new uint8 tensor (PyTorch's 5056-byte CPUGeneratorImplState)."""
        from .tensor import Tensor

        return Tensor._make(Generator.get_state(self))

    def set_state(self, new_state) -> "TorchGenerator":
        """Restore a state from ``get_state`` (numtorch's or PyTorch's); unchanged on error."""
        Generator.set_state(self, _state_array(new_state))
        return self

    def clone_state(self) -> "TorchGenerator":
        """A new generator with a copy of this one's state."""
        g = TorchGenerator()
        Generator.set_state(g, Generator.get_state(self))
        return g

    def graphsafe_get_state(self):
        raise NotImplementedError("graphsafe_get_state is not supported in this Generator")

    def graphsafe_set_state(self, state):
        raise NotImplementedError("graphsafe_set_state is not supported in this Generator")

    def __repr__(self) -> str:
        # PyTorch's generators print as their C++ class.
        return f"<torch._C.Generator object at {hex(id(self))}>"

    def __reduce__(self):
        # Pickles (and deep-copies) with its full state, as torch.Generator does.
        return _rebuild_torch_generator, (Generator.get_state(self).tobytes(),)


# type(torch.default_generator).__name__ is "Generator" in PyTorch.
TorchGenerator.__name__ = TorchGenerator.__qualname__ = "Generator"


def _rebuild_torch_generator(state: bytes) -> TorchGenerator:
    g = TorchGenerator()
    Generator.set_state(g, np.frombuffer(state, dtype=np.uint8).copy())
    return g


def _state_array(state) -> np.ndarray:
    """The uint8 array behind a state tensor, with PyTorch's TypeErrors for anything else."""
    from .tensor import Tensor

    if not isinstance(state, Tensor):
        t = type(state)
        name = t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__name__}"
        raise TypeError(f"expected a torch.ByteTensor, but got {name}")
    if state._data.dtype != np.uint8:
        raise TypeError("RNG state must be a torch.ByteTensor")
    return state._data


# Process start: a fresh nondeterministic seed, as PyTorch seeds its default CPU generator.
default_generator: TorchGenerator = TorchGenerator()
default_generator.seed()


def manual_seed(seed) -> TorchGenerator:
    """Seed the default generator (``int(seed)`` first, as ``torch.manual_seed`` does); returns it."""
    return default_generator.manual_seed(int(seed))


def seed() -> int:
    """Reseed the default generator nondeterministically and return the new seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The default generator's current seed (64-bit)."""
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state as a uint8 tensor (PyTorch's 5056-byte layout)."""
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    """Restore the default generator's state from :func:`get_rng_state`'s output."""
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled: bool = True, _caller: str = "fork_rng", _devices_kw: str = "devices",
             device_type: str = "cuda"):
    """Restore the default generator's state when the block exits (CPU only: no device states)."""
    if not enabled:
        yield
        return
    state = Generator.get_state(default_generator)
    try:
        yield
    finally:
        Generator.set_state(default_generator, state)
