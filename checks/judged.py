"""What each commitment judged: every subject it looked at, with its verdict, listed on demand.

A check decides once per class (:mod:`pledge.checks.graph.classes`) and visits
only the members of the classes that fail, so a passing commitment leaves one
summary finding. An auditor also wants to see what was looked at: each kind
records, beside its findings, a :class:`Scope` per kind of subject it judged
(the class numbers of the members, and one default verdict and reason per
class). Nothing is listed while checking: :func:`expand` walks the class
numbers once when an output that prints the subjects asks for them (the JSON
report, JUnit, OSCAL, HTML), so the cost is linear in the subjects and paid only
then. The findings, waivers applied, then decide the verdict of the subjects
they name: ``fail``, ``error``, ``waived`` or ``manual`` instead of the default.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import compress, repeat
from operator import itemgetter
from typing import NamedTuple

from pledge.checks.findings import Finding, Status
from pledge.policy_model.sources import Location, SourceIndex

PASS, FAIL, NOT_APPLICABLE = Status.PASS.value, Status.FAIL.value, Status.NOT_APPLICABLE.value

Item = tuple[str, str, str, str, Location | None]
"""(subject type, subject id, default verdict, reason, location or ``None`` to look it up)."""
Default = tuple[str, str]
"""(default verdict, reason) of the members of one class."""


class Judged(NamedTuple):
    """One subject a commitment judged, with its verdict and where it is declared."""

    subject_type: str
    subject_id: str
    verdict: str
    reason: str
    file: str | None
    line: int | None


class Scope:
    """Subjects of one commitment, produced only when asked for.

    ``produce`` yields :data:`Item` tuples; ``key`` names the inventory key the
    location points at (``transport`` for a flow's transport), as findings do.
    """

    __slots__ = ("key", "produce")

    def __init__(self, produce: Callable[[], Iterable[Item]], key: str | None = None) -> None:
        self.produce = produce
        self.key = key

    def items(self) -> Iterable[Item]:
        """The subjects, in the order the check met them."""
        return self.produce()


def class_scope(subject_type: str, classes: Sequence[int],
                defaults: Sequence[Default | None], ids: Callable[[], Sequence[str]],
                key: str | None = None) -> Scope:
    """The members of the classes ``defaults`` gives a verdict for (``None``: not judged).

    ``classes[i]`` is the class of the ``i``-th item and ``ids()[i]`` its id (the
    column of ids is asked for when the scope is expanded: made then, once per
    table for every commitment). ``defaults`` is read when the scope is expanded,
    not when it is made: a check may fill it in after recording the scope. The
    items are made by iterators, not a Python step per member.
    """

    def produce() -> Iterator[Item]:
        chosen = [d is not None for d in defaults]
        given = [d or (PASS, "") for d in defaults]
        positions = list(compress(range(len(classes)), map(chosen.__getitem__, classes)))
        judged = list(map(given.__getitem__, map(classes.__getitem__, positions)))
        return zip(repeat(subject_type), map(ids().__getitem__, positions),
                   map(itemgetter(0), judged), map(itemgetter(1), judged), repeat(None))

    return Scope(produce, key)


_ORDER = {Status.ERROR.value: 0, Status.FAIL.value: 1, Status.WAIVED.value: 2,
          Status.MANUAL.value: 3, PASS: 4, NOT_APPLICABLE: 5}


class Locator:
    """Where subjects are declared, each looked up once for every commitment naming it.

    YAML declarations are indexed while loading (:class:`SourceIndex`). A JSON
    file carries no lines, and searching its text once per subject costs a scan
    per subject; here every ``"id"`` of the JSON files is indexed with its line in
    one pass, the first time a subject declared in JSON is asked for, and a
    field is found from its store's line on (as :meth:`SourceIndex.locate` does).
    """

    def __init__(self, sources: SourceIndex) -> None:
        self.sources = sources
        self._found: dict[tuple[str, str, str | None], tuple[str | None, int | None]] = {}
        self._ids: dict[str, tuple[str, int, int]] | None = None
        self._starts: dict[str, list[int]] = {}

    def __call__(self, subject_type: str, subject_id: str,
                 key: str | None) -> tuple[str | None, int | None]:
        """(file, line) of a subject, ``(None, None)`` when it is declared nowhere."""
        memo = (subject_type, subject_id, key)
        found = self._found.get(memo)
        if found is None:
            found = self._found[memo] = self._look(subject_type, subject_id, key)
        return found

    def _look(self, subject_type: str, subject_id: str,
              key: str | None) -> tuple[str | None, int | None]:
        sources = self.sources
        if (subject_type, subject_id) in sources.entries or not sources.json_texts or (
                subject_type not in _BY_ID and subject_type != "field"):
            return sources.position(subject_type, subject_id, key)
        if self._ids is None:
            self._ids, self._starts = _index_json_ids(sources.json_texts)
        if subject_type != "field":
            hit = self._ids.get(subject_id)
            return (hit[0], hit[2]) if hit else (None, None)
        store, name = subject_id.rsplit(".", 1) if "." in subject_id else ("", subject_id)
        hit = self._ids.get(store)
        if hit is None:
            return None, None
        file, offset, line = hit
        text = sources.json_texts[file]
        start = text.rfind("\n", 0, offset) + 1  # the store's line: its fields follow
        starts = self._starts[file]  # ... up to the next declaration
        after = bisect_right(starts, offset)
        end = starts[after] if after < len(starts) else len(text)
        value = _json_ascii(name)  # json.dumps(name), in C
        pos = text.find(f'"name": {value}', start, end)
        compact = text.find(f'"name":{value}', start, end)
        pos = compact if pos < 0 or 0 <= compact < pos else pos
        if pos < 0:
            return file, line
        if pos >= offset:
            return file, line + text.count("\n", offset, pos)
        return file, line - text.count("\n", pos, offset)


_json_ascii: Callable[[str], str] = json.encoder.encode_basestring_ascii

_BY_ID = frozenset({"store", "flow", "system", "subject", "processing_activity",
                    "consent_gate"})
"""Subject types declared by an ``"id"`` key (fields by ``"name"`` inside their store)."""
_JSON_ID = re.compile(r'"id": ?("[^"\\]*(?:\\.[^"\\]*)*")')


def _index_json_ids(texts: dict[str, str]) -> tuple[dict[str, tuple[str, int, int]],
                                                    dict[str, list[int]]]:
    """Each id's first declaration in the JSON texts (files in name order): file, offset,
    line; and per file the offset of every ``"id"``, in order."""
    found: dict[str, tuple[str, int, int]] = {}
    starts: dict[str, list[int]] = {}
    for file in sorted(texts):
        text = texts[file]
        line, last = 1, 0
        mine = starts[file] = []
        for match in _JSON_ID.finditer(text):
            at = match.start()
            mine.append(at)
            quoted = match.group(1)
            ident = json.loads(quoted) if "\\" in quoted else quoted[1:-1]
            if ident in found:
                continue
            line += text.count("\n", last, at)
            last = at
            found[ident] = (file, at, line)
    return found, starts


def _from_findings(findings: list[Finding]) -> tuple[str, str, Location | None]:
    """The verdict, reason and location a subject's own findings give it."""
    worst = min(findings, key=lambda f: _ORDER[f.status.value])
    reason = worst.message
    waiver = worst.evidence.get("waiver") if worst.status is Status.WAIVED else None
    if isinstance(waiver, dict):
        reason += (f" (waived until {waiver.get('expires')} by {waiver.get('approver')}: "
                   f"{waiver.get('justification')})")
    others = len(findings) - 1
    if others:
        reason += f" (and {others} more finding{'s' if others != 1 else ''})"
    return worst.status.value, reason, worst.location


def expand(scopes: Sequence[Scope], findings: Iterable[Finding],
           locate: Locator) -> list[Judged]:
    """Every subject one commitment judged, sorted by type, id and verdict.

    ``findings`` are the commitment's findings after waivers: a subject they
    name takes its verdict, reason and location from them (its worst status);
    a subject only they name (a purpose no gate covers) is listed too. The
    summary findings about the whole inventory are not subjects.
    """
    named: dict[tuple[str, str], list[Finding]] = {}
    for finding in findings:
        if finding.subject.type != "inventory":
            named.setdefault((finding.subject.type, finding.subject.id), []).append(finding)
    out: dict[tuple[str, str], Judged] = {}
    for scope in scopes:
        for subject_type, subject_id, verdict, reason, where in scope.items():
            ident = (subject_type, subject_id)
            if ident in out:
                continue
            mine = named.get(ident)
            if mine:
                verdict, reason, where = _from_findings(mine)
            file, line = (where.file, where.line) if where else locate(
                subject_type, subject_id, scope.key)
            out[ident] = Judged(subject_type, subject_id, verdict, reason, file, line)
    for ident, mine in named.items():
        if ident not in out:
            verdict, reason, where = _from_findings(mine)
            file, line = (where.file, where.line) if where else locate(*ident, None)
            out[ident] = Judged(*ident, verdict, reason, file, line)
    return sorted(out.values())  # by type and id: unique, so nothing else is compared


def counts(judged: Iterable[Judged]) -> dict[str, int]:
    """How many subjects have each verdict, in the verdicts' order (failing first)."""
    found: dict[str, int] = {}
    for item in judged:
        found[item.verdict] = found.get(item.verdict, 0) + 1
    return {v: found[v] for v in sorted(found, key=lambda v: _ORDER.get(v, 9))}


class Evidence:
    """The scopes of one run by commitment, and where their subjects are declared."""

    def __init__(self, scopes: dict[str, tuple[Scope, ...]], sources: SourceIndex) -> None:
        self.scopes = scopes
        self.locate = Locator(sources)

    def of(self, commitment: str, findings: Iterable[Finding]) -> list[Judged]:
        """The subjects ``commitment`` judged; ``findings`` are its findings after waivers."""
        return expand(self.scopes.get(commitment, ()), findings, self.locate)
