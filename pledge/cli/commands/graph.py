"""``pledge graph``: ask the data-flow graph who receives what, along which paths, and export it.

Each subcommand builds the same :class:`~pledge.checks.graph.flow_graph.FlowGraph` the checks use
(from the bundled inventory unless INVENTORY or ``--inventory`` names another),
runs one query from :mod:`pledge.checks.graph.queries` and prints a table, or JSON with
``--format json``. ``export`` writes the graph for other tools
(:mod:`pledge.reports.graph_export`). Input-derived text is redacted and stripped of
control characters; unknown ids are input errors (exit 2) naming the nearest id.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from pledge.checks.graph import queries
from pledge.checks.graph.flow_graph import EdgeFilter, FlowGraph
from pledge.cli.common import EXIT_OK, get_inventory, limits_option, write_output
from pledge.policy_model.errors import InputError, InputErrors
from pledge.policy_model.vocabulary import default_vocabularies
from pledge.reports.safe import plain


# --- shared options ---------------------------------------------------------------------------
def inventory_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """An optional trailing INVENTORY argument, or --inventory, plus --max-file-size."""
    func = limits_option(func)
    func = click.option("--inventory", "inventory_option", type=click.Path(path_type=Path),
                        default=None, metavar="PATH",
                        help="Inventory file or directory (default: the bundled MAROSOAP "
                             "inventory); same as the INVENTORY argument.")(func)
    return click.argument("inventory", required=False, type=click.Path(path_type=Path))(func)


def format_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--format text|json and --output FILE for the query subcommands."""
    func = click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
                        help="Write to this file (atomically) instead of standard output.")(func)
    return click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]),
                        default="text", show_default=True,
                        help="A readable table, or JSON for scripts.")(func)


