"""Timing: warm up, calibrate the inner loop, time repeats, take the median (seconds per call)."""

from __future__ import annotations

import statistics
import time

# Full run / quick run settings: seconds per repeat, number of repeats, warm-up seconds.
FULL = {"target_s": 0.1, "repeats": 15, "warmup_s": 0.1}
QUICK = {"target_s": 0.01, "repeats": 3, "warmup_s": 0.0}

# wall: elapsed time. cpu: this process's CPU time (all its threads): other processes on a busy machine do
# not inflate it, so it suits the single-threaded small-tensor workloads; multi-threaded BLAS work (and
# PyTorch's spinning worker threads) count every thread's time.
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def calibrate(step, target_s=0.1, warmup_s=0.1, min_warmup_calls=3, clock="wall"):
    """Warm up (at least ``min_warmup_calls`` calls and ``warmup_s`` seconds); return the inner-loop count
    that makes one repeat last about ``target_s``."""
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
    return max(1, int(round(target_s / per_call))) if per_call > 0 else 1000


def one_repeat(step, inner, clock="wall"):
    """Seconds per call over one repeat of ``inner`` calls. The garbage collector stays enabled: the
    allocations a framework makes (and the collections they trigger) are part of its cost."""
    perf = CLOCKS[clock]
    rng = range(inner)
    t0 = perf()
    for _ in rng:
        step()
    return (perf() - t0) / inner


def time_it(step, target_s=0.1, repeats=15, warmup_s=0.1, min_warmup_calls=3, clock="wall"):
    """Median seconds per ``step()`` call over ``repeats`` repeats (in one process, one framework)."""
    inner = calibrate(step, target_s, warmup_s, min_warmup_calls, clock)
    samples = [one_repeat(step, inner, clock) for _ in range(repeats)]
    return {"median": statistics.median(samples), "min": min(samples), "inner": inner,
            "repeats": repeats, "samples": samples}
