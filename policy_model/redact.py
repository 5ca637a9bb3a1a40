"""Keep secrets and card numbers out of everything pledge prints, in time linear in the text.

pledge reads inventories that may hold connection strings, and discovery may
meet real card numbers. Every renderer and every error line passes
input-derived text through :func:`redact`, so a password or a full card number
never reaches a report, a CI log or a terminal.

How it stays linear. The text is turned once into two byte strings of the same
length (a lower-cased ASCII view, and a class view: ``1`` for a digit of any
script, space for a separator, ``x`` otherwise). Anchors are found in them
with literal searches (``bytes.find`` and patterns that open with a literal,
which the regular-expression engine also finds with a fast literal search);
every quantifier after the literal is bounded or possessive, so nothing
backtracks (the one pattern that opens otherwise, a quoted value's body up to
its closing quote, is possessive and only matched where a value opens, never
searched). Each anchor is handled by string operations that never look behind
the point reached, and anchors inside a masked span are skipped: every
character is looked at a bounded number of times. The runs of digit groups are
cut out by one split; runs that can hold only one card (the usual case) are
grouped by shape, computed once per distinct shape, and the Luhn sums of a
shape's runs computed all at once in C, with no Python step per card.
``benchmarks/redact_speed.py`` measures 10 MB strings of hostile shapes.

What is masked:

- ``scheme://user:password@host``: the password, up to the *last* ``@`` of the
  token, so a password holding ``@`` or ``/`` is masked whole;
- a secret-like key glued to any prefix (``password``, ``PGPASSWORD``,
  ``DB_PASSWORD``, ``passwd``, ``pwd``, ``secret``, ``token``, ``api_key``,
  ``access_key``, ``private_key``, ``client_secret``, ``auth``,
  ``Authorization``, ``credentials``), then ``=``, ``:`` or ``=>``, JSON quotes
  allowed (``"password": "..."``): its value, quoted (escapes honoured),
  braced (``PWD={...}``) or bare; after ``Bearer``, ``Basic`` or ``Token`` the
  credential that follows;
- a token with a well-known prefix (``ghp_``, ``github_pat_``, ``sk_live_``,
  ``xoxb-``, ``AKIA``, a JWT's ``eyJ``) and a PEM private-key block;
- card numbers: a run of digits joined by separators (space, NBSP and other
  spaces, ``-``, ``.``, ``_``, ``/``, tab, a line break and its indentation: up
  to 12 separator characters) is cut into windows of up to six whole digit
  groups, each group inside it of three digits or more (so dates and lists of
  small numbers are left alone); every window of 13 to 19 digits that passes
  the Luhn check keeps only its last four digits, even glued to letters
  (``ref4111111111111111``). A run inside a hex token of 20 or more
  characters (a digest, a fingerprint) is left alone, as is a run of more
  than 19 digits with no separator; a run of over a thousand digit groups is
  masked whole.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate, compress
from operator import itemgetter
from urllib.parse import urlsplit

MASK = "***"
_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
          "\u202f\u205f\u3000\u2028\u2029\x85"
_CLASS = bytearray(b"x" * 256)
for _byte in b"0123456789":
    _CLASS[_byte] = ord("1")
for _byte in b" \t\r\n._/-":
    _CLASS[_byte] = ord(" ")
_CLASS_TABLE = bytes(_CLASS)

_TAIL = rb"(?:[_-]?+(?:key|hash|value|token|id)|s)?+[\"']?+[ \t]{0,16}+(?:=>|[=:])[ \t]{0,16}+"
_KEYS = [re.compile(core + _TAIL) for core in (
    rb"pass(?:wo?r?d|phrase)", rb"pwd", rb"secret", rb"token", rb"key", rb"auth(?:orization)?+",
    rb"credential")]
_OWNED_KEY = _KEYS[4]
"""``key`` counts only after an owner word (``api_key``, ``private-key``): :func:`_key_value`."""
_KEY_OWNERS = (b"api", b"access", b"private", b"secret", b"client", b"signing", b"encryption")
_SCHEMES = (b"bearer", b"basic", b"token", b"digest")
_BEARER = re.compile(rb"bearer[ \t]{1,16}+")
_PREFIXES = (b"ghp_", b"gho_", b"ghs_", b"ghu_", b"github_pat_", b"glpat-", b"sk_live_",
             b"sk_test_", b"rk_live_", b"xoxb-", b"xoxp-", b"xoxa-", b"AKIA", b"ASIA", b"eyJ",
             b"npm_", b"pypi-")
_PEM = b"-----BEGIN "
_URL = re.compile(rb"://")
_RUN_SPLIT = re.compile(rb"(1[1 ]{12,}+)")
_GROUP = re.compile(rb"1++")
_TOKEN_END = re.compile(rb"[\s\"'<>`]")
_NEWLINE = re.compile(rb"\n")
_CLOSERS = {quote: re.compile(rb"(?:[^" + re.escape(quote) + rb"\\\n]++|\\[^\n])*+"
                              + re.escape(quote)) for quote in (b'"', b"'", b"}")}
"""The body of a quoted value up to its closing quote, escapes skipped: possessive, so
nothing backtracks."""
_BARE_END = re.compile(rb"[\s\"'<>`;&,)\]}|]")
_HEX = frozenset(b"0123456789abcdefABCDEF")
_MAX_GROUPS = 6
"""A card is written in at most six digit groups (4-4-4-4-3 has five)."""
_MAX_RUN_GROUPS = 1_000
"""A run of more digit groups than this (joined by separators) is masked whole: checking
each window of it would cost Python work per group, and no text pledge prints holds
a thousand numbers in a row."""
_MAX_GAP = 12
"""At most this many separator characters join two digit groups of one card."""


def redact(text: str) -> str:
    """``text`` without credentials, tokens and full card numbers (see the module doc)."""
    if len(text) < 5:
        return text
    return _apply(text, _spans(text))


_JOINT = "\n\x00"
"""What :func:`redact_many` puts between two texts. The line break ends every value,
token and quoted string (each stops at a line's end, as at the text's), and the NUL,
neither a digit, a separator nor a hex digit, ends a run of digit groups and a
digest, and glues to no prefix or key: so nothing found in one text reaches into
the next, and what is found in each is what :func:`redact` finds in it alone."""
_MANY_ALONE = "-----BEGIN"
"""Texts holding this are redacted alone: a PEM block runs to its end line, or to
the text's end when it has none."""


