"""Input errors meant for people: a stable code, the file and line, what to do.

Every error pledge raises about what a user gave it is an :class:`InputError`.
The command line prints each on one line and exits 2; it never prints a
traceback for them. The catalogue below is the single list of codes; the README
documents each one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pledge.policy_model.redact import redact

CATALOGUE: dict[str, tuple[str, str]] = {
    # code: (cause, fix)
    "PLG-E001": ("a file or directory named on the command line does not exist",
                 "check the path"),
    "PLG-E002": ("the YAML or JSON is not well formed", "fix the syntax at the line shown"),
    "PLG-E003": ("a mapping repeats a key; the later value would silently win",
                 "keep one of the two keys"),
    "PLG-E004": ("a key the model does not know (often a typo)",
                 "rename it to the suggested key or remove it"),
    "PLG-E005": ("a required field is missing", "add the field"),
    "PLG-E006": ("a value has the wrong type or form", "give a value of the type shown"),
    "PLG-E007": ("an unknown vocabulary id (data category, purpose, data subject, legal basis)",
                 "use the suggested id, or list ids with `pledge vocabulary`"),
    "PLG-E008": ("a reference to a system, store, data subject or gate that is not declared",
                 "declare it or fix the id"),
    "PLG-E009": ("two entities share one id", "give each a unique id"),
    "PLG-E010": ("the inventory is empty or holds no systems",
                 "point pledge at a directory of inventory YAML files"),
    "PLG-E011": ("a file is larger than the size limit", "raise --max-file-size or split it"),
    "PLG-E012": ("a file is not UTF-8 text", "save it as UTF-8"),
    "PLG-E013": ("a document is nested too deeply or expands too far through aliases",
                 "flatten it; remove recursive or exploding aliases"),
    "PLG-E014": ("a path points outside the inventory directory (symlink) or is not a file",
                 "replace the link with the file itself"),
    "PLG-E015": ("an unknown commitment id or kind code was named", "use the suggested id"),
    "PLG-E016": ("the policy's source document is missing or its hash differs",
                 "restore the document, or review it and run pledge policy pin"),
    "PLG-E017": ("a file's top level is not a mapping of the expected sections",
                 "start the file with one of the sections shown"),
    "PLG-E018": ("a value repeats in a list that must hold unique values", "remove the repeat"),
    "PLG-E019": ("an option or argument on the command line is not valid", "see --help"),
    "PLG-E020": ("a file cannot be read or written (permissions, a symlink loop, a directory "
                 "in the way, a full disk)", "check the path and its permissions"),
    "PLG-E021": ("a file has more problems than pledge lists; the first ones are shown",
                 "fix the problems shown and run again"),
    "PLG-E022": ("a database server cannot be reached, or did not answer within --timeout",
                 "check the host, port and database name, that the server runs, or raise "
                 "--timeout"),
    "PLG-E023": ("a database refused the user name or password",
                 "check the user; give the password in the environment (PLEDGE_DB_PASSWORD)"),
    "PLG-E024": ("the driver for a database is not installed",
                 "pip install 'pledge[db]' (SQLAlchemy, psycopg, PyMySQL)"),
    "PLG-E025": ("a database host is not on the allow-list, or an inventory's connection "
                 "holds a password", "add the host with --allow-host; keep passwords in the "
                 "environment"),
    "PLG-E026": ("a Fides (fideslang) manifest holds something pledge cannot import as it "
                 "stands", "fix the manifest as the message says"),
}


@dataclass(unsafe_hash=True)
class InputError(Exception):
    """One problem with something a user gave pledge, located where possible."""

    code: str
    message: str
    path: str | None = None
    line: int | None = None
    hint: str | None = None

    def __post_init__(self) -> None:
        if self.code not in CATALOGUE:  # a programming error, not a user's
            raise ValueError(f"unknown error code {self.code}")

    def __str__(self) -> str:
        return self.render()

    def render(self) -> str:
        """Format as ``file:line: PLG-E00N message (hint)`` on one line."""
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        text = f"{where}{self.code} {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return redact(" ".join(text.split()))  # one line, always; never a secret


class InputErrors(Exception):
    """Several input errors found together, so a user sees all of them at once."""

    def __init__(self, errors: Iterable[InputError]) -> None:
        self.errors = sorted(
            set(errors), key=lambda e: (e.path or "", e.line or 0, e.code, e.message)
        )
        super().__init__("\n".join(e.render() for e in self.errors))


def raise_if_any(errors: list[InputError]) -> None:
    """Raise :class:`InputErrors` when the list holds anything."""
    if errors:
        raise InputErrors(errors)
