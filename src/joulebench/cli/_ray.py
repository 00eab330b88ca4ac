"""``joulebench run --executor ray`` options, and the executor they build.

``run_cmd`` calls :func:`add_ray_options` on its parser; :data:`RAY` (the ``ray`` entry of
the executor registry, :mod:`.executors`) calls :func:`make_executor` when ``--executor
ray`` is given; Ray itself is imported only when the executor connects.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import UsageError
from .executors import ExecutorContext, ExecutorPlugin

RAY_ONLY = ("address", "cpus_per_job", "gpus_per_job", "max_retries", "exclusive_node")


def add_ray_options(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group(
        "Ray cluster (with --executor ray; pip install 'joulebench[ray]')"
    )
    g.add_argument(
        "--address",
        default=None,
        metavar="ADDR",
        help="cluster to join: auto (the local `ray start` cluster), HOST:PORT or "
        "ray://HOST:10001; default: start a local cluster on this machine",
    )
    g.add_argument(
        "--cpus-per-job",
        type=float,
        default=None,
        metavar="N",
        help="CPUs each job reserves (default 1)",
    )
    g.add_argument(
        "--gpus-per-job",
        type=float,
        default=None,
        metavar="N",
        help="whole GPUs each job reserves (default: 1 for cuda jobs, else 0)",
    )
    g.add_argument(
        "--max-retries",
        type=int,
        default=None,
        metavar="N",
        help="resubmit a job whose task raised or whose worker died (default 2)",
    )
    g.add_argument(
        "--exclusive-node",
        action="store_true",
        default=None,
        help="one job per node, holding all its CPUs (full CPU/RAM fidelity)",
    )


def check_ray_args(args: argparse.Namespace) -> None:
    """Ray options without ``--executor ray`` are a mistake, not something to ignore."""
    if getattr(args, "executor", "local") == "ray":
        return
    given = [name for name in RAY_ONLY if getattr(args, name, None) is not None]
    if given:
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        raise UsageError(f"{flags}: meaningful only with --executor ray")


def make_executor(
    args: argparse.Namespace, *, carbon: Any = None, suite: str | None = None,
    progress: Any = None, settings: Any = None,
) -> Any:  # fmt: skip
    """A :class:`~joulebench.bench.ray_executor.RayExecutor` from the parsed options."""
    from ..bench.ray_executor import DEFAULT_MAX_RETRIES, RayExecutor

    return RayExecutor(
        args.address,
        cpus_per_job=args.cpus_per_job if args.cpus_per_job is not None else 1.0,
        gpus_per_job=args.gpus_per_job,
        max_retries=args.max_retries if args.max_retries is not None else DEFAULT_MAX_RETRIES,
        exclusive_node=bool(args.exclusive_node),
        idle_s=getattr(args, "idle_s", 0.0) or 0.0,
        carbon=carbon,
        suite=suite,
        progress=progress,
        settings=settings,
    )


def _create(args: argparse.Namespace, ctx: ExecutorContext) -> Any:
    return make_executor(
        args, carbon=ctx.carbon, suite=ctx.suite, progress=ctx.progress, settings=ctx.settings
    )


# Registered as the ``ray`` executor (cli/executors.py); each node measures its own idle.
RAY = ExecutorPlugin("a Ray cluster, one task per job", _create, local_baseline=False)
