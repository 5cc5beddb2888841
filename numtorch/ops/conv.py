"""Convolution and pooling: conv1d/conv2d, conv_transpose1d/2d, max/avg pooling, adaptive average pooling.

Forward passes gather sliding windows with ``as_strided`` (no copy) and contract them with the weights
(one BLAS matmul per group). ConvolutionBackward0 computes the input gradient by scattering each kernel
tap back (a transposed convolution) and the weight gradient by contracting the windows with the output
gradient. 1-d ops are the 2-d ones with a height of 1.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd import grad_mode as _gm
from ..autograd.graph import Node
from ..tensor import Tensor
from ._helpers import _make, edges, graph_needed, result

_as_strided = np.lib.stride_tricks.as_strided


def _pair(v, n: int = 2) -> tuple:
    if isinstance(v, (tuple, list)):
        if len(v) == 1:
            return tuple(v) * n
        return tuple(int(x) for x in v)
    return (int(v),) * n


def _windows(xp: np.ndarray, kernel: tuple, stride: tuple, dilation: tuple, out_hw: tuple) -> np.ndarray:
    """View of shape (N, C, Ho, Wo, kh, kw) over the padded input (no copy)."""
    n, c = xp.shape[:2]
    s = xp.strides
    return _as_strided(
        xp,
        (n, c, out_hw[0], out_hw[1], kernel[0], kernel[1]),
        (s[0], s[1], s[2] * stride[0], s[3] * stride[1], s[2] * dilation[0], s[3] * dilation[1]),
        writeable=False,
    )


def _out_size(size: int, k: int, s: int, p0: int, p1: int, d: int) -> int:
    return (size + p0 + p1 - d * (k - 1) - 1) // s + 1


def _padding(padding, kernel, dilation, stride, nd: int):
    """((top, bottom), (left, right)) from an int/tuple or 'same'/'valid'."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0), (0, 0))
        if padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            out = []
            for k, d in zip(kernel, dilation):
                total = d * (k - 1)
                out.append((total // 2, total - total // 2))
            return tuple(out)
        raise RuntimeError(f"Invalid padding string: '{padding}'")
    p = _pair(padding, nd)
    if nd == 1:
        return ((0, 0), (p[0], p[0]))
    return ((p[0], p[0]), (p[1], p[1]))


def _conv2d_array(x, w, stride, pads, dilation, groups):
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), pads[0], pads[1])) if any(pads[0]) or any(pads[1]) else x
    ho = _out_size(h, kh, stride[0], pads[0][0], pads[0][1], dilation[0])
    wo = _out_size(wd, kw, stride[1], pads[1][0], pads[1][1], dilation[1])
    if ho <= 0 or wo <= 0:
        raise RuntimeError(
            f"Calculated padded input size per channel: ({h + sum(pads[0])} x {wd + sum(pads[1])}). "
            f"Kernel size: ({dilation[0] * (kh - 1) + 1} x {dilation[1] * (kw - 1) + 1}). "
            "Kernel size can't be greater than actual input size"
        )
    win = _windows(np.ascontiguousarray(xp), (kh, kw), stride, dilation, (ho, wo))
    og = o // groups
    out = np.empty((n, o, ho, wo), dtype=np.result_type(x, w))
    for g in range(groups):
        wg = win[:, g * cg:(g + 1) * cg]  # N, cg, Ho, Wo, kh, kw
        cols = wg.transpose(0, 2, 3, 1, 4, 5).reshape(n * ho * wo, cg * kh * kw)
        res = cols @ w[g * og:(g + 1) * og].reshape(og, -1).T
        out[:, g * og:(g + 1) * og] = res.reshape(n, ho, wo, og).transpose(0, 3, 1, 2)
    return out


def _conv2d_input_grad(grad, w, x_shape, stride, pads, dilation, groups):
    """Gradient w.r.t. the input: scatter every kernel tap back (a transposed convolution)."""
    n, c, h, wd = x_shape
    o, cg, kh, kw = w.shape
    og = o // groups
    ho, wo = grad.shape[2:]
    hp, wp = h + pads[0][0] + pads[0][1], wd + pads[1][0] + pads[1][1]
    gxp = np.zeros((n, c, hp, wp), dtype=grad.dtype)
    for g in range(groups):
        gg = grad[:, g * og:(g + 1) * og]
        wg = w[g * og:(g + 1) * og]
        for i in range(kh):
            for j in range(kw):
                contrib = np.einsum("nohw,oc->nchw", gg, wg[:, :, i, j], optimize=True)
                hs, ws = i * dilation[0], j * dilation[1]
                rows = slice(hs, hs + stride[0] * ho, stride[0])
                cols = slice(ws, ws + stride[1] * wo, stride[1])
                gxp[:, g * cg:(g + 1) * cg, rows, cols] += contrib
    return gxp[:, :, pads[0][0]:pads[0][0] + h, pads[1][0]:pads[1][0] + wd]


