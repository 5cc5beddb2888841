"""``torch.nn.parallel``: ``DistributedDataParallel`` (over MPI) and ``DataParallel`` (a pass-through on the CPU)."""

from .data_parallel import DataParallel, data_parallel
from .distributed import DistributedDataParallel, DistributedDataParallelCPU

__all__ = ["DataParallel", "DistributedDataParallel", "DistributedDataParallelCPU", "data_parallel"]
