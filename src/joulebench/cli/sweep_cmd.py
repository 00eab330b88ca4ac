"""``joulebench sweep``: one job over a grid of configurations, and the one that costs least.

Axes: ``--batch-size 1,4,16``, ``--dtype float32,bfloat16``, ``--threads 1,2`` (CPU),
``--power-limit-w 200,300`` (NVIDIA GPUs where you may set it; the old limit is put back
after each point, also on Ctrl-C, an error or SIGTERM), and any task option
``--option KEY=V1,V2``. Every point is a stored job (its own job key: ``--resume`` skips
finished points), measured as ``joulebench run`` measures. Then: energy per query
against latency per query (and quality where measured) with the Pareto front, the
lowest-energy point under ``--latency-ms`` (``--latency-stat p50|p90``) and above
``--min-quality``, and one sentence comparing it with the first point.
"""

from __future__ import annotations

import argparse
import itertools
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import UsageError
from . import _format
from .common import (
    add_carbon_options,
    add_sensor_options,
    carbon_from_args,
    check_seconds,
    sensor_settings,
)

EXAMPLES = """\
examples:
  joulebench sweep --task text-classification \\
      --model random:distilbert-base-uncased-finetuned-sst-2-english --dataset offline:text \\
      --batch-size 1,8 --dtype float32,bfloat16 -n 16 -r 3
  joulebench sweep ... --batch-size 1,4,16 --latency-ms 50 --latency-stat p90
  joulebench sweep ... --device cuda --power-limit-w 200,300,400 --resume
"""

AXES: dict[str, tuple[str, Callable[[str], Any]]] = {
    "batch_size": ("--batch-size", int),
    "dtype": ("--dtype", str),
    "threads": ("--threads", int),
    "power_limit_w": ("--power-limit-w", float),
}


