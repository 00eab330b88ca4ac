"""Every user-provided string is escaped in every context of every view.

Hostile names go into task, model, dataset, environment keys and values, carbon source,
producer and error messages; the HTML must contain none of them raw, its only scripts
must be its own, and the JSON embedded in ``<script>`` must parse back to them.
"""

from __future__ import annotations

import csv
import html.parser
import io
import json
from dataclasses import replace

import pytest
from report_factories import (
    CARBON,
    ENVIRONMENT,
    HOSTILE,
    corpus,
    failed_record,
    make_record,
    quality_dict,
)

from joulebench.report import render
from joulebench.report.build import build_report
from joulebench.report.json_view import script_json
from joulebench.report.markdown import md_escape

ATTR = '" onmouseover="alert(2)" x=\''
COMMENT = "<!--<script>alert(3)</script>-->"
SVG = '</text></svg><svg onload="alert(4)">'
HOSTILES = (HOSTILE, ATTR, COMMENT, SVG, '=HYPERLINK("http://x")')


@pytest.fixture(scope="module")
def records():
    env = {
        **ENVIRONMENT,
        "gpus": [{"name": SVG, "driver": ATTR}],
        HOSTILE: COMMENT,
    }
    out = corpus(80, hostile=True, cost_benefit=True)
    for i, (task, model, dataset) in enumerate(
        [
            ("text-classification", ATTR, COMMENT),
            (SVG, HOSTILE, '=HYPERLINK("http://x")'),
            (HOSTILE, COMMENT, ATTR),
        ]
    ):
        for rep in range(3):
            out.append(
                make_record(
                    task=task, model=model, dataset=dataset, repetition=rep,
                    energy_wh_per_1000=2.0 + rep, parameters=10**8 * (i + 1),
                    environment=env, run_id=f"hostile-{i}-{rep}",
                    carbon=replace(CARBON, source=HOSTILE), quality=quality_dict(0.8, SVG),
                    output_tokens=1000, zero_shot=i == 0,
                )
            )  # fmt: skip
    out.append(failed_record(COMMENT, run_id="failed-hostile"))
    return [replace(r, producer=SVG) if r.run_id.startswith("hostile") else r for r in out]


@pytest.fixture(scope="module")
def report(records):
    return build_report(records, reference_study=True)


class _Collector(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.script_data: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        (self.script_data if self._in_script else self.text).append(data)

    def handle_comment(self, data):
        raise AssertionError(f"an HTML comment was created: {data!r}")


def test_html_has_no_raw_hostile_string(report) -> None:
    page = render(report, "html")
    for hostile in HOSTILES[:4]:
        assert hostile not in page
    assert "<!--" not in page
    assert page.count("<script") == 2
    # every <svg> is one of the report's charts (3, the quality panels, output lengths)
    assert page.count("<svg") == 4 + len(report.quality_panels)
    assert page.count("<svg") == page.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"')


def test_html_parses_back_to_the_hostile_strings(report) -> None:
    page = render(report, "html")
    p = _Collector()
    p.feed(page)
    text = "".join(p.text)
    for hostile in HOSTILES:
        assert hostile in text  # shown as text
    attrs = [v for _, a in p.tags for k, v in a.items() if k.startswith("data-")]
    assert any(v and ATTR in v for v in attrs)  # attribute values round-trip
    assert not any("onmouseover" in a or "onload" in a for _, a in p.tags for a in a)
    scripts = [t for t, _ in p.tags if t == "script"]
    assert len(scripts) == 2
    embedded = json.loads(p.script_data[0])
    assert {HOSTILE, ATTR, COMMENT} <= {a["model"] for a in embedded["aggregates"]}


def test_script_json_cannot_close_or_comment() -> None:
    data = {"m": "</script><!--<script>", "s": "\u2028\u2029&"}
    text = script_json(data)
    assert "</" not in text and "<!--" not in text and "<" not in text
    assert "\u2028" not in text and "\u2029" not in text
    assert json.loads(text) == data


def test_markdown_escapes_tables_and_html(report) -> None:
    md = render(report, "md")
    assert HOSTILE not in md and "<script" not in md and "<!--" not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    for line in md.splitlines():
        if line.startswith("| ") and "(multi-purpose)" not in line:
            # every row of a table keeps its column count: no raw pipes inside cells
            # (leaderboards: 13, 14 with quality or output length, 15 with both)
            assert line.replace("\\|", "").count("|") in (7, 8, 9, 13, 14, 15)


def test_md_escape() -> None:
    assert md_escape("a|b*c_d\n<x>") == "a\\|b\\*c\\_d &lt;x&gt;"


def test_csv_round_trips_and_defuses_formulas(report) -> None:
    rows = list(csv.DictReader(io.StringIO(render(report, "csv"))))
    models = {r["model"] for r in rows}
    datasets = {r["dataset"] for r in rows}
    assert {HOSTILE, ATTR, COMMENT} <= models
    assert '\'=HYPERLINK("http://x")' in datasets
    assert not any(d.startswith("=") for d in datasets)


def test_json_keeps_strings_verbatim(report) -> None:
    data = json.loads(render(report, "json"))
    assert {HOSTILE, ATTR, COMMENT} <= {a["model"] for a in data["aggregates"]}
    assert any(e["key"] == HOSTILE for e in data["environment"])
    assert data["failed_runs"]["top_errors"][0]["error"] == COMMENT
