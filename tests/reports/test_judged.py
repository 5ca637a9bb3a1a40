"""Judged subjects: every subject a commitment looked at, passes included, in every output.

The expectations are read from the inventory's YAML files themselves (its
stores, fields and flows, their lines), not from the checks.
"""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from pledge.reports import html, json_report, junit, text
from tests.conftest import AS_OF, EXAMPLES, INVENTORY, ROOT, run_pledge
from tests.helpers import inventory_as_data
from tests.reports.support import (
    WAIVERS,
    broken_inventory,
    one_per_line_plain,
    run_inventory,
    schema_errors,
)

_ID_LINE = re.compile(r"^\s*-\s+(?:\{.*?\b)?id:\s*([\w.-]+)")


@cache
def bundled_report() -> dict[str, Any]:
    run = run_pledge("check", "--as-of", AS_OF, "-f", "json")
    assert run.code == 0, run.err
    data: dict[str, Any] = json.loads(run.out)
    return data


def judged(report: dict[str, Any], commitment: str) -> dict[tuple[str, str], dict[str, Any]]:
    found = next(c for c in report["commitments"] if c["id"] == commitment)
    return {(j["subject_type"], j["subject_id"]): j for j in found["judged"]}


def inventory_yaml(name: str, root: Path = INVENTORY) -> Any:
    return yaml.safe_load((root / f"{name}.yaml").read_text(encoding="utf-8"))


def personal(category: str, under: str = "user") -> bool:
    return category == under or category.startswith(under + ".")


def declared_at(location: dict[str, Any], base: Path = ROOT) -> tuple[str, str | None]:
    """The line a location points at, and the id of the list entry that line belongs to."""
    lines = (base / location["file"]).read_text(encoding="utf-8").splitlines()
    number = location["line"]
    assert number, location
    for above in range(number - 1, -1, -1):
        entry = _ID_LINE.match(lines[above])
        if entry:
            return lines[number - 1], entry.group(1)
    return lines[number - 1], None


def test_bundled_inventory_lists_every_filtered_store_field_and_flow_as_passing() -> None:
    report = bundled_report()
    stores = inventory_yaml("stores")["stores"]
    flows = inventory_yaml("flows")["flows"]
    subjects = {s["id"] for s in inventory_yaml("subjects")["data_subjects"]}
    user_fields = {f"{s['id']}.{f['name']}" for s in stores for f in s.get("fields", [])
                   if personal(f["category"])}
    user_stores = {s["id"] for s in stores if any(personal(f["category"])
                                                  for f in s.get("fields", []))}
    from_subjects = {f["id"] for f in flows if f["source"] in subjects
                     and any(personal(c) for c in f["categories"])}
    between = {f["id"] for f in flows if f["source"] not in subjects
               and any(personal(c) and not personal(c, "user.financial")
                       and not personal(c, "user.payment") for c in f["categories"])}
    cards = {f"{s['id']}.{f['name']}" for s in stores for f in s.get("fields", [])
             if f["category"] in ("user.financial.credit_card.number",
                                  "user.financial.credit_card.expiry")}
    expected = {"RET-001": ("field", user_fields), "RET-002": ("field", user_fields),
                "SEC-002": ("store", user_stores), "SEC-003": ("store", user_stores),
                "SEC-001": ("flow", from_subjects), "SEC-008": ("flow", between),
                "PAY-001": ("field", cards)}
    assert cards and len(user_fields) > 40 and from_subjects and between
    for commitment, (kind, ids) in expected.items():
        listed = judged(report, commitment)
        assert {i for t, i in listed if t == kind} == ids, commitment
        for ident in ids:
            entry = listed[(kind, ident)]
            assert entry["verdict"] == "pass", (commitment, entry)
            assert entry["location"]["file"].startswith("inventories/marosoap/")
            line, owner = declared_at(entry["location"])
            if kind == "field":  # the field's own line, inside its store's entry
                store, name = ident.rsplit(".", 1)
                assert f"name: {name}," in line and owner == store, (commitment, ident, line)
            else:
                assert owner == ident, (commitment, ident, line)
    # passes carry what was found; every commitment judged something, none fails
    for commitment in report["commitments"]:
        assert commitment["judged"], commitment["id"]
        for entry in commitment["judged"]:
            assert entry["verdict"] in ("pass", "manual") and entry["reason"], entry
    assert "kept P3Y within P5Y" in judged(report, "RET-001")[
        ("field", "customer_db.email")]["reason"]


def test_subjects_are_sorted_and_organisation_facts_point_at_their_key() -> None:
    report = bundled_report()
    for commitment in report["commitments"]:
        keys = [(j["subject_type"], j["subject_id"]) for j in commitment["judged"]]
        assert keys == sorted(keys) and len(keys) == len(set(keys))
    fact = judged(report, "ORG-001")[("organisation", "privacy_contact")]
    line, _ = declared_at(fact["location"])
    assert fact["verdict"] == "pass" and line.strip().startswith("privacy_contact:")


