"""organisational-facts: every operator at its boundary, and the words of each failure."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pledge.checks.findings import Status
from tests.conftest import run_inprocess
from tests.helpers import only, run_check, run_judged

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


SHOP = {"id": "shop", "name": "Shop", "type": "internal", "role": "storefront", "country": "MA"}


def _signup(flow_id: str, source: str) -> dict[str, Any]:
    return {"id": flow_id, "source": source, "target": "shop", "categories": ["user.name"],
            "purposes": ["essential.service"], "transport": {"protocol": "https", "tls": "1.3"}}


def _groups(requirement: dict[str, Any], tmp_path: Path) -> Any:
    """Two groups of minors (one sending in two flows, one in one), teenagers declaring their
    own minimum age, adults declaring theirs, and a minor group that sends nothing."""
    return run_judged(tmp_path, {"kind": "organisational-facts", "requirements": [requirement]}, {
        "organisation": ORG, "systems": [SHOP],
        "data_subjects": [
            {"id": "juniors", "name": "Juniors", "category": "customer.minor"},
            {"id": "kids", "name": "Kids", "category": "customer.minor"},
            {"id": "teens", "name": "Teens", "category": "customer", "minimum_age": 16},
            {"id": "adults", "name": "Adults", "category": "customer", "minimum_age": 21},
            {"id": "quiet", "name": "Quiet", "category": "customer.minor"}],
        "flows": [_signup("j2", "juniors"), _signup("j1", "juniors"), _signup("k1", "kids"),
                  _signup("t1", "teens"), _signup("a1", "adults")]})


def _line(tmp_path: Path, text: str, after: str = "") -> int:
    """The line of the written inventory holding ``text`` (the first after ``after``)."""
    lines = (tmp_path / "inventory" / "inventory.yaml").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if after in line)
    return next(i for i, line in enumerate(lines) if i >= start and text in line) + 1


def test_minors_sending_data_break_an_adult_age_floor(tmp_path: Path) -> None:
    result, judged = _groups({"fact": "minimum_user_age", "operator": "ge", "value": 18},
                             tmp_path)
    minors = [f for f in only(result, Status.FAIL) if f.evidence["rule"].endswith(":minors")]
    assert [(f.subject.type, f.subject.id, f.message, f.remediation, f.evidence)
            for f in minors] == [
        ("subject", "juniors", "data subject 'juniors' is a group of minors (category "
         "customer.minor) and sends personal data in flows j1, j2: the policy requires "
         "minimum_user_age ge 18, and data knowingly collected from minors breaks it",
         "stop collecting data from this group, or remove the flows from it",
         {"rule": "minimum_user_age:minors", "category": "customer.minor",
          "flows": ["j1", "j2"], "expected": 18, "operator": "ge"}),
        ("subject", "kids", "data subject 'kids' is a group of minors (category "
         "customer.minor) and sends personal data in flow k1: the policy requires "
         "minimum_user_age ge 18, and data knowingly collected from minors breaks it",
         "stop collecting data from this group, or remove the flows from it",
         {"rule": "minimum_user_age:minors", "category": "customer.minor", "flows": ["k1"],
          "expected": 18, "operator": "ge"})]
    assert [f.location.line if f.location else None for f in minors] == [
        _line(tmp_path, "category: customer.minor", "id: juniors"),
        _line(tmp_path, "category: customer.minor", "id: kids")]
    assert result.outcomes[0].checked == 5  # two groups of minors, two ages, the organisation
    assert ("subject", "quiet") not in {(j.subject_type, j.subject_id) for j in judged}


@pytest.mark.parametrize(("operator", "value", "held"), [
    ("ge", 18, True), ("gt", 17, True), ("ge", 17, False), ("gt", 16, False),
    ("le", 21, False), ("eq", 18, False)])
def test_minors_are_held_only_to_a_floor_of_adulthood(tmp_path: Path, operator: str,
                                                      value: int, held: bool) -> None:
    result, _ = _groups({"fact": "minimum_user_age", "operator": operator, "value": value},
                        tmp_path)
    minors = [f.subject.id for f in only(result, Status.FAIL)
              if f.evidence["rule"].endswith(":minors")]
    assert minors == (["juniors", "kids"] if held else [])


def test_each_group_declaring_its_own_age_is_held_to_the_promise(tmp_path: Path) -> None:
    result, judged = _groups({"fact": "minimum_user_age", "operator": "ge", "value": 18},
                             tmp_path)
    [teens] = [f for f in only(result, Status.FAIL) if f.evidence["rule"].endswith(":subject")]
    assert (teens.subject.type, teens.subject.id) == ("subject", "teens")
    assert teens.message == ("data subject 'teens' declares minimum_age 16; the policy "
                             "requires minimum_user_age ge 18, for every group served")
    assert teens.remediation == "serve this group only at ge 18, or stop collecting its data"
    assert teens.evidence == {"rule": "minimum_user_age:subject", "fact": "minimum_age",
                              "operator": "ge", "expected": 18, "actual": 16}
    assert teens.location is not None
    assert teens.location.line == _line(tmp_path, "minimum_age: 16")
    [adults] = [j for j in judged if j.subject_id == "adults"]
    assert (adults.subject_type, adults.verdict, adults.reason, adults.line) == (
        "subject", "pass", "data subject 'adults' declares minimum_age 21: ge 18",
        _line(tmp_path, "minimum_age: 21"))


def test_each_fact_judged_is_listed_with_what_it_holds(tmp_path: Path) -> None:
    _, judged = run_judged(tmp_path, {"kind": "organisational-facts", "requirements": [
        {"fact": "minimum_user_age", "operator": "ge", "value": 18},
        {"fact": "privacy_contact", "operator": "present"},
        {"fact": "breach_response.channels", "operator": "contains_all", "value": ["email"],
         "description": "breaches told by email"}]}, {"organisation": ORG})
    assert [(j.subject_type, j.subject_id, j.verdict, j.reason, j.line) for j in judged] == [
        ("organisation", "breach_response.channels", "pass",
         "organisation fact 'breach_response.channels' is ['email', 'sms']: breaches told by "
         "email", _line(tmp_path, "channels:")),
        ("organisation", "minimum_user_age", "pass",
         "organisation fact 'minimum_user_age' is 18: ge 18", _line(tmp_path, "minimum_user_age")),
        ("organisation", "privacy_contact", "pass",
         "organisation fact 'privacy_contact' is 'privacy@org.ma': present",
         _line(tmp_path, "privacy_contact"))]


def test_a_missing_nested_fact_is_shown_at_its_parent(tmp_path: Path) -> None:
    [finding] = _verdict(tmp_path, "breach_response.authority", "eq", "CNDP")  # not declared
    assert (finding.subject.type, finding.subject.id) == (
        "organisation", "breach_response.authority")
    assert finding.location is not None
    assert finding.location.line == _line(tmp_path, "breach_response:")


def test_a_fact_of_a_json_inventory_is_shown_in_its_file(tmp_path: Path) -> None:
    inventory = json.dumps({"inventory": {"name": "test"},
                            "organisation": {**ORG, "minimum_user_age": 16}}, indent=2)
    result, judged = run_judged(tmp_path, {"kind": "organisational-facts", "requirements": [
        {"fact": "minimum_user_age", "operator": "ge", "value": 18}]}, inventory,
        "inventory.json")
    [finding] = only(result, Status.FAIL)
    assert finding.message == ("organisation fact 'minimum_user_age' is 16; the policy "
                               "requires ge 18")
    assert finding.location is not None and finding.location.file.endswith("inventory.json")
    assert [(j.subject_id, j.verdict) for j in judged] == [("minimum_user_age", "fail")]


def test_a_date_compared_to_a_date_is_not_read_as_a_period(tmp_path: Path) -> None:
    [finding] = _verdict(tmp_path, "last_security_audit", "ge", date(2026, 1, 1))
    assert finding.message == ("organisation fact 'last_security_audit' is '2025-11-29'; the "
                               "policy requires ge 2026-01-01")


def test_no_organisation_section_is_an_error_saying_what_to_add(tmp_path: Path) -> None:
    result = run_check(tmp_path, {"kind": "organisational-facts", "requirements": [
        {"fact": "privacy_contact", "operator": "present"}]}, {"systems": [SHOP]})
    [finding] = result.findings
    assert (finding.subject.type, finding.subject.id) == ("organisation", "organisation")
    assert finding.message == ("the inventory has no organisation section, so organisational "
                               "promises cannot be judged")
    assert finding.remediation == "add an organisation: section with the facts"


def test_explain_shows_what_a_requirement_needs_and_what_it_defaults_to() -> None:
    run = run_inprocess("explain", "organisational-facts", "--format", "json")
    assert run.code == 0, run.err
    requirement = json.loads(run.out)["kind"]["parameters_schema"]["$defs"]["Requirement"]
    assert requirement["required"] == ["fact", "operator"]
    assert {name: part.get("default", "required")
            for name, part in requirement["properties"].items()} == {
        "description": None, "fact": "required", "operator": "required", "value": None}
