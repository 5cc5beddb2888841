"""``torch.nn``: Module, Parameter, layers, losses, ``functional`` and ``init``."""

from . import functional, init, utils  # noqa: F401
from .parallel import DataParallel  # noqa: F401,E402 (also binds nn.parallel; no MPI until a DDP is built)
from .modules import *  # noqa: F401,F403
from .modules import Module  # noqa: F401
from .parameter import Buffer, Parameter, UninitializedParameter  # noqa: F401
