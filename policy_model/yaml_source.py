"""Read YAML and JSON documents safely, keeping the line of every mapping and key.

YAML is read with libyaml's C parser when PyYAML has it, and only with safe
construction. Mappings become :class:`Located` dicts and sequences
:class:`LocatedList` lists that remember their line, so errors and findings can
point at the line that declares a thing. Duplicate keys, alias bombs, deep
nesting, oversize files and non-UTF-8 bytes are input errors, not surprises.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic_core import from_json

from pledge.policy_model.errors import InputError

try:  # libyaml's C parser is several times faster than the pure-Python one
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader

DEFAULT_MAX_FILE_SIZE = 50 * 1024 * 1024
MAX_DEPTH = 100
MAX_EXPANDED_NODES = 5_000_000
MAX_ALIAS_EXPANSION = 100_000
"""How many nodes aliases may add beyond the document's own: generous for shared
anchors (a transport or a purpose list reused), far below any "billion laughs"."""
MAX_INT_BITS = 10_000
"""Integers longer than this (about 3,000 digits) are refused: no inventory needs
them, and Python cannot print them."""


class Located(dict[str, Any]):
    """A mapping that remembers the line it starts on and the line of each key."""

    __slots__ = ("key_lines", "line")

    def __init__(self, *args: Any, line: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line = line
        self.key_lines: dict[str, int] = {}


class LocatedList(list[Any]):
    """A sequence that remembers the line it starts on."""

    __slots__ = ("line",)

    def __init__(self, *args: Any, line: int = 0) -> None:
        super().__init__(*args)
        self.line = line


class _Loader(_BaseLoader):  # type: ignore[misc]
    """Safe loader building located containers and refusing duplicate keys."""

    depth = 0  # containers being constructed (construction is recursive)
    line_map: list[int] | None = None  # YAML line -> file line, when they differ


_YAML_ONLY_BREAKS = ("\x85", "\u2028", "\u2029")
_ANY_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def yaml_line_map(text: str) -> list[int] | None:
    """File line (1-based) of each YAML line (0-based), or ``None`` when they agree.

    YAML 1.1 (libyaml, PyYAML) also ends a line at NEL, U+2028 and U+2029, so
    one of them in a comment would move every later mark down a line. Editors,
    GitHub annotations and SARIF viewers count only CR and LF: pledge reports
    their line. One pass over the text, only when such a character is present.
    """
    if not any(ch in text for ch in _YAML_ONLY_BREAKS):
        return None
    lines = [1]
    real = 1
    for match in _ANY_BREAK.finditer(text):
        if match.group() not in _YAML_ONLY_BREAKS:
            real += 1
        lines.append(real)
    return lines


def mark_line(loader: _Loader, mark: Any) -> int:
    """The file line (1-based, CR/LF lines) of a YAML mark."""
    table = loader.line_map
    line = int(mark.line)
    if table is None or not 0 <= line < len(table):
        return line + 1
    return table[line]


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Located:
    explicit = sum(1 for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge")
    loader.flatten_mapping(node)
    merged = len(node.value) - explicit  # flatten_mapping puts merged pairs first
    result = Located(line=mark_line(loader, node.start_mark))
    from_merge: set[str] = set()
    for index, (key_node, value_node) in enumerate(node.value):
        key = loader.construct_object(key_node, deep=True)
        line = mark_line(loader, key_node.start_mark)
        if not isinstance(key, str | int | float | bool) or key is None:
            raise InputError("PLG-E006", "a mapping key must be a plain scalar",
                             loader.name, line)
        key = str(key)
        if index < merged:  # YAML merge: the first merged value of a key wins
            if key in result:
                continue
            from_merge.add(key)
        elif key in from_merge:  # an explicit key overrides a merged one, as YAML says
            from_merge.discard(key)
        elif key in result:
            raise InputError(
                "PLG-E003", f"duplicate key '{key}' (first at line {result.key_lines[key]})",
                loader.name, line, "keep one of the two",
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = line
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LocatedList:
    return LocatedList(
        (loader.construct_object(child, deep=True) for child in node.value),
        line=mark_line(loader, node.start_mark),
    )


def _construct_timestamp_as_text(loader: _Loader, node: yaml.ScalarNode) -> str:
    # Dates stay text; the models parse them, so YAML and JSON behave alike.
    return str(loader.construct_scalar(node))


_DECIMAL_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_DECIMAL_FLOAT = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


def _yaml11_number_problem(written: str) -> tuple[str, str] | None:
    """Why a number is written in a YAML 1.1 form that reads as something else, and a fix.

    YAML 1.1 reads ``0100`` as 64 (octal), ``1:30`` as 90 (base 60), drops the
    ``_`` in ``1_000`` and reads ``0b11`` as 3; other tools (YAML 1.2, JSON,
    people) read them otherwise. pledge refuses them rather than guess.
    """
    bare = written.strip().lstrip("+-")
    if ":" in bare:
        return (f"'{written[:40]}' is a YAML 1.1 base-60 number (1:30 reads as 90)",
                "write the number in decimal, or quote it if it is text")
    if "_" in bare:
        return (f"'{written[:40]}' has digit separators that YAML 1.1 drops",
                f"write {bare.replace('_', '')[:40]} without underscores")
    if bare[:2].lower() in ("0b", "0o", "0x"):
        return (f"'{written[:40]}' is not a decimal number",
                "write the number in decimal, or quote it if it is text")
    if len(bare) > 1 and bare[0] == "0" and bare[1].isdigit():
        octal = set(bare) <= set("01234567") and len(bare) < 40
        reads = f" (it would read as {int(bare, 8)})" if octal else ""
        decimal = bare.lstrip("0")[:40] or "0"
        return (f"'{written[:40]}' has a leading zero: YAML 1.1 reads it as octal{reads}",
                f"write {decimal} without the leading zero, or quote it if it is text")
    return None


def _refuse_yaml11_number(loader: _Loader, node: yaml.ScalarNode,
                          pattern: re.Pattern[str]) -> None:
    written = str(node.value)
    if pattern.fullmatch(written.strip()):
        return
    problem = _yaml11_number_problem(written)
    if problem is not None:
        raise InputError("PLG-E006", problem[0], loader.name, mark_line(loader, node.start_mark),
                         problem[1])


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> float:
    if str(node.value).strip().lower().lstrip("+-") not in (".inf", ".nan"):
        _refuse_yaml11_number(loader, node, _DECIMAL_FLOAT)
    return float(loader.construct_yaml_float(node))


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    _refuse_yaml11_number(loader, node, _DECIMAL_INT)
    try:
        value = int(loader.construct_yaml_int(node))
    except ValueError as exc:
        too_long = "limit" in str(exc)
        raise InputError("PLG-E006", "an integer with too many digits" if too_long
                         else f"'{str(node.value)[:40]}' is not an integer", loader.name,
                         mark_line(loader, node.start_mark), "write a smaller number, or quote it"
                         if too_long else "remove the !!int tag or fix the number") from None
    if value.bit_length() > MAX_INT_BITS:
        raise InputError("PLG-E006", "an integer with too many digits", loader.name,
                         mark_line(loader, node.start_mark), "write a smaller number, or quote it")
    return value


def _guarded(tag: str, construct: Any) -> Any:
    """Wrap a scalar constructor so a malformed explicit tag is an input error, not a crash."""

    def run(loader: _Loader, node: yaml.Node) -> Any:
        try:
            return construct(loader, node)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            raise InputError("PLG-E006", f"cannot read this value as !!{tag} "
                             f"({type(exc).__name__})", loader.name,
                             mark_line(loader, node.start_mark),
                             f"remove the !!{tag} tag or fix the value") from None

    return run


def _nested(construct: Any) -> Any:
    """Wrap a container constructor so nesting deeper than :data:`MAX_DEPTH` is refused."""

    def run(loader: _Loader, node: yaml.Node) -> Any:
        loader.depth += 1
        try:
            if loader.depth > MAX_DEPTH:
                raise InputError("PLG-E013", f"nested deeper than {MAX_DEPTH} levels",
                                 loader.name, mark_line(loader, node.start_mark),
                                 "flatten the document")
            return construct(loader, node)
        finally:
            loader.depth -= 1

    return run


_Loader.add_constructor("tag:yaml.org,2002:map", _nested(_construct_mapping))
_Loader.add_constructor("tag:yaml.org,2002:omap", _nested(_construct_mapping))
_Loader.add_constructor("tag:yaml.org,2002:seq", _nested(_construct_sequence))
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp_as_text)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _guarded("float", _construct_float))
for _tag in ("bool", "binary", "set", "pairs", "omap"):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}",
                            _guarded(_tag, _Loader.yaml_constructors[f"tag:yaml.org,2002:{_tag}"]))


_SCALAR_UNIT = 100


def _check_expansion(root: yaml.Node, path: str, loader: _Loader) -> None:
    """Refuse documents whose aliases expand too far or that nest too deeply.

    Sizes are memoised per node, so the walk is linear in the number of
    distinct nodes even when aliases make the expanded tree exponential. What
    aliases add beyond the distinct nodes is capped by :data:`MAX_ALIAS_EXPANSION`:
    later stages (validation, reports) walk the expanded tree, not the nodes. A
    scalar weighs one node per :data:`_SCALAR_UNIT` characters, so one long string
    referenced many times (the "quadratic blow-up") counts for what it expands to.
    """
    sizes: dict[int, int] = {}
    distinct = 0  # the weight of the distinct nodes measured so far
    depth_of: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    on_stack: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_stack.discard(key)
            children = _children(node)
            own = 1 + len(node.value) // _SCALAR_UNIT if isinstance(node, yaml.ScalarNode) else 1
            distinct += own
            size = own + sum(sizes[id(c)] for c in children)
            depth = 1 + max((depth_of[id(c)] for c in children), default=0)
            if size > MAX_EXPANDED_NODES:
                raise InputError("PLG-E013", f"aliases expand to more than "
                                 f"{MAX_EXPANDED_NODES:,} nodes", path,
                                 mark_line(loader, node.start_mark), "remove the exploding aliases")
            if depth > MAX_DEPTH:
                raise InputError("PLG-E013", f"nested deeper than {MAX_DEPTH} levels", path,
                                 mark_line(loader, node.start_mark), "flatten the document")
            sizes[key], depth_of[key] = size, depth
            if size - distinct > MAX_ALIAS_EXPANSION:
                raise InputError("PLG-E013", f"aliases expand to more than "
                                 f"{MAX_ALIAS_EXPANSION:,} extra nodes", path,
                                 mark_line(loader, node.start_mark), "remove the exploding aliases")
            continue
        if key in sizes:
            continue
        if key in on_stack:
            raise InputError("PLG-E013", "a recursive alias refers to itself", path,
                             mark_line(loader, node.start_mark), "remove the recursive alias")
        on_stack.add(key)
        stack.append((node, True))
        if len(on_stack) > MAX_DEPTH:
            raise InputError("PLG-E013", f"nested deeper than {MAX_DEPTH} levels", path,
                             mark_line(loader, node.start_mark), "flatten the document")
        stack.extend((c, False) for c in _children(node) if id(c) not in sizes)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def read_text(path: Path, *, max_size: int = DEFAULT_MAX_FILE_SIZE,
              display: str | None = None) -> str:
    """Read a file as UTF-8 text, refusing what is not a regular, sane-sized text file."""
    return read_text_and_digest(path, max_size=max_size, display=display)[0]


def read_text_and_digest(path: Path, *, max_size: int = DEFAULT_MAX_FILE_SIZE,
                         display: str | None = None) -> tuple[str, str]:
    """:func:`read_text`, with the hex sha256 of the very bytes it read.

    The digest recorded for an input is then that of what was checked, even if
    the file changes while pledge runs.
    """
    shown = display or str(path)
    try:
        if not path.exists():
            if path.is_symlink():
                raise InputError("PLG-E001", "broken symlink (its target does not exist)",
                                 shown, None, "fix or remove the link")
            raise InputError("PLG-E001", "no such file", shown, None, "check the path")
        if path.is_dir():
            raise InputError("PLG-E014", "is a directory where a file was expected", shown)
        if not path.is_file():
            raise InputError("PLG-E014", "is not a regular file", shown)
        size = path.stat().st_size
        too_big = InputError("PLG-E011", f"file is {size:,} bytes, over the limit of "
                             f"{max_size:,}", shown, None, "raise --max-file-size or split it")
        if size > max_size:
            raise too_big
        with path.open("rb") as handle:  # it may grow after stat(): never read past the limit
            data = handle.read(max_size + 1)
        if len(data) > max_size:
            raise too_big
    except OSError as exc:
        raise InputError("PLG-E020", f"cannot read the file ({exc.strerror or exc})", shown,
                         None, "check that it exists and is readable") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("PLG-E012", "UTF-16 text, not UTF-8", shown, None,
                         "save the file as UTF-8")
    if b"\x00" in data:
        raise InputError("PLG-E012", "binary file (contains NUL bytes)", shown, None,
                         "give a YAML or JSON text file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError("PLG-E012", f"not UTF-8 (byte 0x{data[exc.start]:02x})", shown,
                         line, "save the file as UTF-8") from None
    return text.removeprefix("\ufeff"), hashlib.sha256(data).hexdigest()


def parse_yaml(text: str, display: str) -> Any:
    """Parse one YAML document into located containers; errors name file and line."""
    loader = _Loader(text)
    loader.name = display
    loader.line_map = yaml_line_map(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        if "*" in text:  # no alias without '*': only then can the tree outgrow the text
            _check_expansion(root, display, loader)
        return loader.construct_document(root)
    except InputError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "syntax error"
        at_end = mark is not None and mark.line >= text.rstrip("\n").count("\n") + 1
        if at_end and exc.context_mark is not None:
            # "did not find ']'" at the end of the file: point at what was left open
            problem += f" (opened at line {mark_line(loader, exc.context_mark)})"
            mark = exc.context_mark
        line = mark_line(loader, mark) if mark else None
        if "nesting depth" in problem:  # libyaml's own guard against deep nesting
            raise InputError("PLG-E013", f"nested deeper than {MAX_DEPTH} levels", display,
                             line, "flatten the document") from None
        hint = "fix the syntax at this line"
        if loader.line_map is not None:
            hint += "; NEL, U+2028 and U+2029 end a line in YAML 1.1: remove them"
        raise InputError("PLG-E002", f"YAML syntax error: {problem}", display, line,
                         hint) from None
    except yaml.YAMLError as exc:
        raise InputError("PLG-E002", f"YAML error: {str(exc).splitlines()[0]}",
                         display) from None
    except RecursionError:
        raise InputError("PLG-E013", "document nested too deeply", display) from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        # a malformed value under an explicit tag that no guarded constructor caught
        raise InputError("PLG-E006", f"cannot read a value ({type(exc).__name__})",
                         display, None, "remove explicit !!tags") from None
    finally:
        loader.dispose()


def _json_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)  # one C call per object; the loop below only when a key repeats
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise _DuplicateJSONKey(key)
            seen.add(key)
    return result


class _DuplicateJSONKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class _HugeJSONInt(Exception):
    """An integer literal longer than pledge accepts."""


_MAX_INT_DIGITS = MAX_INT_BITS * 3 // 10  # about the digits MAX_INT_BITS bits give


def _json_int(text: str) -> int:
    if len(text) > _MAX_INT_DIGITS:
        raise _HugeJSONInt
    return int(text)


def _json_depth_ok(data: Any) -> bool:
    """True when no container nests deeper than :data:`MAX_DEPTH` (iterative walk).

    The walk goes level by level, each level one comprehension: the same
    containers as a depth-first walk, a few times faster on large documents.
    """
    containers = (dict, list)
    level = [data] if isinstance(data, containers) else []
    depth = 1
    while level:
        if depth > MAX_DEPTH:
            return False
        level = ([v for node in level if isinstance(node, dict) for v in node.values()
                  if isinstance(v, containers)]
                 + [v for node in level if not isinstance(node, dict) for v in node
                    if isinstance(v, containers)])
        depth += 1
    return True


def json_depth_ok(data: Any) -> bool:
    """True when parsed JSON nests no deeper than :data:`MAX_DEPTH` (an iterative walk)."""
    return _json_depth_ok(data)


def parse_json(text: str, display: str) -> Any:
    """Parse JSON, refusing duplicate keys; lines are found later from the text."""
    try:
        data = json.loads(text, object_pairs_hook=_json_pairs, parse_int=_json_int)
    except _HugeJSONInt:
        found = re.search(rf"\d{{{_MAX_INT_DIGITS + 1},}}", text)
        line = text.count("\n", 0, found.start()) + 1 if found else None
        raise InputError("PLG-E006", "an integer with too many digits", display, line,
                         "write a smaller number, or quote it") from None
    except _DuplicateJSONKey as exc:
        line = _duplicate_key_line(text, exc.key)
        raise InputError("PLG-E003", f"duplicate key '{exc.key}'", display, line,
                         "keep one of the two") from None
    except json.JSONDecodeError as exc:
        raise InputError("PLG-E002", f"JSON syntax error: {exc.msg}", display, exc.lineno,
                         "fix the syntax at this line") from None
    except RecursionError:
        raise InputError("PLG-E013", "document nested too deeply", display) from None
    if not _json_depth_ok(data):
        raise InputError("PLG-E013", f"nested deeper than {MAX_DEPTH} levels", display, None,
                         "flatten the document")
    return data


class QuickParseRefused(Exception):
    """The fast JSON parser refused a text: :func:`parse_json` words the exact error."""


def quick_json(text: str) -> Any:
    """Parse JSON with pydantic-core's parser (jiter), several times faster than ``json``.

    Made for large inventories, and trusted only with the checks that follow it:

    - it refuses a subset of what :func:`parse_json` accepts (lone surrogates,
      integers over 4,300 digits, nesting over 200 levels) and, where both accept
      a text, yields the same values: on :class:`QuickParseRefused` the caller
      parses again with :func:`parse_json` for the usual error;
    - it keeps the last of two equal keys in silence: the caller compares
      :func:`json_key_marks` with the keys the models received;
    - it applies neither :data:`MAX_DEPTH` nor :data:`MAX_INT_BITS`: the caller
      validates the data against models that nest a few levels deep and bounds
      their integers.
    """
    try:
        return from_json(text, allow_inf_nan=True)
    except ValueError:
        raise QuickParseRefused from None


_SPACED_KEY_END = re.compile(r'"[ \t\r\n]+:')


def json_key_marks(text: str, left_out: Iterable[tuple[int, int]] = ()) -> int:
    """How many times a quote is followed by optional whitespace and a colon.

    Every key of a JSON text ends so, so this is at least the number of keys
    written; it is more only when a string (a key or a value) holds such a
    sequence itself. Equal to the number of keys a parse kept, the text has no
    duplicate key. ``left_out``: spans ``(start, end)`` of the text not counted
    (whole lines of whole items, so no mark straddles their edges).
    """
    marks, at = 0, 0
    for start, end in [*sorted(left_out), (len(text), len(text))]:
        marks += text.count('":', at, start) + len(_SPACED_KEY_END.findall(text, at, start))
        at = max(at, end)
    return marks


_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[{]|[\]}]')


def _duplicate_key_line(text: str, key: str) -> int | None:
    """Line of the second of two equal keys in one JSON object (the first such pair).

    Walks the places the key is written, in order; two belong to one object when
    the text between them opens as many brackets as it closes and never closes
    one it did not open (strings skipped). ``None`` when the key is written with
    escapes, so not found as such.
    """
    written = re.escape(json.dumps(key, ensure_ascii=False))
    marks = [(m.start(), m.end()) for m in re.finditer(written + r"\s*:", text)]
    for (_, after_first), (second, _) in itertools.pairwise(marks):
        depth = 0
        for token in _JSON_TOKEN.finditer(text, after_first, second):
            bracket = token.group()
            if bracket in "[{":
                depth += 1
            elif bracket in "]}":
                depth -= 1
                if depth < 0:
                    break
        else:
            if depth == 0:
                return text.count("\n", 0, second) + 1
    return None


def load_file(path: Path, *, max_size: int = DEFAULT_MAX_FILE_SIZE,
              display: str | None = None) -> tuple[Any, str]:
    """Load a YAML or JSON file (chosen by suffix); return the data and the raw text."""
    shown = display or os.fspath(path)
    text = read_text(path, max_size=max_size, display=shown)
    if path.suffix.lower() == ".json":
        return parse_json(text, shown), text
    return parse_yaml(text, shown), text


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
