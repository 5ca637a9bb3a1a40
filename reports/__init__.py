"""Renderers: each turns a format-agnostic :class:`pledge.reports.document.Report` into text."""
