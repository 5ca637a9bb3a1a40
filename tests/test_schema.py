"""`pledge schema` describes the shipped YAML and every JSON report pledge writes."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from pledge.cli.commands.schema import schemas
from pledge.policy_model.yaml_source import load_file
from tests.conftest import AS_OF, EXAMPLES, INVENTORY, POLICY, run_inprocess, run_pledge

SCHEMAS = schemas()


def _validator(name: str) -> jsonschema.Validator:
    schema = SCHEMAS[name]
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def test_schema_command_writes_three_valid_schemas(tmp_path: Path) -> None:
    run = run_pledge("schema", "--output-dir", tmp_path)
    assert run.code == 0, run.err
    for name in ("policy", "inventory", "report"):
        schema = json.loads((tmp_path / f"{name}.schema.json").read_text(encoding="utf-8"))
        jsonschema.validators.validator_for(schema).check_schema(schema)


def test_bundled_policy_matches_the_policy_schema() -> None:
    data, _ = load_file(POLICY)
    _validator("policy").validate(json.loads(json.dumps(data)))


@pytest.mark.parametrize("path", sorted(INVENTORY.glob("*.yaml")), ids=lambda p: p.name)
def test_bundled_inventory_files_match_the_inventory_schema(path: Path) -> None:
    data, _ = load_file(path)
    _validator("inventory").validate(json.loads(json.dumps(data)))


def test_the_schema_rejects_what_the_models_reject() -> None:
    with pytest.raises(jsonschema.ValidationError):
        _validator("inventory").validate({"systems": [{"id": "x", "name": "X",
                                                       "type": "internal", "role": "nope",
                                                       "country": "MA"}]})
    with pytest.raises(jsonschema.ValidationError):
        _validator("inventory").validate({"sytems": []})


@pytest.mark.parametrize("inventory", [INVENTORY, *sorted(p for p in EXAMPLES.iterdir()
                                                           if p.is_dir())],
                         ids=lambda p: p.name)
def test_every_json_report_matches_the_report_schema(inventory: Path) -> None:
    run = run_inprocess("check", inventory, "--as-of", AS_OF, "--format", "json")
    assert run.code in (0, 1), run.err
    report = json.loads(run.out)
    _validator("report").validate(report)
    assert report["format"] == "pledge-report/1"
