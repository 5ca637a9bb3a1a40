"""The secret corpus: no secret or card number reaches any output, in any shape.

More than forty shapes of secrets and card numbers (dots, underscores, NBSP and
double spaces, split across lines, glued to a prefix, fullwidth digits, DSN
passwords holding ``@`` or ``/``, ``PGPASSWORD=``, ``Authorization: Bearer``,
JSON ``"password": "..."``, well-known token prefixes, a PEM key, ...) are
planted in every free-text string field of the bundled inventory, and in
invalid values and unknown keys. Then every output is scanned: each format of
``check``, ``report``, every ``graph`` subcommand and export, ``diff``,
``verify``, and every error line. No secret marker may appear in any of them.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest

from pledge.cli import cli
from pledge.policy_model.redact import redact
from pledge.reports.formats import RENDERERS
from tests.conftest import AS_OF, INVENTORY, Run, run_inprocess
from tests.helpers import inventory_as_data


def luhn_complete(body: str) -> str:
    """``body`` with the check digit that makes it Luhn-valid."""
    for check in "0123456789":
        digits = [int(c) for c in body + check]
        total = sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2)
                    for i, d in enumerate(reversed(digits)))
        if total % 10 == 0:
            return body + check
    raise AssertionError("unreachable")


NINETEEN = luhn_complete("630400000000000001")

# (shape as written, markers that must never appear in any output)
CARDS: list[tuple[str, tuple[str, ...]]] = [
    ("4111111111111111", ("411111111111",)),
    ("4111 1111 1111 1111", ("4111 1111 1111",)),
    ("5500-0055-5555-5559", ("5500-0055-5555", "550000555555")),
    ("4012.8888.8888.1881", ("4012.8888.8888", "401288888888")),
    ("6011_1111_1111_1117", ("6011_1111_1111", "601111111111")),
    ("5105\u00a01051\u00a00510\u00a05100", ("5105\u00a01051", "510510510510")),
    ("4000  0566  5566  5556", ("4000  0566", "400005665566")),
    ("3530 1113\n3330 0000", ("3530 1113", "353011133330")),
    ("4242 4242\n        4242 4242", ("4242 4242", "424242424242")),
    ("ref4917610000000000", ("491761000000",)),
    ("4222222222222x", ("422222222222",)),
    ("3782 822463 10005", ("3782 822463", "378282246310")),
    ("6759\t6498\t2643\t8453", ("6759\t6498", "675964982643")),
    ("\uff14\uff10\uff11\uff12\uff18\uff18\uff18\uff18\uff18\uff18\uff18\uff18\uff11\uff18"
     "\uff18\uff11", ("\uff14\uff10\uff11\uff12\uff18\uff18",)),
    ("5555\u20095555\u20095555\u20094444", ("5555\u20095555", "555555555555")),
    ("2223-0000 4841.0010", ("2223-0000", "222300004841")),
    ('"pan":"5200828282828210"', ("520082828282",)),
    ("2026-10-20 4000056655665556", ("400005665566",)),
    (NINETEEN, (NINETEEN[:12],)),
    ("order#6011000990139424", ("601100099013",)),
    ("3566\u202f0020\u202f2036\u202f0505", ("3566\u202f0020", "356600202036")),
]
SECRETS: list[tuple[str, tuple[str, ...]]] = [
    ("postgresql://admin:S3cretA1@db.internal:5432/x", ("S3cretA1",)),
    ("postgres://app:p@ssB2w0rd@db.internal/app", ("ssB2w0rd", "p@ssB2")),
    ("mysql://root:pa/ssC3word@db/x", ("ssC3word", "pa/ssC3")),
    ("mongodb+srv://u:a@b/cD4x@cluster0.example.net/db", ("cD4x",)),
    ("redis://:E5redispass@cache:6379/0", ("E5redispass",)),
    ("PGPASSWORD=F6pgpass psql -h db", ("F6pgpass",)),
    ("MYSQL_PWD=G7mysqlpw", ("G7mysqlpw",)),
    ("DB_PASSWORD=H8dbpass", ("H8dbpass",)),
    ("Authorization: Bearer I9bearer.tok.en", ("I9bearer",)),
    ("Authorization: Basic J10basicdXNlcjpwYXNz", ("J10basic",)),
    ("curl -H bearer K11standalone", ("K11standalone",)),
    ('{"password": "L12jsonpw"}', ("L12jsonpw",)),
    ("{'secret': 'M13single'}", ("M13single",)),
    ("api_key=N14apikey", ("N14apikey",)),
    ("X-Api-Key: O15xapikey", ("O15xapikey",)),
    ("client_secret=P16client", ("P16client",)),
    ("aws_secret_access_key=Q17aws/Key+x", ("Q17aws",)),
    ("token: R18tokenvalue", ("R18tokenvalue",)),
    ("ghp_S19abcdefghijklmnopqrstuvwxyz0123", ("S19abcdef",)),
    ("AKIAT20ABCDEFGHIJKLM", ("T20ABCDEFG",)),
    ("sk_live_U21abcdefghijklmnop", ("U21abcdef",)),
    ("eyJV22hbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", ("V22hbGci",)),
    ("-----BEGIN RSA PRIVATE KEY-----\nW23keymaterial\n-----END RSA PRIVATE KEY-----",
     ("W23keymaterial",)),
    ("password = 'X24spaced'", ("X24spaced",)),
    ("passwd:Y25nospace", ("Y25nospace",)),
    ("Driver=x;PWD={Z26odbc;x}", ("Z26odbc",)),
    ("https://A27token@github.com/x", ("A27token",)),
    ('password="B28escQ\\"Q28rest"', ("B28escQ", "Q28rest")),
    ("xoxb-C29slacktokenvalue", ("C29slack",)),
    ("private_key: D30privkey", ("D30privkey",)),
    ("SECRET_KEY=E31django", ("E31django",)),
    ("oauth_token=F32oauth", ("F32oauth",)),
]
SHAPES = CARDS + SECRETS
MARKERS = sorted({m for _, markers in SHAPES for m in markers})
PLANT = " ;\n".join(shape for shape, _ in SHAPES)
FREE_TEXT = {"name", "description", "statement", "attested_by", "evidence", "technology",
             "authority", "dpo", "age_verification", "human_review_channel", "mechanism",
             "plan_document", "connection", "version", "privacy_policy"}


def test_the_corpus_is_large_and_every_shape_is_masked_alone() -> None:
    assert len(SHAPES) >= 40 and len(CARDS) >= 20
    for shape, markers in SHAPES:
        masked = redact(shape)
        assert not any(m in masked for m in markers), (shape, masked)


def test_masking_keeps_what_is_no_secret() -> None:
    kept = ["as of 2026-11-29", "2026-10-20 2026-11-29", "fingerprint a41111111111111111b2",
            "sha256 " + "0a4111111111111111ff" * 3, "order 1234567890123", "pass: 12",
            "authority_notification_hours: 72", "tokenised card, no key", "v1.2.3.4",
            "https://example.com/a@b", "192.168.100.200 10.0.0.1", "PLG-E006 line 22"]
    for text in kept:
        assert redact(text) == text


def assert_no_secret(text: str, where: str) -> None:
    leaked = [m for m in MARKERS if m in text]
    assert not leaked, f"{where} leaks {leaked}"


def _plant(value: Any, key: str | None = None) -> Any:
    if isinstance(value, dict):
        return {k: _plant(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_plant(v, key) for v in value]
    if isinstance(value, str) and key in FREE_TEXT:
        return value + " " + PLANT
    return value


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled inventory as one JSON file, every free-text string carrying the corpus."""
    root = tmp_path_factory.mktemp("secret-corpus") / "inv"
    root.mkdir()
    data = _plant(_json_safe(inventory_as_data(INVENTORY)))
    # a flow that breaks commitments, so findings (and their messages) carry the corpus
    data["flows"].append({"id": "leaky_flow", "source": "customers", "target": "web_shop",
                          "categories": ["user.financial.credit_card.number"],
                          "purposes": ["essential.service"], "transport": {"protocol": "http"},
                          "description": PLANT})
    (root / "inventory.json").write_text(json.dumps(data, indent=1, ensure_ascii=False),
                                         encoding="utf-8")
    return root


