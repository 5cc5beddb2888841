"""Grad mode: whether ops record the graph. ``no_grad`` and friends work as context managers and decorators
(``@torch.no_grad()`` and the bare ``@torch.no_grad``), on functions, methods and generators, as PyTorch's do."""

from __future__ import annotations

import functools
import inspect
import warnings


class _State:
    # One global switch, read by every op; a class attribute is the cheapest thing to read.
    enabled = True
    inference = False


def is_grad_enabled() -> bool:
    """True when new ops record their backward graph."""
    return _State.enabled


def is_inference_mode_enabled() -> bool:
    """True inside an enabled ``inference_mode`` block."""
    return _State.inference


def _context_decorator(make, func):
    """Wrap ``func`` so that each call (each resumption, for generators) runs inside ``make()``."""
    if inspect.isgeneratorfunction(func):
        @functools.wraps(func)
        def gen_wrapper(*args, **kwargs):
            gen = func(*args, **kwargs)
            try:
                with make():
                    response = gen.send(None)
                while True:
                    try:
                        request = yield response
                    except GeneratorExit:
                        with make():
                            gen.close()
                        raise
                    except BaseException as exc:
                        with make():
                            response = gen.throw(exc)
                    else:
                        with make():
                            response = gen.send(request)
            except StopIteration as stop:
                return stop.value

        return gen_wrapper

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with make():
            return func(*args, **kwargs)

    return wrapper


class _GradModeContext:
    """Base for the grad-mode context managers; ``__enter__``/``__exit__`` set and restore the mode."""

    _mode: bool = True

    def __enter__(self):
        self._prev = _State.enabled
        _State.enabled = self._mode
        return None

    def __exit__(self, *exc):
        _State.enabled = self._prev
        return False

    def __call__(self, orig_func):
        """Use as a decorator: run ``orig_func`` in this mode."""
        if inspect.isclass(orig_func):
            warnings.warn(
                "Decorating classes is deprecated and will be disabled in future versions. You should only decorate "
                "functions or methods. To preserve the current behavior of class decoration, you can directly "
                "decorate the `__init__` method and nothing else.",
                FutureWarning, stacklevel=2,
            )
            func = lambda *args, **kwargs: orig_func(*args, **kwargs)  # noqa: E731
        else:
            func = orig_func
        return _context_decorator(self.clone, func)

    def clone(self):
        return type(self)()


class _NoParamGradModeContext(_GradModeContext):
    """A mode context that also works as a bare decorator (``@torch.no_grad`` without parentheses)."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamGradModeContext):
    """Context manager/decorator that turns graph recording off (``with torch.no_grad(): w -= lr * w.grad``)."""

    _mode = False


class enable_grad(_NoParamGradModeContext):
    """Context manager/decorator that turns graph recording back on inside ``no_grad``."""

    _mode = True


class set_grad_enabled(_GradModeContext):
    """Set grad mode to ``mode``; takes effect at once, and as a context manager restores the old mode."""

    def __init__(self, mode: bool) -> None:
        if type(mode) is not bool:
            raise TypeError(
                f"set_grad_enabled(): argument 'enabled' (position 1) must be bool, not {type(mode).__name__}")
        self._prev = _State.enabled
        self._mode = mode
        _State.enabled = mode

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        _State.enabled = self._prev
        return False

    def __call__(self, orig_func):
        _State.enabled = self._prev  # as a decorator it must not leave the mode changed
        return _GradModeContext.__call__(self, orig_func)

    def clone(self):
        return set_grad_enabled(self._mode)


class inference_mode(_GradModeContext):
    """Like ``no_grad`` (numtorch has no separate inference tensors); ``inference_mode(False)`` changes nothing."""

    def __new__(cls, mode=True):
        if isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)

    def __init__(self, mode: bool = True) -> None:
        self._flag = mode

    def __enter__(self):
        self._prev = (_State.enabled, _State.inference)
        if self._flag:
            _State.enabled = False
            _State.inference = True
        return None

    def __exit__(self, *exc):
        _State.enabled, _State.inference = self._prev
        return False

    def clone(self):
        return inference_mode(self._flag)
