"""Fides' own passing and failing fixtures get the same verdict from pledge as from Fides.

Fides' tests assert `fides evaluate` exits 0 on `passing_*` files and 1 on
`failing_*` ones. pledge runs each through `pledge check --from fides` (the rules
become forbidden-combination commitments) and must pass exactly the passing
ones. How pledge reaches each verdict is stated too, since the ways differ on
purpose (docs/fides.md, "Verdicts on Fides' fixtures"):

- ``forbidden``: the rule fires, as in Fides;
- ``unclear``: a declaration names a broader category (``user``) than the rule's,
  which Fides lets pass at that level; pledge fails it as unclear;
- ``refused``: the file is not a manifest pledge (or Fides) can evaluate (a YAML
  error, a key outside the taxonomy): exit 2, as Fides exits 1 without evaluating.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import AS_OF, ROOT, run_inprocess, run_pledge

DATA = ROOT / "tests" / "data" / "fides"
LEGACY_KEYS = DATA / "legacy" / "fideslang-1-keys.yml"

# fixture -> (pledge's way to the verdict, what it names); the verdict itself comes from the name.
CTL = {
    "passing_declaration_taxonomy.yml": ("pass", None),
    "failing_declaration_taxonomy.yml": ("forbidden", "customer_data_sharing_system.1"),
    "failing_dataset_taxonomy.yml": (
        "forbidden", "test_db_dataset_failing_dataset.users.(dataset)"),
    "failing_dataset_field_taxonomy.yml": (
        "forbidden", "test_db_dataset_failing_dataset.users.political_opinion"),
    "failing_dataset_collection_taxonomy.yml": ("refused", "YAML syntax error"),
    "failing_nested_dataset.yml": ("refused", "unknown data category 'account.contact.street'"),
    "failing_direction.yml": ("refused", "declare no policy rules"),
}
FIDESLANG = {  # with the fideslang 1.x keys they use supplied as a custom taxonomy
    "passing_declaration_taxonomy.yml": ("pass", None),
    "failing_declaration_taxonomy.yml": ("forbidden", "customer_data_sharing_system.1"),
    "failing_dataset_taxonomy.yml": ("unclear", "customer_data_sharing_system.1"),
    "failing_dataset_field_taxonomy.yml": ("unclear", "customer_data_sharing_system.1"),
    "failing_dataset_collection_taxonomy.yml": ("refused", "YAML syntax error"),
    "failing_nested_dataset.yml": ("refused", "unknown data category 'user.account.contact"),
}


def _fixtures(folder: str, table: dict[str, tuple[str, str | None]]) -> list[tuple[str, str]]:
    named = sorted(p.name for p in (DATA / folder).glob("*.yml")
                   if p.name.startswith(("passing_", "failing_")))
    assert named == sorted(table), "every passing and failing fixture has its expectation"
    return [(folder, name) for name in named]


def _verdict(manifests: Path, how: str, names: str | None) -> None:
    run = run_inprocess("check", "--from", "fides", manifests, "--as-of", AS_OF, "-f", "json")
    if how == "refused":
        assert run.code == 2, run.err
        assert names in run.err and "Traceback" not in run.err
        return
    assert run.code == (0 if how == "pass" else 1), run.err
    report = json.loads(run.out)
    failing = [f for f in report["findings"] if f["status"] == "fail"]
    if how == "pass":
        assert report["summary"]["result"] == "pass" and not failing
        return
    assert all(f["code"] == "PLG303" for f in failing)
    assert all(f["location"]["line"] for f in failing), "each finding points into the manifest"
    assert {"rule": how, "subject": names} in [
        {"rule": f["evidence"]["rule"], "subject": f["subject"]["id"]} for f in failing]


@pytest.mark.parametrize(("folder", "name"), _fixtures("fides_tests_ctl_data", CTL))
def test_fides_ctl_fixture_verdict(folder: str, name: str) -> None:
    how, names = CTL[name]
    assert (how == "pass") == name.startswith("passing_")
    _verdict(DATA / folder / name, how, names)


@pytest.mark.parametrize(("folder", "name"), _fixtures("fideslang_tests_data", FIDESLANG))
def test_fideslang_fixture_verdict_with_its_own_keys(folder: str, name: str,
                                                     tmp_path: Path) -> None:
    how, names = FIDESLANG[name]
    assert (how == "pass") == name.startswith("passing_")
    shutil.copy(DATA / folder / name, tmp_path / name)
    shutil.copy(LEGACY_KEYS, tmp_path / LEGACY_KEYS.name)
    _verdict(tmp_path, how, names)


@pytest.mark.parametrize("name", sorted(FIDESLANG))
def test_fideslang_fixtures_alone_are_refused_for_their_old_keys(name: str) -> None:
    """Without the 1.x keys, Fides exits 1 ('Found missing key'); pledge names the new key."""
    run = run_inprocess("check", "--from", "fides", DATA / "fideslang_tests_data" / name)
    assert run.code == 2
    assert "PLG-E007" in run.err or "PLG-E002" in run.err
    if "declaration" in name:
        assert "did you mean" in run.err


def test_a_declaration_of_the_broad_parent_is_reported_as_unclear() -> None:
    """Fides passes `user` against a rule on `user.demographic.political_opinion` (a real run)."""
    run = run_pledge("check", "--from", "fides",
                     DATA / "fides_tests_ctl_data" / "failing_dataset_taxonomy.yml",
                     "--as-of", AS_OF, "-f", "json")
    findings = json.loads(run.out)["findings"]
    unclear = [f for f in findings if f["evidence"].get("rule") == "unclear"]
    assert [f["subject"]["id"] for f in unclear] == ["customer_data_sharing_system.1"]
    assert unclear[0]["message"].startswith("unclear:")
    assert unclear[0]["evidence"]["data_categories"] == ["user"]
    assert unclear[0]["location"]["file"].endswith("failing_dataset_taxonomy.yml")
