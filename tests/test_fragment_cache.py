"""The fragment cache (``--cache DIR``): the same reports as without it, never a stale entry.

A run with the cache reads each file's models from the cache when the file's
bytes were loaded clean before. These tests hold cached runs to uncached ones,
byte for byte, over random edits of the bundled multi-file inventory; show that
damaged entries are ignored and written again; and that entries written by
another pledge version are not used (while the same tampering of a current entry
would show in the report, so the test can fail).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pledge.policy_model.fragment_cache import MAGIC
from tests.conftest import AS_OF, INVENTORY, ROOT, Run, run_inprocess

FILES = sorted(p.name for p in INVENTORY.glob("*.yaml"))
SWAPS = [("P3Y", "P30Y"), ("true", "false"), ("https", "http"), ("'1.3'", "'1.0'"),
         ("P5Y", "P5D"), ("essential.service", "marketing.advertising"),
         ("user.contact.email", "user.contact.emial"), ("delete", "anonymise")]


def _run(inventory: Path, report: Path, cache: Path | None) -> tuple[Run, bytes | None]:
    report.unlink(missing_ok=True)
    run = run_inprocess("check", inventory, "--as-of", AS_OF, "-f", "text", "-f", "json",
                        "-o", report, *(["--cache", cache] if cache else []))
    return run, report.read_bytes() if report.exists() else None


def _same_with_and_without(inventory: Path, cache: Path, work: Path) -> None:
    plain = _run(inventory, work / "plain.json", None)
    cached = _run(inventory, work / "cached.json", cache)
    assert cached[0] == plain[0]
    assert cached[1] == plain[1]


edits = st.lists(st.tuples(st.sampled_from(FILES),
                           st.sampled_from(["swap", "shift", "drop", "restore"]),
                           st.integers(0, len(SWAPS) - 1), st.integers(0, 400)),
                 min_size=1, max_size=3)


@settings(max_examples=12, deadline=None)
@given(edits)
def test_cached_runs_report_byte_for_byte_what_uncached_runs_do(
        steps: list[tuple[str, str, int, int]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        inventory = work / "inventory"
        shutil.copytree(INVENTORY, inventory)
        cache = work / "cache"
        _same_with_and_without(inventory, cache, work)  # fills the cache
        for name, how, which, where in steps:
            path = inventory / name
            text = path.read_text(encoding="utf-8")
            lines = text.splitlines(keepends=True)
            if how == "swap":
                old, new = SWAPS[which]
                spots = [i for i, line in enumerate(lines) if old in line]
                if spots:
                    at = spots[where % len(spots)]
                    lines[at] = lines[at].replace(old, new, 1)
            elif how == "shift":  # same content, lines moved: locations must follow
                lines.insert(1 + where % len(lines), "# moved down\n")
            elif how == "drop":  # often invalid: errors must match too
                del lines[where % len(lines)]
            else:
                lines = (INVENTORY / name).read_text(encoding="utf-8").splitlines(True)
            path.write_text("".join(lines), encoding="utf-8")
            _same_with_and_without(inventory, cache, work)


def _entries(cache: Path) -> list[Path]:
    return sorted(p for p in cache.rglob("*") if p.is_file() and p.name != ".gitignore")


def test_a_warm_cache_is_used_and_keyed_by_content(tmp_path: Path) -> None:
    inventory = tmp_path / "inventory"
    shutil.copytree(INVENTORY, inventory)
    cache = tmp_path / "cache"
    _run(inventory, tmp_path / "r.json", cache)
    entries = _entries(cache)
    names = {p.name for p in entries}
    assert names == {hashlib.sha256((inventory / f).read_bytes()).hexdigest() + ".yaml"
                     for f in FILES}
    before = _run(inventory, tmp_path / "before.json", cache)
    for entry in entries:  # valid entries for those bytes, of other content: they are used
        _tamper(entry, *TAMPER)
    after = _run(inventory, tmp_path / "after.json", cache)
    assert after[0].code != before[0].code and after[1] != before[1]


TAMPER = ('"encryption_at_rest":true', '"encryption_at_rest":false')


def _tamper(entry: Path, old: str, new: str) -> None:
    """Change an entry's models and fix up its checksum, as a valid entry of other content."""
    data = entry.read_bytes()
    end = data.index(b"\n", len(MAGIC))
    header = json.loads(data[len(MAGIC):end])
    body = data[end + 1:]
    fragment = body[:header["fragment_bytes"]].replace(old.encode(), new.encode())
    body = fragment + body[header["fragment_bytes"]:]
    header["fragment_bytes"] = len(fragment)
    header["body_sha256"] = hashlib.sha256(body).hexdigest()
    entry.write_bytes(MAGIC + json.dumps(header, sort_keys=True).encode() + b"\n" + body)


def test_corrupted_or_truncated_entries_are_ignored_and_rewritten(tmp_path: Path) -> None:
    inventory = tmp_path / "inventory"
    shutil.copytree(INVENTORY, inventory)
    cache = tmp_path / "cache"
    expected = _run(inventory, tmp_path / "plain.json", None)
    _run(inventory, tmp_path / "first.json", cache)
    originals = {p: p.read_bytes() for p in _entries(cache)}
    assert len(originals) == len(FILES)
    damage = [lambda b: b[: len(b) // 2], lambda b: b[:-1], lambda b: b"",
              lambda b: b[:100] + bytes([b[100] ^ 0x20]) + b[101:],  # one flipped bit
              lambda b: b.replace(b"P3Y", b"P9Y"),  # content changed, checksum not
              lambda b: b"not a cache entry\n" + b]
    for entry, ruin in zip(originals, damage, strict=False):
        entry.write_bytes(ruin(originals[entry]))
    again = _run(inventory, tmp_path / "again.json", cache)
    assert again == expected
    for entry, data in originals.items():
        assert entry.read_bytes() == data  # each rewritten whole


def _run_as_version(version: str, inventory: Path, cache: Path, report: Path) -> None:
    """A real pledge process that believes it is another version."""
    script = ("import sys, pledge.base.version as v; v.__version__ = sys.argv[1]\n"
              "from pledge.cli import main\n"
              "main(sys.argv[2:])\n")
    subprocess.run([sys.executable, "-c", script, version, "check", str(inventory),
                    "--as-of", AS_OF, "-f", "json", "-o", str(report), "--cache", str(cache)],
                   cwd=ROOT, check=False, capture_output=True, timeout=120)


def test_entries_of_another_version_are_not_used(tmp_path: Path) -> None:
    inventory = tmp_path / "inventory"
    shutil.copytree(INVENTORY, inventory)
    cache = tmp_path / "cache"
    _run_as_version("0.0.1-other", inventory, cache, tmp_path / "other.json")
    others = _entries(cache)
    assert len(others) == len(FILES)
    for entry in others:  # as if that version read these files differently
        _tamper(entry, *TAMPER)
    expected = _run(inventory, tmp_path / "plain.json", None)
    assert _run(inventory, tmp_path / "mine.json", cache) == expected
    mine = [p for p in _entries(cache) if p not in others]
    assert len(mine) == len(FILES)  # this version wrote its own entries, beside them
    for theirs in others:  # even put where this version looks, they are refused
        target = next(p for p in mine if p.name == theirs.name)
        shutil.copyfile(theirs, target)
    assert _run(inventory, tmp_path / "moved.json", cache) == expected
