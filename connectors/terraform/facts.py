"""Store facts derived from a resource's values by the rules in ``rules.yaml``.

The rules are data (see the header of ``rules.yaml`` and docs/terraform.md): one
entry per resource type, one spec (or a list tried in order) per fact. A spec
that cannot tell, because the attribute is missing with no provider default or
is only known after apply, leaves the fact unknown (``None``): pledge never
guesses a fact in a direction that would let a check pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from pledge.policy_model import durations
from pledge.policy_model.types import INDEFINITE

RULES_FILE = Path(__file__).resolve().parent / "rules.yaml"
REGIONS_FILE = Path(__file__).resolve().parent / "regions.yaml"
FACTS = ("encryption_at_rest", "encryption_key", "exposure", "retention", "backup_retention",
         "region", "deletion_protection")
EXPOSURE_RANK = {"private": 0, "internal": 1, "internet": 2, "public": 3}


@dataclass(frozen=True)
class TypeRule:
    """How one resource type's values become store facts."""

    type: str
    holds: str | None
    """What kind of data store it is (database, bucket, ...); None for helper resources."""
    acts_on: str | None
    """For a helper resource (an S3 ACL), the kind of store it configures."""
    labels: str | None
    facts: dict[str, list[dict[str, Any]]]


@cache
def rules() -> dict[str, TypeRule]:
    """The fact rules by resource type (read once)."""
    raw = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    found = {}
    for kind, entry in raw.items():
        facts = {name: spec if isinstance(spec, list) else [spec]
                 for name, spec in (entry.get("facts") or {}).items()}
        unknown = set(facts) - set(FACTS)
        if unknown:  # a slip in the shipped rules: caught by the tests
            raise ValueError(f"{kind}: unknown facts {sorted(unknown)}")
        found[kind] = TypeRule(kind, entry.get("holds"), entry.get("acts_on"),
                               entry.get("labels"), facts)
    return found


@cache
def _regions() -> dict[str, str]:
    raw = yaml.safe_load(REGIONS_FILE.read_text(encoding="utf-8"))
    return {region.lower(): country for table in raw.values()
            for region, country in table.items()}


def country_of(region: str | None) -> str | None:
    """The ISO country of a cloud region (``eu-west-3`` -> ``FR``), None when not one."""
    if not region:
        return None
    return _regions().get(region.lower().replace(" ", ""))


class _Unknown:
    """Marks a value Terraform only knows after apply."""


UNKNOWN = _Unknown()


def _walk(values: Any, unknown: Any, path: list[str]) -> list[Any] | _Unknown:
    """Values at ``path`` (lists walked element by element); UNKNOWN if any is unknown."""
    nodes: list[tuple[Any, Any]] = [(values, unknown)]
    for key in path:
        nxt: list[tuple[Any, Any]] = []
        for node, unk in nodes:
            if unk is True:
                return UNKNOWN
            if isinstance(node, list):
                for index, item in enumerate(node):
                    item_unknown = unk[index] if isinstance(unk, list) and index < len(
                        unk) else None
                    if item_unknown is True:
                        return UNKNOWN
                    if isinstance(item, dict):
                        nxt.append((item.get(key), item_unknown.get(key)
                                    if isinstance(item_unknown, dict) else None))
            elif isinstance(node, dict):
                nxt.append((node.get(key), unk.get(key) if isinstance(unk, dict) else None))
        nodes = nxt
    leaves: list[Any] = []
    for node, unk in nodes:
        if unk is True:
            return UNKNOWN
        if isinstance(node, list) and not any(isinstance(v, (dict, list)) for v in node):
            leaves.extend(node)
        elif node is not None:
            leaves.append(node)
    return leaves


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


_GO_DURATION = re.compile(r"^(\d+(?:\.\d+)?)s$")


def _to_days(value: Any, unit: str) -> float | None:
    if unit == "duration":  # Google's "604800s"
        found = _GO_DURATION.match(str(value))
        return float(found.group(1)) / 86400 if found else None
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number * {"days": 1, "hours": 1 / 24, "seconds": 1 / 86400,
                     "milliseconds": 1 / 86_400_000}[unit]


