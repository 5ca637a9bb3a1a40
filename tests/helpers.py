"""Build small policies and inventories in tests and evaluate them in-process."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from pledge.checks.engine import RunResult, evaluate
from pledge.checks.findings import Finding, Status
from pledge.checks.judged import Judged, Locator, expand
from pledge.policy_model.loading import load_inventory
from pledge.policy_model.policy import Policy

AS_OF_DATE = date(2026, 11, 29)


def policy_with(check: dict[str, Any], commitment_id: str = "EX-001",
                severity: str = "high") -> Policy:
    """A one-commitment policy around ``check``."""
    return Policy.model_validate({
        "id": "test-policy", "title": "Test policy", "version": "1", "organisation": "Test",
        "source": {"title": "t", "path": "t.txt", "sha256": "0" * 64},
        "commitments": [{
            "id": commitment_id, "title": "Test commitment", "severity": severity,
            "clause": {"section": "Test", "quote": "We promise."}, "check": check,
        }],
    })


def inventory_as_data(root: Path) -> dict[str, Any]:
    """An inventory directory's YAML files merged into one mapping of sections (located)."""
    from pledge.policy_model.yaml_source import parse_yaml

    merged: dict[str, Any] = {}
    for path in sorted(root.glob("*.yaml")):
        for section, value in parse_yaml(path.read_text(encoding="utf-8"), str(path)).items():
            if isinstance(value, list):
                merged.setdefault(section, []).extend(value)
            else:
                merged[section] = value
    return merged


def write_inventory(directory: Path, inventory: dict[str, Any] | str,
                    name: str = "inventory.yaml") -> Path:
    """Write an inventory (a mapping or YAML text) as one file under ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    if isinstance(inventory, dict):
        inventory = yaml.safe_dump({"inventory": {"name": "test"}, **inventory}, sort_keys=False)
    (directory / name).write_text(inventory, encoding="utf-8")
    return directory


def run_check(tmp_path: Path, check: dict[str, Any], inventory: dict[str, Any] | str,
              commitment_id: str = "EX-001") -> RunResult:
    """Evaluate one check against one inventory."""
    root = write_inventory(tmp_path / "inventory", inventory)
    loaded = load_inventory(root)
    return evaluate(policy_with(check, commitment_id), loaded, as_of=AS_OF_DATE)


def run_judged(tmp_path: Path, check: dict[str, Any], inventory: dict[str, Any] | str,
               name: str = "inventory.yaml") -> tuple[RunResult, list[Judged]]:
    """Evaluate one check against one inventory (written as ``name``), with every subject it
    judged as the reports list them: each pass with its reason, each failure, and the
    (file, line) each is declared at."""
    root = write_inventory(tmp_path / "inventory", inventory, name)
    loaded = load_inventory(root)
    result = evaluate(policy_with(check), loaded, as_of=AS_OF_DATE)
    return result, expand(result.outcomes[0].scopes, result.findings, Locator(loaded.sources))


def failing(result: RunResult) -> set[str]:
    """Subject ids of the failing findings."""
    return {f.subject.id for f in result.findings if f.status is Status.FAIL}


def statuses(result: RunResult) -> set[Status]:
    """Statuses present among the findings."""
    return {f.status for f in result.findings}


def only(result: RunResult, status: Status) -> list[Finding]:
    """Findings with that status."""
    return [f for f in result.findings if f.status is status]


def inventory_examples() -> list[Path]:
    """The broken examples whose inventory breaks the commitment (not a Terraform plan:
    those keep the bundled inventory and break ``infra/plan.json``; tests/connectors
    covers them)."""
    from tests.conftest import EXAMPLES

    if not EXAMPLES.is_dir():
        return []
    return sorted(p for p in EXAMPLES.iterdir()
                  if p.is_dir() and not (p / "infra" / "plan.json").is_file())


def every_model(model: BaseModel) -> list[BaseModel]:
    """``model`` and every model inside it, depth first."""
    found = [model]
    for name in type(model).model_fields:
        value = getattr(model, name)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, BaseModel):
                found += every_model(item)
    return found
