"""One quick pass over validated models: what the loader must confirm before trusting a file.

After validation, three questions remain about a file, and on a large inventory
they must be answered in a fraction of a second:

- is every vocabulary id known?
- does a list of strings (every such list is a set) repeat a value?
- how many keys did the file give, and is every integer within bounds?

:func:`scan` answers them together, column by column: the models of one class
that sit side by side (the fields of every store, the flows) are read one
attribute at a time, with ``map`` and set operations, never one Python step per
value. It only answers yes or no; the walks that word errors with their lines
(:func:`~pledge.policy_model.vocabulary_check.vocabulary_errors`,
:func:`~pledge.policy_model.loading.repeated_values`) run when an answer says so.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from pledge.policy_model.types import VocabRef, annotated_refs

LONG_INT_BITS = 9_000
"""Integers longer than this are looked at by the exact parsers, which refuse the longest.

Well under both parsers' bounds (YAML: :data:`~pledge.policy_model.yaml_source.MAX_INT_BITS`
bits; JSON: 3,000 digits, about 9,966 bits), so no integer either would refuse
gets past the scan unseen."""


@dataclass
class ScanResult:
    """What one pass over a model tree found."""

    keys: int = 0
    """Keys given, summed over every model: the keys of the mapping each came from."""
    unknown_ids: bool = False
    """Some vocabulary id is not in its vocabulary."""
    repeats: bool = False
    """Some list of strings holds a value twice."""
    huge_int: bool = False
    """Some integer is longer than :data:`LONG_INT_BITS` bits."""

    @property
    def clean(self) -> bool:
        """True when nothing needs a closer look."""
        return not (self.unknown_ids or self.repeats or self.huge_int)


@dataclass(frozen=True)
class _Plan:
    """How to read one model class column by column."""

    scalar_ids: tuple[tuple[str, str], ...]  # (field, vocabulary) holding one id
    string_lists: tuple[tuple[str, str | None, bool], ...]  # (field, vocabulary, may be None)
    integers: tuple[str, ...]
    models: tuple[str, ...]  # fields holding one model (or None)
    model_lists: tuple[str, ...]  # fields holding a list of models


_PLANS: dict[type[BaseModel], _Plan] = {}


def _bare(annotation: Any) -> Any:
    """``annotation`` without Annotated and without None in a union."""
    while get_origin(annotation) is typing.Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return _bare(members[0])
    return annotation


def _may_be_none(annotation: Any) -> bool:
    while get_origin(annotation) is typing.Annotated:
        annotation = get_args(annotation)[0]
    return annotation is None or type(None) in get_args(annotation)


def _is_str(annotation: Any) -> bool:
    bare = _bare(annotation)
    if bare is str:
        return True
    return get_origin(bare) is Literal and all(isinstance(a, str) for a in get_args(bare))


def _is_model(annotation: Any) -> bool:
    bare = _bare(annotation)
    return isinstance(bare, type) and issubclass(bare, BaseModel)


def _plan(cls: type[BaseModel]) -> _Plan:
    plan = _PLANS.get(cls)
    if plan is not None:
        return plan
    scalar_ids: list[tuple[str, str]] = []
    string_lists: list[tuple[str, str | None, bool]] = []
    integers: list[str] = []
    models: list[str] = []
    model_lists: list[str] = []
    for name, info in cls.model_fields.items():
        refs = [m for m in info.metadata if isinstance(m, VocabRef)] or annotated_refs(
            info.annotation)
        vocabulary = refs[0].vocabulary if refs else None
        bare = _bare(info.annotation)
        if get_origin(bare) is list:
            item = get_args(bare)[0] if get_args(bare) else Any
            if _is_str(item):
                string_lists.append((name, vocabulary, _may_be_none(info.annotation)))
            elif _is_model(item):
                model_lists.append(name)
            else:
                raise TypeError(f"{cls.__name__}.{name}: a list the scan cannot read")
        elif _is_str(bare):
            if vocabulary:
                scalar_ids.append((name, vocabulary))
        elif bare is int:
            integers.append(name)
        elif _is_model(bare):
            models.append(name)
        elif get_origin(bare) in (dict, Union, types.UnionType) or bare is Any:
            raise TypeError(f"{cls.__name__}.{name}: a field the scan cannot read")
    plan = _PLANS[cls] = _Plan(tuple(scalar_ids), tuple(string_lists), tuple(integers),
                               tuple(models), tuple(model_lists))
    return plan


def scan(root: BaseModel, terms: Mapping[str, Iterable[str]]) -> ScanResult:
    """Answer the loader's questions about ``root`` and every model in it.

    ``terms`` maps each vocabulary name to its known ids; an id of a vocabulary
    missing from ``terms`` counts as unknown. The models must have been
    validated (each field holds what its annotation says); a model class with a
    field the scan cannot read raises :class:`TypeError` (a programming error).
    """
    result = ScanResult()
    known = {name: set(ids) for name, ids in terms.items()}
    pending: list[list[BaseModel]] = [[root]]
    while pending:
        items = pending.pop()
        classes = set(map(type, items))
        for cls in sorted(classes, key=lambda c: c.__qualname__):
            same = items if len(classes) == 1 else [i for i in items if type(i) is cls]
            pending.extend(_scan_column(cls, same, known, result))
    return result


_FIELDS_SET = attrgetter("__pydantic_fields_set__")


def _scan_column(cls: type[BaseModel], items: list[BaseModel], known: dict[str, set[str]],
                 result: ScanResult) -> list[list[BaseModel]]:
    """Scan the models ``items`` of class ``cls`` field by field; return nested models."""
    plan = _plan(cls)
    result.keys += sum(map(len, map(_FIELDS_SET, items)))
    for name, vocabulary in plan.scalar_ids:
        ids: set[str | None] = set(map(attrgetter(name), items))
        ids.discard(None)
        if ids and not ids <= known.get(vocabulary, set()):
            result.unknown_ids = True
    for name, list_vocabulary, may_be_none in plan.string_lists:
        # Lists repeat across models (a few distinct purpose lists over every field):
        # judge each distinct one once.
        column = map(attrgetter(name), items)
        distinct = set(map(tuple, (v for v in column if v is not None) if may_be_none
                           else column))
        distinct.discard(())
        if any(len(set(values)) != len(values) for values in distinct):
            result.repeats = True
        if list_vocabulary and distinct and not set().union(*distinct) <= known.get(list_vocabulary,
                                                                               set()):
            result.unknown_ids = True
    for name in plan.integers:
        numbers: list[int] = [v for v in map(attrgetter(name), items) if v is not None]
        if numbers and max(max(numbers), -min(numbers)).bit_length() > LONG_INT_BITS:
            result.huge_int = True
    nested: list[list[BaseModel]] = []
    for name in plan.models:
        children = [v for v in map(attrgetter(name), items) if v is not None]
        if children:
            nested.append(children)
    for name in plan.model_lists:
        children = [v for values in map(attrgetter(name), items) for v in values]
        if children:
            nested.append(children)
    return nested