def _ok(run: Run, what: str) -> str:
    assert run.code in (0, 1), f"{what}: exit {run.code}: {run.err[-1500:]}"
    assert "Traceback" not in run.err and "internal error" not in run.err, run.err
    return run.out + run.err


def _choices(command: click.Command | None, param: str) -> list[str]:
    for p in command.params if command else []:
        if p.name == param and isinstance(p.type, click.Choice):
            return list(p.type.choices)
    return []


def _files(directory: Path) -> Iterator[tuple[str, str]]:
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        yield path.name, path.read_text(encoding="utf-8", errors="replace")


def test_every_check_format_is_clean(planted: Path, tmp_path: Path) -> None:
    args: list[str] = []
    for name in sorted(RENDERERS):
        args += ["-f", name, "-o", str(tmp_path / f"out.{name}")]
    run = run_inprocess("check", planted, "--as-of", AS_OF, *args)
    assert_no_secret(_ok(run, "check"), "check stdout/stderr")
    text = (tmp_path / "out.json").read_text(encoding="utf-8")
    assert "leaky_flow" in text and "************1111" in text  # the corpus reached it
    for name, content in _files(tmp_path):
        assert_no_secret(content, f"check -f {name}")
    for flags in (["-v"], ["-f", "text", "-v"]):
        assert_no_secret(_ok(run_inprocess("check", planted, "--as-of", AS_OF, *flags),
                             "check -v"), "check -v")


