"""OSCAL 1.0.6 assessment results: the report as reviewed controls, observations and findings.

Each commitment is a reviewed control. Every pledge finding is an observation
(method ``TEST`` for automated checks; a manual attestation's own ``method``,
``EXAMINE``, ``INTERVIEW`` or ``TEST``, with the attesting person as origin).
Each commitment also has one observation of what it judged: its ``subjects``
list every subject the check looked at, passes included (an ``inventory-item``
per store, field, flow, system..., titled by type and id, with its verdict and
``file:line`` as properties and the reason as remarks); every OSCAL finding of
the commitment relates to it.
Each failing, erroring or waived finding becomes an OSCAL finding (target not
satisfied) with a risk and the remediation as a recommended response; each other
commitment gets one finding whose target is satisfied. The evidence manifest is
the back matter: one resource per input file with its SHA-256.

Output is deterministic: UUIDs are version 5 from :data:`NAMESPACE` and stable
names (commitment ids, finding fingerprints, input paths), and timestamps derive
from the evaluation date (``T00:00:00Z``) unless the report carries one.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain
from typing import Any
from urllib.parse import quote

from pledge.checks.findings import Finding, Status
from pledge.checks.judged import Judged, counts
from pledge.policy_model.redact import line_suffix_kept
from pledge.reports.document import CommitmentResult, Report
from pledge.reports.evidence import Quoted, fill, marker, splice
from pledge.reports.safe import plain, printable

OSCAL_VERSION = "1.0.6"
NAMESPACE = uuid.UUID("3861ecf8-0f66-5a67-b591-24b4f9bf99b0")
"""uuid5(NAMESPACE_URL, 'urn:pledge:oscal'): fixed forever, so UUIDs are reproducible."""
PROP_NS = "urn:pledge:ns:oscal"
INPUT_ROLE_PROP = "pledge-input-role"
OPEN_STATUSES = (Status.FAIL, Status.ERROR, Status.WAIVED)


def uid(*parts: object) -> str:
    """A version-5 UUID from stable names."""
    return str(uuid.uuid5(NAMESPACE, "\x1f".join(str(p) for p in parts)))


def quick_uid(*parts: str) -> str:
    """:func:`uid`, without building a :class:`uuid.UUID` (millions of judged subjects)."""
    h = hashlib.sha1(_NAMESPACE_BYTES + "\x1f".join(parts).encode("utf-8"),
                     usedforsecurity=False).hexdigest()
    # version 5 in the seventh byte's high half; the RFC 4122 variant in the ninth's
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"


_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}
_NAMESPACE_BYTES = NAMESPACE.bytes


def text(value: object) -> str:
    """One line of redacted text without control characters."""
    return " ".join(plain(value).split())


def prop(name: str, value: object) -> dict[str, str] | None:
    """An OSCAL property in pledge's namespace, or None when the value is empty."""
    cleaned = text(value)
    return {"name": name, "ns": PROP_NS, "value": cleaned} if cleaned else None


def props(*pairs: tuple[str, object]) -> list[dict[str, str]]:
    """Properties for the non-empty values."""
    return [p for name, value in pairs if (p := prop(name, value)) is not None]


def href(path: str) -> str:
    """A file path as a URI reference (percent-encoded, slashes kept)."""
    return quote(path.replace("\\", "/"), safe="/@-._~")


def link(url: str) -> str:
    """A recorded evidence link as a URI reference: characters a URI forbids are encoded."""
    return quote(text(url), safe=":/?#[]@!$&'()*+,;=%-._~")


def timestamp(report: Report) -> str:
    """The report's time: its --timestamp if any, else midnight UTC of the evaluation date."""
    if report.generated_at:
        try:
            when = datetime.fromisoformat(report.generated_at.replace("Z", "+00:00"))
            if when.tzinfo is not None:
                return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            pass
    return f"{report.as_of.isoformat()}T00:00:00Z"


def day(value: object) -> str | None:
    """A YYYY-MM-DD evidence date as an OSCAL date-time, if it is one."""
    try:
        return f"{datetime.strptime(str(value), '%Y-%m-%d').date().isoformat()}T00:00:00Z"
    except ValueError:
        return None


