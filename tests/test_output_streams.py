"""``-o`` naming a stream (``/dev/stdout``, a named pipe, ``/dev/null``) writes to it.

Files are written atomically: a temporary file renamed into place. A device or a
pipe must not be replaced that way: run as root, ``-o /dev/null`` would leave a
regular file where the null device was, for every program on the machine.
"""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

from tests.conftest import AS_OF, INVENTORY, run_inprocess, run_pledge


def test_dev_stdout_receives_the_report() -> None:
    run = run_pledge("check", "--as-of", AS_OF, "-f", "json", "-o", "/dev/stdout")
    assert run.code == 0, run.err
    assert json.loads(run.out)["summary"]["result"] == "pass"


def test_a_named_pipe_is_written_to_and_stays_a_pipe(tmp_path: Path) -> None:
    fifo = tmp_path / "findings.sarif"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    run = run_pledge("check", "--as-of", AS_OF, "-f", "sarif", "-o", fifo)
    reader.join(timeout=60)
    assert run.code == 0, run.err
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert json.loads(received[0])["version"] == "2.1.0"
    assert [p.name for p in tmp_path.iterdir()] == ["findings.sarif"]  # no temporary left


def test_a_regular_file_is_still_replaced_whole(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    out.write_text("stale and longer than nothing " * 1000, encoding="utf-8")
    run = run_pledge("check", "--as-of", AS_OF, "-f", "json", "-o", out)
    assert run.code == 0, run.err
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["result"] == "pass"


def test_standard_output_and_a_file_receive_the_same_bytes(tmp_path: Path) -> None:
    # JSON and OSCAL are made as UTF-8 bytes (a large report is never one text first):
    # printed, in a subprocess or to a caller's own text stream, they are the file's bytes
    for fmt in ("json", "oscal"):
        out = tmp_path / f"report.{fmt}"
        written = run_pledge("check", INVENTORY, "--as-of", AS_OF, "-f", fmt, "-o", out)
        printed = run_pledge("check", INVENTORY, "--as-of", AS_OF, "-f", fmt)
        assert written.code == printed.code == 0, printed.err
        assert printed.out.encode("utf-8") == out.read_bytes()
        # the JSON report quotes the policy beyond Latin-1; OSCAL's text is ASCII
        assert ("’" in printed.out) == (fmt == "json")
        text_stream = run_inprocess("check", INVENTORY, "--as-of", AS_OF, "-f", fmt)
        assert text_stream.out.encode("utf-8") == out.read_bytes()
