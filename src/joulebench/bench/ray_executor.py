"""Run jobs on a Ray cluster: one Ray task per job, records back to the driver's sink.

:class:`RayExecutor` has the :class:`~joulebench.bench.executor.Executor` interface.
Before anything is submitted it connects (a short reachability check first, so a wrong
``address`` fails in seconds), resolves ``device="auto"`` against the *cluster* (cuda
when it has GPUs), and refuses jobs that cannot be placed: GPU jobs on a GPU-less
cluster, or a per-job request larger than every node. Then a small probe task pinned
to each node measures that node's idle power once (reused as ``baseline=``) and its
inventory. Each job asks for ``gpus_per_job`` whole GPUs (default 1 for cuda jobs, so
two jobs never share a GPU) and ``cpus_per_job`` CPUs, or every CPU of a node with
``exclusive_node``. Measurement happens on the worker (:mod:`ray_worker`).

Each job's task is a Ray *streaming generator*: it yields one record per repetition as
that repetition ends, and the driver (``ray.wait`` over the generators) hands each record
to the sink at once (the CLI's sink writes the store: only the driver writes). A job
whose task raises or whose worker dies is resubmitted up to ``max_retries`` times,
starting after its last stored repetition (a crash at repetition 9 of 10 reruns only
repetition 9), then recorded as a ``failed`` record carrying the error. Ctrl-C cancels what is still
running (``ray.cancel(force=True)``) and keeps what finished.

CPU and RAM sensors cover a whole machine: when a node can run several jobs at once,
records say so in their placement part's ``attribution`` (machine-level); GPU energy is the job's own.
"""

from __future__ import annotations

import math
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from ..carbon.context import CarbonContext
from ..errors import ExecutorError
from ._ray_loop import Attempt, Loop, NodeInfo, Shape
from .executor import NoProgress, Progress, ResumeFilter, Sink, Summary, pending
from .ray_worker import NodeProbe, SensorFactory, probe_node
from .record_parts import parts_of
from .records import KIND_BENCHMARK, STATUS_FAILED, RunRecord, amend_record, make_record
from .runner import PRODUCER, RunnerSettings, describe_error
from .spec import JobSpec

INSTALL_HINT = "pip install 'joulebench[ray]'"
DEFAULT_MAX_RETRIES = 2
RAY_CLIENT_PORT = 10001
RAY_GCS_PORT = 6379


def import_ray() -> Any:
    """The ``ray`` module, or one clear :class:`ExecutorError` when it is not installed."""
    try:
        import ray
    except ImportError as exc:
        raise ExecutorError("Ray is not installed", hint=INSTALL_HINT) from exc
    return ray


def split_address(address: str) -> tuple[str, int]:
    """``host:port`` of a Ray address (``ray://`` client default 10001, GCS default 6379)."""
    rest = address
    port = RAY_GCS_PORT
    if "://" in address:
        scheme, rest = address.split("://", 1)
        port = RAY_CLIENT_PORT if scheme == "ray" else port
    rest = rest.rstrip("/")
    host, sep, tail = rest.rpartition(":")
    if not sep or not tail.isdigit():
        return rest.strip("[]"), port
    return host.strip("[]"), int(tail)


def check_reachable(address: str, timeout_s: float) -> None:
    """Fail fast (one line) when nothing listens at ``address``; ray.init can wait minutes."""
    host, port = split_address(address)
    where = "" if address == f"{host}:{port}" else f" ({host}:{port})"
    try:
        socket.create_connection((host, port), timeout=timeout_s).close()
    except OSError as exc:
        raise ExecutorError(
            f"cannot reach the Ray cluster at {address}{where}: {exc}",
            hint="start one with `ray start --head`, or check --address",
        ) from exc


def wants_gpu(job: JobSpec) -> bool:
    return job.device.startswith("cuda")


