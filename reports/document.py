"""The report: one format-agnostic document every renderer reads.

It is also the JSON report format (``pledge check --format json``), versioned by
:data:`REPORT_FORMAT`. Everything in it is sorted and free of wall-clock time
unless a timestamp is asked for, so the same inputs give the same bytes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from pledge.base.timings import phase
from pledge.checks.engine import RunResult
from pledge.checks.findings import Finding, Status
from pledge.checks.judged import Evidence, Judged
from pledge.checks.notices import Notice, strict
from pledge.policy_model.evidence import directory_files
from pledge.policy_model.loading import InputFile, LoadedInventory, LoadedPolicy
from pledge.policy_model.policy import Clause, Reference
from pledge.policy_model.redact import redact, redact_many
from pledge.policy_model.sources import Location, SourceIndex
from pledge.policy_model.types import Severity

REPORT_FORMAT = "pledge-report/1"


def tool_version() -> str:
    """pledge's version."""
    from pledge import __version__

    return __version__


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ToolInfo(_Model):
    """The program that wrote the report."""

    name: str = "pledge"
    version: str


class InputRecord(_Model):
    """One input file and its sha256: the evidence manifest."""

    path: str
    role: str = Field(description="policy, source, inventory or waivers")
    sha256: str


class ListedFile(_Model):
    """One file of an input directory and its sha256 (a symlink: of its target's text)."""

    path: str
    sha256: str


class DirectoryRecord(_Model):
    """Every file of one input directory, so that a file added, removed or edited shows."""

    path: str
    files: list[ListedFile] = Field(description="Every file under it, sorted by path.")
    excluded: list[str] = Field(default_factory=list,
                                description="Paths under it left out: what the run wrote there.")


class PolicyInfo(_Model):
    """The policy the inventory was checked against."""

    id: str
    title: str
    version: str
    organisation: str
    source_title: str
    source_sha256: str


class JudgedSubject(_Model):
    """One subject a commitment judged, passes included: what an auditor sees was looked at."""

    subject_type: str = Field(description="store, field, flow, system, subject, organisation, "
                                          "processing_activity, purpose, ...")
    subject_id: str = Field(description="Its id; fields are 'store_id.field_name', "
                                        "organisation facts their dotted name.")
    verdict: Status = Field(description="pass, fail, error, waived, manual or not_applicable "
                                        "(looked at, and set aside by the commitment's "
                                        "parameters, e.g. an exempt protocol).")
    location: Location | None = Field(None, description="Where the subject is declared.")
    reason: str = Field(description="Why: the finding's message for a subject that fails or "
                                    "is waived, what was found for one that passes.")


class CommitmentResult(_Model):
    """One commitment with its overall verdict."""

    id: str
    title: str
    severity: Severity
    kind: str
    code: str
    status: Status
    checked: int = Field(description="How many subjects the check examined.")
    noun: str
    clause: Clause
    references: list[Reference]
    rationale: str | None = None
    parameters: dict[str, Any]
    judged: list[JudgedSubject] | None = Field(
        None, description="Every subject the commitment judged, sorted by subject type and "
                          "id, with its verdict (the JSON report lists them all; "
                          "see docs/audit-reports.md).")


class Summary(_Model):
    """Counts by status and severity, and the run's result."""

    result: str = Field(description="pass or fail")
    commitments: int
    commitments_by_status: dict[str, int]
    findings_by_status: dict[str, int]
    failing_by_severity: dict[str, int]


class Declaration(_Model):
    """Where an entity named by a finding, or on its path, is declared."""

    type: str = Field(description="subject, system, store, flow, field, ...")
    id: str
    file: str
    line: int | None = None


class Gate(_Model):
    """What fails the run: a severity floor, the commitments selected, a baseline.

    Error findings always fail (a check that cannot decide proves nothing);
    failures below ``fail_on`` or already in the baseline are reported only.
    """

    fail_on: Severity = Field(Severity.INFO, description="Lowest severity that fails the run.")
    select: list[str] = Field(default_factory=list, description="--select selectors.")
    ignore: list[str] = Field(default_factory=list, description="--ignore selectors.")
    baseline: str | None = Field(None, description="The baseline report compared with.")
    baselined: list[str] = Field(
        default_factory=list,
        description="Fingerprints of failing findings already in the baseline: reported, "
                    "not failing the run.")

    def state(self, finding: Finding) -> str | None:
        """``fails``, ``baseline`` or ``below-threshold`` for a failing finding, else None."""
        if finding.status is Status.ERROR:
            return "fails"
        if finding.status is not Status.FAIL:
            return None
        if finding.fingerprint in self.baselined:
            return "baseline"
        if finding.severity.rank < self.fail_on.rank:
            return "below-threshold"
        return "fails"


