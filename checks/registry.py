"""The registry of commitment kinds: one module per kind, registered by a decorator.

A kind is a function ``run(ctx, params, evaluation)`` that records its verdicts
in the evaluation and touches nothing else, plus a
pydantic ``Params`` model whose ``kind`` field is a ``Literal`` of the kind's
name. The module docstring is the kind's documentation, with the sections in
:data:`DOC_SECTIONS`; ``pledge explain`` and ``scripts/gen_docs.py`` read it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pledge.base.kind_params import KindParams as KindParams  # re-exported for the kinds
from pledge.base.kind_params import load_kind_modules, register_params

if TYPE_CHECKING:
    from pledge.checks.context import CheckContext, Evaluation

DOC_SECTIONS = ("What it checks", "Why it matters", "Parameters", "Passing example",
                "Failing example", "References")
_CODE = re.compile(r"^PLG[1-9]\d\d$")


RunFn = Callable[["CheckContext", Any, "Evaluation"], None]


@dataclass(frozen=True)
class Kind:
    """A registered commitment kind."""

    name: str
    code: str
    params: type[KindParams]
    run: RunFn
    doc: str
    status: Literal["stable", "preview", "deprecated"]
    since: str
    path_based: bool
    noun: str

    @property
    def summary(self) -> str:
        """First line of the documentation."""
        return self.doc.strip().splitlines()[0] if self.doc.strip() else self.name

    def sections(self) -> dict[str, str]:
        """The documentation split into its ``## Section`` parts."""
        parts: dict[str, str] = {}
        current: str | None = None
        for line in self.doc.splitlines():
            if line.startswith("## "):
                current = line[3:].strip()
                parts[current] = ""
            elif current:
                parts[current] += line + "\n"
        return {k: v.strip("\n") for k, v in parts.items()}


_KINDS: dict[str, Kind] = {}
_BY_CODE: dict[str, str] = {}


def register(name: str, *, code: str, params: type[KindParams],
             status: Literal["stable", "preview", "deprecated"] = "stable",
             since: str = "0.1.0", path_based: bool = False,
             noun: str = "subjects") -> Callable[[RunFn], RunFn]:
    """Register ``run`` as the check of kind ``name`` with stable ``code``.

    ``noun`` names what the check counts ("fields", "flows") in its summary.
    """

    def decorate(run: RunFn) -> RunFn:
        if name in _KINDS:
            raise ValueError(f"kind {name!r} registered twice")
        if not _CODE.match(code):
            raise ValueError(f"kind code {code!r} must look like PLG101")
        if code in _BY_CODE:
            raise ValueError(f"code {code} already used by {_BY_CODE[code]!r}")
        register_params(name, params)
        doc = sys.modules[run.__module__].__doc__ or ""
        _KINDS[name] = Kind(name, code, params, run, doc, status, since, path_based, noun)
        _BY_CODE[code] = name
        return run

    return decorate


def all_kinds() -> list[Kind]:
    """Every registered kind, by code."""
    load_kind_modules()

    return sorted(_KINDS.values(), key=lambda k: k.code)


def get_kind(name_or_code: str) -> Kind | None:
    """A kind by name (forbidden-storage) or code (PLG101)."""
    all_kinds()
    if name_or_code in _KINDS:
        return _KINDS[name_or_code]
    name = _BY_CODE.get(name_or_code.upper())
    return _KINDS[name] if name else None
