"""Masking many texts in one pass gives, text by text, what masking each alone gives."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pledge.policy_model.redact import redact, redact_many
from tests.test_secret_corpus import SHAPES

# pieces that end or open a value, a token, a quoted string, a run of digits or a PEM
# block at a text's edge, where a joint could change what is found
PIECES = sorted({shape for shape, _ in SHAPES} | {
    "password=", "password", "=", ":", "secret:", "token", "api", "_key=", "key=", "a://",
    "u:p@h", "@", "Bearer ", "Authorization: Basic ", '"', "'", "{", "}", '\\"', "\\",
    '{"secret": "', "ghp_", "AKIA", "eyJ", "abcdefgh12345678", "0123456789abcdef",
    "-----BEGIN ", "RSA PRIVATE KEY-----", "-----END", "4111", "1111", "4111 1111 1111",
    " 1111", "12 ", "1234 ", "9", "x", " ", "\n", "\t", "-", ".", "_", "/", "é4", "\u00a0",
    "\uff14\uff11", "\x00", "\n\x00",
})


def _each(texts: list[str]) -> list[str]:
    return [redact(text) for text in texts]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=6).map("".join), max_size=25))
def test_many_texts_are_masked_as_each_alone(texts: list[str]) -> None:
    assert redact_many(texts) == _each(texts)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("41 =:@/-_.\n\x00\"'{}pwdasecrtkn"),
                        max_size=40), max_size=20))
def test_many_random_texts_are_masked_as_each_alone(texts: list[str]) -> None:
    assert redact_many(texts) == _each(texts)


@pytest.mark.parametrize("texts", [
    [],
    ["", "abc", "four"],  # too short to hold anything: kept as they are
    ["1234 " * 1_001, "5678 x", "password=hunter2"],  # a run masked whole up to the joint
    ["card 4111 1111", "1111 1111 ok"],  # half a card at each edge: no card
    ["-----BEGIN RSA PRIVATE KEY-----\nabc", "after the key"],  # a PEM block with no end
    ["name ends in password=", "next text"],
    ["ref4111111111111111", "x" * 30 + "4111111111111111"],
])
def test_edges_of_texts_are_kept_apart(texts: list[str]) -> None:
    assert redact_many(texts) == _each(texts)


def test_only_the_texts_with_something_to_mask_change() -> None:
    texts = [f"orders_{n:05d}.email" for n in range(1_000)] + ["pan 4111111111111111"]
    masked = redact_many(texts)
    assert masked[:-1] == texts[:-1]
    assert masked[-1] == "pan ************1111"