def _conv2d_weight_grad(grad, x, w_shape, stride, pads, dilation, groups):
    o, cg, kh, kw = w_shape
    og = o // groups
    ho, wo = grad.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), pads[0], pads[1])) if any(pads[0]) or any(pads[1]) else x
    win = _windows(np.ascontiguousarray(xp), (kh, kw), stride, dilation, (ho, wo))
    gw = np.empty(w_shape, dtype=grad.dtype)
    for g in range(groups):
        gw[g * og:(g + 1) * og] = np.einsum("nohw,nchwij->ocij", grad[:, g * og:(g + 1) * og],
                                            win[:, g * cg:(g + 1) * cg], optimize=True)
    return gw


class ConvolutionBackward0(Node):
    """Gradients of a convolution: input (transposed conv), weight (windows x grad), bias (sum)."""

    def backward(self, grad):
        x, w = self.saved
        g = grad._data
        if self.squeeze_h:
            g = g[:, :, None, :]
        xd, wd = x._data, w._data
        if self.squeeze_h:
            xd, wd = xd[:, :, None, :], wd[:, :, None, :]
        gx = gw = gb = None
        if self.transposed:
            # y = conv_transpose(x, w): dx = conv(g, w), dw = weight-grad of conv with roles swapped.
            if self.next_functions[0][0] is not None:
                gx = _conv2d_array(g, wd, self.stride, self.pads, self.dilation, self.groups)
            if self.next_functions[1][0] is not None:
                gw = _conv2d_weight_grad(xd, g, wd.shape, self.stride, self.pads, self.dilation, self.groups)
        else:
            if self.next_functions[0][0] is not None:
                gx = _conv2d_input_grad(g, wd, xd.shape, self.stride, self.pads, self.dilation, self.groups)
            if self.next_functions[1][0] is not None:
                gw = _conv2d_weight_grad(g, xd, wd.shape, self.stride, self.pads, self.dilation, self.groups)
        if len(self.next_functions) > 2 and self.next_functions[2][0] is not None:
            gb = g.sum(axis=(0, 2, 3))
        if self.squeeze_h:
            gx = None if gx is None else gx[:, :, 0, :]
            gw = None if gw is None else gw[:, :, 0, :]
        wrap = lambda a: None if a is None else _make(np.ascontiguousarray(a))  # noqa: E731
        return wrap(gx), wrap(gw), wrap(gb)


def _check_conv_input(x: np.ndarray, w: np.ndarray, groups: int, nd: int, transposed: bool, b=None) -> None:
    if x.ndim != nd + 2:
        raise RuntimeError(
            f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to conv{nd}d, but got input of size: "
            f"[{', '.join(map(str, x.shape))}]"
        )
    c = x.shape[1]
    if transposed:
        if c != w.shape[0]:
            raise RuntimeError(
                f"Given transposed=1, weight of size [{', '.join(map(str, w.shape))}], expected input"
                f"[{', '.join(map(str, x.shape))}] to have {w.shape[0]} channels, but got {c} channels instead"
            )
    elif c != w.shape[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size [{', '.join(map(str, w.shape))}], expected input"
            f"[{', '.join(map(str, x.shape))}] to have {w.shape[1] * groups} channels, but got {c} channels instead"
        )
    names = {"float32": "float", "float64": "double"}
    # PyTorch compares the bias first, then the weight.
    for what, other in (("bias", b), ("weight", w)):
        if other is not None and other.dtype != x.dtype:
            raise RuntimeError(
                f"Input type ({names.get(x.dtype.name, x.dtype.name)}) and {what} type "
                f"({names.get(other.dtype.name, other.dtype.name)}) should be the same"
            )


