"""The bundled MAROSOAP policy: every quote verbatim, every kind used, the source pinned."""

from __future__ import annotations

import hashlib

import pytest

from pledge.checks.registry import all_kinds
from pledge.policy_model.loading import load_policy
from tests.conftest import POLICY, ROOT, SHARED

LOADED = load_policy(POLICY)
COMMITMENTS = LOADED.policy.commitments
SOURCE = ROOT / "policy_model" / "source" / "marosoap-privacy-policy.txt"
SEED = SHARED / "seed" / "marosoap-privacy-policy.txt"


def test_packaged_source_is_the_seed_text() -> None:
    if not SEED.exists():
        pytest.skip("the shared seed is not beside this checkout")
    assert SOURCE.read_bytes() == SEED.read_bytes()


def test_policy_pins_the_source_hash() -> None:
    assert LOADED.policy.source.sha256 == hashlib.sha256(SOURCE.read_bytes()).hexdigest()


@pytest.mark.parametrize("commitment", COMMITMENTS, ids=lambda c: c.id)
def test_every_quote_occurs_verbatim_in_the_policy_text(commitment) -> None:  # type: ignore[no-untyped-def]
    text = SOURCE.read_text(encoding="utf-8")
    for clause in (commitment.clause, *commitment.related):
        assert clause.quote in text, f"{commitment.id}: {clause.quote!r}"


def test_commitment_ids_are_unique_and_sorted_by_area() -> None:
    ids = [c.id for c in COMMITMENTS]
    assert len(ids) == len(set(ids))


# Kinds that encode other tools' policies: MAROSOAP's text makes no promise of their shape
# (forbidden-combination runs the rules `pledge import fides` converts; tests/connectors/fides).
IMPORTED_POLICY_KINDS = {"forbidden-combination"}


def test_every_kind_is_used_by_the_bundled_policy() -> None:
    used = {c.check.kind for c in COMMITMENTS}
    # inventory-drift's commitment (DISC-001) joins the policy under `pledge check --discover`
    assert used == {k.name for k in all_kinds()} - {"inventory-drift"} - IMPORTED_POLICY_KINDS


def test_each_promise_of_the_card_is_encoded() -> None:
    by_kind: dict[str, set[str]] = {}
    for c in COMMITMENTS:
        by_kind.setdefault(c.check.kind, set()).add(c.id)
    assert "PAY-001" in by_kind["forbidden-storage"]          # no full card numbers
    assert {"RET-001", "RET-002"} <= by_kind["retention-limit"]  # kept only as needed
    assert "CON-001" in by_kind["consent-gate"]                # opt-out before profiling/ads
    assert {"PAY-002", "PAY-003"} <= by_kind["recipient-restriction"]
    assert {"SEC-001", "PAY-004"} <= by_kind["transport-encryption"]
    assert "SEC-002" in by_kind["access-control"]
    assert "TP-001" in by_kind["third-party-requirements"]
    assert "BRE-001" in by_kind["organisational-facts"]       # 72 hours
    assert "AGE-001" in by_kind["organisational-facts"]       # 18+
    assert "ADM-002" in by_kind["organisational-facts"]       # human review


def test_changed_source_text_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pledge.policy_model.errors import InputErrors

    (tmp_path / "source").mkdir()
    (tmp_path / "policies").mkdir()
    (tmp_path / "source" / "marosoap-privacy-policy.txt").write_text(
        SOURCE.read_text(encoding="utf-8").replace("72 hours", "96 hours"), encoding="utf-8")
    copy = tmp_path / "policies" / "marosoap.yaml"
    copy.write_text(POLICY.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(InputErrors) as caught:
        load_policy(copy)
    codes = {e.code for e in caught.value.errors}
    assert codes == {"PLG-E016"}
    assert any("BRE-001" in e.message for e in caught.value.errors)
