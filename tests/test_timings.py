"""``--timings``: where a command's time went, on standard error, the outputs unchanged.

The phases are recorded only when asked (:mod:`pledge.base.timings`); work forked
to the second core sends its phases back with its result. The outputs (files and
standard output) are the same bytes with or without timings, and a failing run
still says its error, once, without a traceback.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path

import pytest

from pledge.base import timings
from pledge.base.timings import Lap, add_beside, phase, recording, summary
from pledge.cli import forked
from pledge.cli.forked import Forked
from tests.conftest import AS_OF, run_pledge
from tests.reports.ci_support import copy_inventory, send_cards_to_ads

PREFIX = "pledge: timings: "


def _table(lines: list[str]) -> list[tuple[str, str, str]]:
    """A summary's rows (its header and total left out): name as indented, wall, CPU."""
    width = lines[0].index("wall s") - 3  # the names' column, as the header sets it
    rows = []
    for line in lines[1:-1]:
        wall, cpu = line[width + 1:width + 9].strip(), line[width + 10:].strip()
        rows.append((line[:width].rstrip(), wall, cpu))
    return rows


def _names(err: str) -> list[str]:
    """The phase names a command printed, as indented."""
    lines = [line.removeprefix(PREFIX) for line in err.splitlines() if line.startswith(PREFIX)]
    return [name for name, _wall, _cpu in _table(lines)]


# --- the recorder -------------------------------------------------------------------------
def test_phases_cost_nothing_and_record_nothing_unless_asked() -> None:
    with phase("load"):
        pass
    assert timings.active() is None
    with recording(False) as recorded:
        with phase("load"):
            pass
        assert recorded is None and timings.active() is None


def test_parts_are_shown_under_their_whole_and_many_parts_slowest_first() -> None:
    with recording(True) as recorded:
        assert recorded is not None
        with phase("load"), phase("read"):
            pass
        with phase("checks"):
            for name in ("A", "B", "C", "D", "E", "F", "G"):
                with phase(name):
                    pass
    assert timings.active() is None  # the recorder ends with the command
    recorded.laps = [  # the same shape, with figures chosen for the order
        Lap("read", 1, 0.5, 0.4), Lap("load", 0, 1.0, 0.9),
        *(Lap(name, 1, wall, wall) for name, wall in
          (("A", 0.1), ("B", 0.7), ("C", 0.3), ("D", 0.9), ("E", 0.2), ("F", 0.6), ("G", 0.05))),
        Lap("checks", 0, 3.0, 2.9)]
    lines = summary(recorded)
    rows = _table(lines)
    assert [name for name, _wall, _cpu in rows] == [
        "start-up (before the command)", "load", "  read", "checks",
        "  D", "  B", "  F", "  C", "  E", "  2 more"]
    assert rows[1] == ("load", "1.00", "0.90") and rows[-1] == ("  2 more", "0.15", "0.15")
    assert rows[0][1] == ""  # start-up: CPU only, its wall time is not known
    assert lines[-1].startswith("total ") and "s in forked work" in lines[-1]


def test_work_done_beside_is_shown_apart_from_its_own_depth() -> None:
    with recording(True) as recorded:
        assert recorded is not None
        with phase("compare"):  # a child forked two phases deep sends its own
            add_beside([Lap("last load checks", 2, 1.0, 1.0), Lap("PAY-001", 4, 0.5, 0.5),
                        Lap("checks", 3, 2.0, 1.9), Lap("checks of base", 2, 2.1, 2.0)])
    rows = _table(summary(recorded))
    assert rows[-5:] == [("beside, on the second core:", "", ""),
                         ("  last load checks", "1.00", "1.00"),
                         ("  checks of base", "2.10", "2.00"), ("    checks", "2.00", "1.90"),
                         ("      PAY-001", "0.50", "0.50")]
    assert all(lap.beside for lap in recorded.laps if lap.name != "compare")


# --- forked work --------------------------------------------------------------------------
def _in_a_child(result: object) -> object:
    with phase("in the child"):
        return result


@pytest.mark.parametrize("result", [b"raw bytes", {"pickled": [1, 2]}],
                         ids=["bytes", "pickled"])
def test_work_forked_sends_its_phases_back_with_its_result(
        monkeypatch: pytest.MonkeyPatch, result: object) -> None:
    monkeypatch.setenv(forked.FORK, "1")
    with recording(True) as recorded:
        assert recorded is not None
        with phase("here"):
            work = Forked(lambda: _in_a_child(result))
            assert work.result() == result
    assert [(lap.name, lap.beside) for lap in recorded.laps] == [
        ("in the child", True), ("here", False)]


