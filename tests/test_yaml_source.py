"""The YAML reader: located containers, duplicate keys, YAML merge keys."""

from __future__ import annotations

import pytest

from pledge.policy_model.errors import InputError
from pledge.policy_model.yaml_source import Located, parse_yaml


def test_mappings_and_keys_remember_their_lines() -> None:
    data = parse_yaml("a: 1\nb:\n  - x: 2\n    y: '2024-01-01'\n", "t.yaml")
    assert isinstance(data, Located) and data.key_lines == {"a": 1, "b": 2}
    assert data["b"][0].line == 3 and data["b"][0].key_lines["y"] == 4


def test_unquoted_dates_stay_text_like_json() -> None:
    assert parse_yaml("d: 2026-01-31\n", "t.yaml") == {"d": "2026-01-31"}


def test_explicit_key_overrides_a_merged_one() -> None:
    text = ("defaults: &d {type: internal, role: backend}\n"
            "system:\n  <<: *d\n  role: storefront\n")
    assert parse_yaml(text, "t.yaml")["system"] == {"type": "internal", "role": "storefront"}


@pytest.mark.parametrize(("text", "line"), [
    ("a: 1\nb: 2\na: 3\n", 3),
    ("d: &d {x: 1}\nc:\n  <<: *d\n  y: 1\n  y: 2\n", 5),
])
def test_duplicate_explicit_keys_are_errors(text: str, line: int) -> None:
    with pytest.raises(InputError) as caught:
        parse_yaml(text, "t.yaml")
    assert caught.value.code == "PLG-E003" and caught.value.line == line
