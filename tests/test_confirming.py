"""A load's last checks confirmed later, beside the work: the same errors, in the same order.

``load_inventory(confirm_later=True)`` leaves each file's scan and the
references across files to the caller (:mod:`pledge.policy_model.confirmation`);
``pledge check``, ``pledge report`` and ``pledge diff`` run them in a forked
child while they build the graph and run the checks
(:mod:`pledge.cli.confirming`). Nothing a user gives may read differently for
it: every hostile inventory of the corpus fails with the errors of a load in
line, a bad inventory writes no report, and a crash on models not yet vouched
for gives way to the load's own errors.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pledge.checks.graph import flow_graph
from pledge.cli.confirming import Confirmations
from pledge.cli.forked import FORK, child_running
from pledge.policy_model.errors import InputErrors
from pledge.policy_model.loading import LoadedInventory, load_inventory
from tests.conftest import AS_OF, INVENTORY, ROOT, run_pledge
from tests.reports.ci_support import copy_inventory, replace_once

HOSTILE = sorted((ROOT / "tests" / "hostile").glob("inv-*"))
EMAIL = "{name: contact_email, category: user.contact.email, retention: P5Y}"
FORKS = ({FORK: "1"}, {FORK: "0"})


def _errors(load: object) -> list[str] | None:
    """The errors ``load()`` raises, as the user reads them; None when it loads clean."""
    try:
        load()  # type: ignore[operator]
    except InputErrors as raised:
        return [str(error) for error in raised.errors]
    return None


def _later(path: Path, **kwargs: object) -> LoadedInventory:
    loaded = load_inventory(path, confirm_later=True, **kwargs)  # type: ignore[arg-type]
    if loaded.unconfirmed is not None:
        loaded.unconfirmed.run()
    return loaded


@pytest.mark.parametrize("path", HOSTILE, ids=lambda p: p.name)
def test_every_hostile_inventory_fails_as_it_does_in_line(path: Path) -> None:
    in_line = _errors(lambda: load_inventory(path))
    assert _errors(lambda: _later(path)) == in_line


def test_a_clean_load_leaves_checks_that_pass_and_the_same_models() -> None:
    loaded = load_inventory(INVENTORY, confirm_later=True)
    assert loaded.unconfirmed is not None and loaded.unconfirmed.files
    loaded.unconfirmed.run()
    assert loaded.inventory == load_inventory(INVENTORY).inventory
    assert load_inventory(INVENTORY).unconfirmed is None  # in line: nothing left


def _broken(tmp_path: Path) -> Path:
    """The bundled inventory with an unknown category, a repeated purpose and a flow to an
    undeclared system: only the checks a load leaves find these."""
    root = copy_inventory(tmp_path)
    replace_once(root / "stores.yaml", EMAIL, EMAIL.replace("contact.email", "contact.emial"))
    flows = (root / "flows.yaml").read_text(encoding="utf-8")
    (root / "flows.yaml").write_text(flows.replace("target: ", "target: nowhere_", 1),
                                     encoding="utf-8")
    return root


def test_errors_found_only_by_the_left_checks_are_the_in_line_ones(tmp_path: Path) -> None:
    root = _broken(tmp_path)
    in_line = _errors(lambda: load_inventory(root))
    assert in_line is not None and any("user.contact.emial" in e for e in in_line)
    loaded = load_inventory(root, confirm_later=True)  # the models load: the rest is left
    assert loaded.unconfirmed is not None
    assert _errors(loaded.unconfirmed.run) == in_line


def test_references_are_read_only_when_every_file_is_clean(tmp_path: Path) -> None:
    root = copy_inventory(tmp_path)
    flows = (root / "flows.yaml").read_text(encoding="utf-8")
    (root / "flows.yaml").write_text(flows.replace("target: ", "target: nowhere_", 1),
                                     encoding="utf-8")
    only_references = _errors(lambda: load_inventory(root))
    assert only_references is not None and any("nowhere_" in e for e in only_references)
    loaded = load_inventory(root, confirm_later=True)
    assert loaded.unconfirmed is not None
    files, references = loaded.unconfirmed.halves()
    assert _errors(files.run) is None
    assert _errors(references.run) == only_references


def test_the_cache_keeps_a_file_only_once_confirmed(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    loaded = load_inventory(INVENTORY, confirm_later=True, cache=cache)
    assert not list(cache.rglob("*.entry")) and not any(p.is_file() for p in cache.rglob("*"))
    assert loaded.unconfirmed is not None
    loaded.unconfirmed.run()
    kept = sorted(p for p in cache.rglob("*") if p.is_file())
    assert kept, "each clean file kept once confirmed"
    bad = _broken(tmp_path)
    other = tmp_path / "other-cache"
    left = load_inventory(bad, confirm_later=True, cache=other).unconfirmed
    assert left is not None
    with pytest.raises(InputErrors):
        left.run()
    stores_digest = __import__("hashlib").sha256((bad / "stores.yaml").read_bytes()).hexdigest()
    assert not any(stores_digest in p.name for p in other.rglob("*") if p.is_file())


@pytest.mark.parametrize("env", FORKS, ids=["forked", "in line"])
def test_a_bad_inventory_writes_nothing_and_reads_the_same(tmp_path: Path,
                                                          env: dict[str, str]) -> None:
    root = _broken(tmp_path)
    baseline = run_pledge("validate", root, env={FORK: "0"})
    assert baseline.code == 2
    out = tmp_path / "out.sarif"
    checked = run_pledge("check", root, "--as-of", AS_OF, "-f", "sarif", "-o", out, env=env)
    assert (checked.code, checked.out) == (2, "")
    assert "user.contact.emial" in checked.err and "Traceback" not in checked.err
    assert not out.exists()
    pack = tmp_path / "pack"
    reported = run_pledge("report", root, "--as-of", AS_OF, "--output-dir", pack, env=env)
    assert reported.code == 2 and reported.err == checked.err
    assert not pack.exists() or not any(pack.iterdir())


def test_the_diff_reads_the_bases_errors_first_as_in_line(tmp_path: Path) -> None:
    base = _broken(tmp_path / "b")
    head = copy_inventory(tmp_path / "h")
    replace_once(head / "stores.yaml", EMAIL, EMAIL.replace("contact.email", "contact.mail"))
    runs = [run_pledge("diff", base, head, "--as-of", AS_OF, "-f", "json", env=env)
            for env in FORKS]
    assert [r.code for r in runs] == [2, 2]
    assert runs[0].err == runs[1].err and runs[0].out == runs[1].out == ""
    assert "user.contact.emial" in runs[0].err
    assert "user.contact.mail" not in runs[0].err  # the base stops the run, as in line
    bad_head = run_pledge("diff", INVENTORY, head, "--as-of", AS_OF, env=FORKS[0])
    assert bad_head.code == 2 and "user.contact.mail" in bad_head.err


@pytest.mark.parametrize("env", FORKS, ids=["forked", "in line"])
def test_a_clean_run_gives_the_same_bytes_forked_or_in_line(tmp_path: Path,
                                                           env: dict[str, str]) -> None:
    head = copy_inventory(tmp_path)
    replace_once(head / "stores.yaml", EMAIL, EMAIL.replace("P5Y", "P2Y"))
    diff = run_pledge("diff", INVENTORY, head, "--as-of", AS_OF, "-f", "json", env=env)
    again = run_pledge("diff", INVENTORY, head, "--as-of", AS_OF, "-f", "json",
                       env={FORK: "0"})
    assert diff.code == again.code and diff.out == again.out
    assert json.loads(diff.out)["retention"]


def test_a_crash_on_unconfirmed_models_gives_way_to_the_loads_errors(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FORK, "1")
    root = _broken(tmp_path)

    def crash(*_args: object, **_kwargs: object) -> None:
        raise KeyError("a model the load has not vouched for")

    monkeypatch.setattr(flow_graph.FlowGraph, "__init__", crash)
    with pytest.raises(InputErrors) as raised, Confirmations() as beside:
        loaded = beside.load(root)
        flow_graph.FlowGraph(loaded.inventory, None)  # type: ignore[arg-type]
    assert any("user.contact.emial" in str(e) for e in raised.value.errors)
    with pytest.raises(KeyError), Confirmations() as beside:  # a clean load: the crash stands
        loaded = beside.load(INVENTORY)
        flow_graph.FlowGraph(loaded.inventory, None)  # type: ignore[arg-type]


def test_a_very_large_inventory_is_confirmed_in_line(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import pledge.cli.confirming as confirming

    monkeypatch.setattr(confirming, "BESIDE_MODELS", 10)
    forked: list[object] = []
    monkeypatch.setattr(confirming, "Forked", lambda *work, **how: forked.append(work))
    with Confirmations() as beside:
        beside.load(INVENTORY)
        beside.confirm()
    assert forked == []
    root = _broken(tmp_path)
    beside = Confirmations()
    with pytest.raises(InputErrors) as raised:
        beside.load(root)  # the load itself raises: its checks ran in line, not later
    assert any("user.contact.emial" in str(e) for e in raised.value.errors)
    assert forked == []


def test_a_running_child_is_told_from_its_stat_line() -> None:
    assert child_running("4242 (python) R 1 4242 4242 0 -1")
    assert child_running("4242 (a (b) c) R 1 0")  # a command name holding parentheses
    assert not child_running("4242 (python) S 1 4242 4242 0 -1")
    assert not child_running("4242 (python) Z 1")
    assert not child_running("garbled")
    assert child_running(Path(f"/proc/{os.getpid()}/stat").read_text(encoding="ascii")) \
        if Path("/proc").is_dir() else True


def test_a_bad_head_reads_before_the_bases_bad_waivers_as_in_line(tmp_path: Path) -> None:
    """The base's waiver file is read by its checks, after both loads in line: the head's
    load errors come first, though the base's checks ran in their child meanwhile."""
    base = copy_inventory(tmp_path / "b")
    (base / "waivers.yaml").write_text("waivers:\n  - {commitment: PAY-001, bogus: 1}\n",
                                       encoding="utf-8")
    head = copy_inventory(tmp_path / "h")
    replace_once(head / "stores.yaml", EMAIL, EMAIL.replace("contact.email", "contact.mail"))
    runs = [run_pledge("diff", base, head, "--as-of", AS_OF, env=env) for env in FORKS]
    assert [r.code for r in runs] == [2, 2] and runs[0].err == runs[1].err
    assert "user.contact.mail" in runs[0].err and "waivers.yaml" not in runs[0].err


