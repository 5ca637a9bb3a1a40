"""The data inventory: organisation facts, data subjects, systems, stores, fields, flows.

An inventory may span several YAML or JSON files; each file is an
:class:`InventoryFragment` and the loader merges them into one
:class:`Inventory`. Unknown keys are errors everywhere.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pledge.base.strict_model import StrictModel
from pledge.policy_model.types import (
    BreachNoticeContents,
    CategoryId,
    CategoryIds,
    Date,
    Identifier,
    LegalBasisId,
    NotificationChannels,
    PurposeIds,
    Retention,
    SubjectCategoryId,
    TLSVersion,
)

Role = Literal[
    "storefront", "backend", "database", "identity", "hosting", "infrastructure", "monitoring",
    "payment_processor", "fraud_detection", "fraud_prevention", "shipping", "support",
    "analytics", "advertising", "social", "email_marketing", "accounting", "data_source",
    "authority", "marketing_partner", "other",
]
Exposure = Literal["private", "internal", "internet", "public"]
Disposal = Literal["delete", "anonymise"]


class InventoryMeta(StrictModel):
    """What this inventory describes."""

    name: str = Field(description="Name of the organisation or scope the inventory maps.")
    version: str | None = Field(None, description="The inventory's own version or date.")
    description: str | None = Field(None, description="Free text.")


class BreachResponse(StrictModel):
    """How the organisation answers a personal-data breach."""

    authority_notification_hours: int = Field(ge=0, description="Hours from awareness to notice.")
    authority: str | None = Field(None, description="The supervisory authority notified.")
    individual_notification: Literal["without_undue_delay", "none"] = Field(
        description="When affected individuals are told of a high-risk breach.")
    individual_notification_contents: BreachNoticeContents = Field(
        default_factory=list, description="What the notice to individuals contains "
                                          "(`pledge vocabulary breach_notice_contents`).")
    channels: NotificationChannels = Field(
        default_factory=list,
        description="How individuals are told (`pledge vocabulary notification_channels`).")
    plan_document: str | None = Field(None, description="Link to the breach response plan.")
    last_tested: Date | None = Field(None, description="Date of the last breach drill.")


class Organisation(StrictModel):
    """Facts about the organisation that organisational commitments compare with."""

    id: Identifier
    name: str
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code.")
    privacy_contact: str | None = Field(None, description="Email or address for privacy requests.")
    dpo: str | None = Field(None, description="Data protection officer, if appointed.")
    minimum_user_age: int | None = Field(None, ge=0, description="Youngest age served.")
    age_verification: str | None = Field(None, description="How the age gate works.")
    last_security_audit: Date | None = Field(None, description="Date of the last security audit.")
    security_measures: list[str] = Field(default_factory=list,
                                     description="Technical measures in place (firewall, ...).")
    human_review_of_automated_decisions: bool = Field(
        False, description="Whether people may ask for human review of automated decisions.")
    human_review_channel: str | None = Field(None, description="How to ask for human review.")
    breach_response: BreachResponse | None = None


class DataSubject(StrictModel):
    """A group of people whose data enters the graph (a graph source node)."""

    id: Identifier
    name: str
    category: SubjectCategoryId = Field(description="Data subject vocabulary id, e.g. customer.")
    minimum_age: int | None = Field(
        None, ge=0, description="Youngest age in the group; absent: the organisation's "
                                "minimum_user_age.")
    description: str | None = None


class ThirdPartyAttestation(StrictModel):
    """A certification or attestation a system holds (PCI DSS, ISO 27001, SOC 2)."""

    name: str = Field(description="e.g. pci_dss, iso_27001, soc2_type2.")
    level: str | None = None
    valid_until: Date | None = Field(
        None, description="Expiry; an expired one, or one without expiry, does not count.")
    evidence: str | None = Field(None, description="Link to the certificate or report.")


class System(StrictModel):
    """An application or service, internal or run by a third party."""

    id: Identifier
    name: str
    type: Literal["internal", "third_party"]
    role: Role
    country: str = Field(pattern=r"^[A-Z]{2}$", description="Where it processes data.")
    exposure: Exposure = "internal"
    purposes: PurposeIds = Field(default_factory=list,
                                description="Purposes it processes personal data for.")
    agreements: list[Literal["dpa", "scc", "bcr", "joint_controller", "nda", "adequacy"]] = Field(
        default_factory=list, description="Agreements in force with its operator.")
    attestations: list[ThirdPartyAttestation] = Field(default_factory=list)
    privacy_policy: str | None = None
    processor_of: Identifier | None = Field(
        None, description="For a sub-processor: the third party whose processor it is "
                          "(e.g. stripe for Stripe's own fraud screening).")
    connection: str | None = Field(None, description="Endpoint or DSN; credentials never printed.")
    group: str | None = Field(None, description="The team or group that runs it; the data map "
                              "groups large inventories by it (else by role).")
    description: str | None = None


class DataField(StrictModel):
    """One field of a store, with its data category and retention."""

    name: str
    category: CategoryId
    purposes: PurposeIds = Field(default_factory=list,
                                description="Purposes; inherits the store's when empty.")
    retention: Retention | None = Field(None, description="ISO 8601 duration or 'indefinite'.")
    disposal: Disposal | None = None
    pseudonymised: bool = False
    tokenised: bool = False
    encrypted: bool = False
    description: str | None = None


class Store(StrictModel):
    """A place data rests: database table, bucket, spreadsheet, log."""

    id: Identifier
    name: str
    system: Identifier = Field(description="The system that owns the store.")
    technology: str | None = None
    exposure: Exposure | None = Field(
        None, description="Who can reach it; absent: not declared (fails exposure checks).")
    encryption_at_rest: bool | None = Field(
        None, description="Encrypted at rest; absent: not declared (fails encryption checks).")
    access_roles: list[str] = Field(default_factory=list)
    purposes: PurposeIds = Field(default_factory=list,
                                description="Purposes; its system's when empty.")
    retention: Retention | None = Field(None, description="Default retention of its fields.")
    disposal: Disposal | None = Field(None, description="Default disposal of its fields.")
    connection: str | None = Field(None, description="DSN; credentials never printed.")
    region: str | None = Field(None, description=(
        "Cloud region it rests in (eu-west-3, europe-west1, westeurope); not declared: "
        "unknown."))
    country: str | None = Field(None, pattern=r"^[A-Z]{2}$", description=(
        "ISO 3166-1 alpha-2 code of the country it rests in; not declared: unknown."))
    deletion_protection: bool | None = Field(None, description=(
        "Whether the store refuses deletion until protection is lifted; not declared: "
        "unknown."))
    fields: list[DataField] = Field(default_factory=list)
    description: str | None = None


class Transport(StrictModel):
    """How a flow travels."""

    protocol: str = Field(description="https, sftp, ssh, smtps, postgresql, internal, ...")
    tls: TLSVersion | None = Field(None, description="Minimum TLS version; absent means none.")
    encrypted: bool | None = Field(
        None, description="Whether the transport is encrypted; absent: judged from the "
                          "protocol (https, sftp, ssh, ipsec, wireguard, ...) or a TLS version.")
    mutual_tls: bool = False


class Flow(StrictModel):
    """Data moving from one node to another (a graph edge)."""

    id: Identifier
    source: Identifier
    target: Identifier
    categories: CategoryIds = Field(min_length=1)
    purposes: PurposeIds = Field(min_length=1)
    transport: Transport
    consent_gate: Identifier | None = Field(None, description="Gate the flow passes, if any.")
    legal_basis: LegalBasisId | None = None
    description: str | None = None


class ConsentGate(StrictModel):
    """A consent or opt-out point: cookie banner, marketing preferences."""

    id: Identifier
    name: str
    type: Literal["opt_in", "opt_out"]
    purposes: PurposeIds = Field(min_length=1)
    mechanism: str | None = Field(None, description="How a person opts out or withdraws.")
    description: str | None = None


class AutomatedDecision(StrictModel):
    """An automated decision made within a processing activity."""

    description: str
    significant_effect: bool
    human_review: bool = False


class ProcessingActivity(StrictModel):
    """A processing activity in the sense of GDPR Art. 30."""

    id: Identifier
    name: str
    purposes: PurposeIds = Field(min_length=1)
    legal_basis: LegalBasisId | None = Field(
        None, description="GDPR Art. 6(1) basis; absent means not declared (imported "
                          "Fides declarations often name none), shown as such in the record.")
    data_subjects: list[Identifier] = Field(min_length=1)
    categories: CategoryIds = Field(min_length=1)
    systems: list[Identifier] = Field(min_length=1)
    automated_decisions: list[AutomatedDecision] = Field(default_factory=list)
    description: str | None = None


class ManualAttestation(StrictModel):
    """A person's recorded statement that a commitment is kept."""

    commitment: str = Field(description="Commitment id, e.g. SEC-004.")
    statement: str
    attested_by: str = Field(description="Who attests; blank or a placeholder names no one.")
    date: Date
    evidence: str = Field(description="Link to the evidence.")
    expires: Date


class InventoryFragment(StrictModel):
    """One inventory file: any of the sections, all optional."""

    inventory: InventoryMeta | None = None
    organisation: Organisation | None = None
    data_subjects: list[DataSubject] = Field(default_factory=list)
    systems: list[System] = Field(default_factory=list)
    stores: list[Store] = Field(default_factory=list)
    flows: list[Flow] = Field(default_factory=list)
    consent_gates: list[ConsentGate] = Field(default_factory=list)
    processing_activities: list[ProcessingActivity] = Field(default_factory=list)
    attestations: list[ManualAttestation] = Field(default_factory=list)


SECTIONS = tuple(InventoryFragment.model_fields)
LIST_SECTIONS = tuple(s for s in SECTIONS if s not in ("inventory", "organisation"))


class Inventory(InventoryFragment):
    """A whole inventory, merged from its files: the same sections, a name required."""

    inventory: InventoryMeta  # required once merged
