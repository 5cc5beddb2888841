"""One framework's part of the benchmark, run in its own process.

    python -m bench._worker --framework numtorch|torch|numpy --serve
        Timing server: reads one JSON command per line on stdin, answers one ``BENCH-RESULT <json>`` line
        on stdout per command. The runner keeps one server per framework and asks them for repeats in
        turn, so load from other processes on the machine falls on all frameworks alike.
        {"cmd": "setup", "key": "W1", "quick": false, "clock": "wall"} -> {"inner": n} or {"skip": true}
        {"cmd": "repeat", "warm": true} -> {"seconds": s}  (per call, per op for multi-op workloads;
                                           warm: first run inner/5 untimed calls)
        {"cmd": "teardown"} -> {}
        {"cmd": "quit"}
    python -m bench._worker --framework numtorch --rss W4 [--quick]
        Peak RSS of a fresh process that runs W4's steps.
    python -m bench._worker --framework numtorch [--only W1,W2] [--quick] [--clock cpu]
        All timings in one go (no interleaving with other frameworks).

Anything else on stdout (the framework's own prints) is ignored by the runner.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import traceback

MARK = "BENCH-RESULT "


def reply(obj) -> None:
    sys.stdout.write(MARK + json.dumps(obj) + "\n")
    sys.stdout.flush()


def peak_rss_bytes():
    """Peak resident set size of this process so far (psutil's peak where it has one, else getrusage)."""
    try:
        import psutil

        peak = getattr(psutil.Process().memory_info(), "peak_wset", None)  # Windows
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


def _error(e):
    return {"error": "%s: %s" % (type(e).__name__, e), "traceback": traceback.format_exc()}


def run(framework, keys, quick, clock="wall"):
    """Time ``keys`` one after another in this process; returns {"framework", "env", "results"}."""
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
            results[key] = {"seconds": t["median"] / wl.ops_per_call, "min": t["min"] / wl.ops_per_call,
                            "inner": t["inner"], "repeats": t["repeats"]}
        except Exception as e:  # report, keep going
            results[key] = _error(e)
    return {"framework": framework, "env": _env_info(framework, fw), "clock": clock, "results": results}


def serve(framework, stdin=None):
    """The timing server (see the module docstring)."""
    from . import timing
    from .workloads import BY_KEY, load_framework, make_case

    stdin = stdin or sys.stdin
    try:
        fw = load_framework(framework) if framework != "numpy" else None
    except Exception as e:
        reply(_error(e))
        return
    reply({"ready": True, "env": _env_info(framework, fw)})
    case = wl = None
    inner, clock = 1, "wall"
    for line in stdin:
        msg = json.loads(line)
        cmd = msg["cmd"]
        try:
            if cmd == "setup":
                if case is not None:
                    case.teardown()
                    case = None
                wl = BY_KEY[msg["key"]]
                clock = msg.get("clock", "wall")
                settings = timing.QUICK if msg.get("quick") else timing.FULL
                case = make_case(wl, framework, fw)
                if case is None:
                    reply({"skip": True})
                    continue
                inner = timing.calibrate(case.step, settings["target_s"], settings["warmup_s"], clock=clock)
                reply({"inner": inner})
            elif cmd == "repeat":
                if msg.get("warm"):  # first repeat of a turn: bring caches and threads back up, untimed
                    timing.one_repeat(case.step, max(1, inner // 5), clock)
                reply({"seconds": timing.one_repeat(case.step, inner, clock) / wl.ops_per_call})
            elif cmd == "teardown":
                if case is not None:
                    case.teardown()
                case = None
                reply({})
            elif cmd == "quit":
                break
            else:
                reply({"error": "unknown command %r" % cmd})
        except Exception as e:
            if case is not None:
                try:
                    case.teardown()
                except Exception:
                    pass
            case = None
            reply(_error(e))
    if case is not None:  # quit or end of input with a case still set up: undo its global settings
        case.teardown()


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
    p.add_argument("--serve", action="store_true")
    p.add_argument("--only", default="")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--rss", default="")
    p.add_argument("--clock", default="wall", choices=["wall", "cpu"])
    a = p.parse_args(argv)
    if os.environ.get("BENCH_NUMTORCH_PATH"):  # python -m bench --numtorch-path DIR
        sys.path.insert(0, os.environ["BENCH_NUMTORCH_PATH"])
    from .workloads import WORKLOADS

    if a.serve:
        serve(a.framework)
        return 0
    try:
        if a.rss:
            out = run_rss(a.framework, a.rss, a.quick)
        else:
            keys = [k for k in a.only.split(",") if k] or [w.key for w in WORKLOADS]
            out = run(a.framework, keys, a.quick, a.clock)
    except Exception as e:
        out = dict(_error(e), framework=a.framework)
    reply(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
