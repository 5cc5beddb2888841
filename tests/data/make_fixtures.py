"""Regenerate ``fixtures.json`` from real PyTorch 2.13.

Run with the oracle interpreter (the one whose ``import torch`` is PyTorch):

    ~/.oracle/bin/python tests/data/make_fixtures.py            # writes tests/data/fixtures.json
    ~/.oracle/bin/python tests/data/make_fixtures.py --stdout   # prints the JSON instead
    ~/.oracle/bin/python tests/data/make_fixtures.py --stdout --seeds 7,99
        # only the seeded sections, for other seeds (the live oracle test uses this)

The scenarios themselves live in ``scenarios.py`` and run unchanged under numtorch in the tests.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import scenarios  # noqa: E402


def _format(data: dict) -> str:
    """JSON with one line per scenario entry: small, and diffs show which entry changed."""
    sections = []
    for name in sorted(data):
        value = data[name]
        if isinstance(value, dict):
            body = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v, sort_keys=True)}" for k, v in sorted(value.items()))
            sections.append(f" {json.dumps(name)}: {{\n{body}\n }}")
        else:
            sections.append(f" {json.dumps(name)}: {json.dumps(value)}")
    return "{\n" + ",\n".join(sections) + "\n}\n"


def main(argv: list[str]) -> int:
    import torch

    if not torch.__version__.startswith("2.13"):
        print(f"warning: expected PyTorch 2.13, found {torch.__version__}", file=sys.stderr)
    if "--seeds" in argv:
        seeds = [int(s) for s in argv[argv.index("--seeds") + 1].split(",")]
        data = scenarios.run_seeded(torch, seeds)
    else:
        data = {"torch_version": torch.__version__, **scenarios.run_all(torch)}
    text = _format(data)
    if "--stdout" in argv:
        sys.stdout.write(text)
    else:
        (HERE / "fixtures.json").write_text(text)
        print(f"wrote {HERE / 'fixtures.json'} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
