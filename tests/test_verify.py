"""``pledge verify``: a report names every input file changed, missing or added since it was
written, and every edit of its own body or of its pack (ROPA and coverage included).

Real ``pledge report`` and ``pledge verify`` processes over a copy of the bundled
inventory, run from the copy's directory, as an auditor would (the many variations
of one verification run ``verify`` in this process, from that directory, for speed).
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pledge.cli.commands.verify import read_manifest
from pledge.policy_model.errors import InputErrors
from tests.conftest import AS_OF, INVENTORY, run_inprocess, run_pledge
from tests.reports.support import WAIVERS, broken_inventory

PACK = ("report.html", "assessment-results.json", "poam.json", "ropa.csv", "ropa.md",
        "coverage.md", "report.json")


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pack (every format, one failing finding) and a check's JSON report of one copy."""
    base = tmp_path_factory.mktemp("verify")
    shutil.copytree(INVENTORY, base / "inv")
    organisation = base / "inv" / "organisation.yaml"  # SEC-007's attestation removed: a fail
    text = organisation.read_text(encoding="utf-8")
    start = text.index("  - commitment: SEC-007")
    organisation.write_text(text[:start] + text[text.index("  - commitment:", start + 1):],
                            encoding="utf-8")
    run = run_pledge("report", "inv", "--as-of", AS_OF, "--output-dir", "out", cwd=base)
    assert run.code == 1, run.out + run.err
    check = run_pledge("check", "inv", "--as-of", AS_OF, "-f", "json", "-o", "out/check.json",
                       cwd=base)
    assert check.code == 1, check.err
    return base


@pytest.fixture
def pristine(work: Path) -> Iterator[Path]:
    """The work directory, every file of the inventory and the pack restored after the test."""
    saved = {p: p.read_bytes() for p in work.rglob("*") if p.is_file()}
    yield work
    for path in [p for p in work.rglob("*") if p.is_file() and p not in saved]:
        path.unlink()
    for path, data in saved.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def verify(work: Path, report: str, *args: str, process: bool = False
           ) -> tuple[int, str, list[str]]:
    """Exit code, the verdict line and the per-file lines of ``pledge verify`` run in ``work``
    (in a real process, or in this one)."""
    if process:
        run = run_pledge("verify", report, *args, cwd=work)
    else:
        with contextlib.chdir(work):
            run = run_inprocess("verify", report, *args)
    lines = run.out.splitlines()
    assert "Traceback" not in run.err
    return run.code, lines[-1] if lines else run.err, lines[:-1]


@pytest.mark.parametrize("report", ["out/manifest.json", "out/report.json", "out/check.json",
                                    "out/report.html", "out/assessment-results.json"])
def test_an_untouched_pack_verifies(work: Path, report: str) -> None:
    code, verdict, lines = verify(work, report, process=report == "out/manifest.json")
    assert code == 0, verdict
    assert verdict.startswith(f"VERIFIED: {report}") and "8 input files" in verdict
    assert all(line.startswith("ok ") for line in lines)
    listed = [line.split()[-1] for line in lines if line.split()[1] == "listed"]
    if not report.endswith("assessment-results.json"):  # OSCAL carries the files read only
        assert "inv/infra/plan.json" in listed and "inv/organisation.yaml" in listed
    if report == "out/manifest.json":
        assert sorted(line.split()[-1] for line in lines if line.split()[1] == "pack") == \
            sorted(PACK)


def test_the_manifest_lists_every_file_of_the_inventory_directory(work: Path) -> None:
    manifest = json.loads((work / "out" / "manifest.json").read_text(encoding="utf-8"))
    [directory] = manifest["directories"]
    on_disk = sorted(f"inv/{p.relative_to(work / 'inv').as_posix()}"
                     for p in (work / "inv").rglob("*") if p.is_file())
    assert directory["path"] == "inv" and [f["path"] for f in directory["files"]] == on_disk
    assert all(len(f["sha256"]) == 64 for f in directory["files"])
    assert manifest["body_sha256"] and all(len(o["sha256"]) == 64 for o in manifest["outputs"])


@pytest.mark.parametrize("report", ["out/manifest.json", "out/report.json", "out/check.json",
                                    "out/report.html"])
@pytest.mark.parametrize("change", ["added", "missing", "changed"])
def test_a_file_added_removed_or_edited_in_the_inventory_is_named(
        pristine: Path, report: str, change: str) -> None:
    if change == "added":  # not read by pledge, but beside what is: it may be read next time
        target = pristine / "inv" / "infra" / "waivers.yaml"
        target.write_text(WAIVERS, encoding="utf-8")
    elif change == "missing":
        target = pristine / "inv" / "infra" / "main.tf"
        target.unlink()
    else:
        target = pristine / "inv" / "stores.yaml"
        target.write_bytes(target.read_bytes().replace(b"retention", b"retentioN", 1))
    code, verdict, lines = verify(pristine, report, process=report == "out/manifest.json")
    shown = target.relative_to(pristine).as_posix()
    assert code == 1, verdict
    assert f"{change:<8} listed     {shown}" in lines
    assert verdict.startswith(f"NOT VERIFIED: {report}") and f"{shown} ({change})" in verdict


