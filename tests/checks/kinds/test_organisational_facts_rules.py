"""organisational-facts: every operator at its boundary, and the words of each failure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pledge.checks.findings import Status
from tests.helpers import only, run_check

ORG = {"id": "org", "name": "Org", "country": "MA", "minimum_user_age": 18,
       "last_security_audit": "2025-11-29", "privacy_contact": "privacy@org.ma",
       "human_review_of_automated_decisions": True,
       "breach_response": {"authority_notification_hours": 72,
                           "individual_notification": "without_undue_delay",
                           "channels": ["email", "sms"]}}


def _verdict(tmp_path: Path, fact: str, operator: str, value: Any = None,
             org: dict[str, Any] | None = None) -> list[Any]:
    requirement = {"fact": fact, "operator": operator}
    if value is not None:
        requirement["value"] = value
    result = run_check(tmp_path, {"kind": "organisational-facts", "requirements": [requirement]},
                       {"organisation": org or ORG})
    assert result.outcomes[0].checked == 1
    return only(result, Status.FAIL)


@pytest.mark.parametrize(("fact", "operator", "value", "kept"), [
    ("minimum_user_age", "eq", 18, True), ("minimum_user_age", "eq", 17, False),
    ("minimum_user_age", "ne", 17, True), ("minimum_user_age", "ne", 18, False),
    ("minimum_user_age", "ge", 18, True), ("minimum_user_age", "ge", 19, False),
    ("minimum_user_age", "gt", 17, True), ("minimum_user_age", "gt", 18, False),
    ("minimum_user_age", "le", 18, True), ("minimum_user_age", "le", 17, False),
    ("minimum_user_age", "lt", 19, True), ("minimum_user_age", "lt", 18, False),
    ("human_review_of_automated_decisions", "true", None, True),
    ("privacy_contact", "present", None, True),
    ("breach_response.channels", "contains_all", ["email"], True),
    ("breach_response.channels", "contains_all", ["email", "sms"], True),
    ("breach_response.channels", "contains_all", ["email", "postal_mail"], False),
    ("last_security_audit", "within", "P1Y", True),
    ("last_security_audit", "within", "P364D", False),
])
def test_each_operator_at_its_boundary(tmp_path: Path, fact: str, operator: str, value: Any,
                                       kept: bool) -> None:
    assert (not _verdict(tmp_path, fact, operator, value)) is kept


def test_a_false_or_missing_flag_is_not_true(tmp_path: Path) -> None:
    org = {**ORG, "human_review_of_automated_decisions": False}
    [finding] = _verdict(tmp_path, "human_review_of_automated_decisions", "true", org=org)
    assert finding.message == ("organisation fact 'human_review_of_automated_decisions' is "
                               "False; the policy requires true None")


def test_a_date_after_the_evaluation_is_not_within(tmp_path: Path) -> None:
    org = {**ORG, "last_security_audit": "2026-11-30"}
    [finding] = _verdict(tmp_path, "last_security_audit", "within", "P1Y", org=org)
    assert finding.evidence == {"rule": "last_security_audit", "fact": "last_security_audit",
                                "operator": "within", "expected": "P1Y",
                                "actual": "2026-11-30"}


def test_a_missing_fact_is_not_declared(tmp_path: Path) -> None:
    org = {k: v for k, v in ORG.items() if k != "minimum_user_age"}
    [finding] = _verdict(tmp_path, "minimum_user_age", "ge", 18, org=org)
    assert finding.message == "organisation fact 'minimum_user_age' is not declared"
    assert finding.remediation == "declare organisation.minimum_user_age"


def test_a_missing_nested_fact_is_not_declared(tmp_path: Path) -> None:
    org = {k: v for k, v in ORG.items() if k != "breach_response"}
    [finding] = _verdict(tmp_path, "breach_response.authority_notification_hours", "le", 72,
                         org=org)
    assert "is not declared" in finding.message


def test_a_missing_presence_fact_fails_as_absent(tmp_path: Path) -> None:
    org = {k: v for k, v in ORG.items() if k != "privacy_contact"}
    [finding] = _verdict(tmp_path, "privacy_contact", "present", org=org)
    assert finding.message == ("organisation fact 'privacy_contact' is None; the policy "
                               "requires present None")


def test_the_description_words_the_requirement(tmp_path: Path) -> None:
    result = run_check(tmp_path, {"kind": "organisational-facts", "requirements": [
        {"fact": "minimum_user_age", "operator": "ge", "value": 21,
         "description": "an age gate at 21"}]}, {"organisation": ORG})
    [finding] = only(result, Status.FAIL)
    assert finding.message.endswith("is 18; the policy requires an age gate at 21")


def test_no_organisation_section_cannot_be_judged(tmp_path: Path) -> None:
    result = run_check(tmp_path, {"kind": "organisational-facts", "requirements": [
        {"fact": "privacy_contact", "operator": "present"}]},
        {"systems": [{"id": "shop", "name": "Shop", "type": "internal", "role": "storefront",
                      "country": "MA"}]})
    [finding] = result.findings
    assert finding.status is Status.ERROR and finding.subject.id == "organisation"


def test_an_unknown_fact_is_refused_with_the_known_ones() -> None:
    from pledge.checks.kinds.organisational_facts import Requirement

    with pytest.raises(ValueError, match="unknown organisation fact 'privacy_contacts'"):
        Requirement(fact="privacy_contacts", operator="present")
    with pytest.raises(ValueError, match=r"unknown organisation fact 'breach_response\.hours'"):
        Requirement(fact="breach_response.hours", operator="present")


def test_an_unknown_fact_is_refused_naming_every_known_fact() -> None:
    from pledge.checks.kinds.organisational_facts import Requirement
    from pledge.policy_model.inventory import Organisation

    known = ", ".join(sorted(Organisation.model_fields))
    with pytest.raises(ValueError) as refused:
        Requirement(fact="nope", operator="present")
    assert f"Value error, unknown organisation fact 'nope' (known: {known}) [" in str(
        refused.value)
    assert "privacy_contact, security_measures" in known


@pytest.mark.parametrize("operator", ["contains_all", "eq", "ne"])
def test_a_compared_value_outside_the_facts_vocabulary_is_refused(operator: str) -> None:
    from pledge.checks.kinds.organisational_facts import Requirement

    value = ["emial"] if operator == "contains_all" else "emial"
    with pytest.raises(ValueError) as refused:
        Requirement(fact="breach_response.channels", operator=operator, value=value)
    assert ("Value error, 'emial' is not a notification channel for breach_response.channels: "
            "did you mean email? [") in str(refused.value)


def test_a_value_is_not_held_to_the_vocabulary_where_the_operator_does_not_compare_it() -> None:
    from pledge.checks.kinds.organisational_facts import Requirement

    requirement = Requirement(fact="breach_response.channels", operator="present", value="x")
    assert requirement.value == "x"