def redact_many(texts: Sequence[str]) -> list[str]:
    """``[redact(t) for t in texts]``, in one pass over all of them.

    Thousands of short texts (the judged subjects' ids, files and reasons) cost
    one call each to :func:`redact`, dozens of searches apiece; joined by
    :data:`_JOINT` they are searched once, and only the texts a span falls in
    are cut and masked. A span that would reach past its text (a run of digit
    groups masked whole up to the joint) sends that text to :func:`redact` on
    its own, so the result is :func:`redact`'s, text by text.
    """
    out = list(texts)
    chosen: list[int] = []
    for i, text in enumerate(texts):
        if len(text) < 5:
            continue
        if _MANY_ALONE in text:
            out[i] = redact(text)
        else:
            chosen.append(i)
    if not chosen:
        return out
    joined = _JOINT.join(texts[i] for i in chosen)
    spans = _spans(joined)
    if not spans:
        return out
    step = len(_JOINT)
    starts = list(accumulate((len(texts[i]) + step for i in chosen[:-1]), initial=0))
    mine: dict[int, list[tuple[int, int, str]]] = {}
    alone: set[int] = set()
    for start, end, replacement in spans:
        which = bisect_right(starts, start) - 1
        offset = starts[which]
        if end > offset + len(texts[chosen[which]]):  # into the joint: every text it touches
            alone.update(range(which, bisect_right(starts, end)))
            continue
        mine.setdefault(which, []).append((start - offset, end - offset, replacement))
    for which, found in mine.items():
        if which not in alone:
            out[chosen[which]] = _apply(texts[chosen[which]], found)
    for which in alone:
        out[chosen[which]] = redact(texts[chosen[which]])
    return out


_SUFFIX_WORDS = ("pass", "pwd", "secret", "token", "key", "auth", "credential", "bearer", "://",
                 "-----begin", *(prefix.decode("ascii").lower() for prefix in _PREFIXES))
"""What a value, a token or a block that could run on into a suffix starts with (lower case)."""


