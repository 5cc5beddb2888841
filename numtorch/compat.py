"""Make ``import torch`` (and ``torch.nn``, ``torch.optim.lr_scheduler`` …) resolve to numtorch.

``install()`` puts a finder on ``sys.meta_path`` that answers any ``torch`` / ``torch.X`` import with the
matching ``numtorch`` module object, so a PyTorch script runs unchanged. A real torch already imported
is left alone unless ``force=True``; ``uninstall()`` undoes ``install()`` (and puts back a real torch that
``force=True`` set aside).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType

_ALIAS = "torch"
_TARGET = "numtorch"


class _AliasLoader(importlib.abc.Loader):
    """Hands the import system an already-imported numtorch module instead of making a new one."""

    def __init__(self, module: ModuleType):
        self._module = module
        self._spec = getattr(module, "__spec__", None)

    def create_module(self, spec):
        return self._module

    def exec_module(self, module) -> None:
        # The import system stamps our alias spec onto the module it was given; put numtorch's own back,
        # so numtorch.nn.__spec__ stays numtorch.nn's (reload, inspect and pickle read it).
        if self._spec is not None:
            module.__spec__ = self._spec


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
_displaced: dict[str, ModuleType] = {}  # a real torch's modules, set aside by install(force=True)


def _is_ours(module) -> bool:
    name = getattr(module, "__name__", None) or ""
    return name == _TARGET or name.startswith(_TARGET + ".")


def _torch_names() -> list[str]:
    return [n for n in list(sys.modules) if n == _ALIAS or n.startswith(_ALIAS + ".")]


def is_installed() -> bool:
    """True when ``import torch`` in this process gives numtorch."""
    module = sys.modules.get(_ALIAS)
    return _finder in sys.meta_path and (module is None or _is_ours(module))


def install(force: bool = False) -> bool:
    """Serve ``import torch`` from numtorch in this process (idempotent).

    Returns True when ``torch`` now means numtorch. If a real ``torch`` is already imported it is left
    alone (returns False) unless ``force=True``, which sets it aside until ``uninstall()``.
    """
    existing = sys.modules.get(_ALIAS)
    if existing is not None and not _is_ours(existing):
        if not force:
            return False  # mixing a real torch with numtorch submodules would help nobody
        for name in _torch_names():
            if not _is_ours(sys.modules[name]):
                _displaced[name] = sys.modules.pop(name)
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    import numtorch

    sys.modules[_ALIAS] = numtorch
    for name, mod in list(sys.modules.items()):
        if name.startswith(_TARGET + ".") and mod is not None:
            sys.modules.setdefault(_ALIAS + name[len(_TARGET):], mod)
    return True


def uninstall() -> None:
    """Stop serving ``torch`` from numtorch (and put back a real torch that ``install(force=True)`` set aside)."""
    while _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name in _torch_names():
        if _is_ours(sys.modules[name]):
            del sys.modules[name]
    sys.modules.update(_displaced)
    _displaced.clear()