def _conv(input, weight, bias, stride, padding, dilation, groups, nd: int, transposed=False,
          output_padding=0) -> Tensor:
    x, w = input._data, weight._data
    unbatched = x.ndim == nd + 1
    if unbatched:
        x = x[None]
    _check_conv_input(x, w, groups, nd, transposed, None if bias is None else bias._data)
    stride_, dil = _pair(stride, nd), _pair(dilation, nd)
    kernel = w.shape[2:]
    pads = _padding(padding, kernel, dil, stride_, nd)
    if nd == 1:
        stride_, dil = (1,) + stride_, (1,) + dil
        x4, w4 = x[:, :, None, :], w[:, :, None, :]
    else:
        x4, w4 = x, w
    if transposed:
        op = _pair(output_padding, nd)
        op = (0,) + op if nd == 1 else op
        n, c, h, wd = x4.shape
        kh, kw = w4.shape[2:]
        hout = (h - 1) * stride_[0] - pads[0][0] - pads[0][1] + dil[0] * (kh - 1) + op[0] + 1
        wout = (wd - 1) * stride_[1] - pads[1][0] - pads[1][1] + dil[1] * (kw - 1) + op[1] + 1
        # The transposed conv is the input-gradient of a conv whose weight is (C_in, C_out/g, kh, kw).
        out = _conv2d_input_grad(x4, w4, (n, w4.shape[1] * groups, hout, wout), stride_, pads, dil, groups)
    else:
        out = _conv2d_array(x4, w4, stride_, pads, dil, groups)
    if bias is not None:
        out = out + bias._data.reshape(1, -1, 1, 1)
    if nd == 1:
        out = out[:, :, 0, :]
    data = np.ascontiguousarray(out[0] if unbatched else out)
    args = (input, weight) if bias is None else (input, weight, bias)
    if graph_needed(*args):
        from .shape import unsqueeze, squeeze

        inp = unsqueeze(input, 0) if unbatched else input
        node = ConvolutionBackward0(edges(inp, weight, bias) if bias is not None else edges(inp, weight))
        node.stride, node.pads, node.dilation, node.groups = stride_, pads, dil, groups
        node.transposed, node.squeeze_h = transposed, nd == 1
        node.save(inp, weight)
        res = result(np.ascontiguousarray(out), node)
        return squeeze(res, 0) if unbatched else res
    return _make(data)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """1-d cross-correlation over (N, C, L) inputs."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """2-d cross-correlation over (N, C, H, W) inputs."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """1-d transposed convolution (the gradient of conv1d w.r.t. its input)."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, True, output_padding)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """2-d transposed convolution (the gradient of conv2d w.r.t. its input)."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, True, output_padding)