def test_a_failing_example_lists_the_failing_subject_as_fail_and_the_rest_as_pass(
        tmp_path: Path) -> None:
    example = EXAMPLES / "PAY-001-card-number-stored"
    run = run_pledge("check", example, "--as-of", AS_OF, "-f", "json")
    assert run.code == 1, run.err
    listed = judged(json.loads(run.out), "PAY-001")
    failing = listed[("field", "order_db.card_number")]
    assert failing["verdict"] == "fail" and "order_db" in failing["reason"]
    line, owner = declared_at(failing["location"])
    assert "name: card_number," in line and owner == "order_db"
    others = {k: v["verdict"] for k, v in listed.items() if k != ("field", "order_db.card_number")}
    assert others and set(others.values()) == {"pass"}, others
    assert ("field", "stripe_vault.card_number") in others


def test_waived_subjects_show_waived_with_who_approved(tmp_path: Path) -> None:
    inventory = broken_inventory(tmp_path)
    (tmp_path / "waivers.yaml").write_text(WAIVERS, encoding="utf-8")
    run = run_pledge("check", inventory, "--as-of", AS_OF, "--waivers",
                     tmp_path / "waivers.yaml", "-f", "json")
    listed = judged(json.loads(run.out), "PAY-001")
    waived = listed[("field", "order_db.card_number")]
    assert waived["verdict"] == "waived"
    assert "dpo@marosoap.example" in waived["reason"] and "2027-01-31" in waived["reason"]
    assert listed[("field", "stripe_vault.card_number")]["verdict"] == "pass"
    # PAY-002 is not waived: its failing flow fails
    assert judged(json.loads(run.out), "PAY-002")[
        ("flow", "card_posted_to_shop")]["verdict"] == "fail"


def test_outputs_are_byte_identical_run_to_run(tmp_path: Path) -> None:
    inventory = broken_inventory(tmp_path)
    names = {"json": "report.json", "junit": "junit.xml", "oscal": "oscal.json"}
    for out in ("a", "b"):
        outputs = [a for fmt, name in names.items()
                   for a in ("-f", fmt, "-o", tmp_path / out / name)]
        run = run_pledge("check", inventory, "--as-of", AS_OF, *outputs)
        assert run.code == 1, run.err
    for name in names.values():
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    text_ = (tmp_path / "a" / "report.json").read_text(encoding="utf-8")
    # the document is what dumping it gives, each judged subject compact on its own line
    document = json.loads(text_)
    lists = {}
    for number, commitment in enumerate(document["commitments"]):
        lists[json.dumps(f"\x00judged:{number}")] = commitment["judged"]
        commitment["judged"] = f"\x00judged:{number}"
    expected = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    for placeholder, entries in lists.items():
        expected = expected.replace(placeholder, one_per_line_plain(entries, 6))
    assert expected == text_
    assert sum(map(len, lists.values())) > 20
    pages = [html.render(run_inventory(inventory).report) for _ in range(2)]
    assert pages[0] == pages[1] and '<tr data-verdict="fail">' in pages[0]


def test_oscal_lists_subjects_and_stays_valid(tmp_path: Path) -> None:
    inventory = broken_inventory(tmp_path)
    (tmp_path / "waivers.yaml").write_text(WAIVERS, encoding="utf-8")
    run = run_pledge("check", inventory, "--as-of", AS_OF, "--waivers",
                     tmp_path / "waivers.yaml", "-f", "oscal")
    document = json.loads(run.out)
    assert schema_errors("assessment-results", document) == []
    result = document["assessment-results"]["results"][0]
    listing = {o["uuid"]: o for o in result["observations"] if "subjects" in o}
    pay001 = next(o for o in listing.values() if o["title"] == "PAY-001: subjects judged")
    by_title = {s["title"]: {p["name"]: p["value"] for p in s["props"]}
                for s in pay001["subjects"]}
    assert by_title["field order_db.card_number"]["verdict"] == "waived"
    assert by_title["field stripe_vault.card_number"]["verdict"] == "pass"
    assert re.fullmatch(r"inv[^:]*/stores\.yaml:\d+|.*broken/stores\.yaml:\d+",
                        by_title["field order_db.card_number"]["location"])
    # every OSCAL finding of a commitment relates to its listing
    for finding in result["findings"]:
        related = {r["observation-uuid"] for r in finding.get("related-observations", [])}
        assert related & set(listing), finding["title"]


