"""Make the README's screenshot of the data map: docs/data-map.png.

Writes the bundled inventory's map with ``pledge graph html``, opens it in
headless Chromium through Playwright (Debian's ``/usr/bin/chromium``, or
``$PLEDGE_CHROMIUM``; no browser is downloaded), chooses ``meta_ads`` so its
lineage and facts show, and saves the map and its side panel.

Usage::

    python scripts/screenshot_map.py [--out docs/data-map.png]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
AS_OF = "2026-11-29"


def main(argv: list[str] | None = None) -> int:
    """Write the map, open it, choose a node, save the screenshot."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "data-map.png")
    parser.add_argument("--node", default="meta_ads", help="the node to choose")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch:
        page_path = Path(scratch) / "map.html"
        subprocess.run([sys.executable, "-m", "pledge", "graph", "html", "--as-of", AS_OF,
                        "-o", str(page_path)], cwd=ROOT, check=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=os.environ.get("PLEDGE_CHROMIUM", "/usr/bin/chromium"),
                args=ARGS)
            page = browser.new_page(viewport={"width": 1500, "height": 900})
            page.route("**/*", lambda route: route.continue_()
                       if route.request.url == page_path.as_uri() else route.abort())
            page.goto(page_path.as_uri())
            page.wait_for_selector("#data-map[data-ready=true]")
            page.evaluate(f"window.pledgeMap.select({args.node!r})")
            page.evaluate("window.pledgeMap.cy.fit(undefined, 16)")
            args.out.parent.mkdir(parents=True, exist_ok=True)
            page.locator(".map-body").screenshot(path=str(args.out))
            browser.close()
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
