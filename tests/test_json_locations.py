"""Entities of a sliced JSON file are located from its models as a search of the text would.

A file the loader validated a slice of lines at a time is located through its
layout (the models of each long section, one per line), not by indexing every
``"id"`` of the text. Every entity's location must be the one the whole-text
search gives: here on a generated inventory and on variants of it where ids
repeat across sections, are written spaced or with escapes, and stand both
inside and outside the long sections.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import pledge.policy_model.json_slices as slices
from benchmarks.generate import generate, write_json
from pledge.policy_model.loading import LoadedInventory, load_inventory
from pledge.policy_model.sources import Location, SourceIndex


@pytest.fixture
def small_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(slices, "SLICE_CHARS", 2_000)
    monkeypatch.setattr(slices, "MIN_SECTION_CHARS", 4_000)


def _lines(text: str, section: str) -> tuple[list[str], int]:
    """The text's lines and the index of the first item line of ``section``."""
    lines = text.split("\n")
    return lines, lines.index(f'"{section}":[') + 1


def _variants(text: str) -> dict[str, str]:
    """The generated text, and variants that stress what the layout relies on."""
    found = {"generated": text}
    lines, systems = _lines(text, "systems")
    system_id = json.loads(lines[systems + 3].rstrip(","))["id"]
    _, flows = _lines(text, "flows")
    same = list(lines)  # a flow with a system's id, and a flow spaced: "id": "..."
    same[flows + 2] = same[flows + 2].replace('{"id":"', f'{{"id":"{system_id}","_":"', 1)
    same[flows + 2] = same[flows + 2].replace(',"_":"' + same[flows + 2].split('"_":"')[1]
                                              .split('"', 1)[0] + '"', "", 1)
    found["flow named like a system"] = "\n".join(same)
    spaced = list(same)
    spaced[flows + 2] = spaced[flows + 2].replace('{"id":"', '{"id": "', 1)
    found["the later one spaced"] = "\n".join(spaced)
    escaped = list(lines)  # an id written with an escape: the text search misses it
    escaped[systems + 5] = escaped[systems + 5].replace("_", "\\u005f", 1)
    found["an escaped id"] = "\n".join(escaped)
    odd = list(lines)  # spacing the text search does not read
    odd[systems + 7] = odd[systems + 7].replace('{"id":"', '{"id" :"', 1)
    found["an id spaced before its colon"] = "\n".join(odd)
    _, gates = _lines(text, "consent_gates")
    outside = list(lines)  # an id outside the long sections, also a store's
    _, stores = _lines(text, "stores")
    store_id = json.loads(lines[stores + 1].rstrip(","))["id"]
    gate_id = json.loads(lines[gates].rstrip(","))["id"]
    outside = [line.replace(f'"{gate_id}"', f'"{store_id}"') for line in outside]
    found["a gate named like a store"] = "\n".join(outside)
    return found


def _entities(loaded: LoadedInventory) -> list[tuple[str, str]]:
    inv = loaded.inventory
    found = [("subject", s.id) for s in inv.data_subjects]
    found += [("system", s.id) for s in inv.systems] + [("store", s.id) for s in inv.stores]
    found += [("field", f"{s.id}.{f.name}") for s in inv.stores[:40] for f in s.fields]
    found += [("flow", f.id) for f in inv.flows] + [("consent_gate", g.id)
                                                  for g in inv.consent_gates]
    found += [("processing_activity", a.id) for a in inv.processing_activities]
    found += [("attestation", a.commitment) for a in inv.attestations]
    found += [("system", "nowhere"), ("flow", "web"), ("store", "")]
    return found


@pytest.mark.parametrize("variant", ["generated", "flow named like a system",
                                     "the later one spaced", "an escaped id",
                                     "an id spaced before its colon",
                                     "a gate named like a store"])
def test_the_layout_locates_every_entity_as_the_text_search_does(
        small_slices: None, tmp_path: Path, variant: str) -> None:
    text = _variants(write_json(generate(120), tmp_path / "g.json").read_text(encoding="utf-8"))[
        variant]
    path = tmp_path / "inventory.json"
    path.write_text(text, encoding="utf-8")
    loaded = load_inventory(path)
    assert loaded.sources._layouts, "the sliced path was taken: the layout is what is tested"
    plain = SourceIndex(json_texts=dict(loaded.sources.json_texts))  # no layout: the search
    for kind, ident in _entities(loaded):
        assert loaded.sources.locate(kind, ident) == plain.locate(kind, ident), (kind, ident)
    assert plain.locate("system", loaded.inventory.systems[0].id) == Location(
        file=loaded.files[0].display, line=text[:text.index('"systems":[')].count("\n") + 2)
