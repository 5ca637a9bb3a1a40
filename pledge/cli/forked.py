"""Work done in a forked process while this one goes on: the second core, for ``pledge diff``.

A forked child sees this process's memory as it was (copy on write), does the
work, and sends back its result pickled through a pipe; only that result
crosses, so the work should return something small for what it costs. The
child writes nothing else and leaves with ``os._exit``: no output buffer,
``atexit`` handler or temporary directory of this process is touched twice.

Fail closed, and the same as without the fork:

- an :class:`~pledge.policy_model.errors.InputErrors` the work raises is sent
  back and raised here, so it reads as it would have (one line, exit 2);
- anything else (an unexpected exception, a result that does not pickle, a
  child killed or gone) makes this process do the work itself, so the outcome,
  a crash with its traceback included, is the serial one;
- where ``os.fork`` is missing (Windows), or ``PLEDGE_NO_FORK=1`` is set, the work
  is done here, when its result is asked for.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
from collections.abc import Callable
from typing import Generic, TypeVar

from pledge.policy_model.errors import InputErrors

T = TypeVar("T")

NO_FORK = "PLEDGE_NO_FORK"
"""Set to 1 to do the work in this process (the serial path)."""


def fork_available() -> bool:
    """Whether work can be forked off here."""
    return hasattr(os, "fork") and os.environ.get(NO_FORK, "") in ("", "0")


class Forked(Generic[T]):
    """``work()`` started in a child process (or deferred, without a fork)."""

    def __init__(self, work: Callable[[], T]) -> None:
        self._work = work
        self._pid: int | None = None
        self._read: int | None = None
        if not fork_available():
            return
        sys.stdout.flush()
        sys.stderr.flush()
        read, write = os.pipe()
        try:
            pid = os.fork()
        except OSError:  # no memory or processes left: do it here
            os.close(read)
            os.close(write)
            return
        if pid == 0:  # the child: never returns
            os.close(read)
            _child(work, write)
        os.close(write)
        self._pid, self._read = pid, read

    def cancel(self) -> None:
        """Stop the child whose result is no longer wanted (this process is failing)."""
        if self._read is not None:
            os.close(self._read)
            self._read = None
        if self._pid is not None:
            os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._pid = None

    def result(self) -> T:
        """The work's result: from the child, or done here (see the module)."""
        if self._pid is None or self._read is None:
            return self._work()
        with os.fdopen(self._read, "rb") as pipe:
            data = pipe.read()
        self._read = None
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        if os.waitstatus_to_exitcode(status) == 0 and data:
            try:
                outcome, value = pickle.loads(data)
            except Exception:  # a garbled answer: do the work here
                return self._work()
            if outcome == "ok":
                return value  # type: ignore[no-any-return]
            if outcome == "input":
                raise value
        return self._work()


def _child(work: Callable[[], T], write: int) -> None:
    """Do the work, send its pickled result (or its input error), and leave."""
    code = 0
    try:
        try:
            answer: tuple[str, object] = ("ok", work())
        except InputErrors as exc:
            answer = ("input", exc)
        data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write, "wb") as pipe:
            pipe.write(data)
    except BaseException:  # the parent does the work itself
        code = 1
    os._exit(code)
