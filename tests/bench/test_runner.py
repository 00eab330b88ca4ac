from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest

from joulebench.bench.executor import LocalExecutor
from joulebench.bench.records import STATUS_FAILED, STATUS_OK, RunRecord
from joulebench.bench.runner import RunnerSettings, execute_job, is_out_of_memory, validate_job
from joulebench.bench.spec import JobSpec
from joulebench.errors import UsageError
from joulebench.measure.fake import FakeSensor
from joulebench.measure.sensor import Domain
from joulebench.stats import ci_half_width_pct
from joulebench.tasks.base import TaskSpec

from .fakes import FakeTasks, rows_loader


def settings(tasks: FakeTasks, **kw: object) -> RunnerSettings:
    kw.setdefault("count_flops", False)  # exact call counts; FLOP counting: test_flops.py
    return RunnerSettings(task_loader=tasks, rows_loader=rows_loader, **kw)  # type: ignore[arg-type]


def job(**kw: object) -> JobSpec:
    base: dict[str, object] = dict(
        task="fake-task", model="fake/model", dataset="words", n_queries=3, repetitions=2,
        warmup=1,
    )
    base.update(kw)
    return JobSpec(**base)  # type: ignore[arg-type]


def sensor() -> FakeSensor:
    return FakeSensor("fake:0", power_w=50.0, domain=Domain.CPU_PACKAGE)


def test_records_one_per_repetition_with_phases_and_units() -> None:
    tasks = FakeTasks()
    records = list(
        execute_job(job(), sensors=[sensor()], baseline={"fake:0": 10.0}, suite="s",
                    env={"cpu": "x"}, settings=settings(tasks))
    )
    assert [r.status for r in records] == [STATUS_OK, STATUS_OK]
    assert [r.repetition for r in records] == [0, 1]
    assert tasks.loads == 1 and tasks.runners[0].calls == 1 + 3 * 2
    for r in records:
        assert r.n_queries == 3 and r.parameters == 1234 and r.suite == "s"
        assert r.units["input_tokens"] == 12 and r.units["output_tokens"] == 6
        assert r.units["images"] == 0
        m = r.measurement
        assert m is not None
        q = m.phase("query")
        assert q is not None and q.count == 1 and not q.children
        assert q.components[0].idle_power_w == 10.0
        assert r.throughput is not None and r.throughput.calls == 3
        assert r.throughput.median_ms is not None and r.throughput.median_ms > 0
        assert r.job_key == job().job_key and r.input_fingerprint == "fp-words"
        assert r.environment == {"cpu": "x"}
    assert set(records[0].extra["load"]) == {"load", "warmup"}
    assert "load" not in records[1].extra


def test_phase_hook_passed_when_split_on() -> None:
    tasks = FakeTasks(runner_kwargs={"split": True})
    (rec,) = execute_job(job(repetitions=1), sensors=[sensor()],
                         settings=settings(tasks, phase_split="on"))
    m = rec.measurement
    assert m is not None
    assert m.phase("query/prefill").count == 3  # type: ignore[union-attr]
    assert m.phase("query/decode").count == 3  # type: ignore[union-attr]
    # auto: instant warm-up queries -> no split
    (rec,) = execute_job(job(repetitions=1), sensors=[sensor()], settings=settings(tasks))
    assert rec.measurement.phase("query/prefill") is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("model", "dataset", "column", "error"),
    [
        ("fake/broken", "words", None, "ModelError: fake/broken is not a fake-task model"),
        ("fake/model", "empty", None, "DataError: dataset 'empty' gave no rows"),
        ("fake/model", "words", "nope", "DataError: column 'nope' not in dataset"),
        ("fake/model", "corrupt", None, "DataError: cannot decode image 3"),
    ],
)
def test_failures_become_failed_records(model: str, dataset: str, column: str | None,
                                        error: str) -> None:
    (rec,) = execute_job(job(model=model, dataset=dataset, column=column), sensors=[],
                         settings=settings(FakeTasks()))
    assert rec.status == STATUS_FAILED and rec.measurement is None
    assert rec.error is not None and rec.error.startswith(error)


