"""Third parties' stores are reached by the graph queries, as internal stores are.

A third-party store no flow enters (Stripe's vault, Zendesk's tickets, Brevo's
lists) is linked from its owner by a held link (``held@STORE``), so recipients,
paths, lineage, ``node`` and the exports reach it; one a flow enters is reached
through that flow, with no held link. Over the command line, on real YAML.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import INVENTORY, run_inprocess


def graph_json(*args: str | Path) -> Any:
    run = run_inprocess("graph", *args, "--format", "json")
    assert run.code == 0 and run.err == "", run.err
    return json.loads(run.out)


def _recipients(category: str, *inventory: Path) -> dict[str, Any]:
    return {r["node"]: r for r in graph_json("recipients", category, *inventory)["recipients"]}


@pytest.mark.parametrize(("category", "store", "owner", "origin"), [
    ("user.financial.credit_card.number", "stripe_vault", "stripe", "customers"),
    ("user.support.request", "zendesk_tickets", "zendesk", "customers"),
    ("user.unique_id.pseudonymous", "ga4_property", "google_analytics", "visitors"),
])
def test_a_third_party_store_receives_what_its_owner_receives(
        category: str, store: str, owner: str, origin: str) -> None:
    found = _recipients(category)
    assert store in found and owner in found
    hit = found[store]
    assert hit["type"] == "store" and hit["third_party"] is True
    assert hit["hops"] == found[owner]["hops"] + 1
    assert hit["path"]["flows"][-1] == f"held@{store}"
    assert hit["path"]["nodes"][-2:] == [owner, store] and hit["origin"] == origin


def test_a_store_whose_fields_hold_no_such_data_is_not_a_recipient() -> None:
    found = _recipients("user.financial.credit_card.number")
    assert "zendesk_tickets" not in found and "brevo_contacts" not in found
    email = _recipients("user.contact.email")
    assert {"zendesk_tickets", "brevo_contacts"} <= set(email)
    assert "stripe_vault" not in email  # the vault keeps no email field


def test_lineage_and_paths_reach_the_store_through_its_owner() -> None:
    upstream = graph_json("lineage", "ga4_property")["upstream"]
    assert [(e["node"], e["distance"]) for e in upstream] == [
        ("google_analytics", 1), ("visitors", 2)]
    paths = graph_json("paths", "customers", "zendesk_tickets")["paths"]
    assert paths and all(p["hops"][-1]["flow"] == "held@zendesk_tickets" for p in paths)
    downstream = graph_json("lineage", "brevo")["downstream"]
    assert "brevo_contacts" in {e["node"] for e in downstream}


def test_node_shows_the_held_link_on_both_ends() -> None:
    vault = graph_json("node", "stripe_vault")["node"]
    assert [h["flow"] for h in vault["receives"]] == ["held@stripe_vault"]
    assert vault["receives"][0]["protocol"] == "held"
    stripe = graph_json("node", "stripe")["node"]
    assert "held@stripe_vault" in [h["flow"] for h in stripe["sends"]]


def test_a_declared_flow_into_a_third_party_store_replaces_the_held_link(
        tmp_path: Path) -> None:
    root = tmp_path / "inventory"
    shutil.copytree(INVENTORY, root, ignore=shutil.ignore_patterns("infra"))
    (root / "vault.yaml").write_text(
        "flows:\n  - id: stripe_tokenises_cards\n    source: stripe\n    target: stripe_vault\n"
        "    categories: [user.financial.credit_card.number]\n"
        "    purposes: [essential.service.payment_processing]\n"
        '    transport: {protocol: https, tls: "1.3"}\n', encoding="utf-8")
    found = _recipients("user.financial.credit_card.number", root)
    assert found["stripe_vault"]["path"]["flows"][-1] == "stripe_tokenises_cards"
    node = graph_json("node", "stripe_vault", root)["node"]
    assert [h["flow"] for h in node["receives"]] == ["stripe_tokenises_cards"]


def test_a_third_party_with_two_stores_links_each(tmp_path: Path) -> None:
    root = tmp_path / "inventory"
    shutil.copytree(INVENTORY, root, ignore=shutil.ignore_patterns("infra"))
    (root / "zendesk_more.yaml").write_text(
        "stores:\n  - id: zendesk_call_recordings\n    name: Zendesk Talk recordings\n"
        "    system: zendesk\n    exposure: private\n    encryption_at_rest: true\n"
        "    access_roles: [customer_service]\n    retention: P90D\n    disposal: delete\n"
        "    fields:\n      - {name: caller_phone, category: user.contact.phone_number}\n",
        encoding="utf-8")
    phone = _recipients("user.contact.phone_number", root)
    support = _recipients("user.support.request", root)
    # zendesk receives no phone number: its recordings store is not reached for phones
    assert "zendesk_call_recordings" not in phone
    assert "zendesk_tickets" in support and "zendesk_call_recordings" not in support
    everything = graph_json("lineage", "zendesk", root)["downstream"]
    assert {"zendesk_tickets", "zendesk_call_recordings"} <= {e["node"] for e in everything}


@pytest.mark.parametrize("fmt", ["csv", "graphml", "json", "dot", "mermaid"])
def test_exports_hold_the_held_links(fmt: str) -> None:
    run = run_inprocess("graph", "export", "--format", fmt)
    assert run.code == 0, run.err
    for store in ("stripe_vault", "zendesk_tickets", "brevo_contacts", "ga4_property"):
        assert f"held@{store}" in run.out
    if fmt == "csv":
        rows = [r for r in csv.DictReader(io.StringIO(run.out)) if r["flow"].startswith("held@")]
        assert {(r["source"], r["target"]) for r in rows} == {
            ("stripe", "stripe_vault"), ("zendesk", "zendesk_tickets"),
            ("brevo", "brevo_contacts"), ("google_analytics", "ga4_property")}
        assert {r["protocol"] for r in rows} == {"held"}
