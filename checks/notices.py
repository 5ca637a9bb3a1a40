"""Notices: what the inventory says about itself, apart from any commitment.

A commitment's findings judge the inventory against a promise; a notice judges
the inventory against itself (see :mod:`pledge.checks.consistency`). An
``error`` notice fails the run as an error finding does (fail closed: an
inventory that contradicts itself cannot be judged on its word); a ``warning``
is reported in every format and leaves the exit code alone unless the run asks
for it (``pledge check --strict-inventory``).
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pledge.checks.findings import Location, Subject

NoticeRule = Literal["unheld-category", "isolated-node"]
NoticeLevel = Literal["error", "warning"]

RULE_TITLES: dict[str, str] = {
    "unheld-category": "A flow sends only what its source holds, receives or collects",
    "isolated-node": "Every system, third party and store takes part in a flow",
}
"""Each rule's one-line title (SARIF rules, Markdown headings)."""


class Notice(BaseModel):
    """One inconsistency of the inventory with itself."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: NoticeRule = Field(description="unheld-category or isolated-node.")
    level: NoticeLevel = Field(description="error fails the run; warning is reported only.")
    subject: Subject
    message: str
    remediation: str | None = None
    evidence: dict[str, Any] = Field(default_factory=dict)
    location: Location | None = None
    fingerprint: str = Field("", description="Stable id of the notice across runs and edits.")

    def with_fingerprint(self) -> Notice:
        """A copy carrying its fingerprint: rule and subject, never lines or order."""
        key = "\x1f".join(("inventory", self.rule, self.subject.type, self.subject.id))
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
        return self.model_copy(update={"fingerprint": digest})

    def sort_key(self) -> tuple[int, str, str, str]:
        """Errors first, then rule, subject type and id."""
        return (0 if self.level == "error" else 1, self.rule, self.subject.type, self.subject.id)

    @property
    def failing(self) -> bool:
        """True when the notice fails the run."""
        return self.level == "error"


def strict(notices: list[Notice]) -> list[Notice]:
    """The notices with every warning raised to an error (``--strict-inventory``)."""
    return [n if n.level == "error" else n.model_copy(update={"level": "error"})
            for n in notices]
