"""Output safety: what comes from input cannot inject markup, terminal codes or leak secrets.

A hostile inventory and policy put HTML, Markdown, XML, CSV-formula, ANSI and
bidirectional-override payloads, and secrets (a DSN with a password, a
``password=`` pair, Luhn-valid card numbers), into every free-text field that
reaches a report: names, descriptions, field names, decision descriptions,
titles, an unknown kind. Then every output format is rendered:

* ``pledge check --format`` for each of :data:`pledge.reports.formats.RENDERERS`;
* ``pledge report --format`` and ``pledge graph export --format`` for each of
  their choices, when those commands exist;
* a few plain-text commands (``explain``, ``graph node``).

Every output must be free of control characters, bidirectional overrides and
the secrets; then each is parsed as what it claims to be (JSON, XML, HTML,
Markdown, CSV, Graphviz, GitHub workflow commands) and checked for injected
structure. Format lists are read from the command line itself, so a format
added later is covered without editing this file.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import click
import pytest

from pledge.cli import cli
from pledge.reports.formats import RENDERERS
from tests.conftest import AS_OF, INVENTORY, POLICY, ROOT, Run, run_inprocess

# --- the hostile input ---------------------------------------------------------------------------
MARKUP = ("<script>alert(1)</script> <img src=x onerror=alert(1)> [click](javascript:alert(1)) "
          "a|b `rm -rf` ]]><evil/> <![CDATA[x]]> &amp; & \"q\" 's' @everyone #1 </details> "
          "``` <!-- --> %%{init: {}}%% ")
TERMINAL = ("\x1b[31mRED\x1b[0m \x1b]8;;https://evil.example\x07link\x1b]8;;\x07 "
            "\u202egnp.exe\u2066 \u200f \u2028 ")
LINES = "%0A::warning::x\n::error::forged-command\r\nsecond line"
HOSTILE = MARKUP + TERMINAL + LINES
SECRETS = ("postgresql://admin:s3cret@db.internal:5432/x password=hunter2 "
           "card 4111 1111 1111 1111 and 5500005555555559")
SECRET_WORDS = ("s3cret", "hunter2", "4111 1111 1111 1111", "4111111111111111",
                "5500005555555559")
FORMULAS = ('=HYPERLINK("http://evil.example","x")', "@SUM(1+1)", "+1+1", "-1+1")


def _yaml_str(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are YAML's)."""
    return json.dumps(text)


def hostile_inventory(root: Path) -> Path:
    """The bundled inventory plus a JSON file of hostile entities that fail commitments."""
    shutil.copytree(INVENTORY, root)
    org = root / "organisation.yaml"
    org.write_text(org.read_text(encoding="utf-8").replace(
        "name: MAROSOAP marketplace", f"name: {_yaml_str(HOSTILE)}"), encoding="utf-8")
    name = HOSTILE + " \ud800 " + SECRETS  # a lone surrogate only JSON can carry
    extra = {
        "data_subjects": [{"id": "evil_people", "name": FORMULAS[0] + " " + name,
                           "category": "customer", "description": SECRETS}],
        "systems": [{"id": "evil_sys", "name": FORMULAS[1] + " " + name, "type": "third_party",
                     "role": "advertising", "country": "US", "exposure": "public",
                     "connection": "https://hooks.example.com/services/T0/B0/s3cretPATH",
                     "description": SECRETS + " " + HOSTILE, "purposes": ["marketing"]}],
        "stores": [{"id": "evil_store", "name": FORMULAS[2] + " " + name, "system": "web_shop",
                    "exposure": "public", "connection": "mysql://root:s3cret@db/x",
                    "description": SECRETS, "technology": HOSTILE,
                    "access_roles": [FORMULAS[3] + HOSTILE],
                    "fields": [{"name": f"card {HOSTILE}",
                                "category": "user.financial.credit_card.number",
                                "description": SECRETS}]}],
        "flows": [{"id": "evil_flow", "source": "customers", "target": "evil_sys",
                   "categories": ["user.financial.credit_card.number", "user.contact.email"],
                   "purposes": ["marketing.advertising"], "transport": {"protocol": "http"},
                   "description": HOSTILE + SECRETS}],
        "processing_activities": [{
            "id": "evil_activity", "name": name, "purposes": ["marketing.advertising"],
            "legal_basis": "consent", "data_subjects": ["evil_people"],
            "categories": ["user.contact.email"], "systems": ["evil_sys"],
            "description": SECRETS,
            "automated_decisions": [{"description": HOSTILE + SECRETS,
                                     "significant_effect": True}]}],
    }
    (root / "zz-hostile.json").write_text(json.dumps(extra, indent=1), encoding="utf-8")
    return root


