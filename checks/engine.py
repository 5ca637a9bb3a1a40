"""Run every commitment of a policy against an inventory; fail closed on any doubt."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date

from pledge.base.memory import paused_gc
from pledge.base.timings import phase
from pledge.checks.consistency import inventory_notices
from pledge.checks.context import CheckContext, Evaluation
from pledge.checks.findings import Finding, Location, Status, Subject
from pledge.checks.graph.flow_graph import FlowGraph
from pledge.checks.judged import Scope
from pledge.checks.located_later import Unlocated
from pledge.checks.notices import Notice
from pledge.checks.registry import Kind, all_kinds, get_kind
from pledge.policy_model.inventory import Inventory
from pledge.policy_model.label_rules import LabelRules
from pledge.policy_model.loading import LoadedInventory
from pledge.policy_model.policy import Commitment, Policy, UnknownKindParams
from pledge.policy_model.references import references_intact, unresolved
from pledge.policy_model.vocabulary import Vocabularies, default_vocabularies


@dataclass(frozen=True)
class CommitmentOutcome:
    """The overall verdict on one commitment."""

    commitment: Commitment
    kind: Kind | None
    status: Status
    checked: int
    noun: str
    scopes: tuple[Scope, ...] = ()
    """The subjects the check judged, listed on demand (:func:`pledge.checks.judged.expand`)."""


@dataclass
class RunResult:
    """Everything one run produced, in a deterministic order."""

    outcomes: list[CommitmentOutcome] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    """The inventory's inconsistencies with itself (:mod:`pledge.checks.consistency`)."""
    unlocated: Unlocated = field(default_factory=dict)
    """The findings made without the location their check would look up, by fingerprint
    (``evaluate(defer_locations=True)``; :func:`pledge.checks.located_later.located`)."""

    @property
    def failed(self) -> bool:
        """True when any finding, or any error notice, fails the run."""
        return any(f.status.failing for f in self.findings) or any(
            n.failing for n in self.notices)


def _overall(findings: list[Finding], checked: int) -> Status:
    statuses = {f.status for f in findings}
    for status in (Status.ERROR, Status.FAIL, Status.WAIVED, Status.MANUAL):
        if status in statuses:
            return status
    return Status.PASS if checked else Status.NOT_APPLICABLE


def _error(commitment: Commitment, kind_name: str, code: str, message: str,
           remediation: str, location: Location | None = None) -> Finding:
    return Finding(commitment=commitment.id, kind=kind_name, code=code, status=Status.ERROR,
                   severity=commitment.severity,
                   subject=Subject(type="commitment", id=commitment.id), message=message,
                   remediation=remediation, evidence={"rule": "error"},
                   location=location).with_fingerprint()


def evaluate_commitment(ctx: CheckContext,
                        commitment: Commitment) -> tuple[CommitmentOutcome, list[Finding]]:
    """Run one commitment; an unknown kind or a crashing check becomes an error finding."""
    params = commitment.check
    kind = None if isinstance(params, UnknownKindParams) else get_kind(params.kind)
    if kind is None:
        names = [k.name for k in all_kinds()]
        guess = difflib.get_close_matches(params.kind, names, n=1)
        hint = f"did you mean {guess[0]}?" if guess else f"known kinds: {', '.join(names)}"
        finding = _error(commitment, params.kind, "PLG000",
                         f"commitment kind '{params.kind}' is unknown to this version of "
                         "pledge, so the commitment cannot be checked", hint,
                         ctx.policy_locations.get(commitment.id))
        return CommitmentOutcome(commitment, None, Status.ERROR, 0, "subjects"), [finding]
    ev = Evaluation(ctx, commitment, kind)
    try:
        with paused_gc():  # checks build nothing cyclic; a collection would walk the inventory
            kind.run(ctx, params, ev)
    except Exception as exc:  # fail closed: a crashing check is an error, never a pass
        detail = " ".join(str(exc).split())[:200]
        finding = _error(commitment, kind.name, kind.code,
                         f"the {kind.name} check crashed ({type(exc).__name__}: {detail}); "
                         "the commitment is not proven",
                         "report this with the inventory that triggers it",
                         ctx.policy_locations.get(commitment.id))
        return CommitmentOutcome(commitment, kind, Status.ERROR, ev.checked, kind.noun), [
            finding]
    findings = list(ev.findings)
    if not any(f.status in (Status.FAIL, Status.ERROR, Status.MANUAL) for f in findings):
        if ev.checked:
            findings.append(Finding(
                commitment=commitment.id, kind=kind.name, code=kind.code, status=Status.PASS,
                severity=commitment.severity, subject=Subject(type="inventory", id="*"),
                message=f"all {ev.checked} {kind.noun} checked keep the commitment",
                evidence={"rule": "pass", "checked": ev.checked, "noun": kind.noun},
            ).with_fingerprint())
        else:
            findings.append(Finding(
                commitment=commitment.id, kind=kind.name, code=kind.code,
                status=Status.NOT_APPLICABLE, severity=commitment.severity,
                subject=Subject(type="inventory", id="*"),
                message=f"the inventory has no {kind.noun} this commitment applies to",
                evidence={"rule": "not-applicable", "checked": 0, "noun": kind.noun},
            ).with_fingerprint())
    status = _overall(findings, ev.checked)
    return CommitmentOutcome(commitment, kind, status, ev.checked, kind.noun,
                             tuple(ev.scopes)), findings