class Report(_Model):
    """A complete, self-describing result of one run."""

    format: str = REPORT_FORMAT
    tool: ToolInfo
    policy: PolicyInfo
    inventory: str
    as_of: date = Field(description="The date the commitments were judged on.")
    generated_at: str | None = Field(None, description="Only with --timestamp.")
    inputs: list[InputRecord]
    directories: list[DirectoryRecord] = Field(
        default_factory=list, description="Every file of each input directory (pledge verify).")
    summary: Summary
    commitments: list[CommitmentResult]
    findings: list[Finding]
    warnings: list[str] = Field(default_factory=list)
    notices: list[Notice] = Field(
        default_factory=list,
        description="The inventory's inconsistencies with itself: an error notice fails the "
                    "run, a warning is reported only (isolated nodes; --strict-inventory "
                    "makes them errors).")
    declarations: list[Declaration] = Field(
        default_factory=list,
        description="Where the subjects, nodes and flows that findings name are declared.")
    gate: Gate | None = Field(None, description="--fail-on, --select/--ignore and --baseline.")
    body_sha256: str | None = Field(
        None, description="The sha256 of this document's canonical JSON (sorted keys, no "
                          "spaces, UTF-8) without this field: set by the JSON renderer, checked "
                          "by pledge verify.")
    _declared: dict[tuple[str, str], Declaration] = PrivateAttr(default_factory=dict)
    _declared_of: int = PrivateAttr(default=0)
    _evidence: Evidence | None = PrivateAttr(default=None)
    _redacted: dict[str, str] = PrivateAttr(default_factory=dict)
    _by_commitment: dict[str, list[Finding]] = PrivateAttr(default_factory=dict)
    _judged: dict[str, list[Judged]] = PrivateAttr(default_factory=dict)
    _judged_of: int = PrivateAttr(default=0)

    def redactor(self) -> Callable[[str], str]:
        """``redact``, worked out once per distinct text for every output of the report.

        The judged subjects repeat their ids, files and reasons across commitments
        and outputs; masking is the costly part of printing them.
        """
        memo = self._redacted

        def redacted(text: str) -> str:
            found = memo.get(text)
            if found is None:
                found = memo[text] = redact(text)
            return found

        return redacted

    def redacted_many(self, texts: Iterable[str]) -> list[str]:
        """:meth:`redactor`'s answers for ``texts``, in order, worked out at once.

        The judged subjects bring hundreds of thousands of distinct short texts;
        masking them in one pass (:func:`redact_many`) costs a fraction of one call each.
        """
        texts = list(texts)
        memo = self._redacted
        fresh = list(set(texts).difference(memo))  # each text masked alone: any order
        if fresh:
            memo.update(zip(fresh, redact_many(fresh), strict=True))
        return list(map(memo.__getitem__, texts))

    def judged(self, commitment: str) -> list[Judged]:
        """The subjects ``commitment`` judged with their verdicts, sorted (none without a run).

        Listed the first time an output asks, in one pass over the checks' classes,
        and kept for the other outputs of the same report (and findings).
        """
        if self._evidence is None:
            return []
        if self._judged_of != id(self.findings):  # a copy with other findings lists anew
            by_commitment: dict[str, list[Finding]] = {}
            self._judged, self._judged_of = {}, id(self.findings)
            for finding in self.findings:
                by_commitment.setdefault(finding.commitment, []).append(finding)
            self._by_commitment = by_commitment
        found = self._judged.get(commitment)
        if found is None:
            found = self._judged[commitment] = self._evidence.of(
                commitment, self._by_commitment.get(commitment, []))
        return found

    def to_json(self) -> str:
        """Canonical JSON text (sorted keys, two-space indent, trailing newline).

        The judged subjects are left out (``judged: null``): the JSON report,
        :func:`pledge.reports.json_report.render`, lists them, masked.
        """
        import json

        return json.dumps(self.model_dump(mode="json"), indent=2, sort_keys=True,
                          ensure_ascii=False) + "\n"

    @property
    def failing(self) -> list[Finding]:
        """Findings that fail the run."""
        return [f for f in self.findings if f.status.failing]

    @property
    def gating(self) -> list[Finding]:
        """Findings that fail the run once the gate (severity floor, baseline) applies."""
        if self.gate is None:
            return self.failing
        return [f for f in self.findings if self.gate.state(f) == "fails"]

    def gate_state(self, finding: Finding) -> str | None:
        """``fails``, ``baseline`` or ``below-threshold`` for a failing finding, else None."""
        if self.gate is None:
            return "fails" if finding.status.failing else None
        return self.gate.state(finding)

    def declared(self, ident: str, types: tuple[str, ...]) -> Declaration | None:
        """The declaration of ``ident`` as the first of ``types`` that has one."""
        if self._declared_of != id(self.declarations):  # built once per declarations list
            self._declared = {(d.type, d.id): d for d in self.declarations}
            self._declared_of = id(self.declarations)
        for kind in types:
            if (kind, ident) in self._declared:
                return self._declared[(kind, ident)]
        return None


