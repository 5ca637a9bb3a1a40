"""pledge diff: what a change does to personal data and to the commitments."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import AS_OF, INVENTORY, run_inprocess, run_pledge
from tests.reports.ci_support import (
    AD_NETWORK,
    CARD_TO_ADS,
    append_text,
    copy_inventory,
    line_of,
    remove_flow,
    replace_once,
    sarif_errors,
    store_card_numbers,
)

GIT_ENV = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
           "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
WEB_SHOP_PURPOSES = ("    purposes: [essential.service, essential.service.authentication, "
                     "essential.service.fulfillment]\n")

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(repo: Path, *args: str) -> None:
    """Run git in ``repo`` with a fixed identity and no user configuration."""
    subprocess.run(["git", "-c", "commit.gpgsign=false", *args], cwd=repo, check=True,
                   capture_output=True, env={**os.environ, **GIT_ENV})


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with two commits: the inventory, then card data sent to an ad network."""
    repo = tmp_path / "repo"
    inventory = repo / "privacy" / "inventory"
    inventory.parent.mkdir(parents=True)
    shutil.copytree(INVENTORY, inventory)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "inventory")
    append_text(inventory / "systems.yaml", AD_NETWORK)
    append_text(inventory / "flows.yaml", CARD_TO_ADS)
    git(repo, "commit", "-q", "-a", "-m", "retarget buyers")
    return repo


@needs_git
def test_git_base_reports_exactly_the_new_card_flow(repo: Path) -> None:
    run = run_pledge("diff", "--git-base", "HEAD~1", "privacy/inventory", "--as-of", AS_OF,
                     "-f", "text", "-f", "json", "-o", "diff.json", cwd=repo)
    assert run.code == 1, run.out + run.err
    diff = json.loads((repo / "diff.json").read_text(encoding="utf-8"))
    systems = repo / "privacy" / "inventory" / "systems.yaml"
    assert diff["base"] == "HEAD~1:privacy/inventory" and diff["head"] == "privacy/inventory"
    assert diff["recipients"] == [{
        "change": "added", "recipient": "ad_network", "type": "system", "third_party": True,
        "role": "advertising", "categories": ["user.financial.credit_card.number"],
        "path": ["customers", "ad_network"], "flows": ["card_to_ads"],
        "location": {"file": "privacy/inventory/systems.yaml",
                     "line": line_of(systems, r"- id: ad_network$")}}]
    assert diff["reach"] == [] and diff["purposes"] == [] and diff["retention"] == []
    assert diff["sensitive_storage"] == [] and diff["newly_fixed"] == []
    newly = diff["newly_failing"]
    assert {f["commitment"] for f in newly} == {"PAY-002", "PAY-003", "CON-001"}
    assert {(f["subject"]["type"], f["subject"]["id"]) for f in newly} == {
        ("flow", "card_to_ads"), ("system", "ad_network")}
    assert diff["result"] == "fail"
    text = run.out
    assert "+ ad_network (system, third party, advertising) now receives " \
           "user.financial.credit_card.number" in text
    assert "via customers -[card_to_ads]-> ad_network" in text
    assert "FAIL: the change newly breaks CON-001, PAY-002, PAY-003" in text


@needs_git
def test_git_base_without_the_inventory_treats_everything_as_new(repo: Path) -> None:
    shutil.copytree(INVENTORY, repo / "second")
    run = run_pledge("diff", "--git-base", "HEAD", "second", "--as-of", AS_OF, "-f", "json",
                     cwd=repo)
    assert run.code == 0, run.err  # the new inventory keeps every commitment
    diff = json.loads(run.out)
    assert any("has no inventory" in w for w in diff["warnings"])
    assert diff["newly_failing"] == [] and diff["newly_fixed"]
    assert {r["change"] for r in diff["recipients"]} == {"added"}


