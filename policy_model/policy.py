"""The policy model: a privacy policy's promises as typed commitments.

A :class:`Policy` encodes one source document (its text hashed with sha256).
Each :class:`Commitment` cites the clause it encodes, word for word, and names a
commitment kind with typed parameters; the union of kinds is built from the
parameter models the kinds register (:mod:`pledge.base.kind_params`), so a new kind
is one new module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import ConfigDict, Discriminator, Field, Tag

from pledge.base.kind_params import KindParams, params_models
from pledge.base.strict_model import StrictModel
from pledge.policy_model.types import Identifier, Severity


class UnknownKindParams(KindParams):
    """A kind this version of pledge does not know; checked as an error, never a pass."""

    model_config = ConfigDict(extra="allow")


def _kind_tag(value: Any) -> str:
    kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
    return kind if kind in _KNOWN else "__unknown__"


_KNOWN = params_models()
if TYPE_CHECKING:  # the union is built at run time from the registered kinds
    CheckParams = KindParams
else:
    _members = tuple(Annotated[params, Tag(name)] for name, params in _KNOWN.items())
    CheckParams = Annotated[
        Union[*_members, Annotated[UnknownKindParams, Tag("__unknown__")]],
        Discriminator(_kind_tag),
    ]


class Clause(StrictModel):
    """The part of the source document a commitment encodes."""

    section: str = Field(description="The section heading, as in the document.")
    quote: str = Field(description="The exact words of the promise, verbatim from the document.")


class Reference(StrictModel):
    """A law or standard the commitment relates to."""

    framework: str = Field(description="e.g. GDPR, PCI DSS v4.0.1, ISO/IEC 27001:2022.")
    id: str = Field(description="Article or requirement, e.g. Art. 33(1), Req. 3.3.1.")


class Commitment(StrictModel):
    """One promise, with the check that proves it kept or broken."""

    id: Annotated[str, Field(pattern=r"^[A-Z]{2,6}-\d{3}$", description="Stable id, e.g. PAY-001.")]
    title: str
    severity: Severity
    clause: Clause
    related: list[Clause] = Field(default_factory=list,
                              description="Other clauses making the same promise.")
    references: list[Reference] = Field(default_factory=list)
    rationale: str | None = Field(None, description="How the promise was read into this check.")
    check: CheckParams = Field(description="The kind and its parameters.")


class SourceDocument(StrictModel):
    """The document a policy encodes, pinned by hash."""

    title: str
    path: str = Field(description="Path of the text, relative to the policy file.")
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class Policy(StrictModel):
    """A privacy policy encoded as commitments."""

    id: Identifier
    title: str
    version: str
    organisation: str
    source: SourceDocument
    commitments: list[Commitment] = Field(min_length=1)

    def commitment(self, commitment_id: str) -> Commitment | None:
        """The commitment with that id, if any."""
        return next((c for c in self.commitments if c.id == commitment_id), None)
