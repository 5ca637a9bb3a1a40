"""The output formats ``pledge check --format`` knows, by name.

A new format is one module with ``render(report) -> str`` and a line here.
"""

from __future__ import annotations

from collections.abc import Callable

from reports import json_report, text
from reports.document import Report

Renderer = Callable[[Report], str]

RENDERERS: dict[str, Renderer] = {
    "text": text.render,
    "json": json_report.render,
}
