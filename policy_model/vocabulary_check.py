"""Check every vocabulary id in a validated model against the vocabularies, with lines."""

from __future__ import annotations

import typing
from typing import Any, get_args, get_origin

from pydantic import BaseModel

from pledge.policy_model.errors import InputError
from pledge.policy_model.types import VocabRef
from pledge.policy_model.validation_errors import _candidates
from pledge.policy_model.vocabulary import Vocabularies
from pledge.policy_model.yaml_source import Located

_PLANS: dict[type[BaseModel], list[tuple[str, str, str | None]]] = {}


def _plan(cls: type[BaseModel]) -> list[tuple[str, str, str | None]]:
    """For each field: ('vocab', vocabulary) or ('model', None), computed once per class."""
    plan = _PLANS.get(cls)
    if plan is not None:
        return plan
    plan = []
    for name, info in cls.model_fields.items():
        refs = [m for m in info.metadata if isinstance(m, VocabRef)]
        if not refs:
            refs = annotated_refs(info.annotation)
        if refs:
            plan.append((name, "vocab", refs[0].vocabulary))
        elif any(isinstance(c, type) and issubclass(c, BaseModel)
                 for c in _candidates(info.annotation)):
            plan.append((name, "model", None))
    _PLANS[cls] = plan
    return plan


def annotated_refs(annotation: Any) -> list[VocabRef]:
    """The vocabulary markers inside ``annotation`` (through Annotated, unions and lists)."""
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        args = get_args(annotation)
        found = [a for a in args[1:] if isinstance(a, VocabRef)]
        return found or annotated_refs(args[0])
    return [r for a in get_args(annotation) for r in annotated_refs(a)]


def vocabulary_errors(obj: BaseModel, raw: Any, path: str, vocab: Vocabularies,
                      where: str = "") -> list[InputError]:
    """Every unknown vocabulary id in ``obj``, with the line it stands on in ``raw``.

    A quick pass first asks only whether every id is known (the usual case, and
    the only one that must be fast on large inventories); the located walk that
    words the errors runs only when some id is not.
    """
    terms = {kind: vocab.get(kind).terms for kind in _vocabularies_used(type(obj))}
    if _all_known(obj, terms):
        return []
    errors: list[InputError] = []
    _visit(obj, raw, path, vocab, where, errors)
    return errors


_QUICK: dict[type[BaseModel], tuple[tuple[str, str | None], ...]] = {}
_BUSY: set[type[BaseModel]] = set()


def _quick_plan(cls: type[BaseModel]) -> tuple[tuple[str, str | None], ...]:
    """The fields of ``cls`` that hold vocabulary ids, or models that may hold some.

    A field is ``(name, vocabulary)`` for ids, ``(name, None)`` for nested
    models; nested model types that can hold no id at all are left out.
    """
    plan = _QUICK.get(cls)
    if plan is not None:
        return plan
    _BUSY.add(cls)
    try:
        plan = tuple(
            (name, vocabulary) for name, action, vocabulary in _plan(cls)
            if action == "vocab" or any(
                isinstance(c, type) and issubclass(c, BaseModel)
                and (c in _BUSY or _quick_plan(c))  # a model nested in itself is kept
                for c in _candidates(cls.model_fields[name].annotation)))
    finally:
        _BUSY.discard(cls)
    _QUICK[cls] = plan
    return plan


def _vocabularies_used(cls: type[BaseModel], seen: set[type] | None = None) -> set[str]:
    """Names of the vocabularies a model (and the models in it) refers to."""
    seen = seen if seen is not None else set()
    if cls in seen:
        return set()
    seen.add(cls)
    used: set[str] = set()
    for name, vocabulary in _quick_plan(cls):
        if vocabulary is not None:
            used.add(vocabulary)
            continue
        for c in _candidates(cls.model_fields[name].annotation):
            if isinstance(c, type) and issubclass(c, BaseModel):
                used |= _vocabularies_used(c, seen)
    return used


def _all_known(obj: BaseModel, terms: dict[str, Any]) -> bool:
    """True when every vocabulary id in ``obj`` is known (no lines, no messages)."""
    for name, vocabulary in _quick_plan(type(obj)):
        value = getattr(obj, name)
        if value is None:
            continue
        if vocabulary is not None:
            known = terms.get(vocabulary)
            if known is None:  # a vocabulary met only at run time (a subclass's field)
                return False
            if isinstance(value, list):
                for item in value:
                    if item not in known:
                        return False
            elif value not in known:
                return False
        elif isinstance(value, BaseModel):
            if not _all_known(value, terms):
                return False
        elif isinstance(value, list):
            # Long lists of one model (fields, flows): ids checked in place, not by recursion.
            cls: type | None = None
            flat: list[tuple[str, Any]] | None = None
            for item in value:
                if not isinstance(item, BaseModel):
                    continue
                if type(item) is not cls:
                    cls = type(item)
                    plan = _quick_plan(cls)
                    flat = ([(n, terms.get(v)) for n, v in plan]  # type: ignore[arg-type]
                            if all(v is not None for _n, v in plan) else None)
                if flat is None:
                    if not _all_known(item, terms):
                        return False
                    continue
                for field_name, known in flat:
                    found = getattr(item, field_name)
                    if found is None:
                        continue
                    if known is None:  # a vocabulary met only at run time
                        return False
                    if isinstance(found, list):
                        for term in found:
                            if term not in known:
                                return False
                    elif found not in known:
                        return False
        elif isinstance(value, dict):
            for item in value.values():
                if isinstance(item, BaseModel) and not _all_known(item, terms):
                    return False
    return True


def _visit(obj: BaseModel, raw: Any, path: str, vocab: Vocabularies, where: str,
           errors: list[InputError]) -> None:
    raw_map = raw if isinstance(raw, dict) else {}
    for name, action, vocabulary in _plan(type(obj)):
        value = getattr(obj, name)
        if value is None:
            continue
        here = f"{where}.{name}" if where else name
        if action == "vocab":
            voc = vocab.get(vocabulary)  # type: ignore[arg-type]
            items = value if isinstance(value, list) else [value]
            for item in items:
                if item not in voc:
                    line = raw_map.key_lines.get(name) if isinstance(raw_map, Located) else None
                    line = line or getattr(raw, "line", None)
                    errors.append(InputError(
                        "PLG-E007", f"unknown {voc.label} '{item}' at {here}", path, line,
                        voc.unknown_hint(item)))
            continue
        raw_child = raw_map.get(name)
        if isinstance(value, BaseModel):
            _visit(value, raw_child, path, vocab, here, errors)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    sub = raw_child[i] if isinstance(raw_child, list) and i < len(
                        raw_child) else None
                    ident = getattr(item, "id", None) or getattr(item, "name", None)
                    label = f"{here}[{i}]" + (f"({ident})" if isinstance(ident, str) else "")
                    _visit(item, sub, path, vocab, label, errors)
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, BaseModel):
                    _visit(item, raw_child.get(key) if isinstance(raw_child, dict) else None,
                           path, vocab, f"{here}.{key}", errors)
