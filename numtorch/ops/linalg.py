"""Matrix products: matmul (``@``), mm, bmm, mv, dot, outer, addmm.

Each checks shapes and dtypes first and raises PyTorch's message; ``matmul`` dispatches to the same
primitive PyTorch uses for those ranks, so ``grad_fn`` names match (``a @ w`` is MmBackward0).
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..autograd import grad_mode as _gm
from ..autograd.graph import Node
from ..hints import matmul_note
from ..tensor import Tensor
from ._helpers import _make, broadcast_error, edges, graph_needed, result, sum_to
from .shape import (SqueezeBackward4, _squeeze_dim, _unsafe_view, contiguous, expand, permute, reshape, squeeze, t,
                    transpose, unsqueeze)


def _dims(shape) -> str:
    return "x".join(str(s) for s in shape)


def _same_dtype(a: Tensor, b: Tensor, mm_style: bool = True) -> None:
    if a._data.dtype != b._data.dtype:
        an = _NAMES[a._data.dtype.name]
        bn = _NAMES[b._data.dtype.name]
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {an} != {bn}")


_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int", "int32": "int",
          "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}


def _matmul_data(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    if x.dtype.kind == "b":
        return (x.astype(np.int64) @ y.astype(np.int64)).astype(bool)
    return np.matmul(x, y)


def _column_major(x: np.ndarray) -> bool:
    """A matrix laid out by columns (the transpose of a contiguous one, as ``weight.t()``), by PyTorch's test."""
    item = x.itemsize
    return x.strides[0] == item and x.strides[1] == item * x.shape[0]


# In a plain backward (grad mode off: no graph of the gradient to record) these gradients are computed on the
# arrays directly: the same products on the same memory layouts, so the same BLAS calls and the same bits, without
# the transposes and checks of three numtorch ops per product.

def _mat1_grad(grad: Tensor, b: Tensor, a_column_major: bool) -> Tensor:
    """``grad @ B^T``; for a column-major A computed as ``(B @ grad^T)^T`` so that the gradient comes out in A's
    layout (PyTorch's ``mm_mat1_backward``)."""
    if not _gm._State.enabled:
        g, m = grad._data, b._data
        return _make(np.matmul(m, g.T).T if a_column_major else np.matmul(g, m.T))
    return t(mm(b, t(grad))) if a_column_major else mm(grad, t(b))


def _mat2_grad(grad: Tensor, a: Tensor, b_column_major: bool) -> Tensor:
    """``A^T @ grad``; for a column-major B (``weight.t()`` in ``linear``) computed as ``(grad^T @ A)^T``, so that the
    weight's gradient comes out contiguous (PyTorch's ``mm_mat2_backward``)."""
    if not _gm._State.enabled:
        g, m = grad._data, a._data
        return _make(np.matmul(g.T, m).T if b_column_major else np.matmul(m.T, g))
    return t(mm(t(grad), a)) if b_column_major else mm(t(a), grad)


class MmBackward0(Node):
    """d(A B) = dA B + A dB: grad_A = grad B^T, grad_B = A^T grad."""

    def backward(self, grad):
        a, b = self.saved
        ga = _mat1_grad(grad, b, self.a_column_major) if self.next_functions[0][0] is not None else None
        gb = _mat2_grad(grad, a, self.b_column_major) if self.next_functions[1][0] is not None else None
        return ga, gb


