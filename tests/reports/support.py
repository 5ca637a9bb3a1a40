"""What the report tests share: a broken copy of the MAROSOAP inventory, OSCAL validators."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pledge.checks.graph.flow_graph import FlowGraph
from pledge.policy_model.loading import LoadedInventory, LoadedPolicy
from pledge.reports.document import Report
from tests.conftest import INVENTORY, SCHEMAS

CARD_FIELD = ("      - {name: card_brand, category: user.financial.credit_card.brand, "
              "retention: P18M}\n")
CARD_POST = ("  - id: card_posted_to_shop\n    source: customers\n    target: web_shop\n"
             "    categories: [user.financial.credit_card.number]\n"
             "    purposes: [essential.service.payment_processing]\n"
             "    transport: {protocol: https, tls: \"1.3\"}\n")

WAIVERS = """waivers:
  - commitment: PAY-001
    subject: {type: field, id: order_db.card_number}
    justification: The column is dropped by the next migration
    approver: dpo@marosoap.example
    expires: "2027-01-31"
"""
"""A waiver file for the broken inventory's PAY-001 failure."""


def _replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def broken_inventory(tmp_path: Path, *, hostile: bool = False) -> Path:
    """A copy of the MAROSOAP inventory that breaks PAY-001 and PAY-002.

    The orders table keeps full card numbers (a field finding), and the checkout
    posts the card to the shop's server (a path finding through the graph). With
    ``hostile``, a system name carries markup, a secret and a card number.
    """
    root = tmp_path / "broken"
    shutil.copytree(INVENTORY, root)
    _replace_once(root / "stores.yaml", CARD_FIELD, CARD_FIELD + CARD_FIELD.replace(
        "card_brand", "card_number").replace("credit_card.brand", "credit_card.number"))
    _replace_once(root / "flows.yaml", "  - id: stripe_payment_result\n",
                  CARD_POST + "  - id: stripe_payment_result\n")
    if hostile:
        _replace_once(root / "systems.yaml", "    name: marosoap.com web shop\n",
                      "    name: \"Shop </script><script>alert(1)</script><img src=x "
                      "onerror=alert(2)> password=hunter2 4111 1111 1111 1111\"\n")
    return root


@cache
def _compiled(pattern: str) -> Any:
    import regex

    return regex.compile(pattern)


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Any:
    """The JSON Schema ``pattern`` keyword with Unicode classes (\\p{L}) the OSCAL schemas use."""
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and not _compiled(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


@cache
def oscal_validator(name: str) -> Any:
    """A Draft 7 validator with format checking for an official OSCAL 1.0.6 schema.

    Python's ``re`` lacks ``\\p{L}``, which the OSCAL token pattern needs, so the
    ``pattern`` keyword is checked with the ``regex`` module; everything else is
    the stock ``Draft7Validator`` with a ``FormatChecker`` (date-time and URI
    checks come from rfc3339-validator and rfc3986-validator).
    """
    from jsonschema import Draft7Validator, FormatChecker, validators

    schema = json.loads((SCHEMAS / f"oscal-1.0.6_{name}_schema.json").read_text(
        encoding="utf-8"))
    validator_class = validators.extend(Draft7Validator, {"pattern": _pattern})
    return validator_class(schema, format_checker=FormatChecker())


def schema_errors(name: str, document: object) -> list[str]:
    """Every schema violation of ``document``, as 'path: message' lines."""
    errors = oscal_validator(name).iter_errors(document)
    return sorted(f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in errors)


@dataclass
class Rendered:
    """One run, in process: the loaded inputs, the graph and the report."""

    policy: LoadedPolicy
    inventory: LoadedInventory
    graph: FlowGraph
    report: Report


def run_inventory(path: Path | None = None, *, generated_at: str | None = None) -> Rendered:
    """Evaluate the bundled policy against ``path`` (default: MAROSOAP) as the CLI does."""
    from pledge.cli.commands.report import run_with_waivers
    from pledge.cli.common import get_inventory, get_policy
    from pledge.reports.document import build_report
    from tests.helpers import AS_OF_DATE

    policy = get_policy(None)
    inventory = get_inventory(path)
    result, graph, warnings, extra = run_with_waivers(policy, inventory, as_of=AS_OF_DATE,
                                                      waivers=None, max_size=10_000_000)
    report = build_report(policy, inventory, result, as_of=AS_OF_DATE, extra_inputs=extra,
                          generated_at=generated_at, warnings=warnings)
    return Rendered(policy, inventory, graph, report)


def one_per_line_plain(entries: list[Any], indent: int) -> str:
    """A JSON list of objects laid out the plain way: each dumped compact on its own line,
    at column ``indent``, as the JSON report and OSCAL write their judged subjects."""
    if not entries:
        return "[]"
    pad = "\n" + " " * (indent + 2)
    return ("[" + pad + ("," + pad).join(
        json.dumps(e, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        for e in entries) + "\n" + " " * indent + "]")
