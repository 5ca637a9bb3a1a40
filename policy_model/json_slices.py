"""Validate a large JSON inventory written one entity per line, a slice of lines at a time.

pydantic-core validates a JSON text by first reading all of it into its own
tree of values, then building the models: for a 1.4 GB file (a million
systems) that tree, the text and every model with its own set of given keys
are in memory at once. Inventories written for machines (exports, the
benchmark's generator) put each entity of a long section on a line of its own::

    {
    "systems":[
    {"id":"web_00000",...},
    {"id":"api_00000",...}
    ],
    ...
    }

For such a file each long section is validated about a megabyte of lines at a
time (each slice wrapped as a JSON array), the models of each slice given their
shared key sets at once (:mod:`pledge.policy_model.shared_keys`), and the rest of
the file (the section emptied) validated on its own and given its shared key sets
(the fragment returned is shared throughout: the loader does not walk it again).
The layout is checked, never assumed: every slice must be a JSON array with one
item per line, and the rest must hold the section, empty, at its top level;
otherwise ``None``, and the caller validates the whole text as usual. The values
are the same either way: the same parser and validators see the same items.

Both paths are probes: they stop at the first invalid item of a list
(pydantic's ``FailFast``), and a text they refuse is read again by the loader's
usual path, which words a bounded number of errors. Validated whole without
stopping, a 25 MB file of a million items with an unknown key made pydantic
collect five million errors: 4 GB. An invalid slice refuses the whole file at
once, without that whole-text attempt (:func:`models_from_json`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import FailFast, Field, TypeAdapter, ValidationError, create_model

from pledge.base.strict_model import SharedKeys
from pledge.policy_model.inventory import LIST_SECTIONS, InventoryFragment
from pledge.policy_model.shared_keys import share_given_keys

SLICE_CHARS = 1 << 20
"""About how much text each slice holds."""
MIN_SECTION_CHARS = 4 * SLICE_CHARS
"""Sections shorter than this are validated with the rest of the file."""

_ADAPTERS: dict[str, TypeAdapter[list[Any]]] = {}


def _fail_fast(section: str) -> Any:
    """A long section's list type that stops at its first invalid item."""
    return Annotated[InventoryFragment.model_fields[section].annotation, FailFast()]


def _adapter(section: str) -> TypeAdapter[list[Any]]:
    found = _ADAPTERS.get(section)
    if found is None:
        found = _ADAPTERS[section] = TypeAdapter(_fail_fast(section))
    return found


_PROBE_FIELDS: dict[str, Any] = {s: (_fail_fast(s), Field(default_factory=list))
                                 for s in LIST_SECTIONS}
_Probe = create_model(  # InventoryFragment, each list stopping at its first invalid item
    "InventoryFragmentProbe", __base__=InventoryFragment, **_PROBE_FIELDS)


Kept = tuple[str, str, int, int, list[Any]]
"""A slice one load validated: (its first line, the text it was cut from, its start and
end in that text, its models)."""


@dataclass
class SliceMemo:
    """The slices one load validated, offered to the loads after it.

    ``pledge diff`` loads two versions of an inventory that mostly agree. While
    the memo is open, each slice a load validates is kept, in order, with the
    text it was cut from; once :meth:`close` d, later loads look for those
    slices in their own text. A slice is taken only where its text stands, equal
    character for character, at the start of an item line: the same validators
    on the same text give the same models, and loaded models are never changed
    (:mod:`pledge.policy_model.shared_keys`), so the models are shared. Every
    other line is validated as usual, and whatever the loader checks on the
    whole file (keys, vocabulary, references) is still checked on the whole file.
    """

    kept: dict[str, list[Kept]] = field(default_factory=dict)
    first_lines: dict[tuple[str, str], int] = field(default_factory=dict)
    closed: bool = False
    shared_items: int = 0
    """Items later loads took from the kept slices (for tests and benchmarks)."""
    validated_items: int = 0
    """Items validated from their text by the loads that used this memo."""

    def close(self) -> None:
        """Keep no more slices: the loads from now on only take them."""
        self.closed = True

    def keep(self, section: str, text: str, start: int, end: int, models: list[Any]) -> None:
        """Keep a validated slice (while open)."""
        if self.closed:
            return
        first = text[start:_line_end(text, start, end)]
        kept = self.kept.setdefault(section, [])
        self.first_lines.setdefault((section, first), len(kept))
        kept.append((first, text, start, end, models))

    def find(self, section: str, text: str, pos: int, end: int, after: int
             ) -> tuple[int, int, int] | None:
        """The next kept slice standing in ``text[pos:end]`` at the start of a line.

        Returns (where it starts, where it ends, its number), or ``None``. The
        slice whose first line is the line at ``pos`` is tried first, then the
        few kept after slice ``after`` (the last taken), each looked for within
        a few slices' length: the search costs a bounded multiple of the text.
        """
        if not self.closed:
            return None
        kept = self.kept.get(section, [])
        number = self.first_lines.get((section, text[pos:_line_end(text, pos, end)]))
        if number is not None and self._stands(kept[number], text, pos, end):
            return pos, pos + kept[number][3] - kept[number][2], number
        window = min(end, pos + 4 * SLICE_CHARS)
        for number in range(after + 1, min(after + 1 + LOOK_AHEAD, len(kept))):
            at = text.find(kept[number][0], pos, window)
            if at >= 0 and text[at - 1] == "\n" and self._stands(kept[number], text, at, end):
                return at, at + kept[number][3] - kept[number][2], number
        return None

    @staticmethod
    def _stands(kept: Kept, text: str, at: int, end: int) -> bool:
        _, source, start, stop, _ = kept
        return at + stop - start <= end and text[at:at + stop - start] == source[start:stop]


