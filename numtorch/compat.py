"""Make ``import torch`` (and ``torch.nn``, ``torch.optim.lr_scheduler`` …) resolve to numtorch.

``install()`` puts a finder on ``sys.meta_path`` that answers any ``torch`` / ``torch.X`` import with the
matching ``numtorch`` module object, so a PyTorch script runs unchanged. A real torch already imported
is left alone unless ``force=True``.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys

_ALIAS = "torch"
_TARGET = "numtorch"


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, module):
        self._module = module

    def create_module(self, spec):
        return self._module

    def exec_module(self, module) -> None:
        return None


class _TorchFinder(importlib.abc.MetaPathFinder):
    """Finds ``torch[.X]`` by importing ``numtorch[.X]``."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != _ALIAS and not fullname.startswith(_ALIAS + "."):
            return None
        real = _TARGET + fullname[len(_ALIAS):]
        try:
            module = importlib.import_module(real)
        except ModuleNotFoundError as e:
            if e.name == real:
                return None  # let Python report "No module named 'torch.X'"
            raise
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(module),
                                              is_package=hasattr(module, "__path__"))


_finder = _TorchFinder()


def install(force: bool = False) -> None:
    """Serve ``import torch`` from numtorch in this process (idempotent)."""
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    existing = sys.modules.get(_ALIAS)
    if existing is not None and not force and getattr(existing, "__name__", "") != _TARGET:
        return
    import numtorch

    sys.modules[_ALIAS] = numtorch
    for name, mod in list(sys.modules.items()):
        if name.startswith(_TARGET + ".") and mod is not None:
            sys.modules.setdefault(_ALIAS + name[len(_TARGET):], mod)


def uninstall() -> None:
    """Stop serving ``torch`` from numtorch."""
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name in [n for n in sys.modules if n == _ALIAS or n.startswith(_ALIAS + ".")]:
        if getattr(sys.modules[name], "__name__", "").startswith(_TARGET):
            del sys.modules[name]
