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
from itertools import repeat
from operator import attrgetter

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
    pending: list[list[BaseModel]] = [list(roots)]
    while pending:
        items = pending.pop()
        if not items:
            continue
        classes = {type(item) for item in items}
        for cls in classes:
            same = items if len(classes) == 1 else [i for i in items if type(i) is cls]
            keys = list(map(SharedKeys, map(_given, same)))
            keys = list(map(shared.setdefault, keys, keys))
            deque(map(object.__setattr__, same, repeat(_FIELDS_SET), keys), maxlen=0)
            for name in _nested_fields(cls):
                values = list(map(attrgetter(name), same))
                pending.append([v for v in values if isinstance(v, BaseModel)])
                pending.append([x for v in values if isinstance(v, list | tuple)
                                for x in v if isinstance(x, BaseModel)])


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
