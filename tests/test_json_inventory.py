"""JSON inventories: the same models and verdicts as YAML, located findings, located errors."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import pledge.policy_model.loading as loading
from benchmarks.generate import generate, write_json, write_yaml
from pledge.checks.engine import evaluate
from pledge.policy_model.errors import InputErrors
from pledge.policy_model.loading import load_inventory, load_policy
from pledge.policy_model.yaml_source import parse_yaml
from tests.conftest import AS_OF, EXAMPLES, INVENTORY, POLICY, run_pledge
from tests.helpers import inventory_as_data

WHEN = date.fromisoformat(AS_OF)


def marosoap_as_data() -> dict[str, Any]:
    """The bundled MAROSOAP inventory, all files merged into one mapping of sections."""
    return inventory_as_data(INVENTORY)


def verdicts(root: Path) -> list[tuple[str, str, str, str, str]]:
    """(commitment, status, rule, subject type, subject id) of every finding, in order."""
    policy = load_policy(POLICY).policy
    result = evaluate(policy, load_inventory(root), as_of=WHEN)
    return [(f.commitment, f.status.value, str(f.evidence.get("rule")), f.subject.type,
             f.subject.id) for f in result.findings]


def line_of(text: str, needle: str, start: int = 0) -> int:
    """1-based line of the first ``needle`` at or after ``start``."""
    pos = text.index(needle, start)
    return text.count("\n", 0, pos) + 1


# --- the same verdicts ---------------------------------------------------------------------------
@pytest.mark.parametrize("indent", [None, 2])
def test_marosoap_as_one_json_file_gives_the_yaml_verdicts(tmp_path: Path,
                                                           indent: int | None) -> None:
    path = tmp_path / "marosoap.json"
    path.write_text(json.dumps(marosoap_as_data(), indent=indent), encoding="utf-8")
    assert verdicts(path) == verdicts(INVENTORY)


def test_json_and_yaml_files_mix_in_one_directory(tmp_path: Path) -> None:
    root = tmp_path / "inventory"
    root.mkdir()
    for path in INVENTORY.glob("*.yaml"):
        data = parse_yaml(path.read_text(encoding="utf-8"), str(path))
        if path.stem in ("flows", "stores"):
            (root / f"{path.stem}.json").write_text(json.dumps(data, indent=1),
                                                    encoding="utf-8")
        else:
            (root / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assert verdicts(root) == verdicts(INVENTORY)


def test_cli_checks_a_json_inventory(tmp_path: Path) -> None:
    path = tmp_path / "marosoap.json"
    path.write_text(json.dumps(marosoap_as_data(), indent=2), encoding="utf-8")
    run = run_pledge("check", path, "--as-of", AS_OF)
    assert run.code == 0, run.err
    assert "PASS" in run.out


# --- findings point at lines of the JSON file ------------------------------------------------
def test_findings_in_json_name_the_line_of_the_entity(tmp_path: Path) -> None:
    data = marosoap_as_data()
    orders = next(s for s in data["stores"] if s["id"] == "order_db")
    orders["fields"].append({"name": "card_number", "category": "user.financial.credit_card.number",
                             "retention": "P18M"})
    browse = next(f for f in data["flows"] if f["id"] == "visitor_browsing")
    browse["transport"] = {"protocol": "http"}
    path = tmp_path / "broken.json"
    text = json.dumps(data, indent=2)
    path.write_text(text, encoding="utf-8")
    run = run_pledge("check", path, "--as-of", AS_OF, "-f", "json")
    assert run.code == 1, run.err
    report = json.loads(run.out)
    located = {(f["commitment"], f["subject"]["id"]): f["location"]
               for f in report["findings"] if f["status"] == "fail"}
    store_line = line_of(text, '"id": "order_db"')
    card = located[("PAY-001", "order_db.card_number")]
    assert card["file"] == str(path)
    assert card["line"] == line_of(text, '"name": "card_number"',
                                   text.index('"id": "order_db"'))
    assert card["line"] > store_line
    flow = located[("SEC-001", "visitor_browsing")]
    assert flow["line"] == line_of(text, '"id": "visitor_browsing"')


@pytest.mark.parametrize("separators", [(",", ":"), (", ", ": ")])
def test_located_lines_are_those_of_a_plain_search(tmp_path: Path,
                                                   separators: tuple[str, str]) -> None:
    """Every failing finding's line is where a person searching the text would land."""
    generated = generate(200, rate=1.0)
    path = tmp_path / "inventory.json"
    text = json.dumps(generated.data, indent=1, separators=separators)
    path.write_text(text, encoding="utf-8")
    policy = load_policy(POLICY).policy
    result = evaluate(policy, load_inventory(path), as_of=WHEN)
    failing = [f for f in result.findings if f.status.failing]
    assert len(failing) >= len(generated.manifest)
    colon = separators[1]
    checked = 0
    for finding in failing:
        kind, ident = finding.subject.type, finding.subject.id
        if kind == "field":
            store, name = ident.rsplit(".", 1)
            start = text.index(f'"id"{colon}"{store}"')
            start = text.rindex("\n", 0, start) + 1
            expected = line_of(text, f'"name"{colon}"{name}"', start)
        elif kind in ("flow", "system", "store", "processing_activity"):
            expected = line_of(text, f'"id"{colon}"{ident}"')
        else:
            continue
        assert finding.location is not None and finding.location.line == expected, finding
        checked += 1
    assert checked > 20


