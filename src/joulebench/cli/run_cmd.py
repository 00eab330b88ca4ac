"""``joulebench run``: a suite (default ``quick``) or one job, stored as it runs.

Each repetition's record is written to the store the moment it finishes, so Ctrl-C or a
crash loses at most the repetition in progress; ``--resume`` runs only what is missing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from ..errors import UsageError, closest
from . import _format
from ._ray import add_ray_options, check_ray_args
from .common import (
    add_carbon_options,
    add_sensor_options,
    carbon_from_args,
    check_seconds,
    sensor_settings,
)
from .executors import EXECUTORS, ExecutorContext

DESCRIPTION = """\
Run a benchmark suite (default: quick, every task offline in minutes) or a single job
(--task, --model and --dataset together), measuring the energy of each repetition's query
phase. Results go to the store (--db) as each repetition finishes.

examples:
  joulebench run
  joulebench run --suite paper --dry-run
  joulebench run --task text-classification --model distilbert-base-uncased-finetuned-sst-2-english \\
      --dataset imdb --split test -n 1000 -r 10
  joulebench run --task summarization --model random:sshleifer/distilbart-xsum-12-6 \\
      --dataset offline:text -n 20 -r 3 --scope process

tasks: text-classification, token-classification, question-answering, fill-mask,
  text-generation, summarization, image-classification, object-detection, image-to-text,
  text-to-image, sentence-similarity, automatic-speech-recognition (and plugins: see
  `joulebench doctor`); `joulebench suites` lists the suites
