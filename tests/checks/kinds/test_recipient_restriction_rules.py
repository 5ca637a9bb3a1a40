"""recipient-restriction: a flow carrying several categories, or for several banned purposes,
names each of them; the fix lists every allowed recipient."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pledge.checks.findings import Status
from tests.helpers import only, run_check, run_judged

CARD = ["user.financial.credit_card.cvv", "user.financial.credit_card.number"]
HTTPS = {"protocol": "https", "tls": "1.3"}
CHECK = {"kind": "recipient-restriction", "categories": ["user.financial.credit_card"],
         "allowed_roles": ["shipping", "payment_processor"],
         "banned_purposes": ["marketing", "analytics"]}


def _flow(flow_id: str, source: str, target: str, purposes: list[str]) -> dict[str, Any]:
    return {"id": flow_id, "source": source, "target": target, "categories": CARD,
            "purposes": purposes, "transport": HTTPS}


def _system(system_id: str, role: str, kind: str = "third_party", country: str = "IE",
            **facts: Any) -> dict[str, Any]:
    return {"id": system_id, "name": system_id, "type": kind, "role": role,
            "country": country, **facts}


BUYERS = [{"id": "buyers", "name": "Buyers", "category": "customer"}]


def _run(tmp_path: Path, flows: list[dict[str, Any]], **check: Any) -> list[Any]:
    inventory = {
        "data_subjects": BUYERS,
        "systems": [
            _system("psp", "payment_processor"),
            _system("ads", "advertising", country="US",
                    purposes=["marketing.advertising", "analytics.reporting"]),
            _system("shop", "storefront", "internal", "MA")],
        "flows": flows}
    return only(run_check(tmp_path, {**CHECK, **check}, inventory), Status.FAIL)


def test_a_wrong_recipient_is_named_with_every_category_and_every_allowed_role(
        tmp_path: Path) -> None:
    findings = _run(tmp_path, [_flow("leak", "buyers", "ads", ["essential.service"])])
    recipient = [f for f in findings if f.evidence["rule"] == "recipient"]
    [finding] = recipient
    assert finding.message == ("user.financial.credit_card.cvv, user.financial.credit_card.number"
                               " reaches 'ads' (advertising), not an allowed recipient: "
                               "buyers -> ads")
    assert finding.remediation == "stop the flow, or send it only to payment_processor, shipping"
    assert finding.evidence["categories"] == CARD


def test_no_allowed_role_says_no_third_party(tmp_path: Path) -> None:
    findings = _run(tmp_path, [_flow("pay", "buyers", "psp", ["essential.service"])],
                    allowed_roles=[])
    [finding] = findings
    assert finding.remediation == "stop the flow, or send it only to no third party"


def test_every_banned_purpose_of_a_flow_and_of_its_recipient_is_named(tmp_path: Path) -> None:
    flow = _flow("promo", "buyers", "psp", ["marketing.communications", "analytics.reporting"])
    [finding] = _run(tmp_path / "flow", [flow])
    assert finding.message == (
        "flow 'promo' uses user.financial.credit_card.cvv, user.financial.credit_card.number "
        "for banned purpose analytics.reporting, marketing.communications: buyers -> psp")
    assert finding.evidence["purposes"] == ["analytics.reporting", "marketing.communications"]
    to_ads = _flow("to_ads", "buyers", "ads", ["essential.service"])
    [node] = _run(tmp_path / "node", [to_ads], allowed_roles=["advertising"])
    assert node.message == (
        "'ads' receives user.financial.credit_card.cvv, user.financial.credit_card.number and "
        "processes for banned purpose analytics.reporting, marketing.advertising: buyers -> ads")
    assert node.evidence["rule"] == "node-purpose"


def test_an_internal_recipient_is_named_with_every_category(tmp_path: Path) -> None:
    [finding] = _run(tmp_path, [_flow("checkout", "buyers", "shop", ["essential.service"])],
                     allow_internal=False)
    assert finding.message == ("user.financial.credit_card.cvv, user.financial.credit_card.number"
                               " reaches internal 'shop': buyers -> shop")
    assert finding.evidence["rule"] == "internal"


def test_allowing_subprocessors_does_not_question_an_allowed_recipient(tmp_path: Path) -> None:
    promo = _flow("promo", "buyers", "psp", ["marketing.communications"])
    [finding] = _run(tmp_path, [promo], allow_subprocessors=True)
    assert finding.evidence["rule"] == "flow-purpose"  # the purpose, not the recipient


def test_each_kept_flow_is_listed_with_why_its_recipient_is_allowed(tmp_path: Path) -> None:
    inventory = {
        "data_subjects": BUYERS,
        "systems": [
            _system("psp", "payment_processor"),
            _system("cdn", "hosting", processor_of="psp"),
            _system("police", "authority", country="MA"),
            _system("shop", "storefront", "internal", "MA")],
        "flows": [_flow("pay", "shop", "psp", ["essential.service"]),
                  _flow("host", "psp", "cdn", ["essential.service"]),
                  _flow("order", "buyers", "shop", ["essential.service"]),
                  _flow("warrant", "shop", "police", ["essential.legal_obligation"]),
                  {**_flow("notes", "buyers", "shop", ["essential.service"]),
                   "categories": ["user.contact.email"]}]}  # not a checked category
    for banned, words in (([], ""), (["marketing"], ", for no banned purpose")):
        check = {**CHECK, "allowed_roles": ["payment_processor"], "banned_purposes": banned,
                 "allow_subprocessors": True, "unless_required_by_law": True}
        result, judged = run_judged(tmp_path / str(len(banned)), check, inventory)
        assert only(result, Status.FAIL) == []
        assert [(j.subject_type, j.subject_id, j.verdict, j.reason) for j in judged] == [
            ("flow", "host", "pass", "to a sub-processor of an allowed processor"),
            ("flow", "order", "pass", f"to an internal system{words}"),
            ("flow", "pay", "pass", f"to a third-party payment_processor, an allowed "
                                    f"recipient{words}"),
            ("flow", "warrant", "pass", "to a third-party authority, for legal obligations "
                                        "only: required by law")]
        assert all(j.line for j in judged)


def test_a_sub_processor_is_allowed_only_from_its_own_allowed_principal(tmp_path: Path) -> None:
    inventory = {
        "systems": [_system("psp", "payment_processor"), _system("psp2", "payment_processor"),
                    _system("till", "payment_processor", "internal"),
                    _system("cdn", "hosting", processor_of="psp"),
                    _system("cdn2", "hosting", processor_of="psp2"),
                    _system("cdn3", "hosting", processor_of="till")],
        "stores": [{"id": "ledger", "name": "Ledger", "system": "psp",
                    "fields": [{"name": "pan", "category": CARD[1]}]},
                   {"id": "edge", "name": "Edge", "system": "cdn",
                    "fields": [{"name": "pan", "category": CARD[1]}]}],
        "flows": [_flow("ok1", "psp", "cdn", ["essential.service"]),
                  _flow("ok2", "ledger", "cdn", ["essential.service"]),  # from its store
                  _flow("ok3", "psp", "edge", ["essential.service"]),  # into its store
                  _flow("bad1", "psp", "cdn2", ["essential.service"]),  # another's
                  _flow("bad2", "till", "cdn3", ["essential.service"])]}  # not a third party
    result, judged = run_judged(tmp_path, {**CHECK, "allowed_roles": ["payment_processor"],
                                           "banned_purposes": [],
                                           "allow_subprocessors": True}, inventory)
    assert sorted(f.subject.id for f in only(result, Status.FAIL)
                  if f.evidence["rule"] == "recipient") == ["bad1", "bad2"]
    lines = (tmp_path / "inventory" / "inventory.yaml").read_text(encoding="utf-8").splitlines()
    assert {lines[(j.line or 0) - 1].split(":")[0].strip() for j in judged} == {"target"}
