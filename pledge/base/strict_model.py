"""The base of every pledge model: unknown keys are errors."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class SharedKeys(frozenset[str]):
    """The set of given keys that many loaded models share (see ``policy_model/shared_keys``).

    Frozen, so that no model changes another's; copying it (``model_copy``,
    ``copy.deepcopy``) gives the copy a private, mutable set.
    """

    __slots__ = ()

    def __copy__(self) -> set[str]:
        return set(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> set[str]:
        return set(self)


class StrictModel(BaseModel):
    """Base of every pledge model: unknown keys are errors, values are checked strictly."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False,
                              validate_default=False, frozen=False)

    def __setattr__(self, name: str, value: Any) -> None:
        """Assign as pydantic does; a model sharing its key set first takes its own copy."""
        given: set[str] | SharedKeys = self.__pydantic_fields_set__
        if type(given) is SharedKeys:
            object.__setattr__(self, "__pydantic_fields_set__", set(given))
        super().__setattr__(name, value)
