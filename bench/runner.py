"""Orchestrates a benchmark run: one subprocess per framework, import-time and RSS probes, the table."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from . import timing
from ._worker import MARK
from .workloads import WORKLOADS

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORACLE_PYTHON = os.path.expanduser("~/.oracle/bin/python")

FRAMEWORKS = ("numtorch", "torch", "numpy")


# ------------------------------------------------------------------------------------------ helpers
_EXTRA_PATH = []  # --numtorch-path: a directory holding another numtorch package, searched first


def _env():
    env = dict(os.environ)
    rest = [env["PYTHONPATH"]] if env.get("PYTHONPATH") else []
    env["PYTHONPATH"] = os.pathsep.join(_EXTRA_PATH + [REPO_ROOT] + rest)
    if _EXTRA_PATH:
        env["BENCH_NUMTORCH_PATH"] = _EXTRA_PATH[0]  # the worker puts it before its cwd on sys.path
    return env


def _has_torch(python):
    try:
        r = subprocess.run([python, "-c", "import torch; torch._C"], capture_output=True, timeout=120,
                           cwd=REPO_ROOT, env=_env())
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0


def find_torch_python(arg):
    """The interpreter that runs PyTorch's part, or None ("not installed")."""
    if arg:
        if arg.lower() == "none":
            return None
        path = os.path.expanduser(arg)
        return path if _has_torch(path) else None
    if os.path.exists(ORACLE_PYTHON) and _has_torch(ORACLE_PYTHON):
        return ORACLE_PYTHON
    py = shutil.which("python")
    if py and _has_torch(py):
        return py
    return None


def run_worker(python, framework, args, log):
    cmd = [python, "-m", "bench._worker", "--framework", framework] + args
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO_ROOT, env=_env(), timeout=3600)
    log("  %s %s: %.1f s" % (framework, " ".join(args), time.perf_counter() - t0))
    for line in r.stdout.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK):])
    return {"framework": framework, "error": "worker exited %d without a result\n%s" % (r.returncode, r.stderr[-3000:])}


_IMPORT_SNIPPET = ("import time; t = time.perf_counter(); c = time.process_time(); import {mod}; "
                   "print(time.perf_counter() - t, time.process_time() - c)")


def time_imports(probes, runs, log):
    """``probes``: {name: (python, module)}. Medians over fresh processes of `python -c 'import M'`: process
    wall time, in-process wall and CPU time. The probes alternate run by run, so load from other processes
    falls on all of them alike.

    Bytecode is cached in a temporary directory (PYTHONPYCACHEPREFIX; PYTHONDONTWRITEBYTECODE unset), so each
    package is imported as an installed package is, from .pyc files, and nothing is written into the source
    tree. The first run of each (which compiles) is discarded.
    """
    pycache = tempfile.mkdtemp(prefix="bench-pycache-")
    env = _env()
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = pycache
    samples = {name: ([], [], []) for name in probes}
    errors = {}
    try:
        for i in range(runs + 1):
            for name, (python, module) in probes.items():
                if name in errors:
                    continue
                t0 = time.perf_counter()
                r = subprocess.run([python, "-c", _IMPORT_SNIPPET.format(mod=module)], capture_output=True,
                                   text=True, cwd=(_EXTRA_PATH or [REPO_ROOT])[0], env=env)
                wall = time.perf_counter() - t0
                if r.returncode != 0:
                    err = r.stderr.strip().splitlines()
                    errors[name] = {"error": err[-1] if err else "exit %d" % r.returncode}
                    continue
                if i:
                    w, c = r.stdout.strip().splitlines()[-1].split()
                    for lst, v in zip(samples[name], (wall, float(w), float(c))):
                        lst.append(v)
    finally:
        shutil.rmtree(pycache, ignore_errors=True)
    out = {}
    for name in probes:
        if name in errors:
            out[name] = errors[name]
        else:
            walls, inproc, cpu = samples[name]
            out[name] = {"wall": statistics.median(walls), "inproc": statistics.median(inproc),
                         "cpu": statistics.median(cpu), "runs": runs}
        log("  import %s: %s" % (probes[name][1], out[name]))
    return out


