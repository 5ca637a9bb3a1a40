"""Keep secrets and card numbers out of everything pledge prints.

pledge reads inventories that may hold connection strings, and discovery may
meet real card numbers. Every renderer passes input-derived text through
:func:`redact` so a password or a full card number never reaches a report.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_URL_CREDENTIALS = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<user>[^:/@\s]*):"
                              r"(?P<secret>[^@\s/]+)@")
_KEY_VALUE = re.compile(
    r"(?i)\b(?P<key>password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|"
    r"client[_-]?secret|auth)(?P<sep>\s*[=:]\s*)(?P<value>'[^']*'|\"[^\"]*\"|[^\s;&,]+)")
# A digit run bounded by non-alphanumerics: a card number in text, never a run of digits
# inside a hex digest or an identifier (which would mangle fingerprints and hashes).
_CARD = re.compile(r"(?<![0-9A-Za-z])(?:\d[ -]?){12,18}\d(?![0-9A-Za-z])")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def mask_card(match: re.Match[str]) -> str:
    """Mask a card-number-like digit run, keeping at most the last four digits."""
    digits = re.sub(r"\D", "", match.group(0))
    if not 13 <= len(digits) <= 19 or not _luhn_ok(digits):
        return match.group(0)
    return "*" * (len(digits) - 4) + digits[-4:]


def redact(text: str) -> str:
    """Remove credentials from URLs and key=value pairs, and mask card numbers."""
    text = _URL_CREDENTIALS.sub(lambda m: f"{m['scheme']}{m['user']}:***@", text)
    text = _KEY_VALUE.sub(lambda m: f"{m['key']}{m['sep']}***", text)
    return _CARD.sub(mask_card, text)


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