class RayExecutor:
    """Runs each job as a Ray task; the driver hands records to the sink as jobs finish."""

    def __init__(
        self,
        address: str | None = None,
        *,
        cpus_per_job: float = 1.0,
        gpus_per_job: float | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        exclusive_node: bool = False,
        init_kwargs: Mapping[str, Any] | None = None,
        idle_s: float = 0.0,
        carbon: CarbonContext | None = None,
        suite: str | None = None,
        progress: Progress | None = None,
        settings: RunnerSettings | None = None,
        sensor_factory: SensorFactory | None = None,
        connect_timeout_s: float = 5.0,
    ) -> None:
        if cpus_per_job <= 0 or (gpus_per_job is not None and gpus_per_job < 0):
            raise ExecutorError("--cpus-per-job must be > 0 and --gpus-per-job >= 0")
        if max_retries < 0:
            raise ExecutorError(f"--max-retries must be >= 0, got {max_retries}")
        self.address = address
        self.cpus_per_job = cpus_per_job
        self.gpus_per_job = gpus_per_job
        self.max_retries = max_retries
        self.exclusive_node = exclusive_node
        self.init_kwargs = dict(init_kwargs or {})
        self.idle_s = idle_s
        self.carbon = carbon
        self.suite = suite
        self.progress: Progress = progress or NoProgress()
        self.settings = settings or RunnerSettings()
        self.sensor_factory = sensor_factory
        self.connect_timeout_s = connect_timeout_s
        self.probe_errors: dict[str, str] = {}
        self._ray: Any = None
        self._owned = False

    # ------------------------------------------------------------------ cluster
    @property
    def ray(self) -> Any:
        """The ``ray`` module once connected (connects on first use)."""
        return self._ray if self._ray is not None else self.connect()

    def connect(self) -> Any:
        """Join (or start, when ``address`` is None) the cluster; idempotent."""
        ray = import_ray()
        self._ray = ray
        if ray.is_initialized():
            return ray
        if self.address not in (None, "auto"):
            check_reachable(self.address, self.connect_timeout_s)
        kwargs: dict[str, Any] = {"log_to_driver": False, **self.init_kwargs}
        if self.address is None:
            kwargs.setdefault("include_dashboard", False)
        try:
            ray.init(address=self.address, **kwargs)
        except (ConnectionError, TimeoutError, RuntimeError, ValueError) as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise ExecutorError(
                f"cannot connect to the Ray cluster at {self.address or 'a new local cluster'}: "
                f"{first}",
                hint="start one with `ray start --head`, or check --address",
            ) from exc
        self._owned = True
        return ray

    def close(self) -> None:
        """Shut Ray down if this executor started or joined it (not a caller's session)."""
        if self._owned and self._ray is not None:
            self._ray.shutdown()
        self._owned = False

    def nodes(self) -> list[NodeInfo]:
        ray = self._ray or self.connect()
        out = []
        for n in ray.nodes():
            if not n.get("Alive"):
                continue
            res = n.get("Resources", {})
            out.append(
                NodeInfo(
                    n["NodeID"],
                    n.get("NodeManagerHostname", "?"),
                    float(res.get("CPU", 0.0)),
                    float(res.get("GPU", 0.0)),
                )
            )
        if not out:
            raise ExecutorError("the Ray cluster has no alive nodes", hint="ray status")
        return out

    # --------------------------------------------------------------------- plan
    def shape(self, job: JobSpec, node: NodeInfo | None = None) -> Shape:
        gpus = self.gpus_per_job if self.gpus_per_job is not None else float(wants_gpu(job))
        cpus = node.cpus if self.exclusive_node and node is not None else self.cpus_per_job
        return Shape(cpus, gpus)

    def resolve(self, jobs: Sequence[JobSpec], nodes: Sequence[NodeInfo]) -> list[JobSpec]:
        """``device="auto"`` becomes cuda when the cluster has GPUs (not the driver)."""
        has_gpu = any(n.gpus > 0 for n in nodes)
        auto = "cuda" if has_gpu else "cpu"
        return [replace(j, device=auto) if j.device == "auto" else j for j in jobs]

    def check(self, jobs: Sequence[JobSpec], nodes: Sequence[NodeInfo]) -> None:
        """Refuse, before submitting anything, jobs that no node can run."""
        gpu_jobs = [j for j in jobs if self.shape(j).gpus > 0]
        if gpu_jobs and not any(n.gpus > 0 for n in nodes):
            raise ExecutorError(
                f"{len(gpu_jobs)} job(s) ask for a GPU but the Ray cluster has none "
                f"({len(nodes)} node(s), CPUs only)",
                hint="run them with --device cpu, or add GPU nodes (ray start --num-gpus N)",
            )
        for job in jobs:
            if not self.eligible(job, nodes):
                s = self.shape(job)
                raise ExecutorError(
                    f"a job asks for {s.cpus:g} CPU(s) and {s.gpus:g} GPU(s), more than any "
                    f"node has (largest: {max(n.cpus for n in nodes):g} CPUs, "
                    f"{max(n.gpus for n in nodes):g} GPUs)",
                    hint="lower --cpus-per-job / --gpus-per-job",
                )

    def eligible(self, job: JobSpec, nodes: Sequence[NodeInfo]) -> list[NodeInfo]:
        """The nodes with room for one ``job``."""
        fits = []
        for n in nodes:
            s = self.shape(job, n)
            if n.cpus >= s.cpus and n.gpus >= s.gpus:
                fits.append(n)
        return fits

    def concurrency(self, node: NodeInfo, shape: Shape) -> int:
        """How many jobs of ``shape`` the node can run at once (its CPU/RAM sharers)."""
        if self.exclusive_node:
            return 1
        n = math.floor(node.cpus / shape.cpus) if shape.cpus > 0 else math.inf
        if shape.gpus > 0:
            n = min(n, math.floor(node.gpus / shape.gpus))
        return max(1, int(n)) if n != math.inf else 1

    # ---------------------------------------------------------------------- run
    def run(
        self,
        jobs: Sequence[JobSpec],
        sink: Sink,
        *,
        resume_filter: ResumeFilter | None = None,
    ) -> Summary:
        t0 = time.monotonic()
        summary = Summary(jobs_total=len(jobs))
        try:
            self.connect()
            nodes = self.nodes()
            todo = [
                Attempt(i, job, done)
                for i, (job, done) in enumerate(
                    pending(self.resolve(jobs, nodes), resume_filter, summary)
                )
            ]
            self.check([a.job for a in todo], nodes)
            if todo:
                Loop(self, nodes, sink, summary).run(todo)
        finally:
            summary.wall_s = time.monotonic() - t0
            self.close()
        return summary

    # ----------------------------------------------------------------- helpers
    def probe(self, nodes: Sequence[NodeInfo]) -> dict[str, NodeProbe]:
        """Idle baseline and inventory of every node, by a task pinned to each."""
        ray = self.ray
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        remote = ray.remote(probe_node)
        refs = {
            n.node_id: remote.options(
                num_cpus=0, max_retries=1,
                scheduling_strategy=NodeAffinitySchedulingStrategy(n.node_id, soft=False),
            ).remote(self.idle_s, self.sensor_factory)
            for n in nodes
        }  # fmt: skip
        probes: dict[str, NodeProbe] = {}
        for node_id, ref in refs.items():
            try:
                probes[node_id] = ray.get(ref, timeout=self.idle_s + 300)
            except Exception as exc:  # a node without a probe runs jobs without a baseline
                self.probe_errors[node_id] = describe_error(exc)
        return probes

    def failed_record(self, att: Attempt, exc: BaseException) -> RunRecord:
        cause = getattr(exc, "cause", None) or exc
        job = att.job
        return make_record(
            kind=KIND_BENCHMARK, status=STATUS_FAILED, measurement=None, task=job.task, model=job.model,
            dataset=job.dataset, suite=self.suite, job_key=job.job_key,
            n_queries=job.n_queries, config=job.to_dict(), carbon=self.carbon,
            producer=PRODUCER, error=describe_error(cause),
            extra={"stage": "executor", "executor": "ray", "attempts": att.attempt + 1,
                   "errors": att.errors},
        )  # fmt: skip

    def attribute(self, record: RunRecord, nodes: Mapping[str, NodeInfo]) -> RunRecord:
        """Label CPU/RAM energy machine-level when the job's node was shared."""
        placement = parts_of(record).placement
        node = nodes.get(str(None if placement is None else placement.node_id))
        if node is None:
            return record
        job_device = str(record.config.get("device", "cpu"))
        shape = self.shape(replace_device(record, job_device), node)
        n = self.concurrency(node, shape)
        extra: dict[str, Any] = {"node_concurrency": n}
        extra["attribution"] = (
            f"machine-level: node shared with up to {n} concurrent jobs; CPU and RAM "
            "energy covers the whole machine"
            if n > 1
            else "node-exclusive: one job per node; CPU and RAM energy covers the machine"
        )
        if shape.gpus > 0:
            extra["gpu_attribution"] = (
                f"device-level: GPU(s) {record.extra.get('cuda_visible_devices')} held by "
                "this job"
            )
        return amend_record(record, **extra)


def replace_device(record: RunRecord, device: str) -> JobSpec:
    """A minimal JobSpec carrying the record's device (for :meth:`RayExecutor.shape`)."""
    return JobSpec(
        task=record.task or "?",
        model=record.model or "?",
        dataset=record.dataset or "?",
        device=device,
    )


__all__ = [
    "INSTALL_HINT",
    "NodeInfo",
    "RayExecutor",
    "check_reachable",
    "import_ray",
    "split_address",
]
