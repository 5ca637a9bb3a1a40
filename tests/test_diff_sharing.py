"""pledge diff: the head takes the base's models where its bytes are the same, and
each side's checks run in a forked child (the base's while the head loads, the head's while
the two are compared); neither may change an output or let a bad head through.

The head is checked as a whole either way (ids, references, vocabulary): only a
file with the same bytes, or a slice of a large JSON file with the same text,
is taken from the base. The sliced tests use a generated 10,000-system file,
the smallest whose long sections are sliced with the real slice sizes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import pledge.policy_model.json_slices as slices
from benchmarks.generate import generate, write_json
from benchmarks.other_paths import add_a_flow_json
from pledge.policy_model.errors import InputErrors
from pledge.policy_model.load_share import LoadShare
from pledge.policy_model.loading import load_inventory
from tests.conftest import AS_OF, INVENTORY, run_pledge
from tests.reports.ci_support import copy_inventory, replace_once, store_card_numbers

FORMATS = ("text", "json", "markdown", "sarif", "junit", "github")
NO_FORK = {"PLEDGE_FORK": "0"}
FORK = {"PLEDGE_FORK": "1"}
AMOUNT = "{name: amount, category: user.payment.transaction, retention: P18M}"


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated 10,000-system JSON inventory (sliced: over 4 MB of stores and flows)."""
    return write_json(generate(10_000), tmp_path_factory.mktemp("large") / "base.json")


def line_with(path: Path, needle: str) -> int:
    """The 1-based number of the first line of ``path`` holding ``needle``."""
    lines = path.read_text(encoding="utf-8").split("\n")
    return next(n for n, line in enumerate(lines, 1) if needle in line)


def changed_copy(source: Path, target: Path, old: str, new: str) -> Path:
    """``source`` copied to ``target`` with the first ``old`` replaced by ``new``."""
    text = source.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


def diff_all_formats(cwd: Path, base: str, head: str, out: Path,
                     env: dict[str, str] | None = None) -> tuple[int, str, dict[str, bytes]]:
    """``pledge diff`` in every format at once; the exit code, stderr and each file's bytes."""
    out.mkdir()
    args: list[str] = []
    for fmt in FORMATS:
        args += ["-f", fmt, "-o", str(out / fmt)]
    run = run_pledge("diff", base, head, "--as-of", AS_OF, *args, cwd=cwd, env=env,
                     timeout=300)
    return run.code, run.err, {p.name: p.read_bytes() for p in sorted(out.iterdir())}


# --- JSON slices ------------------------------------------------------------------------------
def test_a_head_takes_the_unchanged_slices_and_validates_the_changed_one(
        large: Path, tmp_path: Path) -> None:
    head = tmp_path / "head.json"
    add_a_flow_json(large, head, 0)  # a flow at the start of the flows: every slice moves
    changed_copy(head, head, '"retention":"P2Y"', '"retention":"P3Y"')
    share = LoadShare()
    base = load_inventory(large, share=share)
    validated = share.slices.validated_items
    loaded = load_inventory(head, share=share)
    alone = load_inventory(head)
    assert loaded.inventory.model_dump(mode="json") == alone.inventory.model_dump(mode="json")
    head_validated = share.slices.validated_items - validated
    assert 0 < head_validated < validated // 10  # the new flow, the changed store's slice
    assert share.slices.shared_items + head_validated == validated + 1
    assert loaded.inventory.flows[1:] == base.inventory.flows
    same = sum(a is b for a, b in zip(base.inventory.flows, loaded.inventory.flows[1:],
                                      strict=True))
    assert same == len(base.inventory.flows)
    changed = [(a, b) for a, b in zip(base.inventory.stores, loaded.inventory.stores,
                                      strict=True) if a is not b]
    assert len(changed) == head_validated - 1  # the changed store's slice, validated again
    assert any(a != b for a, b in changed)  # the retention that changed is the head's own


def test_a_bad_value_in_the_changed_slice_is_caught_with_its_file_and_entity(
        large: Path, tmp_path: Path) -> None:
    shutil.copy(large, tmp_path / "base.json")
    head = changed_copy(large, tmp_path / "head.json", '"retention":"P2Y"',
                        '"retention":"two years"')
    run = run_pledge("diff", "base.json", "head.json", "--as-of", AS_OF, "-f", "json",
                     "-o", "out.json", cwd=tmp_path, timeout=300)
    assert run.code == 2 and run.err.count("\n") == 1
    bad = head.read_text(encoding="utf-8").split("\n")[line_with(head, "two years") - 1]
    store = bad.split('"id":"', 1)[1].split('"', 1)[0]  # JSON is located by entity, not line
    assert f"head.json: PLG-E006 invalid value 'two years' at stores[0]({store})" in run.err
    assert "Traceback" not in run.err and not (tmp_path / "out.json").exists()
    alone = run_pledge("check", "head.json", "--as-of", AS_OF, cwd=tmp_path, timeout=300)
    assert alone.code == 2 and alone.err == run.err  # the same words as checking it alone