def line_suffix_kept(text: str) -> bool:
    """Whether ``redact(text + ":" + digits) == redact(text) + ":" + digits`` for every run
    of at most twelve digits (a line number), so that the suffix needs no masking pass.

    True when ``text`` holds none of the words a masked value, token, URL password
    or PEM block starts with (:data:`_SUFFIX_WORDS`, looked for in lower case, so
    more often than the masking pass finds them): what remains is the runs of digit
    groups, which the colon ends, and twelve digits are too few to make a card.
    """
    lower = text.lower()
    return not any(word in lower for word in _SUFFIX_WORDS)


def _spans(text: str) -> list[tuple[int, int, str]]:
    """What :func:`redact` masks in ``text``: (start, end, replacement), in no order."""
    work = _ascii_view(text)
    lower = work.lower()
    spans: list[tuple[int, int, str]] = []
    ends = _Ends(work)
    token_end = last_at = -1
    for match in _URL.finditer(lower):
        start = match.end()
        if start <= token_end and last_at < start:
            continue  # in the token just looked at, past its last "@": no password here
        token_end, last_at = _url(work, start, spans, ends)
    size, append, closing = len(work), spans.append, ends.closing
    for pattern in _KEYS:
        covered = -1  # the end of the last bare value masked (see below)
        owned = pattern is _OWNED_KEY
        for match in pattern.finditer(lower):
            value = match.end()
            if value < covered - 6 and work[value] != 0x7B:  # 0x7B: "{"
                # Inside the bare value just masked, which holds no terminator: this key's
                # value ends at the same place (no quote can open it, and it is too long
                # to be an auth scheme): nothing to add. password=password=... costs one
                # step per key instead of a call.
                continue
            if value < size and (work[value] == 0x22 or work[value] == 0x27) and not owned:
                # A quoted value ("password": "..."), the JSON case: masked here, no call.
                append((value + 1, closing(value + 1, work[value:value + 1]), MASK))
            elif _key_value(work, lower, match, spans, ends):
                covered = spans[-1][1]
    for match in _BEARER.finditer(lower):
        _credential(work, match.end(), spans, ends)
    for prefix in _PREFIXES:
        _prefixed(work, prefix, spans, ends)
    _pem_blocks(work, spans)
    classes = work.translate(_CLASS_TABLE)
    _card_runs(work, classes, spans)
    return spans


def _ascii_view(text: str) -> bytes:
    """One byte per character: ASCII kept, other digits as ASCII digits, other spaces as
    spaces, anything else ``?``. Linear: ``str.replace`` once per distinct such character."""
    if not text.isascii():
        for ch in set(text):
            if ch.isascii():
                continue
            if ch in _SPACES:
                text = text.replace(ch, " ")
            elif ch.isdecimal():
                text = text.replace(ch, str(unicodedata.decimal(ch)))
    return text.encode("ascii", "replace")


def _apply(text: str, spans: list[tuple[int, int, str]]) -> str:
    """``text`` with each span replaced; overlapping spans merge into the first."""
    if not spans:
        return text
    spans.sort(key=itemgetter(1), reverse=True)  # then by start, stably: (start, -end)
    spans.sort(key=itemgetter(0))
    out: list[str] = []
    at = 0
    for start, end, replacement in spans:
        if end <= at:
            continue
        if start < at:  # overlaps a span already written: mask only what is left
            out.append(MASK if replacement.endswith(MASK) else "")
        else:
            out += (text[at:start], replacement)
        at = end
    out.append(text[at:])
    return "".join(out)


