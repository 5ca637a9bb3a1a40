"""What the fuzzers feed pledge, and what must hold whatever they feed it.

Shared by ``tests/test_fuzz.py`` (a few dozen examples per property, in CI)
and ``fuzz/run.py`` (tens of thousands, by hand). Each ``check_*`` function
takes one generated input and raises :class:`PropertyFailed` when pledge
misbehaves on it:

* loading raises anything but an :class:`~pledge.policy_model.errors.InputError`(s);
* an input error does not render as one line with a ``PLG-E`` code;
* a structurally valid inventory makes a check crash (an ``error`` finding
  saying so: fail-closed, but still a bug to fix);
* a renderer raises, or prints a control character or bidirectional override;
* the command line exits with anything but 0, 1 or 2, or prints a traceback.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import string
import tempfile
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, get_args

import yaml
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_INVENTORY = ROOT / "inventories" / "marosoap"
BUNDLED_POLICY = ROOT / "policy_model" / "policies" / "marosoap.yaml"
SOURCE = ROOT / "policy_model" / "source" / "marosoap-privacy-policy.txt"
AS_OF = date(2026, 11, 29)
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


class PropertyFailed(AssertionError):
    """pledge broke one of its promises on a generated input."""


# --- shared, loaded once -----------------------------------------------------------------------
@cache
def bundled_policy() -> Any:
    """The bundled policy, loaded once (a LoadedPolicy)."""
    from pledge.policy_model.loading import load_policy

    return load_policy(BUNDLED_POLICY)


@cache
def vocabulary_ids() -> dict[str, list[str]]:
    """Known ids of each vocabulary, sorted, for 'mostly valid' values."""
    from pledge.policy_model.vocabulary import default_vocabularies

    vocab = default_vocabularies()
    return {name: sorted(vocab.get(name).terms)
            for name in ("data_categories", "purposes", "data_subjects", "legal_bases")}


def workdir() -> Path:
    """A fresh temporary directory (the caller removes it)."""
    return Path(tempfile.mkdtemp(prefix="pledge-fuzz-"))


# --- the properties ----------------------------------------------------------------------------
def _input_error_lines(exc: BaseException) -> list[str]:
    from pledge.policy_model.errors import InputError, InputErrors

    errors = exc.errors if isinstance(exc, InputErrors) else [exc]
    lines = []
    for err in errors:
        assert isinstance(err, InputError)
        text = err.render()
        if "\n" in text or not re.search(r"PLG-E\d{3} ", text):
            raise PropertyFailed(f"input error not one coded line: {text!r}")
        lines.append(text)
    return lines


def _guard(what: str, action: Callable[[], Any]) -> Any:
    """Run ``action``; input errors are fine (returns None), anything else fails the property."""
    from pledge.policy_model.errors import InputError, InputErrors

    try:
        return action()
    except (InputError, InputErrors) as exc:
        _input_error_lines(exc)
        return None
    except Exception as exc:
        raise PropertyFailed(f"{what} raised {type(exc).__name__}: {exc}") from exc


def check_report_outputs(loaded_policy: Any, loaded: Any) -> None:
    """Evaluate and render every format; no crash, no crashed check, no control character."""
    from pledge.checks.engine import evaluate
    from pledge.reports.document import build_report
    from pledge.reports.formats import RENDERERS

    result = evaluate(loaded_policy.policy, loaded, as_of=AS_OF)
    crashed = [f for f in result.findings if "crashed" in f.message and f.evidence.get(
        "rule") == "error"]
    if crashed:
        raise PropertyFailed(f"a check crashed on a valid inventory: {crashed[0].message}")
    report = build_report(loaded_policy, loaded, result, as_of=AS_OF)
    for name, render in sorted(RENDERERS.items()):
        try:
            text = render(report)
        except Exception as exc:
            raise PropertyFailed(f"renderer {name} raised {type(exc).__name__}: {exc}") from exc
        found = _FORBIDDEN.search(text)
        if found:
            raise PropertyFailed(f"renderer {name} printed {found.group(0)!r}")


def check_file_bytes(data: bytes, suffix: str) -> None:
    """Any bytes as a one-file inventory: an input error or a loaded inventory, never a crash."""
    from pledge.policy_model.loading import load_inventory

    base = workdir()
    try:
        path = base / f"fuzz{suffix}"
        path.write_bytes(data)
        loaded = _guard("load_inventory", lambda: load_inventory(path))
        if loaded is not None:
            check_report_outputs(bundled_policy(), loaded)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _load_outcome(path: Path) -> Any:
    """The loaded inventory as data, or the errors it raises as (code, message, file, line)."""
    from pledge.policy_model.errors import InputErrors
    from pledge.policy_model.loading import load_inventory

    try:
        return load_inventory(path).inventory.model_dump(mode="json")
    except InputErrors as exc:
        return sorted((e.code, e.message, e.path, e.line) for e in exc.errors)


def check_json_paths_agree(data: bytes) -> None:
    """A JSON inventory gives one outcome by the fast parser and by the exact one alone."""
    import pledge.policy_model.loading as loading
    from pledge.policy_model.yaml_source import QuickParseRefused

    def refuse(text: str) -> Any:
        raise QuickParseRefused

    base = workdir()
    try:
        path = base / "fuzz.json"
        path.write_bytes(data)
        fast = _guard("load_inventory", lambda: _load_outcome(path))
        real = loading.quick_json
        loading.quick_json = refuse  # type: ignore[assignment]
        try:
            exact = _guard("load_inventory (exact)", lambda: _load_outcome(path))
        finally:
            loading.quick_json = real
        if fast != exact:
            raise PropertyFailed(f"fast and exact JSON paths differ: {fast!r:.300} != "
                                 f"{exact!r:.300}")
    finally:
        shutil.rmtree(base, ignore_errors=True)


def check_inventory_file(name: str, text: str) -> None:
    """The bundled inventory with file ``name`` replaced by ``text`` (mutated or generated)."""
    from pledge.policy_model.loading import load_inventory

    base = workdir()
    try:
        root = base / "inv"
        shutil.copytree(BUNDLED_INVENTORY, root)
        (root / name).write_text(text, encoding="utf-8", errors="surrogatepass")
        loaded = _guard("load_inventory", lambda: load_inventory(root))
        if loaded is not None:
            check_report_outputs(bundled_policy(), loaded)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def check_policy_text(text: str) -> None:
    """A policy file: an input error, or a policy that evaluates and renders."""
    from pledge.policy_model.loading import load_inventory, load_policy

    base = workdir()
    try:
        path = base / "policy.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        loaded_policy = _guard("load_policy", lambda: load_policy(path))
        if loaded_policy is not None:
            check_report_outputs(loaded_policy, load_inventory(BUNDLED_INVENTORY))
    finally:
        shutil.rmtree(base, ignore_errors=True)


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``pledge ARGV`` in this process: (exit code, stdout, stderr)."""
    from pledge.cli import main

    out, err = io.StringIO(), io.StringIO()
    code: object = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(argv)
        except SystemExit as exc:
            code = exc.code
    return code if isinstance(code, int) else -1, out.getvalue(), err.getvalue()


