"""consent-gate: what a finding says when a flow or a gate falls short for several purposes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pledge.checks.findings import Status
from tests.helpers import only, run_check

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
