"""The data-flow graph drawn as inline SVG, with a deterministic layered layout.

No layout library and no JavaScript: nodes are placed in columns (layers) by a
longest-path layering over the graph made acyclic by a breadth-first order, and
ordered by id within a column. Failing paths (the nodes and flows named in
failing findings' evidence) are drawn in the failure colour. Every label is
escaped and redacted, so a node named ``<script>`` is only text.
"""

from __future__ import annotations

import html
from collections import deque
from dataclasses import dataclass

from pledge.checks.findings import Finding
from pledge.checks.graph.flow_graph import FlowGraph
from pledge.reports.safe import plain

NODE_W, NODE_H = 168, 46
COL_GAP, ROW_GAP = 48, 20
MARGIN = 24
LABEL_CHARS = 23


@dataclass(frozen=True)
class Placed:
    """A node with its layer, row and top-left corner."""

    id: str
    kind: str
    name: str
    detail: str
    third_party: bool
    layer: int
    row: int
    x: int
    y: int


def _esc(value: object) -> str:
    return html.escape(plain(value), quote=True)


def _links(graph: FlowGraph) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """Flow edges, and ownership links (system to its store) that no flow already draws."""
    g = graph.graph
    flows = {(u, v) for u, v in g.edges() if u != v}
    owned = {(str(d["system"]), n) for n, d in g.nodes(data=True)
             if d["type"] == "store" and d.get("system") in g and (d["system"], n) not in flows}
    return flows, owned


def layers(graph: FlowGraph) -> dict[str, int]:
    """Each node's column: the longest path to it from a root, cycles broken by BFS order.

    Links are the flows, plus "system holds store" for stores no flow enters.
    Roots are the data subjects and nodes nothing links into. A breadth-first
    pass gives every node a depth; a link counts as forward when it goes to a
    greater (depth, id) pair, a strict total order, so forward links form a DAG
    whose longest paths give the columns. Other links are drawn as arcs. Last,
    a node nothing links into moves right, next to the first node it feeds or
    holds.
    """
    flows, owned = _links(graph)
    fed = {v for _u, v in flows}
    nodes = sorted(graph.graph.nodes)
    succ: dict[str, set[str]] = {n: set() for n in nodes}
    pred: dict[str, set[str]] = {n: set() for n in nodes}
    for u, v in flows | {(u, v) for u, v in owned if v not in fed}:
        succ[u].add(v)
        pred[v].add(u)
    roots = sorted(set(graph.subjects()) | {n for n in nodes if not pred[n]})
    depth: dict[str, int] = {}
    pending = roots or nodes[:1]
    unplaced = 0  # nodes before this one all have a depth (depths are only ever added)
    while pending:
        queue: deque[str] = deque()
        for root in pending:
            if root not in depth:
                depth[root] = 1 + max((depth[p] for p in pred[root] if p in depth), default=-1)
                queue.append(root)
        while queue:
            node = queue.popleft()
            for nxt in sorted(succ[node]):
                if nxt not in depth:
                    depth[nxt] = depth[node] + 1
                    queue.append(nxt)
        while unplaced < len(nodes) and nodes[unplaced] in depth:
            unplaced += 1
        pending = nodes[unplaced:unplaced + 1]  # the first node still without a depth
    order = sorted(nodes, key=lambda n: (depth[n], n))
    rank = {n: i for i, n in enumerate(order)}
    layer: dict[str, int] = {}
    for node in order:  # a topological order of the forward links
        layer[node] = 1 + max((layer[p] for p in pred[node] if rank[p] < rank[node]),
                              default=-1)
    holds: dict[str, set[str]] = {}
    for u, v in owned:
        holds.setdefault(u, set()).add(v)
    for node in order:
        feeds = succ[node] | holds.get(node, set())
        if not pred[node] and feeds:
            layer[node] = max(0, min(layer[s] for s in feeds) - 1)
    return layer