def check_cli_on_file(data: bytes, suffix: str, command: str) -> None:
    """``pledge check|validate FILE``: exit 0, 1 or 2, no traceback, clean output."""
    base = workdir()
    try:
        path = base / f"fuzz{suffix}"
        path.write_bytes(data)
        argv = {"check": ["check", str(path), "--as-of", AS_OF.isoformat()],
                "validate": ["validate", str(path)],
                "policy": ["check", "--policy", str(path), "--as-of", AS_OF.isoformat()]}[command]
        code, out, err = run_cli(argv)
        if code not in (0, 1, 2):
            raise PropertyFailed(f"exit {code}: {err[-500:]}")
        if "Traceback" in err or "internal error" in err:
            raise PropertyFailed(f"crash: {err[-1000:]}")
        found = _FORBIDDEN.search(out + err)
        if found:
            raise PropertyFailed(f"printed {found.group(0)!r}")
        if code == 2 and not all(line.startswith("pledge: ") for line in err.splitlines()):
            raise PropertyFailed(f"error output not one 'pledge: ' line each: {err[:500]!r}")
    finally:
        shutil.rmtree(base, ignore_errors=True)


# --- strategies --------------------------------------------------------------------------------
YAML_SPECIALS = ":-?[]{},&*!|>'\"%@`#\n\t \\~=<.0123456789"
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
NASTY = st.sampled_from(["", "~", "null", "yes", "no", "on", ".nan", ".inf", "-.inf", "0x1F",
                         "0o17", "1_000", "1e400", "2024-13-45", "2026-02-30", "12:30:45",
                         "<<", "*a", "&a", "!!int x", "!!python/object:os.system", "\x1b[31m",
                         "\u202e", "\ud800", "password=hunter2", "4111111111111111", "9" * 50])
