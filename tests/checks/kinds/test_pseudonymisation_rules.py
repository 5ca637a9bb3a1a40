"""pseudonymisation: a store kept for several checked purposes is named with each of them."""

from __future__ import annotations

from pathlib import Path

from pledge.checks.findings import Status
from tests.helpers import only, run_check

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
