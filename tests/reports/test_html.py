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
from pledge.reports import coverage, html, map_page
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
    assert "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)" in page  # in the map's JSON
    shop = next(n for n in map_data(page)["nodes"] if n["id"] == "web_shop")
    assert shop["name"].startswith("Shop </script><script>alert(1)</script>")  # text, not markup
    assert "hunter2" not in page
    assert "4111 1111 1111 1111" not in page and "************1111" in page
    tags = Tags(page).tags
    assert "img" not in {tag for tag, _attrs in tags}
    handlers = [(tag, name) for tag, attrs in tags for name in attrs if name.startswith("on")]
    assert handlers == [], "no inline event handler"


def map_data(page: str) -> dict:
    """The data map's embedded JSON."""
    block = re.search(rf'<script type="application/json" id="{map_page.DATA_ID}">(.*?)</script>',
                      page, re.DOTALL)
    assert block is not None
    return json.loads(block.group(1))  # type: ignore[no-any-return]


def test_every_script_and_style_block_is_allowed_by_hash(hostile: tuple[Rendered, str]) -> None:
    _run, page = hostile
    # the report's script, the two vendored libraries, the map, and two JSON data blocks
    assert page.count("<script") == 6
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert csp is not None
    policy = csp.group(1)
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy and "connect-src 'none'" in policy
    styles = re.findall(r"<style>(.*?)</style>", page, re.DOTALL)
    scripts = re.findall(r"<script>(.*?)</script>", page, re.DOTALL)
    assert len(styles) == 2 and len(scripts) == 4
    allowed = set(re.findall(r"'sha256-([^']+)'", policy))
    for block in [*styles, *scripts, map_page.CYTOSCAPE_STYLE]:
        digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
        assert digest in allowed
    assert len(allowed) == len(styles) + len(scripts) + 1, "nothing else is allowed"


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


def test_map_marks_the_failing_path(hostile: tuple[Rendered, str]) -> None:
    _run, page = hostile
    data = map_data(page)
    flows = {f["id"]: f for f in data["flows"]}
    nodes = {n["id"]: n for n in data["nodes"]}
    assert flows["card_posted_to_shop"].get("failing") is True
    assert "failing" not in flows["visitor_browsing"]
    assert nodes["order_db"].get("failing") and nodes["order_db"]["kind"] == "store"
    assert nodes["customers"].get("failing") and nodes["customers"]["kind"] == "subject"
    assert "failing" not in nodes["visitors"]
    assert '<section id="data-map"' in page and 'id="map-canvas"' in page


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


def test_map_holds_every_node_and_flow_once() -> None:
    run = run_inventory()
    data = map_data(html.render(run.report, run.graph))
    ids = [n["id"] for n in data["nodes"]]
    assert ids == sorted(run.graph.graph.nodes)
    assert [f["id"] for f in data["flows"]] == sorted(run.graph.flows)
    subjects = [n for n in data["nodes"] if n["kind"] == "subject"]
    assert {n["id"] for n in subjects} == set(run.graph.subjects())


def test_passing_report_says_yes() -> None:
    run = run_inventory()
    page = html.render(run.report, run.graph)
    assert "✓ Yes: MAROSOAP keeps every promise" in page
    assert not any(f.get("failing") for f in map_data(page)["flows"])
    assert 'id="coverage"' not in page  # only when a coverage matrix is given
