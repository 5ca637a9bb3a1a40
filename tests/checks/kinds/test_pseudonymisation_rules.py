"""pseudonymisation: a store kept for several checked purposes is named with each of them."""

from __future__ import annotations

from pathlib import Path

from pledge.checks.findings import Status
from tests.helpers import only, run_check, run_judged

PROFILING = "marketing.advertising.profiling"
SHOP = {"id": "shop", "name": "Shop", "type": "internal", "role": "storefront", "country": "MA"}


def test_every_checked_purpose_of_the_store_is_named(tmp_path: Path) -> None:
    store = {"id": "warehouse", "name": "Warehouse", "system": "shop",
             "purposes": ["analytics.reporting", "essential.service", PROFILING],
             "fields": [{"name": "email", "category": "user.contact.email"},
                        {"name": "visitor", "category": "user.unique_id.pseudonymous"}]}
    result = run_check(tmp_path, {"kind": "pseudonymisation",
                                  "purposes": ["analytics", PROFILING]},
                       {"systems": [SHOP], "stores": [store]})
    [finding] = only(result, Status.FAIL)
    assert finding.subject.id == "warehouse.email"
    assert finding.message == (f"store 'warehouse' is kept for analytics.reporting, {PROFILING} "
                               "but field 'email' holds user.contact.email in the clear")
    assert finding.evidence["purposes"] == ["analytics.reporting", PROFILING]
    assert result.outcomes[0].checked == 1


def test_each_field_of_a_checked_store_is_listed_with_why_it_keeps_or_breaks(
        tmp_path: Path) -> None:
    stores = [{"id": "warehouse", "name": "Warehouse", "system": "shop",
               "purposes": [PROFILING],
               "fields": [{"name": "email", "category": "user.contact.email"},
                          {"name": "hashed", "category": "user.contact.email",
                           "pseudonymised": True},
                          {"name": "visitor", "category": "user.unique_id.pseudonymous"},
                          {"name": "clicks", "category": "user.behavior.browsing_history"}]},
              {"id": "orders", "name": "Orders", "system": "shop",
               "purposes": ["essential.service"],
               "fields": [{"name": "email", "category": "user.contact.email"}]}]
    result, judged = run_judged(tmp_path, {"kind": "pseudonymisation", "purposes": [PROFILING]},
                                {"systems": [SHOP], "stores": stores})
    assert [f.subject.id for f in only(result, Status.FAIL)] == ["warehouse.email"]
    assert [(j.subject_type, j.subject_id, j.verdict, j.reason) for j in judged] == [
        ("field", "warehouse.clicks", "pass", "user.behavior.browsing_history, not an identifier"),
        ("field", "warehouse.email", "fail", "store 'warehouse' is kept for "
         f"{PROFILING} but field 'email' holds user.contact.email in the clear"),
        ("field", "warehouse.hashed", "pass", "user.contact.email, marked pseudonymised"),
        ("field", "warehouse.visitor", "pass",
         "user.unique_id.pseudonymous, a pseudonymous category"),
        ("store", "warehouse", "pass",
         f"kept for {PROFILING}: its fields are judged one by one")]
    assert all(j.line for j in judged)


def test_stores_kept_for_the_purposes_are_listed_with_their_fields(tmp_path: Path) -> None:
    """An auditor sees every store the commitment covered, the one without fields included,
    and not the stores kept for other purposes."""
    stores = [{"id": "warehouse", "name": "Warehouse", "system": "shop",
               "purposes": ["analytics.reporting"],
               "fields": [{"name": "visitor", "category": "user.unique_id.pseudonymous"}]},
              {"id": "empty_mart", "name": "Empty mart", "system": "shop",
               "purposes": [PROFILING], "fields": []},
              {"id": "orders", "name": "Orders", "system": "shop",
               "purposes": ["essential.service"],
               "fields": [{"name": "email", "category": "user.contact.email"}]}]
    result = run_check(tmp_path, {"kind": "pseudonymisation",
                                  "purposes": ["analytics", PROFILING]},
                       {"systems": [SHOP], "stores": stores})
    [outcome] = result.outcomes
    items = {(t, i): (v, r) for scope in outcome.scopes for t, i, v, r, _ in scope.items()}
    assert items[("store", "warehouse")] == (
        "pass", "kept for analytics.reporting: its fields are judged one by one")
    assert items[("store", "empty_mart")][1].startswith(f"kept for {PROFILING}")
    assert ("store", "orders") not in items and ("field", "orders.email") not in items
    assert items[("field", "warehouse.visitor")][0] == "pass"
    assert result.outcomes[0].checked == 2


def test_a_name_that_identifies_people_under_another_label_is_reported(tmp_path: Path) -> None:
    def field(name: str, category: str, **flags: bool) -> dict[str, object]:
        return {"name": name, "category": category, **flags}

    stores = [{"id": "orders", "name": "Orders", "system": "shop",
               "purposes": ["essential.service"],  # not kept for a checked purpose
               "fields": [field("email_address", "system.operations")]},
              {"id": "warehouse", "name": "Warehouse", "system": "shop", "purposes": [PROFILING],
               "fields": [field("email_address", "system.operations", pseudonymised=True),
                          field("contact_email", "user.unique_id.pseudonymous")]},
              {"id": "mailing", "name": "Mailing", "system": "shop",
               "purposes": ["analytics.reporting", PROFILING],
               "fields": [field("email_address", "system.operations")]}]
    result = run_check(tmp_path, {"kind": "pseudonymisation",
                                  "purposes": ["analytics", PROFILING]},
                       {"systems": [SHOP], "stores": stores})
    [finding] = [f for f in only(result, Status.FAIL) if f.evidence["rule"] == "label"]
    assert (finding.subject.type, finding.subject.id) == ("field", "mailing.email_address")
    assert finding.message.endswith(
        f"labelled system.operations: store 'mailing' is kept for analytics.reporting, "
        f"{PROFILING}, and the name says it identifies people in the clear")
    assert finding.remediation == ("label it user.contact.email and pseudonymise it (mark it "
                                   "pseudonymised: true), or waive this finding if the name "
                                   "misleads")
    assert finding.evidence == {"rule": "label", "store": "mailing",
                                "category": "system.operations",
                                "suggested": "user.contact.email", "label_rule": "email"}
