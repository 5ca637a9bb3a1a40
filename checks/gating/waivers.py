"""Waivers: a person's recorded, expiring acceptance of one known failure.

A waiver file is YAML (``--waivers FILE``, or ``waivers.yaml`` / ``waivers.yml``
/ ``pledge-waivers.yaml`` inside the inventory directory)::

    waivers:
      - commitment: PAY-005
        subject: {type: field, id: order_db.amount}   # or: fingerprint: 3f2a...
        justification: Chargeback window under review with the acquirer
        approver: dpo@marosoap.example
        expires: 2027-03-31
        ticket: PRIV-142                               # optional

A waiver turns the matching failing findings into ``waived`` ones, which are
reported but do not fail the run. On the day after ``expires`` it stops
waiving: the finding fails again and says that its waiver expired. A waiver
that matches no failing finding is reported as a warning, so stale waivers
get cleaned up. Error findings are never waived: a check that cannot decide
proves nothing a person could accept.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, StringConstraints, ValidationError, model_validator

from pledge.base.strict_model import StrictModel
from pledge.checks.engine import RunResult
from pledge.checks.findings import Finding, Status, Subject
from pledge.policy_model.errors import InputError, InputErrors, raise_if_any
from pledge.policy_model.loading import WAIVER_FILE_NAMES, InputFile, display_path
from pledge.policy_model.policy import Policy
from pledge.policy_model.redact import redact
from pledge.policy_model.types import Date
from pledge.policy_model.validation_errors import translate
from pledge.policy_model.yaml_source import DEFAULT_MAX_FILE_SIZE, Located, load_file, sha256_file

NonBlank = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class WaiverSubject(StrictModel):
    """The subject of the finding a waiver accepts, as findings name it."""

    type: NonBlank = Field(description="store, field, flow, system, organisation, ...")
    id: NonBlank = Field(description="Its id; fields are 'store_id.field_name'.")


class Waiver(StrictModel):
    """One accepted failure: which one, why, who said so, and until when."""

    commitment: Annotated[str, Field(pattern=r"^[A-Z]{2,6}-\d{3}$",
                                     description="Commitment id, e.g. PAY-005.")]
    subject: WaiverSubject | None = Field(None, description="The finding's subject.")
    fingerprint: Annotated[str, Field(pattern=r"^[0-9a-f*]{32}$")] | None = Field(
        None, description="Or the finding's fingerprint, from a JSON or SARIF report.")
    justification: NonBlank = Field(description="Why the failure is accepted for now.")
    approver: NonBlank = Field(description="Who accepted it.")
    expires: Date = Field(description="Last day the waiver applies.")
    ticket: str | None = Field(None, description="Tracking issue or change record.")

    @model_validator(mode="after")
    def _one_target(self) -> Waiver:
        if (self.subject is None) == (self.fingerprint is None):
            raise ValueError("give either subject or fingerprint (exactly one)")
        return self

    def matches(self, finding: Finding) -> bool:
        """Whether this waiver names ``finding``."""
        if finding.commitment != self.commitment:
            return False
        if self.fingerprint is not None:  # as printed, or as a JSON report masked it
            return self.fingerprint in (finding.fingerprint, redact(finding.fingerprint))
        assert self.subject is not None
        return finding.subject == Subject(type=self.subject.type, id=self.subject.id)

    def target(self) -> str:
        """How the waiver names its finding, for messages."""
        if self.subject is not None:
            return f"{self.commitment} {self.subject.type} {self.subject.id}"
        return f"{self.commitment} fingerprint {self.fingerprint}"


class WaiverFile(StrictModel):
    """A waiver file: one ``waivers`` list."""

    waivers: list[Waiver] = Field(default_factory=list)


@dataclass(frozen=True)
class LocatedWaiver:
    """A waiver with the file and line that declare it."""

    waiver: Waiver
    file: str
    line: int | None

    @property
    def where(self) -> str:
        """``file:line`` of the waiver."""
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass
class LoadedWaivers:
    """The waivers of one file, and the file as an input of the run."""

    waivers: list[LocatedWaiver] = field(default_factory=list)
    file: InputFile | None = None


def find_waiver_file(inventory: Path) -> Path | None:
    """The waiver file inside an inventory directory, if it has one (two is an error)."""
    if not inventory.is_dir():
        return None
    present = [inventory / n for n in WAIVER_FILE_NAMES if (inventory / n).is_file()]
    if len(present) > 1:
        raise InputErrors([InputError("PLG-E009", "the inventory has two waiver files: "
                                      + " and ".join(p.name for p in present),
                                      display_path(inventory), None, "keep one")])
    return present[0] if present else None


def load_waivers(path: Path, policy: Policy, *, display: str | None = None,
                 max_size: int = DEFAULT_MAX_FILE_SIZE) -> LoadedWaivers:
    """Read and validate a waiver file; every problem is an input error with its line."""
    shown = display or display_path(path)
    raw, _text = load_file(path, max_size=max_size, display=shown)
    source = InputFile(shown, path, sha256_file(path), "waivers")
    if raw is None:
        return LoadedWaivers([], source)
    if not isinstance(raw, dict):
        raise InputErrors([InputError("PLG-E017", "a waiver file must be a mapping with a "
                                      "'waivers' list", shown, getattr(raw, "line", 1),
                                      "start the file with waivers:")])
    try:
        parsed = WaiverFile.model_validate(raw)
    except ValidationError as exc:
        raise InputErrors(translate(exc, raw, WaiverFile, shown)) from None
    items: list[Any] = list(raw.get("waivers") or [])
    ids = sorted(c.id for c in policy.commitments)
    errors: list[InputError] = []
    located: list[LocatedWaiver] = []
    for index, waiver in enumerate(parsed.waivers):
        item = items[index] if index < len(items) else None
        line = item.line if isinstance(item, Located) else None
        if waiver.commitment not in ids:
            guess = difflib.get_close_matches(waiver.commitment, ids, n=1)
            errors.append(InputError(
                "PLG-E015", f"waiver names commitment {waiver.commitment}, which the policy "
                "does not have", shown,
                item.key_lines.get("commitment", line) if isinstance(item, Located) else line,
                f"did you mean {guess[0]}?" if guess else "use a commitment id of the policy"))
        located.append(LocatedWaiver(waiver, shown, line))
    raise_if_any(errors)
    return LoadedWaivers(located, source)


def _waived(finding: Finding, chosen: LocatedWaiver) -> Finding:
    w = chosen.waiver
    record = {"file": chosen.file, "line": chosen.line, "justification": w.justification,
              "approver": w.approver, "expires": w.expires.isoformat(), "ticket": w.ticket,
              "state": "active"}
    return finding.model_copy(update={"status": Status.WAIVED,
                                      "evidence": {**finding.evidence, "waiver": record}})


def _expired(finding: Finding, chosen: LocatedWaiver) -> Finding:
    w = chosen.waiver
    record = {"file": chosen.file, "line": chosen.line, "justification": w.justification,
              "approver": w.approver, "expires": w.expires.isoformat(), "ticket": w.ticket,
              "state": "expired"}
    message = (f"{finding.message} (its waiver at {chosen.where}, approved by {w.approver}, "
               f"expired on {w.expires.isoformat()})")
    return finding.model_copy(update={"message": message,
                                      "evidence": {**finding.evidence, "waiver": record}})


def _overall(findings: list[Finding], previous: Status) -> Status:
    statuses = {f.status for f in findings}
    for status in (Status.ERROR, Status.FAIL, Status.WAIVED, Status.MANUAL):
        if status in statuses:
            return status
    return previous


def _latest(item: LocatedWaiver) -> tuple[date, int]:
    """Order of preference among waivers of one finding: latest expiry, then first in file."""
    return item.waiver.expires, -(item.line or 0)


def apply_waivers(result: RunResult, loaded: LoadedWaivers, as_of: date) -> list[str]:
    """Waive the failing findings active waivers name; return warnings about the waivers.

    ``result`` is updated in place: findings and commitment verdicts. A waiver
    for a commitment that did not run (``--ignore``) is neither used nor
    reported unused.
    """
    if not loaded.waivers:
        return []
    ran = {o.commitment.id for o in result.outcomes}
    used: set[int] = set()
    warnings: list[str] = []
    updated: list[Finding] = []
    for finding in result.findings:
        if finding.status is not Status.FAIL:
            updated.append(finding)
            continue
        matching = [(i, w) for i, w in enumerate(loaded.waivers) if w.waiver.matches(finding)]
        used.update(i for i, _ in matching)
        active = [w for _, w in matching if w.waiver.expires >= as_of]
        expired = [w for _, w in matching if w.waiver.expires < as_of]
        if active:
            updated.append(_waived(finding, max(active, key=_latest)))
        elif expired:
            updated.append(_expired(finding, max(expired, key=_latest)))
        else:
            updated.append(finding)
    for index, item in enumerate(loaded.waivers):
        w = item.waiver
        if index in used:
            if w.expires < as_of:
                warnings.append(f"{item.where}: the waiver for {w.target()} expired on "
                                f"{w.expires.isoformat()}; the finding fails again")
        elif w.commitment in ran:
            warnings.append(f"{item.where}: the waiver for {w.target()} matches no failing "
                            "finding; remove it")
    result.findings[:] = sorted(updated, key=Finding.sort_key)
    by_commitment: dict[str, list[Finding]] = {}
    for finding in result.findings:
        by_commitment.setdefault(finding.commitment, []).append(finding)
    result.outcomes[:] = [
        replace(o, status=_overall(by_commitment.get(o.commitment.id, []), o.status))
        for o in result.outcomes]
    return warnings
