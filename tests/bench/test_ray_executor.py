"""RayExecutor against a real local Ray cluster (2 CPUs), with the shipped fake task."""

from __future__ import annotations

import dataclasses
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from joulebench.bench import fake_task
from joulebench.bench.executor import LocalExecutor
from joulebench.bench.ray_executor import RayExecutor, check_reachable, import_ray, split_address
from joulebench.bench.records import STATUS_FAILED, STATUS_OK, RunRecord
from joulebench.bench.runner import RunnerSettings
from joulebench.bench.spec import JobSpec
from joulebench.errors import ExecutorError

pytestmark = pytest.mark.ray

SETTINGS = RunnerSettings(task_loader=fake_task.task_loader, rows_loader=fake_task.rows_loader)


def job(model: str = "fake/model", **kw: Any) -> JobSpec:
    base: dict[str, Any] = dict(
        task="fake-task", model=model, dataset="words", n_queries=3, repetitions=2, warmup=1
    )
    base.update(kw)
    return JobSpec(**base)


def executor(**kw: Any) -> RayExecutor:
    kw.setdefault("sensor_factory", fake_task.fake_sensors)
    kw.setdefault("settings", SETTINGS)
    return RayExecutor(suite="s", **kw)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    ray = pytest.importorskip("ray")
    temp = tempfile.mkdtemp(prefix="rj", dir="/tmp")  # socket paths must stay < 108 chars
    ray.init(num_cpus=2, include_dashboard=False, _temp_dir=temp, configure_logging=False,
             log_to_driver=False)  # fmt: skip
    yield ray
    ray.shutdown()
    shutil.rmtree(temp, ignore_errors=True)


# ------------------------------------------------------------------ no cluster needed
def test_ray_missing_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ExecutorError, match="Ray is not installed") as info:
        import_ray()
    assert info.value.hint == "pip install 'joulebench[ray]'"


def test_split_address() -> None:
    assert split_address("ray://head:10002") == ("head", 10002)
    assert split_address("ray://head") == ("head", 10001)
    assert split_address("10.0.0.1:6380") == ("10.0.0.1", 6380)
    assert split_address("head") == ("head", 6379)


def test_unreachable_address_fails_fast() -> None:
    t0 = time.monotonic()
    with pytest.raises(ExecutorError, match=r"cannot reach the Ray cluster at 127\.0\.0\.1:9"):
        check_reachable("127.0.0.1:9", 1.0)
    with pytest.raises(ExecutorError, match="cannot reach"):
        check_reachable("ray://127.0.0.1:9", 1.0)
    assert time.monotonic() - t0 < 5


def test_unreachable_address_in_executor_writes_nothing() -> None:
    pytest.importorskip("ray")
    stored: list[RunRecord] = []
    with pytest.raises(ExecutorError, match="cannot reach"):
        executor(address="127.0.0.1:9", connect_timeout_s=1.0).run([job()], stored.append)
    assert stored == []


# --------------------------------------------------------------------- on the cluster
def test_same_runs_as_local_executor(cluster: Any) -> None:
    jobs = [job(), job("fake/other", n_queries=2)]
    local: list[RunRecord] = []
    LocalExecutor(sensors=fake_task.fake_sensors(), settings=SETTINGS, suite="s").run(
        jobs, local.append
    )
    remote: list[RunRecord] = []
    progress = RecordingProgress()
    summary = executor(idle_s=0.2, progress=progress).run(jobs, remote.append)
    assert progress.calls[0] == ("start", 10, 2, [(jobs[0], 6), (jobs[1], 4)])
    assert sorted(c[1] for c in progress.calls if c[0] == "job") == [0, 1]
    assert sum(c[1] for c in progress.calls if c[0] == "advance") == 10
    assert summary.jobs_run == 2 and not summary.failures and not summary.interrupted
    assert len(remote) == len(local) == 4 and summary.records == remote

    def keys(records: list[RunRecord]) -> set[tuple[Any, ...]]:
        return {(r.task, r.model, r.dataset, r.job_key, r.repetition, r.status) for r in records}

    assert keys(remote) == keys(local)
    for a, b in zip(sorted(local, key=_order), sorted(remote, key=_order), strict=True):
        assert [f.name for f in dataclasses.fields(a)] == [f.name for f in dataclasses.fields(b)]
        assert a.units == b.units and a.n_queries == b.n_queries
        assert set(a.extra) <= set(b.extra) and a.throughput is not None and b.throughput
        assert b.measurement is not None and b.measurement.phase("query") is not None
    node_id = cluster.get_runtime_context().get_node_id()
    for r in remote:
        p = r.placement
        assert p is not None and p.node_id == node_id and r.environment["hostname"]
        assert str(p.attribution).startswith("machine-level: node shared with up to 2")
        assert r.extra["baseline"] == "per-node idle probe"
        q = r.measurement.phase("query")  # type: ignore[union-attr]
        assert q is not None and q.components[0].idle_power_w == pytest.approx(20.0, rel=0.05)


