"""access-control: each default public role and exposure fails, each aspect can stand alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pledge.checks.findings import Status
from tests.helpers import failing, run_check, run_judged

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
    (["public", "support_agent", "analyst*"], None, ["analyst*", "public"]),
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


def test_internal_only_skips_the_stores_third_parties_run(tmp_path: Path) -> None:
    vendor = {"id": "crm", "name": "CRM", "type": "third_party", "role": "support",
              "country": "IE"}
    stores = [_store("ours", access_roles=["public"]),
              {**_store("theirs", access_roles=["public"]), "system": "crm"}]
    inventory = {"systems": [SHOP, vendor], "stores": stores}
    everyone = run_check(tmp_path / "all", {"kind": "access-control"}, inventory)
    assert failing(everyone) == {"ours", "theirs"}
    internal = run_check(tmp_path / "internal", {"kind": "access-control",
                                                 "internal_only": True}, inventory)
    assert failing(internal) == {"ours"} and internal.outcomes[0].checked == 1


def test_an_aspect_left_out_is_not_reported_for_a_store_failing_another(tmp_path: Path) -> None:
    stores = [_store("db", access_roles=["public"], exposure="internet",
                     encryption_at_rest=False)]
    result = run_check(tmp_path, {"kind": "access-control", "aspects": ["roles"],
                                  "require_encryption_at_rest": True},
                       {"systems": [SHOP], "stores": stores})
    assert [f.evidence["rule"] for f in result.findings if f.status is Status.FAIL] == [
        "public-role"]


@pytest.mark.parametrize(("aspects", "reason"), [
    (["roles", "exposure", "encryption"],
     "access roles support_agent, auditor; exposure private; encrypted at rest"),
    (["exposure"], "exposure private"),
    (["encryption"], "encrypted at rest"),
])
def test_each_kept_store_is_listed_with_what_it_shows(tmp_path: Path, aspects: list[str],
                                                      reason: str) -> None:
    stores = [_store("db", access_roles=["support_agent", "auditor"]),
              {**_store("logs"), "fields": [{"name": "n", "category": "system.operations"}]}]
    result, judged = run_judged(tmp_path, {"kind": "access-control", "aspects": aspects,
                                           "require_encryption_at_rest": True},
                                {"systems": [SHOP], "stores": stores})
    assert failing(result) == set()
    assert [(j.subject_type, j.subject_id, j.verdict, j.reason) for j in judged] == [
        ("store", "db", "pass", reason)]
    assert judged[0].line


def test_a_store_not_encrypted_at_rest_is_named_with_the_fix(tmp_path: Path) -> None:
    result = run_check(tmp_path, {"kind": "access-control", "aspects": ["encryption"],
                                  "require_encryption_at_rest": True},
                       {"systems": [SHOP], "stores": [_store("db", encryption_at_rest=False)]})
    [finding] = [f for f in result.findings if f.status is Status.FAIL]
    assert (finding.subject.type, finding.subject.id) == ("store", "db")
    assert finding.message == "store 'db' is not encrypted at rest"
    assert finding.remediation == "enable encryption at rest"
    assert finding.evidence["rule"] == "unencrypted"
