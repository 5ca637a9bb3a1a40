"""The judged subjects' JSON, OSCAL and text lists, written column by column, against the plain way.

The writers fill one ``%`` template per subject from the subjects' columns and
give a ``file:LINE`` location the masked text of ``file:`` with the line after
it when masking cannot reach the line. Here the same lists are made the plain
way (a dictionary per subject dumped by ``json``; the OSCAL entry built subject
by subject, every location masked whole) from hostile subjects, and compared
byte for byte.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable

from hypothesis import given, settings
from hypothesis import strategies as st

from pledge.checks.judged import Judged
from pledge.policy_model.redact import line_suffix_kept, redact
from pledge.reports.evidence import (
    Quoted,
    fill,
    json_list,
    listing,
    one_per_line,
    plain_lines,
    splice,
)
from pledge.reports.oscal import PROP_NS, _Subjects, quick_uid, uid
from pledge.reports.safe import printable
from tests.reports.support import one_per_line_plain
from tests.test_redact_many import PIECES

FILES = [None, "inv/stores.yaml", "secret/stores.yaml", "token=abc/flows.yaml",
         "a%s b%%/x.yaml", "dir with spaces /x.yaml ", "https://u:p@host/x.json",
         "ref4111111111111111", "card 4111 1111 1111", "ghp_abcdefghijklmnop", "\u00e9t\u00e9.yaml",
         "-----BEGIN RSA PRIVATE KEY-----", "key", "x:"]
REASONS = ["", "kept P5Y", "password=hunter2 leaked", "card 4111 1111 1111 1111",
           "line one\nline two", "\x1b[2J forged", "  spaced   out  ", "100% sure"]
IDS = ["orders_00001.email", "4111111111111111", "a b", "x%sy", "\u202egnirts"]


def _subjects() -> list[Judged]:
    found = []
    for n, file in enumerate(FILES):
        for m, reason in enumerate(REASONS):
            line = None if (n + m) % 5 == 0 else (n * 131 + m * 7) % 100_000 + 1
            ident = IDS[(n + m) % len(IDS)] + f"_{n}_{m}"
            verdict = ("pass", "fail", "waived", "not_applicable")[(n + m) % 4]
            found.append(Judged(("field", "store", "flow")[m % 3], ident, verdict, reason,
                                file, line))
    return sorted(found)


def _laid_out(compact: str, indent: int) -> str:
    """:func:`one_per_line`'s pieces joined and decoded."""
    return b"".join(one_per_line(compact, indent)).decode("utf-8")


def test_the_json_list_is_what_dumping_dictionaries_gives() -> None:
    judged = _subjects()
    clean = plain_lines(redact)
    plain = [{"location": None if j.file is None else {"file": clean(j.file), "line": j.line},
              "reason": clean(j.reason), "subject_id": clean(j.subject_id),
              "subject_type": clean(j.subject_type), "verdict": j.verdict} for j in judged]
    compact = json.dumps(plain, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert json_list(judged, Quoted(clean)) == compact
    for indent in (0, 6):
        assert _laid_out(compact, indent) == one_per_line_plain(plain, indent)
        assert json.loads(_laid_out(compact, indent)) == plain
    assert json_list([], Quoted(clean)) == "[]"
    assert _laid_out("[]", 6) == "[]"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["field", "store", "flow"]),
                          st.text(max_size=12), st.text(max_size=12),
                          st.sampled_from([None, "a.yaml", '},{"location":x'])),
                max_size=6))
def test_one_subject_per_line_whatever_the_texts(rows: list[tuple[str, str, str, str | None]]
                                                 ) -> None:
    # ids and reasons that spell the joint between two entries stay inside their entry
    judged = sorted({(t, i): Judged(t, i, "pass", r, f, 1 if f else None)
                     for t, i, r, f in rows}.values())
    clean = plain_lines(redact)
    compact = json_list(judged, Quoted(clean))
    laid_out = _laid_out(compact, 6)
    assert json.loads(laid_out) == json.loads(compact)
    assert laid_out == one_per_line_plain(json.loads(compact), 6)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=8).filter(lambda t: '"' not in t),
                          st.text(max_size=12).filter(lambda t: '"' not in t),
                          st.booleans()), max_size=5),
       st.text(max_size=8).filter(lambda t: "\x00" not in t))
def test_splicing_in_utf8_is_joining_then_encoding(
        rows: list[tuple[str, str, bool]], tail: str) -> None:
    # text beyond Latin-1 around the markers, parts given as text or as encoded pieces
    text = "{\"t\": \"’\", " + ", ".join(
        f'"k{n}": "\\u0000p{n}"' for n in range(len(rows))) + "}" + tail
    parts: dict[str, str | tuple[bytes | memoryview, ...]] = {}
    expected = text
    for n, (before, value, encoded) in enumerate(rows):
        piece = before + value
        expected = expected.replace(f'"\\u0000p{n}"', piece, 1)
        raw = piece.encode("utf-8")
        parts[f"p{n}"] = (raw[:1], memoryview(raw)[1:]) if encoded else piece
    assert splice(text, parts) == expected.encode("utf-8")