def _order(columns: dict[int, list[str]], graph: FlowGraph) -> dict[int, list[str]]:
    """Order each column by the mean row of its neighbours in the next column over.

    Columns start in id order; one sweep left to right (against the column
    before) then one right to left (against the column after) cuts crossings.
    Every step sorts on (mean row, id), so the result is deterministic.
    """
    flows, owned = _links(graph)
    neighbours: dict[str, set[str]] = {}
    for u, v in flows | owned:
        neighbours.setdefault(u, set()).add(v)
        neighbours.setdefault(v, set()).add(u)
    keys = sorted(columns)
    forward = [(keys[i], keys[i - 1]) for i in range(1, len(keys))]
    backward = [(keys[i], keys[i + 1]) for i in range(len(keys) - 2, -1, -1)]
    for col, other in forward + backward:
        rows = {n: i for i, n in enumerate(columns[other])}
        members = columns[col]
        scale = (len(rows) - 1) / max(1, len(members) - 1)
        keyed = []
        for index, node in enumerate(members):
            near = [rows[n] for n in neighbours.get(node, ()) if n in rows]
            keyed.append((sum(near) / len(near) if near else index * scale, node))
        columns[col] = [node for _key, node in sorted(keyed)]
    return columns


def _detail(data: dict[str, object]) -> str:
    kind = str(data["type"])
    if kind == "subject":
        return "people"
    role = str(data.get("role") or "")
    if kind == "store":
        return f"store of {data.get('system')}"
    return ("third party" if data.get("third_party") else "internal") + (
        f" · {role}" if role else "")


def place(graph: FlowGraph) -> list[Placed]:
    """Every node with coordinates; columns are vertically centred."""
    layer = layers(graph)
    columns: dict[int, list[str]] = {}
    for node in sorted(layer):
        columns.setdefault(layer[node], []).append(node)
    columns = _order(columns, graph)
    tallest = max((len(c) for c in columns.values()), default=0)
    height = tallest * (NODE_H + ROW_GAP)
    placed: list[Placed] = []
    for col, members in sorted(columns.items()):
        offset = (height - len(members) * (NODE_H + ROW_GAP)) // 2
        for row, node in enumerate(members):
            data = graph.node(node)
            placed.append(Placed(
                id=node, kind=str(data["type"]), name=str(data.get("name") or node),
                detail=_detail(data), third_party=bool(data.get("third_party")),
                layer=col, row=row, x=MARGIN + col * (NODE_W + COL_GAP),
                y=MARGIN + 28 + offset + row * (NODE_H + ROW_GAP)))
    return placed


def failing_elements(findings: list[Finding]) -> tuple[set[str], set[str]]:
    """Node ids and flow ids on failing findings' paths (and failing subjects)."""
    nodes: set[str] = set()
    flows: set[str] = set()
    for f in findings:
        if not f.status.failing:
            continue
        path = f.evidence.get("path")
        if isinstance(path, list):
            nodes.update(str(n) for n in path)
        hops = f.evidence.get("flows")
        if isinstance(hops, list):
            flows.update(str(h) for h in hops)
        if f.subject.type == "flow":
            flows.add(f.subject.id)
        elif f.subject.type in ("store", "system", "subject"):
            nodes.add(f.subject.id)
        elif f.subject.type == "field" and "." in f.subject.id:
            nodes.add(f.subject.id.rsplit(".", 1)[0])
    return nodes, flows


