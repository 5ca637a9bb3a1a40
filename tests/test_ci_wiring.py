"""CI wiring: outputs land where asked, and waivers from inside the inventory are loud.

``-o`` binds to the ``-f`` before it (or ``-f FORMAT:PATH``); ambiguous command
lines are refused. A ``waivers.yaml`` found inside the inventory directory (a
pull request can add one) is reported in every format with its count, targets
and approvers, and ``--no-implicit-waivers`` ignores it.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import AS_OF, INVENTORY, run_inprocess


def _broken(tmp_path: Path) -> Path:
    root = tmp_path / "inv"
    shutil.copytree(INVENTORY, root)
    org = root / "organisation.yaml"
    org.write_text(org.read_text(encoding="utf-8").replace(
        "authority_notification_hours: 72", "authority_notification_hours: 96"),
        encoding="utf-8")
    return root


@pytest.mark.parametrize("command", ["check", "diff"])
def test_each_output_binds_to_the_format_before_it(command: str, tmp_path: Path) -> None:
    """The issue's example: SARIF went to stdout and annotations into a.sarif."""
    root = _broken(tmp_path)
    target = ["check", root] if command == "check" else ["diff", INVENTORY, root]
    sarif = tmp_path / "a.sarif"
    run = run_inprocess(*target, "--as-of", AS_OF, "-f", "sarif", "-o", sarif, "-f", "github")
    assert run.code == 1, run.err
    assert json.loads(sarif.read_text(encoding="utf-8"))["version"] == "2.1.0"
    assert run.out.startswith("::error"), run.out[:200]


@pytest.mark.parametrize("command", ["check", "diff"])
def test_format_colon_path_names_both(command: str, tmp_path: Path) -> None:
    root = _broken(tmp_path)
    target = ["check", root] if command == "check" else ["diff", INVENTORY, root]
    junit, sarif = tmp_path / "out" / "r.xml", tmp_path / "r.sarif"
    run = run_inprocess(*target, "--as-of", AS_OF, f"-fjunit:{junit}", "--format",
                        f"sarif:{sarif}", "-f", "github")
    assert run.code == 1, run.err
    ET.fromstring(junit.read_text(encoding="utf-8"))
    assert json.loads(sarif.read_text(encoding="utf-8"))["runs"]
    assert "::error" in run.out


@pytest.mark.parametrize(("args", "words"), [
    (["-o", "x.sarif", "-f", "sarif"], "before any -f"),
    (["-f", "sarif", "-o", "a", "-o", "b"], "already has an output"),
    (["-f", "sarif", "-f", "github"], "both go to standard output"),
    (["-f", "sarif:a.sarif", "-o", "b.sarif"], "already has an output"),
    (["-f", "sarif", "-o", "same", "-f", "junit", "-o", "same"], "two formats"),
    (["-f", "sarif:"], "names no file"),
])
@pytest.mark.parametrize("command", ["check", "diff"])
def test_ambiguous_command_lines_are_refused(command: str, args: list[str], words: str,
                                             tmp_path: Path) -> None:
    target = ["check"] if command == "check" else ["diff", INVENTORY, INVENTORY]
    run = run_inprocess(*target, "--as-of", AS_OF, *[str(tmp_path / a) if a in
                                                      ("x.sarif", "a", "b", "same", "b.sarif")
                                                      else a for a in args])
    assert run.code == 2 and run.out == "", run.out
    assert words in run.err, run.err
    assert not any(tmp_path.iterdir())