def hostile_policy(path: Path) -> Path:
    """The bundled policy with hostile titles, rationale, a requirement and an unknown kind."""
    text = POLICY.read_text(encoding="utf-8")
    source = (POLICY.parent.parent / "source").as_posix()
    text = text.replace("path: ../source/", f"path: {source}/")
    text = text.replace("title: MAROSOAP Privacy Policy", f"title: {_yaml_str(HOSTILE)}", 1)
    text = text.replace(
        "title: No full card number, security code or expiry date is stored outside the "
        "payment processor", f"title: {_yaml_str(HOSTILE + SECRETS)}", 1)
    text = text.replace("description: an audit within the last year",
                        f"description: {_yaml_str(HOSTILE + SECRETS)}", 1)
    text += (f"\n  - id: HOS-001\n    title: {_yaml_str(HOSTILE)}\n    severity: high\n"
             f"    clause:\n      section: {_yaml_str(HOSTILE)}\n"
             "      quote: All payment information is transmitted via encrypted channels\n"
             f"    rationale: {_yaml_str(HOSTILE + SECRETS)}\n"
             f"    references:\n      - {{framework: {_yaml_str(HOSTILE)}, id: x}}\n"
             f"    check:\n      kind: {_yaml_str('<b>' + TERMINAL + '</b>')}\n")
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(inventory directory, policy file), both hostile and both loading without error."""
    base = tmp_path_factory.mktemp("hostile-output")
    return hostile_inventory(base / "inv"), hostile_policy(base / "policy.yaml")


# --- checks that hold for every output -----------------------------------------------------------
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f"
                        r"\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]")


def assert_no_control_or_secret(text: str, where: str) -> None:
    """No control character (CR only in CRLF), no bidi override, no secret."""
    found = _FORBIDDEN.search(text)
    if found:
        near = text[max(0, found.start() - 40):found.end() + 40]
        pytest.fail(f"{where}: {found.group(0)!r} printed, near {near!r}")
    assert "\r" not in text.replace("\r\n", ""), f"{where}: bare carriage return"
    for word in SECRET_WORDS:
        assert word not in text, f"{where}: secret {word!r} printed"


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


# --- format-specific structure checks ------------------------------------------------------------
def check_json(text: str, where: str) -> None:
    """Valid JSON whose decoded strings are clean too (``\\u001b`` decodes to ESC)."""
    data = json.loads(text)
    for value in _strings(data):
        assert_no_control_or_secret(value.replace("\n", " "), f"{where} (decoded)")
    markdown = [v for k, v in _walk_items(data) if k == "markdown" and isinstance(v, str)]
    for value in markdown:
        check_markdown(value, f"{where} (markdown field)")


def _walk_items(value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from _walk_items(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk_items(item)


def check_xml(text: str, where: str) -> None:
    """Well-formed XML with no element the input smuggled in."""
    root = ET.fromstring(text.encode("utf-8"))
    tags = {el.tag.rsplit("}", 1)[-1] for el in root.iter()}
    assert not tags & {"evil", "script", "img"}, f"{where}: injected element {tags}"
    for el in root.iter():
        assert_no_control_or_secret(" ".join([*el.attrib.values(), el.text or ""]), where)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.scripts: list[tuple[str, str]] = []  # (type, text)
        self._script: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        if tag == "script":
            self._script = dict(attrs).get("type") or "text/javascript"

    def handle_endtag(self, tag: str) -> None:
        self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self.scripts.append((self._script, data))


def check_html(text: str, where: str) -> None:
    """No injected element, event handler or ``javascript:`` URL; scripts are the report's own."""
    parser = _Tags()
    parser.feed(text)
    for tag, attrs in parser.tags:
        assert tag not in ("evil", "img") or not any(v == "x" for _, v in attrs), (where, tag)
        for name, value in attrs:
            assert not (name.startswith("on") and "alert" in (value or "")), (where, name, value)
            if name in ("href", "src", "action", "xlink:href"):
                assert not (value or "").strip().lower().startswith("javascript:"), (where, value)
    assert "<script>alert(1)" not in text and "<evil/>" not in text, where
    for kind, script in parser.scripts:
        if kind == "application/json":  # data: must parse, and hold nothing that ends it
            json.loads(script)
            assert "<" not in script, f"{where}: markup inside embedded JSON"
        else:
            assert "alert(1)" not in script, f"{where}: input reached a script"