"""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "run",
        help="run a benchmark suite or one job (default: the quick suite)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    what = p.add_argument_group("what to run")
    what.add_argument("--suite", help="a suite name (see `joulebench suites`) or a .toml file")
    what.add_argument("--task", help="one job: the task (with --model and --dataset)")
    what.add_argument("--model", help="one job: Hub id, local directory or random:<study model>")
    what.add_argument("--dataset", help="one job: Hub id (cached ones work offline), a local file, "
                      "a folder of data files or a glob, an image or audio folder, or "
                      "offline:text|qa|sentence-pairs|photos|prompts|audio")
    what.add_argument("--column", help="dataset column(s) to read (default: the task's)")
    what.add_argument("--label-column", metavar="COLUMN",
                      help="the references for quality (accuracy, F1, ROUGE-L, entity F1); "
                           "default: the known column of the study's datasets")
    what.add_argument("--keep-outputs", action="store_true",
                      help="store each query's output (export with `export --format jsonl`)")
    what.add_argument("--split", help="dataset split")
    what.add_argument("--config", dest="dataset_config", metavar="NAME", help="dataset config name")
    what.add_argument("--data-files", metavar="GLOB",
                      help="only these files of a dataset folder or Hub repo, e.g. 'data/test-*.parquet'")
    what.add_argument("--tasks", help="only these tasks of the suite (comma-separated)")
    what.add_argument("--limit-jobs", type=int, metavar="N", help="only the first N jobs")
    how = p.add_argument_group("how")
    how.add_argument("-n", "--queries", type=int, dest="n_queries", metavar="N",
                     help="queries per repetition (default: the suite's; single job 10)")
    how.add_argument("-r", "--repetitions", type=int, metavar="R",
                     help="repetitions per job (default: the suite's; single job 2)")
    how.add_argument("--warmup", type=int, metavar="N",
                     help="unmeasured warm-up queries (default: the suite's; single job 1)")
    how.add_argument("--batch-size", type=int, metavar="B", help="inputs per call (text tasks, image classification)")
    how.add_argument("--device", help="cpu, cuda or auto (default: the suite's, auto)")
    how.add_argument("--threads", type=int, metavar="N", help="torch CPU threads (default: torch's)")
    how.add_argument("--dtype", help="float32 (default), float16 or bfloat16 (fp32, fp16, bf16)")
    how.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                     help="task option, e.g. num_inference_steps=4 (repeatable)")
    how.add_argument("--adaptive", type=float, metavar="PCT",
                     help="stop repeating once the 95%% CI half-width of energy/query is within "
                          "PCT%% of the mean (at least 3 repetitions; -r is the maximum)")
    how.add_argument("--idle-s", type=float, default=2.0, metavar="S",
                     help="seconds of idle power measured once before the run (0: none); "
                          "gives energy net of idle (default 2)")
    how.add_argument("--trust-remote-code", action="store_true", default=None,
                     help="allow models whose code lives on the Hub")
    how.add_argument("--executor", default="local", metavar="NAME",
                     help="where jobs run: local (default), ray, or a plugin's executor")
    how.add_argument("--resume", action="store_true",
                     help="skip repetitions the store already holds for the same job")
    how.add_argument("--dry-run", action="store_true", help="list the jobs and a rough cost; run nothing")
    how.add_argument("--no-progress", action="store_true", help="no progress bars")
    how.add_argument("--verbose", action="store_true",
                     help="let other libraries' warnings, logs and progress bars through")
    add_carbon_options(p)
    add_sensor_options(p)
    add_ray_options(p)
    p.set_defaults(func=run)


def _parse_option(text: str) -> tuple[str, Any]:
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise UsageError(f"--option {text!r}: expected KEY=VALUE")
    value: Any = raw
    if raw.lower() in ("true", "false"):
        value = raw.lower() == "true"
    else:
        for cast in (int, float):
            try:
                value = cast(raw)
                break
            except ValueError:
                pass
    return key, value


def build_jobs(args: argparse.Namespace) -> tuple[list[Any], str | None]:
    """The jobs this invocation asks for, with CLI overrides applied; and the suite name."""
    from ..bench.spec import JobSpec
    from ..bench.suite import DEFAULT_SUITE, load_suite
    from ..tasks.catalog import task_names

    single = [args.task, args.model, args.dataset]
    if any(single):
        if not all(single):
            raise UsageError(
                "one job needs --task, --model and --dataset together",
                hint="or name a suite: joulebench run --suite quick",
            )
        if args.suite:
            raise UsageError("give --suite or a single job (--task/--model/--dataset), not both")
        jobs = [JobSpec(task=args.task, model=args.model, dataset=args.dataset, device="auto")]
        suite_name = None
    else:
        suite = load_suite(args.suite or DEFAULT_SUITE)
        jobs, suite_name = suite.jobs(), suite.name
    if args.tasks:
        wanted = [t.strip() for t in args.tasks.split(",") if t.strip()]
        known = task_names()
        for t in wanted:
            if t not in known:
                raise UsageError(f"unknown task {t!r}{closest(t, known)}",
                                 hint="valid tasks: " + ", ".join(known))
        jobs = [j for j in jobs if j.task in wanted]
    options = dict(_parse_option(o) for o in args.option)
    jobs = [
        j.with_overrides(
            column=args.column, split=args.split, config=args.dataset_config,
            data_files=args.data_files,
            n_queries=args.n_queries, repetitions=args.repetitions, warmup=args.warmup,
            batch_size=args.batch_size, device=args.device, dtype=args.dtype,
            adaptive_pct=args.adaptive, trust_remote_code=args.trust_remote_code,
            label_column=args.label_column, threads=args.threads,
            keep_outputs=True if args.keep_outputs else None,
            options={**j.options_dict, **options} if options else None,
        )
        for j in jobs
    ]
    if args.limit_jobs is not None:
        if args.limit_jobs < 1:
            raise UsageError(f"--limit-jobs must be >= 1, got {args.limit_jobs}")
        jobs = jobs[: args.limit_jobs]
    if not jobs:
        raise UsageError("no jobs to run", hint="check --tasks against the suite's tasks")
    return jobs, suite_name


def dry_run(jobs: Sequence[Any], suite_name: str | None) -> str:
    from ..bench.estimate import estimate_job, guess_device
    from ..bench.spec import count_jobs

    c = count_jobs(list(jobs))
    rows, total_s, total_j = [], 0.0, 0.0
    for i, j in enumerate(jobs, 1):
        device = guess_device(j.device)
        est = estimate_job(j, device)
        total_s += est.seconds
        total_j += est.energy_j
        rows.append([str(i), j.task, j.model, j.label, f"{j.n_queries}x{j.repetitions}",
                     device, _duration(est.seconds)])
    lines = [
        _format.table(["#", "task", "model", "dataset", "queries x reps", "device", "est. time"],
                      rows, right=(0, 4, 6)),
        "",
        f"suite {suite_name or '(single job)'}: {c.jobs} jobs, {c.models} models, "
        f"{c.datasets} datasets, {len(c.tasks)} tasks, {c.queries:,} measured queries",
        f"estimated cost: about {_duration(total_s)} and {total_j / 3.6e6:.3g} kWh "
        "(a rough per-task prior, not a measurement)",
    ]
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def run(args: argparse.Namespace) -> int:
    from ..bench.runner import validate_job
    from .common import db_path

    check_ray_args(args)
    executor = EXECUTORS.get(args.executor)  # an unknown name fails before anything runs
    jobs, suite_name = build_jobs(args)
    from ..data.references import check_label_column
    from ..tasks.catalog import get_task

    for job in jobs:
        validate_job(job)
        check_label_column(job.dataset, get_task(job.task).SPEC, job.label_column)
    from .preflight import preflight  # extras and dataset specs, before any measurement

    preflight(jobs, executor=args.executor, dry_run=args.dry_run)
    if args.dry_run:
        print(dry_run(jobs, suite_name))
        return 0
    check_seconds("--idle-s", args.idle_s)
    from ..bench.runner import RunnerSettings
    from ..measure.discovery import discover
    from ..measure.inventory import collect
    from ..measure.meter import Meter
    from ..store import Store
    from .quiet import library_output

    carbon = carbon_from_args(args)
    settings = sensor_settings(args)
    path = db_path(args)
    # Sensors and the idle baseline first: a bad setting or Ctrl-C here leaves no store.
    with discover(**settings) as discovery:
        sensors = list(discovery.sensors)
        baseline = None
        if args.idle_s > 0 and executor.local_baseline:  # ray: per node, on the node
            print(f"measuring {args.idle_s:g} s of idle power ...", file=sys.stderr)
            baseline = Meter(sensors, scope=settings["scope"]).measure_idle(args.idle_s)
            print(_format.wrap(_format.idle_line(baseline)), file=sys.stderr)
        print(_format.wrap(f"scope: {_format.scope_text(settings['scope'])}"), file=sys.stderr)
        with Store.open(path) as store, library_output(verbose=args.verbose) as hidden:
            summary, shown = _execute(
                args, jobs, suite_name, store, sensors=sensors, baseline=baseline,
                carbon=carbon, runner=RunnerSettings(scope=settings["scope"]), env=collect(sensors),
            )
    print(render(shown, carbon, path))
    if hidden.summary():
        print(_format.wrap(hidden.summary() or ""), file=sys.stderr)
    return _finish(summary, path)


def _execute(
    args: argparse.Namespace, jobs: Sequence[Any], suite_name: str | None, store: Any, *,
    sensors: Sequence[Any], baseline: Any, carbon: Any, runner: Any, env: Any,
) -> tuple[Any, list[Any]]:
    from .progress import progress_for

    context = ExecutorContext(
        settings=runner, carbon=carbon, suite=suite_name, progress=progress_for(args),
        sensors=sensors, baseline=baseline, env=env,
    )
    executor = EXECUTORS.get(args.executor).create(args, context)
    resume = (lambda j: store.completed_repetitions(j.job_key)) if args.resume else None
    summary = executor.run(jobs, store.write_run, resume_filter=resume)
    shown = list(summary.ok)
    if summary.jobs_skipped:
        keys = {j.resolved().job_key for j in jobs}
        seen = {r.run_id for r in shown}
        shown += [r for r in store.runs(status="ok") if r.job_key in keys and r.run_id not in seen]
    return summary, shown


def _finish(summary: Any, path: str) -> int:
    if summary.jobs_skipped:
        print(f"resume: {summary.jobs_skipped} job(s) already complete in the store, skipped")
    for r in summary.failures:
        where = f"repetition {r.repetition}" if r.repetition is not None else r.extra.get("stage")
        print(_format.wrap(f"failed: {r.task} {r.model} {r.dataset} ({where}): {r.error}"),
              file=sys.stderr)
    if summary.interrupted:
        kept = len(summary.ok)
        print(_format.wrap(f"interrupted: kept {kept} finished repetition(s) in {path}; "
              "run the same command with --resume to finish"), file=sys.stderr)
        return 130
    if summary.failures:
        print(f"{len(summary.failures)} job(s) failed; the others' results are stored",
              file=sys.stderr)
        return 1
    return 0


def render(records: Sequence[Any], carbon: Any, path: str) -> str:
    """The end-of-run summary: a view in ``report/`` over the report's own aggregates."""
    from ..report.terminal import run_summary

    return run_summary(records, carbon, path)
