"""The quick YAML reader and writer give exactly what the exact ones give.

``quick_yaml`` must return :func:`parse_yaml`'s values, types, lines and errors;
``quick_dump`` must write PyYAML's bytes. Each is compared with the exact path on
real files (the Fides samples, the bundled inventories and policies), on a
generated 300-system Fides manifest, and on texts made to hit every edge: those
the quick path takes must not fall back, those it refuses must.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.fides import generate
from pledge.policy_model import yaml_quick
from pledge.policy_model.errors import InputError
from pledge.policy_model.yaml_quick import quick_dump, quick_yaml
from pledge.policy_model.yaml_source import Located, LocatedList, parse_yaml
from tests.conftest import ROOT, SHARED

REAL_FILES = sorted(itertools.chain(
    (ROOT / "tests" / "data" / "fides").rglob("*.yml"),
    (SHARED / "fides-samples").rglob("*.yml"),
    (ROOT / "inventories").rglob("*.yaml"),
    (ROOT / "policy_model" / "policies").rglob("*.yaml"),
))
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _same(exact: Any, quick: Any) -> bool:
    """Equal values of the same types, with the same lines everywhere."""
    if type(exact) is not type(quick):
        return False
    if isinstance(exact, Located):
        return (exact.line == quick.line and exact.key_lines == quick.key_lines
                and list(exact) == list(quick) and all(_same(exact[k], quick[k]) for k in exact))
    if isinstance(exact, LocatedList):
        return (exact.line == quick.line and len(exact) == len(quick)
                and all(_same(a, b) for a, b in zip(exact, quick, strict=True)))
    return bool(exact == quick)


def _outcome(parse: Any, text: str) -> Any:
    try:
        return parse(text, "manifest.yml")
    except InputError as err:
        return ("error", err.render())


def _no_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str, display: str) -> Any:
        raise AssertionError("the quick path fell back to the exact parser")
    monkeypatch.setattr(yaml_quick, "parse_yaml", refuse)


def test_real_files_read_the_same() -> None:
    assert len(REAL_FILES) > 20
    for path in REAL_FILES:
        text = path.read_text(encoding="utf-8")
        exact, quick = _outcome(parse_yaml, text), _outcome(quick_yaml, text)
        assert _same(exact, quick), path


def test_a_generated_manifest_reads_the_same_without_falling_back(
        monkeypatch: pytest.MonkeyPatch) -> None:
    text = yaml.dump(generate(300), Dumper=_DUMPER, sort_keys=False, width=100)
    exact = parse_yaml(text, "manifest.yml")
    _no_fallback(monkeypatch)
    quick = quick_yaml(text, "manifest.yml")
    assert _same(exact, quick)
    assert len(quick["system"]) == 300
    assert quick["system"][1].line == text.splitlines().index("- fides_key: system_000001") + 1


TAKEN = [  # the quick path reads these itself
    "a: 1\nb: -2\nc: '3'\nd: yes\ne: No\nf: ~\ng:\nh: null\ni: 2026-11-29\nj: text\n",
    "- [a, 'b', \"c\", {d: e}]\n- {}\n- []\n- - nested\n  - list\n",
    "key: |\n  block\n  text\nother: >\n  folded\n  text\n",
    "1: one\ntrue: yes\n'quoted key': v\n",
    "--- \nexplicit: start\n...\n",
    "",
    "just a scalar\n",
    "a:\n  b:\n    c:\n      - d: [1, 2]\n",
]
REFUSED = [  # the quick path hands these to the exact parser (values, or the error)
    "a: &x [1]\nb: *x\n",  # anchor, alias
    "a: !!str 1\n",  # explicit tag
    "base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n",  # merge key
    "a: 1.5\n",  # float
    "a: 0100\n",  # a YAML 1.1 octal: the exact loader refuses it
    "a: 1_000\n",
    "a: 1\nb: 2\na: 3\n",  # duplicate key
    "? [a]\n: b\n",  # a key that is not a scalar
    "~: v\n",  # a null key
    "a: [1, 2\nb: 3\n",  # syntax error
    "a: 1\n---\nb: 2\n",  # two documents
    "%YAML 1.1\n---\na: 1\n",  # a directive
    "a: b # comment\u2028\nc: d\n",  # a YAML-only line break
    "a: " + "[" * 120 + "]" * 120 + "\n",  # nested deeper than MAX_DEPTH
    "a: " + "9" * 4000 + "\n",  # an integer beyond the limit
]


@pytest.mark.parametrize("text", TAKEN)
def test_what_the_quick_path_takes(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    exact = _outcome(parse_yaml, text)
    _no_fallback(monkeypatch)
    assert _same(exact, _outcome(quick_yaml, text))


@pytest.mark.parametrize("text", REFUSED)
def test_what_the_quick_path_refuses(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    exact = _outcome(parse_yaml, text)
    assert _same(exact, _outcome(quick_yaml, text))
    _no_fallback(monkeypatch)
    with pytest.raises(AssertionError, match="fell back"):
        quick_yaml(text, "manifest.yml")


def _pyyaml(data: Any) -> str:
    return str(yaml.dump(data, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=100))


SCALARS = ["yes", "No", "", "null", "~", "12", "-3", "1.5", "2026-11-29", "a: b", "x #y", "#c",
           "-x", "- x", "@x", "`x", "it's", 'say "hi"', " lead", "trail ", "line\nbreak",
           "tab\there", "ünïcode", "\u2028", "=", "<<", "0o7", "0x1F", "1_000", "word " * 40,
           "x" * 150, "a" * 99 + " b", "%x", "!x", "&x", "*x", "{x}", "[x]", "|", ">", "'"]


def test_dump_writes_pyyaml_bytes() -> None:
    data: dict[str, Any] = {
        "scalars": {f"k{n}": value for n, value in enumerate(SCALARS)},
        "as keys": {value or "empty": n for n, value in enumerate(SCALARS)},
        "others": [None, True, False, 0, -7, 10**30, [], {}, [[[]]], [{"a": [1, {"b": []}]}]],
        "deep": {"a": {"b": {"c": {"d": ["e" * 95 + " f g"]}}}},
    }
    assert quick_dump(data) == _pyyaml(data)
    manifest = generate(300)
    assert quick_dump(manifest) == _pyyaml(manifest)
    for path in (ROOT / "tests" / "data" / "fides").rglob("*.yml"):  # floats, dates: PyYAML's
        try:
            loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
        except yaml.YAMLError:
            continue  # a sample made to be invalid
        assert quick_dump(loaded) == _pyyaml(loaded), path


def test_dump_hands_pyyaml_what_it_writes_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    shared = ["a", "b"]
    for data in ({"x": shared, "y": shared}, {"f": 1.5}, {"t": ("a",)}, {1: "int key"}):
        expected = _pyyaml(data)
        assert quick_dump(data) == expected
        assert "&id001" in expected or data.keys() != {"x", "y"}
    calls: list[Any] = []
    monkeypatch.setattr(yaml_quick, "_dump_exactly", lambda d, w: calls.append(d) or "")
    quick_dump({"f": 1.5})
    quick_dump({"s": "text"})
    assert calls == [{"f": 1.5}]


def test_bundled_inventory_files_read_with_the_same_lines(tmp_path: Path) -> None:
    path = ROOT / "inventories" / "marosoap" / "systems.yaml"
    if not path.exists():
        path = next((ROOT / "inventories").rglob("*.yaml"))
    text = path.read_text(encoding="utf-8")
    quick = quick_yaml(text, str(path))
    assert _same(parse_yaml(text, str(path)), quick)
    assert isinstance(quick, Located) and quick.key_lines


_SCALAR_TEXT = st.sampled_from([
    "yes", "No", "off", "null", "~", "", "12", "-3", "0100", "1_000", "0x1F", "1.5", ".inf",
    "2026-11-29", "2026-11-29T10:00:00Z", "P30D", "user.contact.email", "a: b", "x #y", "-x",
    "@x", "it's", 'say "hi"', " lead", "trail ", "line\nbreak", "tab\there", "ünï", "<<",
    "=", "*x", "&x", "!x", "%x", "{x}", "[x]", "|", ">", "'", "\u2028", "\x85", "9" * 30,
])
_SCALAR = st.one_of(_SCALAR_TEXT, st.text(max_size=12), st.integers(-10**12, 10**12),
                    st.booleans(), st.none())
_KEY = st.one_of(st.sampled_from(["id", "name", "fields", "retention", "yes", "1", "~", "<<"]),
                 st.text(min_size=1, max_size=6))
_TREE = st.recursive(_SCALAR, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(_KEY, inner, max_size=4)), max_leaves=25)


@settings(max_examples=300, deadline=None)
@given(_TREE, st.sampled_from([None, False, True]), st.sampled_from([None, "'", '"']),
       st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(
           ["", ":", "- ", "\n", "  ", "&a ", "*a", "[", "}", "#", "\t", "? "])), max_size=3))
def test_random_documents_read_the_same(data: Any, flow: bool | None, style: str | None,
                                        edits: list[tuple[int, str]]) -> None:
    """Random data written by PyYAML in every style, then edited at random places (which
    may break it): the quick reader gives the exact reader's values, lines or error."""
    text = yaml.dump(data, Dumper=_DUMPER, default_flow_style=flow, default_style=style,
                     allow_unicode=True, sort_keys=False, width=40)
    for at, insert in edits:
        at %= len(text) + 1
        text = text[:at] + insert + text[at:]
    assert _same(_outcome(parse_yaml, text), _outcome(quick_yaml, text))


