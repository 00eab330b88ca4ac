"""The executor registry: where ``joulebench run --executor NAME`` runs its jobs.

An executor plugin (:class:`ExecutorPlugin`) builds an executor (anything with
``run(jobs, sink, *, resume_filter) -> Summary``, see :mod:`joulebench.bench.executor`)
from the parsed ``run`` arguments and what the command has already set up
(:class:`ExecutorContext`). The built-ins are ``local`` (this process, one job after
another) and ``ray`` (a Ray cluster); other packages add theirs through the
``joulebench.executors`` entry-point group (docs/plugins.md)::

    [project.entry-points."joulebench.executors"]
    slurm = "my_package.slurm:EXECUTOR"
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..registry import Registry

if TYPE_CHECKING:
    from ..bench.executor import Executor, Progress
    from ..bench.runner import RunnerSettings
    from ..carbon.context import CarbonContext
    from ..measure.results import IdleBaseline
    from ..measure.sensor import Sensor


@dataclass(frozen=True)
class ExecutorContext:
    """What ``joulebench run`` has set up before it builds the executor."""

    settings: RunnerSettings
    carbon: CarbonContext | None = None
    suite: str | None = None
    progress: Progress | None = None
    sensors: Sequence[Sensor] = ()  # this machine's sensors (open; the command closes them)
    baseline: IdleBaseline | None = None  # this machine's idle power (local_baseline only)
    env: Mapping[str, Any] = field(default_factory=dict)  # this machine's environment


@dataclass(frozen=True)
class ExecutorPlugin:
    """One executor. ``local_baseline``: jobs run on this machine, so ``run`` measures its
    idle power first and passes it in the context (False: the executor measures its own
    nodes, as Ray does)."""

    title: str
    create: Callable[[argparse.Namespace, ExecutorContext], Executor]
    local_baseline: bool = True


def _check_executor(name: str, obj: Any) -> ExecutorPlugin:
    if not isinstance(obj, ExecutorPlugin):
        raise TypeError(f"{obj!r} is not a joulebench.cli.executors.ExecutorPlugin")
    return obj


def _local(args: argparse.Namespace, ctx: ExecutorContext) -> Executor:
    from ..bench.executor import LocalExecutor

    return LocalExecutor(
        baseline=ctx.baseline, env=ctx.env, carbon=ctx.carbon, suite=ctx.suite,
        sensors=ctx.sensors, progress=ctx.progress, settings=ctx.settings,
    )


LOCAL = ExecutorPlugin("this process, one job after another", _local)

EXECUTORS: Registry[ExecutorPlugin] = Registry(
    "executor", group="joulebench.executors", check=_check_executor
)
EXECUTORS.add("local", "joulebench.cli.executors:LOCAL")
EXECUTORS.add("ray", "joulebench.cli._ray:RAY")

__all__ = ["EXECUTORS", "ExecutorContext", "ExecutorPlugin"]
