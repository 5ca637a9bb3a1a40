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


def test_a_name_saying_forbidden_data_is_reported_wherever_the_holder_is_not_allowed(
        tmp_path: Path) -> None:
    def store(store_id: str, system: str, name: str, category: str) -> dict[str, object]:
        return {"id": store_id, "name": store_id.title(), "system": system,
                "fields": [{"name": name, "category": category}]}

    result, _ = run_judged(tmp_path, {
        "kind": "forbidden-storage", "categories": [CARD, "user.financial.credit_card.cvv"],
        "allowed_holders": ["vault"], "allowed_roles": ["payment_processor"]}, {
        "systems": [_system("vault", "internal", "backend"),
                    _system("psp", "third_party", "payment_processor"),
                    _system("till", "internal", "payment_processor"),
                    _system("shop", "internal", "storefront")],
        "stores": [store("cards", "vault", "card_number", "user.contact.email"),  # a holder
                   store("charges", "psp", "card_number", "user.contact.email"),  # allowed role
                   store("tokens", "shop", "card_token", "user.contact.email"),  # not forbidden
                   store("drawer", "till", "card_number", "user.contact.email"),
                   store("orders", "shop", "card_number", "user.financial.credit_card.cvv")]})
    labels = [f for f in only(result, Status.FAIL) if f.evidence["rule"] == "label"]
    assert [f.subject.id for f in labels] == ["drawer.card_number", "orders.card_number"]
    drawer = labels[0]
    assert drawer.message.endswith(f"labelled user.contact.email: pledge trusts the name over "
                                   f"the label, and {CARD} may not be stored here")
    assert drawer.remediation == (f"label the field {CARD} and remove it, or waive this "
                                  "finding if the name misleads")
    assert drawer.evidence == {"rule": "label", "category": "user.contact.email",
                               "suggested": CARD, "label_rule": "card-number",
                               "store": "drawer", "system": "till"}


def test_a_store_sending_forbidden_data_it_does_not_declare_holds_it(tmp_path: Path) -> None:
    def sent(flow_id: str, source: str, categories: list[str]) -> dict[str, object]:
        return {"id": flow_id, "source": source, "target": "bank", "categories": categories,
                "purposes": ["essential.service"],
                "transport": {"protocol": "https", "tls": "1.3"}}

    def store(store_id: str, system: str) -> dict[str, object]:
        return {"id": store_id, "name": store_id.title(), "system": system,
                "fields": [{"name": "email", "category": "user.contact.email"}]}

    both = [CARD, "user.financial.credit_card.cvv"]
    result, _ = run_judged(tmp_path, {
        "kind": "forbidden-storage", "categories": both, "allowed_holders": ["vault"],
        "allowed_roles": ["payment_processor"]}, {
        "systems": [_system("vault", "internal", "backend"),
                    _system("psp", "third_party", "payment_processor"),
                    _system("till", "internal", "payment_processor"),
                    _system("shop", "internal", "storefront"),
                    _system("bank", "third_party", "payment_processor")],
        "stores": [store("cards", "vault"), store("charges", "psp"), store("drawer", "till"),
                   store("orders", "shop"), store("contacts", "shop")],
        "flows": [sent("f1", "cards", both), sent("f2", "charges", both),
                  sent("f3", "drawer", [CARD]), sent("f4", "orders", both),
                  sent("f5", "contacts", ["user.contact.phone_number"])]})
    sends = [f for f in only(result, Status.FAIL) if f.evidence["rule"] == "undeclared-holding"]
    assert [(f.subject.type, f.subject.id, f.message, f.remediation, f.evidence)
            for f in sends] == [
        ("store", "drawer", f"store 'drawer' sends {CARD} in flow 'f3' but declares no field "
         "of it: what a store sends, it holds, and it may not hold this",
         "declare the field (and remove it), or correct the flow's categories",
         {"rule": "undeclared-holding", "store": "drawer", "flow": "f3", "categories": [CARD],
          "system": "till"}),
        ("store", "orders", f"store 'orders' sends {', '.join(sorted(both))} in flow 'f4' but "
         "declares no field of it: what a store sends, it holds, and it may not hold this",
         "declare the field (and remove it), or correct the flow's categories",
         {"rule": "undeclared-holding", "store": "orders", "flow": "f4",
          "categories": sorted(both), "system": "shop"})]
