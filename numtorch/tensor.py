"""class Tensor: an ndarray plus the fields autograd needs. Python operators route to ``numtorch/ops``.

A Tensor owns (or views) one NumPy array ``_data``. ``grad_fn`` is the Node that made it (None for a leaf);
``_vbox`` is a list holding the version counter, shared by a tensor and all its views so that saving a tensor
for backward can detect a later in-place change through any of them. Once a Node saves the tensor the list
gets a second slot: where the last in-place write happened (``graph.bump_version``, for the error's note).
"""

from __future__ import annotations

import sys
import warnings
import weakref

import numpy as np

from . import dtypes as _dt
from .autograd import grad_mode as _gm
from .autograd import backward as _autograd_backward
from .autograd.engine import run_backward as _run_backward
from .autograd.graph import bump_version

_NP_TO_DTYPE = {d.np_type: d for d in _dt.ALL}
_new = object.__new__

# Tensor's autograd fields that live in an instance's __dict__ once set (see the class-level defaults in Tensor).
_AUTOGRAD_FIELDS = frozenset(("_output_nr", "_acc", "_hooks", "_retains_grad"))
# References to an incoming gradient while the engine hands it to AccumulateGrad: the node's buffer list, the
# argument of _accumulate_grad, and getrefcount's own argument. More means someone else holds it.
_ENGINE_GRAD_REFS = 3
_ndarray = np.ndarray


