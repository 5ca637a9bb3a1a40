"""Verdicts an auditor can trust: each defect class, in several variants, judged right.

Each file under ``verdicts/`` holds the cases of one class of wrong verdict:
a check, an inventory, the subjects that must fail (a false pass that now
fails) and the ones that must not (a false failure that now passes), and for
each failing subject words its explanation must contain, so a finding says why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from pledge.checks.findings import Status
from tests.helpers import run_check

CASES_DIR = Path(__file__).parent / "verdicts"


def _cases() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            found.append((f"{path.stem}:{case['name']}", case))
    return found


CASES = _cases()


@pytest.mark.parametrize(("name", "case"), CASES, ids=[n for n, _ in CASES])
def test_the_verdict_is_right_and_says_why(name: str, case: dict[str, Any],
                                           tmp_path: Path) -> None:
    result = run_check(tmp_path, case["check"], case["inventory"],
                       commitment_id=case.get("commitment", "EX-001"))
    assert not [f for f in result.findings if f.status is Status.ERROR], result.findings
    failing: dict[str, list[str]] = {}
    for finding in result.findings:
        if finding.status is Status.FAIL:
            failing.setdefault(finding.subject.id, []).append(finding.message)
            assert finding.location is not None and finding.location.line, finding
    assert set(failing) == set(case.get("expect_failing", [])), failing
    for subject, words in (case.get("explains") or {}).items():
        for word in [words] if isinstance(words, str) else words:
            assert any(word in message for message in failing[subject]), (word, failing)
    if not case.get("expect_failing"):
        assert result.outcomes[0].checked > 0  # judged and kept, not skipped


def test_every_class_has_false_passes_and_false_failures_in_several_variants() -> None:
    by_file: dict[str, list[dict[str, Any]]] = {}
    for name, case in CASES:
        by_file.setdefault(name.split(":")[0], []).append(case)
    assert len(by_file) >= 5
    for cases in by_file.values():
        assert len(cases) >= 3
        assert any(c.get("expect_failing") for c in cases)
