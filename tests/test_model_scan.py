"""The quick pass over validated models: every planted problem seen, nothing clean flagged."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from pledge.policy_model.inventory import Inventory, InventoryFragment, Organisation
from pledge.policy_model.loading import load_inventory
from pledge.policy_model.model_scan import ScanResult, _plan, scan
from pledge.policy_model.references import references_intact
from pledge.policy_model.vocabulary import KINDS, default_vocabularies
from pledge.policy_model.yaml_source import Located, parse_yaml
from tests.conftest import EXAMPLES, INVENTORY

VOCAB = default_vocabularies()
TERMS = {kind: VOCAB.get(kind).terms for kind in KINDS}


def bundled() -> Inventory:
    return load_inventory(INVENTORY).inventory


def models_in(model: BaseModel) -> Iterator[BaseModel]:
    """``model`` and every model inside it, depth first."""
    yield model
    for name in type(model).model_fields:
        value = getattr(model, name)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, BaseModel):
                yield from models_in(item)


def keys_written(raw: Any) -> int:
    if isinstance(raw, dict):
        return len(raw) + sum(keys_written(v) for v in raw.values())
    if isinstance(raw, list):
        return sum(keys_written(v) for v in raw)
    return 0


def test_bundled_inventory_is_clean_and_every_key_counted() -> None:
    for path in sorted(INVENTORY.glob("*.yaml")):
        raw = parse_yaml(path.read_text(encoding="utf-8"), str(path))
        found = scan(InventoryFragment.model_validate(raw), TERMS)
        assert found.clean, path
        assert found.keys == keys_written(raw), path


def _fields_of(kind: str) -> list[tuple[type[BaseModel], str, str | None]]:
    """(model class, field, vocabulary) of every inventory field the scan reads as ``kind``."""
    found = []
    for model in {type(m) for m in models_in(bundled())}:
        plan = _plan(model)
        if kind == "string_lists":
            found += [(model, name, vocabulary) for name, vocabulary, _ in plan.string_lists]
        elif kind == "scalar_ids":
            found += [(model, name, vocabulary) for name, vocabulary in plan.scalar_ids]
        else:
            found += [(model, name, None) for name in plan.integers]
    return sorted(found, key=lambda f: (f[0].__name__, f[1]))


def _first(inv: Inventory, model: type[BaseModel]) -> BaseModel:
    return next(m for m in models_in(inv) if type(m) is model)


@pytest.mark.parametrize(("model", "name", "vocabulary"), _fields_of("string_lists"),
                         ids=lambda v: getattr(v, "__name__", v))
def test_a_repeat_in_any_list_of_strings_is_seen(model: type[BaseModel], name: str,
                                                 vocabulary: str | None) -> None:
    inv = bundled()
    target = _first(inv, model)
    values = getattr(target, name) or [next(iter(TERMS[vocabulary])) if vocabulary else "x"]
    setattr(target, name, [*values, values[0]])
    found = scan(inv, TERMS)
    assert found.repeats and not found.clean


@pytest.mark.parametrize(("model", "name", "vocabulary"),
                         [*_fields_of("scalar_ids"),
                          *[f for f in _fields_of("string_lists") if f[2]]],
                         ids=lambda v: getattr(v, "__name__", v))
def test_an_unknown_id_anywhere_is_seen(model: type[BaseModel], name: str,
                                        vocabulary: str) -> None:
    inv = bundled()
    target = _first(inv, model)
    value = getattr(target, name)
    setattr(target, name, [*value, "no.such.id"] if isinstance(value, list) else "no.such.id")
    assert scan(inv, TERMS).unknown_ids
    assert not scan(inv, {k: v for k, v in TERMS.items() if k != vocabulary}).clean


def test_integers_past_the_parsers_bound_are_seen() -> None:
    assert [(m.__name__, n) for m, n, _ in _fields_of("integers")] == [
        ("BreachResponse", "authority_notification_hours"), ("DataSubject", "minimum_age"),
        ("Organisation", "minimum_user_age")]
    inv = bundled()
    assert isinstance(inv.organisation, Organisation)
    inv.organisation.minimum_user_age = 10 ** 3500
    assert scan(inv, TERMS) == ScanResult(keys=scan(bundled(), TERMS).keys, huge_int=True)


def test_a_field_the_scan_cannot_read_is_a_programming_error() -> None:
    class Loose(BaseModel):
        extra: dict[str, Any] = {}

    with pytest.raises(TypeError, match=r"Loose\.extra"):
        scan(Loose(), TERMS)


# --- references ------------------------------------------------------------------------------
def test_bundled_and_every_example_have_intact_references() -> None:
    assert references_intact(bundled())
    for example in sorted(p for p in EXAMPLES.iterdir() if p.is_dir()):
        assert references_intact(load_inventory(example).inventory), example.name


def _broken(change: str) -> Inventory:
    inv = bundled()
    if change == "duplicate node id":
        inv.stores[0].id = inv.systems[0].id
    elif change == "duplicate flow id":
        inv.flows[1].id = inv.flows[0].id
    elif change == "duplicate gate id":
        inv.consent_gates.append(inv.consent_gates[0])
    elif change == "duplicate activity id":
        inv.processing_activities.append(inv.processing_activities[0])
    elif change == "duplicate field name":
        store = next(s for s in inv.stores if len(s.fields) > 1)
        store.fields[1].name = store.fields[0].name
    elif change == "store of no system":
        inv.stores[0].system = "nowhere"
    elif change == "flow from nowhere":
        inv.flows[0].source = "nowhere"
    elif change == "flow to nowhere":
        inv.flows[0].target = "nowhere"
    elif change == "unknown gate":
        inv.flows[0].consent_gate = "nowhere"
    elif change == "activity on no system":
        inv.processing_activities[0].systems.append("nowhere")
    elif change == "activity on no subject":
        inv.processing_activities[0].data_subjects.append("nowhere")
    return inv


@pytest.mark.parametrize("change", ["duplicate node id", "duplicate flow id",
                                    "duplicate gate id", "duplicate activity id",
                                    "duplicate field name", "store of no system",
                                    "flow from nowhere", "flow to nowhere", "unknown gate",
                                    "activity on no system", "activity on no subject"])
def test_each_broken_reference_or_repeated_id_is_seen(change: str) -> None:
    assert not references_intact(_broken(change))


def test_keys_are_counted_per_model_as_written() -> None:
    raw = Located({"inventory": Located({"name": "x", "version": "1"}),
                   "systems": [Located({"id": "a", "name": "A", "type": "internal",
                                        "role": "backend", "country": "MA",
                                        "purposes": []})]})
    assert scan(InventoryFragment.model_validate(raw), TERMS).keys == 2 + 2 + 6