class _Ends:
    """Where a value that starts at a point ends, each search remembered.

    Each pass handles its anchors left to right, and the first terminator at or
    after a point is also the first one at or after any later point before it: so
    the search from the next anchor reuses the last answer instead of scanning
    the same stretch again (``password=`` a million times over, with no space,
    rescanned the rest of the text from each: quadratic).
    """

    def __init__(self, work: bytes) -> None:
        self.work = work
        self.found: dict[re.Pattern[bytes], tuple[int, int]] = {}
        self._at: tuple[int, int, int] | None = None
        self.closed: dict[bytes, tuple[int, int]] = {}

    def end(self, start: int, pattern: re.Pattern[bytes] = _TOKEN_END) -> int:
        """Offset of ``pattern``'s first match at or after ``start``, else the text's end."""
        last = self.found.get(pattern)
        if last is not None and last[0] <= start <= last[1]:
            return last[1]
        match = pattern.search(self.work, start)
        end = match.start() if match else len(self.work)
        self.found[pattern] = (start, end)
        return end

    def closing(self, start: int, quote: bytes) -> int:
        """Offset of the ``quote`` closing a value that opens at ``start`` (a backslash
        escapes the character after it), else of the line's end. One possessive pattern
        scans it in C; a later start inside the same stretch meets the same escapes (its
        opening quote was one of them), so the answer is remembered like :meth:`end`'s."""
        last = self.closed.get(quote)
        if last is not None and last[0] <= start <= last[1]:
            return last[1]
        match = _CLOSERS[quote].match(self.work, start)
        end = match.end() - 1 if match else self.end(start, _NEWLINE)
        self.closed[quote] = (start, end)
        return end

    def last_at(self, start: int, end: int) -> int:
        """Offset of the last ``@`` in ``work[start:end]``, or -1: the last ``@`` of a
        wider stretch with the same end, from an earlier start, answers for a later one."""
        if self._at is not None and self._at[0] == end and self._at[1] <= start:
            return self._at[2] if self._at[2] >= start else -1
        at = self.work.rfind(b"@", start, end)
        self._at = (end, start, at)
        return at


def _url(work: bytes, start: int, spans: list[tuple[int, int, str]],
         ends: _Ends) -> tuple[int, int]:
    """Mask the password of ``scheme://user:password@host`` (the last ``@`` ends it);
    return the token's end and its last ``@`` (-1: none after ``start``)."""
    end = ends.end(start)
    at = ends.last_at(start, end)
    if at < 0:
        return end, at
    colon = work.find(b":", start, at)
    if colon >= 0:
        spans.append((colon + 1, at, MASK))
    elif work.find(b"/", start, at) < 0 and at > start:  # https://TOKEN@host
        spans.append((start, at, MASK))
    return end, at


def _key_value(work: bytes, lower: bytes, match: re.Match[bytes],
               spans: list[tuple[int, int, str]], ends: _Ends) -> bool:
    """Mask the value after ``key=``, ``key: `` or ``"key": `` (quoted, braced or bare);
    True when the last span added is that bare value."""
    if lower.startswith(b"key", match.start()):  # only api_key, access-key, privatekey ...
        head = lower[max(0, match.start() - 12):match.start()].rstrip(b"_-")
        if not head.endswith(_KEY_OWNERS):
            return False
    start = match.end()
    if start >= len(work):
        return False
    opening = work[start:start + 1]
    if opening in (b'"', b"'", b"{"):
        end = ends.closing(start + 1, b"}" if opening == b"{" else opening)
        spans.append((start + 1, end, MASK))
        return False
    end = ends.end(start, _BARE_END)
    if end == start:
        return False
    if end - start <= 6 and lower[start:end] in _SCHEMES:  # Authorization: Bearer <token>
        _credential(work, end, spans, ends)
        return False
    spans.append((start, end, MASK))
    return True


def _credential(work: bytes, start: int, spans: list[tuple[int, int, str]],
                ends: _Ends) -> None:
    """Mask the credential after an HTTP auth scheme word (``Bearer abc.def``)."""
    at = start
    while at < len(work) and work[at] in b" \t" and at - start < 16:
        at += 1
    end = ends.end(at, _BARE_END)
    if end > at:
        spans.append((at, end, MASK))


def _prefixed(work: bytes, prefix: bytes, spans: list[tuple[int, int, str]],
              ends: _Ends) -> None:
    """Mask every token that starts with ``prefix``, 8+ characters on (a short prefix such
    as ``eyJ`` or ``AKIA`` only at the start of a word)."""
    at = work.find(prefix)
    while at >= 0:
        end = ends.end(at + len(prefix), _BARE_END)
        glued = len(prefix) <= 4 and at > 0 and (chr(work[at - 1]).isalnum()
                                                 or work[at - 1] == 0x5F)
        if not glued and end - at - len(prefix) >= 8:
            spans.append((at, end, prefix.decode() + MASK))
        at = work.find(prefix, max(end, at + 1))


