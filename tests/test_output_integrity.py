"""Outputs that cannot be forged or broken, and located errors where pledge used to crash.

JUnit bodies keep input on one line (no forged ``::error`` or ``Location:``
lines in a CI log); GraphML stays well-formed with U+FFFF in a name; CSV
cells starting with a tab or carriage return are not formulas; a symlink in
the inventory at the ``--git-base`` commit, a non-UTF-8 file name and a
retention of thousands of digits are located input errors, not internal
errors; a multi-megabyte unknown key is echoed cut short.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import AS_OF, INVENTORY, run_inprocess

FORGED = "x\n::error file=evil.yaml,line=1::forged\nLocation: /etc/passwd:1\r\n::warning::y"


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "inv"
    shutil.copytree(INVENTORY, root)
    return root


def _extra(root: Path, name: str) -> Path:
    """A failing third-party system and flow named ``name`` (cards to an ad network)."""
    extra = {"systems": [{"id": "ads", "name": name, "type": "third_party",
                          "role": "advertising", "country": "US", "description": name}],
             "flows": [{"id": "cards_to_ads", "source": "web_shop", "target": "ads",
                        "categories": ["user.financial.credit_card.number"],
                        "purposes": ["essential.service"], "description": name,
                        "transport": {"protocol": "https", "tls": "1.3"}}]}
    (root / "zz-extra.json").write_text(json.dumps(extra), encoding="utf-8")
    org = root / "organisation.yaml"
    org.write_text(org.read_text(encoding="utf-8").replace(
        "attested_by: Platform lead", f"attested_by: {json.dumps(FORGED)}", 1),
        encoding="utf-8")
    return root


def test_junit_keeps_input_on_one_line(tmp_path: Path) -> None:
    root = _extra(_copy(tmp_path), FORGED)
    out = tmp_path / "r.xml"
    run = run_inprocess("check", root, "--as-of", AS_OF, "-v", "-f", "junit", "-o", out)
    assert run.code == 1, run.err
    tree = ET.fromstring(out.read_text(encoding="utf-8"))
    texts = [e.text or "" for e in tree.iter()] + [v for e in tree.iter()
                                                   for v in e.attrib.values()]
    assert any("forged" in t for t in texts)  # the payload is there ...
    for text in texts:  # ... but never starts a line of its own
        for line in text.replace("\r", "\n").split("\n"):
            assert not line.lstrip().startswith("::"), line
            assert not line.startswith("Location: /etc"), line


def test_graphml_stays_well_formed_with_noncharacters(tmp_path: Path) -> None:
    root = _extra(_copy(tmp_path), "ads \uffff\ufffe network")
    run = run_inprocess("graph", "export", root, "-f", "graphml")
    assert run.code == 0, run.err
    ET.fromstring(run.out.encode("utf-8"))
    assert "\uffff" not in run.out and "\ufffe" not in run.out


@pytest.mark.parametrize("lead", ["\t", "\r", "\t=", "\r@", "\uff1d"])
def test_csv_guard_covers_tab_and_carriage_return(lead: str, tmp_path: Path) -> None:
    root = _extra(_copy(tmp_path), lead + "HYPERLINK(\"http://evil\")")
    run = run_inprocess("graph", "export", root, "-f", "csv")
    assert run.code == 0, run.err
    rows = list(csv.DictReader(io.StringIO(run.out)))
    cell = next(r["target_name"] for r in rows if r["target"] == "ads")
    assert cell.startswith(("'", "\\x0d")), repr(cell)  # quoted, or CR shown as an escape
    report = tmp_path / "report"
    assert run_inprocess("report", root, "--as-of", AS_OF, "--output-dir", report,
                         "-f", "ropa-csv").code in (0, 1)
    for row in csv.reader(io.StringIO((report / "ropa.csv").read_text(encoding="utf-8"))):
        for value in row:
            assert not value.startswith(("\t", "\r", "=", "+", "-", "@")), repr(value)


@pytest.mark.parametrize("target", ["/etc/passwd", "../../outside.yaml"])
def test_symlink_at_the_git_base_commit_is_a_located_error(target: str, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    root = _copy(repo)
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e"}
    subprocess.run(["git", "init", "-q", str(repo)], check=True, env=env)
    (root / "evil.yaml").symlink_to(target)
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True, env=env)
    subprocess.run(["git", "-C", str(repo), "commit", "-qm", "x"], check=True, env=env)
    (root / "evil.yaml").unlink()
    run = run_inprocess("diff", "--git-base", "HEAD", root, "--as-of", AS_OF)
    assert run.code == 2, run.out
    assert "internal error" not in run.err and "PLG-E014" in run.err, run.err
    assert "HEAD:" in run.err and "evil.yaml" in run.err


@pytest.mark.parametrize("command", [["report", "--output-dir", "out"],
                                     ["check", "-f", "oscal"], ["check", "-f", "json"]])
def test_non_utf8_file_name_is_a_located_error(command: list[str], tmp_path: Path) -> None:
    root = _copy(tmp_path)
    bad = os.fsencode(root) + b"/fl\xffows.yaml"
    os.rename(root / "flows.yaml", bad)  # noqa: PTH104 (a bytes path: not a Path)
    args = [a if a != "out" else str(tmp_path / "out") for a in command]
    run = run_inprocess(args[0], root, "--as-of", AS_OF, *args[1:])
    assert run.code == 2, run.out[:300]
    assert "internal error" not in run.err and "PLG-E012" in run.err, run.err
    assert "fl\\xffows.yaml" in run.err
    assert not (tmp_path / "out").exists()


def _retention(tmp_path: Path, value: str) -> Path:
    root = _copy(tmp_path)
    stores = root / "stores.yaml"
    text = stores.read_text(encoding="utf-8")
    first = text.index("retention: ")
    end = text.index("\n", first)
    stores.write_text(text[:first] + f"retention: {value}" + text[end:], encoding="utf-8")
    return root


def test_retention_with_thousands_of_digits_is_an_input_error(tmp_path: Path) -> None:
    run = run_inprocess("check", _retention(tmp_path, "P" + "9" * 5000 + "D"), "--as-of", AS_OF)
    assert run.code == 2 and "PLG-E006" in run.err and "stores.yaml:" in run.err, run.err


def test_retention_past_the_calendar_fails_instead_of_crashing(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    run = run_inprocess("check", _retention(tmp_path, "P999999999Y"), "--as-of", AS_OF,
                        "-f", "json", "-o", out)
    assert run.code == 1, run.err
    findings = json.loads(out.read_text(encoding="utf-8"))["findings"]
    assert not [f for f in findings if f["status"] == "error"]
    assert any(f["status"] == "fail" and f["kind"] == "retention-limit" for f in findings)


def test_a_megabyte_unknown_key_is_echoed_cut_short(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    key = "k" * 2_000_000
    bad.write_text(json.dumps({"systems": [{"id": "x", "name": "X", "type": "internal",
                                            "role": "storefront", "country": "MA",
                                            key: 1}]}), encoding="utf-8")
    run = run_inprocess("validate", bad)
    assert run.code == 2 and "PLG-E004" in run.err
    assert len(run.err) < 2000 and "kkkk…" in run.err