_FENCE = re.compile(r"^ {0,3}(```+|~~~+)\s*([A-Za-z-]*)\s*$")
_LINK = re.compile(r"(?<!\\)\]\((?:javascript|data|vbscript):", re.IGNORECASE)


def check_markdown(text: str, where: str, *, comment: bool = False) -> None:
    """No raw HTML from input, no links the input wrote, tables keep their columns.

    ``comment``: the text is posted where ``@name`` notifies people (a pull request).
    """
    for needle in ("<script", "<evil", "<img", "</details> ``"):
        assert needle not in text, f"{where}: {needle!r} unescaped"
    assert not _LINK.search(text), f"{where}: a link the input wrote"
    if comment:
        assert "@everyone" not in text, f"{where}: a mention the input wrote"
    for line in text.splitlines():
        if re.match(r" {0,3}(```|~~~)", line):
            assert _FENCE.match(line), f"{where}: a fence opened by input: {line[:120]!r}"
    table: list[int] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            table.append(len(re.findall(r"(?<!\\)\|", line)))
        else:
            assert len(set(table)) <= 1, f"{where}: table rows with {sorted(set(table))} cells"
            table = []


_COMMAND = re.compile(r"^::(error|warning|notice|debug)(?: (?P<props>[^:]*))?::(?P<msg>.*)$")


def check_github(text: str, where: str) -> None:
    """Each ``::`` line is one well-formed workflow command; input cannot start another.

    Properties hold no ``::`` (it would end them early); a ``%`` from input is
    escaped as ``%25``, so the literal ``%0A`` in the payload survives decoding.
    """
    forged = 0
    for line in text.splitlines():
        assert not line.startswith("::error::forged"), f"{where}: forged command"
        if not line.startswith("::"):
            continue
        match = _COMMAND.match(line)
        assert match, f"{where}: malformed command {line[:120]!r}"
        for part in (match["props"] or "", match["msg"]):
            if "forged-command" not in part:
                continue
            forged += 1
            decoded = (part.replace("%0A", "\n").replace("%0D", "\r").replace("%3A", ":")
                       .replace("%2C", ",").replace("%25", "%"))
            assert "%0A::warning::x\n::error::forged-command" in decoded, decoded[:300]
    assert forged, f"{where}: the payload never reached an annotation"


def check_csv(text: str, where: str) -> None:
    """Parses as CSV; no cell the input made starts like a spreadsheet formula."""
    rows = list(csv.reader(io.StringIO(text)))
    assert rows, where
    for row in rows:
        for cell in row:
            if any(f in cell for f in ("HYPERLINK", "SUM(1+1)", "+1+1", "-1+1")):
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (
                    f"{where}: formula injection {cell[:60]!r}")


def check_dot(text: str, where: str) -> None:
    """Graphviz: every quoted string closes on its line; outside them, nothing from input."""
    for line in text.splitlines():
        unescaped = re.sub(r"\\.", "", line)
        assert unescaped.count('"') % 2 == 0, f"{where}: quote broken out: {line[:120]!r}"
        bare = re.sub(r'"[^"]*"', '""', unescaped)
        for needle in ("<evil", "<script", "alert", "forged"):
            assert needle not in bare, f"{where}: {needle!r} outside a quoted string"


def check_mermaid(text: str, where: str) -> None:
    """Mermaid: no directive, click handler or raw markup from input."""
    for needle in ("%%{", "<script", "<evil", "<img"):
        assert needle not in text, f"{where}: {needle!r}"
    for line in text.splitlines():
        assert not re.match(r"\s*click\s", line), f"{where}: click directive {line!r}"


def check_text(text: str, where: str) -> None:
    """Terminal text: the generic checks are the whole contract."""