def mm(input, mat2) -> Tensor:
    """Matrix product of two 2-d tensors."""
    x, y = input._data, mat2._data
    if x.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if y.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if x.shape[1] != y.shape[0]:
        raise matmul_note(RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({_dims(x.shape)} and {_dims(y.shape)})"), x.shape, y.shape)
    _same_dtype(input, mat2)
    data = _matmul_data(x, y)
    if graph_needed(input, mat2):
        node = MmBackward0(edges(input, mat2))
        node.a_column_major, node.b_column_major = _column_major(x), _column_major(y)
        node.save(input if mat2._requires_grad else None, mat2 if input._requires_grad else None)
        return result(data, node)
    return _make(data)


class AddmmBackward0(Node):
    """d(beta bias + alpha A B): bias gets beta * grad summed to its shape; A and B alpha times mm's."""

    def backward(self, grad):
        a, b = self.saved
        beta, alpha = self.beta, self.alpha
        gbias = ga = gb = None
        if self.next_functions[0][0] is not None:
            gbias = sum_to(grad if beta == 1 else grad * beta, self.bias_shape)
        if self.next_functions[1][0] is not None:
            ga = _mat1_grad(grad, b, self.a_column_major)
            ga = ga if alpha == 1 else ga * alpha
        if self.next_functions[2][0] is not None:
            gb = _mat2_grad(grad, a, self.b_column_major)
            gb = gb if alpha == 1 else gb * alpha
        return gbias, ga, gb


def addmm(input, mat1, mat2, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)`` (with ``beta=0`` the input's values are ignored, NaN included)."""
    x, y = mat1._data, mat2._data
    if x.ndim != 2:
        raise RuntimeError("mat1 must be a matrix, got " + f"{x.ndim}-D tensor")
    if y.ndim != 2:
        raise RuntimeError("mat2 must be a matrix, got " + f"{y.ndim}-D tensor")
    if x.shape[1] != y.shape[0]:
        raise matmul_note(RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({_dims(x.shape)} and {_dims(y.shape)})"), x.shape, y.shape)
    if x.dtype != y.dtype or x.dtype != input._data.dtype:
        # PyTorch checks self against mat2 first, then mat1 against mat2.
        first, what = (input._data, "self") if input._data.dtype != y.dtype else (x, "mat1")
        raise RuntimeError(
            f"{what} and mat2 must have the same dtype, but got {_dt.from_numpy(first.dtype)._legacy} and "
            f"{_dt.from_numpy(y.dtype)._legacy}"
        )
    out_shape = (x.shape[0], y.shape[1])
    bias = input._data
    if bias.shape != out_shape and bias.shape != out_shape[1:]:
        # Anything but linear's (out,) bias or a full one: PyTorch's expand errors for a bias that does not fit.
        bias = expand(input, out_shape)._data
    prod = _matmul_data(x, y)
    if alpha != 1:
        prod = prod * alpha
    if beta == 0:
        data = prod
    elif beta == 1:
        prod += bias  # the product is a fresh array: add the bias into it
        data = prod
    else:
        data = prod + bias * beta
    if graph_needed(input, mat1, mat2):
        node = AddmmBackward0(edges(input, mat1, mat2))
        node.bias_shape, node.beta, node.alpha = input._data.shape, beta, alpha
        node.a_column_major, node.b_column_major = _column_major(x), _column_major(y)
        node.save(mat1 if mat2._requires_grad else None, mat2 if mat1._requires_grad else None)
        return result(data, node)
    return _make(data)


class BmmBackward0(Node):
    """Batched ``mm`` gradient."""

    def backward(self, grad):
        a, b = self.saved
        ga = bmm(grad, b.transpose(1, 2)) if self.next_functions[0][0] is not None else None
        gb = bmm(a.transpose(1, 2), grad) if self.next_functions[1][0] is not None else None
        return ga, gb


def bmm(input, mat2) -> Tensor:
    """Batched matrix product of two 3-d tensors."""
    x, y = input._data, mat2._data
    if x.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if y.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if x.shape[0] != y.shape[0] or x.shape[2] != y.shape[1]:
        raise matmul_note(RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{x.shape[0]}, {x.shape[2]}] but got: "
            f"[{y.shape[0]}, {y.shape[1]}]."
        ), x.shape, y.shape)
    if x.dtype != y.dtype:
        raise RuntimeError(f"expected scalar type {_dt.from_numpy(x.dtype)._legacy} but found "
                           f"{_dt.from_numpy(y.dtype)._legacy}")
    data = _matmul_data(x, y)
    if graph_needed(input, mat2):
        node = BmmBackward0(edges(input, mat2))
        node.save(input if mat2._requires_grad else None, mat2 if input._requires_grad else None)
        return result(data, node)
    return _make(data)


class MvBackward0(Node):
    """d(M v): grad_M = outer(grad, v), grad_v = M^T grad."""

    def backward(self, grad):
        m, v = self.saved
        gm = outer_raw(grad, v) if self.next_functions[0][0] is not None else None
        gv = mv(m.t(), grad) if self.next_functions[1][0] is not None else None
        return gm, gv


def mv(input, vec) -> Tensor:
    """Matrix-vector product."""
    x, y = input._data, vec._data
    if x.ndim != 2 or y.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {x.ndim}, {y.ndim}")
    if x.shape[1] != y.shape[0]:
        raise matmul_note(RuntimeError(
            f"size mismatch, got input ({x.shape[0]}), mat ({_dims(x.shape)}), vec ({y.shape[0]})"), x.shape, y.shape)
    if x.dtype != y.dtype:
        vn, mn = _dt.from_numpy(y.dtype)._legacy, _dt.from_numpy(x.dtype)._legacy
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {vn}, {mn}, and {vn}")
    data = _matmul_data(x, y)
    if graph_needed(input, vec):
        node = MvBackward0(edges(input, vec))
        node.save(input if vec._requires_grad else None, vec if input._requires_grad else None)
        return result(data, node)
    return _make(data)


class DotBackward0(Node):
    """d(a . b) = b da + a db."""

    def backward(self, grad):
        a, b = self.saved
        ga = grad * b if self.next_functions[0][0] is not None else None
        gb = grad * a if self.next_functions[1][0] is not None else None
        return ga, gb


def dot(input, other) -> Tensor:
    """Inner product of two 1-d tensors."""
    x, y = input._data, other._data
    if x.ndim != 1 or y.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {x.ndim}D and {y.ndim}D tensors")
    if x.shape[0] != y.shape[0]:
        raise matmul_note(RuntimeError(
            f"inconsistent tensor size, expected tensor [{x.shape[0]}] and src [{y.shape[0]}] to have the same "
            f"number of elements, but got {x.shape[0]} and {y.shape[0]} elements respectively"
        ), x.shape, y.shape)
    if x.dtype != y.dtype:
        raise RuntimeError(
            f"dot : expected both vectors to have same dtype, but found {_dt.from_numpy(x.dtype)._legacy} and "
            f"{_dt.from_numpy(y.dtype)._legacy}"
        )
    data = np.asarray(np.dot(x, y), dtype=x.dtype)
    if graph_needed(input, other):
        node = DotBackward0(edges(input, other))
        node.save(input if other._requires_grad else None, other if input._requires_grad else None)
        return result(data, node)
    return _make(data)


inner_1d = dot


def outer_raw(a: Tensor, b: Tensor) -> Tensor:
    return a.reshape(-1, 1) * b


def outer(input, vec2) -> Tensor:
    """Outer product of two 1-d tensors (recorded as a broadcast multiply, as PyTorch does)."""
    for name, arg in (("self", input), ("vec2", vec2)):
        if arg._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {arg._data.ndim}-D")

    return reshape(input, (-1, 1)) * vec2


ger = outer


def _should_fold(tensor1: Tensor, tensor2: Tensor) -> bool:
    """PyTorch's rule for folding the batch of the larger operand into mm/mv rows instead of using bmm."""
    larger = tensor1._data.ndim >= tensor2._data.ndim
    big = tensor1._data if larger else np.swapaxes(tensor2._data, -1, -2)
    dim_t2 = tensor2._data.ndim if larger else tensor1._data.ndim
    if not (big.ndim >= 3 and dim_t2 <= 2):
        return False
    if (tensor2 if larger else tensor1)._requires_grad:
        return True  # folding avoids a batch-sized gradient for the smaller operand
    if tensor1._data.ndim == 2:
        return False
    if big.size == 0:
        return True
    shape, strides = big.shape, big.strides
    return all(strides[i] == strides[i + 1] * shape[i + 1] for i in range(big.ndim - 2))


def matmul(input, other) -> Tensor:
    """``input @ other`` for any ranks, dispatched as PyTorch does (so grad_fn names match): dot, mv, mm,
    mm/mv over the folded batch of the larger operand, or bmm over broadcast batch dims."""
    a, b = input._data, other._data
    da, db = a.ndim, b.ndim
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {da}D and {db}D")
    if da == 1 and db == 1:
        return dot(input, other)
    if da == 2 and db == 1:
        return mv(input, other)
    if da == 1 and db == 2:
        return _squeeze_dim(mm(unsqueeze(input, 0), other), 0, SqueezeBackward4)
    if da == 2 and db == 2:
        return mm(input, other)
    if _should_fold(input, other):
        swap = db > da
        t1 = transpose(other, -2, -1) if swap else input
        t2 = (t(input) if da == 2 else input) if swap else other
        sizes_1 = t1._data.shape
        output_shape = sizes_1[:-1]
        folded = reshape(t1, (int(np.prod(output_shape)), sizes_1[-1]))
        if t2._data.ndim == 2:
            out = _unsafe_view(mm(folded, t2), output_shape + (t2._data.shape[1],))
            return contiguous(transpose(out, -2, -1)) if swap else out
        return _unsafe_view(mv(folded, t2), output_shape)
    # Broadcast the batch dims, then one bmm.
    n = a.shape[-2] if da > 1 else 1
    m1 = a.shape[-1]
    m2 = b.shape[-2] if db > 1 else b.shape[0]
    p = b.shape[-1] if db > 1 else 1
    batch1, batch2 = a.shape[:max(da - 2, 0)], b.shape[:max(db - 2, 0)]
    try:
        batch = tuple(np.broadcast_shapes(batch1, batch2))
    except ValueError:
        raise broadcast_error(batch1, batch2) from None
    count = int(np.prod(batch))
    t1 = reshape(expand(input, batch + (n, m1)), (count, n, m1))
    out_shape = batch + ((n,) if da > 1 else ()) + ((p,) if db > 1 else ())
    if db == 1:
        t2 = unsqueeze(reshape(expand(other, batch + (m2,)), (count, m2)), 2)
        return _unsafe_view(squeeze(bmm(t1, t2), -1), out_shape)
    t2 = reshape(expand(other, batch + (m2, p)), (count, m2, p))
    return _unsafe_view(bmm(t1, t2), out_shape)


def einsum(equation: str, *operands) -> Tensor:
    """Einstein summation (forward only unless built from differentiable ops; no gradient recorded)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if _gm._State.enabled and any(o._requires_grad for o in operands):
        return _einsum_grad(equation, *operands)
    return _make(np.einsum(equation, *(o._data for o in operands)))


class EinsumBackward(Node):
    """Gradient of each einsum operand: einsum of the gradient with the other operands."""

    def backward(self, grad):
        ops = self.saved
        ins, out = self.ins, self.out
        grads = []
        for i, op in enumerate(ops):
            if self.next_functions[i][0] is None:
                grads.append(None)
                continue
            others = [o for j, o in enumerate(ops) if j != i]
            eq = ",".join([out] + [s for j, s in enumerate(ins) if j != i]) + "->" + ins[i]
            # Letters that appear only in operand i (summed away) need broadcasting back.
            g = np.einsum(eq, grad._data, *(o._data for o in others)) if _only_present(ins, out, i) \
                else _einsum_broadcast(eq, grad, others, ins[i], op._data.shape)
            grads.append(_make(np.asarray(g, dtype=op._data.dtype)))
        return tuple(grads)

    def name(self) -> str:
        return "EinsumBackward0"


def _only_present(ins, out, i) -> bool:
    others = set(out).union(*(set(s) for j, s in enumerate(ins) if j != i))
    return set(ins[i]) <= others


def _einsum_broadcast(eq, grad, others, target, shape):
    inputs, _ = eq.split("->")
    present = "".join(ch for ch in target if ch in set(inputs.replace(",", "")))
    g = np.einsum(inputs + "->" + present, grad._data, *(o._data for o in others))
    # Insert and broadcast the letters missing from every other operand.
    idx = [present.index(ch) if ch in present else None for ch in target]
    expanded = np.expand_dims(g, [i for i, v in enumerate(idx) if v is None]) if any(v is None for v in idx) else g
    return np.broadcast_to(expanded, shape)


def _einsum_grad(equation, *operands):
    eq = equation.replace(" ", "")
    if "->" in eq:
        ins_s, out = eq.split("->")
    else:
        ins_s = eq
        letters = ins_s.replace(",", "")
        out = "".join(sorted(ch for ch in set(letters) if letters.count(ch) == 1))
    ins = ins_s.split(",")
    if any("." in s for s in ins):
        raise NotImplementedError("einsum with '...' does not support gradients in numtorch")
    data = np.einsum(ins_s + "->" + out, *(o._data for o in operands))
    node = EinsumBackward(edges(*operands))
    node.ins, node.out = ins, out
    node.save(*operands)
    return result(np.asarray(data), node)


def tensordot(a, b, dims=2) -> Tensor:
    """Sum products over the last ``dims`` dims of ``a`` and the first of ``b``."""
    x, y = a._data, b._data
    if isinstance(dims, int):
        ax = list(range(x.ndim - dims, x.ndim))
        bx = list(range(dims))
    else:
        ax, bx = [list(d) if isinstance(d, (list, tuple)) else [d] for d in dims]
    ra = [i for i in range(x.ndim) if i not in ax]
    rb = [i for i in range(y.ndim) if i not in bx]
    k = int(np.prod([x.shape[i] for i in ax])) if ax else 1
    pa = reshape(permute(a, ra + ax), (-1, k))
    pb = reshape(permute(b, bx + rb), (k, -1))
    return reshape(mm(pa, pb), tuple(x.shape[i] for i in ra) + tuple(y.shape[i] for i in rb))
