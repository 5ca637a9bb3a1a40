"""The ``pledge`` program ends without freeing its objects one by one, and loses nothing.

Run as the program (``python -m pledge``), a command's objects are left to the
process's exit (:mod:`pledge.cli.process_end`): the standard streams are
flushed first, and a failure to write them still ends in exit 2 with a line
that says so, never a silent 0. Called as a function, nothing is kept.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pledge.cli import process_end
from tests.conftest import AS_OF, INVENTORY, ROOT, run_inprocess, run_pledge


def _to(stdout: int, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "pledge", *args], cwd=ROOT, stdout=stdout,
                          stderr=subprocess.PIPE, env=env, timeout=120, check=False)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_output_that_cannot_be_written_ends_in_exit_2_and_says_so(fmt: str) -> None:
    # each format printed and flushed by the command: the failed write is its error
    with Path("/dev/full").open("wb") as full:
        run = _to(full.fileno(), "check", "--as-of", AS_OF, "-f", fmt)
    err = run.stderr.decode("utf-8")
    assert run.returncode == 2 and "PLG-E020" in err and "Traceback" not in err
    assert err.count("\n") == 1


def test_a_reader_that_goes_away_ends_the_run_quietly() -> None:
    reader, writer = os.pipe()
    os.close(reader)  # nobody reads: the write breaks the pipe
    try:
        run = _to(writer, "check", "--as-of", AS_OF, "-f", "text")
    finally:
        os.close(writer)
    assert run.returncode != 0 and run.stderr == b""  # never a success, never a traceback


def test_everything_printed_arrives_and_the_exit_code_stands(tmp_path: Path) -> None:
    printed = run_pledge("check", INVENTORY, "--as-of", AS_OF, "-f", "text")
    in_process = run_inprocess("check", INVENTORY, "--as-of", AS_OF, "-f", "text")
    assert printed.code == in_process.code == 0
    assert printed.out == in_process.out and printed.out.count("\n") > 20
    breaking = tmp_path / "inv"
    breaking.mkdir()
    (breaking / "stores.yaml").write_text("stores: [", encoding="utf-8")
    failing = run_pledge("check", breaking, "--as-of", AS_OF)
    assert failing.code == 2 and failing.err.count("\n") == 1


def test_called_as_a_function_nothing_is_kept(tmp_path: Path) -> None:
    run = run_inprocess("check", INVENTORY, "--as-of", AS_OF, "-f", "json",
                        "-o", tmp_path / "r.json")
    assert run.code == 0 and process_end._KEPT == []
    run = run_inprocess("diff", INVENTORY, INVENTORY, "--as-of", AS_OF, "-f", "json",
                        "-o", tmp_path / "d.json")
    assert run.code == 0 and process_end._KEPT == []


class _Ended(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


class _Stream:
    def __init__(self, failure: OSError | None) -> None:
        self.failure = failure
        self.written: list[str] = []

    def write(self, text: str) -> int:
        self.written.append(text)
        return len(text)

    def flush(self) -> None:
        if self.failure is not None:
            raise self.failure


@pytest.mark.parametrize(("failure", "code", "said"), [
    (None, 1, False), (BrokenPipeError(), 2, False), (OSError(28, "No space left"), 2, True)],
    ids=["flushed", "reader gone", "disk full"])
def test_the_end_flushes_and_never_hides_a_failed_write(
        monkeypatch: pytest.MonkeyPatch, failure: OSError | None, code: int, said: bool) -> None:
    def ended(status: int) -> None:
        raise _Ended(status)

    out, err = _Stream(failure), _Stream(None)
    monkeypatch.setattr(process_end.os, "_exit", ended)
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    with pytest.raises(_Ended) as raised:
        process_end.end(1, 2)
    assert raised.value.code == code
    assert bool(err.written) == said and all("PLG-E020" in line for line in err.written)
