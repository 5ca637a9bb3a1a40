"""Read large, plain YAML documents quickly, to exactly what :func:`parse_yaml` gives.

:func:`parse_yaml` lets libyaml compose a node tree (resolving every scalar's tag
in Python) and then constructs it node by node: about a second per megabyte.
:func:`quick_yaml` consumes libyaml's parser events and builds the same
:class:`Located` / :class:`LocatedList` tree at once, with the same lines, a few
times faster. It takes the subset of YAML that generated manifests use: block and
flow mappings and sequences, quoted scalars, and plain scalars that read as
text, null, a boolean, a decimal integer or a date (kept as text).

Everything else hands the whole text to :func:`parse_yaml`, which then gives the
value or the error (file, line, what to do): an anchor or alias, an explicit
tag, a merge key, a float, a duplicate key, a key that is not a scalar or is
null, nesting deeper than :data:`MAX_DEPTH`, a syntax error, several documents,
and the line breaks YAML 1.1 counts but editors do not. So the guards of the
located loader hold on both paths: aliases never expand here, a duplicate key is
an error with both lines, depth is bounded.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from pledge.policy_model.yaml_source import (
    MAX_DEPTH,
    Located,
    LocatedList,
    parse_yaml,
    yaml_line_map,
)

try:
    from yaml.cyaml import CParser as _CParser
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    _CParser = None

_RESOLVERS = yaml.SafeLoader.yaml_implicit_resolvers
_WILDCARD = _RESOLVERS.get(None, [])
_STR = "tag:yaml.org,2002:str"
_DECIMAL_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]{0,99})")
_BOOLS = yaml.SafeLoader.bool_values


class _Refused(Exception):
    """What the quick path does not take: :func:`parse_yaml` reads the text instead."""


def _plain(value: str, cache: dict[str, Any]) -> Any:
    """What a plain (unquoted) scalar reads as, as the safe loader resolves it."""
    if value in cache:
        return cache[value]
    tag = _STR
    for candidate, pattern in _RESOLVERS.get(value[0] if value else "", []) + _WILDCARD:
        if pattern.match(value):
            tag = candidate
            break
    result: Any
    if tag == _STR or tag == "tag:yaml.org,2002:timestamp":  # dates stay text
        result = value
    elif tag == "tag:yaml.org,2002:null":
        result = None
    elif tag == "tag:yaml.org,2002:bool":
        result = _BOOLS[value.lower()]
    elif tag == "tag:yaml.org,2002:int" and _DECIMAL_INT.fullmatch(value):
        result = int(value)
    else:  # floats, YAML 1.1's other integers, merge keys: the located loader's rules
        raise _Refused
    cache[value] = result
    return result


_NEEDS_RESOLVING = frozenset(k for k in _RESOLVERS if k) if not _WILDCARD else None
"""First characters of plain scalars that may read as something other than text (``None``:
any may, as when a resolver applies whatever the first character)."""


def _build(text: str) -> Any:
    """The document's located tree, or :class:`_Refused`."""
    assert _CParser is not None
    parser = _CParser(text)
    try:
        get = parser.get_event
        get()  # stream start
        event = get()
        if isinstance(event, yaml.StreamEndEvent):
            return None
        if not isinstance(event, yaml.DocumentStartEvent) or event.version or event.tags:
            raise _Refused
        root = _tree(get)
        if not isinstance(get(), yaml.DocumentEndEvent):
            raise _Refused
        if not isinstance(get(), yaml.StreamEndEvent):
            raise _Refused  # several documents: the located loader says so
        return root
    finally:
        parser.dispose()


def _tree(get: Any) -> Any:
    """Build one node (and everything in it) from the parser's events."""
    scalar_event, map_start, seq_start = (yaml.ScalarEvent, yaml.MappingStartEvent,
                                          yaml.SequenceStartEvent)
    map_end, seq_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
    needs = _NEEDS_RESOLVING
    cache: dict[str, Any] = {}
    # Open containers: (container, is_mapping); for a mapping, its pending key and key line.
    stack: list[Any] = []
    keys: list[Any] = []
    key_lines: list[int] = []
    while True:
        event = get()
        kind = event.__class__
        value: Any
        if kind is scalar_event:
            if event.anchor is not None or event.tag is not None:
                raise _Refused
            value = event.value
            if event.implicit[0] and (needs is None or not value or value[0] in needs):
                value = _plain(value, cache)
            if stack and keys[-1] is _EXPECT_KEY:
                if value is None or not isinstance(value, str | int | bool):
                    raise _Refused
                key = str(value)
                if key in stack[-1]:
                    raise _Refused  # a duplicate key: the located loader names both lines
                keys[-1] = key
                key_lines[-1] = event.start_mark.line + 1
                continue
        elif kind is map_start or kind is seq_start:
            if event.anchor is not None or event.tag is not None:
                raise _Refused
            if stack and keys[-1] is _EXPECT_KEY:
                raise _Refused  # a mapping or sequence as a key
            line = event.start_mark.line + 1
            stack.append(Located(line=line) if kind is map_start else LocatedList(line=line))
            keys.append(_EXPECT_KEY if kind is map_start else None)
            key_lines.append(0)
            if len(stack) > MAX_DEPTH:
                raise _Refused
            continue
        elif kind is map_end or kind is seq_end:
            value = stack.pop()
            keys.pop()
            key_lines.pop()
        else:  # an alias, or an event no document holds here
            raise _Refused
        if not stack:
            return value
        top = stack[-1]
        key = keys[-1]
        if key is None:
            top.append(value)
        else:
            top[key] = value
            top.key_lines[key] = key_lines[-1]
            keys[-1] = _EXPECT_KEY


