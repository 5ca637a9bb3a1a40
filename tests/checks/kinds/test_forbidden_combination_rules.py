"""forbidden-combination: each match mode of a rule part, a broader id as unclear, and the words
that name what decides."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pledge.checks.findings import Status
from tests.helpers import only, policy_with, run_check, run_judged

IBAN, CARD, EMAIL = ("user.financial.bank_account", "user.financial.credit_card.number",
                     "user.contact.email")


def _run(tmp_path: Path, categories: list[str], matches: str = "ANY",
         purposes: list[str] | None = None, subjects: list[str] | None = None,
         fields: list[dict[str, str]] | None = None) -> Any:
    check = {"kind": "forbidden-combination",
             "data_categories": {"matches": matches, "values": ["user.financial"]},
             "data_uses": {"matches": "ANY", "values": ["marketing.advertising"]},
             "data_subjects": {"matches": "ANY", "values": ["customer", "prospect"]}}
    inventory = {
        "data_subjects": [{"id": "buyers", "name": "Buyers", "category": "customer"},
                          {"id": "leads", "name": "Leads", "category": "prospect"}],
        "systems": [{"id": "ads", "name": "Ads", "type": "third_party", "role": "advertising",
                     "country": "IE"}],
        "stores": [{"id": "audiences", "name": "Audiences", "system": "ads",
                    "fields": fields or [{"name": "email", "category": EMAIL}]}],
        "processing_activities": [{
            "id": "targeting", "name": "Targeting",
            "purposes": purposes or ["marketing.advertising.third_party.targeted"],
            "legal_basis": "consent",
            "data_subjects": subjects or ["buyers"],
            "categories": categories, "systems": ["ads"]}]}
    return run_check(tmp_path, check, inventory)


def _activity(result: Any) -> list[tuple[str, list[str]]]:
    return [(f.evidence["rule"], f.evidence["data_categories"]) for f in only(result, Status.FAIL)
            if f.subject.type == "processing_activity"]


@pytest.mark.parametrize(("matches", "categories", "expected"), [
    ("ANY", [IBAN, EMAIL], [("forbidden", [IBAN])]),
    ("ANY", [EMAIL], []),
    ("ANY", ["user"], [("unclear", ["user"])]),
    ("ALL", [IBAN, CARD], [("forbidden", [IBAN, CARD])]),
    ("ALL", [IBAN, EMAIL], []),
    ("ALL", [IBAN, "user"], [("unclear", [IBAN, "user"])]),
    ("NONE", [EMAIL], [("forbidden", [EMAIL])]),
    ("NONE", [EMAIL, IBAN], []),
    ("NONE", [EMAIL, "user"], [("unclear", [EMAIL, "user"])]),
    ("OTHER", [EMAIL, IBAN], [("forbidden", [EMAIL])]),
    ("OTHER", [IBAN, CARD], []),
    ("OTHER", ["user"], [("forbidden", ["user"])]),
])
def test_each_match_mode_of_the_categories(tmp_path: Path, matches: str,
                                           categories: list[str],
                                           expected: list[tuple[str, list[str]]]) -> None:
    assert _activity(_run(tmp_path, categories, matches)) == expected


def test_the_finding_names_every_deciding_category_purpose_and_subject(tmp_path: Path) -> None:
    result = _run(tmp_path, [IBAN, CARD, EMAIL], purposes=[
        "marketing.advertising.profiling", "essential.service",
        "marketing.advertising.third_party.targeted"], subjects=["buyers", "leads"])
    [finding] = [f for f in only(result, Status.FAIL) if f.subject.type == "processing_activity"]
    assert finding.message == (
        f"'targeting' processes a forbidden combination: {IBAN}, {CARD} for "
        "marketing.advertising.profiling, marketing.advertising.third_party.targeted about "
        "customer, prospect (activity 'targeting')")
    assert finding.remediation == ("stop this processing, or change the category, the purpose "
                                   "or the people it concerns")
    assert finding.evidence["data_subjects"] == ["customer", "prospect"]


def test_an_unclear_activity_says_what_to_declare(tmp_path: Path) -> None:
    assert only(_run(tmp_path / "email", [EMAIL], purposes=["marketing"]), Status.FAIL) == []
    result = _run(tmp_path / "financial", ["user.financial"], purposes=["marketing"])
    [finding] = [f for f in only(result, Status.FAIL) if f.subject.type == "processing_activity"]
    assert finding.message == (
        "unclear: 'targeting' declares an id broader than the rule's, which may hide a "
        "forbidden combination: user.financial for marketing about customer "
        "(activity 'targeting')")
    assert finding.remediation == "declare the precise category, purpose or data subject"


def test_a_field_takes_the_surest_verdict_of_its_systems_activities(tmp_path: Path) -> None:
    fields = [{"name": "iban", "category": IBAN}, {"name": "email", "category": EMAIL}]
    result = _run(tmp_path, [EMAIL], fields=fields)
    [finding] = only(result, Status.FAIL)
    assert (finding.subject.type, finding.subject.id) == ("field", "audiences.iban")
    assert finding.evidence["rule"] == "forbidden"
    assert result.outcomes[0].checked == 3  # one activity, two field names


@pytest.mark.parametrize("part", ["data_categories", "data_uses", "data_subjects"])
def test_a_rule_part_without_values_is_refused(part: str) -> None:
    check = {"kind": "forbidden-combination",
             "data_categories": {"matches": "ANY", "values": ["user.financial"]},
             "data_uses": {"matches": "ANY", "values": ["marketing"]},
             "data_subjects": {"matches": "ANY", "values": ["customer"]}}
    check[part] = {"matches": "ANY"}
    with pytest.raises(ValueError, match=rf"{part}\.values"):
        policy_with(check)


def test_each_activity_and_field_kept_is_listed_with_why(tmp_path: Path) -> None:
    check = {"kind": "forbidden-combination",
             "data_categories": {"matches": "ANY", "values": ["user.financial"]},
             "data_uses": {"matches": "ANY", "values": ["marketing.advertising"]},
             "data_subjects": {"matches": "ANY", "values": ["customer"]}}
    result, judged = run_judged(tmp_path, check, {
        "data_subjects": [{"id": "buyers", "name": "Buyers", "category": "customer"}],
        "systems": [{"id": "ads", "name": "Ads", "type": "third_party", "role": "advertising",
                     "country": "IE"},
                    {"id": "shop", "name": "Shop", "type": "internal", "role": "storefront",
                     "country": "MA"}],
        "stores": [{"id": "audiences", "name": "Audiences", "system": "ads",
                    "fields": [{"name": "email", "category": EMAIL},
                               {"name": "iban", "category": IBAN}]},
                   {"id": "orders", "name": "Orders", "system": "shop",
                    "fields": [{"name": "card", "category": CARD}]}],
        "processing_activities": [{
            "id": "targeting", "name": "Targeting",
            "purposes": ["marketing.advertising.third_party.targeted"],
            "legal_basis": "consent", "data_subjects": ["buyers"], "categories": [EMAIL],
            "systems": ["ads"]}]})
    assert [f.subject.id for f in only(result, Status.FAIL)] == ["audiences.iban"]
    assert [(j.subject_type, j.subject_id, j.verdict, j.reason) for j in judged
            if j.verdict == "pass"] == [
        ("field", "audiences.email", "pass", "the rule does not hold for its category"),
        ("field", "orders.card", "pass", "no processing activity of system 'shop' matches the "
                                         "rule's uses and data subjects"),
        ("processing_activity", "targeting", "pass", "the rule does not hold for it")]
    assert all(j.line for j in judged)