CHECKERS: dict[str, Callable[[str, str], None]] = {
    "json": check_json, "xml": check_xml, "html": check_html, "markdown": check_markdown,
    "comment": lambda text, where: check_markdown(text, where, comment=True),
    "github": check_github, "csv": check_csv, "dot": check_dot, "mermaid": check_mermaid,
    "text": check_text,
}


def kind_of(name: str, text: str) -> str:
    """Which checker fits an output, from its format name or file suffix, else its content."""
    name = name.lower()
    if name == "markdown":  # the pull-request comment format
        return "comment"
    for key, kind in (("github", "github"), ("junit", "xml"), ("graphml", "xml"),
                      ("xml", "xml"), ("html", "html"), ("mermaid", "mermaid"), ("dot", "dot"),
                      ("csv", "csv"), ("markdown", "markdown"), (".md", "markdown"),
                      ("-md", "markdown"), ("coverage", "markdown"), ("json", "json"),
                      ("sarif", "json"), ("oscal", "json"), ("poam", "json"),
                      ("text", "text")):
        if key in name:
            return kind
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        return "json"
    if stripped.startswith("<"):
        return "html" if "<html" in stripped[:500].lower() else "xml"
    return "text"


def assert_safe(name: str, text: str) -> None:
    """The generic checks, then the structure checks of the output's format."""
    assert text, f"{name}: empty output"
    assert_no_control_or_secret(text, name)
    CHECKERS[kind_of(name, text)](text, name)


# --- the formats, read from the command line -----------------------------------------------------
def _choices(command: click.Command | None, param: str) -> list[str]:
    if command is None:
        return []
    for p in command.params:
        if p.name == param and isinstance(p.type, click.Choice):
            return list(p.type.choices)
    return []


_GRAPH = cli.commands.get("graph")
REPORT_FORMATS = _choices(cli.commands.get("report"), "formats")
GRAPH_FORMATS = _choices(_GRAPH.commands.get("export") if isinstance(_GRAPH, click.Group)
                         else None, "fmt")


def _ok(run: Run, what: str) -> None:
    assert run.code in (0, 1), f"{what}: exit {run.code}: {run.err[-2000:]}"
    assert "Traceback" not in run.err and "internal error" not in run.err, run.err


