"""The fast JSON path of the loader: the same inventories and the same errors as the exact one.

JSON inventories are parsed by pydantic-core's parser and checked by one quick
pass over the models (:mod:`pledge.policy_model.model_scan`); whatever that path cannot
vouch for goes through the exact parser and the located walks. These tests hold
the two paths to the same outcome, on generated inventories with planted
problems, and the pieces to their own promises.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import pledge.policy_model.loading as loading
from pledge.policy_model.errors import InputErrors
from pledge.policy_model.loading import load_inventory
from pledge.policy_model.yaml_source import QuickParseRefused, json_key_marks, quick_json
from tests.conftest import run_pledge
from tests.test_json_inventory import marosoap_as_data
from tests.test_properties import SETTINGS, inventories

# --- the parser -----------------------------------------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=4),
    max_leaves=20)


@SETTINGS
@given(json_values, st.sampled_from([None, 1]))
def test_quick_json_reads_what_json_reads(value: Any, indent: int | None) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    assert quick_json(text) == json.loads(text)


@pytest.mark.parametrize("text", [
    '["\\ud800"]',  # a lone surrogate: json reads it, the fast parser does not
    "[" + "1" * 4400 + "]",  # an integer over 4,300 digits
    "[" * 250 + "]" * 250,  # deeper than the fast parser's own limit
    '{"a": 1,}',  # not JSON at all
])
def test_quick_json_refuses_what_it_cannot_read_exactly(text: str) -> None:
    with pytest.raises(QuickParseRefused):
        quick_json(text)


@SETTINGS
@given(st.dictionaries(st.text(alphabet="abc\": ", max_size=4),
                       st.text(alphabet="ab\": ", max_size=4), max_size=6),
       st.sampled_from([None, 1]), st.sampled_from([(", ", ": "), (",", ":"), (" ,", " : ")]))
def test_key_marks_count_every_key_and_more_only_for_lookalike_strings(
        value: dict[str, str], indent: int | None, separators: tuple[str, str]) -> None:
    text = json.dumps({"outer": value}, indent=indent, separators=separators)
    marks = json_key_marks(text)
    keys = 1 + len(value)
    # a string that starts with a colon, or holds a quote then a colon, looks like a key's end
    lookalikes = sum(bool(re.search(r'^\s*:|"\s*:', s)) for s in [*value, *value.values()])
    assert marks >= keys
    if not lookalikes:
        assert marks == keys


# --- the loader: one outcome by either path ----------------------------------------------------
def _outcome(path: Path) -> Any:
    """The loaded inventory as data, or the errors as (code, message, file, line)."""
    try:
        loaded = load_inventory(path)
    except InputErrors as exc:
        return sorted((e.code, e.message, e.path, e.line) for e in exc.errors)
    return loaded.inventory.model_dump(mode="json")


def _exact_only(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str) -> Any:
        raise QuickParseRefused

    monkeypatch.setattr(loading, "quick_json", refuse)


PLANTED = ["nothing", "duplicate key", "unknown category", "repeated purpose",
           "dangling target", "lookalike description", "escaped lookalike", "huge integer",
           "integer at the bound", "long integer within bounds",
           "lone surrogate", "deep nesting", "unknown key", "bad retention"]


def plant(data: dict[str, Any], problem: str) -> str:
    """``data`` as JSON text with ``problem`` planted in it."""
    data = json.loads(json.dumps(data))
    system = data["systems"][0]
    if problem == "unknown category":
        data["flows"].append({"id": "planted", "source": "people", "target": system["id"],
                              "categories": ["user.contact.emial"], "purposes": ["marketing"],
                              "transport": {"protocol": "https", "tls": "1.3"}})
    elif problem == "repeated purpose":
        system["purposes"] = ["marketing", "marketing"]
    elif problem == "dangling target":
        data["flows"].append({"id": "planted", "source": "people", "target": "nowhere",
                              "categories": ["user.contact.email"], "purposes": ["marketing"],
                              "transport": {"protocol": "https", "tls": "1.3"}})
    elif problem == "lookalike description":
        system["description"] = 'notes: "a": b'
    elif problem == "escaped lookalike":
        system["description"] = 'say \\"x\\": y'
    elif problem == "huge integer":
        data["data_subjects"][0]["minimum_age"] = int("9" * 3500)
    elif problem == "integer at the bound":  # 3,005 digits: about 9,980 bits, over 3,000 digits
        data["data_subjects"][0]["minimum_age"] = int("9" * 3005)
    elif problem == "long integer within bounds":
        data["data_subjects"][0]["minimum_age"] = int("9" * 2990)
    elif problem == "lone surrogate":
        system["description"] = "\ud800"
    elif problem == "deep nesting":
        deep: Any = "x"
        for _ in range(150):
            deep = [deep]
        system["description"] = deep
    elif problem == "unknown key":
        system["colour"] = "blue"
    elif problem == "bad retention":
        data["stores"].append({"id": "planted_store", "name": "S", "system": system["id"],
                               "fields": [{"name": "f", "category": "user.contact.email",
                                           "retention": "3 years"}]})
    text = json.dumps(data, indent=1)
    if problem == "duplicate key":
        text = text.replace('"id": "sys0"', '"name": "twice",\n"id": "sys0"', 1)
    return text


@SETTINGS
@given(inventories(), st.sampled_from(PLANTED), st.sampled_from([10_000, 2]))
def test_fast_and_exact_paths_give_one_outcome(tmp_path_factory: pytest.TempPathFactory,
                                               data: dict[str, Any], problem: str,
                                               part_items: int) -> None:
    path = tmp_path_factory.mktemp("quick") / "inventory.json"
    path.write_text(plant(data, problem), encoding="utf-8", errors="surrogatepass")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loading, "PART_ITEMS", part_items)  # 2: every section in slices
        fast = _outcome(path)
        _exact_only(patch)
        exact = _outcome(path)
    assert fast == exact
    if problem in ("nothing", "lookalike description", "escaped lookalike",
                   "long integer within bounds"):
        assert isinstance(fast, dict)
    elif problem != "lone surrogate":
        assert isinstance(fast, list) and fast


FIXED = {
    "inventory": {"name": "fixed"},
    "data_subjects": [{"id": "people", "name": "People", "category": "customer"}],
    "systems": [{"id": "sys0", "name": "Shop", "type": "internal", "role": "storefront",
                 "country": "MA", "purposes": ["marketing"]},
                {"id": "sys1", "name": "Ads", "type": "third_party", "role": "advertising",
                 "country": "FR"}],
    "stores": [{"id": "store0", "name": "Orders", "system": "sys0", "retention": "P1Y",
                "fields": [{"name": "email", "category": "user.contact.email"}]}],
    "flows": [{"id": "flow0", "source": "people", "target": "sys0",
               "categories": ["user.contact.email"], "purposes": ["marketing"],
               "transport": {"protocol": "https", "tls": "1.3"}}],
}


@pytest.mark.parametrize("problem", PLANTED)
@pytest.mark.parametrize("part_items", [10_000, 1])
def test_each_planted_problem_has_one_outcome_by_either_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, problem: str, part_items: int) -> None:
    path = tmp_path / "inventory.json"
    path.write_text(plant(FIXED, problem), encoding="utf-8", errors="surrogatepass")
    monkeypatch.setattr(loading, "PART_ITEMS", part_items)
    fast = _outcome(path)
    _exact_only(monkeypatch)
    assert fast == _outcome(path)
    accepted = ("nothing", "lookalike description", "escaped lookalike",
                "long integer within bounds", "lone surrogate")
    assert isinstance(fast, dict) if problem in accepted else (isinstance(fast, list) and fast)


def test_duplicate_key_deep_in_a_sliced_section_is_located(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loading, "PART_ITEMS", 3)
    data = marosoap_as_data()
    text = json.dumps(data, indent=2, default=str)
    last_flow = data["flows"][-1]["id"]
    needle = f'"id": "{last_flow}"'
    text = text.replace(needle, f'"description": "once",\n      "description": "twice",\n'
                                f'      {needle}')
    path = tmp_path / "inventory.json"
    path.write_text(text, encoding="utf-8")
    run = run_pledge("validate", path)
    assert run.code == 2
    line = text[: text.index('"description": "twice"')].count("\n") + 1
    assert f"inventory.json:{line}" in run.err and "duplicate key 'description'" in run.err


def test_fast_path_vouches_for_the_bundled_inventory(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The bundled inventory as JSON loads by the fast path alone: no exact parse needed."""
    path = tmp_path / "marosoap.json"
    path.write_text(json.dumps(marosoap_as_data(), default=str), encoding="utf-8")
    exact_parses: list[str] = []
    real = loading._exact_parse

    def counting(text: str, shown: str, is_json: bool) -> Any:
        exact_parses.append(shown)
        return real(text, shown, is_json)

    monkeypatch.setattr(loading, "_exact_parse", counting)
    assert load_inventory(path).inventory.systems
    assert exact_parses == []
