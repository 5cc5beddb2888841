"""numtorch: PyTorch's tensor, autograd, nn and optim core on NumPy.

``import numtorch as torch`` and PyTorch code runs unchanged. This module is the ``torch`` namespace:
dtypes, factories, ops, grad modes, random seeding, printing options, save/load.
"""

from __future__ import annotations

__version__ = "0.1.0"

from . import dtypes as _dtypes
from .dtypes import (  # noqa: F401
    bool_ as bool,
    dtype,
    float16,
    float32,
    float64,
    finfo,
    get_default_dtype,
    iinfo,
    int8,
    int16,
    int32,
    int64,
    promote_types,
    set_default_dtype,
    uint8,
)
from .tensor import Size, Tensor, _install_methods, device  # noqa: F401

half, float, double = float16, float32, float64  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001
bfloat16 = float32  # NumPy has no bfloat16; the closest faithful stand-in for user code that names it
complex64 = complex128 = None

from .autograd.grad_mode import (  # noqa: E402,F401
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from . import autograd  # noqa: E402,F401
from .hints import set_hints  # noqa: E402,F401

_install_methods()  # binds numtorch/ops functions as Tensor methods and operators
autograd.Variable = Tensor

from .creation import (  # noqa: E402,F401
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
    arange,
    as_tensor,
    asarray,
    bernoulli,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    multinomial,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    scalar_tensor,
    tensor,
    zeros,
    zeros_like,
)
from .creation import range_ as range  # noqa: E402,F401,A001
from .printing import get_printoptions, set_printoptions  # noqa: E402,F401
from .random import initial_seed, manual_seed, seed  # noqa: E402,F401
from .random import TorchGenerator as Generator  # noqa: E402,F401
from .random import default_generator, get_rng_state, set_rng_state  # noqa: E402,F401

from .ops.pointwise import (  # noqa: E402,F401
    abs,
    absolute,
    add,
    allclose,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    ceil,
    clamp,
    clamp_max,
    clamp_min,
    clip,
    cos,
    div,
    divide,
    eq,
    equal,
    exp,
    exp2,
    expm1,
    fix,
    float_power,
    floor,
    floor_divide,
    fmax,
    fmin,
    fmod,
    frac,
    ge,
    greater,
    greater_equal,
    gt,
    isclose,
    isfinite,
    isinf,
    isnan,
    le,
    less,
    less_equal,
    log,
    log1p,
    log2,
    log10,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    maximum,
    minimum,
    mul,
    multiply,
    ne,
    neg,
    negative,
    not_equal,
    pow,
    reciprocal,
    remainder,
    round,
    rsqrt,
    rsub,
    sgn,
    sigmoid,
    sign,
    sin,
    sqrt,
    square,
    sub,
    subtract,
    tan,
    tanh,
    true_divide,
    trunc,
    where,
)
from .ops.pointwise import relu  # noqa: E402,F401
from .ops.reduction import (  # noqa: E402,F401
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    count_nonzero,
    cumprod,
    cumsum,
    flip,
    logsumexp,
    max,
    mean,
    min,
    nanmean,
    nansum,
    norm,
    prod,
    std,
    std_mean,
    sum,
    var,
    var_mean,
)
from .ops.shape import (  # noqa: E402,F401
    adjoint,
    atleast_1d,
    atleast_2d,
    broadcast_shapes,
    broadcast_tensors,
    broadcast_to,
    cat,
    chunk,
    clone,
    concat,
    concatenate,
    flatten,
    hstack,
    movedim,
    moveaxis,
    narrow,
    permute,
    ravel,
    reshape,
    select,
    split,
    squeeze,
    stack,
    swapaxes,
    swapdims,
    t,
    tensor_split,
    tile,
    transpose,
    unbind,
    unflatten,
    unsqueeze,
    vstack,
)
from .ops.indexing import (  # noqa: E402,F401
    argwhere,
    gather,
    index_add,
    index_select,
    masked_fill,
    masked_select,
    nonzero,
    scatter,
    scatter_add,
    take,
    take_along_dim,
)
from .ops.linalg import bmm, dot, einsum, matmul, mm, mv, outer, tensordot  # noqa: E402,F401
from .ops.linalg import addmm, outer as ger  # noqa: E402,F401
from .ops.nn_ops import erf, softmax, log_softmax, dropout  # noqa: E402,F401


def is_tensor(obj) -> bool:
    """True if ``obj`` is a numtorch Tensor."""
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:
    """True for float16/32/64 tensors."""
    return input.is_floating_point()


def numel(input: Tensor) -> int:
    """Number of elements of ``input``."""
    return input.numel()


def result_type(tensor1, tensor2) -> dtype:
    """The dtype PyTorch's promotion gives an op over these operands."""
    return _dtypes.result_type(tensor1, tensor2)


def can_cast(from_: dtype, to: dtype) -> bool:
    """Whether PyTorch's casting rules allow ``from_`` -> ``to`` in ops with ``out=``."""
    return from_._category <= to._category


def is_nonzero(input: Tensor) -> bool:
    """``bool(input)`` for a one-element tensor."""
    if input.numel() != 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input)


def detach(input: Tensor) -> Tensor:
    return input.detach()


def set_num_threads(n) -> None:
    """Accepted for compatibility (NumPy's BLAS picks its own threads)."""


def get_num_threads():
    import os

    return os.cpu_count() or 1


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Accepted for compatibility: numtorch is always deterministic."""


def compile(model=None, **kwargs):
    """``torch.compile`` is the identity in numtorch."""
    if model is None:
        return lambda m: m
    return model


class _Cuda:
    """``torch.cuda``: numtorch runs on the CPU only."""

    @staticmethod
    def is_available() -> bool:
        return False

    @staticmethod
    def device_count() -> int:
        return 0

    @staticmethod
    def manual_seed(seed) -> None:  # noqa: F811 - PyTorch's parameter name
        return None

    manual_seed_all = manual_seed

    @staticmethod
    def synchronize(device=None) -> None:  # noqa: F811 - PyTorch's parameter name
        return None


cuda = _Cuda()


class _Backends:
    class mps:
        @staticmethod
        def is_available() -> bool:
            return False

    class cudnn:
        deterministic = False
        benchmark = False


backends = _Backends()


def __getattr__(name):
    # Submodules and heavier pieces load on first use, so `import numtorch` stays fast.
    import importlib

    if name in ("nn", "optim", "utils", "serialization", "viz", "compat", "distributed", "linalg", "testing"):
        return importlib.import_module(f".{name}", __name__)
    if name in ("save", "load"):
        return getattr(importlib.import_module(".serialization", __name__), name)
    raise AttributeError(f"module 'numtorch' has no attribute '{name}'")


def _keep_freed_heap() -> None:
    """glibc: keep freed heap memory for reuse instead of returning it to the OS after every step.

    A training loop frees its whole graph at the end of each backward; glibc would trim the heap top and the
    next step would page-fault every temporary back in, which costs more than the arithmetic on large
    tensors (W4/W6 in bench/). M_TOP_PAD keeps 64 MiB of slack at the top of the heap.

    Setting any of these options also freezes glibc's mmap threshold at its 128 KiB start value (it normally
    grows to the largest block freed, up to 32 MiB); every array above it would then be a fresh mmap,
    page-faulted in on every allocation (an 800 KiB copy took 413 µs instead of 17). So the threshold is set
    to the 32 MiB its dynamic rule would reach.
    """
    import sys

    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.mallopt(-2, 64 << 20)  # -2 is M_TOP_PAD
        libc.mallopt(-3, 32 << 20)  # -3 is M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


_keep_freed_heap()
