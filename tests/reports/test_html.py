"""The HTML report, read as text: self-contained, escaped, redacted, complete, deterministic."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pledge.checks.registry import get_kind
from pledge.reports import coverage, html, svg_graph
from tests.reports.support import Rendered, broken_inventory, run_inventory


class Tags(HTMLParser):
    """Every start tag of a page with its attributes, as a browser's tokenizer sees them."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Rendered, str]:
    """A broken inventory whose shop is named with markup, a password and a card number."""
    root = broken_inventory(tmp_path_factory.mktemp("html"), hostile=True)
    run = run_inventory(root)
    matrix = coverage.build(run.policy.policy, run.policy.source_text, run.report)
    page = html.render(run.report, run.graph, matrix,
                       related=html.related_from(run.policy.policy))
    return run, page


def test_input_text_is_escaped_and_redacted(hostile: tuple[Rendered, str]) -> None:
    _run, page = hostile
    assert "<script>alert" not in page
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in page
    assert "hunter2" not in page
    assert "4111 1111 1111 1111" not in page and "************1111" in page
    tags = Tags(page).tags
    assert "img" not in {tag for tag, _attrs in tags}
    handlers = [(tag, name) for tag, attrs in tags for name in attrs if name.startswith("on")]
    assert handlers == [], "no inline event handler"


def test_only_two_script_blocks_and_a_strict_csp(hostile: tuple[Rendered, str]) -> None:
    _run, page = hostile
    assert page.count("<script") == 2
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert csp is not None
    policy = csp.group(1)
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy
    style = re.search(r"<style>(.*?)</style>", page, re.DOTALL)
    script = re.search(r"<script>(.*?)</script>", page, re.DOTALL)
    assert style and script
    for block in (style.group(1), script.group(1)):
        digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy


def test_nothing_is_fetched(hostile: tuple[Rendered, str]) -> None:
    _run, page = hostile
    tags = Tags(page).tags
    assert [attrs for _tag, attrs in tags if "src" in attrs] == []
    links = [attrs["href"] for tag, attrs in tags if tag in ("a", "link") and "href" in attrs]
    assert links and all(str(target).startswith("#") for target in links)
    assert not any(tag in ("link", "iframe", "object", "embed", "img") for tag, _ in tags)
    assert re.search(r"url\((?!#)", page) is None
    assert "@import" not in page


def test_each_commitment_has_its_section(hostile: tuple[Rendered, str]) -> None:
    run, page = hostile
    for c in run.report.commitments:
        start = page.index(f'id="c-{c.id}"')
        section = page[start:page.index("</section>", start)]
        assert f'data-status="{c.status.value}"' in page[start - 200:start + 200]
        assert html.esc(c.clause.quote) in section
        kind = get_kind(c.kind)
        assert kind is not None
        first_words = kind.sections()["What it checks"].split()[:3]
        assert html.esc(" ".join(first_words).replace("``", "")) in re.sub(r"</?code>", "",
                                                                          section)


def test_failing_findings_show_where_and_how_to_fix(hostile: tuple[Rendered, str]) -> None:
    run, page = hostile
    failing = [f for f in run.report.findings if f.status.failing]
    assert {f.commitment for f in failing} == {"PAY-001", "PAY-002"}
    for f in failing:
        assert f.location is not None
        assert f"{html.esc(f.location.file)}:{f.location.line}" in page
        assert f.remediation and html.esc(f.remediation) in page
    summary = page[page.index('id="summary"'):page.index('id="filters"')]
    assert 'href="#c-PAY-001"' in summary and 'href="#c-PAY-002"' in summary


def test_graph_highlights_the_failing_path(hostile: tuple[Rendered, str]) -> None:
    _run, page = hostile
    svg = page[page.index('<svg xmlns="http://www.w3.org/2000/svg" id="flow-graph"'):]
    svg = svg[:svg.index("</svg>")]
    failing_edges = re.findall(r'<path class="edge fail[^"]*"[^>]*data-flows="([^"]*)"', svg)
    assert any("card_posted_to_shop" in flows.split() for flows in failing_edges)
    assert re.search(r'<g class="node store fail" data-node="order_db">', svg)
    assert re.search(r'<g class="node subject fail" data-node="customers">', svg)
    assert '<g class="node subject" data-node="visitors">' in svg


def test_filters_print_and_manifest(hostile: tuple[Rendered, str]) -> None:
    run, page = hostile
    assert '<form id="filters"' in page and 'name="severity" value="critical"' in page
    assert "@media print" in page
    block = re.search(r'<script type="application/json" id="pledge-manifest">(.*?)</script>',
                      page, re.DOTALL)
    assert block is not None
    manifest = json.loads(block.group(1))
    assert manifest["format"] == html.MANIFEST_FORMAT
    assert [(i["path"], i["role"], i["sha256"]) for i in manifest["inputs"]] == [
        (i.path, i.role, i.sha256) for i in run.report.inputs]


def test_manifest_block_cannot_close_its_script() -> None:
    text = html._json_for_script({"path": "</script><script>alert(1)</script>&"})
    assert "</" not in text and "<" not in text and "&" not in text
    assert json.loads(text)["path"] == "</script><script>alert(1)</script>&"


def test_coverage_is_in_the_page(hostile: tuple[Rendered, str]) -> None:
    _run, page = hostile
    table = page[page.index('id="coverage"'):]
    assert "Data Retention (#2, line" in table
    assert "not encoded by any commitment" in table


def test_rendering_is_deterministic(hostile: tuple[Rendered, str]) -> None:
    run, page = hostile
    again = run_inventory(Path(run.inventory.root or ""))
    matrix = coverage.build(again.policy.policy, again.policy.source_text, again.report)
    assert html.render(again.report, again.graph, matrix,
                       related=html.related_from(again.policy.policy)) == page


def test_layout_places_every_node_once_without_overlap() -> None:
    run = run_inventory()
    placed = svg_graph.place(run.graph)
    assert sorted(p.id for p in placed) == sorted(run.graph.graph.nodes)
    corners = {(p.x, p.y) for p in placed}
    assert len(corners) == len(placed)
    layer = svg_graph.layers(run.graph)
    assert all(layer[s] == 0 for s in run.graph.subjects())
    forward = sum(1 for u, v in run.graph.graph.edges() if layer[v] > layer[u])
    assert forward > len(run.graph.graph.edges()) // 2
    assert svg_graph.place(run.graph) == placed


def test_passing_report_says_yes() -> None:
    run = run_inventory()
    page = html.render(run.report, run.graph)
    assert "✓ Yes: MAROSOAP keeps every promise" in page
    assert 'class="edge fail' not in page
    assert 'id="coverage"' not in page  # only when a coverage matrix is given
