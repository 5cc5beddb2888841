"""Timing: warm-up, calibrate the inner loop, repeat, take the median (seconds per call)."""

from __future__ import annotations

import statistics
import time

# Full run / quick run settings: seconds per repeat, number of repeats, warm-up seconds.
FULL = {"target_s": 0.1, "repeats": 7, "warmup_s": 0.1}
QUICK = {"target_s": 0.01, "repeats": 3, "warmup_s": 0.0}


def time_it(step, target_s=0.2, repeats=7, warmup_s=0.2, min_warmup_calls=3):
    """Median seconds per ``step()`` call.

    Warm-up: at least ``min_warmup_calls`` calls and at least ``warmup_s`` seconds. The inner loop
    count is chosen so one repeat lasts about ``target_s``; the result is the median over
    ``repeats`` repeats of (repeat time / inner count). The garbage collector stays enabled: the
    allocations a framework makes (and the collections they trigger) are part of its cost.
    """
    perf = time.perf_counter
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