def register(sub: Any) -> None:
    p = sub.add_parser(
        "sweep", help="measure one job over a grid of configurations; name the cheapest",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None, epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    job = p.add_argument_group("the job")
    job.add_argument("--task", required=True)
    job.add_argument("--model", required=True, help="Hub id, local directory or random:<model>")
    job.add_argument("--dataset", required=True)
    job.add_argument("--column")
    job.add_argument("--label-column", metavar="COLUMN", help="references for quality")
    job.add_argument("--split")
    job.add_argument("--config", dest="dataset_config", metavar="NAME")
    job.add_argument("-n", "--queries", type=int, dest="n_queries", default=16, metavar="N",
                     help="queries per repetition (default 16)")
    job.add_argument("-r", "--repetitions", type=int, default=3, metavar="R",
                     help="repetitions per point (default 3)")
    job.add_argument("--warmup", type=int, default=1, metavar="N")
    job.add_argument("--device", default="auto", help="cpu, cuda or auto (default)")
    axes = p.add_argument_group("axes (comma-separated values; at least one axis)")
    for field, (flag, _) in AXES.items():
        axes.add_argument(flag, dest=f"axis_{field}", metavar="V1,V2")
    axes.add_argument("--option", action="append", default=[], metavar="KEY=V1,V2",
                      help="a task option axis (repeatable)")
    pick = p.add_argument_group("the answer")
    pick.add_argument("--latency-ms", type=float, metavar="MS",
                      help="only points whose per-query latency is at most MS")
    pick.add_argument("--latency-stat", choices=("p50", "p90"), default="p50",
                      help="which latency --latency-ms bounds (default p50)")
    pick.add_argument("--min-quality", type=float, metavar="Q",
                      help="only points whose quality (the task's metric, 0..1) is at least Q")
    p.add_argument("--idle-s", type=float, default=2.0, metavar="S",
                   help="seconds of idle power measured once before the sweep (default 2)")
    p.add_argument("--resume", action="store_true", help="skip points already in the store")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    add_carbon_options(p)
    add_sensor_options(p)
    p.set_defaults(func=run)


def _values(flag: str, text: str, cast: Callable[[str], Any]) -> list[Any]:
    parts = [t.strip() for t in text.split(",")]
    if not text.strip() or any(not t for t in parts):
        raise UsageError(f"{flag} {text!r}: an empty value in the axis", hint=f"e.g. {flag} 1,4,16")
    try:
        values = [cast(t) for t in parts]
    except ValueError:
        raise UsageError(f"{flag} {text!r}: not a list of {cast.__name__} values") from None
    dupes = sorted({str(v) for v in values if values.count(v) > 1})
    if dupes:
        raise UsageError(f"{flag} {text!r}: duplicate point {', '.join(dupes)}")
    return values


def parse_axes(args: argparse.Namespace) -> dict[str, list[Any]]:
    """Axis name -> values, in the order given; a UsageError for an empty or repeated one."""
    axes: dict[str, list[Any]] = {}
    for field, (flag, cast) in AXES.items():
        text = getattr(args, f"axis_{field}")
        if text is not None:
            axes[field] = _values(flag, text, cast)
    for option in args.option:
        key, sep, raw = option.partition("=")
        if not sep or not key:
            raise UsageError(f"--option {option!r}: expected KEY=V1,V2")
        axes[f"option:{key}"] = _values(f"--option {key}", raw, _option_value)
    if not axes:
        raise UsageError("a sweep needs at least one axis", hint="e.g. --batch-size 1,4,16")
    return axes


def _option_value(text: str) -> Any:
    from .run_cmd import _parse_option

    return _parse_option(f"x={text}")[1]


def points(args: argparse.Namespace, axes: dict[str, list[Any]]) -> list[tuple[dict[str, Any], Any]]:
    """(settings, job) per point of the grid, the first value of every axis first."""
    from ..bench.spec import JobSpec

    base = JobSpec(
        task=args.task, model=args.model, dataset=args.dataset, column=args.column,
        split=args.split, config=args.dataset_config, n_queries=args.n_queries,
        repetitions=args.repetitions, warmup=args.warmup, device=args.device,
        label_column=args.label_column,
    )  # fmt: skip
    out = []
    names = list(axes)
    for combo in itertools.product(*(axes[n] for n in names)):
        settings = dict(zip(names, combo, strict=True))
        options = {k.removeprefix("option:"): v for k, v in settings.items() if k.startswith("option:")}
        fields = {k: v for k, v in settings.items() if not k.startswith("option:")}
        job = base.with_overrides(**fields, options=options or None).resolved()
        out.append(({k.removeprefix("option:"): v for k, v in settings.items()}, job))
    keys = [job.job_key for _, job in out]
    if len(set(keys)) != len(keys):
        raise UsageError("two points of the sweep are the same configuration")
    return out


def run(args: argparse.Namespace) -> int:
    from ..bench.runner import validate_job
    from ..data.references import check_label_column
    from ..tasks.catalog import get_task
    from .common import db_path

    axes = parse_axes(args)
    grid = points(args, axes)
    for _, job in grid:
        validate_job(job)
    check_label_column(args.dataset, get_task(args.task).SPEC, args.label_column)
    check_seconds("--idle-s", args.idle_s)
    for name, value in (("--latency-ms", args.latency_ms), ("--min-quality", args.min_quality)):
        if value is not None and not value >= 0:
            raise UsageError(f"{name} must be a number >= 0, got {value}")
    gpus = _check_power(axes, grid)
    carbon = carbon_from_args(args)
    settings = sensor_settings(args)
    return _sweep(args, grid, gpus, carbon, settings, db_path(args))


def _check_power(axes: dict[str, list[Any]], grid: Sequence[tuple[dict[str, Any], Any]]) -> list[int]:
    if "power_limit_w" not in axes:
        return []
    if any(not job.device.startswith("cuda") for _, job in grid):
        raise UsageError("--power-limit-w applies to NVIDIA GPUs: give --device cuda")
    from ..measure.nvml_devices import load_nvml
    from ..measure.power_limit import check_limits

    nvml = load_nvml()
    nvml.nvmlInit()
    count = int(nvml.nvmlDeviceGetCount())
    nvml.nvmlShutdown()
    indices = list(range(count))
    check_limits(nvml, indices, axes["power_limit_w"])
    return indices


def _sweep(args: argparse.Namespace, grid: Sequence[tuple[dict[str, Any], Any]], gpus: list[int],
           carbon: Any, settings: dict[str, Any], path: str) -> int:  # fmt: skip
    from ..bench.executor import LocalExecutor
    from ..bench.runner import RunnerSettings
    from ..measure.discovery import discover
    from ..measure.inventory import collect
    from ..measure.meter import Meter
    from ..store import Store
    from .progress import progress_for
    from .quiet import library_output

    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)  # restores power limits
    try:
        with discover(**settings) as discovery:
            sensors = list(discovery.sensors)
            baseline = None
            if args.idle_s > 0:
                print(f"measuring {args.idle_s:g} s of idle power ...", file=sys.stderr)
                baseline = Meter(sensors, scope=settings["scope"]).measure_idle(args.idle_s)
                print(_format.wrap(_format.idle_line(baseline)), file=sys.stderr)
            runner = RunnerSettings(scope=settings["scope"])
            env = collect(sensors)
            with Store.open(path) as store, library_output():
                for i, (point, job) in enumerate(grid, 1):
                    label = ", ".join(f"{k} {v}" for k, v in point.items())
                    print(_format.wrap(f"point {i}/{len(grid)}: {label}"), file=sys.stderr)
                    executor = LocalExecutor(
                        baseline=baseline, env=env, carbon=carbon, sensors=sensors,
                        progress=progress_for(args), settings=runner,
                    )  # fmt: skip
                    resume = (lambda j: store.completed_repetitions(j.job_key)) if args.resume else None
                    with _power(job, gpus):
                        summary = executor.run([job], _sink(store), resume_filter=resume)
                    if summary.interrupted:
                        print("interrupted: finished points are stored; --resume goes on",
                              file=sys.stderr)
                        return 130
                    for failed in summary.failures:
                        print(_format.wrap(f"failed: {label}: {failed.error}"), file=sys.stderr)
                keys = {job.job_key for _, job in grid}
                stored = [r for r in store.runs(status="ok") if r.job_key in keys]
    finally:
        signal.signal(signal.SIGTERM, previous)
    print(render([(p, [r for r in stored if r.job_key == j.job_key]) for p, j in grid], args))
    return 0


