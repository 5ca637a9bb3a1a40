"""How pledge reads an inventory: placeholders are no answer, lists come from vocabularies,
an attestation without an expiry date is not valid (README, "How pledge reads your inventory")."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError

from pledge.checks.findings import Status
from pledge.policy_model.placeholders import is_placeholder, present
from tests.conftest import INVENTORY, run_pledge
from tests.helpers import failing, only, policy_with, run_check


@pytest.mark.parametrize("value", [
    None, "", "  ", "none", "None", "N/A", "n/a", "TBD", "tbd ", "to do", "-", "?", "unknown",
    "privacy@example.com", "https://example.org/breach-plan", "dpo@marosoap.test",
    "contact@shop.invalid", "http://localhost:8080/plan", "néant", "pendiente", "k.a.",
    [], ["TBD", "n/a"],
])
def test_placeholders_are_not_present(value: object) -> None:
    assert is_placeholder(value) and not present(value)


@pytest.mark.parametrize("value", [
    "privacy@marosoap.com", "CNDP", "https://intranet.marosoap.com/security/breach-response-plan",
    "None of the staff may read it without a ticket", "Nadia (support lead)",
    "examples@marosoap.com", "12 rue Ibn Battouta, Marrakech", ["TBD", "email"], 0, False, 18,
])
def test_real_answers_are_present(value: object) -> None:
    assert present(value) and not is_placeholder(value)


def test_a_policy_list_outside_the_vocabulary_is_refused_with_a_suggestion() -> None:
    with pytest.raises(ValidationError, match=r"'e-mail' is not a notification channel .*"
                                              r"did you mean email\?"):
        policy_with({"kind": "organisational-facts", "requirements": [
            {"fact": "breach_response.channels", "operator": "contains_all",
             "value": ["e-mail"]}]})


def test_an_inventory_channel_outside_the_vocabulary_is_an_input_error(tmp_path: Path) -> None:
    root = tmp_path / "inventory"
    shutil.copytree(INVENTORY, root)
    org = root / "organisation.yaml"
    org.write_text(org.read_text(encoding="utf-8").replace(
        "channels: [email, account_notice]", "channels: [e-mail, account_notice]"),
        encoding="utf-8")
    run = run_pledge("validate", root)
    assert run.code == 2
    assert "organisation.yaml" in run.err and "did you mean email?" in run.err
    assert "Traceback" not in run.err


def test_an_attestation_without_expiry_is_not_valid(tmp_path: Path) -> None:
    inventory = {
        "data_subjects": [{"id": "customers", "name": "Customers", "category": "customer"}],
        "systems": [{"id": "psp", "name": "PSP", "type": "third_party",
                     "role": "payment_processor", "country": "IE", "agreements": ["dpa"],
                     "attestations": [{"name": "pci_dss", "level": "1"}]}],
        "flows": [{"id": "pay", "source": "customers", "target": "psp",
                   "categories": ["user.financial.credit_card.number"],
                   "purposes": ["essential.service.payment_processing"],
                   "transport": {"protocol": "https", "tls": "1.3"}}],
    }
    result = run_check(tmp_path, {"kind": "third-party-requirements",
                                  "disclosed_roles": ["payment_processor"],
                                  "role_attestations": {"payment_processor": ["pci_dss"]}},
                       inventory)
    [finding] = only(result, Status.FAIL)
    assert finding.subject.id == "psp" and "without an expiry date" in finding.message


@pytest.mark.parametrize(("field", "value", "problem"), [
    ("evidence", "TBD", "links no evidence"),
    ("evidence", "https://example.com/evidence", "links no evidence"),
    ("attested_by", "n/a", "names no one"),
    ("attested_by", "", "names no one"),
])
def test_a_placeholder_attestation_does_not_attest(tmp_path: Path, field: str, value: str,
                                                   problem: str) -> None:
    attestation = {"commitment": "EX-001", "statement": "Staff trained", "attested_by": "DPO",
                   "date": "2026-06-01", "evidence": "https://intranet/training",
                   "expires": "2027-06-01", field: value}
    result = run_check(tmp_path, {"kind": "manual-attestation", "max_age": "P1Y"},
                       {"attestations": [attestation]})
    [finding] = only(result, Status.FAIL)
    assert problem in finding.message


def test_a_placeholder_opt_out_mechanism_states_none(tmp_path: Path) -> None:
    inventory = {
        "data_subjects": [{"id": "visitors", "name": "Visitors", "category": "visitor"}],
        "systems": [{"id": "ads", "name": "Ads", "type": "third_party", "role": "advertising",
                     "country": "US"}],
        "consent_gates": [{"id": "banner", "name": "Banner", "type": "opt_in",
                           "purposes": ["marketing.advertising"], "mechanism": "TBD"}],
        "flows": [{"id": "pixel", "source": "visitors", "target": "ads",
                   "categories": ["user.behavior.browsing_history"],
                   "purposes": ["marketing.advertising.third_party.targeted"],
                   "transport": {"protocol": "https", "tls": "1.3"}, "consent_gate": "banner"}],
    }
    result = run_check(tmp_path, {"kind": "consent-gate",
                                  "purposes": ["marketing.advertising.third_party.targeted"]},
                       inventory)
    assert failing(result) == {"banner"}
