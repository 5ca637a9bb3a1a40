"""Value types: the retention pattern pydantic checks equals the duration parser's rule."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from pledge.policy_model.durations import check as check_duration
from pledge.policy_model.inventory import DataField
from pledge.policy_model.types import INDEFINITE, RETENTION_PATTERN
from pledge.policy_model.validation_errors import translate
from tests.test_properties import SETTINGS

RETENTION = re.compile(RETENTION_PATTERN)


def parser_accepts(text: str) -> bool:
    """What retention meant before the pattern: 'indefinite' or what the duration parser reads."""
    if text == INDEFINITE:
        return True
    try:
        check_duration(text)
    except ValueError:
        return False
    return not text.endswith("\n")  # Python's '$' also matches before a final newline


components = st.lists(st.sampled_from(["P", "T", "Y", "M", "W", "D", "H", "S", "1", "12",
                                       "0", "", " ", "\n", "x", "indefinite"]), max_size=9)


@SETTINGS
@given(components)
def test_pattern_accepts_exactly_what_the_parser_reads(parts: list[str]) -> None:
    text = "".join(parts)
    expected = parser_accepts(text)
    assert bool(RETENTION.fullmatch(text)) == expected, text
    try:  # and pydantic, which checks the pattern in its own engine, agrees
        DataField(name="f", category="user", retention=text)
    except ValidationError:
        assert not expected, text
    else:
        assert expected, text


@pytest.mark.parametrize("text", ["P30D", "P6M", "P10Y", "P1Y2M3W4D", "PT12H", "P1DT1S",
                                  "P2W", "PT1M", "indefinite"])
def test_valid_retentions_validate(text: str) -> None:
    assert DataField(name="f", category="user", retention=text).retention == text


@pytest.mark.parametrize("text", ["P", "PT", "P1DT", "3 years", "1Y", "P1.5Y", "p1y",
                                  "Indefinite", "P1D "])
def test_invalid_retentions_are_refused_in_words(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        DataField.model_validate({"name": "f", "category": "user", "retention": text})
    (error,) = translate(caught.value, {}, DataField, "inventory.yaml")
    assert error.code == "PLG-E006"
    assert "not an ISO 8601 duration like P30D" in error.message
    assert "should match pattern" not in error.message
