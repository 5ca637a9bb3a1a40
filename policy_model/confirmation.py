"""What a load leaves to confirm: the checks that can only add errors, run in line or beside.

Once a file's models are validated, the loader still asks of them whether
every vocabulary id is known, whether a list repeats a value, whether the file
gave keys the models never saw (:func:`~pledge.policy_model.model_scan.scan`),
and, of the whole inventory, whether ids are unique and references declared
(:func:`~pledge.policy_model.references.reference_errors`). None of these
changes a model: they only find errors. A caller with an idle core may
therefore run them beside its own next steps (the graph, the checks) and
collect the verdict before it writes anything, with the errors a load in
line would have raised, in the same order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pledge.base.timings import phase
from pledge.policy_model.errors import InputError, raise_if_any

Step = Callable[[], list[InputError]]
"""One file's remaining checks (and its entry kept in the fragment cache when clean)."""


@dataclass
class Confirmation:
    """The checks a load left: each file's, in the order of the files, then the references."""

    files: list[Step] = field(default_factory=list)
    references: Step | None = None
    shown: str = ""
    """The inventory as shown (names its phases in ``--timings``)."""

    def run(self) -> None:
        """Raise what the load would have raised at its end (:class:`InputErrors`), or nothing.

        The files' errors come together, as the loader raises them; the
        references are looked at only when every file is clean.
        """
        of = f" of {self.shown}" if self.shown else ""
        if self.files:
            with phase(f"last load checks{of}: each file"):
                raise_if_any([error for step in self.files for error in step()])
        if self.references is not None:
            with phase(f"last load checks{of}: references"):
                raise_if_any(self.references())

    def halves(self) -> tuple[Confirmation, Confirmation]:
        """The files' checks and the references', to run apart: run the files' first, and
        read the references' errors only when those pass, as :meth:`run` does."""
        return (Confirmation(self.files, shown=self.shown),
                Confirmation(references=self.references, shown=self.shown))