class Size(tuple):
    """``torch.Size``: a tuple of ints that prints as ``torch.Size([2, 3])``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "torch.Size([" + ", ".join(str(s) for s in self) + "])"

    __str__ = __repr__

    def numel(self) -> int:
        """Number of elements a tensor of this size holds."""
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, item):
        out = tuple.__getitem__(self, item)
        return Size(out) if isinstance(item, slice) else out

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))


_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia",
                 "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")


class device:
    """``torch.device``; numtorch computes on the CPU only."""

    __slots__ = ("type", "index")

    def __init__(self, type: str = "cpu", index: int | None = None):
        if isinstance(type, device):
            type, index = type.type, type.index
        name, _, idx = str(type).partition(":")
        if name not in _DEVICE_TYPES:
            raise RuntimeError(
                f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start of device string: {type}")
        self.type = name
        self.index = int(idx) if idx else index

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


CPU = device("cpu")


def _check_device(dev) -> None:
    if dev is None:
        return
    d = dev if isinstance(dev, device) else device(dev) if not isinstance(dev, int) else device("cuda", dev)
    if d.type == "cuda":
        raise AssertionError("Torch not compiled with CUDA enabled")
    if d.type != "cpu":
        raise RuntimeError(f"numtorch runs on the CPU only, not {d}")



def _unshared_memory(g: np.ndarray) -> np.ndarray | None:
    """``g`` when nothing but its Tensor refers to it or to its memory (``g`` owns it, or views the whole of an
    array that only ``g`` refers to, e.g. a matmul result transposed twice) and it is C-contiguous and writeable;
    else None. The caller holds ``g`` in a local variable."""
    # References to g: its Tensor, the caller's local, this parameter, getrefcount's argument.
    if not (g.flags.c_contiguous and g.flags.writeable) or sys.getrefcount(g) != 4:
        return None
    base = g.base
    if base is None:
        return g
    # References to base: g's .base, this local, getrefcount's argument.
    if type(base) is np.ndarray and base.base is None and base.nbytes == g.nbytes and sys.getrefcount(base) == 3:
        return g
    return None


class Tensor:
    """A multi-dimensional array that can record the operations applied to it, for ``backward()``."""

    __slots__ = ("_data", "_requires_grad", "grad_fn", "_grad", "_vbox", "_base", "_view_version", "__weakref__",
                 "__dict__")

    # Rarely set, so class-level defaults rather than slots: a new tensor need not store them (an instance that
    # sets one keeps it in its __dict__). Output index among a multi-output op's results; the leaf's AccumulateGrad
    # (held weakly); the leaf's register_hook hooks; retain_grad's state.
    _output_nr = 0
    _acc = None
    _hooks = None
    _retains_grad = False

    __array_priority__ = 1000  # so ndarray <op> Tensor defers to Tensor's reflected operators

    # -- construction -----------------------------------------------------------------------------------
    def __new__(cls, *args, **kwargs):
        # The legacy constructor: torch.Tensor(data) or torch.Tensor(*sizes), default dtype.
        from .creation import _legacy_new

        if cls is not Tensor and args and isinstance(args[0], Tensor):
            # Subclass construction from a tensor (e.g. via _make_subclass-like use): share data.
            return Tensor._make(args[0]._data, cls=cls)
        return _legacy_new(_dt.get_default_dtype(), args, kwargs, cls)

    @staticmethod
    def _make(data: np.ndarray, requires_grad: bool = False, cls=None) -> "Tensor":
        """Wrap an ndarray without copying (the hot path: no checks, no keyword parsing)."""
        t = _new(cls or Tensor)
        if data.__class__ is not _ndarray:
            # NumPy hands back 0-d results as read-only scalars (np.float32); a tensor needs a real array.
            data = np.asarray(data)
        t._data = data
        t._requires_grad = requires_grad
        t.grad_fn = None
        t._grad = None
        t._vbox = [0]
        t._base = None
        return t

    # -- basic attributes -------------------------------------------------------------------------------
    @property
    def dtype(self) -> _dt.dtype:
        return _NP_TO_DTYPE[self._data.dtype]

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        """The shape as ``torch.Size``, or the length of one dimension."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    def dim(self) -> int:
        """Number of dimensions."""
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        """Number of elements."""
        return self._data.size

    nelement = numel

    def element_size(self) -> int:
        """Bytes per element."""
        return self._data.itemsize

    @property
    def itemsize(self) -> int:
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    @property
    def device(self) -> device:
        return CPU

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def is_sparse(self) -> bool:
        return False

    @property
    def layout(self):
        return "torch.strided"

    def is_floating_point(self) -> bool:
        """True for float16/32/64 tensors."""
        return self._data.dtype.kind == "f"

    def is_complex(self) -> bool:
        return False

    def stride(self, dim: int | None = None):
        """Strides in elements, as PyTorch reports them."""
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[_wrap_dim(dim, self._data.ndim)]

    def is_contiguous(self, memory_format=None) -> bool:
        """Whether the elements lie in row-major order without gaps."""
        return bool(self._data.flags.c_contiguous) or self._data.size <= 1

    def data_ptr(self) -> int:
        return self._data.__array_interface__["data"][0]

    def storage_offset(self) -> int:
        if self._base is None:
            return 0
        return (self.data_ptr() - self._base.data_ptr()) // self._data.itemsize

    def get_device(self) -> int:
        return -1

    def cpu(self) -> "Tensor":
        return self

    def cuda(self, *args, **kwargs) -> "Tensor":
        raise AssertionError("Torch not compiled with CUDA enabled")

    # -- autograd fields --------------------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        if self._base is not None:
            self._refresh()
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self.grad_fn is not None:
            raise RuntimeError(_leaf_flag_message(bool(value)))
        if value and self._data.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set ``requires_grad`` in place (leaves only); returns self."""
        if self.grad_fn is not None:
            if not requires_grad:
                raise RuntimeError(_leaf_flag_message(False))
            return self
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def is_leaf(self) -> bool:
        if self._base is not None:
            self._refresh()
        return self.grad_fn is None

    @property
    def grad(self):
        g = self._grad
        if g is None and self.grad_fn is not None and not self._retains_grad:
            warnings.warn(_NON_LEAF_GRAD_MSG, UserWarning, stacklevel=2)
        return g

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}")
            if value is self:
                raise RuntimeError("can't assign Variable as its own grad")
            if value._data.dtype != self._data.dtype:
                from .ops.linalg import _NAMES

                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{_NAMES[value._data.dtype.name]}' to a tensor with "
                    f"grad_dtype '{self.dtype._legacy}'. The gradient must match the tensor's grad_dtype (defaults "
                    "to the tensor's dtype). You can set the tensor's grad_dtype attribute with a specific dtype, or "
                    "None to allow any dtype. Set grad_dtype with caution. Diverging the dtypes of a tensor and its "
                    "gradient may break downstream systems that assume they match."
                )
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{_dims(value._data.shape)}' to a tensor of size "
                    f"'{_dims(self._data.shape)}'. Please ensure that the gradient and the tensor are the same size"
                )
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad is not False

    @property
    def _version(self) -> int:
        return self._vbox[0]

    @property
    def output_nr(self) -> int:
        return self._output_nr

    @property
    def is_inference(self):
        return lambda: False

    def _is_view(self) -> bool:
        return self._base is not None

    @property
    def data(self) -> "Tensor":
        # Same memory, no graph, and a version counter of its own (changes through .data go unseen).
        return Tensor._make(self._data)

    @data.setter
    def data(self, value: "Tensor") -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"Tensor.data must be a Tensor, not {type(value).__name__}")
        if self._requires_grad and value._data.dtype.kind not in "fc":
            raise RuntimeError("data set to a tensor that requires gradients must be floating point or complex dtype")
        self._data = value._data

    def _accumulate_grad(self, grad: "Tensor", create_graph: bool = False) -> None:
        """Add an incoming gradient into ``.grad`` (what AccumulateGrad does for a leaf; hooks ran already)."""
        if grad._data.shape != self._data.shape:
            grad = Tensor._make(np.broadcast_to(grad._data, self._data.shape)) if grad._data.size == 1 else grad
        old = self._grad
        if old is None:
            if create_graph and grad._requires_grad:
                # PyTorch copies into a fresh tensor, recorded: the new .grad's grad_fn is CopyBackwards.
                from .ops.inplace import copy_

                self._grad = copy_(Tensor._make(np.empty(self._data.shape, dtype=self._data.dtype)), grad)
            else:
                g = grad._data
                same = g.dtype is self._data.dtype
                # When nothing else holds this gradient or its memory (PyTorch's use_count test in AccumulateGrad),
                # it becomes .grad as it is: no copy of the whole parameter every step. Otherwise a copy (C order,
                # as PyTorch's for a contiguous leaf): formulas may pass one gradient to several inputs, and hooks
                # or retain_grad may keep it.
                data = _unshared_memory(g) if same and sys.getrefcount(grad) <= _ENGINE_GRAD_REFS else None
                if data is None:
                    data = g.copy() if same else np.array(g, dtype=self._data.dtype, copy=True, order="C")
                self._grad = Tensor._make(data)
        elif create_graph:
            self._grad = old + grad
        else:
            old_data = old._data
            np.add(old_data, grad._data, out=old_data, casting="unsafe")
            old._vbox[0] += 1

    def _run_hooks(self, grad: "Tensor") -> "Tensor":
        """This leaf's ``register_hook`` hooks, in order; each may replace the gradient."""
        for hook in list(self._hooks):
            new = hook(grad)
            if new is not None:
                grad = new
        return grad

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward (leaves keep it anyway)."""
        self._refresh()
        if self.grad_fn is None:
            if not self._requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if self._retains_grad:
            return
        ref = weakref.ref(self)

        def keep(grad):
            # As PyTorch's: the first gradient is cloned (recorded under create_graph), later ones added.
            t = ref()
            if t is not None:
                t._grad = grad.clone() if t._grad is None else t._grad + grad

        self._retains_grad = keep
        self.grad_fn._set_retain_grad_hook(self._output_nr, keep)

    def register_hook(self, hook):
        """Run ``hook(grad)`` when this tensor's gradient is computed; it may return a replacement."""
        if not self._requires_grad and self.grad_fn is None:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        self._refresh()
        if self.grad_fn is not None:
            return self.grad_fn._add_tensor_hook(self._output_nr, hook)
        if self._hooks is None:
            self._hooks = []
        from .autograd.graph import RemovableHandle

        self._hooks.append(hook)
        return RemovableHandle(self._hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph: bool = False, inputs=None) -> None:
        """Compute the gradient of this tensor w.r.t. the graph leaves and accumulate it into their ``.grad``."""
        if gradient is None and inputs is None and not create_graph and self._requires_grad:
            d = self._data
            if d.size == 1 and d.dtype.kind == "f":
                # ``loss.backward()``, once per training step: the implicit gradient 1 goes straight to the
                # engine, without autograd.backward's argument handling (which gives every other call's errors).
                one = np.array(1, d.dtype) if not d.shape else np.ones(d.shape, d.dtype)
                _run_backward((self,), [Tensor._make(one)], bool(retain_graph), False)
                return
        _autograd_backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self) -> "Tensor":
        """A tensor sharing this one's data (and version counter) with no graph history."""
        t = Tensor._make(self._data)
        t._vbox = self._vbox
        return t

    def detach_(self) -> "Tensor":
        """Cut this tensor out of the graph in place: it becomes a leaf that does not require grad."""
        if self._base is not None:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel "
                "(DDP) for training, and gradient_as_bucket_view is set as True, gradients are views of DDP "
                "buckets, and hence detach_() cannot be called on these gradients. To fix this error, please "
                "refer to the Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution."
            )
        fn = self.grad_fn
        if self._retains_grad is not False and fn is not None and fn._tensor_hooks:
            fn._tensor_hooks.pop(("retain", self._output_nr), None)
        self.grad_fn = None
        self._requires_grad = False
        if self._output_nr or self._retains_grad is not False:  # (set only when needed: see the class defaults)
            self._output_nr = 0
            self._retains_grad = False
        return self

    def _refresh(self) -> None:
        """Bring a view's ``grad_fn`` up to date if its base changed in place since (PyTorch does it lazily)."""
        if self._base is not None and self._view_version != self._vbox[0] and self._view_version is not None:
            from .autograd.graph import refresh_view

            refresh_view(self)

    # -- conversions ----------------------------------------------------------------------------------------
    def item(self):
        """The single value as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(-1)[0].item()

    def tolist(self):
        """Nested Python lists (a Python number for a 0-d tensor)."""
        return self._data.tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The underlying ndarray (shared memory); refuses tensors that require grad, as PyTorch does."""
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        if self._requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        if dtype is None:
            return self._data
        return self._data.astype(dtype, copy=False)

    def _scalar_for_python(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self._data.reshape(-1)[0]

    def __float__(self) -> float:
        if self._requires_grad and not _scalar_warned:
            _warn_scalar_with_grad()
        return float(self._scalar_for_python())

    def __int__(self) -> int:
        return int(self._scalar_for_python())

    def __complex__(self) -> complex:
        if self._requires_grad and not _scalar_warned:
            _warn_scalar_with_grad()
        return complex(self._scalar_for_python())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.reshape(-1)[0])

    def __bool__(self) -> bool:
        if self._data.size != 1:
            if self._data.size == 0:
                raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(-1)[0])

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __format__(self, spec: str) -> str:
        # 0-d tensors format like the Python number they hold; others fall back to str().
        if self._data.ndim == 0:
            return self._data.item().__format__(spec)
        return object.__format__(self, spec)

    def __hash__(self) -> int:
        return id(self)

    def __reduce_ex__(self, protocol):
        from .serialization import _reduce_tensor

        return _reduce_tensor(self)

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol at the "
                "moment.  If you were attempting to deepcopy a module, this may be because of a "
                "torch.nn.utils.weight_norm usage, see https://github.com/pytorch/pytorch/pull/103001"
            )
        new = Tensor._make(self._data.copy(), cls=type(self))
        new._requires_grad = self._requires_grad
        if self._grad is not None:
            new._grad = self._grad.__deepcopy__(memo)
        # The user's own attributes; not the autograd fields kept in __dict__ (the leaf's accumulator, hooks…),
        # which belong to this tensor's place in a graph, not to its value.
        state = {k: v for k, v in self.__dict__.items() if k not in _AUTOGRAD_FIELDS}
        if state:
            import copy

            new.__dict__.update(copy.deepcopy(state, memo))
        memo[id(self)] = new
        return new

    def __repr__(self, *, tensor_contents=None) -> str:
        from .printing import format_tensor

        self._refresh()
        fn = self.grad_fn
        return format_tensor(
            self._data, self._data.dtype.name,
            grad_fn_name=None if fn is None else type(fn).__name__,
            requires_grad=self._requires_grad,
            is_parameter=False,
            default_float=_dt.get_default_dtype().name,
        )

    __str__ = __repr__

    def type(self, dtype=None, non_blocking: bool = False, **kwargs):
        """With no argument: the legacy type name (``'torch.FloatTensor'``); else convert to that type."""
        if dtype is None:
            return f"torch.{self.dtype._legacy}Tensor"
        if isinstance(dtype, str):
            name = dtype.rsplit(".", 1)[-1]
            for d in _dt.ALL:
                if d._legacy + "Tensor" == name:
                    dtype = d
                    break
            else:
                raise ValueError(f"invalid type: '{dtype}'")
        return self.to(dtype)

    @staticmethod
    def _legacy_name_of(data: np.ndarray) -> str:
        return _NP_TO_DTYPE[data.dtype]._legacy

    def _bump_version(self) -> None:
        bump_version(self._vbox)


