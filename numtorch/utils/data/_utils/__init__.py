"""Internals of the DataLoader: collation, fetching, worker processes (PyTorch's layout)."""

from __future__ import annotations

import atexit
import sys
import traceback

# How often a blocked queue read wakes up to check that the other side is still alive.
MP_STATUS_CHECK_INTERVAL = 5.0

# Set when the interpreter starts shutting down: worker clean-up must then leave things
# to multiprocessing's own exit handler (modules may already be half torn down).
python_exit_status = False


def _set_python_exit_flag() -> None:
    global python_exit_status
    python_exit_status = True


atexit.register(_set_python_exit_flag)


class KeyErrorMessage(str):
    """A str whose repr is itself, so a re-raised KeyError prints its traceback readably."""

    __slots__ = ()

    def __repr__(self):
        return self


class ExceptionWrapper:
    """An exception and its formatted traceback, carried from a worker to the main process."""

    def __init__(self, exc_info=None, where: str = "in background") -> None:
        # Keep only the type and the text: a traceback object would not pickle and
        # would keep frames alive.
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        """Raise the wrapped exception type here, its message holding the original traceback."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)  # KeyError repr()s its argument
        elif getattr(self.exc_type, "message", None):
            raise self.exc_type(message=msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            # Exceptions whose constructor wants other arguments.
            raise RuntimeError(msg) from None
        raise exception


from . import collate, fetch, worker  # noqa: E402,F401
