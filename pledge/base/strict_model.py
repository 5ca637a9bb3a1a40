"""The base of every pledge model: unknown keys are errors."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """Base of every pledge model: unknown keys are errors, values are checked strictly."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False,
                              validate_default=False, frozen=False)
