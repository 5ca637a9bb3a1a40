"""consent-gate: what a finding says when a flow or a gate falls short for several purposes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pledge.checks.findings import Status
from tests.helpers import only, run_check, run_judged

PURPOSES = ["marketing.advertising.profiling", "marketing.advertising.third_party.targeted"]
HTTPS = {"protocol": "https", "tls": "1.3"}


def _inventory(gate_purposes: list[str], **gate: Any) -> dict[str, Any]:
    return {
        "data_subjects": [{"id": "customers", "name": "Customers", "category": "customer"}],
        "systems": [{"id": "ads", "name": "Ads", "type": "third_party", "role": "advertising",
                     "country": "US"}],
        "consent_gates": [{"id": "banner", "name": "Banner", "type": "opt_in",
                           "purposes": gate_purposes, **gate}],
        "flows": [{"id": "pixel", "source": "customers", "target": "ads",
                   "categories": ["user.behavior.browsing_history"], "purposes": PURPOSES,
                   "transport": HTTPS, "consent_gate": "banner"}],
    }


def test_a_gate_covering_neither_purpose_names_both(tmp_path: Path) -> None:
    result = run_check(tmp_path, {"kind": "consent-gate", "purposes": PURPOSES},
                       _inventory(["analytics"], mechanism="Cookie settings"))
    flows = [f for f in only(result, Status.FAIL) if f.subject.type == "flow"]
    [finding] = flows
    both = ", ".join(PURPOSES)
    assert finding.message == (f"flow 'pixel' processes for {both} with gate 'banner' does not "
                               f"cover {both}: customers -> ads")
    assert finding.evidence["rule"] == "ungated-flow"
    assert finding.evidence["purposes"] == PURPOSES


def test_a_gate_covering_both_passes(tmp_path: Path) -> None:
    result = run_check(tmp_path, {"kind": "consent-gate", "purposes": PURPOSES},
                       _inventory(["marketing.advertising"], mechanism="Cookie settings"))
    assert only(result, Status.FAIL) == []
    [finding] = result.findings
    assert finding.status is Status.PASS
    assert finding.message == "all 1 flows and nodes checked keep the commitment"


def test_each_kept_flow_and_node_is_listed_with_why(tmp_path: Path) -> None:
    profiling, targeted = PURPOSES

    def flow(flow_id: str, source: str, target: str, purposes: list[str],
             gate: str | None = None) -> dict[str, Any]:
        return {"id": flow_id, "source": source, "target": target,
                "categories": ["user.contact.email"], "purposes": purposes,
                "transport": HTTPS, **({"consent_gate": gate} if gate else {})}

    def system(system_id: str, kind: str, purposes: list[str]) -> dict[str, Any]:
        return {"id": system_id, "name": system_id, "type": kind, "role": "advertising",
                "country": "MA", "purposes": purposes}

    result, judged = run_judged(tmp_path, {"kind": "consent-gate", "purposes": PURPOSES}, {
        "data_subjects": [{"id": "customers", "name": "Customers", "category": "customer"}],
        "systems": [system("ads", "third_party", PURPOSES),
                    system("warehouse", "internal", ["essential.service"]),
                    system("crm", "internal", ["essential.service"])],
        "consent_gates": [
            {"id": "banner", "name": "Banner", "type": "opt_in",
             "purposes": ["marketing.advertising"], "mechanism": "Cookie settings"},
            {"id": "partial", "name": "Partial", "type": "opt_out", "purposes": [profiling],
             "mechanism": "Unsubscribe link"}],
        "flows": [flow("pixel", "customers", "ads", PURPOSES, "banner"),
                  flow("sync", "warehouse", "crm", [profiling]),
                  flow("mixed", "warehouse", "crm", PURPOSES, "partial"),
                  flow("both", "warehouse", "crm", PURPOSES)]})
    assert only(result, Status.FAIL) == []
    no_path = "no ungated path brings personal data to its source"
    assert [(j.subject_type, j.subject_id, j.verdict, j.reason) for j in judged] == [
        ("flow", "both", "pass", f"for {profiling}, {targeted}: {no_path}"),
        ("flow", "mixed", "pass", f"gate 'partial' covers {profiling}; for {targeted}: "
                                  f"{no_path}"),
        ("flow", "pixel", "pass", f"gate 'banner' covers {profiling}, {targeted}"),
        ("flow", "sync", "pass", f"for {profiling}: {no_path}"),
        ("system", "ads", "pass",
         f"processes for {profiling}, {targeted} and receives no personal data ungated for "
         "it")]
    assert all(j.line for j in judged)


def test_a_node_receiving_data_ungated_for_its_purposes_names_each(tmp_path: Path) -> None:
    inventory = _inventory(["analytics"], mechanism="Cookie settings")
    inventory["systems"][0]["purposes"] = PURPOSES
    inventory["flows"][0].pop("consent_gate")
    result = run_check(tmp_path, {"kind": "consent-gate", "purposes": PURPOSES}, inventory)
    [node] = [f for f in only(result, Status.FAIL) if f.evidence["rule"] == "ungated-node"]
    assert (node.subject.type, node.subject.id) == ("system", "ads")
    assert node.message == (f"'ads' processes for {', '.join(PURPOSES)} and receives personal "
                            "data with no gate for it on the way: customers -> ads")
    assert node.remediation == ("gate the flows into it for these purposes, or stop processing "
                                "for them")
