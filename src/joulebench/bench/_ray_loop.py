"""The driver loop of :class:`~joulebench.bench.ray_executor.RayExecutor`.

Submits one Ray task per job as a **streaming generator** (``num_returns="streaming"``):
the worker yields one record per repetition as it ends, ``ray.wait`` over the
generators wakes the driver for each, and the record goes to the sink at once, so a
worker that dies keeps every repetition it finished. A job whose task raised or whose
worker died is resubmitted starting after its last stored repetition; on Ctrl-C (or any
error, e.g. from the sink) what is still running is cancelled.

The loop talks to its executor through :class:`LoopHost` (public members only), and
owns the small records both share (:class:`NodeInfo`, :class:`Shape`, :class:`Attempt`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from .executor import Progress, Sink, Summary
from .ray_worker import NodeProbe, SensorFactory, run_job
from .record_parts import parts_of
from .records import STATUS_OK, RunRecord
from .runner import RunnerSettings, describe_error
from .spec import JobSpec

WAIT_TIMEOUT_S = 1.0  # ray.wait wakes up this often so Ctrl-C is seen promptly


@dataclass(frozen=True)
class NodeInfo:
    node_id: str
    hostname: str
    cpus: float
    gpus: float


@dataclass(frozen=True)
class Shape:
    """Resources one job asks for."""

    cpus: float
    gpus: float


@dataclass
class Attempt:
    index: int
    job: JobSpec
    done: int  # repetitions already stored (before and during this run)
    attempt: int = 0
    node_id: str | None = None  # exclusive-node placement
    errors: list[str] = field(default_factory=list)
    queries: int = 0  # measured queries stored by this run (progress)


class LoopHost(Protocol):
    """What the loop needs of its executor."""

    @property
    def ray(self) -> Any: ...

    progress: Progress
    exclusive_node: bool
    max_retries: int
    carbon: Any
    suite: str | None
    settings: RunnerSettings
    sensor_factory: SensorFactory | None

    def nodes(self) -> list[NodeInfo]: ...
    def eligible(self, job: JobSpec, nodes: Sequence[NodeInfo]) -> list[NodeInfo]: ...
    def shape(self, job: JobSpec, node: NodeInfo | None = None) -> Shape: ...
    def probe(self, nodes: Sequence[NodeInfo]) -> dict[str, NodeProbe]: ...
    def failed_record(self, att: Attempt, exc: BaseException) -> RunRecord: ...
    def attribute(self, record: RunRecord, nodes: Mapping[str, NodeInfo]) -> RunRecord: ...


class Loop:
    def __init__(self, ex: LoopHost, nodes: list[NodeInfo], sink: Sink, summary: Summary) -> None:
        self.ex = ex
        self.ray: Any = ex.ray
        self.nodes = {n.node_id: n for n in nodes}
        self.sink = sink
        self.summary = summary
        self.pending: dict[Any, Attempt] = {}  # streaming generator -> its attempt
        self.placed: dict[str, int] = dict.fromkeys(self.nodes, 0)  # exclusive-node queues
        self.remote: Any = None
        self.probes: Any = None

    def run(self, todo: list[Attempt]) -> None:
        ex, ray = self.ex, self.ray
        self.probes = ray.put(ex.probe(list(self.nodes.values())))
        self.remote = ray.remote(run_job)
        sizes = [(a.job, a.job.n_queries * (a.job.repetitions - a.done)) for a in todo]
        ex.progress.start(sum(q for _, q in sizes), len(todo), sizes)
        try:
            for att in todo:
                self.submit(att)
            self.summary.jobs_run = len(todo)
            while self.pending:
                ready, _ = ray.wait(list(self.pending), num_returns=1, timeout=WAIT_TIMEOUT_S)
                for gen in ready:
                    self.step(gen)
        except KeyboardInterrupt:
            self.summary.interrupted = True
        finally:
            self.cancel()
            ex.progress.close()

    def submit(self, att: Attempt) -> None:
        ex = self.ex
        options: dict[str, Any] = {
            "max_retries": 0, "retry_exceptions": False, "num_returns": "streaming",
        }  # fmt: skip
        node = None
        if ex.exclusive_node:
            if att.attempt > 0:  # a node may have died: place it again among the living
                self.nodes = {n.node_id: n for n in ex.nodes()}
                self.placed = {k: self.placed.get(k, 0) for k in self.nodes}
            from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

            node = min(
                ex.eligible(att.job, list(self.nodes.values())),
                key=lambda n: self.placed[n.node_id],
            )
            att.node_id = node.node_id
            self.placed[node.node_id] += 1
            options["scheduling_strategy"] = NodeAffinitySchedulingStrategy(
                node.node_id, soft=False
            )
        shape = ex.shape(att.job, node)
        gen = self.remote.options(num_cpus=shape.cpus, num_gpus=shape.gpus, **options).remote(
            att.job, start_repetition=att.done, attempt=att.attempt, probes=self.probes,
            carbon=ex.carbon, suite=ex.suite, settings=ex.settings,
            sensor_factory=ex.sensor_factory,
        )  # fmt: skip
        self.pending[gen] = att

    def step(self, gen: Any) -> None:
        """The next record of a ready generator: store it, or end or retry its job."""
        att = self.pending[gen]
        try:
            ref = next(gen)
        except StopIteration:
            self._finish(gen, att)
            return
        try:
            record = self.ray.get(ref)
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # task raised, worker or node died, task unschedulable
            self._finish(gen, att)
            att.errors.append(describe_error(getattr(exc, "cause", None) or exc))
            if att.done < att.job.repetitions and att.attempt < self.ex.max_retries:
                att.attempt += 1
                self.submit(att)  # starts after the last stored repetition
                return
            self._store(att, self.ex.failed_record(att, exc))
            return
        self._store(att, record)
        if record.status == STATUS_OK and record.repetition is not None:
            att.done = max(att.done, record.repetition + 1)

    def _finish(self, gen: Any, att: Attempt) -> None:
        self.pending.pop(gen, None)
        if att.node_id is not None:
            self.placed[att.node_id] = max(0, self.placed.get(att.node_id, 1) - 1)

    def _store(self, att: Attempt, record: RunRecord) -> None:
        placement = parts_of(record).placement
        node_id = None if placement is None else placement.node_id
        if node_id is not None and str(node_id) not in self.nodes:
            self.nodes.update({n.node_id: n for n in self.ex.nodes()})  # a node joined
        record = self.ex.attribute(record, self.nodes)
        self.sink(record)
        self.summary.records.append(record)
        queries = (record.n_queries or 0) if record.measurement is not None else 0
        if att.queries == 0:  # the job's first record: its bar (index as given to start())
            left = att.job.n_queries * (att.job.repetitions - att.done)
            self.ex.progress.job(att.index, att.job, left)
        att.queries += queries
        self.ex.progress.advance(queries)

    def cancel(self) -> None:
        for gen in self.pending:
            with contextlib.suppress(Exception):
                self.ray.cancel(gen, force=True)
        self.pending.clear()
