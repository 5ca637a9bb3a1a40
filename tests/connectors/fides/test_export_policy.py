"""`pledge export fides` writes forbidden-combination commitments as Fides policies.

import → export → import gives the same policy (commitments, the text they
quote, its hash) byte for byte, for the Cookie House and for policies made to
hit every mode and the descriptions that are hardest to read back; fideslang's
own models accept the exported policies; commitments of other kinds are listed
in the export report, each by id.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from pledge.connectors.fides.export_policy import export_policy
from pledge.policy_model.loading import load_policy
from tests.conftest import ROOT, run_inprocess
from tests.connectors.fides.test_export import _fideslang_counts
from tests.helpers import policy_with

DATA = ROOT / "tests" / "data" / "fides"
POLICY_FILES = ("fides-policy.yaml", "fides-policy.txt")


def _rule(name: str, categories: tuple[str, list[str]], uses: tuple[str, list[str]],
          subjects: tuple[str, list[str]], **extra: Any) -> dict[str, Any]:
    return {"name": name, **extra,
            "data_categories": {"matches": categories[0], "values": categories[1]},
            "data_uses": {"matches": uses[0], "values": uses[1]},
            "data_subjects": {"matches": subjects[0], "values": subjects[1]}}


POLICIES = [
    {"fides_key": "ads_policy", "name": "Ads: what never goes together",
     "description": "Rules on advertising", "rules": [
         _rule("no contact for ads", ("ANY", ["user.contact"]),
               ("ANY", ["marketing.advertising.third_party"]), ("ANY", ["customer"]),
               description="Contact data (email, phone) never feeds third-party ads."),
         _rule("opinions: never", ("ALL", ["user.demographic.political_opinion", "user.name"]),
               ("NONE", ["essential"]), ("OTHER", ["employee"])),
     ]},
    {"fides_key": "staff", "name": "Staff", "rules": [
        _rule("no profiling (of staff)", ("OTHER", ["system"]), ("ANY", ["analytics"]),
              ("ALL", ["employee", "prospect"]), description="(nested) parentheses (here)..."),
    ]},
]


def _round_trip(root: Path, manifests: Path) -> Path:
    assert run_inprocess("import", "fides", manifests, "-o", root / "a").code == 0
    run = run_inprocess("export", "fides", root / "b", "--inventory", root / "a" / "inventory",
                        "--policy", root / "a" / "policy" / "fides-policy.yaml")
    assert run.code == 0, run.err
    assert run_inprocess("import", "fides", root / "b", "-o", root / "c").code == 0
    for name in POLICY_FILES:
        first = (root / "a" / "policy" / name).read_bytes()
        assert (root / "c" / "policy" / name).read_bytes() == first, name
    first = (root / "a" / "inventory" / "fides.yaml").read_bytes()
    assert (root / "c" / "inventory" / "fides.yaml").read_bytes() == first
    return root / "b"


def test_cookie_house_policy_round_trips(tmp_path: Path) -> None:
    exported = _round_trip(tmp_path, DATA / "cookie_house")
    policies = yaml.safe_load((exported / "policy.yml").read_text(encoding="utf-8"))["policy"]
    assert [p["fides_key"] for p in policies] == ["sample_policy"]
    assert policies[0]["rules"][0]["name"] == "Reject Third Party Advertising"
    assert _fideslang_counts(exported)[0]["policy"] == 1


def test_every_mode_and_awkward_names_round_trip(tmp_path: Path) -> None:
    manifest = {"system": [{
        "fides_key": "shop", "name": "Shop", "system_type": "Service",
        "privacy_declarations": [{"data_categories": ["user.contact.email"],
                                  "data_use": "essential.service",
                                  "data_subjects": ["customer"]}]}],
        "policy": POLICIES}
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "manifest.yml").write_text(yaml.safe_dump(manifest, sort_keys=False),
                                                  encoding="utf-8")
    exported = _round_trip(tmp_path, tmp_path / "in")
    policies = yaml.safe_load((exported / "policy.yml").read_text(encoding="utf-8"))["policy"]
    assert [[r["name"] for r in p["rules"]] for p in policies] == [
        ["no contact for ads", "opinions: never"], ["no profiling (of staff)"]]
    assert policies[0]["name"] == "Ads: what never goes together"
    assert policies[1]["rules"][0]["data_subjects"] == {"matches": "ALL",
                                                        "values": ["employee", "prospect"]}
    assert _fideslang_counts(exported)[0]["policy"] == 2


def test_other_kinds_are_listed_never_dropped(tmp_path: Path) -> None:
    assert run_inprocess("export", "fides", tmp_path).code == 0  # the bundled MAROSOAP
    report = (tmp_path / "export-report.txt").read_text(encoding="utf-8")
    bundled = load_policy(ROOT / "policy_model" / "policies" / "marosoap.yaml").policy
    others = [c for c in bundled.commitments if c.check.kind != "forbidden-combination"]
    assert len(others) >= 20
    for commitment in others:
        assert (f"commitment {commitment.id} ({commitment.check.kind}): a Fides policy holds "
                "only forbidden combinations") in report
    written = tmp_path / "policy.yml"
    rules = sum(len(p["rules"]) for p in yaml.safe_load(written.read_text())["policy"]) if (
        written.exists()) else 0
    assert rules + len(others) == len(bundled.commitments)


@pytest.mark.parametrize("severity", ["high", "medium"])
def test_a_pledge_commitment_becomes_a_named_rule(severity: str) -> None:
    check = {"kind": "forbidden-combination",
             "data_categories": {"matches": "ANY", "values": ["user.financial"]},
             "data_uses": {"matches": "ANY", "values": ["marketing"]},
             "data_subjects": {"matches": "ANY", "values": ["customer"]}}
    policies, notes = export_policy(policy_with(check, "FIN-002", severity))
    assert policies == [{"fides_key": "test-policy", "name": "Test policy", "rules": [{
        "name": "Test commitment", "description": "We promise.",
        **{k: v for k, v in check.items() if k != "kind"}}]}]
    assert any("FIN-002: its id has no place" in n for n in notes)
    assert any("severity 'medium'" in n for n in notes) == (severity == "medium")
