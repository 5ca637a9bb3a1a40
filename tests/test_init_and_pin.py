"""``pledge init`` writes a starter that passes; ``pledge policy pin`` pins a policy's text."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import AS_OF, POLICY, run_pledge


def _init(tmp_path: Path, *extra: str) -> Path:
    target = tmp_path / "atlas"
    run = run_pledge("init", target, "--organisation", "Atlas Tea Co.", *extra)
    assert run.code == 0, run.err
    assert f"pledge check --policy {target}/policy/policy.yaml {target}/inventory" in run.out
    return target


def test_the_starter_passes_its_own_policy(tmp_path: Path) -> None:
    target = _init(tmp_path)
    run = run_pledge("check", "--policy", target / "policy" / "policy.yaml",
                     target / "inventory", "--as-of", AS_OF)
    assert run.code == 0, run.out + run.err
    assert "Atlas Tea Co. Privacy Policy" in run.out
    assert "PASS: 6 commitments (6 pass)" in run.out


def test_the_starter_fails_when_its_inventory_breaks_a_promise(tmp_path: Path) -> None:
    target = _init(tmp_path)
    stores = target / "inventory" / "stores.yaml"
    stores.write_text(stores.read_text().replace(
        "{name: card_last4, category: user.financial.credit_card.last_four}",
        "{name: card_number, category: user.financial.credit_card.number}"))
    run = run_pledge("check", "--policy", target / "policy" / "policy.yaml",
                     target / "inventory", "--as-of", AS_OF)
    assert run.code == 1
    assert "FAIL    PAY-001" in run.out


def test_init_never_overwrites_without_force(tmp_path: Path) -> None:
    target = _init(tmp_path)
    policy_text = target / "policy" / "privacy-policy.txt"
    policy_text.write_text("our own words\n")
    again = run_pledge("init", target)
    assert again.code == 2
    assert "already exists" in again.err and "--force" in again.err
    assert policy_text.read_text() == "our own words\n"
    assert run_pledge("init", target, "--force").code == 0
    assert "starter text written by `pledge init`" in policy_text.read_text()


def test_init_refuses_a_bad_country(tmp_path: Path) -> None:
    run = run_pledge("init", tmp_path / "x", "--country", "Morocco")
    assert run.code == 2 and "PLG-E019" in run.err
    assert not (tmp_path / "x").exists()


def test_pin_writes_the_hash_and_keeps_every_other_byte(tmp_path: Path) -> None:
    target = _init(tmp_path)
    policy = target / "policy" / "policy.yaml"
    text = target / "policy" / "privacy-policy.txt"
    text.write_text(text.read_text() + "\nA new sentence.\n")
    before = policy.read_text()
    stale = run_pledge("check", "--policy", policy, target / "inventory", "--as-of", AS_OF)
    assert stale.code == 2
    assert "policy.yaml:11: PLG-E016" in stale.err
    assert f"run: pledge policy pin {policy}" in stale.err
    assert run_pledge("policy", "pin", "--check", policy).code == 1
    pinned = run_pledge("policy", "pin", policy)
    assert pinned.code == 0, pinned.err
    after = policy.read_text()
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True)
               if a != b]
    assert len(changed) == 1 and changed[0][1].startswith("  sha256: ")
    assert run_pledge("policy", "pin", "--check", policy).code == 0
    ok = run_pledge("check", "--policy", policy, target / "inventory", "--as-of", AS_OF)
    assert ok.code == 0, ok.err


def test_pin_adds_a_missing_hash_under_the_path(tmp_path: Path) -> None:
    (tmp_path / "text.txt").write_text("We promise.\n")
    policy = tmp_path / "p.yaml"
    policy.write_text("id: p\ntitle: P\nversion: '1'\norganisation: O\n"
                      "source:\n  title: T  # the text\n  path: text.txt\ncommitments: []\n")
    run = run_pledge("policy", "pin", policy)
    assert run.code == 0, run.err
    lines = policy.read_text().splitlines()
    assert lines[6] == "  path: text.txt" and lines[7].startswith("  sha256: ")
    assert len(lines[7]) == len("  sha256: ") + 64


def test_pin_errors_are_for_people(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("id: p\nsource:\n  path: missing.txt\n")
    run = run_pledge("policy", "pin", policy)
    assert run.code == 2
    assert "p.yaml:3: PLG-E016 source document missing.txt not found" in run.err
    assert "Traceback" not in run.err


def test_the_bundled_policy_is_pinned() -> None:
    run = run_pledge("policy", "pin", "--check", POLICY)
    assert run.code == 0, run.out
