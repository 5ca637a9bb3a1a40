"""docs/policy-coverage.md lists every sentence of the policy text, and every way to break a
promise links to a test that proves pledge catches it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pledge.policy_model.loading import load_policy
from tests.adversarial.corpus import CASES, POLICY_TEXT, load_case
from tests.conftest import POLICY, ROOT

DOC = ROOT / "docs" / "policy-coverage.md"
LINK = re.compile(r"\]\((\.\./[^)]+)\)")
COMMITMENT = re.compile(r"\b[A-Z]{2,3}-\d{3}\b")


def policy_sentences(text: str) -> list[str]:
    """Every sentence and list item of the policy text; a line without end punctuation is a
    heading, not a sentence."""
    found: list[str] = []
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line:
            continue
        if line.startswith("•"):
            found.append(line.lstrip("• ").strip())
        elif re.search(r"[.:!?]$", line):
            found.extend(s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"“(])", line))
    return found


SENTENCES = policy_sentences(POLICY_TEXT.read_text(encoding="utf-8"))
DOC_TEXT = DOC.read_text(encoding="utf-8")
QUOTED = {" ".join(line[2:].split()) for line in DOC_TEXT.splitlines() if line.startswith("> ")}


def _blocks() -> list[tuple[str, str]]:
    """(sentence, what the doc says of it) for each quoted sentence."""
    parts = re.split(r"^> (.+)$", DOC_TEXT, flags=re.MULTILINE)
    return [(parts[i], parts[i + 1]) for i in range(1, len(parts) - 1, 2)]


def test_the_text_splits_into_sentences_not_paragraphs() -> None:
    assert len(SENTENCES) > 150
    assert "This notification will include:" in SENTENCES
    assert "Contact information for further inquiries" in SENTENCES
    assert not any(s.startswith("•") for s in SENTENCES)


@pytest.mark.parametrize("sentence", SENTENCES, ids=lambda s: s[:60])
def test_every_sentence_is_in_the_coverage_doc(sentence: str) -> None:
    assert sentence in QUOTED, f"docs/policy-coverage.md is missing: {sentence}"


def test_every_block_says_whether_it_promises() -> None:
    kinds = ("**Promise, checked by data**", "**Promise, not checkable by data → manual "
             "attestation**", "**No promise**", "**Part of the promise above**")
    for sentence, said in _blocks():
        assert sum(k in said for k in kinds) == 1, sentence


def test_every_link_leads_to_a_test_and_known_failures_say_so() -> None:
    for line in DOC_TEXT.splitlines():
        for target in LINK.findall(line):
            path = (DOC.parent / target).resolve()
            assert path.exists(), target
            if path.parent == CASES:
                case = load_case(path)
                assert bool(case.known_failure) == ("known failure" in line), line


def test_each_promise_checked_by_data_has_three_ways_that_pass() -> None:
    known = {c.id: c.known_failure for c in (load_case(p) for p in CASES.glob("*.yaml"))}
    ids = {c.id for c in load_policy(POLICY).policy.commitments}
    for sentence, said in _blocks():
        if "**Promise, checked by data**" not in said:
            continue
        head = said.split("Ways to break it:")[0]
        assert set(COMMITMENT.findall(head)) <= ids and COMMITMENT.findall(head), sentence
        ways = [line for line in said.splitlines() if re.match(r"^\d+\. ", line)]
        passing = [w for w in ways if "known failure" not in w
                   and not any(known.get(Path(t).stem) for t in LINK.findall(w))]
        assert len(passing) >= 3, f"fewer than three ways that pass: {sentence}"


def test_manual_promises_name_a_manual_attestation_or_the_plan() -> None:
    policy = load_policy(POLICY).policy
    kinds = {c.id: c.check.kind for c in policy.commitments}
    for sentence, said in _blocks():
        if "not checkable by data" in said:
            named = COMMITMENT.findall(said.split(":")[0])
            assert named and all(kinds[n] in ("manual-attestation", "organisational-facts")
                                 for n in named), sentence
