"""Findings: the result of checking one commitment against one subject."""

from __future__ import annotations

import hashlib
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pledge.policy_model.sources import Location
from pledge.policy_model.types import Severity

__all__ = ["Finding", "Location", "Status", "Subject"]


class Status(StrEnum):
    """Verdict of a finding. ``fail`` and ``error`` fail a run."""

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    MANUAL = "manual"
    NOT_APPLICABLE = "not_applicable"
    WAIVED = "waived"

    @property
    def failing(self) -> bool:
        """True for statuses that fail a run."""
        return self in (Status.FAIL, Status.ERROR)


class Subject(BaseModel):
    """What a finding is about: a store, field, flow, system, path or the organisation."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str = Field(description="store, field, flow, system, path, organisation, inventory")
    id: str = Field(description="Its id; fields are 'store_id.field_name'.")


class Finding(BaseModel):
    """One verdict on one subject for one commitment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    commitment: str = Field(description="Commitment id, e.g. PAY-001.")
    kind: str = Field(description="Commitment kind, e.g. forbidden-storage.")
    code: str = Field(description="The kind's stable code, e.g. PLG101.")
    status: Status
    severity: Severity
    subject: Subject
    message: str
    remediation: str | None = None
    evidence: dict[str, Any] = Field(
        default_factory=dict,
        description="What was checked; 'path' lists the graph nodes and flows for graph kinds.")
    location: Location | None = None
    fingerprint: str = Field("", description="Stable id of the finding across runs and edits.")

    def with_fingerprint(self) -> Finding:
        """Return a copy carrying its stable fingerprint.

        The fingerprint hashes what identifies the problem (commitment, subject
        and the rule it broke), never line numbers or ordering, so it survives
        reordering and unrelated edits of the inventory.
        """
        rule = str(self.evidence.get("rule", ""))
        key = "\x1f".join((self.commitment, self.kind, self.subject.type, self.subject.id, rule))
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
        return self.model_copy(update={"fingerprint": digest})

    def sort_key(self) -> tuple[str, int, str, str, str]:
        """Deterministic order: commitment, failing first, subject, fingerprint."""
        order = {Status.ERROR: 0, Status.FAIL: 1, Status.WAIVED: 2, Status.MANUAL: 3,
                 Status.PASS: 4, Status.NOT_APPLICABLE: 5}[self.status]
        return (self.commitment, order, self.subject.type, self.subject.id, self.fingerprint)
