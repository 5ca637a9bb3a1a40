"""Work forked off to a child process: its result, its input errors, and every fallback."""

from __future__ import annotations

import os
import signal
import tempfile
import threading
from pathlib import Path

import pytest

from pledge.cli.forked import FORK, Forked, runnable_others
from pledge.policy_model.errors import InputError, InputErrors

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork here")


@pytest.fixture(autouse=True)
def always_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fork whatever the machine's load (by default a busy machine runs the work here)."""
    monkeypatch.setenv(FORK, "1")


def test_the_result_comes_from_a_child_process() -> None:
    assert Forked(os.getpid).result() != os.getpid()
    big = Forked(lambda: "x" * 5_000_000)  # more than a pipe holds: read while it writes
    assert big.result() == "x" * 5_000_000


def test_an_input_error_in_the_child_is_raised_here_as_it_was() -> None:
    def bad() -> None:
        raise InputErrors([InputError("PLG-E004", "unknown key 'bogus'", "base/waivers.yaml", 2,
                                      "remove it")])

    with pytest.raises(InputErrors) as raised:
        Forked(bad).result()
    assert [str(e) for e in raised.value.errors] == [
        "base/waivers.yaml:2: PLG-E004 unknown key 'bogus' (remove it)"]


def test_a_result_that_cannot_cross_is_worked_out_here() -> None:
    here = os.getpid()
    lock = Forked(lambda: (os.getpid(), threading.Lock()))  # a lock does not pickle
    pid, _ = lock.result()
    assert pid == here


def test_an_unexpected_error_is_the_serial_runs_own() -> None:
    calls: list[int] = []

    def crash() -> None:
        calls.append(os.getpid())
        raise ZeroDivisionError("boom")

    with pytest.raises(ZeroDivisionError):
        Forked(crash).result()
    assert calls == [os.getpid()]  # the child's call is not seen here: this one is


def test_without_the_fork_the_work_is_done_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FORK, "0")
    assert Forked(os.getpid).result() == os.getpid()


def test_bytes_cross_as_they_are_whatever_they_start_with(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the results' files go
    for value in (b"", b"R", b"P\x80\x05", b"\x00" * 7, bytes(range(256)) * 200_000):
        forked = Forked(lambda value=value: value)
        assert forked._pid is not None  # forked: the bytes come from the child
        got = forked.result()
        assert got == value and type(got) is bytes
    pids = Forked(lambda: (os.getpid(), b"x" * 10))
    assert pids.result()[0] != os.getpid()  # a tuple holding bytes: pickled
    assert list(tmp_path.iterdir()) == []  # the results' files are gone with them


def _pid_bytes() -> bytes:
    return str(os.getpid()).encode("ascii") * 100_000


def test_a_child_killed_before_its_result_leaves_the_work_to_this_process() -> None:
    here = os.getpid()

    def die() -> bytes:
        if os.getpid() != here:
            os.kill(os.getpid(), signal.SIGKILL)
        return _pid_bytes()

    assert Forked(die).result() == _pid_bytes()


def test_a_child_killed_halfway_through_writing_leaves_the_work_to_this_process(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # the file then holds a whole header and part of the result: never taken for it
    real_fdopen = os.fdopen

    class HalfWriter:
        def __init__(self, fd: int, *args: object, **kwargs: object) -> None:
            self.out = real_fdopen(fd, "wb", buffering=0)

        def __enter__(self) -> HalfWriter:
            return self

        def __exit__(self, *exc: object) -> None:
            self.out.close()

        def write(self, data: memoryview) -> int:
            if len(data) > 1:  # the result itself: half of it, then the end
                self.out.write(data[: len(data) // 2])
                os.kill(os.getpid(), signal.SIGKILL)
            return int(self.out.write(data) or 0)

    monkeypatch.setattr(os, "fdopen", HalfWriter)  # only the child writes its result
    forked = Forked(_pid_bytes)
    assert forked._pid is not None
    assert forked.result() == _pid_bytes()  # this process's own, not the child's half


def test_without_a_place_for_the_result_the_work_is_done_here(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def no_room(*args: object, **kwargs: object) -> tuple[int, str]:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "mkstemp", no_room)
    forked = Forked(os.getpid)
    assert forked._pid is None and forked.result() == os.getpid()


def test_a_cancelled_child_is_stopped_and_reaped() -> None:
    forked = Forked(lambda: "x" * 5_000_000)
    pid = forked._pid
    assert pid is not None
    forked.cancel()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, 0)  # reaped already


def test_the_tasks_runnable_besides_this_one_are_read_from_proc_loadavg() -> None:
    assert runnable_others("0.52 0.58 0.59 2/345 6789\n") == 1
    assert runnable_others("3.10 2.00 1.00 1/90 12") == 0
    assert runnable_others("0.00 0.00 0.00 0/90 12") == 0  # read between two ticks
    assert runnable_others("garbled") is None
    assert runnable_others("1 2 3 x/90 12") is None


def test_a_core_busy_for_a_moment_is_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    import pledge.cli.forked as forked

    monkeypatch.setattr(forked.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(forked, "READING_GAP", 0)
    readings = iter([2, 1, 0])  # a kernel thread, a timer, then the second core free
    monkeypatch.setattr(forked, "runnable_now", lambda: next(readings))
    assert forked.idle_core()
    calls: list[int] = []
    monkeypatch.setattr(forked, "runnable_now", lambda: calls.append(1) or 1)  # busy throughout
    assert not forked.idle_core() and len(calls) == forked.READINGS
    monkeypatch.setattr(forked, "runnable_now", lambda: 0)
    assert forked.idle_core()