LOOK_AHEAD = 4
"""How many kept slices after the last one taken are looked for (see :meth:`SliceMemo.find`)."""


def _line_end(text: str, pos: int, end: int) -> int:
    found = text.find("\n", pos, end)
    return end if found < 0 else found + 1


def _ends_with_comma(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]``'s last character other than white space is a comma."""
    at = end - 1
    while at >= start and text[at] in " \t\r\n":
        at -= 1
    return at >= start and text[at] == ","


class InvalidSlice(Exception):
    """A slice of a long section holds an invalid item: the file is invalid."""


def validate_whole(text: str) -> InventoryFragment | None:
    """A JSON text's models, validated whole, stopping at the first invalid list item; or
    ``None`` when the text is invalid."""
    try:
        return _fragment(_Probe.model_validate_json(text))
    except (ValidationError, ValueError):
        return None


def _fragment(probe: InventoryFragment) -> InventoryFragment:
    """The :class:`InventoryFragment` of a validated probe: the same models, the same keys given."""
    given = probe.model_fields_set
    return InventoryFragment.model_construct(
        _fields_set=set(given), **{name: getattr(probe, name) for name in given})


Layout = list[tuple[int, int, list[Any]]]
"""Where a sliced file's long sections stand: (offset of the first item's line, offset
after the last item's line, the items' models, one per line, in order), by offset."""


@dataclass
class Taken:
    """What one load took from a closed :class:`SliceMemo`, and what it validated itself.

    Filled only when the text was read in slices and at least one kept slice was
    taken. ``spans`` are the taken slices' places in the text (whole lines of
    whole items); ``fresh`` each long section's models validated from this text,
    in order. A taken slice's models are the first load's own, read from the
    same characters: what that load confirms of them holds here, and only the
    rest needs this load's own checks.
    """

    spans: list[tuple[int, int]] = field(default_factory=list)
    fresh: dict[str, list[Any]] = field(default_factory=dict)


def models_from_json(text: str, shared: dict[frozenset[str], SharedKeys],
                     layout: Layout | None = None, memo: SliceMemo | None = None,
                     taken: Taken | None = None) -> InventoryFragment | None:
    """A large JSON text's models: sliced when laid out one entity per line, else whole.

    ``None`` when the text is invalid (an invalid slice settles it: the rest is
    not read) or not JSON these probes read exactly; the caller then reads it
    the usual way. ``layout`` receives where a sliced file's items stand (see
    :func:`models_by_lines`); ``memo`` keeps or offers validated slices
    (:class:`SliceMemo`), and ``taken`` receives what was taken from it (:class:`Taken`).
    """
    try:
        found = (_by_lines(text, shared, layout, memo, taken) if len(text) > MIN_SECTION_CHARS
                 else None)
    except InvalidSlice:
        return None
    return found if found is not None else validate_whole(text)


def _regions(text: str) -> dict[str, tuple[int, int]] | None:
    """Where each long section's item lines start and end, in this layout (else ``None``)."""
    found: dict[str, tuple[int, int]] = {}
    seen: set[str] = set()
    pos = 0
    while (opening := _OPENING.search(text, pos)) is not None:
        start = opening.end()
        end = text.find("\n]", start - 1)  # the line closing the section
        if end < 0:
            return None
        if opening.group(1) not in seen:  # a section's first opening only, as a search would
            seen.add(opening.group(1))
            if end - start >= MIN_SECTION_CHARS:
                found[opening.group(1)] = (start, end + 1)
        pos = end  # no section opens inside another: its lines are items
    return found or None


