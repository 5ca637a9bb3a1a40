"""`pledge import fides`: the Cookie House shop and small manifests, through the real CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from pledge.connectors.fides.retention import parse_retention
from tests.conftest import AS_OF, ROOT, run_inprocess, run_pledge

DATA = ROOT / "tests" / "data" / "fides"
COOKIE_HOUSE = DATA / "cookie_house"


def _write(path: Path, data: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _system(key: str, declarations: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"fides_key": key, "name": key.title(), "system_type": "Service",
            "privacy_declarations": declarations, **extra}


RULE = {"name": "no_loyalty_ads", "data_categories": {"matches": "ANY", "values": ["user"]},
        "data_uses": {"matches": "ANY", "values": ["marketing"]},
        "data_subjects": {"matches": "ANY", "values": ["customer"]}}


@pytest.fixture(scope="module")
def cookie_house(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cookie") / "imported"
    run = run_pledge("import", "fides", COOKIE_HOUSE, "--output", out)
    assert run.code == 0, run.err
    assert "6 systems, 22 stores, 5 flows, 6 processing activities" in run.err
    return out


def _inventory(out: Path) -> dict[str, Any]:
    return yaml.safe_load((out / "inventory" / "fides.yaml").read_text(encoding="utf-8"))


def test_cookie_house_import_validates(cookie_house: Path) -> None:
    run = run_inprocess("validate", cookie_house / "inventory",
                        cookie_house / "policy" / "fides-policy.yaml")
    assert run.code == 0, run.err
    assert run.out.count("ok:") == 2


def test_systems_from_capitalised_key_with_roles_and_declarations(cookie_house: Path) -> None:
    inv = _inventory(cookie_house)
    systems = {s["id"]: s for s in inv["systems"]}  # the manifest says `System:`
    assert len(systems) == 6
    assert systems["cookie_house_postgresql_database"]["role"] == "database"
    assert systems["cookie_house"]["role"] == "other"
    assert systems["cookie_house_marketing_system"]["purposes"] == [
        "marketing.advertising.first_party.targeted"]
    activity = next(a for a in inv["processing_activities"]
                    if a["id"] == "cookie_house_postgresql_database.1")
    assert activity["categories"] == ["user.contact", "user.financial"]
    assert activity["purposes"] == ["essential.service"]
    assert activity["data_subjects"] == ["customer"] and "legal_basis" not in activity
    assert inv["organisation"]["privacy_contact"] == "dpo@example.com"


def test_stores_flatten_nested_fields_by_path(cookie_house: Path) -> None:
    stores = {s["id"]: s for s in _inventory(cookie_house)["stores"]}
    details = stores["mongo_test.customer_details"]
    assert details["system"] == "cookie_house_customer_database"
    fields = {(f["name"], f["category"]) for f in details["fields"]}
    assert ("workplace_info.position", "user.job_title") in fields
    assert ("emergency_contacts.phone", "user.contact.phone_number") in fields
    assert not any(name == "workplace_info.employer" for name, _ in fields)  # no category
    card = {f["name"]: f["category"] for f in stores["postgres_example_test_dataset.payment_card"]
            ["fields"]}
    assert card["ccn"] == "user.financial.bank_account"


def test_flows_from_egress(cookie_house: Path) -> None:
    flows = {(f["source"], f["target"]): f for f in _inventory(cookie_house)["flows"]}
    assert set(flows) == {
        ("cookie_house_loyalty_database", "cookie_house"),
        ("cookie_house_postgresql_database", "cookie_house"),
        ("cookie_house_customer_database", "cookie_house"),
        ("cookie_house_marketing_system", "cookie_house_customer_database"),
        ("cookie_house_custom_request_fields_database", "cookie_house")}
    flow = flows[("cookie_house_postgresql_database", "cookie_house")]
    assert flow["categories"] == ["user.contact", "user.financial"]  # the source's, assumed
    assert flow["purposes"] == ["functional.service.improve"]  # the receiver's data use
    assert flow["transport"] == {"protocol": "unspecified"}


def test_what_is_not_imported_is_reported(cookie_house: Path) -> None:
    report = (cookie_house / "import-report.txt").read_text(encoding="utf-8")
    for said in ("'administrating_department' not imported", "fides_meta.references",
                 "Fides records no country", "field 'mongo_test.customer_details.workplace_info"
                 ".employer' has no data category", "Fides records no transport",
                 "'security_policy' not imported"):
        assert said in report, said
    assert "sample_systems.yml:15:" in report  # each note says where


def test_import_is_deterministic_and_prints_the_inventory(cookie_house: Path,
                                                          tmp_path: Path) -> None:
    run = run_inprocess("import", "fides", COOKIE_HOUSE, "--output", tmp_path / "again")
    assert run.code == 0
    for name in ("inventory/fides.yaml", "policy/fides-policy.yaml", "policy/fides-policy.txt",
                 "import-report.txt"):
        assert (tmp_path / "again" / name).read_bytes() == (cookie_house / name).read_bytes()
    printed = run_inprocess("import", "fides", COOKIE_HOUSE)
    assert printed.out == (cookie_house / "inventory" / "fides.yaml").read_text(encoding="utf-8")


def test_policy_rules_become_commitments_quoting_their_text(cookie_house: Path) -> None:
    policy = yaml.safe_load((cookie_house / "policy" / "fides-policy.yaml").read_text())
    (commitment,) = policy["commitments"]
    assert commitment["id"] == "FID-001"
    assert commitment["check"] == {
        "kind": "forbidden-combination",
        "data_categories": {"matches": "ANY", "values": ["user.contact"]},
        "data_uses": {"matches": "ANY", "values": ["marketing.advertising.third_party"]},
        "data_subjects": {"matches": "ANY", "values": ["customer"]}}
    text = (cookie_house / "policy" / "fides-policy.txt").read_text(encoding="utf-8")
    assert commitment["clause"]["quote"] in text
    run = run_inprocess("check", cookie_house / "inventory", "--policy",
                        cookie_house / "policy" / "fides-policy.yaml", "--as-of", AS_OF)
    assert run.code == 0, run.out + run.err  # Fides passes the shop too


def test_custom_taxonomy_is_added_for_the_run(tmp_path: Path) -> None:
    _write(tmp_path / "m" / "taxonomy.yml", {
        "data_category": [{"fides_key": "user.loyalty", "name": "Loyalty tier",
                           "parent_key": "user"}],
        "data_use": [{"fides_key": "marketing.loyalty", "name": "Loyalty offers",
                      "parent_key": "marketing"}]})
    _write(tmp_path / "m" / "shop.yml", {
        "system": [_system("shop", [{"data_categories": ["user.loyalty"],
                                     "data_use": "marketing.loyalty",
                                     "data_subjects": ["customer"]}])],
        "policy": [{"fides_key": "p", "rules": [
            {**RULE, "data_categories": {"matches": "ANY", "values": ["user.loyalty"]}}]}]})
    run = run_inprocess("check", "--from", "fides", tmp_path / "m", "--as-of", AS_OF)
    assert run.code == 1, run.err
    assert "user.loyalty for marketing.loyalty about customer" in run.out
    out = run_inprocess("import", "fides", tmp_path / "m", "--output", tmp_path / "o")
    assert "custom taxonomy entries were added for this run" in out.err
    assert "user.loyalty (Loyalty tier) added to the vocabulary" in (
        tmp_path / "o" / "import-report.txt").read_text()


def test_a_custom_entry_must_sit_under_its_dotted_parent(tmp_path: Path) -> None:
    _write(tmp_path / "t.yml", {"data_category": [
        {"fides_key": "user.loyalty", "name": "Loyalty", "parent_key": "system"}]})
    run = run_inprocess("import", "fides", tmp_path / "t.yml")
    assert run.code == 2
    assert "t.yml:4: PLG-E026 data_category 'user.loyalty' has parent_key 'system'" in run.err


def test_a_declaration_without_data_subjects_is_not_exempt(tmp_path: Path) -> None:
    """Fides never fires a rule on a declaration with no data subjects; pledge does."""
    manifest = _write(tmp_path / "m.yml", {
        "system": [_system("mailer", [{"name": "Newsletter", "data_categories": ["user.contact"],
                                       "data_use": "marketing.communications.email",
                                       "data_subjects": []}])],
        "policy": [{"fides_key": "p", "rules": [RULE]}]})
    run = run_inprocess("check", "--from", "fides", manifest, "--as-of", AS_OF, "-f", "json")
    assert run.code == 1
    import json

    (finding,) = [f for f in json.loads(run.out)["findings"] if f["status"] == "fail"]
    assert finding["subject"]["id"] == "mailer.1"
    assert "customer" in finding["evidence"]["data_subjects"]
    out = run_inprocess("import", "fides", manifest, "--output", tmp_path / "o")
    assert "names no data subjects (Fides exempts it from every rule)" in (
        tmp_path / "o" / "import-report.txt").read_text()
    assert out.code == 0


def test_retention_text_and_legal_basis(tmp_path: Path) -> None:
    manifest = _write(tmp_path / "m.yml", {
        "system": [_system("shop", [{"data_categories": ["user.contact"],
                                     "data_use": "essential.service",
                                     "data_subjects": ["customer"],
                                     "legal_basis_for_processing": "Legitimate interests",
                                     "retention_period": "7 years after the last order",
                                     "dataset_references": ["db"]}])],
        "dataset": [{"fides_key": "db", "collections": [
            {"name": "users", "fields": [
                {"name": "email", "data_categories": ["user.contact.email"],
                 "retention": "30 days"},
                {"name": "note", "data_categories": ["user"],
                 "retention": "No retention or erasure policy"}]},
            {"name": "logs", "retention": "P90D",
             "fields": [{"name": "ip", "data_categories": ["user.device.ip_address"]}]}]}]})
    run = run_inprocess("import", "fides", manifest, "--output", tmp_path / "o")
    assert run.code == 0, run.err
    inv = _inventory(tmp_path / "o")
    stores = {s["id"]: s for s in inv["stores"]}
    assert stores["db.users"]["retention"] == "P7Y"  # from the declaration
    assert stores["db.logs"]["retention"] == "P90D"  # its own wins
    assert stores["db.users"]["fields"][0]["retention"] == "P30D"
    assert inv["processing_activities"][0]["legal_basis"] == "legitimate_interests"
    assert "retention 'No retention or erasure policy' states no duration" in (
        tmp_path / "o" / "import-report.txt").read_text()


@pytest.mark.parametrize(("text", "duration"), [
    ("30 days", "P30D"), ("7 years after account closure", "P7Y"), ("P6M", "P6M"),
    ("one year", "P1Y"), ("13 months, or 2 years for disputes", "P2Y"),
    ("Indefinitely", "indefinite"), ("No retention or erasure policy", None), ("", None),
    ("a week", "P1W")])
def test_retention_text(text: str, duration: str | None) -> None:
    assert parse_retention(text) == duration


def test_dangling_flow_and_template_key_are_errors(tmp_path: Path) -> None:
    manifest = _write(tmp_path / "m.yml", {"system": [_system(
        "shop", [], egress=[{"fides_key": "nowhere", "type": "system"}])]})
    run = run_inprocess("import", "fides", manifest)
    assert run.code == 2 and "PLG-E008 a flow names 'nowhere' (system)" in run.err
    run = run_inprocess("import", "fides", DATA / "saas" / "mailchimp_dataset.yml")
    assert run.code == 2 and "a template's placeholder" in run.err
    text = (DATA / "saas" / "mailchimp_dataset.yml").read_text().replace(
        "<instance_fides_key>", "mailchimp_instance")
    (tmp_path / "mailchimp.yml").write_text(text)
    run = run_inprocess("import", "fides", tmp_path / "mailchimp.yml")
    assert run.code == 0, run.err
    inv = yaml.safe_load(run.out)
    assert [s["id"] for s in inv["systems"]] == ["mailchimp_instance"]
    assert {s["system"] for s in inv["stores"]} == {"mailchimp_instance"}


def test_not_a_manifest(tmp_path: Path) -> None:
    run = run_inprocess("import", "fides", DATA / "fides_tests_ctl_data" / "sample_manifest.yml")
    assert run.code == 2 and "not a fideslang manifest" in run.err
    assert run.out == ""


def test_the_record_of_processing_says_when_fides_names_no_legal_basis(cookie_house: Path,
                                                                       tmp_path: Path) -> None:
    run = run_inprocess("report", cookie_house / "inventory", "--output-dir", tmp_path,
                        "--as-of", AS_OF, "-f", "ropa-md")
    assert run.code == 1, run.err  # MAROSOAP's promises are not the Cookie House's
    record = (tmp_path / "ropa.md").read_text(encoding="utf-8")
    assert record.count("not declared") >= 6  # one per imported declaration
