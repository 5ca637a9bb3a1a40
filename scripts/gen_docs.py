"""Write docs/checks/<kind>.md, one page per commitment kind, from the registry.

The module docstring of each kind is its documentation; this script adds the
code, status and the parameter table from the kind's pydantic model. Run it
after changing a kind: ``python scripts/gen_docs.py`` (tests fail when the
pages are stale).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pledge.checks.registry import Kind, all_kinds  # noqa: E402


def page(kind: Kind) -> str:
    """The Markdown page of one kind."""
    lines = [f"# {kind.name} ({kind.code})", "", kind.summary, "",
             f"Status: {kind.status}, since {kind.since}. "
             f"{'Path-based: findings carry the flow path. ' if kind.path_based else ''}"
             f"Counts {kind.noun}.", ""]
    for title, body in kind.sections().items():
        lines += [f"## {title}", "", body, ""]
    lines += ["## Parameter schema", "", "| parameter | type | default |", "|---|---|---|"]
    schema = kind.params.model_json_schema()
    required = set(schema.get("required", []))
    for name, prop in schema["properties"].items():
        if name == "kind":
            continue
        kind_text = prop.get("type") or " or ".join(
            p.get("type", p.get("$ref", "?").rsplit("/", 1)[-1]) for p in prop.get("anyOf", []))
        info = kind.params.model_fields[name]
        default = "required" if name in required else (
            f"`{info.get_default(call_default_factory=True)}`")
        lines.append(f"| `{name}` | {kind_text} | {default} |")
    return "\n".join(lines) + "\n"


def index(kinds: list[Kind]) -> str:
    """The index of all kinds."""
    rows = [f"| [{k.code}]({k.name}.md) | `{k.name}` | {k.summary} |" for k in kinds]
    return "\n".join(["# Commitment kinds", "", "| code | kind | checks |", "|---|---|---|",
                      *rows]) + "\n"


def build(out: Path) -> dict[Path, str]:
    """Every page, by path."""
    kinds = all_kinds()
    pages = {out / f"{k.name}.md": page(k) for k in kinds}
    pages[out / "README.md"] = index(kinds)
    return pages


if __name__ == "__main__":
    target = ROOT / "docs" / "checks"
    target.mkdir(parents=True, exist_ok=True)
    for path, text in build(target).items():
        path.write_text(text, encoding="utf-8")
