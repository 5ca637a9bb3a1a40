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


def models_from_json(text: str, shared: dict[frozenset[str], SharedKeys],
                     layout: Layout | None = None) -> InventoryFragment | None:
    """A large JSON text's models: sliced when laid out one entity per line, else whole.

    ``None`` when the text is invalid (an invalid slice settles it: the rest is
    not read) or not JSON these probes read exactly; the caller then reads it
    the usual way. ``layout`` receives where a sliced file's items stand (see
    :func:`models_by_lines`).
    """
    try:
        found = _by_lines(text, shared, layout) if len(text) > MIN_SECTION_CHARS else None
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
              layout: Layout | None = None) -> InventoryFragment | None:
    """:func:`models_by_lines`, raising :class:`InvalidSlice` for an invalid item."""
    regions = _regions(text)
    if regions is None:
        return None
    models: dict[str, list[Any]] = {}
    try:
        for section, (start, end) in regions.items():
            adapter = _adapter(section)
            items: list[Any] = []
            pos = start
            while pos < end:
                cut = text.find("\n", min(pos + SLICE_CHARS, end - 1), end)
                cut = end if cut < 0 else cut + 1
                lines = text[pos:cut]
                body = lines.rstrip()
                body = body[:-1] if body.endswith(",") else body
                found = adapter.validate_json(f"[{body}]")
                if len(found) != lines.count("\n") + (not lines.endswith("\n")):
                    return None  # an item over several lines, or two on one
                share_given_keys(found, shared)
                items += found
                pos = cut
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
    return fragment
