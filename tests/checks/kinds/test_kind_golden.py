"""Each kind's findings on its fixture, word for word, against a reviewed record.

The fixtures decide which subjects fail; this pins what pledge tells about each
(message, fix, evidence, line), so a rule or a wording that changes quietly is
noticed. ``fixtures_more/<kind>-<case>.yaml`` add cases a kind's main fixture
does not reach (default parameters, each aspect alone), in the same format.
After an intended change, rewrite the records and review the diff:

    PLEDGE_WRITE_GOLDEN=1 python -m pytest tests/checks/kinds/test_kind_golden.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import run_check

HERE = Path(__file__).parent
FIXTURES = sorted([*(HERE / "fixtures").glob("*.yaml"), *(HERE / "fixtures_more").glob("*.yaml")])
GOLDEN = HERE / "golden"


def _record(fixture: Path, tmp_path: Path) -> dict[str, Any]:
    spec = yaml.safe_load(fixture.read_text(encoding="utf-8"))
    result = run_check(tmp_path, spec["check"], spec["inventory"])
    findings = [{"status": f.status.value, "subject": f"{f.subject.type} {f.subject.id}",
                 "message": f.message, "remediation": f.remediation, "evidence": f.evidence,
                 "line": f.location.line if f.location else None}
                for f in result.findings]
    return {"checked": [o.checked for o in result.outcomes], "findings": findings}


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_findings_match_the_reviewed_record(fixture: Path, tmp_path: Path) -> None:
    spec = yaml.safe_load(fixture.read_text(encoding="utf-8"))
    record = json.loads(json.dumps(_record(fixture, tmp_path), sort_keys=True, default=str))
    failing = {f["subject"].split(" ", 1)[1] for f in record["findings"] if f["status"] == "fail"}
    assert failing == set(spec["expect_failing"])
    if "expect_checked" in spec:
        assert record["checked"] == [spec["expect_checked"]]
    golden = GOLDEN / f"{fixture.stem}.json"
    if os.environ.get("PLEDGE_WRITE_GOLDEN"):
        golden.write_text(json.dumps(record, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                          encoding="utf-8")
    assert record == json.loads(golden.read_text(encoding="utf-8")), (
        f"findings changed: review, then PLEDGE_WRITE_GOLDEN=1 ({golden.name})")
