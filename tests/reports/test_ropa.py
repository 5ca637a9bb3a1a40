"""The record of processing activities: recipients from the graph, transfers, retention."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path
from typing import Any

import pytest

from pledge.reports import ropa
from tests.conftest import INVENTORY
from tests.reports.support import run_inventory


@pytest.fixture(scope="module")
def record() -> ropa.Record:
    """The MAROSOAP record."""
    run = run_inventory()
    return ropa.build(run.inventory.inventory, run.graph)


def activity(record: ropa.Record, ident: str) -> ropa.ActivityRecord:
    """One activity of the record."""
    return next(a for a in record.activities if a.id == ident)


def test_one_entry_per_processing_activity(record: ropa.Record) -> None:
    run = run_inventory()
    assert [a.id for a in record.activities] == sorted(
        a.id for a in run.inventory.inventory.processing_activities)
    assert record.controller == "MAROSOAP SARL" and record.country == "MA"


def test_recipients_come_from_the_graph(record: ropa.Record) -> None:
    sales = activity(record, "sales_and_delivery")
    assert {r.id for r in sales.recipients} >= {"amana", "dhl_express"}
    assert "brevo" not in {r.id for r in sales.recipients}, "a marketing flow is not a sale"
    assert [r.id for r in activity(record, "bookkeeping").recipients] == ["tax_authority"]
    assert activity(record, "seller_relations").recipients == ()


def test_third_country_transfers_name_their_safeguard(record: ropa.Record) -> None:
    payments = activity(record, "payments")
    assert [r.transfer for r in payments.transfers] == ["Stripe (IE): scc"]
    newsletter = activity(record, "newsletter")
    assert [r.transfer for r in newsletter.transfers] == ["Brevo (newsletter) (FR): none recorded"]
    assert all(not r.third_country for r in activity(record, "bookkeeping").recipients)


def test_retention_and_security_come_from_the_stores(record: ropa.Record) -> None:
    assert activity(record, "bookkeeping").retention == (
        "Invoices and ledgers [invoices]: P10Y; then delete",)
    assert any("[stripe_vault]: P18M" in r for r in activity(record, "payments").retention)
    security = activity(record, "security_logging").security
    assert "network_firewall" in security and "encrypted at rest: web_logs" in security


def test_csv_has_a_row_per_activity_and_cannot_run_formulas(tmp_path: Path) -> None:
    root = tmp_path / "inv"
    shutil.copytree(INVENTORY, root)
    text = (root / "processing.yaml").read_text(encoding="utf-8")
    text = text.replace("name: Newsletter\n",
                        "name: \"=HYPERLINK(\\\"http://x\\\") token=abc123\"\n", 1)
    (root / "processing.yaml").write_text(text, encoding="utf-8")
    run = run_inventory(root)
    out = ropa.render_csv(ropa.build(run.inventory.inventory, run.graph))
    rows = list(csv.reader(io.StringIO(out)))
    assert tuple(rows[0]) == ropa.CSV_COLUMNS
    assert len(rows) == 1 + len(run.inventory.inventory.processing_activities)
    newsletter = next(r for r in rows if r[1] == "newsletter")
    assert newsletter[2].startswith("'=")
    assert "abc123" not in out


def test_markdown_lists_every_activity(record: ropa.Record) -> None:
    text = ropa.render_markdown(record)
    assert text.startswith("# Record of processing activities: MAROSOAP SARL")
    for a in record.activities:
        assert f"(`{a.id}`)" in text
    assert "| Third-country transfers | Stripe (IE): scc |" in text


def test_activities_sharing_people_categories_and_purposes_share_one_walk(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A record costs the graph once per distinct reach, not once per activity.

    Generated inventories hold one activity per five systems, most alike: the
    people's reach is walked once per (data subjects, categories, purposes), and
    each activity then walks only from its own systems.
    """
    from benchmarks.generate import generate, write_json
    from pledge.checks.graph.flow_graph import FlowGraph
    from pledge.policy_model.loading import load_inventory
    from pledge.policy_model.vocabulary import default_vocabularies

    inv = load_inventory(write_json(generate(200, rate=0.0), tmp_path / "inv.json")).inventory
    graph = FlowGraph(inv, default_vocabularies())
    walks: list[int] = []  # nodes each walk reached
    real = graph.reach

    def counting(start: Any, follow: Any, **kwargs: Any) -> Any:
        found = real(start, follow, **kwargs)
        walks.append(len(found))
        return found

    monkeypatch.setattr(graph, "reach", counting)
    record = ropa.build(inv, graph)
    activities = inv.processing_activities
    distinct = {(frozenset(a.data_subjects), frozenset(a.categories), frozenset(a.purposes))
                for a in activities}
    assert len(record.activities) == len(activities) > 2 * len(distinct)
    assert len(walks) == 2 * len(distinct) + len(activities)  # people and feeds, then own


@pytest.mark.parametrize("generated", [False, True])
def test_each_activity_reads_the_same_with_the_shared_index_as_alone(
        generated: bool, tmp_path: Path) -> None:
    """The index memoises what activities share (the people's reach, whether a flow's
    purposes or a field's category are selected): an activity's record must be the one
    an index made for it alone gives, whatever the activities before it asked."""
    from pledge.checks.graph.flow_graph import FlowGraph
    from pledge.policy_model.loading import load_inventory
    from pledge.policy_model.vocabulary import default_vocabularies

    if generated:
        from benchmarks.generate import generate, write_json

        inv = load_inventory(write_json(generate(200), tmp_path / "inv.json")).inventory
    else:
        inv = load_inventory(INVENTORY).inventory
    graph = FlowGraph(inv, default_vocabularies())
    record = ropa.build(inv, graph)
    alone = {a.id: ropa._activity(a, ropa._Index(inv, graph))
             for a in inv.processing_activities}
    assert {a.id: a for a in record.activities} == alone
    # activities that keep the same stores for different categories: the memo is tested
    retained = [set(a.retention) for a in record.activities if a.retention]
    assert len({frozenset(r) for r in retained}) > 1
