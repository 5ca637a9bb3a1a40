"""transport-encryption: each default TLS protocol needs its version, each other encrypted
protocol passes without one, a declared plain transport fails whatever its protocol."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pledge.checks.findings import Status
from tests.helpers import only, run_check, run_judged

PEOPLE = {"id": "buyers", "name": "Buyers", "category": "customer"}
SHOP = {"id": "shop", "name": "Shop", "type": "internal", "role": "storefront", "country": "MA"}
WORKER = {"id": "worker", "name": "Worker", "type": "internal", "role": "backend", "country": "MA"}


def _run(tmp_path: Path, transport: dict[str, Any], **check: Any) -> list[Any]:
    flows = [{"id": "hop", "source": "shop", "target": "worker",
              "categories": ["user.contact.email"], "purposes": ["essential.service"],
              "transport": transport},
             {"id": "web", "source": "buyers", "target": "shop",
              "categories": ["user.contact.email"], "purposes": ["essential.service"],
              "transport": {"protocol": "https", "tls": "1.3"}}]
    result = run_check(tmp_path, {"kind": "transport-encryption", **check},
                       {"data_subjects": [PEOPLE], "systems": [SHOP, WORKER], "flows": flows})
    assert result.outcomes[0].checked == 2
    return only(result, Status.FAIL)


@pytest.mark.parametrize("protocol", ["https", "tls", "mtls", "smtps", "ftps", "wss", "imaps",
                                      "ldaps", "HTTPS"])
def test_a_tls_protocol_without_its_version_fails(tmp_path: Path, protocol: str) -> None:
    [finding] = _run(tmp_path, {"protocol": protocol})
    assert finding.evidence["rule"] == "no-tls"
    assert finding.message == (f"flow 'hop' (shop -> worker) carries personal data unprotected: "
                               f"it travels over {protocol} (TLS) but its TLS version is not "
                               f"declared")
    assert finding.remediation == 'declare the TLS version (tls: "1.2" or later)'


@pytest.mark.parametrize("protocol", ["sftp", "scp", "ssh", "ipsec", "wireguard", "SSH"])
def test_another_encrypted_protocol_needs_no_tls_version(tmp_path: Path, protocol: str) -> None:
    assert _run(tmp_path, {"protocol": protocol}) == []


@pytest.mark.parametrize("protocol", ["https", "sftp", "postgresql"])
def test_declared_plain_fails_whatever_the_protocol(tmp_path: Path, protocol: str) -> None:
    [finding] = _run(tmp_path, {"protocol": protocol, "encrypted": False})
    assert finding.evidence["rule"] == "unencrypted"
    assert finding.message.endswith(f"unprotected: it declares encrypted: false over {protocol}")


def test_a_declared_encrypted_private_protocol_passes(tmp_path: Path) -> None:
    assert _run(tmp_path, {"protocol": "vendor-bus", "encrypted": True}) == []


def test_an_unknown_protocol_with_nothing_declared_fails(tmp_path: Path) -> None:
    [finding] = _run(tmp_path, {"protocol": "vendor-bus"})
    assert finding.evidence["rule"] == "not-declared"


@pytest.mark.parametrize("scope", [{}, {"scope": "all"}], ids=["default", "all"])
def test_scope_all_covers_both_kinds_of_hop(tmp_path: Path, scope: dict[str, str]) -> None:
    flows = _run(tmp_path / "a", {"protocol": "http"}, **scope)
    assert [f.subject.id for f in flows] == ["hop"]
    assert _run(tmp_path / "b", {"protocol": "https", "tls": "1.2"}, **scope) == []
    [old] = _run(tmp_path / "c", {"protocol": "https", "tls": "1.1"}, **scope)
    assert old.evidence["rule"] == "old-tls"


def test_each_kept_or_exempt_flow_is_listed_with_how_it_travels(tmp_path: Path) -> None:
    def flow(flow_id: str, transport: dict[str, Any],
             category: str = "user.contact.email") -> dict[str, Any]:
        return {"id": flow_id, "source": "shop", "target": "worker", "categories": [category],
                "purposes": ["essential.service"], "transport": transport}

    flows = [flow("web", {"protocol": "https", "tls": "1.3"}),
             flow("ssh", {"protocol": "ssh"}),
             flow("vpn", {"protocol": "custom", "encrypted": True}),
             flow("bus", {"protocol": "internal"}),
             flow("ops", {"protocol": "http"}, "system.operations")]
    result, judged = run_judged(tmp_path, {"kind": "transport-encryption",
                                           "exempt_protocols": ["internal"]},
                                {"systems": [SHOP, WORKER], "flows": flows})
    assert only(result, Status.FAIL) == []
    assert [(j.subject_type, j.subject_id, j.verdict, j.reason) for j in judged] == [
        ("flow", "bus", "not_applicable", "over internal, an exempt protocol"),
        ("flow", "ssh", "pass", "over ssh, an encrypted protocol"),
        ("flow", "vpn", "pass", "over custom, declared encrypted"),
        ("flow", "web", "pass", "over https, TLS 1.3")]
    lines = (tmp_path / "inventory" / "inventory.yaml").read_text(encoding="utf-8").splitlines()
    assert [lines[(j.line or 0) - 1].split(":")[0].strip() for j in judged] == ["transport"] * 4
