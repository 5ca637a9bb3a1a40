"""A loaded inventory's last checks, run on the second core while the command goes on.

The loader's last checks only find errors (:mod:`pledge.policy_model.confirmation`):
each file's scan and the references across files, about a quarter of loading
a large JSON inventory. A command that goes on to build the graph and run the
checks loads with :meth:`Confirmations.load`: those checks then run in a
forked child (:class:`~pledge.cli.forked.Forked`, when a core is idle) while
the command works on the models, and :meth:`Confirmations.confirm` collects
their verdict before anything is written. Fail closed, and the same as in line:

- the errors are the ones the load in line raises, in its order: every load's
  confirmed in the order they were made, the first with errors raised;
- when the command fails before it confirms (a later input error, or a crash
  on models not yet vouched for), the loads are confirmed first, so their
  errors are what the user reads, as they would have been in line.

The child reads every model, and each read is a write to the page holding the
model (its reference count): beside a very large inventory it would copy
gigabytes. Above :data:`BESIDE_MODELS` models, the checks run in line.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from operator import attrgetter
from pathlib import Path
from types import TracebackType
from typing import Any, Generic, TypeVar, cast

from pledge.base.timings import phase
from pledge.cli.common import get_inventory
from pledge.cli.forked import Forked
from pledge.policy_model.confirmation import Confirmation
from pledge.policy_model.errors import InputErrors
from pledge.policy_model.inventory import Inventory
from pledge.policy_model.load_share import LoadShare
from pledge.policy_model.loading import LoadedInventory
from pledge.policy_model.yaml_source import DEFAULT_MAX_FILE_SIZE

T = TypeVar("T")

BESIDE_MODELS = 2_500_000
"""Up to this many systems, stores, fields and flows, the last checks run beside the
command (at 100,000 systems: 1.2 million; copying what the child reads costs at most
about a gigabyte per million)."""


def model_count(inventory: Inventory) -> int:
    """Systems, stores, their fields and flows: the models the last checks read most."""
    fields = sum(map(len, map(attrgetter("fields"), inventory.stores)))
    return len(inventory.systems) + len(inventory.stores) + fields + len(inventory.flows)


class Joined(Generic[T]):
    """A load's last checks and more work on that inventory, in one forked child.

    The child runs the checks first, then the work only when they pass (its
    result, or its input error, comes back as :class:`Forked` sends it). One
    child instead of two: its copy of the pages it reads is made once, and the
    parent goes on without waiting.
    """

    def __init__(self, left: Confirmation | None, work: Callable[[], T], *,
                 here: bool = False) -> None:
        self.left = left
        self.here = here
        both = partial(_confirmed_then, left, work)
        self._forked: Forked[tuple[InputErrors | None, T | None]] = Forked(
            both, fork=not here)
        self._outcome: tuple[InputErrors | None, T | None] | None = None
        self._failed: InputErrors | None = None

    def _get(self) -> tuple[InputErrors | None, T | None]:
        if self._outcome is None:
            try:
                self._outcome = self._forked.result()
            except InputErrors as failed:  # the work's own (a bad waiver file): read later
                self._failed = failed
                self._outcome = (None, None)
        return self._outcome

    def confirm(self) -> None:
        """Raise the load's errors, if its last checks found any (the work's own input
        errors wait for :meth:`result`, as they come after every load's in line)."""
        errors, _ = self._get()
        if errors is not None:
            raise errors

    def result(self) -> T:
        """The work's result, once the load is confirmed."""
        self.confirm()
        if self._failed is not None:
            raise self._failed
        return cast(T, self._get()[1])

    def cancel(self) -> None:
        """Stop the child (the command is failing)."""
        self._forked.cancel()


def _nothing() -> None:
    return None


def _confirmed_then(left: Confirmation | None, work: Callable[[], T]
                    ) -> tuple[InputErrors | None, T | None]:
    if left is not None:
        try:
            left.run()
        except InputErrors as errors:  # a verdict, not the work's own input error
            return errors, None
    return None, work()


class Confirmations:
    """The loads of one command whose last checks run beside it (a context manager)."""

    def __init__(self) -> None:
        self._pending: list[Joined[Any]] = []

    def load(self, path: Path | None, max_size: int = DEFAULT_MAX_FILE_SIZE,
             cache: Path | None = None, share: LoadShare | None = None, *,
             start: bool = True) -> LoadedInventory:
        """Load an inventory as :func:`~pledge.cli.common.get_inventory` does, its last
        checks started beside (or run now, for a very large one); with ``start`` False,
        left for :meth:`joined`, else run here when confirmed (as the last work of a
        command whose second core is busy)."""
        loaded = get_inventory(path, max_size, cache, share, confirm_later=True)
        return self.started(loaded) if start else self.kept(loaded)

    def kept(self, loaded: LoadedInventory) -> LoadedInventory:
        """``loaded`` with its last checks left to run here when confirmed (or to
        :meth:`joined`)."""
        if loaded.unconfirmed is not None:
            self._pending.append(Joined(loaded.unconfirmed, _nothing, here=True))
        return loaded

    def started(self, loaded: LoadedInventory) -> LoadedInventory:
        """``loaded`` with its last checks started beside, or run now (a very large one)."""
        left = loaded.unconfirmed
        if left is not None:
            if model_count(loaded.inventory) > BESIDE_MODELS:
                left.run()
                loaded.unconfirmed = None  # vouched for: nothing left to confirm
            else:
                self._pending.append(Joined(left, _nothing))
        return loaded

    def joined(self, loaded: LoadedInventory, work: Callable[[], T], *,
               references_only: bool = False) -> Joined[T]:
        """``loaded``'s last checks (left by :meth:`load` with ``start=False``), then
        ``work``, in one child (:class:`Joined`); confirmed with the others, in load order.

        With ``references_only``, the child checks only the references across files,
        and each file's checks stay here: the two halves of the work, balanced when
        this process has as much to do meanwhile (its files' checks still come first).
        When ``loaded``'s last checks were started already (:meth:`started`), ``work``
        runs in a child of its own, its result read once they passed.
        """
        left = loaded.unconfirmed
        at = next((position for position, pending in enumerate(self._pending)
                   if left is not None and pending.left is left), None)
        if at is not None and not self._pending[at].here:  # started: only the work now
            joined = Joined(None, work)
            self._pending.insert(at + 1, joined)
            return joined
        here: list[Joined[Any]] = []
        if left is not None and references_only:
            files, references = left.halves()
            here, left = [Joined(files, _nothing, here=True)], references
        joined = Joined(left, work)
        if at is not None:
            self._pending[at:at + 1] = [*here, joined]  # in place: load order
        else:
            self._pending += [*here, joined]
        return joined

    def confirm(self) -> None:
        """Wait for every load's last checks, in load order; raise the first one's errors."""
        try:
            with phase("wait for the work beside"):
                while self._pending:
                    self._pending[0].confirm()
                    del self._pending[0]
        finally:
            self._cancel()

    def _cancel(self) -> None:
        for pending in self._pending:
            pending.cancel()
        self._pending.clear()

    def __enter__(self) -> Confirmations:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if error is not None and isinstance(error, Exception):
            self.confirm()  # a load's errors come first, as in line
        self._cancel()
