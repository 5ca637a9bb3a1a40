"""Bad input: one line with file and line, exit 2, no traceback, nothing written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import AS_OF, INVENTORY, run_inprocess, run_pledge

SYSTEM = """systems:
  - id: shop
    name: Shop
    type: internal
    role: storefront
    country: MA
"""


def _inventory(tmp_path: Path, text: str, name: str = "systems.yaml") -> Path:
    root = tmp_path / "inv"
    root.mkdir(exist_ok=True)
    (root / name).write_text(text, encoding="utf-8")
    return root


def _assert_input_error(run, file_name: str, line: int | None, *needles: str) -> None:  # type: ignore[no-untyped-def]
    assert run.code == 2, run.out + run.err
    assert "Traceback" not in run.err and run.out == ""
    lines = [x for x in run.err.splitlines() if x.strip()]
    assert lines, "no message"
    first = lines[0]
    assert file_name in first
    if line is not None:
        assert f"{file_name}:{line}:" in first, first
    for needle in needles:
        assert needle in run.err, run.err


CASES = {
    "yaml-syntax": (SYSTEM + "  - id: [unclosed\n", 7, ["PLG-E002"]),
    "duplicate-key": (SYSTEM.replace("    country: MA\n", "    country: MA\n    role: backend\n"),
                      7, ["PLG-E003", "duplicate key 'role'"]),
    "unknown-key": (SYSTEM.replace("    country: MA\n", "    country: MA\n    rol: backend\n"),
                    7, ["PLG-E004", "did you mean role?"]),
    "wrong-type": (SYSTEM.replace("country: MA", "country: [MA]"), 6, ["PLG-E006"]),
    "bad-literal": (SYSTEM.replace("role: storefront", "role: storefrnt"), 5,
                    ["PLG-E006", "did you mean storefront?"]),
    "missing-field": (SYSTEM.replace("    name: Shop\n", ""), 2, ["PLG-E005", "'name'"]),
    "unknown-category": (SYSTEM + "stores:\n  - id: db\n    name: DB\n    system: shop\n"
                         "    fields:\n      - name: card\n"
                         "        category: user.financial.card_number\n",
                         13, ["PLG-E007", "did you mean"]),
    "broken-reference": (SYSTEM + "stores:\n  - id: db\n    name: DB\n    system: shopp\n",
                         10, ["PLG-E008", "did you mean shop?"]),
    "unknown-section": ("sytems:\n  - id: x\n", 1, ["PLG-E004", "did you mean systems?"]),
    "flow-to-nowhere": (SYSTEM + "flows:\n  - id: f\n    source: shop\n    target: nowhere\n"
                        "    categories: [user.contact.email]\n    purposes: [essential.service]\n"
                        "    transport: {protocol: https, tls: '1.3'}\n", 10, ["PLG-E008"]),
    "bad-duration": (SYSTEM + "stores:\n  - id: db\n    name: DB\n    system: shop\n"
                     "    retention: 3 years\n", 11, ["PLG-E006", "ISO 8601"]),
    "top-level-list": ("- 1\n- 2\n", 1, ["PLG-E017"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_inventory_is_one_located_line_and_exit_2(case: str, tmp_path: Path) -> None:
    text, line, needles = CASES[case]
    root = _inventory(tmp_path, text)
    out = tmp_path / "report.json"
    runner = run_pledge if case in ("yaml-syntax", "unknown-category") else run_inprocess
    run = runner("check", root, "--as-of", AS_OF, "-f", "json", "-o", out)
    _assert_input_error(run, "systems.yaml", line, *needles)
    assert not out.exists(), "a report was written despite bad input"


def test_empty_inventory_directory(tmp_path: Path) -> None:
    (tmp_path / "inv").mkdir()
    run = run_inprocess("check", tmp_path / "inv", "--as-of", AS_OF)
    _assert_input_error(run, "inv", None, "PLG-E010")


def test_empty_inventory_file(tmp_path: Path) -> None:
    root = _inventory(tmp_path, "")
    run = run_inprocess("check", root, "--as-of", AS_OF)
    _assert_input_error(run, "systems.yaml", None, "PLG-E010")


def test_missing_inventory_path(tmp_path: Path) -> None:
    run = run_inprocess("check", tmp_path / "nope", "--as-of", AS_OF)
    _assert_input_error(run, "nope", None, "PLG-E001")


def test_all_errors_of_several_files_are_reported(tmp_path: Path) -> None:
    root = tmp_path / "inv"
    shutil.copytree(INVENTORY, root)
    (root / "systems.yaml").write_text(
        (root / "systems.yaml").read_text(encoding="utf-8").replace("role: shipping",
                                                                    "role: shiping", 1),
        encoding="utf-8")
    (root / "stores.yaml").write_text(
        (root / "stores.yaml").read_text(encoding="utf-8").replace("user.contact.email",
                                                                   "user.contact.emial", 1),
        encoding="utf-8")
    run = run_pledge("check", root, "--as-of", AS_OF)
    assert run.code == 2
    assert "systems.yaml:" in run.err and "stores.yaml:" in run.err
    assert "did you mean shipping?" in run.err and "did you mean user.contact.email?" in run.err


def test_policy_errors_are_located(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("id: p\ntitle: t\nversion: '1'\norganisation: o\n"
                      "source: {title: t, path: t.txt, sha256: '" + "0" * 64 + "'}\n"
                      "commitments:\n  - id: EX-001\n    title: t\n    severity: hihg\n"
                      "    clause: {section: s, quote: q}\n"
                      "    check: {kind: forbidden-storage, categories: [user.financial.cc]}\n",
                      encoding="utf-8")
    run = run_inprocess("check", "--policy", policy, "--as-of", AS_OF)
    assert run.code == 2 and "Traceback" not in run.err
    assert "policy.yaml:9:" in run.err and "did you mean high?" in run.err


def test_bad_as_of_is_a_usage_error() -> None:
    run = run_inprocess("check", "--as-of", "yesterday")
    assert run.code == 2 and "PLG-E019" in run.err and "Traceback" not in run.err


def test_unknown_option_is_exit_2() -> None:
    run = run_pledge("check", "--frobnicate")
    assert run.code == 2 and "Traceback" not in run.err
