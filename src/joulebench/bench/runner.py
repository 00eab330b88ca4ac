"""Run one job: load (measured), prepare inputs (not measured), warm up, then repetitions.

:func:`execute_job` is a pure function of its arguments (a :class:`JobSpec`, the idle
baseline, the environment snapshot, the carbon context): it can run in a worker process
and yields one :class:`RunRecord` per repetition as soon as that repetition ends, so a
sink can store it before the next starts. Anything that goes wrong inside the job (the
model does not load or does not fit the task, an image is corrupt, a column is missing,
out of memory) becomes a ``failed`` record carrying the error; the caller goes on.

One meter window per repetition, with one ``query`` phase around the whole query loop:
the per-query figure is that phase's energy divided by the number of queries. Latency is
timed per call with :func:`time.perf_counter`. When warm-up queries take at least
``RunnerSettings.phase_split_min_s`` (generation, diffusion), the meter's phase hook is
passed to the task runner so it can record ``query/prefill``, ``query/decode`` ...; for
fast queries the hook is a no-op, so phase bookkeeping never weighs on the figure.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from .. import __version__
from ..carbon.context import CarbonContext
from ..errors import DataError, JoulebenchError, UsageError
from ..measure.meter import Meter
from ..measure.results import IdleBaseline, Measurement
from ..measure.sensor import Sensor
from ..models.source import parse_model_spec
from ..quality import LabelMap
from ..stats import ci_half_width_pct, latency_summary
from ..tasks.base import BatchTaskRunner, LoadedTask, Prepared, TaskPlugin, no_phase
from .flops import count_mean_flops
from .quality_step import (
    JobReferences,
    check_labels,
    default_references_loader,
    outputs_for_store,
    score,
)
from .records import KIND_BENCHMARK, STATUS_FAILED, STATUS_OK, RunRecord, make_record, utc_now_iso
from .runner_util import batches, count_units, cycle, free_memory, phase_summary, set_threads
from .spec import MIN_ADAPTIVE_REPETITIONS, JobSpec

PRODUCER = f"joulebench {__version__}"
# How each internal stage reads in the progress display.
STAGE_WORDS = {
    "task": "starting",
    "inputs": "loading inputs",
    "load": "loading the model",
    "prepare": "preparing inputs",
    "warmup": "warming up",
    "count flops": "counting FLOPs",
    "references": "reading references",
}


def _default_task_loader(name: str) -> TaskPlugin:
    from ..tasks.catalog import get_task

    return get_task(name)


def _default_rows_loader(spec: str, **kwargs: Any) -> Any:
    from ..data.sources import load_rows  # lazy: datasets/PIL only when a job runs

    return load_rows(spec, **kwargs)


class JobObserver(Protocol):
    """Told what a job is doing (a progress display)."""

    def stage(self, text: str) -> None: ...
    def note(self, text: str) -> None: ...


@dataclass(frozen=True)
class RunnerSettings:
    """How the runner behaves; picklable so a worker gets the same settings."""

    phase_split: str = "auto"  # "auto" | "on" | "off": pass the meter's phase hook to run()
    phase_split_min_s: float = 0.05  # auto: split when the median warm-up query takes this long
    sync_cuda: bool | None = None
    scope: str = "machine"  # the model sensors' scope (measure.sensor.SCOPES); recorded
    count_flops: bool = True  # count one query's FLOPs after warm-up (bench.flops), unmeasured
    task_loader: Callable[[str], TaskPlugin] = field(default=_default_task_loader)
    rows_loader: Callable[..., Any] = field(default=_default_rows_loader)
    references_loader: Callable[[JobSpec, Any], JobReferences | None] = field(
        default=default_references_loader
    )


def validate_job(job: JobSpec, settings: RunnerSettings | None = None) -> None:
    """Check the job before anything runs: unknown task or model, an option the task
    does not declare (or of the wrong type), a batch on a task that runs one input at a time.

    Raises :class:`UsageError` (with suggestions) so a typo costs nothing.
    """
    settings = settings or RunnerSettings()
    spec = settings.task_loader(job.task).SPEC
    parse_model_spec(job.model)
    spec.bind_options(job.options_dict)
    if job.batch_size > 1 and not spec.batched:
        from ..tasks.catalog import batched_tasks

        raise UsageError(
            f"--batch-size {job.batch_size}: task {job.task} runs one input at a time",
            hint="use --batch-size 1; tasks that batch: " + ", ".join(batched_tasks()),
        )


def is_out_of_memory(exc: BaseException) -> bool:
    if type(exc).__name__ == "OutOfMemoryError":  # torch.OutOfMemoryError / cuda variant
        return True
    return isinstance(exc, RuntimeError | MemoryError) and (
        isinstance(exc, MemoryError) or "out of memory" in str(exc).lower()
    )


MAX_ERROR_CHARS = 2000  # of another library's message; the traceback is stored apart


def describe_error(exc: BaseException) -> str:
    """The whole error, as stored in a failed record and printed at the end of a run:
    ``ModelError: <message>`` (``out of memory: ...``), every line of it, and for a
    :class:`~joulebench.errors.JoulebenchError` its hint (the way out) on a last line,
    ``hint: ...``. A very long message is cut at :data:`MAX_ERROR_CHARS`."""
    msg = str(exc).strip()
    if len(msg) > MAX_ERROR_CHARS:
        msg = msg[:MAX_ERROR_CHARS].rstrip() + " ... (cut; the traceback is stored)"
    if is_out_of_memory(exc):
        text = f"out of memory: {msg or type(exc).__name__}"
    else:
        text = f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__
    hint = exc.hint if isinstance(exc, JoulebenchError) else None
    return f"{text}\nhint: {hint}" if hint else text


class _Job:
    """State of one job while it runs (keeps execute_job readable)."""

    def __init__(
        self,
        job: JobSpec,
        *,
        baseline: IdleBaseline | Mapping[str, float] | None,
        env: Mapping[str, Any],
        carbon: CarbonContext | None,
        suite: str | None,
        sensors: Sequence[Sensor],
        settings: RunnerSettings,
    ) -> None:
        self.job = job
        if baseline is not None and not isinstance(baseline, IdleBaseline):
            baseline = IdleBaseline.given(baseline)
        self.baseline = baseline
        self.env = dict(env)
        self.carbon = carbon
        self.suite = suite
        self.sensors = list(sensors)
        self.settings = settings
        self.observer: JobObserver | None = None
        self._stage = "setup"
        self.config: dict[str, Any] = job.to_dict()
        self.config["scope"] = settings.scope
        self.loaded: LoadedTask | None = None
        self.batched = False  # the task's SPEC.batched: its runner has run_batch
        self.fingerprint: str | None = None
        self.references: JobReferences | None = None
        self.labels: LabelMap | None = None

    @property
    def stage(self) -> str:
        return self._stage

    @stage.setter
    def stage(self, name: str) -> None:
        """Where the job is (stored with a failure); shown live through the observer."""
        self._stage = name
        if self.observer is not None:
            words = STAGE_WORDS.get(name)
            if words is None and name.startswith("repetition "):
                rep = int(name.split()[1])
                words = f"repetition {rep + 1}/{self.job.repetitions}"
            self.observer.stage(words or name)

    def meter(self) -> Meter:
        return Meter(
            self.sensors,
            baseline=self.baseline,
            scope=self.settings.scope,
            sync_cuda=self.settings.sync_cuda,
        )

    def record(self, **kw: Any) -> RunRecord:
        job = self.job
        return make_record(
            kind=KIND_BENCHMARK,
            task=job.task,
            model=job.model,
            dataset=job.dataset,
            suite=self.suite,
            job_key=job.job_key,
            n_queries=job.n_queries,
            parameters=self.loaded.parameters if self.loaded is not None else None,
            config=self.config,
            environment=self.env,
            carbon=self.carbon,
            input_fingerprint=self.fingerprint,
            producer=PRODUCER,
            **kw,
        )

    def failed(self, exc: BaseException, started_at: str, repetition: int | None) -> RunRecord:
        return self.record(
            status=STATUS_FAILED,
            started_at=started_at,
            measurement=None,
            repetition=repetition,
            error=describe_error(exc),
            extra={
                "stage": self.stage,
                "traceback": "".join(traceback.format_exception(exc)[-6:]),
            },
        )


def execute_job(
    job: JobSpec,
    *,
    baseline: IdleBaseline | Mapping[str, float] | None = None,
    env: Mapping[str, Any] | None = None,
    carbon: CarbonContext | None = None,
    suite: str | None = None,
    sensors: Sequence[Sensor] | None = None,
    start_repetition: int = 0,
    on_queries: Callable[[int], None] | None = None,
    settings: RunnerSettings | None = None,
    observer: JobObserver | None = None,
) -> Iterator[RunRecord]:
    """Run ``job``; yield one record per repetition (or one failed record) as it finishes.

    ``baseline``: the session's idle baseline (or idle watts per sensor source).
    ``sensors``: the session's sensors; ``None`` uses this process's shared discovery
    for ``settings.scope`` (a worker process). ``start_repetition``: repetitions already stored
    (``--resume``); only ``job.repetitions - start_repetition`` more are run.
    ``on_queries(n)`` is called as queries finish (progress bars); ``observer.stage(words)``
    as the job moves on (loading the model, warming up, repetition r/R) and
    ``observer.note(line)`` for what the user should know (e.g. rows that repeat).
    KeyboardInterrupt propagates: repetitions already yielded are kept by the caller.
    """
    settings = settings or RunnerSettings()
    job = job.resolved()
    if sensors is None:
        sensors = Meter(scope=settings.scope).sensors
    state = _Job(
        job,
        baseline=baseline,
        env=env or {},
        carbon=carbon,
        suite=suite,
        sensors=sensors,
        settings=settings,
    )
    try:
        state.observer = observer
        yield from _run(state, start_repetition, on_queries)
    finally:
        state.loaded = None
        free_memory()


def _prepare(state: _Job) -> tuple[list[Prepared], dict[str, Any]]:
    """Inputs first (cheap to fail), then the model (measured "load"), then preparation."""
    job = state.job
    state.stage = "task"
    task = state.settings.task_loader(job.task)
    source = parse_model_spec(job.model)
    options = task.SPEC.bind_options(job.options_dict)
    state.stage = "inputs"
    sample = state.settings.rows_loader(
        job.dataset,
        task=task.SPEC,
        column=job.column,
        n=job.n_queries,
        split=job.split,
        config=job.config,
        **({"data_files": job.data_files} if job.data_files is not None else {}),
    )
    rows = list(sample.rows)
    if not rows:
        raise DataError(f"dataset {job.label!r} gave no rows", hint="check --split and --column")
    state.fingerprint = sample.fingerprint
    state.config["input"] = {
        "name": sample.name,
        "source": sample.source,
        "licence": sample.licence,
        "rows": len(rows),
        "cycled": len(rows) < job.n_queries,
    }
    if len(rows) < job.n_queries and state.observer is not None:
        state.observer.note(
            f"note: {job.label} has {len(rows)} row(s), fewer than -n {job.n_queries}: "
            f"rows repeat (each about {job.n_queries / len(rows):.3g} times); the run records "
            "it (config.input.cycled)"
        )
    state.stage = "references"
    state.references = refs = state.settings.references_loader(job, task.SPEC)
    if refs is not None:
        state.config["references"] = {"column": refs.column.column, "source": refs.column.source}
    if job.threads is not None:
        set_threads(job.threads)
        state.config["threads"] = job.threads
    setup: dict[str, Any] = {}
    state.stage = "load"
    meter = state.meter()
    with meter:
        with meter.phase("load"):
            state.loaded = loaded = task.load(
                source,
                device=job.device,
                dtype=job.dtype,
                trust_remote_code=job.trust_remote_code,
                **options,
            )
        state.stage = "prepare"
        runner = loaded.runner
        state.labels = check_labels(job, runner, refs)  # a label mismatch: before any query
        prepared = [runner.prepare(r) for r in rows]
        state.stage = "warmup"
        warm: list[float] = []
        if job.warmup:
            with meter.phase("warmup"):
                for p in cycle(prepared, job.warmup):
                    t0 = time.perf_counter()
                    runner.run(p, no_phase)
                    warm.append(time.perf_counter() - t0)
    setup["setup"] = phase_summary(meter)
    setup["warmup_latencies_s"] = warm
    if state.settings.count_flops:  # outside every meter window: a few unmeasured queries
        state.stage = "count flops"
        queried = cycle(prepared, job.n_queries)
        setup["flops"] = count_mean_flops(runner, queried, device=job.device)
    state.config["model_info"] = dict(loaded.info)
    state.config["model_label"] = loaded.model_label
    state.config["preprocessing"] = task.SPEC.preprocessing
    state.batched = task.SPEC.batched
    return prepared, setup


def measure_repetition(
    meter: Meter,
    run: Callable[[Any, Any], Any],
    items: Sequence[Any],
    *,
    split: bool = False,
    on_queries: Callable[[int], None] | None = None,
    per_call: int = 1,
) -> tuple[Measurement, list[float], list[Any]]:
    """One repetition: one meter window, one ``query`` phase around the whole loop.

    Returns the measurement, each call's latency (s, ``perf_counter``) and the results.
    With ``split`` the meter's phase hook goes to ``run`` (``query/prefill`` ...).
    """
    latencies: list[float] = []
    results: list[Any] = []
    append_latency, append_result = latencies.append, results.append
    clock = time.perf_counter
    with meter:
        hook = meter.phase if split else no_phase
        with meter.phase("query"):
            for item in items:
                t0 = clock()
                result = run(item, hook)
                append_latency(clock() - t0)
                append_result(result)
                if on_queries is not None:
                    on_queries(per_call)
    assert meter.result is not None
    return meter.result, latencies, results


def _split_phases(settings: RunnerSettings, warm: list[float]) -> bool:
    if settings.phase_split == "on":
        return True
    if settings.phase_split == "off" or not warm:
        return False
    return sorted(warm)[len(warm) // 2] >= settings.phase_split_min_s


def _run(
    state: _Job, start_repetition: int, on_queries: Callable[[int], None] | None
) -> Iterator[RunRecord]:
    job = state.job
    started_at = utc_now_iso()
    try:
        prepared, setup = _prepare(state)
    except Exception as exc:
        yield state.failed(exc, started_at, None)
        return
    assert state.loaded is not None
    runner = state.loaded.runner
    items: list[Any] = cycle(prepared, job.n_queries)
    per_call = 1
    run: Callable[[Any, Any], Any]
    if job.batch_size > 1:
        if not state.batched:  # its spec does not promise run_batch
            error = UsageError(f"the {job.task} runner takes one input at a time; use batch size 1")
            yield state.failed(error, started_at, None)
            return
        run = cast(BatchTaskRunner, runner).run_batch  # SPEC.batched promises it
        items = batches(items, job.batch_size)
        per_call = job.batch_size
    else:
        run = runner.run
    split = _split_phases(state.settings, setup["warmup_latencies_s"])
    energies: list[float] = []
    quality: dict[str, Any] = {}
    first = True
    for rep in range(start_repetition, job.repetitions):
        state.stage = f"repetition {rep}"
        rep_started = utc_now_iso()
        try:
            measurement, latencies, results = measure_repetition(
                state.meter(), run, items, split=split, on_queries=on_queries, per_call=per_call
            )
        except Exception as exc:
            yield state.failed(exc, rep_started, rep)
            return
        query = measurement.phase("query")
        query_s = query.duration_s if query is not None else measurement.duration_s
        extra: dict[str, Any] = latency_summary(latencies, per_call)
        extra["queries_per_s"] = job.n_queries / query_s if query_s > 0 else None
        extra["calls"] = len(latencies)
        extra["phase_split"] = split
        extra["warmup_queries"] = job.warmup
        extra.update(setup.get("flops", {}))
        if first:
            extra["load"] = setup["setup"]  # this process loaded the model once, for these reps
            if state.references is not None:
                try:
                    quality = score(job, state.references, state.labels, results)
                except Exception as exc:  # a metric that cannot score these outputs
                    quality = {"quality_error": describe_error(exc)}
            if job.keep_outputs:
                extra["outputs"] = outputs_for_store(state.references, results)
            first = False
        if state.references is not None:
            extra.update(quality)
        energy = query.energy_j if query is not None else None
        energies.append(energy / job.n_queries if energy is not None else query_s / job.n_queries)
        stop = False
        if job.adaptive_pct is not None:
            hw = ci_half_width_pct(energies)
            enough = len(energies) >= MIN_ADAPTIVE_REPETITIONS
            stop = enough and hw is not None and hw <= job.adaptive_pct
            extra["adaptive"] = {
                "target_pct": job.adaptive_pct,
                "half_width_pct": hw,
                "basis": "energy" if energy is not None else "duration",
                "converged": stop,
            }
        yield state.record(
            status=STATUS_OK,
            started_at=rep_started,
            measurement=measurement,
            repetition=rep,
            units=count_units(results),
            extra=extra,
        )
        if stop:
            return


__all__ = [
    "RunnerSettings",
    "execute_job",
    "is_out_of_memory",
    "measure_repetition",
    "validate_job",
]
