"""Fides' free-text retention (``retention``, ``retention_period``, ``data_retention``) as ISO 8601.

Fides keeps retention as prose ("7 years", "90 days after account closure",
"No retention or erasure policy"). A text that states one duration becomes that
duration; a text stating several becomes the longest (a retention limit is
judged on the worst case); an ISO 8601 duration passes as it is; a text that
states none gives ``None``, and the import reports it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pledge.policy_model.types import RETENTION_PATTERN

_UNITS = {"day": "D", "week": "W", "month": "M", "year": "Y"}
_DAYS = {"D": 1, "W": 7, "M": 30, "Y": 365}
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "eighteen": 18,
          "twenty-four": 24, "thirty": 30, "ninety": 90, "a": 1, "an": 1}
_AMOUNT = r"(\d+|" + "|".join(sorted((re.escape(w) for w in _WORDS), key=len, reverse=True)) + ")"
_DURATION = re.compile(_AMOUNT + r"[\s-]*(?:\(\d+\)\s*)?(day|week|month|year)s?\b", re.I)
_ISO = re.compile(RETENTION_PATTERN)
_FOREVER = re.compile(r"^\s*(indefinite(ly)?|forever|permanent(ly)?|no (time )?limit)\s*\.?\s*$",
                      re.I)


def parse_retention(text: object) -> str | None:
    """The duration ``text`` states (ISO 8601, or ``indefinite``), or None."""
    if not isinstance(text, str) or not text.strip():
        return None
    return _parse_text(text)


@lru_cache(maxsize=4096)  # manifests repeat a few retention texts thousands of times
def _parse_text(text: str) -> str | None:
    stripped = text.strip()
    if _ISO.match(stripped):
        return stripped
    if _FOREVER.match(stripped):
        return "indefinite"
    found = []
    for amount, unit in _DURATION.findall(stripped):
        number = int(amount) if amount.isdigit() else _WORDS[amount.lower()]
        if number > 0:
            code = _UNITS[unit.lower()]
            found.append((number * _DAYS[code], f"P{number}{code}"))
    return max(found)[1] if found else None
