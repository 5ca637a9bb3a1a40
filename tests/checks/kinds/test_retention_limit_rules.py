"""retention-limit: a duration needs a limit, an override needs its purposes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pledge.checks.findings import Status
from tests.conftest import run_inprocess
from tests.helpers import failing, only, policy_with, run_check, run_judged

STORE = {"id": "crm", "name": "CRM", "system": "shop", "purposes": ["essential.service"],
         "disposal": "delete",
         "fields": [{"name": "email", "category": "user.contact.email", "retention": "P10Y"}]}
INVENTORY = {"systems": [{"id": "shop", "name": "Shop", "type": "internal", "role": "storefront",
                          "country": "MA"}], "stores": [STORE]}


@pytest.mark.parametrize("aspects", [None, ["duration"], ["duration", "disposal"]])
def test_checking_durations_without_a_limit_is_refused(aspects: list[str] | None) -> None:
    check = {"kind": "retention-limit", **({"aspects": aspects} if aspects else {})}
    refusal = r"error, max_retention is required when 'duration' is checked \["
    with pytest.raises(ValueError, match=refusal):
        policy_with(check)


def test_disposal_alone_needs_no_limit(tmp_path: Path) -> None:
    result = run_check(tmp_path, {"kind": "retention-limit", "aspects": ["disposal"]}, INVENTORY)
    assert only(result, Status.FAIL) == []  # ten years kept, but only disposal is checked
    assert result.outcomes[0].checked == 1


def test_an_override_without_purposes_is_refused() -> None:
    check = {"kind": "retention-limit", "max_retention": "P1Y",
             "overrides": [{"max_retention": "P5Y"}]}
    with pytest.raises(ValueError, match=r"overrides\.0\.purposes"):
        policy_with(check)


def test_an_override_for_the_fields_purpose_lengthens_the_limit(tmp_path: Path) -> None:
    check = {"kind": "retention-limit", "max_retention": "P1Y",
             "overrides": [{"purposes": ["essential.service"], "max_retention": "P10Y",
                            "reason": "warranty claims"}]}
    assert failing(run_check(tmp_path / "a", check, INVENTORY)) == set()
    assert failing(run_check(tmp_path / "b", {**check, "overrides": []}, INVENTORY)) == {
        "crm.email"}


def test_a_mislabelled_field_is_judged_only_where_its_purposes_are_checked(
        tmp_path: Path) -> None:
    stores = [{"id": name, "name": name.title(), "system": "shop", "retention": "P2Y",
               "purposes": [purpose],
               "fields": [{"name": "email_address", "category": "system.operations"}]}
              for name, purpose in (("mailing", "marketing.communications.email"),
                                    ("orders", "essential.service"))]
    check = {"kind": "retention-limit", "max_retention": "P1Y", "purposes": ["marketing"]}
    result = run_check(tmp_path, check, {**INVENTORY, "stores": stores})
    [finding] = only(result, Status.FAIL)
    assert finding.subject.id == "mailing.email_address"
    assert finding.evidence["rule"] == "label"
    assert "the label keeps it out of this retention rule, the name puts it in" in (
        finding.message)


@pytest.mark.parametrize(("aspects", "email", "visits"), [
    (["duration", "disposal"], "user.contact.email: kept P1Y within P2Y, disposal delete",
     "user.behavior.browsing_history: kept P3Y within P5Y, disposal anonymise"),
    (["duration"], "user.contact.email: kept P1Y within P2Y",
     "user.behavior.browsing_history: kept P3Y within P5Y"),
    (["disposal"], "user.contact.email: disposal delete",
     "user.behavior.browsing_history: disposal anonymise"),
])
def test_each_kept_field_is_listed_with_its_retention_and_disposal(
        tmp_path: Path, aspects: list[str], email: str, visits: str) -> None:
    store = {**STORE, "fields": [
        {"name": "email", "category": "user.contact.email", "retention": "P1Y"},
        {"name": "visits", "category": "user.behavior.browsing_history", "retention": "P3Y",
         "purposes": ["analytics.reporting"], "disposal": "anonymise"}]}
    result, judged = run_judged(tmp_path, {
        "kind": "retention-limit", "max_retention": "P2Y", "aspects": aspects,
        "overrides": [{"purposes": ["analytics"], "max_retention": "P5Y"}]},
        {**INVENTORY, "stores": [store]})
    assert only(result, Status.FAIL) == []
    assert [(j.subject_type, j.subject_id, j.verdict, j.reason) for j in judged] == [
        ("field", "crm.email", "pass", email), ("field", "crm.visits", "pass", visits)]
    assert all(j.line for j in judged)


def test_explain_shows_what_an_override_needs_and_defaults_to() -> None:
    run = run_inprocess("explain", "retention-limit", "--format", "json")
    assert run.code == 0, run.err
    override = json.loads(run.out)["kind"]["parameters_schema"]["$defs"]["Override"]
    assert override["required"] == ["purposes", "max_retention"]
    assert override["properties"]["reason"]["default"] is None


def test_a_name_under_a_skipped_label_is_reported_after_names_not_in_scope(
        tmp_path: Path) -> None:
    def store(store_id: str, purpose: str, name: str) -> dict[str, object]:
        return {"id": store_id, "name": store_id.title(), "system": "shop", "retention": "P2Y",
                "purposes": [purpose], "disposal": "delete",
                "fields": [{"name": name, "category": "system.operations"}]}

    stores = [store("orders", "essential.service", "email_address"),  # purpose not checked
              store("people", "marketing.communications.email", "birth_date"),  # not contact
              store("mailing", "marketing.communications.email", "email_address")]
    check = {"kind": "retention-limit", "categories": ["user.contact"], "max_retention": "P1Y",
             "purposes": ["marketing"]}
    result = run_check(tmp_path, check, {**INVENTORY, "stores": stores})
    [finding] = only(result, Status.FAIL)
    assert finding.subject.id == "mailing.email_address"
    assert finding.message.endswith("labelled system.operations: the label keeps it out of "
                                    "this retention rule, the name puts it in")
    assert finding.remediation == ("label the field user.contact.email (and keep it within the "
                                   "rule), or waive this finding if the name misleads")
    assert finding.evidence == {"rule": "label", "category": "system.operations",
                                "suggested": "user.contact.email", "label_rule": "email",
                                "store": "mailing"}