@needs_git
def test_git_base_input_errors(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    run = run_inprocess("diff", "--git-base", "no-such-ref", "privacy/inventory")
    assert run.code == 2 and "PLG-E019" in run.err and "no-such-ref" in run.err
    run = run_inprocess("diff", "--git-base", "--output=x", "privacy/inventory")
    assert run.code == 2 and "PLG-E019" in run.err
    run = run_inprocess("diff", "--git-base", "HEAD~1")
    assert run.code == 2 and "PLG-E019" in run.err
    run = run_inprocess("diff", "privacy/inventory")
    assert run.code == 2 and "BASE HEAD" in run.err


def test_directory_diff_shows_retention_purposes_storage_and_lost_recipients(
        tmp_path: Path) -> None:
    copy_inventory(tmp_path, "base")
    head = copy_inventory(tmp_path, "head")
    replace_once(head / "stores.yaml", "      - {name: amount, category: "
                 "user.payment.transaction, retention: P18M}\n", "      - {name: amount, "
                 "category: user.payment.transaction, retention: P3Y}\n")
    store_card_numbers(head)
    replace_once(head / "systems.yaml", WEB_SHOP_PURPOSES,
                 WEB_SHOP_PURPOSES.replace("]", ", essential.service.operations.improve]"))
    remove_flow(head, "orders_to_dhl")
    run = run_pledge("diff", "base", "head", "--as-of", AS_OF, "-f", "json", cwd=tmp_path)
    assert run.code == 1, run.err
    diff = json.loads(run.out)
    assert diff["retention"] == [{
        "store": "order_db", "field": "amount", "category": "user.payment.transaction",
        "base": "P18M", "head": "P3Y", "location": {
            "file": "head/stores.yaml",
            "line": line_of(head / "stores.yaml", r"name: amount, .*retention: P3Y")}}]
    assert [(s["store"], s["field"], s["category"], s["new_store"])
            for s in diff["sensitive_storage"]] == [
        ("order_db", "card_number", "user.financial.credit_card.number", False)]
    assert diff["purposes"] == [{"change": "added",
                                 "purpose": "essential.service.operations.improve",
                                 "used_by": ["system web_shop"]}]
    removed = [r for r in diff["recipients"] if r["change"] == "removed"]
    assert [r["recipient"] for r in removed] == ["dhl_express"]
    assert "user.contact.email" in removed[0]["categories"]
    assert {f["commitment"] for f in diff["newly_failing"]} == {"PAY-001", "PAY-005"}
    # the other way round, the same change fixes what it broke
    run = run_pledge("diff", "head", "base", "--as-of", AS_OF, "-f", "json", cwd=tmp_path)
    assert run.code == 0, run.err
    back = json.loads(run.out)
    assert back["newly_failing"] == []
    assert {f["commitment"] for f in back["newly_fixed"]} == {"PAY-001", "PAY-005"}
    assert [r["recipient"] for r in back["recipients"] if r["change"] == "added"] == [
        "dhl_express"]


def test_newly_failing_findings_in_every_ci_format(tmp_path: Path) -> None:
    copy_inventory(tmp_path, "base")
    head = copy_inventory(tmp_path, "head")
    store_card_numbers(head)
    append_text(head / "systems.yaml", AD_NETWORK)
    append_text(head / "flows.yaml", CARD_TO_ADS)
    run = run_pledge("diff", "base", "head", "--as-of", AS_OF, "-f", "markdown",
                     "-f", "sarif", "-o", "diff.sarif", "-f", "junit", "-o", "diff.xml",
                     "-f", "github", "-o", "diff.txt", "-f", "json", "-o", "diff.json",
                     cwd=tmp_path)
    assert run.code == 1, run.err
    diff = json.loads((tmp_path / "diff.json").read_text(encoding="utf-8"))
    newly = {f["fingerprint"] for f in diff["newly_failing"]}
    log = json.loads((tmp_path / "diff.sarif").read_text(encoding="utf-8"))
    assert sarif_errors(log) == []
    assert {r["partialFingerprints"]["pledgeFingerprint/v1"]
            for r in log["runs"][0]["results"]} == newly
    xml = ET.fromstring((tmp_path / "diff.xml").read_text(encoding="utf-8"))
    assert int(xml.get("failures")) == len(newly) == len(list(xml.iter("failure")))
    annotations = [line for line in (tmp_path / "diff.txt").read_text(
        encoding="utf-8").splitlines() if line.startswith("::error ")]
    assert len(annotations) == len(newly)
    md = run.out
    assert md.startswith("## pledge diff: FAIL\n")
    assert "### Recipients" in md and "ad\\_network" in md
    assert "### Sensitive data newly stored" in md
    assert "### Commitments newly broken" in md and "```mermaid" in md


def test_no_change_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    copy_inventory(tmp_path, "base")
    copy_inventory(tmp_path, "head")
    run = run_inprocess("diff", "base", "head", "--as-of", AS_OF)
    assert run.code == 0, run.err
    assert "No change to personal data or to the commitments." in run.out
    assert run.out.rstrip().endswith("PASS: the change breaks no commitment")


def test_fail_on_reports_but_does_not_fail_below_the_floor(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    copy_inventory(tmp_path, "base")
    head = copy_inventory(tmp_path, "head")
    replace_once(head / "stores.yaml", "      - {name: amount, category: "
                 "user.payment.transaction, retention: P18M}\n", "      - {name: amount, "
                 "category: user.payment.transaction, retention: P3Y}\n")  # PAY-005, high
    run = run_inprocess("diff", "base", "head", "--as-of", AS_OF, "--fail-on", "critical")
    assert run.code == 0, run.out + run.err
    assert "FAIL PAY-005" in run.out
    assert "PASS: the change breaks no commitment at or above --fail-on critical" in run.out