@pytest.fixture(scope="module")
def check_outputs(hostile: tuple[Path, Path],
                  tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One ``pledge check`` writing every --format to its own file."""
    inventory, policy = hostile
    out = tmp_path_factory.mktemp("check-outputs")
    names = sorted(RENDERERS)
    args: list[str] = []
    for name in names:
        args += ["-f", name, "-o", str(out / f"out.{name}")]
    run = run_inprocess("check", inventory, "--policy", policy, "--as-of", AS_OF, *args)
    assert run.code == 1, run.err[-2000:]  # the hostile entities break commitments
    _ok(run, "check")
    assert_no_control_or_secret(run.out + run.err, "check stdout/stderr")
    return {name: (out / f"out.{name}").read_text(encoding="utf-8") for name in names}


def test_hostile_inventory_reaches_the_reports(check_outputs: dict[str, str]) -> None:
    """The payloads really are in the findings (else the test would prove nothing)."""
    report = json.loads(check_outputs["json"])
    text = json.dumps(report)
    assert "evil_store" in text and "evil_flow" in text and "HOS-001" in text
    assert "script" in text and "RED" in text and "forged-command" in text
    assert any(f["status"] == "error" and f["commitment"] == "HOS-001"
               for f in report["findings"])


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_check_format_is_safe(fmt: str, check_outputs: dict[str, str]) -> None:
    assert_safe(fmt, check_outputs[fmt])


def test_text_to_the_terminal_is_safe(hostile: tuple[Path, Path]) -> None:
    """The default text report on standard output, verbose, as a person sees it."""
    inventory, policy = hostile
    run = run_inprocess("check", inventory, "--policy", policy, "--as-of", AS_OF, "-v")
    _ok(run, "check -v")
    assert_safe("text", run.out)


@pytest.mark.skipif(not REPORT_FORMATS, reason="no `pledge report` command")
@pytest.mark.parametrize("fmt", REPORT_FORMATS)
def test_report_format_is_safe(fmt: str, hostile: tuple[Path, Path], tmp_path: Path) -> None:
    inventory, policy = hostile
    run = run_inprocess("report", inventory, "--policy", policy, "--as-of", AS_OF,
                        "--output-dir", tmp_path, "-f", fmt)
    _ok(run, f"report -f {fmt}")
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert written, f"report -f {fmt} wrote nothing"
    for path in written:  # the pack's manifest is JSON whatever the format asked
        kind = "json" if path.name == "manifest.json" else fmt
        assert_safe(f"{kind}:{path.name}", path.read_text(encoding="utf-8"))


@pytest.mark.skipif(not GRAPH_FORMATS, reason="no `pledge graph export` command")
@pytest.mark.parametrize("fmt", GRAPH_FORMATS)
def test_graph_export_format_is_safe(fmt: str, hostile: tuple[Path, Path]) -> None:
    inventory, _ = hostile
    run = run_inprocess("graph", "export", inventory, "-f", fmt)
    _ok(run, f"graph export -f {fmt}")
    assert "evil_sys" in run.out
    assert_safe(f"graph-{fmt}", run.out)


def test_the_data_map_page_is_safe(hostile: tuple[Path, Path], tmp_path: Path) -> None:
    """``pledge graph html``: the hostile names are in the page, as safe text."""
    inventory, policy = hostile
    run = run_inprocess("graph", "html", inventory, "--policy", policy, "--as-of", AS_OF,
                        "-o", tmp_path / "map.html")
    _ok(run, "graph html")
    page = (tmp_path / "map.html").read_text(encoding="utf-8")
    assert "evil_sys" in page and "evil_store" in page
    assert_safe("graph-html", page)
    assert_no_control_or_secret(run.out + run.err, "graph html stdout/stderr")


def test_plain_text_commands_are_safe(hostile: tuple[Path, Path]) -> None:
    """Commands that print input-derived text straight to the terminal."""
    inventory, policy = hostile
    runs = {"explain": run_inprocess("explain", "HOS-001", "--policy", policy),
            "explain-json": run_inprocess("explain", "PAY-001", "--policy", policy,
                                          "--format", "json")}
    graph = cli.commands.get("graph")
    if isinstance(graph, click.Group) and "node" in graph.commands:
        for node in ("evil_sys", "evil_store"):
            for fmt in ("text", "json"):
                runs[f"graph-node-{node}-{fmt}"] = run_inprocess(
                    "graph", "node", node, "--inventory", inventory, "--format", fmt)
    for name, run in runs.items():
        assert run.code in (0, 1, 2) and "Traceback" not in run.err, (name, run.err)
        assert_no_control_or_secret(run.out + run.err, name)
    assert "HOS-001" in runs["explain"].out


def test_error_messages_are_safe(tmp_path: Path) -> None:
    """Input errors quote keys and values: the terminal sees neither codes nor secrets."""
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"systems": [{
        "id": "x", "name": HOSTILE, "type": "internal", "role": HOSTILE + SECRETS,
        "country": "4111 1111 1111 1111", HOSTILE: SECRETS}]}), encoding="utf-8")
    run = run_inprocess("check", bad, "--as-of", AS_OF)
    assert run.code == 2
    assert_no_control_or_secret(run.err, "stderr")
    assert all(line.startswith("pledge: ") for line in run.err.splitlines())


def test_checkers_catch_what_they_should() -> None:
    """The checks themselves fail on raw payloads (a safety test that cannot fail is none)."""
    for kind, raw in (("html", "<p>" + HOSTILE + "</p>"), ("markdown", MARKUP),
                      ("xml", "<r>" + MARKUP + "</r>"), ("csv", FORMULAS[0] + ",x\n"),
                      ("dot", 'digraph {\n  a [label="x"] <evil/>;\n}'),
                      ("mermaid", "graph LR\n  click a call x()\n"),
                      ("github", "::notice::ok\n::error::forged-command\n")):
        with pytest.raises((AssertionError, ET.ParseError)):
            CHECKERS[kind](raw, kind)
    with pytest.raises((AssertionError, pytest.fail.Exception)):
        assert_no_control_or_secret(TERMINAL, "terminal")
    with pytest.raises(AssertionError):
        assert_no_control_or_secret(SECRETS, "secrets")
    with pytest.raises(AssertionError):
        check_markdown("[x](javascript:alert(1))", "markdown")
    with pytest.raises(AssertionError):
        check_markdown("@everyone", "comment", comment=True)


def test_hostile_fixture_files_exist() -> None:
    assert (ROOT / "tests" / "hostile").is_dir()
