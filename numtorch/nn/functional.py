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
from ..ops.conv import (  # noqa: E402,F401
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool2d,
    avg_pool1d,
    avg_pool2d,
    conv1d,
    conv2d,
    conv_transpose1d,
    conv_transpose2d,
    max_pool1d,
    max_pool2d,
)
from ..ops.losses import (  # noqa: E402,F401
    cosine_embedding_loss,
    cosine_similarity,
    gaussian_nll_loss,
    hinge_embedding_loss,
    huber_loss,
    kl_div,
    margin_ranking_loss,
    poisson_nll_loss,
    smooth_l1_loss,
    soft_margin_loss,
)
from ..ops.norm import batch_norm, group_norm, instance_norm, layer_norm  # noqa: E402,F401
from .modules.activation_attention import scaled_dot_product_attention  # noqa: E402,F401
