"""``torch.nn.functional``: the public names of the nn ops. Each op and its gradient live in
``numtorch/ops`` (losses, softmax, linear and activations in ``ops/nn_ops.py``)."""

from ..ops.indexing import one_hot  # noqa: F401
from ..ops.nn_ops import (  # noqa: F401
    bilinear,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    celu,
    cross_entropy,
    dropout,
    elu,
    gelu,
    hardtanh,
    l1_loss,
    leaky_relu,
    linear,
    log_softmax,
    logsigmoid,
    mish,
    mse_loss,
    nll_loss,
    normalize,
    relu6,
    selu,
    silu,
    softmax,
    softmin,
    softplus,
)
from ..ops.pointwise import relu as _relu
from ..ops.pointwise import sigmoid, tanh  # noqa: F401


def relu(input, inplace: bool = False):
    """max(x, 0)."""
    return input.relu_() if inplace else _relu(input)


def relu_(input):
    """In-place relu."""
    return input.relu_()
