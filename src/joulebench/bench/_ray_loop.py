"""The driver loop of :class:`~joulebench.bench.ray_executor.RayExecutor`.

Submits one Ray task per job, waits with ``ray.wait``, gives each finished job's records
to the sink, resubmits a job whose task raised or whose worker died, and on Ctrl-C (or
any error, e.g. from the sink) cancels what is still running.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from .executor import Sink, Summary
from .ray_worker import run_job
from .runner import describe_error

if TYPE_CHECKING:
    from .ray_executor import NodeInfo, RayExecutor, _Attempt

WAIT_TIMEOUT_S = 1.0  # ray.wait wakes up this often so Ctrl-C is seen promptly


class Loop:
    def __init__(
        self, ex: RayExecutor, nodes: list[NodeInfo], sink: Sink, summary: Summary
    ) -> None:
        self.ex = ex
        self.ray: Any = ex._ray
        self.nodes = {n.node_id: n for n in nodes}
        self.sink = sink
        self.summary = summary
        self.pending: dict[Any, _Attempt] = {}
        self.placed: dict[str, int] = dict.fromkeys(self.nodes, 0)  # exclusive-node queues
        self.remote: Any = None
        self.probes: Any = None

    def run(self, todo: list[_Attempt]) -> None:
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
                for ref in ready:
                    self.collect(ref)
        except KeyboardInterrupt:
            self.summary.interrupted = True
        finally:
            self.cancel()
            ex.progress.close()

    def submit(self, att: _Attempt) -> None:
        ex = self.ex
        options: dict[str, Any] = {"max_retries": 0, "retry_exceptions": False}
        node = None
        if ex.exclusive_node:
            if att.attempt > 0:  # a node may have died: place it again among the living
                self.nodes = {n.node_id: n for n in ex.nodes()}
                self.placed = {k: self.placed.get(k, 0) for k in self.nodes}
            from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

            node = min(
                ex._eligible(att.job, list(self.nodes.values())),
                key=lambda n: self.placed[n.node_id],
            )
            att.node_id = node.node_id
            self.placed[node.node_id] += 1
            options["scheduling_strategy"] = NodeAffinitySchedulingStrategy(
                node.node_id, soft=False
            )
        shape = ex.shape(att.job, node)
        ref = self.remote.options(num_cpus=shape.cpus, num_gpus=shape.gpus, **options).remote(
            att.job, start_repetition=att.done, attempt=att.attempt, probes=self.probes,
            carbon=ex.carbon, suite=ex.suite, settings=ex.settings,
            sensor_factory=ex.sensor_factory,
        )  # fmt: skip
        self.pending[ref] = att

    def collect(self, ref: Any) -> None:
        att = self.pending.pop(ref)
        if att.node_id is not None:
            self.placed[att.node_id] = max(0, self.placed.get(att.node_id, 1) - 1)
        try:
            records = self.ray.get(ref)
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # task raised, worker or node died, task unschedulable
            att.errors.append(describe_error(getattr(exc, "cause", None) or exc))
            if att.attempt < self.ex.max_retries:
                att.attempt += 1
                self.submit(att)
                return
            records = [self.ex.failed_record(att, exc)]
        if any(str(r.extra.get("node_id")) not in self.nodes for r in records):
            self.nodes.update({n.node_id: n for n in self.ex.nodes()})  # a node joined
        queries = 0
        for record in records:
            record = self.ex.attribute(record, self.nodes)
            self.sink(record)
            self.summary.records.append(record)
            if record.measurement is not None:
                queries += record.n_queries or 0
        self.ex.progress.job(att.index, att.job, queries)  # index: as given to start()
        self.ex.progress.advance(queries)

    def cancel(self) -> None:
        for ref in self.pending:
            with contextlib.suppress(Exception):
                self.ray.cancel(ref, force=True)
        self.pending.clear()