def summarise(commitments: list[CommitmentResult], findings: list[Finding],
              gate: Gate | None = None, notices: list[Notice] | None = None) -> Summary:
    """Counts for the summary line; with a gate, only findings it fails fail the run.

    An error notice (the inventory contradicts itself) always fails the run.
    """
    by_status = Counter(c.status.value for c in commitments)
    finding_status = Counter(f.status.value for f in findings)
    severity = Counter(f.severity.value for f in findings if f.status.failing)
    failed = any(gate.state(f) == "fails" if gate else f.status.failing for f in findings) or (
        any(n.failing for n in notices or ()))
    return Summary(result="fail" if failed else "pass", commitments=len(commitments),
                   commitments_by_status=dict(sorted(by_status.items())),
                   findings_by_status=dict(sorted(finding_status.items())),
                   failing_by_severity=dict(sorted(severity.items())))


_NODE_TYPES = ("subject", "system", "store")


def declarations(findings: list[Finding], sources: SourceIndex) -> list[Declaration]:
    """Where each subject, path node and flow named by a non-passing finding is declared."""
    wanted: set[tuple[tuple[str, ...], str]] = set()
    for f in findings:
        if f.status in (Status.PASS, Status.NOT_APPLICABLE):
            continue
        wanted.add(((f.subject.type,), f.subject.id))
        path, flows = f.evidence.get("path"), f.evidence.get("flows")
        wanted.update((_NODE_TYPES, n) for n in path or () if isinstance(n, str))
        wanted.update((("flow",), n) for n in flows or () if isinstance(n, str))
    found: dict[tuple[str, str], Declaration] = {}
    for types, ident in sorted(wanted):
        for kind in types:
            where = sources.locate(kind, ident)
            if where is not None:
                found[(kind, ident)] = Declaration(type=kind, id=ident, file=where.file,
                                                   line=where.line)
                break
    return [found[key] for key in sorted(found)]


def input_directories(inventory: LoadedInventory, written: list[Path] | None = None
                      ) -> list[DirectoryRecord]:
    """Every file of the inventory directory (when it is one), less what the run writes."""
    root = inventory.root
    if root is None or not root.is_dir():
        return []
    shown = inventory.shown or root.as_posix()
    skip = []
    for path in written or []:
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError):
            continue
        if resolved.is_relative_to(root.resolve()):
            skip.append(resolved)
    listed = directory_files(root, shown, skip=frozenset(skip),
                             known={f.path: f.sha256 for f in inventory.files})
    excluded = sorted(f"{shown.rstrip('/')}/{p.relative_to(root.resolve()).as_posix()}"
                      for p in skip)
    return [DirectoryRecord(path=shown, files=[ListedFile(path=p, sha256=d) for p, d in listed],
                            excluded=excluded)]


def build_report(policy: LoadedPolicy, inventory: LoadedInventory, result: RunResult, *,
                 as_of: date, extra_inputs: list[InputFile] | None = None,
                 generated_at: str | None = None, warnings: list[str] | None = None,
                 gate: Gate | None = None, written: list[Path] | None = None,
                 strict_inventory: bool = False) -> Report:
    """Assemble the report of one run (``written``: the paths the run writes, left out of
    the listing of the input directory).

    ``strict_inventory`` raises the inventory's warning notices (isolated nodes)
    to errors, which fail the run.
    """
    with phase("report document"):
        return _build_report(policy, inventory, result, as_of=as_of, extra_inputs=extra_inputs,
                             generated_at=generated_at, warnings=warnings, gate=gate,
                             written=written, strict_inventory=strict_inventory)


def _build_report(policy: LoadedPolicy, inventory: LoadedInventory, result: RunResult, *,
                  as_of: date, extra_inputs: list[InputFile] | None,
                  generated_at: str | None, warnings: list[str] | None,
                  gate: Gate | None, written: list[Path] | None,
                  strict_inventory: bool) -> Report:
    p = policy.policy
    commitments = [
        CommitmentResult(
            id=o.commitment.id, title=o.commitment.title, severity=o.commitment.severity,
            kind=o.commitment.check.kind, code=o.kind.code if o.kind else "PLG000",
            status=o.status, checked=o.checked, noun=o.noun, clause=o.commitment.clause,
            references=o.commitment.references, rationale=o.commitment.rationale,
            parameters=o.commitment.check.model_dump(mode="json", exclude={"kind"}),
        )
        for o in result.outcomes
    ]
    notices = strict(result.notices) if strict_inventory else list(result.notices)
    files = [*policy.files, *inventory.files, *(extra_inputs or [])]
    inputs = sorted((InputRecord(path=f.display, role=f.role, sha256=f.sha256) for f in files),
                    key=lambda r: (r.role, r.path))
    report = Report(
        tool=ToolInfo(version=tool_version()),
        policy=PolicyInfo(id=p.id, title=p.title, version=p.version,
                          organisation=p.organisation, source_title=p.source.title,
                          source_sha256=p.source.sha256),
        inventory=inventory.inventory.inventory.name, as_of=as_of, generated_at=generated_at,
        inputs=inputs, directories=input_directories(inventory, written),
        summary=summarise(commitments, result.findings, gate, notices),
        commitments=commitments, findings=result.findings, warnings=sorted(warnings or []),
        notices=notices,
        declarations=declarations(result.findings, inventory.sources), gate=gate,
    )
    report._evidence = Evidence({o.commitment.id: o.scopes for o in result.outcomes},
                                inventory.sources)
    return report
