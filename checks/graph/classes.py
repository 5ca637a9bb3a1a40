"""Sorting many items into few classes, so that a check decides once per class.

Inventories repeat a few dozen combinations of the facts a check judges over
hundreds of thousands of flows, stores and fields. Each item gets the number
of its combination (its class); a check computes one verdict per class and
visits only the members of the classes that fail, in their order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from itertools import compress
from typing import Any, Generic, TypeVar

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


class Memo(dict[K, T]):
    """``memo[key]`` is ``make(key)``, made the first time it is asked for."""

    def __init__(self, make: Callable[[K], T]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: K) -> T:
        value = self[key] = self.make(key)
        return value


class Classes(dict[Hashable, int], Generic[T]):
    """Numbers distinct keys in order of first appearance; ``described[n]`` tells what ``n`` is.

    ``classes[key]`` is the key's number, a new one (described by
    ``describe(key)``) the first time: mapped over a million items, only the
    first of each class runs Python code.
    """

    def __init__(self, describe: Callable[[Any], T]) -> None:
        super().__init__()
        self.describe = describe
        self.described: list[T] = []

    def __missing__(self, key: Hashable) -> int:
        number = self[key] = len(self.described)
        self.described.append(self.describe(key))
        return number


def members(classes: Sequence[int], verdicts: Sequence[bool]) -> list[int]:
    """Positions, in order, of the items whose class ``verdicts`` marks true."""
    return list(compress(range(len(classes)), map(verdicts.__getitem__, classes)))


def sizes(classes: Iterable[int], count: int) -> list[int]:
    """How many items each of ``count`` classes has."""
    found = Counter(classes)
    return [found[number] for number in range(count)]


def total(class_sizes: Sequence[int], verdicts: Sequence[bool]) -> int:
    """How many items the classes ``verdicts`` marks true have."""
    return sum(compress(class_sizes, verdicts))
