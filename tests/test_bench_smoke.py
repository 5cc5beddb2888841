"""Smoke test of bench/: each workload's numtorch side and NumPy floor run (a couple of steps,
in-process) and compute the same numbers; the CLI runs end to end. No timing assertions."""

import os
import subprocess
import sys

import numpy as np
import pytest

from bench import runner
from bench._worker import MARK, run, run_rss, serve
from bench.workloads import BY_KEY, WORKLOADS, load_framework, make_case

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The floors are hand-written forward+backward: after the same steps from the same data they must
# agree with numtorch's autograd (float32 arithmetic, so loose tolerances for the big reductions).
TOL = {"W5": 2e-3, "W6": 1e-4, "W4": 1e-4}


@pytest.fixture(scope="module")
def fw():
    return load_framework("numtorch")


@pytest.mark.parametrize("key", [w.key for w in WORKLOADS if "numtorch" in w.frameworks])
def test_workload_runs_and_matches_floor(fw, key):
    wl = BY_KEY[key]
    case = make_case(wl, "numtorch", fw)
    try:
        for _ in range(2):
            case.step()
        got = case.state()
    finally:
        case.teardown()
    assert fw.torch.is_grad_enabled()  # teardown restored grad mode
    floor = make_case(wl, "numpy")
    for _ in range(2):
        floor.step()
    want = floor.state()
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=TOL.get(key, 1e-5), atol=1e-6)


def test_torch_only_workload_is_skipped_for_numtorch(fw):
    assert make_case(BY_KEY["W6_1t"], "numtorch", fw) is None
    assert make_case(BY_KEY["W6_1t"], "numpy") is None


def test_worker_in_process():
    out = run("numtorch", ["W1", "W7_ng", "rand"], quick=True)
    assert set(out["results"]) == {"W1", "W7_ng", "rand"}
    for r in out["results"].values():
        assert "error" not in r, r
        assert r["seconds"] > 0
    out = run_rss("numtorch", "W4", quick=True)
    assert out["rss"]["peak_bytes"] > 0


def test_timing_server_in_process(capsys):
    import io
    import json

    cmds = [{"cmd": "setup", "key": "W7", "quick": True}, {"cmd": "repeat"}, {"cmd": "teardown"},
            {"cmd": "setup", "key": "W6_1t", "quick": True},  # PyTorch-only: skipped
            {"cmd": "setup", "key": "W7_ng", "quick": True, "clock": "cpu"}, {"cmd": "repeat"},
            {"cmd": "bogus"}, {"cmd": "quit"}, {"cmd": "repeat"}]
    serve("numtorch", io.StringIO("".join(json.dumps(c) + "\n" for c in cmds)))
    out = [json.loads(line[len(MARK):]) for line in capsys.readouterr().out.splitlines() if line.startswith(MARK)]
    assert out[0]["ready"] and "numtorch_file" in out[0]["env"]
    assert out[1]["inner"] >= 1 and out[2]["seconds"] > 0 and out[3] == {}
    assert out[4] == {"skip": True}
    assert out[5]["inner"] >= 1 and out[6]["seconds"] > 0
    assert "unknown command" in out[7]["error"]
    assert len(out) == 8  # nothing after quit
    assert load_framework("numtorch").torch.is_grad_enabled()  # W7_ng's no_grad undone at quit


def test_table_rendering_with_all_columns():
    res = {
        "numtorch": {"results": {"W1": {"seconds": 2e-6}, "W7": {"seconds": 2e-6}}},
        "torch": {"results": {"W1": {"seconds": 10e-6}, "W7": {"error": "boom", "traceback": "tb"}}},
        "numpy": {"results": {"W1": {"seconds": 1e-6}, "W7": {"seconds": 0.2e-6}}},
    }
    imports = {"numtorch": {"wall": 0.12, "inproc": 0.07, "cpu": 0.07},
               "numpy": {"wall": 0.1, "inproc": 0.05, "cpu": 0.05}}
    rss = {"numtorch": {"rss": {"peak_bytes": 50 * 2**20}}}
    table = runner.render(runner.build_rows(res, imports, rss, torch_available=True), [])
    assert "| W1 seed-000 loop" in table and "met (PyTorch ✓, floor ✓)" in table
    assert "error" in table  # PyTorch's W7 failed
    assert "not installed" in table  # no PyTorch RSS
    assert "≤ import numpy + 0.05 s | met" in table
    table = runner.render(runner.build_rows(res, {}, {}, torch_available=False), [])
    assert "not installed" in table and "partly checked" in table


def test_cli_quick(tmp_path):
    md, js = tmp_path / "t.md", tmp_path / "t.json"
    r = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--torch-python", "none", "--only", "W1,W7_ng",
         "--markdown", str(md), "--json", str(js)],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=300,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    text = md.read_text(encoding="utf-8")
    assert "| W1 seed-000 loop" in text and "| W7 a+b, 3 elts, no_grad" in text
    assert "not installed" in text and "the median of 3 timed repeats" in text
    assert MARK not in r.stdout
    r = subprocess.run([sys.executable, "-m", "bench", "--from-json", str(js), "--stat", "min"],
                       capture_output=True, text=True, cwd=REPO_ROOT, timeout=60)
    assert r.returncode == 0 and "the min of 3 timed repeats" in r.stdout and "| W1 seed-000 loop" in r.stdout