def test_out_of_memory_mid_job_keeps_finished_repetitions() -> None:
    tasks = FakeTasks(runner_kwargs={"fail_on_call": 1 + 3 + 2})
    recs = list(execute_job(job(), sensors=[sensor()], settings=settings(tasks)))
    assert [r.status for r in recs] == [STATUS_OK, STATUS_FAILED]
    assert recs[1].repetition == 1 and recs[1].error.startswith("out of memory:")  # type: ignore[union-attr]
    assert is_out_of_memory(type("OutOfMemoryError", (RuntimeError,), {})("x"))


def test_suite_continues_after_a_failure_and_lists_it() -> None:
    jobs = [job(model="fake/broken"), job(), job(dataset="empty")]
    stored: list[RunRecord] = []
    ex = LocalExecutor(sensors=[sensor()], settings=settings(FakeTasks()))
    summary = ex.run(jobs, stored.append)
    assert [r.status for r in stored] == [STATUS_FAILED, STATUS_OK, STATUS_OK, STATUS_FAILED]
    assert summary.jobs_run == 3 and len(summary.failures) == 2 and not summary.interrupted


def test_interrupt_keeps_finished_and_resume_runs_only_the_rest() -> None:
    jobs = [job(n_queries=2, warmup=0), job(n_queries=2, warmup=0, dataset="other")]
    stored: list[RunRecord] = []
    tasks = FakeTasks(runner_kwargs={"fail_on_call": 3, "exc": KeyboardInterrupt()})
    summary = LocalExecutor(sensors=[sensor()], settings=settings(tasks)).run(jobs, stored.append)
    assert summary.interrupted and [r.repetition for r in stored] == [0]

    def done(j: JobSpec) -> int:
        return sum(1 for r in stored if r.job_key == j.job_key and r.status == STATUS_OK)

    tasks2 = FakeTasks()
    summary2 = LocalExecutor(sensors=[sensor()], settings=settings(tasks2)).run(
        jobs, stored.append, resume_filter=done
    )
    assert not summary2.interrupted
    assert [(r.dataset, r.repetition) for r in summary2.records] == [
        ("words", 1), ("other", 0), ("other", 1)
    ]
    summary3 = LocalExecutor(sensors=[sensor()], settings=settings(FakeTasks())).run(
        jobs, stored.append, resume_filter=done
    )
    assert summary3.jobs_skipped == 2 and summary3.records == []


def test_adaptive_stops_once_the_interval_is_tight() -> None:
    steady = FakeSensor("fake:0", readings=itertools.count(0.0, 1.0))  # 1 J per read
    recs = list(execute_job(job(repetitions=10, adaptive_pct=5.0), sensors=[steady],
                            settings=settings(FakeTasks())))
    assert len(recs) == 3 and recs[-1].extra["adaptive"]["converged"]
    assert ci_half_width_pct([1.0, 1.0]) == 0.0 and ci_half_width_pct([1.0]) is None


def test_batch_needs_a_batching_runner_and_a_text_task() -> None:
    (rec,) = execute_job(job(batch_size=2), sensors=[], settings=settings(FakeTasks()))
    assert rec.status == STATUS_FAILED and "one input at a time" in (rec.error or "")
    image_spec = TaskSpec(name="fake-task", title="Fake", input_kind="image",
                          default_columns=("image",), preprocessing="none")
    image_task = SimpleNamespace(SPEC=image_spec)
    with pytest.raises(UsageError, match="batch"):
        validate_job(job(batch_size=2), RunnerSettings(task_loader=lambda _n: image_task))


def test_validate_rejects_unknown_task_and_model() -> None:
    with pytest.raises(UsageError, match="unknown task 'text-clasification'"):
        validate_job(job(task="text-clasification"))
    with pytest.raises(UsageError, match="random:nosuchmodel"):
        validate_job(job(task="image-classification", model="random:nosuchmodel"))


def test_job_key_is_stable_and_ignores_repetitions() -> None:
    a = job(options={"b": 1, "a": "x"})
    b = job(options={"a": "x", "b": 1}, repetitions=7, warmup=3)
    assert a.job_key == b.job_key and a.options == (("a", "x"), ("b", 1))
    assert job(dtype="fp16").job_key != a.job_key and job(dtype="fp16").dtype == "float16"
    import pickle

    assert pickle.loads(pickle.dumps(a)) == a
