"""The end of the ``pledge`` process: its large objects left to the exit, not freed one by one.

A command on a hundred thousand systems holds millions of objects (models,
graphs, results) until it returns; freeing them one by one then takes half a
second or more, after every output is written, for nothing: the process ends
next. A command hands what it holds to :func:`outlive` once its outputs are
written; :func:`end` (the program's own end, ``pledge`` or ``python -m
pledge``) flushes the standard streams and leaves with ``os._exit``, so the
operating system takes the memory back whole. Called as a function (tests, a
library's caller), :func:`release` lets them go as usual instead.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import NoReturn

_KEPT: list[object] = []


def outlive(*objects: object) -> None:
    """Keep ``objects`` until :func:`end` or :func:`release` (a command's last step)."""
    _KEPT.extend(objects)


def release() -> None:
    """Let go of what :func:`outlive` kept (the process goes on)."""
    _KEPT.clear()


def end(code: int, unwritten_code: int) -> NoReturn:
    """End the process with ``code`` once standard output and error are flushed.

    Output the reader no longer takes (``pledge check | head``) ends it with
    ``unwritten_code``, quietly; any other failure to flush is said on standard
    error and ends it with that code too, never silently: an exit status of 0
    must mean the output was all written.
    """
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = unwritten_code
    except OSError as exc:
        code = unwritten_code
        with contextlib.suppress(OSError):
            sys.stderr.write(f"pledge: PLG-E020 cannot write the output "
                             f"({exc.strerror or exc})\n")
    with contextlib.suppress(OSError):
        sys.stderr.flush()
    os._exit(code)
