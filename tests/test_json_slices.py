"""Large JSON inventories one entity per line are validated a slice of lines at a time.

The sliced path must give the very models the whole-text path gives, and give
up (``None``) on any other layout or on anything invalid, so that the loader's
usual path decides. Slices are made small here so a small inventory has many.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import pledge.policy_model.json_slices as slices
from benchmarks.generate import generate, write_json
from pledge.base.strict_model import SharedKeys
from pledge.policy_model.errors import InputErrors
from pledge.policy_model.inventory import InventoryFragment
from pledge.policy_model.loading import load_inventory
from tests.helpers import every_model


@pytest.fixture
def small_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(slices, "SLICE_CHARS", 2_000)
    monkeypatch.setattr(slices, "MIN_SECTION_CHARS", 4_000)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_json(generate(200), tmp_path_factory.mktemp("gen") / "inventory.json")


def test_slices_give_the_models_the_whole_text_gives(small_slices: None, generated: Path) -> None:
    text = generated.read_text(encoding="utf-8")
    sliced = slices.models_by_lines(text, {})
    assert sliced is not None
    whole = InventoryFragment.model_validate_json(text)
    assert sliced.model_dump(mode="json") == whole.model_dump(mode="json")
    assert sliced.model_fields_set == whole.model_fields_set
    assert [m.model_fields_set for m in sliced.stores] == [m.model_fields_set
                                                            for m in whole.stores]


def test_other_layouts_are_left_to_the_whole_text(small_slices: None, generated: Path) -> None:
    data = json.loads(generated.read_text(encoding="utf-8"))
    assert slices.models_by_lines(json.dumps(data, indent=1), {}) is None  # items over lines
    assert slices.models_by_lines(json.dumps(data), {}) is None  # one line
    lines = generated.read_text(encoding="utf-8").split("\n")
    at = lines.index('"flows":[') + 5  # inside a long, sliced section
    two_on_one = [*lines[:at], lines[at] + lines[at + 1], *lines[at + 2:]]
    assert slices.models_by_lines("\n".join(two_on_one), {}) is None


def test_an_invalid_entity_is_reported_as_by_the_usual_path(
        small_slices: None, generated: Path, tmp_path: Path) -> None:
    text = generated.read_text(encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text(text.replace('"retention":"P2Y"', '"retention":"two years"', 1),
                      encoding="utf-8")
    assert slices.models_by_lines(broken.read_text(encoding="utf-8"), {}) is None
    with pytest.raises(InputErrors) as sliced_errors:
        load_inventory(broken)
    with pytest.MonkeyPatch.context() as off:
        off.setattr(slices, "MIN_SECTION_CHARS", 1 << 40)
        with pytest.raises(InputErrors) as whole_errors:
            load_inventory(broken)
    assert [str(e) for e in sliced_errors.value.errors] == [
        str(e) for e in whole_errors.value.errors]
    assert sliced_errors.value.errors


def test_the_loader_takes_the_sliced_path_with_the_same_inventory(
        small_slices: None, generated: Path) -> None:
    sliced = load_inventory(generated)
    with pytest.MonkeyPatch.context() as off:
        off.setattr(slices, "MIN_SECTION_CHARS", 1 << 40)
        whole = load_inventory(generated)
    assert sliced.inventory.model_dump(mode="json") == whole.inventory.model_dump(mode="json")
    assert type(sliced.inventory.flows[0].model_fields_set) is SharedKeys


def test_the_sliced_path_shares_every_models_key_set(small_slices: None,
                                                      generated: Path) -> None:
    sliced = slices.models_by_lines(generated.read_text(encoding="utf-8"), {})
    assert sliced is not None
    every = every_model(sliced)
    assert len(every) > 1_000
    assert all(type(m.__pydantic_fields_set__) is SharedKeys for m in every)
    one = {frozenset(m.model_fields_set): m.__pydantic_fields_set__ for m in every}
    assert all(m.__pydantic_fields_set__ is one[frozenset(m.model_fields_set)] for m in every)
