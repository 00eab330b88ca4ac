"""The HTML report in headless Chromium: no JS errors, charts drawn, hostile names inert,
and what a reader sees: headline sentences, collapsed leaderboards, model and provenance
on a 1,400 px screen, readable charts at phone width (420 px), quality against energy with
its Pareto front and output lengths, a plain CodeCarbon file's runs.

Marked ``browser``; skips only when Chromium is not installed (scripts/install-browser.sh
installs it). Screenshots land in tests/report/artifacts/ (ignored by git); each test
prints its path.
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

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
MIN_MARKS = {
    "chart-tasks": 20, "chart-params": 20, "chart-multi": 10, "chart-quality-0": 8,
    "chart-lengths": 30,
}  # fmt: skip
MIN_CHART_FONT_PX = 10.0

COUNT_MARKS = """
(() => {
  const out = {};
  for (const svg of document.querySelectorAll("svg.chart")) {
    out[svg.id] = svg.querySelectorAll("path, rect, circle").length;
  }
  return out;
})()
"""

# The rendered size of each chart text: its computed font size times the scale of its
# screen transform (viewBox scaling included; sqrt|det| so rotated titles count too).
CHART_FONT_PX = """
(() => [...document.querySelectorAll("svg.chart text")].map(t => {
  const m = t.getScreenCTM();
  return parseFloat(getComputedStyle(t).fontSize) * Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
}))()
"""

# Every provenance cell (and badge) of the first leaderboard inside the viewport, beside
# its model cell, after opening the board and scrolling it into view.
PROVENANCE_BOXES = """
(() => {
  const board = document.querySelector("details.task-board[data-task]");
  board.open = true;
  board.querySelector("tbody tr").scrollIntoView({block: "center"});
  const box = el => { const r = el.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
  return [...board.querySelectorAll("tbody tr")].slice(0, 5).map(tr => ({
    model: box(tr.querySelector("td.model")),
    prov: box(tr.querySelector("td.prov")),
    badges: [...tr.querySelectorAll("td.prov .badge")].map(box),
  }));
})()
"""


def _viewport(page, width: int, height: int = 900) -> None:
    page.call(
        "Emulation.setDeviceMetricsOverride",
        width=width, height=height, deviceScaleFactor=1, mobile=width < 600,
    )  # fmt: skip


def _shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    import base64

    data = page.call("Page.captureScreenshot", format="png")
    path = ARTIFACTS / name
    path.write_bytes(base64.b64decode(data["data"]))
    print(f"screenshot: {path}")
    assert path.stat().st_size > 5_000
    return path


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    records = corpus(600, hostile=True, cost_benefit=True)
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


def test_opens_collapsed_with_headline_sentences(page) -> None:
    _viewport(page, 1400)
    boards = page.evaluate("[...document.querySelectorAll('details.task-board')].map(d => d.open)")
    assert len(boards) == 10 and not any(boards)
    findings = page.evaluate("[...document.querySelectorAll('#findings li')].map(li => li.innerText)")
    assert len(findings) >= 4
    assert "the energy of text-classification per query" in findings[0]
    assert any(f.startswith("Multi-purpose models run zero-shot") for f in findings)
    # the findings and the estimate notice are above the fold
    assert page.evaluate("document.getElementById('findings').getBoundingClientRect().top") < 900
    notice = page.evaluate("document.getElementById('estimate-alert').getBoundingClientRect().top")
    assert 0 <= notice < 900
    # collapsed, ten tasks and 480 rows make a page of a few screens, not 37,000 px (the
    # nine quality panels and the output-length chart add about 2,400 px)
    assert page.evaluate("document.documentElement.scrollHeight") < 10_000


def test_model_and_provenance_visible_at_1400_px(page) -> None:
    _viewport(page, 1400)
    width = page.evaluate("window.innerWidth")
    rows = page.evaluate(PROVENANCE_BOXES)
    assert rows
    for r in rows:
        for cell in (r["model"], r["prov"]):
            assert cell["left"] >= 0 and cell["right"] <= width, r
        assert r["badges"], r
        for b in r["badges"]:  # no badge clipped by its cell or the screen
            assert r["prov"]["left"] <= b["left"] and b["right"] <= r["prov"]["right"] + 0.5, r
            assert b["right"] <= width
    _shot(page, "report-1400-leaderboard.png")
    page.evaluate("document.querySelector('details.task-board[data-task]').open = false")


def test_readable_at_phone_width(page) -> None:
    _viewport(page, 420)
    sizes = page.evaluate(CHART_FONT_PX)
    assert len(sizes) > 50
    assert min(sizes) >= MIN_CHART_FONT_PX, sorted(sizes)[:5]
    # the page itself does not overflow sideways: wide charts and tables scroll in place
    assert page.evaluate("document.documentElement.scrollWidth") <= 421
    page.evaluate("document.getElementById('tasks').scrollIntoView()")
    _shot(page, "report-420-chart.png")
    page.evaluate("window.scrollTo(0, 0)")
    _viewport(page, 1280)


QUALITY_PANELS = """
(() => [...document.querySelectorAll("#quality figure.qpanel")].map(f => {
  const svg = f.querySelector("svg.chart"), r = svg.getBoundingClientRect();
  return {width: r.width, fronts: svg.querySelectorAll(".qpoint.front").length,
          points: svg.querySelectorAll(".qpoint").length, caption: f.innerText};
}))()
"""


def test_quality_against_energy_and_output_length(page) -> None:
    _viewport(page, 1400)
    panels = page.evaluate(QUALITY_PANELS)
    assert len(panels) == 9  # three tasks with a metric, three datasets each
    for p in panels:
        assert p["points"] >= 8 and 1 <= p["fronts"] <= p["points"], p
        assert "Pareto front (" in p["caption"], p
    header = page.evaluate(
        "[...document.querySelectorAll('details.task-board[data-task=\"summarization\"] th')]"
        ".map(th => th.textContent)"
    )
    assert any(h.startswith("Quality") for h in header) and any(h.startswith("Output") for h in header)
    tip = page.evaluate("document.querySelector('#quality .qpoint.front').dataset.tip")
    assert "Pareto front" in tip and "95% CI" in tip
    assert page.evaluate("document.querySelectorAll('#chart-lengths circle.lpoint[data-tip]').length") > 50
    page.evaluate("document.getElementById('quality').scrollIntoView()")
    _shot(page, "report-1400-quality.png")
    _viewport(page, 420)  # each panel fits a phone without scrolling sideways
    for p in page.evaluate(QUALITY_PANELS):
        assert p["width"] <= 400, p
    assert page.evaluate("document.documentElement.scrollWidth") <= 421
    page.evaluate("document.getElementById('quality').scrollIntoView()")
    _shot(page, "report-420-quality.png")
    page.evaluate("window.scrollTo(0, 0)")
    _viewport(page, 1280)


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


def test_plain_codecarbon_file_shows_its_runs(tmp_path: Path) -> None:
    from test_codecarbon_report import emissions_csv

    from joulebench.cli.main import main

    db, out = str(tmp_path / "cc.db"), tmp_path / "cc.html"
    assert main(["--db", db, "import", "codecarbon", str(emissions_csv(tmp_path / "e.csv"))]) == 0
    assert main(["--db", db, "report", "-o", str(out)]) == 0
    with chromium_cdp.open_page(out) as p:
        _viewport(p, 1400)
        assert p.exceptions == [] and p.console_errors == []
        p.evaluate("document.getElementById('per-run-board').open = true")
        rows = p.evaluate(
            "[...document.querySelectorAll('#per-run tbody tr')].map(tr => tr.innerText)"
        )
        assert len(rows) == 2
        assert "49.3 Wh" in rows[0] and "model estimate" in rows[0]
        visible = p.evaluate(
            "(() => { const r = document.querySelector('#per-run td.prov')"
            ".getBoundingClientRect(); return r.width > 0 && r.right <= innerWidth; })()"
        )
        assert visible
        _shot(p, "report-codecarbon-runs.png")
