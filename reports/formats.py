"""The output formats ``pledge check --format`` knows, by name.

A new format is one module with ``render(report) -> str`` and a line here.
"""

from __future__ import annotations

from collections.abc import Callable

from pledge.reports import github, json_report, junit, markdown, oscal, sarif, text
from pledge.reports.document import Report

Renderer = Callable[[Report], str]

RENDERERS: dict[str, Renderer] = {
    "text": text.render,
    "json": json_report.render,
    "sarif": sarif.render,
    "junit": junit.render,
    "markdown": markdown.render,
    "github": github.render,
    "oscal": oscal.render,
}