# --- pooling ------------------------------------------------------------------------------------------------
def _pool_setup(x: np.ndarray, kernel_size, stride, padding, dilation, ceil_mode, nd: int, fill):
    k = _pair(kernel_size, nd)
    s = _pair(stride if stride is not None and stride != [] else kernel_size, nd)
    p = _pair(padding, nd)
    d = _pair(dilation, nd)
    if nd == 1:
        k, s, p, d = (1,) + k, (1,) + s, (0,) + p, (1,) + d
    for kk, pp in zip(k, p):
        if pp * 2 > kk:
            raise RuntimeError(
                f"pad should be at most half of effective kernel size, but got pad={pp}, kernel_size={kk} and "
                "dilation=1"
            )
    h, w = x.shape[2:]
    outs = []
    extra = []
    for size, kk, ss, pp, dd in zip((h, w), k, s, p, d):
        eff = dd * (kk - 1) + 1
        num = size + 2 * pp - eff
        o = (-(-num // ss) if ceil_mode else num // ss) + 1
        if ceil_mode and (o - 1) * ss >= size + pp:
            o -= 1
        outs.append(o)
        # right padding needed so every window fits
        extra.append(max((o - 1) * ss + eff - size - 2 * pp, 0))
    pads = ((p[0], p[0] + extra[0]), (p[1], p[1] + extra[1]))
    xp = np.pad(x, ((0, 0), (0, 0)) + pads, constant_values=fill)
    win = _windows(np.ascontiguousarray(xp), k, s, d, tuple(outs))
    return win, k, s, p, d, pads, tuple(outs)


class MaxPool2DWithIndicesBackward0(Node):
    """The gradient goes to the position of each window's maximum."""

    def backward(self, grad):
        g = grad._data.reshape(-1)
        out = np.zeros(int(np.prod(self.in_shape)), dtype=grad._data.dtype)
        np.add.at(out, self.flat_index.reshape(-1), g)
        return (_make(out.reshape(self.in_shape)),)


def _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, nd):
    x = input._data
    unbatched = x.ndim == nd + 1
    xb = x[None] if unbatched else x
    x4 = xb[:, :, None, :] if nd == 1 else xb
    win, k, s, p, d, pads, outs = _pool_setup(x4, kernel_size, stride, padding, dilation, ceil_mode, nd, -np.inf)
    n, c = x4.shape[:2]
    flat = win.reshape(n, c, outs[0], outs[1], -1)
    arg = np.argmax(flat, axis=-1)
    vals = np.take_along_axis(flat, arg[..., None], -1)[..., 0].astype(x.dtype)
    # Index of each maximum in the unpadded input plane (PyTorch's `indices`).
    ki, kj = np.divmod(arg, k[1])
    rows = np.arange(outs[0])[:, None] * s[0] + ki * d[0] - p[0]
    cols = np.arange(outs[1])[None, :] * s[1] + kj * d[1] - p[1]
    h, w = x4.shape[2:]
    plane_index = rows * w + cols
    if nd == 1:
        vals, plane_index = vals[:, :, 0, :], plane_index[:, :, 0, :]
    if unbatched:
        vals, plane_index = vals[0], plane_index[0]
    indices = _make(plane_index.astype(np.int64))
    if _gm._State.enabled and input._requires_grad:
        node = MaxPool2DWithIndicesBackward0(edges(input))
        node.in_shape = x.shape
        planes = np.arange(int(np.prod(x.shape[:-nd]))).reshape(x.shape[:-nd] + (1,) * nd) * (h * w)
        node.flat_index = (planes + plane_index)
        res = result(np.ascontiguousarray(vals), node)
    else:
        res = _make(np.ascontiguousarray(vals))
    return (res, indices) if return_indices else res


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Maximum over sliding 1-d windows (recorded as PyTorch does: a 2-d pool between unsqueeze/squeeze)."""
    from .shape import squeeze, unsqueeze

    k, s, p, d = (v[0] if isinstance(v, (tuple, list)) else v for v in (kernel_size, stride, padding, dilation))
    res = max_pool2d(unsqueeze(input, -2), (1, k), None if s is None else (1, s), (0, p), (1, d), ceil_mode,
                     return_indices)
    if return_indices:
        return squeeze(res[0], -2), squeeze(res[1], -2)
    return squeeze(res, -2)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Maximum over sliding 2-d windows."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2)


class AvgPool2DBackward0(Node):
    """Each window's gradient is spread evenly over the elements it averaged."""

    def backward(self, grad):
        g = grad._data
        if self.nd == 1:
            g = g[..., None, :]
        if self.unbatched:
            g = g[None]
        n, c = g.shape[:2]
        k, s, pads = self.k, self.s, self.pads
        hp = self.hw[0] + pads[0][0] + pads[0][1]
        wp = self.hw[1] + pads[1][0] + pads[1][1]
        gx = np.zeros((n, c, hp, wp), dtype=g.dtype)
        gd = g / self.divisor
        ho, wo = g.shape[2:]
        for i in range(k[0]):
            for j in range(k[1]):
                gx[:, :, i:i + s[0] * ho:s[0], j:j + s[1] * wo:s[1]] += gd
        gx = gx[:, :, pads[0][0]:pads[0][0] + self.hw[0], pads[1][0]:pads[1][0] + self.hw[1]]
        if self.unbatched:
            gx = gx[0]
        if self.nd == 1:
            gx = gx[..., 0, :]
        return (_make(np.ascontiguousarray(gx)),)


def _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, nd):
    x = input._data
    unbatched = x.ndim == nd + 1
    xb = x[None] if unbatched else x
    x4 = xb[:, :, None, :] if nd == 1 else xb
    win, k, s, p, d, pads, outs = _pool_setup(x4, kernel_size, stride, padding, 1, ceil_mode, nd, 0)
    sums = win.sum(axis=(-2, -1))
    h, w = x4.shape[2:]
    if divisor_override:
        divisor = np.full(outs, float(divisor_override))
    else:
        # Window extents clipped to the padded (count_include_pad) or the real input.
        r0 = np.arange(outs[0]) * s[0] - p[0]
        c0 = np.arange(outs[1]) * s[1] - p[1]
        if count_include_pad:
            r1 = np.minimum(r0 + k[0], h + p[0])
            c1 = np.minimum(c0 + k[1], w + p[1])
        else:
            r1 = np.minimum(r0 + k[0], h)
            c1 = np.minimum(c0 + k[1], w)
            r0, c0 = np.maximum(r0, 0), np.maximum(c0, 0)
        divisor = ((r1 - r0)[:, None] * (c1 - c0)[None, :]).astype(np.float64)
    vals = (sums / divisor).astype(x.dtype)
    if nd == 1:
        vals = vals[:, :, 0, :]
    if unbatched:
        vals = vals[0]
    if _gm._State.enabled and input._requires_grad:
        node = AvgPool2DBackward0(edges(input))
        node.k, node.s, node.p, node.pads, node.hw = k, s, p, pads, (h, w)
        node.divisor, node.nd, node.unbatched = divisor.astype(x.dtype), nd, unbatched
        return result(np.ascontiguousarray(vals), node)
    return _make(np.ascontiguousarray(vals))


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Average over sliding 1-d windows (a 2-d pool between unsqueeze/squeeze, as PyTorch records it)."""
    from .shape import squeeze, unsqueeze

    k, s, p = (v[0] if isinstance(v, (tuple, list)) else v for v in (kernel_size, stride, padding))
    return squeeze(avg_pool2d(unsqueeze(input, -2), (1, k), None if s is None else (1, s), (0, p), ceil_mode,
                              count_include_pad), -2)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Average over sliding 2-d windows."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 2)


def _adaptive_bounds(size: int, out: int):
    starts = [math.floor(i * size / out) for i in range(out)]
    ends = [math.ceil((i + 1) * size / out) for i in range(out)]
    return starts, ends


class AdaptiveAvgPool2DBackward0(Node):
    """Spread each output's gradient over its (possibly overlapping) region."""

    def backward(self, grad):
        g = grad._data
        gx = np.zeros(self.in_shape, dtype=g.dtype)
        (rs, re), (cs, ce) = self.bounds
        for i, (a, b) in enumerate(zip(rs, re)):
            for j, (c, e) in enumerate(zip(cs, ce)):
                gx[..., a:b, c:e] += g[..., i:i + 1, j:j + 1] / ((b - a) * (e - c))
        return (_make(gx),)


