"""``nn.Parameter``: a leaf tensor that a Module registers as a learnable weight."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor


class Parameter(Tensor):
    """A Tensor that is a module parameter: shares ``data``'s memory and requires grad by default."""

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            arr = np.empty((0,), dtype=np.float32)
        elif isinstance(data, Tensor):
            arr = data._data
        else:
            raise TypeError(f"Parameter data must be a Tensor, not {type(data).__name__}")
        p = Tensor._make(arr, cls=cls)
        if data is not None:
            p._vbox = data._vbox
        if requires_grad:
            if arr.dtype.kind != "f":
                raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
            p._requires_grad = True
        return p

    def __init__(self, data=None, requires_grad: bool = True):
        pass

    def __repr__(self, *, tensor_contents=None) -> str:
        from ..printing import format_tensor
        from ..dtypes import get_default_dtype

        return format_tensor(self._data, self._data.dtype.name, grad_fn_name=None,
                             requires_grad=self._requires_grad, is_parameter=True,
                             default_float=get_default_dtype().name)

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        from ..serialization import _reduce_parameter

        return _reduce_parameter(self)

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        new = Parameter(Tensor._make(self._data.copy()), self._requires_grad)
        if self._grad is not None:
            new._grad = Tensor._make(self._grad._data.copy())
        memo[id(self)] = new
        return new


class Buffer(Tensor):
    """Marker for ``nn.Buffer(tensor)``: registered as a buffer when assigned to a Module."""

    def __new__(cls, data: Tensor, *, persistent: bool = True):
        b = Tensor._make(data._data, cls=cls)
        b._vbox = data._vbox
        b.persistent = persistent
        return b

    def __init__(self, data=None, *, persistent: bool = True):
        pass


class UninitializedParameter(Parameter):
    pass