def days_to_duration(days: float) -> str:
    """Days as an ISO 8601 duration: whole days ``P90D``, else hours ``PT36H``."""
    if days == int(days):
        return f"P{int(days)}D"
    hours = days * 24
    return f"PT{int(hours)}H" if hours == int(hours) else f"PT{round(days * 86400)}S"


def _key(value: Any) -> str:
    return str(value).lower() if not isinstance(value, bool) else ("true" if value else "false")


def _one(spec: dict[str, Any], values: dict[str, Any], unknown: dict[str, Any],
         provider_region: str | None) -> Any:
    """One spec's fact, None when it cannot tell."""
    if "constant" in spec:
        return spec["constant"]
    if spec.get("provider") == "region":
        return provider_region
    found = _walk(values, unknown, str(spec["path"]).split("."))
    if found is UNKNOWN:
        return UNKNOWN
    assert isinstance(found, list)
    present = [v for v in found if not _empty(v)]
    if "present" in spec or "absent" in spec:
        if present:
            return spec.get("present")
        return spec.get("absent")
    if not present:
        return spec.get("default")
    if "map" in spec:
        table = {_key(k): v for k, v in spec["map"].items()}
        mapped = [table.get(_key(v), spec.get("otherwise")) for v in present]
        if any(m is None for m in mapped):
            return None
        if spec.get("map") and all(m in EXPOSURE_RANK for m in mapped):
            return max(mapped, key=lambda m: EXPOSURE_RANK[str(m)])
        return mapped[0]
    if "unit" in spec:
        days = [_to_days(v, spec["unit"]) for v in present]
        if any(d is None for d in days):
            return None
        chosen = min(days) if spec.get("reduce") == "min" else max(days)  # type: ignore[type-var]
        if chosen == 0 and spec.get("zero") == INDEFINITE:
            return INDEFINITE
        return days_to_duration(chosen)  # type: ignore[arg-type]
    value = present[0]
    if spec.get("zone") and isinstance(value, str):
        return value[:-1] if value[-1:].isalpha() else value
    return value


def derive(rule: TypeRule, values: dict[str, Any] | None, unknown: dict[str, Any] | None,
           provider_region: str | None) -> dict[str, Any]:
    """The facts a resource's values tell (unknown facts are left out)."""
    if values is None:
        return {}
    facts: dict[str, Any] = {}
    for name, specs in rule.facts.items():
        for spec in specs:
            value = _one(spec, values, unknown or {}, provider_region)
            if value is UNKNOWN and name == "region":  # computed from the provider's
                continue
            if value is UNKNOWN:  # known only after apply: the fact cannot be told
                break
            if value is not None:
                facts[name] = value
                break
    if "region" in facts:
        facts["region"] = str(facts["region"])
    return facts


def labels_of(rule: TypeRule | None, values: dict[str, Any] | None) -> dict[str, str]:
    """The resource's tags or labels (``tags_all`` too, where the provider adds defaults)."""
    if not values:
        return {}
    found: dict[str, str] = {}
    paths = [rule.labels] if rule and rule.labels else []
    paths += ["tags_all", "tags", "labels"]
    for path in paths:
        leaves = _walk(values, {}, path.split("."))
        for leaf in leaves if isinstance(leaves, list) else []:
            if isinstance(leaf, dict):
                for key, value in leaf.items():
                    if isinstance(key, str) and isinstance(value, str):
                        found.setdefault(key, value)
    return found


def longer(first: str | None, second: str | None) -> bool:
    """True when retention ``second`` is longer than ``first`` (indefinite is longest)."""
    if second is None or first is None:
        return False
    if second == INDEFINITE:
        return first != INDEFINITE
    if first == INDEFINITE:
        return False
    return durations.exceeds(second, first)


_STARTS = tuple(date(year, month, 1) for year in (2024, 2025) for month in (1, 3))


def same_retention(declared: str | None, planned: str | None) -> bool:
    """True when two retentions agree within three days on the calendar (``P10Y`` is 3,652
    or 3,653 days, and a plan's "ten years" is often 3,650)."""
    if declared is None or planned is None or INDEFINITE in (declared, planned):
        return declared == planned
    return all(abs((durations.add(start, declared) - durations.add(start, planned)).days) <= 3
               for start in _STARTS)
