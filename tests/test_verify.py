"""``pledge verify``: a report names every input file that changed since it was written."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pledge.cli.commands.verify import check_file, read_manifest
from pledge.policy_model.errors import InputErrors
from tests.conftest import AS_OF, INVENTORY, ROOT, run_pledge
from tests.reports.support import WAIVERS, broken_inventory


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """HTML, OSCAL and JSON reports of one copy of the MAROSOAP inventory."""
    base = tmp_path_factory.mktemp("verify")
    inventory = base / "inv"
    shutil.copytree(INVENTORY, inventory)
    out = base / "out"
    run = run_pledge("report", inventory, "--as-of", AS_OF, "--output-dir", out,
                     "-f", "html", "-f", "oscal")
    assert run.code == 0, run.err
    check = run_pledge("check", inventory, "--as-of", AS_OF, "-f", "json",
                       "-o", out / "check.json")
    assert check.code == 0, check.err
    return {"inventory": inventory, "html": out / "report.html",
            "oscal": out / "assessment-results.json", "json": out / "check.json"}


@pytest.fixture
def inventory(reports: dict[str, Path]) -> Iterator[Path]:
    """The reported inventory directory, its files restored after the test."""
    root = reports["inventory"]
    saved = {p.name: p.read_bytes() for p in root.iterdir() if p.is_file()}
    yield root
    for name, data in saved.items():
        (root / name).write_bytes(data)


def states(report: Path, base: Path = ROOT) -> dict[str, str]:
    """Each recorded file's state, in process."""
    _kind, recorded = read_manifest(report, str(report))
    return {r.path: check_file(r, base) for r in recorded}


@pytest.mark.parametrize("kind", ["html", "oscal", "json"])
def test_unchanged_inputs_verify(reports: dict[str, Path], kind: str) -> None:
    run = run_pledge("verify", reports[kind])
    assert run.code == 0, run.out + run.err
    assert "VERIFIED" in run.out and "8 input files" in run.out
    assert sum(line.startswith("ok ") for line in run.out.splitlines()) == 8


def test_one_changed_byte_is_named(reports: dict[str, Path], inventory: Path) -> None:
    stores = inventory / "stores.yaml"
    data = bytearray(stores.read_bytes())
    data[-2] = ord("x") if data[-2] != ord("x") else ord("y")
    stores.write_bytes(bytes(data))
    run = run_pledge("verify", reports["html"])
    assert run.code == 1, run.out + run.err
    assert f"changed  inventory  {stores}" in run.out
    assert "NOT VERIFIED" in run.out and f"{stores} (changed)" in run.out
    assert "1 of 8 files" in run.out
    for kind in ("oscal", "json"):
        found = states(reports[kind])
        assert found[str(stores)] == "changed"
        assert sorted(found.values()).count("ok") == 7


def test_a_missing_file_is_named(reports: dict[str, Path], inventory: Path) -> None:
    (inventory / "flows.yaml").unlink()
    for kind in ("html", "oscal", "json"):
        assert states(reports[kind])[str(inventory / "flows.yaml")] == "missing"


def test_relative_paths_resolve_against_base_dir(tmp_path: Path) -> None:
    work = tmp_path / "work"
    shutil.copytree(INVENTORY, work / "inv")
    run = run_pledge("report", "inv", "--as-of", AS_OF, "--output-dir", "out", "-f", "html",
                     cwd=work)
    assert run.code == 0, run.err
    page = work / "out" / "report.html"
    assert states(page)["inv/stores.yaml"] == "missing"  # not under ROOT
    again = run_pledge("verify", page, "--base-dir", work, cwd=ROOT)
    assert again.code == 0, again.out + again.err


def test_the_waiver_file_is_evidence_too(tmp_path: Path) -> None:
    root = broken_inventory(tmp_path)
    waivers = root / "waivers.yaml"
    waivers.write_text(WAIVERS, encoding="utf-8")
    run = run_pledge("report", root, "--as-of", AS_OF, "--output-dir", tmp_path / "out",
                     "-f", "oscal", "-f", "html")
    assert run.code == 1, run.err  # PAY-002 still fails; PAY-001 is waived
    for name in ("assessment-results.json", "report.html"):
        _kind, recorded = read_manifest(tmp_path / "out" / name, name)
        assert [r.role for r in recorded].count("waivers") == 1
    waivers.write_text(WAIVERS.replace("2027-01-31", "2027-01-30"), encoding="utf-8")
    assert states(tmp_path / "out" / "assessment-results.json")[str(waivers)] == "changed"


def test_what_is_not_a_report_is_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "thing.txt"
    path.write_text("not a report", encoding="utf-8")
    run = run_pledge("verify", path)
    assert run.code == 2 and "PLG-E017" in run.err and "Traceback" not in run.err


@pytest.mark.parametrize(("content", "code"), [
    ('{"format": "something-else"}', "PLG-E017"), ("{broken json", "PLG-E002"),
    ('{"format": "pledge-report/1", "inputs": []}', "PLG-E017"),
    ('<script type="application/json" id="pledge-manifest">{oops</script>', "PLG-E002"),
    (None, "PLG-E001")])
def test_bad_reports_are_input_errors(tmp_path: Path, content: str | None, code: str) -> None:
    path = tmp_path / "report"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputErrors) as caught:
        read_manifest(path, "report")
    assert [e.code for e in caught.value.errors] == [code]
