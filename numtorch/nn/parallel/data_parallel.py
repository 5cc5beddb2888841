"""``torch.nn.parallel.DataParallel``: on a machine without GPUs (numtorch's only kind) it runs the module as is."""

from __future__ import annotations

from ..modules.module import Module


class DataParallel(Module):
    """Wraps ``module`` the way PyTorch does when no accelerator is present: forward calls it directly.

    State-dict keys get the ``module.`` prefix, as with PyTorch.
    """

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0):
        super().__init__()
        self.module = module
        self.device_ids = []
        self.dim = dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


def data_parallel(module: Module, inputs, device_ids=None, output_device=None, dim: int = 0, module_kwargs=None):
    """Functional DataParallel: on the CPU, ``module(*inputs, **module_kwargs)``."""
    if not isinstance(inputs, tuple):
        inputs = (inputs,)
    return module(*inputs, **(module_kwargs or {}))
