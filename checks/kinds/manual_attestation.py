"""A promise no data can prove, met by a person's recorded, unexpired attestation.

## What it checks
The inventory's ``attestations`` for this commitment's id. The newest one must
be dated on or before the evaluation date, not expired, no older than
``max_age`` when set, name who attests and carry an evidence link; a
placeholder (``n/a``, ``TBD``, an address at example.com) names no one and
links nothing. A valid attestation gives the
verdict ``manual``: kept, on a person's word and the linked evidence. None, or
only expired ones, fails.

## Why it matters
"We conduct regular security audits", "training staff": no inventory field can
prove these, but an auditor can still ask who says so, when, on what evidence,
and until when. Making the record a required input keeps the policy's coverage
complete instead of silently skipping what is hard to check.

## Parameters
- ``max_age`` (ISO 8601 duration): the oldest acceptable attestation.
- ``method`` (``examine``, ``interview`` or ``test``, default ``examine``): how
  an assessor verifies the evidence (used in OSCAL output).

## Passing example
```yaml
check:
  kind: manual-attestation
  max_age: P1Y
inventory:
  attestations:
    - {commitment: EX-001, statement: Staff trained, attested_by: DPO,
       date: "2026-06-01", evidence: "https://intranet/training", expires: "2027-06-01"}
```

## Failing example
```yaml
check:
  kind: manual-attestation
  max_age: P1Y
inventory:
  attestations:
    - {commitment: EX-001, statement: Staff trained, attested_by: DPO,
       date: "2020-06-01", evidence: "https://intranet/training", expires: "2021-06-01"}
```

## References
NIST SP 800-53A (examine, interview, test methods); ISO/IEC 27001:2022 clause 9.2.
"""

from __future__ import annotations

from typing import Literal

from pledge.checks.context import CheckContext, Evaluation
from pledge.checks.registry import KindParams, register
from pledge.policy_model.durations import within
from pledge.policy_model.placeholders import present
from pledge.policy_model.types import Duration


class Params(KindParams):
    """Parameters of manual-attestation."""

    kind: Literal["manual-attestation"]
    max_age: Duration | None = None
    method: Literal["examine", "interview", "test"] = "examine"


@register("manual-attestation", code="PLG402", params=Params, noun="attestations")
def run(ctx: CheckContext, params: Params, ev: Evaluation) -> None:
    """Give ``manual`` for a valid attestation; fail a missing or stale one."""
    cid = ev.commitment.id
    records = sorted((a for a in ctx.inventory.attestations if a.commitment == cid),
                     key=lambda a: (a.date, a.expires, a.attested_by))
    ev.checked += 1
    if not records:
        ev.fail("commitment", cid, f"no attestation is recorded for {cid}",
                remediation="record one under attestations: (commitment, statement, "
                            "attested_by, date, evidence, expires)",
                evidence={"rule": "missing"})
        return
    latest = records[-1]
    facts = {"attested_by": latest.attested_by, "date": latest.date.isoformat(),
             "expires": latest.expires.isoformat(), "evidence": latest.evidence,
             "statement": latest.statement, "method": params.method}
    age = (ctx.as_of - latest.date).days
    if latest.date > ctx.as_of:
        problem = f"is dated {latest.date}, after the evaluation date {ctx.as_of}"
    elif latest.expires < ctx.as_of:
        problem = f"expired on {latest.expires}"
    elif params.max_age and not within(latest.date, ctx.as_of, params.max_age):
        problem = f"is {age} days old, older than {params.max_age} on the calendar"
    elif not present(latest.attested_by):
        problem = "names no one who attests it"
    elif not present(latest.evidence):
        problem = "links no evidence"
    else:
        ev.manual("attestation", cid, f"attested by {latest.attested_by} on {latest.date}: "
                  f"{latest.statement}", evidence={"rule": "attested", **facts})
        return
    ev.fail("attestation", cid, f"the attestation for {cid} {problem}",
            remediation="renew the attestation with current evidence",
            evidence={"rule": "stale", **facts})
