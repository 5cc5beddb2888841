"""numtorch.compat: ``install()`` makes ``import torch`` give numtorch inside a running session."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types

import pytest

import numtorch
import numtorch.nn
import numtorch.nn.functional
import numtorch.optim
from numtorch import compat


def _torch_entries() -> dict:
    return {n: m for n, m in sys.modules.items() if n == "torch" or n.startswith("torch.")}


@pytest.fixture
def clean_torch():
    """Run the test with no ``torch`` in sys.modules and no finder installed; put everything back after."""
    saved_modules = _torch_entries()
    saved_meta_path = list(sys.meta_path)
    for name in saved_modules:
        del sys.modules[name]
    compat.uninstall()
    try:
        yield
    finally:
        compat.uninstall()
        for name in _torch_entries():
            del sys.modules[name]
        sys.modules.update(saved_modules)
        sys.meta_path[:] = saved_meta_path


def test_install_serves_torch_from_numtorch(clean_torch):
    assert compat.install() is True
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from torch import optim

    assert torch is numtorch
    assert nn is numtorch.nn
    assert F is numtorch.nn.functional
    assert optim is numtorch.optim
    assert torch.autograd is numtorch.autograd
    assert importlib.import_module("torch.optim.sgd") is importlib.import_module("numtorch.optim.sgd")
    assert compat.is_installed()


def test_submodule_through_the_finder_keeps_numtorch_spec(clean_torch):
    compat.install()
    del sys.modules["torch.nn"]  # force `import torch.nn` through the finder, not the aliases install() made
    import torch.nn

    assert torch.nn is numtorch.nn
    assert sys.modules["torch.nn"] is numtorch.nn
    assert numtorch.nn.__spec__.name == "numtorch.nn"
    assert numtorch.nn.__name__ == "numtorch.nn"


def test_missing_submodule_is_module_not_found(clean_torch):
    compat.install()
    with pytest.raises(ModuleNotFoundError, match="No module named 'torch.no_such_thing'"):
        importlib.import_module("torch.no_such_thing")


def test_install_is_idempotent(clean_torch):
    compat.install()
    compat.install()
    compat.install()
    assert sum(f is compat._finder for f in sys.meta_path) == 1
    assert sys.modules["torch"] is numtorch


def test_uninstall(clean_torch):
    compat.install()
    import torch  # noqa: F401

    compat.uninstall()
    assert compat._finder not in sys.meta_path
    assert not compat.is_installed()
    assert all(not getattr(m, "__name__", "").startswith("numtorch") for m in _torch_entries().values())
    spec = importlib.util.find_spec("torch")  # a real torch if one is installed, else nothing
    assert spec is None or not isinstance(spec.loader, compat._AliasLoader)
    compat.uninstall()  # twice is fine
    assert numtorch.nn.__name__ == "numtorch.nn"  # numtorch itself is untouched


def _fake_torch() -> dict:
    torch = types.ModuleType("torch")
    torch.__version__ = "2.13.0"
    torch.__path__ = []
    nn = types.ModuleType("torch.nn")
    torch.nn = nn
    return {"torch": torch, "torch.nn": nn}


def test_real_torch_already_imported_is_left_alone(clean_torch):
    fake = _fake_torch()
    sys.modules.update(fake)
    assert compat.install() is False
    assert sys.modules["torch"] is fake["torch"]
    assert sys.modules["torch.nn"] is fake["torch.nn"]
    assert compat._finder not in sys.meta_path  # no half-numtorch torch.* submodules either
    assert not compat.is_installed()


def test_force_replaces_a_real_torch_and_uninstall_puts_it_back(clean_torch):
    fake = _fake_torch()
    sys.modules.update(fake)
    assert compat.install(force=True) is True
    import torch
    import torch.nn

    assert torch is numtorch
    assert torch.nn is numtorch.nn
    assert sys.modules["torch.nn"] is numtorch.nn
    compat.uninstall()
    assert sys.modules["torch"] is fake["torch"]
    assert sys.modules["torch.nn"] is fake["torch.nn"]
