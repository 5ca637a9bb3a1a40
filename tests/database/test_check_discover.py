"""``pledge check --discover``: the policy judged on what the databases really hold."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from tests.conftest import AS_OF, INVENTORY, run_pledge
from tests.database.conftest import Database, load_pg
from tests.database.test_discover import one_line_error, run_fast

STORE = {"system": "web_shop", "technology": "postgresql", "exposure": "private",
         "encryption_at_rest": True, "access_roles": ["customer_service"],
         "purposes": ["essential.service"], "retention": "P3Y", "disposal": "delete"}


def shop_inventory(tmp_path: Path, db: Database, *, legacy_fields: list[dict] | None = None,
                   token_category: str = "user.financial.credit_card.token") -> Path:
    """The bundled inventory plus stores describing the shop's three tables."""
    root = tmp_path / "inventory"
    shutil.copytree(INVENTORY, root)
    where = f"{db.dsn}#{db.schema}." if db.schema else f"{db.dsn}#"
    stores = [
        {"id": "shop_customers", "name": "Customers", **STORE,
         "connection": where + "customers", "fields": [
             {"name": "email", "category": "user.contact.email"},
             {"name": "first_name", "category": "user.name.first"},
             {"name": "last_name", "category": "user.name.last"},
             {"name": "phone", "category": "user.contact.phone_number"},
             {"name": "birth_date", "category": "user.demographic.date_of_birth"}]},
        {"id": "shop_orders", "name": "Orders", **STORE, "retention": "P18M",
         "connection": where + "orders",
         "fields": [
             {"name": "stripe_payment_method", "category": token_category, "tokenised": True},
             {"name": "card_last4", "category": "user.financial.credit_card.last_four"},
             {"name": "card_brand", "category": "user.financial.credit_card.brand"}]},
        {"id": "shop_legacy", "name": "Legacy payments", **STORE,
         "connection": where + "legacy_payments", "fields": legacy_fields or [
             {"name": "customer_id", "category": "user.unique_id"}]},
    ]
    (root / "shop_db.yaml").write_text(yaml.safe_dump({"stores": stores}, sort_keys=False),
                                       encoding="utf-8")
    return root


def failing(report: str) -> dict[tuple[str, str], dict]:
    """(commitment, subject) -> finding, for the failing findings of a JSON report."""
    findings = json.loads(report)["findings"]
    return {(f["commitment"], f["subject"]["id"]): f for f in findings if f["status"] == "fail"}


def test_check_fails_exactly_on_the_legacy_table(pg_shop: Database, tmp_path: Path) -> None:
    root = shop_inventory(tmp_path, pg_shop)
    plain = run_fast("check", root, "--as-of", AS_OF, "-f", "json")
    assert plain.code == 0, plain.err  # on paper every promise is kept
    run = run_pledge("check", root, "--discover", "--allow-host", "127.0.0.1",
                     "--as-of", AS_OF, "-f", "json")
    assert run.code == 1, run.err
    failed = failing(run.out)
    assert {subject.split(".")[0] for _, subject in failed} == {"shop_legacy"}
    assert set(failed) >= {("PAY-001", "shop_legacy.card_number"),
                           ("PAY-001", "shop_legacy.cvv"),
                           ("DISC-001", "shop_legacy.card_number"),
                           ("DISC-001", "shop_legacy.cvv")}
    card = failed[("PAY-001", "shop_legacy.card_number")]
    assert card["kind"] == "forbidden-storage"
    assert card["evidence"]["table"] == f"{pg_shop.schema}.legacy_payments"
    assert card["evidence"]["column"] == "card_number"
    assert card["evidence"]["rows"] == 5
    assert card["evidence"]["card_numbers_in_sample"] == 5
    assert card["evidence"]["last_four"] == ["0005", "1117", "4242"]
    drift = failed[("DISC-001", "shop_legacy.card_number")]
    assert drift["evidence"]["rule"] == "undeclared-column"
    assert "5 rows" in drift["message"]
    assert json.loads(run.out)["warnings"] == [  # the bundled store on another host
        "store 'customer_db' was not discovered: postgresql://***@db.internal:5432/customers "
        "is not on the allow-list (--allow-host)"]  # a DSN's user part is masked with it


def test_a_token_label_contradicted_by_card_numbers(pg_schema: str, tmp_path: Path) -> None:
    db = Database("postgresql://postgres@127.0.0.1:5432/test", pg_schema, "postgresql")
    load_pg(pg_schema, [
        "CREATE TABLE customers (id INT PRIMARY KEY, email TEXT, first_name TEXT, "
        "last_name TEXT, phone TEXT, birth_date DATE)",
        "CREATE TABLE orders (id INT PRIMARY KEY, stripe_payment_method TEXT, card_last4 TEXT, "
        "card_brand TEXT)",
        "INSERT INTO orders VALUES (1, '4242424242424242', '4242', 'visa')",
        "CREATE TABLE legacy_payments (id INT PRIMARY KEY, customer_id INT)",
    ])
    root = shop_inventory(tmp_path, db)
    run = run_fast("check", root, "--discover", "--allow-host", "127.0.0.1", "--as-of", AS_OF,
                   "-f", "json")
    assert run.code == 1, run.err
    failed = failing(run.out)
    assert set(failed) == {("DISC-001", "shop_orders.stripe_payment_method"),
                           ("PAY-001", "shop_orders.stripe_payment_method")}
    drift = failed[("DISC-001", "shop_orders.stripe_payment_method")]
    assert drift["evidence"]["rule"] == "contradicted-label"
    assert drift["evidence"]["declared"] == "user.financial.credit_card.token"


