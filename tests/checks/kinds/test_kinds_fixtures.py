"""Each kind over a fixture mixing compliant and broken subjects: exactly the broken ones fail.

The fixtures (tests/checks/kinds/fixtures/<kind>.yaml) hold the check, the
inventory, and by name the subjects expected to fail, as in Checkov's tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pledge.checks.findings import Status
from tests.helpers import failing, run_check

FIXTURES = sorted((Path(__file__).parent / "fixtures").glob("*.yaml"))


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_exactly_the_broken_subjects_fail(fixture: Path, tmp_path: Path) -> None:
    spec = yaml.safe_load(fixture.read_text(encoding="utf-8"))
    result = run_check(tmp_path, spec["check"], spec["inventory"])
    assert failing(result) == set(spec["expect_failing"])
    assert not [f for f in result.findings if f.status is Status.ERROR]
    if "expect_checked" in spec:
        assert result.outcomes[0].checked == spec["expect_checked"]


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_every_failure_is_located_and_explained(fixture: Path, tmp_path: Path) -> None:
    spec = yaml.safe_load(fixture.read_text(encoding="utf-8"))
    result = run_check(tmp_path, spec["check"], spec["inventory"])
    for finding in result.findings:
        if finding.status is not Status.FAIL:
            continue
        assert finding.message and finding.remediation
        assert finding.location is not None and finding.location.line, finding
        assert finding.fingerprint and finding.evidence.get("rule")


def test_there_is_a_fixture_for_every_kind() -> None:
    from pledge.checks.registry import all_kinds

    assert {p.stem.replace("_", "-") for p in FIXTURES} == {k.name for k in all_kinds()}
