"""Executor ``example-inline``: the local executor, announcing itself on stderr."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from joulebench.bench.executor import LocalExecutor
from joulebench.cli.executors import ExecutorContext, ExecutorPlugin


class InlineExecutor(LocalExecutor):
    def run(self, jobs: Any, sink: Any, **kw: Any) -> Any:
        print(f"example-inline: running {len(jobs)} job(s)", file=sys.stderr)
        return super().run(jobs, sink, **kw)


def _create(args: argparse.Namespace, ctx: ExecutorContext) -> InlineExecutor:
    return InlineExecutor(baseline=ctx.baseline, env=ctx.env, carbon=ctx.carbon,
                          suite=ctx.suite, sensors=ctx.sensors, progress=ctx.progress,
                          settings=ctx.settings)


EXECUTOR = ExecutorPlugin("this process, announced (example plugin)", _create)
