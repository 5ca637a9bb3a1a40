"""inventory-drift: what is said when discovery did not run, the row counts' words, and where
an observation is shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pledge.checks.findings import Status
from tests.helpers import only, run_check, run_judged

INVENTORY = {
    "systems": [{"id": "shop", "name": "Shop", "type": "internal", "role": "database",
                 "country": "MA"}],
    "stores": [{"id": "orders", "name": "public.orders", "system": "shop",
                "connection": "postgresql://shop@db.internal/shop#public.orders",
                "fields": [{"name": "fax", "category": "user.contact.fax_number"}]}]}
EMAIL = {"rule": "undeclared-column", "store": "orders", "table": "public.orders",
         "column": "email", "category": "user.contact.email", "reason": "named like email"}


def _line(tmp_path: Path, text: str) -> int:
    """The line of the inventory file written for the test holding ``text``."""
    lines = (tmp_path / "inventory" / "inventory.yaml").read_text(encoding="utf-8").splitlines()
    [number] = [n for n, line in enumerate(lines, 1) if text in line]
    return number


def _run(tmp_path: Path, **check: Any) -> Any:
    return run_check(tmp_path, {"kind": "inventory-drift", **check}, INVENTORY)


def test_without_discovery_drift_cannot_be_judged(tmp_path: Path) -> None:
    [finding] = _run(tmp_path).findings
    assert finding.status is Status.ERROR
    assert (finding.subject.type, finding.subject.id) == ("commitment", "EX-001")
    assert finding.message == "no database was discovered, so drift cannot be judged"
    assert finding.remediation == ("run pledge check --discover (with the stores' connection: "
                                   "and --allow-host)")


@pytest.mark.parametrize(("rows", "words"), [(None, ""), (0, " (0 rows)"), (1, " (1 row)"),
                                             (2, " (2 rows)")])
def test_the_row_count_is_worded(tmp_path: Path, rows: int | None, words: str) -> None:
    observation = {**EMAIL, **({} if rows is None else {"rows": rows})}
    [finding] = only(_run(tmp_path, observations=[observation]), Status.FAIL)
    assert finding.message == (f"column 'email' of table public.orders{words} holds "
                               "user.contact.email, which store 'orders' does not declare: "
                               "named like email")
    assert ("rows" in finding.evidence) is (rows is not None)


def test_an_undeclared_column_is_shown_at_its_store(tmp_path: Path) -> None:
    [finding] = only(_run(tmp_path, observations=[EMAIL]), Status.FAIL)
    assert (finding.subject.type, finding.subject.id) == ("field", "orders.email")
    assert finding.location is not None
    assert finding.location.line == _line(tmp_path, "id: orders")
    assert finding.evidence == {"rule": "undeclared-column", "table": "public.orders",
                                "column": "email", "category": "user.contact.email"}


def test_a_missing_field_is_shown_at_the_field(tmp_path: Path) -> None:
    missing = {"rule": "missing-field", "store": "orders", "field": "fax",
               "table": "public.orders", "declared": "user.contact.fax_number"}
    [finding] = only(_run(tmp_path, observations=[missing]), Status.FAIL)
    assert finding.location is not None
    assert finding.location.line == _line(tmp_path, "name: fax")


def test_every_observation_counts_even_beyond_the_compared_columns(tmp_path: Path) -> None:
    missing = {"rule": "missing-table", "store": "archive", "table": "public.archive"}
    result = _run(tmp_path, observations=[EMAIL, missing], compared=1)
    assert result.outcomes[0].checked == 2
    assert [f.subject.type for f in only(result, Status.FAIL)] == ["field", "store"]
    result = _run(tmp_path / "more", observations=[EMAIL], compared=5)
    assert result.outcomes[0].checked == 5


def test_explain_describes_each_observation_fact() -> None:
    from pledge.checks.registry import get_kind

    kind = get_kind("inventory-drift")
    assert kind is not None
    props = kind.params.model_json_schema()["$defs"]["Observation"]
    assert props["required"] == ["rule", "store", "table"]
    described = {name: (p.get("description"), p.get("default", "required"))
                 for name, p in props["properties"].items()}
    assert described == {
        "rule": (None, "required"),
        "store": ("The inventory store (declared or discovered).", "required"),
        "field": ("The field or column name.", None),
        "table": ("schema.table in the database.", "required"),
        "column": (None, None),
        "category": ("The category discovery proposes.", None),
        "declared": ("The category the inventory declares.", None),
        "rows": ("Rows in the table.", None),
        "reason": ("Why discovery proposes the category.", ""),
    }


def test_a_discovery_that_compared_nothing_is_not_applicable(tmp_path: Path) -> None:
    result = _run(tmp_path, observations=[], compared=0)
    assert result.findings[0].status is Status.NOT_APPLICABLE
    assert result.outcomes[0].checked == 0
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        _run(tmp_path / "negative", observations=[], compared=-1)


def test_each_agreeing_column_is_listed_at_its_field_or_its_store(tmp_path: Path) -> None:
    agreed = [{"store": "orders", "field": "fax", "table": "public.orders",
               "reason": "the column exists"},
              {"store": "orders", "field": "note", "table": "public.orders",
               "reason": "it holds no personal data"}]
    result, judged = run_judged(tmp_path, {"kind": "inventory-drift", "observations": [],
                                           "compared": 2, "agreed": agreed}, INVENTORY)
    assert only(result, Status.FAIL) == []
    assert [(j.subject_type, j.subject_id, j.verdict, j.reason, j.line) for j in judged] == [
        ("field", "orders.fax", "pass", "the column exists", _line(tmp_path, "name: fax")),
        ("field", "orders.note", "pass", "it holds no personal data",
         _line(tmp_path, "id: orders"))]


def test_explain_describes_each_agreement_fact() -> None:
    from pledge.checks.registry import get_kind

    kind = get_kind("inventory-drift")
    assert kind is not None
    props = kind.params.model_json_schema()["$defs"]["Agreement"]
    assert props["required"] == ["store", "field", "table", "reason"]
    assert {name: p.get("description") for name, p in props["properties"].items()} == {
        "store": "The inventory store (declared or discovered).",
        "field": "The field or column name.", "table": "schema.table in the database.",
        "reason": "What was found: the column exists, its values agree, or it holds no "
                  "personal data."}
