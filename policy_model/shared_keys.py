"""One frozen set of given keys per distinct key set, shared by every loaded model.

pydantic gives each model instance its own ``__pydantic_fields_set__`` (the
fields the input gave), a ``set`` of 216 to 728 bytes: more memory than the
instance's own dictionary. An inventory's models fall into a handful of key
sets (every field written as ``{name, category}``, say), so after loading each
model's set is replaced by a shared, frozen :class:`~pledge.base.strict_model.SharedKeys`
of the same keys: on a million systems, about 5 GB less. Reading is unchanged
(``model_fields_set``, ``model_dump(exclude_unset=True)``); a model assigned to
after loading, or copied, takes a private set first (``StrictModel.__setattr__``),
so no model ever changes another's.
"""

from __future__ import annotations

import types
import typing
from collections import deque
from collections.abc import Iterable
from functools import cache
from itertools import chain, compress, repeat
from operator import attrgetter, eq, not_
from typing import Any

from pydantic import BaseModel

from pledge.base.strict_model import SharedKeys

_FIELDS_SET = "__pydantic_fields_set__"
_given = attrgetter(_FIELDS_SET)


def share_given_keys(roots: Iterable[BaseModel], shared: dict[frozenset[str], SharedKeys]
                     ) -> None:
    """Give ``roots`` and every model inside them the shared frozen set of their keys.

    ``shared`` maps each key set seen to its one instance (kept by the caller
    across calls). Models are visited a class at a time, a column of models at
    a time: no Python call per model.
    """
    pending: list[list[Any]] = [list(roots)]
    while pending:
        items = pending.pop()
        if not items:
            continue
        classes = set(map(type, items))
        if not all(isinstance(cls, type) and issubclass(cls, BaseModel) for cls in classes):
            items = [i for i in items if isinstance(i, BaseModel)]
            classes = set(map(type, items))
        for cls in classes:
            same = items if len(classes) == 1 else [i for i in items if type(i) is cls]
            _share(same, shared)
            for name in _nested_fields(cls):
                values = list(map(attrgetter(name), same))
                kinds = set(map(type, values))
                if kinds <= _LISTS:  # a list of models, as validated: flattened in C
                    pending.append(list(chain.from_iterable(values)))
                else:
                    pending.append([v for v in values if isinstance(v, BaseModel)])
                    pending.append([x for v in values if isinstance(v, list | tuple)
                                    for x in v if isinstance(x, BaseModel)])


_LISTS = frozenset({list, tuple})
_PASSES = 8
"""Distinct key sets looked for column-wide, one C-level pass each, before set by set."""


def _share(same: list[Any], shared: dict[frozenset[str], SharedKeys]) -> None:
    """Give the models of one class their shared key sets.

    A column holds a few distinct key sets: each pass takes the first model's
    not yet shared, and every model whose set equals it (compared in C, no set
    built) gets the shared one; what is left after a few passes, set by set.
    """
    given = list(map(_given, same))
    left: list[int] | range = range(len(same))
    for _ in range(_PASSES):
        if not left:
            return
        probe = SharedKeys(given[left[0]])
        keys = shared.setdefault(probe, probe)
        equal = list(map(eq, map(given.__getitem__, left), repeat(keys)))
        deque(map(object.__setattr__, map(same.__getitem__, compress(left, equal)),
                  repeat(_FIELDS_SET), repeat(keys)), maxlen=0)
        left = list(compress(left, map(not_, equal)))
    rest = [same[i] for i in left]
    found = list(map(SharedKeys, map(_given, rest)))
    found = list(map(shared.setdefault, found, found))
    deque(map(object.__setattr__, rest, repeat(_FIELDS_SET), found), maxlen=0)


@cache
def _nested_fields(cls: type[BaseModel]) -> tuple[str, ...]:
    """The fields of ``cls`` whose values may hold models (directly or in a list)."""
    return tuple(name for name, info in cls.model_fields.items()
                 if _may_hold_model(info.annotation))


def _may_hold_model(annotation: object) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _may_hold_model(typing.get_args(annotation)[0])
    if origin in (list, tuple, typing.Union, types.UnionType):
        return any(_may_hold_model(arg) for arg in typing.get_args(annotation))
    return False
