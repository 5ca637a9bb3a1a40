"""Building large, long-lived structures without the cyclic collector walking them."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

FREEZE_ABOVE = 500_000
"""Objects built under :func:`paused_gc` above which they are frozen (see there)."""


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building large, long-lived structures.

    Loading creates millions of objects that all survive; with the collector on,
    each full collection walks everything built so far, which makes loading
    quadratic. Reference counting still frees what is dropped meanwhile. When
    more than :data:`FREEZE_ABOVE` objects were built, they are frozen
    (``gc.freeze``) on the way out: they live as long as the run, and the
    collector would otherwise walk all of them a few more times (seconds on a
    hundred thousand systems) only to find nothing to free.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if gc.get_count()[0] > FREEZE_ABOVE:
                gc.freeze()
            gc.enable()
