"""The HTML report in headless Chromium: no JS errors, charts drawn, hostile names inert.

Marked ``browser``; skips only when Chromium is not installed (scripts/install-browser.sh
installs it). The screenshot lands in artifacts/report-browser.png.
"""

from __future__ import annotations

from pathlib import Path

import chromium_cdp
import pytest
from report_factories import HOSTILE, corpus

from joulebench.report import render, write_report
from joulebench.report.build import build_report

pytestmark = pytest.mark.browser

if chromium_cdp.chromium_path() is None:
    pytest.skip(
        "chromium is not installed (run scripts/install-browser.sh)", allow_module_level=True
    )

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
MIN_MARKS = {"chart-tasks": 20, "chart-params": 20, "chart-multi": 10}

COUNT_MARKS = """
(() => {
  const out = {};
  for (const svg of document.querySelectorAll("svg.chart")) {
    out[svg.id] = svg.querySelectorAll("path, rect, circle").length;
  }
  return out;
})()
"""


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    records = corpus(600, hostile=True)
    html = render(build_report(records, reference_study=True), "html")
    return write_report(html, tmp_path_factory.mktemp("browser") / "report.html")


@pytest.fixture(scope="module")
def page(report_file: Path):
    with chromium_cdp.open_page(report_file) as p:
        yield p


def test_page_loads_without_javascript_errors(page) -> None:
    assert page.evaluate("document.readyState") == "complete"
    assert page.exceptions == []
    assert page.console_errors == []
    assert page.log_errors == []


def test_page_needs_no_network(page, report_file: Path) -> None:
    others = [u for u in page.requests if u != report_file.resolve().as_uri()]
    assert others == []


def test_charts_render(page) -> None:
    counts = page.evaluate(COUNT_MARKS)
    for chart, minimum in MIN_MARKS.items():
        assert counts.get(chart, 0) > minimum, counts
    assert page.evaluate("document.querySelectorAll('#chart-tasks .bar').length") == 10


def test_screenshot(page) -> None:
    """Before any interaction, so the picture shows the report as it opens."""
    ARTIFACTS.mkdir(exist_ok=True)
    shot = page.screenshot(ARTIFACTS / "report-browser.png")
    print(f"screenshot: {shot}")
    assert shot.stat().st_size > 10_000


def test_hostile_model_name_is_text_and_inert(page) -> None:
    assert page.dialogs == []
    cells = page.evaluate("[...document.querySelectorAll('td.model')].map(td => td.textContent)")
    assert HOSTILE in cells
    # no element was created from the name: the only scripts are the report's own two
    assert page.evaluate("document.scripts.length") == 2
    assert page.evaluate("typeof window.__pwned") == "undefined"
    tips = page.evaluate("[...document.querySelectorAll('[data-tip]')].map(e => e.dataset.tip)")
    assert any(HOSTILE in t for t in tips)


def test_embedded_json_parses_back(page) -> None:
    models = page.evaluate(
        "JSON.parse(document.getElementById('joulebench-data').textContent)"
        ".aggregates.map(a => a.model)"
    )
    assert HOSTILE in models


def test_interactions_sort_filter_tooltip(page) -> None:
    first_board = "document.querySelector('.task-board table')"
    page.evaluate(f"{first_board}.querySelectorAll('th button')[4].click()")  # energy
    page.evaluate(f"{first_board}.querySelectorAll('th button')[4].click()")  # descending
    values = page.evaluate(
        f"[...{first_board}.tBodies[0].rows].map(r => parseFloat(r.cells[4].dataset.sort))"
    )
    assert values == sorted(values, reverse=True)
    page.evaluate("document.querySelector('.filter button[data-all=\"0\"]').click()")
    hidden = page.evaluate("document.querySelectorAll('#chart-tasks .series.hidden').length")
    assert hidden == 10
    page.evaluate("document.querySelector('.filter button[data-all=\"1\"]').click()")
    assert page.evaluate("document.querySelectorAll('.hidden').length") == 0
    page.evaluate(
        "document.querySelector('#chart-tasks .bar').dispatchEvent("
        "new MouseEvent('mouseover', {bubbles: true, clientX: 300, clientY: 200}))"
    )
    assert page.evaluate("document.getElementById('tip').hidden") is False
    assert page.exceptions == [] and page.console_errors == []
