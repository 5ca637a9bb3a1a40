"""Write inventories/examples/: the MAROSOAP inventory broken once per commitment.

Each example is a full copy of inventories/marosoap with one textual change,
so ``diff -r inventories/marosoap inventories/examples/<dir>`` shows exactly
what breaks the promise. Each fails its own commitment and no other
(tests/test_examples.py proves it). The inventory examples leave out the
Terraform configuration (``infra/``); the plan examples keep it and break the
plan instead (``pledge check --terraform <dir>/infra/plan.json <dir>``). Run
again after changing the inventory:

    python scripts/make_examples.py
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "inventories" / "marosoap"
TARGET = ROOT / "inventories" / "examples"


@dataclass(frozen=True)
class Breakage:
    """One commitment, one file, one replacement (``old`` must occur exactly once)."""

    commitment: str
    slug: str
    why: str
    file: str
    old: str
    new: str


BREAKAGES = [
    Breakage("PAY-001", "card-number-stored", "the orders table keeps the full card number",
             "stores.yaml",
             "      - {name: card_brand, category: user.financial.credit_card.brand, retention: P18M}\n",
             "      - {name: card_brand, category: user.financial.credit_card.brand, retention: P18M}\n"
             "      - {name: card_number, category: user.financial.credit_card.number, retention: P18M}\n"),
    Breakage("PAY-002", "card-posted-to-shop", "the checkout form posts the card to the shop's server",
             "flows.yaml", "  - id: stripe_payment_result\n",
             "  - id: card_posted_to_shop\n    source: customers\n    target: web_shop\n"
             "    categories: [user.financial.credit_card.number, user.financial.credit_card.cvv]\n"
             "    purposes: [essential.service.payment_processing]\n"
             "    transport: {protocol: https, tls: \"1.3\"}\n"
             "  - id: stripe_payment_result\n"),
    Breakage("PAY-003", "purchases-to-newsletter", "order amounts are synced to the newsletter tool",
             "flows.yaml", "  - id: newsletter_unsubscribes\n",
             "  - id: order_values_to_newsletter\n    source: order_db\n    target: brevo\n"
             "    categories: [user.payment.transaction]\n"
             "    purposes: [marketing.communications.email]\n"
             "    transport: {protocol: https, tls: \"1.2\"}\n"
             "    consent_gate: marketing_preferences\n"
             "  - id: newsletter_unsubscribes\n"),
    Breakage("PAY-004", "stripe-webhook-old-tls", "the payment webhook accepts TLS 1.1",
             "flows.yaml",
             "                 user.financial.credit_card.brand, user.payment.transaction]\n"
             "    purposes: [essential.service.payment_processing]\n"
             "    transport: {protocol: https, tls: \"1.2\"}\n",
             "                 user.financial.credit_card.brand, user.payment.transaction]\n"
             "    purposes: [essential.service.payment_processing]\n"
             "    transport: {protocol: https, tls: \"1.1\"}\n"),
    Breakage("PAY-005", "payments-kept-three-years", "payment amounts are kept three years",
             "stores.yaml", "      - {name: amount, category: user.payment.transaction, retention: P18M}\n",
             "      - {name: amount, category: user.payment.transaction, retention: P3Y}\n"),
    Breakage("RET-001", "accounts-kept-forever", "customer accounts are kept indefinitely",
             "stores.yaml", "    retention: P3Y\n    disposal: delete\n    connection:",
             "    retention: indefinite\n    disposal: delete\n    connection:"),
    Breakage("RET-002", "sellers-no-disposal", "seller records say nothing of how they end",
             "stores.yaml", "    purposes: [essential.service, sales]\n    retention: P5Y\n    disposal: delete\n",
             "    purposes: [essential.service, sales]\n    retention: P5Y\n"),
    Breakage("RET-003", "profiles-kept-three-years", "recommendation profiles are kept 36 months",
             "stores.yaml", "    purposes: [personalize.content.profiling]\n    retention: P12M\n",
             "    purposes: [personalize.content.profiling]\n    retention: P36M\n"),
    Breakage("SEC-001", "shop-over-http", "the shop is served over plain HTTP",
             "flows.yaml",
             "    purposes: [essential.service]\n    transport: {protocol: https, tls: \"1.3\"}\n"
             "    legal_basis: legitimate_interests\n",
             "    purposes: [essential.service]\n    transport: {protocol: http}\n"
             "    legal_basis: legitimate_interests\n"),
    Breakage("SEC-002", "invoices-public", "the invoice store grants access to the public",
             "stores.yaml", "    access_roles: [accountant]\n", "    access_roles: [accountant, public]\n"),
    Breakage("SEC-003", "logs-on-the-internet", "the log bucket is reachable from the internet",
             "stores.yaml", "    technology: object-storage\n    exposure: private\n",
             "    technology: object-storage\n    exposure: internet\n"),
    Breakage("SEC-004", "analytics-raw-ip", "the analytics property keeps whole IP addresses",
             "stores.yaml",
             "      - {name: ip_address, category: user.device.ip_address, pseudonymised: true,\n",
             "      - {name: ip_address, category: user.device.ip_address,\n"),
    Breakage("SEC-005", "audit-overdue", "the last security audit was in March 2024",
             "organisation.yaml", "  last_security_audit: \"2026-10-20\"\n",
             "  last_security_audit: \"2024-03-01\"\n"),
    Breakage("SEC-006", "no-vulnerability-attestation", "nobody attests vulnerability monitoring",
             "organisation.yaml",
             "  - commitment: SEC-006\n"
             "    statement: Weekly dependency and container scans run; critical findings fixed within 7 days.\n"
             "    attested_by: Platform lead\n    date: \"2026-10-20\"\n"
             "    evidence: https://intranet.marosoap.com/security/vulnerability-management-2026Q4\n"
             "    expires: \"2027-10-20\"\n", ""),
    Breakage("SEC-007", "review-attestation-expired", "the privacy review attestation has expired",
             "organisation.yaml", "    expires: \"2027-10-02\"\n  - commitment: CON-003",
             "    expires: \"2026-10-31\"\n  - commitment: CON-003"),
    Breakage("SEC-008", "logs-shipped-in-clear", "request logs are shipped without TLS",
             "flows.yaml",
             "    purposes: [essential.service.security]\n    transport: {protocol: https, tls: \"1.3\"}\n",
             "    purposes: [essential.service.security]\n    transport: {protocol: syslog}\n"),
    Breakage("TP-001", "dhl-without-dpa", "DHL Express works without a data processing agreement",
             "systems.yaml", "    purposes: [essential.service.fulfillment]\n    agreements: [dpa, scc]\n",
             "    purposes: [essential.service.fulfillment]\n    agreements: [scc]\n"),
    Breakage("CON-001", "pixel-without-consent", "the Meta Pixel fires before cookie consent",
             "flows.yaml",
             "    purposes: [marketing.advertising.third_party.targeted]\n"
             "    transport: {protocol: https, tls: \"1.3\"}\n    consent_gate: cookie_consent\n"
             "    legal_basis: consent\n  - id: google_ads_tag\n",
             "    purposes: [marketing.advertising.third_party.targeted]\n"
             "    transport: {protocol: https, tls: \"1.3\"}\n"
             "    legal_basis: consent\n  - id: google_ads_tag\n"),
    Breakage("CON-002", "newsletter-without-opt-out", "newsletter contacts are synced past the preference",
             "flows.yaml", "    consent_gate: marketing_preferences\n", ""),
    Breakage("CON-003", "no-objection-attestation", "nobody attests that objections are honoured",
             "organisation.yaml",
             "  - commitment: CON-003\n"
             "    statement: Objection requests by email are answered within 30 days; tested with a dummy request.\n"
             "    attested_by: Support lead\n    date: \"2026-09-30\"\n"
             "    evidence: https://intranet.marosoap.com/privacy/requests/objection-test-2026-09\n"
             "    expires: \"2027-09-30\"\n", ""),
    Breakage("ADM-001", "automatic-account-suspension", "support suspends accounts automatically",
             "processing.yaml",
             "      - description: Tickets are tagged and routed to a queue by topic\n"
             "        significant_effect: false\n",
             "      - description: Tickets are tagged and routed to a queue by topic\n"
             "        significant_effect: false\n"
             "      - description: Accounts flagged as abusive are suspended without review\n"
             "        significant_effect: true\n"),
    Breakage("ADM-002", "no-human-review", "human review of automated decisions is not offered",
             "organisation.yaml", "  human_review_of_automated_decisions: true\n",
             "  human_review_of_automated_decisions: false\n"),
    Breakage("BRE-001", "breach-notice-96h", "the authority is told within 96 hours",
             "organisation.yaml", "    authority_notification_hours: 72\n",
             "    authority_notification_hours: 96\n"),
    Breakage("BRE-002", "breach-notice-without-contact", "the notice to individuals omits a contact",
             "organisation.yaml", "      - protective_actions\n      - contact\n",
             "      - protective_actions\n"),
    Breakage("BRE-003", "breach-plan-untested", "the breach plan was last exercised in January 2024",
             "organisation.yaml", "    last_tested: \"2026-09-15\"\n",
             "    last_tested: \"2024-01-10\"\n"),
    Breakage("AGE-001", "age-gate-16", "the shop admits customers from 16",
             "organisation.yaml", "  minimum_user_age: 18\n", "  minimum_user_age: 16\n"),
    Breakage("AGE-002", "no-minor-removal-attestation", "nobody attests the removal of minors' data",
             "organisation.yaml",
             "  - commitment: AGE-002\n"
             "    statement: Reports of minors' accounts lead to deletion within 72 hours; procedure tested.\n"
             "    attested_by: Support lead\n    date: \"2026-09-30\"\n"
             "    evidence: https://intranet.marosoap.com/privacy/requests/minor-removal-procedure\n"
             "    expires: \"2027-09-30\"\n", ""),
    Breakage("ORG-001", "no-privacy-contact", "no privacy contact is published",
             "organisation.yaml", "  privacy_contact: privacy@marosoap.com\n", ""),
    Breakage("ORG-002", "no-change-log-attestation", "nobody attests that policy changes are published",
             "organisation.yaml",
             "  - commitment: ORG-002\n"
             "    statement: Policy changes are published at marosoap.com/privacy with a dated change log.\n"
             "    attested_by: Privacy lead\n    date: \"2026-10-02\"\n"
             "    evidence: https://marosoap.com/privacy#changes\n    expires: \"2027-10-02\"\n", ""),
]



# --- broken Terraform plans: one per fact a plan can break -----------------------------------
Plan = dict[str, Any]


def _resources(plan: Plan, address: str) -> list[dict[str, Any]]:
    """The planned-values entries of ``address`` (root or child modules)."""
    root = plan["planned_values"]["root_module"]
    modules = [root, *root.get("child_modules", [])]
    return [r for m in modules for r in m.get("resources", []) if r["address"] == address]


def _change(plan: Plan, address: str) -> dict[str, Any]:
    return next(c["change"] for c in plan["resource_changes"] if c["address"] == address)


def _set(plan: Plan, address: str, values: dict[str, Any], *, replace: bool = False) -> None:
    """Plan ``values`` for a resource: an update (a replacement when ``replace``)."""
    change = _change(plan, address)
    change["after"].update(values)
    for resource in _resources(plan, address):
        resource["values"].update(values)
    if replace:
        change["actions"] = ["delete", "create"]
        computed = ("arn", "endpoint", "id", "resource_id", "status", "kms_key_id")
        for key in computed:
            change["after"].pop(key, None)
            for resource in _resources(plan, address):
                resource["values"].pop(key, None)
        change["after_unknown"] = dict.fromkeys(computed, True)
        change["replace_paths"] = [[key] for key in sorted(values)]
        change["action_reason"] = "replace_because_cannot_update"
    else:
        change["actions"] = ["update"]


def _config(plan: Plan, address: str) -> dict[str, Any]:
    return next(r for r in plan["configuration"]["root_module"]["resources"]
                if r["address"] == address)


def _log_retention(plan: Plan) -> None:
    _set(plan, "aws_cloudwatch_log_group.web_logs", {"retention_in_days": 3650})
    _config(plan, "aws_cloudwatch_log_group.web_logs")["expressions"]["retention_in_days"] = {
        "constant_value": 3650}


def _public_invoices(plan: Plan) -> None:
    _set(plan, "aws_s3_bucket_acl.invoices", {"acl": "public-read",
                                              "id": "marosoap-invoices,public-read"})
    _config(plan, "aws_s3_bucket_acl.invoices")["expressions"]["acl"] = {
        "constant_value": "public-read"}
    block = dict.fromkeys(("block_public_acls", "block_public_policy", "ignore_public_acls",
                           "restrict_public_buckets"), False)
    _set(plan, "aws_s3_bucket_public_access_block.invoices", block)
    expressions = _config(plan, "aws_s3_bucket_public_access_block.invoices")["expressions"]
    for key in block:
        expressions[key] = {"constant_value": False}


def _unencrypted_orders(plan: Plan) -> None:
    _set(plan, "module.order_db.aws_db_instance.this", {"storage_encrypted": False},
         replace=True)
    call = plan["configuration"]["root_module"]["module_calls"]["order_db"]
    call["expressions"]["storage_encrypted"] = {"constant_value": False}


@dataclass(frozen=True)
class PlanBreakage:
    """One commitment broken by a plan: an edit of plan.json and the same edit of the .tf."""

    commitment: str
    slug: str
    why: str
    edit: Callable[[Plan], None]
    tf_file: str
    old: str
    new: str

    file = "infra/plan.json"


PLAN_BREAKAGES = [
    PlanBreakage("RET-001", "web-logs-kept-ten-years",
                 "the plan keeps the web log group (IP addresses) 3650 days", _log_retention,
                 "main.tf", "  retention_in_days = 90\n", "  retention_in_days = 3650\n"),
    PlanBreakage("SEC-003", "invoices-bucket-public",
                 "the plan makes the invoices bucket public-read", _public_invoices, "main.tf",
                 '  acl    = "private"\n', '  acl    = "public-read"\n'),
    PlanBreakage("SEC-003", "orders-db-unencrypted",
                 "the plan replaces the orders database with an unencrypted one",
                 _unencrypted_orders, "main.tf",
                 '  store          = "order_db"\n',
                 '  store          = "order_db"\n  storage_encrypted = false\n'),
]


def example_dir(b: Breakage | PlanBreakage) -> str:
    """Directory name of an example: commitment id and a slug."""
    return f"{b.commitment}-{b.slug}"


def build(target: Path) -> None:
    """Write every example under ``target`` (replacing what is there)."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    index = ["# Broken examples", "",
             "Each directory is `inventories/marosoap` with one change that breaks one commitment.",
             "`pledge check inventories/examples/<dir>` exits 1 and names only that commitment.",
             "Generated by `python scripts/make_examples.py`.", "",
             "| example | commitment | what is broken | file |", "|---|---|---|---|"]
    for b in BREAKAGES:
        out = target / example_dir(b)
        shutil.copytree(SOURCE, out, ignore=shutil.ignore_patterns("infra"))
        path = out / b.file
        text = path.read_text(encoding="utf-8")
        if text.count(b.old) != 1:
            sys.exit(f"{b.commitment}: the text to replace occurs {text.count(b.old)} times "
                     f"in {b.file}")
        header = f"# Broken on purpose ({b.commitment}): {b.why}.\n"
        path.write_text(header + text.replace(b.old, b.new), encoding="utf-8")
        index.append(f"| [{example_dir(b)}]({example_dir(b)}/) | {b.commitment} | {b.why} | "
                     f"{b.file} |")
    for p in PLAN_BREAKAGES:
        out = target / example_dir(p)
        shutil.copytree(SOURCE, out)
        plan_path = out / p.file
        plan = json.loads(plan_path.read_text(encoding="utf-8"))
        p.edit(plan)
        plan_path.write_text(json.dumps(plan, indent=2) + "\n", encoding="utf-8")
        tf_path = out / "infra" / p.tf_file
        text = tf_path.read_text(encoding="utf-8")
        if text.count(p.old) != 1:
            sys.exit(f"{p.commitment}: the text to replace occurs {text.count(p.old)} times "
                     f"in {p.tf_file}")
        tf_path.write_text(f"# Broken on purpose ({p.commitment}): {p.why}.\n"
                           + text.replace(p.old, p.new), encoding="utf-8")
        index.append(f"| [{example_dir(p)}]({example_dir(p)}/) | {p.commitment} | {p.why} "
                     f"(`pledge check --terraform {example_dir(p)}/infra/plan.json "
                     f"{example_dir(p)}`) | {p.file} |")
    (target / "README.md").write_text("\n".join(index) + "\n", encoding="utf-8")


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else TARGET)
