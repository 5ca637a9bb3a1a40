"""forbidden-storage: the fields it keeps, each listed with why it may hold what it holds."""

from __future__ import annotations

from pathlib import Path

from pledge.checks.findings import Status
from tests.helpers import only, run_judged

CARD = "user.financial.credit_card.number"


def _system(system_id: str, kind: str, role: str) -> dict[str, str]:
    return {"id": system_id, "name": system_id.title(), "type": kind, "role": role,
            "country": "MA"}


def test_each_kept_field_is_listed_with_why_it_may_hold_its_category(tmp_path: Path) -> None:
    result, judged = run_judged(tmp_path, {
        "kind": "forbidden-storage", "categories": [CARD], "allowed_holders": ["vault"],
        "allowed_roles": ["payment_processor"]}, {
        "systems": [_system("vault", "internal", "backend"),
                    _system("psp", "third_party", "payment_processor"),
                    _system("shop", "internal", "storefront")],
        "stores": [
            {"id": "cards", "name": "Cards", "system": "vault",
             "fields": [{"name": "pan", "category": CARD}]},
            {"id": "charges", "name": "Charges", "system": "psp",
             "fields": [{"name": "pan", "category": CARD}]},
            {"id": "orders", "name": "Orders", "system": "shop",
             "fields": [{"name": "payment_ref", "category": "user.financial.credit_card",
                         "tokenised": True},
                        {"name": "email", "category": "user.contact.email"}]}]})
    assert only(result, Status.FAIL) == []
    assert [(j.subject_type, j.subject_id, j.verdict, j.reason) for j in judged] == [
        ("field", "cards.pan", "pass", f"{CARD}, held by an allowed holder"),
        ("field", "charges.pan", "pass",
         f"{CARD} at a third-party payment_processor, an allowed holder"),
        ("field", "orders.payment_ref", "pass", "user.financial.credit_card, marked "
                                                "tokenised: a processor token, not the "
                                                "forbidden value")]
    assert all(j.line for j in judged)
