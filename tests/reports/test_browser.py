"""The HTML report in a real browser (Playwright driving headless Chromium).

The page must load from its file with no other request, no console error, no
Content-Security-Policy violation, its scripts running, the failing commitment
visible, the filters working, the judged subjects collapsed until opened, and the data
map drawn with the failing path red.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import AS_OF, run_pledge
from tests.reports.browser import Watched
from tests.reports.support import broken_inventory

FAILING_VISIBLE = """() => { const s = document.getElementById('c-PAY-002');
  if (!s) return false; const r = s.getBoundingClientRect();
  return r.height > 0 && getComputedStyle(s).display !== 'none'
    && s.innerText.includes('PAY-002'); }"""
FILTER_HIDES_PASSING = """() => {
  document.querySelector('input[name=status][value=pass]').click();
  const pass = document.querySelector('section.commitment.status-pass');
  const fail = document.getElementById('c-PAY-002');
  const ok = getComputedStyle(pass).display === 'none'
    && getComputedStyle(fail).display !== 'none';
  document.querySelector('input[name=status][value=pass]').click();
  return ok; }"""

JUDGED_COLLAPSED = """() => { const d = document.querySelector('#c-PAY-002 details.judged');
  const row = d && d.querySelector('tr[data-verdict=fail]');
  if (!row) return 'no failing subject listed';
  const closed = !d.open && !row.checkVisibility();
  d.querySelector('summary').click();
  const shown = d.open && row.checkVisibility();
  d.querySelector('summary').click();
  return closed && shown; }"""


def test_failing_report_renders_in_chromium(chromium: Any, shots: Path, tmp_path: Path) -> None:
    inventory = broken_inventory(tmp_path, hostile=True)  # markup in a name stays text
    out = tmp_path / "out"
    run = run_pledge("report", inventory, "--as-of", AS_OF, "--output-dir", out,
                     "--format", "html")
    assert run.code == 1, run.err
    watched = Watched.open(chromium, out / "report.html", shots)
    page = watched.page
    page.wait_for_selector("#data-map[data-ready=true]")
    assert "MAROSOAP" in page.title()
    assert page.evaluate("document.documentElement.classList.contains('js')"), \
        "the report's inline script was blocked or failed"
    assert page.evaluate(FAILING_VISIBLE) is True
    assert page.evaluate(FILTER_HIDES_PASSING) is True
    assert page.evaluate(JUDGED_COLLAPSED) is True  # judged subjects: closed until asked
    assert page.evaluate("JSON.parse(document.getElementById('pledge-manifest')"
                         ".textContent).inputs.length") == 8
    assert page.evaluate("window.pledgeMap.cy.nodes().length") >= 20
    red = page.evaluate("window.pledgeMap.cy.edges('.failing').map(e => e.data('flow'))")
    assert "card_posted_to_shop" in red
    assert page.evaluate("document.querySelector('script[src], img, iframe') === null")
    page.locator("#data-map").scroll_into_view_if_needed()
    shot = watched.shot("report")
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 10_000
    watched.clean()
