"""What a kind's check receives, and the evaluation it fills in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from pledge.checks.findings import Finding, Location, Status, Subject
from pledge.checks.judged import Scope
from pledge.checks.located_later import Unlocated, Where, default_location
from pledge.policy_model.inventory import Inventory
from pledge.policy_model.label_rules import LabelRules
from pledge.policy_model.sources import SourceIndex
from pledge.policy_model.vocabulary import Vocabularies

if TYPE_CHECKING:
    from pledge.checks.graph.flow_graph import FlowGraph
    from pledge.policy_model.policy import Commitment


class KindIdentity(Protocol):
    """What an evaluation needs of its kind: the name and code its findings carry."""

    @property
    def name(self) -> str: ...

    @property
    def code(self) -> str: ...


@dataclass
class CheckContext:
    """Everything a check reads: the inventory, its graph, vocabularies, the date."""

    inventory: Inventory
    graph: FlowGraph
    vocab: Vocabularies
    sources: SourceIndex
    as_of: date
    commitments: dict[str, str] = field(default_factory=dict)
    """The policy's commitment ids with their kinds (empty: not known to the caller)."""
    policy_locations: dict[str, Location] = field(default_factory=dict)
    """Where each commitment is declared in the policy file (empty: not known)."""
    label_rules: LabelRules | None = None
    """The label lint's rules (None: the bundled set; ``--label-rules`` adds to it)."""
    unlocated: Unlocated | None = None
    """None: each finding is located as it is made. A mapping: a finding the check gives
    no location is made without one, and what to look up is noted here
    (:mod:`pledge.checks.located_later`)."""


@dataclass
class Evaluation:
    """Findings of one commitment, and how many subjects were examined."""

    ctx: CheckContext
    commitment: Commitment
    kind: KindIdentity
    checked: int = 0
    findings: list[Finding] = field(default_factory=list)
    scopes: list[Scope] = field(default_factory=list)
    """What the check judged, listed only when an output asks (:mod:`pledge.checks.judged`)."""

    def judge(self, scope: Scope) -> None:
        """Record subjects the check judged (their verdicts default to the scope's)."""
        self.scopes.append(scope)

    def _finding(self, status: Status, subject_type: str, subject_id: str, message: str,
                 remediation: str | None, evidence: dict[str, Any] | None,
                 location: Location | None, key: str | None, at: Where | None = None
                 ) -> Finding:
        unlocated = self.ctx.unlocated
        where = at or (subject_type, subject_id, key)
        if location is None and unlocated is None:
            location = default_location(self.ctx.sources, self.ctx.policy_locations, where)
        finding = Finding(
            commitment=self.commitment.id, kind=self.kind.name, code=self.kind.code,
            status=status, severity=self.commitment.severity,
            subject=Subject(type=subject_type, id=subject_id), message=message,
            remediation=remediation, evidence=evidence or {}, location=location,
        ).with_fingerprint()
        if (location is None and unlocated is not None  # looked up later, if shown; but
                and unlocated.setdefault(finding.fingerprint, where) != where):
            # a second place under one fingerprint (another key of the subject): now
            finding = finding.model_copy(update={"location": default_location(
                self.ctx.sources, self.ctx.policy_locations, where)})
        self.findings.append(finding)
        return finding

    def fail(self, subject_type: str, subject_id: str, message: str, *,
             remediation: str | None = None, evidence: dict[str, Any] | None = None,
             key: str | None = None, location: Location | None = None,
             at: Where | None = None) -> Finding:
        """Record that ``subject`` breaks the commitment (located at ``location``, else
        looked up for ``at``, else for the subject and ``key``: :func:`default_location`)."""
        return self._finding(Status.FAIL, subject_type, subject_id, message, remediation,
                             evidence, location, key, at)

    def manual(self, subject_type: str, subject_id: str, message: str, *,
               evidence: dict[str, Any] | None = None, key: str | None = None) -> Finding:
        """Record a promise kept on a person's recorded word, not on data."""
        return self._finding(Status.MANUAL, subject_type, subject_id, message, None, evidence,
                             None, key)

    def error(self, subject_type: str, subject_id: str, message: str, *,
              remediation: str | None = None, key: str | None = None) -> Finding:
        """Record that the check cannot decide; this fails the run."""
        return self._finding(Status.ERROR, subject_type, subject_id, message, remediation,
                             None, None, key)
