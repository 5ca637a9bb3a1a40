"""Work done in a forked process while this one goes on: the second core, for ``pledge diff``.

A forked child sees this process's memory as it was (copy on write), does the
work, and hands back its result in an unlinked temporary file both share: bytes
as they are (a rendered document of hundreds of megabytes is written once and
read once, and the child never waits for this process to read it, as it would
on a pipe), anything else pickled, after the phases the child timed when
``--timings`` asked (:mod:`pledge.base.timings`: they join this process's, as done
beside it). Only that result crosses, so the work should return something small
for what it costs, or bytes. The child writes nothing
else and leaves with ``os._exit``: no output buffer, ``atexit`` handler or
temporary directory of this process is touched twice.

Fail closed, and the same as without the fork:

- an :class:`~pledge.policy_model.errors.InputErrors` the work raises is sent
  back and raised here, so it reads as it would have (one line, exit 2);
- anything else (an unexpected exception, a result that does not pickle, a
  child killed or gone) makes this process do the work itself, so the outcome,
  a crash with its traceback included, is the serial one;
- where ``os.fork`` is missing (Windows), the work is done here, when its
  result is asked for.

A fork pays only when a core is idle: on a core another process keeps busy, the
two halves take turns, and the pages both touch are copied (each side's
reference counts are writes), so the same work costs more CPU time. So by
default the work is forked only when a whole core is free besides this
process's (the tasks runnable at that moment, on Linux; the one-minute load
average elsewhere) (``PLEDGE_FORK=1`` always forks,
``PLEDGE_FORK=0`` never does). The output is the same either way.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar, cast

from pledge.base.timings import Lap, add_beside, lap_count, recorded_since
from pledge.policy_model.errors import InputErrors

T = TypeVar("T")

FORK = "PLEDGE_FORK"
"""1: always fork the work off; 0: never (the serial path); unset: when a core is idle."""


def fork_wanted() -> bool:
    """Whether to fork work off here (see the module)."""
    if not hasattr(os, "fork"):
        return False
    setting = os.environ.get(FORK, "")
    if setting in ("0", "1"):
        return setting == "1"
    return idle_core()


READINGS = 5
"""How many times the runnable tasks are read, :data:`READING_GAP` apart, before a core
is taken for busy (see :func:`idle_core`)."""
READING_GAP = 0.001


def idle_core() -> bool:
    """Whether a whole core is left free besides this process's.

    On Linux, from the tasks runnable right now (``/proc/loadavg``'s fourth field,
    this process included), read up to :data:`READINGS` times a millisecond
    apart: one reading with a core free is enough. A task runnable for a moment
    (a kernel thread, a service's timer) turned one reading in twenty or thirty
    into a busy core, and the work into serial work; a process that keeps a core
    busy shows in every reading. Elsewhere, from the one-minute load average,
    which also counts this process's own recent past.
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    if cpus < 2:
        return False
    for reading in range(READINGS):
        others = runnable_now()
        if others is None:
            break
        if max(others - own_children_running(), 0) + 2 <= cpus:
            return True
        if reading + 1 < READINGS:
            time.sleep(READING_GAP)
    else:
        return False
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return False
    return load + 1 <= cpus


_CHILDREN: set[int] = set()
"""The children :class:`Forked` started and has not yet waited for."""


def own_children_running() -> int:
    """How many of this process's forked children are running right now (Linux).

    They are this command's own work, soon done: forking more work beside them
    shares the cores for a while, where leaving it to this process would leave
    a core idle once they end."""
    running = 0
    for pid in _CHILDREN:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        except OSError:
            continue
        if child_running(stat):
            running += 1
    return running


def child_running(stat: str) -> bool:
    """Whether ``/proc/PID/stat``'s text says the task is running (state ``R``)."""
    state = stat.rpartition(")")[2].split()
    return bool(state) and state[0] == "R"


def runnable_now() -> int | None:
    """The runnable tasks besides this one, from ``/proc/loadavg``; None where it cannot
    be read so (not Linux)."""
    try:
        return runnable_others(Path("/proc/loadavg").read_text(encoding="ascii"))
    except OSError:
        return None


def runnable_others(loadavg: str) -> int | None:
    """The runnable tasks besides this one in ``/proc/loadavg``'s text (``0.52 0.58 0.59
    2/345 6789``: 2 runnable, this reader among them); None when it does not read so."""
    fields = loadavg.split()
    running = fields[3].split("/", 1)[0] if len(fields) > 3 else ""
    return max(int(running) - 1, 0) if running.isdigit() else None


_RAW, _PICKLED = b"R", b"P"
"""The first byte of a result: the bytes after the child's timings are the result, or its
pickle."""
_LENGTH = struct.Struct("<Q")
"""After the first byte, the length of the pickled timings the child recorded (often 0)."""
_HEAD = 1 + _LENGTH.size


class Forked(Generic[T]):
    """``work()`` started in a child process (or deferred, without a fork)."""

    def __init__(self, work: Callable[[], T], *, fork: bool = True) -> None:
        """Start ``work`` in a child, when :func:`fork_wanted` (and ``fork``: False keeps
        it here, done when its result is asked for)."""
        self._work = work
        self._pid: int | None = None
        self._file: int | None = None
        if not (fork and fork_wanted()):
            return
        try:
            answer, path = tempfile.mkstemp(prefix="pledge-forked-")
        except OSError:  # nowhere to put the result: do it here
            return
        try:
            Path(path).unlink()  # only the two processes' descriptors hold it: no trace left
        except OSError:
            os.close(answer)
            return
        sys.stdout.flush()
        sys.stderr.flush()
        mark = lap_count()
        try:
            pid = os.fork()
        except OSError:  # no memory or processes left: do it here
            os.close(answer)
            return
        if pid == 0:  # the child: never returns
            _child(work, answer, mark)
        self._pid, self._file = pid, answer
        _CHILDREN.add(pid)

    def cancel(self) -> None:
        """Stop the child whose result is no longer wanted (this process is failing)."""
        if self._pid is not None:
            os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            _CHILDREN.discard(self._pid)
            self._pid = None
        self._close()

    def _close(self) -> None:
        if self._file is not None:
            os.close(self._file)
            self._file = None

    def result(self) -> T:
        """The work's result: from the child, or done here (see the module)."""
        if self._pid is None or self._file is None:
            return self._work()
        _, status = os.waitpid(self._pid, 0)
        _CHILDREN.discard(self._pid)
        self._pid = None
        try:
            ok = os.waitstatus_to_exitcode(status) == 0
            head = os.pread(self._file, _HEAD, 0) if ok else b""
            data = _answer_from(self._file, head) if len(head) == _HEAD else None
        finally:
            self._close()
        if data is None:  # the child failed, or its answer is garbled: do the work here
            return self._work()
        kind = head[:1]
        if kind == _RAW:
            return cast(T, data)
        if kind == _PICKLED:
            try:
                outcome, value = pickle.loads(data)
            except Exception:  # a garbled answer: do the work here
                return self._work()
            if outcome == "ok":
                return value  # type: ignore[no-any-return]
            if outcome == "input":
                raise value
        return self._work()


def _read_from(fd: int, at: int) -> bytes:
    """What the file holds from offset ``at`` on, in one buffer (no copy when one read
    takes it all, as a regular file's does below 2 GB)."""
    size = os.fstat(fd).st_size
    chunks: list[bytes] = []
    while at < size:
        chunk = os.pread(fd, size - at, at)
        if not chunk:
            break
        chunks.append(chunk)
        at += len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _answer_from(fd: int, head: bytes) -> bytes | None:
    """The result's bytes, once the timings the child recorded (after the kind, ``head``
    gives their length) joined this process's, as done beside it; None when they do not
    read so."""
    (length,) = _LENGTH.unpack_from(head, 1)
    if length:
        try:
            laps = pickle.loads(os.pread(fd, length, _HEAD))
        except Exception:
            return None
        if not (isinstance(laps, list) and all(isinstance(lap, Lap) for lap in laps)):
            return None
        add_beside(laps)
    return _read_from(fd, _HEAD + length)


def _child(work: Callable[[], T], answer: int, mark: int = 0) -> None:
    """Do the work, write its result (or its input error) for the parent, and leave:
    the kind of result, the timings recorded here (when asked for), then the result."""
    code = 0
    try:
        head: bytes
        body: bytes
        try:
            value = work()
            if isinstance(value, bytes):
                head, body = _RAW, value
            else:
                head, body = _PICKLED, pickle.dumps(("ok", value),
                                                    protocol=pickle.HIGHEST_PROTOCOL)
        except InputErrors as exc:
            head, body = _PICKLED, pickle.dumps(("input", exc), protocol=pickle.HIGHEST_PROTOCOL)
        laps = recorded_since(mark)
        timed = pickle.dumps(laps, protocol=pickle.HIGHEST_PROTOCOL) if laps else b""
        head += _LENGTH.pack(len(timed)) + timed
        with os.fdopen(answer, "wb", buffering=0) as out:
            for piece in (head, body):
                view = memoryview(piece)
                while view:
                    written = out.write(view)
                    if not written:
                        raise OSError("the result could not be written")
                    view = view[written:]
    except BaseException:  # the parent does the work itself
        code = 1
    os._exit(code)
