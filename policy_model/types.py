"""Small value types shared by the policy and inventory models."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

_DURATION = re.compile(
    r"^P(?!$)(?:(?P<y>\d+)Y)?(?:(?P<mo>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<h>\d+)H)?(?:(?P<mi>\d+)M)?(?:(?P<s>\d+)S)?)?$"
)
INDEFINITE = "indefinite"


class StrictModel(BaseModel):
    """Base of every pledge model: unknown keys are errors, values are checked strictly."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False,
                              validate_default=False, frozen=False)


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


def duration_days(text: str) -> float:
    """Length of an ISO 8601 duration in days (years 365.25, months 30.44 days)."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"'{text}' is not an ISO 8601 duration like P30D, P6M or P10Y")
    g = {k: int(v) if v else 0 for k, v in match.groupdict().items()}
    return (g["y"] * 365.25 + g["mo"] * 30.44 + g["w"] * 7 + g["d"]
            + g["h"] / 24 + g["mi"] / 1440 + g["s"] / 86400)


def _check_duration(text: str) -> str:
    duration_days(text)
    return text


def _check_retention(text: str) -> str:
    if text != INDEFINITE:
        duration_days(text)
    return text


Identifier = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$", max_length=200)
]
Duration = Annotated[str, AfterValidator(_check_duration)]
Retention = Annotated[str, AfterValidator(_check_retention)]
"""An ISO 8601 duration, or ``indefinite`` (which retention commitments reject)."""

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


CategoryId = Annotated[VocabId, VocabRef("data_categories")]
PurposeId = Annotated[VocabId, VocabRef("purposes")]
SubjectCategoryId = Annotated[VocabId, VocabRef("data_subjects")]
LegalBasisId = Annotated[VocabId, VocabRef("legal_bases")]
CategoryIds = Annotated[list[CategoryId], VocabRef("data_categories")]
PurposeIds = Annotated[list[PurposeId], VocabRef("purposes")]
