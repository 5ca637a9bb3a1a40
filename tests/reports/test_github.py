"""GitHub Actions annotations: on the declaring line, escaped so nothing can inject a command."""

from __future__ import annotations

import re
from pathlib import Path

from pledge.checks.findings import Status
from pledge.reports import github
from pledge.reports.github import escape_data, escape_property
from tests.conftest import AS_OF, run_pledge
from tests.reports.ci_support import (
    copy_inventory,
    line_of,
    report_for,
    set_flow_tls,
    store_card_numbers,
    waived_and_baselined_report,
)

COMMAND = re.compile(r"^::(error|warning|notice) ((?:[a-zA-Z]+=[^,:]*,?)+)::(.*)$")


def _properties(line: str) -> dict[str, str]:
    match = COMMAND.match(line)
    assert match, line
    return dict(p.split("=", 1) for p in match[2].split(","))


def test_annotations_point_at_the_declaring_lines(tmp_path: Path) -> None:
    root = copy_inventory(tmp_path)
    store_card_numbers(root)
    set_flow_tls(root, "orders_to_amana", "1.0")
    run = run_pledge("check", "inv", "--as-of", AS_OF, "-f", "github", cwd=tmp_path)
    assert run.code == 1, run.err
    commands = [line for line in run.out.splitlines() if line.startswith("::")]
    assert len(commands) == 2 and all(line.startswith("::error ") for line in commands)
    props = sorted((_properties(line) for line in commands), key=lambda p: p["file"])
    assert props[0]["file"] == "inv/flows.yaml"
    assert props[0]["line"] == str(line_of(root / "flows.yaml", r"- id: orders_to_amana$"))
    assert props[0]["endLine"] == str(line_of(root / "flows.yaml", r'tls: "1.0"'))
    assert props[1]["file"] == "inv/stores.yaml"
    assert props[1]["line"] == str(line_of(root / "stores.yaml", r"name: card_number, .*P18M"))
    assert props[1]["title"].startswith("PAY-001 [critical] ")
    assert run.out.splitlines()[-1].startswith("pledge: FAIL")


def test_escaping() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert escape_data("card 4111 1111 1111 1111") == "card ************1111"


def test_hostile_text_stays_in_one_command(tmp_path: Path) -> None:
    root = copy_inventory(tmp_path)
    store_card_numbers(root)
    report = report_for(root)
    failing = next(f for f in report.findings if f.status is Status.FAIL)
    hostile = failing.model_copy(update={"message": "x\n::error file=evil::pwned 50%\r\n",
                                         "remediation": "a,b:c"})
    text = github.render(report.model_copy(update={"findings": [hostile]}))
    lines = text.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("::error ") and "%0A::error file=evil::pwned 50%25" in lines[0]


def test_known_and_waived_failures_are_warnings_and_notices(tmp_path: Path) -> None:
    gated = waived_and_baselined_report(tmp_path)
    levels = sorted(line.split(" ")[0] for line in github.render(gated).splitlines()
                    if line.startswith("::"))
    assert levels == ["::notice", "::warning"]