def seed(report: Report) -> str:
    """What identifies one document: policy, inventory, date, time and input hashes."""
    hashes = ",".join(f"{i.role}:{i.path}:{i.sha256}" for i in report.inputs)
    return "\x1f".join((report.policy.id, report.inventory, report.as_of.isoformat(),
                        timestamp(report), hashes))


def back_matter(report: Report) -> dict[str, Any]:
    """The evidence manifest: one resource per input file, with its SHA-256."""
    resources = [{
        "uuid": uid("input", i.role, i.path),
        "title": text(f"{i.role}: {i.path}"),
        "props": props((INPUT_ROLE_PROP, i.role), ("path", i.path)),
        "rlinks": [{"href": href(i.path),
                    "hashes": [{"algorithm": "SHA-256", "value": i.sha256}]}],
    } for i in report.inputs]
    return {"resources": resources} if resources else {}


def policy_resource(report: Report) -> str | None:
    """UUID of the policy file's back-matter resource."""
    for i in report.inputs:
        if i.role == "policy":
            return uid("input", i.role, i.path)
    return None


def _evidence_summary(f: Finding) -> str:
    parts = []
    for key in sorted(f.evidence):
        value = f.evidence[key]
        if isinstance(value, list):
            shown = " -> ".join(map(str, value)) if key == "path" else ", ".join(map(str, value))
        elif isinstance(value, dict):
            shown = json.dumps(value, sort_keys=True, ensure_ascii=False)
        else:
            shown = str(value)
        parts.append(f"{key}: {shown}")
    return text("; ".join(parts)) or "no further evidence recorded"


@dataclass
class Assessment:
    """Observations, risks and findings of one report, and the parties they cite."""

    tool_uuid: str
    observations: list[dict[str, Any]] = field(default_factory=list)
    risks: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    parties: dict[str, dict[str, Any]] = field(default_factory=dict)
    open_items: list[tuple[Finding, str, str, str]] = field(default_factory=list)
    """(finding, observation uuid, risk uuid, finding uuid) of each open gap."""


def _observation(f: Finding, c: CommitmentResult | None, obs_uuid: str, collected: str,
                 a: Assessment) -> dict[str, Any]:
    method = str(f.evidence.get("method") or "") if f.kind == "manual-attestation" else ""
    if method:
        person = text(f.evidence.get("attested_by")) or "unnamed"
        party = uid("party", person)
        a.parties[party] = {"uuid": party, "type": "person", "name": person}
        origin = {"type": "party", "actor-uuid": party}
    else:
        origin = {"type": "tool", "actor-uuid": a.tool_uuid}
    evidence: dict[str, Any] = {"description": _evidence_summary(f)}
    url = str(f.evidence.get("evidence") or "").strip() if method else ""
    if url and " " not in url:
        evidence["href"] = link(url)
        evidence["description"] = text(f.evidence.get("statement")) or evidence["description"]
    elif f.location:
        evidence["href"] = href(f.location.file)
    if f.location:
        evidence["props"] = props(("file", f.location.file), ("line", f.location.line or ""))
    obs: dict[str, Any] = {
        "uuid": obs_uuid,
        "title": text(f"{f.commitment}: {f.subject.type} {f.subject.id}"),
        "description": text(f.message) or f.status.value,
        "props": props(("commitment", f.commitment), ("status", f.status.value),
                       ("severity", f.severity.value), ("kind", f.kind), ("code", f.code),
                       ("subject-type", f.subject.type), ("subject-id", f.subject.id),
                       ("rule", f.evidence.get("rule", "")), ("fingerprint", f.fingerprint)),
        "methods": [method.upper() if method else "TEST"],
        "types": ["finding" if f.status in OPEN_STATUSES else "control-objective"],
        "origins": [{"actors": [origin]}],
        "relevant-evidence": [evidence],
        "collected": (day(f.evidence.get("date")) if method else None) or collected,
    }
    expires = day(f.evidence.get("expires")) if method else None
    if expires:
        obs["expires"] = expires
    if c is not None and c.title:
        obs["remarks"] = text(c.title)
    return obs