def test_every_report_file_is_clean(planted: Path, tmp_path: Path) -> None:
    run = run_inprocess("report", planted, "--as-of", AS_OF, "--output-dir", tmp_path)
    assert_no_secret(_ok(run, "report"), "report stdout/stderr")
    written = list(_files(tmp_path))
    assert len(written) >= len(_choices(cli.commands.get("report"), "formats"))
    for name, content in written:
        assert_no_secret(content, f"report {name}")


def test_every_graph_command_and_export_is_clean(planted: Path, tmp_path: Path) -> None:
    graph = cli.commands["graph"]
    assert isinstance(graph, click.Group)
    outputs: dict[str, str] = {}
    for fmt in _choices(graph.commands["export"], "fmt"):
        outputs[f"export {fmt}"] = _ok(run_inprocess("graph", "export", planted, "-f", fmt),
                                       fmt)
    for node in ("web_shop", "customers", "stripe", "customer_db"):
        for fmt in ("text", "json"):
            outputs[f"node {node} {fmt}"] = _ok(run_inprocess(
                "graph", "node", node, "--inventory", planted, "--format", fmt), "node")
    outputs["lineage"] = _ok(run_inprocess("graph", "lineage", "web_shop", "--inventory",
                                           planted), "lineage")
    outputs["paths"] = _ok(run_inprocess("graph", "paths", "customers", "web_shop",
                                         "--inventory", planted), "paths")
    outputs["holders"] = _ok(run_inprocess("graph", "holders", "user.contact.email",
                                           "--inventory", planted), "holders")
    outputs["recipients"] = _ok(run_inprocess("graph", "recipients", "user.contact.email",
                                              "--inventory", planted), "recipients")
    html = tmp_path / "map.html"
    outputs["html"] = _ok(run_inprocess("graph", "html", planted, "-o", html), "graph html")
    outputs["html file"] = html.read_text(encoding="utf-8") if html.exists() else ""
    for name, text in outputs.items():
        assert_no_secret(text, f"graph {name}")
    assert any("*" * 12 in text for text in outputs.values())


def test_diff_in_every_format_is_clean(planted: Path, tmp_path: Path) -> None:
    base = tmp_path / "base"
    shutil.copytree(INVENTORY, base)
    for fmt in _choices(cli.commands["diff"], "formats"):
        run = run_inprocess("diff", base, planted, "--as-of", AS_OF, "-f", fmt)
        assert_no_secret(_ok(run, f"diff {fmt}"), f"diff -f {fmt}")


def test_verify_output_is_clean(planted: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    _ok(run_inprocess("check", planted, "--as-of", AS_OF, "-f", "json", "-o", report), "check")
    data = json.loads(report.read_text(encoding="utf-8"))
    for entry in data.get("inputs", {}).get("files", []) if isinstance(data.get("inputs"),
                                                                       dict) else []:
        entry["path"] = entry["path"] + " " + PLANT  # a forged report names secret paths
    report.write_text(json.dumps(data), encoding="utf-8")
    run = run_inprocess("verify", report)
    assert "Traceback" not in run.err
    assert_no_secret(run.out + run.err, "verify")


@pytest.mark.parametrize("where", ["value", "key", "secret-named key", "connection type"])
def test_error_lines_are_clean(where: str, tmp_path: Path) -> None:
    """Invalid values and unknown keys are echoed in errors: never unmasked."""
    system: dict[str, Any] = {"id": "x", "name": "X", "type": "internal", "role": "storefront",
                              "country": "MA"}
    if where == "value":
        system["country"] = PLANT
    elif where == "key":
        system[PLANT] = "x"
    elif where == "secret-named key":
        system["password"] = 4111111111111111
    else:
        system["connection"] = [PLANT]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"systems": [system]}, ensure_ascii=False), encoding="utf-8")
    for command in (["check", bad, "--as-of", AS_OF], ["validate", bad]):
        run = run_inprocess(*command)
        assert run.code == 2 and "PLG-E0" in run.err, run.err
        assert_no_secret(run.err, f"{command[0]} {where}")


def test_error_lines_for_every_shape_alone_are_clean(tmp_path: Path) -> None:
    """Each shape alone as an invalid value: truncation never cuts a mask in half."""
    for index, (shape, _) in enumerate(SHAPES):
        bad = tmp_path / f"bad{index}.json"
        bad.write_text(json.dumps({"systems": [{
            "id": "x", "name": "X", "type": "internal", "role": "storefront",
            "country": "x" * 60 + " " + shape}]}, ensure_ascii=False), encoding="utf-8")
        run = run_inprocess("validate", bad)
        assert run.code == 2, run.err
        assert_no_secret(run.err, f"error line for {shape!r}")
