"""``pledge graph`` as a user runs it: exit codes, output, nothing secret shown.

The headline behaviours run as real subprocesses (``run_pledge``); the rest run
the same command line in-process (``run_inprocess``) to keep the suite fast.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
import yaml

from tests.conftest import INVENTORY, ROOT, run_inprocess, run_pledge

SECRET = "hunter2"
SECRET_INVENTORY = f"""data_subjects:
  - {{id: people, name: People, category: customer}}
systems:
  - id: shop
    name: Shop
    type: internal
    role: storefront
    country: MA
    connection: https://admin:{SECRET}@shop.internal/api
stores:
  - id: db
    name: DB
    system: shop
    connection: postgresql://app:{SECRET}@db.internal:5432/x
    fields:
      - {{name: email, category: user.contact.email}}
flows:
  - id: signup
    source: people
    target: shop
    categories: [user.contact.email]
    purposes: [essential.service]
    transport: {{protocol: https, tls: "1.3"}}
  - id: save
    source: shop
    target: db
    categories: [user.contact.email]
    purposes: [essential.service]
    transport: {{protocol: postgresql, tls: "1.3"}}
"""


def ok_json(*args: str | Path, subprocess: bool = False) -> Any:
    run = (run_pledge if subprocess else run_inprocess)("graph", *args, "--format", "json")
    assert run.code == 0 and run.err == "", run.err
    return json.loads(run.out)


def email_receivers_from_yaml() -> set[str]:
    """Fixed point over the YAML flows: who ends up with user.contact.email (or under it)."""
    flows = [f for f in yaml.safe_load((INVENTORY / "flows.yaml").read_text("utf-8"))["flows"]
             if any(c == "user.contact.email" or c.startswith("user.contact.email.")
                    for c in f["categories"])]
    holders = {f["source"] for f in flows}
    received: set[str] = set()
    while True:
        new = {f["target"] for f in flows if f["source"] in holders | received} - received
        if not new:
            break
        received |= new
    # a third party's store no flow enters holds what its owner receives (a held link)
    third = {s["id"] for s in yaml.safe_load((INVENTORY / "systems.yaml").read_text("utf-8"))[
        "systems"] if s["type"] == "third_party"}
    entered = {f["target"] for f in yaml.safe_load(
        (INVENTORY / "flows.yaml").read_text("utf-8"))["flows"]}
    stores = yaml.safe_load((INVENTORY / "stores.yaml").read_text("utf-8"))["stores"]
    return received | {s["id"] for s in stores if s["system"] in third & received
                       and s["id"] not in entered
                       and any(f["category"].startswith("user.contact.email")
                               for f in s["fields"])}


def test_recipients_of_email_lists_every_recipient_the_flows_reach() -> None:
    expected = email_receivers_from_yaml()
    data = ok_json("recipients", "user.contact.email", subprocess=True)
    assert {r["node"] for r in data["recipients"]} == expected
    for r in data["recipients"]:
        assert r["path"]["nodes"][-1] == r["node"] and r["path"]["nodes"][0] == r["origin"]
        assert len(r["path"]["flows"]) == r["hops"] and r["purposes"]
    text = run_pledge("graph", "recipients", "user.contact.email")
    assert text.code == 0 and f"Recipients of user.contact.email: {len(expected)}" in text.out
    for node in expected:
        assert f"\n{node} " in text.out


def test_paths_to_the_advertising_networks_show_the_consent_gate() -> None:
    run = run_pledge("graph", "paths", "visitors", "meta_ads", "--limit", "3")
    assert run.code == 0 and "CONSENT GATE" in run.out and "cookie_consent (opt_in)" in run.out
    for source in ("visitors", "customers"):
        for network in ("meta_ads", "google_ads"):
            data = ok_json("paths", source, network)
            assert bool(data["paths"]) == (source == "visitors")
            for path in data["paths"]:
                assert path["nodes"][0] == source and path["nodes"][-1] == network
                assert path["hops"][-1]["consent_gate"] == "cookie_consent"
                assert path["hops"][-1]["gate_type"] == "opt_in"


def test_lineage_and_holders_and_node() -> None:
    down = ok_json("lineage", "order_db", "--downstream", "--depth", "1")
    assert "upstream" not in down
    assert [e["node"] for e in down["downstream"]] == ["amana", "dhl_express", "invoices",
                                                      "recommendation_engine"]
    both = run_inprocess("graph", "lineage", "customer_db", "--inventory", INVENTORY)
    assert both.code == 0 and "Upstream:" in both.out and "Downstream:" in both.out
    holders = run_inprocess("graph", "holders", "user.financial.credit_card")
    assert holders.code == 0
    assert "stripe_vault" in holders.out and "P18M" in holders.out and "tokenised" in holders.out
    node = ok_json("node", "meta_ads")
    assert node["node"]["agreements"] == ["dpa", "joint_controller"]
    assert node["node"]["consent_gates"][0]["id"] == "cookie_consent"


def test_node_never_prints_a_connection_password(tmp_path: Path) -> None:
    (tmp_path / "inventory.yaml").write_text(SECRET_INVENTORY, encoding="utf-8")
    for runner, node, fmt in ((run_pledge, "shop", "text"), (run_inprocess, "shop", "json"),
                              (run_inprocess, "db", "text"), (run_pledge, "db", "json")):
        run = runner("graph", "node", node, tmp_path, "--format", fmt)
        assert run.code == 0, run.err
        assert SECRET not in run.out + run.err and "***@" in run.out


@pytest.mark.parametrize(("args", "needle", "runner"), [
    (("node", "meta_adds"), "did you mean meta_ads?", run_pledge),
    (("recipients", "user.contact.emial"), "did you mean user.contact.email?", run_pledge),
    (("paths", "visitor", "meta_ads"), "did you mean visitors?", run_inprocess),
    (("holders", "user.contact.emial"), "did you mean user.contact.email?", run_inprocess),
    (("lineage", "customers", "--category", "user.contact.emial"), "did you mean",
     run_inprocess),
    (("export", "--purpose", "marketting"), "did you mean marketing?", run_inprocess),
])
def test_unknown_ids_are_one_line_exit_2_with_a_suggestion(args: tuple[str, ...], needle: str,
                                                           runner: Any) -> None:
    run = runner("graph", *args)
    assert run.code == 2 and run.out == ""
    lines = run.err.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in run.err
    assert "PLG-E015" in lines[0] or "PLG-E007" in lines[0]


def test_two_different_inventories_are_refused(tmp_path: Path) -> None:
    run = run_inprocess("graph", "node", "stripe", INVENTORY, "--inventory", tmp_path)
    assert run.code == 2 and "PLG-E019" in run.err


def test_export_writes_every_format_to_a_file(tmp_path: Path) -> None:
    outputs = {}
    for fmt in ("dot", "graphml", "json", "mermaid", "csv"):
        out = tmp_path / f"graph.{fmt}"
        runner = run_pledge if fmt == "graphml" else run_inprocess
        run = runner("graph", "export", "--format", fmt, "--category", "user.contact",
                     "--output", out)
        assert run.code == 0 and run.out == "", run.err
        outputs[fmt] = out.read_text(encoding="utf-8")
    graph = nx.read_graphml(io.StringIO(outputs["graphml"]), force_multigraph=True)
    linked = nx.node_link_graph(json.loads(outputs["json"]), edges="links")
    rows = list(csv.DictReader(io.StringIO(outputs["csv"])))
    flows = {k for _u, _v, k in graph.edges(keys=True)}
    assert flows == {k for _u, _v, k in linked.edges(keys=True)} == {r["flow"] for r in rows}
    assert "newsletter_sync" in flows and "analytics_tag" not in flows
    assert outputs["mermaid"].startswith("flowchart LR\n")
    assert outputs["dot"].startswith('digraph "')


def _documented_runs() -> list[tuple[str, str]]:
    """Each ``$ pledge graph ...`` console block of docs/graph-queries.md with its output."""
    text = (ROOT / "docs" / "graph-queries.md").read_text(encoding="utf-8")
    runs = []
    for block in re.findall(r"```console\n(.*?)```", text, flags=re.DOTALL):
        lines = block.rstrip("\n").split("\n")
        commands = [line for line in lines if line.startswith("$ ")]
        if len(commands) == 1 and lines[0].startswith("$ pledge graph "):
            runs.append((lines[0][len("$ pledge "):], "\n".join(lines[1:])))
    return runs


def test_the_documentation_shows_real_output() -> None:
    runs = _documented_runs()
    assert len(runs) >= 10
    for command, shown in runs:
        run = run_inprocess(*shlex.split(command))
        assert (run.out + run.err).rstrip("\n") == shown, command