def _sink(store: Any) -> Callable[[Any], None]:
    def write(record: Any) -> None:
        store.write_run(record)

    return write


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def _power(job: Any, gpus: list[int]) -> Any:
    import contextlib

    if job.power_limit_w is None:
        return contextlib.nullcontext()
    from ..measure.nvml_devices import load_nvml
    from ..measure.power_limit import PowerLimit

    return PowerLimit(load_nvml(), gpus, job.power_limit_w)


def render(grid: Sequence[tuple[dict[str, Any], list[Any]]], args: argparse.Namespace) -> str:
    """The points, the front, the answer and its verdict."""
    from ..analysis.sweep import best_point, pareto_front, point_from_runs, verdict
    from ..report.terminal import plain_table

    stat = args.latency_stat
    pts = [p for p in (point_from_runs(s, runs) for s, runs in grid) if p is not None]
    front = {id(p) for p in pareto_front(pts, stat)}
    best = best_point(pts, latency_ms=args.latency_ms, stat=stat, min_quality=args.min_quality)
    rows = []
    for p in pts:
        ci = "" if p.energy_ci95 is None else f" ({p.energy_ci95[0]:.3g}..{p.energy_ci95[1]:.3g})"
        quality = "" if p.quality is None else f"{p.quality[0]} {p.quality[1]:.3g}"
        mark = ("best" if p is best else "") + (" front" if id(p) in front else "")
        rows.append([
            p.label(), f"{p.energy_j_per_query:.3g}{'*' if p.estimate else ''}{ci}",
            f"{p.latency_ms.get('p50', float('nan')):.3g}",
            f"{p.latency_ms.get('p90', float('nan')):.3g}", quality, str(p.n_runs), mark.strip(),
        ])  # fmt: skip
    table = plain_table(
        ["point", "J/query (95% CI)", "p50 ms", "p90 ms", "quality", "runs", ""], rows,
        right=(2, 3, 5),
    )  # fmt: skip
    limit = f"; limit {stat} <= {args.latency_ms:g} ms" if args.latency_ms is not None else ""
    lines = [
        table,
        _format.wrap(
            "front: no other point has lower energy and latency (and higher quality); "
            f"* includes model ESTIMATES{limit}"
        ),
        _format.wrap(
            verdict(pts, best, stat=stat, latency_ms=args.latency_ms, min_quality=args.min_quality)
        ),
    ]
    return "\n".join(lines)
