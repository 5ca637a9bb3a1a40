"""Renderers: each turns a format-agnostic :class:`reports.document.Report` into text."""
