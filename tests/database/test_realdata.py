"""Real third-party shop schemas (tests/data/realdata) loaded into PostgreSQL and discovered."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.database.conftest import load_pg, statements
from tests.database.test_discover import proposed, run_fast

REALDATA = Path(__file__).resolve().parent.parent / "data" / "realdata"
DSN = "postgresql://postgres@127.0.0.1:5432/test"


def fides_labels(collection: str) -> dict[str, list[str]]:
    """Field -> data categories the Cookie House's own Fides dataset declares."""
    dataset = yaml.safe_load((REALDATA / "fides-cicd-cookiehouse" / "cookiehouse_core.yml")
                             .read_text(encoding="utf-8"))["dataset"][0]
    [wanted] = [c for c in dataset["collections"] if c["name"] == collection]
    return {f["name"]: f.get("data_categories", []) for f in wanted["fields"]}


def test_cookie_house_card_columns_are_found_whatever_their_labels(pg_schema: str) -> None:
    sql = (REALDATA / "fides-cicd-cookiehouse" / "postgres_sample.sql").read_text(
        encoding="utf-8").replace("public.", f'"{pg_schema}".')
    load_pg(pg_schema, statements(sql))
    run = run_fast("discover", DSN, "--schema", pg_schema)
    assert run.code == 0, run.err
    found = proposed(run.out)
    assert found["payment_card"]["ccn"] == "user.financial.credit_card.number"
    assert found["payment_card"]["code"] == "user.financial.credit_card.cvv"
    labels = fides_labels("payment_card")  # what the shop's own dataset says
    assert labels["ccn"] == ["user.financial.bank_account"]
    assert labels["code"] == ["user.financial"]
    assert found["customer"] == {"email": "user.contact.email", "name": "user.name"}
    assert found["address"]["street"] == "user.contact.address.street"
    assert found["address"]["zip"] == "user.contact.address.postal_code"
    assert "name" not in found["product"]  # a product's name is not a person's
    for value in ("123456789", "987654321", "373719391"):  # the sample's card numbers
        assert value not in run.out + run.err


def test_jpetstore_card_columns_are_found(pg_schema: str) -> None:
    folder = REALDATA / "jpetstore6"
    for name in ("jpetstore-hsqldb-schema.sql", "jpetstore-hsqldb-dataload.sql"):
        load_pg(pg_schema, statements((folder / name).read_text(encoding="utf-8")))
    run = run_fast("discover", DSN, "--schema", pg_schema)
    assert run.code == 0, run.err
    found = proposed(run.out)
    assert found["orders"]["creditcard"] == "user.financial.credit_card.number"
    assert found["orders"]["exprdate"] == "user.financial.credit_card.expiry"
    assert found["orders"]["cardtype"] == "user.financial.credit_card.brand"
    assert found["signon"]["password"] == "user.authorization.password"
    assert found["account"]["email"] == "user.contact.email"
    assert found["account"]["firstname"] == "user.name.first"
    assert found["account"]["phone"] == "user.contact.phone_number"
