"""Loaded models share frozen key sets; assigning to or copying one never changes another."""

from __future__ import annotations

from pydantic import BaseModel

from pledge.base.strict_model import SharedKeys
from pledge.policy_model.inventory import InventoryFragment
from pledge.policy_model.loading import load_inventory
from pledge.policy_model.shared_keys import share_given_keys
from tests.conftest import INVENTORY
from tests.helpers import every_model


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


def test_many_key_sets_in_one_column_each_get_their_one_shared_set() -> None:
    optional = ["retention", "disposal", "purposes", "pseudonymised", "tokenised"]
    values = {"retention": "P1Y", "disposal": "delete", "purposes": ["essential.service"],
              "pseudonymised": True, "tokenised": False}
    fields = [{"name": f"f{n}", "category": "user.contact.email",
               **{k: values[k] for bit, k in enumerate(optional) if n >> bit & 1}}
              for n in range(2 ** len(optional))] * 3  # 32 key sets, more than the passes
    fragment = InventoryFragment.model_validate({"stores": [
        {"id": "s", "name": "S", "system": "x", "fields": fields},
        {"id": "t", "name": "T", "system": "x", "fields": fields[::-1]}]})
    before = [set(m.model_fields_set) for m in every_model(fragment)]
    shared: dict[frozenset[str], SharedKeys] = {}
    share_given_keys([fragment], shared)
    models = every_model(fragment)
    assert [m.model_fields_set for m in models] == before  # the same keys, now shared
    assert all(type(m.__pydantic_fields_set__) is SharedKeys for m in models)
    one = {frozenset(m.model_fields_set): m.__pydantic_fields_set__ for m in models}
    assert all(m.__pydantic_fields_set__ is one[frozenset(m.model_fields_set)] for m in models)
    assert len({id(keys) for keys in one.values()}) == len(one) >= 32 + 2
    assert all(shared[k] is v for k, v in one.items())


def test_every_model_of_a_loaded_inventory_shares_its_key_set() -> None:
    inventory = load_inventory(INVENTORY).inventory
    models = [m for section in InventoryFragment.model_fields
              for value in [getattr(inventory, section)]
              for item in (value if isinstance(value, list) else [value])
              if isinstance(item, BaseModel) for m in every_model(item)]
    assert len(models) > 100
    assert all(type(m.__pydantic_fields_set__) is SharedKeys for m in models)
