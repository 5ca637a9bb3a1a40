"""``pledge report`` writes the same bytes for the same inputs, whatever the hash seed, and
whether OSCAL was rendered on the second core (a forked child) or not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import AS_OF, run_pledge
from tests.reports.support import broken_inventory

EXPECTED = ["assessment-results.json", "coverage.md", "manifest.json", "poam.json",
            "report.html", "report.json", "ropa.csv", "ropa.md"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every format of one broken inventory, under two hash seeds (OSCAL forked off, then
    not), and once with --timestamp."""
    base = tmp_path_factory.mktemp("determinism")
    inventory = broken_inventory(base)
    outputs = {}
    for name, seed, fork, extra in (("first", "1", "1", ()), ("second", "4242", "0", ()),
                                    ("stamped", "7", "", ("--timestamp",))):
        out = base / name
        run = run_pledge("report", inventory, "--as-of", AS_OF, "--output-dir", out, *extra,
                         env={"PYTHONHASHSEED": seed, "PLEDGE_FORK": fork})
        assert run.code == 1, run.err  # the inventory breaks PAY-001 and PAY-002
        outputs[name] = out
    return outputs


def test_every_format_is_written(runs: dict[str, Path]) -> None:
    assert sorted(p.name for p in runs["first"].iterdir()) == EXPECTED


def test_same_inputs_give_byte_identical_reports(runs: dict[str, Path]) -> None:
    for name in EXPECTED:
        first = (runs["first"] / name).read_bytes()
        assert first == (runs["second"] / name).read_bytes(), f"{name} differs between runs"


def test_time_appears_only_when_asked(runs: dict[str, Path]) -> None:
    plain = json.loads((runs["first"] / "assessment-results.json").read_text(encoding="utf-8"))
    stamped = json.loads((runs["stamped"] / "assessment-results.json").read_text(
        encoding="utf-8"))
    assert plain["assessment-results"]["metadata"]["last-modified"] == f"{AS_OF}T00:00:00Z"
    assert stamped["assessment-results"]["metadata"]["last-modified"] != f"{AS_OF}T00:00:00Z"
    assert "Generated at" not in (runs["first"] / "report.html").read_text(encoding="utf-8")
    assert "Generated at" in (runs["stamped"] / "report.html").read_text(encoding="utf-8")
    assert json.loads((runs["first"] / "report.json").read_text())["generated_at"] is None
    for name in ("ropa.csv", "ropa.md", "coverage.md"):  # no time in these at all
        assert (runs["first"] / name).read_bytes() == (runs["stamped"] / name).read_bytes()


def test_a_passing_inventory_has_no_poam(tmp_path: Path) -> None:
    stale = tmp_path / "poam.json"
    stale.write_text("{}", encoding="utf-8")
    run = run_pledge("report", "--as-of", AS_OF, "--output-dir", tmp_path, "-f", "poam",
                     "-f", "coverage")
    assert run.code == 0, run.err
    assert "no POA&M: nothing is open" in run.out and not stale.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["coverage.md", "manifest.json"]
