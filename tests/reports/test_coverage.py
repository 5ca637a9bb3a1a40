"""The coverage matrix: the policy text's sections and the commitments that quote them."""

from __future__ import annotations

import pytest

from pledge.reports import coverage
from tests.reports.support import run_inventory


@pytest.fixture(scope="module")
def matrix() -> coverage.Coverage:
    """The MAROSOAP policy's coverage of its source text."""
    run = run_inventory()
    return coverage.build(run.policy.policy, run.policy.source_text, run.report)


def test_headings_stand_alone_between_blank_lines() -> None:
    text = ("Intro line without heading.\n\nFirst Part\n\nA sentence. More.\n\n"
            "Not a heading:\n\n  • A bullet\n  • Last bullet\n\nSecond Part\n\nWords.\n\n"
            "First Part\n\nAgain.\n")
    sections = coverage.split_sections(text)
    assert [s.heading for s in sections] == ["(preamble)", "First Part", "Second Part",
                                             "First Part"]
    assert [s.label for s in sections][-1] == "First Part (#2, line 16)"
    assert sections[1].end == sections[2].start


def test_marosoap_sections_and_duplicates(matrix: coverage.Coverage) -> None:
    headings = [row.section.heading for row in matrix.sections]
    assert headings[0] == "Who we are" and headings[-1] == (
        "Contacting Us About Payments via Stripe")
    assert headings.count("Data Retention") == 2
    labels = [row.section.label for row in matrix.sections]
    assert len(labels) == len(set(labels)), "repeated headings are told apart"


def test_quotes_land_in_their_sections(matrix: coverage.Coverage) -> None:
    assert matrix.unlocated == []
    by_label = {row.section.label: row for row in matrix.sections}
    first = by_label["Data Retention"]
    second = next(row for row in matrix.sections
                  if row.section.heading == "Data Retention" and row.section.occurrence == 2)
    assert {e.commitment for e in first.encodings} >= {"RET-001", "RET-002"}
    pay = [e for e in second.encodings if e.commitment == "PAY-001"]
    assert pay and not pay[0].primary, "PAY-001 quotes the second one in a related clause"
    assert all(e.status in ("pass", "manual") for row in matrix.sections for e in row.encodings)


def test_uncovered_sections_are_listed(matrix: coverage.Coverage) -> None:
    uncovered = {s.heading for s in matrix.uncovered}
    covered = {row.section.heading for row in matrix.sections if row.covered}
    assert "Minors" in covered and "Who we are" in uncovered
    text = coverage.render_markdown(matrix)
    assert "## Sections no commitment encodes" in text
    for section in matrix.uncovered:
        assert f"- {section.label} (line {section.line})" in text
    every = {row.section.index for row in matrix.sections}
    assert len(matrix.sections) == len(every)
