"""Fixtures of the report tests: the browser and the screenshot directory."""

from tests.reports.browser import chromium, shots

__all__ = ["chromium", "shots"]
