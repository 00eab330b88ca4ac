"""``joulebench run``: a suite (default ``quick``) or one job, stored as it runs.

Each repetition's record is written to the store the moment it finishes, so Ctrl-C or a
crash loses at most the repetition in progress; ``--resume`` runs only what is missing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from collections.abc import Sequence
from typing import Any

from ..errors import UsageError, closest
from . import _format
from ._ray import add_ray_options, check_ray_args, make_executor
from .common import (
    add_carbon_options,
    add_sensor_options,
    carbon_from_args,
    check_seconds,
    sensor_settings,
)

DESCRIPTION = """\
Run a benchmark suite (default: quick, every task offline in minutes) or a single job
(--task, --model and --dataset together), measuring the energy of each repetition's query
phase. Results go to the store (--db) as each repetition finishes.

examples:
  joulebench run
  joulebench run --suite paper --dry-run
  joulebench run --task text-classification --model distilbert-base-uncased-finetuned-sst-2-english \\
      --dataset imdb --split test -n 1000 -r 10
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
    what.add_argument("--dataset", help="one job: Hub id, local file or offline:text|qa|photos|prompts")
    what.add_argument("--column", help="dataset column(s) to read (default: the task's)")
    what.add_argument("--split", help="dataset split")
    what.add_argument("--config", dest="dataset_config", metavar="NAME", help="dataset config name")
    what.add_argument("--tasks", help="only these tasks of the suite (comma-separated)")
    what.add_argument("--limit-jobs", type=int, metavar="N", help="only the first N jobs")
    how = p.add_argument_group("how")
    how.add_argument("-n", "--queries", type=int, dest="n_queries", metavar="N", help="queries per repetition")
    how.add_argument("-r", "--repetitions", type=int, metavar="R", help="repetitions per job")
    how.add_argument("--warmup", type=int, metavar="N", help="unmeasured warm-up queries")
    how.add_argument("--batch-size", type=int, metavar="B", help="inputs per call (text tasks, image classification)")
    how.add_argument("--device", help="cpu, cuda or auto (default: the suite's, auto)")
    how.add_argument("--dtype", help="fp32, fp16 or bf16")
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
    how.add_argument("--executor", choices=("local", "ray"), default="local", help="where jobs run")
    how.add_argument("--resume", action="store_true",
                     help="skip repetitions the store already holds for the same job")
    how.add_argument("--dry-run", action="store_true", help="list the jobs and a rough cost; run nothing")
    how.add_argument("--no-progress", action="store_true", help="no progress bars")
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
            n_queries=args.n_queries, repetitions=args.repetitions, warmup=args.warmup,
            batch_size=args.batch_size, device=args.device, dtype=args.dtype,
            adaptive_pct=args.adaptive, trust_remote_code=args.trust_remote_code,
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
    from .main import db_path

    check_ray_args(args)
    jobs, suite_name = build_jobs(args)
    for job in jobs:
        validate_job(job)
    if args.dry_run:
        print(dry_run(jobs, suite_name))
        return 0
    check_seconds("--idle-s", args.idle_s)
    from ..bench.runner import RunnerSettings
    from ..measure.discovery import discover
    from ..measure.inventory import collect
    from ..measure.meter import Meter
    from ..store import Store

    carbon = carbon_from_args(args)
    settings = sensor_settings(args)
    path = db_path(args)
    # Sensors and the idle baseline first: a bad setting or Ctrl-C here leaves no store.
    with discover(**settings) as discovery:
        sensors = list(discovery.sensors)
        baseline = None
        if args.idle_s > 0 and args.executor == "local":  # ray: per node, on the node
            print(f"measuring {args.idle_s:g} s of idle power ...", file=sys.stderr)
            baseline = Meter(sensors, scope=settings["scope"]).measure_idle(args.idle_s)
            print(_format.idle_line(baseline), file=sys.stderr)
        print(f"scope: {_format.scope_text(settings['scope'])}", file=sys.stderr)
        with Store.open(path) as store:
            summary, shown = _execute(
                args, jobs, suite_name, store, sensors=sensors, baseline=baseline,
                carbon=carbon, runner=RunnerSettings(scope=settings["scope"]), env=collect(sensors),
            )
    print(render(shown, carbon, path))
    return _finish(summary, path)


def _execute(
    args: argparse.Namespace, jobs: Sequence[Any], suite_name: str | None, store: Any, *,
    sensors: Sequence[Any], baseline: Any, carbon: Any, runner: Any, env: Any,
) -> tuple[Any, list[Any]]:
    from ..bench.executor import LocalExecutor, TqdmProgress

    progress = None if args.no_progress else TqdmProgress()
    if args.executor == "ray":
        executor: Any = make_executor(
            args, carbon=carbon, suite=suite_name, progress=progress, settings=runner
        )
    else:
        executor = LocalExecutor(
            baseline=baseline, env=env, carbon=carbon, suite=suite_name,
            sensors=sensors, progress=progress, settings=runner,
        )
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
        print(f"failed: {r.task} {r.model} {r.dataset} ({where}): {r.error}", file=sys.stderr)
    if summary.interrupted:
        kept = len(summary.ok)
        print(f"interrupted: kept {kept} finished repetition(s) in {path}; "
              "run the same command with --resume to finish", file=sys.stderr)
        return 130
    if summary.failures:
        print(f"{len(summary.failures)} job(s) failed; the others' results are stored",
              file=sys.stderr)
        return 1
    return 0


