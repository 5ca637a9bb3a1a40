"""Findings located after the checks are located as the checks would have located them.

``pledge diff`` runs each side's checks with the findings' looked-up locations
left out (``evaluate(defer_locations=True)``) and locates only the findings it
shows (:mod:`pledge.checks.located_later`). Every finding of every kind,
located later, must carry the very location it would have carried: in YAML
files (declared lines and key lines), in JSON files (searched text), and on a
commitment's own line in the policy.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from benchmarks.generate import generate, write_json, write_yaml
from pledge.checks.engine import evaluate
from pledge.checks.located_later import located
from pledge.cli.common import get_policy
from pledge.policy_model.loading import load_inventory
from pledge.policy_model.sources import SourceIndex
from tests.conftest import AS_OF, run_pledge
from tests.reports.ci_support import (
    copy_inventory,
    replace_once,
    send_cards_to_ads,
    store_card_numbers,
)

WHEN = date.fromisoformat(AS_OF)
AMOUNT = "{name: amount, category: user.payment.transaction, retention: P18M}"


def _broken_bundled(root: Path) -> Path:
    store_card_numbers(root)
    send_cards_to_ads(root)
    replace_once(root / "stores.yaml", AMOUNT, AMOUNT.replace("P18M", "P30Y"))
    return root


def _facts_broken(root: Path) -> Path:
    """Organisation facts failing three ways: a value on its own line, a nested fact left
    out (its parent's line), a whole section left out (the organisation's line)."""
    organisation = root / "organisation.yaml"
    text = organisation.read_text(encoding="utf-8")
    text = text.replace("  human_review_of_automated_decisions: true\n",
                        "  human_review_of_automated_decisions: false\n")
    text = text.replace("    plan_document: https://intranet.marosoap.com/security/breach-response-plan\n",
                        "")
    text = text.replace("  privacy_contact: privacy@marosoap.com\n", "")
    organisation.write_text(text, encoding="utf-8")
    return root


INVENTORIES = {
    "bundled, broken (YAML)": lambda tmp: _broken_bundled(copy_inventory(tmp, "inv")),
    "bundled, organisation facts broken too (YAML)": lambda tmp: _facts_broken(
        _broken_bundled(copy_inventory(tmp, "facts"))),
    "generated, every kind planted (YAML)": lambda tmp: write_yaml(generate(300), tmp / "yaml"),
    "generated, every kind planted (JSON)": lambda tmp: write_json(generate(300),
                                                                   tmp / "inv.json"),
}


@pytest.mark.parametrize("make", INVENTORIES.values(), ids=INVENTORIES.keys())
def test_every_finding_located_later_is_located_as_the_check_would(tmp_path: Path,
                                                                   make: object) -> None:
    root = make(tmp_path)  # type: ignore[operator]
    policy = get_policy(None)
    now = evaluate(policy.policy, load_inventory(root), as_of=WHEN,
                   policy_locations=policy.locations)
    loaded = load_inventory(root)
    later = evaluate(policy.policy, loaded, as_of=WHEN, policy_locations=policy.locations,
                     defer_locations=True)
    assert now.unlocated == {} and later.unlocated
    assert len({f.commitment for f in now.findings if f.status.failing}) > 3
    assert [f.fingerprint for f in later.findings] == [f.fingerprint for f in now.findings]
    assert any(f.location is None and n.location is not None
               for f, n in zip(later.findings, now.findings, strict=True))  # some were left
    assert located(later.findings, later.unlocated, loaded.sources,
                   policy.locations) == now.findings


def test_organisation_facts_are_located_on_their_lines_later_and_listed(tmp_path: Path
                                                                         ) -> None:
    root = _facts_broken(copy_inventory(tmp_path, "facts"))
    policy = get_policy(None)
    loaded = load_inventory(root)
    later = evaluate(policy.policy, loaded, as_of=WHEN, policy_locations=policy.locations,
                     defer_locations=True)
    facts = {f.subject.id: f for f in located(later.findings, later.unlocated, loaded.sources,
                                              policy.locations)
             if f.subject.type == "organisation" and f.status.failing}
    lines = (root / "organisation.yaml").read_text(encoding="utf-8").splitlines()
    shown = str(root / "organisation.yaml")

    def line_of(start: str) -> int:
        return next(n for n, line in enumerate(lines, 1) if line.startswith(start))

    where = {fact: (f.location.file, f.location.line) if f.location else None
             for fact, f in facts.items()}
    assert where == {  # the fact's own line, else its nearest declared parent's, else the
        "human_review_of_automated_decisions": (  # organisation's
            shown, line_of("  human_review_of_automated_decisions:")),
        "breach_response.plan_document": (
            shown, line_of("  breach_response:")),
        "privacy_contact": (shown, line_of("organisation:") + 1),
    }
    listed = {(kind, ident): (at.file, at.line) if at else None
              for outcome in later.outcomes if outcome.kind is not None
              and outcome.kind.name == "organisational-facts"
              for scope in outcome.scopes for kind, ident, _verdict, _why, at in scope.items()}
    assert listed[("organisation", "breach_response.plan_document")] == where[
        "breach_response.plan_document"]
    assert listed[("organisation", "minimum_user_age")] == (
        shown, line_of("  minimum_user_age:"))


def test_deferred_checks_never_index_a_json_text_for_organisation_facts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_json(generate(300), tmp_path / "inv.json")
    policy = get_policy(None)
    loaded = load_inventory(path)
    indexed: list[str] = []
    real = SourceIndex._text_index

    def counted(self: SourceIndex, file: str) -> object:
        indexed.append(file)
        return real(self, file)

    monkeypatch.setattr(SourceIndex, "_text_index", counted)
    later = evaluate(policy.policy, loaded, as_of=WHEN, policy_locations=policy.locations,
                     defer_locations=True)
    assert any(f.subject.type == "organisation" and f.status.failing for f in later.findings)
    assert indexed == []  # nothing shown yet: nothing looked up
    located(later.findings, later.unlocated, loaded.sources, policy.locations)
    assert indexed  # looked up once asked for


def test_a_diff_locates_what_it_shows_newly_failing_and_newly_fixed(tmp_path: Path) -> None:
    copy_inventory(tmp_path, "base")
    head = _broken_bundled(copy_inventory(tmp_path, "head"))
    run = run_pledge("diff", "base", "head", "--as-of", AS_OF, "-f", "json", "-o", "fwd.json",
                     "-f", "sarif:fwd.sarif", cwd=tmp_path)
    back = run_pledge("diff", "head", "base", "--as-of", AS_OF, "-f", "json", "-o", "back.json",
                      cwd=tmp_path)
    assert run.code == 1 and back.code == 0, run.err + back.err
    newly = json.loads((tmp_path / "fwd.json").read_text(encoding="utf-8"))["newly_failing"]
    fixed = json.loads((tmp_path / "back.json").read_text(encoding="utf-8"))["newly_fixed"]
    assert newly and fixed and len(newly) == len(fixed)
    assert all(f["location"]["file"].startswith("head/") for f in newly if f["location"])
    assert all(f["location"]["file"].startswith("head/") for f in fixed if f["location"])
    assert sum(f["location"] is not None for f in newly) >= len(newly) - 1
    head_inventory = load_inventory(head)
    policy = get_policy(None)
    checked = evaluate(policy.policy, head_inventory, as_of=WHEN,
                       policy_locations=policy.locations)
    where = {f.fingerprint: f.location for f in checked.findings}
    for finding in newly:  # each where `pledge check` of the head puts it (its shown paths)
        expected = where[finding["fingerprint"]]
        shown = finding["location"]
        assert (shown is None) == (expected is None)
        if shown is not None and expected is not None:
            assert shown["line"] == expected.line
            assert shown["file"].endswith(Path(expected.file).name)
    sarif = json.loads((tmp_path / "fwd.sarif").read_text(encoding="utf-8"))
    lines = [r["locations"][0]["physicalLocation"]["region"]["startLine"]
             for r in sarif["runs"][0]["results"] if r.get("locations")]
    assert len(lines) == sum(f["location"] is not None for f in newly) and all(lines)


def test_two_places_under_one_fingerprint_are_each_located_as_at_once() -> None:
    """Two findings on one subject and rule differ only in the key they point at: the
    second is located at once, so neither takes the other's line."""
    from pledge.checks.context import CheckContext, Evaluation
    from pledge.checks.graph.flow_graph import FlowGraph
    from pledge.checks.registry import get_kind
    from pledge.policy_model.vocabulary import default_vocabularies
    from tests.conftest import INVENTORY

    policy = get_policy(None)
    loaded = load_inventory(INVENTORY)
    commitment = policy.policy.commitments[0]
    kind = get_kind(commitment.check.kind)
    assert kind is not None

    def two_findings(unlocated: dict[str, tuple[str, str, str | None]] | None) -> list[object]:
        ctx = CheckContext(loaded.inventory, FlowGraph(loaded.inventory,
                                                       default_vocabularies()),
                           default_vocabularies(), loaded.sources, WHEN, {},
                           policy.locations, None, unlocated)
        ev = Evaluation(ctx, commitment, kind)
        for key in ("retention", "encryption_at_rest"):
            ev.fail("store", "customer_db", "broken", key=key, evidence={"rule": "r"})
        return ev.findings  # type: ignore[return-value]

    now = two_findings(None)
    noted: dict[str, tuple[str, str, str | None]] = {}
    later = two_findings(noted)
    assert now[0].location != now[1].location  # type: ignore[attr-defined]
    assert later[1] == now[1] and later[0].location is None  # type: ignore[attr-defined]
    assert located(later, noted, loaded.sources, policy.locations) == now  # type: ignore[arg-type]