def adaptive_avg_pool2d(input, output_size) -> Tensor:
    """Average pooling to a fixed output size (regions as PyTorch computes them)."""
    x = input._data
    h, w = x.shape[-2:]
    oh, ow = output_size if isinstance(output_size, (tuple, list)) else (output_size, output_size)
    oh = h if oh is None else oh
    ow = w if ow is None else ow
    rb, cb = _adaptive_bounds(h, oh), _adaptive_bounds(w, ow)
    out = np.empty(x.shape[:-2] + (oh, ow), dtype=x.dtype)
    for i, (a, b) in enumerate(zip(*rb)):
        for j, (c, e) in enumerate(zip(*cb)):
            out[..., i, j] = x[..., a:b, c:e].mean(axis=(-2, -1))
    if _gm._State.enabled and input._requires_grad:
        node = AdaptiveAvgPool2DBackward0(edges(input))
        node.in_shape, node.bounds = x.shape, (rb, cb)
        return result(out, node)
    return _make(out)


def adaptive_avg_pool1d(input, output_size) -> Tensor:
    """1-d adaptive average pooling."""
    from .shape import squeeze, unsqueeze

    o = output_size[0] if isinstance(output_size, (tuple, list)) else output_size
    return squeeze(adaptive_avg_pool2d(unsqueeze(input, -2), (1, o)), -2)


def adaptive_max_pool2d(input, output_size, return_indices: bool = False):
    """Max pooling to a fixed output size."""
    from .reduction import amax
    from .shape import stack

    x = input._data
    h, w = x.shape[-2:]
    oh, ow = output_size if isinstance(output_size, (tuple, list)) else (output_size, output_size)
    rb, cb = _adaptive_bounds(h, oh), _adaptive_bounds(w, ow)
    rows = []
    for a, b in zip(*rb):
        cols = [amax(input[..., a:b, c:e], dim=(-2, -1)) for c, e in zip(*cb)]
        rows.append(stack(cols, -1))
    return stack(rows, -2)
