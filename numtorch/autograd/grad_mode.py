"""Grad mode: whether ops record the graph. ``no_grad`` and friends work as context managers and decorators."""

from __future__ import annotations

import functools
import inspect


class _State:
    # One global switch, read by every op; a class attribute is the cheapest thing to read.
    enabled = True


def is_grad_enabled() -> bool:
    """True when new ops record their backward graph."""
    return _State.enabled


class _GradModeContext:
    """Base for the grad-mode context managers; subclasses pick the mode in ``_mode``."""

    _mode: bool = True

    def __enter__(self):
        self._prev = _State.enabled
        _State.enabled = self._mode
        return None

    def __exit__(self, *exc):
        _State.enabled = self._prev
        return False

    def __call__(self, func):
        """Use as a decorator: run ``func`` in this mode (generators too)."""
        if inspect.isclass(func):
            raise TypeError("grad-mode decorators apply to functions, not classes")
        make = self.clone

        if inspect.isgeneratorfunction(func):
            @functools.wraps(func)
            def gen_wrapper(*args, **kwargs):
                gen = func(*args, **kwargs)
                with make():
                    value = next(gen)
                while True:
                    try:
                        with make():
                            sent = yield value
                        with make():
                            value = gen.send(sent)
                    except StopIteration as stop:
                        return stop.value

            return gen_wrapper

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with make():
                return func(*args, **kwargs)

        return wrapper

    def clone(self):
        return type(self)()


class no_grad(_GradModeContext):
    """Context manager/decorator that turns graph recording off (``with torch.no_grad(): w -= lr * w.grad``)."""

    _mode = False

    def __new__(cls, orig_func=None):
        # Allows the bare ``@torch.no_grad`` spelling as well as ``@torch.no_grad()``.
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class enable_grad(_GradModeContext):
    """Context manager/decorator that turns graph recording back on inside ``no_grad``."""

    _mode = True


class set_grad_enabled(_GradModeContext):
    """Set grad mode to ``mode``; takes effect at once, and as a context manager restores the old mode."""

    def __init__(self, mode: bool):
        self._prev = _State.enabled
        self._mode = bool(mode)
        _State.enabled = self._mode

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        _State.enabled = self._prev
        return False

    def clone(self):
        return set_grad_enabled(self._mode)


class inference_mode(_GradModeContext):
    """Like ``no_grad`` (numtorch has no separate inference tensors); ``inference_mode(False)`` is a no-op."""

    def __init__(self, mode: bool = True):
        self._flag = bool(mode)

    def __enter__(self):
        self._prev = _State.enabled
        if self._flag:
            _State.enabled = False
        return None

    def clone(self):
        return inference_mode(self._flag)


def is_inference_mode_enabled() -> bool:
    """numtorch has no inference tensors; reports False outside ``inference_mode`` blocks."""
    return False