def _wrap_dim(dim: int, ndim: int) -> int:
    """Turn a possibly negative dim into an index, with PyTorch's out-of-range error."""
    n = ndim if ndim > 0 else 1
    if dim < -n or dim >= n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim + n if dim < 0 else dim


def _leaf_flag_message(value: bool) -> str:
    msg = "you can only change requires_grad flags of leaf variables."
    if not value:
        msg += (" If you want to use a computed variable in a subgraph that doesn't require differentiation "
                "use var_no_grad = var.detach().")
    return msg


_NON_LEAF_GRAD_MSG = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be "
    "populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf "
    "Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure "
    "you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more information."
)

_SCALAR_WITH_GRAD_MSG = (
    "Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n"
    "Consider using tensor.detach() first."
)


_scalar_warned = False  # PyTorch warns once per process (TORCH_WARN_ONCE), whatever the warning filters


def _warn_scalar_with_grad() -> None:
    # Called from __float__ / __complex__: stacklevel 3 is the line that converted the tensor.
    global _scalar_warned
    _scalar_warned = True
    warnings.warn(_SCALAR_WITH_GRAD_MSG, UserWarning, stacklevel=3)


def _dims(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


# --- methods: every Tensor method is the function of the same name in numtorch/ops -------------------------
def _install_methods() -> None:
    """Bind ops as Tensor methods and operators (called once, after the ops modules are imported)."""
    from .ops import indexing as ix
    from .ops import inplace as ip
    from .ops import linalg as la
    from .ops import nn_ops as nn
    from .ops import pointwise as pw
    from .ops import reduction as rd
    from .ops import shape as sh

    T = Tensor
    # Arithmetic operators. Reflected forms keep self first where PyTorch does (``2 * a`` is a.mul(2)).
    T.__add__ = T.add = pw.add
    T.__radd__ = pw.add
    T.__sub__ = T.sub = T.subtract = pw.sub
    T.__rsub__ = pw.rsub
    T.__mul__ = T.mul = T.multiply = pw.mul
    T.__rmul__ = pw.mul
    T.__truediv__ = T.div = T.divide = T.true_divide = pw.div
    T.__rtruediv__ = lambda self, other: pw.mul(pw.reciprocal(self), other)
    T.__floordiv__ = T.floor_divide = pw.floor_divide
    T.__rfloordiv__ = lambda self, other: pw.floor_divide(other, self)
    T.__mod__ = T.remainder = pw.remainder
    T.__rmod__ = lambda self, other: pw.remainder(other, self)
    T.fmod = pw.fmod
    T.__pow__ = T.pow = pw.pow
    T.__rpow__ = lambda self, other: pw.pow(other, self)
    T.__matmul__ = T.matmul = la.matmul
    T.__rmatmul__ = lambda self, other: la.matmul(other, self)
    T.__neg__ = T.neg = T.negative = pw.neg
    T.__pos__ = lambda self: self
    T.__abs__ = T.abs = T.absolute = pw.abs
    T.__invert__ = T.bitwise_not = pw.bitwise_not
    T.__and__ = T.bitwise_and = pw.bitwise_and
    T.__or__ = T.bitwise_or = pw.bitwise_or
    T.__xor__ = T.bitwise_xor = pw.bitwise_xor
    T.__rand__ = lambda self, other: pw.bitwise_and(self, other)
    T.__ror__ = lambda self, other: pw.bitwise_or(self, other)
    T.__rxor__ = lambda self, other: pw.bitwise_xor(self, other)
    T.__eq__ = T.eq = pw.eq
    T.__ne__ = T.ne = T.not_equal = pw.ne
    T.__lt__ = T.lt = T.less = pw.lt
    T.__le__ = T.le = T.less_equal = pw.le
    T.__gt__ = T.gt = T.greater = pw.gt
    T.__ge__ = T.ge = T.greater_equal = pw.ge
    T.__hash__ = object.__hash__
    T.equal = pw.equal
    T.isclose, T.allclose = pw.isclose, pw.allclose
    T.logical_not, T.logical_and, T.logical_or, T.logical_xor = (
        pw.logical_not, pw.logical_and, pw.logical_or, pw.logical_xor)
    T.isnan, T.isinf, T.isfinite = pw.isnan, pw.isinf, pw.isfinite
    # In-place operators.
    T.__iadd__ = T.add_ = ip.add_
    T.__isub__ = T.sub_ = T.subtract_ = ip.sub_
    T.__imul__ = T.mul_ = T.multiply_ = ip.mul_
    T.__itruediv__ = T.div_ = T.divide_ = ip.div_
    T.__ipow__ = T.pow_ = ip.pow_
    T.clamp_ = T.clip_ = ip.clamp_
    T.clamp_min_ = lambda self, min: ip.clamp_(self, min=min)
    T.clamp_max_ = lambda self, max: ip.clamp_(self, max=max)
    for name in ("exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs", "neg", "floor", "ceil",
                 "round", "trunc", "reciprocal", "log1p", "expm1", "sign", "rsqrt", "tan"):
        setattr(T, name + "_", ip._unary_inplace(name))
    T.zero_, T.fill_, T.copy_ = ip.zero_, ip.fill_, ip.copy_
    T.__setitem__ = ip.setitem
    T.__getitem__ = ix.getitem
    T.masked_fill_ = lambda self, mask, value: ip.apply_inplace(self, ix.masked_fill, mask, value)
    T.index_add_ = lambda self, dim, index, source, *, alpha=1: ip.apply_inplace(
        self, ix.index_add, dim, index, source, alpha=alpha)
    T.scatter_ = lambda self, dim, index, src=None, *, value=None, reduce=None: ip.apply_inplace(
        self, ix.scatter, dim, index, src, value=value, reduce=reduce)
    T.scatter_add_ = lambda self, dim, index, src: ip.apply_inplace(self, ix.scatter_add, dim, index, src)
    # Unary math.
    for name in ("exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "sin", "cos", "tan",
                 "tanh", "sigmoid", "relu", "reciprocal", "floor", "ceil", "round", "trunc", "fix", "frac",
                 "sign", "sgn", "square", "clamp", "clip", "clamp_min", "clamp_max", "maximum", "minimum",
                 "fmax", "fmin", "float_power"):
        setattr(T, name, getattr(pw, name))
    T.where = lambda self, condition, other: pw.where(condition, self, other)
    T.erf = nn.erf
    T.softmax = lambda self, dim, dtype=None: nn.softmax(self, dim, dtype=dtype)
    T.log_softmax = lambda self, dim, dtype=None: nn.log_softmax(self, dim, dtype=dtype)
    # Reductions.
    for name in ("sum", "nansum", "mean", "nanmean", "prod", "cumsum", "cumprod", "max", "min", "amax", "amin",
                 "argmax", "argmin", "var", "std", "norm", "logsumexp", "all", "any", "count_nonzero", "flip"):
        setattr(T, name, getattr(rd, name))
    # Shape.
    for name in ("view", "reshape", "view_as", "reshape_as", "flatten", "unflatten", "ravel", "unsqueeze",
                 "squeeze", "transpose", "swapaxes", "swapdims", "t", "permute", "movedim", "moveaxis",
                 "expand", "expand_as", "broadcast_to", "repeat", "tile", "split", "chunk", "tensor_split",
                 "unbind", "narrow", "select", "clone", "contiguous", "adjoint"):
        setattr(T, name, getattr(sh, name))
    T.t_ = lambda self: _replace_with(self, sh.t(self))
    T.transpose_ = lambda self, d0, d1: _replace_with(self, sh.transpose(self, d0, d1))
    T.squeeze_ = lambda self, dim=None: _replace_with(self, sh.squeeze(self, dim))
    T.unsqueeze_ = lambda self, dim: _replace_with(self, sh.unsqueeze(self, dim))
    # Indexing.
    for name in ("gather", "index_select", "masked_fill", "masked_select", "nonzero", "take", "take_along_dim",
                 "scatter", "scatter_add", "index_add", "argwhere"):
        setattr(T, name, getattr(ix, name))
    # Linear algebra.
    T.mm, T.bmm, T.mv, T.dot, T.outer, T.ger, T.inner = la.mm, la.bmm, la.mv, la.dot, la.outer, la.outer, la.dot
    T.addmm = lambda self, mat1, mat2, *, beta=1, alpha=1: la.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    # dtype conversions.
    def to(self, *args, **kwargs):
        """Convert dtype (device 'cpu' is accepted and ignored): ``t.to(torch.float64)``, ``t.to(other)``."""
        dtype = kwargs.pop("dtype", None)
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        _check_device(kwargs.pop("device", None))
        for a in args:
            if isinstance(a, _dt.dtype):
                dtype = a
            elif isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, (str, device)):
                _check_device(a)
            elif a is not None and not isinstance(a, bool):
                dtype = _dt.as_dtype(a)
        if dtype is None:
            return sh.clone(self) if copy else self
        return sh.to_dtype(self, dtype, copy)

    T.to = to
    T.float = lambda self, memory_format=None: sh.to_dtype(self, _dt.float32)
    T.double = lambda self, memory_format=None: sh.to_dtype(self, _dt.float64)
    T.half = lambda self, memory_format=None: sh.to_dtype(self, _dt.float16)
    T.long = lambda self, memory_format=None: sh.to_dtype(self, _dt.int64)
    T.int = lambda self, memory_format=None: sh.to_dtype(self, _dt.int32)
    T.short = lambda self, memory_format=None: sh.to_dtype(self, _dt.int16)
    T.char = lambda self, memory_format=None: sh.to_dtype(self, _dt.int8)
    T.byte = lambda self, memory_format=None: sh.to_dtype(self, _dt.uint8)
    T.bool = lambda self, memory_format=None: sh.to_dtype(self, _dt.bool_)
    T.type_as = lambda self, other: sh.to_dtype(self, other.dtype)

    # Random in-place fills (PyTorch's streams, numtorch.random).
    from . import random as _random

    def _fill_random(self, arr):
        with _gm.no_grad():
            ip.check_inplace(self) if _gm._State.enabled else None
        np.copyto(self._data, arr, casting="unsafe")
        bump_version(self._vbox)
        return self

    def _gen(generator):
        return _random.default_generator if generator is None else getattr(generator, "_engine", generator)

    def _draw(self, make):
        # Draw in self's memory order, as PyTorch's TensorIterator fills non-contiguous outputs.
        return _random.draw_like(self._data, make)

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        """Fill with uniform samples from [a, b)."""
        ip.check_inplace(self)
        g, dt = _gen(generator), self._data.dtype
        return _fill_random(self, _draw(self, lambda shape: g.uniform(shape, dt, a, b)))

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        """Fill with normal samples."""
        ip.check_inplace(self)
        g, dt = _gen(generator), self._data.dtype
        # PyTorch's block algorithm needs a contiguous tensor; others take the scalar path.
        c = bool(self._data.flags.c_contiguous)
        return _fill_random(self, _draw(self, lambda shape: g.normal(shape, dt, mean, std, contiguous=c)))

    def bernoulli_(self, p=0.5, *, generator=None):
        """Fill with 0/1 samples of probability ``p`` (a number, or a tensor broadcast to self)."""
        ip.check_inplace(self)
        g, dt = _gen(generator), self._data.dtype
        if isinstance(p, Tensor):
            pb = np.broadcast_to(p._data, self._data.shape)
            perm = _random.fill_order(self._data)
            if perm is None:
                arr = g.bernoulli_tensor(pb, dt)
            else:
                arr = g.bernoulli_tensor(pb.transpose(perm), dt).transpose(np.argsort(perm))
        else:
            arr = _draw(self, lambda shape: g.bernoulli_scalar(shape, float(p), dt))
        return _fill_random(self, arr)

    _unset = object()

    def random_(self, from_=_unset, to=_unset, *, generator=None):
        """Fill with integers: ``random_()`` over the dtype's range, ``random_(to)``, ``random_(from, to)``,
        ``random_(from, None)`` for ``[from, max]`` (PyTorch's overloads and streams)."""
        ip.check_inplace(self)
        g, dt = _gen(generator), self._data.dtype
        if from_ is _unset and to is _unset:
            arr = _draw(self, lambda shape: g.random_(shape, dt))
        elif to is _unset or from_ is _unset:
            high = int(from_ if to is _unset else to)
            arr = _draw(self, lambda shape: g.randint(0, high, shape, dt))
        elif to is None:
            arr = _draw(self, lambda shape: g.random_from(shape, int(from_), dt))
        else:
            arr = _draw(self, lambda shape: g.randint(int(from_), int(to), shape, dt))
        return _fill_random(self, arr)

    def exponential_(self, lambd=1.0, *, generator=None):
        """Fill with exponential samples (PyTorch's float64 kernel, then cast)."""
        ip.check_inplace(self)
        g, dt = _gen(generator), self._data.dtype
        return _fill_random(self, _draw(self, lambda shape: g.exponential(shape, dt, lambd)))

    T.uniform_, T.normal_, T.bernoulli_, T.random_, T.exponential_ = (
        uniform_, normal_, bernoulli_, random_, exponential_)
    T.bernoulli = lambda self, p=None, *, generator=None: __import__(
        "numtorch.creation", fromlist=["bernoulli"]).bernoulli(self, p, generator=generator)
    T.multinomial = lambda self, num_samples, replacement=False, *, generator=None: __import__(
        "numtorch.creation", fromlist=["multinomial"]).multinomial(self, num_samples, replacement, generator=generator)

    # Factories as methods.
    def new_tensor(self, data, *, dtype=None, requires_grad=False, device=None):
        from .creation import tensor

        return tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def _new_filled(fill):
        def method(self, *size, dtype=None, requires_grad=False, device=None):
            from .creation import _size

            data = np.full(_size(size), fill, dtype=(dtype and _dt.as_dtype(dtype).np_type) or self._data.dtype)
            t = Tensor._make(data)
            if requires_grad:
                t.requires_grad_()
            return t

        return method

    T.new_tensor = new_tensor
    T.new_zeros = T.new_empty = _new_filled(0)
    T.new_ones = _new_filled(1)
    T.new_full = lambda self, size, fill_value, *, dtype=None, requires_grad=False, device=None: _new_filled(
        fill_value)(self, *size, dtype=dtype, requires_grad=requires_grad)

    # Properties.
    def _T(self):
        if self._data.ndim == 0:
            warnings.warn("Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases.",
                          UserWarning, stacklevel=2)
        elif self._data.ndim != 2:
            warnings.warn(
                "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated and it "
                "will throw an error in a future release. Consider `x.mT` to transpose batches of matrices or "
                "`x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.",
                UserWarning, stacklevel=2,
            )
        return sh.permute(self, tuple(range(self._data.ndim - 1, -1, -1)))

    def _mT(self):
        if self._data.ndim < 2:
            raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.")
        return sh.transpose(self, -2, -1)

    T.T = property(_T)
    T.mT = property(_mT)
    T.H = property(_T)
    T.mH = property(_mT)


def _replace_with(self: Tensor, new: Tensor) -> Tensor:
    # In-place shape changes (t_, squeeze_ …) rebind self to the new view's array and graph position.
    self._data = new._data
    if new.grad_fn is not None:
        self.grad_fn = new.grad_fn
    bump_version(self._vbox)
    return self