def unresolved_references(inventory: Inventory) -> list[str]:
    """References that no declaration resolves, sorted.

    The loader refuses such an inventory (PLG-E008); one built another way
    (a library caller, a future loader) may still carry them, and a graph with
    dangling edges could let a check pass what it never saw.
    """
    if references_intact(inventory):  # set operations: the usual answer, in a blink
        return []
    return sorted({str(miss) for miss in unresolved(inventory)})


def _unresolved_outcome(commitment: Commitment,
                        unresolved: list[str]) -> tuple[CommitmentOutcome, list[Finding]]:
    params = commitment.check
    kind = None if isinstance(params, UnknownKindParams) else get_kind(params.kind)
    more = f" and {len(unresolved) - 3} more" if len(unresolved) > 3 else ""
    finding = _error(commitment, params.kind, kind.code if kind else "PLG000",
                     f"the inventory refers to what it does not declare "
                     f"({'; '.join(unresolved[:3])}{more}), so the commitment cannot be "
                     "checked", "declare the missing entities or fix the references")
    return CommitmentOutcome(commitment, kind, Status.ERROR, 0,
                             kind.noun if kind else "subjects"), [finding]


def evaluate(policy: Policy, loaded: LoadedInventory, *, as_of: date,
             vocab: Vocabularies | None = None, graph: FlowGraph | None = None,
             whole_policy: Policy | None = None,
             policy_locations: dict[str, Location] | None = None,
             label_rules: LabelRules | None = None, notices: bool = True,
             defer_locations: bool = False) -> RunResult:
    """Evaluate every commitment; the graph is built once and shared by all checks.

    ``whole_policy`` is the policy before a selection narrowed it to ``policy``:
    what the inventory refers to (an attestation's commitment) is judged against
    all of it. ``policy_locations`` (a loaded policy's ``locations``) point a finding
    about a commitment itself (no attestation recorded, an unknown kind) at its line.
    ``label_rules`` are the label lint's rules (None: the bundled set). With
    ``notices`` False the inventory is not judged against itself (``notices`` stays
    empty): for callers that read only the findings, as ``pledge diff`` does. With
    ``defer_locations``, findings are made without the locations their checks would
    look up, for a caller that shows only some (``RunResult.unlocated``).

    An inventory with unresolved references fails every commitment with an
    error finding instead of being checked (fail closed); one that
    :func:`~pledge.policy_model.loading.load_inventory` built has none.
    """
    vocab = vocab or default_vocabularies()
    # The loader refuses unresolved references: look again only at what it did not build.
    unresolved = [] if loaded.references_checked else unresolved_references(loaded.inventory)
    graph = graph or FlowGraph(loaded.inventory, vocab)
    ctx = CheckContext(loaded.inventory, graph, vocab, loaded.sources, as_of,
                       {c.id: c.check.kind for c in (whole_policy or policy).commitments},
                       policy_locations or {}, label_rules,
                       {} if defer_locations else None)
    result = RunResult()
    with phase("checks"):
        for commitment in sorted(policy.commitments, key=lambda c: c.id):
            with phase(commitment.id):
                outcome, findings = (_unresolved_outcome(commitment, unresolved) if unresolved
                                     else evaluate_commitment(ctx, commitment))
            result.outcomes.append(outcome)
            result.findings.extend(findings)
        result.findings.sort(key=Finding.sort_key)
    result.unlocated = ctx.unlocated or {}
    if notices and not unresolved:  # dangling references already fail every commitment
        with paused_gc(), phase("notices"):  # as the checks: nothing cyclic, a large inventory
            result.notices = inventory_notices(ctx)
    return result