# --- input errors in JSON ------------------------------------------------------------------------
def write(tmp_path: Path, text: str, name: str = "inventory.json") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


SHOP = '{"id": "shop", "name": "Shop", "type": "internal", "role": "storefront", "country": "MA"'


def test_json_syntax_error_is_file_line_and_exit_2(tmp_path: Path) -> None:
    path = write(tmp_path, '{"systems": [\n  ' + SHOP + '},\n  {"id": "x" "name": "X"}\n]}\n')
    run = run_pledge("check", path, "--as-of", AS_OF)
    assert run.code == 2
    assert f"{path}:3: PLG-E002 JSON syntax error" in run.err
    assert "Traceback" not in run.err


def test_unknown_key_in_json_is_exit_2_with_its_path(tmp_path: Path) -> None:
    path = write(tmp_path, '{"systems": [\n  ' + SHOP + ', "colour": "red"}\n]}\n')
    run = run_pledge("check", path, "--as-of", AS_OF)
    assert run.code == 2
    assert "PLG-E004 unknown key 'colour' at systems[0](shop).colour" in run.err
    assert "did you mean country?" in run.err


def test_unknown_section_in_json_reads_as_in_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, '{"sytems": [\n  ' + SHOP + '}\n]}\n')
    run = run_pledge("check", path, "--as-of", AS_OF)
    assert run.code == 2
    assert "PLG-E004 unknown key 'sytems' at sytems (did you mean systems?)" in run.err
    yaml_path = write(tmp_path, "sytems:\n  - {id: shop, name: Shop, type: internal, "
                      "role: storefront, country: MA}\n", "inventory.yaml")
    same = run_pledge("check", yaml_path, "--as-of", AS_OF)
    assert same.code == 2
    assert same.err.split(": ", 2)[-1] == run.err.split(": ", 2)[-1]  # all but file and line


def test_duplicate_key_in_json_is_located(tmp_path: Path) -> None:
    path = write(tmp_path, '{"systems": [\n  ' + SHOP + ',\n   "role": "backend"}\n]}\n')
    run = run_pledge("check", path, "--as-of", AS_OF)
    assert run.code == 2
    assert f"{path}:3: PLG-E003 duplicate key 'role'" in run.err


def test_duplicate_section_in_json_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, '{"systems": [],\n "systems": []}\n')
    run = run_pledge("check", path, "--as-of", AS_OF)
    assert run.code == 2
    assert re.search(rf"{re.escape(str(path))}:2: PLG-E003 duplicate key 'systems'", run.err)


