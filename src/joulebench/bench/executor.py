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
    def stage(self, text: str) -> None: ...  # what the current job is doing
    def note(self, text: str) -> None: ...  # a line the user should read
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

    def stage(self, text: str) -> None:
        pass

    def note(self, text: str) -> None:
        print(text, file=sys.stderr)

    def close(self) -> None:
        pass


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
                    observer=self.progress,
                ):
                    sink(record)
                    summary.records.append(record)
        except KeyboardInterrupt:
            summary.interrupted = True
        finally:
            self.progress.close()
            summary.wall_s = time.monotonic() - t0
        return summary
