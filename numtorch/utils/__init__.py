"""``numtorch.utils``: helpers outside the tensor core (``numtorch.utils.data`` …).

Submodules load on first attribute access, so ``import numtorch`` stays fast and each
submodule (``data``, ``safetensors`` …) can live in its own file without this one listing them.
"""

from __future__ import annotations

import importlib


def __getattr__(name: str):
    if name.startswith("_"):
        raise AttributeError(f"module 'numtorch.utils' has no attribute '{name}'")
    try:
        return importlib.import_module(f".{name}", __name__)
    except ModuleNotFoundError as e:
        if e.name != f"{__name__}.{name}":
            raise  # the submodule exists but something it imports is missing
        raise AttributeError(f"module 'numtorch.utils' has no attribute '{name}'") from None
