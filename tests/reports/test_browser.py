"""The HTML report in a real browser: headless Chromium over the DevTools protocol.

Chromium is driven through ``--remote-debugging-pipe`` (file descriptors 3 and
4, NUL-separated JSON), so no WebSocket library and no TCP port are needed. The
page must load from its file with no other request, no console error, no
Content-Security-Policy violation, its script running, the failing commitment
visible and the flow graph drawn.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import AS_OF, run_pledge
from tests.reports.support import broken_inventory

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--no-default-browser-check", "--disable-extensions", "--disable-default-apps",
         "--mute-audio", "--remote-debugging-pipe")


def find_browser() -> str | None:
    """A Chromium executable: $PLEDGE_CHROMIUM, or the first on PATH."""
    named = os.environ.get("PLEDGE_CHROMIUM")
    if named:
        return named if Path(named).is_file() else shutil.which(named)
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


class DevTools:
    """A minimal DevTools protocol client over Chromium's debugging pipe."""

    def __init__(self, executable: str, profile: Path) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # Park both ends above 9 so moving them onto 3 and 4 cannot clobber either.
        high_r = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
        high_w = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)

        def child_fds() -> None:
            os.dup2(high_r, 3)  # os.dup2 makes 3 and 4 inheritable; the rest close on exec
            os.dup2(high_w, 4)

        self.process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            close_fds=False, preexec_fn=child_fds)
        for fd in (to_browser_r, from_browser_w, high_r, high_w):
            os.close(fd)
        self._buffer = b""
        self._next = 0
        self.events: list[dict[str, Any]] = []

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._from_browser], [], [], max(left, 0))
            if not ready:
                raise TimeoutError("the browser did not answer in time")
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise EOFError("the browser closed the debugging pipe")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)  # type: ignore[no-any-return]

    def send(self, method: str, params: dict[str, Any] | None = None, *,
             session: str | None = None, timeout: float = 15) -> dict[str, Any]:
        """Send one command and return its result; events met meanwhile are kept."""
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})  # type: ignore[no-any-return]
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 15) -> dict[str, Any]:
        """The first event ``method`` (already received or still to come)."""
        for event in self.events:
            if event.get("method") == method:
                return event
        deadline = time.monotonic() + timeout
        while True:
            event = self._receive(deadline)
            self.events.append(event)
            if event.get("method") == method:
                return event

    def close(self) -> None:
        """Ask the browser to quit, then make sure it has."""
        with contextlib.suppress(OSError, RuntimeError, TimeoutError, EOFError):
            self.send("Browser.close", timeout=5)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._to_browser, self._from_browser):
            with contextlib.suppress(OSError):
                os.close(fd)


def load_page(executable: str, page: Path, profile: Path, screenshot: Path,
              probes: dict[str, str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Open ``page``, screenshot it, evaluate each probe; return the values and all events."""
    browser = DevTools(executable, profile)
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget",
                               {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            browser.send(f"{domain}.enable", session=session)
        browser.send("Emulation.setDeviceMetricsOverride",
                     {"width": 1280, "height": 1000, "deviceScaleFactor": 1, "mobile": False},
                     session=session)
        browser.send("Page.navigate", {"url": page.as_uri()}, session=session)
        browser.wait_for("Page.loadEventFired")
        values = {}
        for name, expression in probes.items():
            result = browser.send("Runtime.evaluate", {"expression": expression,
                                                       "returnByValue": True}, session=session)
            values[name] = result.get("result", {}).get("value")
        shot = browser.send("Page.captureScreenshot", {"format": "png"}, session=session)
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        return values, browser.events
    finally:
        browser.close()


def problems(events: list[dict[str, Any]], page: Path) -> tuple[list[str], list[str]]:
    """Console errors (including CSP violations) and requests for anything but the page."""
    errors, requests = [], []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append(json.dumps(params.get("args"))[:300])
        elif method == "Runtime.exceptionThrown":
            errors.append(json.dumps(params.get("exceptionDetails"))[:300])
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            errors.append(params["entry"].get("text", "")[:300])
        elif method == "Page.javascriptDialogOpening":
            errors.append(f"dialog: {params.get('message')}")
        elif method == "Network.requestWillBeSent":
            url = params.get("request", {}).get("url", "")
            if url != page.as_uri():
                requests.append(url)
    return errors, requests


PROBES = {
    "title": "document.title",
    "script_ran": "document.documentElement.classList.contains('js')",
    "failing_visible": "(() => { const s = document.getElementById('c-PAY-002');"
                       " if (!s) return false; const r = s.getBoundingClientRect();"
                       " return r.height > 0 && getComputedStyle(s).display !== 'none'"
                       " && s.innerText.includes('PAY-002'); })()",
    "svg_nodes": "document.querySelectorAll('svg#flow-graph g.node').length",
    "svg_failing_edges": "document.querySelectorAll('svg#flow-graph path.edge.fail').length",
    "filter_hides_passing": "(() => { document.querySelector('input[name=status][value=pass]')"
                            ".click(); const pass = document.querySelector("
                            "'section.commitment.status-pass');"
                            " const fail = document.getElementById('c-PAY-002');"
                            " const ok = getComputedStyle(pass).display === 'none'"
                            " && getComputedStyle(fail).display !== 'none';"
                            " document.querySelector('input[name=status][value=pass]').click();"
                            " return ok; })()",
    "manifest_inputs": "JSON.parse(document.getElementById('pledge-manifest').textContent)"
                       ".inputs.length",
}


@pytest.fixture(scope="module")
def browser() -> str:
    """The Chromium to use; the module skips, saying why, when there is none."""
    found = find_browser()
    if found is None:
        pytest.skip("no Chromium found (install Debian's 'chromium' package or set "
                    "PLEDGE_CHROMIUM to the browser's path)")
    return found


def test_failing_report_renders_in_chromium(browser: str, tmp_path: Path) -> None:
    inventory = broken_inventory(tmp_path, hostile=True)  # markup in a name stays text
    out = tmp_path / "out"
    run = run_pledge("report", inventory, "--as-of", AS_OF, "--output-dir", out,
                     "--format", "html")
    assert run.code == 1, run.err
    page = out / "report.html"
    screenshot = tmp_path / "report.png"
    values, events = load_page(browser, page, tmp_path / "profile", screenshot, PROBES)
    errors, requests = problems(events, page)
    assert errors == []
    assert requests == []
    assert "MAROSOAP" in values["title"]
    assert values["script_ran"] is True, "the inline script was blocked or failed"
    assert values["failing_visible"] is True
    assert values["svg_nodes"] >= 20
    assert values["svg_failing_edges"] >= 1
    assert values["filter_hides_passing"] is True
    assert values["manifest_inputs"] == 8
    assert screenshot.read_bytes().startswith(b"\x89PNG") and screenshot.stat().st_size > 10_000
    keep = os.environ.get("PLEDGE_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(screenshot, Path(keep) / "report.png")
