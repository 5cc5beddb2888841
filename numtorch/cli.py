"""The ``numtorch`` command: ``numtorch run [--seed N] SCRIPT [ARGS...]`` and ``numtorch demo``."""

from __future__ import annotations

import argparse
import builtins
import importlib.machinery
import io
import os
import runpy
import sys
import types
import zipfile


_RUN_USAGE = "usage: numtorch run [--seed N] SCRIPT [ARGS...]"


def _run(argv: list[str]) -> int:
    """``numtorch run``: run SCRIPT as ``python SCRIPT ARGS...`` would, with ``import torch`` served by numtorch."""
    seed = None
    args = list(argv)
    # Options come before the script; everything after it belongs to the script (as with `python`).
    while args and args[0].startswith("-") and args[0] != "-":
        opt = args.pop(0)
        try:
            if opt == "--seed" and args:
                seed = int(args.pop(0))
            elif opt.startswith("--seed="):
                seed = int(opt.split("=", 1)[1])
            elif opt in ("-h", "--help"):
                print(_RUN_USAGE)
                return 0
            elif opt == "--":
                break
            else:
                print(f"numtorch run: unknown option {opt}", file=sys.stderr)
                print(_RUN_USAGE, file=sys.stderr)
                return 2
        except ValueError:
            print(f"numtorch run: --seed needs an integer: {opt}", file=sys.stderr)
            return 2
    if not args:
        print(_RUN_USAGE, file=sys.stderr)
        return 2
    script = args[0]
    if not os.path.exists(script):
        # The interpreter's own words: `python: can't open file '/abs/x.py': [Errno 2] No such file or directory`
        print(f"numtorch run: can't open file {os.path.abspath(script)!r}: [Errno 2] No such file or directory",
              file=sys.stderr)
        return 2
    from . import compat

    compat.install()
    if seed is not None:
        import numtorch

        numtorch.manual_seed(seed)
    saved_argv, saved_path0 = sys.argv, (sys.path[0] if sys.path else None)
    sys.argv = args
    # `python SCRIPT` puts the script's folder first on sys.path (in place of the runner's own entry),
    # unless -P / PYTHONSAFEPATH asked for no such entry.
    if not getattr(sys.flags, "safe_path", False):
        script_dir = _script_dir(script)
        if sys.path:
            sys.path[0] = script_dir
        else:
            sys.path.insert(0, script_dir)
    saved_main = sys.modules.get("__main__")
    try:
        _run_script(script)
    except SystemExit as e:
        return _exit_status(e.code)
    except KeyboardInterrupt as e:
        _print_user_traceback(e)
        return 130  # what a shell reports for a Python killed by SIGINT
    except BaseException as e:  # noqa: BLE001 - report like the interpreter does
        _print_user_traceback(e)
        return 1
    finally:
        if saved_main is not None:
            sys.modules["__main__"] = saved_main
        sys.argv = saved_argv
        if saved_path0 is not None and sys.path and not getattr(sys.flags, "safe_path", False):
            sys.path[0] = saved_path0
    return 0


def _run_script(script: str) -> None:
    """Execute SCRIPT as the ``__main__`` module, the way ``python SCRIPT`` does.

    ``__file__`` and the traceback's frames get the absolute path (as Python 3.9+ gives them), while
    sys.argv[0] keeps the path as typed. A folder or zip file with a ``__main__.py`` goes through runpy.
    """
    path = os.path.abspath(script)
    if not os.path.isfile(path) or zipfile.is_zipfile(path):
        argv0 = sys.argv[0]
        try:
            runpy.run_path(path, run_name="__main__")
        finally:
            sys.argv[0] = argv0
        return
    with io.open_code(path) as f:
        source = f.read()
    code = compile(source, path, "exec", dont_inherit=True)  # not this file's `from __future__` flags
    main = types.ModuleType("__main__")
    main.__file__ = path
    main.__cached__ = None
    main.__loader__ = importlib.machinery.SourceFileLoader("__main__", path)
    main.__builtins__ = builtins
    sys.modules["__main__"] = main
    exec(code, main.__dict__)


def _script_dir(script: str) -> str:
    """The folder Python puts first on sys.path for ``python SCRIPT``: the script's, after following links."""
    path = os.path.abspath(script)
    for _ in range(40):
        if not os.path.islink(path):
            break
        path = os.path.join(os.path.dirname(path), os.readlink(path))
    return os.path.dirname(os.path.abspath(path))


def _exit_status(code) -> int:
    """The status ``sys.exit(code)`` gives: None -> 0, an int as is, anything else printed to stderr -> 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _print_user_traceback(exc: BaseException) -> None:
    """Print the traceback as ``python script.py`` would: without numtorch's own runner frames."""
    tb = exc.__traceback__
    here = os.path.abspath(__file__)
    while tb is not None and (os.path.abspath(tb.tb_frame.f_code.co_filename) == here
                              or tb.tb_frame.f_code.co_filename.endswith("runpy.py")
                              or "<frozen runpy>" in tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    sys.stdout.flush()
    # Through sys.excepthook, as the interpreter does, so hooks a script installed (MPI's abort-all) run.
    sys.excepthook(type(exc), exc.with_traceback(tb), tb)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``numtorch`` console script."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "run":
        return _run(argv[1:])
    parser = argparse.ArgumentParser(prog="numtorch", description="PyTorch's core on NumPy.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run a PyTorch script on numtorch: numtorch run [--seed N] SCRIPT [ARGS...]")
    demo = sub.add_parser("demo", help="run the gradient-descent lessons and save what they print")
    demo.add_argument("--lesson", type=int, default=None, choices=range(1, 6), metavar="N",
                      help="run only lesson N (1-5)")
    demo.add_argument("--out", default="numtorch-demo", help="folder for the lessons' transcripts (and pictures)")
    demo.add_argument("--lang", default="en", choices=("en", "ko"), help="narration language")
    ns = parser.parse_args(argv)
    if ns.command == "demo":
        from .examples import run_demo

        return run_demo(lesson=ns.lesson, out=ns.out, lang=ns.lang)
    parser.print_help()
    return 0 if ns.command is None and not argv else 2


if __name__ == "__main__":
    sys.exit(main())