class RecordingProgress:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def start(self, total_queries: int, n_jobs: int, jobs: Any = ()) -> None:
        self.calls.append(("start", total_queries, n_jobs, list(jobs)))

    def job(self, index: int, job: JobSpec, queries: int) -> None:
        self.calls.append(("job", index, job.model, queries))

    def advance(self, n: int) -> None:
        self.calls.append(("advance", n))

    def close(self) -> None:
        self.calls.append(("close",))


def _order(r: RunRecord) -> tuple[str, int]:
    return (r.model or "", r.repetition or 0)


def _attempt(r: RunRecord) -> int | None:
    return None if r.placement is None else r.placement.attempt


def test_resume_runs_only_missing_repetitions(cluster: Any) -> None:
    remote: list[RunRecord] = []
    summary = executor().run(
        [job(), job("fake/done")], remote.append,
        resume_filter=lambda j: 2 if j.model == "fake/done" else 1,
    )  # fmt: skip
    assert summary.jobs_skipped == 1
    assert [(r.model, r.repetition) for r in remote] == [("fake/model", 1)]


def test_failed_job_is_recorded_once(cluster: Any) -> None:
    remote: list[RunRecord] = []
    executor().run([job("fake/broken")], remote.append)
    (r,) = remote
    assert r.status == STATUS_FAILED and r.error.startswith("ModelError")  # type: ignore[union-attr]
    assert r.placement is not None and r.placement.attempt == 0  # a failure inside the job is not retried


def test_raising_job_is_retried_then_recorded_failed(cluster: Any, tmp_path: Path) -> None:
    sensors = fake_task.FlakySensors(str(tmp_path / "calls"), failures=100)
    remote: list[RunRecord] = []
    summary = executor(sensor_factory=sensors, max_retries=1).run([job()], remote.append)
    (r,) = remote
    assert r.status == STATUS_FAILED and summary.failures == [r]
    assert r.error == "SensorError: fake sensor failure 3 of 100"  # probe took call 1
    assert r.extra["attempts"] == 2 and len(r.extra["errors"]) == 2
    assert r.job_key == job().job_key and r.task == "fake-task"


def test_raising_job_retry_succeeds(cluster: Any, tmp_path: Path) -> None:
    sensors = fake_task.FlakySensors(str(tmp_path / "calls"), failures=2)  # probe + 1st try
    remote: list[RunRecord] = []
    executor(sensor_factory=sensors, max_retries=2).run([job(repetitions=1)], remote.append)
    (r,) = remote
    assert r.status == STATUS_OK and r.placement is not None and r.placement.attempt == 1


def test_killed_worker_is_survived(cluster: Any, tmp_path: Path) -> None:
    marker = tmp_path / "crashed"
    remote: list[RunRecord] = []
    crashing = job(repetitions=1, options={"crash_marker": str(marker)})
    summary = executor(max_retries=1).run([crashing, job("fake/calm")], remote.append)
    assert marker.exists() and not summary.failures
    by_model = {r.model: r for r in remote}
    assert by_model["fake/model"].status == STATUS_OK
    assert _attempt(by_model["fake/model"]) == 1


