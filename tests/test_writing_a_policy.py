"""docs/writing-a-policy.md, run step by step: the guide's commands and YAML stay true."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import AS_OF, ROOT, run_pledge

GUIDE = (ROOT / "docs" / "writing-a-policy.md").read_text(encoding="utf-8")
SENTENCE = "Newsletter data is deleted no later than two years after you unsubscribe."


def _yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", GUIDE, re.S)


def _follow_the_guide(tmp_path: Path) -> Path:
    assert 'pledge init atlas --organisation "Atlas Tea Co." --country MA' in GUIDE
    run = run_pledge("init", "atlas", "--organisation", "Atlas Tea Co.", "--country", "MA",
                     cwd=tmp_path)
    assert run.code == 0, run.err
    atlas = tmp_path / "atlas"
    text = atlas / "policy" / "privacy-policy.txt"
    assert f"> {SENTENCE}" in GUIDE
    text.write_text(text.read_text() + f"\nMarketing\n{SENTENCE}\n", encoding="utf-8")
    commitment, inventory = _yaml_blocks()
    policy = atlas / "policy" / "policy.yaml"
    policy.write_text(policy.read_text() + "\n" + commitment, encoding="utf-8")
    assert run_pledge("policy", "pin", "atlas/policy/policy.yaml", cwd=tmp_path).code == 0
    (atlas / "inventory" / "newsletter.yaml").write_text(inventory, encoding="utf-8")
    return atlas


def test_the_guide_leads_to_a_passing_check(tmp_path: Path) -> None:
    _follow_the_guide(tmp_path)
    assert "pledge validate atlas/policy/policy.yaml atlas/inventory" in GUIDE
    valid = run_pledge("validate", "atlas/policy/policy.yaml", "atlas/inventory",
                       cwd=tmp_path)
    assert valid.code == 0, valid.out + valid.err
    run = run_pledge("check", "--policy", "atlas/policy/policy.yaml", "atlas/inventory",
                     "--as-of", AS_OF, cwd=tmp_path)
    assert run.code == 0, run.out + run.err
    assert "PASS    RET-002" in run.out


def test_the_guides_commitment_catches_a_longer_retention(tmp_path: Path) -> None:
    atlas = _follow_the_guide(tmp_path)
    store = atlas / "inventory" / "newsletter.yaml"
    store.write_text(store.read_text().replace("retention: P2Y", "retention: P3Y"))
    run = run_pledge("check", "--policy", "atlas/policy/policy.yaml", "atlas/inventory",
                     "--as-of", AS_OF, cwd=tmp_path)
    assert run.code == 1
    assert "FAIL    RET-002" in run.out
