"""Read the JSON of ``terraform show -json PLANFILE``: resources, their changes, where declared.

No Terraform binary is involved: the plan is JSON (format versions 0.x and 1.x).
For each managed resource pledge keeps its address, type, the values before and
after the change, what Terraform will only know after apply, the region of its
provider configuration, and the configuration's references (an ACL resource
pointing at its bucket). Nested modules are walked in ``planned_values``,
``resource_changes`` and ``configuration`` alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pledge.policy_model.errors import InputError
from pledge.policy_model.loading import InputFile, display_path
from pledge.policy_model.yaml_source import (
    DEFAULT_MAX_FILE_SIZE,
    QuickParseRefused,
    json_key_marks,
    parse_json,
    quick_json,
    read_text_and_digest,
)

Actions = tuple[str, ...]


@dataclass
class PlanResource:
    """One managed resource of a plan, with its change."""

    address: str
    type: str
    name: str
    module: str
    """``module.a.module.b`` for a nested module, ``""`` for the root module."""
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    after_unknown: dict[str, Any]
    actions: Actions
    region: str | None = None
    """The region of the resource's provider configuration, when the plan names one."""
    references: dict[str, list[str]] = field(default_factory=dict)
    """Attribute -> addresses it refers to in the configuration (full addresses)."""

    @property
    def created(self) -> bool:
        """True when the plan creates the resource (a replacement is not a creation)."""
        return self.actions == ("create",)

    @property
    def deleted(self) -> bool:
        """True when the plan deletes the resource and creates nothing in its place."""
        return self.actions == ("delete",)


@dataclass
class Plan:
    """A plan's managed resources (sorted by address) and where it came from."""

    resources: list[PlanResource]
    file: InputFile
    text: str
    config_dirs: dict[str, Path] = field(default_factory=dict)
    """Module path (``""`` for the root) -> the directory its configuration is read from."""
    terraform_version: str | None = None


def _bad(message: str, shown: str, hint: str) -> InputError:
    return InputError("PLG-E017", message, shown, None, hint)


_INDEX = re.compile(r"\[[^\]]*\]$")


def _module_of(address: str) -> str:
    """``module.a["x"].module.b.aws_s3_bucket.c`` -> ``module.a["x"].module.b``."""
    parts = _split(address)
    mode = 1 if len(parts) > 2 and parts[-3] == "data" else 0
    return ".".join(parts[: len(parts) - 2 - mode])


def _split(address: str) -> list[str]:
    """Split an address at dots outside brackets and quotes."""
    if "[" not in address:
        return address.split(".")
    parts, depth, start, quoted = [], 0, 0, False
    for pos, char in enumerate(address):
        if char == '"':
            quoted = not quoted
        elif not quoted and char == "[":
            depth += 1
        elif not quoted and char == "]":
            depth -= 1
        elif not quoted and depth == 0 and char == ".":
            parts.append(address[start:pos])
            start = pos + 1
    parts.append(address[start:])
    return parts


def _config_module_key(module: str) -> str:
    """``module.a["x"].module.b`` -> ``module.a.module.b`` (instance keys dropped)."""
    return ".".join(_INDEX.sub("", part) for part in _split(module)) if module else ""


MAX_MODULE_DEPTH = 64


class _TooDeep(Exception):
    """Modules nested deeper than any real configuration."""


def _walk_config(module: dict[str, Any], key: str, base: Path, providers: dict[str, Any],
                 configs: dict[str, dict[str, Any]], dirs: dict[str, Path]) -> None:
    """Record each configuration module's resources and directory, recursively."""
    if key.count("module.") > MAX_MODULE_DEPTH:
        raise _TooDeep
    dirs[key] = base
    for res in module.get("resources") or []:
        if isinstance(res, dict) and isinstance(res.get("address"), str):
            full = f"{key}.{res['address']}" if key else res["address"]
            configs[full] = res
    for name, call in sorted((module.get("module_calls") or {}).items()):
        if not isinstance(call, dict):
            continue
        source = call.get("source")
        child = base / source if isinstance(source, str) and source.startswith(".") else base
        _walk_config(call.get("module") or {}, f"{key}.module.{name}" if key
                     else f"module.{name}", child, providers, configs, dirs)


def _constant(expressions: dict[str, Any] | None, name: str) -> Any:
    value = (expressions or {}).get(name)
    return value.get("constant_value") if isinstance(value, dict) else None


def _provider_region(config: dict[str, Any] | None, providers: dict[str, Any]) -> str | None:
    """The region of a resource's provider configuration (its own module's, else the root's)."""
    if not config:
        return None
    key = config.get("provider_config_key")
    if not isinstance(key, str):
        return None
    candidates = [key, key.rsplit(":", 1)[-1]]
    for candidate in candidates:
        provider = providers.get(candidate)
        if isinstance(provider, dict):
            region = _constant(provider.get("expressions"), "region")
            if isinstance(region, str) and region:
                return region
    return None


def _references(config: dict[str, Any] | None, module: str) -> dict[str, list[str]]:
    """Attribute -> the resource addresses its expression refers to (full addresses)."""
    found: dict[str, list[str]] = {}
    for attr, expr in sorted(((config or {}).get("expressions") or {}).items()):
        refs = expr.get("references") if isinstance(expr, dict) else None
        if not isinstance(refs, list):
            continue
        addresses = []
        for ref in refs:
            if not isinstance(ref, str) or ref.startswith(("var.", "local.", "module.", "data.")):
                continue
            parts = ref.split(".")
            if len(parts) >= 2:
                addresses.append(f"{module}.{parts[0]}.{parts[1]}" if module
                                 else f"{parts[0]}.{parts[1]}")
        if addresses:
            found[attr] = sorted(set(addresses))
    return found


