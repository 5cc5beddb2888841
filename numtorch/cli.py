"""The ``numtorch`` command: ``numtorch run [--seed N] SCRIPT [ARGS...]`` and ``numtorch demo``."""

from __future__ import annotations

import argparse
import os
import runpy
import sys
import traceback


def _run(argv: list[str]) -> int:
    seed = None
    args = list(argv)
    # Options come before the script; everything after it belongs to the script (as with `python`).
    while args and args[0].startswith("-"):
        opt = args.pop(0)
        if opt == "--seed" and args:
            seed = int(args.pop(0))
        elif opt.startswith("--seed="):
            seed = int(opt.split("=", 1)[1])
        elif opt in ("-h", "--help"):
            print("usage: numtorch run [--seed N] SCRIPT [ARGS...]")
            return 0
        else:
            print(f"numtorch run: unknown option {opt}", file=sys.stderr)
            return 2
    if not args:
        print("usage: numtorch run [--seed N] SCRIPT [ARGS...]", file=sys.stderr)
        return 2
    script = args[0]
    if not os.path.exists(script):
        print(f"numtorch run: can't open file '{script}': [Errno 2] No such file or directory", file=sys.stderr)
        return 2
    from . import compat

    compat.install()
    if seed is not None:
        import numtorch

        numtorch.manual_seed(seed)
    sys.argv = args
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as e:
        code = e.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code
        print(code, file=sys.stderr)
        return 1
    except BaseException as e:  # noqa: BLE001 - report like the interpreter does
        _print_user_traceback(e)
        return 1
    return 0


def _print_user_traceback(exc: BaseException) -> None:
    """Print the traceback as ``python script.py`` would: without numtorch's own runner frames."""
    tb = exc.__traceback__
    here = os.path.abspath(__file__)
    while tb is not None and (os.path.abspath(tb.tb_frame.f_code.co_filename) == here
                              or tb.tb_frame.f_code.co_filename.endswith("runpy.py")
                              or "<frozen runpy>" in tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    traceback.print_exception(type(exc), exc, tb)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``numtorch`` console script."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "run":
        return _run(argv[1:])
    parser = argparse.ArgumentParser(prog="numtorch", description="PyTorch's core on NumPy.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run a PyTorch script on numtorch: numtorch run [--seed N] SCRIPT [ARGS...]")
    demo = sub.add_parser("demo", help="run the gradient-descent lessons")
    demo.add_argument("--lesson", type=int, default=None, help="run only lesson N (1-5)")
    demo.add_argument("--out", default="numtorch-demo", help="folder for the pictures")
    demo.add_argument("--lang", default="en", choices=("en", "ko"), help="narration language")
    ns = parser.parse_args(argv)
    if ns.command == "demo":
        from .examples import run_demo

        return run_demo(lesson=ns.lesson, out=ns.out, lang=ns.lang)
    parser.print_help()
    return 0 if ns.command is None and not argv else 2


if __name__ == "__main__":
    sys.exit(main())
