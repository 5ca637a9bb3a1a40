"""A missing attestation is located at its commitment's line in the policy, as the user named it.

The finding's subject is the commitment, which the inventory does not mention:
it points at the commitment in the policy file, under the path given to
``--policy`` (relative to the working directory), with a line, in JSON, SARIF
and GitHub annotations. The bundled policy, read from outside the working
directory, is ``pledge:policy_model/policies/marosoap.yaml``: never the
machine's own path to the package.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import AS_OF, INVENTORY, POLICY, ROOT, run_pledge


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the inventory without SEC-007's attestation, beside a copy of the policy."""
    root = tmp_path_factory.mktemp("attest")
    shutil.copytree(INVENTORY, root / "inv")
    shutil.copytree(POLICY.parent, root / "rules" / "policies")
    shutil.copytree(POLICY.parent.parent / "source", root / "rules" / "source")
    organisation = root / "inv" / "organisation.yaml"
    text = organisation.read_text(encoding="utf-8")
    start = text.index("  - commitment: SEC-007")
    end = text.index("  - commitment:", start + 1)
    organisation.write_text(text[:start] + text[end:], encoding="utf-8")
    return root


def _line_of(policy: Path, commitment: str) -> int:
    lines = policy.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.strip() == f"- id: {commitment}")


def _outputs(work: Path, *policy: str) -> tuple[dict[str, object], dict[str, object], str]:
    out = work / "out"
    run = run_pledge("check", "inv", *policy, "--as-of", AS_OF, "-f", "json", "-o",
                     out / "r.json", "-f", "sarif", "-o", out / "r.sarif", "-f", "github",
                     "-o", out / "gh.txt", cwd=work)
    assert run.code == 1, run.out + run.err
    finding = next(f for f in json.loads((out / "r.json").read_text(encoding="utf-8"))[
        "findings"] if f["commitment"] == "SEC-007" and f["status"] == "fail")
    sarif = json.loads((out / "r.sarif").read_text(encoding="utf-8"))
    result = next(r for r in sarif["runs"][0]["results"] if r["ruleId"] == "SEC-007")
    annotation = next(line for line in (out / "gh.txt").read_text(encoding="utf-8").splitlines()
                      if "title=SEC-007" in line)
    return finding, {"result": result, "run": sarif["runs"][0]}, annotation


def test_a_user_policy_is_pointed_at_as_given_with_the_commitment_line(work: Path) -> None:
    line = _line_of(work / "rules" / "policies" / "marosoap.yaml", "SEC-007")
    finding, sarif, annotation = _outputs(work, "--policy", "rules/policies/marosoap.yaml")
    assert finding["subject"] == {"type": "commitment", "id": "SEC-007"}
    assert finding["location"] == {"file": "rules/policies/marosoap.yaml", "line": line}
    result = sarif["result"]
    assert isinstance(result, dict)
    assert result["locations"] == [{"physicalLocation": {
        "artifactLocation": {"uri": "rules/policies/marosoap.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": line}}}]
    assert annotation.startswith(f"::error file=rules/policies/marosoap.yaml,line={line},")


def test_the_bundled_policy_is_named_inside_the_package(work: Path) -> None:
    line = _line_of(POLICY, "SEC-007")
    finding, sarif, annotation = _outputs(work)
    shown = "pledge:policy_model/policies/marosoap.yaml"
    assert finding["location"] == {"file": shown, "line": line}
    result, run = sarif["result"], sarif["run"]
    assert isinstance(result, dict) and isinstance(run, dict)
    assert result["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "policy_model/policies/marosoap.yaml", "uriBaseId": "PLEDGE"},
        "region": {"startLine": line}}
    assert "PLEDGE" in run["originalUriBaseIds"]
    assert re.match(rf"::error file=pledge%3Apolicy_model/policies/marosoap.yaml,line={line},",
                    annotation)
    for name in ("r.json", "r.sarif", "gh.txt"):  # the machine's layout stays private
        assert str(ROOT) not in (work / "out" / name).read_text(encoding="utf-8")
