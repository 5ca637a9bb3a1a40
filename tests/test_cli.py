"""The other subcommands, as a user runs them: validate, explain, vocabulary, output files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pledge.cli.common import ByteSize
from tests.conftest import AS_OF, EXAMPLES, INVENTORY, POLICY, run_inprocess, run_pledge


def test_validate_without_arguments_checks_the_bundled_files() -> None:
    run = run_pledge("validate")
    assert run.code == 0 and "valid" in run.out


def test_validate_names_each_path_and_its_kind() -> None:
    run = run_inprocess("validate", POLICY, INVENTORY, INVENTORY / "systems.yaml")
    assert run.code == 0, run.err
    assert "(policy)" in run.out and run.out.count("(inventory)") == 2


def test_validate_reports_every_bad_path(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("systems:\n  - id: x\n", encoding="utf-8")
    run = run_inprocess("validate", bad, tmp_path / "missing.yaml")
    assert run.code == 2
    assert "bad.yaml:2:" in run.err and "missing.yaml" in run.err


def test_explain_a_commitment_shows_clause_parameters_and_kind_doc() -> None:
    run = run_pledge("explain", "PAY-001")
    assert run.code == 0
    for needle in ("PAY-001", "We do not store your full payment details", "forbidden-storage",
                   "user.financial.credit_card.number", "## Failing example", "PCI DSS"):
        assert needle in run.out


def test_explain_a_kind_by_code_and_as_json() -> None:
    run = run_inprocess("explain", "PLG301", "--format", "json")
    assert run.code == 0
    data = json.loads(run.out)
    assert data["kind"]["name"] == "consent-gate"
    assert "Passing example" in data["kind"]["documentation"]
    assert "purposes" in data["kind"]["parameters_schema"]["properties"]


def test_explain_unknown_id_suggests() -> None:
    run = run_inprocess("explain", "PAY-01")
    assert run.code == 2 and "did you mean PAY-001?" in run.err


def test_vocabulary_lists_ids_under_a_parent() -> None:
    run = run_inprocess("vocabulary", "data_categories", "--under", "user.financial.credit_card")
    assert run.code == 0
    ids = [line.split()[0] for line in run.out.splitlines()]
    assert "user.financial.credit_card.number" in ids and "user.contact.email" not in ids


def test_output_file_is_written_only_when_complete(tmp_path: Path) -> None:
    out = tmp_path / "nested" / "report.json"
    example = EXAMPLES / "PAY-001-card-number-stored"
    run = run_inprocess("check", example, "--as-of", AS_OF, "-f", "json", "-o", out)
    assert run.code == 1 and run.out == ""
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["result"] == "fail"
    assert [p.name for p in out.parent.iterdir()] == ["report.json"]


def test_several_formats_at_once(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    run = run_inprocess("check", "--as-of", AS_OF, "-f", "text", "-f", "json", "-o", out)
    assert run.code == 0 and "PASS:" in run.out
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["result"] == "pass"


def test_single_file_inventory(tmp_path: Path) -> None:
    combined = tmp_path / "all.yaml"
    combined.write_text("".join((INVENTORY / n).read_text(encoding="utf-8") for n in
                                ("organisation.yaml", "subjects.yaml", "systems.yaml",
                                 "stores.yaml", "flows.yaml", "processing.yaml")),
                        encoding="utf-8")
    run = run_inprocess("check", combined, "--as-of", AS_OF)
    assert run.code == 0, run.err


def test_inventory_in_nested_directories(tmp_path: Path) -> None:
    root = tmp_path / "inv"
    shutil.copytree(INVENTORY, root / "a")
    (root / "a" / "flows.yaml").rename(root / "flows.yaml")
    run = run_inprocess("check", root, "--as-of", AS_OF)
    assert run.code == 0, run.err


def test_two_organisation_sections_are_an_error(tmp_path: Path) -> None:
    root = tmp_path / "inv"
    shutil.copytree(INVENTORY, root)
    shutil.copy(root / "organisation.yaml", root / "organisation2.yaml")
    run = run_inprocess("check", root, "--as-of", AS_OF)
    assert run.code == 2 and "PLG-E009" in run.err and "organisation2.yaml" in run.err


def test_written_reports_are_readable_by_others(tmp_path: Path) -> None:
    import os
    import stat

    out = tmp_path / "report.json"
    run = run_inprocess("check", "--as-of", AS_OF, "-f", "json", "-o", out)
    assert run.code == 0
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask


def test_text_marks_findings_that_do_not_fail_the_run() -> None:
    example = EXAMPLES / "SEC-002-invoices-public"
    run = run_inprocess("check", example, "--as-of", AS_OF, "--fail-on", "critical")
    assert run.code == 0
    assert "store invoices" in run.out and "below --fail-on critical" in run.out


@pytest.mark.parametrize(("given", "limit"), [("1000", 1000), ("1kb", 1000), ("2KiB", 2048),
                                              ("1.5MB", 1_500_000), (" 200 MB ", 200_000_000),
                                              ("1GiB", 2**30)])
def test_size_limits_take_units(given: str, limit: int) -> None:
    assert ByteSize().convert(given, None, None) == limit


@pytest.mark.parametrize("given", ["lots", "-5", "0", "0.0001KB", "5 parsecs", "1e6"])
def test_a_size_that_is_not_one_is_a_usage_error(given: str) -> None:
    run = run_pledge("validate", "--max-file-size", given)
    assert run.code == 2
    assert "--max-file-size" in run.err and "Traceback" not in run.err


def test_size_limit_with_a_unit_applies_to_every_input() -> None:
    assert run_pledge("validate", "--max-file-size", "1MB").code == 0
    run = run_pledge("validate", "--max-file-size", "1KiB")
    assert run.code == 2 and "PLG-E011" in run.err and "over the limit of 1,024" in run.err
