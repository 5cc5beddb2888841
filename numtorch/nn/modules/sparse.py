"""``nn.Embedding``: a lookup table initialised as PyTorch does (``normal_(0, 1)``, padding row zeroed).

Minimal: the forward is a row gather (``index_select``), so its ``grad_fn`` is
``IndexSelectBackward0`` rather than PyTorch's ``EmbeddingBackward0``; ``max_norm``,
``scale_grad_by_freq`` and ``sparse`` gradients are not supported.
"""

from __future__ import annotations

from ... import creation
from ...autograd import grad_mode as _gm
from ...ops import indexing as _ix
from ...ops import pointwise as _pw
from ...tensor import Tensor
from .. import init
from ..parameter import Parameter
from .module import Module


class Embedding(Module):
    """A ``num_embeddings x embedding_dim`` table; ``forward(idx)`` returns rows ``weight[idx]``."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight: Tensor | None = None, _freeze: bool = False,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        if padding_idx is not None:
            if padding_idx > 0:
                if padding_idx >= num_embeddings:
                    raise AssertionError("Padding_idx must be within num_embeddings")
            elif padding_idx < 0:
                if padding_idx < -num_embeddings:
                    raise AssertionError("Padding_idx must be within num_embeddings")
                padding_idx = num_embeddings + padding_idx
        self.padding_idx = padding_idx
        if max_norm is not None or scale_grad_by_freq or sparse:
            raise NotImplementedError("numtorch's Embedding supports neither max_norm, "
                                      "scale_grad_by_freq nor sparse")
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        if _weight is None:
            self.weight = Parameter(creation.empty((num_embeddings, embedding_dim), dtype=dtype, device=device),
                                    requires_grad=not _freeze)
            self.reset_parameters()
        else:
            if list(_weight.shape) != [num_embeddings, embedding_dim]:
                raise AssertionError("Shape of weight does not match num_embeddings and embedding_dim")
            self.weight = Parameter(_weight, requires_grad=not _freeze)
        self.sparse = sparse

    def reset_parameters(self) -> None:
        """``normal_(0, 1)`` (consumes the generator as PyTorch does), then zero the padding row."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with _gm.no_grad():
                self.weight[self.padding_idx].fill_(0)

    def forward(self, input: Tensor) -> Tensor:
        idx = input.reshape(-1)
        if idx._data.size and (idx._data.min() < 0 or idx._data.max() >= self.num_embeddings):
            raise IndexError("index out of range in self")
        out = _ix.index_select(self.weight, 0, idx)
        if self.padding_idx is not None and self.weight.requires_grad:
            # Rows looked up at padding_idx get no gradient (PyTorch's embedding backward skips
            # them): take those rows from a detached copy.
            pad = (input.reshape(-1) == self.padding_idx).unsqueeze(1)
            out = _pw.where(pad, out.detach(), out)
        return out.reshape(*input.shape, self.embedding_dim)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True, padding_idx: int | None = None,
                        max_norm: float | None = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, sparse: bool = False) -> "Embedding":
        """An Embedding whose table is ``embeddings`` (2-d); frozen unless ``freeze=False``."""
        if embeddings.dim() != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        return cls(num_embeddings=rows, embedding_dim=cols, _weight=embeddings, _freeze=freeze,
                   padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type,
                   scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)
