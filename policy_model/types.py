"""Small value types shared by the policy and inventory models."""

from __future__ import annotations

import typing
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, get_args, get_origin

from pydantic import AfterValidator, StringConstraints

from pledge.policy_model import durations

INDEFINITE = "indefinite"


class Severity(StrEnum):
    """How much a broken commitment matters, from most to least."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """4 for critical down to 0 for info."""
        return {"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0}[self.value]


def _check_duration(text: str) -> str:
    return durations.check(text)


Identifier = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$", max_length=200)
]
Duration = Annotated[str, AfterValidator(_check_duration)]
_N = r"\d{1,9}"  # nine digits at most: a billion years is no retention; more crashed
_TIME_PART = rf"T(?:{_N}H(?:{_N}M)?(?:{_N}S)?|{_N}M(?:{_N}S)?|{_N}S)"
RETENTION_PATTERN = (
    rf"^(?:indefinite|P(?:(?:{_N}Y(?:{_N}M)?(?:{_N}W)?(?:{_N}D)?|{_N}M(?:{_N}W)?(?:{_N}D)?"
    rf"|{_N}W(?:{_N}D)?|{_N}D)(?:{_TIME_PART})?|{_TIME_PART}))$"
)
"""What :func:`~pledge.policy_model.durations.check` accepts, or ``indefinite``, no look-arounds.

Written so that pydantic checks it in its own (Rust) regular-expression engine:
hundreds of thousands of fields carry a retention, and a Python validator per
value cost a second at that size. ``tests/test_types.py`` holds it equal to
:func:`pledge.policy_model.durations.check`.
"""

Retention = Annotated[str, StringConstraints(pattern=RETENTION_PATTERN)]
"""An ISO 8601 duration, or ``indefinite`` (which retention commitments reject)."""

PATTERN_PROBLEMS = {
    RETENTION_PATTERN: "not an ISO 8601 duration like P30D, P6M or P10Y (nine digits at most "
                       "per part), nor 'indefinite'",
}
"""What a value that does not match one of these patterns is, in words."""

TLSVersion = Annotated[str, StringConstraints(pattern=r"^1\.[0-3]$")]
VocabId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")]
Date = date


def tls_tuple(version: str) -> tuple[int, int]:
    """'1.2' -> (1, 2) for comparison."""
    major, minor = version.split(".")
    return int(major), int(minor)


@dataclass(frozen=True)
class VocabRef:
    """Marks a field whose values are ids of the named vocabulary."""

    vocabulary: str


def annotated_refs(annotation: Any) -> list[VocabRef]:
    """The vocabulary markers inside ``annotation`` (through Annotated, unions and lists)."""
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        args = get_args(annotation)
        found = [a for a in args[1:] if isinstance(a, VocabRef)]
        return found or annotated_refs(args[0])
    return [r for a in get_args(annotation) for r in annotated_refs(a)]


CategoryId = Annotated[VocabId, VocabRef("data_categories")]
PurposeId = Annotated[VocabId, VocabRef("purposes")]
SubjectCategoryId = Annotated[VocabId, VocabRef("data_subjects")]
LegalBasisId = Annotated[VocabId, VocabRef("legal_bases")]
CategoryIds = Annotated[list[CategoryId], VocabRef("data_categories")]
BreachNoticeContents = Annotated[list[str], VocabRef("breach_notice_contents")]
"""What a breach notice contains: ids of a vocabulary, so a typo gets 'did you mean'."""
NotificationChannels = Annotated[list[str], VocabRef("notification_channels")]
"""How people are notified: ids of a vocabulary, not free text matched exactly."""
PurposeIds = Annotated[list[PurposeId], VocabRef("purposes")]
