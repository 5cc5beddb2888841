"""One framework's part of the benchmark, run in its own process.

    python -m bench._worker --framework numtorch|torch|numpy [--only W1,W2] [--quick]
    python -m bench._worker --framework numtorch --rss W4 [--quick]

Prints one line ``BENCH-RESULT <json>`` on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import traceback

MARK = "BENCH-RESULT "


def peak_rss_bytes():
    """Peak resident set size of this process so far (psutil when available, else getrusage)."""
    try:
        import psutil  # noqa: F401

        info = psutil.Process().memory_info()
        peak = getattr(info, "peak_wset", None)  # Windows
        if peak:
            return int(peak)
    except Exception:
        pass
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(r if sys.platform == "darwin" else r * 1024)  # bytes on macOS, KiB on Linux


def _env_info(framework, fw):
    import numpy as np

    info = {"python": platform.python_version(), "numpy": np.__version__, "executable": sys.executable}
    if framework == "torch":
        info["torch"] = fw.torch.__version__
        info["torch_threads"] = fw.torch.get_num_threads()
    elif framework == "numtorch":
        info["numtorch"] = getattr(fw.torch, "__version__", "?")
        info["numtorch_file"] = getattr(fw.torch, "__file__", "?")
    return info


def run(framework, keys, quick, clock="wall"):
    from . import timing
    from .workloads import BY_KEY, load_framework, make_case

    fw = load_framework(framework) if framework != "numpy" else None
    settings = timing.QUICK if quick else timing.FULL
    results = {}
    for key in keys:
        wl = BY_KEY[key]
        try:
            case = make_case(wl, framework, fw)
            if case is None:
                continue
            try:
                t = timing.time_it(case.step, clock=clock, **settings)
            finally:
                case.teardown()
            per_op = t["median"] / wl.ops_per_call
            results[key] = {"seconds": per_op, "min": t["min"] / wl.ops_per_call, "inner": t["inner"],
                            "repeats": t["repeats"]}
        except Exception as e:  # report, keep going
            results[key] = {"error": "%s: %s" % (type(e).__name__, e), "traceback": traceback.format_exc()}
    return {"framework": framework, "env": _env_info(framework, fw), "clock": clock, "results": results}


def run_rss(framework, key, quick):
    from .workloads import BY_KEY, load_framework, make_case

    fw = load_framework(framework) if framework != "numpy" else None
    after_import = peak_rss_bytes()
    case = make_case(BY_KEY[key], framework, fw)
    for _ in range(3 if quick else 20):
        case.step()
    case.teardown()
    return {"framework": framework, "env": _env_info(framework, fw),
            "rss": {"key": key, "peak_bytes": peak_rss_bytes(), "after_import_bytes": after_import}}


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench._worker")
    p.add_argument("--framework", required=True, choices=["numtorch", "torch", "numpy"])
    p.add_argument("--only", default="")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--rss", default="")
    p.add_argument("--clock", default="wall", choices=["wall", "cpu"])
    a = p.parse_args(argv)
    if os.environ.get("BENCH_NUMTORCH_PATH"):  # python -m bench --numtorch-path DIR
        sys.path.insert(0, os.environ["BENCH_NUMTORCH_PATH"])
    from .workloads import WORKLOADS

    try:
        if a.rss:
            out = run_rss(a.framework, a.rss, a.quick)
        else:
            keys = [k for k in a.only.split(",") if k] or [w.key for w in WORKLOADS]
            out = run(a.framework, keys, a.quick, a.clock)
    except Exception as e:
        out = {"framework": a.framework, "error": "%s: %s" % (type(e).__name__, e), "traceback": traceback.format_exc()}
    sys.stdout.write(MARK + json.dumps(out) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