def _plain_oscal(judged: list[Judged], indent: int) -> str:
    """The OSCAL subjects one at a time, every location masked whole: the plain way."""
    q = Quoted(lambda value: " ".join(printable(redact(value)).split()))

    def clean(value: str) -> str:
        return str(json.loads(q[value]))

    def where(j: Judged) -> str:
        if j.file is None:
            return ""
        return j.file if j.line is None else f"{j.file}:{j.line}"

    entries: list[dict[str, object]] = []
    for j in judged:
        found = [{"name": "verdict", "ns": PROP_NS, "value": clean(j.verdict)}]
        if j.file is not None and clean(where(j)):
            found.append({"name": "location", "ns": PROP_NS, "value": clean(where(j))})
        entry: dict[str, object] = {
            "props": found, "subject-uuid": uid("subject", j.subject_type, j.subject_id),
            "title": clean(f"{j.subject_type} {j.subject_id}"), "type": "inventory-item"}
        if clean(j.reason):
            entry["remarks"] = clean(j.reason)
        entries.append(entry)
    return one_per_line_plain(entries, indent)


def test_the_oscal_subjects_are_those_made_one_at_a_time() -> None:
    judged = _subjects()
    memo: dict[str, str] = {}

    def redacted(text: str) -> str:
        if text not in memo:
            memo[text] = redact(text)
        return memo[text]

    def masked(texts: Iterable[str]) -> list[str]:
        return [redacted(text) for text in texts]

    writer = _Subjects(redacted, masked)
    for indent in (12, 0):
        assert writer.json(judged, indent) == _plain_oscal(judged, indent)
    # a second commitment judging the same subjects reuses their UUIDs and file heads
    assert writer.json(judged[::-1], 12) == _plain_oscal(judged[::-1], 12)


def test_quick_uids_are_version_5_uuids() -> None:
    for parts in (("subject", "field", "a.b"), ("subject", "flow", "\u00e9\x1f"), ("x",)):
        assert quick_uid(*parts) == uid(*parts)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([*PIECES, "Bearer", "eyJ", "AKIA", "://"]), max_size=6),
       st.sampled_from([1, 9, 42, 1000, 123456, 999999999999]))
def test_a_line_after_a_kept_file_is_masked_as_it_stands(pieces: list[str], line: int) -> None:
    text = "".join(pieces)
    if line_suffix_kept(text):
        assert redact(f"{text}:{line}") == redact(text) + f":{line}"
        assert redact(f"{text}:") == redact(text) + ":"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=5), st.sampled_from(["%s", "a%", "", "x\ny"])),
                max_size=8),
       st.sampled_from(["[", "[\n"]), st.sampled_from([",", ",\n"]))
def test_filling_a_template_is_formatting_each_entry(rows: list[tuple[str, str]], opening: str,
                                                     joint: str) -> None:
    entry = '{"a": %s, "b": "%s"}'
    expected = opening + joint.join(entry % row for row in rows) + "]"
    columns = [[a for a, _ in rows], [b for _, b in rows]]
    assert fill(entry, columns, opening, joint, "]") == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=10) | st.sampled_from([*REASONS, *IDS, "a  b", " x", "y ",
                                                         "\u00e9t\u00e9", "tab\there"]),
                max_size=12))
def test_quoting_many_texts_at_once_is_quoting_each(texts: list[str]) -> None:
    for clean, single in ((plain_lines(redact), False),
                          (lambda value: " ".join(printable(redact(value)).split()), True)):
        one_by_one = Quoted(clean)
        expected = {text: one_by_one[text] for text in texts}
        at_once = Quoted(clean)
        at_once.ahead(texts, lambda many: [redact(text) for text in many], single_spaced=single)
        assert dict(at_once) == expected


def _lines_one_by_one(judged: Iterable[Judged], clean: Callable[[str], str]) -> list[str]:
    """The text lines written subject by subject: what :func:`listing` must give."""
    return [f"{j.verdict} {clean(f'{j.subject_type} {j.subject_id}')}"
            + (f" at {clean(j.file)}" + ("" if j.line is None else f":{j.line}")
               if j.file is not None else "") + f": {clean(j.reason)}" for j in judged]


_NOT_XML = re.compile("[\ufffe\uffff\ud800-\udfff]")


def _junit_clean(value: str) -> str:
    return _NOT_XML.sub("\ufffd", printable(redact(value)))


def test_the_text_listing_is_each_line_written_alone() -> None:
    judged = _subjects()
    shown = Quoted(_junit_clean, quote=str)
    assert listing(judged, shown, lambda many: [redact(t) for t in many]) == "\n".join(
        _lines_one_by_one(judged, _junit_clean))
    assert "4111 1111 1111 1111" not in listing(judged, Quoted(_junit_clean, quote=str),
                                                lambda many: [redact(t) for t in many])
    assert listing([], Quoted(_junit_clean, quote=str), lambda many: list(many)) == ""


@settings(max_examples=200, deadline=None)
@given(st.lists(st.builds(Judged, st.sampled_from(["field", "store", "flow"]),
                          st.text(max_size=8) | st.sampled_from(IDS),
                          st.sampled_from(["pass", "fail", "waived"]),
                          st.text(max_size=12) | st.sampled_from(REASONS),
                          st.sampled_from(FILES) | st.text(max_size=6),
                          st.none() | st.integers(1, 10**6)), max_size=10))
def test_the_text_listing_of_any_subjects_is_each_line_written_alone(
        judged: list[Judged]) -> None:
    shown = Quoted(_junit_clean, quote=str)
    text = listing(judged, shown, lambda many: [redact(t) for t in many])
    assert text == "\n".join(_lines_one_by_one(judged, _junit_clean))