def test_a_head_differing_only_in_a_declared_id_still_fails_its_references(
        large: Path, tmp_path: Path) -> None:
    shutil.copy(large, tmp_path / "base.json")
    text = large.read_text(encoding="utf-8")
    system = text.split('"systems":[\n{"id":"', 1)[1].split('"', 1)[0]
    head = changed_copy(large, tmp_path / "head.json", f'{{"id":"{system}"',
                        f'{{"id":"{system}_renamed"')
    run = run_pledge("diff", "base.json", "head.json", "--as-of", AS_OF, "-f", "json",
                     "-o", "out.json", cwd=tmp_path, timeout=300)
    assert run.code == 2 and "PLG-E008" in run.err and "head.json" in run.err
    assert system in run.err and not (tmp_path / "out.json").exists()
    assert line_with(head, f'"id":"{system}_renamed"')  # the flows naming it: shared slices


def test_a_missing_comma_between_slices_is_refused(
        large: Path, tmp_path: Path) -> None:
    text = large.read_text(encoding="utf-8")
    start = text.index('"stores":[\n') + len('"stores":[\n')
    cut = text.index("\n", start + slices.SLICE_CHARS) + 1  # the first slice's last line
    assert text[cut - 2] == ","
    missing = tmp_path / "missing.json"
    missing.write_text(text[:cut - 2] + text[cut - 1:], encoding="utf-8")
    with pytest.raises(InputErrors) as refused:
        load_inventory(missing)
    assert any("PLG-E002" in str(e) or "JSON" in str(e) for e in refused.value.errors)
    end = text.index("\n]", start) + 1  # a comma after the last store
    trailing = tmp_path / "trailing.json"
    trailing.write_text(text[:end - 1] + "," + text[end - 1:], encoding="utf-8")
    with pytest.raises(InputErrors):
        load_inventory(trailing)


# --- YAML files ---------------------------------------------------------------------------------
def test_a_head_takes_the_unchanged_files_and_checks_the_changed_one(tmp_path: Path) -> None:
    base = copy_inventory(tmp_path, "base")
    head = copy_inventory(tmp_path, "head")
    store_card_numbers(head)
    share = LoadShare()
    before = load_inventory(base, share=share)
    after = load_inventory(head, share=share)
    files = len(list(INVENTORY.glob("*.yaml")))
    assert share.shared_files == files - 1  # every file but stores.yaml
    assert after.inventory.flows == before.inventory.flows
    assert all(a is b for a, b in zip(before.inventory.flows, after.inventory.flows,
                                      strict=True))
    assert not any(a is b for a, b in zip(before.inventory.stores, after.inventory.stores,
                                          strict=True))
    assert (after.inventory.model_dump(mode="json")
            == load_inventory(head).inventory.model_dump(mode="json"))
    assert after.sources.locate("flow", "orders_to_dhl") == load_inventory(
        head).sources.locate("flow", "orders_to_dhl")


def test_files_the_base_took_from_the_cache_are_shared_too(tmp_path: Path) -> None:
    base = copy_inventory(tmp_path, "base")
    head = copy_inventory(tmp_path, "head")
    store_card_numbers(head)
    cache = tmp_path / "cache"
    load_inventory(base, cache=cache)  # fills the cache: the base's files are hits below
    share = LoadShare()
    before = load_inventory(base, cache=cache, share=share)
    after = load_inventory(head, cache=cache, share=share)
    assert share.shared_files == len(list(INVENTORY.glob("*.yaml"))) - 1
    assert all(a is b for a, b in zip(before.inventory.flows, after.inventory.flows,
                                      strict=True))
    assert (after.inventory.model_dump(mode="json")
            == load_inventory(head).inventory.model_dump(mode="json"))


def test_a_bad_value_in_the_changed_file_is_caught_with_its_line(tmp_path: Path) -> None:
    copy_inventory(tmp_path, "base")
    head = copy_inventory(tmp_path, "head")
    replace_once(head / "stores.yaml", AMOUNT, AMOUNT.replace("P18M", "eighteen months"))
    run = run_pledge("diff", "base", "head", "--as-of", AS_OF, "-f", "json", "-o", "out.json",
                     cwd=tmp_path)
    line = line_with(head / "stores.yaml", "retention: eighteen months}")
    assert run.code == 2 and f"head/stores.yaml:{line}:" in run.err
    assert run.err.count("\n") == 1 and not (tmp_path / "out.json").exists()


