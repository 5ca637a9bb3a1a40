"""``pledge verify`` reads a report anyone may have forged: it prints it inert and reads little.

What a report names is printed escaped (no terminal codes, no forged workflow
commands, no unmasked secrets) and a recorded file over ``--max-file-size`` is
not read. (Paths outside the base directory: ``tests/test_verify.py``.)
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pledge.policy_model.evidence import body_sha256
from tests.conftest import run_inprocess


def _report(tmp_path: Path, inputs: list[dict[str, str]], fmt: str = "pledge-report/1") -> Path:
    """A hand-made JSON report with a true body hash; recorded paths relative to ``tmp_path``."""
    data: dict[str, object] = {"format": fmt, "inputs": inputs}
    data["body_sha256"] = body_sha256(data, "body_sha256")
    path = tmp_path / "report.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_forged_fields_are_printed_inert(tmp_path: Path) -> None:
    target = tmp_path / "a.yaml"
    target.write_text("x: 1\n", encoding="utf-8")
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    forged = "\x1b[31m\u202e\n::error file=x::forged password=hunter2"
    report = _report(tmp_path, [{"path": "a.yaml", "role": forged, "sha256": digest},
                                {"path": "gone.yaml" + forged,
                                 "role": "inventory", "sha256": "0" * 64}],
                     fmt="pledge-report/1 " + forged)
    run = run_inprocess("verify", report, "--base-dir", tmp_path)
    assert run.code == 1, run.out + run.err
    text = run.out + run.err
    assert "\x1b" not in text and "\u202e" not in text and "hunter2" not in text
    assert not any(line.startswith("::") for line in text.splitlines())


def test_a_recorded_file_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * 200_000)
    digest = hashlib.sha256(big.read_bytes()).hexdigest()
    report = _report(tmp_path, [{"path": "big.yaml", "role": "inventory", "sha256": digest}])
    assert run_inprocess("verify", report, "--base-dir", tmp_path).code == 0
    run = run_inprocess("verify", report, "--base-dir", tmp_path, "--max-file-size", "100000")
    assert run.code == 1 and "too large" in run.out, run.out
