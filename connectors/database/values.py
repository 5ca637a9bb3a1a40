"""Value detectors: what a sampled value looks like (card number, email, phone, IBAN).

A detector looks at one value at a time and never keeps it; discovery keeps only
counts and, for card numbers, the last four digits. A card number is 13 to 19
digits (spaces and dashes allowed) with a known issuer prefix and a valid Luhn
checksum (python-stdnum's ``luhn``), so a token (``tok_…``, ``pm_…``), a last-four
column or an ordinary id is not one. IBANs are checked with python-stdnum's
``iban`` (country length and mod-97 checksum).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_CARD_TEXT = re.compile(r"^\d(?:[ -]?\d){12,18}$")
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
_PHONE = re.compile(r"^\+?\(?\d[\d ().-]{5,22}\d$")
_IBAN_TEXT = re.compile(r"^[A-Za-z]{2}\d{2}[A-Za-z0-9 ]{10,36}$")
# Issuer prefixes of the card networks (ISO/IEC 7812 IINs in use): Visa, Mastercard,
# American Express, Discover, Diners, JCB, UnionPay, Maestro, Mir, RuPay, Verve.
_CARD_PREFIX = re.compile(r"^(?:4|5[1-5]|222[1-9]|22[3-9]\d|2[3-6]\d\d|27[01]\d|2720|3[47]|"
                          r"6011|64[4-9]|65|3(?:0[0-5]|095|6|8|9)|35(?:2[89]|[3-8]\d)|62|"
                          r"5[06-8]|6[0-9]|220[0-4])")


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum of a digit string (python-stdnum's when installed)."""
    try:
        from stdnum import luhn
    except ImportError:  # pragma: no cover - stdnum comes with the db extra
        total = 0
        for i, ch in enumerate(reversed(digits)):
            n = int(ch) * (2 if i % 2 else 1)
            total += n - 9 if n > 9 else n
        return total % 10 == 0
    return bool(luhn.is_valid(digits))


def card_digits(value: str) -> str | None:
    """The digits of ``value`` when it is a full payment card number, else None."""
    text = value.strip()
    if not _CARD_TEXT.match(text):
        return None
    digits = text.replace(" ", "").replace("-", "")
    if not 13 <= len(digits) <= 19 or len(set(digits)) == 1:
        return None
    if not _CARD_PREFIX.match(digits) or not luhn_ok(digits):
        return None
    return digits


def is_card_number(value: str) -> bool:
    """True when ``value`` is a full card number (length, issuer prefix, Luhn)."""
    return card_digits(value) is not None


def is_email(value: str) -> bool:
    """True when ``value`` is an email address."""
    text = value.strip()
    return len(text) <= 254 and bool(_EMAIL.match(text))


def is_phone(value: str) -> bool:
    """True when ``value`` is written like a phone number: 7 to 15 digits with phone punctuation.

    A bare run of digits counts only with a leading ``+`` or ``00``, so counters
    and ids are not phone numbers.
    """
    text = value.strip()
    if not _PHONE.match(text) or is_card_number(text):
        return False
    digits = re.sub(r"\D", "", text)
    if not 7 <= len(digits) <= 15:
        return False
    return text.startswith(("+", "00", "(")) or digits != text


def is_iban(value: str) -> bool:
    """True when ``value`` is an IBAN with a valid checksum."""
    text = value.strip()
    if not _IBAN_TEXT.match(text):
        return False
    try:
        from stdnum import iban
    except ImportError:  # pragma: no cover - stdnum comes with the db extra
        compact = text.replace(" ", "").upper()
        moved = compact[4:] + compact[:4]
        return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1
    return bool(iban.is_valid(text))


@dataclass(frozen=True)
class Detector:
    """A value rule: the label rule id it confirms, its category and its test."""

    rule_id: str
    category: str
    noun: str
    test: Callable[[str], bool]
    text_only: bool = False
    """Only string columns are tested (a number column never holds a formatted phone)."""


DETECTORS: tuple[Detector, ...] = (
    Detector("card-number", "user.financial.credit_card.number", "card numbers", is_card_number),
    Detector("email", "user.contact.email", "email addresses", is_email, text_only=True),
    Detector("iban", "user.financial.bank_account", "IBANs", is_iban, text_only=True),
    Detector("phone", "user.contact.phone_number", "phone numbers", is_phone, text_only=True),
)
"""Every detector, strongest first: the first that holds for a column wins."""
