"""Rerun every ``$ pledge ...`` console block of a Markdown file and refresh its output.

Documentation shows real output; tests compare it. After a change to the
inventory or the CLI, refresh the pages: ``python scripts/refresh_doc_outputs.py README.md``.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pledge.cli import main  # noqa: E402

BLOCK = re.compile(r"```console\n(.*?)```", re.DOTALL)


def run(command: str) -> str:
    """Output (stdout then stderr) of one ``pledge ...`` command line, run in-process."""
    out, err = io.StringIO(), io.StringIO()
    with (contextlib.redirect_stdout(out), contextlib.redirect_stderr(err),
          contextlib.suppress(SystemExit)):
        main(shlex.split(command)[1:])
    return (out.getvalue() + err.getvalue()).rstrip("\n") + "\n"


def _refresh_block(match: re.Match[str]) -> str:
    lines = match.group(1).split("\n")
    commands = [line for line in lines if line.startswith("$ ")]
    if len(commands) != 1 or not lines[0].startswith("$ pledge "):
        return match.group(0)  # several commands, or not pledge's: shown as written
    command = lines[0][2:]
    return f"```console\n$ {command}\n{run(command)}```"


def refresh(text: str) -> str:
    """The Markdown with each single-command pledge console block's output made real."""
    return BLOCK.sub(_refresh_block, text)


if __name__ == "__main__":
    for name in sys.argv[1:]:
        path = Path(name)
        path.write_text(refresh(path.read_text(encoding="utf-8")), encoding="utf-8")
