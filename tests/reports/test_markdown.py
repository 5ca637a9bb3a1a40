"""Markdown: a pull-request comment with counts, a failure table, details and Mermaid paths."""

from __future__ import annotations

import re
from pathlib import Path

from pledge.checks.findings import Status
from pledge.reports import markdown
from pledge.reports.markdown import md, md_html, mermaid_label
from tests.conftest import AS_OF, run_pledge
from tests.reports.ci_support import (
    copy_inventory,
    line_of,
    report_for,
    send_cards_to_ads,
    store_card_numbers,
)


def _unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def test_pull_request_comment_of_a_broken_inventory(tmp_path: Path) -> None:
    root = copy_inventory(tmp_path)
    store_card_numbers(root)
    send_cards_to_ads(root)
    run = run_pledge("check", "inv", "--as-of", AS_OF, "-f", "markdown", cwd=tmp_path)
    assert run.code == 1, run.err
    text = run.out
    assert text.startswith("## pledge: FAIL\n")
    assert "| Status | Commitments |" in text and "| fail |" in text
    table = [line for line in text.splitlines() if line.startswith("| critical |")]
    card_line = line_of(root / "stores.yaml", r"name: card_number, .*P18M")
    assert any(f"[inv/stores.yaml:{card_line}](<inv/stores.yaml#L{card_line}>)" in row
               for row in table)
    flow_line = line_of(root / "flows.yaml", r"- id: card_to_ads$")
    assert any(f"(<inv/flows.yaml#L{flow_line}>)" in row for row in table)
    assert all(_unescaped_pipes(row) == 6 for row in table)  # five cells, no stray pipes
    assert text.count("<details>") == text.count("</details>") >= len(table)
    chart = text[text.index("```mermaid"):]
    chart = chart[:chart.index("```\n", 3) + 3]
    assert "flowchart LR" in chart
    assert '(["customers"])' in chart and '-->|"card_to_ads"|' in chart
    assert '["ad_network"]' in chart


def test_passing_inventory_says_so() -> None:
    text = markdown.render(report_for())
    assert text.startswith("## pledge: PASS\n")
    assert "0 failing findings fail the run." in text
    assert "### Failures" not in text


def test_escaping_for_markdown_html_and_mermaid() -> None:
    hostile = "a|b `code` *x* _y_ [l](http://e) <script>&amp; @team #12 $x$ ~~s~~"
    cell = md(hostile)
    assert _unescaped_pipes(cell) == 0
    assert "`" not in cell.replace("\\`", "")
    assert "<" not in cell and "@" not in cell and "#12" not in cell
    assert "[l]" not in cell and "~~" not in cell
    html = md_html(hostile)
    assert not set("<>|`@#*_[]$~") & set(html.replace("&#", "").replace(";", ""))
    label = mermaid_label('x"] --> y[evil] ```\n%%{init}')
    assert re.fullmatch(r"[A-Za-z0-9 _.:/#;-]*", label)


def test_input_text_is_redacted_and_cannot_break_the_table(tmp_path: Path) -> None:
    root = copy_inventory(tmp_path)
    store_card_numbers(root)
    report = report_for(root)
    failing = next(f for f in report.findings if f.status is Status.FAIL)
    hostile = failing.model_copy(update={
        "subject": failing.subject.model_copy(update={"id": "order_db.x|y`z"}),
        "message": "4111 1111 1111 1111 | password=hunter2 </details> @everyone"})
    text = markdown.render(report.model_copy(update={"findings": [hostile]}))
    assert text == markdown.render(report.model_copy(update={"findings": [hostile]}))
    assert "4111 1111 1111 1111" not in text and "hunter2" not in text
    assert "@everyone" not in text
    assert text.count("</details>") == text.count("<details>") == 1
    row = next(line for line in text.splitlines() if line.startswith("| critical |"))
    assert _unescaped_pipes(row) == 6