def assess(report: Report) -> Assessment:
    """Turn the report's findings into OSCAL observations, risks and findings."""
    collected = timestamp(report)
    a = Assessment(tool_uuid=uid("tool", "pledge"))
    by_id = {c.id: c for c in report.commitments}
    observed: dict[str, list[str]] = {}
    used: set[str] = set()
    for f in report.findings:
        key = f.fingerprint or f"{f.commitment}:{f.subject.type}:{f.subject.id}"
        n = 0
        while (obs_uuid := uid("observation", key, n)) in used:
            n += 1
        used.add(obs_uuid)
        c = by_id.get(f.commitment)
        a.observations.append(_observation(f, c, obs_uuid, collected, a))
        observed.setdefault(f.commitment, []).append(obs_uuid)
        if f.status not in OPEN_STATUSES:
            continue
        risk_uuid, finding_uuid = uid("risk", key, n), uid("finding", key, n)
        risk: dict[str, Any] = {
            "uuid": risk_uuid, "title": text(f"{f.commitment}: {f.message}")[:200],
            "description": text(f.message) or f.status.value,
            "statement": text(f"{c.title if c else f.commitment} is not kept: {f.message}"),
            "props": props(("severity", f.severity.value), ("commitment", f.commitment)),
            "status": "deviation-approved" if f.status is Status.WAIVED else "open",
            "related-observations": [{"observation-uuid": obs_uuid}],
        }
        if f.remediation:
            risk["remediations"] = [{"uuid": uid("remediation", key, n),
                                     "lifecycle": "recommendation", "title": "Remediation",
                                     "description": text(f.remediation)}]
        a.risks.append(risk)
        a.findings.append({
            "uuid": finding_uuid,
            "title": text(f"{f.commitment}: {c.title if c else f.kind}"),
            "description": text(f.message) or f.status.value,
            "props": props(("status", f.status.value), ("severity", f.severity.value),
                           ("subject-type", f.subject.type), ("subject-id", f.subject.id)),
            "target": {"type": "objective-id", "target-id": f.commitment,
                       "status": {"state": "not-satisfied",
                                  "reason": "other" if f.status is Status.ERROR else "fail"}},
            "related-observations": [{"observation-uuid": obs_uuid}],
            "related-risks": [{"risk-uuid": risk_uuid}],
        })
        a.open_items.append((f, obs_uuid, risk_uuid, finding_uuid))
    opened = {item[0].commitment for item in a.open_items}
    for c in report.commitments:
        if c.id in opened:
            continue
        target: dict[str, Any] = {"type": "objective-id", "target-id": c.id,
                                  "status": {"state": "satisfied",
                                             "reason": "pass" if c.status is Status.PASS
                                             else "other"}}
        if c.status is Status.NOT_APPLICABLE:
            target["implementation-status"] = {"state": "not-applicable"}
        finding = {"uuid": uid("finding", "commitment", c.id), "title": text(f"{c.id}: {c.title}"),
                   "description": text(f"{c.status.value}: {c.checked} {c.noun} checked"),
                   "props": props(("status", c.status.value), ("severity", c.severity.value)),
                   "target": target}
        if observed.get(c.id):
            finding["related-observations"] = [{"observation-uuid": o} for o in observed[c.id]]
        a.findings.append(finding)
    return a


def metadata(report: Report, title: str, a: Assessment) -> dict[str, Any]:
    """Document metadata shared by assessment results and POA&M."""
    org = uid("party", "organisation", report.policy.organisation)
    parties = [{"uuid": org, "type": "organization", "name": text(report.policy.organisation)}]
    parties += [a.parties[k] for k in sorted(a.parties)]
    return {
        "title": text(title), "last-modified": timestamp(report),
        "version": report.as_of.isoformat(), "oscal-version": OSCAL_VERSION,
        "props": props(("pledge-version", report.tool.version), ("policy-id", report.policy.id),
                       ("policy-version", report.policy.version),
                       ("policy-source-sha256", report.policy.source_sha256),
                       ("inventory", report.inventory), ("as-of", report.as_of.isoformat()),
                       ("result", report.summary.result)),
        "parties": parties,
    }