def test_inventories_load_through_the_quick_reader(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The inventory loader reads YAML through ``quick_yaml``: a generated inventory and
    the bundled one load without the exact parser, to the same models and the same
    lines for every entity as when every file is read by the exact parser."""
    from benchmarks.generate import generate, write_yaml
    from pledge.policy_model import loading
    from pledge.policy_model.loading import load_inventory

    generated = write_yaml(generate(100, rate=1.0), tmp_path / "inventory", units_per_file=3)
    for root in (generated, ROOT / "inventories" / "marosoap"):
        monkeypatch.setattr(yaml_quick, "parse_yaml", parse_yaml)
        monkeypatch.setattr(loading, "quick_yaml", parse_yaml)
        exact = load_inventory(root)
        monkeypatch.setattr(loading, "quick_yaml", quick_yaml)
        _no_fallback(monkeypatch)
        quick = load_inventory(root)
        assert quick.inventory == exact.inventory
        ids = [("system", s.id) for s in exact.inventory.systems] + [
            ("store", s.id) for s in exact.inventory.stores] + [
            ("flow", f.id) for f in exact.inventory.flows]
        assert len(ids) > 20
        for kind, ident in ids:
            for key in (None, "name", "retention", "transport"):
                assert quick.sources.locate(kind, ident, key) == exact.sources.locate(
                    kind, ident, key), (root, kind, ident, key)
