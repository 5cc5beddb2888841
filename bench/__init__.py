"""numtorch benchmark suite: numtorch vs PyTorch (when installed) vs a plain-NumPy floor.

Run from the repository root::

    python -m bench                   # full run, prints a markdown table
    python -m bench --quick           # short run (a few seconds per framework)
    python -m bench --markdown out.md # also write the table to a file
    python -m bench --torch-python ~/.oracle/bin/python
    python -m bench --only W1,W7      # a subset (keys: W1 … W7, W6_1t, W7_ng, rand, randn, import, rss)
    python -m bench --clock cpu       # process CPU time instead of wall time (for a busy machine)
    python -m bench --numtorch-path DIR   # benchmark the numtorch package in DIR (e.g. a patched copy)

Each framework runs in its own subprocess (numtorch with this interpreter, PyTorch with the
interpreter named by ``--torch-python``, the NumPy floor with this interpreter), because numtorch
and PyTorch cannot share an interpreter under the name ``torch``. The three processes stay up and take
turns, one timed repeat at a time, so load from other processes on a shared machine falls on all of them
alike. Peak RSS (W4) and import time are measured in fresh processes. The workloads are written once
against the ``torch`` API (``bench/workloads.py``) and run unchanged on both; the floor is a
hand-written NumPy forward+backward of the same computation.

This package never imports numtorch or torch at import time, so it can be imported by either
interpreter.
"""