class _Server:
    """One framework's timing server (``python -m bench._worker --serve``), driven over pipes."""

    def __init__(self, python, framework):
        self.framework = framework
        self._err = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(
            [python, "-m", "bench._worker", "--framework", framework, "--serve"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self._err, text=True, cwd=REPO_ROOT, env=_env(), bufsize=1)
        self.hello = self._read()

    def _read(self):
        while True:
            line = self.proc.stdout.readline()
            if not line:
                self._err.seek(0)
                return {"error": "worker exited %s\n%s" % (self.proc.poll(), self._err.read()[-3000:])}
            if line.startswith(MARK):
                return json.loads(line[len(MARK):])

    def ask(self, **msg):
        if self.proc.poll() is not None:
            return {"error": "worker is not running"}
        try:
            self.proc.stdin.write(json.dumps(msg) + "\n")
            self.proc.stdin.flush()
        except OSError as e:
            return {"error": "worker pipe: %s" % e}
        return self._read()

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
                self.proc.stdin.close()
                self.proc.wait(timeout=60)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
        self._err.close()


def run_interleaved(pythons, keys, quick, clock, repeats, log, block=5, settle_s=0.3):
    """Time every workload on every framework in turns of ``block`` repeats (the starting framework
    rotates), so a burst of load from other processes falls on all frameworks alike. Each turn sets the
    workload up afresh (warm-up and calibration included), waits ``settle_s`` so the previous framework's
    BLAS/OpenMP threads stop spinning, and starts with a short untimed warm-up.
    Returns {framework: {"framework", "env", "results": {key: {"seconds": median, "min", "samples"}}}}."""
    out = {}
    for key in keys:
        t0 = time.perf_counter()
        # Fresh processes per workload: what ran before (heap growth, BLAS threads) must not change a timing.
        servers = {}
        try:
            for f in FRAMEWORKS:
                if pythons[f] is None or ("error" in out.get(f, {}) and not out[f].get("results")):
                    continue
                srv = _Server(pythons[f], f)
                if "error" in srv.hello:
                    out[f] = dict(srv.hello, framework=f)
                    srv.close()
                    continue
                servers[f] = srv
                out.setdefault(f, {"framework": f, "env": srv.hello.get("env", {}), "clock": clock,
                                   "results": {}})
            active = list(servers)
            samples = {f: [] for f in active}
            turns = [min(block, repeats - k) for k in range(0, repeats, block)]
            for t, n in enumerate(turns):
                order = active[t % len(active):] + active[:t % len(active)] if active else []
                for f in order:
                    if f not in samples:
                        continue
                    srv = servers[f]
                    # A fresh setup per turn: timings also vary with where a setup's objects land in memory.
                    r = srv.ask(cmd="setup", key=key, quick=quick, clock=clock)
                    if "error" in r or r.get("skip"):
                        if "error" in r:
                            out[f]["results"][key] = r
                        del samples[f]
                        continue
                    if settle_s and len(samples) > 1:
                        time.sleep(settle_s)
                    for i in range(n):
                        r = srv.ask(cmd="repeat", warm=(i == 0))
                        if "error" in r:
                            out[f]["results"][key] = r
                            del samples[f]
                            break
                        samples[f].append(r["seconds"])
                    srv.ask(cmd="teardown")
            for f, xs in samples.items():
                out[f]["results"][key] = {"seconds": statistics.median(xs), "min": min(xs), "samples": xs}
            log("  %s: %.1f s" % (key, time.perf_counter() - t0))
        finally:
            for srv in servers.values():
                srv.close()
    return out


def _loadavg():
    try:
        with open("/proc/loadavg") as fh:
            return fh.read().split()[0]
    except OSError:
        return None


# ------------------------------------------------------------------------------------------ table
_SCALE = {"us": 1e6, "ms": 1e3, "s": 1.0, "MB": 1.0 / 2**20}
_UNIT_LABEL = {"us": "µs", "ms": "ms", "s": "s", "MB": "MiB"}


def _fmt(v, unit):
    if v is None:
        return "—"
    if isinstance(v, str):
        return v
    x = v * _SCALE[unit]
    if x >= 100:
        return "%.0f" % x
    if x >= 10:
        return "%.1f" % x
    if x >= 1:
        return "%.2f" % x
    return "%.3f" % x


def _ratio(a, b):
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b > 0:
        return a / b
    return None


def _fmt_ratio(r):
    return "—" if r is None else "%.2fx" % r


def _check(name, ok):
    if ok is None:
        return None
    return "%s %s" % (name, "✓" if ok else "✗")


def _status(checks):
    """(target text shown) checks: list of (label, ok or None)."""
    known = [ok for _, ok in checks if ok is not None]
    if not checks:
        return "—"
    parts = ", ".join("%s %s" % (lbl, "?" if ok is None else ("✓" if ok else "✗")) for lbl, ok in checks)
    if not known:
        return "n/a (%s)" % parts
    if len(known) < len(checks):
        verdict = "partly checked"
        if not all(known):
            verdict = "NOT met"
    else:
        verdict = "met" if all(known) else "NOT met"
    return "%s (%s)" % (verdict, parts)


def build_rows(res, imports, rss, torch_available, stat="median"):
    """Rows: [label, unit, nt, pt, floor, nt/pt, nt/floor, target_text, status]; ``stat``: "median" or "min"
    of the timed repeats."""
    field = "seconds" if stat == "median" else "min"

    def val(fwk, key):
        r = res.get(fwk, {})
        if "error" in r:
            return "error"
        e = r.get("results", {}).get(key)
        if e is None:
            return None if (fwk != "torch" or torch_available) else "not installed"
        if "error" in e:
            return "error"
        return e[field]

    def pt(key):
        return val("torch", key) if torch_available else "not installed"

    def le(r, limit):
        return None if r is None else r <= limit

    rows = []
    for w in WORKLOADS:
        if w.key not in {k for f in res.values() for k in f.get("results", {})}:
            continue
        if w.key == "W6_1t":
            nt, p, fl = val("numtorch", "W6"), pt("W6_1t"), val("numpy", "W6")
        else:
            nt, p, fl = val("numtorch", w.key), pt(w.key), val("numpy", w.key)
        rp, rf = _ratio(nt, p), _ratio(nt, fl)
        k = w.key
        if k in ("W1", "W2", "W3"):
            target, checks = "≤0.4x PyTorch, ≤3x floor", [("PyTorch", le(rp, 0.4)), ("floor", le(rf, 3.0))]
        elif k == "W4":
            target, checks = "≤0.9x PyTorch", [("PyTorch", le(rp, 0.9))]
        elif k == "W5":
            target, checks = "≤1.05x PyTorch", [("PyTorch", le(rp, 1.05))]
        elif k == "W6":
            target, checks = "(see 1-thread row)", []
        elif k == "W6_1t":
            target, checks = "≤1.1x PyTorch 1-thread", [("PyTorch", le(rp, 1.1))]
        elif k == "W7":
            target, checks = "≤1.0 µs/op", [("abs", None if not isinstance(nt, float) else nt <= 1.0e-6)]
        elif k == "W7_ng":
            target, checks = "≤0.6 µs/op", [("abs", None if not isinstance(nt, float) else nt <= 0.6e-6)]
        elif k in ("rand", "randn"):
            target, checks = "≤3x NumPy", [("NumPy", le(rf, 3.0))]
        else:
            target, checks = "—", []
        unit = "us/op" if w.ops_per_call > 1 else w.unit
        rows.append([w.title, unit, nt, p, fl, rp, rf, target, _status(checks) if checks else "—"])

    if rss:
        def rv(f):
            r = rss.get(f)
            if r is None:
                return "not installed" if f == "torch" else None
            if "error" in r:
                return "error"
            return r["rss"]["peak_bytes"]

        nt, p, fl = rv("numtorch"), rv("torch"), rv("numpy")
        rows.append(["W4 peak RSS (fresh process)", "MB", nt, p, fl, _ratio(nt, p), _ratio(nt, fl), "—", "—"])

    if imports:
        def iv(f, field):
            r = imports.get(f)
            if r is None:
                return "not installed" if f == "torch" else None
            if "error" in r:
                return "error"
            return r.get(field)

        # (The in-process CPU time is in the JSON only: BLAS thread start-up makes it exceed wall time.)
        for field, label in (("wall", "import, `python -c 'import M'` wall"), ("inproc", "import, in-process wall")):
            nt, p, fl = iv("numtorch", field), iv("torch", field), iv("numpy", field)
            if field == "wall":
                ok = None if not (isinstance(nt, float) and isinstance(fl, float)) else nt <= fl + 0.05
                target, status = "≤ import numpy + 0.05 s", _status([("numpy+0.05", ok)])
            else:
                target, status = "(info)", "—"
            rows.append([label, "s", nt, p, fl, _ratio(nt, p), _ratio(nt, fl), target, status])
    return rows


def render(rows, header_lines):
    head = ["Workload", "unit", "numtorch", "PyTorch", "NumPy floor", "nt/PyTorch", "nt/floor", "target", "status"]
    out = list(header_lines)
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "|".join(["---"] * len(head)) + "|")
    for label, unit, nt, p, fl, rp, rf, target, status in rows:
        u = unit.split("/")[0]
        shown_unit = _UNIT_LABEL[u] + ("/op" if unit.endswith("/op") else "")
        out.append("| " + " | ".join([label, shown_unit, _fmt(nt, u), _fmt(p, u), _fmt(fl, u), _fmt_ratio(rp),
                                      _fmt_ratio(rf), target, status]) + " |")
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------------------------ main
def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--quick", action="store_true", help="short run (fewer, shorter repeats)")
    p.add_argument("--markdown", metavar="FILE", help="also write the table to FILE")
    p.add_argument("--torch-python", metavar="PATH", default=None,
                   help="interpreter with PyTorch (default: ~/.oracle/bin/python if present, else `python` if "
                        "`import torch` works there; 'none' to skip PyTorch)")
    p.add_argument("--only", default="", help="comma-separated workload keys (%s), plus 'import' and 'rss'"
                   % ",".join(w.key for w in WORKLOADS))
    p.add_argument("--no-import", action="store_true", help="skip the import-time probe")
    p.add_argument("--no-rss", action="store_true", help="skip the W4 peak-RSS probe")
    p.add_argument("--json", metavar="FILE", help="write the raw results as JSON")
    p.add_argument("--repeats", type=int, default=None,
                   help="timed repeats per workload and framework (default 15, 3 with --quick); the frameworks "
                        "take turns repeat by repeat")
    p.add_argument("--numtorch-path", metavar="DIR", default=None,
                   help="directory holding the numtorch package to benchmark (default: this repository)")
    p.add_argument("--stat", choices=["median", "min"], default="median",
                   help="statistic of the timed repeats shown in the table (default median; min is the usual "
                        "estimate of the undisturbed time on a busy machine)")
    p.add_argument("--from-json", metavar="FILE", help="print the table of an earlier run saved with --json")
    p.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                   help="wall: elapsed time (default); cpu: process CPU time, not inflated by other processes on "
                        "a busy machine (meaningful for the single-threaded small-tensor workloads)")
    a = p.parse_args(argv)
    if a.from_json:
        with open(a.from_json, encoding="utf-8") as fh:
            saved = json.load(fh)
        header = [h.replace("{stat}", a.stat) for h in saved.get("header", [])]
        table = render(build_rows(saved["results"], saved["imports"], saved["rss"], "torch" in saved["results"],
                                  a.stat), header)
        print(table)
        if a.markdown:
            with open(a.markdown, "w", encoding="utf-8") as fh:
                fh.write(table)
        return 0
    if a.numtorch_path:
        _EXTRA_PATH[:] = [os.path.abspath(os.path.expanduser(a.numtorch_path))]

    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    only = [k for k in a.only.split(",") if k]
    keys = [k for k in only if k not in ("import", "rss")] if only else [w.key for w in WORKLOADS]
    do_import = (not only or "import" in only) and not a.no_import
    do_rss = (not only or "rss" in only or "W4" in only) and not a.no_rss

    load_before = _loadavg()
    torch_py = find_torch_python(a.torch_python)
    log("PyTorch interpreter: %s" % (torch_py or "not installed"))
    pythons = {"numtorch": sys.executable, "torch": torch_py, "numpy": sys.executable}
    repeats = a.repeats or (timing.QUICK if a.quick else timing.FULL)["repeats"]
    block, settle = (1, 0.0) if a.quick else (5, 0.3)
    res = run_interleaved(pythons, keys, a.quick, a.clock, repeats, log, block, settle) if keys else {}
    rss, imports = {}, {}
    if do_rss:
        for f in FRAMEWORKS:
            if pythons[f] is not None:
                rss[f] = run_worker(pythons[f], f, ["--rss", "W4"] + (["--quick"] if a.quick else []), log)
    if do_import:
        runs = 3 if a.quick else 11
        probes = {f: (pythons[f], mod) for f, mod in (("numtorch", "numtorch"), ("torch", "torch"),
                                                        ("numpy", "numpy")) if pythons[f] is not None}
        imports = time_imports(probes, runs, log)

    load_after = _loadavg()
    env_nt = res.get("numtorch", {}).get("env", {})
    env_pt = res.get("torch", {}).get("env", {})
    header = [
        "numtorch benchmark, %s, %s (%d CPUs), Python %s, NumPy %s, PyTorch %s (%s threads)%s."
        % (datetime.date.today().isoformat(), platform.machine(), os.cpu_count() or 0,
           platform.python_version(), env_nt.get("numpy", "?"),
           env_pt.get("torch", "not installed"), env_pt.get("torch_threads", "—"),
           (", quick run" if a.quick else "") + (", CPU-time clock" if a.clock == "cpu" else "")),
        "Per workload: warm-up, then the {stat} of %d timed repeats (~%g s each) per framework; the frameworks "
        "(one process each) take turns of %d repeat%s%s. Lower is better; ratios are numtorch's time over the "
        "other's.%s"
        % (repeats, (timing.QUICK if a.quick else timing.FULL)["target_s"], block, "" if block == 1 else "s",
           ", pausing %g s between turns" % settle if settle else "",
           " 1-min load average %s at start, %s at end." % (load_before, load_after) if load_before else ""),
        "",
    ]
    rows = build_rows(res, imports, rss, torch_py is not None, a.stat)
    table = render(rows, [h.replace("{stat}", a.stat) for h in header])
    errors = []
    for f, r in list(res.items()) + [("rss:" + f, r) for f, r in rss.items()]:
        if "error" in r:
            errors.append("%s: %s" % (f, r["error"]))
        for k, e in r.get("results", {}).items():
            if "error" in e:
                errors.append("%s %s: %s" % (f, k, e["traceback"] if "traceback" in e else e["error"]))
    for f, r in imports.items():
        if "error" in r:
            errors.append("import %s: %s" % (f, r["error"]))
    if errors:
        table += "\nErrors:\n\n```\n" + "\n".join(errors) + "\n```\n"
    print(table)
    if a.markdown:
        with open(a.markdown, "w", encoding="utf-8") as fh:
            fh.write(table)
    if a.json:
        with open(a.json, "w", encoding="utf-8") as fh:
            json.dump({"header": header, "results": res, "rss": rss, "imports": imports}, fh, indent=1)
    return 1 if errors else 0