def test_drift_finds_missing_fields_and_tables(pg_shop: Database, tmp_path: Path) -> None:
    root = shop_inventory(tmp_path, pg_shop, legacy_fields=[
        {"name": "card_number", "category": "user.financial.credit_card.number"},
        {"name": "cvv", "category": "user.financial.credit_card.cvv"},
        {"name": "gone_column", "category": "user.contact.email"}])
    stores = root / "shop_db.yaml"
    stores.write_text(stores.read_text(encoding="utf-8").replace(
        f"{pg_shop.schema}.orders", f"{pg_shop.schema}.orders_v2"), encoding="utf-8")
    run = run_fast("check", root, "--discover", "--allow-host", "127.0.0.1", "--as-of", AS_OF,
                   "-f", "json")
    failed = failing(run.out)
    drift = {s: f["evidence"]["rule"] for (c, s), f in failed.items() if c == "DISC-001"}
    orders = f"{pg_shop.schema}.orders"  # the table no store describes any more
    assert drift == {"shop_legacy.gone_column": "missing-field",
                     "shop_orders": "missing-table",
                     f"{orders}.stripe_payment_method": "undeclared-column",
                     f"{orders}.card_last4": "undeclared-column",
                     f"{orders}.card_brand": "undeclared-column"}


def test_a_dsn_on_the_command_line_checks_that_database(pg_shop: Database,
                                                        tmp_path: Path) -> None:
    root = tmp_path / "inventory"
    shutil.copytree(INVENTORY, root)
    run = run_fast("check", root, "--discover", pg_shop.dsn, "--schema", pg_shop.schema,
                   "--as-of", AS_OF, "-f", "json", "--select", "PAY-001,DISC-001")
    assert run.code == 1, run.err
    failed = failing(run.out)
    pay = {s for c, s in failed if c == "PAY-001"}
    assert pay == {f"{pg_shop.schema}.legacy_payments.card_number",
                   f"{pg_shop.schema}.legacy_payments.cvv"}


def test_inventory_connections_need_the_allow_list(pg_shop: Database, tmp_path: Path) -> None:
    root = shop_inventory(tmp_path, pg_shop)
    line = one_line_error(["check", root, "--discover", "--as-of", AS_OF], "PLG-E025")
    assert "host '127.0.0.1' is not on the allow-list" in line
    line = one_line_error(["check", root, "--discover", "--allow-host", "10.9.9.9",
                           "--as-of", AS_OF], "PLG-E025")
    stores = root / "shop_db.yaml"
    stores.write_text(stores.read_text(encoding="utf-8").replace(
        "postgres@127.0.0.1", "postgres:hunter2-secret@127.0.0.1"), encoding="utf-8")
    line = one_line_error(["check", root, "--discover", "--allow-host", "127.0.0.1",
                           "--as-of", AS_OF], "PLG-E025")
    assert "holds a password" in line and "hunter2-secret" not in line


def test_drift_without_discovery_is_an_error_not_a_pass(tmp_path: Path) -> None:
    from tests.helpers import run_check

    result = run_check(tmp_path, {"kind": "inventory-drift"}, {"systems": [
        {"id": "shop", "name": "Shop", "type": "internal", "role": "database",
         "country": "MA"}]})
    assert [f.status.value for f in result.findings] == ["error"]


@pytest.mark.parametrize("directory_first", [True, False])
def test_discover_accepts_the_inventory_on_either_side(pg_shop: Database, tmp_path: Path,
                                                        directory_first: bool) -> None:
    root = shop_inventory(tmp_path, pg_shop)
    args = (["check", "--discover", root] if directory_first else
            ["check", root, "--discover"])
    run = run_fast(*args, "--allow-host", "127.0.0.1", "--as-of", AS_OF, "-f", "json")
    assert run.code == 1, run.err
    assert ("PAY-001", "shop_legacy.card_number") in failing(run.out)


def test_columns_in_agreement_are_listed_as_passing(pg_shop: Database, tmp_path: Path) -> None:
    """An auditor sees every column discovery compared: the agreeing ones pass with what was
    found, the drifting ones fail, and together they are the compared count."""
    root = shop_inventory(tmp_path, pg_shop)
    run = run_pledge("check", root, "--discover", "--allow-host", "127.0.0.1",
                     "--as-of", AS_OF, "-f", "json")
    report = json.loads(run.out)
    drift = next(c for c in report["commitments"] if c["id"] == "DISC-001")
    listed = {j["subject_id"]: j for j in drift["judged"]}
    email = listed["shop_customers.email"]
    assert email["verdict"] == "pass"
    assert email["reason"].startswith(
        f"column 'email' of table {pg_shop.schema}.customers exists; ")
    assert "agrees with user.contact.email" in email["reason"]
    assert email["location"]["file"].endswith("shop_db.yaml")
    created = listed["shop_customers.created_at"]  # a column no field declares
    assert created["verdict"] == "pass"
    assert created["reason"] == (f"column 'created_at' of table {pg_shop.schema}.customers is "
                                 "not declared and discovery found no personal data in it")
    assert created["location"]["file"].endswith("shop_db.yaml")  # at its store
    assert listed["shop_legacy.card_number"]["verdict"] == "fail"
    columns = [j for j in drift["judged"] if j["subject_type"] == "field"]
    assert len(columns) == drift["checked"] and drift["checked"] >= 15