_SEPARATOR_BYTES = b" \t\r\n._/-"
_DOUBLED = bytes((2 * (b - 48) - 9 if b - 48 > 4 else 2 * (b - 48)) if 48 <= b <= 57 else 0
                 for b in range(256))


def _pem_blocks(work: bytes, spans: list[tuple[int, int, str]]) -> None:
    """Mask each PEM private-key block, from ``-----BEGIN ... PRIVATE KEY-----`` to its end."""
    at = work.find(_PEM)
    while at >= 0:
        head_end = work.find(b"-----", at + len(_PEM), at + len(_PEM) + 64)
        if head_end < 0 or b"PRIVATE KEY" not in work[at:head_end]:
            at = work.find(_PEM, at + len(_PEM))
            continue
        close = work.find(b"-----END", head_end + 5)
        tail = work.find(b"-----", close + 8) if close >= 0 else -1
        end = tail + 5 if tail >= 0 else len(work)
        spans.append((at, end, "-----BEGIN PRIVATE KEY " + MASK))
        at = work.find(_PEM, end)


def _luhn_ok(digits: bytes) -> bool:
    """The Luhn check of ASCII digits, in C-level operations (slices, translate, sum)."""
    backwards = digits[::-1]
    kept = backwards[0::2]
    return (sum(kept) - 48 * len(kept) + sum(backwards[1::2].translate(_DOUBLED))) % 10 == 0


def _in_digest(work: bytes, start: int, end: int) -> bool:
    """Whether a run of digits is a whole hex token of 20+ characters (a digest)."""
    left, right = start, end
    while left > 0 and start - left < 64 and work[left - 1] in _HEX:
        left -= 1
    while right < len(work) and right - end < 64 and work[right] in _HEX:
        right += 1
    if right - left < 20:
        return False
    glued = (left > 0 and chr(work[left - 1]).isalnum()) or (
        right < len(work) and chr(work[right]).isalnum())
    return not glued


_LONG_GAP = b" " * (_MAX_GAP + 1)


_SHAPES: dict[bytes, int] = {}
""":func:`_shape` of the digit runs met so far (at most :data:`_MAX_SHAPES`, each short):
a text of many cards holds few shapes (``1111 1111 1111 1111``)."""
_MAX_SHAPES = 4096


def _shape(run: bytes) -> int:
    """What a run's class bytes allow: 0 no card; -1 the general path; else its one window,
    ``length << 5 | digits``.

    Most runs are one card or none: at most six groups joined by short gaps, no group
    inside of fewer than three digits, 13 to 19 digits, and no shorter window of 13 or
    more (the run less its first or its last group has fewer than 13): the whole run
    (trailing separators aside) is then the only window to check.
    """
    stripped = run.rstrip()
    size = len(stripped)
    count = size - stripped.count(b" ")
    if count < 13:
        return 0  # no window reaches 13 digits
    if (stripped.count(b" 1") >= _MAX_GROUPS or _LONG_GAP in stripped
            or b" 1 " in stripped or b" 11 " in stripped or count > 19):
        return -1
    first, last = stripped.find(b" "), size - stripped.rfind(b" ") - 1
    if first >= 0 and (count - first >= 13 or count - last >= 13):
        return -1
    return size << 5 | count


_VALUE = bytes((b - 48) if 48 <= b <= 57 else 0 for b in range(256))
"""An ASCII digit's value, as a byte."""
_LUHN_ZERO = bytes(int(b % 10 == 0) for b in range(256))
"""1 where a card's Luhn sum (at most 19 x 9, so one byte) is a multiple of ten."""


def _card_runs(work: bytes, classes: bytes, spans: list[tuple[int, int, str]]) -> None:
    """Mask the cards in every run of digit groups (:func:`_cards`), the common runs in bulk.

    Runs are grouped by their class bytes (:func:`_shape`, computed once per distinct
    shape). A shape with one window (the usual card, ``1111 1111 1111 1111``) is checked
    for all its runs at once, in C: the runs' digits joined, each digit position taken as
    one column of bytes, the columns added as big integers (a card's sum fits a byte, so
    no carry crosses into the next card), the sums tested for a multiple of ten by one
    ``translate``. Any other run takes the general path; the result is the same either way.
    """
    shapes = _SHAPES
    pieces = _RUN_SPLIT.split(classes)  # text between runs, then a run, ...: all in C
    runs = pieces[1::2]
    if not runs:
        return
    starts = list(accumulate(map(len, pieces)))[0:-1:2]
    known = list(map(shapes.get, runs))
    by_shape: dict[int, list[int]] = {}
    for run, start, shape in zip(runs, starts, known, strict=True):
        if shape is None:  # not known before this text; perhaps met earlier in it
            shape = shapes.get(run)
            if shape is None:
                shape = _shape(run)
                if len(shapes) < _MAX_SHAPES and len(run) <= 96:
                    shapes[run] = shape
        if shape < 0:
            _cards(work, classes, start, start + len(run), spans)
        elif shape:
            by_shape.setdefault(shape, []).append(start)
    for shape, first in sorted(by_shape.items()):
        _one_window_cards(work, shape >> 5, shape & 31, first, spans)