def _per_1000(values_j: list[float], n: int) -> float:
    return statistics.fmean(values_j) / n * 1000.0


def _busy_lines(records: Sequence[Any]) -> list[str]:
    """One warning line each for busy idle baselines and busy repetitions (none if quiet)."""
    lines = []
    measured = [r.measurement for r in records]
    idle_busy = [m for m in measured if m.idle_host_load is not None and m.idle_host_load.busy]
    if idle_busy:
        lines.append(
            f"warning: the idle baseline of {len(idle_busy)} of {len(measured)} repetition(s) "
            "was taken on a BUSY machine: their net figures are unreliable"
        )
    busy = [m for m in measured if m.host_load is not None and m.host_load.busy]
    if busy:
        worst = max(busy, key=lambda m: m.host_load.other_cpus).host_load
        lines.append(
            f"warning: {len(busy)} of {len(measured)} repetition(s) ran while other processes "
            f"kept up to {worst.other_cpus:.2f} of {worst.logical_cpus} CPUs busy: their "
            "machine-level figures include that work (rerun on a quiet machine, or --scope process)"
        )
    return [*lines, ""] if lines else []


def render(records: Sequence[Any], carbon: Any, path: str) -> str:
    """Per task and model: Wh per 1,000 queries (by component, with its method), carbon,
    latency and throughput, averaged over repetitions."""
    from ..units import emissions_g, j_to_wh

    groups: dict[str, list[Any]] = {}
    for r in records:
        if r.measurement is not None:
            groups.setdefault(r.job_key or r.run_id, []).append(r)
    if not groups:
        return f"no finished repetitions to show; store: {path}"
    main_rows, comp_rows = [], []
    for recs in groups.values():
        r0, n = recs[0], recs[0].n_queries or 1
        phases = [r.measurement.phase("query") or r.measurement for r in recs]
        totals = [p.energy_j for p in phases if p.energy_j is not None]
        nets = [p.net_energy_j for p in phases if p.net_energy_j is not None]
        total = _per_1000(totals, n) if totals else None
        std = statistics.stdev(totals) / n * 1000.0 if len(totals) > 1 else None
        grams = emissions_g(total, carbon.intensity_g_per_kwh, carbon.pue) if total else None
        latency = statistics.median(r.extra.get("latency_median_ms", 0.0) for r in recs)
        qps = [r.extra["queries_per_s"] for r in recs if r.extra.get("queries_per_s")]
        estimate = any(c.method.value == "model" for p in phases for c in p.components)
        total_txt = "n/a" if total is None else f"{j_to_wh(total):.3g}"
        if std is not None:
            total_txt += f" ± {j_to_wh(std):.2g}"
        if estimate and total is not None:
            total_txt += " (estimate)"
        net_txt = f"{j_to_wh(_per_1000(nets, n)):.3g}" if nets else "n/a"
        if nets and not all(r.measurement.net_reliable for r in recs):
            net_txt += " (unreliable)"
        main_rows.append([
            r0.task or "", r0.model or "", r0.config.get("dataset_label") or r0.dataset or "",
            str(len(recs)), total_txt, net_txt,
            _format.grams(grams), f"{latency:,.0f}" if latency >= 100 else f"{latency:.3g}",
            f"{statistics.fmean(qps):.3g}" if qps else "n/a",
        ])
        for i, c in enumerate(phases[0].components):
            vals = [p.components[i].energy_j for p in phases if p.components[i].energy_j is not None]
            label = _format.METHOD_LABELS.get(c.method, c.method.value)
            comp_rows.append([
                r0.task or "", r0.model or "", c.source, label,
                f"{j_to_wh(_per_1000(vals, n)):.3g}" if vals else f"n/a ({c.gap or 'gap'})",
            ])
    lines = [
        "Energy of the query phase per 1,000 queries (mean over repetitions):",
        _format.table(
            ["task", "model", "dataset", "reps", "Wh/1k", "net Wh/1k", "CO2eq/1k",
             "ms/query", "queries/s"],
            main_rows, right=(3, 4, 5, 6, 7, 8),
        ),
        "",
        "By component:",
        _format.table(["task", "model", "component", "method", "Wh/1k"], comp_rows, right=(4,)),
        "",
        *_busy_lines([r for recs in groups.values() for r in recs]),
        f"carbon at {carbon.intensity_g_per_kwh:g} g CO2eq/kWh, PUE {carbon.pue:g} "
        f"({carbon.source})",
        f"store: {os.path.abspath(path)}",
        "next: `joulebench report` writes an HTML report of the stored runs"
        " (`joulebench export --format csv` for the raw figures)",
    ]
    return "\n".join(lines)