def tool_component(report: Report, a: Assessment) -> dict[str, Any]:
    """pledge itself, the origin of every automated observation."""
    return {"uuid": a.tool_uuid, "type": "software", "title": "pledge",
            "description": "Policy-as-code privacy compliance checker",
            "props": props(("version", report.tool.version)),
            "status": {"state": "operational"}}


_SUBJECTS_INDENT = 12
"""Column of an observation's ``subjects`` key: document, results, result, observations."""


class _Uuids(dict[tuple[str, str], str]):
    """Each subject's UUID, made once for every commitment that judged it."""

    def __missing__(self, ident: tuple[str, str]) -> str:
        found = self[ident] = quick_uid("subject", *ident)
        return found


class _Subjects:
    """Judged subjects as OSCAL subject references, written as JSON text (see ``splice``)."""

    def __init__(self, redacted: Callable[[str], str],
                 masked: Callable[[Iterable[str]], list[str]]) -> None:
        self.quoted = Quoted(lambda value: " ".join(printable(redacted(value)).split()))
        self.masked = masked
        self.uuids = _Uuids()
        self.tails: dict[tuple[str, str], str] = {}
        self.heads: dict[str, str | None] = {}

    def _head(self, file: str) -> str | None:
        """The JSON text of ``file:`` without its closing quote, when ``file:LINE`` is that
        text with the line after it (:func:`~pledge.policy_model.redact.line_suffix_kept`:
        neither masking nor the spaces made single change at the colon), else None."""
        if file not in self.heads:
            self.heads[file] = (self.quoted[file + ":"][:-1] if line_suffix_kept(file)
                                else None)
        return self.heads[file]

    def json(self, judged: list[Judged], indent: int) -> str:
        """The subject references as a JSON array at column ``indent``: one subject per
        line, each as ``json.dumps(..., sort_keys=True, separators=(",", ":"))`` writes it."""
        q = self.quoted
        ns = q[PROP_NS]

        def prop_text(name: str, value: str) -> str:
            return f'{{"name":"{name}","ns":{ns},"value":{value}}}'

        types, ids, verdicts, reasons, files, lines_ = zip(*judged, strict=True)
        idents = list(zip(types, ids, strict=True))
        fresh = list(set(idents).difference(self.tails))
        titles = list(map("{} {}".format, *zip(*fresh, strict=True))) if fresh else []
        heads = {file: None if file is None else self._head(file) for file in set(files)}
        wheres = [None if file is None or (heads[file] is not None and line is not None)
                  else file if line is None else f"{file}:{line}"
                  for file, line in zip(files, lines_, strict=True)]
        q.ahead(chain(reasons, titles, filter(None, wheres)), self.masked, single_spaced=True)
        if fresh:  # a subject's reference ends the same for every commitment that judged it
            self.tails.update(zip(fresh, map(_TAIL.format, map(self.uuids.__getitem__, fresh),
                                             map(q.__getitem__, titles)), strict=True))
        before, after = prop_text("location", "\x00").split("\x00")
        before = "," + before
        located = []
        for file, line, where in zip(files, lines_, wheres, strict=True):
            if file is None:
                located.append("")
                continue
            value = q[where] if where is not None else f'{heads[file]}{line}"'
            located.append("" if value == '""' else f"{before}{value}{after}")
        verdict = {v: '{"props":[' + prop_text("verdict", q[v]) for v in set(verdicts)}
        remarks = {r: "]," if q[r] == '""' else f'],"remarks":{q[r]},' for r in set(reasons)}
        pad = "\n" + " " * (indent + 2)
        return fill("%s%s%s%s", [map(verdict.__getitem__, verdicts), located,
                                 map(remarks.__getitem__, reasons),
                                 map(self.tails.__getitem__, idents)],
                    "[" + pad, "," + pad, "\n" + " " * indent + "]")


_TAIL = '"subject-uuid":"{}","title":{},"type":"inventory-item"}}'
"""A subject reference after its props and remarks: the same for every commitment."""