@pytest.mark.parametrize("env", FORKS, ids=["forked", "in line"])
def test_work_joined_to_a_started_load_runs_once_after_its_checks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    """``pledge diff`` starts the base's last checks at once (beside its graph), then joins
    the base's checks: they run in a child of their own, the load's checks never twice, and
    a load that fails them reads its errors, never the work's result."""
    from pledge.policy_model.confirmation import Confirmation

    monkeypatch.setenv(FORK, env[FORK])
    runs: list[Confirmation] = []
    real = Confirmation.run

    def counted(self: Confirmation) -> None:
        runs.append(self)
        real(self)

    monkeypatch.setattr(Confirmation, "run", counted)
    with Confirmations() as beside:
        loaded = beside.load(INVENTORY)
        work = beside.joined(loaded, lambda: len(loaded.inventory.stores))
        beside.confirm()
    assert work.result() == len(load_inventory(INVENTORY).inventory.stores)
    if env[FORK] == "0":  # counted in this process only
        assert len(runs) == 1
    in_line = _errors(lambda: load_inventory(_broken(tmp_path / "a")))
    beside = Confirmations()
    loaded = beside.load(_broken(tmp_path / "b"))
    beside.joined(loaded, lambda: pytest.fail("the work's result is never read"))
    raised = _errors(beside.confirm)
    assert raised == [e.replace("/a/", "/b/") for e in in_line or []] and raised


def test_a_very_large_started_load_is_not_confirmed_again_by_joined_work(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import pledge.cli.confirming as confirming

    monkeypatch.setattr(confirming, "BESIDE_MODELS", 10)
    monkeypatch.setenv(FORK, "0")
    with Confirmations() as beside:
        loaded = beside.load(INVENTORY)  # confirmed in line: nothing left to confirm
        assert loaded.unconfirmed is None
        work = beside.joined(loaded, lambda: "checked")
        assert work.left is None
        beside.confirm()
    assert work.result() == "checked"