def test_worker_killed_mid_job_keeps_finished_repetitions(cluster: Any, tmp_path: Path) -> None:
    # warm-up 1 + 3 queries per repetition: call 9 is the 2nd query of repetition 2, so
    # repetitions 0 and 1 have finished (and were streamed back) when the worker dies
    marker = tmp_path / "crashed"
    stored: list[RunRecord] = []
    crashing = job(
        repetitions=4, options={"crash_marker": str(marker), "crash_at_call": 9, "sleep_s": 0.05}
    )
    summary = executor(max_retries=1, settings=dataclasses.replace(SETTINGS, count_flops=False)).run(
        [crashing], stored.append
    )
    assert marker.exists() and not summary.failures
    assert sorted(r.repetition for r in stored) == [0, 1, 2, 3]  # each stored once
    by_rep = {r.repetition: r for r in stored}
    assert _attempt(by_rep[0]) == _attempt(by_rep[1]) == 0
    assert _attempt(by_rep[2]) == _attempt(by_rep[3]) == 1  # only these rerun
    assert all(r.status == STATUS_OK for r in stored)


def test_gpu_jobs_refused_on_cpu_cluster(cluster: Any) -> None:
    remote: list[RunRecord] = []
    with pytest.raises(ExecutorError, match="ask for a GPU but the Ray cluster has none"):
        executor().run([job(), job(device="cuda")], remote.append)
    assert remote == []


def test_job_larger_than_any_node_refused(cluster: Any) -> None:
    with pytest.raises(ExecutorError, match=r"64 CPU.*more than any node has"):
        executor(cpus_per_job=64).run([job()], lambda r: None)


def test_auto_device_resolves_against_cluster_and_exclusive_node(cluster: Any) -> None:
    remote: list[RunRecord] = []
    executor(exclusive_node=True).run([job(repetitions=1, device="auto")], remote.append)
    (r,) = remote
    assert r.config["device"] == "cpu" and r.status == STATUS_OK
    p = r.placement
    assert p is not None and p.node_concurrency == 1
    assert str(p.attribution).startswith("node-exclusive")


def test_interrupt_cancels_outstanding_and_keeps_finished(cluster: Any) -> None:
    kept: list[RunRecord] = []

    def sink(record: RunRecord) -> None:
        kept.append(record)
        raise KeyboardInterrupt

    slow = job("fake/slow", repetitions=1, n_queries=1, options={"sleep_s": 60.0})
    t0 = time.monotonic()
    summary = executor().run([job(repetitions=1), slow], sink)
    assert summary.interrupted and [r.model for r in kept] == ["fake/model"]
    assert time.monotonic() - t0 < 40


# ------------------------------------------------------------------------ CLI options
def test_cli_options_build_the_executor() -> None:
    from joulebench.cli._ray import make_executor
    from joulebench.cli.main import build_parser

    args = build_parser().parse_args(
        ["run", "--executor", "ray", "--address", "auto", "--cpus-per-job", "4",
         "--max-retries", "5", "--exclusive-node", "--idle-s", "1.5"]
    )  # fmt: skip
    ex = make_executor(args, suite="quick")
    assert (ex.address, ex.cpus_per_job, ex.gpus_per_job) == ("auto", 4.0, None)
    assert (ex.max_retries, ex.exclusive_node, ex.idle_s, ex.suite) == (5, True, 1.5, "quick")
    default = make_executor(build_parser().parse_args(["run", "--executor", "ray"]))
    assert (default.address, default.cpus_per_job, default.max_retries) == (None, 1.0, 2)


def test_cli_ray_options_need_ray_executor(capsys: pytest.CaptureFixture[str]) -> None:
    from joulebench.cli.main import main

    assert main(["run", "--address", "auto", "--gpus-per-job", "1"]) != 0
    err = capsys.readouterr().err
    assert "--address, --gpus-per-job: meaningful only with --executor ray" in err
