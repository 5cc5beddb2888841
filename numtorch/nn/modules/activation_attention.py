"""``nn.MultiheadAttention`` and ``F.scaled_dot_product_attention``, written with differentiable ops."""

from __future__ import annotations

import math

import numpy as np

from ... import creation, dtypes as _dt
from ...ops import nn_ops as F
from ...ops import shape as S
from ...ops.linalg import matmul
from ...ops.pointwise import where
from ...tensor import Tensor
from .. import init
from ..parameter import Parameter
from .linear import Linear
from .module import Module


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale=None, enable_gqa: bool = False) -> Tensor:
    """softmax(Q K^T * scale + mask) V; a bool mask keeps True positions, a float mask is added."""
    L, Sk = query.shape[-2], key.shape[-2]
    scale_factor = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = matmul(query, S.transpose(key, -2, -1)) * scale_factor
    if is_causal:
        keep = Tensor._make(np.tril(np.ones((L, Sk), dtype=bool)))
        scores = where(keep, scores, -math.inf)
    if attn_mask is not None:
        if attn_mask.dtype == _dt.bool_:
            scores = where(attn_mask, scores, -math.inf)
        else:
            scores = scores + attn_mask
    weights = F.softmax(scores, -1)
    if dropout_p > 0.0:
        weights = F.dropout(weights, dropout_p, True)
    return matmul(weights, value)


class MultiheadAttention(Module):
    """Multi-head attention with PyTorch's packed in-projection, parameter names and initialisation."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim=None, vdim=None,
                 batch_first: bool = False, device=None, dtype=None):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and "
                             f"num_heads={num_heads} instead")
        if add_bias_kv or add_zero_attn or (kdim not in (None, embed_dim)) or (vdim not in (None, embed_dim)):
            raise NotImplementedError("numtorch's MultiheadAttention supports kdim = vdim = embed_dim, no bias_kv")
        self.embed_dim, self.num_heads, self.dropout, self.batch_first = embed_dim, num_heads, dropout, batch_first
        self.kdim = self.vdim = embed_dim
        self._qkv_same_embed_dim = True
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        d = _dt.get_default_dtype() if dtype is None else _dt.as_dtype(dtype)
        self.in_proj_weight = Parameter(creation.empty(3 * embed_dim, embed_dim, dtype=d))
        self.register_parameter("q_proj_weight", None)
        self.register_parameter("k_proj_weight", None)
        self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(creation.empty(3 * embed_dim, dtype=d))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, dtype=d)
        self.bias_k = self.bias_v = None
        self.add_zero_attn = False
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        init.xavier_uniform_(self.in_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)

    def forward(self, query, key, value, key_padding_mask=None, need_weights: bool = True, attn_mask=None,
                average_attn_weights: bool = True, is_causal: bool = False):
        unbatched = query.dim() == 2
        if unbatched:
            query, key, value = (S.unsqueeze(t, 1 if not self.batch_first else 0) for t in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = S.unsqueeze(key_padding_mask, 0)
        if self.batch_first:
            query, key, value = (S.transpose(t, 0, 1) for t in (query, key, value))
        tgt_len, bsz, e = query.shape
        src_len = key.shape[0]
        h, hd = self.num_heads, self.head_dim
        w_q, w_k, w_v = S.chunk(self.in_proj_weight, 3, 0)
        b_q = b_k = b_v = None
        if self.in_proj_bias is not None:
            b_q, b_k, b_v = S.chunk(self.in_proj_bias, 3, 0)
        q = F.linear(query, w_q, b_q)
        k = F.linear(key, w_k, b_k)
        v = F.linear(value, w_v, b_v)
        # (L, N, E) -> (N, H, L, hd)
        q = S.permute(S.reshape(q, (tgt_len, bsz, h, hd)), (1, 2, 0, 3))
        k = S.permute(S.reshape(k, (src_len, bsz, h, hd)), (1, 2, 0, 3))
        v = S.permute(S.reshape(v, (src_len, bsz, h, hd)), (1, 2, 0, 3))
        scores = matmul(q, S.transpose(k, -2, -1)) * (1.0 / math.sqrt(hd))
        if attn_mask is not None:
            mask = attn_mask if attn_mask.dim() == 2 else S.reshape(attn_mask, (bsz, h, tgt_len, src_len))
            if mask.dtype == _dt.bool_:
                scores = where(mask, -math.inf, scores)
            else:
                scores = scores + mask
        elif is_causal:
            future = Tensor._make(np.triu(np.ones((tgt_len, src_len), dtype=bool), 1))
            scores = where(future, -math.inf, scores)
        if key_padding_mask is not None:
            kpm = S.reshape(key_padding_mask, (bsz, 1, 1, src_len))
            if kpm.dtype == _dt.bool_:
                scores = where(kpm, -math.inf, scores)
            else:
                scores = scores + kpm
        weights = F.softmax(scores, -1)
        attn = F.dropout(weights, self.dropout, self.training) if self.dropout > 0 else weights
        out = matmul(attn, v)  # N, H, L, hd
        out = S.reshape(S.permute(out, (2, 0, 1, 3)), (tgt_len * bsz, e))
        out = S.reshape(self.out_proj(out), (tgt_len, bsz, e))
        if self.batch_first:
            out = S.transpose(out, 0, 1)
        if unbatched:
            out = S.squeeze(out, 1 if not self.batch_first else 0)
        if not need_weights:
            return out, None
        w = weights.mean(1) if average_attn_weights else weights
        if unbatched:
            w = S.squeeze(w, 0)
        return out, w


class NonDynamicallyQuantizableLinear(Linear):
    """The Linear PyTorch uses for attention's output projection (same behaviour)."""
