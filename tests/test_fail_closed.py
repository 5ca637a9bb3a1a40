"""Fail closed: what pledge cannot check fails the run with an ``error`` finding, never passes.

An unknown commitment kind, a check that raises, and an inventory whose graph
has references nothing declares each end in an error finding that names the
commitment, and ``pledge check`` exits 1.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from pledge.checks import registry
from pledge.checks.engine import evaluate, unresolved_references
from pledge.checks.findings import Status
from pledge.policy_model.inventory import Flow, Inventory, Store, Transport
from pledge.policy_model.loading import LoadedInventory, load_inventory, load_policy
from tests.conftest import AS_OF, INVENTORY, POLICY, ROOT, run_inprocess
from tests.helpers import AS_OF_DATE

HOSTILE = ROOT / "tests" / "hostile"
SECRET_DSN = "postgresql://admin:s3cret@db.internal/payments"


def _policy_with_kind(tmp_path: Path, kind_block: str, commitment_id: str = "PAY-004") -> Path:
    """A copy of the hostile corpus' base policy with its check replaced by ``kind_block``."""
    text = (HOSTILE / "pol-unknown-kind-field.yaml").read_text(encoding="utf-8")
    head = text.split("    check:\n")[0].replace("id: PAY-004", f"id: {commitment_id}")
    source = (ROOT / "policy_model" / "source" / "marosoap-privacy-policy.txt").as_posix()
    head = head.replace("../../policy_model/source/marosoap-privacy-policy.txt", source)
    path = tmp_path / "policy.yaml"
    path.write_text(head + "    check:\n" + kind_block, encoding="utf-8")
    return path


def _error_findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["status"] == "error"]


# --- unknown kinds -------------------------------------------------------------------------------
def test_unknown_kind_is_an_error_finding_naming_the_commitment(tmp_path: Path) -> None:
    policy = _policy_with_kind(tmp_path, "      kind: no-such-kind\n      anything: [1, 2]\n")
    run = run_inprocess("check", "--policy", policy, "--as-of", AS_OF, "-f", "json")
    assert run.code == 1, run.err
    report = json.loads(run.out)
    errors = _error_findings(report)
    assert [f["commitment"] for f in errors] == ["PAY-004"]
    assert "no-such-kind" in errors[0]["message"] and "cannot be checked" in errors[0]["message"]
    assert report["summary"]["result"] == "fail"
    assert [c["status"] for c in report["commitments"]] == ["error"]


def test_unknown_kind_fails_the_text_report_too(tmp_path: Path) -> None:
    policy = _policy_with_kind(tmp_path, "      kind: transport-encryptoin\n")
    run = run_inprocess("check", "--policy", policy, "--as-of", AS_OF)
    assert run.code == 1
    assert "ERROR" in run.out and "PAY-004" in run.out
    assert "did you mean transport-encryption?" in run.out


def test_unknown_kind_next_to_known_ones_fails_only_itself(tmp_path: Path) -> None:
    text = POLICY.read_text(encoding="utf-8").replace(
        "kind: forbidden-storage", "kind: forbidden-storage-v2", 1)
    source_dir = (POLICY.parent.parent / "source").as_posix()
    text = text.replace("path: ../source/", f"path: {source_dir}/")
    policy = tmp_path / "policy.yaml"
    policy.write_text(text, encoding="utf-8")
    loaded = load_policy(policy)
    result = evaluate(loaded.policy, load_inventory(INVENTORY), as_of=AS_OF_DATE)
    failing = {f.commitment for f in result.findings if f.status.failing}
    assert failing == {"PAY-001"}
    assert result.failed


# --- checks that raise ---------------------------------------------------------------------------
def _crash(message: str) -> Any:
    def run(ctx: Any, params: Any, ev: Any) -> None:
        raise RuntimeError(message)
    return run


def _replace_run(monkeypatch: pytest.MonkeyPatch, kind_name: str, run: Any) -> None:
    kind = registry.get_kind(kind_name)
    assert kind is not None
    monkeypatch.setitem(registry._KINDS, kind_name, dataclasses.replace(kind, run=run))


