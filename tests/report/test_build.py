"""build_report: figures, provenance, stars, fits, comparisons, methodology, filters."""

from __future__ import annotations

from dataclasses import replace

import pytest
from report_factories import corpus, failed_record, make_record

from joulebench.errors import UsageError
from joulebench.report.build import build_report, failed_summary, load_reference


def _runs(model: str, energies: list[float], **kw) -> list:
    return [
        make_record(model=model, energy_wh_per_1000=e, repetition=i, run_id=f"{model}-{i}", **kw)
        for i, e in enumerate(energies)
    ]


def test_energy_per_1000_queries_in_wh_with_interval() -> None:
    recs = _runs("m", [2.0, 2.2, 1.8], n_queries=500)
    r = build_report(recs)
    (task,) = r.tasks
    (row,) = task.rows
    e = row.energy_wh_per_1000_queries
    assert e is not None and e.n == 3
    assert e.mean == pytest.approx(2.0)
    assert e.ci95_low < 2.0 < e.ci95_high
    assert row.n_queries == 500
    # net: above an idle draw of 30% of each component
    assert row.net_energy_wh_per_1000_queries.mean == pytest.approx(1.4)
    # carbon: 138.75 g/kWh x 2 Wh = 0.2775 g
    assert row.emissions_g_per_1000_queries.mean == pytest.approx(0.2775)
    assert row.latency_s_per_query_mean == pytest.approx(0.02)
    assert task.energy_wh_per_1000_queries.mean == pytest.approx(2.0)


def test_provenance_strongest_first_and_estimates_flagged() -> None:
    measured = build_report(_runs("a", [2.0], cpu_estimate=False))
    assert measured.tasks[0].rows[0].methods == ("counter",)
    assert not measured.tasks[0].estimated
    assert measured.methodology.estimated_sources == ()
    mixed = build_report(_runs("a", [2.0]))
    row = mixed.tasks[0].rows[0]
    assert row.methods == ("counter", "model") and row.estimated
    assert mixed.methodology.estimated_sources == ("model:cpu-utilization",)
    assert {c.domain for c in row.components} == {"gpu", "dram", "cpu-package"}
    cpu = next(c for c in row.components if c.domain == "cpu-package")
    assert cpu.methods == ("model",) and cpu.sources == ("model:cpu-utilization",)
    assert cpu.energy_wh_per_1000_queries_mean == pytest.approx(0.3)


def test_leaderboard_sorted_and_rated() -> None:
    recs = []
    for i, e in enumerate([1.0, 2.0, 4.0, 8.0, 16.0]):
        recs += _runs(f"m{i}", [e, e], parameters=10**8 * 2**i)
    (task,) = build_report(recs).tasks
    assert [r.model for r in task.rows] == ["m0", "m1", "m2", "m3", "m4"]
    assert [r.stars for r in task.rows] == [5, 4, 3, 2, 1]
    assert task.rows[0].star_cohort == "text-classification"
    assert len(task.rows[0].star_cut_points_wh) == 4
    assert task.fit is not None
    assert task.fit.slope == pytest.approx(1.0)  # energy doubles with parameters
    assert task.fit.r2 == pytest.approx(1.0)
    assert task.fit.intercept == pytest.approx(-8.0)  # 1 Wh at 1e8 parameters


def test_task_specific_vs_multi_purpose() -> None:
    recs = _runs("specific-a", [2.0]) + _runs("specific-b", [4.0])
    recs += _runs("google/flan-t5-xl", [30.0], zero_shot=True)
    r = build_report(recs)
    (c,) = r.comparisons
    assert c.model == "google/flan-t5-xl"
    assert c.task_specific_median_wh_per_1000_queries == pytest.approx(3.0)
    assert c.ratio == pytest.approx(10.0)
    assert r.tasks[0].rows[-1].multi_purpose


def test_tasks_sorted_by_energy_with_reference() -> None:
    r = build_report(corpus(200), reference_study=True)
    means = [t.energy_wh_per_1000_queries.mean for t in r.tasks]
    assert means == sorted(means)
    assert len(r.tasks) == 10
    ref = {t.task: t.reference.energy_wh_per_1000_queries_mean for t in r.tasks}
    assert ref["text-to-image"] == pytest.approx(2907.0)
    assert r.reference_citation is not None and "2311.16863" in r.reference_citation.url
    assert build_report(corpus(50)).tasks[0].reference is None


