"""Judged subjects in the outputs: the JSON list, one line of text each, counts.

Every commitment's judged subjects (:meth:`pledge.reports.document.Report.judged`)
may number hundreds of thousands on a large inventory, so they are written as
text directly, not built as models or dictionaries first: each distinct string
is made safe (:func:`pledge.reports.safe.plain`) and JSON-escaped once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain, compress, repeat
from operator import and_, eq, not_
from typing import TypeVar, cast

from pledge.checks.judged import Judged
from pledge.reports.safe import plain, printable

Encoded = bytes | memoryview
"""A piece of UTF-8 text, joined with others without a copy of its own."""
_Part = str | Sequence[Encoded]
"""What is spliced in at a marker: text, or UTF-8 pieces (:func:`splice`)."""
AnyPart = TypeVar("AnyPart", bound=_Part)


def _plain_lines(text: str) -> str:
    return plain(text, keep_newlines=True)


def plain_lines(redacted: Callable[[str], str]) -> Callable[[str], str]:
    """:func:`~pledge.reports.safe.plain` keeping newlines, masking through ``redacted``."""
    return lambda text: printable(redacted(text), keep_newlines=True)


class Quoted(dict[str, str]):
    """``quoted[text]``: ``clean(text)`` as a JSON string, made once per distinct text.

    ``clean`` defaults to :func:`~pledge.reports.safe.plain` keeping newlines, as
    :func:`~pledge.reports.safe.plain_data` treats the rest of the JSON report.
    ``quote`` turns the clean text into what is written (JSON-quoted unless given).
    """

    def __init__(self, clean: Callable[[str], str] = _plain_lines,
                 quote: Callable[[str], str] | None = None) -> None:
        super().__init__()
        self.clean = clean
        self.quote = _json_string if quote is None else quote

    def __missing__(self, text: str) -> str:
        value = self[text] = self.quote(self.clean(text))
        return value

    def ahead(self, texts: Iterable[str], masked: Callable[[Iterable[str]], list[str]],
              *, single_spaced: bool = False) -> None:
        """Quote many texts at once; ``masked`` gives their masked forms, in order.

        A masked text of printable ASCII is its own clean form (no control
        character to escape; with ``single_spaced``, no run of spaces to collapse
        either), so it is only quoted (``quote``: JSON, in C, by default); any other
        text is cleaned by ``clean`` as one lookup would. ``clean`` must be
        :func:`printable` of the mask (``single_spaced``: with whitespace runs made
        single spaces), or leave printable ASCII as :func:`printable` does.
        """
        fresh = list(set(texts).difference(self))
        if not fresh:
            return
        shown = masked(fresh)
        simple = list(map(and_, map(str.isascii, shown), map(str.isprintable, shown)))
        if single_spaced:
            simple = list(map(and_, simple, map(eq, shown, map(" ".join, map(str.split, shown)))))
        self.update(zip(compress(fresh, simple), map(self.quote, compress(shown, simple)),
                        strict=True))
        for text in compress(fresh, map(not_, simple)):
            self[text] = self.quote(self.clean(text))


_json_string: Callable[[str], str] = json.encoder.encode_basestring
"""``json.dumps(text, ensure_ascii=False)`` of a string, without the encoder around it."""


def texts(judged: Sequence[Judged]) -> Iterable[str]:
    """The texts of the subjects that the JSON list and the text lines print."""
    if not judged:
        return ()
    _, ids, _, reasons, files, _ = zip(*judged, strict=True)
    return chain(ids, reasons, filter(None, files))


def json_list(judged: list[Judged], quoted: Quoted,
              subjects: dict[tuple[str, str], str] | None = None) -> str:
    """The subjects as the compact JSON array ``json.dumps(..., sort_keys=True,
    separators=(",", ":"))`` writes: the form a body hash is taken over.

    The entries are filled from the subjects' columns (hundreds of thousands of
    them: no Python step per field of an entry, see :func:`fill`). ``subjects``
    keeps each subject's id and type as written, for the other commitments that
    judged it. :func:`one_per_line` lays the same text out for the indented document.
    """
    if not judged:
        return "[]"
    subjects = {} if subjects is None else subjects
    located = '{"file":%s,"line":%s}'
    types, ids, verdicts, reasons, files, lines_ = zip(*judged, strict=True)
    where = {file: located.replace("%s", quoted[file].replace("%", "%%"), 1)
             for file in set(files) if file is not None}  # a few files: each quoted once
    locations = ["null" if file is None else where[file] % ("null" if line is None else line)
                 for file, line in zip(files, lines_, strict=True)]
    idents = list(zip(types, ids, strict=True))
    fresh = list(set(idents).difference(subjects))
    if fresh:
        get = quoted.__getitem__
        fresh_types, fresh_ids = zip(*fresh, strict=True)
        subjects.update(zip(fresh, map(_SUBJECT.format, map(get, fresh_ids),
                                       map(get, fresh_types)), strict=True))
    return fill('{"location":%s,"reason":%s%s%s"}',
                [locations, map(quoted.__getitem__, reasons),
                 map(subjects.__getitem__, idents), verdicts], "[", ",", "]")


_SUBJECT = ',"subject_id":{},"subject_type":{},"verdict":"'
"""The keys of a judged entry after its reason, up to its verdict."""


ENTRY_START = '{"location":'
"""How every compact judged entry starts (``location`` is its first key, sorted)."""


def fill(entry: str, columns: Sequence[Iterable[str]], opening: str, joint: str,
         closing: str) -> str:
    """``opening + joint.join(entry % row for row in zip(*columns)) + closing``, in one join.

    ``entry`` holds one ``%s`` per column and no other ``%``. Its constant pieces are
    interleaved with the columns and the whole text joined at once: no template
    is parsed per entry (hundreds of thousands of them). The columns are of one length.
    """
    constant = entry.split("%s")
    if not columns or len(constant) != len(columns) + 1:
        raise ValueError(f"{len(constant) - 1} places for {len(columns)} columns")
    lead = chain((opening + constant[0],), repeat(constant[-1] + joint + constant[0]))
    parts: list[Iterable[str]] = [lead]
    for between, column in zip(constant[1:-1], columns, strict=False):
        parts.append(column)
        if between:  # two columns side by side: nothing to put between them
            parts.append(repeat(between))
    parts.append(columns[-1])  # the last piece closes each entry: in the next lead, or the end
    rows = zip(*parts, strict=False)  # the columns end it: the constants repeat for ever
    last = constant[-1] + closing
    found = "".join(chain(chain.from_iterable(rows), (last,)))  # no copy of it made after
    return opening + closing if found == last else found  # with rows, it opens with opening


def where(j: Judged) -> str:
    """``file:line`` of a subject (``file`` alone without a line; empty when undeclared)."""
    if j.file is None:
        return ""
    return j.file if j.line is None else f"{j.file}:{j.line}"


def listing(judged: Sequence[Judged], shown: Quoted,
            masked: Callable[[Iterable[str]], list[str]]) -> str:
    """One line per subject, newline-joined: ``verdict type id at file:line: reason``.

    ``at …`` is left out for a subject declared nowhere, ``:line`` for one without
    a line. ``shown`` (a :class:`Quoted` writing its texts unquoted) makes each
    distinct ``type id``, file and reason safe once, all at once where it can
    (:meth:`Quoted.ahead`, ``masked`` giving the masked forms); the lines are
    filled from the columns (:func:`fill`).
    """
    if not judged:
        return ""
    types, ids, verdicts, reasons, files, lines_ = zip(*judged, strict=True)
    subjects = list(map("{} {}".format, types, ids))
    shown.ahead(chain(subjects, reasons, filter(None, files)), masked)
    at = {file: " at " + shown[file] for file in set(files) if file is not None}
    wheres = ["" if file is None else at[file] if line is None else f"{at[file]}:{line}"
              for file, line in zip(files, lines_, strict=True)]
    return fill("%s %s%s: %s", [verdicts, map(shown.__getitem__, subjects), wheres,
                                map(shown.__getitem__, reasons)], "", "\n", "")


def one_per_line(compact: str, indent: int, start: str = ENTRY_START) -> tuple[Encoded, ...]:
    """A compact JSON array of objects laid out one object per line, at column ``indent``,
    in UTF-8, as pieces to join (:func:`splice`).

    Every object of ``compact`` starts with ``start`` (its first key). Between two
    objects the text is ``},`` then ``start``, which cannot occur inside an object
    (a quote inside a JSON string is escaped, and no key of these objects holds an
    object followed by another): one C-level replace over the UTF-8 bytes splits
    them (both are ASCII, and no other character's bytes hold an ASCII byte). The
    value parses to the same data as ``compact``, which is what a body hash is taken
    over. No copy of the list is made to cut its brackets off or to put the layout
    around it: a large list is hundreds of megabytes.
    """
    if compact == "[]":
        return (b"[]",)
    pad = " " * (indent + 2)
    inner = compact.encode("utf-8").replace(("}," + start).encode("utf-8"),
                                            ("},\n" + pad + start).encode("utf-8"))
    return (("[\n" + pad).encode("utf-8"), memoryview(inner)[1:-1],
            ("\n" + " " * indent + "]").encode("utf-8"))


def _spliced(text: str, part: Callable[[str], _Part]) -> Iterator[_Part]:
    """The pieces of :func:`splice`'s result, in order (``part`` gives each key's part)."""
    pieces = text.split('"\\u0000')
    yield pieces[0]
    for piece in pieces[1:]:
        key, rest = piece.split('"', 1)
        yield part(key)
        yield rest


def splice(text: str, parts: dict[str, AnyPart]) -> bytes:
    """``text`` with each JSON string ``"\\u0000<key>"`` replaced by ``parts[key]``, in UTF-8.

    A real NUL never reaches a rendered document (:func:`~pledge.reports.safe.plain`
    escapes control characters first), so the markers cannot collide with input.

    Each piece is encoded on its own and the bytes joined once. The document around
    the lists is small but may hold a character beyond Latin-1 (the policy's text):
    joined as text first, hundreds of millions of characters would be widened to two
    or four bytes each, then encoded. A part may be given encoded already, as pieces
    (:func:`one_per_line`). The parts are taken out of ``parts`` as they are used,
    so that each text is freed once encoded (they may be hundreds of megabytes).
    """
    pieces: list[Encoded] = []
    for piece in _spliced(text, parts.pop):
        if isinstance(piece, str):
            pieces.append(piece.encode("utf-8"))
        else:
            pieces.extend(piece)
    return b"".join(pieces)


def spliced_sha256(text: str, parts: dict[str, str]) -> str:
    """The sha256 of ``splice(text, parts)``, without making that text."""
    digest = hashlib.sha256()
    for piece in cast(Iterator[str], _spliced(text, parts.__getitem__)):
        digest.update(piece.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def marker(key: str) -> str:
    """The placeholder string :func:`splice` replaces (``key`` holds no quote)."""
    return "\x00" + key