def test_unknown_vocabulary_id_in_json_is_exit_2(tmp_path: Path) -> None:
    data = marosoap_as_data()
    data["flows"][0]["categories"] = ["user.contact.emial"]
    path = write(tmp_path, json.dumps(data, indent=2))
    run = run_pledge("check", path, "--as-of", AS_OF)
    assert run.code == 2
    assert "PLG-E007 unknown data category 'user.contact.emial'" in run.err
    assert "did you mean user.contact.email?" in run.err


def test_repeated_value_in_json_is_exit_2(tmp_path: Path) -> None:
    data = marosoap_as_data()
    data["flows"][0]["purposes"] = ["essential.service", "essential.service"]
    path = write(tmp_path, json.dumps(data, indent=2))
    run = run_pledge("check", path, "--as-of", AS_OF)
    assert run.code == 2
    assert "'essential.service' is listed 2 times" in run.err


def test_dangling_reference_in_json_is_exit_2(tmp_path: Path) -> None:
    data = marosoap_as_data()
    data["flows"][0]["target"] = "web_shoop"
    path = write(tmp_path, json.dumps(data, indent=2))
    run = run_pledge("check", path, "--as-of", AS_OF)
    assert run.code == 2
    assert "refers to node 'web_shoop', which is not declared" in run.err
    assert f"{path}:{line_of(path.read_text(encoding='utf-8'), data['flows'][0]['id'])}" \
        in run.err


def test_large_generated_json_is_refused_over_the_size_limit(tmp_path: Path) -> None:
    path = write_json(generate(100, rate=0.0), tmp_path / "inventory.json")
    run = run_pledge("check", path, "--as-of", AS_OF, "--max-file-size", "1000")
    assert run.code == 2
    assert "PLG-E011" in run.err


# --- large files are validated a slice at a time: the same results ------------------------------
def load_outcome(path: Path) -> tuple[str, list[str]]:
    """Either the input errors, or the findings (with locations) of a valid inventory."""
    try:
        loaded = load_inventory(path)
    except InputErrors as exc:
        return "errors", [str(err) for err in exc.errors]
    result = evaluate(load_policy(POLICY).policy, loaded, as_of=WHEN)
    return "findings", [f"{f.commitment} {f.status.value} {f.subject.id} {f.location} "
                        f"{f.message}" for f in result.findings]


@pytest.mark.parametrize("broken", ["valid", "unknown-key", "unknown-category", "repeat",
                                    "dangling"])
@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_validation_in_slices_gives_the_same_outcome(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, broken: str, fmt: str) -> None:
    generated = generate(300, rate=1.0)
    data = generated.data
    if broken == "unknown-key":
        data["stores"][250]["colour"] = "red"
    elif broken == "unknown-category":
        data["flows"][500]["categories"] = ["user.contact.emial"]
    elif broken == "repeat":
        data["flows"][400]["purposes"] = ["essential.service", "essential.service"]
    elif broken == "dangling":
        data["flows"][600]["target"] = "nowhere"
    if fmt == "json":
        path = write_json(generated, tmp_path / "inventory.json")
    else:
        path = write_yaml(generated, tmp_path / "inventory", units_per_file=15)
    whole = load_outcome(path)
    monkeypatch.setattr(loading, "PART_ITEMS", 7)  # every section is long: slices of seven
    assert load_outcome(path) == whole
    assert whole[0] == ("findings" if broken == "valid" else "errors")


def test_findings_in_minified_json_are_on_its_one_line(tmp_path: Path) -> None:
    """A one-line file is indexed too: every finding on line 1, fields included."""
    merged = inventory_as_data(EXAMPLES / "PAY-001-card-number-stored")
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps(merged, default=str, separators=(",", ":")), encoding="utf-8")
    result = evaluate(load_policy(POLICY).policy, load_inventory(path), as_of=WHEN)
    failing = [f for f in result.findings if f.status.failing]
    assert any(f.subject.type == "field" for f in failing)
    assert all(f.location and f.location.line == 1 for f in failing if f.location)
    assert all(f.location for f in failing if f.subject.type in ("field", "store", "flow"))
