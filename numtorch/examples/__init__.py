"""numtorch's lessons, and ``numtorch demo``, which runs them.

Five short programs on gradient descent and autograd, read in order:

1. ``lesson1_descent``           gradient descent toward a target tensor (F.mse_loss, detach_, requires_grad_)
2. ``lesson2_hand_vs_autograd``  a gradient by hand vs autograd for H(x) = Wx, then optim.SGD
3. ``lesson3_vector_backward``   backward(v) as a vector–Jacobian product; three ways to stop tracking
4. ``lesson4_leaves``            leaf tensors, gradient accumulation, grad.zero_()
5. ``lesson5_linear_model``      optim.SGD on a linear model (nn.Module with nn.Linear)

Each is a module with ``main(lang="en")`` that prints its narration (``lang="ko"`` for Korean) and what
PyTorch would print, and returns a dict of what it recorded (loss histories …). Run one alone with
``python -m numtorch.examples.lesson1_descent``.

``run_demo()`` runs them and hands each lesson's ``LessonRun`` to every writer in ``ARTIFACTS``; the
first writes the printed transcript to ``OUT/lessonN.txt``. Pictures plug in the same way::

    from numtorch.examples import LessonRun, register_artifact

    @register_artifact
    def loss_curve(run: LessonRun):
        if "losses" not in run.record:
            return []
        path = run.out_dir / f"lesson{run.number}_loss.svg"
        ...  # draw run.record["losses"] into path
        return [path]
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Callable, Iterable

from ._say import LANGS

LESSON_MODULES = (
    "lesson1_descent",
    "lesson2_hand_vs_autograd",
    "lesson3_vector_backward",
    "lesson4_leaves",
    "lesson5_linear_model",
)


def lesson_module(number: int) -> ModuleType:
    """The module of lesson ``number`` (1-based)."""
    return importlib.import_module(f"{__name__}.{LESSON_MODULES[number - 1]}")


@dataclass
class LessonRun:
    """One lesson's run, as the artifact writers see it."""

    number: int          # 1..5
    module: ModuleType   # the lesson's module (TITLE, main, …)
    lang: str            # "en" or "ko"
    out_dir: Path        # the demo's output folder (exists, writable)
    transcript: str      # everything the lesson printed
    record: dict = field(default_factory=dict)  # what the lesson's main() returned

    @property
    def title(self) -> str:
        return self.module.TITLE[self.lang]


ArtifactWriter = Callable[[LessonRun], Iterable[Path]]


def write_transcript(run: LessonRun) -> list[Path]:
    """OUT/lessonN.txt: exactly what the lesson printed."""
    path = run.out_dir / f"lesson{run.number}.txt"
    path.write_text(run.transcript, encoding="utf-8")
    return [path]


def _picture_writers() -> list[ArtifactWriter]:
    from ._pictures import write_descent_pictures, write_graph, write_loss_curve

    return [write_graph, write_loss_curve, write_descent_pictures]


# Called in order for each lesson that ran; each returns the paths it wrote.
ARTIFACTS: list[ArtifactWriter] = [write_transcript, *_picture_writers()]


def register_artifact(writer: ArtifactWriter) -> ArtifactWriter:
    """Add ``writer`` to ``ARTIFACTS`` (usable as a decorator); adding the same writer twice is a no-op."""
    if writer not in ARTIFACTS:
        ARTIFACTS.append(writer)
    return writer


class _Tee(io.TextIOBase):
    """Writes to the terminal and keeps a copy."""

    def __init__(self, stream):
        self._stream = stream
        self._copy = io.StringIO()

    def write(self, text: str) -> int:
        self._stream.write(text)
        self._copy.write(text)
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def getvalue(self) -> str:
        return self._copy.getvalue()


def run_lesson(number: int, lang: str = "en") -> tuple[str, dict]:
    """Run lesson ``number``, printing as it goes; return (transcript, record)."""
    from ..hints import leak_guard

    tee = _Tee(sys.stdout)
    with contextlib.redirect_stdout(tee), leak_guard():  # warn if a lesson keeps every iteration's graph
        record = lesson_module(number).main(lang=lang)
    return tee.getvalue(), dict(record or {})


def _cannot(message: str) -> int:
    print(f"numtorch demo: {message}", file=sys.stderr)
    return 2


def run_demo(lesson: int | None = None, out: str | os.PathLike = "numtorch-demo", lang: str = "en",
             artifacts: Iterable[ArtifactWriter] | None = None) -> int:
    """Run lesson ``lesson`` (or all five), write their artifacts under ``out``, list them; return the exit status."""
    numbers = list(range(1, len(LESSON_MODULES) + 1))
    if lesson is not None:
        if lesson not in numbers:
            return _cannot(f"there is no lesson {lesson}; choose 1 to {len(numbers)}.")
        numbers = [lesson]
    if lang not in LANGS:
        return _cannot(f"no narration in {lang!r}; choose one of {', '.join(LANGS)}.")
    writers = list(ARTIFACTS if artifacts is None else artifacts)

    out_dir = Path(out)
    if out_dir.exists() and not out_dir.is_dir():
        return _cannot(f"cannot write the lessons' files to '{out}': it is a file, not a folder.")
    try:  # find out now, before the lessons run, whether the folder can take the files
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".numtorch-demo-probe"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        return _cannot(f"cannot write the lessons' files to '{out}' ({e.strerror or e}).")

    written: list[Path] = []
    for i, number in enumerate(numbers):
        if i:
            print()
        transcript, record = run_lesson(number, lang)
        run = LessonRun(number, lesson_module(number), lang, out_dir, transcript, record)
        try:
            for writer in writers:
                written.extend(Path(p) for p in writer(run) or ())
        except OSError as e:
            return _cannot(f"cannot write the lessons' files to '{out}' ({e.strerror or e}).")

    print()
    if lang == "ko":
        print(f"{out_dir}에 파일 {len(written)}개를 썼다:")
    else:
        print(f"Wrote {len(written)} file{'s' if len(written) != 1 else ''} to {out_dir}:")
    for path in written:
        print(f"  {path}")
    return 0
