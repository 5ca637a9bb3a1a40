"""The inventory describes what its databases really hold (drift found by discovery).

## What it checks
What ``pledge check --discover`` saw in the databases the inventory describes,
passed in as ``observations``: every column holding personal data that the
inventory does not declare (``undeclared-column``), every declared field whose
column no longer exists (``missing-field``), every declared table that no longer
exists (``missing-table``), and every field whose declared category the column's
sampled values contradict (``contradicted-label``: a "token" column full of card
numbers). Each observation fails. With no observations at all (discovery did
not run) the commitment cannot decide and is an error, never a pass.

## Why it matters
An inventory written by hand says what people believe is stored; the databases
say what is. A column nobody declared escapes every commitment that reads the
inventory, and a label the values contradict makes a broken promise look kept.

## Parameters
- ``observations`` (list, filled in by ``pledge check --discover``): each with
  ``rule``, ``store``, ``field``, ``table``, ``column``, ``category``, ``declared``,
  ``rows`` and ``reason``. Absent: discovery did not run.
- ``compared`` (integer): how many columns and declared fields were compared.
- ``agreed`` (list, filled in by ``pledge check --discover``): each compared
  column or field that agrees (``store``, ``field``, ``table``, ``reason``),
  listed as passing subjects in the reports.

## Passing example
```yaml
check:
  kind: inventory-drift
  observations: []
  compared: 3
inventory:
  systems:
    - {id: shop, name: Shop, type: internal, role: database, country: MA}
```

## Failing example
```yaml
check:
  kind: inventory-drift
  compared: 3
  observations:
    - {rule: undeclared-column, store: orders, field: email, table: public.orders,
       column: email, category: user.contact.email, rows: 120,
       reason: "named like email (rule email matches 'email')"}
inventory:
  systems:
    - {id: shop, name: Shop, type: internal, role: database, country: MA}
```

## References
GDPR Art. 30 (records of processing), Art. 5(2) (accountability); PCI DSS v4.0.1
Req. 12.5.2 (the scope of cardholder data is confirmed at least once every 12 months).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pledge.base.strict_model import StrictModel
from pledge.checks.context import CheckContext, Evaluation
from pledge.checks.judged import PASS, Scope
from pledge.checks.registry import KindParams, register

DriftRule = Literal["undeclared-column", "missing-field", "missing-table", "contradicted-label"]


class Observation(StrictModel):
    """One difference between a database and the inventory describing it."""

    rule: DriftRule
    store: str = Field(description="The inventory store (declared or discovered).")
    field: str | None = Field(None, description="The field or column name.")
    table: str = Field(description="schema.table in the database.")
    column: str | None = None
    category: str | None = Field(None, description="The category discovery proposes.")
    declared: str | None = Field(None, description="The category the inventory declares.")
    rows: int | None = Field(None, ge=0, description="Rows in the table.")
    reason: str = Field("", description="Why discovery proposes the category.")


class Agreement(StrictModel):
    """One column or declared field discovery compared and found in agreement."""

    store: str = Field(description="The inventory store (declared or discovered).")
    field: str = Field(description="The field or column name.")
    table: str = Field(description="schema.table in the database.")
    reason: str = Field(description="What was found: the column exists, its values agree, "
                                    "or it holds no personal data.")


class Params(KindParams):
    """Parameters of inventory-drift."""

    kind: Literal["inventory-drift"]
    observations: list[Observation] | None = None
    compared: int = Field(0, ge=0)
    agreed: list[Agreement] = Field(default_factory=list)


_REMEDIATION = {
    "undeclared-column": "declare the column as a field of the store (see pledge discover), "
                         "or drop it from the database",
    "missing-field": "remove the field from the inventory, or restore the column",
    "missing-table": "remove the store from the inventory, or fix its connection",
    "contradicted-label": "declare the category the values show, or clean the column",
}


def _message(o: Observation) -> str:
    rows = "" if o.rows is None else f" ({o.rows} row{'s' if o.rows != 1 else ''})"
    if o.rule == "undeclared-column":
        return (f"column '{o.column}' of table {o.table}{rows} holds {o.category}, which store "
                f"'{o.store}' does not declare: {o.reason}")
    if o.rule == "missing-field":
        return f"field '{o.field}' of store '{o.store}' has no column in table {o.table}"
    if o.rule == "missing-table":
        return f"store '{o.store}' describes table {o.table}, which does not exist"
    return (f"field '{o.field}' of store '{o.store}' is declared {o.declared}, but column "
            f"'{o.column}' of table {o.table}{rows} holds {o.category}: {o.reason}")


@register("inventory-drift", code="PLG501", params=Params, noun="columns")
def run(ctx: CheckContext, params: Params, ev: Evaluation) -> None:
    """Fail every difference discovery observed; error when discovery did not run."""
    if params.observations is None:
        ev.error("commitment", ev.commitment.id,
                 "no database was discovered, so drift cannot be judged",
                 remediation="run pledge check --discover (with the stores' connection: "
                             "and --allow-host)")
        return
    ev.checked += max(params.compared, len(params.observations))
    sources = ctx.sources
    ev.judge(Scope(lambda: (
        ("field", f"{a.store}.{a.field}", PASS, a.reason,  # a column no field declares:
         sources.locate("field", f"{a.store}.{a.field}") or sources.locate("store", a.store))
        for a in params.agreed)))
    for o in params.observations:
        subject = f"{o.store}.{o.field or o.column}" if (o.field or o.column) else o.store
        evidence = {"rule": o.rule, "table": o.table, "column": o.column, "rows": o.rows,
                    "category": o.category, "declared": o.declared}
        kind = "field" if (o.field or o.column) else "store"
        # an undeclared column is shown at its store's declaration
        location = ctx.sources.locate(kind, subject) or ctx.sources.locate("store", o.store)
        ev.fail(kind, subject, _message(o), remediation=_REMEDIATION[o.rule],
                evidence={k: v for k, v in evidence.items() if v is not None},
                location=location)