ANY_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True) | TEXT | NASTY,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12)

yaml_text = st.text(alphabet=st.sampled_from(list(YAML_SPECIALS + string.ascii_letters)),
                    max_size=400)
"""Random YAML-ish text: mostly punctuation YAML gives meaning to."""


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    """``text`` after a few random edits: deletions, insertions, duplicated and swapped lines."""
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["delete", "insert", "duplicate", "swap", "char", "indent",
                                   "truncate", "value"]))
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        if not lines:
            lines = [""]
        if op == "delete" and len(lines) > 1:
            del lines[i]
        elif op == "insert":
            lines.insert(i, draw(yaml_text))
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "char":
            line = lines[i]
            k = draw(st.integers(0, len(line)))
            lines[i] = line[:k] + draw(st.sampled_from(list(YAML_SPECIALS))) + line[k + 1:]
        elif op == "indent":
            lines[i] = draw(st.sampled_from(["", " ", "  ", "\t", "    "])) + lines[i].lstrip()
        elif op == "truncate":
            lines = lines[: i + 1]
        elif op == "value" and ":" in lines[i]:
            key = lines[i].split(":", 1)[0]
            lines[i] = f"{key}: {draw(NASTY | TEXT.map(repr))}"
    return "\n".join(lines)


INVENTORY_FILES = sorted(p.name for p in BUNDLED_INVENTORY.iterdir() if p.suffix == ".yaml")


@st.composite
def mutated_inventory_file(draw: st.DrawFn) -> tuple[str, str]:
    """(file name, mutated text) of one bundled inventory file."""
    name = draw(st.sampled_from(INVENTORY_FILES))
    return name, draw(mutated((BUNDLED_INVENTORY / name).read_text(encoding="utf-8")))


@st.composite
def mutated_policy(draw: st.DrawFn) -> str:
    """The bundled policy (source path made absolute) after random edits."""
    text = BUNDLED_POLICY.read_text(encoding="utf-8").replace(
        "path: ../source/marosoap-privacy-policy.txt", f"path: {SOURCE.as_posix()}")
    return draw(mutated(text))


