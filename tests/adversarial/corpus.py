"""The adversarial corpus: mutations of the MAROSOAP inventory, with verdicts the policy decides.

One YAML file per case under ``cases/``:

- ``description``: what an auditor changed, and why it breaks (or keeps) the promise;
- ``section`` and ``quote``: the deciding sentence, verbatim from the policy text;
- ``expect``: the commitments that must fail (``[]``: the inventory must pass), or
  ``expect_error``: the input-error code pledge must refuse the inventory with;
- ``files``: new inventory files (name: YAML text), and ``replace``: edits of the
  bundled files (``file``, ``old`` occurring exactly once, ``new``);
- ``notices`` (optional): the inventory's inconsistencies with itself the case must
  produce, as ``rule subject`` (``unheld-category orders_to_erp``,
  ``isolated-node old_crm``); without it, a must-pass case may have no error notice
  (one fails the run);
- ``known_failure`` (optional): an issue-style note for a verdict pledge gets wrong
  today; the case then runs as ``xfail(strict=True)``, so a fix is noticed.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from pledge.checks.engine import evaluate
from pledge.policy_model.errors import InputErrors
from pledge.policy_model.loading import load_inventory, load_policy

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CASES = HERE / "cases"
BUNDLED = ROOT / "inventories" / "marosoap"
POLICY = ROOT / "policy_model" / "policies" / "marosoap.yaml"
POLICY_TEXT = ROOT / "policy_model" / "source" / "marosoap-privacy-policy.txt"
AS_OF = date(2026, 11, 29)
KEYS = {"description", "section", "quote", "expect", "expect_error", "files", "replace",
        "known_failure", "notices"}


@dataclass(frozen=True)
class Case:
    """One mutation of the bundled inventory and its expected verdict."""

    id: str
    description: str
    section: str
    quote: str
    expect: frozenset[str] | None
    expect_error: str | None
    files: dict[str, str] = field(default_factory=dict)
    replace: tuple[dict[str, str], ...] = ()
    known_failure: str | None = None
    notices: frozenset[str] | None = None

    @property
    def must_pass(self) -> bool:
        """Whether the case is an unusual but compliant inventory."""
        return self.expect == frozenset()


def load_case(path: Path) -> Case:
    """Read one case file; unknown keys or a missing verdict are errors in the corpus."""
    raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    unknown = set(raw) - KEYS
    if unknown:
        raise ValueError(f"{path.name}: unknown keys {sorted(unknown)}")
    if ("expect" in raw) == ("expect_error" in raw):
        raise ValueError(f"{path.name}: give exactly one of expect and expect_error")
    return Case(id=path.stem, description=raw["description"], section=raw["section"],
                quote=raw["quote"],
                expect=frozenset(raw["expect"]) if "expect" in raw else None,
                expect_error=raw.get("expect_error"), files=raw.get("files") or {},
                replace=tuple(raw.get("replace") or ()), known_failure=raw.get("known_failure"),
                notices=frozenset(raw["notices"]) if "notices" in raw else None)


def all_cases() -> list[Case]:
    """Every case of the corpus, by file name."""
    return [load_case(p) for p in sorted(CASES.glob("*.yaml"))]


def normalise(text: str) -> str:
    """Whitespace folded, typographic apostrophes kept: how quotes are compared."""
    return re.sub(r"\s+", " ", text).strip()


def build(case: Case, target: Path) -> Path:
    """Write the bundled inventory with the case's changes under ``target``."""
    shutil.copytree(BUNDLED, target)
    for edit in case.replace:
        path = target / edit["file"]
        text = path.read_text(encoding="utf-8")
        count = text.count(edit["old"])
        if count != 1:
            raise ValueError(f"{case.id}: {edit['file']} holds the text to replace "
                             f"{count} times, not once: {edit['old']!r}")
        path.write_text(text.replace(edit["old"], edit["new"]), encoding="utf-8")
    for name, text in case.files.items():
        if (target / name).exists():
            raise ValueError(f"{case.id}: {name} exists in the bundled inventory; use replace")
        (target / name).write_text(text, encoding="utf-8")
    return target


_POLICY = None


def verdict(case: Case, workdir: Path) -> tuple[frozenset[str] | None, list[str]]:
    """The commitments failing on the case's inventory, or the input-error codes."""
    failing, errors, _ = judged(case, workdir)
    return failing, errors


def judged(case: Case, workdir: Path
           ) -> tuple[frozenset[str] | None, list[str], dict[str, bool]]:
    """As :func:`verdict`, with the inventory's notices (``rule subject``: failing or not)."""
    global _POLICY
    if _POLICY is None:
        _POLICY = load_policy(POLICY).policy
    root = build(case, workdir / case.id)
    try:
        inventory = load_inventory(root)
    except InputErrors as exc:
        return None, sorted({e.code for e in exc.errors}), {}
    result = evaluate(_POLICY, inventory, as_of=AS_OF)
    notices = {f"{n.rule} {n.subject.id}": n.failing for n in result.notices}
    return frozenset(f.commitment for f in result.findings if f.status.failing), [], notices