def filter_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--category and --purpose (repeatable) to follow only flows that match."""
    func = click.option("--purpose", "purposes", multiple=True, metavar="PURPOSE",
                        help="Only flows for this purpose or one under it (repeatable).")(func)
    return click.option("--category", "categories", multiple=True, metavar="CATEGORY",
                        help="Only flows carrying this category or one under it "
                             "(repeatable).")(func)


def broader_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """--broader: also count declarations of an ancestor category (which may hold the data)."""
    return click.option("--broader", is_flag=True,
                        help="Also count flows or fields declaring a broader category "
                             "(user.contact for user.contact.email): they may carry it.")(func)


def load_graph(inventory: Path | None, inventory_option: Path | None,
               max_file_size: int) -> FlowGraph:
    """Load the named (or bundled) inventory and build its flow graph once."""
    if inventory and inventory_option and inventory != inventory_option:
        raise InputErrors([InputError("PLG-E019", "two different inventories named", None, None,
                                      "give INVENTORY or --inventory, not both")])
    loaded = get_inventory(inventory or inventory_option, max_file_size)
    return FlowGraph(loaded.inventory, default_vocabularies())


def make_filter(fg: FlowGraph, categories: Sequence[str], purposes: Sequence[str], *,
                broader: bool = False) -> EdgeFilter | None:
    """The flow filter for --category/--purpose, after checking the ids; None for no filter."""
    cats = queries.check_terms(fg, "data_categories", categories)
    purps = queries.check_terms(fg, "purposes", purposes)
    if not cats and not purps:
        return None
    return queries.flow_filter(fg, cats, purps, broader=broader)


# --- rendering --------------------------------------------------------------------------------
def redacted(value: Any) -> Any:
    """A JSON value with every string passed through the redactor."""
    if isinstance(value, str):  # control characters, bidi overrides, lone surrogates escaped
        return plain(value, keep_newlines=True)
    if isinstance(value, list | tuple):
        return [redacted(v) for v in value]
    if isinstance(value, dict):
        return {k: redacted(v) for k, v in value.items()}
    return value


def emit_json(data: dict[str, Any], output: Path | None) -> None:
    """Sorted, indented, redacted JSON."""
    write_output(json.dumps(redacted(data), indent=2, sort_keys=True, ensure_ascii=False)
                 + "\n", output)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """Columns aligned to their widest cell; every cell made safe to print."""
    cells = [[plain(c) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    return ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            for row in [list(headers), *cells]]


def joined(values: Sequence[str]) -> str:
    """A list in one cell."""
    return ", ".join(values) if values else "-"


def kind_label(node_type: str, third_party: bool) -> str:
    """system / third party / store / third-party store / subject."""
    if node_type == "system":
        return "third party" if third_party else "system"
    if node_type == "store":
        return "third-party store" if third_party else "store"
    return node_type


def chain(hops: Sequence[queries.HopInfo]) -> str:
    """A path as ``a -[flow]-> b -[flow (gate)]-> c``."""
    if not hops:
        return "-"
    parts = [hops[0].source]
    for hop in hops:
        gate = f" ({hop.consent_gate})" if hop.consent_gate else ""
        parts.append(f"-[{hop.flow}{gate}]-> {hop.target}")
    return " ".join(parts)


def transport(hop: queries.HopInfo) -> str:
    """``https TLS 1.3 mTLS``."""
    if hop.protocol == queries.HELD_PROTOCOL:
        return "held (at rest in its owner's store)"
    text = hop.protocol + (f" TLS {hop.tls}" if hop.tls else " no TLS")
    return text + (" mTLS" if hop.mutual_tls else "")


def gate_text(hop: queries.HopInfo) -> str:
    """The consent gate a hop passes, with its type, or ``none``."""
    if not hop.consent_gate:
        return "none"
    return f"{hop.consent_gate} ({hop.gate_type})" if hop.gate_type else hop.consent_gate


def hop_rows(hops: Sequence[queries.HopInfo]) -> list[str]:
    """A table of hops: flow, ends, categories, purposes, transport, consent gate."""
    return table(("FLOW", "FROM", "TO", "CATEGORIES", "PURPOSES", "TRANSPORT", "CONSENT GATE"),
                 [(h.flow, h.source, h.target, joined(h.categories), joined(h.purposes),
                   transport(h), gate_text(h)) for h in hops])


def next_hop_categories(fg: FlowGraph, entry: queries.LineageEntry) -> list[str]:
    """What the flow linking a lineage entry to its neighbour carries, sorted."""
    return sorted(queries.flow_of(fg, entry.flow).categories)


def path_json(hops: Sequence[queries.HopInfo]) -> dict[str, list[str]]:
    """A path for JSON: its nodes and flow ids, in flow direction."""
    return {"nodes": [hops[0].source, *(h.target for h in hops)] if hops else [],
            "flows": [h.flow for h in hops]}


def finish(lines: list[str], output: Path | None) -> int:
    """Print (or write) the lines of a text answer."""
    write_output("\n".join(plain(line) for line in lines) + "\n", output)  # names are input
    return EXIT_OK


# --- the group --------------------------------------------------------------------------------
@click.group()
def graph() -> None:
    """Query the data-flow graph, or export it for other tools."""


@graph.command()
@click.argument("category")
@inventory_options
@click.option("--purpose", "purposes", multiple=True, metavar="PURPOSE",
              help="Only flows for this purpose or one under it (repeatable).")
@broader_option
@format_options
def recipients(category: str, inventory: Path | None, inventory_option: Path | None,
               max_file_size: int, purposes: tuple[str, ...], broader: bool, fmt: str,
               output: Path | None) -> int:
    """Who receives CATEGORY, why, and along which path.

    Every node a flow carrying CATEGORY (or a category under it) enters, with
    its senders, the purposes, and a shortest path from where the data enters.
    """
    fg = load_graph(inventory, inventory_option, max_file_size)
    cats = queries.check_terms(fg, "data_categories", [category])
    purps = queries.check_terms(fg, "purposes", purposes)
    result = queries.recipients(fg, cats, purps, broader=broader)
    maybe = [] if broader else queries.broader_recipients(fg, cats, purps)
    if fmt == "json":
        emit_json({"query": "recipients", "category": category, "purposes": sorted(purps),
                   "broader": broader, "broader_would_add": maybe,
                   "recipients": [{**r._asdict(),
                                   "path": path_json(result.tree.hops(fg, r.node))}
                                  for r in result.recipients]}, output)
        return EXIT_OK
    lines = [f"Recipients of {category}: {len(result.recipients)}"]
    if result.recipients:
        lines += ["", *table(
            ("RECIPIENT", "KIND", "HOPS", "FROM", "PURPOSES", "PATH"),
            [(r.node, kind_label(r.type, r.third_party), r.hops, joined(r.senders),
              joined(r.purposes), chain(result.tree.hops(fg, r.node)))
             for r in result.recipients])]
    if maybe:
        lines += ["", f"Flows declaring a broader category may also bring it to: "
                  f"{joined(maybe)} (see --broader)"]
    return finish(lines, output)


@graph.command("paths")
@click.argument("source", metavar="FROM")
@click.argument("target", metavar="TO")
@inventory_options
@filter_options
@broader_option
@click.option("--limit", type=click.IntRange(min=1), default=queries.DEFAULT_PATH_LIMIT,
              show_default=True, help="Show at most this many paths, shortest first.")
@format_options
def paths_command(source: str, target: str, inventory: Path | None,
                  inventory_option: Path | None, max_file_size: int,
                  categories: tuple[str, ...], purposes: tuple[str, ...], broader: bool,
                  limit: int, fmt: str, output: Path | None) -> int:
    """Flow paths from FROM to TO, with consent gates.

    Simple paths, shortest first, each hop with its categories, purposes,
    transport and consent gate.
    """
    fg = load_graph(inventory, inventory_option, max_file_size)
    source, target = queries.check_node(fg, source), queries.check_node(fg, target)
    follow = make_filter(fg, categories, purposes, broader=broader)
    result = queries.paths(fg, source, target, follow, limit)
    if fmt == "json":
        emit_json({"query": "paths", "from": source, "to": target,
                   "categories": sorted(categories), "purposes": sorted(purposes),
                   "limit": limit, "truncated": result.truncated,
                   "paths": [{"hops": [h._asdict() for h in p],
                              "nodes": [source] + [h.target for h in p]}
                             for p in result.paths]}, output)
        return EXIT_OK
    more = f"; more exist, raise --limit (now {limit})" if result.truncated else ""
    lines = [f"Paths from {source} to {target}: {len(result.paths)} shown{more}"]
    for number, hops in enumerate(result.paths, 1):
        nodes = " > ".join([source] + [h.target for h in hops])
        lines += ["", f"{number}. {nodes}  ({len(hops)} hop{'s' if len(hops) > 1 else ''})",
                  *("   " + row for row in hop_rows(hops))]
    return finish(lines, output)


@graph.command()
@click.argument("node")
@inventory_options
@click.option("--upstream", "direction", flag_value="upstream",
              help="Only where its data comes from.")
@click.option("--downstream", "direction", flag_value="downstream",
              help="Only where its data goes.")
@click.option("--depth", type=click.IntRange(min=1), default=None,
              help="At most this many hops away (default: no limit).")
@filter_options
@format_options
def lineage(node: str, inventory: Path | None, inventory_option: Path | None,
            max_file_size: int, direction: str | None, depth: int | None,
            categories: tuple[str, ...], purposes: tuple[str, ...], fmt: str,
            output: Path | None) -> int:
    """Where NODE's data comes from and goes.

    Upstream and downstream nodes, nearest first, each with a shortest path.
    """
    fg = load_graph(inventory, inventory_option, max_file_size)
    node = queries.check_node(fg, node)
    follow = make_filter(fg, categories, purposes)
    directions = [direction] if direction else ["upstream", "downstream"]
    found = [queries.lineage(fg, node, d, depth=depth, follow=follow)  # type: ignore[arg-type]
             for d in directions]
    if fmt == "json":
        emit_json({"query": "lineage", "node": node, "depth": depth,
                   "categories": sorted(categories), "purposes": sorted(purposes),
                   **{result.direction: [
                       {**e._asdict(), "categories": next_hop_categories(fg, e),
                        "path": path_json(result.tree.hops(fg, e.node))}
                       for e in result.entries] for result in found}}, output)
        return EXIT_OK
    lines: list[str] = []
    bound = f", within {depth} hop{'s' if depth != 1 else ''}" if depth else ""
    for result in found:
        d, entries = result.direction, result.entries
        word = "comes from" if d == "upstream" else "goes to"
        lines += [*([""] if lines else []), f"{d.capitalize()}: where {node}'s data {word} "
                  f"({len(entries)} node{'s' if len(entries) != 1 else ''}{bound})"]
        if entries:
            lines += ["", *table(
                ("HOPS", "NODE", "KIND", "CATEGORIES ON THE NEXT HOP", "PATH"),
                [(e.distance, e.node, kind_label(e.type, bool(fg.node(e.node).get(
                    "third_party"))), joined(next_hop_categories(fg, e)),
                  chain(result.tree.hops(fg, e.node))) for e in entries])]
    return finish(lines, output)


@graph.command("holders")
@click.argument("category")
@inventory_options
@broader_option
@format_options
def holders_command(category: str, inventory: Path | None, inventory_option: Path | None,
                    max_file_size: int, broader: bool, fmt: str, output: Path | None) -> int:
    """Stores holding CATEGORY: retention, protection.

    One row per field of CATEGORY (or under it), with retention, disposal,
    encryption, exposure, access roles and pseudonymisation.
    """
    fg = load_graph(inventory, inventory_option, max_file_size)
    cats = queries.check_terms(fg, "data_categories", [category])
    found = queries.holders(fg, cats, broader=broader)
    if fmt == "json":
        emit_json({"query": "holders", "category": category, "broader": broader,
                   "holders": [dataclasses.asdict(h) for h in found]}, output)
        return EXIT_OK
    lines = [f"Stores holding {category}: {len(found)}"]
    rows = []
    for h in found:
        for f in h.fields:
            field_protection = [name for name, on in (("encrypted", f.encrypted),
                                                      ("pseudonymised", f.pseudonymised),
                                                      ("tokenised", f.tokenised)) if on]
            rows.append((h.store, kind_label("store", h.third_party), h.system, f.name,
                         f.category, f.retention or "not set", f.disposal or "not set",
                         ("not declared" if h.encryption_at_rest is None
                          else "yes" if h.encryption_at_rest else "no"),
                         h.exposure or "not declared",
                         joined(h.access_roles), joined(field_protection)))
    if rows:
        lines += ["", *table(("STORE", "KIND", "SYSTEM", "FIELD", "CATEGORY", "RETENTION",
                              "DISPOSAL", "ENCRYPTED AT REST", "EXPOSURE", "ACCESS ROLES",
                              "FIELD PROTECTION"), rows)]
    return finish(lines, output)


def _node_text(info: dict[str, Any]) -> list[str]:
    lines = [f"{info['id']}: {info['name']} ({kind_label(info['type'], info['third_party'])})"]
    skip = {"id", "name", "type", "third_party", "holds", "receives", "sends",
            "processing_activities", "consent_gates", "attestations"}
    for key in sorted(k for k in info if k not in skip):
        value = info[key]
        if value is None or value == []:
            continue
        shown = joined(value) if isinstance(value, list) else (
            ("yes" if value else "no") if isinstance(value, bool) else value)
        lines.append(f"  {key.replace('_', ' ')}: {plain(shown)}")
    for att in info.get("attestations", []):
        until = f" valid until {att['valid_until']}" if att.get("valid_until") else ""
        lines.append(f"  attestation: {plain(att['name'])}{until}")
    for act in info.get("processing_activities", []):
        basis = act["legal_basis"] or "legal basis not declared"
        lines.append(f"  processing activity: {plain(act['id'])} ({plain(act['name'])}; "
                     f"{plain(basis)}; {plain(joined(act['purposes']))})")
    for gate in info["consent_gates"]:
        lines.append(f"  consent gate: {plain(gate['id'])} ({plain(gate.get('type', '?'))}): "
                     f"{plain(gate.get('mechanism') or gate.get('name') or '')}")
    if info["holds"]:
        lines += ["", "Holds:", *("  " + row for row in table(
            ("STORE", "FIELD", "CATEGORY", "RETENTION", "DISPOSAL"),
            [(h["store"], h["name"], h["category"], h["retention"] or "not set",
              h["disposal"] or "not set") for h in info["holds"]]))]
    for title, key in (("Receives", "receives"), ("Sends", "sends")):
        hops = [queries.HopInfo(**_hop_fields(h)) for h in info[key]]
        lines += ["", f"{title}: {len(hops)} flow{'s' if len(hops) != 1 else ''}"]
        if hops:
            lines += ["  " + row for row in hop_rows(hops)]
    return lines


def _hop_fields(hop: dict[str, Any]) -> dict[str, Any]:
    """A hop as JSON gives it, with its lists as the tuples :class:`queries.HopInfo` holds."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in hop.items()}


