"""Where a finding stands in the inventory, looked up after the checks, for the findings shown.

A check's finding names its subject; where that subject is declared (file and
line, or the line of one of its keys) is looked up in the inventory's
:class:`~pledge.policy_model.sources.SourceIndex`. On a large JSON inventory the
first look-ups build an index of the file (a few tenths of a second), and a run
makes hundreds of findings. A caller that shows only a few of them (``pledge
diff`` shows the newly failing and the newly fixed) runs the checks with their
default look-ups left out (``evaluate(defer_locations=True)``): each such
finding is made without a location, and :data:`Unlocated` says by its
fingerprint what to look up. :func:`located` then gives the findings shown the
locations the checks would have given them. A location a check gave itself
is never deferred.
"""

from __future__ import annotations

from pledge.checks.findings import Finding, Location
from pledge.policy_model.sources import SourceIndex

Where = tuple[str, str, str | None]
"""Where to look a finding up: (subject type, subject id, key), the finding's own subject
and the key of it the finding is about; for a fact of the organisation, ``("organisation",
the organisation's id, the fact)`` (see :func:`default_location`)."""
Unlocated = dict[str, Where]
"""What to look up, by finding fingerprint (one subject and rule each)."""


def default_location(sources: SourceIndex, policy_locations: dict[str, Location],
                     where: Where) -> Location | None:
    """The location a check gives a finding about ``where``'s subject when it gives none:
    the subject's declaration (or its key's line); a commitment's own line in the policy;
    an organisation's fact's line (:func:`fact_location`)."""
    subject_type, subject_id, key = where
    if subject_type == "organisation" and key is not None:
        return fact_location(sources, subject_id, key)
    location = sources.locate(subject_type, subject_id, key)
    if location is None and subject_type == "commitment":  # nothing in the inventory:
        location = policy_locations.get(subject_id)  # the commitment's own line
    return location


def fact_location(sources: SourceIndex, organisation: str, fact: str) -> Location | None:
    """The line of the organisation's ``fact`` (a dotted path such as ``dpo.email``), else of
    its nearest declared parent, else of the organisation itself."""
    section = sources.locate("organisation", organisation)  # a cached inventory's, on demand
    entry = sources.entries.get(("organisation", organisation))
    known = entry[2] if entry and entry[2] else {}
    parts = fact.split(".")
    for end in range(len(parts), 0, -1):
        key = ".".join(parts[:end])
        if key in known:
            return sources.locate("organisation", organisation, key)
    return section


def located(findings: list[Finding], unlocated: Unlocated, sources: SourceIndex,
            policy_locations: dict[str, Location]) -> list[Finding]:
    """``findings`` with the locations their checks left out looked up (the others as
    they are), in the same order."""
    found: list[Finding] = []
    for finding in findings:
        where = unlocated.get(finding.fingerprint) if finding.location is None else None
        if where is not None:
            location = default_location(sources, policy_locations, where)
            if location is not None:
                finding = finding.model_copy(update={"location": location})
        found.append(finding)
    return found