def _planned(module: dict[str, Any], into: dict[str, dict[str, Any]], depth: int = 0) -> None:
    if depth > MAX_MODULE_DEPTH:
        raise _TooDeep
    for res in module.get("resources") or []:
        if isinstance(res, dict) and isinstance(res.get("address"), str):
            into[res["address"]] = res
    for child in module.get("child_modules") or []:
        if isinstance(child, dict):
            _planned(child, into, depth + 1)


def parse_plan(data: Any, file: InputFile, text: str) -> Plan:
    """The managed resources of a parsed plan; anything not shaped like one is an error."""
    shown = file.display
    if not isinstance(data, dict) or not isinstance(data.get("format_version"), str):
        raise _bad("not the JSON of `terraform show -json`: no format_version", shown,
                   "write it with: terraform show -json PLANFILE > plan.json")
    major = data["format_version"].split(".", 1)[0]
    if major not in ("0", "1"):
        raise _bad(f"plan format_version {data['format_version']} is newer than pledge reads "
                   "(0.x and 1.x)", shown, "upgrade pledge, or write the plan with an older "
                   "Terraform")
    if "resource_changes" not in data and "planned_values" not in data:
        raise _bad("a Terraform plan needs resource_changes or planned_values (this looks "
                   "like state, not a plan)", shown,
                   "run terraform plan -out PLANFILE, then terraform show -json PLANFILE")
    configuration = data.get("configuration") or {}
    providers = configuration.get("provider_config") or {}
    configs: dict[str, dict[str, Any]] = {}
    dirs: dict[str, Path] = {}
    planned: dict[str, dict[str, Any]] = {}
    try:
        _walk_config(configuration.get("root_module") or {}, "", file.path.parent, providers,
                     configs, dirs)
        _planned((data.get("planned_values") or {}).get("root_module") or {}, planned)
    except _TooDeep:
        raise _bad(f"modules nested more than {MAX_MODULE_DEPTH} deep", shown,
                   "give the plan Terraform wrote") from None
    resources: dict[str, PlanResource] = {}
    changes = data.get("resource_changes") or []
    if not isinstance(changes, list):
        raise _bad("resource_changes is not a list", shown, "give the plan unchanged")
    for change in changes:
        if not isinstance(change, dict) or change.get("mode", "managed") != "managed":
            continue
        address, kind = change.get("address"), change.get("type")
        body = change.get("change")
        if not isinstance(address, str) or not isinstance(kind, str) or not isinstance(
                body, dict):
            raise _bad(f"a resource change lacks address, type or change ({address!r})",
                       shown, "give the plan unchanged")
        actions = tuple(a for a in body.get("actions") or () if isinstance(a, str))
        before, after = body.get("before"), body.get("after")
        unknown = body.get("after_unknown")
        resources[address] = _resource(address, kind, change.get("name"),
                                       before if isinstance(before, dict) else None,
                                       after if isinstance(after, dict) else None,
                                       unknown if isinstance(unknown, dict) else {},
                                       actions or ("no-op",), configs, providers)
    for address, res in planned.items():  # a plan written without resource_changes
        if address in resources or res.get("mode", "managed") != "managed":
            continue
        values = res.get("values")
        if isinstance(res.get("type"), str):
            resources[address] = _resource(address, res["type"], res.get("name"), None,
                                           values if isinstance(values, dict) else {}, {},
                                           ("create",), configs, providers)
    version = data.get("terraform_version")
    return Plan([resources[a] for a in sorted(resources)], file, text, dirs,
                version if isinstance(version, str) else None)


def _resource(address: str, kind: str, name: Any, before: dict[str, Any] | None,
              after: dict[str, Any] | None, unknown: dict[str, Any], actions: Actions,
              configs: dict[str, dict[str, Any]], providers: dict[str, Any]) -> PlanResource:
    module = _module_of(address)
    config_address = _INDEX.sub("", address)
    config_module = _config_module_key(module)
    tail = config_address[len(module) + 1:] if module else config_address
    config = configs.get(f"{config_module}.{tail}" if config_module else tail)
    return PlanResource(address=address, type=kind, name=name if isinstance(name, str) else "",
                        module=module, before=before, after=after, after_unknown=unknown,
                        actions=actions, region=_provider_region(config, providers),
                        references=_references(config, module))


def _keys(data: Any) -> int:
    """How many keys the parsed document holds (all its objects'), without recursion."""
    count, stack = 0, [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            count += len(node)
            stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, (dict, list)))
    return count


def read_plan(path: Path, *, max_size: int = DEFAULT_MAX_FILE_SIZE) -> Plan:
    """Read and parse a plan file (size limit, UTF-8, duplicate keys checked)."""
    shown = display_path(path)
    if not path.is_file():
        raise InputError("PLG-E001", "no such file", shown, None,
                         "give the JSON written by terraform show -json PLANFILE")
    text, digest = read_text_and_digest(path, max_size=max_size, display=shown)
    try:  # the fast parser; a repeated key (which it would let by) sends it to the exact one
        data = quick_json(text)
        if _keys(data) != json_key_marks(text):
            data = parse_json(text, shown)
    except QuickParseRefused:
        data = parse_json(text, shown)
    return parse_plan(data, InputFile(shown, path, digest, "terraform-plan"), text)
