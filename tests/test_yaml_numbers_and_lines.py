"""YAML 1.1 surprises: numbers that read as something else, and lines that are not lines.

YAML 1.1 reads ``0100`` as 64, ``1:30`` as 90 and ``1_000`` as 1000, so a
100-hour breach notice written ``0100`` would pass a 72-hour promise. It also
ends a line at NEL, U+2028 and U+2029, which would move every later finding
down a line in SARIF and annotations. Both are guarded in the loader.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pledge.policy_model.errors import InputError
from pledge.policy_model.yaml_source import parse_yaml, yaml_line_map
from tests.conftest import AS_OF, INVENTORY, run_inprocess


def _copy(tmp_path: Path, old: str, new: str, file: str = "organisation.yaml") -> Path:
    root = tmp_path / "inv"
    shutil.copytree(INVENTORY, root)
    target = root / file
    text = target.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return root


@pytest.mark.parametrize(("written", "words"), [
    ("0100", "octal (it would read as 64)"), ("-0100", "leading zero"), ("00", "leading zero"),
    ("!!int 0100", "leading zero"), ("1_000", "digit separators"), ("1:30", "base-60"),
    ("0b11", "not a decimal"), ("0x40", "not a decimal"), ("1:30.5", "base-60"),
    ("1_0.5", "digit separators"),
])
def test_yaml11_numbers_are_refused_with_a_hint(written: str, words: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_yaml(f"a: 1\nhours: {written}\n", "f.yaml")
    assert caught.value.code == "PLG-E006" and caught.value.line == 2
    assert words in caught.value.message, caught.value.message
    assert caught.value.hint


@pytest.mark.parametrize(("written", "value"), [
    ("100", 100), ("0", 0), ("-5", -5), ("+7", 7), ("1.5", 1.5), ("0.5", 0.5), (".5", 0.5),
    ("1.0e+3", 1000.0), ('"0100"', "0100"), ("'1:30'", "1:30"), ("0o17", "0o17"),
])
def test_plain_decimal_numbers_and_quoted_text_still_load(written: str, value: object) -> None:
    assert parse_yaml(f"hours: {written}\n", "f.yaml")["hours"] == value


def test_octal_breach_notice_no_longer_passes_the_72_hour_promise(tmp_path: Path) -> None:
    """The issue's example: 0100 hours was read as 64 and BRE-001 passed."""
    root = _copy(tmp_path, "authority_notification_hours: 72",
                 "authority_notification_hours: 0100")
    run = run_inprocess("check", root, "--as-of", AS_OF)
    assert run.code == 2, run.out
    assert "organisation.yaml:22: PLG-E006" in run.err and "leading zero" in run.err


def test_yaml_only_line_breaks_do_not_move_lines() -> None:
    text = "# a\u2028\u2029\x85\nx: 1\r\ny:\n  z: 0b1\n"
    table = yaml_line_map(text)
    assert table is not None and table[:4] == [1, 1, 1, 1]
    with pytest.raises(InputError) as caught:
        parse_yaml(text, "f.yaml")
    assert caught.value.line == 4  # z: counted in CR/LF lines, as editors do
    data = parse_yaml("# \u2028\u2029\nx: 1\ny: {a: 1}\n", "f.yaml")
    assert data.key_lines == {"x": 2, "y": 3} and data["y"].line == 3
    assert yaml_line_map("plain\ntext\n") is None
    with pytest.raises(InputError) as caught:  # text after U+2028 is a new YAML 1.1 line
        parse_yaml("# a\u2028 b: [\nx: 1\n", "f.yaml")
    assert caught.value.code == "PLG-E002" and "U+2028" in (caught.value.hint or "")


def test_line_separator_in_a_comment_does_not_shift_sarif_or_annotations(
        tmp_path: Path) -> None:
    root = _copy(tmp_path, "# MAROSOAP's data inventory: the organisation and the facts its "
                 "policy promises.", "# MAROSOAP inventory\u2028\u2029\x85")
    organisation = root / "organisation.yaml"
    text = organisation.read_text(encoding="utf-8").replace(
        "authority_notification_hours: 72", "authority_notification_hours: 96")
    organisation.write_text(text, encoding="utf-8")
    want = next(i for i, line in enumerate(text.split("\n"), 1)
                if "authority_notification_hours" in line)
    github = run_inprocess("check", root, "--as-of", AS_OF, "-f", "github")
    assert f"organisation.yaml,line={want},title=BRE-001" in github.out, github.out
    sarif = json.loads(run_inprocess("check", root, "--as-of", AS_OF, "-f", "sarif").out)
    lines = [loc["physicalLocation"]["region"]["startLine"]
             for result in sarif["runs"][0]["results"] if result["ruleId"] == "BRE-001"
             for loc in result["locations"]]
    assert lines == [want]


def test_nested_organisation_fact_points_at_its_own_line(tmp_path: Path) -> None:
    root = _copy(tmp_path, "authority_notification_hours: 72", "authority_notification_hours: 96")
    run = run_inprocess("check", root, "--as-of", AS_OF, "-f", "github")
    text = (root / "organisation.yaml").read_text(encoding="utf-8").split("\n")
    want = next(i for i, line in enumerate(text, 1) if "authority_notification_hours" in line)
    assert f"line={want},title=BRE-001" in run.out, run.out