def judged_observations(report: Report, a: Assessment) -> dict[str, str]:
    """One observation per commitment listing the subjects it judged; returns their texts.

    The observations carry :func:`~pledge.reports.evidence.marker` placeholders
    for their subjects, which :func:`encoded` splices in as text: a large
    inventory judges millions of subjects, too many to build as dictionaries.
    """
    collected = timestamp(report)
    writer = _Subjects(report.redactor(), report.redacted_many)
    parts: dict[str, str] = {}
    for c in report.commitments:
        judged = report.judged(c.id)
        if not judged:
            continue
        obs_uuid = uid("judged", c.id)
        tally = ", ".join(f"{n} {v}" for v, n in counts(judged).items())
        key = f"subjects:{c.id}"
        parts[key] = writer.json(judged, _SUBJECTS_INDENT)
        a.observations.append({
            "uuid": obs_uuid, "title": text(f"{c.id}: subjects judged"),
            "description": text(f"{len(judged)} subjects judged ({tally}): every store, "
                                f"field, flow or other subject the check looked at"),
            "props": props(("commitment", c.id), ("status", c.status.value),
                           ("kind", c.kind), ("code", c.code)),
            "methods": ["TEST"], "types": ["control-objective"],
            "origins": [{"actors": [{"type": "tool", "actor-uuid": a.tool_uuid}]}],
            "subjects": marker(key), "collected": collected})
        for finding in a.findings:
            if finding["target"]["target-id"] == c.id:
                finding.setdefault("related-observations", []).append(
                    {"observation-uuid": obs_uuid})
    return parts


def build(report: Report, parts: dict[str, str] | None = None) -> dict[str, Any]:
    """The OSCAL assessment-results document as a dict.

    With ``parts``, each commitment's judged subjects are recorded as an
    observation whose ``subjects`` is a placeholder, and ``parts`` receives
    their JSON text (:func:`render` splices it in); without, they are left out.
    """
    a = assess(report)
    if parts is not None:
        parts.update(judged_observations(report, a))
    when = timestamp(report)
    doc_seed = seed(report)
    title = (f"Privacy commitments assessment: {report.policy.title} "
             f"v{report.policy.version}, {report.inventory}")
    result: dict[str, Any] = {
        "uuid": uid("result", doc_seed),
        "title": text(f"pledge check as of {report.as_of.isoformat()}"),
        "description": text(f"{report.summary.commitments} commitments of "
                            f"{report.policy.title} checked against the inventory "
                            f"{report.inventory}: {report.summary.result}."),
        "start": when, "end": when,
        "props": props(("result", report.summary.result)),
        **({"remarks": text("Warnings: " + " | ".join(report.warnings))}
           if report.warnings else {}),
        "local-definitions": {"components": [tool_component(report, a)]},
        "reviewed-controls": {"control-selections": [{"include-controls": [
            {"control-id": c.id} for c in report.commitments]}]},
    }
    for key, value in (("observations", a.observations), ("risks", a.risks),
                       ("findings", a.findings)):
        if value:
            result[key] = value
    ap = policy_resource(report)
    doc: dict[str, Any] = {
        "uuid": uid("assessment-results", doc_seed),
        "metadata": metadata(report, title, a),
        "import-ap": {"href": f"#{ap}" if ap else "#policy",
                      "remarks": "The policy file is the assessment plan: its commitments "
                                 "are the controls and their checks the methods."},
        "results": [result],
    }
    matter = back_matter(report)
    if matter:
        doc["back-matter"] = matter
    return {"assessment-results": doc}


def dump(document: dict[str, Any]) -> str:
    """Canonical JSON text (sorted keys, two-space indent, trailing newline)."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render(report: Report) -> str:
    """The OSCAL assessment results as canonical JSON, judged subjects included."""
    return encoded(report).decode("utf-8")


def encoded(report: Report) -> bytes:
    """:func:`render`'s text in UTF-8, the subjects' texts encoded one at a time and joined
    once (:func:`~pledge.reports.evidence.splice`)."""
    parts: dict[str, str] = {}
    return splice(dump(build(report, parts)), parts)