def test_reference_table_has_the_ten_published_figures() -> None:
    citation, figures = load_reference()
    assert "Power Hungry Processing" in citation.text
    kwh = {t: f.energy_wh_per_1000_queries_mean / 1000 for t, f in figures.items()}
    assert kwh == pytest.approx(
        {
            "text-classification": 0.002, "question-answering": 0.003, "fill-mask": 0.003,
            "token-classification": 0.004, "image-classification": 0.007,
            "object-detection": 0.038, "text-generation": 0.047, "summarization": 0.049,
            "image-to-text": 0.063, "text-to-image": 2.907,
        }
    )  # fmt: skip
    assert figures["text-to-image"].energy_wh_per_1000_queries_std == pytest.approx(3310.0)


def test_methodology_and_failures() -> None:
    recs = _runs("a", [2.0, 2.0]) + _runs("b", [3.0], query_phase=False, idle_baseline=False)
    recs += [failed_record("OOM\ntraceback", run_id="f1"), failed_record("OOM", run_id="f2")]
    r = build_report(recs)
    m = r.methodology
    assert m.n_runs == 3
    assert not m.query_phase_only and m.runs_without_query_phase == 1
    assert m.idle_baseline_runs == 2
    assert m.carbon_sources == ("aws:us-west-2 (study)",)
    assert r.failed.n_failed == 2 and r.failed.top_errors == (("OOM", 2),)
    assert failed_summary([failed_record("", run_id="x")]).top_errors == (("no error message", 1),)


def test_environment_distinct_values() -> None:
    recs = _runs("a", [2.0, 2.0])
    other = {"os": {"system": "Linux"}, "gpus": [{"name": "H100"}], "packages": ["a", "b"]}
    recs.append(replace(recs[0], run_id="other", environment=other))
    env = {e.key: e for e in build_report(recs).environment}
    assert env["gpus.0.name"].values == ("NVIDIA A100-SXM4-80GB", "H100")
    assert env["gpus.0.name"].n_runs == 3
    assert env["packages"].values[0] == "a, b"
    assert env["os.system"].values == ("Linux",)


def test_equivalents_per_task_and_total() -> None:
    r = build_report(_runs("a", [22.0]))
    per_task = {e.label: e for e in r.equivalents if e.task == "text-classification"}
    assert per_task["smartphone charges"].value == pytest.approx(1.0)
    assert "per 1,000 queries" in per_task["smartphone charges"].unit
    total = {e.label: e.value for e in r.equivalents if e.task is None}
    assert total["smartphone charges"] == pytest.approx(1.0)  # 1,000 queries were run


def test_task_filter() -> None:
    recs = corpus(100)
    r = build_report(recs, tasks=["fill-mask"])
    assert [t.task for t in r.tasks] == ["fill-mask"]
    assert r.task_filter == ("fill-mask",)
    with pytest.raises(UsageError, match="did you mean: fill-mask"):
        build_report(recs, tasks=["fill_mask"])


def test_unusable_runs_give_no_tasks() -> None:
    r = build_report([failed_record(run_id="a"), replace(make_record(), n_queries=None)])
    assert r.tasks == () and r.failed.n_failed == 1
    assert r.methodology.unusable_runs == 1
    assert [row.run_id for row in r.per_run] == [make_record().run_id]  # listed per run


def test_idle_baseline_counted_from_component_idle_power() -> None:
    """A baseline shared by the session leaves ``idle_s`` None in older stores; the
    components' idle power still says the run has one."""
    shared = [
        replace(r, measurement=replace(r.measurement, idle_s=None)) for r in _runs("a", [2.0, 2.0])
    ]
    assert all(r.measurement.idle_s is None for r in shared)
    none = _runs("b", [3.0], idle_baseline=False)
    m = build_report(shared + none).methodology
    assert m.idle_baseline_runs == 2 and m.n_runs == 3