def test_forked_work_sends_nothing_more_when_nothing_records(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(forked.FORK, "1")
    assert Forked(lambda: _in_a_child(b"x")).result() == b"x"
    assert timings.active() is None


def test_garbled_phases_from_a_child_read_as_no_answer() -> None:
    """The caller then does the work itself (fail closed: never half an answer)."""
    with tempfile.TemporaryFile() as handle:
        fd = handle.fileno()
        os.write(fd, forked._PICKLED + forked._LENGTH.pack(5) + b"12345" + b"body")
        assert forked._answer_from(fd, os.pread(fd, forked._HEAD, 0)) is None
        os.ftruncate(fd, 0)
        not_laps = pickle.dumps(["not a lap"])
        os.pwrite(fd, forked._PICKLED + forked._LENGTH.pack(len(not_laps)) + not_laps
                  + b"body", 0)
        assert forked._answer_from(fd, os.pread(fd, forked._HEAD, 0)) is None
        os.ftruncate(fd, 0)
        os.pwrite(fd, forked._RAW + forked._LENGTH.pack(0) + b"body", 0)
        assert forked._answer_from(fd, os.pread(fd, forked._HEAD, 0)) == b"body"


# --- the commands -------------------------------------------------------------------------
def test_check_says_where_its_time_went_and_writes_the_same_bytes(tmp_path: Path) -> None:
    plain = run_pledge("check", "--as-of", AS_OF, "-f", "json", "-o", tmp_path / "a.json",
                       "-f", "text")
    timed = run_pledge("check", "--as-of", AS_OF, "-f", "json", "-o", tmp_path / "b.json",
                       "-f", "text", "--timings")
    assert plain.code == timed.code
    assert timed.out == plain.out  # standard output untouched
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    assert PREFIX not in plain.err
    names = _names(timed.err)
    assert "load inventories/marosoap" in names  # the bundled inventory, as shown
    for expected in ("load the policy", "graph", "checks",
                     "notices", "report document", "render json", "render text",
                     "write the outputs"):
        assert expected in names, (expected, timed.err)
    assert names.index("graph") < names.index("checks") < names.index("render json")
    assert sum(1 for name in names if name.startswith("  ") and "-" in name) == 5  # slowest
    assert any(name.strip().endswith("more") for name in names)
    assert timed.err.splitlines()[-1].startswith(PREFIX + "total ")
    assert "Traceback" not in timed.err


def test_the_environment_asks_for_timings_too(tmp_path: Path) -> None:
    run = run_pledge("check", "--as-of", AS_OF, "-f", "sarif", "-o", tmp_path / "out.sarif",
                     env={"PLEDGE_TIMINGS": "1"})
    assert run.code == 0 and PREFIX + "total " in run.err
    off = run_pledge("check", "--as-of", AS_OF, "-f", "sarif", "-o", tmp_path / "out.sarif",
                     env={"PLEDGE_TIMINGS": "0"})
    assert PREFIX not in off.err


@pytest.mark.parametrize("fork", ["1", "0"])
def test_diff_shows_the_work_done_beside_with_its_own_phases(tmp_path: Path,
                                                             fork: str) -> None:
    copy_inventory(tmp_path, "base")
    send_cards_to_ads(copy_inventory(tmp_path, "head"))
    plain = run_pledge("diff", "base", "head", "--as-of", AS_OF, "-f", "json", "-o",
                       "plain.json", cwd=tmp_path, env={"PLEDGE_FORK": fork})
    timed = run_pledge("diff", "base", "head", "--as-of", AS_OF, "-f", "json", "-o",
                       "timed.json", "--timings", cwd=tmp_path, env={"PLEDGE_FORK": fork})
    assert plain.code == timed.code == 1, timed.err
    assert (tmp_path / "plain.json").read_bytes() == (tmp_path / "timed.json").read_bytes()
    names = _names(timed.err)
    assert "compare the inventories" in names and "load head" in names
    beside = names[names.index("beside, on the second core:") + 1:] if fork == "1" else []
    if fork == "1":  # each side's checks and the base's last load checks, on the second core
        assert {"  checks of base", "  checks of head",
                "  last load checks of base: each file"} <= set(beside), timed.err
    else:  # in line, as their results are asked for
        assert "beside, on the second core:" not in names
        assert {"  checks of base", "  checks of head"} <= set(names), timed.err


def test_report_times_each_format(tmp_path: Path) -> None:
    run = run_pledge("report", "--as-of", AS_OF, "--output-dir", tmp_path / "pack",
                     "--timings", env={"PLEDGE_FORK": "0"})
    assert run.code == 0, run.err
    names = [name.strip() for name in _names(run.err)]  # OSCAL's inside its wait, in line
    for fmt in ("html", "oscal", "poam", "ropa-csv", "ropa-md", "coverage", "json"):
        assert f"render {fmt}" in names, (fmt, run.err)


def test_a_failing_load_still_says_its_error_once_and_its_timings(tmp_path: Path) -> None:
    broken = copy_inventory(tmp_path, "inv")
    (broken / "systems.yaml").write_text("systems: [\n", encoding="utf-8")
    run = run_pledge("check", broken, "--as-of", AS_OF, "--timings")
    assert run.code == 2
    errors = [line for line in run.err.splitlines() if not line.startswith(PREFIX)]
    assert len(errors) == 1 and "systems.yaml" in errors[0], run.err
    assert PREFIX + "total " in run.err and "Traceback" not in run.err


def test_names_the_user_gave_are_printed_plain(tmp_path: Path) -> None:
    odd = copy_inventory(tmp_path, "inv\x1b[31mred")
    run = run_pledge("check", odd.name, "--as-of", AS_OF, "--timings", "-f", "sarif", "-o",
                     "out.sarif", cwd=tmp_path)
    assert run.code == 0, run.err
    assert "\x1b" not in run.err and "inv\\x1b[31mred" in run.err
