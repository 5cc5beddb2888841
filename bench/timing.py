"""Timing: warm-up, calibrate the inner loop, repeat, take the median (seconds per call)."""

from __future__ import annotations

import statistics
import time

# Full run / quick run settings: seconds per repeat, number of repeats, warm-up seconds.
FULL = {"target_s": 0.1, "repeats": 7, "warmup_s": 0.1}
QUICK = {"target_s": 0.01, "repeats": 3, "warmup_s": 0.0}


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def time_it(step, target_s=0.2, repeats=7, warmup_s=0.2, min_warmup_calls=3, clock="wall"):
    """Median seconds per ``step()`` call.

    ``clock="wall"`` (default) measures elapsed time; ``clock="cpu"`` measures this process's CPU time
    (all its threads), which other processes on a busy machine do not inflate — use it to compare
    single-threaded (small-tensor) workloads on a shared machine; multi-threaded BLAS work counts every
    thread's time.

    Warm-up: at least ``min_warmup_calls`` calls and at least ``warmup_s`` seconds. The inner loop
    count is chosen so one repeat lasts about ``target_s``; the result is the median over
    ``repeats`` repeats of (repeat time / inner count). The garbage collector stays enabled: the
    allocations a framework makes (and the collections they trigger) are part of its cost.
    """
    perf = CLOCKS[clock]
    calls = 0
    t0 = perf()
    while True:
        step()
        calls += 1
        elapsed = perf() - t0
        if calls >= min_warmup_calls and elapsed >= warmup_s:
            break
    per_call = elapsed / calls
    inner = max(1, int(round(target_s / per_call))) if per_call > 0 else 1000
    samples = []
    rng = range(inner)
    for _ in range(repeats):
        t0 = perf()
        for _ in rng:
            step()
        samples.append((perf() - t0) / inner)
    return {"median": statistics.median(samples), "min": min(samples), "inner": inner,
            "repeats": repeats, "samples": samples}