def test_junit_lists_subjects_one_safe_line_each(tmp_path: Path) -> None:
    root = tmp_path / "inv"
    shutil.copytree(INVENTORY, root)
    org = root / "organisation.yaml"
    hostile = '"privacy@marosoap.com\\n::error file=x::forged 4111 1111 1111 1111 \\u001b[2J"'
    org.write_text(org.read_text(encoding="utf-8").replace(
        "privacy_contact: privacy@marosoap.com", f"privacy_contact: {hostile}"),
        encoding="utf-8")
    run = run_pledge("check", root, "--as-of", AS_OF, "-f", "junit", "-f", "json", "-o",
                     tmp_path / "report.json")
    xml = ET.fromstring(run.out)  # well-formed
    suite = next(s for s in xml.iter("testsuite") if s.get("name").startswith("ORG-001 "))
    case = next(c for c in suite.iter("testcase") if c.get("name").startswith("judged subjects"))
    assert case.get("name") == "judged subjects (1 pass)"
    out = case.find("system-out").text
    assert out.count("\n") == 0 and out.startswith("pass organisation privacy_contact at ")
    assert "::error" in out and "\n::error" not in out  # on the subject's line, not its own
    for forbidden in ("4111 1111 1111 1111", "\x1b"):
        assert forbidden not in run.out
        assert forbidden not in (tmp_path / "report.json").read_text(encoding="utf-8")
    every = [c for c in xml.iter("testcase") if c.get("name").startswith("judged subjects")]
    assert len(every) == 29


def test_html_lists_subjects_collapsed_and_points_to_the_json_beyond_the_limit(
        monkeypatch: Any) -> None:
    rendered = run_inventory()
    page = html.render(rendered.report)
    blocks = re.findall(r"<details class=\"judged\"[^>]*>", page)
    assert len(blocks) == 29 and all(" open" not in b for b in blocks)
    assert "<code>customer_db.email</code>" in page
    monkeypatch.setattr(html, "JUDGED_SHOWN", 3)
    short = html.render(rendered.report)
    assert "50 more not shown here: the JSON report" in short  # RET-001 judged 53 fields
    assert short.count('<tr data-verdict="') < page.count('<tr data-verdict="')


def test_subjects_are_listed_only_when_an_output_prints_them() -> None:
    rendered = run_inventory()
    report = rendered.report
    text.render(report)
    assert report._judged == {}  # the text report does not list them
    json_report.render(report)
    assert set(report._judged) == {c.id for c in report.commitments}
    listed = dict(report._judged)
    junit.render(report)  # the listing is made once and shared
    assert all(listed[c.id] is report.judged(c.id) for c in report.commitments)
    # a copy with other findings (none) lists its own verdicts: the waived/failing are gone
    bare = report.model_copy(update={"findings": []})
    assert all(j.verdict == "pass" for j in bare.judged("RET-001"))
    assert bare.judged("AGE-002") == []  # the attestation was only a finding's subject


@pytest.mark.parametrize("indent", [None, 2])
def test_subjects_of_a_json_inventory_are_located_as_findings_are(tmp_path: Path,
                                                                   indent: int | None) -> None:
    path = tmp_path / "marosoap.json"
    path.write_text(json.dumps(inventory_as_data(INVENTORY), indent=indent), encoding="utf-8")
    rendered = run_inventory(path)
    report, sources = rendered.report, rendered.inventory.sources
    seen = 0
    for commitment in report.commitments:
        for j in report.judged(commitment.id):
            if j.subject_type not in ("field", "store", "flow", "system", "subject"):
                continue
            where = sources.locate(j.subject_type, j.subject_id)
            assert where is not None and (j.file, j.line) == (where.file, where.line), j
            seen += 1
    assert seen > 200
    text_ = path.read_text(encoding="utf-8")
    email = report.judged("RET-001")
    found = next(j for j in email if j.subject_id == "customer_db.email")
    if indent is None:  # one line
        assert found.line == 1 and text_.count("\n") == 0
    else:  # the field's own line, below its store's id
        assert '"name": "email"' in text_.splitlines()[found.line - 1]
        store = sources.locate("store", "customer_db")
        assert store is not None and store.line is not None and found.line > store.line


def test_an_edited_judged_verdict_fails_verification(tmp_path: Path) -> None:
    shutil.copytree(INVENTORY, tmp_path / "inv")
    run = run_pledge("check", "inv", "--as-of", AS_OF, "-f", "json", "-o", "report.json",
                     cwd=tmp_path)
    assert run.code == 0, run.err
    assert run_pledge("verify", "report.json", cwd=tmp_path).code == 0
    path = tmp_path / "report.json"
    text_ = path.read_text(encoding="utf-8")
    assert text_.count('"verdict":"pass"') > 100  # only judged subjects carry a verdict
    path.write_text(text_.replace('"verdict":"pass"', '"verdict":"fail"', 1), encoding="utf-8")
    edited = run_pledge("verify", "report.json", cwd=tmp_path)
    assert edited.code == 1 and "report.json (edited)" in edited.out, edited.out
