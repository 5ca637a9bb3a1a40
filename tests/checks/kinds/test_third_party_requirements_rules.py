"""third-party-requirements: each way a third party falls short, in its own words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pledge.checks.findings import Status
from tests.helpers import only, run_check, run_judged

HTTPS = {"protocol": "https", "tls": "1.3"}


def _vendor(system_id: str, role: str, **facts: Any) -> dict[str, Any]:
    return {"id": system_id, "name": system_id.title(), "type": "third_party", "role": role,
            "country": "IE", **facts}


def _run(tmp_path: Path, vendors: list[dict[str, Any]], **check: Any) -> Any:
    flows = [{"id": f"to_{v['id']}", "source": "buyers", "target": v["id"],
              "categories": ["user.contact.email"], "purposes": ["essential.service"],
              "transport": HTTPS} for v in vendors]
    inventory = {"data_subjects": [{"id": "buyers", "name": "Buyers", "category": "customer"}],
                 "systems": vendors, "flows": flows}
    return run_check(tmp_path, {"kind": "third-party-requirements",
                                "disclosed_roles": ["payment_processor"], **check}, inventory)


def test_every_missing_agreement_is_named(tmp_path: Path) -> None:
    result = _run(tmp_path, [_vendor("psp", "payment_processor")],
                  required_agreements=["scc", "dpa"])
    [finding] = only(result, Status.FAIL)
    assert finding.message == "third party 'psp' has no dpa, scc"
    assert finding.evidence["missing"] == ["dpa", "scc"]
    assert finding.remediation == "sign the agreement and record it under agreements"


def test_an_illustrative_list_covers_a_bound_service_provider_only(tmp_path: Path) -> None:
    check = {"disclosure": "illustrative", "required_agreements": ["scc", "dpa"]}
    bound = _vendor("mailer", "email_marketing", agreements=["dpa", "scc"])
    assert only(_run(tmp_path / "bound", [bound], **check), Status.FAIL) == []
    unbound = _vendor("mailer", "email_marketing", agreements=["dpa"])
    findings = {f.evidence["rule"]: f for f in only(_run(tmp_path / "unbound", [unbound],
                                                         **check), Status.FAIL)}
    assert sorted(findings) == ["agreement", "undisclosed"]
    assert findings["undisclosed"].message == (
        "third party 'mailer' (email_marketing) exchanges personal data but the policy's list "
        "of providers is illustrative, and a service provider is covered only under dpa, scc, "
        "which it does not hold")
    broker = _vendor("broker", "marketing_partner", agreements=["dpa", "scc"])
    [finding] = only(_run(tmp_path / "broker", [broker], **check,
                          disclosed_roles=["payment_processor", "shipping"]), Status.FAIL)
    assert finding.message == (
        "third party 'broker' (marketing_partner) exchanges personal data but the policy "
        "discloses no such provider (it names payment_processor, shipping)")


@pytest.mark.parametrize(("attestations", "state"), [
    ([], "missing"),
    ([{"name": "iso27001", "valid_until": "2027-01-01"}], "missing"),
    ([{"name": "pci_dss", "valid_until": "2026-11-28"}], "expired"),
    ([{"name": "pci_dss"}], "without an expiry date"),
])
def test_each_way_an_attestation_is_not_valid(tmp_path: Path, attestations: list[Any],
                                             state: str) -> None:
    psp = _vendor("psp", "payment_processor", agreements=["dpa"], attestations=attestations)
    result = _run(tmp_path, [psp], role_attestations={"payment_processor": ["pci_dss"]})
    [finding] = only(result, Status.FAIL)
    assert finding.message == (f"third party 'psp' (payment_processor) lacks a valid pci_dss "
                               f"attestation ({state})")
    assert finding.evidence["state"] == state


def test_an_attestation_valid_until_the_evaluation_day_counts(tmp_path: Path) -> None:
    psp = _vendor("psp", "payment_processor", agreements=["dpa"],
                  attestations=[{"name": "pci_dss", "valid_until": "2026-11-29"}])
    result = _run(tmp_path, [psp], role_attestations={"payment_processor": ["pci_dss"]})
    assert only(result, Status.FAIL) == []


def test_alike_third_parties_are_each_judged(tmp_path: Path) -> None:
    vendors = [_vendor(name, "payment_processor") for name in ("psp_a", "psp_b", "psp_c")]
    result = _run(tmp_path, vendors)
    assert sorted(f.subject.id for f in only(result, Status.FAIL)) == ["psp_a", "psp_b", "psp_c"]
    assert result.outcomes[0].checked == 3


def test_a_processor_of_an_undeclared_principal_fails(tmp_path: Path) -> None:
    vendor = _vendor("fraud", "payment_processor", agreements=["dpa"], processor_of="stripe")
    findings = only(_run(tmp_path, [vendor]), Status.FAIL)
    assert [f.message for f in findings] == [
        "third party 'fraud' is declared the processor of 'stripe', which is not a declared "
        "third party"]
    assert findings[0].remediation == "name the third party it works for (processor_of: ...)"
    assert findings[0].evidence == {"rule": "processor-of", "system": "fraud",
                                    "role": "payment_processor"}
    lines = (tmp_path / "inventory" / "inventory.yaml").read_text(encoding="utf-8").splitlines()
    assert findings[0].location is not None
    assert lines[findings[0].location.line - 1].strip() == "processor_of: stripe"


def test_a_third_party_after_alike_kept_ones_is_still_judged(tmp_path: Path) -> None:
    kept = [_vendor(name, "payment_processor", agreements=["dpa"]) for name in ("psp_a", "psp_b")]
    result = _run(tmp_path, [*kept, _vendor("broker", "marketing_partner", agreements=["dpa"])])
    assert [f.subject.id for f in only(result, Status.FAIL)] == ["broker"]
    assert result.outcomes[0].checked == 3


def test_each_kept_third_party_is_listed_with_why_it_is_allowed(tmp_path: Path) -> None:
    vendors = [_vendor("psp", "payment_processor", agreements=["dpa", "scc"]),
               _vendor("cdn", "hosting", processor_of="psp"),
               _vendor("mailer", "email_marketing", agreements=["dpa"]),
               _vendor("police", "authority"),
               _vendor("broker", "marketing_partner", agreements=["dpa"])]
    flows = [{"id": f"to_{v['id']}", "source": "buyers", "target": v["id"],
              "categories": ["user.contact.email"], "purposes": ["essential.service"],
              "transport": HTTPS} for v in vendors if v["id"] != "broker"]
    flows.append({"id": "to_broker", "source": "shop", "target": "broker",
                  "categories": ["system.operations"], "purposes": ["essential.service"],
                  "transport": HTTPS})  # no personal data: not judged
    shop = {"id": "shop", "name": "Shop", "type": "internal", "role": "storefront",
            "country": "MA"}
    flows.append({"id": "to_shop", "source": "buyers", "target": "shop",
                  "categories": ["user.contact.email"], "purposes": ["essential.service"],
                  "transport": HTTPS})  # internal: not a third party
    result, judged = run_judged(tmp_path, {
        "kind": "third-party-requirements", "disclosed_roles": ["payment_processor",
                                                                "authority"],
        "disclosure": "illustrative", "subprocessors_of": ["payment_processor"]}, {
        "data_subjects": [{"id": "buyers", "name": "Buyers", "category": "customer"}],
        "systems": [shop, *vendors], "flows": flows})
    assert only(result, Status.FAIL) == []
    assert [(j.subject_type, j.subject_id, j.verdict, j.reason) for j in judged] == [
        ("system", "cdn", "pass", "hosting: a sub-processor of 'psp'; agreements: none"),
        ("system", "mailer", "pass", "email_marketing: a service provider the policy's "
                                     "illustrative list covers; agreements: dpa"),
        ("system", "police", "pass", "authority: a role the policy discloses; agreements: none"),
        ("system", "psp", "pass",
         "payment_processor: a role the policy discloses; agreements: dpa, scc")]
    assert all(j.line for j in judged)


@pytest.mark.parametrize(("principal_agreements", "subprocessors_of", "missing"), [
    (["dpa"], ["payment_processor"], []),  # covered by its principal's agreement
    ([], ["payment_processor"], ["cdn"]),  # the principal holds none to cover it
    (["dpa"], ["shipping"], ["cdn"]),  # the principal's role is not one whose sub-processors
])  # the policy covers: the sub-processor is held to its own agreements
def test_a_sub_processor_is_bound_only_by_a_covering_principals_agreement(
        tmp_path: Path, principal_agreements: list[str], subprocessors_of: list[str],
        missing: list[str]) -> None:
    result = _run(tmp_path, [_vendor("psp", "payment_processor", agreements=principal_agreements),
                             _vendor("cdn", "hosting", processor_of="psp")],
                  disclosed_roles=["payment_processor", "hosting"],
                  subprocessors_of=subprocessors_of)
    unbound = [f.subject.id for f in only(result, Status.FAIL)
               if f.evidence["rule"] == "agreement" and f.subject.id == "cdn"]
    assert unbound == missing