def test_a_check_that_raises_is_an_error_for_each_of_its_commitments(
        monkeypatch: pytest.MonkeyPatch) -> None:
    _replace_run(monkeypatch, "transport-encryption", _crash("boom"))
    policy = load_policy(POLICY).policy
    expected = {c.id for c in policy.commitments if c.check.kind == "transport-encryption"}
    assert expected
    result = evaluate(policy, load_inventory(INVENTORY), as_of=AS_OF_DATE)
    errors = [f for f in result.findings if f.status is Status.ERROR]
    assert {f.commitment for f in errors} == expected
    assert all("crashed (RuntimeError: boom)" in f.message for f in errors)
    assert result.failed
    statuses = {o.commitment.id: o.status for o in result.outcomes}
    assert all(statuses[c] is Status.ERROR for c in expected)


def test_a_check_that_fails_then_raises_is_still_an_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def half(ctx: Any, params: Any, ev: Any) -> None:
        ev.checked += 5
        raise KeyError("missing-node")

    _replace_run(monkeypatch, "forbidden-storage", half)
    result = evaluate(load_policy(POLICY).policy, load_inventory(INVENTORY), as_of=AS_OF_DATE)
    pay = [f for f in result.findings if f.commitment == "PAY-001"]
    assert [f.status for f in pay] == [Status.ERROR]


@pytest.mark.parametrize("exc", [RecursionError("deep"), MemoryError(), ZeroDivisionError(),
                                 AttributeError("x"), ValueError("bad")])
def test_any_exception_from_a_check_fails_closed(exc: Exception,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(ctx: Any, params: Any, ev: Any) -> None:
        raise exc

    _replace_run(monkeypatch, "retention-limit", boom)
    result = evaluate(load_policy(POLICY).policy, load_inventory(INVENTORY), as_of=AS_OF_DATE)
    assert result.failed
    assert not any(f.status is Status.PASS and f.kind == "retention-limit"
                   for f in result.findings)


def test_a_crashing_check_exits_1_through_the_cli_without_leaking(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The crash message may quote input; the report redacts it and shows no traceback."""
    _replace_run(monkeypatch, "transport-encryption",
                 _crash(f"cannot reach {SECRET_DSN} \x1b[31m"))
    for fmt in ("text", "json"):
        run = run_inprocess("check", "--as-of", AS_OF, "-f", fmt)
        assert run.code == 1, run.err
        assert "Traceback" not in run.out + run.err
        assert "s3cret" not in run.out and "\x1b" not in run.out
        assert "crashed" in run.out


# --- unresolved graph references -----------------------------------------------------------------
def _with_dangling(loaded: LoadedInventory, *, flow_target: str | None = None,
                   store_system: str | None = None) -> LoadedInventory:
    inv = loaded.inventory
    flows, stores = list(inv.flows), list(inv.stores)
    if flow_target:
        flows.append(Flow.model_construct(
            id="ghost_flow", source=inv.systems[0].id, target=flow_target,
            categories=["user.financial.credit_card.number"], purposes=["marketing"],
            transport=Transport(protocol="http"), consent_gate=None, legal_basis=None,
            description=None))
    if store_system:
        stores.append(Store.model_construct(
            id="ghost_store", name="Ghost", system=store_system, technology=None,
            exposure="public", encryption_at_rest=False, access_roles=[], purposes=[],
            retention=None, disposal=None, connection=None, fields=[], description=None))
    changed = Inventory.model_construct(**{**dict(inv), "flows": flows, "stores": stores})
    return dataclasses.replace(loaded, inventory=changed)


@pytest.mark.parametrize("dangling", [{"flow_target": "nowhere"},
                                      {"store_system": "no_such_system"}])
def test_unresolved_reference_fails_every_commitment(dangling: dict[str, str]) -> None:
    """An inventory built around the loader, with a dangling reference, never passes."""
    loaded = _with_dangling(load_inventory(INVENTORY), **dangling)
    assert unresolved_references(loaded.inventory)
    policy = load_policy(POLICY).policy
    result = evaluate(policy, loaded, as_of=AS_OF_DATE)
    assert result.failed
    assert {o.status for o in result.outcomes} == {Status.ERROR}
    assert {f.commitment for f in result.findings} == {c.id for c in policy.commitments}
    assert all(f.status is Status.ERROR and next(iter(dangling.values())) in f.message
               for f in result.findings)


def test_bundled_inventory_has_no_unresolved_references() -> None:
    assert unresolved_references(load_inventory(INVENTORY).inventory) == []


def test_the_loader_refuses_unresolved_references_first() -> None:
    run = run_inprocess("check", HOSTILE / "inv-flow-to-nowhere.yaml", "--as-of", AS_OF)
    assert run.code == 2 and "PLG-E008" in run.err and "nowhere" in run.err
