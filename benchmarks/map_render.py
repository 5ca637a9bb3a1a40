"""Time the data map in headless Chromium: page size, time to first render, opening a group.

For each size, an inventory is generated (``benchmarks/generate.py``), its map
written by ``pledge graph html`` (timed, in its own process), and the page
opened from ``file://`` by Playwright driving Debian's Chromium ``--repeat``
times in a fresh page each: the time from navigation to the map's first
render (the page marks ``#data-map[data-ready]``), the part of it spent in the
map's script, the time to open the largest group, and then one slice of it
(120 boxes laid out by dagre), each by a tap. Medians are
printed as a Markdown table.

Usage::

    python benchmarks/map_render.py --sizes 1000,10000 --repeat 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.generate import generate, write_json  # noqa: E402

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
AS_OF = "2026-11-29"
BIGGEST_GROUP = """() => { const m = window.pledgeMap;
  const units = m.cy.nodes('.unit').map(n => [Number(n.data('label').split('\\n')[1]
    .split(' ')[0]) || 0, n.id()]);
  units.sort((a, b) => b[0] - a[0]); return units.length ? units[0][1] : null; }"""
OPEN = """(id) => { const t = performance.now();
  window.pledgeMap.cy.getElementById(id).emit('tap');
  return [performance.now() - t, window.pledgeMap.cy.nodes().length]; }"""


def measure(page_path: Path, browser: object, repeat: int) -> dict[str, float]:
    """Median seconds to first render (wall, in script) and to open the biggest group."""
    wall, script, opening, slicing, boxes = [], [], [], [], 0.0
    for _ in range(repeat):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
        page.route("**/*", lambda route: route.continue_()
                   if route.request.url == page_path.as_uri() else route.abort())
        started = time.monotonic()
        page.goto(page_path.as_uri(), wait_until="commit")
        page.wait_for_selector("#data-map[data-ready=true]", timeout=120_000)
        wall.append(time.monotonic() - started)
        script.append(page.evaluate("window.pledgeMap.firstRender") / 1000)
        group = page.evaluate(BIGGEST_GROUP)
        if group:
            took, _boxes = page.evaluate(OPEN, group)
            opening.append(took / 1000)
            part = page.evaluate("window.pledgeMap.cy.nodes('.unit').map(n => n.id())"
                                 ".filter(id => id.startsWith('s:'))[0] || null")
            if part:
                took, boxes = page.evaluate(OPEN, part)
                slicing.append(took / 1000)
        page.close()
    return {"wall": statistics.median(wall), "script": statistics.median(script),
            "open": statistics.median(opening) if opening else 0.0,
            "slice": statistics.median(slicing) if slicing else 0.0, "boxes": boxes}


def main(argv: list[str] | None = None) -> int:
    """Generate, write and open each size; print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000",
                        help="comma-separated numbers of systems (multiples of ten)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("PLEDGE_CHROMIUM", "/usr/bin/chromium"), args=ARGS)
        for size in (int(s) for s in args.sizes.split(",")):
            inventory = write_json(generate(size), Path(scratch) / f"inventory-{size}.json")
            page_path = Path(scratch) / f"map-{size}.html"
            started = time.monotonic()
            subprocess.run([sys.executable, "-m", "pledge", "graph", "html", str(inventory),
                            "--as-of", AS_OF, "-o", str(page_path)], cwd=ROOT, check=True,
                           capture_output=True)
            write = time.monotonic() - started
            timing = measure(page_path, browser, args.repeat)
            rows.append(f"| {size:,} | {write:.1f} | {page_path.stat().st_size / 1e6:.1f} | "
                        f"{timing['wall']:.2f} | {timing['script']:.2f} | "
                        f"{timing['open']:.2f} | {timing['slice']:.2f} | "
                        f"{int(timing['boxes']):,} |")
            print(rows[-1], file=sys.stderr)
        browser.close()
    print("| systems | pledge graph html s | page MB | first render s | in map.js s | "
          "open biggest group s | open a slice of it s | boxes then |")
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
