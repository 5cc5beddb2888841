"""The ``numtorch`` command: ``numtorch run`` behaves like ``python SCRIPT`` with torch served by numtorch,
and ``numtorch demo`` runs the lessons and writes their transcripts."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import pytest

import numtorch
from numtorch import examples

REPO = Path(__file__).resolve().parents[1]


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONWARNINGS", "PYTHONSTARTUP", "PYTHONSAFEPATH")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def numtorch_cmd(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m numtorch ARGS`` in ``cwd``."""
    return subprocess.run([sys.executable, "-m", "numtorch", *args], cwd=cwd, env=_env(), capture_output=True,
                          text=True, encoding="utf-8", timeout=timeout, stdin=subprocess.DEVNULL)


def python_cmd(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Plain ``python ARGS`` in ``cwd``: the behaviour ``numtorch run`` copies."""
    return subprocess.run([sys.executable, *args], cwd=cwd, env=_env(), capture_output=True, text=True,
                          encoding="utf-8", timeout=120, stdin=subprocess.DEVNULL)


def write(path: Path, source: str) -> Path:
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------- numtorch run


def test_argv_is_set_like_python(tmp_path):
    write(tmp_path / "s.py", "import json, sys\nprint(json.dumps(sys.argv))\n")
    proc = numtorch_cmd("run", "s.py", "a", "b", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == ["s.py", "a", "b"]
    assert json.loads(python_cmd("s.py", "a", "b", cwd=tmp_path).stdout) == ["s.py", "a", "b"]


def test_options_after_the_script_belong_to_the_script(tmp_path):
    write(tmp_path / "s.py", "import json, sys\nprint(json.dumps(sys.argv))\n")
    proc = numtorch_cmd("run", "s.py", "--seed", "3", "-x", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == ["s.py", "--seed", "3", "-x"]


def test_name_file_and_sys_path_like_python(tmp_path):
    write(tmp_path / "s.py", """\
        import json, sys
        print(json.dumps([__name__, __file__, sys.path[0]]))
        """)
    sub = tmp_path / "sub"
    sub.mkdir()
    expected = python_cmd("s.py", cwd=tmp_path).stdout
    assert json.loads(expected) == ["__main__", str(tmp_path / "s.py"), str(tmp_path)]
    assert numtorch_cmd("run", "s.py", cwd=tmp_path).stdout == expected
    # from another folder: sys.path[0] is still the script's folder
    proc = numtorch_cmd("run", "../s.py", cwd=sub)
    assert json.loads(proc.stdout) == ["__main__", str(tmp_path / "s.py"), str(tmp_path)]


def test_sibling_module_imports(tmp_path):
    write(tmp_path / "helper.py", "ANSWER = 42\n")
    write(tmp_path / "s.py", "import helper\nprint(helper.ANSWER)\n")
    proc = numtorch_cmd("run", str(tmp_path / "s.py"), cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "42\n"


@pytest.mark.parametrize("seed", [0, 7, 2024])
def test_seed_seeds_before_the_script(tmp_path, seed):
    write(tmp_path / "s.py", """\
        import json
        import torch
        print(json.dumps([torch.rand(3).tolist(), torch.randn(2, 2).tolist(), torch.randint(0, 100, (4,)).tolist()]))
        """)
    proc = numtorch_cmd("run", "--seed", str(seed), "s.py", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    numtorch.manual_seed(seed)
    expected = [numtorch.rand(3).tolist(), numtorch.randn(2, 2).tolist(), numtorch.randint(0, 100, (4,)).tolist()]
    assert json.loads(proc.stdout) == expected
    assert json.loads(numtorch_cmd("run", f"--seed={seed}", "s.py", cwd=tmp_path).stdout) == expected


def test_bad_seed_is_a_usage_error(tmp_path):
    write(tmp_path / "s.py", "print('ran')\n")
    proc = numtorch_cmd("run", "--seed", "zero", "s.py", cwd=tmp_path)
    assert proc.returncode == 2
    assert "ran" not in proc.stdout and "Traceback" not in proc.stderr


@pytest.mark.parametrize("body, status, stderr", [
    ("pass", 0, ""),
    ("import sys; sys.exit()", 0, ""),
    ("import sys; sys.exit(0)", 0, ""),
    ("import sys; sys.exit(3)", 3, ""),
    ("raise SystemExit(42)", 42, ""),
    ("import sys; sys.exit('bye')", 1, "bye\n"),
])
def test_exit_status_from_sys_exit(tmp_path, body, status, stderr):
    write(tmp_path / "s.py", body + "\n")
    proc = numtorch_cmd("run", "s.py", cwd=tmp_path)
    assert (proc.returncode, proc.stderr) == (status, stderr)
    py = python_cmd("s.py", cwd=tmp_path)
    assert (py.returncode, py.stderr) == (status, stderr)


@pytest.mark.parametrize("source", [
    # an exception raised two frames deep
    """\
    def inner(x):
        raise ValueError(f"boom {x}")

    def outer():
        inner(3)

    print("before")
    outer()
    """,
    # a NameError at module level
    "total = 1\nprint(total + missing)\n",
    # a syntax error: no traceback header, just the caret
    "x = (1,\n",
    # an exception with a cause
    """\
    try:
        {}["k"]
    except KeyError as e:
        raise RuntimeError("wrapped") from e
    """,
])
def test_uncaught_exception_reported_like_python(tmp_path, source):
    write(tmp_path / "s.py", source)
    proc = numtorch_cmd("run", "s.py", cwd=tmp_path)
    py = python_cmd("s.py", cwd=tmp_path)
    assert py.returncode == 1
    assert proc.returncode == 1
    assert proc.stdout == py.stdout
    assert proc.stderr == py.stderr
    assert "numtorch" not in proc.stderr and "runpy" not in proc.stderr


def test_traceback_through_numtorch_starts_at_the_script(tmp_path):
    write(tmp_path / "s.py", """\
        import torch
        torch.ones(2, 3) @ torch.ones(2, 3)
        """)
    proc = numtorch_cmd("run", "s.py", cwd=tmp_path)
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[1].startswith(f'  File "{tmp_path / "s.py"}", line 2, in <module>'), proc.stderr
    assert "cli.py" not in proc.stderr and "runpy" not in proc.stderr
    # The exception line (a learner's hint note may follow it, as Python prints notes after it).
    assert "RuntimeError: mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)" in lines, proc.stderr


def test_missing_script_is_status_2_with_pythons_message(tmp_path):
    proc = numtorch_cmd("run", "nothere.py", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    expected = f"can't open file '{tmp_path / 'nothere.py'}': [Errno 2] No such file or directory\n"
    assert proc.stderr.endswith(": " + expected), proc.stderr
    py = python_cmd("nothere.py", cwd=tmp_path)
    assert py.returncode == 2 and py.stderr.endswith(": " + expected)


def test_run_without_a_script_is_a_usage_error(tmp_path):
    proc = numtorch_cmd("run", cwd=tmp_path)
    assert proc.returncode == 2
    assert "usage: numtorch run" in proc.stderr


def test_torch_modules_resolve_to_numtorch(tmp_path):
    write(tmp_path / "s.py", """\
        import torch
        from torch import optim
        import torch.nn as nn
        import torch.nn.functional as F
        import torch.autograd
        import numtorch, numtorch.nn, numtorch.nn.functional, numtorch.optim, numtorch.autograd
        checks = {
            "torch": torch is numtorch,
            "from torch import optim": optim is numtorch.optim,
            "import torch.nn as nn": nn is numtorch.nn,
            "import torch.nn.functional as F": F is numtorch.nn.functional,
            "torch.optim": torch.optim is numtorch.optim,
            "torch.autograd": torch.autograd is numtorch.autograd,
            "torch.optim.SGD": torch.optim.SGD is numtorch.optim.SGD,
            "nn.Linear": nn.Linear is numtorch.nn.Linear,
            "numtorch.nn.__spec__": numtorch.nn.__spec__.name == "numtorch.nn",
        }
        bad = [k for k, ok in checks.items() if not ok]
        print("ok" if not bad else bad)
        """)
    proc = numtorch_cmd("run", "s.py", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "ok\n"


def test_missing_torch_submodule_is_pythons_error(tmp_path):
    write(tmp_path / "s.py", "import torch.no_such_module\n")
    proc = numtorch_cmd("run", "s.py", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[-1] == "ModuleNotFoundError: No module named 'torch.no_such_module'"


def test_torch_utils_data_resolves_to_numtorch(tmp_path):
    try:
        import numtorch.utils.data as data
    except ImportError:
        data = None
    if data is None or not hasattr(data, "DataLoader"):
        pytest.skip("numtorch.utils.data is not written yet (no DataLoader)")
    write(tmp_path / "s.py", """\
        import torch.utils.data
        from torch.utils.data import DataLoader, TensorDataset
        import numtorch.utils.data
        print(torch.utils.data is numtorch.utils.data, DataLoader is numtorch.utils.data.DataLoader)
        """)
    proc = numtorch_cmd("run", "s.py", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "True True\n"


def test_help_and_unknown_command(tmp_path):
    assert numtorch_cmd("--help", cwd=tmp_path).returncode == 0
    assert numtorch_cmd("run", "--help", cwd=tmp_path).returncode == 0
    assert numtorch_cmd("nonsense", cwd=tmp_path).returncode == 2


def test_console_script_installed(tmp_path):
    exe = shutil.which("numtorch")
    if exe is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the `numtorch` console script is not on PATH (pip install -e . makes it)")
        pytest.skip("the `numtorch` console script is not installed (pip install -e .)")
    write(tmp_path / "s.py", "import sys, torch\nprint(torch.__name__, sys.argv[1:])\n")
    proc = subprocess.run([exe, "run", "s.py", "x"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "numtorch ['x']\n"


# --------------------------------------------------------------------------------------------- numtorch demo

TITLES_EN = [examples.lesson_module(n).TITLE["en"] for n in range(1, 6)]
TITLES_KO = [examples.lesson_module(n).TITLE["ko"] for n in range(1, 6)]
HANGUL = re.compile("[\uac00-\ud7a3]")


def _have_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def expected_demo_files(lessons=range(1, 6), plots=None) -> list[str]:
    """What the demo writes per lesson: transcript, graph SVG, loss curve (lessons that record losses)."""
    plots = _have_matplotlib() if plots is None else plots
    names = []
    for n in lessons:
        names += [f"lesson{n}.txt", f"lesson{n}_graph.svg"]
        if plots and n != 4:  # lesson 4 is about accumulation; it records no loss history
            names.append(f"lesson{n}_loss.png")
        if plots and n == 5:
            names += ["learning_rates.png", "local_minimum.png"]
    return names


def test_demo_runs_all_lessons_and_lists_the_files(tmp_path):
    start = time.perf_counter()
    proc = numtorch_cmd("demo", "--out", "out", cwd=tmp_path)
    elapsed = time.perf_counter() - start
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert elapsed < 30, f"the demo took {elapsed:.1f}s"
    for title in TITLES_EN:
        assert title in proc.stdout
    assert not HANGUL.search(proc.stdout)
    expected = expected_demo_files()
    listed = [line.strip() for line in
              proc.stdout.rstrip("\n").split(f"Wrote {len(expected)} files to out:\n")[1].splitlines()]
    assert listed == [os.path.join("out", name) for name in expected]
    for n in range(1, 6):
        text = (tmp_path / "out" / f"lesson{n}.txt").read_text(encoding="utf-8")
        assert text.startswith(TITLES_EN[n - 1] + "\n")
        assert text in proc.stdout  # the transcript is what was printed
        svg = (tmp_path / "out" / f"lesson{n}_graph.svg").read_text(encoding="utf-8")
        assert svg.startswith("<svg") and "Backward0" in svg
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(expected)


def test_demo_without_matplotlib_still_draws_graphs(tmp_path):
    """No viz extra: the lessons run, SVG graphs are written, and one line says how to get the plots."""
    code = ("import sys; sys.modules['matplotlib'] = None\n"
            "from numtorch.examples import run_demo\n"
            "sys.exit(run_demo(out='o'))\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("pip install 'numtorch[viz]'") == 1
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == sorted(expected_demo_files(plots=False))


def test_demo_default_out_folder(tmp_path):
    proc = numtorch_cmd("demo", "--lesson", "4", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "numtorch-demo" / "lesson4.txt").is_file()


def test_demo_one_lesson(tmp_path):
    proc = numtorch_cmd("demo", "--lesson", "2", "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert TITLES_EN[1] in proc.stdout
    assert all(t not in proc.stdout for i, t in enumerate(TITLES_EN) if i != 1)
    expected = expected_demo_files([2])
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == sorted(expected)
    listing = "\n".join(f"  {tmp_path / 'o' / name}" for name in expected)
    assert proc.stdout.rstrip("\n").endswith(f"Wrote {len(expected)} files to {tmp_path / 'o'}:\n{listing}")


def test_demo_in_korean(tmp_path):
    proc = numtorch_cmd("demo", "--lang", "ko", "--lesson", "1", "--out", "o", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert TITLES_KO[0] in proc.stdout
    assert TITLES_EN[0] not in proc.stdout
    assert HANGUL.search(proc.stdout)
    assert HANGUL.search((tmp_path / "o" / "lesson1.txt").read_text(encoding="utf-8"))


@pytest.mark.parametrize("make_bad", ["file", "under_file"])
def test_demo_unwritable_out_is_one_sentence_and_status_2(tmp_path, make_bad):
    (tmp_path / "afile").write_text("x")
    out = "afile" if make_bad == "file" else os.path.join("afile", "sub")
    proc = numtorch_cmd("demo", "--out", out, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""  # nothing ran
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("numtorch demo: ") and out in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("args", [["--lesson", "6"], ["--lesson", "0"], ["--lang", "fr"]])
def test_demo_bad_arguments(tmp_path, args):
    proc = numtorch_cmd("demo", *args, cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "numtorch-demo").exists()


def test_run_demo_bad_arguments_in_process(tmp_path, capsys):
    assert examples.run_demo(lesson=9, out=tmp_path / "o") == 2
    assert examples.run_demo(lang="xx", out=tmp_path / "o") == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all(line.startswith("numtorch demo: ") for line in err)


# ------------------------------------------------------------------------------------------------ the lessons


@pytest.mark.parametrize("number", range(1, 6))
def test_lessons_are_reproducible_and_quiet(number):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a lesson shows good practice: it triggers no warning
        first = examples.run_lesson(number)
        numtorch.manual_seed(12345)  # whatever the RNG's state, the lesson seeds it itself
        numtorch.rand(7)
        second = examples.run_lesson(number)
    assert first[0] == second[0]
    assert first[0].startswith(TITLES_EN[number - 1] + "\n")


@pytest.mark.parametrize("number", range(1, 6))
def test_korean_narration_prints_the_same_results(number):
    en, _ = examples.run_lesson(number, "en")
    ko, _ = examples.run_lesson(number, "ko")
    en_lines, ko_lines = en.splitlines(), ko.splitlines()
    assert len(en_lines) == len(ko_lines)
    narration = 0
    for a, b in zip(en_lines, ko_lines):
        if HANGUL.search(b):
            narration += 1
            assert not HANGUL.search(a)
        elif not set(b) <= {"="}:  # results (and the title's underline, whose width differs) are the same
            assert a == b
    assert narration >= 5


def test_lesson1_reaches_the_target():
    _, record = examples.run_lesson(1)
    assert record["losses"][-1] < 1e-5 < record["losses"][-2]
    assert all(b < a for a, b in zip(record["losses"], record["losses"][1:]))


def test_lesson2_hand_gradient_and_sgd_agree_exactly():
    _, record = examples.run_lesson(2)
    assert record["hand"] == record["sgd"]
    assert abs(record["sgd"][-1][0] - 2) < 0.01


def test_lesson4_gradients_accumulate():
    _, record = examples.run_lesson(4)
    assert record["accumulated_grads"] == [2.0, 4.0, 6.0]


def test_lesson5_finds_the_line():
    _, record = examples.run_lesson(5)
    assert abs(record["weight"] - 2) < 1e-3 and abs(record["bias"] - 1) < 1e-3


def test_run_demo_calls_every_artifact_writer(tmp_path, capsys):
    seen = []

    def fake_plot(run: examples.LessonRun):
        seen.append((run.number, run.lang, run.title, sorted(run.record)))
        assert run.transcript.startswith(run.title + "\n")
        path = run.out_dir / f"lesson{run.number}_plot.svg"
        path.write_text("<svg/>")
        return [path]

    status = examples.run_demo(lesson=3, out=tmp_path, artifacts=[examples.write_transcript, fake_plot])
    assert status == 0
    assert seen == [(3, "en", TITLES_EN[2], ["graph", "losses"])]
    out = capsys.readouterr().out
    assert out.rstrip("\n").endswith(f"  {tmp_path / 'lesson3.txt'}\n  {tmp_path / 'lesson3_plot.svg'}")
    assert examples.write_transcript in examples.ARTIFACTS
    assert examples.register_artifact(examples.write_transcript) is examples.write_transcript
    assert examples.ARTIFACTS.count(examples.write_transcript) == 1


_UNDER_PYTORCH = """\
import importlib.util, sys
try:
    import torch, torch.nn, torch.nn.functional, torch.optim
except ImportError:
    sys.exit(77)
def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
say = load("numtorch.examples._say", sys.argv[1])
sys.modules.update({"numtorch": torch, "numtorch.nn": torch.nn, "numtorch.nn.functional": torch.nn.functional,
                    "numtorch.optim": torch.optim, "numtorch.examples._say": say})
load("lesson", sys.argv[2]).main(lang="en")
"""


def _oracle_python() -> str:
    """This interpreter, or the PyTorch virtualenv bench/ also uses (~/.oracle) when there is one."""
    oracle = Path.home() / ".oracle" / "bin" / "python"
    return str(oracle) if oracle.exists() else sys.executable


@pytest.mark.parametrize("number", range(1, 6))
def test_lessons_print_what_pytorch_prints(tmp_path, number):
    """Oracle: each lesson's source, run on the real PyTorch, prints exactly what it prints on numtorch."""
    module = examples.lesson_module(number)
    say_path = Path(examples.__file__).with_name("_say.py")
    script = write(tmp_path / "under_pytorch.py", _UNDER_PYTORCH)
    env = {k: v for k, v in _env().items() if k != "PYTHONPATH"}  # keep numtorch out of that process
    proc = subprocess.run([_oracle_python(), str(script), str(say_path), module.__file__], cwd=tmp_path, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=300, stdin=subprocess.DEVNULL)
    if proc.returncode == 77:
        pytest.skip("PyTorch is not installed: no oracle to compare with")
    assert proc.returncode == 0, proc.stderr
    ours, _ = examples.run_lesson(number)
    assert ours == proc.stdout