_OPENING = re.compile("\n\"(" + "|".join(map(re.escape, LIST_SECTIONS)) + ')":\\[\n')
"""A long section's opening line, ``"flows":[``: searched section after section, so the
text is read once (a search per section read all of it for each section absent)."""


def models_by_lines(text: str, shared: dict[frozenset[str], SharedKeys],
                    layout: Layout | None = None) -> InventoryFragment | None:
    """The file's models, long sections validated a slice of lines at a time; or ``None``.

    ``None`` when the file is not laid out one entity per line or anything in it
    is invalid: the caller then validates it whole, for the data or the errors.
    On success ``layout`` (when given) receives where each long section's items
    stand, for locating them without searching the text
    (:mod:`pledge.policy_model.sources`).
    """
    try:
        return _by_lines(text, shared, layout)
    except InvalidSlice:
        return None


def _by_lines(text: str, shared: dict[frozenset[str], SharedKeys],
              layout: Layout | None = None, memo: SliceMemo | None = None,
              taken: Taken | None = None) -> InventoryFragment | None:
    """:func:`models_by_lines`, raising :class:`InvalidSlice` for an invalid item."""
    regions = _regions(text)
    if regions is None:
        return None
    models: dict[str, list[Any]] = {}
    took = Taken()
    try:
        for section, (start, end) in regions.items():
            items = _section_items(text, section, start, end, shared, memo, took)
            if items is None:
                return None
            models[section] = items
        parts: list[str] = []
        last = 0
        for start, end in sorted(regions.values()):
            parts.append(text[last:start])
            last = end
        parts.append(text[last:])
        fragment = _fragment(_Probe.model_validate_json("".join(parts)))
    except ValidationError as exc:
        if any(e["type"] != "json_invalid" for e in exc.errors(include_url=False)):
            raise InvalidSlice from None  # an invalid item, not a slice cut mid-item
        return None
    except ValueError:
        return None
    for section in models:
        if section not in fragment.model_fields_set or getattr(fragment, section):
            return None  # the emptied section was not where the layout said
    share_given_keys([fragment], shared)  # the rest: the long sections' models have theirs
    for section, items in models.items():  # given already (above): the key set stays right
        fragment.__dict__[section] = items
    if layout is not None:
        layout.extend(sorted((*regions[section], items) for section, items in models.items()))
    if taken is not None and took.spans:
        taken.spans, taken.fresh = took.spans, took.fresh
    return fragment


def _section_items(text: str, section: str, start: int, end: int,
                   shared: dict[frozenset[str], SharedKeys], memo: SliceMemo | None,
                   took: Taken) -> list[Any] | None:
    """One long section's models, a slice of lines at a time; ``None`` for another layout.

    Raises :class:`InvalidSlice` for an invalid item. Every slice but the
    section's last must end with the comma that separates it from the next, and
    the last must not: a slice is validated apart, so JSON's own check of the
    commas between items cannot see the commas between slices. With a closed
    ``memo``, the slices it kept that stand in the text are taken as they are
    (noted in ``took``, with the models validated here).
    """
    adapter = _adapter(section)
    items: list[Any] = []
    taking = memo is not None and memo.closed  # only then can a slice be taken
    fresh: list[Any] = took.fresh.setdefault(section, []) if taking else []
    pos, taken = start, -1
    while pos < end:
        found = memo.find(section, text, pos, end, taken) if memo is not None else None
        upto = end if found is None else found[0]
        while pos < upto:  # the lines before the next kept slice (all, without one)
            cut = text.find("\n", min(pos + SLICE_CHARS, upto - 1), upto)
            cut = upto if cut < 0 else cut + 1
            if found is None and cut < end and memo is not None and memo.closed:
                upto = cut  # look for a kept slice again after this one
            lines = text[pos:cut]
            body = lines.rstrip()
            comma = body.endswith(",")
            if comma != (cut < end):
                return None  # a comma missing between items, or one after the last
            found_items = adapter.validate_json(f"[{body[:-1] if comma else body}]")
            if len(found_items) != lines.count("\n") + (not lines.endswith("\n")):
                return None  # an item over several lines, or two on one
            share_given_keys(found_items, shared)
            if memo is not None:
                memo.validated_items += len(found_items)
                memo.keep(section, text, pos, cut, found_items)
            items += found_items
            if taking:
                fresh += found_items
            pos = cut
        if found is not None:  # (only a memo finds a kept slice)
            assert memo is not None
            at, stop, taken = found
            if _ends_with_comma(text, at, stop) != (stop < end):
                return None
            kept_models = memo.kept[section][taken][4]
            items += kept_models
            took.spans.append((at, stop))
            memo.shared_items += len(kept_models)
            pos = stop
    return items
