"""Durations that run past the year 9999 are compared, never a crash (found by the fuzz run)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pledge.checks.findings import Status
from pledge.policy_model.durations import BEYOND_CALENDAR, add, exceeds, within
from tests.helpers import run_check


def test_a_duration_past_the_calendar_is_longer_than_any_on_it() -> None:
    assert exceeds("P100000Y", "P5Y")
    assert not exceeds("P5Y", "P100000Y")
    assert exceeds("P100000Y", "P99999Y") and not exceeds("P99999Y", "P100000Y")
    assert not exceeds("P100000Y", "P100000Y")
    assert add(date(2026, 1, 1), "P100000Y") == BEYOND_CALENDAR
    assert within(date(2020, 1, 1), date(2026, 11, 29), "P100000Y")


def test_a_field_kept_for_a_hundred_thousand_years_fails_the_retention_limit(
        tmp_path: Path) -> None:
    result = run_check(tmp_path, {"kind": "retention-limit", "categories": ["user"],
                                  "max_retention": "P5Y", "aspects": ["duration"]}, {
        "systems": [{"id": "shop", "name": "Shop", "type": "internal", "role": "storefront",
                     "country": "MA", "purposes": ["essential.service"]}],
        "stores": [{"id": "db", "name": "DB", "system": "shop", "exposure": "private",
                    "encryption_at_rest": True, "access_roles": ["support"],
                    "purposes": ["essential.service"], "retention": "P100000Y",
                    "disposal": "delete",
                    "fields": [{"name": "email", "category": "user.contact.email"}]}],
    })
    statuses = {f.status for f in result.findings}
    assert Status.ERROR not in statuses
    assert [f.subject.id for f in result.findings if f.status is Status.FAIL] == ["db.email"]
