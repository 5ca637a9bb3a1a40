"""The interactive data map as HTML: a section for ``report.html`` and a page of its own.

The map is drawn in the browser by Cytoscape.js with the dagre layered layout
(vendored in ``html_assets/``, see ``VENDORED.md``) and ``html_assets/map.js``;
its data (:mod:`pledge.reports.data_map`) is embedded as JSON. Nothing is
fetched: every script and style is inline and allowed by its hash in the
Content-Security-Policy, which otherwise allows nothing.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from importlib import resources
from typing import Any

from pledge.checks.findings import Finding
from pledge.checks.graph.flow_graph import FlowGraph
from pledge.reports import data_map
from pledge.reports.safe import plain

DATA_ID = "pledge-map-data"
LIBRARIES = ("cytoscape.min.js", "cytoscape-dagre.min.js")
"""Vendored scripts, in load order, before ``map.js``."""
CYTOSCAPE_STYLE = ".__________cytoscape_container { position: relative; }"
"""The one style rule Cytoscape.js inserts itself; the CSP allows exactly it, by hash."""


def asset(name: str) -> str:
    """A file of ``html_assets`` as text."""
    return resources.files("pledge.reports").joinpath("html_assets", name).read_text(
        encoding="utf-8")


def csp_hash(block: str) -> str:
    """The CSP source expression allowing exactly ``block``."""
    digest = base64.b64encode(hashlib.sha256(block.encode("utf-8")).digest()).decode("ascii")
    return f"'sha256-{digest}'"


def csp(styles: list[str], scripts: list[str]) -> str:
    """A policy allowing these inline blocks and nothing else (no network, no plug-ins)."""
    style_src = " ".join(csp_hash(s) for s in [*styles, CYTOSCAPE_STYLE])
    script_src = " ".join(csp_hash(s) for s in scripts)
    return (f"default-src 'none'; style-src {style_src}; script-src {script_src}; "
            "img-src 'none'; font-src 'none'; connect-src 'none'; base-uri 'none'; "
            "form-action 'none'")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def _escaped(code: str) -> str:
    """Script text with control characters written as escapes.

    dagre keys its edges with a raw U+0001 inside string literals (``"\x01"``);
    written as the escape it is the same string, and the page holds no control
    character that a terminal or a text tool would act on.
    """
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}" if ord(m.group(0)) < 0x100
                        else f"\\u{ord(m.group(0)):04x}", code)


def scripts() -> list[str]:
    """The map's scripts, in order: the libraries, then the map itself."""
    return [_escaped(asset(name)) for name in (*LIBRARIES, "map.js")]


def json_for_script(data: object) -> str:
    """Compact JSON that cannot close its ``<script>`` element (``<``, ``>``, ``&`` escaped)."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _esc(value: object) -> str:
    return html.escape(plain(value), quote=True)


LEGEND = (
    '<div class="map-legend" aria-label="Legend">'
    '<span><span class="key subject"></span>people</span>'
    '<span><span class="key system"></span>our system</span>'
    '<span><span class="key third"></span>third party (dashed)</span>'
    '<span><span class="key store"></span>data store</span>'
    '<span><span class="key unit"></span>group of boxes (click to open)</span>'
    '<span><span class="key failing"></span>on a failing path</span>'
    '<span><span class="key gate"></span>◆ consent gate on the flow</span>'
    '<span><span class="key up"></span>upstream of the chosen box</span>'
    '<span><span class="key down"></span>downstream</span>'
    '<span><span class="key path"></span>path found</span>'
    '<span>dotted line: a system holding its store</span></div>')


def section(data: dict[str, Any], *, heading: str = "Where personal data flows") -> str:
    """The map's HTML: controls, canvas, side panel, legend and the embedded data."""
    nodes, flows = len(data["nodes"]), len(data["flows"])
    grouped = (f" It has {nodes:,} boxes, so it opens with one box per team or role; click "
               "one to open it." if nodes > data["threshold"] else "")
    partial = data.get("partial")
    if partial:
        grouped += (f" The inventory has {partial['nodes']:,} boxes and {partial['flows']:,} "
                    "flows, too many to embed here: this map holds only the boxes on failing "
                    "paths and the flows between them; <code>pledge graph html</code> draws "
                    "them all.")
    return (
        f'<section id="data-map" class="data-map"><h2>{_esc(heading)}</h2>'
        f"<p>Each box is a group of people, a system or a data store; each arrow is a flow "
        f"of personal data ({nodes:,} boxes, {flows:,} flows). Red marks the path of a "
        "broken promise. Search, filter, or click a box to light up where its data comes "
        f"from and goes.{grouped}</p>"
        '<div class="map-tools">'
        '<label>Search <input id="map-search" type="search" list="map-search-list" '
        'placeholder="node id, name or category" autocomplete="off"></label>'
        '<datalist id="map-search-list"></datalist>'
        '<label>Category <select id="map-category"><option value="">any</option></select>'
        "</label>"
        '<label>Purpose <select id="map-purpose"><option value="">any</option></select></label>'
        '<label>Consent gate <select id="map-gate"><option value="">any</option></select>'
        "</label>"
        '<label><input type="checkbox" id="map-third"> third parties only</label>'
        '<label><input type="checkbox" id="map-failing"> failing paths only</label>'
        '<label><input type="checkbox" id="map-labels"> flow labels</label>'
        '<button type="button" id="map-zoom-in" title="Zoom in">+</button>'
        '<button type="button" id="map-zoom-out" title="Zoom out">−</button>'
        '<button type="button" id="map-fit">Fit</button>'
        '<button type="button" id="map-reset">Clear</button></div>'
        '<div class="map-tools"><label>Path from <input id="map-from" list="map-search-list" '
        'autocomplete="off"></label><label>to <input id="map-to" list="map-search-list" '
        'autocomplete="off"></label><button type="button" id="map-find">Find path</button>'
        '<span id="path-result" class="mono" aria-live="polite"></span></div>'
        '<p class="map-status"><span id="map-count" aria-live="polite"></span> '
        '<span id="search-count" aria-live="polite"></span></p>'
        '<div class="map-body"><div id="map-canvas" role="img" '
        'aria-label="Data-flow map"></div><aside id="map-panel" aria-live="polite"></aside>'
        f"</div>{LEGEND}"
        '<noscript><p>The map needs JavaScript; <code>pledge graph export</code> writes the '
        "graph for other tools.</p></noscript>"
        f'<script type="application/json" id="{DATA_ID}">{json_for_script(data)}</script>'
        "</section>")


def render(graph: FlowGraph, findings: list[Finding], *, title: str, version: str) -> str:
    """``pledge graph html``: the map as one self-contained page."""
    css = asset("map.css")
    code = scripts()
    data = data_map.build(graph, findings, title=title)
    failing = sum(1 for f in findings if f.status.failing)
    summary = (f"{failing} failing finding{'s' if failing != 1 else ''}" if failing
               else "no failing finding")
    body = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{csp([css], code)}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Data map: {_esc(title)}</title>", f"<style>{css}</style>", "</head>",
        '<body class="map-page">',
        f"<header><h1>Data map: {_esc(title)}</h1><p>{summary}; "
        "<code>pledge report</code> explains each.</p></header>",
        "<main>", section(data, heading="The map"), "</main>",
        f"<footer>Made by pledge {_esc(version)}. This page loads nothing from the network; "
        "the map is drawn with Cytoscape.js and dagre (MIT).</footer>",
        *(f"<script>{block}</script>" for block in code), "</body>", "</html>"]
    return "\n".join(body) + "\n"
