"""Executors run a list of jobs and hand every record to a sink as soon as it exists.

``Executor.run(jobs, sink, *, resume_filter) -> Summary`` is the whole interface; the
:class:`LocalExecutor` runs jobs one after another in this process. A Ray executor
ships :func:`joulebench.bench.runner.execute_job` calls to workers on the same terms.

``resume_filter(job)`` returns how many repetitions of ``job.job_key`` are already
stored: a job that has them all is skipped, one that has some runs only the rest.
Ctrl-C stops cleanly: records already given to the sink are kept, the summary says
``interrupted``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..carbon.context import CarbonContext
from ..measure.meter import Meter
from ..measure.results import IdleBaseline
from ..measure.sensor import Sensor
from .records import STATUS_OK, RunRecord
from .runner import RunnerSettings, execute_job
from .spec import JobSpec

Sink = Callable[[RunRecord], None]
ResumeFilter = Callable[[JobSpec], int]


@dataclass
class Summary:
    """What a run did. ``records`` holds this session's records, in order."""

    jobs_total: int
    jobs_run: int = 0
    jobs_skipped: int = 0  # already complete in the store (--resume)
    records: list[RunRecord] = field(default_factory=list)
    interrupted: bool = False
    wall_s: float = 0.0

    @property
    def ok(self) -> list[RunRecord]:
        return [r for r in self.records if r.status == STATUS_OK]

    @property
    def failures(self) -> list[RunRecord]:
        return [r for r in self.records if r.status != STATUS_OK]


class Executor(Protocol):
    def run(
        self,
        jobs: Sequence[JobSpec],
        sink: Sink,
        *,
        resume_filter: ResumeFilter | None = None,
    ) -> Summary: ...


class Progress(Protocol):
    def start(
        self, total_queries: int, n_jobs: int, jobs: Sequence[tuple[JobSpec, int]] = ()
    ) -> None: ...
    def job(self, index: int, job: JobSpec, queries: int) -> None: ...
    def advance(self, n: int) -> None: ...
    def close(self) -> None: ...


class NoProgress:
    def start(
        self, total_queries: int, n_jobs: int, jobs: Sequence[tuple[JobSpec, int]] = ()
    ) -> None:
        pass

    def job(self, index: int, job: JobSpec, queries: int) -> None:
        pass

    def advance(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


class TqdmProgress:
    """Two tqdm bars on stderr: the whole run (ETA overall) and the current job."""

    def __init__(self) -> None:
        self._all: Any = None
        self._job: Any = None

    def start(
        self, total_queries: int, n_jobs: int, jobs: Sequence[tuple[JobSpec, int]] = ()
    ) -> None:
        from tqdm import tqdm

        from .estimate import estimate_job, guess_device

        self._n_jobs = n_jobs
        # The overall bar counts estimated seconds (the dry-run prior), not queries, so its
        # ETA does not treat a 5 s image like a 20 ms classification.
        self._weights = [
            estimate_job(j, guess_device(j.device)).seconds / (j.n_queries * j.repetitions)
            for j, _ in jobs
        ]
        total = sum(w * q for w, (_, q) in zip(self._weights, jobs, strict=True))
        self._weight = 1.0
        self._all = tqdm(
            total=total or total_queries, desc="all jobs", file=sys.stderr, position=0,
            dynamic_ncols=True, leave=True,
            bar_format="{desc}: {percentage:3.0f}%|{bar}| [{elapsed}<{remaining}, rough ETA]",
        )  # fmt: skip

    def job(self, index: int, job: JobSpec, queries: int) -> None:
        from tqdm import tqdm

        if self._job is not None:
            self._job.close()
        self._weight = self._weights[index] if index < len(self._weights) else 1.0
        desc = f"[{index + 1}/{self._n_jobs}] {job.task} {job.model} {job.label}"
        self._job = tqdm(
            total=queries, desc=desc, unit="q", file=sys.stderr, position=1,
            dynamic_ncols=True, leave=False,
        )  # fmt: skip

    def advance(self, n: int) -> None:
        self._job.update(n)
        self._all.update(n * self._weight)

    def close(self) -> None:
        for bar in (self._job, self._all):
            if bar is not None:
                bar.close()
        self._job = self._all = None


def pending(
    jobs: Iterable[JobSpec], resume_filter: ResumeFilter | None, summary: Summary
) -> list[tuple[JobSpec, int]]:
    """The jobs still to run, each with the repetitions already stored (``--resume``).

    Jobs whose repetitions are all stored are counted in ``summary.jobs_skipped``.
    """
    todo: list[tuple[JobSpec, int]] = []
    for job in jobs:
        done = resume_filter(job) if resume_filter is not None else 0
        if done >= job.repetitions:
            summary.jobs_skipped += 1
        else:
            todo.append((job, done))
    return todo


class LocalExecutor:
    """Runs jobs one after another in this process, sharing sensors and the idle baseline."""

    def __init__(
        self,
        *,
        baseline: IdleBaseline | Mapping[str, float] | None = None,
        env: Mapping[str, Any] | None = None,
        carbon: CarbonContext | None = None,
        suite: str | None = None,
        sensors: Sequence[Sensor] | None = None,
        progress: Progress | None = None,
        settings: RunnerSettings | None = None,
    ) -> None:
        self.baseline = baseline
        self.env = env or {}
        self.carbon = carbon
        self.suite = suite
        self.sensors = sensors
        self.progress: Progress = progress or NoProgress()
        self.settings = settings or RunnerSettings()

    def run(
        self,
        jobs: Sequence[JobSpec],
        sink: Sink,
        *,
        resume_filter: ResumeFilter | None = None,
    ) -> Summary:
        t0 = time.monotonic()
        summary = Summary(jobs_total=len(jobs))
        todo = pending((job.resolved() for job in jobs), resume_filter, summary)
        sensors = self.sensors
        if sensors is None and todo:
            sensors = Meter(scope=self.settings.scope).sensors  # the shared discovery
        total = sum(j.n_queries * (j.repetitions - done) for j, done in todo)
        self.progress.start(
            total, len(todo), [(j, j.n_queries * (j.repetitions - d)) for j, d in todo]
        )
        try:
            for i, (job, done) in enumerate(todo):
                self.progress.job(i, job, job.n_queries * (job.repetitions - done))
                summary.jobs_run += 1
                for record in execute_job(
                    job,
                    baseline=self.baseline,
                    env=self.env,
                    carbon=self.carbon,
                    suite=self.suite,
                    sensors=sensors,
                    start_repetition=done,
                    on_queries=self.progress.advance,
                    settings=self.settings,
                ):
                    sink(record)
                    summary.records.append(record)
        except KeyboardInterrupt:
            summary.interrupted = True
        finally:
            self.progress.close()
            summary.wall_s = time.monotonic() - t0
        return summary
