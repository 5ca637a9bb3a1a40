"""``pledge check --label-rules FILE``: the label lint reads the user's rules, as discovery does.

One YAML format for both: a user file adds rules, or replaces a bundled rule by
giving its id; files are read in order; a bad file is a located error (exit 2).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import AS_OF, INVENTORY, run_inprocess

FIELD = """\
stores:
  - id: {store}
    name: Paiements vendeurs
    system: web_shop
    exposure: private
    encryption_at_rest: true
    access_roles: [accountant]
    retention: P1Y
    disposal: delete
    fields:
      - {{name: {name}, category: {label}}}
flows:
  - id: {store}_writes
    source: web_shop
    target: {store}
    categories: [{label}]
    purposes: [essential.service]
    transport: {{protocol: https, tls: "1.3"}}
"""

ADDED = """\
version: 1
rules:
  - id: card-number-cb
    category: user.financial.credit_card.number
    names: ["numero cb", "num cb"]
"""

REPLACING = """\
version: 1
rules:
  - id: card-number
    category: user.financial.credit_card.number
    names: ["numero cb", "card number"]
    unless: ["last four"]
"""


def _inventory(tmp_path: Path, store: str = "paiements_vendeurs", name: str = "numero_cb",
               label: str = "system.operations") -> Path:
    root = tmp_path / "inventory"
    shutil.copytree(INVENTORY, root, ignore=shutil.ignore_patterns("infra"))
    (root / "paiements.yaml").write_text(FIELD.format(store=store, name=name, label=label),
                                         encoding="utf-8")
    return root


def _rules(tmp_path: Path, text: str, name: str = "rules.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _pay001(run_out: str) -> list[dict[str, object]]:
    report = json.loads(run_out)
    return [f for f in report["findings"] if f["commitment"] == "PAY-001"
            and f["status"] == "fail"]


def test_the_bundled_rules_do_not_know_numero_cb(tmp_path: Path) -> None:
    run = run_inprocess("check", _inventory(tmp_path), "--as-of", AS_OF, "-f", "json")
    assert run.code == 0, run.out[-2000:]
    assert _pay001(run.out) == []


@pytest.mark.parametrize(("store", "name", "label"), [
    ("paiements_vendeurs", "numero_cb", "system.operations"),
    ("remboursements", "NumeroCB", "user.payment.transaction"),
    ("archives_caisse", "num_cb_client", "system.operations"),
])
def test_a_user_rule_makes_the_lint_flag_a_field_it_names(
        tmp_path: Path, store: str, name: str, label: str) -> None:
    rules = _rules(tmp_path, ADDED)
    run = run_inprocess("check", _inventory(tmp_path, store, name, label), "--as-of", AS_OF,
                        "-f", "json", "--label-rules", rules)
    assert run.code == 1
    found = _pay001(run.out)
    assert [f["subject"]["id"] for f in found] == [f"{store}.{name}"]
    assert "rule card-number-cb" in str(found[0]["message"])
    assert f"labelled {label}" in str(found[0]["message"])
    assert found[0]["evidence"]["label_rule"] == "card-number-cb"


def test_a_user_rule_replaces_the_bundled_rule_of_its_id(tmp_path: Path) -> None:
    """Same semantics as discovery: the user's card-number rule stands in for the bundled one."""
    rules = _rules(tmp_path, REPLACING)
    flagged = run_inprocess("check", _inventory(tmp_path), "--as-of", AS_OF, "-f", "json",
                            "--label-rules", rules)
    assert [f["evidence"]["label_rule"] for f in _pay001(flagged.out)] == ["card-number"]
    # the bundled card-number rule knew numero_carte; the replacement does not
    other = tmp_path / "other"
    other.mkdir()
    root = _inventory(other, name="numero_carte")
    kept = run_inprocess("check", root, "--as-of", AS_OF, "-f", "json", "--label-rules", rules)
    assert _pay001(kept.out) == []
    bundled = run_inprocess("check", root, "--as-of", AS_OF, "-f", "json")
    assert [f["subject"]["id"] for f in _pay001(bundled.out)] == [
        "paiements_vendeurs.numero_carte"]


def test_rule_files_repeat_and_are_read_in_order(tmp_path: Path) -> None:
    first = _rules(tmp_path, ADDED.replace('"num cb"', '"num carte x"'), "a.yaml")
    second = _rules(tmp_path, ADDED, "b.yaml")  # same id: the later file wins
    run = run_inprocess("check", _inventory(tmp_path, name="num_cb"), "--as-of", AS_OF,
                        "-f", "json", "--label-rules", first, "--label-rules", second)
    assert [f["subject"]["id"] for f in _pay001(run.out)] == ["paiements_vendeurs.num_cb"]
    reversed_order = run_inprocess("check", _inventory(tmp_path / "r", name="num_cb"),
                                   "--as-of", AS_OF, "-f", "json",
                                   "--label-rules", second, "--label-rules", first)
    assert _pay001(reversed_order.out) == []


@pytest.mark.parametrize(("text", "line", "words"), [
    ("version: 1\nrules:\n  - id: cb\n    category: user.financial.credit_card.numbr\n"
     "    names: [numero cb]\n", 4, "did you mean user.financial.credit_card.number?"),
    ("version: 1\nrules:\n  - id: cb\n    category: user.financial.credit_card.number\n"
     "    nmes: [numero cb]\n", 5, "did you mean 'names'?"),
    ("version: 1\nrules:\n  - id: cb\n    category: [oops\n", 4, "PLG-E002"),
])
def test_a_bad_rule_file_is_a_located_error(tmp_path: Path, text: str, line: int,
                                            words: str) -> None:
    rules = _rules(tmp_path, text)
    run = run_inprocess("check", _inventory(tmp_path), "--as-of", AS_OF, "--label-rules", rules)
    assert run.code == 2
    assert f"rules.yaml:{line}:" in run.err and words in run.err
    assert "Traceback" not in run.err and run.out == ""


def test_report_reads_the_same_label_rules_as_check(tmp_path: Path) -> None:
    """``pledge report --label-rules``: the audit pack judges what ``check`` judges."""
    rules = _rules(tmp_path, ADDED)
    root = _inventory(tmp_path)
    out = tmp_path / "pack"
    plain = run_inprocess("report", root, "--as-of", AS_OF, "--output-dir", out, "-f", "json")
    assert plain.code == 0, plain.err
    assert _pay001((out / "report.json").read_text(encoding="utf-8")) == []
    flagged = run_inprocess("report", root, "--as-of", AS_OF, "--output-dir", out,
                            "-f", "json", "--label-rules", rules)
    assert flagged.code == 1
    found = _pay001((out / "report.json").read_text(encoding="utf-8"))
    assert [f["subject"]["id"] for f in found] == ["paiements_vendeurs.numero_cb"]
    checked = run_inprocess("check", root, "--as-of", AS_OF, "-f", "json",
                            "--label-rules", rules)
    assert [f["fingerprint"] for f in _pay001(checked.out)] == [
        f["fingerprint"] for f in found]


def test_report_refuses_a_bad_rule_file_before_writing(tmp_path: Path) -> None:
    bad = _rules(tmp_path, "version: 1\nrules:\n  - id: x\n    category: nope.nothing\n")
    out = tmp_path / "pack"
    run = run_inprocess("report", _inventory(tmp_path), "--as-of", AS_OF,
                        "--output-dir", out, "--label-rules", bad)
    assert run.code == 2
    assert "rules.yaml" in run.err and "Traceback" not in run.err
    assert not out.exists()
