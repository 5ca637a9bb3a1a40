"""Turn pydantic validation errors into located, one-line input errors."""

from __future__ import annotations

import difflib
import re
import types
import typing
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from pledge.policy_model.errors import InputError
from pledge.policy_model.redact import redact
from pledge.policy_model.types import PATTERN_PROBLEMS
from pledge.policy_model.yaml_source import Located, LocatedList


def _candidates(annotation: Any) -> list[Any]:
    """Flatten Optional/Union/Annotated/list/dict into the types they may hold."""
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _candidates(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return [c for a in get_args(annotation) for c in _candidates(a)]
    if origin in (list, tuple, set, frozenset):
        return [c for a in get_args(annotation)[:1] for c in _candidates(a)]
    if origin is dict:
        return [c for a in get_args(annotation)[1:] for c in _candidates(a)]
    return [annotation]


def model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class that owns the last element of ``loc``."""
    current: list[Any] = [model]
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        models = [c for c in current if isinstance(c, type) and issubclass(c, BaseModel)]
        tagged = [m for m in models if "kind" in m.model_fields
                  and get_args(m.model_fields["kind"].annotation) == (part,)]
        if tagged:
            current = tagged
            continue
        owners = [m for m in models if part in m.model_fields]
        if not owners:
            continue
        current = _candidates(owners[0].model_fields[part].annotation)
    models = [c for c in current if isinstance(c, type) and issubclass(c, BaseModel)]
    return models[0] if models else None


def _walk(raw: Any, loc: tuple[Any, ...]) -> tuple[int | None, str]:
    """Follow ``loc`` through located data; return the best line and a readable path."""
    line = getattr(raw, "line", None)
    node = raw
    shown = ""
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(node, dict) and isinstance(part, str):
            if part not in node:
                continue  # a union tag, or a missing key: stay on the mapping
            if isinstance(node, Located) and part in node.key_lines:
                line = node.key_lines[part]
            shown += f".{_cut(part, 80)}" if shown else _cut(part, 80)
            node = node[part]
            ident = node.get("id") if isinstance(node, dict) else None
            if isinstance(ident, str) and not last:
                shown += f"({_cut(ident, 80)})"
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            ident = node.get("id") if isinstance(node, dict) else None
            shown += f"[{part}]" + (f"({_cut(ident, 80)})" if isinstance(ident, str) else "")
        else:
            continue
        if isinstance(node, Located | LocatedList) and (not last or line is None):
            line = node.line
    return line, shown or "(top level)"


MAX_ERRORS_PER_FILE = 200
SECRET_NAME = re.compile(r"(?i)pass|pwd|secret|token|key|credential|auth|connection|dsn")
"""Keys whose values an error never echoes, masked or not."""


def _cut(text: str, limit: int) -> str:
    """``text`` redacted, then cut to ``limit`` characters (``…`` marks a cut).

    Redacting first: a card number cut in half would no longer look like one, and
    its first digits would be printed.
    """
    head = redact(text)
    return head if len(head) <= limit else head[:limit] + "…"


def translate(exc: ValidationError, raw: Any, model: type[BaseModel],
              path: str) -> list[InputError]:
    """One :class:`InputError` per pydantic error, located in ``path``.

    At most :data:`MAX_ERRORS_PER_FILE` are translated; a file with more gets one
    more line saying how many were left out, so a hostile or generated file of
    millions of broken entries costs seconds, not hours.
    """
    return translate_errors(exc.errors(include_url=False), raw, model, path)


def translate_errors(found: list[Any], raw: Any, model: type[BaseModel],
                     path: str) -> list[InputError]:
    """:func:`translate` for pydantic's error dictionaries (``ValidationError.errors()``)."""
    errors: list[InputError] = []
    if len(found) > MAX_ERRORS_PER_FILE:
        errors.append(InputError("PLG-E021", f"{len(found) - MAX_ERRORS_PER_FILE:,} more "
                                 f"problems in this file are not listed (only the first "
                                 f"{MAX_ERRORS_PER_FILE} are)", path, None,
                                 "fix these and run again"))
    for err in found[:MAX_ERRORS_PER_FILE]:
        loc = tuple(err["loc"])
        line, where = _walk(raw, loc)
        kind = err["type"]
        field = loc[-1] if loc else ""
        if kind == "extra_forbidden":
            owner = model_at(model, loc)
            allowed = sorted(owner.model_fields) if owner else []
            # a guess only for a key of sane length: difflib is quadratic in it
            guess = difflib.get_close_matches(str(field), allowed, n=1, cutoff=0.6) if len(
                str(field)) <= 100 else []
            hint = (f"did you mean {guess[0]}?" if guess
                    else f"allowed keys: {', '.join(allowed)}" if allowed else None)
            errors.append(InputError("PLG-E004", f"unknown key '{_cut(str(field), 80)}' at {where}",
                                     path, line, hint))
        elif kind == "missing":
            errors.append(InputError("PLG-E005", f"missing required field '{field}' at {where}",
                                     path, line, f"add {field}:"))
        else:
            message = err["msg"]
            value = err.get("input")
            if kind == "string_pattern_mismatch":
                pattern = str((err.get("ctx") or {}).get("pattern"))
                message = PATTERN_PROBLEMS.get(pattern, message)
            hint = None
            expected = (err.get("ctx") or {}).get("expected")
            if (kind in ("literal_error", "enum") and isinstance(expected, str)
                    and isinstance(value, str)):
                options = [o.strip().strip("'") for o in expected.replace(" or ", ",").split(",")]
                guess = difflib.get_close_matches(value, options, n=1, cutoff=0.5)
                hint = f"did you mean {guess[0]}?" if guess else None
            if kind in ("int_parsing", "float_parsing") and isinstance(value, str):
                hint = ("write a plain decimal number: YAML reads forms such as 0o17 or 1e3 "
                        "as text")
            shown = repr(_cut(value, 100) if isinstance(value, str) else value) if isinstance(
                value, str | int | float | bool) else ""
            if SECRET_NAME.search(str(field)) and shown:
                shown = "(a value, not shown: the key names a secret)"
            text = f"invalid value {shown} at {where}: {message}" if shown else (
                f"invalid value at {where}: {message}")
            errors.append(InputError("PLG-E006", text[:400], path, line, hint))
    return errors
