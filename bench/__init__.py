"""numtorch benchmark suite: numtorch vs PyTorch (when installed) vs a plain-NumPy floor.

Run from the repository root::

    python -m bench                   # full run, prints a markdown table
    python -m bench --quick           # short run (a few seconds per framework)
    python -m bench --markdown out.md # also write the table to a file
    python -m bench --torch-python ~/.oracle/bin/python
    python -m bench --only W1,W7      # a subset

Each framework runs in its own subprocess (numtorch with this interpreter, PyTorch with the
interpreter named by ``--torch-python``, the NumPy floor with this interpreter), because numtorch
and PyTorch cannot share an interpreter under the name ``torch``. The workloads are written once
against the ``torch`` API (``bench/workloads.py``) and run unchanged on both; the floor is a
hand-written NumPy forward+backward of the same computation.

This package never imports numtorch or torch at import time, so it can be imported by either
interpreter.
"""
