"""The inventory judged against itself: what a flow sends, its source has; no node left out.

Each case is the bundled MAROSOAP inventory plus one real YAML file, checked by
the engine (the notices) and, for the outputs, by the command line.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from pledge.checks.engine import evaluate
from pledge.checks.notices import Notice
from pledge.policy_model.loading import load_inventory, load_policy
from tests.conftest import AS_OF, INVENTORY, POLICY, run_inprocess

POLICY_LOADED = load_policy(POLICY)


def _inventory(tmp_path: Path, extra: str, name: str = "extra.yaml") -> Path:
    root = tmp_path / "inventory"
    shutil.copytree(INVENTORY, root, ignore=shutil.ignore_patterns("infra"))
    (root / name).write_text(extra, encoding="utf-8")
    return root


def _notices(root: Path) -> list[Notice]:
    result = evaluate(POLICY_LOADED.policy, load_inventory(root),
                      as_of=date.fromisoformat(AS_OF))
    return result.notices


def _flow(ident: str, source: str, target: str, categories: str) -> str:
    return (f"  - id: {ident}\n    source: {source}\n    target: {target}\n"
            f"    categories: [{categories}]\n    purposes: [essential.service]\n"
            '    transport: {protocol: https, tls: "1.3"}\n')


def test_the_bundled_inventory_is_consistent() -> None:
    assert _notices(INVENTORY) == []


# --- a flow's categories are held by its source ------------------------------------------------
UNHELD = [
    # (flow id, source, target, categories, categories reported, source type)
    ("orders_iban_to_erp", "order_db", "accounting_erp", "user.financial.bank_account",
     ["user.financial.bank_account"], "store"),
    ("seller_health_to_zendesk", "seller_db", "zendesk", "user.name, user.health_and_medical",
     ["user.health_and_medical"], "store"),
    ("shop_sends_iban", "web_shop", "accounting_erp", "user.financial.bank_account",
     ["user.financial.bank_account"], "system"),
    ("reco_sends_location", "recommendation_engine", "web_shop",
     "user.behavior.interests, user.location.precise", ["user.location.precise"], "system"),
    ("erp_sends_biometrics", "accounting_erp", "web_shop", "user.biometric",
     ["user.biometric"], "system"),
]


@pytest.mark.parametrize(("flow", "source", "target", "cats", "reported", "kind"), UNHELD,
                         ids=[u[0] for u in UNHELD])
def test_a_flow_sending_what_its_source_does_not_have_is_an_error(
        tmp_path: Path, flow: str, source: str, target: str, cats: str, reported: list[str],
        kind: str) -> None:
    root = _inventory(tmp_path, "flows:\n" + _flow(flow, source, target, cats))
    notices = _notices(root)
    assert [(n.rule, n.level, n.subject.id) for n in notices] == [
        ("unheld-category", "error", flow)]
    notice = notices[0]
    assert notice.evidence["categories"] == reported
    assert notice.evidence["source_type"] == kind
    assert notice.location is not None and notice.location.file.endswith("extra.yaml")
    assert notice.location.line is not None and notice.location.line > 1
    assert source in notice.message and reported[0] in notice.message


HELD = [
    # a finer category than a field holds: customer_db keeps user.contact.email
    ("customer_db", "zendesk", "user.contact.email"),
    # a broader one than a field holds: customer_db keeps user.contact.* fields
    ("customer_db", "zendesk", "user.contact"),
    # an internal system sends what a flow brought it (stripe -> web_shop: the card token)
    ("web_shop", "accounting_erp", "user.financial.credit_card.token"),
    # ... or what one of its stores keeps (web_shop owns order_db: last four digits)
    ("web_shop", "zendesk", "user.financial.credit_card.last_four"),
    # a data subject is where data is collected
    ("customers", "web_shop", "user.biometric"),
    # a third party's own holdings lie outside the inventory (Stripe makes tokens)
    ("stripe", "accounting_erp", "user.financial.credit_card.token"),
]


@pytest.mark.parametrize(("source", "target", "cats"), HELD,
                         ids=[f"{h[0]}-{h[2]}" for h in HELD])
def test_a_flow_sending_what_its_source_has_is_consistent(
        tmp_path: Path, source: str, target: str, cats: str) -> None:
    root = _inventory(tmp_path, "flows:\n" + _flow("extra_flow", source, target, cats))
    assert [n for n in _notices(root) if n.rule == "unheld-category"] == []


def test_a_system_collects_what_its_processing_activity_records(tmp_path: Path) -> None:
    """An imported Fides system declares what it processes about whom, not a flow from them."""
    extra = ("systems:\n  - {id: pos_terminal, name: Caisse, type: internal, role: storefront,"
             " country: MA}\nflows:\n" + _flow("caisse_to_support", "pos_terminal", "zendesk",
                                               "user.contact.phone_number"))
    root = _inventory(tmp_path, extra)
    assert [n.subject.id for n in _notices(root) if n.rule == "unheld-category"] == [
        "caisse_to_support"]
    (root / "activity.yaml").write_text(
        "processing_activities:\n  - id: caisse_ventes\n    name: Ventes en boutique\n"
        "    purposes: [essential.service]\n    data_subjects: [customers]\n"
        "    categories: [user.contact]\n    systems: [pos_terminal]\n", encoding="utf-8")
    assert [n for n in _notices(root) if n.rule == "unheld-category"] == []


def test_an_unheld_category_fails_the_run_in_every_format(tmp_path: Path) -> None:
    root = _inventory(tmp_path, "flows:\n" + _flow(
        "shop_sends_iban", "web_shop", "accounting_erp", "user.financial.bank_account"))
    text = run_inprocess("check", root, "--as-of", AS_OF)
    assert text.code == 1
    assert "ERROR [unheld-category] flow shop_sends_iban" in text.out
    assert text.out.rstrip().endswith("0 failing findings; 1 inventory error")
    report = json.loads(run_inprocess("check", root, "--as-of", AS_OF, "-f", "json").out)
    assert report["summary"]["result"] == "fail"
    assert [(n["rule"], n["level"]) for n in report["notices"]] == [
        ("unheld-category", "error")]
    sarif = json.loads(run_inprocess("check", root, "--as-of", AS_OF, "-f", "sarif").out)
    results = sarif["runs"][0]["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [("inventory/unheld-category",
                                                              "error")]
    github = run_inprocess("check", root, "--as-of", AS_OF, "-f", "github").out
    assert "::error file=" in github and "title=pledge inventory [unheld-category]" in github


# --- isolated nodes ----------------------------------------------------------------------------
ISOLATED = """\
systems:
  - {id: old_crm, name: Old CRM, type: internal, role: backend, country: MA}
  - {id: mailjet, name: Mailjet, type: third_party, role: email_marketing, country: FR,
     agreements: [dpa]}
  - {id: archive_host, name: Archive host, type: third_party, role: hosting, country: DE,
     agreements: [dpa]}
