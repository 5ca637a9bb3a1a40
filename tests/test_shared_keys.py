"""Loaded models share frozen key sets; assigning to or copying one never changes another."""

from __future__ import annotations

from pledge.base.strict_model import SharedKeys
from pledge.policy_model.loading import load_inventory
from tests.conftest import INVENTORY


def test_models_with_the_same_keys_share_one_set_and_assignment_unshares() -> None:
    stores = load_inventory(INVENTORY).inventory.stores
    fields = [f for s in stores for f in s.fields]
    same = [f for f in fields if f.model_fields_set == fields[0].model_fields_set]
    assert len(same) > 1 and all(type(f.model_fields_set) is SharedKeys for f in same)
    assert same[0].__pydantic_fields_set__ is same[1].__pydantic_fields_set__
    before = set(same[1].model_fields_set)
    unset = next(n for n in type(same[0]).model_fields if n not in same[0].model_fields_set)
    setattr(same[0], unset, getattr(same[0], unset))  # pydantic adds the name to the set
    assert unset in same[0].model_fields_set
    assert same[1].model_fields_set == before  # the others' set did not change
    copied = same[1].model_copy(update={unset: getattr(same[1], unset)})
    assert unset in copied.model_fields_set and same[1].model_fields_set == before
