"""Secrets and card numbers never reach output; computed hashes are left intact."""

from __future__ import annotations

import pytest

from pledge.policy_model.redact import redact


@pytest.mark.parametrize(("text", "expected"), [
    ("postgresql://shop:s3cret@db:5432/x", "postgresql://shop:***@db:5432/x"),
    ("password=hunter2 host=db", "password=*** host=db"),
    ("api_key: 'abc123'", "api_key: '***'"),  # the quotes stay
    ("card 4111 1111 1111 1111.", "card ************1111."),
    ("pan=4111111111111111", "pan=************1111"),
])
def test_secrets_are_removed(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "fingerprint a41111111111111111b2",       # digits inside a hex digest
    "order 1234567890123",                    # 13 digits, not Luhn-valid
    "sha256 0a4111111111111111ff",
])
def test_non_secrets_are_kept(text: str) -> None:
    assert redact(text) == text


# --- linear time, shown structurally -----------------------------------------------------------
_HOSTILE_SHAPES = {
    "letters": "a", "digits": "7", "digit groups": "1234 ", "cards": "4111 1111 1111 1111\n",
    "keywords": "password=", "bare keyword": "token", "urls": "a://", "at signs": "@",
    "escaped quotes": '\\"', "json": '{"secret": "x"} ', "hex": "0123456789abcdef",
    "non-ascii": "é4\u00a0ü", "pem": "-----BEGIN ", "prefix": "ghp_",
}


def _steps(text: str) -> int:
    """How many Python and C function calls one :func:`redact` makes (a deterministic count)."""
    import sys

    count = 0

    def tally(*_: object) -> None:
        nonlocal count
        count += 1

    sys.setprofile(tally)
    try:
        redact(text)
    finally:
        sys.setprofile(None)
    return count


@pytest.mark.parametrize("shape", sorted(_HOSTILE_SHAPES))
def test_work_grows_linearly_with_the_text(shape: str) -> None:
    """Ten times the text costs at most about ten times the calls: never the square.

    Every regular expression in the pass opens with a literal and uses only bounded
    or possessive quantifiers (no backtracking), so the C-level scans are linear
    too; ``benchmarks/redact_speed.py`` measures the seconds.
    """
    unit = _HOSTILE_SHAPES[shape]
    small = unit * (2_000 // len(unit))
    large = unit * (20_000 // len(unit))
    assert _steps(large) <= 11 * _steps(small) + 100, shape


@pytest.mark.parametrize("unit", ["name 4111 1111 1111 1111\n", "ref4111111111111111 ",
                                  "x 5500-0000-0000-0004\n", "n 4111.1111.1111.1111 "])
def test_a_text_dense_with_cards_costs_a_few_calls_per_card(unit: str) -> None:
    """Cards of the common shape (one window in their run) are checked in bulk: the runs
    grouped by shape, each shape's Luhn sums computed for all its runs at once (columns
    of digits added as big integers), the masks made by ``map``. A card costs a handful of
    C-level calls (a shape lookup, its slice, its last four digits; a card written without
    separators also its digest test) and no Python call. Each card cost 35 calls (70
    profile events) at first, 14 with the inline Luhn sum (10 MB of cards one a line:
    1.04 s); now 6 (0.70 s)."""
    cards = 5_000
    masked = redact(unit * cards)
    assert masked.count("1111") + masked.count("0004") == cards  # each one masked
    per_card = 13 if unit.startswith("ref") else 7
    assert _steps(unit * cards) <= per_card * cards


def test_cards_checked_in_bulk_match_the_general_path() -> None:
    """The bulk Luhn check agrees with the window-by-window one on valid and invalid
    numbers of every length 13 to 19, separated or not, one shape after another."""
    from pledge.policy_model import redact as module

    numbers = ["4111111111111111", "4111111111111112", "378282246310005", "378282246310006",
               "4222222222222", "6011000990139424", "3530111333300000", "4012888888881881",
               "1234567890123", "5500000000000004", "6759649826438453", "4000056655665556",
               "9999999999999999999", "7992739871300000003"]
    for number in numbers:
        for separator in ("", " ", "-", "."):
            written = separator.join(number[i:i + 4] for i in range(0, len(number), 4))
            text = (f"order {written}\n") * 3
            work = module._ascii_view(text)
            classes = work.translate(module._CLASS_TABLE)
            spans: list[tuple[int, int, str]] = []
            for run in module._RUN_SPLIT.finditer(classes):  # each run, window by window
                module._cards(work, classes, run.start(), run.end(), spans)
            assert redact(text) == module._apply(text, spans), written


@pytest.mark.parametrize(("unit", "head", "most"), [
    ("password=", "", 4), ("api_key=", "", 4), ("a://", "", 4),
    ('\\"', '"password": "', 0.5)])
def test_keys_inside_a_masked_value_and_escaped_quotes_cost_no_call(
        unit: str, head: str, most: float) -> None:
    """A key inside the bare value just masked, or a ``://`` past the last ``@`` of the
    token just looked at, adds nothing and is skipped in the loop (each cost a call of
    about ten steps: 10 MB of ``password=`` took 1.2 s, of ``a://`` 0.9 s); a quoted value's
    closing quote is found by one possessive pattern, escapes skipped in C (each escaped
    quote cost a Python step: 1.55 s for 10 MB)."""
    count = 5_000
    assert _steps(head + unit * count) <= most * count


def _cpu(text: str) -> float:
    import time

    start = time.process_time()
    redact(text)
    return time.process_time() - start


@pytest.mark.parametrize("unit", ["password=", "pwd={", "api_key=", "secret='", "a://u:p"])
def test_keys_whose_values_never_end_cost_linear_time(unit: str) -> None:
    """Each value runs to the end of the text: the end was searched for again from each key
    (and the value copied to compare it with ``Bearer``), in C, so the call count above
    missed it: 40 kB of ``password=`` took 0.3 s, 10 MB would take hours. Twenty times the
    text must cost about twenty times the time (a quadratic pass costs four hundred)."""
    small, large = unit * (10_000 // len(unit)), unit * (200_000 // len(unit))
    assert _cpu(large) < 60 * min(_cpu(small) for _ in range(3)) + 0.05


def test_a_ten_megabyte_hostile_string_is_masked() -> None:
    """The size the issue names completes (time is measured by the benchmark, not here)."""
    secrets = " name 4111 1111 1111 1111 password=hunter2 postgres://u:p@ss@h/x "
    text = ("a" * 99_936 + secrets) * 100
    assert len(text) >= 10_000_000
    masked = redact(text)
    assert "4111 1111" not in masked and "hunter2" not in masked and "p@ss" not in masked