def test_stars_follow_the_rank_within_each_cohort() -> None:
    r = build_report(corpus(600))
    for task in r.tasks:
        by_cohort: dict[str, list[int]] = {}
        for row in task.rows:  # rank order
            if row.stars is not None:
                by_cohort.setdefault(row.star_cohort, []).append(row.stars)
        assert by_cohort, task.task
        for stars in by_cohort.values():
            assert stars == sorted(stars, reverse=True), task.task
    # a model cheap on one dataset and dear on another: its rows are rated apart
    recs = []
    for model, per_ds in {"x": (1.0, 9.0), "y": (3.0, 3.2), "z": (5.0, 6.0)}.items():
        for ds, e in zip(("d1", "d2"), per_ds, strict=True):
            recs += [
                make_record(model=model, dataset=ds, energy_wh_per_1000=e, repetition=i,
                            run_id=f"{model}-{ds}-{i}")
                for i in range(3)
            ]  # fmt: skip
    (task,) = build_report(recs).tasks
    stars = [row.stars for row in task.rows]
    assert task.rows[0].model == "x" and stars[0] == 5
    assert stars == sorted(stars, reverse=True)  # type: ignore[type-var]


def test_a_one_model_task_gets_no_stars() -> None:
    recs = _runs("only", [2.0, 2.1, 2.2])
    recs += [replace(x, run_id=f"{x.run_id}-b", dataset="sst2") for x in _runs("only", [3.0])]
    (task,) = build_report(recs).tasks
    assert [(row.stars, row.star_note) for row in task.rows] == [(None, "one model")] * 2


def test_board_counts_say_what_the_table_shows() -> None:
    recs = []
    for ds in ("imdb", "sst2"):
        for model, e, zs in (("a", 2.0, False), ("b", 3.0, False), ("flan", 30.0, True)):
            recs += [
                make_record(model=model, dataset=ds, energy_wh_per_1000=e, zero_shot=zs,
                            repetition=i, run_id=f"{model}-{ds}-{i}")
                for i in range(3)
            ]  # fmt: skip
    (task,) = build_report(recs).tasks
    assert (task.n_models, task.n_runs) == (2, 12)  # the headline mean: task-specific only
    assert (task.shown_models, task.shown_zero_shot_models) == (3, 1)
    assert (len(task.rows), task.shown_runs) == (6, 18)
    assert [row.in_task_mean for row in task.rows] == [True] * 4 + [False] * 2


def test_intervals_never_go_below_zero_and_need_three_runs() -> None:
    from joulebench.stats import positive_interval

    clipped = build_report(_runs("m", [1.0, 1.0, 10.0])).tasks[0].rows[0]
    e = clipped.energy_wh_per_1000_queries
    assert e.ci95_low < 0  # the raw t interval, kept in the model
    ci = positive_interval(e)
    assert ci.clipped and ci.low == 0.0
    two = build_report(_runs("m", [45.0, 55.0])).tasks[0].rows[0]
    assert not positive_interval(two.energy_wh_per_1000_queries).shown


def test_runs_without_query_count_are_listed_per_run() -> None:
    plain = replace(make_record(run_id="cc-1"), n_queries=None, task=None, dataset=None)
    r = build_report([plain, failed_record(run_id="f")])
    assert r.tasks == () and r.headlines == ()
    (row,) = r.per_run
    assert row.run_id == "cc-1" and row.name == plain.model
    assert row.energy_wh == pytest.approx(plain.measurement.energy_j / 3600)
    assert row.emissions_g == pytest.approx(row.energy_wh / 1000 * 138.75)
    assert row.methods == ("counter", "model") and row.estimated
    assert row.duration_s == pytest.approx(plain.measurement.duration_s)


def test_totals_and_headlines() -> None:
    r = build_report(_runs("a", [2.0, 2.0]) + _runs("b", [4.0, 4.0]))
    assert r.total_energy_wh == pytest.approx(12.0)  # 4 runs of 1,000 queries
    assert r.total_emissions_g == pytest.approx(12.0 / 1000 * 138.75)
    assert r.headlines[0] == "text-classification used 3 Wh per 1,000 queries (mean of 2 models)."
    assert "The most efficient text-classification model, a on imdb, used 2 Wh" in r.headlines[1]
