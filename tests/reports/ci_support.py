"""What the CI-format, gate, baseline, waiver and diff tests share.

Broken copies of the MAROSOAP inventory made by editing its YAML text, the
line that declares an entity, the official SARIF schema, and an in-process run
for the tests that go over many inventories.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from pledge.checks.engine import evaluate
from pledge.cli.common import get_inventory, get_policy
from pledge.reports.document import Gate, Report, build_report
from tests.conftest import AS_OF, INVENTORY, SCHEMAS

AS_OF_DATE = date.fromisoformat(AS_OF)
SARIF_SCHEMA = SCHEMAS / "sarif-schema-2.1.0.json"

CARD_BRAND = ("      - {name: card_brand, category: user.financial.credit_card.brand, "
              "retention: P18M}\n")
CARD_NUMBER = ("      - {name: card_number, category: user.financial.credit_card.number, "
               "retention: P18M}\n")
AD_NETWORK = """  - id: ad_network
    name: Retargeting ad network
    type: third_party
    role: advertising
    country: US
    purposes: [marketing.advertising.third_party.targeted]
    agreements: [dpa]
"""
CARD_TO_ADS = """  - id: card_to_ads
    source: customers
    target: ad_network
    categories: [user.financial.credit_card.number]
    purposes: [marketing.advertising.third_party.targeted]
    transport: {protocol: https, tls: "1.2"}
"""
UNRELATED_SYSTEM = """  - id: status_page
    name: Public status page
    type: internal
    role: other
    country: MA
    exposure: internet
    description: Shows whether the shop is up; holds no personal data.
"""


def copy_inventory(tmp_path: Path, name: str = "inv", source: Path = INVENTORY) -> Path:
    """A copy of an inventory directory under ``tmp_path``."""
    root = tmp_path / name
    shutil.copytree(source, root)
    return root


def replace_once(path: Path, old: str, new: str) -> None:
    """Replace text that must occur exactly once in ``path``."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def store_card_numbers(root: Path) -> None:
    """Break PAY-001: the orders table keeps the full card number."""
    replace_once(root / "stores.yaml", CARD_BRAND, CARD_BRAND + CARD_NUMBER)


def set_flow_tls(root: Path, flow: str, tls: str | None) -> None:
    """Set (or, with None, drop) the TLS version of one flow."""
    path = root / "flows.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index(f"  - id: {flow}\n")
    end = text.find("\n  - id: ", start + 1)
    end = len(text) if end < 0 else end
    block = text[start:end]
    new = re.sub(r'transport: \{protocol: (\w+), tls: "[0-9.]+"\}',
                 (lambda m: f'transport: {{protocol: {m[1]}, tls: "{tls}"}}') if tls
                 else (lambda m: f"transport: {{protocol: {m[1]}}}"), block, count=1)
    assert new != block, f"flow {flow} declares no TLS"
    path.write_text(text[:start] + new + text[end:], encoding="utf-8")


def send_cards_to_ads(root: Path) -> None:
    """Break PAY-002/PAY-003/CON-001: card data flows to a new ad network."""
    (root / "systems.yaml").write_text((root / "systems.yaml").read_text(encoding="utf-8")
                                       + AD_NETWORK, encoding="utf-8")
    (root / "flows.yaml").write_text((root / "flows.yaml").read_text(encoding="utf-8")
                                     + CARD_TO_ADS, encoding="utf-8")


def line_of(path: Path, pattern: str) -> int:
    """The 1-based line of ``path`` matching the regular expression (exactly one may)."""
    lines = [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if re.search(pattern, line)]
    assert len(lines) == 1, f"{pattern!r} matches lines {lines} of {path}"
    return lines[0]


def declares(line_text: str, subject_type: str, subject_id: str) -> bool:
    """Whether a YAML line is the one declaring the subject a finding names."""
    leaf = subject_id.rsplit(".", 1)[-1] if subject_type == "field" else subject_id
    key = {"field": "name", "attestation": "commitment"}.get(subject_type, "id")
    if subject_type == "organisation":
        # a fact's own key (its last part: nested facts point at their own line)
        return bool(re.match(rf"\s*({re.escape(subject_id.split('.')[-1])}|id):", line_text))
    return bool(re.search(rf"(^|[{{\s-]){key}: [\"']?{re.escape(leaf)}[\"']?([,}}\s]|$)",
                          line_text))


@cache
def sarif_validator() -> Any:
    """A validator for the official SARIF 2.1.0 schema (JSON Schema draft 4)."""
    from jsonschema import Draft4Validator

    return Draft4Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))


def sarif_errors(document: object) -> list[str]:
    """Every SARIF schema violation of ``document``."""
    return sorted(f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
                  for e in sarif_validator().iter_errors(document))


def report_for(path: Path | None = None, gate: Gate | None = None) -> Report:
    """Check ``path`` (default: MAROSOAP) in process, as ``pledge check`` does."""
    policy = get_policy(None)
    inventory = get_inventory(path)
    result = evaluate(policy.policy, inventory, as_of=AS_OF_DATE)
    return build_report(policy, inventory, result, as_of=AS_OF_DATE, gate=gate)


def reverse_entries(path: Path) -> None:
    """Reverse the sections of an inventory file and the ``- id:`` entries of each."""
    text = path.read_text(encoding="utf-8")
    parts = re.split(r"(?m)^(?=[a-z_]+:)", text)
    preamble, sections = parts[0], parts[1:]
    flipped = []
    for section in sections:
        head, *blocks = section.split("\n  - id: ")
        blocks = [b if b.endswith("\n") else b + "\n" for b in blocks]
        flipped.append((head + "\n" if blocks else head)
                       + "".join("  - id: " + b for b in reversed(blocks)))
    path.write_text(preamble + "".join(reversed(flipped)), encoding="utf-8")


def add_unrelated_system(root: Path) -> None:
    """Declare a compliant internal system that touches no personal data."""
    path = root / "systems.yaml"
    path.write_text(path.read_text(encoding="utf-8") + UNRELATED_SYSTEM, encoding="utf-8")


def waived_and_baselined_report(tmp_path: Path) -> Report:
    """A report with two failures: card storage waived, the old-TLS flow in the baseline."""
    from pledge.checks.findings import Status

    root = copy_inventory(tmp_path)
    store_card_numbers(root)
    set_flow_tls(root, "orders_to_amana", "1.0")
    report = report_for(root)
    card, amana = sorted((f for f in report.findings if f.status is Status.FAIL),
                         key=lambda f: f.commitment)
    waived = card.model_copy(update={"status": Status.WAIVED, "evidence": {
        **card.evidence, "waiver": {"justification": "migration", "approver": "dpo",
                                    "expires": "2027-01-01"}}})
    return report.model_copy(update={
        "findings": [waived if f is card else f for f in report.findings],
        "gate": Gate(baseline="base.json", baselined=[amana.fingerprint])})


def append_text(path: Path, text: str) -> None:
    """Add ``text`` at the end of the file at ``path``."""
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def remove_flow(root: Path, flow: str) -> None:
    """Remove the flow ``flow`` from ``root/flows.yaml`` (written one ``- id:`` per entry)."""
    path = root / "flows.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index(f"  - id: {flow}\n")
    end = text.index("\n  - id: ", start + 1) + 1
    path.write_text(text[:start] + text[end:], encoding="utf-8")
