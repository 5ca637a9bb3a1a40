"""The output formats ``pledge check --format`` knows, by name.

A new format is one module with ``render(report) -> str`` and a line here; a
format whose documents grow large also gives ``encoded(report) -> bytes``, the
same text in UTF-8 made without the whole text first (see :func:`render_format`).
"""

from __future__ import annotations

from collections.abc import Callable

from pledge.base.timings import phase
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

ENCODERS: dict[str, Callable[[Report], bytes]] = {
    "json": json_report.encoded,
    "oscal": oscal.encoded,
}
"""The formats that list every judged subject, as UTF-8 (millions of lines at scale)."""


def render_format(fmt: str, report: Report) -> str | bytes:
    """``report`` in ``fmt``: UTF-8 bytes where the format makes them directly, for
    writing as they are (:data:`ENCODERS`), else text."""
    encoder = ENCODERS.get(fmt)
    with phase(f"render {fmt}"):
        return encoder(report) if encoder is not None else RENDERERS[fmt](report)
