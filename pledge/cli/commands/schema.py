"""``pledge schema``: JSON Schemas of the policy, the inventory, the JSON report and the
Terraform mapping file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from pledge.cli.common import EXIT_OK, write_output


def schemas() -> dict[str, dict[str, object]]:
    """The JSON Schema of each document pledge reads or writes, by name."""
    from pledge.connectors.terraform.mapping import TerraformMapping
    from pledge.policy_model.inventory import InventoryFragment
    from pledge.policy_model.policy import Policy
    from pledge.reports.document import Report

    result: dict[str, dict[str, object]] = {}
    models: tuple[tuple[str, Any], ...] = (
        ("policy", Policy), ("inventory", InventoryFragment), ("report", Report),
        ("terraform-mapping", TerraformMapping))
    for name, model in models:
        schema = model.model_json_schema(mode="serialization" if name == "report"
                                         else "validation")
        if name == "policy":
            _known_kinds_only(schema)
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"urn:pledge:schema:{name}:1"
        result[name] = schema
    return result


def _known_kinds_only(schema: dict[str, Any]) -> None:
    """Describe ``check`` as one of the known kinds.

    The loader accepts an unknown kind so that ``pledge check`` can fail it
    closed with an error finding; a valid policy names known kinds only.
    """
    defs = schema.get("$defs", {})
    check = defs.get("Commitment", {}).get("properties", {}).get("check", {})
    options = check.get("oneOf") or check.get("anyOf") or []
    known = [o for o in options if not o.get("$ref", "").endswith("/UnknownKindParams")]
    check.pop("anyOf", None)
    check["oneOf"] = known
    mapping = {}
    for option in known:
        target = defs[option["$ref"].rsplit("/", 1)[-1]]
        mapping[target["properties"]["kind"]["const"]] = option["$ref"]
    check["discriminator"] = {"propertyName": "kind", "mapping": dict(sorted(mapping.items()))}
    defs.pop("UnknownKindParams", None)


@click.command()
@click.argument("name", required=False, type=click.Choice(["policy", "inventory", "report",
                                                 "terraform-mapping"]))
@click.option("--output-dir", type=click.Path(path_type=Path), default=None,
              help="Write policy/inventory/report/terraform-mapping .schema.json files here.")
def schema(name: str | None, output_dir: Path | None) -> int:
    """Print the JSON Schema NAME, or write all four to --output-dir."""
    found = schemas()
    if output_dir is not None:
        for key, value in found.items():
            write_output(json.dumps(value, indent=2, sort_keys=True) + "\n",
                         output_dir / f"{key}.schema.json")
        click.echo(f"wrote {len(found)} schemas to {output_dir}")
        return EXIT_OK
    chosen = {name: found[name]} if name else found
    write_output(json.dumps(chosen if not name else found[name], indent=2, sort_keys=True)
                 + "\n", None)
    return EXIT_OK