def _truncate(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[:LABEL_CHARS - 1] + "…"


def _edge_path(a: Placed, b: Placed, bend: int) -> str:
    if b.layer > a.layer:
        x1, y1 = a.x + NODE_W, a.y + NODE_H // 2
        x2, y2 = b.x, b.y + NODE_H // 2
        mid = (x2 - x1) // 2
        return f"M{x1},{y1} C{x1 + mid},{y1} {x2 - mid},{y2} {x2},{y2}"
    x1, y1 = a.x + NODE_W // 2 + 8, a.y
    x2, y2 = b.x + NODE_W // 2 - 8, b.y
    lift = 34 + bend
    top = min(y1, y2) - lift
    return f"M{x1},{y1} C{x1},{top} {x2},{top} {x2},{y2}"


def render_svg(graph: FlowGraph, findings: list[Finding]) -> str:
    """The graph as an ``<svg id="flow-graph">`` element (no scripts, no external refs)."""
    placed = place(graph)
    if not placed:
        return '<p class="empty">The inventory declares no data flows.</p>'
    where = {p.id: p for p in placed}
    bad_nodes, bad_flows = failing_elements(findings)
    width = MARGIN * 2 + (max(p.layer for p in placed) + 1) * (NODE_W + COL_GAP) - COL_GAP
    height = max(p.y for p in placed) + NODE_H + MARGIN
    pairs: dict[tuple[str, str], list[str]] = {}
    for flow in sorted(graph.flows.values(), key=lambda f: f.id):
        pairs.setdefault((flow.source, flow.target), []).append(flow.id)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" id="flow-graph" class="flow-graph" '
           f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
           'aria-labelledby="flow-graph-title">',
           '<title id="flow-graph-title">Data-flow map: who sends personal data where; '
           'failing paths in red</title>',
           '<defs>',
           '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
           'fill="#6b7280"/></marker>',
           '<marker id="arrow-bad" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
           'fill="#b91c1c"/></marker>',
           '</defs>']
    columns = sorted({p.layer for p in placed})
    for col in columns:
        x = MARGIN + col * (NODE_W + COL_GAP) + NODE_W // 2
        out.append(f'<text class="col-label" x="{x}" y="{MARGIN + 8}" text-anchor="middle" '
                   f'font-size="11" fill="#6b7280">step {col + 1}</text>')
    out.append('<g class="edges">')
    _flows, owned = _links(graph)
    for owner, store in sorted(owned):
        a, b = where[owner], where[store]
        out.append(f'<path class="holds" d="{_edge_path(a, b, 0)}" fill="none" stroke="#9ca3af" '
                   f'stroke-width="1" stroke-dasharray="2 3"><title>{_esc(a.name)} holds '
                   f'{_esc(b.name)}</title></path>')
    backs = 0
    for (src, dst), flow_ids in sorted(pairs.items()):
        if src not in where or dst not in where:
            continue
        a, b = where[src], where[dst]
        back = b.layer <= a.layer
        bend = 0
        if back:
            backs += 1
            bend = (backs % 5) * 9
        bad = any(f in bad_flows for f in flow_ids)
        cls = "edge" + (" fail" if bad else "") + (" back" if back else "")
        label = f"{a.name} → {b.name}: " + ", ".join(flow_ids)
        stroke = "#b91c1c" if bad else "#9ca3af"
        dash = ' stroke-dasharray="5 3"' if back and not bad else ""
        out.append(f'<path class="{cls}" d="{_edge_path(a, b, bend)}" fill="none" '
                   f'stroke="{stroke}" stroke-width="{3 if bad else 1.4}"{dash} '
                   f'marker-end="url(#{"arrow-bad" if bad else "arrow"})" '
                   f'data-flows="{_esc(" ".join(flow_ids))}"><title>{_esc(label)}</title>'
                   '</path>')
    out.append('</g><g class="nodes">')
    for p in placed:
        bad = p.id in bad_nodes
        cls = f"node {p.kind}" + (" third-party" if p.third_party else "") + (
            " fail" if bad else "")
        radius = 22 if p.kind == "subject" else (12 if p.kind == "store" else 4)
        fill = {"subject": "#eef2ff", "store": "#ecfdf5"}.get(p.kind, "#ffffff")
        stroke = "#b91c1c" if bad else "#374151"
        dash = ' stroke-dasharray="5 3"' if p.third_party else ""
        out.append(
            f'<g class="{cls}" data-node="{_esc(p.id)}">'
            f'<title>{_esc(p.name)} ({_esc(p.id)}): {_esc(p.detail)}</title>'
            f'<rect x="{p.x}" y="{p.y}" width="{NODE_W}" height="{NODE_H}" rx="{radius}" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="{2.5 if bad else 1.2}"{dash}/>'
            f'<text x="{p.x + NODE_W // 2}" y="{p.y + 19}" text-anchor="middle" '
            f'font-size="13" fill="#111827">{_esc(_truncate(p.name))}</text>'
            f'<text class="sub" x="{p.x + NODE_W // 2}" y="{p.y + 35}" text-anchor="middle" '
            f'font-size="10.5" fill="#4b5563">{_esc(_truncate(p.detail))}</text></g>')
    out.append("</g></svg>")
    return "\n".join(out)