_EXPECT_KEY = object()


def quick_yaml(text: str, display: str) -> Any:
    """Parse one YAML document as :func:`parse_yaml` does (same values, lines, errors)."""
    if _CParser is None or yaml_line_map(text) is not None:
        return parse_yaml(text, display)
    try:
        return _build(text)
    except Exception:  # whatever the quick path meets, the exact parser decides
        return parse_yaml(text, display)


try:
    from yaml.cyaml import CEmitter as _CEmitter
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    _CEmitter = None

_MAP, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


def _dump_exactly(data: Any, width: int) -> str:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return str(yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, width=width))


def quick_dump(data: Any, *, width: int = 100) -> str:
    """Block-style YAML, keys in insertion order: byte for byte what PyYAML's
    ``yaml.dump(data, Dumper=CSafeDumper, sort_keys=False, allow_unicode=True,
    width=width)`` writes, several times faster.

    PyYAML builds a node per value in Python, then libyaml serialises the nodes;
    here libyaml's emitter receives the events straight from the data (it still
    chooses every scalar's style, quoting and folding). Data of plain dicts,
    lists, strings, integers, booleans and ``None``, with no container reached
    twice, takes this path; anything else (which PyYAML would write with
    anchors, tags or floats) is written by PyYAML itself.
    """
    if _CEmitter is None:
        return _dump_exactly(data, width)
    import io

    stream = io.StringIO()
    emitter = yaml.CSafeDumper(stream, default_flow_style=False, allow_unicode=True,
                               width=width, sort_keys=False)
    try:
        emitter.open()
        emitter.emit(yaml.DocumentStartEvent(explicit=False))
        _emit(data, emitter.emit, set())
        emitter.emit(yaml.DocumentEndEvent(explicit=False))
        emitter.close()
    except _Refused:
        return _dump_exactly(data, width)
    finally:
        emitter.dispose()
    return stream.getvalue()


def _emit(data: Any, emit: Any, seen: set[int]) -> None:
    """Emit the events of ``data``; :class:`_Refused` for what PyYAML writes otherwise."""
    needs = _NEEDS_RESOLVING
    scalar = yaml.ScalarEvent(None, _STR, (True, True), "", style=None)
    str_tag, plain_str = _STR, (True, True)
    quoted_str = (False, True)
    other = (True, False)
    resolved: dict[str, bool] = {}

    def text(value: str) -> None:
        # PyYAML's serializer: plain is allowed when the text would read back as text
        if needs is not None and value and value[0] not in needs:
            implicit = plain_str
        else:
            reads_as_text = resolved.get(value)
            if reads_as_text is None:
                reads_as_text = resolved[value] = _resolve(value) == str_tag
            implicit = plain_str if reads_as_text else quoted_str
        scalar.tag, scalar.implicit, scalar.value = str_tag, implicit, value
        emit(scalar)

    def node(value: Any) -> None:
        kind = type(value)
        if kind is str:
            text(value)
            return
        if kind is dict or kind is list:
            if id(value) in seen:
                raise _Refused  # PyYAML writes an anchor and an alias
            seen.add(id(value))
            if kind is dict:
                emit(yaml.MappingStartEvent(None, _MAP, True, flow_style=False))
                for key, item in value.items():
                    if type(key) is not str:
                        raise _Refused
                    text(key)
                    node(item)
                emit(yaml.MappingEndEvent())
            else:
                emit(yaml.SequenceStartEvent(None, _SEQ, True, flow_style=False))
                for item in value:
                    node(item)
                emit(yaml.SequenceEndEvent())
            return
        if value is None:
            scalar.tag, scalar.value = "tag:yaml.org,2002:null", "null"
        elif kind is bool:
            scalar.tag, scalar.value = "tag:yaml.org,2002:bool", "true" if value else "false"
        elif kind is int:
            scalar.tag, scalar.value = "tag:yaml.org,2002:int", str(value)
        else:
            raise _Refused
        scalar.implicit = other
        emit(scalar)

    node(data)


def _resolve(value: str) -> str:
    """The tag a plain scalar ``value`` reads as (the safe resolver's rules)."""
    for candidate, pattern in _RESOLVERS.get(value[0] if value else "", []) + _WILDCARD:
        if pattern.match(value):
            return str(candidate)
    return _STR