@graph.command("node")
@click.argument("node_id", metavar="ID")
@inventory_options
@format_options
def node_command(node_id: str, inventory: Path | None, inventory_option: Path | None,
                 max_file_size: int, fmt: str, output: Path | None) -> int:
    """Everything known about one node.

    What it holds, receives and sends, for which purposes, under which agreements.
    """
    fg = load_graph(inventory, inventory_option, max_file_size)
    info = queries.describe(fg, queries.check_node(fg, node_id))
    if fmt == "json":
        emit_json({"query": "node", "node": info}, output)
        return EXIT_OK
    return finish(_node_text(info), output)


EXPORT_FORMATS = ("csv", "dot", "graphml", "json", "mermaid")
"""The formats of ``pledge graph export`` (:data:`pledge.reports.graph_export.EXPORTERS`'s
names: that module, and networkx with it, is imported only when a graph is exported)."""


@graph.command("export")
@inventory_options
@click.option("-f", "--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="dot",
              show_default=True, help="dot (Graphviz), graphml (yEd, Gephi), json (node-link, "
                                      "D3), mermaid (Markdown), csv (one row per flow).")
@filter_options
@broader_option
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Write to this file (atomically) instead of standard output.")
def export_command(inventory: Path | None, inventory_option: Path | None, max_file_size: int,
                   fmt: str, categories: tuple[str, ...], purposes: tuple[str, ...],
                   broader: bool, output: Path | None) -> int:
    """The graph as DOT, GraphML, JSON, Mermaid or CSV.

    For Graphviz, yEd or Gephi, D3, Markdown documents and spreadsheets;
    --category and --purpose keep only matching flows.
    """
    from pledge.reports.graph_export import export

    fg = load_graph(inventory, inventory_option, max_file_size)
    follow = make_filter(fg, categories, purposes, broader=broader)
    write_output(export(fg, fmt, follow), output)
    return EXIT_OK