def _one_window_cards(work: bytes, length: int, count: int, starts: list[int],
                      spans: list[tuple[int, int, str]]) -> None:
    """Mask the Luhn-valid ones of ``len(starts)`` runs of one shape: ``length`` characters
    holding ``count`` digits each (see :func:`_card_runs`)."""
    ends = list(map(length.__add__, starts))
    digits = b"".join(map(work.__getitem__, map(slice, starts, ends))).translate(
        None, _SEPARATOR_BYTES)
    total = sum(int.from_bytes(digits[column::count].translate(
        _VALUE if (count - column) % 2 else _DOUBLED), "big") for column in range(count))
    valid = total.to_bytes(len(starts), "big").translate(_LUHN_ZERO)
    stars = "*" * (count - 4)
    lasts = map(digits.__getitem__, map(slice, range(count - 4, len(digits), count),
                                        range(count, len(digits) + 1, count)))
    found = compress(zip(starts, ends, map(stars.__add__, map(bytes.decode, lasts)), strict=True),
                     valid)
    if length > count:  # separators: never a hex digest
        spans.extend(found)
    else:
        spans.extend(span for span in found if not _in_digest(work, span[0], span[1]))


def _cards(work: bytes, classes: bytes, start: int, end: int,
           spans: list[tuple[int, int, str]]) -> None:
    """Mask every Luhn-valid window of 13-19 digits made of up to six whole digit groups."""
    if classes.find(b"111", start, end) < 0:  # six groups of two digits make only twelve
        return
    if classes.count(b" 1", start, end) >= _MAX_RUN_GROUPS:  # a dump of numbers, no card list
        spans.append((start, end, f"[{classes.count(b'1', start, end):,} digits masked]"))
        return
    groups = [(g.start(), g.end()) for g in _GROUP.finditer(classes, start, end)]
    masked_to = -1
    for first in range(len(groups)):
        count = 0
        for last in range(first, min(first + _MAX_GROUPS, len(groups))):
            if last > first and groups[last][0] - groups[last - 1][1] > _MAX_GAP:
                break
            if last > first + 1 and groups[last - 1][1] - groups[last - 1][0] < 3:
                break  # a short group inside: a date or a list of numbers, not a card
            count += groups[last][1] - groups[last][0]
            if count > 19:
                break
            window_start, window_end = groups[first][0], groups[last][1]
            if count < 13 or window_end <= masked_to:
                continue
            digits = work[window_start:window_end].translate(None, _SEPARATOR_BYTES)
            if not _luhn_ok(digits):
                continue
            if last == first and _in_digest(work, window_start, window_end):
                continue
            spans.append((window_start, window_end,
                          "*" * (count - 4) + digits[-4:].decode()))
            masked_to = window_end


def redact_connection(text: str) -> str:
    """A connection string as far as it may be shown: where it points, not how to get in.

    :func:`redact` masks a URL's password and ``password=``-style pairs; a URL's
    path, query and fragment are dropped too (shown as ``/…``), because tokens
    live there as often (a webhook's path, an ``?sig=`` query). Text that is
    not a URL is only redacted.
    """
    redacted = redact(text)
    try:
        parts = urlsplit(redacted.strip())
        _ = parts.port  # a malformed port raises here
    except ValueError:
        return redacted
    if not parts.scheme or not parts.netloc:
        return redacted
    hidden = "/…" if parts.path.strip("/") or parts.query or parts.fragment else ""
    return f"{parts.scheme}://{parts.netloc}{hidden}"
