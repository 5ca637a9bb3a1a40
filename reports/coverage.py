"""Coverage matrix: which sections of the source policy text the commitments encode.

The source text is split into sections at its headings (short lines without
terminal punctuation standing between blank lines). Every commitment's clause
and ``related`` clauses quote the text verbatim, so each quote's offset tells
which section it encodes. Headings that repeat ("Data Retention" appears twice)
are told apart by position. Sections no commitment quotes are listed as gaps.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from pledge.policy_model.policy import Policy
from pledge.reports.document import Report
from pledge.reports.safe import plain

MAX_HEADING = 80
_TERMINAL = ".:;,!?\"'”’)"
_BULLETS = ("•", "-", "*", "–", "·")


@dataclass(frozen=True)
class Section:
    """A heading of the source text and the span of text under it."""

    index: int
    heading: str
    line: int
    start: int
    end: int
    occurrence: int = 1
    """1 for the first section with this heading, 2 for the second, ..."""

    @property
    def label(self) -> str:
        """The heading, with its position when the heading repeats."""
        if self.occurrence == 1:
            return self.heading
        return f"{self.heading} (#{self.occurrence}, line {self.line})"


@dataclass(frozen=True)
class Encoding:
    """One commitment quoting one section."""

    commitment: str
    title: str
    status: str
    severity: str
    primary: bool
    """True when the quote is the commitment's own clause, False for a related one."""


@dataclass
class SectionCoverage:
    """A section and the commitments that encode it."""

    section: Section
    encodings: list[Encoding] = field(default_factory=list)

    @property
    def covered(self) -> bool:
        """Whether any commitment quotes this section."""
        return bool(self.encodings)


@dataclass
class Coverage:
    """The whole matrix, in document order, plus quotes that could not be located."""

    source_title: str
    sections: list[SectionCoverage]
    unlocated: list[tuple[str, str]] = field(default_factory=list)

    @property
    def uncovered(self) -> list[Section]:
        """Sections no commitment encodes."""
        return [s.section for s in self.sections if not s.covered]


def _is_heading(line: str) -> bool:
    text = line.strip()
    return (0 < len(text) <= MAX_HEADING and text == line.rstrip() and not line[:1].isspace()
            and not text.endswith(tuple(_TERMINAL)) and not text.startswith(_BULLETS))


def split_sections(text: str) -> list[Section]:
    """The sections of ``text`` in order; text before the first heading is section 0."""
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    starts: list[tuple[int, str, int]] = []
    for i, line in enumerate(lines):
        before_blank = i == 0 or not lines[i - 1].strip()
        after_blank = i + 1 >= len(lines) or not lines[i + 1].strip()
        if before_blank and after_blank and _is_heading(line):
            starts.append((offsets[i], line.strip(), i + 1))
    if not starts or starts[0][0] > 0:
        starts.insert(0, (0, "(preamble)", 1))
    seen: dict[str, int] = {}
    sections: list[Section] = []
    for index, (start, heading, line_no) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(text)
        seen[heading] = seen.get(heading, 0) + 1
        sections.append(Section(index, heading, line_no, start, end, seen[heading]))
    return sections


def _locate(text: str, sections: list[Section], quote: str, section_name: str) -> Section | None:
    """The section holding ``quote``; among several occurrences prefer the named section."""
    starts = [s.start for s in sections]
    found: list[Section] = []
    pos = text.find(quote)
    while pos >= 0:
        found.append(sections[bisect.bisect_right(starts, pos) - 1])
        pos = text.find(quote, pos + 1)
    if not found:
        return None
    for candidate in found:
        if section_name == candidate.heading or section_name.startswith(candidate.heading):
            return candidate
    return found[0]


def build(policy: Policy, source_text: str, report: Report) -> Coverage:
    """The coverage matrix of ``policy`` over its source text, with each commitment's status."""
    sections = split_sections(source_text)
    rows = [SectionCoverage(s) for s in sections]
    results = {c.id: c for c in report.commitments}
    unlocated: list[tuple[str, str]] = []
    for commitment in sorted(policy.commitments, key=lambda c: c.id):
        result = results.get(commitment.id)
        status = result.status.value if result else "not_run"
        placed: set[int] = set()
        for primary, clause in [(True, commitment.clause),
                                *((False, r) for r in commitment.related)]:
            section = _locate(source_text, sections, clause.quote, clause.section)
            if section is None:
                unlocated.append((commitment.id, clause.section))
                continue
            if section.index in placed:
                continue
            placed.add(section.index)
            rows[section.index].encodings.append(Encoding(
                commitment.id, commitment.title, status, commitment.severity.value, primary))
    for row in rows:
        row.encodings.sort(key=lambda e: (not e.primary, e.commitment))
    return Coverage(report.policy.source_title, rows, sorted(unlocated))


def _cell(text: str) -> str:
    """Markdown-safe text: no table break, link, code span or raw HTML from input."""
    text = plain(text).replace("\\", "\\\\")
    for char in "|[]`*_":
        text = text.replace(char, "\\" + char)
    return text.replace("<", "&lt;").replace(">", "&gt;")


def render_markdown(coverage: Coverage) -> str:
    """The matrix as Markdown: one row per section, then the uncovered sections."""
    covered = sum(1 for s in coverage.sections if s.covered)
    lines = [f"# Policy coverage: {_cell(coverage.source_title)}", "",
             f"{covered} of {len(coverage.sections)} sections of the policy text are encoded "
             "by at least one commitment. A commitment listed in *italics* quotes the section "
             "in a related clause.", "",
             "| # | Section | Line | Commitments (status) |", "|---|---|---|---|"]
    for row in coverage.sections:
        cells = ", ".join((f"{e.commitment} ({e.status})" if e.primary
                           else f"*{e.commitment} ({e.status})*") for e in row.encodings)
        lines.append(f"| {row.section.index} | {_cell(row.section.label)} | "
                     f"{row.section.line} | {cells or '—'} |")
    lines += ["", "## Sections no commitment encodes", ""]
    if coverage.uncovered:
        lines += [f"- {_cell(s.label)} (line {s.line})" for s in coverage.uncovered]
    else:
        lines.append("None: every section is encoded.")
    if coverage.unlocated:
        lines += ["", "## Quotes not found in the text", ""]
        lines += [f"- {cid}: {_cell(name)}" for cid, name in coverage.unlocated]
    return "\n".join(lines) + "\n"
