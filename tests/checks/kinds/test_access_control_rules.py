"""access-control: each default public role and exposure fails, each aspect can stand alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pledge.checks.findings import Status
from tests.helpers import failing, run_check

SHOP = {"id": "shop", "name": "Shop", "type": "internal", "role": "storefront", "country": "MA"}


def _store(sid: str, **facts: Any) -> dict[str, Any]:
    return {"id": sid, "name": sid, "system": "shop", "encryption_at_rest": True,
            "access_roles": ["support_agent"], "exposure": "private",
            "fields": [{"name": "email", "category": "user.contact.email"}], **facts}


@pytest.mark.parametrize("role", [
    "public", "anyone", "everyone", "everybody", "world", "anonymous", "guest", "allUsers",
    "allAuthenticatedUsers", "authenticated_users", "authenticated", "all_users", "users",
    "all_staff", "staff", "all_employees", "employees", "all", "internal", "*", "PUBLIC",
    "AllUsers", "All-Users", "all.staff"])
def test_each_default_public_role_fails_whatever_its_case(tmp_path: Path, role: str) -> None:
    stores = [_store("open", access_roles=["support_agent", role]), _store("named")]
    result = run_check(tmp_path, {"kind": "access-control"}, {"systems": [SHOP], "stores": stores})
    assert failing(result) == {"open"}


@pytest.mark.parametrize(("exposure", "fails"), [("internet", True), ("public", True),
                                                  ("internal", False), ("private", False)])
def test_default_exposure_limits(tmp_path: Path, exposure: str, fails: bool) -> None:
    result = run_check(tmp_path, {"kind": "access-control"},
                       {"systems": [SHOP], "stores": [_store("db", exposure=exposure)]})
    assert failing(result) == ({"db"} if fails else set())


@pytest.mark.parametrize(("aspect", "expected"), [
    ("roles", {"roleless"}), ("exposure", {"exposed"}), ("encryption", {"plain"})])
def test_each_aspect_alone_checks_only_itself(tmp_path: Path, aspect: str,
                                              expected: set[str]) -> None:
    stores = [_store("roleless", access_roles=[]), _store("exposed", exposure="internet"),
              _store("plain", encryption_at_rest=False), _store("fine")]
    check = {"kind": "access-control", "aspects": [aspect], "require_encryption_at_rest": True}
    result = run_check(tmp_path, check, {"systems": [SHOP], "stores": stores})
    assert failing(result) == expected
    assert result.outcomes[0].checked == 4


def test_encryption_is_not_required_unless_asked(tmp_path: Path) -> None:
    result = run_check(tmp_path, {"kind": "access-control"},
                       {"systems": [SHOP], "stores": [_store("plain", encryption_at_rest=False)]})
    assert failing(result) == set()


@pytest.mark.parametrize(("roles", "forbidden_roles", "open_roles"), [
    (["analyst*", "support_agent"], None, ["analyst*"]),  # the default list holds "*"
    (["s3:*"], None, ["s3:*"]),
    (["*"], ["*"], ["*"]),
    (["analyst*", "public"], ["public"], ["public"]),  # no "*" forbidden: a pattern is a name
    (["analyst*"], ["analyst"], []),  # a wildcard is not its stem
])
def test_a_role_holding_a_wildcard_is_broad_while_the_list_forbids_wildcards(
        tmp_path: Path, roles: list[str], forbidden_roles: list[str] | None,
        open_roles: list[str]) -> None:
    check: dict[str, Any] = {"kind": "access-control", "aspects": ["roles"]}
    if forbidden_roles is not None:
        check["forbidden_roles"] = forbidden_roles
    result = run_check(tmp_path, check, {"systems": [SHOP], "stores": [
        _store("db", access_roles=roles)]})
    found = [f for f in result.findings if f.status is Status.FAIL]
    assert [f.evidence["rule"] for f in found] == (["public-role"] if open_roles else [])
    if open_roles:
        assert found[0].message == (f"store 'db' grants access to {', '.join(open_roles)}: a "
                                    "public or broad role, not named staff roles")
