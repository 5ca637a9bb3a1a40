"""The vocabularies: unique ids, resolvable parents, fideslang alignment, suggestions."""

from __future__ import annotations

import pytest
import yaml

from pledge.policy_model.vocabulary import KINDS, VOCABULARY_DIR, default_vocabularies
from tests.conftest import SHARED

VOCAB = default_vocabularies()
FIDESLANG = SHARED / "fides-samples" / "fideslang_default_taxonomy"
FIDES_FILES = {"data_categories": ("data_categories.yml", "data_category"),
               "purposes": ("data_uses.yml", "data_use"),
               "data_subjects": ("data_subjects.yml", "data_subject")}


@pytest.mark.parametrize("kind", KINDS)
def test_ids_unique_described_and_parents_resolve(kind: str) -> None:
    raw = yaml.safe_load((VOCABULARY_DIR / f"{kind}.yaml").read_text(encoding="utf-8"))
    ids = [e["id"] for e in raw["entries"]]
    assert len(ids) == len(set(ids))
    voc = VOCAB.get(kind)
    for term_id, term in voc.terms.items():
        assert term.description.strip() and term.name.strip()
        parent = voc.parent(term_id)
        assert parent is None or parent in voc, f"{term_id}: parent {parent} unknown"


@pytest.mark.parametrize("kind", sorted(FIDES_FILES))
def test_fideslang_ids_are_fideslangs(kind: str) -> None:
    if not FIDESLANG.exists():
        pytest.skip("the shared fideslang taxonomy is not beside this checkout")
    filename, key = FIDES_FILES[kind]
    fides = {e["fides_key"] for e in yaml.safe_load(
        (FIDESLANG / filename).read_text(encoding="utf-8"))[key]}
    ours = VOCAB.get(kind).terms.values()
    assert {t.id for t in ours if t.source == "fideslang"} <= fides
    assert fides <= {t.id for t in ours}, "a fideslang id is missing from pledge's vocabulary"


def test_selecting_a_parent_selects_its_children() -> None:
    voc = VOCAB.data_categories
    selectors = frozenset({"user.financial.credit_card"})
    assert voc.is_selected("user.financial.credit_card.number", selectors)
    assert voc.is_selected("user.financial.credit_card", selectors)
    assert not voc.is_selected("user.financial.bank_account", selectors)
    assert voc.is_broader("user.financial", selectors)
    assert not voc.is_broader("user.financial.credit_card.number", selectors)


@pytest.mark.parametrize(("typo", "expected"), [
    ("user.contact.emial", "user.contact.email"),
    ("user.financial.card_number", "user.financial.credit_card.number"),
    ("user.device.ip", "user.device.ip_address"),
])
def test_unknown_ids_suggest_the_nearest(typo: str, expected: str) -> None:
    assert VOCAB.data_categories.suggest(typo) == expected


def test_dpv_mapping_covers_every_pledge_and_top_level_category() -> None:
    mapping = yaml.safe_load((VOCABULARY_DIR / "dpv_mapping.yaml").read_text(encoding="utf-8"))
    for kind in ("data_categories", "purposes", "legal_bases"):
        entries = mapping[kind]
        voc = VOCAB.get(kind)
        assert set(entries) <= set(voc.terms), "mapping names an unknown id"
        for term_id, concept in entries.items():
            assert concept.startswith(("dpv:", "pd:", "eu-gdpr:")), (term_id, concept)
