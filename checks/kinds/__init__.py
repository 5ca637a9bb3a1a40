"""Every commitment kind, imported explicitly so the registry knows it.

A new kind is one new module here, with its line below.
"""

from pledge.checks.kinds import (  # noqa: F401
    access_control,
    automated_decisions,
    consent_gate,
    forbidden_combination,
    forbidden_storage,
    inventory_drift,
    manual_attestation,
    organisational_facts,
    pseudonymisation,
    recipient_restriction,
    retention_limit,
    third_party_requirements,
    transport_encryption,
)