def test_a_renamed_system_still_fails_the_references_of_the_unchanged_files(
        tmp_path: Path) -> None:
    copy_inventory(tmp_path, "base")
    head = copy_inventory(tmp_path, "head")
    replace_once(head / "systems.yaml", "  - id: dhl_express\n", "  - id: dhl_parcel\n")
    run = run_pledge("diff", "base", "head", "--as-of", AS_OF, "-f", "json", "-o", "out.json",
                     cwd=tmp_path)
    assert run.code == 2 and "PLG-E008" in run.err and "dhl_express" in run.err
    assert "head/flows.yaml" in run.err and not (tmp_path / "out.json").exists()


# --- the checks in a forked child ---------------------------------------------------------------
def test_the_forked_checks_write_the_bytes_of_the_serial_run(large: Path, tmp_path: Path) -> None:
    shutil.copy(large, tmp_path / "base.json")
    add_a_flow_json(large, tmp_path / "head.json", 0)
    forked = diff_all_formats(tmp_path, "base.json", "head.json", tmp_path / "forked", FORK)
    serial = diff_all_formats(tmp_path, "base.json", "head.json", tmp_path / "serial", NO_FORK)
    assert forked == serial and forked[0] == 0 and len(forked[2]) == len(FORMATS)
    reversed_forked = diff_all_formats(tmp_path, "head.json", "base.json", tmp_path / "rf",
                                       FORK)
    reversed_serial = diff_all_formats(tmp_path, "head.json", "base.json", tmp_path / "rs",
                                       NO_FORK)
    assert reversed_forked == reversed_serial


def test_the_forked_checks_of_a_breaking_change_match_the_serial_run(tmp_path: Path) -> None:
    copy_inventory(tmp_path, "base")
    head = copy_inventory(tmp_path, "head")
    store_card_numbers(head)
    replace_once(head / "stores.yaml", AMOUNT, AMOUNT.replace("P18M", "P3Y"))
    forked = diff_all_formats(tmp_path, "base", "head", tmp_path / "forked", FORK)
    serial = diff_all_formats(tmp_path, "base", "head", tmp_path / "serial", NO_FORK)
    assert forked == serial and forked[0] == 1
    assert b"PAY-001" in forked[2]["sarif"] and b"P3Y" in forked[2]["json"]


def test_an_error_in_the_base_checks_is_one_line_and_exit_2(tmp_path: Path) -> None:
    base = copy_inventory(tmp_path, "base")
    copy_inventory(tmp_path, "head")
    (base / "waivers.yaml").write_text(  # read by the base's checks, in the child
        "waivers:\n  - {commitment: PAY-001, approver: dpo, justification: migration, "
        "expires: someday}\n", encoding="utf-8")
    runs = [run_pledge("diff", "base", "head", "--as-of", AS_OF, "-f", "json", "-o", "out.json",
                       cwd=tmp_path, env=env) for env in (FORK, NO_FORK)]
    assert runs[0].code == runs[1].code == 2
    assert runs[0].err == runs[1].err and runs[0].err.count("\n") == 1
    assert runs[0].err.startswith("pledge: base/waivers.yaml:2:") and "expires" in runs[0].err
    assert "Traceback" not in runs[0].err and not (tmp_path / "out.json").exists()


def test_a_bad_head_with_the_base_checks_already_forked_is_one_line_and_exit_2(
        tmp_path: Path) -> None:
    """The base's checks start in a child before the head is read: a head that does not
    load stops that child and reads as the serial run does."""
    copy_inventory(tmp_path, "base")
    head = copy_inventory(tmp_path, "head")
    replace_once(head / "stores.yaml", AMOUNT, AMOUNT.replace("P18M", "eighteen months"))
    runs = [run_pledge("diff", "base", "head", "--as-of", AS_OF, "-f", "json", "-o", "out.json",
                       cwd=tmp_path, env=env) for env in (FORK, NO_FORK)]
    assert runs[0].code == runs[1].code == 2 and runs[0].err == runs[1].err
    assert runs[0].err.count("\n") == 1 and "head/stores.yaml:" in runs[0].err
    assert not (tmp_path / "out.json").exists()


def test_an_error_in_the_head_checks_is_one_line_and_exit_2(tmp_path: Path) -> None:
    copy_inventory(tmp_path, "base")
    head = copy_inventory(tmp_path, "head")
    (head / "waivers.yaml").write_text(  # read by the head's checks, in their own child
        "waivers:\n  - {commitment: PAY-001, approver: dpo, justification: migration, "
        "expires: someday}\n", encoding="utf-8")
    runs = [run_pledge("diff", "base", "head", "--as-of", AS_OF, "-f", "json", "-o", "out.json",
                       cwd=tmp_path, env=env) for env in (FORK, NO_FORK)]
    assert runs[0].code == runs[1].code == 2 and runs[0].err == runs[1].err
    assert runs[0].err.startswith("pledge: head/waivers.yaml:2:") and "expires" in runs[0].err
    assert "Traceback" not in runs[0].err and not (tmp_path / "out.json").exists()
