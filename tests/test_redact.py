"""Secrets and card numbers never reach output; computed hashes are left intact."""

from __future__ import annotations

import pytest

from pledge.policy_model.redact import redact


@pytest.mark.parametrize(("text", "expected"), [
    ("postgresql://shop:s3cret@db:5432/x", "postgresql://shop:***@db:5432/x"),
    ("password=hunter2 host=db", "password=*** host=db"),
    ("api_key: 'abc123'", "api_key: ***"),
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