def _mostly(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Nine times in ten a valid value, else anything at all."""
    return st.integers(0, 9).flatmap(lambda n: valid if n else ANY_VALUE)


IDS = st.sampled_from(["shop", "db", "crm", "pay", "people", "visitors", "gate", "x.y:z-1"])
NAMES = TEXT | st.sampled_from(["Shop", "<b>x</b>", "a|b", "\x1b[31mred", "\u202eabc",
                                "postgresql://u:s3cret@h/d", "4111 1111 1111 1111"])


def _vocab(name: str, many: bool = False) -> st.SearchStrategy[Any]:
    ids = st.sampled_from(vocabulary_ids()[name])
    return st.lists(ids, min_size=1, max_size=3, unique=True) if many else ids


def _choice(model: Any, field: str) -> st.SearchStrategy[Any]:
    """The allowed values of a Literal field (or a list of them)."""
    annotation = model.model_fields[field].annotation
    args = get_args(annotation)
    while args and not isinstance(args[0], str):
        args = get_args(args[0])
    return st.sampled_from(list(args))


@st.composite
def structured_inventory(draw: st.DrawFn) -> dict[str, Any]:
    """An inventory with the right shape; its free text is hostile.

    Two in three are valid (unique ids, resolvable references, known vocabulary)
    so they load and reach every check and renderer; the rest are "wild": any
    value may be replaced by anything, and ids come from a small shared pool.
    """
    from pledge.policy_model.inventory import ConsentGate, DataField, Store, System

    wild = draw(st.integers(0, 2)) == 0

    def pick(valid: st.SearchStrategy[Any]) -> Any:
        return draw(_mostly(valid) if wild else valid)

    def ids(prefix: str, n: int) -> list[str]:
        return [draw(IDS) if wild else f"{prefix}{i}" for i in range(n)]

    subject_ids = ids("person", draw(st.integers(0, 2)))
    system_ids = ids("sys", draw(st.integers(1, 3)))
    store_ids = ids("store", draw(st.integers(0, 2)))
    gate_ids = ids("gate", draw(st.integers(0, 1)))
    nodes = st.sampled_from(subject_ids + system_ids + store_ids)
    subjects = [{"id": i, "name": draw(NAMES), "category": pick(_vocab("data_subjects"))}
                for i in subject_ids]
    systems = [{"id": i, "name": draw(NAMES), "type": pick(_choice(System, "type")),
                "role": pick(_choice(System, "role")),
                "country": pick(st.sampled_from(["MA", "FR", "US"])),
                "exposure": pick(_choice(System, "exposure")),
                "purposes": pick(_vocab("purposes", many=True)),
                "agreements": pick(st.lists(_choice(System, "agreements"), unique=True)),
                "connection": draw(NAMES), "description": draw(NAMES)} for i in system_ids]
    stores = [{"id": i, "name": draw(NAMES), "system": pick(st.sampled_from(system_ids)),
               "exposure": pick(_choice(Store, "exposure")),
               "encryption_at_rest": pick(st.booleans()),
               "access_roles": pick(st.lists(st.sampled_from(["public", "staff", "admin"]),
                                             unique=True)),
               "retention": pick(st.sampled_from(["P1Y", "P30D", "P18M", "indefinite", "P0D",
                                                  "P99999Y", "PT1H"])),
               "disposal": pick(_choice(Store, "disposal")),
               "fields": [{"name": f"{draw(NAMES)}#{n}",
                           "category": pick(_vocab("data_categories")),
                           "retention": pick(st.none() | st.sampled_from(["P1Y", "indefinite"])),
                           "pseudonymised": pick(st.booleans()),
                           "disposal": pick(st.none() | _choice(DataField, "disposal"))}
                          for n in range(draw(st.integers(0, 3)))]} for i in store_ids]
    flows = [{"id": i, "source": pick(nodes) if not wild else draw(IDS),
              "target": pick(nodes) if not wild else draw(IDS),
              "categories": pick(_vocab("data_categories", many=True)),
              "purposes": pick(_vocab("purposes", many=True)),
              "transport": {"protocol": pick(st.sampled_from(["https", "http", "sftp"])),
                            "tls": pick(st.none() | st.sampled_from(["1.0", "1.2", "1.3"]))},
              "consent_gate": pick(st.none() | st.sampled_from(gate_ids or [None])),
              "legal_basis": pick(_vocab("legal_bases"))}
             for i in ids("flow", draw(st.integers(0, 4)))]
    gates = [{"id": i, "name": draw(NAMES), "type": pick(_choice(ConsentGate, "type")),
              "purposes": pick(_vocab("purposes", many=True)), "mechanism": draw(NAMES)}
             for i in gate_ids]
    activities = [{"id": i, "name": draw(NAMES),
                   "purposes": pick(_vocab("purposes", many=True)),
                   "legal_basis": pick(_vocab("legal_bases")),
                   "data_subjects": [pick(st.sampled_from(subject_ids or ["nobody"]))],
                   "categories": pick(_vocab("data_categories", many=True)),
                   "systems": [pick(st.sampled_from(system_ids))],
                   "automated_decisions": [{"description": draw(NAMES),
                                            "significant_effect": pick(st.booleans()),
                                            "human_review": pick(st.booleans())}]}
                  for i in (ids("activity", draw(st.integers(0, 1))) if subject_ids else [])]
    organisation = {"id": "org", "name": draw(NAMES), "country": "MA",
                    "minimum_user_age": pick(st.none() | st.integers(0, 30)),
                    "last_security_audit": pick(st.none() | st.dates().map(str)),
                    "human_review_of_automated_decisions": pick(st.booleans()),
                    "privacy_contact": draw(st.none() | NAMES),
                    "security_measures": pick(st.lists(st.sampled_from(["tls", "mfa"]),
                                                       unique=True))}
    attestations = [{"commitment": pick(st.sampled_from(["SEC-006", "SEC-007", "CON-003"])),
                     "statement": draw(NAMES), "attested_by": draw(NAMES),
                     "date": pick(st.dates().map(str)), "evidence": draw(NAMES),
                     "expires": pick(st.dates().map(str))}
                    for _ in range(draw(st.integers(0, 1)))]
    inventory: dict[str, Any] = {
        "inventory": {"name": draw(NAMES)}, "organisation": organisation,
        "data_subjects": subjects, "systems": systems, "stores": stores, "flows": flows,
        "consent_gates": gates, "processing_activities": activities,
        "attestations": attestations}
    return {k: v for k, v in inventory.items() if v not in ([], None)}


def dump_yaml(data: dict[str, Any]) -> str:
    """YAML for a generated inventory (unicode kept, order kept)."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def valid_for(annotation: Any, metadata: tuple[Any, ...] = ()) -> st.SearchStrategy[Any]:
    """A strategy of valid values for a parameter's type, read from the annotation."""
    import types
    import typing

    from pydantic import BaseModel

    from pledge.policy_model.types import VocabRef

    refs = [m for m in metadata if isinstance(m, VocabRef)]
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return valid_for(args[0], (*metadata, *args[1:]))
    if refs and origin is not list:
        return _vocab(refs[0].vocabulary)
    if origin is typing.Literal:
        return st.sampled_from(list(args))
    if origin in (typing.Union, types.UnionType):
        return st.one_of([valid_for(a) for a in args if a is not type(None)])
    if origin is list:
        return st.lists(valid_for(args[0], tuple(refs)), min_size=1, max_size=3, unique_by=repr)
    if origin is dict:
        return st.dictionaries(valid_for(args[0]), valid_for(args[1]), max_size=2)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        fields = {name: valid_for(info.annotation, tuple(info.metadata))
                  for name, info in annotation.model_fields.items()
                  if info.is_required() or name in ("fact", "operator", "value")}
        return st.fixed_dictionaries(fields)
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        return st.integers(0, 100)
    if annotation is str:
        return st.sampled_from(["P1Y", "P30D", "dpa", "payment_processor", "1.2", "x"])
    return ANY_VALUE


@st.composite
def random_check(draw: st.DrawFn) -> dict[str, Any]:
    """A commitment check: a registered kind (or not) with typed, sometimes wild, parameters."""
    from pledge.checks.registry import all_kinds

    kind = draw(st.sampled_from([*all_kinds(), None]))
    if kind is None:
        return {"kind": draw(st.sampled_from(["no-such-kind", "", "<b>x</b>"])), "x": 1}
    wild = draw(st.integers(0, 3)) == 0
    params: dict[str, Any] = {"kind": kind.name}
    for name, info in kind.params.model_fields.items():
        if name == "kind" or (not info.is_required() and draw(st.booleans())):
            continue
        valid = valid_for(info.annotation, tuple(info.metadata))
        params[name] = draw(_mostly(valid) if wild else valid)
    return params


@st.composite
def generated_policy(draw: st.DrawFn) -> str:
    """A policy whose commitments carry random checks; clause quotes stay verbatim."""
    commitments = [{"id": f"FZ-{i:03d}", "title": draw(NAMES), "severity": draw(
        st.sampled_from(["critical", "high", "low"])),
        "clause": {"section": draw(NAMES),
                   "quote": "All payment information is transmitted via encrypted channels"},
        "check": draw(random_check())} for i in range(draw(st.integers(1, 3)))]
    from pledge.policy_model.yaml_source import sha256_file

    policy = {"id": "fuzz", "title": draw(NAMES), "version": "1", "organisation": "Fuzz",
              "source": {"title": "t", "path": SOURCE.as_posix(),
                         "sha256": sha256_file(SOURCE)},
              "commitments": commitments}
    return dump_yaml(policy)


json_text = ANY_VALUE.map(json.dumps)
"""Random JSON documents."""