@pytest.mark.parametrize("report", ["out/report.json", "out/check.json", "out/manifest.json"])
def test_an_edited_report_body_is_caught(pristine: Path, report: str) -> None:
    path = pristine / report
    text = path.read_text(encoding="utf-8")
    assert '"fail"' in text
    path.write_text(text.replace('"fail"', '"pass"'), encoding="utf-8")  # every fail a pass
    code, verdict, lines = verify(pristine, report, process=report == "out/report.json")
    assert code == 1, verdict
    assert f"edited   report     {report}" in lines
    assert f"{report} (edited)" in verdict


@pytest.mark.parametrize("name", ["ropa.csv", "ropa.md", "coverage.md", "report.html",
                                  "assessment-results.json", "poam.json", "report.json"])
def test_an_edited_file_of_the_pack_is_caught(pristine: Path, name: str) -> None:
    path = pristine / "out" / name
    path.write_bytes(path.read_bytes() + b" ")
    code, verdict, lines = verify(pristine, "out/manifest.json")
    assert code == 1, verdict
    assert f"changed  pack       {name}" in lines and f"{name} (changed)" in verdict


def test_the_files_the_run_wrote_inside_the_inventory_are_left_out(tmp_path: Path) -> None:
    shutil.copytree(INVENTORY, tmp_path / "inv")
    run = run_pledge("report", "inv", "--as-of", AS_OF, "--output-dir", "inv/pack", cwd=tmp_path)
    assert run.code == 0, run.err
    code, verdict, _ = verify(tmp_path, "inv/pack/manifest.json", process=True)
    assert code == 0, verdict


def test_relative_paths_resolve_against_base_dir(work: Path) -> None:
    elsewhere = work.parent
    run = run_pledge("verify", work / "out" / "manifest.json", "--base-dir", work,
                     cwd=elsewhere)
    assert run.code == 0, run.out + run.err


def _forge(work: Path, change: str) -> Path:
    data = json.loads((work / "out" / "manifest.json").read_text(encoding="utf-8"))
    if change == "symlink":
        (work / "escape").symlink_to("/etc")
        data["inputs"][0]["path"] = "escape/hostname"
    else:
        data["inputs"][0]["path"] = change
    forged = work / "out" / "forged.json"
    forged.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return forged


@pytest.mark.parametrize(("change", "why"), [
    ("/etc/hostname", "is absolute"), ("../../etc/hostname", "climbs out with '..'"),
    ("inv/../../outside.yaml", "climbs out with '..'"),
    ("pledge:../../etc/hostname", "climbs out of the pledge package"),
    ("symlink", "leads outside the base directory through a symlink")])
def test_a_path_outside_the_base_directory_is_refused(pristine: Path, change: str,
                                                      why: str) -> None:
    _forge(pristine, change)
    if change.startswith("/"):
        run = run_pledge("verify", "out/forged.json", cwd=pristine)
    else:
        with contextlib.chdir(pristine):
            run = run_inprocess("verify", "out/forged.json")
    assert run.code == 2 and run.out == "", run.out + run.err
    [line] = run.err.splitlines()
    assert line.startswith("pledge: out/forged.json:") and " PLG-E014 " in line and why in line
    if change == "symlink":
        (pristine / "escape").unlink()


def test_the_waiver_file_is_evidence_too(tmp_path: Path) -> None:
    root = broken_inventory(tmp_path)
    (root / "waivers.yaml").write_text(WAIVERS, encoding="utf-8")
    run = run_pledge("report", "broken", "--as-of", AS_OF, "--output-dir", "out",
                     "-f", "oscal", "-f", "html", cwd=tmp_path)
    assert run.code == 1, run.err  # PAY-002 still fails; PAY-001 is waived
    for name in ("assessment-results.json", "report.html", "manifest.json"):
        found = read_manifest(tmp_path / "out" / name, name)
        assert [r.role for r in found.inputs].count("waivers") == 1
    waivers = root / "waivers.yaml"
    waivers.write_text(WAIVERS.replace("2027-01-31", "2027-01-30"), encoding="utf-8")
    code, verdict, lines = verify(tmp_path, "out/assessment-results.json")
    assert code == 1 and "changed  waivers    broken/waivers.yaml" in lines, verdict


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
