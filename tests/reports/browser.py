"""Pages in a real browser: Playwright for Python driving Debian's Chromium (no download).

:func:`chromium` launches ``/usr/bin/chromium`` (or ``$PLEDGE_CHROMIUM``) once per
module; the module skips, saying why, when Playwright or the browser is absent.
:class:`Watched` opens a page from its file with every request routed through a
handler that lets only the page itself load and records the rest, and with
console errors, uncaught exceptions and CSP violations collected, so a test can
assert that nothing left the page and nothing went wrong. Screenshots go to a
temporary directory whose path the test prints (and, with
``$PLEDGE_SCREENSHOT_DIR``, are copied there as artefacts).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


def executable() -> str | None:
    """The Chromium to drive: $PLEDGE_CHROMIUM, else Debian's."""
    named = os.environ.get("PLEDGE_CHROMIUM", CHROMIUM)
    return named if Path(named).is_file() else None


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """A headless Chromium driven by Playwright, shared by a module's tests."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is in the test extra: pip install -e '.[test]'")
    path = executable()
    if path is None:
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set "
                    "PLEDGE_CHROMIUM)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Watched:
    """A page opened from a file, with what it tried to fetch and what went wrong."""

    page: Any
    url: str
    shots: Path
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, browser: Any, path: Path, shots: Path, *, width: int = 1400,
             height: int = 1000) -> Watched:
        """Open ``path`` (file://) and wait for its load event."""
        page = browser.new_page(viewport={"width": width, "height": height})
        watched = cls(page, path.resolve().as_uri(), shots)

        def route(route: Any) -> None:
            if route.request.url == watched.url:
                route.continue_()
            else:
                watched.requests.append(route.request.url)
                route.abort()

        page.route("**/*", route)
        page.on("console", lambda message: watched.errors.append(message.text)
                if message.type in ("error", "assert") else None)
        page.on("pageerror", lambda error: watched.errors.append(f"uncaught: {error}"))
        page.on("requestfailed", lambda request: None if request.url == watched.url
                else watched.requests.append(request.url))
        page.goto(watched.url, wait_until="load")
        return watched

    def shot(self, name: str) -> Path:
        """A screenshot of the page as it is now, kept as a test artefact."""
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path))
        keep = os.environ.get("PLEDGE_SCREENSHOT_DIR")
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(keep) / path.name)
        return path

    def clean(self) -> None:
        """Assert no request left the page and no error was logged."""
        assert self.requests == [], "the page tried to load other resources"
        assert self.errors == [], "console errors or uncaught exceptions"


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    """The directory screenshots are saved in, printed in the test run's output."""
    where = tmp_path_factory.mktemp("screenshots")
    reporter = request.config.pluginmanager.getplugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"{request.module.__name__}: screenshots in {where}")
    return where