def test_one_output_without_format_keeps_the_text_default(tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    run = run_inprocess("check", "--as-of", AS_OF, "-o", out)
    assert run.code == 0 and run.out == ""
    assert "PASS" in out.read_text(encoding="utf-8")


WAIVER = """waivers:
  - commitment: BRE-001
    subject: {type: organisation, id: breach_response.authority_notification_hours}
    justification: Sneaked in by a pull request
    approver: mallory@example.com
    expires: 2099-01-01
"""


@pytest.fixture
def sneaky(tmp_path: Path) -> Path:
    root = _broken(tmp_path)
    (root / "waivers.yaml").write_text(WAIVER, encoding="utf-8")
    return root


def test_implicit_waivers_are_reported_in_every_check_format(sneaky: Path,
                                                            tmp_path: Path) -> None:
    formats = ["text", "json", "sarif", "junit", "markdown", "github", "oscal"]
    args: list[str] = []
    for fmt in formats:
        args += ["-f", f"{fmt}:{tmp_path / ('out.' + fmt)}"]
    run = run_inprocess("check", sneaky, "--as-of", AS_OF, *args)
    assert run.code == 0, run.err  # the waiver turned the failure into a pass ...
    for fmt in formats:  # ... and every format says so, with the approver
        text = (tmp_path / f"out.{fmt}").read_text(encoding="utf-8")
        assert "IMPLICIT WAIVERS" in text, fmt
        assert "mallory" in text and "example.com" in text and "BRE-001" in text, fmt
    sarif = json.loads((tmp_path / "out.sarif").read_text(encoding="utf-8"))
    notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any("IMPLICIT WAIVERS" in n["message"]["text"] for n in notes)
    markdown = (tmp_path / "out.markdown").read_text(encoding="utf-8")
    assert markdown.index("IMPLICIT WAIVERS") < markdown.index("| Status |")  # on top


def test_report_and_graph_html_report_implicit_waivers(sneaky: Path, tmp_path: Path) -> None:
    run = run_inprocess("report", sneaky, "--as-of", AS_OF, "--output-dir", tmp_path / "r",
                        "-f", "html", "-f", "json")
    assert run.code in (0, 1), run.err
    for path in (tmp_path / "r").iterdir():
        assert "IMPLICIT WAIVERS" in path.read_text(encoding="utf-8"), path.name


@pytest.mark.parametrize("how", ["flag", "env"])
def test_no_implicit_waivers_ignores_the_inventory_file(how: str, sneaky: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    flags = ["--no-implicit-waivers"] if how == "flag" else []
    if how == "env":
        monkeypatch.setenv("PLEDGE_NO_IMPLICIT_WAIVERS", "1")
    run = run_inprocess("check", sneaky, "--as-of", AS_OF, *flags)
    assert run.code == 1, run.out
    assert "NOT applied" in run.out and "FAIL" in run.out


def test_explicit_waivers_are_not_called_implicit(sneaky: Path, tmp_path: Path) -> None:
    protected = tmp_path / "protected-waivers.yaml"
    (sneaky / "waivers.yaml").rename(protected)
    run = run_inprocess("check", sneaky, "--as-of", AS_OF, "--waivers", protected,
                        "--no-implicit-waivers")
    assert run.code == 0, run.out
    assert "IMPLICIT" not in run.out


def _many_failures(tmp_path: Path, count: int) -> Path:
    """The bundled inventory plus ``count`` stores keeping card numbers (each a failure)."""
    root = tmp_path / "many"
    shutil.copytree(INVENTORY, root)
    stores = [{"id": f"cards_{i:04d}", "name": f"Card copy {i} " + "x" * 200,
               "system": "web_shop", "exposure": "private", "retention": "P1Y",
               "fields": [{"name": "pan", "category": "user.financial.credit_card.number"}]}
              for i in range(count)]
    (root / "zz-many.json").write_text(json.dumps({"stores": stores}), encoding="utf-8")
    return root


def test_markdown_summary_is_capped_with_a_note(tmp_path: Path) -> None:
    from pledge.reports.markdown import MAX_CHARS

    run = run_inprocess("check", _many_failures(tmp_path, 400), "--as-of", AS_OF,
                        "-f", "markdown")
    assert run.code == 1, run.err
    assert len(run.out) <= MAX_CHARS < 65_536
    assert "Cut to fit a comment" in run.out and "are not shown" in run.out
    assert run.out.count("<details>") == run.out.count("</details>")
    assert run.out.count("```") % 2 == 0


def test_markdown_links_use_the_github_commit_or_the_option(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _broken(tmp_path)
    monkeypatch.chdir(tmp_path)  # links are to paths in the repository: relative ones
    root = Path("inv")
    relative = run_inprocess("check", root, "--as-of", AS_OF, "-f", "markdown").out
    assert "https://" not in relative.split("### Failures")[1].split("<details>")[0]
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.example")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/shop")
    monkeypatch.setenv("GITHUB_SHA", "0123abc")
    github = run_inprocess("check", root, "--as-of", AS_OF, "-f", "markdown").out
    assert "(<https://github.example/acme/shop/blob/0123abc/" in github, github
    given = run_inprocess("check", root, "--as-of", AS_OF, "-f", "markdown",
                          "--link-base", "https://code.example/r/-/blob/main").out
    assert "(<https://code.example/r/-/blob/main/" in given
    assert "github.example" not in given
