"""pledge diff: a head's own file checks cover what it did not take from the base's slices.

A head loaded after the base takes the base's validated slices where its text
is the same (:class:`~pledge.policy_model.json_slices.SliceMemo`); the base's
own checks vouch for those, and are read first. The head's file checks then
scan only the models it validated itself and count the keys of only the rest
of its text (:class:`~pledge.policy_model.json_slices.Taken`). Nothing may get
through for it: a problem in the head's own lines reads as checking the head
alone, and one in a slice both share reads as the base's, first.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import pledge.policy_model.loading as loading
from benchmarks.generate import generate, write_json
from benchmarks.other_paths import add_a_flow_json
from pledge.policy_model.errors import InputErrors
from pledge.policy_model.load_share import LoadShare
from pledge.policy_model.loading import LoadedInventory, load_inventory
from tests.conftest import AS_OF, run_pledge


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated 10,000-system JSON inventory (its long sections sliced)."""
    return write_json(generate(10_000), tmp_path_factory.mktemp("taken") / "base.json")


def _errors(load: Callable[[], object]) -> list[str] | None:
    try:
        load()
    except InputErrors as raised:
        return [str(error) for error in raised.errors]
    return None


def _confirmed(loaded: LoadedInventory) -> LoadedInventory:
    if loaded.unconfirmed is not None:
        loaded.unconfirmed.run()
    return loaded


def _after_the_base(base: Path, head: Path) -> tuple[LoadShare, Callable[[], object]]:
    """A share the base filled (and confirmed), and the head's load through it."""
    share = LoadShare()
    _confirmed(load_inventory(base, share=share, confirm_later=True))
    return share, lambda: _confirmed(load_inventory(head, share=share, confirm_later=True))


def _edit_a_store_line(source: Path, target: Path, edit: Callable[[str], str]) -> str:
    """``source`` with one store line in the middle of its section edited; that line."""
    lines = source.read_text(encoding="utf-8").split("\n")
    first = lines.index('"stores":[') + 1
    last = next(n for n in range(first, len(lines)) if lines[n].startswith("]"))
    at = (first + last) // 2
    lines[at] = edit(lines[at])
    target.write_text("\n".join(lines), encoding="utf-8")
    return lines[at]


def _unknown_category(line: str) -> str:
    return line.replace('"category":"user.unique_id"', '"category":"user.unique_idd"', 1)


def _repeated_purpose(line: str) -> str:
    purpose = line.split('"purposes":["', 1)[1].split('"', 1)[0]
    return line.replace('"purposes":["', f'"purposes":["{purpose}","', 1)


def _repeated_key(line: str) -> str:
    return line.replace('{"id":"', '{"name":"twice","id":"', 1)


EDITS = {"unknown category": _unknown_category, "repeated purpose": _repeated_purpose,
         "repeated key": _repeated_key}


def test_a_clean_head_scans_only_the_models_it_validated(
        large: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    head = tmp_path / "head.json"
    add_a_flow_json(large, head, 0)
    share, load_head = _after_the_base(large, head)
    scanned: list[int] = []
    real_scan = loading.scan

    def counting(root: Any, terms: Any) -> Any:
        scanned.append(len(root.flows) + len(root.stores))
        return real_scan(root, terms)

    monkeypatch.setattr(loading, "scan", counting)
    loaded = load_head()
    assert isinstance(loaded, LoadedInventory) and share.slices.shared_items > 0
    whole = len(loaded.inventory.flows) + len(loaded.inventory.stores)
    assert scanned and max(scanned) < whole // 10  # the new flow's slice, not every model
    assert loaded.inventory == load_inventory(head).inventory


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_a_problem_in_the_heads_own_lines_reads_as_checking_it_alone(
        large: Path, tmp_path: Path, edit: Callable[[str], str]) -> None:
    head = tmp_path / "head.json"
    add_a_flow_json(large, head, 0)
    edited = _edit_a_store_line(head, head, edit)
    alone = _errors(lambda: load_inventory(head))
    assert alone, edited  # the edit is an error a load finds
    share, load_head = _after_the_base(large, head)
    assert _errors(load_head) == alone
    assert share.slices.shared_items > 0  # the other slices were taken


def test_a_repeated_key_in_the_heads_own_lines_fails_the_diff(
        large: Path, tmp_path: Path) -> None:
    (tmp_path / "base.json").write_bytes(large.read_bytes())
    head = tmp_path / "head.json"
    add_a_flow_json(large, head, 0)
    _edit_a_store_line(head, head, _repeated_key)
    run = run_pledge("diff", "base.json", "head.json", "--as-of", AS_OF, "-f", "json",
                     "-o", "out.json", cwd=tmp_path, timeout=300)
    alone = run_pledge("check", "head.json", "--as-of", AS_OF, cwd=tmp_path, timeout=300)
    assert run.code == alone.code == 2 and run.err == alone.err
    assert "head.json" in run.err and "Traceback" not in run.err
    assert not (tmp_path / "out.json").exists()


def test_a_problem_in_a_slice_both_share_reads_as_the_bases_first(
        large: Path, tmp_path: Path) -> None:
    base = tmp_path / "base.json"
    _edit_a_store_line(large, base, _repeated_key)
    head = tmp_path / "head.json"
    add_a_flow_json(base, head, 0)  # the edited line stands in a slice the head takes
    share = LoadShare()
    base_errors = _errors(lambda: _confirmed(load_inventory(base, share=share,
                                                            confirm_later=True)))
    assert base_errors and all("base.json" in e for e in base_errors)
    run = run_pledge("diff", "base.json", "head.json", "--as-of", AS_OF, "-f", "json",
                     "-o", "out.json", cwd=tmp_path, timeout=300)
    assert run.code == 2 and run.err.startswith("pledge: base.json")
    assert not (tmp_path / "out.json").exists()


def test_a_head_that_took_no_slice_is_checked_whole(large: Path, tmp_path: Path) -> None:
    """A head in another layout (one line) takes nothing: its checks are the usual ones."""
    data = json.loads(large.read_text(encoding="utf-8"))
    data["stores"][5]["purposes"] = [*data["stores"][5]["purposes"],
                                     data["stores"][5]["purposes"][0]]
    head = tmp_path / "head.json"
    head.write_text(json.dumps(data), encoding="utf-8")
    share, load_head = _after_the_base(large, head)
    assert _errors(load_head) == _errors(lambda: load_inventory(head))
    assert share.slices.shared_items == 0