stores:
  - id: crm_contacts
    name: CRM contacts
    system: old_crm
    exposure: private
    encryption_at_rest: true
    access_roles: [customer_service]
    fields:
      - {name: email, category: user.contact.email, retention: P1Y, disposal: delete}
  - id: brevo_lists
    name: Brevo contact lists
    system: brevo
    exposure: private
    encryption_at_rest: true
    access_roles: [marketing_team]
    fields:
      - {name: email, category: user.contact.email, retention: P1Y, disposal: delete}
  - id: shop_scratch
    name: Shop scratch table
    system: web_shop
    exposure: private
    encryption_at_rest: true
    access_roles: [platform_engineer]
  - id: archive_bucket
    name: Archive bucket
    system: archive_host
    exposure: private
    encryption_at_rest: true
    access_roles: [platform_engineer]
"""


def test_nodes_in_no_flow_are_warnings(tmp_path: Path) -> None:
    notices = _notices(_inventory(tmp_path, ISOLATED, "legacy.yaml"))
    assert [(n.rule, n.level, n.subject.type, n.subject.id) for n in notices] == [
        ("isolated-node", "warning", "store", "archive_bucket"),
        ("isolated-node", "warning", "store", "crm_contacts"),
        ("isolated-node", "warning", "store", "shop_scratch"),
        ("isolated-node", "warning", "system", "archive_host"),
        ("isolated-node", "warning", "system", "mailjet"),
        ("isolated-node", "warning", "system", "old_crm"),
    ]  # brevo_lists: a third party's store, reached where brevo receives data
    third = {n.subject.id: n.evidence["third_party"] for n in notices}
    assert third == {"archive_bucket": True, "crm_contacts": False, "shop_scratch": False,
                     "archive_host": True, "mailjet": True, "old_crm": False}
    assert all(n.location is not None and n.location.file.endswith("legacy.yaml")
               for n in notices)


def test_a_system_whose_store_has_flows_is_not_isolated(tmp_path: Path) -> None:
    extra = ("systems:\n  - {id: data_lake, name: Data lake, type: internal, role: database, "
             "country: MA}\nstores:\n  - id: lake_orders\n    name: Lake orders\n"
             "    system: data_lake\n    exposure: private\n    encryption_at_rest: true\n"
             "    access_roles: [data_engineer]\n    purposes: [analytics.reporting]\n"
             "    fields:\n      - {name: visitor_key, category: user.unique_id.pseudonymous,"
             " retention: P1Y, disposal: delete}\n"
             "flows:\n  - id: orders_to_lake\n    source: order_db\n    target: lake_orders\n"
             "    categories: [user.unique_id]\n    purposes: [analytics.reporting]\n"
             '    transport: {protocol: https, tls: "1.3"}\n')
    assert _notices(_inventory(tmp_path, extra)) == []


FORMATS = {
    "text": "WARNING [isolated-node] system old_crm",
    "json": '"rule": "isolated-node"',
    "markdown": "| warning | isolated-node | system old\\_crm |",
    "github": "::warning file=",
    "junit": 'classname="inventory.isolated-node" name="system old_crm"',
    "sarif": '"ruleId": "inventory/isolated-node"',
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_isolated_nodes_show_in_every_format_and_keep_the_exit_code(
        tmp_path: Path, fmt: str) -> None:
    root = _inventory(tmp_path, ISOLATED, "legacy.yaml")
    first = run_inprocess("check", root, "--as-of", AS_OF, "-f", fmt)
    assert first.code == 0, first.err
    assert FORMATS[fmt] in first.out
    again = run_inprocess("check", root, "--as-of", AS_OF, "-f", fmt)
    assert again.out == first.out  # deterministic
    strict = run_inprocess("check", root, "--as-of", AS_OF, "-f", fmt, "--strict-inventory")
    assert strict.code == 1


def test_sarif_warning_results_carry_their_location(tmp_path: Path) -> None:
    root = _inventory(tmp_path, ISOLATED, "legacy.yaml")
    sarif = json.loads(run_inprocess("check", root, "--as-of", AS_OF, "-f", "sarif").out)
    run = sarif["runs"][0]
    results = [r for r in run["results"] if r["ruleId"] == "inventory/isolated-node"]
    assert len(results) == 6 and {r["level"] for r in results} == {"warning"}
    rules = run["tool"]["driver"]["rules"]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == "inventory/isolated-node"
        region = result["locations"][0]["physicalLocation"]
        assert region["artifactLocation"]["uri"].endswith("legacy.yaml")
        assert region["region"]["startLine"] > 1


def test_report_raises_isolated_nodes_with_strict_inventory(tmp_path: Path) -> None:
    """``pledge report --strict-inventory`` fails the pack as ``check`` fails the run."""
    root = _inventory(tmp_path, ISOLATED, "legacy.yaml")
    out = tmp_path / "pack"
    lenient = run_inprocess("report", root, "--as-of", AS_OF, "--output-dir", out, "-f", "json")
    assert lenient.code == 0, lenient.err
    notices = json.loads((out / "report.json").read_text(encoding="utf-8"))["notices"]
    assert {n["level"] for n in notices if n["rule"] == "isolated-node"} == {"warning"}
    strict = run_inprocess("report", root, "--as-of", AS_OF, "--output-dir", out, "-f", "json",
                           "--strict-inventory")
    assert strict.code == 1
    notices = json.loads((out / "report.json").read_text(encoding="utf-8"))["notices"]
    assert {n["level"] for n in notices if n["rule"] == "isolated-node"} == {"error"}
